;; The module `tests/elf_tools.rs` compiles to check that standard tools
;; (readelf, objdump, perf) read waot artifacts: named functions, an
;; exported one (so it gets an array entry), an import (a trampoline), a
;; data segment, and a name with a NUL byte in it.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "waot")
  (func $checksum (export "checksum") (param $n i32) (result i32)
    (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $acc
          (i32.add (i32.mul (local.get $acc) (i32.const 31)) (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (@name "nul\00name") (result i32)
    (i32.load8_u (i32.const 16))))
