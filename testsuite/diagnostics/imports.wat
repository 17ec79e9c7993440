;; A module whose import no host provides.
(module
  (import "env" "missing" (func $missing (param i32 i32) (result i32)))
  (func (export "fine") (result i32) (i32.const 7))
  (func (export "calls_missing") (result i32) (call $missing (i32.const 1) (i32.const 2))))
