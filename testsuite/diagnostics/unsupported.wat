;; Valid Wasm 2.0 that this version does not compile yet (a table).
(module (table 1 funcref) (func (export "f")))
