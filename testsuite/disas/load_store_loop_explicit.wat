;; flags: --bounds-checks explicit
;; The same loop with explicit bounds checks (--bounds-checks explicit).
(module
  (memory 1)
  (func (export "scale") (param $dst i32) (param $src i32) (param $n i32)
    (local $i i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store
          (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (i32.add
            (i32.mul
              (i32.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 2))))
              (i32.const 3))
            (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
