;; Leaf functions small enough to be inlined (no calls, a few instructions)
;; that trap, called directly: a trap inside an inlined body must be
;; reported as without inlining, naming the callee and its own wasm offset.
(module
  (memory 1)
  (func $leaf_load (param i32) (result i32)
    (i32.load (local.get 0)))
  (func $leaf_divide (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $leaf_never (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (unreachable)))
    (local.get 0))
  (func (export "load") (param i32) (result i32)
    (i32.add (call $leaf_load (local.get 0)) (i32.const 1)))
  (func (export "divide") (param i32 i32) (result i32)
    (i32.mul (call $leaf_divide (local.get 0) (local.get 1)) (i32.const 2)))
  (func (export "never") (param i32) (result i32)
    (call $leaf_never (local.get 0))))
