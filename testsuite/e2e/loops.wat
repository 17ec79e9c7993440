;; Loops that exit by falling off their end (no branch back), alone and nested.
(module
  ;; A loop whose body is a single expression: falls through immediately.
  (func $loop_result (export "loop_result") (result i32)
    (loop (result i32) (i32.const 5)))

  ;; The body runs exactly once when nothing branches back.
  (func $loop_once (export "loop_once") (result i32)
    (local $c i32)
    (loop (local.set $c (i32.add (local.get $c) (i32.const 1))))
    (local.get $c))

  ;; do-while: the back-edge is a br_if at the very end of the body.
  (func $do_while (export "do_while") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_s (local.get $i) (local.get $n))))
    (local.get $i))

  ;; Loop followed by more code inside a block with a result.
  (func $loop_then_value (export "loop_then_value") (param $n i32) (result i32)
    (block (result i32)
      (loop $l
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (i32.gt_s (local.get $n) (i32.const 0))))
      (i32.add (local.get $n) (i32.const 100))))

  ;; while-style: an if inside the loop branches back; the loop ends when the if is skipped.
  ;; Sum of (i * i) mod 7 for i in 0..n, as i64.
  (func $loop_long (export "loop_long") (param $n i32) (result i64)
    (local $i i32) (local $acc i64)
    (loop $l
      (if (i32.lt_u (local.get $i) (local.get $n))
        (then
          (local.set $acc (i64.add (local.get $acc)
            (i64.extend_i32_u (i32.rem_u (i32.mul (local.get $i) (local.get $i)) (i32.const 7)))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $l))))
    (local.get $acc))

  ;; Two nested do-while loops: sum over i, j in 0..n of i * j (n >= 1), as i64.
  (func $nested_sum (export "nested_sum") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $acc i64)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $acc (i64.add (local.get $acc)
          (i64.mul (i64.extend_i32_u (local.get $i)) (i64.extend_i32_u (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc))

  ;; Nested loops; breaking out of the outer loop from the inner one (the inner loop also falls through).
  ;; Finds the first (i, j), 1 <= j <= i, in row-major order with i * j > n; returns i * 1000 + j.
  (func $nested_break (export "nested_break") (param $n i32) (result i32)
    (local $i i32) (local $j i32)
    (local.set $i (i32.const 1))
    (block $found
      (loop $outer
        (local.set $j (i32.const 1))
        (loop $inner
          (br_if $found (i32.gt_s (i32.mul (local.get $i) (local.get $j)) (local.get $n)))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $inner (i32.le_s (local.get $j) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (i32.add (i32.mul (local.get $i) (i32.const 1000)) (local.get $j)))

  ;; A loop with a result inside an if arm.
  (func $loop_in_if (export "loop_in_if") (param $x i32) (result i32)
    (if (result i32) (local.get $x)
      (then (loop (result i32) (i32.mul (local.get $x) (i32.const 2))))
      (else (i32.const -1))))
)
