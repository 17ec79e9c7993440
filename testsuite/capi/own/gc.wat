;; Structs and i31 references through the C API (WAOT_ANYREF values): a
;; host function keeps what wasm gives it and gives it back while wasm
;; allocates enough garbage to collect.
(module
  (type $box (struct (field i32)))
  (type $bytes (array (mut i8)))
  (import "host" "keep" (func $keep (param anyref) (result anyref)))
  (func (export "make") (param i32) (result anyref)
    (struct.new $box (local.get 0)))
  (func (export "value") (param anyref) (result i32)
    (if (result i32) (ref.test (ref i31) (local.get 0))
      (then (i31.get_s (ref.cast (ref i31) (local.get 0))))
      (else (struct.get $box 0 (ref.cast (ref $box) (local.get 0))))))
  (func (export "through-host") (param i32) (result i32)
    (local $r anyref) (local $n i32)
    (local.set $r (call $keep (struct.new $box (local.get 0))))
    (local.set $n (i32.const 4096))
    (loop $l
      (drop (array.new_default $bytes (i32.const 1024)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n)))
    (struct.get $box 0 (ref.cast (ref $box) (local.get $r)))))
