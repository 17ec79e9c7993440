//! The embedder's API (`Engine`, `Store<T>`, `Linker<T>`, handles), used
//! as a Wasmtime user would: typed host closures that reach the store's
//! data and the caller's memory, typed calls, fuel and deadlines per
//! store, handles that work only with their own store, WASI through an
//! accessor, and the errors of each misuse.

use std::time::Duration;
use waot_format::traps::TrapKind;
use waot_format::types::Interruption;
use waot_run::wasi::{OutputPipe, WasiCtx, WasiCtxBuilder};
use waot_run::{Caller, Config, Engine, Error, Extern, Linker, Module, Store, Val};
use waot_testsuite::compile_wat as artifact;

const BOTH: Interruption = Interruption {
    fuel: true,
    epoch: true,
};

fn engine(fuel: bool, epoch: bool) -> Engine {
    let mut config = Config::new();
    config.consume_fuel(fuel).epoch_interruption(epoch);
    Engine::new(&config).expect("valid config")
}

const COUNTER: &str = r#"(module
  (import "host" "bump" (func $bump (param i32) (result i32)))
  (import "host" "fail" (func $fail))
  (memory (export "memory") 1)
  (global $g (export "g") (mut i64) (i64.const 7))
  (func (export "add") (param i32 i64) (result i64)
    (i64.add (i64.extend_i32_s (call $bump (local.get 0))) (local.get 1)))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "fail") (call $fail))
  (func (export "spin") (loop br 0)))"#;

#[derive(Default)]
struct Counter {
    calls: u32,
    seen: Vec<u8>,
}

fn counter_linker(engine: &Engine) -> Linker<Counter> {
    let mut linker = Linker::new(engine);
    linker
        .func_wrap("host", "bump", |mut caller: Caller<'_, Counter>, n: i32| {
            caller.data_mut().calls += 1;
            let memory = caller.get_export("memory").and_then(Extern::into_memory);
            let first = memory.map_or(0, |m| m.data(&caller)[0]);
            caller.data_mut().seen.push(first);
            n * 2
        })
        .unwrap();
    linker
        .func_wrap("host", "fail", || -> Result<(), Error> {
            Err(Error::msg("the host said no"))
        })
        .unwrap();
    linker
}

#[test]
fn typed_calls_host_data_memory_and_globals() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(dir.path(), "counter", COUNTER, Interruption::NONE);
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = counter_linker(&engine);
    let mut store = Store::new(&engine, Counter::default());
    let instance = linker.instantiate(&mut store, &module).unwrap();

    let add = instance
        .get_typed_func::<(i32, i64), i64>(&mut store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (20, 2)).unwrap(), 42);
    let memory = instance.get_memory(&mut store, "memory").unwrap();
    // One handle per export: asking again (as a host function may on
    // every call) neither grows the store nor gives another handle.
    for _ in 0..1000 {
        assert_eq!(instance.get_memory(&mut store, "memory"), Some(memory));
    }
    memory.data_mut(&mut store)[0] = 9;
    assert_eq!(add.call(&mut store, (1, 0)).unwrap(), 2);
    assert_eq!(store.data().calls, 2);
    assert_eq!(store.data().seen, vec![0, 9]);

    let poke = instance
        .get_typed_func::<(i32, i32), ()>(&mut store, "poke")
        .unwrap();
    poke.call(&mut store, (100, 77)).unwrap();
    assert_eq!(memory.data(&store)[100], 77);
    assert_eq!(memory.size(&store), 1);
    assert_eq!(memory.grow(&mut store, 2).unwrap(), 1);
    assert_eq!(memory.data_size(&store), 3 * 65536);

    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(g.get(&store), Val::I64(7));
    g.set(&mut store, Val::I64(-1)).unwrap();
    assert_eq!(g.get(&store), Val::I64(-1));
    assert!(g.set(&mut store, Val::I32(1)).is_err(), "wrong type");

    // The untyped path.
    let f = instance.get_func(&mut store, "add").unwrap();
    let mut out = [Val::I64(0)];
    f.call(&mut store, &[Val::I32(3), Val::I64(4)], &mut out)
        .unwrap();
    assert_eq!(out, [Val::I64(10)]);
    assert_eq!(f.ty(&store).to_string(), "(i32, i64) -> i64");

    // A wrong Rust type is an error naming both types.
    let wrong = instance.get_typed_func::<i32, i32>(&mut store, "add");
    let message = wrong.err().expect("type mismatch").to_string();
    assert!(message.contains("(i32, i64) -> i64"), "{message}");
    assert!(
        instance
            .get_typed_func::<(), ()>(&mut store, "nope")
            .is_err()
    );

    // A host error traps the caller; the store goes on.
    let fail = instance
        .get_typed_func::<(), ()>(&mut store, "fail")
        .unwrap();
    let error = fail.call(&mut store, ()).unwrap_err();
    assert_eq!(error.trap().map(|t| t.kind), Some(TrapKind::HostError));
    assert!(error.to_string().contains("the host said no"), "{error}");
    assert_eq!(add.call(&mut store, (1, 1)).unwrap(), 3);
    assert_eq!(store.into_data().calls, 4);
}

