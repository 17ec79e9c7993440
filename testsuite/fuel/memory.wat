;; Fuel corpus: loads and stores, memory.size/memory.grow and the bulk memory
;; operators (memory.fill, memory.copy, memory.init, data.drop).
;;
;; Wasmtime 49 charges these bulk operators (and memory.grow) 1 fuel per byte
;; (per page for memory.grow) on top of the operator's own 1. When the length
;; operand is a constant of at most 128 the charge is added statically, with
;; no fuel check; otherwise it is charged at run time and checked at once, so
;; the operator then acts as a check point. The exports cover constant
;; lengths on both sides of 128, lengths read from a mutable global (never
;; constant), and constants reached through a local or an `i32.add`.
;;
;; `$probe` is an empty function: calling it makes its entry check observe
;; everything consumed before it. Exports without `_probe` show where checks
;; happen.
(module
  (memory 1 130)
  (global $len (mut i32) (i32.const 0))
  (data $d "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv")

  (func $probe (export "probe"))

  (func (export "store_load_probe") (result i32)
    i32.const 16
    i32.const 42
    i32.store
    i32.const 16
    i32.load
    call $probe)

  (func (export "loads_stores_mix_probe") (result i64)
    i32.const 0
    i64.const 0x0102030405060708
    i64.store offset=8
    i32.const 3
    i32.const 0xff
    i32.store8
    i32.const 5
    i32.const 0x1234
    i32.store16 offset=1
    i32.const 0
    i64.load offset=8
    i32.const 3
    i32.load8_u
    i64.extend_i32_u
    i64.add
    i32.const 6
    i64.load16_s
    i64.add
    i32.const 0
    f32.const 1.5
    f32.store offset=32
    i32.const 0
    f32.load offset=32
    i64.trunc_f32_s
    i64.add
    call $probe)

  (func (export "memory_size_probe") (result i32)
    memory.size
    call $probe)

  ;; memory.grow: 1 fuel per page requested.

  (func (export "grow0") (result i32)
    i32.const 0
    memory.grow)

  (func (export "grow0_probe") (result i32)
    i32.const 0
    memory.grow
    call $probe)

  (func (export "grow1") (result i32)
    i32.const 1
    memory.grow)

  (func (export "grow1_probe") (result i32)
    i32.const 1
    memory.grow
    call $probe)

  (func (export "grow100") (result i32)
    i32.const 100
    memory.grow)

  (func (export "grow100_probe") (result i32)
    i32.const 100
    memory.grow
    call $probe)

  (func (export "grow128") (result i32)
    i32.const 128
    memory.grow)

  (func (export "grow128_probe") (result i32)
    i32.const 128
    memory.grow
    call $probe)

  (func (export "grow129") (result i32)
    i32.const 129
    memory.grow)

  (func (export "grow129_probe") (result i32)
    i32.const 129
    memory.grow
    call $probe)

  ;; Two grows of 100 pages: the second fails (maximum 130 pages).

  (func (export "grow100_twice") (result i32)
    i32.const 100
    memory.grow
    drop
    i32.const 100
    memory.grow)

  (func (export "grow100_twice_probe") (result i32)
    i32.const 100
    memory.grow
    drop
    i32.const 100
    memory.grow
    call $probe)

  ;; 200 pages: fails.

  (func (export "grow200_fail") (result i32)
    i32.const 200
    memory.grow)

  (func (export "grow200_fail_probe") (result i32)
    i32.const 200
    memory.grow
    call $probe)

  ;; Page counts read from a mutable global.

  (func (export "grow_dyn0") (result i32)
    i32.const 0
    global.set $len
    global.get $len
    memory.grow)

  (func (export "grow_dyn0_probe") (result i32)
    i32.const 0
    global.set $len
    global.get $len
    memory.grow
    call $probe)

  (func (export "grow_dyn3") (result i32)
    i32.const 3
    global.set $len
    global.get $len
    memory.grow)

  (func (export "grow_dyn3_probe") (result i32)
    i32.const 3
    global.set $len
    global.get $len
    memory.grow
    call $probe)

  (func (export "grow_dyn200_fail") (result i32)
    i32.const 200
    global.set $len
    global.get $len
    memory.grow)

  (func (export "grow_dyn200_fail_probe") (result i32)
    i32.const 200
    global.set $len
    global.get $len
    memory.grow
    call $probe)

  (func (export "grow3_size_probe") (result i32)
    i32.const 3
    memory.grow
    drop
    memory.size
    call $probe)

  ;; memory.fill: 1 fuel per byte.

  (func (export "fill0")
    i32.const 0
    i32.const 7
    i32.const 0
    memory.fill)

  (func (export "fill0_probe")
    i32.const 0
    i32.const 7
    i32.const 0
    memory.fill
    call $probe)

  (func (export "fill1")
    i32.const 0
    i32.const 7
    i32.const 1
    memory.fill)

  (func (export "fill1_probe")
    i32.const 0
    i32.const 7
    i32.const 1
    memory.fill
    call $probe)

  (func (export "fill16")
    i32.const 0
    i32.const 7
    i32.const 16
    memory.fill)

  (func (export "fill16_probe")
    i32.const 0
    i32.const 7
    i32.const 16
    memory.fill
    call $probe)

  (func (export "fill128")
    i32.const 0
    i32.const 7
    i32.const 128
    memory.fill)

  (func (export "fill128_probe")
    i32.const 0
    i32.const 7
    i32.const 128
    memory.fill
    call $probe)

  (func (export "fill129")
    i32.const 0
    i32.const 7
    i32.const 129
    memory.fill)

  (func (export "fill129_probe")
    i32.const 0
    i32.const 7
    i32.const 129
    memory.fill
    call $probe)

  (func (export "fill1000")
    i32.const 0
    i32.const 7
    i32.const 1000
    memory.fill)

  (func (export "fill1000_probe")
    i32.const 0
    i32.const 7
    i32.const 1000
    memory.fill
    call $probe)

  (func (export "fill65536")
    i32.const 0
    i32.const 7
    i32.const 65536
    memory.fill)

  (func (export "fill65536_probe")
    i32.const 0
    i32.const 7
    i32.const 65536
    memory.fill
    call $probe)

  (func (export "fill_dyn0")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill)

  (func (export "fill_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill
    call $probe)

  (func (export "fill_dyn5")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill)

  (func (export "fill_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill
    call $probe)

  (func (export "fill_dyn200")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill)

  (func (export "fill_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 7
    global.get $len
    memory.fill
    call $probe)

  ;; memory.copy: 1 fuel per byte.

  (func (export "copy0")
    i32.const 1000
    i32.const 0
    i32.const 0
    memory.copy)

  (func (export "copy0_probe")
    i32.const 1000
    i32.const 0
    i32.const 0
    memory.copy
    call $probe)

  (func (export "copy1")
    i32.const 1000
    i32.const 0
    i32.const 1
    memory.copy)

  (func (export "copy1_probe")
    i32.const 1000
    i32.const 0
    i32.const 1
    memory.copy
    call $probe)

  (func (export "copy16")
    i32.const 1000
    i32.const 0
    i32.const 16
    memory.copy)

  (func (export "copy16_probe")
    i32.const 1000
    i32.const 0
    i32.const 16
    memory.copy
    call $probe)

  (func (export "copy128")
    i32.const 1000
    i32.const 0
    i32.const 128
    memory.copy)

  (func (export "copy128_probe")
    i32.const 1000
    i32.const 0
    i32.const 128
    memory.copy
    call $probe)

  (func (export "copy129")
    i32.const 1000
    i32.const 0
    i32.const 129
    memory.copy)

  (func (export "copy129_probe")
    i32.const 1000
    i32.const 0
    i32.const 129
    memory.copy
    call $probe)

  (func (export "copy1000")
    i32.const 1000
    i32.const 0
    i32.const 1000
    memory.copy)

  (func (export "copy1000_probe")
    i32.const 1000
    i32.const 0
    i32.const 1000
    memory.copy
    call $probe)

  (func (export "copy_overlap32768")
    i32.const 1
    i32.const 0
    i32.const 32768
    memory.copy)

  (func (export "copy_overlap32768_probe")
    i32.const 1
    i32.const 0
    i32.const 32768
    memory.copy
    call $probe)

  (func (export "copy_dyn0")
    i32.const 0
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy)

  (func (export "copy_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy
    call $probe)

  (func (export "copy_dyn5")
    i32.const 5
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy)

  (func (export "copy_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy
    call $probe)

  (func (export "copy_dyn200")
    i32.const 200
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy)

  (func (export "copy_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 1000
    i32.const 0
    global.get $len
    memory.copy
    call $probe)

  ;; memory.init: 1 fuel per byte.

  (func (export "init0")
    i32.const 0
    i32.const 0
    i32.const 0
    memory.init $d)

  (func (export "init0_probe")
    i32.const 0
    i32.const 0
    i32.const 0
    memory.init $d
    call $probe)

  (func (export "init1")
    i32.const 0
    i32.const 0
    i32.const 1
    memory.init $d)

  (func (export "init1_probe")
    i32.const 0
    i32.const 0
    i32.const 1
    memory.init $d
    call $probe)

  (func (export "init16")
    i32.const 0
    i32.const 0
    i32.const 16
    memory.init $d)

  (func (export "init16_probe")
    i32.const 0
    i32.const 0
    i32.const 16
    memory.init $d
    call $probe)

  (func (export "init128")
    i32.const 0
    i32.const 0
    i32.const 128
    memory.init $d)

  (func (export "init128_probe")
    i32.const 0
    i32.const 0
    i32.const 128
    memory.init $d
    call $probe)

  (func (export "init129")
    i32.const 0
    i32.const 0
    i32.const 129
    memory.init $d)

  (func (export "init129_probe")
    i32.const 0
    i32.const 0
    i32.const 129
    memory.init $d
    call $probe)

  (func (export "init256")
    i32.const 0
    i32.const 0
    i32.const 256
    memory.init $d)

  (func (export "init256_probe")
    i32.const 0
    i32.const 0
    i32.const 256
    memory.init $d
    call $probe)

  (func (export "init_dyn0")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d)

  (func (export "init_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d
    call $probe)

  (func (export "init_dyn5")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d)

  (func (export "init_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d
    call $probe)

  (func (export "init_dyn200")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d)

  (func (export "init_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    memory.init $d
    call $probe)

  ;; What counts as a constant length: through a local it still does, an
  ;; i32.add of two constants does not.

  (func (export "fill_local5") (local i32)
    i32.const 5
    local.set 0
    i32.const 0
    i32.const 7
    local.get 0
    memory.fill)

  (func (export "fill_local200") (local i32)
    i32.const 200
    local.set 0
    i32.const 0
    i32.const 7
    local.get 0
    memory.fill)

  (func (export "fill_add2_3")
    i32.const 0
    i32.const 7
    i32.const 2
    i32.const 3
    i32.add
    memory.fill)

  (func (export "fill_add2_3_probe")
    i32.const 0
    i32.const 7
    i32.const 2
    i32.const 3
    i32.add
    memory.fill
    call $probe)

  (func (export "data_drop_probe")
    data.drop $d
    call $probe)

  ;; Fill, copy back and sum 16 bytes in a loop.
  (func (export "fill_copy_sum_loop_probe") (result i32) (local i32 i32)
    i32.const 64
    i32.const 3
    i32.const 16
    memory.fill
    i32.const 128
    i32.const 64
    i32.const 16
    memory.copy
    i32.const 16
    local.set 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      i32.load8_u offset=128
      local.get 1
      i32.add
      local.set 1
      local.get 0
      br_if 0
    end
    local.get 1
    call $probe)
)
