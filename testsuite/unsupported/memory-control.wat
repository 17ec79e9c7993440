(module (memory 1) (func (memory.discard (i32.const 0) (i32.const 0))))
