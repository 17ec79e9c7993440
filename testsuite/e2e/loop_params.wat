;; Loops with parameters (multi-value): params carried around the back-edge, falling off the end with results.
(module
  ;; One param, one result, falls through: x + 1.
  (func $loop_param_add (export "loop_param_add") (param $x i32) (result i32)
    (local.get $x)
    (loop (param i32) (result i32)
      (i32.const 1)
      (i32.add)))

  ;; One param, one result, with a back-edge carrying the param: counts up to n (at least once).
  (func $loop_param_count (export "loop_param_count") (param $n i32) (result i32)
    (local $t i32)
    (i32.const 0)
    (loop $l (param i32) (result i32)
      (local.tee $t (i32.add (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $t) (local.get $n)))))

  ;; Two params, two results: Fibonacci pair after n steps, (a, b) -> (b, a + b).
  (func $loop_param_fib (export "loop_param_fib") (param $n i32) (result i32 i32)
    (local $a i32) (local $b i32)
    (i32.const 0) (i32.const 1)
    (loop $l (param i32 i32) (result i32 i32)
      (local.set $b) (local.set $a)
      (if (result i32 i32) (i32.eqz (local.get $n))
        (then (local.get $a) (local.get $b))
        (else
          (local.set $n (i32.sub (local.get $n) (i32.const 1)))
          (local.get $b) (i32.add (local.get $a) (local.get $b))
          (br $l)))))

  ;; Two params (i64 accumulator, i32 counter), one result: factorial.
  (func $loop_param_fact (export "loop_param_fact") (param $n i32) (result i64)
    (local $k i32)
    (i64.const 1) (local.get $n)
    (loop $l (param i64 i32) (result i64)
      (local.set $k)
      (if (param i64) (result i64) (i32.eqz (local.get $k))
        (then)
        (else
          (i64.mul (i64.extend_i32_u (local.get $k)))
          (i32.sub (local.get $k) (i32.const 1))
          (br $l)))))

  ;; One param, no results: the param is consumed inside the loop.
  (func $loop_param_drop (export "loop_param_drop") (param $x i32) (result i32)
    (local $seen i32)
    (local.get $x)
    (loop (param i32)
      (local.set $seen))
    (i32.mul (local.get $seen) (i32.const 3)))

  ;; Mixed-type params: (f64 sum, i32 counter) -> f64; sums 0.5 n times.
  (func $loop_param_mixed (export "loop_param_mixed") (param $n i32) (result f64)
    (local $k i32)
    (f64.const 0) (local.get $n)
    (loop $l (param f64 i32) (result f64)
      (local.tee $k)  ;; the counter doubles as the if condition
      (if (param f64) (result f64)
        (then
          (f64.add (f64.const 0.5))
          (i32.sub (local.get $k) (i32.const 1))
          (br $l))
        (else))))
)
