;; A WASI reactor: it exports `_initialize` and no `_start`. Instantiated as
;; a WASI application (as every e2e fixture is), `_initialize` runs exactly
;; once, after the start function and before any export.
(module
  (memory (export "memory") 1)
  (global $value (mut i32) (i32.const 0))
  (global $init_calls (mut i32) (i32.const 0))
  (global $start_ran (mut i32) (i32.const 0))
  (global $calls (mut i32) (i32.const 0))

  (func $start (global.set $start_ran (i32.const 1)))
  (start $start)

  (func (export "_initialize")
    ;; The start function ran before `_initialize`.
    (global.set $value (i32.add (i32.const 41) (global.get $start_ran)))
    (global.set $init_calls (i32.add (global.get $init_calls) (i32.const 1)))
    (i32.store (i32.const 16) (i32.const 0x1234)))

  (func (export "value") (result i32) (global.get $value))
  (func (export "init_calls") (result i32) (global.get $init_calls))
  ;; Counts its own calls: state persists between exports of a reactor.
  (func (export "count") (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (global.get $calls))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)
