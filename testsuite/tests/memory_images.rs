//! Memory images at run time (SPEC.md, "Memory images"): mapped
//! copy-on-write from the artifact file or, for modules made from bytes,
//! from a memory file; private to each instance; reset between the
//! instances of a pooled slot, and replaced when a slot changes modules;
//! never visible when instantiation traps before the data segments.

use waot_format::types::Interruption;
use waot_run::{
    Config, Engine, Instance, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig,
    Store,
};
use waot_testsuite::compile_wat;

/// The data both modules place: `len` bytes of a pattern seeded by `seed`.
fn pattern(seed: u8, len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u32 * 7 + u32::from(seed)) as u8 % 251 + 1)
        .collect()
}

/// A module with `pages` pages and `pattern(seed, len)` at `at`, which
/// can read and write any byte.
fn module_wat(pages: u32, at: u32, seed: u8, len: usize) -> String {
    let data: String = pattern(seed, len)
        .iter()
        .map(|b| format!("\\{b:02x}"))
        .collect();
    format!(
        r#"(module
  (memory (export "memory") {pages})
  (data (i32.const {at}) "{data}")
  (func (export "read") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "write") (param i32 i32) (i32.store8 (local.get 0) (local.get 1))))"#
    )
}

/// Engines for both allocation strategies; `total_memories` bounds the pool.
fn engines(total_memories: u32) -> Vec<(&'static str, Engine)> {
    let mut pooling = PoolingAllocationConfig::new();
    pooling.total_memories(total_memories);
    let mut config = Config::new();
    config.allocation_strategy(InstanceAllocationStrategy::Pooling(pooling));
    vec![
        ("on demand", Engine::default()),
        ("pooling", Engine::new(&config).expect("engine")),
    ]
}

fn read(store: &mut Store<()>, instance: &Instance, address: u32) -> i32 {
    let read = instance
        .get_typed_func::<i32, i32>(&mut *store, "read")
        .expect("read");
    read.call(&mut *store, address as i32).expect("in bounds")
}

fn write(store: &mut Store<()>, instance: &Instance, address: u32, value: u8) {
    let write = instance
        .get_typed_func::<(i32, i32), ()>(&mut *store, "write")
        .expect("write");
    write
        .call(&mut *store, (address as i32, i32::from(value)))
        .expect("in bounds");
}

/// Checks a fresh instance's memory: the pattern at `at`, zeros elsewhere.
fn check_fresh(
    label: &str,
    store: &mut Store<()>,
    instance: &Instance,
    at: usize,
    seed: u8,
    len: usize,
) {
    let memory = instance.get_memory(&mut *store, "memory").expect("memory");
    let bytes = memory.data(&*store);
    let expected = pattern(seed, len);
    assert_eq!(&bytes[at..at + len], &expected[..], "{label}: the data");
    assert!(
        bytes[..at]
            .iter()
            .chain(&bytes[at + len..])
            .all(|&b| b == 0),
        "{label}: zeros around the data"
    );
}

#[test]
fn images_hold_the_data_and_writes_stay_in_their_instance() {
    let dir = tempfile::tempdir().unwrap();
    // 40,000 bytes from 100 on: pages mapped from the file, and a tail
    // copied into the page after them.
    let path = compile_wat(
        dir.path(),
        "data",
        &module_wat(2, 100, 3, 40_000),
        Interruption::NONE,
    );
    for (label, engine) in engines(10) {
        let from_file = Module::from_file(&engine, &path).expect("opens");
        let bytes = std::fs::read(&path).unwrap();
        let from_bytes = Module::from_bytes(&engine, &bytes).expect("loads");
        for (how, module) in [("file", &from_file), ("bytes", &from_bytes)] {
            let label = format!("{label}, from {how}");
            let linker = Linker::new(&engine);
            let mut first = Store::new(&engine, ());
            let a = linker
                .instantiate(&mut first, module)
                .expect("instantiates");
            check_fresh(&label, &mut first, &a, 100, 3, 40_000);
            // Inside the mapped pages, in the copied tail, and past the data.
            for address in [100, 5000, 40_050, 70_000] {
                write(&mut first, &a, address, 0xee);
                assert_eq!(read(&mut first, &a, address), 0xee);
            }
            let mut second = Store::new(&engine, ());
            let b = linker
                .instantiate(&mut second, module)
                .expect("instantiates");
            check_fresh(&label, &mut second, &b, 100, 3, 40_000);
            drop(first);
            // A pooled slot comes back reset: the image's pages hold the
            // image again, the others zeros.
            let mut third = Store::new(&engine, ());
            let c = linker
                .instantiate(&mut third, module)
                .expect("instantiates");
            check_fresh(&label, &mut third, &c, 100, 3, 40_000);
            let memory = c.get_memory(&mut third, "memory").unwrap();
            assert_eq!(memory.size(&third), 2, "{label}: its initial size");
        }
    }
}

