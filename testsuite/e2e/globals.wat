;; Globals: mutable and immutable globals of all four numeric types; values persist across calls.
(module
  (global $mi32 (mut i32) (i32.const -7))
  (global $mi64 (mut i64) (i64.const 0x7fffffffffffffff))
  (global $mf32 (mut f32) (f32.const 3.5))
  (global $mf64 (mut f64) (f64.const -1e300))
  (global $ci32 i32 (i32.const 42))
  (global $ci64 i64 (i64.const -1))
  (global $cf32 f32 (f32.const nan:0x12345))
  (global $cf64 f64 (f64.const 0.1))
  (global $counter (mut i32) (i32.const 0))

  (func $get_i32 (export "get_i32") (result i32) (global.get $mi32))
  (func $get_i64 (export "get_i64") (result i64) (global.get $mi64))
  (func $get_f32 (export "get_f32") (result f32) (global.get $mf32))
  (func $get_f64 (export "get_f64") (result f64) (global.get $mf64))
  (func $set_i32 (export "set_i32") (param i32) (global.set $mi32 (local.get 0)))
  (func $set_i64 (export "set_i64") (param i64) (global.set $mi64 (local.get 0)))
  (func $set_f32 (export "set_f32") (param f32) (global.set $mf32 (local.get 0)))
  (func $set_f64 (export "set_f64") (param f64) (global.set $mf64 (local.get 0)))
  ;; Store a raw bit pattern into the float globals (NaN payloads must survive).
  (func $set_f32_bits (export "set_f32_bits") (param i32) (global.set $mf32 (f32.reinterpret_i32 (local.get 0))))
  (func $set_f64_bits (export "set_f64_bits") (param i64) (global.set $mf64 (f64.reinterpret_i64 (local.get 0))))
  (func $get_f32_bits (export "get_f32_bits") (result i32) (i32.reinterpret_f32 (global.get $mf32)))
  (func $get_f64_bits (export "get_f64_bits") (result i64) (i64.reinterpret_f64 (global.get $mf64)))

  (func $const_i32 (export "const_i32") (result i32) (global.get $ci32))
  (func $const_i64 (export "const_i64") (result i64) (global.get $ci64))
  (func $const_f32 (export "const_f32") (result f32) (global.get $cf32))
  (func $const_f64 (export "const_f64") (result f64) (global.get $cf64))
  (func $const_f32_bits (export "const_f32_bits") (result i32) (i32.reinterpret_f32 (global.get $cf32)))

  ;; Read-modify-write within one call, and across calls.
  (func $incr_i64 (export "incr_i64") (result i64)
    (global.set $mi64 (i64.add (global.get $mi64) (i64.const 1)))
    (global.get $mi64))
  (func $next (export "next") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))
  ;; Use all globals in one expression: i32 + i64 + f32 + f64 + constants, as f64.
  (func $mix (export "mix") (result f64)
    (f64.add
      (f64.add (f64.convert_i32_s (global.get $mi32)) (f64.convert_i64_s (global.get $mi64)))
      (f64.add (f64.promote_f32 (global.get $mf32))
               (f64.add (global.get $mf64) (f64.convert_i32_s (global.get $ci32))))))
  ;; Swap the i32 global with the counter; returns the old value of the i32 global.
  (func $swap_with_counter (export "swap_with_counter") (result i32)
    (local $t i32)
    (local.set $t (global.get $mi32))
    (global.set $mi32 (global.get $counter))
    (global.set $counter (local.get $t))
    (local.get $t))
  ;; A write before a trap is not rolled back.
  (func $set_then_trap (export "set_then_trap") (param i32)
    (global.set $mi32 (local.get 0))
    (unreachable))
  ;; Writes inside a loop and a callee.
  (func $add_to_counter (param i32) (global.set $counter (i32.add (global.get $counter) (local.get 0))))
  (func $sum_into_counter (export "sum_into_counter") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $add_to_counter (local.get $n))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (global.get $counter))
)
