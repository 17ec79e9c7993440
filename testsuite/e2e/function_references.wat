;; Typed function references (Wasm 3.0): call_ref and return_call_ref
;; through typed references (null traps "null function reference"),
;; ref.as_non_null ("null reference"), br_on_null and br_on_non_null,
;; non-nullable locals, a table of non-nullable references with an
;; initialiser, typed globals, and tail recursion through return_call_ref
;; in constant stack.
(module
  (type $unop (func (param i32) (result i32)))
  (type $count (func (param i64 i64) (result i64)))
  (func $double (type $unop) (i32.mul (local.get 0) (i32.const 2)))
  (func $square (type $unop) (i32.mul (local.get 0) (local.get 0)))
  (elem declare func $double $square $down)
  (global $g (ref $unop) (ref.func $double))
  (global $maybe (mut (ref null $unop)) (ref.null $unop))
  (table $t 3 (ref $unop) (ref.func $square))
  (func (export "call-global") (param i32) (result i32)
    (call_ref $unop (local.get 0) (global.get $g)))
  (func (export "call-table") (param i32 i32) (result i32)
    (call_ref $unop (local.get 0) (table.get $t (local.get 1))))
  (func (export "set-table") (param i32)
    (table.set $t (local.get 0) (ref.func $double)))
  (func (export "call-maybe") (param i32) (result i32)
    (call_ref $unop (local.get 0) (global.get $maybe)))
  (func (export "set-maybe")
    (global.set $maybe (ref.func $square)))
  (func (export "non-null-maybe") (result i32)
    (drop (ref.as_non_null (global.get $maybe)))
    (i32.const 1))
  ;; 1 when the reference is null, else the function applied to 10.
  (func (export "br-on-null") (result i32)
    (block $null
      (return (call_ref $unop (i32.const 10) (br_on_null $null (global.get $maybe)))))
    (i32.const 1))
  (func (export "br-on-non-null") (result i32)
    (local $f (ref $unop))
    (block $some (result (ref $unop))
      (br_on_non_null $some (global.get $maybe))
      (return (i32.const -1)))
    (local.set $f)
    (call_ref $unop (i32.const 7) (local.get $f)))
  ;; Counts down n steps in tail position through a typed reference.
  (func $down (type $count) (param $n i64) (param $acc i64) (result i64)
    (if (result i64) (i64.eqz (local.get $n))
      (then (local.get $acc))
      (else
        (return_call_ref $count
          (i64.sub (local.get $n) (i64.const 1))
          (i64.add (local.get $acc) (i64.const 3))
          (ref.func $down)))))
  (func (export "tail-down") (param i64) (result i64)
    (call $down (local.get 0) (i64.const 0))))