#[test]
fn handles_work_only_with_their_own_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(dir.path(), "counter", COUNTER, Interruption::NONE);
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = counter_linker(&engine);
    let new_store = || Store::new(&engine, Counter::default());
    let (mut a, mut b) = (new_store(), new_store());
    let instance = linker.instantiate(&mut a, &module).unwrap();
    let add = instance
        .get_typed_func::<(i32, i64), i64>(&mut a, "add")
        .unwrap();
    let error = add.call(&mut b, (1, 1)).unwrap_err();
    assert!(error.to_string().contains("another store"), "{error}");
    assert!(instance.get_func(&mut b, "add").is_none());

    // An item defined from store `a` cannot satisfy an import in `b`.
    let memory = instance.get_memory(&mut a, "memory").unwrap();
    let mut shared = linker.clone();
    shared.define(&a, "env", "memory", memory).unwrap();
    let importer = artifact(
        dir.path(),
        "importer",
        r#"(module (import "env" "memory" (memory 1)))"#,
        Interruption::NONE,
    );
    let importer = Module::from_file(&engine, &importer).unwrap();
    assert!(shared.instantiate(&mut a, &importer).is_ok());
    let error = shared.instantiate(&mut b, &importer).unwrap_err();
    assert!(error.to_string().contains("another store"), "{error}");

    // Another engine's store.
    let other = Engine::default();
    let mut c = Store::new(&other, Counter::default());
    let error = linker.instantiate(&mut c, &module).unwrap_err();
    assert!(error.to_string().contains("different engines"), "{error}");
}

