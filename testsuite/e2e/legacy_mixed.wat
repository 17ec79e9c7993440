;; The legacy and the standard exception encodings in one module: each
;; catches what the other throws or passes on, a legacy `delegate` and
;; `rethrow` hand exceptions to `try_table` handlers, and an exception
;; caught as an `exnref` by `try_table` and thrown again by `throw_ref` is
;; caught by a legacy `catch` with its values.
;;
;; Where a `delegate` names a `try_table`'s label or a block around one,
;; engines disagree (LLVM never mixes the encodings): waot rethrows the
;; exception "right before the matching end" of the named label, as the
;; legacy addendum puts it, so the first is caught by the try_table's
;; handler and the second is not; Binaryen 132's interpreter catches both,
;; Node 24's V8 neither. Every other case here gives the same results in
;; both of them.
(module
  (tag $e (param i32))
  (tag $f)
  (func $thrower (param i32) (throw $e (local.get 0)))
  ;; A legacy try around a try_table that does not catch $e.
  (func (export "legacy_outside") (result i32)
    try (result i32)
      block $h
        try_table (catch $f $h)
          i32.const 11
          call $thrower
        end
      end
      i32.const -1
    catch $e
      i32.const 100
      i32.add
    end)
  ;; A try_table around a legacy try that does not catch $e.
  (func (export "table_outside") (result i32)
    block $h (result i32)
      try_table (catch $e $h)
        try
          i32.const 12
          call $thrower
        catch $f
        end
      end
      i32.const -1
      return
    end
    i32.const 200
    i32.add)
  ;; delegate 0 names the try_table's label: the exception is thrown on
  ;; inside that block, where its handler takes it.
  (func (export "delegate_to_try_table") (result i32)
    block $h (result i32)
      try_table (catch $e $h)
        try
          i32.const 13
          call $thrower
        delegate 0
      end
      i32.const -1
      return
    end
    i32.const 300
    i32.add)
  ;; delegate 1 names the block around the try_table: thrown on outside
  ;; it, so only the legacy catch_all outside sees it.
  (func (export "delegate_past_try_table") (result i32)
    try (result i32)
      block $out
        block $h (result i32)
          try_table (catch $e $h)
            try
              i32.const 14
              call $thrower
            delegate 1
          end
          i32.const -1
          return
        end
        drop
      end
      i32.const -2
    catch_all
      i32.const 400
    end)
  ;; A legacy rethrow from a catch_all inside a try_table.
  (func (export "rethrow_to_try_table") (result i32)
    block $h (result i32)
      try_table (catch $e $h)
        try
          i32.const 15
          call $thrower
        catch_all
          rethrow 0
        end
      end
      i32.const -1
      return
    end
    i32.const 500
    i32.add)
  ;; Caught as an exnref, thrown again with throw_ref inside a legacy try:
  ;; the legacy catch gets the original values.
  (func (export "throw_ref_to_legacy") (result i32)
    (local $x exnref)
    block $h (result exnref)
      try_table (catch_all_ref $h)
        i32.const 16
        call $thrower
      end
      ref.null exn
    end
    local.set $x
    try (result i32)
      local.get $x
      throw_ref
    catch $e
      i32.const 600
      i32.add
    end)
  ;; Caught by a legacy catch, rethrown, caught by try_table as an exnref
  ;; and thrown on by throw_ref to a legacy catch outside all of it.
  (func (export "round_trip") (result i32)
    try (result i32)
      block $h (result i32 exnref)
        try_table (catch_ref $e $h)
          try
            i32.const 17
            call $thrower
          catch $e
            drop
            rethrow 0
          end
        end
        unreachable
      end
      throw_ref
    catch $e
      i32.const 700
      i32.add
    end)
  ;; A trap inside both kinds of handler scope is caught by neither.
  (func (export "trap_through_both") (result i32)
    try (result i32)
      block $h
        try_table (catch_all $h)
          unreachable
        end
      end
      i32.const -1
    catch_all
      i32.const -2
    end)
)
