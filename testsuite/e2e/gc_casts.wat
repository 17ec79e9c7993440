;; Casts of the references waot has values for (GC, Wasm 3.0): ref.test,
;; ref.cast ("cast failure"), br_on_cast and br_on_cast_fail of function
;; references (to func, nofunc, a function type: its declared subtypes
;; pass, other types fail; null passes only a nullable target), host
;; references (extern, noextern) and exceptions (exn, noexn); a global of
;; a bottom type.
(module
  (type $base (sub (func (result i32))))
  (type $mid (sub $base (func (result i32))))
  (type $leaf (sub final $mid (func (result i32))))
  (type $other (func (result i32)))
  (tag $e)
  (func $b (type $base) (i32.const 10))
  (func $m (type $mid) (i32.const 20))
  (func $l (type $leaf) (i32.const 30))
  (func $o (type $other) (i32.const 40))
  (table $t 5 funcref)
  (elem (table $t) (i32.const 0) func $b $m $l $o)
  (global $none (ref null nofunc) (ref.null nofunc))

  ;; Slot 4 is null.
  (func (export "test-base") (param i32) (result i32)
    (ref.test (ref $base) (table.get $t (local.get 0))))
  (func (export "test-mid") (param i32) (result i32)
    (ref.test (ref $mid) (table.get $t (local.get 0))))
  (func (export "test-leaf") (param i32) (result i32)
    (ref.test (ref $leaf) (table.get $t (local.get 0))))
  (func (export "test-null-mid") (param i32) (result i32)
    (ref.test (ref null $mid) (table.get $t (local.get 0))))
  (func (export "test-func") (param i32) (result i32)
    (ref.test (ref func) (table.get $t (local.get 0))))
  (func (export "test-nofunc") (param i32) (result i32)
    (ref.test (ref null nofunc) (table.get $t (local.get 0))))
  (func (export "cast-mid") (param i32) (result i32)
    (call_ref $mid (ref.cast (ref $mid) (table.get $t (local.get 0)))))
  (func (export "cast-null-base") (param i32) (result i32)
    (ref.is_null (ref.cast (ref null $base) (table.get $t (local.get 0)))))
  ;; 1000 + the call through $base when the slot holds a $base, else -1.
  (func (export "br-on-cast") (param i32) (result i32)
    (block $yes (result (ref $base))
      (br_on_cast $yes funcref (ref $base) (table.get $t (local.get 0)))
      (drop)
      (return (i32.const -1)))
    (call_ref $base)
    (i32.add (i32.const 1000)))
  ;; -1 when the slot holds a $mid, else 1 for null and 2 otherwise.
  (func (export "br-on-cast-fail") (param i32) (result i32)
    (block $no (result funcref)
      (br_on_cast_fail $no funcref (ref $mid) (table.get $t (local.get 0)))
      (drop)
      (return (i32.const -1)))
    (if (result i32) (ref.is_null) (then (i32.const 1)) (else (i32.const 2))))
  (func (export "extern-null") (result i32)
    (i32.add
      (i32.mul (i32.const 10) (ref.test (ref extern) (ref.null extern)))
      (ref.test (ref null noextern) (ref.null extern))))
  (func (export "exn") (result i32)
    (local $x exnref)
    (local.set $x
      (block $h (result exnref)
        (try_table (catch_all_ref $h) (throw $e))
        (unreachable)))
    (i32.add
      (i32.mul (i32.const 10) (ref.test (ref exn) (local.get $x)))
      (ref.test (ref null noexn) (local.get $x))))
  (func (export "exn-null") (result i32)
    (i32.add
      (i32.mul (i32.const 10) (ref.test (ref exn) (ref.null exn)))
      (ref.test (ref null noexn) (ref.null exn))))
  (func (export "cast-noexn") (result i32)
    (ref.is_null (ref.cast (ref null noexn) (ref.null exn))))
  (func (export "nofunc-global") (result i32)
    (ref.test (ref null nofunc) (global.get $none)))
)
