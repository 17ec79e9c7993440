;; A linked structure with cycles, rebuilt `rounds` times: a ring of
;; `size` nodes, each pointing at the next and back at a shared hub that
;; points into the ring, plus an array of every node; only the last ring
;; survives a round. Returns the sum of the last ring's values, walked
;; around the cycle. Each round allocates size * 40 + 24 bytes and more.
(module
  (rec
    (type $node (struct (field $v i32) (field $next (mut (ref null $node))) (field $hub (mut (ref null $hub)))))
    (type $hub (struct (field $any (mut (ref null $node))))))
  (type $all (array (mut (ref null $node))))
  (global $last (mut (ref null $node)) (ref.null $node))
  (func (export "run") (param $size i32) (param $rounds i32) (result i32)
    (local $hub (ref $hub)) (local $first (ref null $node)) (local $n (ref null $node))
    (local $all (ref $all)) (local $i i32) (local $sum i32)
    (loop $round
      (local.set $hub (struct.new $hub (ref.null $node)))
      (local.set $all (array.new_default $all (local.get $size)))
      (local.set $first (struct.new $node (i32.const 0) (ref.null $node) (local.get $hub)))
      (local.set $n (local.get $first))
      (array.set $all (local.get $all) (i32.const 0) (local.get $first))
      (local.set $i (i32.const 1))
      (loop $build
        (if (i32.lt_u (local.get $i) (local.get $size)) (then
          (struct.set $node $next (local.get $n)
            (struct.new $node (local.get $i) (ref.null $node) (local.get $hub)))
          (local.set $n (struct.get $node $next (local.get $n)))
          (array.set $all (local.get $all) (local.get $i) (local.get $n))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br $build))))
      ;; Close the ring, and let the hub point into it.
      (struct.set $node $next (local.get $n) (local.get $first))
      (struct.set $hub $any (local.get $hub) (local.get $n))
      (global.set $last (local.get $first))
      (local.set $rounds (i32.sub (local.get $rounds) (i32.const 1)))
      (br_if $round (local.get $rounds)))
    (local.set $n (global.get $last))
    (local.set $i (i32.const 0))
    (loop $walk
      (local.set $sum (i32.add (local.get $sum) (struct.get $node $v (local.get $n))))
      (local.set $n (struct.get $node $next (local.get $n)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $walk (i32.lt_u (local.get $i) (local.get $size))))
    (local.get $sum)))
