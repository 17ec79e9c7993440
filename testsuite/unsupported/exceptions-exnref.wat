(module (func (param exnref)))
