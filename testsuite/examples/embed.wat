;; The guest of loader/examples/embed.rs: WASI output, two host functions,
;; a loop to count fuel with, and one that never ends.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "host" "log" (func $log (param i32 i32)))
  (import "host" "scale" (func $scale (param i32 i64) (result i64)))
  (memory (export "memory") 1)
  (data (i32.const 16) "hello from wasm\n")

  ;; Writes a line through WASI, then logs its first word through the host.
  (func (export "greet")
    (i32.store (i32.const 0) (i32.const 16))
    (i32.store (i32.const 4) (i32.const 16))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (call $log (i32.const 16) (i32.const 5)))

  ;; 1 + 2 + … + n, each term scaled by the host.
  (func (export "sum") (param $n i32) (result i64)
    (local $total i64)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $total
          (i64.add (local.get $total) (call $scale (local.get $n) (i64.const 1))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $total))

  (func (export "spin") (loop br 0)))