#[test]
fn a_pooled_slot_changes_modules_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let big = compile_wat(
        dir.path(),
        "big",
        &module_wat(3, 0, 1, 150_000),
        Interruption::NONE,
    );
    let small = compile_wat(
        dir.path(),
        "small",
        &module_wat(1, 4096, 2, 9000),
        Interruption::NONE,
    );
    let (_, engine) = engines(1).remove(1);
    let big = Module::from_file(&engine, &big).unwrap();
    let small = Module::from_file(&engine, &small).unwrap();
    let linker = Linker::new(&engine);
    for round in 0..3 {
        let mut store = Store::new(&engine, ());
        let i = linker.instantiate(&mut store, &big).unwrap();
        check_fresh(
            &format!("big, round {round}"),
            &mut store,
            &i,
            0,
            1,
            150_000,
        );
        write(&mut store, &i, 8192, 0);
        write(&mut store, &i, 190_000, 9);
        drop(store);
        // The one slot, now with one page: the big module's image and
        // pages are gone, and the second page faults.
        let mut store = Store::new(&engine, ());
        let i = linker.instantiate(&mut store, &small).unwrap();
        check_fresh(
            &format!("small, round {round}"),
            &mut store,
            &i,
            4096,
            2,
            9000,
        );
        let read = i.get_typed_func::<i32, i32>(&mut store, "read").unwrap();
        let trap = read.call(&mut store, 65536).unwrap_err();
        assert!(trap.to_string().contains("out of bounds"), "{trap}");
    }
}

#[test]
fn a_full_pool_refuses_another_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_wat(
        dir.path(),
        "one",
        &module_wat(1, 0, 0, 10),
        Interruption::NONE,
    );
    let (_, engine) = engines(1).remove(1);
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = Linker::new(&engine);
    let mut store = Store::new(&engine, ());
    let _first = linker.instantiate(&mut store, &module).unwrap();
    let error = linker.instantiate(&mut store, &module).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("all 1 memories of the pooling allocator are in use"),
        "{error}"
    );
    drop(store);
    let mut store = Store::new(&engine, ());
    linker
        .instantiate(&mut store, &module)
        .expect("the slot is free again");
}

/// Puts its `read` function in an imported table, then traps on a second
/// element segment when the table is too small: its data segments (8 KiB,
/// two mapped pages) never run, so `read` must see zeros even where a
/// pooled slot still mapped the image from an earlier, successful instance.
fn trapping_wat() -> String {
    format!(
        r#"(module
  (import "lib" "table" (table 1 funcref))
  (memory 1)
  (data (i32.const 0) "{}")
  (elem (i32.const 0) $read)
  (elem (i32.const 5) $read)
  (func $read (param i32) (result i32) (i32.load8_u (local.get 0))))"#,
        "D".repeat(8192)
    )
}

fn lib_wat(size: u32) -> String {
    format!(
        r#"(module
  (table (export "table") {size} funcref)
  (func (export "call0") (param i32) (result i32)
    (call_indirect (param i32) (result i32) (local.get 0) (i32.const 0))))"#
    )
}

#[test]
fn a_trap_before_the_data_segments_leaves_memory_zero() {
    let dir = tempfile::tempdir().unwrap();
    let trapping = compile_wat(dir.path(), "trapping", &trapping_wat(), Interruption::NONE);
    let roomy = compile_wat(dir.path(), "roomy", &lib_wat(10), Interruption::NONE);
    let tight = compile_wat(dir.path(), "tight", &lib_wat(2), Interruption::NONE);
    for (label, engine) in engines(4) {
        let trapping = Module::from_file(&engine, &trapping).unwrap();
        for (lib, traps) in [
            (&roomy, false),
            (&tight, true),
            (&roomy, false),
            (&tight, true),
        ] {
            let lib = Module::from_file(&engine, lib).unwrap();
            let mut store = Store::new(&engine, ());
            let mut linker = Linker::new(&engine);
            let lib = linker.instantiate(&mut store, &lib).unwrap();
            linker.instance(&mut store, "lib", lib).unwrap();
            let result = linker.instantiate(&mut store, &trapping);
            assert_eq!(result.is_err(), traps, "{label}");
            let call0 = lib.get_typed_func::<i32, i32>(&mut store, "call0").unwrap();
            let first = call0.call(&mut store, 0).unwrap();
            let expected = if traps { 0 } else { i32::from(b'D') };
            assert_eq!(first, expected, "{label}, table too small: {traps}");
        }
    }
}
