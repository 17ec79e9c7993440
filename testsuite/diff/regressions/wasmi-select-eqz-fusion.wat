;; wasmi 2.0.0 miscompiles `select` whose condition is `i32.eqz` of a local:
;; it fuses the two and reads the condition from a register that still
;; holds an earlier value (here the global's 2000). Expected result 111
;; (x is 0, so x == 0 holds); wasmi 2.0.0 returns 222. Wasmtime, V8 and
;; waot return 111.
(module
  (global $h (mut i32) (i32.const 2000))
  (func (export "") (result i32)
    (local $x i32)
    global.get $h
    drop
    i32.const 111
    i32.const 222
    local.get $x
    i32.eqz
    select))