#[test]
fn fuel_and_deadlines_belong_to_each_store() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(dir.path(), "counter", COUNTER, BOTH);
    let engine = engine(true, true);
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = counter_linker(&engine);
    let new_store = || Store::new(&engine, Counter::default());
    let (mut a, mut b) = (new_store(), new_store());
    let ia = linker.instantiate(&mut a, &module).unwrap();
    let ib = linker.instantiate(&mut b, &module).unwrap();
    a.set_fuel(1_000).unwrap();
    b.set_fuel(50).unwrap();
    let add_a = ia.get_typed_func::<(i32, i64), i64>(&mut a, "add").unwrap();
    let add_b = ib.get_typed_func::<(i32, i64), i64>(&mut b, "add").unwrap();
    add_a.call(&mut a, (1, 1)).unwrap();
    // add: entry 1, local.get, call (2); bump is a host call; then
    // extend, local.get, add (3).
    assert_eq!(a.get_fuel().unwrap(), 1_000 - 6);
    assert_eq!(b.get_fuel().unwrap(), 50, "b's tank is its own");
    b.set_fuel(1).unwrap();
    let error = add_b.call(&mut b, (1, 1)).unwrap_err();
    assert_eq!(error.trap().map(|t| t.kind), Some(TrapKind::OutOfFuel));
    assert!(add_a.call(&mut a, (1, 1)).is_ok(), "a is not affected");

    // A deadline in `a`; `b` has none and keeps running its calls.
    a.set_fuel(u64::MAX).unwrap();
    a.set_epoch_deadline(1);
    let spin = ia.get_typed_func::<(), ()>(&mut a, "spin").unwrap();
    let ticker = engine.clone();
    let tick = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        ticker.increment_epoch();
    });
    let error = spin.call(&mut a, ()).unwrap_err();
    tick.join().unwrap();
    assert_eq!(error.trap().map(|t| t.kind), Some(TrapKind::Interrupted));
    b.set_fuel(1_000).unwrap();
    assert!(add_b.call(&mut b, (1, 1)).is_ok(), "b has no deadline");
}

#[test]
fn fuel_needs_a_configured_engine_and_checked_code() {
    let dir = tempfile::tempdir().unwrap();
    let plain = artifact(dir.path(), "plain", COUNTER, Interruption::NONE);
    let mut store = Store::new(&Engine::default(), ());
    let error = store.set_fuel(10).unwrap_err();
    assert!(error.to_string().contains("consume_fuel"), "{error}");
    assert!(store.get_fuel().is_err());

    // An engine that counts fuel refuses code without the checks, with
    // the command that recompiles it.
    let error = Module::from_file(&engine(true, false), &plain)
        .err()
        .expect("refused");
    let text = error.to_string();
    assert!(text.contains("cannot run"), "{text}");
    assert!(
        text.contains("hint: recompile it with the checks: `waot compile plain.wasm --fuel -o"),
        "{text}"
    );
}

#[test]
fn modules_come_from_artifacts_only() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = dir.path().join("app.wasm");
    std::fs::write(&wasm, wat::parse_str("(module)").unwrap()).unwrap();
    let engine = Engine::default();
    let text = Module::from_file(&engine, &wasm)
        .err()
        .expect("refused")
        .to_string();
    assert!(
        text.contains("hint: compile it first: `waot compile"),
        "{text}"
    );
    assert!(text.contains("app.wasm -o"), "{text}");
    let bytes = std::fs::read(&wasm).unwrap();
    assert!(Module::from_bytes(&engine, &bytes).is_err());

    let path = artifact(dir.path(), "counter", COUNTER, Interruption::NONE);
    let bytes = std::fs::read(&path).unwrap();
    let module = Module::from_bytes(&engine, &bytes).unwrap();
    let clone = module.clone();
    drop(module);
    let mut store = Store::new(&engine, Counter::default());
    let instance = counter_linker(&engine)
        .instantiate(&mut store, &clone)
        .unwrap();
    let add = instance
        .get_typed_func::<(i32, i64), i64>(&mut store, "add")
        .unwrap();
    assert_eq!(add.call(&mut store, (1, 1)).unwrap(), 3);
    let mut corrupt = bytes;
    corrupt.truncate(100);
    assert!(Module::from_bytes(&engine, &corrupt).is_err());
}

struct Host {
    wasi: WasiCtx,
}

