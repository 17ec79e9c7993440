//! Compiler properties over every e2e fixture: output is deterministic,
//! every supported target compiles, and the artifact records the options
//! the code depends on.

use waot::CompileOptions;
use waot_format::artifact::Artifact;
use waot_format::types::{BoundsStrategy, CpuMode};
use waot_testsuite::testsuite_dir;

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = std::fs::read_dir(testsuite_dir().join("e2e"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .map(|p| (p.display().to_string(), wat::parse_file(&p).unwrap()))
        .collect();
    out.sort();
    assert!(!out.is_empty());
    out
}

#[test]
fn two_compiles_are_byte_identical() {
    for (name, wasm) in fixtures() {
        for bounds in [BoundsStrategy::Guard, BoundsStrategy::Explicit] {
            let options = CompileOptions {
                bounds,
                ..Default::default()
            };
            let a = waot::compile(&wasm, &options).unwrap();
            let b = waot::compile(&wasm, &options).unwrap();
            assert!(a == b, "{name}: two compiles differ");
        }
    }
}

#[test]
fn every_target_compiles_every_fixture() {
    for target in waot::isa::TARGETS.map(|t| t.triple) {
        for (name, wasm) in fixtures() {
            let options = CompileOptions {
                target: Some(target.to_string()),
                ..Default::default()
            };
            let bytes = waot::compile(&wasm, &options)
                .unwrap_or_else(|e| panic!("{name} for {target}: {e}"));
            let a = Artifact::parse(&bytes).unwrap();
            assert_eq!(a.build.target, target);
            assert_eq!(a.build.cpu_mode, CpuMode::Baseline);
            assert_eq!(a.text_offset % a.build.text_align as usize, 0);
        }
    }
}

#[test]
fn baseline_records_no_optional_cpu_features_on_x86_64() {
    let wasm = wat::parse_str(
        "(module (func (export \"f\") (param f64) (result f64) (f64.floor (local.get 0))))",
    )
    .unwrap();
    let options = CompileOptions {
        target: Some("x86_64-unknown-linux-gnu".into()),
        ..Default::default()
    };
    let a_bytes = waot::compile(&wasm, &options).unwrap();
    let a = Artifact::parse(&a_bytes).unwrap();
    assert_eq!(
        a.build.cpu_features, "",
        "the portable baseline assumes no optional feature"
    );
}

#[test]
fn native_cpu_records_the_features_it_uses() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let wasm = wat::parse_str("(module (func (export \"f\")))").unwrap();
    let options = CompileOptions {
        cpu: CpuMode::Native,
        ..Default::default()
    };
    let bytes = waot::compile(&wasm, &options).unwrap();
    let a = Artifact::parse(&bytes).unwrap();
    assert_eq!(a.build.cpu_mode, CpuMode::Native);
    let host = waot_format::compat::detect_cpu_features();
    for f in a.build.cpu_features.split(',').filter(|f| !f.is_empty()) {
        assert!(
            host.iter().any(|h| h == f),
            "recorded feature {f} is not on this CPU"
        );
    }
}

#[test]
fn declared_memory_limits_are_recorded_as_declared() {
    let wasm = wat::parse_str("(module (memory 2))").unwrap();
    let bytes = waot::compile(&wasm, &CompileOptions::default()).unwrap();
    let a = Artifact::parse(&bytes).unwrap();
    assert_eq!(a.module.memories[0].min_pages, 2);
    assert_eq!(
        a.module.memories[0].max_pages, None,
        "an absent max is never rewritten to 65536"
    );
    let wasm = wat::parse_str("(module (memory 1 3))").unwrap();
    let a_bytes = waot::compile(&wasm, &CompileOptions::default()).unwrap();
    assert_eq!(
        Artifact::parse(&a_bytes).unwrap().module.memories[0].max_pages,
        Some(3)
    );
}

