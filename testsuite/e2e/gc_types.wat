;; GC types (Wasm 3.0): recursion groups, declared subtypes and struct and
;; array type definitions. call_indirect accepts a function of the
;; expected type or of a declared subtype of it (transitively), and types
;; of iso-recursively equal groups are one type; anything else traps
;; "indirect call type mismatch".
(module
  ;; Two equal groups: $f1 and $f2 are the same type.
  (rec (type $f1 (func (result i32))) (type $s1 (struct (field (ref $f1)))))
  (rec (type $f2 (func (result i32))) (type $s2 (struct (field (ref $f2)))))
  ;; The same signature at another position of its group: another type.
  (rec (type $a3 (array (mut i8))) (type $f3 (func (result i32))))
  ;; A chain of declared subtypes: $base :> $mid :> $leaf (final).
  (type $base (sub (func (result i32))))
  (type $mid (sub $base (func (result i32))))
  (type $leaf (sub final $mid (func (result i32))))
  ;; The same declaration again: the same type as $base.
  (type $twin (sub (func (result i32))))
  ;; Same signature, but final: another type, related to none of them.
  (type $other (func (result i32)))

  (func $one (type $f1) (i32.const 1))
  (func $two (type $f2) (i32.const 2))
  (func $three (type $f3) (i32.const 3))
  (func $b (type $base) (i32.const 10))
  (func $m (type $mid) (i32.const 20))
  (func $l (type $leaf) (i32.const 30))
  (func $o (type $other) (i32.const 40))
  (func $t (type $twin) (i32.const 50))
  (table 8 funcref)
  (elem (i32.const 0) $one $two $three $b $m $l $o $t)

  (func (export "as-f1") (param i32) (result i32)
    (call_indirect (type $f1) (local.get 0)))
  (func (export "as-f3") (param i32) (result i32)
    (call_indirect (type $f3) (local.get 0)))
  (func (export "as-base") (param i32) (result i32)
    (call_indirect (type $base) (local.get 0)))
  (func (export "as-mid") (param i32) (result i32)
    (call_indirect (type $mid) (local.get 0)))
  (func (export "as-leaf") (param i32) (result i32)
    (call_indirect (type $leaf) (local.get 0)))
  (func (export "tail-as-base") (param i32) (result i32)
    (return_call_indirect (type $base) (local.get 0)))
)