#[test]
fn wasi_through_an_accessor() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(
        dir.path(),
        "exit",
        r#"(module
          (import "wasi_snapshot_preview1" "args_sizes_get" (func $sizes (param i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (drop (call $sizes (i32.const 0) (i32.const 4)))
            (call $exit (i32.load (i32.const 0)))))"#,
        Interruption::NONE,
    );
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut linker = Linker::<Host>::new(&engine);
    waot_run::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    for args in [vec!["exit"], vec!["exit", "a", "b"]] {
        let wasi = WasiCtxBuilder::new().args(&args).build().unwrap();
        let mut store = Store::new(&engine, Host { wasi });
        let instance = linker.instantiate(&mut store, &module).unwrap();
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .unwrap();
        let error = start.call(&mut store, ()).unwrap_err();
        // The guest exits with its argument count.
        assert_eq!(error.exit_status(), Some(args.len() as i32));
    }
    let mut builder = WasiCtxBuilder::new();
    builder.arg("once").build().unwrap();
    let again = builder.build().err().expect("a builder builds one context");
    assert!(
        again.to_string().contains("built a context already"),
        "{again}"
    );
    let missing = WasiCtxBuilder::new()
        .preopened_dir(dir.path().join("no-such-dir"), "/data")
        .build();
    assert!(missing.is_err());
}

/// A real C program (`testsuite/c/isatty.c`) with the embedder's own
/// stdio: what it writes lands in pipes the host reads back, and it sees no
/// terminal; a guest reads its stdin from bytes the host gave it.
#[test]
fn wasi_stdio_of_the_embedders_own() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/c/isatty.wasm")).unwrap();
    let options = waot::CompileOptions::default();
    let path = waot_testsuite::compile_to_file(&wasm, &options, dir.path(), "isatty.aot").unwrap();
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut linker = Linker::<Host>::new(&engine);
    waot_run::wasi::add_to_linker(&mut linker, |h: &mut Host| &mut h.wasi).unwrap();
    let (out, err) = (OutputPipe::new(), OutputPipe::new());
    let wasi = WasiCtxBuilder::new()
        .arg("isatty")
        .stdin(std::io::empty())
        .stdout(out.clone())
        .stderr(err.clone())
        .build()
        .unwrap();
    run_command(&linker, &module, wasi);
    assert_eq!(
        String::from_utf8(out.contents()).unwrap(),
        "isatty: stdin 0 stdout 0 stderr 0\nstdout before stderr\nstdout after stderr\n"
    );
    assert_eq!(String::from_utf8(err.contents()).unwrap(), "stderr\n");

    // Echoes what it reads from stdin (up to 64 bytes) to stdout.
    let path = artifact(
        dir.path(),
        "echo",
        r#"(module
          (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
          (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
          (memory (export "memory") 1)
          (func (export "_start")
            (i32.store (i32.const 0) (i32.const 100))
            (i32.store (i32.const 4) (i32.const 64))
            (drop (call $read (i32.const 0) (i32.const 0) (i32.const 1) (i32.const 8)))
            (i32.store (i32.const 4) (i32.load (i32.const 8)))
            (drop (call $write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))))"#,
        Interruption::NONE,
    );
    let module = Module::from_file(&engine, &path).unwrap();
    let out = OutputPipe::new();
    let wasi = WasiCtxBuilder::new()
        .stdin(std::io::Cursor::new(b"from the host".to_vec()))
        .stdout(out.clone())
        .build()
        .unwrap();
    run_command(&linker, &module, wasi);
    assert_eq!(out.contents(), b"from the host");
}

/// Runs a WASI command's `_start` in a fresh store; it must succeed or
/// exit with status 0.
fn run_command(linker: &Linker<Host>, module: &Module, wasi: WasiCtx) {
    let mut store = Store::new(linker.engine(), Host { wasi });
    let instance = linker.instantiate(&mut store, module).unwrap();
    let start = instance
        .get_typed_func::<(), ()>(&mut store, "_start")
        .unwrap();
    if let Err(e) = start.call(&mut store, ()) {
        assert_eq!(e.exit_status(), Some(0), "{e}");
    }
}

