//! `waot-run --preload NAME=FILE.aot` (Wasmtime's `--preload`): another
//! artifact's exports linked as module NAME, so a small wasm module can
//! provide a missing import. Through the real binary.

use std::path::Path;
use std::process::Command;
use waot_format::types::Interruption;
use waot_testsuite::{bin, compile_wat};

/// A reactor whose `_initialize` sets the offset `add` adds; it imports
/// WASI's `fd_write` to say so (preloads link against WASI too).
const LIB: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "\08\00\00\00\0a\00\00\00lib ready\0a")
  (global $offset (mut i32) (i32.const 0))
  (func (export "_initialize")
    (global.set $offset (i32.const 1000))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 20))))
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (global.get $offset) (i32.add (local.get 0) (local.get 1)))))"#;

/// Imports `lib.add` and a second preload's `twice`.
const APP: &str = r#"(module
  (import "lib" "add" (func $add (param i32 i32) (result i32)))
  (import "math" "twice" (func $twice (param i32) (result i32)))
  (func (export "run") (param i32) (result i32)
    (call $twice (call $add (local.get 0) (i32.const 1)))))"#;

/// Uses the first preload: preloads may import earlier ones.
const MATH: &str = r#"(module
  (import "lib" "add" (func $add (param i32 i32) (result i32)))
  (func (export "twice") (param i32) (result i32)
    (call $add (local.get 0) (local.get 0))))"#;

fn compile(dir: &Path, name: &str, wat: &str) {
    compile_wat(dir, name, wat, Interruption::NONE);
}

fn waot_run(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(bin("waot-run"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run waot-run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn preloads_provide_missing_imports() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    compile(dir, "lib", LIB);
    compile(dir, "math", MATH);
    compile(dir, "app", APP);

    let (code, out, err) = waot_run(dir, &["--invoke", "run", "app.aot", "5"]);
    assert_eq!(code, Some(69), "{out}{err}");
    assert!(err.contains("unresolved import lib.add"), "{err}");

    let preloaded = ["--preload", "lib=lib.aot", "--preload", "math=math.aot"];
    let (code, out, err) = waot_run(
        dir,
        &[&preloaded[..], &["--invoke", "run", "app.aot", "5"]].concat(),
    );
    assert_eq!(code, Some(0), "{err}");
    // `_initialize` ran once (one line), before anything called `add`:
    // twice(add(5, 1)) = add(1006, 1006) = 3012.
    assert_eq!(out, "lib ready\n3012\n");

    // Order matters as in Wasmtime: `math` imports `lib`, so it must come
    // after it.
    let (code, _, err) = waot_run(
        dir,
        &[
            "--preload",
            "math=math.aot",
            "--preload",
            "lib=lib.aot",
            "--invoke",
            "run",
            "app.aot",
            "5",
        ],
    );
    assert_eq!(code, Some(69), "{err}");
    assert!(
        err.starts_with("error: cannot preload 'math.aot' as 'math': unresolved import lib.add"),
        "{err}"
    );
}

#[test]
fn bad_preloads_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    compile(dir, "lib", LIB);
    compile(dir, "app", APP);
    for spec in ["lib", "=lib.aot", "lib="] {
        let (code, out, err) =
            waot_run(dir, &["--preload", spec, "--invoke", "run", "app.aot", "5"]);
        assert_eq!(code, Some(2), "{spec}: {err}");
        assert_eq!(out, "", "{spec}: nothing runs");
        assert!(err.contains("is not NAME=FILE.aot"), "{err}");
    }
    let (code, out, err) = waot_run(
        dir,
        &[
            "--preload",
            "lib=missing.aot",
            "--invoke",
            "run",
            "app.aot",
            "5",
        ],
    );
    assert_eq!((code, out.as_str()), (Some(66), ""), "{err}");
    assert!(err.starts_with("error: cannot read 'missing.aot'"), "{err}");
    std::fs::write(dir.join("lib.wasm"), wat::parse_str(LIB).unwrap()).unwrap();
    let (code, _, err) = waot_run(
        dir,
        &[
            "--preload",
            "lib=lib.wasm",
            "--invoke",
            "run",
            "app.aot",
            "5",
        ],
    );
    assert_eq!(code, Some(65), "{err}");
    assert!(
        err.contains("compile it first: `waot compile lib.wasm -o lib.aot`"),
        "{err}"
    );
}
