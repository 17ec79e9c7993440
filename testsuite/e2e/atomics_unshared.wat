;; Atomics on a memory that is not shared: allowed, except that wait traps.
(module
  (memory 1)
  (func (export "rmw") (param i32) (result i32)
    (drop (i32.atomic.rmw.add (local.get 0) (i32.const 3)))
    (i32.atomic.load (local.get 0)))
  (func (export "wait") (param i32) (result i32)
    (memory.atomic.wait32 (local.get 0) (i32.const 0) (i64.const 0)))
  (func (export "notify") (param i32) (result i32)
    (memory.atomic.notify (local.get 0) (i32.const 1))))
