;; A defined global's value lives in the VM context (format 2.19): C's
;; shadow stack pointer `__stack_pointer` is one load and one store at a
;; fixed offset of `vmctx`. An imported global is still reached through
;; the VM context's pointer to the exporter's slot.
(module
  (import "env" "limit" (global $limit i32))
  (global $__stack_pointer (mut i32) (i32.const 65536))
  (memory 1)
  (func (export "frame") (param i32) (result i32)
    (local $fp i32)
    (global.set $__stack_pointer
      (local.tee $fp (i32.sub (global.get $__stack_pointer) (i32.const 16))))
    (i32.store (local.get $fp) (local.get 0))
    (i32.store offset=4 (local.get $fp) (global.get $limit))
    (global.set $__stack_pointer (i32.add (local.get $fp) (i32.const 16)))
    (i32.add (i32.load (local.get $fp)) (i32.load offset=4 (local.get $fp)))))