/// A limiter that records what it was asked.
struct Recorder {
    limits: waot_run::StoreLimits,
    asked: Vec<(&'static str, usize, usize)>,
}

impl waot_run::ResourceLimiter for Recorder {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool, Error> {
        self.asked.push(("memory", current, desired));
        self.limits.memory_growing(current, desired, max)
    }
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> Result<bool, Error> {
        self.asked.push(("table", current, desired));
        self.limits.table_growing(current, desired, max)
    }
}

#[test]
fn a_resource_limiter_caps_growth() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(
        dir.path(),
        "grow",
        r#"(module
          (memory (export "memory") 1)
          (table 1 funcref)
          (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
          (func (export "grow_table") (param i32) (result i32)
            (table.grow (ref.null func) (local.get 0))))"#,
        Interruption::NONE,
    );
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = Linker::<Recorder>::new(&engine);
    let limits = waot_run::StoreLimitsBuilder::new()
        .memory_size(3 * 65536)
        .table_elements(5)
        .build();
    let mut store = Store::new(
        &engine,
        Recorder {
            limits,
            asked: Vec::new(),
        },
    );
    store.limiter(|r| r);
    let instance = linker.instantiate(&mut store, &module).unwrap();
    let grow = instance
        .get_typed_func::<i32, i32>(&mut store, "grow")
        .unwrap();
    let grow_table = instance
        .get_typed_func::<i32, i32>(&mut store, "grow_table")
        .unwrap();
    assert_eq!(grow.call(&mut store, 2).unwrap(), 1, "1 + 2 pages allowed");
    assert_eq!(grow.call(&mut store, 1).unwrap(), -1, "a 4th page refused");
    assert_eq!(grow_table.call(&mut store, 4).unwrap(), 1);
    assert_eq!(grow_table.call(&mut store, 1).unwrap(), -1);
    assert_eq!(
        store.data().asked,
        vec![
            ("memory", 0, 65536),
            ("table", 0, 1),
            ("memory", 65536, 3 * 65536),
            ("memory", 3 * 65536, 4 * 65536),
            ("table", 1, 5),
            ("table", 5, 6),
        ]
    );
    // A memory larger than the limit cannot even be created.
    let mut small = Store::new(
        &engine,
        Recorder {
            limits: waot_run::StoreLimitsBuilder::new()
                .memory_size(1000)
                .build(),
            asked: Vec::new(),
        },
    );
    small.limiter(|r| r);
    let error = linker.instantiate(&mut small, &module).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("refused by the store's resource limiter"),
        "{error}"
    );
}

/// References are opaque and tied to their store: a `funcref` one store
/// handed out is refused by another, as an argument or a global's value.
#[test]
fn references_of_another_store_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(
        dir.path(),
        "refs",
        r#"(module
          (type $t (func (result i32)))
          (table 1 funcref)
          (func $f (type $t) (i32.const 5))
          (elem declare func $f)
          (global $g (export "g") (mut funcref) (ref.null func))
          (func (export "get") (result funcref) (ref.func $f))
          (func (export "call") (param funcref) (result i32)
            (table.set (i32.const 0) (local.get 0))
            (call_indirect (type $t) (i32.const 0))))"#,
        Interruption::NONE,
    );
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let linker = Linker::<()>::new(&engine);
    let mut a = Store::new(&engine, ());
    let mut b = Store::new(&engine, ());
    let ia = linker.instantiate(&mut a, &module).unwrap();
    let ib = linker.instantiate(&mut b, &module).unwrap();
    let mut out = [Val::I32(0)];
    ia.get_func(&mut a, "get")
        .unwrap()
        .call(&mut a, &[], &mut out)
        .unwrap();
    let Val::FuncRef(r) = out[0] else {
        panic!("{out:?}")
    };
    assert!(!r.is_null());
    assert_eq!(format!("{:?}", out[0]), "FuncRef(FuncRef(..))");

    let mut result = [Val::I32(0)];
    ia.get_func(&mut a, "call")
        .unwrap()
        .call(&mut a, &[out[0]], &mut result)
        .unwrap();
    assert_eq!(result, [Val::I32(5)]);
    let error = ib
        .get_func(&mut b, "call")
        .unwrap()
        .call(&mut b, &[out[0]], &mut result)
        .unwrap_err();
    assert!(
        error.to_string().contains("belongs to another store"),
        "{error}"
    );
    let g = ib.get_global(&mut b, "g").unwrap();
    assert!(g.set(&mut b, out[0]).is_err());
    let g = ia.get_global(&mut a, "g").unwrap();
    g.set(&mut a, out[0]).unwrap();
    assert_eq!(g.get(&a), out[0]);
}

