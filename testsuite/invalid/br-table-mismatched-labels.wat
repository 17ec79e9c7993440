;; Every br_table target must take the same types: here i32 and i64.
(module (func (param i32) (result i32)
  (block $a (result i32)
    (drop (block $b (result i64)
      (br_table $a $b (i32.const 0) (local.get 0))))
    (i32.const 1))))
