//! Regressions for the peer bugs issue 5 names: a page limit honoured
//! identically by waot and wasmi (WasmEdge's AOT allocated 65536 pages where
//! 32766 were allowed), declared minimums above the limit, and data
//! segments (overlapping, passive, out of bounds with earlier writes kept)
//! leaving memory byte-for-byte as wasmi leaves it.

use std::sync::Arc;
use waot::CompileOptions;
use waot_testsuite::diff::oracle::{Engine, Outcome, Value, Waot, Wasmi};
use waot_testsuite::diff::{Verdict, compare};

const GROW: &str = r#"(module
  (memory (export "memory") 1 65536)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size)))"#;

/// Grows in steps until memory.grow fails; returns the final size.
fn grow_until_refused(engine: &mut dyn Engine) -> i32 {
    for step in [4096, 1024, 64, 1] {
        while engine.call("grow", &[Value::I32(step)]) != Outcome::Values(vec![Value::I32(-1)]) {}
    }
    match engine.call("size", &[]) {
        Outcome::Values(v) => match v[..] {
            [Value::I32(pages)] => pages,
            _ => -2,
        },
        _ => -3,
    }
}

#[test]
fn a_run_time_page_limit_of_32766_stops_growth_in_both_engines() {
    let wasm = wat::parse_str(GROW).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut waot = Waot::new(&wasm, dir.path(), Some(32766))
        .unwrap()
        .ok()
        .unwrap();
    let mut wasmi = Wasmi::new(&wasm, Some(32766)).ok().unwrap();
    assert_eq!(grow_until_refused(&mut waot), 32766);
    assert_eq!(grow_until_refused(&mut wasmi), 32766);
    assert_eq!(
        waot.call("grow", &[Value::I32(1)]),
        Outcome::Values(vec![Value::I32(-1)]),
        "refused growth changes nothing"
    );
    assert_eq!(
        waot.call("size", &[]),
        Outcome::Values(vec![Value::I32(32766)])
    );
}

