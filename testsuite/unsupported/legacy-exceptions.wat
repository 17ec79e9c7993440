(module (func try nop catch_all end))