#[test]
fn emit_clif_writes_one_file_per_function() {
    let dir = tempfile::tempdir().unwrap();
    let wasm = wat::parse_str(
        "(module (func (export \"a\")) (func (export \"b\") (result i32) (i32.const 1)))",
    )
    .unwrap();
    let options = CompileOptions {
        emit_clif: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    waot::compile(&wasm, &options).unwrap();
    for f in ["func0.clif", "func1.clif"] {
        let text = std::fs::read_to_string(dir.path().join(f)).unwrap();
        assert!(text.contains("function"), "{f} holds Cranelift IR");
    }
}

#[test]
fn the_text_has_no_relocations_left() {
    // Calls between functions are resolved by the compiler: the artifact
    // runs straight from the mapped file. A mutual recursion exercises it.
    let wasm = wat::parse_str(
        r#"(module
          (func $even (export "even") (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 1)) (else (call $odd (i32.sub (local.get 0) (i32.const 1))))))
          (func $odd (param i32) (result i32)
            (if (result i32) (i32.eqz (local.get 0)) (then (i32.const 0)) (else (call $even (i32.sub (local.get 0) (i32.const 1)))))))"#,
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path =
        waot_testsuite::compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "even.aot")
            .unwrap();
    let module = std::sync::Arc::new(waot_run::Module::open(&path).unwrap());
    let instance = waot_run::instance::Instance::new(
        module,
        &waot_run::linker::Linker::new(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(
        instance.call("even", &[waot_run::Val::I32(10)]).unwrap(),
        vec![waot_run::Val::I32(1)]
    );
    assert_eq!(
        instance.call("even", &[waot_run::Val::I32(7)]).unwrap(),
        vec![waot_run::Val::I32(0)]
    );
}

/// A module of `n` small functions.
fn many_functions(n: usize) -> String {
    let funcs: String = (0..n)
        .map(|i| {
            format!(
                "(func (export \"f{i}\") (param i32) (result i32) \
                 (i32.add (local.get 0) (i32.const {i})))"
            )
        })
        .collect();
    format!("(module {funcs})")
}

#[test]
fn the_artifact_does_not_depend_on_the_number_of_threads() {
    let wasm = wat::parse_str(many_functions(500)).unwrap();
    let parallel = waot::compile(&wasm, &CompileOptions::default()).unwrap();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| waot::compile(&wasm, &CompileOptions::default()).unwrap());
    assert!(
        parallel == one,
        "one thread and several give different artifacts"
    );
}

/// `waot compile` on a pseudo-terminal (util-linux `script`), with the
/// progress bar's delay set to `delay_ms`; returns what the terminal got.
fn compile_on_terminal(args: &str, delay_ms: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("many.wat");
    std::fs::write(&wat, many_functions(2000)).unwrap();
    let line = format!(
        "'{}' compile {args} '{}' -o '{}'",
        waot_testsuite::bin("waot").display(),
        wat.display(),
        dir.path().join("many.aot").display()
    );
    let out = std::process::Command::new("/usr/bin/script")
        .arg("-qec")
        .arg(line)
        .arg("/dev/null")
        .env("WAOT_PROGRESS_AFTER_MS", delay_ms)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_progress_bar_is_drawn_on_a_terminal_only_after_the_delay_and_not_when_quiet() {
    let shown = compile_on_terminal("", "0");
    assert!(shown.contains("/2000 functions"), "no bar: {shown:?}");
    assert_eq!(compile_on_terminal("--quiet", "0"), "");
    // The default delay of a second is longer than this compile takes.
    assert_eq!(compile_on_terminal("", "60000"), "");
    // Not a terminal: nothing, whatever the delay.
    let dir = tempfile::tempdir().unwrap();
    let wat = dir.path().join("many.wat");
    std::fs::write(&wat, many_functions(200)).unwrap();
    let out = std::process::Command::new(waot_testsuite::bin("waot"))
        .arg("compile")
        .arg(&wat)
        .arg("-o")
        .arg(dir.path().join("many.aot"))
        .env("WAOT_PROGRESS_AFTER_MS", "0")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Modules with GC objects (their GC trampoline, an extra label) and
/// without compile one after the other on the same worker threads. (A
/// function refused half-way through its translation once left a worker's
/// Cranelift context mid-function; waot now translates every instruction
/// of valid wasm, so no refusal happens half-way, and the context is still
/// reset after any translation error.)
#[test]
fn gc_modules_and_others_alternate_on_the_workers() {
    let gc = wat::parse_str(
        r#"(module
             (type $s (struct (field i32)))
             (func (export "f") (param i32) (result i32)
               (block (result i32)
                 (local.get 0)
                 (br_if 0 (i32.eqz (local.get 0)))
                 (drop (struct.new $s (i32.const 1)))))
             (func (result i32) (i32.const 1))
             (func (result i32) (i32.const 2)))"#,
    )
    .unwrap();
    let (_, good) = fixtures()
        .into_iter()
        .find(|(name, _)| name.ends_with("control.wat"))
        .unwrap();
    for _ in 0..20 {
        waot::compile(&gc, &CompileOptions::default()).unwrap();
        waot::compile(&good, &CompileOptions::default()).unwrap();
    }
}
