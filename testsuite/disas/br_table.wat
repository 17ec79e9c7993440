;; br_table with four targets and a default: a jump table whose entries are
;; the target blocks themselves, since none takes a value (no edge block
;; per target, as Wasmtime does); $b, named twice, is one destination.
(module
  (func (export "classify") (param i32) (result i32)
    (block $d
      (block $c
        (block $b
          (block $a
            (br_table $a $b $c $b $d (local.get 0)))
          (return (i32.const 10)))
        (return (i32.const 20)))
      (return (i32.const 30)))
    (i32.const 40))
  ;; Targets that take a value get an edge block each passing it on.
  (func (export "carry") (param i32) (result i32)
    (i32.add
      (block $x (result i32)
        (i32.mul
          (block $y (result i32)
            (br_table $x $y $x (i32.const 5) (local.get 0)))
          (i32.const 3)))
      (i32.const 100))))
