;; Tail calls (Wasm 3.0): return_call and return_call_indirect run in
;; constant stack space, so unbounded tail recursion does not exhaust the
;; 1 MiB wasm stack; a non-tail call of the same depth does.
(module
  (type $countdown (func (param i64 i64) (result i64)))
  (table 1 funcref)
  (elem (i32.const 0) $even-odd)
  ;; sum of n + (n-1) + … + 1, accumulated in tail position
  (func $sum (export "sum") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call $sum
        (i64.sub (local.get $n) (i64.const 1))
        (i64.add (local.get $acc) (local.get $n))))))
  ;; the same through the table
  (func $even-odd (export "via-table") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (return_call_indirect (type $countdown)
        (i64.sub (local.get $n) (i64.const 1))
        (i64.add (local.get $acc) (i64.const 1))
        (i32.const 0)))))
  ;; a plain call in the same position: the stack runs out
  (func $deep (export "not-tail") (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else (call $deep
        (i64.sub (local.get $n) (i64.const 1))
        (i64.add (local.get $acc) (local.get $n)))))))
