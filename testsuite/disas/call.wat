;; A direct call between defined functions, a call to an import (through
;; its trampoline) and a global read and write.
(module
  (import "env" "log" (func $log (param i32)))
  (global $count (mut i32) (i32.const 0))
  (func $square (param i32) (result i32)
    (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (call $log (local.get 0))
    (call $square (i32.add (local.get 0) (i32.const 1)))))
