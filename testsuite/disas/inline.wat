;; flags: --inline
;; Inlining (--inline): direct calls to small leaf functions become
;; the callee's code, each inlined instruction keeping the callee's wasm
;; offset (`@002a`…), so a trap in it is reported where it was written.
;; `$get` loads (may trap), `$twice` only computes, `$rec` calls itself
;; and so is not a leaf: it stays a call.
(module
  (memory 1)
  (func $get (param i32) (result i32)
    (i32.load offset=4 (local.get 0)))
  (func $twice (param i32) (result i32)
    (i32.shl (local.get 0) (i32.const 1)))
  (func $rec (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call $rec (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0))))
  (func (export "f") (param i32) (result i32)
    (i32.add
      (call $twice (call $get (local.get 0)))
      (call $rec (local.get 0)))))
