;; Fuel corpus: exception handling (try_table, throw, throw_ref; on by default
;; in Wasmtime 49). Every export completes: each throw is caught. `$probe` is
;; an empty function whose entry check observes the fuel consumed so far, so
;; the `*_probe` exports show how much of the work before the catch is
;; counted.
(module
  (tag $t (param i32))
  (tag $t0)
  (type $v (func))
  (table 1 funcref)
  (elem (i32.const 0) $thrower0)

  (func $probe (export "probe"))

  (func $thrower (param i32)
    local.get 0
    i32.const 1
    i32.add
    throw $t)

  (func $thrower0
    i32.const 1
    i32.const 2
    i32.add
    drop
    throw $t0)

  (func $no_throw (param i32) (result i32)
    local.get 0
    i32.const 1
    i32.add)

  ;; $deep(n) recurses n times, then throws.
  (func $deep (param i32)
    local.get 0
    i32.eqz
    if
      i32.const 99
      throw $t
    end
    local.get 0
    i32.const 1
    i32.sub
    call $deep)

  ;; A throw caught in the same function.
  (func (export "throw_local_probe") (result i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 5
        throw $t
      end
      i32.const 0
    end
    call $probe)

  (func (export "throw_local") (result i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 5
        throw $t
      end
      i32.const 0
    end)

  ;; try_table whose body does not throw.
  (func (export "try_no_throw_probe") (result i32)
    block $h (result i32)
      try_table (result i32) (catch $t $h)
        i32.const 5
        call $no_throw
      end
    end
    call $probe)

  ;; A throw from a callee.
  (func (export "throw_callee_probe") (result i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 5
        call $thrower
      end
      i32.const 0
    end
    call $probe)

  (func (export "throw_callee") (result i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 5
        call $thrower
      end
      i32.const 0
    end)

  ;; The same, with the probe called from inside the handler's landing code
  ;; twice: once right after the catch, once after more work.
  (func (export "throw_callee_probe_twice") (result i32) (local i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 5
        call $thrower
      end
      i32.const 0
    end
    local.set 0
    call $probe
    local.get 0
    i32.const 1
    i32.add
    call $probe)

  ;; A throw 10 frames down.
  (func (export "throw_deep10_probe") (result i32)
    block $h (result i32)
      try_table (catch $t $h)
        i32.const 10
        call $deep
      end
      i32.const 0
    end
    call $probe)

  ;; catch_all, from a callee reached through call_indirect.
  (func (export "catch_all_indirect_probe")
    block $h
      try_table (catch_all $h)
        i32.const 0
        call_indirect (type $v)
      end
    end
    call $probe)

  ;; catch_all_ref with a rethrow (throw_ref) caught by an outer handler.
  (func (export "throw_ref_probe") (result i32)
    block $outer (result i32)
      try_table (catch $t $outer)
        block $inner (result exnref)
          try_table (catch_all_ref $inner)
            i32.const 7
            call $thrower
          end
          unreachable
        end
        throw_ref
      end
      i32.const 0
    end
    call $probe)

  ;; Ten throws from a callee, each caught inside a loop.
  (func (export "loop_catch10_probe") (result i32) (local i32 i32)
    i32.const 10
    local.set 0
    loop
      block $h (result i32)
        try_table (catch $t $h)
          local.get 0
          call $thrower
        end
        i32.const 0
      end
      local.get 1
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1
    call $probe)

  (func (export "loop_catch10") (result i32) (local i32 i32)
    i32.const 10
    local.set 0
    loop
      block $h (result i32)
        try_table (catch $t $h)
          local.get 0
          call $thrower
        end
        i32.const 0
      end
      local.get 1
      i32.add
      local.set 1
      local.get 0
      i32.const 1
      i32.sub
      local.tee 0
      br_if 0
    end
    local.get 1)
)
