;; An immutable global cannot be assigned.
(module (global $g i32 (i32.const 0)) (func (global.set $g (i32.const 1))))