#[test]
fn tables_through_handles() {
    let dir = tempfile::tempdir().unwrap();
    let path = artifact(
        dir.path(),
        "table",
        r#"(module
          (type $t (func (result i32)))
          (table (export "t") 2 10 funcref)
          (table (export "e") 1 externref)
          (func $five (type $t) (i32.const 5))
          (elem (i32.const 0) $five)
          (func (export "call") (param i32) (result i32)
            (call_indirect (type $t) (local.get 0))))"#,
        Interruption::NONE,
    );
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    let t = instance.get_table(&mut store, "t").unwrap();
    let call = instance
        .get_typed_func::<i32, i32>(&mut store, "call")
        .unwrap();
    assert_eq!(t.size(&store), 2);
    let five = t.get(&mut store, 0).unwrap();
    assert!(matches!(five, Val::FuncRef(r) if !r.is_null()));
    assert!(matches!(t.get(&mut store, 1), Some(Val::FuncRef(r)) if r.is_null()));
    assert_eq!(t.get(&mut store, 2), None);
    t.set(&mut store, 1, five).unwrap();
    assert_eq!(call.call(&mut store, 1).unwrap(), 5);
    assert_eq!(t.grow(&mut store, 3, five).unwrap(), 2);
    assert_eq!(t.size(&store), 5);
    assert_eq!(call.call(&mut store, 4).unwrap(), 5);
    assert!(
        t.grow(&mut store, 6, five).is_err(),
        "past the declared maximum"
    );
    assert!(t.set(&mut store, 9, five).is_err(), "out of bounds");
    assert!(t.set(&mut store, 0, Val::I32(1)).is_err(), "wrong type");
    let e = instance.get_table(&mut store, "e").unwrap();
    e.set(
        &mut store,
        0,
        Val::ExternRef(waot_run::ExternRef::host(42).unwrap()),
    )
    .unwrap();
    assert_eq!(
        e.get(&mut store, 0),
        Some(Val::ExternRef(waot_run::ExternRef::host(42).unwrap()))
    );
    assert!(
        e.set(&mut store, 0, five).is_err(),
        "a funcref in an externref table"
    );
}

