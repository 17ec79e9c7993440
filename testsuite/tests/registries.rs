//! The process-wide registries (in a test binary of their own, since they
//! count what the whole process registers): the canonical type registry
//! shrinks back when the modules and host functions holding its types go,
//! and the code registry lets one thread trap while another opens and
//! drops modules, without either waiting on the other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use waot_format::types::Interruption;
use waot_run::type_registry::registered_types;
use waot_run::{Engine, Linker, Module, Store};
use waot_testsuite::compile_wat;

/// Three function types no other test uses, and a trap.
const TYPES: &str = r#"(module
  (type $a (func (param i32 i64 f32 f64 i32 i64 f32) (result f64)))
  (type $b (func (param f64 f64 f64 f64 f64 f64 f64) (result i32 i64)))
  (table 1 funcref)
  (elem (i32.const 0) $f)
  (func $f (type $b) (local.get 0) (drop) (i32.const 1) (i64.const 2))
  (func (export "run") (param i32) (result i32)
    (call_indirect (type $b)
      (f64.const 0) (f64.const 0) (f64.const 0) (f64.const 0)
      (f64.const 0) (f64.const 0) (f64.const 0) (i32.const 0))
    (drop)
    (drop)
    (i32.div_u (i32.const 100) (local.get 0))))"#;

#[test]
fn registries_shrink_and_never_block_a_trap() {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_wat(dir.path(), "types", TYPES, Interruption::NONE);
    let engine = Engine::default();
    let before = registered_types();
    for _ in 0..3 {
        let module = Module::from_file(&engine, &path).unwrap();
        assert!(
            registered_types() >= before + 3,
            "the module's types are registered"
        );
        let mut linker = Linker::new(&engine);
        linker
            .func_wrap(
                "host",
                "odd",
                |a: i64, b: f32, c: i32, d: i64, e: f64, f: u32| {
                    a + i64::from(c) + d + b as i64 + e as i64 + i64::from(f)
                },
            )
            .unwrap();
        let mut store = Store::new(&engine, ());
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        assert_eq!(run.call(&mut store, 1).unwrap(), 100);
        drop((store, linker, module));
        assert_eq!(registered_types(), before, "every registration went");
    }

    // One thread traps over and over while another opens and drops
    // modules (each a new snapshot of the code registry).
    let stop = AtomicBool::new(false);
    let traps = std::thread::scope(|scope| {
        let churn = scope.spawn(|| {
            let mut opened = 0u32;
            while !stop.load(Ordering::Relaxed) {
                drop(Module::from_file(&engine, &path).unwrap());
                opened += 1;
            }
            opened
        });
        let module = Module::from_file(&engine, &path).unwrap();
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate(&mut store, &module)
            .unwrap();
        let run = instance
            .get_typed_func::<i32, i32>(&mut store, "run")
            .unwrap();
        let start = Instant::now();
        let mut traps = 0u32;
        while start.elapsed() < Duration::from_secs(2) {
            let error = run.call(&mut store, 0).unwrap_err();
            assert!(
                error.to_string().contains("integer divide by zero"),
                "{error}"
            );
            traps += 1;
        }
        stop.store(true, Ordering::Relaxed);
        assert!(churn.join().unwrap() > 0);
        traps
    });
    assert!(traps > 100, "only {traps} traps in 2 s");
}
