(module (func (export "f") (param anyref)))
