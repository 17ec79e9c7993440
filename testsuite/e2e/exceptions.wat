;; Exception handling (Wasm 3.0, exnref): throw, throw_ref, try_table with
;; every catch kind, across frames, call_indirect and tail calls, and traps,
;; which no handler catches.
(module
  (tag $e0)
  (tag $e-i32 (param i32))
  (tag $e-pair (param i32 i64))
  (tag $e-f64 (param f64))
  (table 2 funcref)
  (elem (i32.const 0) $thrower $safe)
  (type $i2i (func (param i32) (result i32)))

  (func $thrower (param i32) (result i32)
    (if (i32.eqz (local.get 0)) (then (throw $e0)))
    (throw $e-i32 (local.get 0)))
  (func $safe (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))

  ;; A direct throw caught in the same function.
  (func (export "local") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e-i32 $h) (throw $e-i32 (local.get 0)))
      (i32.const -1))
    (i32.add (i32.const 1000)))

  ;; A throw several frames down, caught by tag; the other tag by catch_all.
  (func $deep (param i32) (result i32)
    (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
      (then (call $thrower (local.get 0)))
      (else (i32.add (call $deep (i32.sub (local.get 0) (i32.const 1))) (i32.const 1)))))
  (func (export "deep") (param i32) (result i32)
    (block $all
      (block $h (result i32)
        (try_table (catch $e-i32 $h) (catch_all $all)
          (return (call $deep (local.get 0))))
        (unreachable))
      (return (i32.add (i32.const 100))))
    (i32.const -7))

  ;; Two values, the exnref, and a rethrow that an outer handler catches.
  (func (export "pair") (param i32 i64) (result i64)
    (local $a i32) (local $b i64)
    (block $h (result i32 i64)
      (try_table (catch $e-pair $h) (throw $e-pair (local.get 0) (local.get 1)))
      (unreachable))
    (local.set $b)
    (local.set $a)
    (i64.add (i64.extend_i32_s (local.get $a)) (local.get $b)))
  (func (export "rethrow") (param i32) (result i32)
    (block $outer (result i32)
      (try_table (catch $e-i32 $outer)
        (block $inner (result i32 exnref)
          (try_table (catch_ref $e-i32 $inner) (drop (call $thrower (local.get 0))))
          (unreachable))
        (throw_ref))
      (unreachable))
    (i32.add (i32.const 1)))
  (func (export "catch-all-ref") (param i32) (result i32)
    (block $h (result exnref)
      (try_table (catch_all_ref $h) (drop (call $thrower (local.get 0))))
      (return (i32.const -1)))
    (drop)
    (i32.const 42))
  (func (export "float") (param f64) (result f64)
    (block $h (result f64)
      (try_table (catch $e-f64 $h) (throw $e-f64 (local.get 0)))
      (f64.const 0))
    (f64.neg))

  ;; Through call_indirect.
  (func (export "indirect") (param i32 i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e-i32 $h)
        (return (call_indirect (type $i2i) (local.get 0) (local.get 1))))
      (unreachable))
    (i32.sub (i32.const 0)))  ;; the caught value minus 0

  ;; A handler inside a loop, entered many times.
  (func (export "loop") (param i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get 0)))
        (block $h (result i32)
          (try_table (catch $e-i32 $h) (drop (call $thrower (local.get 0))))
          (unreachable))
        (local.set $sum (i32.add (local.get $sum)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $again)))
    (local.get $sum))

  ;; Uncaught: the host sees the exception.
  (func (export "uncaught") (param i32) (result i32) (call $thrower (local.get 0)))
  ;; A null exnref traps.
  (func (export "throw-null") (throw_ref (ref.null exn)))
  ;; Traps are not exceptions: catch_all does not catch them.
  (func (export "trap-not-caught") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (drop (i32.div_s (i32.const 1) (local.get 0))))
      (return (i32.const 1)))
    (i32.const -1))
  ;; A tail call leaves the try_table: its handler no longer applies.
  (func (export "tail-call-leaves") (param i32) (result i32)
    (block $h
      (try_table (catch_all $h) (return_call $thrower (local.get 0))))
    (i32.const -1)))
