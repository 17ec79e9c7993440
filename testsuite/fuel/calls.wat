;; Fuel corpus: direct calls, call_indirect, recursion, calls inside loops and
;; tail calls (return_call, return_call_indirect; on by default in Wasmtime
;; 49). `$probe` is an empty function whose entry check observes the fuel
;; consumed so far.
(module
  (type $v (func))
  (type $i2i (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) $empty $inc $probe $rc_countdown)

  (func $probe (export "probe"))
  (func $empty)
  (func $inc (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add)
  (func $add (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add)

  (func (export "call_empty")
    call $empty)

  (func (export "call_empty_probe")
    call $empty
    call $probe)

  (func (export "call_args_probe") (result i32)
    i32.const 3
    i32.const 4
    call $add
    call $inc
    call $probe)

  (func $chain3 call $probe)
  (func $chain2 call $chain3)
  (func $chain1 call $chain2)
  (func (export "call_chain4")
    call $chain1)

  (func $chain3b
    i32.const 1
    drop
    call $probe
    i32.const 2
    i32.const 3
    i32.add
    drop)
  (func $chain2b
    call $chain3b
    i32.const 4
    drop)
  (func (export "call_chain_tail_work_probe")
    call $chain2b
    i32.const 5
    drop
    call $probe)

  (func (export "call_indirect_empty_probe")
    i32.const 0
    call_indirect (type $v)
    call $probe)

  (func (export "call_indirect_inc_probe") (result i32)
    i32.const 41
    i32.const 1
    call_indirect (type $i2i)
    call $probe)

  ;; The probe reached through the table.
  (func (export "call_indirect_to_probe")
    i32.const 2
    call_indirect (type $v))

  ;; Counted recursion: $rec(n) = n, recursing n times.
  (func $rec (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      call $rec
      i32.const 1
      i32.add
    end)

  (func (export "recursion20") (result i32)
    i32.const 20
    call $rec)

  (func (export "recursion20_probe") (result i32)
    i32.const 20
    call $rec
    call $probe)

  (func (export "recursion1_probe") (result i32)
    i32.const 1
    call $rec
    call $probe)

  ;; Recursion through the table: $rec_ind(n) calls itself via call_indirect.
  (func $rec_ind (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      i32.const 3
      call_indirect (type $i2i)
      i32.const 1
      i32.add
    end)
  (func $rc_countdown (param i32) (result i32)
    local.get 0
    call $rec_ind)

  (func (export "recursion_indirect10_probe") (result i32)
    i32.const 10
    call $rec_ind
    call $probe)

  (func (export "loop_calls10_probe") (result i32) (local i32 i32)
    i32.const 10
    local.set 0
    loop
      local.get 1
      call $inc
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1
    call $probe)

  (func (export "loop_calls10") (result i32) (local i32 i32)
    i32.const 10
    local.set 0
    loop
      local.get 1
      call $inc
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1)

  (func (export "loop_call_indirect10_probe") (result i32) (local i32 i32)
    i32.const 10
    local.set 0
    loop
      local.get 1
      i32.const 1
      call_indirect (type $i2i)
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1
    call $probe)

  ;; Tail calls.
  (func $tc_empty
    return_call $empty)
  (func (export "return_call_empty")
    return_call $empty)
  (func (export "return_call_probe")
    return_call $probe)
  (func (export "return_call_then_probe")
    call $tc_empty
    call $probe)

  (func $tc_args (result i32)
    i32.const 5
    i32.const 6
    return_call $add)
  (func (export "return_call_args_probe") (result i32)
    call $tc_args
    call $probe)

  ;; Tail recursion: $countdown(n) = 0 after n return_calls.
  (func $countdown (param i32) (result i32)
    local.get 0
    i32.eqz
    if (result i32)
      i32.const 0
    else
      local.get 0
      i32.const 1
      i32.sub
      return_call $countdown
    end)
  (func (export "tail_recursion20_probe") (result i32)
    i32.const 20
    call $countdown
    call $probe)
  (func (export "tail_recursion20") (result i32)
    i32.const 20
    return_call $countdown)

  (func $tci (result i32)
    i32.const 9
    i32.const 1
    return_call_indirect (type $i2i))
  (func (export "return_call_indirect_probe") (result i32)
    call $tci
    call $probe)
  (func (export "return_call_indirect_to_probe")
    i32.const 2
    return_call_indirect (type $v))
)
