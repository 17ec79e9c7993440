;; Two exports may not share a name.
(module (func $a) (func $b) (export "f" (func $a)) (export "f" (func $b)))
