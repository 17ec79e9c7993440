//! GC objects through the embedding API: structs and arrays a host
//! function receives and returns survive collections (the host holds them
//! through roots), a `RootScope` releases what it rooted and a released
//! reference is refused, `Store::gc` reclaims what nothing reaches, and
//! an allocation beyond `Config::max_gc_heap` traps instead of aborting.

use waot_format::types::Interruption;
use waot_run::{AnyKind, AnyRef, Config, Engine, Linker, Module, RootScope, Store, Val};
use waot_testsuite::compile_wat;

const OBJECTS: &str = r#"(module
  (type $box (struct (field i32)))
  (type $bytes (array (mut i8)))
  (import "host" "keep" (func $keep (param anyref) (result anyref)))
  (global $g (mut anyref) (ref.null any))
  (func (export "make") (param i32) (result anyref)
    (struct.new $box (local.get 0)))
  (func (export "value") (param anyref) (result i32)
    (struct.get $box 0 (ref.cast (ref $box) (local.get 0))))
  ;; Hands a new box to the host, allocates `n` KiB of garbage (the
  ;; host's box must survive the collections), then reads what the host
  ;; gave back.
  (func (export "through-host") (param i32 i32) (result i32)
    (local $r anyref)
    (local.set $r (call $keep (struct.new $box (local.get 0))))
    (loop $l
      (drop (array.new_default $bytes (i32.const 1024)))
      (local.set 1 (i32.sub (local.get 1) (i32.const 1)))
      (br_if $l (local.get 1)))
    (struct.get $box 0 (ref.cast (ref $box) (local.get $r))))
  (func (export "set") (param anyref) (global.set $g (local.get 0)))
  (func (export "get") (result anyref) (global.get $g))
  (func (export "big") (param i32) (result i32)
    (array.len (array.new_default $bytes (local.get 0)))))"#;

fn setup(config: &Config) -> (Store<()>, waot_run::Instance) {
    let dir = tempfile::tempdir().unwrap();
    let path = compile_wat(dir.path(), "gc_objects", OBJECTS, Interruption::NONE);
    let engine = Engine::new(config).unwrap();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut store = Store::new(&engine, ());
    let mut linker = Linker::new(&engine);
    linker
        .func_wrap("host", "keep", |r: AnyRef| {
            assert_eq!(r.kind(), AnyKind::Struct);
            r
        })
        .unwrap();
    let instance = linker.instantiate(&mut store, &module).unwrap();
    (store, instance)
}

#[test]
fn objects_survive_collections_in_host_hands_and_scopes_release_them() {
    let (mut store, instance) = setup(&Config::default());
    let make = instance
        .get_typed_func::<i32, AnyRef>(&mut store, "make")
        .unwrap();
    let value = instance
        .get_typed_func::<AnyRef, i32>(&mut store, "value")
        .unwrap();
    let through = instance
        .get_typed_func::<(i32, i32), i32>(&mut store, "through-host")
        .unwrap();
    // 8 MiB of garbage: the heap collects several times while the host
    // function's box lives only in wasm frames and the host's root.
    assert_eq!(through.call(&mut store, (77, 8192)).unwrap(), 77);
    assert!(store.gc_stats().collections > 0, "{:?}", store.gc_stats());

    let kept = make.call(&mut store, 5).unwrap();
    {
        let _scope = RootScope::new();
        let scoped = make.call(&mut store, 6).unwrap();
        store.gc();
        assert_eq!(value.call(&mut store, scoped).unwrap(), 6);
    }
    store.gc();
    // A reference rooted outside the scope is still there, moved.
    assert_eq!(kept.kind(), AnyKind::Struct);
    assert_eq!(value.call(&mut store, kept).unwrap(), 5);

    // Through a global, then back.
    let set = instance.get_func(&mut store, "set").unwrap();
    set.call(&mut store, &[Val::AnyRef(kept)], &mut []).unwrap();
    store.gc();
    let get = instance
        .get_typed_func::<(), AnyRef>(&mut store, "get")
        .unwrap();
    let again = get.call(&mut store, ()).unwrap();
    assert_eq!(value.call(&mut store, again).unwrap(), 5);
}

#[test]
fn a_released_reference_is_refused_not_followed() {
    let (mut store, instance) = setup(&Config::default());
    let make = instance
        .get_typed_func::<i32, AnyRef>(&mut store, "make")
        .unwrap();
    let released = {
        let _scope = RootScope::new();
        make.call(&mut store, 1).unwrap()
    };
    assert_eq!(released.kind(), AnyKind::Released);
    let value = instance.get_func(&mut store, "value").unwrap();
    let mut out = [Val::I32(0)];
    let err = value
        .call(&mut store, &[Val::AnyRef(released)], &mut out)
        .unwrap_err();
    assert!(err.to_string().contains("anyref"), "{err}");
}

#[test]
fn an_allocation_beyond_the_heap_limit_traps() {
    let mut config = Config::default();
    config.max_gc_heap(1 << 20);
    let (mut store, instance) = setup(&config);
    let big = instance
        .get_typed_func::<i32, i32>(&mut store, "big")
        .unwrap();
    assert_eq!(big.call(&mut store, 100_000).unwrap(), 100_000);
    let err = big.call(&mut store, 2 << 20).unwrap_err();
    assert!(err.to_string().contains("gc heap out of memory"), "{err}");
    // The store goes on.
    assert_eq!(big.call(&mut store, 10).unwrap(), 10);
}

