;; Function calls: recursion, mutual recursion, many parameters, multiple results, stack exhaustion.
(module
  (global $counter (mut i32) (i32.const 0))

  (func $fac (export "fac") (param $n i64) (result i64)
    (if (result i64) (i64.le_s (local.get $n) (i64.const 1))
      (then (i64.const 1))
      (else (i64.mul (local.get $n) (call $fac (i64.sub (local.get $n) (i64.const 1)))))))

  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  (func $ack (export "ack") (param $m i32) (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $m))
      (then (i32.add (local.get $n) (i32.const 1)))
      (else
        (if (result i32) (i32.eqz (local.get $n))
          (then (call $ack (i32.sub (local.get $m) (i32.const 1)) (i32.const 1)))
          (else (call $ack (i32.sub (local.get $m) (i32.const 1))
                           (call $ack (local.get $m) (i32.sub (local.get $n) (i32.const 1)))))))))

  ;; Mutual recursion.
  (func $is_even (export "is_even") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 1))
      (else (call $is_odd (i32.sub (local.get $n) (i32.const 1))))))
  (func $is_odd (export "is_odd") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (call $is_even (i32.sub (local.get $n) (i32.const 1))))))

  ;; Ten mixed parameters: a weighted sum that depends on every argument's position.
  (func $sum10 (export "sum10")
    (param $a i32) (param $b i64) (param $c f32) (param $d f64) (param $e i32)
    (param $f i64) (param $g f32) (param $h f64) (param $i i32) (param $j f64) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64.convert_i32_s (local.get $a))
                 (f64.mul (f64.convert_i64_s (local.get $b)) (f64.const 10)))
        (f64.add (f64.mul (f64.promote_f32 (local.get $c)) (f64.const 100))
                 (f64.mul (local.get $d) (f64.const 1000))))
      (f64.add
        (f64.add (f64.mul (f64.convert_i32_s (local.get $e)) (f64.const 1e4))
                 (f64.mul (f64.convert_i64_s (local.get $f)) (f64.const 1e5)))
        (f64.add
          (f64.add (f64.mul (f64.promote_f32 (local.get $g)) (f64.const 1e6))
                   (f64.mul (local.get $h) (f64.const 1e7)))
          (f64.add (f64.mul (f64.convert_i32_s (local.get $i)) (f64.const 1e8))
                   (f64.mul (local.get $j) (f64.const 1e9)))))))
  ;; The same, reached through a wasm-to-wasm call with the arguments permuted by the caller.
  (func $call_sum10 (export "call_sum10") (param $x i32) (result f64)
    (call $sum10 (local.get $x) (i64.const 2) (f32.const 3) (f64.const 4) (i32.const 5)
                 (i64.const 6) (f32.const 7) (f64.const 8) (i32.const 9) (f64.const 1)))

  ;; Twenty i64 parameters (most passed on the stack): sum of (k+1) * p_k.
  (func $weigh20 (export "weigh20")
    (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i64) (result i64)
    (local $acc i64)
    (local.set $acc (local.get 0))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 1) (i64.const 2))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 2) (i64.const 3))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 3) (i64.const 4))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 4) (i64.const 5))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 5) (i64.const 6))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 6) (i64.const 7))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 7) (i64.const 8))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 8) (i64.const 9))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 9) (i64.const 10))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 10) (i64.const 11))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 11) (i64.const 12))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 12) (i64.const 13))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 13) (i64.const 14))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 14) (i64.const 15))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 15) (i64.const 16))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 16) (i64.const 17))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 17) (i64.const 18))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 18) (i64.const 19))))
    (local.set $acc (i64.add (local.get $acc) (i64.mul (local.get 19) (i64.const 20))))
    (local.get $acc))
  (func $call_weigh20 (export "call_weigh20") (param $x i64) (result i64)
    (call $weigh20 (local.get $x) (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1)
                   (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1)
                   (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1)
                   (i64.const 1) (i64.const 1) (i64.const 1) (i64.const 1) (local.get $x)))

  ;; Sixteen f64 parameters (more than fit in registers), called from wasm.
  (func $pick_f64 (param f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64 f64) (result f64)
    (f64.sub (local.get 15) (f64.mul (local.get 8) (local.get 0))))
  (func $call_pick_f64 (export "call_pick_f64") (param $a f64) (param $b f64) (result f64)
    (call $pick_f64 (local.get $a) (f64.const 1) (f64.const 2) (f64.const 3) (f64.const 4)
                    (f64.const 5) (f64.const 6) (f64.const 7) (local.get $b) (f64.const 9)
                    (f64.const 10) (f64.const 11) (f64.const 12) (f64.const 13) (f64.const 14)
                    (f64.const 0.25)))

  ;; Four results of mixed types.
  (func $multi4 (export "multi4") (param $x i32) (result i32 i64 f32 f64)
    (local.get $x)
    (i64.shl (i64.extend_i32_s (local.get $x)) (i64.const 32))
    (f32.add (f32.convert_i32_s (local.get $x)) (f32.const 0.5))
    (f64.div (f64.convert_i32_s (local.get $x)) (f64.const 4)))
  ;; Calls multi4 and returns its results in reverse order.
  (func $call_multi4_reversed (export "call_multi4_reversed") (param $x i32) (result f64 f32 i64 i32)
    (local $a i32) (local $b i64) (local $c f32) (local $d f64)
    (call $multi4 (local.get $x))
    (local.set $d) (local.set $c) (local.set $b) (local.set $a)
    (local.get $d) (local.get $c) (local.get $b) (local.get $a))
  ;; Eight i64 results (forces a return area), consumed by a caller.
  (func $eight (param $x i64) (result i64 i64 i64 i64 i64 i64 i64 i64)
    (local.get $x)
    (i64.add (local.get $x) (i64.const 1))
    (i64.add (local.get $x) (i64.const 2))
    (i64.add (local.get $x) (i64.const 3))
    (i64.add (local.get $x) (i64.const 4))
    (i64.add (local.get $x) (i64.const 5))
    (i64.add (local.get $x) (i64.const 6))
    (i64.add (local.get $x) (i64.const 7)))
  ;; Alternating sum x - (x+1) + (x+2) - ... of the eight results = -4.
  (func $call_eight (export "call_eight") (param $x i64) (result i64)
    (local $s i64) (local $t i64)
    (call $eight (local.get $x))
    (local.set $t) (local.set $s (i64.sub (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.add (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.sub (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.add (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.sub (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.add (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.sub (local.get $s) (local.get $t)))
    (local.set $t) (local.set $s (i64.add (local.get $s) (local.get $t)))
    (local.get $s))
  (func $eight_exported (export "eight") (param $x i64) (result i64 i64 i64 i64 i64 i64 i64 i64)
    (call $eight (local.get $x)))

  ;; A function without results called for its side effect.
  (func $bump (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (func $bump_n (export "bump_n") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (call $bump)
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (global.get $counter))

  ;; Deep but finite recursion.
  (func $depth (export "depth") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $depth (i32.sub (local.get $n) (i32.const 1)))))))
  (func $depth_f64 (export "depth_f64") (param $n i32) (param $x f64) (result f64)
    (if (result f64) (i32.eqz (local.get $n))
      (then (local.get $x))
      (else (f64.add (f64.const 0.5) (call $depth_f64 (i32.sub (local.get $n) (i32.const 1)) (local.get $x))))))

  ;; Unbounded recursion.
  (func $forever (export "forever") (param $n i32) (result i32)
    (i32.add (call $forever (i32.add (local.get $n) (i32.const 1))) (i32.const 1)))
  ;; Unbounded mutual recursion with big frames (many live values).
  (func $ping (export "ping") (param $a i64) (param $b f64) (result f64)
    (f64.add (call $pong (i64.add (local.get $a) (i64.const 1)) (f64.mul (local.get $b) (f64.const 2)))
             (f64.convert_i64_s (local.get $a))))
  (func $pong (param $a i64) (param $b f64) (result f64)
    (f64.sub (call $ping (i64.sub (local.get $a) (i64.const 3)) (f64.add (local.get $b) (f64.const 1)))
             (local.get $b)))

  ;; A trap deep inside a recursion.
  (func $div_at_depth (export "div_at_depth") (param $n i32) (param $d i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.div_u (i32.const 100) (local.get $d)))
      (else (i32.add (i32.const 1) (call $div_at_depth (i32.sub (local.get $n) (i32.const 1)) (local.get $d))))))
)