#[test]
fn a_compiled_page_limit_is_recorded_and_honoured() {
    let wasm = wat::parse_str(GROW).unwrap();
    let options = CompileOptions {
        max_memory_pages: Some(32766),
        ..Default::default()
    };
    let bytes = waot::compile(&wasm, &options).unwrap();
    let artifact = waot_format::artifact::Artifact::parse(&bytes).unwrap();
    assert_eq!(
        artifact.module.memories[0].max_pages,
        Some(65536),
        "the declared maximum is kept as declared"
    );
    assert_eq!(artifact.module.memories[0].page_limit, Some(32766));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("grow.aot");
    std::fs::write(&path, bytes).unwrap();
    let module = Arc::new(waot_run::Module::open(&path).unwrap());
    let instance = waot_run::instance::Instance::new(
        module,
        &waot_run::linker::Linker::new(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        instance.memory_pages(),
        Some(1),
        "initial memory is exactly the declared minimum"
    );
    let grow = |n: i32| instance.call("grow", &[waot_run::Val::I32(n)]).unwrap();
    assert_eq!(grow(32765), vec![waot_run::Val::I32(1)]);
    assert_eq!(grow(1), vec![waot_run::Val::I32(-1)]);
    assert_eq!(instance.memory_pages(), Some(32766));
}

#[test]
fn a_minimum_above_the_limit_fails_naming_the_three_numbers() {
    let wasm = wat::parse_str("(module (memory 10 20))").unwrap();
    let options = CompileOptions {
        max_memory_pages: Some(15),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = waot_testsuite::compile_to_file(&wasm, &options, dir.path(), "min.aot").unwrap();
    let module = Arc::new(waot_run::Module::open(&path).unwrap());
    let run = waot_run::RunOptions {
        max_memory_pages: Some(5),
        ..Default::default()
    };
    let err = waot_run::instance::Instance::new(module, &waot_run::linker::Linker::new(), &run)
        .err()
        .unwrap()
        .to_string();
    for number in ["10", "20", "15", "5"] {
        assert!(err.contains(number), "'{err}' should name {number}");
    }
}

#[test]
fn a_compiled_limit_below_the_declared_minimum_is_refused_at_compile_time() {
    let wasm = wat::parse_str("(module (memory 10 20))").unwrap();
    let compile = |limit| {
        let options = CompileOptions {
            max_memory_pages: Some(limit),
            ..Default::default()
        };
        waot::compile(&wasm, &options)
    };
    let err = compile(9).expect_err("a limit of 9 pages is below 10");
    assert!(matches!(err, waot::CompileError::Options(_)), "{err}");
    let text = err.to_string();
    for part in ["--max-memory-pages 9", "memory 0", "10 pages"] {
        assert!(text.contains(part), "'{text}' should name {part}");
    }
    assert!(compile(10).is_ok(), "the minimum itself is a usable limit");
}

#[test]
fn overlapping_and_passive_segments_match_wasmi_byte_for_byte() {
    let wasm = wat::parse_str(
        r#"(module
          (memory (export "memory") 1)
          (data (i32.const 0) "aaaaaaaa")
          (data (i32.const 4) "bbbb")
          (data (i32.const 6) "cc")
          (data "passive-bytes")
          (func (export "init") (param i32 i32 i32) (memory.init 3 (local.get 0) (local.get 1) (local.get 2)))
          (func (export "drop") (data.drop 3)))"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let calls = [
        ("init", vec![Value::I32(100), Value::I32(0), Value::I32(13)]),
        (
            "init",
            vec![Value::I32(65530), Value::I32(0), Value::I32(13)],
        ),
        ("init", vec![Value::I32(200), Value::I32(8), Value::I32(6)]),
        ("drop", vec![]),
        ("init", vec![Value::I32(300), Value::I32(0), Value::I32(1)]),
        ("init", vec![Value::I32(300), Value::I32(0), Value::I32(0)]),
    ]
    .map(|(name, args)| waot_testsuite::diff::Call {
        name: name.to_string(),
        args,
    });
    let (verdict, _) = compare(&wasm, Some(&calls), 0, dir.path(), None).unwrap();
    assert!(matches!(verdict, Verdict::Same), "{verdict:?}");
}

#[test]
fn an_out_of_bounds_segment_keeps_earlier_writes_like_wasmi() {
    let exporter = wat::parse_str(r#"(module (memory (export "memory") 1))"#).unwrap();
    let importer = wat::parse_str(
        r#"(module (import "a" "memory" (memory 1))
          (data (i32.const 0) "first")
          (data (i32.const 65534) "does not fit"))"#,
    )
    .unwrap();
    // waot, through the loader library.
    let dir = tempfile::tempdir().unwrap();
    let open = |wasm: &[u8], name: &str| {
        let path =
            waot_testsuite::compile_to_file(wasm, &CompileOptions::default(), dir.path(), name)
                .unwrap();
        Arc::new(waot_run::Module::open(&path).unwrap())
    };
    let a = waot_run::instance::Instance::new(
        open(&exporter, "a.aot"),
        &waot_run::linker::Linker::new(),
        &Default::default(),
    )
    .unwrap();
    let mut linker = waot_run::linker::Linker::new();
    linker.instance("a", &a);
    let err =
        waot_run::instance::Instance::new(open(&importer, "b.aot"), &linker, &Default::default())
            .err()
            .unwrap();
    assert!(
        err.to_string().contains("out of bounds memory access"),
        "{err}"
    );
    let waot_memory = a.memory_snapshot().unwrap();
    // wasmi.
    let engine = wasmi::Engine::default();
    let mut store = wasmi::Store::new(&engine, ());
    let wasmi_linker = wasmi::Linker::<()>::new(&engine);
    let a_module = wasmi::Module::new(&engine, &exporter).unwrap();
    let a_instance = wasmi_linker
        .instantiate_and_start(&mut store, &a_module)
        .unwrap();
    let memory = a_instance.get_memory(&store, "memory").unwrap();
    let mut wasmi_linker = wasmi::Linker::<()>::new(&engine);
    wasmi_linker.define("a", "memory", memory).unwrap();
    let b_module = wasmi::Module::new(&engine, &importer).unwrap();
    assert!(
        wasmi_linker
            .instantiate_and_start(&mut store, &b_module)
            .is_err()
    );
    let wasmi_memory = memory.data(&store).to_vec();
    assert_eq!(
        &waot_memory[..5],
        b"first",
        "the earlier segment stays written"
    );
    assert!(
        waot_memory == wasmi_memory,
        "memory after the failed instantiation equals wasmi's"
    );
}

#[test]
fn subtly_invalid_modules_are_rejected_by_waot_and_wasmi() {
    let dir = waot_testsuite::testsuite_dir().join("invalid");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let Some(ext) = path.extension() else {
            continue;
        };
        let wasm = match ext.to_str() {
            Some("wat") => wat::parse_file(&path).unwrap(),
            Some("wasm") => std::fs::read(&path).unwrap(),
            _ => continue,
        };
        count += 1;
        match waot::compile(&wasm, &CompileOptions::default()) {
            Err(waot::CompileError::Invalid { .. }) => {}
            other => panic!(
                "{}: waot should reject it as invalid, got {:?}",
                path.display(),
                other.map(|_| ())
            ),
        }
        assert!(
            !waot_testsuite::diff::oracle::wasmi_accepts(&wasm),
            "{}: wasmi accepts it",
            path.display()
        );
    }
    assert!(count >= 6);
}

