;; Valid Wasm 2.0 that this version does not compile yet (SIMD).
(module (func (export "f") (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))
