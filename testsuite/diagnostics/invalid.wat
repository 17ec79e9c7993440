;; Invalid: the function returns an i64 where its type says i32.
(module (func (export "f") (result i32) (i64.const 1)))