/// A module on which wasmi 2.0.0 traps "integer divide by zero" although
/// every division is guarded; waot and V8 both trap "unreachable" (the
/// module's fuel runs out). Seed 409 of the differential tester.
#[test]
fn regression_seed_409_traps_unreachable_like_v8() {
    let path =
        waot_testsuite::testsuite_dir().join("diff/regressions/seed-409-wasmi-div-by-zero.wasm");
    let wasm = std::fs::read(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut waot = Waot::new(&wasm, dir.path(), None).unwrap().ok().unwrap();
    for export in ["", "1"] {
        assert_eq!(
            waot.call(export, &[]),
            Outcome::Trap(waot_format::traps::TrapKind::Unreachable),
            "export {export:?}"
        );
    }
}

/// The cause of the spurious "integer divide by zero" traps above, reduced:
/// wasmi 2.0.0 fuses `select` with the `i32.eqz` of a local computing its
/// condition and then reads a stale register, returning 222 here. waot,
/// like Wasmtime and V8, returns 111 (the local is 0).
#[test]
fn regression_select_on_eqz_of_a_local_after_another_value() {
    let path = waot_testsuite::testsuite_dir().join("diff/regressions/wasmi-select-eqz-fusion.wat");
    let wasm = wat::parse_file(path).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut waot = Waot::new(&wasm, dir.path(), None).unwrap().ok().unwrap();
    assert_eq!(waot.call("", &[]), Outcome::Values(vec![Value::I32(111)]));
}

/// Found by a 30-minute fuzz run: wasmi 2.0.0's translator panics on this
/// valid module. Translated lazily, during a call, such a panic can cross
/// wasmi's non-unwinding executor frames and abort the whole tester; the
/// oracle now translates eagerly, so the panic surfaces when the module is
/// loaded and becomes an error outcome (arbitrated by V8 like any other
/// divergence). waot runs the module.
#[test]
fn regression_wasmi_translator_panic_is_an_outcome() {
    let path =
        waot_testsuite::testsuite_dir().join("diff/regressions/seed-20161410-wasmi-panic.wasm");
    let wasm = std::fs::read(path).unwrap();
    match Wasmi::new(&wasm, None) {
        Err(Outcome::Error(message)) => assert!(message.contains("wasmi panicked"), "{message}"),
        Err(other) => panic!("unexpected wasmi outcome {other:?}"),
        Ok(_) => panic!("wasmi translated the module: remove this regression"),
    }
    let dir = tempfile::tempdir().unwrap();
    assert!(Waot::new(&wasm, dir.path(), None).unwrap().is_ok());
}

/// Found by the differential tester: `table.grow` on a table without a
/// maximum used to allocate whatever was asked (tens of GB for one call).
/// Growth past the run-time cap now fails with -1 and changes nothing, in
/// waot as in wasmi under the same cap.
#[test]
fn regression_table_growth_is_capped() {
    let wasm = wat::parse_str(
        r#"(module (table (export "t") 1 funcref)
          (func (export "grow") (param i32) (result i32) (table.grow (ref.null func) (local.get 0)))
          (func (export "size") (result i32) (table.size)))"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut waot = Waot::new(&wasm, dir.path(), None).unwrap().ok().unwrap();
    let mut wasmi = Wasmi::new(&wasm, None).ok().unwrap();
    for engine in [&mut waot as &mut dyn Engine, &mut wasmi] {
        assert_eq!(
            engine.call("grow", &[Value::I32(0x7fff_ffff)]),
            Outcome::Values(vec![Value::I32(-1)])
        );
        assert_eq!(
            engine.call("size", &[]),
            Outcome::Values(vec![Value::I32(1)])
        );
        assert_eq!(
            engine.call("grow", &[Value::I32(10)]),
            Outcome::Values(vec![Value::I32(1)])
        );
    }
    // The default cap for embedders (10 million elements) applies the same way.
    let path =
        waot_testsuite::compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "t.aot")
            .unwrap();
    let module = Arc::new(waot_run::Module::open(&path).unwrap());
    let instance = waot_run::instance::Instance::new(
        module,
        &waot_run::linker::Linker::new(),
        &Default::default(),
    )
    .unwrap();
    let grow = |n: i32| instance.call("grow", &[waot_run::Val::I32(n)]).unwrap();
    assert_eq!(grow(20_000_000), vec![waot_run::Val::I32(-1)]);
    assert_eq!(grow(1000), vec![waot_run::Val::I32(1)]);
}

