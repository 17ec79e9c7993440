;; Narrow loads widen and narrow stores truncate inside the memory access:
;; `i32.load8_u` is one `uload8` (`movzbq` on x86-64), not a `load.i8`
;; followed by a `uextend` that costs a second instruction; `i64.store32`
;; is one `istore32`, with no `ireduce` before it.
(module
  (memory 1)
  (func (export "bytes") (param i32) (result i32)
    (i32.add (i32.load8_u (local.get 0)) (i32.load8_s offset=1 (local.get 0))))
  (func (export "halves") (param i32) (result i64)
    (i64.add (i64.load16_u (local.get 0)) (i64.load32_s offset=4 (local.get 0))))
  (func (export "narrow_stores") (param i32 i64)
    (i32.store8 (local.get 0) (i32.wrap_i64 (local.get 1)))
    (i64.store32 offset=4 (local.get 0) (local.get 1))))
