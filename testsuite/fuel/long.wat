;; Fuel corpus: long-running loops, so the counts are large.
;; `$probe` is an empty function whose entry check observes the fuel consumed
;; so far.
(module
  (memory 1)
  (func $probe (export "probe"))
  (func $inc (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add)

  (func (export "loop1m") (local i32)
    i32.const 1000000
    local.set 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end)

  (func (export "loop1m_probe") (local i32)
    i32.const 1000000
    local.set 0
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    call $probe)

  ;; 1000 x 1000 nested loops accumulating into a local.
  (func (export "nested1000x1000_probe") (result i32) (local i32 i32 i32)
    i32.const 1000
    local.set 0
    loop
      i32.const 1000
      local.set 1
      loop
        local.get 2
        local.get 1
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

  ;; 100,000 calls from a loop.
  (func (export "loop_calls100k_probe") (result i32) (local i32 i32)
    i32.const 100000
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

  ;; 65536 byte stores and loads over the whole page.
  (func (export "memory_loop64k_probe") (result i32) (local i32 i32)
    loop
      local.get 0
      local.get 0
      i32.store8
      local.get 0
      i32.const 1
      i32.add
      local.tee 0
      i32.const 65536
      i32.lt_u
      br_if 0
    end
    loop
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      i32.load8_u
      local.get 1
      i32.add
      local.set 1
      local.get 0
      br_if 0
    end
    local.get 1
    call $probe)

  ;; memory.fill of a whole page, 100 times.
  (func (export "fill_page_x100_probe") (local i32)
    i32.const 100
    local.set 0
    loop
      i32.const 0
      local.get 0
      i32.const 65536
      memory.fill
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    call $probe)
)
