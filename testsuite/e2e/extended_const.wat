;; Extended constant expressions (Wasm 3.0): integer add, sub and mul of
;; constants and imported-style globals, in global initialisers, data and
;; element segment offsets; arithmetic wraps.
(module
  (global $base i32 (i32.const 100))
  (global $sum i32 (i32.add (i32.const 7) (i32.mul (i32.const 6) (i32.const 5))))
  (global $wrap i32 (i32.mul (i32.const 0x7fffffff) (i32.const 2)))
  (global $big i64 (i64.sub (i64.const 0) (i64.mul (i64.const 3) (i64.const 1000000000000))))
  (memory 1)
  (data (i32.add (i32.const 16) (i32.mul (i32.const 2) (i32.const 8))) "\2a")
  (table 8 funcref)
  (elem (i32.sub (i32.const 7) (i32.const 2)) $answer)
  (type $r (func (result i32)))
  (func $answer (result i32) (i32.const 42))
  (func (export "sum") (result i32) (global.get $sum))
  (func (export "wrap") (result i32) (global.get $wrap))
  (func (export "big") (result i64) (global.get $big))
  (func (export "data-at-32") (result i32) (i32.load8_u (i32.const 32)))
  (func (export "elem-at-5") (result i32) (call_indirect (type $r) (i32.const 5))))
