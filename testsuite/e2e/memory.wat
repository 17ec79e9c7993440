;; Linear memory: loads/stores of every width, byte order, unaligned access, memarg offsets, data segments,
;; exact out-of-bounds boundaries, memory.size and memory.grow up to the declared maximum.
(module
  (memory 1 3)
  (data (i32.const 0) "\01\02\03\04\05\06\07\08\f0\f1\f2\f3\f4\f5\f6\f7")
  (data (i32.const 100) "hello, world")
  (data (i32.const 200) "abcdef")
  (data (i32.const 203) "XY")              ;; later segments overwrite earlier ones
  (data (i32.const 65532) "\aa\bb\cc\dd")  ;; the last four bytes of the first page

  (func $i32_load8_s (export "i32_load8_s") (param i32) (result i32) (i32.load8_s (local.get 0)))
  (func $i32_load8_u (export "i32_load8_u") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func $i32_load16_s (export "i32_load16_s") (param i32) (result i32) (i32.load16_s (local.get 0)))
  (func $i32_load16_u (export "i32_load16_u") (param i32) (result i32) (i32.load16_u (local.get 0)))
  (func $i32_load (export "i32_load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $i64_load8_s (export "i64_load8_s") (param i32) (result i64) (i64.load8_s (local.get 0)))
  (func $i64_load8_u (export "i64_load8_u") (param i32) (result i64) (i64.load8_u (local.get 0)))
  (func $i64_load16_s (export "i64_load16_s") (param i32) (result i64) (i64.load16_s (local.get 0)))
  (func $i64_load16_u (export "i64_load16_u") (param i32) (result i64) (i64.load16_u (local.get 0)))
  (func $i64_load32_s (export "i64_load32_s") (param i32) (result i64) (i64.load32_s (local.get 0)))
  (func $i64_load32_u (export "i64_load32_u") (param i32) (result i64) (i64.load32_u (local.get 0)))
  (func $i64_load (export "i64_load") (param i32) (result i64) (i64.load (local.get 0)))
  (func $f32_load (export "f32_load") (param i32) (result f32) (f32.load (local.get 0)))
  (func $f64_load (export "f64_load") (param i32) (result f64) (f64.load (local.get 0)))

  (func $i32_store8 (export "i32_store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func $i32_store16 (export "i32_store16") (param i32 i32) (i32.store16 (local.get 0) (local.get 1)))
  (func $i32_store (export "i32_store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func $i64_store8 (export "i64_store8") (param i32 i64) (i64.store8 (local.get 0) (local.get 1)))
  (func $i64_store16 (export "i64_store16") (param i32 i64) (i64.store16 (local.get 0) (local.get 1)))
  (func $i64_store32 (export "i64_store32") (param i32 i64) (i64.store32 (local.get 0) (local.get 1)))
  (func $i64_store (export "i64_store") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func $f32_store (export "f32_store") (param i32 f32) (f32.store (local.get 0) (local.get 1)))
  (func $f64_store (export "f64_store") (param i32 f64) (f64.store (local.get 0) (local.get 1)))

  ;; Static offsets in the memarg (effective address = dynamic address + offset, no wrapping).
  (func $load_off4 (export "load_off4") (param i32) (result i32) (i32.load offset=4 (local.get 0)))
  (func $load8_off_65535 (export "load8_off_65535") (param i32) (result i32) (i32.load8_u offset=65535 (local.get 0)))
  (func $load_off_65536 (export "load_off_65536") (param i32) (result i32) (i32.load offset=65536 (local.get 0)))
  (func $load_off_max (export "load_off_max") (param i32) (result i32) (i32.load offset=4294967295 (local.get 0)))
  (func $load8_off_max (export "load8_off_max") (param i32) (result i32) (i32.load8_u offset=4294967295 (local.get 0)))
  (func $i64_load_off_big (export "i64_load_off_big") (param i32) (result i64) (i64.load offset=0x80000000 (local.get 0)))
  (func $store_off_65532 (export "store_off_65532") (param i32 i32) (i32.store offset=65532 (local.get 0) (local.get 1)))
  (func $store_off_max (export "store_off_max") (param i32 i32) (i32.store offset=4294967295 (local.get 0) (local.get 1)))
  ;; Alignment hints do not change behaviour, even when wrong.
  (func $load_align1 (export "load_align1") (param i32) (result i64) (i64.load align=1 (local.get 0)))
  (func $load_align8_unaligned (export "load_align8_unaligned") (param i32) (result i64) (i64.load offset=3 align=8 (local.get 0)))
  ;; Constant addresses.
  (func $const_addr_ok (export "const_addr_ok") (result i32) (i32.load16_u (i32.const 65534)))
  (func $const_addr_oob (export "const_addr_oob") (result i32) (i32.load (i32.const 65533)))

  (func $size (export "size") (result i32) (memory.size))
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
