;; The unreachable instruction traps, also from nested calls; effects before the trap persist.
(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))

  (func $unreachable (export "unreachable") (unreachable))
  (func $unreachable_i64 (export "unreachable_i64") (result i64) (unreachable))
  ;; Trap in the middle of evaluating an expression.
  (func $mid_expression (export "mid_expression") (result i32)
    (i32.add (i32.const 1) (unreachable)))
  ;; Conditional trap.
  (func $trap_if_zero (export "trap_if_zero") (param $x i32) (result i32)
    (if (i32.eqz (local.get $x)) (then (unreachable)))
    (i32.div_u (i32.const 1000) (local.get $x)))

  ;; A trap three calls deep.
  (func $c (param $x i32) (result i32)
    (if (i32.gt_s (local.get $x) (i32.const 100)) (then (unreachable)))
    (i32.mul (local.get $x) (i32.const 2)))
  (func $b (param $x i32) (result i32) (i32.add (call $c (local.get $x)) (i32.const 1)))
  (func $a (export "nested") (param $x i32) (result i32) (i32.add (call $b (local.get $x)) (i32.const 10)))

  ;; Traps of other kinds raised in a callee.
  (func $div (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func $nested_div (export "nested_div") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1)))
  (func $load (param i32) (result i32) (i32.load (local.get 0)))
  (func $nested_load (export "nested_load") (param i32) (result i32) (call $load (local.get 0)))

  ;; Side effects before the trap are kept.
  (func $store_then_trap (export "store_then_trap") (param $addr i32) (param $v i32)
    (i32.store (local.get $addr) (local.get $v))
    (global.set $g (local.get $v))
    (unreachable))
  (func $peek (export "peek") (param i32) (result i32) (i32.load (local.get 0)))
  (func $get_g (export "get_g") (result i32) (global.get $g))

  ;; Trap after some loop iterations: counts into the global first.
  (func $loop_then_trap (export "loop_then_trap") (param $n i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $g (i32.add (global.get $g) (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (unreachable))

  ;; br_table whose default leads to unreachable.
  (func $table_or_trap (export "table_or_trap") (param $i i32) (result i32)
    (block $bad
      (block $one
        (block $zero
          (br_table $zero $one $bad (local.get $i)))
        (return (i32.const 100)))
      (return (i32.const 101)))
    (unreachable))

  ;; A callee with multiple results that traps.
  (func $multi_trap (param $x i32) (result i32 i64)
    (if (local.get $x) (then (unreachable)))
    (i32.const 1) (i64.const 2))
  (func $call_multi_trap (export "call_multi_trap") (param $x i32) (result i64)
    (local $r i64)
    (call $multi_trap (local.get $x))
    (local.set $r)
    (i64.extend_i32_u)
    (local.get $r)
    (i64.add))
)