/// Whether Node (V8) can run; says so when it cannot.
fn node_available() -> bool {
    let found = std::process::Command::new("node")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        println!("node is not installed: skipping the V8 arbitration check");
    }
    found
}

/// The third opinion is a real check: V8 sides with waot on seed 409 only
/// for waot's actual outcome, not for another one.
#[test]
fn v8_arbitration_distinguishes_outcomes() {
    if !node_available() {
        return;
    }
    use waot_testsuite::diff::v8::{Observed, agrees_with_waot};
    let path =
        waot_testsuite::testsuite_dir().join("diff/regressions/seed-409-wasmi-div-by-zero.wasm");
    let trap = |kind| Outcome::Trap(kind);
    let right = trap(waot_format::traps::TrapKind::Unreachable);
    let wrong = trap(waot_format::traps::TrapKind::IntegerDivisionByZero);
    assert_eq!(
        agrees_with_waot(
            &path,
            &Observed {
                calls: 1,
                outcome: &right,
                state: None
            }
        ),
        Some(true)
    );
    assert_eq!(
        agrees_with_waot(
            &path,
            &Observed {
                calls: 1,
                outcome: &wrong,
                state: None
            }
        ),
        Some(false)
    );
    assert_eq!(
        agrees_with_waot(
            &path,
            &Observed {
                calls: 0,
                outcome: &right,
                state: None
            }
        ),
        Some(false)
    );
    // Recursion deeper than Node's default stack allows: V8 runs on a big
    // enough stack to finish it and see the same trap as waot.
    let deep =
        waot_testsuite::testsuite_dir().join("diff/regressions/seed-10441639-deep-recursion.wasm");
    assert_eq!(
        agrees_with_waot(
            &deep,
            &Observed {
                calls: 1,
                outcome: &right,
                state: None
            }
        ),
        Some(true)
    );
}