/// A new store with `testsuite/gc/NAME.wat` instantiated in it.
fn instantiate_program(name: &str) -> (Store<()>, waot_run::Instance) {
    let dir = tempfile::tempdir().unwrap();
    let wat = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("gc/{name}.wat")),
    )
    .unwrap();
    let path = compile_wat(dir.path(), name, &wat, Interruption::NONE);
    let engine = Engine::default();
    let module = Module::from_file(&engine, &path).unwrap();
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate(&mut store, &module)
        .unwrap();
    (store, instance)
}

/// Runs `testsuite/gc/NAME.wat`'s `run` with `args` in a new store;
/// returns its result and the store's GC figures.
fn run_program(name: &str, args: &[Val]) -> (Val, waot_run::GcStats) {
    let (mut store, instance) = instantiate_program(name);
    let run = instance.get_func(&mut store, "run").unwrap();
    let mut out = [Val::I32(0)];
    run.call(&mut store, args, &mut out).unwrap();
    (out[0], store.gc_stats())
}

/// The compacting collector slides objects of every shape (byte and
/// 16-bit arrays of odd lengths, structs with a reference, an `i64`, an
/// `i8` and a `v128`, arrays of references) past the gaps garbage
/// leaves, and every reference still names the same object: what the
/// kept objects hold, folded into one number, is the same before and
/// after each collection, also for objects only a field keeps.
#[test]
fn compaction_slides_every_shape_and_keeps_identities() {
    let (mut store, instance) = instantiate_program("compaction");
    let build = instance
        .get_typed_func::<i32, ()>(&mut store, "build")
        .unwrap();
    let thin = instance
        .get_typed_func::<(), ()>(&mut store, "thin")
        .unwrap();
    let churn = instance
        .get_typed_func::<i32, ()>(&mut store, "churn")
        .unwrap();
    let sum = instance
        .get_typed_func::<(), i64>(&mut store, "sum")
        .unwrap();
    build.call(&mut store, 5000).unwrap();
    let built = sum.call(&mut store, ()).unwrap();
    store.gc();
    assert_eq!(sum.call(&mut store, ()).unwrap(), built);
    thin.call(&mut store, ()).unwrap();
    let thinned = sum.call(&mut store, ()).unwrap();
    assert_ne!(thinned, built);
    churn.call(&mut store, 50_000).unwrap();
    store.gc();
    assert_eq!(sum.call(&mut store, ()).unwrap(), thinned);
    // The objects the first collection left at the bottom moved after
    // the thinning: a third pass over a heap with gaps at every level.
    build.call(&mut store, 3000).unwrap();
    let rebuilt = sum.call(&mut store, ()).unwrap();
    churn.call(&mut store, 50_000).unwrap();
    store.gc();
    assert_eq!(sum.call(&mut store, ()).unwrap(), rebuilt);
    assert!(store.gc_stats().collections >= 3, "{:?}", store.gc_stats());
}

/// The ring program rebuilds a cyclic structure (ring, hub, array) 20,000
/// times, allocating about 200 MB: only a heap that reclaims the old
/// rings, cycles and all, stays within 4 MiB.
#[test]
fn cycles_are_reclaimed_and_the_heap_stays_small() {
    let (sum, stats) = run_program("cycles", &[Val::I32(250), Val::I32(20_000)]);
    assert_eq!(sum, Val::I32((0..250).sum()));
    assert!(stats.collections > 10, "{stats:?}");
    assert!(stats.space_bytes <= 4 << 20, "{stats:?}");
}

/// Binary trees at depth 10: the sum of every tree's node count, as the
/// formula gives it (a tree of depth d has 2^(d+1) - 1 nodes).
#[test]
fn binary_trees_count_every_node() {
    let max = 10u32;
    let nodes = |d: u32| (1i64 << (d + 1)) - 1;
    let trees: i64 = (4..=max)
        .step_by(2)
        .map(|d| (1i64 << (max - d + 4)) * nodes(d))
        .sum();
    let expected = nodes(max + 1) + trees + nodes(max);
    let (sum, stats) = run_program("binary_trees", &[Val::I32(max as i32)]);
    assert_eq!(sum, Val::I64(expected));
    assert!(stats.collections > 0, "{stats:?}");
}

/// A real toolchain's Wasm GC output: a MoonBit program (testsuite/gc/moonbit)
/// run by `waot-run` as a WASI command prints what Wasmtime 49 prints.
#[test]
fn a_moonbit_program_runs_as_under_wasmtime() {
    // Cross-built and run under qemu (`cross.sh lib`) the binaries next
    // to the test are the target's; `cross.sh test` runs the e2e files there.
    if std::env::var_os("WAOT_CROSS_LIB").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("gc/moonbit");
    let aot = dir.path().join("moonbit.aot");
    let compiled = std::process::Command::new(waot_testsuite::bin("waot"))
        .arg("compile")
        .arg(root.join("moonbit_gc_wasi.wasm"))
        .arg("-o")
        .arg(&aot)
        .output()
        .unwrap();
    assert!(compiled.status.success(), "{compiled:?}");
    let ran = std::process::Command::new(waot_testsuite::bin("waot-run"))
        .arg(&aot)
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    let expected = std::fs::read(root.join("moonbit_gc_wasi.expected")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        String::from_utf8_lossy(&expected)
    );
}
