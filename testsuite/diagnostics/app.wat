;; The module every diagnostics case starts from.
(module
  (func (export "answer") (result i32) (i32.const 42))
  (func $boom (export "boom") (unreachable)))
