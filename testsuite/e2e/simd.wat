;; Fixed-width SIMD (Wasm 2.0) and relaxed SIMD (Wasm 3.0): a dot product
;; over memory with vector loads, lane arithmetic, shuffles and swizzles,
;; narrowing and widening, rounding, a v128 global initialised by
;; v128.const, v128 parameters and results, and the relaxed instructions
;; whose one fixed choice waot documents (unfused madd).
(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00\07\00\00\00\08\00\00\00")
  (global $g (mut v128) (v128.const i32x4 10 20 30 40))
  ;; sum of i*(i+1) for i in 1..7 (memory holds 1..8, then zeros)
  (func (export "dot") (result i32)
    (local $acc v128)
    (local.set $acc
      (i32x4.add
        (i32x4.mul (v128.load (i32.const 0)) (v128.load (i32.const 4)))
        (i32x4.mul (v128.load (i32.const 16)) (v128.load (i32.const 20)))))
    (i32.add
      (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
      (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
  (func (export "global") (result v128)
    (global.set $g (i32x4.add (global.get $g) (i32x4.splat (i32.const 1))))
    (global.get $g))
  (func (export "reverse") (param v128) (result v128)
    (i8x16.shuffle 15 14 13 12 11 10 9 8 7 6 5 4 3 2 1 0 (local.get 0) (local.get 0)))
  (func (export "swizzle") (result v128)
    (i8x16.swizzle
      (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
      (v128.const i8x16 3 3 200 0 16 1 2 15 0 0 0 0 255 128 7 7)))
  (func (export "narrow") (result v128)
    (i8x16.narrow_i16x8_s
      (v128.const i16x8 -300 -128 -1 0 1 127 128 300)
      (v128.const i16x8 1 2 3 4 5 6 7 8)))
  (func (export "widen-sum") (result i32)
    (i32x4.extract_lane 3
      (i32x4.extadd_pairwise_i16x8_s
        (i16x8.extend_high_i8x16_s (v128.const i8x16 0 0 0 0 0 0 0 0 1 2 3 4 5 6 -7 -8)))))
  (func (export "nearest") (result v128)
    (f32x4.nearest (v128.const f32x4 0.5 1.5 -2.5 3.7)))
  (func (export "bitmask") (param i32) (result i32)
    (i8x16.bitmask (i8x16.lt_s (i8x16.splat (local.get 0)) (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15))))
  (func (export "madd") (result f32)
    (f32x4.extract_lane 0
      (f32x4.relaxed_madd
        (f32x4.splat (f32.const 0x1.000002p+0))
        (f32x4.splat (f32.const 0x1.000002p+0))
        (f32x4.splat (f32.const -0x1.000004p+0)))))
  (func (export "relaxed-dot") (result i32)
    (i32x4.extract_lane 0
      (i32x4.relaxed_dot_i8x16_i7x16_add_s
        (v128.const i8x16 1 2 3 4 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i8x16 5 6 7 8 0 0 0 0 0 0 0 0 0 0 0 0)
        (v128.const i32x4 1000 0 0 0))))
  (func (export "store-lane") (result i64)
    (v128.store64_lane 1 (i32.const 100) (v128.const i64x2 1 0x1122334455667788))
    (i64.load (i32.const 100)))
  (func (export "load-oob") (result v128)
    (v128.load (i32.const 65530))))
