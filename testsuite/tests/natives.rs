//! Native functions with signature strings: pointers are checked against
//! the caller's memory before the native runs, a bad pointer traps with
//! "out of bounds memory access" naming the import (and the native never
//! sees it), and a guest NULL arrives as NULL — for Rust natives and for C
//! natives loaded from a library alike.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use waot_run::{CallError, Module, RunOptions, Val, instance::Instance, linker::Linker};

const MODULE: &str = r#"(module
  (import "env" "fill_buffer" (func $fill (param i32 i32 i32) (result i32)))
  (import "env" "strlen" (func $strlen (param i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 100) "hello\00")
  (data (i32.const 65530) "abcdef")
  (func (export "fill") (param i32 i32) (result i32) (call $fill (local.get 0) (local.get 1) (i32.const 0)))
  (func (export "strlen") (param i32) (result i32) (call $strlen (local.get 0)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

fn open() -> Arc<Module> {
    waot_testsuite::open_wat(MODULE)
}

fn rust_linker(calls: Arc<AtomicUsize>) -> Linker {
    let mut l = Linker::new();
    let counter = calls.clone();
    l.native("env", "fill_buffer", "(*~i)i", move |call| {
        counter.fetch_add(1, Ordering::SeqCst);
        let Some(buf) = call.bytes(0) else {
            return Ok(Some(Val::I32(-1)));
        };
        buf.fill(b'x');
        Ok(Some(Val::I32(buf.len() as i32)))
    })
    .unwrap();
    l.native("env", "strlen", "($)i", move |call| {
        calls.fetch_add(1, Ordering::SeqCst);
        Ok(Some(Val::I32(
            call.str(0).map_or(-1, |s| s.to_bytes().len() as i32),
        )))
    })
    .unwrap();
    l
}

fn expect_oob(result: Result<Vec<Val>, CallError>, import: &str) {
    match result {
        Err(CallError::Trap(t)) => {
            assert_eq!(t.kind.message(), "out of bounds memory access");
            let detail = t.detail.unwrap_or_default();
            assert!(
                detail.contains(import),
                "the trap names the import: {detail}"
            );
        }
        other => panic!("expected a trap, got {other:?}"),
    }
}

#[test]
fn rust_natives_get_checked_pointers() {
    let calls = Arc::new(AtomicUsize::new(0));
    let instance =
        Instance::new(open(), &rust_linker(calls.clone()), &RunOptions::default()).unwrap();
    assert_eq!(
        instance
            .call("fill", &[Val::I32(200), Val::I32(16)])
            .unwrap(),
        vec![Val::I32(16)]
    );
    assert_eq!(
        instance.call("byte", &[Val::I32(215)]).unwrap(),
        vec![Val::I32(i32::from(b'x'))]
    );
    assert_eq!(
        instance
            .call("fill", &[Val::I32(65520), Val::I32(16)])
            .unwrap(),
        vec![Val::I32(16)],
        "ends exactly at the last byte"
    );
    assert_eq!(
        instance.call("fill", &[Val::I32(0), Val::I32(16)]).unwrap(),
        vec![Val::I32(-1)],
        "NULL arrives as NULL"
    );
    assert_eq!(
        instance.call("strlen", &[Val::I32(100)]).unwrap(),
        vec![Val::I32(5)]
    );
    let before = calls.load(Ordering::SeqCst);
    expect_oob(
        instance.call("fill", &[Val::I32(65521), Val::I32(16)]),
        "env.fill_buffer",
    );
    expect_oob(
        instance.call("fill", &[Val::I32(-16), Val::I32(32)]),
        "env.fill_buffer",
    );
    expect_oob(instance.call("strlen", &[Val::I32(65530)]), "env.strlen");
    assert_eq!(
        calls.load(Ordering::SeqCst),
        before,
        "a native never runs with a bad pointer"
    );
}

#[test]
fn c_natives_get_the_same_checks() {
    let dir = tempfile::tempdir().unwrap();
    let lib = dir.path().join("libfill.so");
    let source = waot_testsuite::testsuite_dir().join("c/native/fill.c");
    let ok = std::process::Command::new("cc")
        .args(["-shared", "-fPIC", "-O2"])
        .arg(&source)
        .arg("-o")
        .arg(&lib)
        .status()
        .unwrap();
    assert!(ok.success());
    let mut linker = Linker::new();
    assert_eq!(linker.native_library(&lib).unwrap(), 1);
    linker
        .native("env", "strlen", "($)i", |_| Ok(Some(Val::I32(0))))
        .unwrap();
    let instance = Instance::new(open(), &linker, &RunOptions::default()).unwrap();
    // fill_buffer writes 'a' + (seed + i) % 26 and returns the sum.
    let sum: i32 = (0..4).map(|i| i32::from(b'a') + i).sum();
    assert_eq!(
        instance
            .call("fill", &[Val::I32(300), Val::I32(4)])
            .unwrap(),
        vec![Val::I32(sum)]
    );
    assert_eq!(
        instance.call("byte", &[Val::I32(303)]).unwrap(),
        vec![Val::I32(i32::from(b'd'))]
    );
    assert_eq!(
        instance.call("fill", &[Val::I32(0), Val::I32(4)]).unwrap(),
        vec![Val::I32(-1)],
        "NULL arrives as NULL"
    );
    expect_oob(
        instance.call("fill", &[Val::I32(65535), Val::I32(2)]),
        "env.fill_buffer",
    );
    expect_oob(
        instance.call("fill", &[Val::I32(-1), Val::I32(1 << 30)]),
        "env.fill_buffer",
    );
}

#[test]
fn libraries_without_the_entry_point_are_refused() {
    let err = Linker::new()
        .native_library(std::path::Path::new("/nonexistent/libnothing.so"))
        .unwrap_err();
    assert!(err.contains("cannot load native library"), "{err}");
    let libc = Linker::new()
        .native_library(std::path::Path::new("libc.so.6"))
        .unwrap_err();
    assert!(
        libc.contains("does not export waot_native_symbols"),
        "{libc}"
    );
}
