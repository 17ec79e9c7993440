;; i32.load's natural alignment is 4 bytes (2^2); 2^3 is invalid.
(module (memory 1) (func (result i32) (i32.load align=8 (i32.const 0))))
