;; GC structs and arrays (Wasm 3.0): struct.new/_default, struct.get/_s/_u
;; and struct.set with packed fields, array.new/_default/_fixed/_data/_elem,
;; array.get/_s/_u, array.set, array.len, array.fill, array.copy (within
;; one array, overlapping), array.init_data/_elem, their traps (null
;; structure/array reference, out of bounds array access, out of bounds
;; memory and table access, allocation too large), objects in globals,
;; tables and constant expressions, casts to struct and array types with
;; declared subtypes, ref.eq on objects, and enough allocation to collect
;; many times (a list rebuilt, a cycle dropped each round). Every result
;; and trap equals Wasmtime 49's; it words null traps "null reference",
;; an oversized array "allocation size too large" and a short element
;; segment "undefined element: out of bounds table access", where waot
;; says what the spec suite says.
(module
  (type $point (sub (struct (field $x (mut i32)) (field $y (mut i32)))))
  (type $point3 (sub final $point (struct (field (mut i32)) (field (mut i32)) (field f64))))
  (type $packed (struct (field (mut i8)) (field (mut i16)) (field (mut i64))))
  (type $node (struct (field $v i32) (field $next (mut (ref null $node)))))
  (type $bytes (array (mut i8)))
  (type $words (array (mut i32)))
  (type $refs (array (mut anyref)))
  (type $funcs (array (mut funcref)))
  (data $d "\01\02\03\04\05\06\07\08")
  (elem $e func $f1 $f2)
  (func $f1 (result i32) (i32.const 11))
  (func $f2 (result i32) (i32.const 22))
  (global $origin (ref $point) (struct.new $point (i32.const 3) (i32.const 4)))
  (global $fixed (ref $words) (array.new_fixed $words 3 (i32.const 7) (i32.const 8) (i32.const 9)))
  (global $keep (mut anyref) (ref.null any))
  (table $t 4 anyref)
  (elem (table $t) (i32.const 0) anyref
    (struct.new $point (i32.const 1) (i32.const 2))
    (struct.new_default $packed)
    (array.new $words (i32.const 5) (i32.const 2))
    (ref.i31 (i32.const 9)))

  (func (export "point") (param i32 i32) (result i32)
    (local $p (ref $point))
    (local.set $p (struct.new $point (local.get 0) (local.get 1)))
    (struct.set $point 0 (local.get $p)
      (i32.mul (struct.get $point 0 (local.get $p)) (i32.const 10)))
    (i32.add (struct.get $point 0 (local.get $p)) (struct.get $point 1 (local.get $p))))
  (func (export "packed") (param i32) (result i32)
    (local $p (ref $packed))
    (local.set $p (struct.new $packed (local.get 0) (local.get 0) (i64.const -1)))
    (i32.add
      (i32.add (struct.get_s $packed 0 (local.get $p)) (struct.get_u $packed 0 (local.get $p)))
      (i32.add (struct.get_s $packed 1 (local.get $p)) (struct.get_u $packed 1 (local.get $p)))))
  (func (export "default") (result i32)
    (local $p (ref $packed))
    (local.set $p (struct.new_default $packed))
    (i32.wrap_i64 (struct.get $packed 2 (local.get $p))))
  (func (export "null-get") (result i32)
    (struct.get $point 0 (ref.null $point)))
  (func (export "null-set")
    (struct.set $point 0 (ref.null $point) (i32.const 1)))
  (func (export "global") (result i32)
    (i32.add (struct.get $point 0 (global.get $origin)) (struct.get $point 1 (global.get $origin))))
  (func (export "fixed") (param i32) (result i32)
    (array.get $words (global.get $fixed) (local.get 0)))

  (func (export "bytes") (param i32 i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new $bytes (local.get 1) (local.get 0)))
    (array.set $bytes (local.get $a) (i32.const 0) (i32.const 200))
    (i32.add (array.get_s $bytes (local.get $a) (i32.const 0))
      (i32.mul (i32.const 1000) (array.get_u $bytes (local.get $a) (i32.const 0)))))
  (func (export "len") (param i32) (result i32)
    (array.len (array.new_default $words (local.get 0))))
  (func (export "get") (param i32 i32) (result i32)
    (array.get $words (array.new $words (i32.const 5) (local.get 0)) (local.get 1)))
  (func (export "null-len") (result i32)
    (array.len (ref.null $words)))
  (func (export "too-large") (result i32)
    (array.len (array.new_default $words (i32.const -1))))
  (func (export "data") (param i32 i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new_data $bytes $d (local.get 0) (local.get 1)))
    (i32.add (array.len (local.get $a)) (i32.mul (i32.const 100)
      (array.get_u $bytes (local.get $a) (i32.sub (array.len (local.get $a)) (i32.const 1))))))
  (func (export "data-words") (result i32)
    (array.get $words (array.new_data $words $d (i32.const 4) (i32.const 1)) (i32.const 0)))
  (func (export "elem") (param i32 i32) (result i32)
    (local $a (ref $funcs))
    (local.set $a (array.new_elem $funcs $e (local.get 0) (local.get 1)))
    (call_ref $f (ref.cast (ref $f) (array.get $funcs (local.get $a) (i32.const 0)))))
  (type $f (func (result i32)))
  ;; Fills 1..=n, fills [from, from + count) with 100, then copies the
  ;; first half over the second half's start; returns the sum.
  (func (export "fill-copy") (param $n i32) (param $from i32) (param $count i32) (result i32)
    (local $a (ref $words)) (local $i i32) (local $s i32)
    (local.set $a (array.new_default $words (local.get $n)))
    (loop $l
      (if (i32.lt_u (local.get $i) (local.get $n)) (then
        (array.set $words (local.get $a) (local.get $i) (i32.add (local.get $i) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
    (array.fill $words (local.get $a) (local.get $from) (i32.const 100) (local.get $count))
    (array.copy $words $words (local.get $a) (i32.const 1) (local.get $a) (i32.const 0)
      (i32.div_u (local.get $n) (i32.const 2)))
    (local.set $i (i32.const 0))
    (loop $l
      (if (i32.lt_u (local.get $i) (local.get $n)) (then
        (local.set $s (i32.add (local.get $s) (array.get $words (local.get $a) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))
    (local.get $s))
  (func (export "init") (param $dst i32) (param $src i32) (param $n i32) (result i32)
    (local $a (ref $bytes))
    (local.set $a (array.new $bytes (i32.const 0) (i32.const 6)))
    (array.init_data $bytes $d (local.get $a) (local.get $dst) (local.get $src) (local.get $n))
    (array.get_u $bytes (local.get $a) (i32.const 5)))
  (func (export "init-elem") (param $n i32) (result i32)
    (local $a (ref $funcs))
    (local.set $a (array.new_elem $funcs $e (i32.const 0) (i32.const 2)))
    (array.init_elem $funcs $e (local.get $a) (i32.const 0) (i32.const 1) (local.get $n))
    (call_ref $f (ref.cast (ref $f) (array.get $funcs (local.get $a) (i32.const 0)))))

  ;; Slots: 0 $point, 1 $packed, 2 $words, 3 i31.
  (func (export "test-point") (param i32) (result i32)
    (ref.test (ref $point) (table.get $t (local.get 0))))
  (func (export "test-struct") (param i32) (result i32)
    (ref.test (ref struct) (table.get $t (local.get 0))))
  (func (export "test-array") (param i32) (result i32)
    (ref.test (ref array) (table.get $t (local.get 0))))
  (func (export "test-eq") (param i32) (result i32)
    (ref.test (ref eq) (table.get $t (local.get 0))))
  (func (export "sub-test") (param i32) (result i32)
    (ref.test (ref $point)
      (if (result (ref $point)) (local.get 0)
        (then (struct.new $point3 (i32.const 1) (i32.const 2) (f64.const 3)))
        (else (struct.new $point (i32.const 1) (i32.const 2))))))
  (func (export "sub-cast") (param i32) (result i32)
    (local $p anyref)
    (local.set $p (if (result anyref) (local.get 0)
      (then (struct.new $point3 (i32.const 1) (i32.const 2) (f64.const 3.5)))
      (else (struct.new $point (i32.const 1) (i32.const 2)))))
    (i32.trunc_f64_s (struct.get $point3 2 (ref.cast (ref $point3) (local.get $p)))))
  (func (export "same") (param i32) (result i32)
    (local $a (ref $point))
    (local.set $a (struct.new $point (i32.const 1) (i32.const 1)))
    (ref.eq (local.get $a)
      (if (result eqref) (local.get 0) (then (local.get $a))
        (else (struct.new $point (i32.const 1) (i32.const 1))))))

  ;; Builds a list of n nodes `rounds` times (the last one kept in a
  ;; global), each round also making and dropping a two-node cycle through
  ;; an anyref array; returns the kept list's sum.
  (func (export "churn") (param $n i32) (param $rounds i32) (result i32)
    (local $l (ref null $node)) (local $i i32) (local $sum i32) (local $cycle (ref $refs))
    (loop $round
      (local.set $l (ref.null $node))
      (local.set $i (i32.const 0))
      (loop $build
        (local.set $l (struct.new $node (local.get $i) (local.get $l)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $build (i32.lt_u (local.get $i) (local.get $n))))
      (local.set $cycle (array.new $refs (ref.null any) (i32.const 2)))
      (array.set $refs (local.get $cycle) (i32.const 0) (local.get $cycle))
      (array.set $refs (local.get $cycle) (i32.const 1) (local.get $l))
      (global.set $keep (local.get $l))
      (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br_if $round (local.get $rounds)))
    (local.set $l (ref.cast (ref null $node) (global.get $keep)))
    (loop $walk
      (if (i32.eqz (ref.is_null (local.get $l))) (then
        (local.set $sum (i32.add (local.get $sum) (struct.get $node 0 (local.get $l))))
        (local.set $l (struct.get $node 1 (local.get $l)))
        (br $walk))))
    (local.get $sum))
)
