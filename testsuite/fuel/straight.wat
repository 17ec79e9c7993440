;; Fuel corpus: straight-line code, zero-cost operators, select, locals,
;; globals and if/else. `$probe` is an empty function: calling it at the end
;; of a body makes its entry check observe everything consumed before it
;; (fuel is only checked at function entries and loop headers).
(module
  (global $g (mut i32) (i32.const 0))
  (global $g64 (mut i64) (i64.const 0))

  (func $probe (export "probe"))

  (func (export "empty"))

  (func (export "const_drop")
    i32.const 0
    drop)

  ;; 9 costed operators but no check after the entry one.
  (func (export "straight_noprobe") (result i32)
    (local i32)
    i32.const 1
    i32.const 2
    i32.add
    i32.const 3
    i32.mul
    local.set 0
    local.get 0
    i32.const 4
    i32.sub)

  (func (export "straight_probe") (result i32)
    (local i32)
    i32.const 1
    i32.const 2
    i32.add
    i32.const 3
    i32.mul
    local.set 0
    local.get 0
    i32.const 4
    i32.sub
    call $probe)

  (func (export "probe_only")
    call $probe)

  (func (export "nops_probe")
    nop
    nop
    nop
    nop
    nop
    call $probe)

  (func (export "drops_probe")
    i32.const 1
    i32.const 2
    i32.const 3
    drop
    drop
    drop
    call $probe)

  ;; block/end around straight-line code.
  (func (export "blocks_probe")
    block
      block
        block
          i32.const 1
          drop
        end
      end
    end
    call $probe)

  ;; Code after `br` is dead and not counted.
  (func (export "dead_code_probe")
    block
      br 0
      i32.const 1
      i32.const 2
      i32.add
      drop
    end
    call $probe)

  (func (export "select_probe") (result i32)
    i32.const 10
    i32.const 20
    i32.const 0
    select
    call $probe)

  (func (export "select_typed_probe") (result i64)
    i64.const 10
    i64.const 20
    i32.const 1
    select (result i64)
    call $probe)

  (func (export "local_tee_probe") (result i32)
    (local i32 i32)
    i32.const 7
    local.tee 0
    local.tee 1
    local.get 0
    i32.add
    call $probe)

  (func (export "globals_probe") (result i32)
    global.get $g
    i32.const 1
    i32.add
    global.set $g
    global.get $g64
    i64.const 5
    i64.add
    global.set $g64
    global.get $g
    call $probe)

  (func (export "numeric_mix_probe") (result i64)
    f64.const 2.25
    f64.sqrt
    f64.const 0.5
    f64.add
    i64.trunc_f64_s
    i64.const 3
    i64.shl
    i32.const 100
    i32.const 7
    i32.div_s
    i64.extend_i32_s
    i64.add
    f32.const 1.5
    f32.neg
    i32.trunc_f32_s
    i64.extend_i32_u
    i64.xor
    call $probe)

  (func (export "if_taken_probe") (result i32)
    (local i32)
    i32.const 1
    if
      i32.const 5
      local.set 0
    end
    local.get 0
    call $probe)

  (func (export "if_not_taken_probe") (result i32)
    (local i32)
    i32.const 0
    if
      i32.const 5
      local.set 0
    end
    local.get 0
    call $probe)

  (func (export "if_else_then_probe") (result i32)
    i32.const 1
    if (result i32)
      i32.const 10
      i32.const 1
      i32.add
    else
      i32.const 20
    end
    call $probe)

  (func (export "if_else_else_probe") (result i32)
    i32.const 0
    if (result i32)
      i32.const 10
      i32.const 1
      i32.add
    else
      i32.const 20
    end
    call $probe)

  (func (export "if_else_noprobe") (result i32)
    i32.const 0
    if (result i32)
      i32.const 10
      i32.const 1
      i32.add
    else
      i32.const 20
    end)

  (func (export "nested_if_probe") (result i32)
    (local i32)
    i32.const 1
    if
      i32.const 0
      if
        i32.const 1
        local.set 0
      else
        i32.const 1
        if
          i32.const 2
          local.set 0
        end
      end
    else
      i32.const 3
      local.set 0
    end
    local.get 0
    call $probe)
)