/// Issue 14: a trap during instantiation is the same outcome as the same
/// trap in a call. V8 words it `WebAssembly.Instance(): data segment is out
/// of bounds`; the arbitration used to miss that and count a false failure
/// (seed 56,013,462, where wasmi panics and waot, V8 and Wasmtime trap).
#[test]
fn v8_arbitration_recognises_instantiation_traps() {
    if !node_available() {
        return;
    }
    use waot_format::traps::TrapKind;
    use waot_testsuite::diff::v8::{Observed, agrees_with_waot};
    let data = waot_testsuite::testsuite_dir()
        .join("diff/regressions/seed-56013462-wasmi-panic-instantiation-trap.wasm");
    // An active element segment past the end of its table, hand-made.
    let elem =
        wat::parse_str(r#"(module (table 1 funcref) (func $f) (elem (i32.const 5) func $f))"#)
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let elem_path = dir.path().join("elem.wasm");
    std::fs::write(&elem_path, elem).unwrap();
    let verdict = |path: &std::path::Path, calls: usize, outcome: Outcome| {
        agrees_with_waot(
            path,
            &Observed {
                calls,
                outcome: &outcome,
                state: None,
            },
        )
    };
    let trap = Outcome::Trap;
    assert_eq!(
        verdict(&data, 0, trap(TrapKind::MemoryOutOfBounds)),
        Some(true)
    );
    assert_eq!(verdict(&data, 0, trap(TrapKind::Unreachable)), Some(false));
    assert_eq!(
        verdict(&data, 0, trap(TrapKind::TableOutOfBounds)),
        Some(false)
    );
    assert_eq!(verdict(&data, 0, Outcome::Values(vec![])), Some(false));
    assert_eq!(
        verdict(&data, 1, trap(TrapKind::MemoryOutOfBounds)),
        Some(false)
    );
    assert_eq!(
        verdict(&elem_path, 0, trap(TrapKind::TableOutOfBounds)),
        Some(true)
    );
    assert_eq!(
        verdict(&elem_path, 0, trap(TrapKind::MemoryOutOfBounds)),
        Some(false)
    );
    // And the module itself: the tester now counts it as an oracle bug.
    let wasm = std::fs::read(&data).unwrap();
    let waot = waot_testsuite::diff::oracle::Waot::new(&wasm, dir.path(), None).unwrap();
    assert!(
        matches!(waot, Err(Outcome::Trap(TrapKind::MemoryOutOfBounds))),
        "waot traps at instantiation"
    );
}

/// Found by a 30-minute fuzz run: instances with a table never released
/// their 6 GiB memory reservation (the table kept its own instance alive),
/// until address space ran out. Dropping an instance must release it.
#[test]
fn regression_dropped_instances_release_their_memory() {
    fn vm_size_kb() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let line = status.lines().find(|l| l.starts_with("VmSize")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }
    let module = waot_testsuite::open_wat(
        r#"(module (memory (export "m") 1) (table (export "t") 2 funcref)
          (global (export "g") (mut funcref) (ref.null func)) (elem (i32.const 0) func $f) (func $f))"#,
    );
    let before = vm_size_kb();
    for _ in 0..50 {
        let instance = waot_run::instance::Instance::new(
            module.clone(),
            &waot_run::linker::Linker::new(),
            &Default::default(),
        )
        .unwrap();
        let _ = instance.exports();
    }
    let grown = vm_size_kb().saturating_sub(before);
    assert!(
        grown < 1 << 20,
        "50 dropped instances still hold {grown} kB of address space"
    );
}
