(module
  (type $s (struct (field i32)))
  (func (result i32) (struct.get $s 0 (struct.new $s (i32.const 1)))))
