;; An early `return` and a `br` to the function's own label each end in
;; their own epilogue (a `return` right there) instead of a jump to one
;; shared exit block: a call-heavy function's base case saves a jump.
(module
  (func $fib (export "fib") (param i32) (result i32)
    (block
      (br_if 0 (i32.ge_s (local.get 0) (i32.const 2)))
      (return (local.get 0)))
    (i32.add
      (call $fib (i32.sub (local.get 0) (i32.const 1)))
      (call $fib (i32.sub (local.get 0) (i32.const 2)))))
  (func (export "clamp") (param i32) (result i32)
    (if (i32.lt_s (local.get 0) (i32.const 100))
      (then (br 1 (local.get 0))))
    (i32.const 100)))
