;; flags: --bounds-checks explicit
;; The same narrow accesses with explicit bounds checks: each compares its
;; offset plus its own width (1, 2 or 4 bytes) with the memory's length.
(module
  (memory 1)
  (func (export "bytes") (param i32) (result i32)
    (i32.add (i32.load8_u (local.get 0)) (i32.load8_s offset=1 (local.get 0))))
  (func (export "halves") (param i32) (result i64)
    (i64.add (i64.load16_u (local.get 0)) (i64.load32_s offset=4 (local.get 0))))
  (func (export "narrow_stores") (param i32 i64)
    (i32.store8 (local.get 0) (i32.wrap_i64 (local.get 1)))
    (i64.store32 offset=4 (local.get 0) (local.get 1))))
