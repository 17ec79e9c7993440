;; A start function runs once at instantiation, after data segments, and its effects are visible to later calls.
(module
  (memory 1)
  (data (i32.const 0) "\2a")               ;; byte 0 = 42, applied before the start function runs
  (global $g (mut i32) (i32.const 1))
  (global $h (mut i64) (i64.const 0))
  (global $runs (mut i32) (i32.const 0))

  (func $helper
    (global.set $h (i64.const 0x123456789)))
  (func $init
    ;; Read the data segment's byte and store it doubled at address 4.
    (i32.store (i32.const 4) (i32.mul (i32.load8_u (i32.const 0)) (i32.const 2)))
    (global.set $g (i32.add (global.get $g) (i32.const 100)))
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (call $helper))
  (start $init)

  (func $get_g (export "get_g") (result i32) (global.get $g))
  (func $get_h (export "get_h") (result i64) (global.get $h))
  (func $runs (export "runs") (result i32) (global.get $runs))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $store8 (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  ;; Calling the start function again explicitly is allowed and runs it again.
  (func $run_init (export "run_init") (call $init))
)
