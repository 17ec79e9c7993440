;; Fuel corpus: table operators (table.fill, table.copy, table.init,
;; table.grow, table.size, table.get/set, elem.drop). Like the bulk memory
;; operators, the bulk table operators and table.grow cost 1 fuel per element
;; on top of their own 1: added statically when the length is a constant of at
;; most 128, otherwise charged at run time and checked at once.
;;
;; Note: this module has a passive element segment (table.init needs one), and
;; instantiating such a module consumes 1 fuel in Wasmtime 49 before the
;; export runs, so every number here is 1 higher than a module without it
;; would give: `probe` (an empty function) needs 3, not 2.
;;
;; `$probe` is an empty function: calling it makes its entry check observe
;; everything consumed before it.
(module
  (type $v (func))
  (table $t 300 1000 funcref)
  (global $len (mut i32) (i32.const 0))
  (elem $e func $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f $f)

  (func $probe (export "probe"))
  (func $f)

  ;; table.fill: 1 fuel per element.

  (func (export "fill0")
    i32.const 0
    ref.null func
    i32.const 0
    table.fill $t)

  (func (export "fill0_probe")
    i32.const 0
    ref.null func
    i32.const 0
    table.fill $t
    call $probe)

  (func (export "fill1")
    i32.const 0
    ref.null func
    i32.const 1
    table.fill $t)

  (func (export "fill1_probe")
    i32.const 0
    ref.null func
    i32.const 1
    table.fill $t
    call $probe)

  (func (export "fill10")
    i32.const 0
    ref.null func
    i32.const 10
    table.fill $t)

  (func (export "fill10_probe")
    i32.const 0
    ref.null func
    i32.const 10
    table.fill $t
    call $probe)

  (func (export "fill128")
    i32.const 0
    ref.null func
    i32.const 128
    table.fill $t)

  (func (export "fill128_probe")
    i32.const 0
    ref.null func
    i32.const 128
    table.fill $t
    call $probe)

  (func (export "fill129")
    i32.const 0
    ref.null func
    i32.const 129
    table.fill $t)

  (func (export "fill129_probe")
    i32.const 0
    ref.null func
    i32.const 129
    table.fill $t
    call $probe)

  (func (export "fill200")
    i32.const 0
    ref.null func
    i32.const 200
    table.fill $t)

  (func (export "fill200_probe")
    i32.const 0
    ref.null func
    i32.const 200
    table.fill $t
    call $probe)

  (func (export "fill_dyn0")
    i32.const 0
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t)

  (func (export "fill_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t
    call $probe)

  (func (export "fill_dyn5")
    i32.const 5
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t)

  (func (export "fill_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t
    call $probe)

  (func (export "fill_dyn200")
    i32.const 200
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t)

  (func (export "fill_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 0
    ref.null func
    global.get $len
    table.fill $t
    call $probe)

  ;; table.copy: 1 fuel per element.

  (func (export "copy0")
    i32.const 0
    i32.const 50
    i32.const 0
    table.copy $t $t)

  (func (export "copy0_probe")
    i32.const 0
    i32.const 50
    i32.const 0
    table.copy $t $t
    call $probe)

  (func (export "copy1")
    i32.const 0
    i32.const 50
    i32.const 1
    table.copy $t $t)

  (func (export "copy1_probe")
    i32.const 0
    i32.const 50
    i32.const 1
    table.copy $t $t
    call $probe)

  (func (export "copy10")
    i32.const 0
    i32.const 50
    i32.const 10
    table.copy $t $t)

  (func (export "copy10_probe")
    i32.const 0
    i32.const 50
    i32.const 10
    table.copy $t $t
    call $probe)

  (func (export "copy128")
    i32.const 0
    i32.const 50
    i32.const 128
    table.copy $t $t)

  (func (export "copy128_probe")
    i32.const 0
    i32.const 50
    i32.const 128
    table.copy $t $t
    call $probe)

  (func (export "copy129")
    i32.const 0
    i32.const 50
    i32.const 129
    table.copy $t $t)

  (func (export "copy129_probe")
    i32.const 0
    i32.const 50
    i32.const 129
    table.copy $t $t
    call $probe)

  (func (export "copy200")
    i32.const 0
    i32.const 50
    i32.const 200
    table.copy $t $t)

  (func (export "copy200_probe")
    i32.const 0
    i32.const 50
    i32.const 200
    table.copy $t $t
    call $probe)

  (func (export "copy_dyn0")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t)

  (func (export "copy_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t
    call $probe)

  (func (export "copy_dyn5")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t)

  (func (export "copy_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t
    call $probe)

  (func (export "copy_dyn200")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t)

  (func (export "copy_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 50
    global.get $len
    table.copy $t $t
    call $probe)

  ;; table.init: 1 fuel per element.

  (func (export "init0")
    i32.const 0
    i32.const 0
    i32.const 0
    table.init $t $e)

  (func (export "init0_probe")
    i32.const 0
    i32.const 0
    i32.const 0
    table.init $t $e
    call $probe)

  (func (export "init1")
    i32.const 0
    i32.const 0
    i32.const 1
    table.init $t $e)

  (func (export "init1_probe")
    i32.const 0
    i32.const 0
    i32.const 1
    table.init $t $e
    call $probe)

  (func (export "init10")
    i32.const 0
    i32.const 0
    i32.const 10
    table.init $t $e)

  (func (export "init10_probe")
    i32.const 0
    i32.const 0
    i32.const 10
    table.init $t $e
    call $probe)

  (func (export "init128")
    i32.const 0
    i32.const 0
    i32.const 128
    table.init $t $e)

  (func (export "init128_probe")
    i32.const 0
    i32.const 0
    i32.const 128
    table.init $t $e
    call $probe)

  (func (export "init129")
    i32.const 0
    i32.const 0
    i32.const 129
    table.init $t $e)

  (func (export "init129_probe")
    i32.const 0
    i32.const 0
    i32.const 129
    table.init $t $e
    call $probe)

  (func (export "init200")
    i32.const 0
    i32.const 0
    i32.const 200
    table.init $t $e)

  (func (export "init200_probe")
    i32.const 0
    i32.const 0
    i32.const 200
    table.init $t $e
    call $probe)

  (func (export "init_dyn0")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e)

  (func (export "init_dyn0_probe")
    i32.const 0
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e
    call $probe)

  (func (export "init_dyn5")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e)

  (func (export "init_dyn5_probe")
    i32.const 5
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e
    call $probe)

  (func (export "init_dyn200")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e)

  (func (export "init_dyn200_probe")
    i32.const 200
    global.set $len
    i32.const 0
    i32.const 0
    global.get $len
    table.init $t $e
    call $probe)

  ;; table.grow: 1 fuel per element requested (the maximum is 1000).

  (func (export "grow0") (result i32)
    ref.null func
    i32.const 0
    table.grow $t)

  (func (export "grow0_probe") (result i32)
    ref.null func
    i32.const 0
    table.grow $t
    call $probe)

  (func (export "grow1") (result i32)
    ref.null func
    i32.const 1
    table.grow $t)

  (func (export "grow1_probe") (result i32)
    ref.null func
    i32.const 1
    table.grow $t
    call $probe)

  (func (export "grow128") (result i32)
    ref.null func
    i32.const 128
    table.grow $t)

  (func (export "grow128_probe") (result i32)
    ref.null func
    i32.const 128
    table.grow $t
    call $probe)

  (func (export "grow129") (result i32)
    ref.null func
    i32.const 129
    table.grow $t)

  (func (export "grow129_probe") (result i32)
    ref.null func
    i32.const 129
    table.grow $t
    call $probe)

  (func (export "grow600") (result i32)
    ref.null func
    i32.const 600
    table.grow $t)

  (func (export "grow600_probe") (result i32)
    ref.null func
    i32.const 600
    table.grow $t
    call $probe)

  ;; 800 elements: fails.

  (func (export "grow800_fail") (result i32)
    ref.null func
    i32.const 800
    table.grow $t)

  (func (export "grow800_fail_probe") (result i32)
    ref.null func
    i32.const 800
    table.grow $t
    call $probe)

  ;; Two grows of 100 elements after one of 600: the third fails.

  (func (export "grow_third_fails") (result i32)
    ref.null func
    i32.const 600
    table.grow $t
    drop
    ref.null func
    i32.const 100
    table.grow $t
    drop
    ref.null func
    i32.const 100
    table.grow $t)

  (func (export "grow_third_fails_probe") (result i32)
    ref.null func
    i32.const 600
    table.grow $t
    drop
    ref.null func
    i32.const 100
    table.grow $t
    drop
    ref.null func
    i32.const 100
    table.grow $t
    call $probe)

  (func (export "grow_dyn0") (result i32)
    i32.const 0
    global.set $len
    ref.null func
    global.get $len
    table.grow $t)

  (func (export "grow_dyn0_probe") (result i32)
    i32.const 0
    global.set $len
    ref.null func
    global.get $len
    table.grow $t
    call $probe)

  (func (export "grow_dyn5") (result i32)
    i32.const 5
    global.set $len
    ref.null func
    global.get $len
    table.grow $t)

  (func (export "grow_dyn5_probe") (result i32)
    i32.const 5
    global.set $len
    ref.null func
    global.get $len
    table.grow $t
    call $probe)

  (func (export "grow_dyn800_fail") (result i32)
    i32.const 800
    global.set $len
    ref.null func
    global.get $len
    table.grow $t)

  (func (export "grow_dyn800_fail_probe") (result i32)
    i32.const 800
    global.set $len
    ref.null func
    global.get $len
    table.grow $t
    call $probe)

  (func (export "size_probe") (result i32)
    table.size $t
    call $probe)

  (func (export "get_set_probe")
    i32.const 1
    i32.const 0
    table.get $t
    table.set $t
    call $probe)

  (func (export "elem_drop_probe")
    elem.drop $e
    call $probe)

  (func (export "init_then_call_indirect_probe")
    i32.const 0
    i32.const 0
    i32.const 3
    table.init $t $e
    i32.const 2
    call_indirect (type $v)
    call $probe)
)
