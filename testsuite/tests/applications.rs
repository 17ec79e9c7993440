//! The WASI application ABI: commands and reactors. A reactor's
//! `_initialize` runs exactly once, after instantiation and before any
//! export, through the library (`Instance::new_application`) and through
//! `waot-run --invoke`; a module declaring both kinds is refused. The Go
//! reactor committed in `real/go_reactor/` (built by `make fixtures-go`)
//! gives `real/go_reactor.expected`, which is Wasmtime's output too.

use std::path::Path;
use std::process::Command;
use waot_run::{
    ApplicationKind, CallError, Initializer, InstantiateError, RunOptions, Val, instance::Instance,
    linker::Linker,
};
use waot_testsuite::{Cross, bin, open_wat, testsuite_dir};

/// `_initialize` counts its runs in a global and prints "init" (WASI
/// `fd_write`); `runs` returns the count.
const REACTOR: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\08\00\00\00\05\00\00\00init\0a")
  (global $runs (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $runs (i32.add (global.get $runs) (i32.const 1)))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16))))
  (func (export "runs") (result i32) (global.get $runs)))"#;

fn run(dir: &Path, args: &[&str]) -> (String, String, Option<i32>) {
    run_with(Command::new(bin("waot-run")), dir, args)
}

fn run_with(mut waot_run: Command, dir: &Path, args: &[&str]) -> (String, String, Option<i32>) {
    let out = waot_run
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run waot-run");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

fn compile(dir: &Path, wasm: &Path, out: &str) {
    compile_for(None, dir, wasm, out);
}

fn compile_for(target: Option<&str>, dir: &Path, wasm: &Path, out: &str) {
    let mut waot = Command::new(bin("waot"));
    waot.arg("compile");
    if let Some(target) = target {
        waot.args(["--target", target]);
    }
    let status = waot
        .arg(wasm)
        .args(["-q", "-o", out])
        .current_dir(dir)
        .status()
        .expect("run waot");
    assert!(status.success());
}

#[test]
fn kinds_follow_the_exports() {
    let kind = |wat: &str| open_wat(wat).application_kind();
    assert_eq!(
        kind(r#"(module (func (export "_start")))"#),
        Ok(ApplicationKind::Command)
    );
    assert_eq!(
        kind(r#"(module (func (export "_initialize")) (func (export "f")))"#),
        Ok(ApplicationKind::Reactor(Initializer::Exported))
    );
    assert_eq!(
        kind(r#"(module (func (export "f")))"#),
        Ok(ApplicationKind::Reactor(Initializer::None))
    );
    // Only function exports declare a kind.
    assert_eq!(
        kind(r#"(module (global (export "_start") i32 (i32.const 0)))"#),
        Ok(ApplicationKind::Reactor(Initializer::None))
    );
    let both = kind(r#"(module (func (export "_start")) (func (export "_initialize")))"#);
    assert!(both.unwrap_err().0.contains("mutually exclusive"));
    let typed = kind(r#"(module (func (export "_initialize") (param i32)))"#);
    assert!(typed.unwrap_err().0.contains("has type (i32) -> ()"));
}

#[test]
fn new_application_runs_initialize_once_before_any_export() {
    let module = open_wat(
        r#"(module (global $g (mut i32) (i32.const 0)) (global $n (mut i32) (i32.const 0))
          (func (export "_initialize") (global.set $g (i32.const 42))
            (global.set $n (i32.add (global.get $n) (i32.const 1))))
          (func (export "get") (result i32) (global.get $g))
          (func (export "runs") (result i32) (global.get $n)))"#,
    );
    let options = RunOptions::default();
    let plain = Instance::new(module.clone(), &Linker::new(), &options).unwrap();
    assert_eq!(plain.call("get", &[]).unwrap(), vec![Val::I32(0)]);
    let app = Instance::new_application(module, &Linker::new(), &options).unwrap();
    assert_eq!(app.call("get", &[]).unwrap(), vec![Val::I32(42)]);
    assert_eq!(app.call("runs", &[]).unwrap(), vec![Val::I32(1)]);
}

#[test]
fn new_application_reports_a_trapping_initialize_and_refuses_both_kinds() {
    let options = RunOptions::default();
    let trapping = open_wat(r#"(module (func (export "_initialize") unreachable))"#);
    match Instance::new_application(trapping, &Linker::new(), &options) {
        Err(InstantiateError::Trap(t)) => assert_eq!(t.kind.message(), "unreachable"),
        other => panic!("expected a trap, got {:?}", other.map(|_| ())),
    }
    // Refused before instantiation: the start function never runs, so its
    // trap is not what is reported.
    let both = open_wat(
        r#"(module (func $s unreachable) (start $s)
          (func (export "_start")) (func (export "_initialize")))"#,
    );
    match Instance::new_application(both, &Linker::new(), &options) {
        Err(InstantiateError::Application(e)) => assert!(e.0.contains("both '_start'")),
        other => panic!("expected an application error, got {:?}", other.map(|_| ())),
    }
    // A command is instantiated; its `_start` is left to the caller.
    let command = open_wat(
        r#"(module (global $g (mut i32) (i32.const 0))
          (func (export "_start") (global.set $g (i32.const 1)))
          (func (export "get") (result i32) (global.get $g)))"#,
    );
    let app = Instance::new_application(command, &Linker::new(), &options).unwrap();
    assert_eq!(app.call("get", &[]).unwrap(), vec![Val::I32(0)]);
    assert!(matches!(
        app.call("nope", &[]),
        Err(CallError::NoSuchExport(_))
    ));
}

#[test]
fn waot_run_initializes_a_reactor_once_before_the_invoked_export() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("reactor.wat"), REACTOR).unwrap();
    compile(dir.path(), Path::new("reactor.wat"), "reactor.aot");
    let run = |args: &[&str]| run(dir.path(), args);
    assert_eq!(
        run(&["--invoke", "runs", "reactor.aot"]),
        ("init\n1\n".into(), String::new(), Some(0))
    );
    // Invoking `_initialize` itself runs it once, not twice.
    assert_eq!(
        run(&["--invoke", "_initialize", "reactor.aot"]),
        ("init\n".into(), String::new(), Some(0))
    );
    // An unknown export is refused before `_initialize` runs.
    let (stdout, stderr, code) = run(&["--invoke", "nope", "reactor.aot"]);
    assert_eq!((stdout.as_str(), code), ("", Some(2)));
    assert!(
        stderr.contains("exports no function named 'nope'"),
        "{stderr}"
    );
    // Without --invoke a reactor has nothing to run: a usage error, and
    // `_initialize` has not run.
    let (stdout, stderr, code) = run(&["reactor.aot"]);
    assert_eq!((stdout.as_str(), code), ("", Some(2)));
    assert!(
        stderr.contains("exports no '_start', so it is not a WASI command but a reactor")
            && stderr.contains("hint: choose one with --invoke NAME"),
        "{stderr}"
    );
}

/// Also in cross mode (`make test-cross`): compiled for the target and run
/// under its emulator.
#[test]
fn go_reactor_prints_what_wasmtime_prints() {
    let cross = Cross::from_env();
    let real = testsuite_dir().join("real");
    let dir = tempfile::tempdir().unwrap();
    compile_for(
        cross.as_ref().map(|c| c.target.as_str()),
        dir.path(),
        &real.join("go_reactor/go_reactor.wasm"),
        "go_reactor.aot",
    );
    let calls = std::fs::read_to_string(real.join("go_reactor/calls")).unwrap();
    let mut transcript = String::new();
    for line in calls.lines() {
        let mut words = line.split_whitespace();
        let name = words.next().unwrap();
        let args: Vec<&str> = words.collect();
        // The script writes `--invoke NAME ARGS` with one space after NAME.
        transcript += &format!("--invoke {name} {}\n", args.join(" "));
        let mut argv = vec!["--invoke", name, "go_reactor.aot"];
        argv.extend(&args);
        let waot_run = Cross::waot_run_or_host(cross.as_ref());
        let (stdout, stderr, code) = run_with(waot_run, dir.path(), &argv);
        assert_eq!(code, Some(0), "{name}: {stderr}");
        transcript += &stdout;
    }
    let expected = std::fs::read_to_string(real.join("go_reactor.expected")).unwrap();
    assert_eq!(transcript, expected);
}
