;; Memory declared without a maximum ((memory 1)): grows page by page up to the 4 GiB limit of memory32.
(module
  (memory 1)
  (data (i32.const 65534) "\01\02")

  (func $size (export "size") (result i32) (memory.size))
  (func $grow (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func $load8 (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func $load (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func $load64 (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func $store (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func $store64 (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))
  (func $load_off_1page (export "load_off_1page") (param i32) (result i32) (i32.load offset=65536 (local.get 0)))
  ;; Grow by one page at a time, n times; returns the final size in pages.
  (func $grow_each (export "grow_each") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (drop (memory.grow (i32.const 1)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (memory.size))
  ;; Write the page number into the first word of every page; return the sum read back.
  (func $stamp_pages (export "stamp_pages") (result i32)
    (local $p i32) (local $sum i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (memory.size)))
        (i32.store (i32.mul (local.get $p) (i32.const 65536)) (local.get $p))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.set $p (i32.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $p) (memory.size)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (i32.mul (local.get $p) (i32.const 65536)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $l)))
    (local.get $sum))
)
