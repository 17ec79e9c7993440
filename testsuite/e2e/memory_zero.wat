;; A memory of initial size 0 ((memory 0)): every access traps until it is grown.
(module
  (memory 0)
  (func $size (export "size") (result i32) (memory.size))
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $load8 (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $load64 (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func $loadf64 (export "loadf64") (param i32) (result f64) (f64.load (local.get 0)))
  (func $store8 (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func $store (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func $load_const0 (export "load_const0") (result i32) (i32.load8_u (i32.const 0)))
)
