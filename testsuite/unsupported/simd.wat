(module (func (drop (v128.const i64x2 0 0))))
