;; The binary-trees benchmark in GC wat: for each depth from 4 to `max`
;; (even steps), 2^(max - depth + 4) trees of that depth are built and
;; their nodes counted, beside a stretch tree of depth max + 1 and a
;; long-lived tree of depth `max` that outlives them all. Returns the sum
;; of every count (the long-lived tree's last). At max = 20 it allocates
;; about 7.5 GiB of 24-byte nodes.
(module
  (type $node (struct (field (ref null $node)) (field (ref null $node))))
  (func $make (param $depth i32) (result (ref $node))
    (if (result (ref $node)) (i32.eqz (local.get $depth))
      (then (struct.new $node (ref.null $node) (ref.null $node)))
      (else
        (struct.new $node
          (call $make (i32.sub (local.get $depth) (i32.const 1)))
          (call $make (i32.sub (local.get $depth) (i32.const 1)))))))
  (func $check (param $n (ref null $node)) (result i32)
    (if (result i32) (ref.is_null (struct.get $node 0 (local.get $n)))
      (then (i32.const 1))
      (else
        (i32.add (i32.const 1)
          (i32.add
            (call $check (struct.get $node 0 (local.get $n)))
            (call $check (struct.get $node 1 (local.get $n))))))))
  (func (export "run") (param $max i32) (result i64)
    (local $long (ref $node)) (local $depth i32) (local $i i32) (local $n i32) (local $sum i64)
    (local.set $sum (i64.extend_i32_u
      (call $check (call $make (i32.add (local.get $max) (i32.const 1))))))
    (local.set $long (call $make (local.get $max)))
    (local.set $depth (i32.const 4))
    (loop $depths
      (local.set $n (i32.shl (i32.const 1)
        (i32.add (i32.sub (local.get $max) (local.get $depth)) (i32.const 4))))
      (local.set $i (i32.const 0))
      (loop $trees
        (local.set $sum (i64.add (local.get $sum)
          (i64.extend_i32_u (call $check (call $make (local.get $depth))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $trees (i32.lt_u (local.get $i) (local.get $n))))
      (local.set $depth (i32.add (local.get $depth) (i32.const 2)))
      (br_if $depths (i32.le_u (local.get $depth) (local.get $max))))
    (i64.add (local.get $sum) (i64.extend_i32_u (call $check (local.get $long))))))
