;; The legacy exception encoding (what clang and Emscripten emit by
;; default): try with catch and catch_all, rethrow, delegate to an outer
;; try or to the caller, a loop entering a handler each iteration, a
;; throw from a catch body, and traps, which no catch_all catches.
(module
  (tag $e (param i32))
  (tag $f)
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (export "simple") (result i32)
    try (result i32)
      i32.const 42
      call $thrower
      i32.const 0
    catch $e
    end)
  (func (export "local_throw") (result i32)
    try (result i32)
      i32.const 7
      throw $e
    catch $e
      i32.const 1
      i32.add
    end)
  (func (export "catch_all") (result i32)
    try (result i32)
      throw $f
    catch $e
    catch_all
      i32.const 99
    end)
  (func (export "uncaught")
    try
      throw $f
    catch $e
      drop
    end)
  (func (export "rethrow") (result i32)
    try (result i32)
      try
        i32.const 5
        call $thrower
      catch $e
        drop
        rethrow 0
      end
      i32.const 0
    catch $e
      i32.const 10
      i32.mul
    end)
  (func (export "delegate") (result i32)
    try $outer (result i32)
      try
        i32.const 3
        call $thrower
      delegate $outer
      i32.const 0
    catch $e
      i32.const 100
      i32.add
    end)
  (func (export "delegate_skip") (result i32)
    try $outer (result i32)
      try
        try
          i32.const 4
          call $thrower
        delegate $outer
      catch $e
        drop
        i32.const 1000
        return
      end
      i32.const 0
    catch $e
      i32.const 200
      i32.add
    end)
  (func (export "delegate_caller") (result i32)
    try (result i32)
      try
        i32.const 6
        call $thrower
      delegate 1
      i32.const 0
    catch $e
    end)
  (func (export "loop") (param i32) (result i32) (local i32)
    block $done
      loop $again
        local.get 0
        i32.eqz
        br_if $done
        try
          local.get 0
          call $thrower
        catch $e
          local.get 1
          i32.add
          local.set 1
        end
        local.get 0
        i32.const 1
        i32.sub
        local.set 0
        br $again
      end
    end
    local.get 1)
  (func (export "throw_in_catch") (result i32)
    try (result i32)
      try (result i32)
        i32.const 1
        call $thrower
        i32.const 0
      catch $e
        i32.const 2
        i32.add
        throw $e
      end
    catch $e
      i32.const 100
      i32.mul
    end)
  (func (export "nested_rethrow") (result i32)
    try (result i32)
      try
        i32.const 8
        call $thrower
      catch $e
        drop
        try
          throw $f
        catch_all
          rethrow 1
        end
      end
      i32.const 0
    catch $e
    end)
  (func (export "trap_not_caught") (result i32)
    try (result i32)
      unreachable
    catch_all
      i32.const 1
    end))
