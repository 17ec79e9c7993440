;; Fuel corpus: block/br/br_if/br_table, return (also from nested blocks, via
;; a caller since nothing after a `return` runs) and loops, nested and not.
;; `$probe` is an empty function whose entry check observes the fuel consumed
;; so far.
(module
  (func $probe (export "probe"))

  (func (export "br_probe") (result i32)
    block (result i32)
      i32.const 1
      br 0
    end
    call $probe)

  (func (export "br_outer_probe") (result i32)
    block (result i32)
      block
        block
          i32.const 2
          br 2
        end
      end
      i32.const 3
    end
    call $probe)

  (func (export "br_if_taken_probe") (result i32)
    block (result i32)
      i32.const 1
      i32.const 1
      br_if 0
      drop
      i32.const 2
    end
    call $probe)

  (func (export "br_if_not_taken_probe") (result i32)
    block (result i32)
      i32.const 1
      i32.const 0
      br_if 0
      drop
      i32.const 2
    end
    call $probe)

  (func $br_table (param i32) (result i32)
    block
      block
        block
          local.get 0
          br_table 0 1 2
        end
        i32.const 10
        return
      end
      i32.const 11
      return
    end
    i32.const 12)

  (func (export "br_table_0_probe") (result i32)
    i32.const 0
    call $br_table
    call $probe)

  (func (export "br_table_1_probe") (result i32)
    i32.const 1
    call $br_table
    call $probe)

  (func (export "br_table_default_probe") (result i32)
    i32.const 7
    call $br_table
    call $probe)

  (func (export "br_table_inline_probe") (result i32)
    block (result i32)
      block (result i32)
        i32.const 5
        i32.const 1
        br_table 0 1 0
      end
      i32.const 100
      i32.add
    end
    call $probe)

  (func $ret_early (result i32)
    i32.const 1
    return
    i32.const 2)

  (func $ret_nested (param i32) (result i32)
    block
      loop
        block
          local.get 0
          if
            i32.const 42
            return
          end
        end
      end
    end
    i32.const 7)

  (func $ret_end (result i32)
    i32.const 3
    i32.const 4
    i32.add
    return)

  (func (export "return_early_probe") (result i32)
    call $ret_early
    call $probe)

  (func (export "return_nested_taken_probe") (result i32)
    i32.const 1
    call $ret_nested
    call $probe)

  (func (export "return_nested_not_taken_probe") (result i32)
    i32.const 0
    call $ret_nested
    call $probe)

  (func (export "return_at_end_probe") (result i32)
    call $ret_end
    call $probe)

  ;; A loop that falls through once: no back edge.
  (func (export "loop_once_probe")
    loop
      i32.const 1
      drop
    end
    call $probe)

  ;; 10 iterations, counted down with br_if back to the header.
  (func (export "loop10") (local i32)
    i32.const 10
    local.set 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end)

  (func (export "loop10_probe") (local i32)
    i32.const 10
    local.set 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    call $probe)

  ;; Counting up, leaving through br_if to an enclosing block and going back
  ;; with an unconditional br.
  (func (export "loop_block_exit_probe") (result i32) (local i32)
    block
      loop
        local.get 0
        i32.const 25
        i32.ge_u
        br_if 1
        local.get 0
        i32.const 1
        i32.add
        local.set 0
        br 0
      end
    end
    local.get 0
    call $probe)

  ;; 5 x 7 nested loops.
  (func (export "nested_loops") (result i32) (local i32 i32 i32)
    i32.const 5
    local.set 0
    loop
      i32.const 7
      local.set 1
      loop
        local.get 2
        i32.const 1
        i32.add
        local.set 2
        local.get 1
        i32.const 1
        i32.sub
        local.tee 1
        br_if 0
      end
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 2)

  (func (export "nested_loops_probe") (result i32) (local i32 i32 i32)
    i32.const 5
    local.set 0
    loop
      i32.const 7
      local.set 1
      loop
        local.get 2
        i32.const 1
        i32.add
        local.set 2
        local.get 1
        i32.const 1
        i32.sub
        local.tee 1
        br_if 0
      end
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 2
    call $probe)

  ;; Three levels, 3 x 4 x 5, with an if/else in the innermost body.
  (func (export "triple_loops_if_probe") (result i32) (local i32 i32 i32 i32)
    i32.const 3
    local.set 0
    loop
      i32.const 4
      local.set 1
      loop
        i32.const 5
        local.set 2
        loop
          local.get 2
          i32.const 1
          i32.and
          if
            local.get 3
            i32.const 1
            i32.add
            local.set 3
          else
            local.get 3
            i32.const 2
            i32.add
            local.set 3
          end
          local.get 2
          i32.const 1
          i32.sub
          local.tee 2
          br_if 0
        end
        local.get 1
        i32.const 1
        i32.sub
        local.tee 1
        br_if 0
      end
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 3
    call $probe)

  ;; A loop driven by br_table: index 0 continues, anything else exits.
  (func (export "loop_br_table_probe") (result i32) (local i32)
    block
      loop
        local.get 0
        i32.const 1
        i32.add
        local.tee 0
        i32.const 6
        i32.ge_u
        br_table 0 1
      end
    end
    local.get 0
    call $probe)
)