/// Review findings: a host function cannot throw an exception that is not
/// its store's; a failed start function leaves its instance alive in the
/// store (another instance may hold its functions); a module without the
/// checks an engine counts is refused at instantiation; the raw runtime
/// refuses non-null references.
#[test]
fn misuse_across_stores_and_failed_instances() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::default();

    // An exception of store `a`, thrown by a host function into store `b`.
    let thrower = artifact(
        dir.path(),
        "thrower",
        r#"(module
          (import "host" "rethrow" (func $rethrow))
          (tag $e (export "e") (param i32))
          (func (export "throw") (throw $e (i32.const 7)))
          (func (export "call_host") (call $rethrow)))"#,
        Interruption::NONE,
    );
    let module = Module::from_file(&engine, &thrower).unwrap();
    let stash: std::sync::Arc<std::sync::Mutex<Option<waot_run::Trap>>> = Default::default();
    let mut linker = Linker::<()>::new(&engine);
    let from_host = stash.clone();
    linker
        .func_wrap("host", "rethrow", move || -> Result<(), Error> {
            match from_host.lock().unwrap().take() {
                Some(trap) => Err(Error::from(trap)),
                None => Ok(()),
            }
        })
        .unwrap();
    let mut a = Store::new(&engine, ());
    let ia = linker.instantiate(&mut a, &module).unwrap();
    let throw = ia.get_typed_func::<(), ()>(&mut a, "throw").unwrap();
    let trap = throw.call(&mut a, ()).unwrap_err().into_trap().unwrap();
    assert!(trap.exception.is_some());
    let mut b = Store::new(&engine, ());
    let ib = linker.instantiate(&mut b, &module).unwrap();
    *stash.lock().unwrap() = Some(trap);
    drop(a);
    let call_host = ib.get_typed_func::<(), ()>(&mut b, "call_host").unwrap();
    let error = call_host.call(&mut b, ()).unwrap_err();
    assert!(
        error.to_string().contains("does not belong to this store"),
        "{error}"
    );

    // `app`'s start function hands its own function to `lib`'s table,
    // then traps: `lib` must still be able to call it.
    let lib = artifact(
        dir.path(),
        "lib",
        r#"(module
          (type $t (func (result i32)))
          (table $tab 1 funcref)
          (func (export "keep") (param funcref) (table.set $tab (i32.const 0) (local.get 0)))
          (func (export "call") (result i32) (call_indirect (type $t) (i32.const 0))))"#,
        Interruption::NONE,
    );
    let app = artifact(
        dir.path(),
        "app",
        r#"(module
          (import "lib" "keep" (func $keep (param funcref)))
          (func $nine (result i32) (i32.const 9))
          (elem declare func $nine)
          (func $start (call $keep (ref.func $nine)) unreachable)
          (start $start))"#,
        Interruption::NONE,
    );
    let lib = Module::from_file(&engine, &lib).unwrap();
    let app = Module::from_file(&engine, &app).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    let lib_instance = linker.instantiate(&mut store, &lib).unwrap();
    linker.instance(&mut store, "lib", lib_instance).unwrap();
    let error = linker.instantiate(&mut store, &app).unwrap_err();
    assert_eq!(error.trap().map(|t| t.kind), Some(TrapKind::Unreachable));
    let call = lib_instance
        .get_typed_func::<(), i32>(&mut store, "call")
        .unwrap();
    assert_eq!(
        call.call(&mut store, ()).unwrap(),
        9,
        "the failed instance lives on"
    );

    // A fuel-counting engine refuses a module opened without the checks.
    let plain = waot_run::Module::open(dir.path().join("lib.aot")).unwrap();
    let counting = self::engine(true, false);
    let mut store = Store::new(&counting, ());
    let error = Linker::<()>::new(&counting)
        .instantiate(&mut store, &plain)
        .unwrap_err();
    assert!(error.to_string().contains("interruption checks"), "{error}");

    // The raw runtime takes no non-null reference from the host.
    let raw = waot_run::instance::Instance::new(
        std::sync::Arc::new(plain),
        &waot_run::linker::Linker::new(),
        &waot_run::RunOptions::default(),
    )
    .unwrap();
    let mut tmp = Store::new(&engine, ());
    let mut linker = Linker::<()>::new(&engine);
    let li = linker.instantiate(&mut tmp, &lib).unwrap();
    linker.instance(&mut tmp, "lib", li).unwrap();
    let refs = artifact(
        dir.path(),
        "refs2",
        r#"(module (func $f) (elem declare func $f) (func (export "get") (result funcref) (ref.func $f)))"#,
        Interruption::NONE,
    );
    let refs = Module::from_file(&engine, &refs).unwrap();
    let ri = linker.instantiate(&mut tmp, &refs).unwrap();
    let mut out = [Val::I32(0)];
    ri.get_func(&mut tmp, "get")
        .unwrap()
        .call(&mut tmp, &[], &mut out)
        .unwrap();
    let error = raw.call("keep", &[out[0]]).unwrap_err();
    assert!(error.to_string().contains("without a store"), "{error}");
}
