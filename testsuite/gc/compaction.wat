;; Objects of every shape slid by the compacting collector: `build` makes
;; 3n objects in turn (i8 arrays, i16 arrays, structs with a reference, an
;; i64, an i8 and a v128, arrays of references) and keeps every third in
;; the array `$keep`; `thin` drops every other kept one from `$keep`
;; (leaving gaps, so later objects slide and some live only through a
;; struct's field); `sum` folds every field of what `$keep` holds, and
;; whether each struct's reference is still the object it was given
;; (`ref.eq`), into one number that a collection must not change.
(module
  (type $bytes (array (mut i8)))
  (type $shorts (array (mut i16)))
  (type $refs (array (mut anyref)))
  (type $node (struct (field $prev (mut anyref)) (field $n i64) (field $b i8) (field $v v128)))
  (global $keep (mut (ref null $refs)) (ref.null $refs))

  (func $make (param $i i32) (result anyref)
    (local $k i32)
    (local.set $k (i32.div_u (local.get $i) (i32.const 3)))
    (block $refs
      (block $node
        (block $shorts
          (block $bytes
            (br_table $bytes $shorts $node $refs (i32.rem_u (local.get $i) (i32.const 4))))
          (return (array.new $bytes (local.get $i)
            (i32.add (i32.rem_u (local.get $i) (i32.const 7)) (i32.const 1)))))
        (return (array.new $shorts (local.get $i)
          (i32.add (i32.rem_u (local.get $i) (i32.const 5)) (i32.const 1)))))
      (return (struct.new $node
        (if (result anyref) (local.get $k)
          (then (array.get $refs (global.get $keep) (i32.sub (local.get $k) (i32.const 1))))
          (else (ref.null any)))
        (i64.extend_i32_u (local.get $i))
        (local.get $i)
        (i64x2.replace_lane 1 (i64x2.splat (i64.extend_i32_u (local.get $i)))
          (i64.sub (i64.const 0) (i64.extend_i32_u (local.get $i)))))))
    (array.new_fixed $refs 2
      (ref.i31 (local.get $i))
      (array.get $refs (global.get $keep) (i32.const 0))))

  (func (export "build") (param $n i32)
    (local $i i32) (local $o anyref)
    (global.set $keep (array.new $refs (ref.null any) (local.get $n)))
    (loop $l
      (local.set $o (call $make (local.get $i)))
      (if (i32.eq (i32.rem_u (local.get $i) (i32.const 3)) (i32.const 2))
        (then (array.set $refs (global.get $keep)
          (i32.div_u (local.get $i) (i32.const 3)) (local.get $o))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.mul (local.get $n) (i32.const 3))))))

  (func (export "thin")
    (local $k i32)
    (loop $l
      (if (i32.and (local.get $k) (i32.const 1))
        (then (array.set $refs (global.get $keep) (local.get $k) (ref.null any))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (array.len (global.get $keep))))))

  (func $fold (param $o anyref) (param $k i32) (result i64)
    (local $s i64) (local $j i32) (local $len i32) (local $node (ref $node)) (local $v v128)
    (if (ref.is_null (local.get $o)) (then (return (i64.const 0))))
    (if (ref.test (ref $bytes) (local.get $o))
      (then
        (local.set $len (array.len (ref.cast (ref $bytes) (local.get $o))))
        (loop $l
          (local.set $s (i64.add (local.get $s) (i64.extend_i32_u
            (array.get_u $bytes (ref.cast (ref $bytes) (local.get $o)) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $j) (local.get $len))))
        (return (i64.add (local.get $s) (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 1000))))))
    (if (ref.test (ref $shorts) (local.get $o))
      (then
        (local.set $len (array.len (ref.cast (ref $shorts) (local.get $o))))
        (loop $l
          (local.set $s (i64.add (local.get $s) (i64.extend_i32_s
            (array.get_s $shorts (ref.cast (ref $shorts) (local.get $o)) (local.get $j)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $j) (local.get $len))))
        (return (i64.add (local.get $s) (i64.mul (i64.extend_i32_u (local.get $len)) (i64.const 100000))))))
    (if (ref.test (ref $node) (local.get $o))
      (then
        (local.set $node (ref.cast (ref $node) (local.get $o)))
        (local.set $v (struct.get $node $v (local.get $node)))
        (local.set $s (i64.add (struct.get $node $n (local.get $node))
          (i64.extend_i32_u (struct.get_u $node $b (local.get $node)))))
        (local.set $s (i64.add (local.get $s) (i64.mul (i64.const 3)
          (i64.add (i64x2.extract_lane 0 (local.get $v)) (i64x2.extract_lane 1 (local.get $v))))))
        ;; The previous kept object, if it is still in `$keep`, must be the
        ;; very object the field holds; if not, the field alone keeps it.
        (if (local.get $k)
          (then
            (if (ref.is_null (array.get $refs (global.get $keep) (i32.sub (local.get $k) (i32.const 1))))
              (then (local.set $s (i64.add (local.get $s)
                (call $fold (struct.get $node $prev (local.get $node)) (i32.const 0)))))
              (else (if (ref.eq
                  (ref.cast eqref (struct.get $node $prev (local.get $node)))
                  (ref.cast eqref (array.get $refs (global.get $keep) (i32.sub (local.get $k) (i32.const 1)))))
                (then (local.set $s (i64.add (local.get $s) (i64.const 1000000)))))))))
        (return (local.get $s))))
    ;; An array of references: an i31 and the first kept object.
    (local.set $s (i64.extend_i32_u (i31.get_u (ref.cast (ref i31)
      (array.get $refs (ref.cast (ref $refs) (local.get $o)) (i32.const 0))))))
    (if (ref.eq
          (ref.cast eqref (array.get $refs (ref.cast (ref $refs) (local.get $o)) (i32.const 1)))
          (ref.cast eqref (array.get $refs (global.get $keep) (i32.const 0))))
      (then (local.set $s (i64.add (local.get $s) (i64.const 7)))))
    (local.get $s))

  (func (export "sum") (result i64)
    (local $k i32) (local $s i64)
    (loop $l
      (local.set $s (i64.add (i64.mul (local.get $s) (i64.const 31))
        (call $fold (array.get $refs (global.get $keep) (local.get $k)) (local.get $k))))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $k) (array.len (global.get $keep)))))
    (local.get $s))

  ;; Allocates `n` objects nothing keeps (as `build` made them).
  (func (export "churn") (param $n i32)
    (loop $l
      (drop (call $make (i32.rem_u (local.get $n)
        (i32.mul (array.len (global.get $keep)) (i32.const 3)))))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))))
