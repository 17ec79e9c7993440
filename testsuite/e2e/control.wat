;; Structured control flow: block/if, br/br_if/br_table, return, select, multi-value and parameterised blocks
;; (loops here always leave via a branch; loops.wat and loop_params.wat cover the rest).
(module
  ;; br_if carrying a value out of a block; the fallthrough path drops it.
  (func $block_result (export "block_result") (param $x i32) (result i32)
    (block $b (result i32)
      (drop (br_if $b (i32.const 10) (local.get $x)))
      (i32.const 20)))

  ;; Sum 1..n with a loop and a conditional back-edge.
  (func $loop_sum (export "loop_sum") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $acc (i32.add (local.get $acc) (local.get $i)))
        (br $next)))
    (local.get $acc))


  ;; if/else with results, nested three deep: classify x.
  (func $classify (export "classify") (param $x i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $x) (i32.const 0))
      (then (i32.const -1))
      (else
        (if (result i32) (i32.eqz (local.get $x))
          (then (i32.const 0))
          (else
            (if (result i32) (i32.gt_u (local.get $x) (i32.const 100))
              (then (i32.const 2))
              (else (i32.const 1))))))))

  ;; if without else: only updates the local when the condition holds.
  (func $if_no_else (export "if_no_else") (param $x i32) (result i32)
    (local $r i32)
    (local.set $r (i32.const 7))
    (if (local.get $x) (then (local.set $r (i32.const 5))))
    (local.get $r))

  ;; br_table selecting among four nested blocks (index >= 3 takes the default).
  (func $br_table_sel (export "br_table_sel") (param $i i32) (result i32)
    (block $d
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $d (local.get $i)))
          (return (i32.const 100)))
        (return (i32.const 101)))
      (return (i32.const 102)))
    (i32.const 103))

  ;; br_table carrying a value: target 0 returns it as is, others add 100 on the way out.
  (func $br_table_value (export "br_table_value") (param $i i32) (param $v i32) (result i32)
    (block $outer (result i32)
      (i32.add
        (block $inner (result i32)
          (br_table $outer $inner $inner (local.get $v) (local.get $i)))
        (i32.const 100))))

  ;; A dense jump table (switch) with eight cases plus default.
  (func $switch (export "switch") (param $i i32) (result i32)
    (local $r i32)
    (block $end
      (block $default
        (block $c7 (block $c6 (block $c5 (block $c4 (block $c3 (block $c2 (block $c1 (block $c0
          (br_table $c0 $c1 $c2 $c3 $c4 $c5 $c6 $c7 $default (local.get $i)))
          (local.set $r (i32.const 10)) (br $end))
          (local.set $r (i32.const 11)) (br $end))
          (local.set $r (i32.const 12)) (br $end))
          (local.set $r (i32.const 13)) (br $end))
          (local.set $r (i32.const 14)) (br $end))
          (local.set $r (i32.const 15)) (br $end))
          (local.set $r (i32.const 16)) (br $end))
          (local.set $r (i32.const 17)) (br $end))
      (local.set $r (i32.const -1)))
    (local.get $r))

  ;; br_table where every target is the same loop (a state machine): counts steps until state 0.
  ;; States: 3 -> 2 -> 1 -> 0 for even step counts; the table maps state to itself and the body decrements.
  (func $state_machine (export "state_machine") (param $s i32) (result i32)
    (local $steps i32)
    (block $exit
      (loop $top
        (br_if $exit (i32.eqz (local.get $s)))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (block $odd
          (block $even
            (br_table $even $odd (i32.and (local.get $s) (i32.const 1))))
          ;; even: halve
          (local.set $s (i32.shr_u (local.get $s) (i32.const 1)))
          (br $top))
        ;; odd: subtract one
        (local.set $s (i32.sub (local.get $s) (i32.const 1)))
        (br $top)))
    (local.get $steps))


  ;; return from deep inside nested blocks, loops and ifs.
  (func $deep_return (export "deep_return") (param $x i32) (result i32)
    (block
      (loop
        (block
          (if (i32.gt_s (local.get $x) (i32.const 10))
            (then
              (block
                (loop
                  (if (i32.gt_s (local.get $x) (i32.const 20))
                    (then (return (i32.const 2))))
                  (return (i32.const 1))))))
          (br 2))))
    (i32.const 0))

  ;; Breaking out of an outer block from inside an inner one, with a value.
  (func $br_outer_value (export "br_outer_value") (param $x i32) (result i32)
    (block $outer (result i32)
      (block $inner
        (br_if $inner (local.get $x))
        (br $outer (i32.const 9)))
      (i32.const 8)))

  ;; Unreachable code after br / return / unreachable-typed positions must compile and never run.
  (func $after_br (export "after_br") (result i32)
    (block $b (result i32)
      (br $b (i32.const 5))
      (unreachable)
      (i32.add)))
  (func $after_return (export "after_return") (param $x i32) (result i32)
    (if (local.get $x) (then (return (i32.const 1)) (drop) (unreachable)))
    (i32.const 2))
  (func $after_br_table (export "after_br_table") (param $x i32) (result i64)
    (block $a (result i64)
      (block $b (result i64)
        (br_table $a $b (i64.const 70) (local.get $x))
        (i64.const 1) (i64.add))
      (i64.const 1)
      (i64.add)))

  ;; select on every numeric type.
  (func $select_i32 (export "select_i32") (param i32 i32 i32) (result i32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func $select_i64 (export "select_i64") (param i64 i64 i32) (result i64)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func $select_f32 (export "select_f32") (param f32 f32 i32) (result f32)
    (select (local.get 0) (local.get 1) (local.get 2)))
  (func $select_f64 (export "select_f64") (param f64 f64 i32) (result f64)
    (select (result f64) (local.get 0) (local.get 1) (local.get 2)))


  ;; Multi-value blocks.
  (func $multi_block (export "multi_block") (param $a i32) (param $b i32) (result i32)
    (block (result i32 i32) (local.get $a) (local.get $b))
    (i32.sub))
  (func $swap (export "swap") (param i32 i32) (result i32 i32)
    (local.get 0) (local.get 1)
    (block (param i32 i32) (result i32 i32)
      (local.set 0) (local.set 1)
      (local.get 0) (local.get 1)))
  (func $multi_br_if (export "multi_br_if") (param $c i32) (result i32 i64)
    (block $b (result i32 i64)
      (br_if $b (i32.const 1) (i64.const 2) (local.get $c))
      (drop) (drop)
      (i32.const 3) (i64.const 4)))
  (func $if_multi (export "if_multi") (param $c i32) (result i32 f64 i64)
    (if (result i32 f64 i64) (local.get $c)
      (then (i32.const -1) (f64.const 0.5) (i64.const 0x100000000))
      (else (i32.const 1) (f64.const -2.25) (i64.const -1))))

  ;; Block with a parameter taken from the enclosing stack.
  (func $block_param (export "block_param") (param $x i32) (result i32)
    (local.get $x)
    (block (param i32) (result i32)
      (i32.const 3)
      (i32.mul))
    (i32.const 1)
    (i32.add))
  ;; Block with params whose branch carries the params back out.
  (func $block_param_br (export "block_param_br") (param $x i32) (result i32)
    (i32.const 40) (local.get $x)
    (block $b (param i32 i32) (result i32)
      ;; taken: leaves 2; not taken: drop the 2 and add the two params
      (br_if $b (i32.const 2) (i32.eqz (local.get $x)))
      (drop)
      (i32.add))
    (i32.const 1000)
    (i32.sub))


  ;; Collatz step count (loop + if/else + br).
  (func $collatz (export "collatz") (param $n i64) (result i32)
    (local $steps i32)
    (block $done
      (loop $l
        (br_if $done (i64.le_u (local.get $n) (i64.const 1)))
        (local.set $steps (i32.add (local.get $steps) (i32.const 1)))
        (local.set $n
          (if (result i64) (i64.eqz (i64.and (local.get $n) (i64.const 1)))
            (then (i64.shr_u (local.get $n) (i64.const 1)))
            (else (i64.add (i64.mul (local.get $n) (i64.const 3)) (i64.const 1)))))
        (br $l)))
    (local.get $steps))

  ;; A loop that is exited via br_if from a nested block with a value on the stack.
  (func $find_first_multiple (export "find_first_multiple") (param $start i32) (param $m i32) (result i32)
    (block $found (result i32)
      (loop $l
        (br_if $found (local.get $start) (i32.eqz (i32.rem_u (local.get $start) (local.get $m))))
        (local.set $start (i32.add (local.get $start) (i32.const 1)))
        (br $l))
      (unreachable)))
)
