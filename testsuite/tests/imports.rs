//! Imported functions: wasm calls host functions through the artifact's
//! wasm-to-host trampolines; link errors name the import and its signature.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use waot_format::types::{FuncType, ValType};
use waot_run::{
    InstantiateError, Module, RunOptions, Trap, Val, externs::Extern, instance::Instance,
    linker::Linker,
};

const MODULE: &str = r#"(module
  (import "env" "add" (func $add (param i32 i32) (result i32)))
  (import "env" "log" (func $log (param i64)))
  (import "env" "swap" (func $swap (param f64 i32) (result i32 f64)))
  (import "env" "fail" (func $fail))
  (memory (export "memory") 1)
  (data (i32.const 8) "\2a")
  (func (export "sum3") (param i32 i32 i32) (result i32)
    (call $add (call $add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "log_twice") (param i64) (call $log (local.get 0)) (call $log (local.get 0)))
  (func (export "swap") (param f64 i32) (result i32 f64) (call $swap (local.get 0) (local.get 1)))
  (func (export "fail") (call $fail) (unreachable)))"#;

fn open() -> Arc<Module> {
    waot_testsuite::open_wat(MODULE)
}

fn ty(params: &[ValType], results: &[ValType]) -> FuncType {
    FuncType {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

fn linker(logged: Arc<AtomicI64>) -> Linker {
    use ValType::*;
    let mut l = Linker::new();
    l.func("env", "add", ty(&[I32, I32], &[I32]), |_, a| match a {
        [Val::I32(x), Val::I32(y)] => Ok(vec![Val::I32(x.wrapping_add(*y))]),
        _ => Err(Trap::host("bad arguments")),
    });
    l.func("env", "log", ty(&[I64], &[]), move |caller, a| {
        // Host functions see the caller's memory.
        assert_eq!(caller.memory()[8], 0x2a);
        if let [Val::I64(v)] = a {
            logged.fetch_add(*v, Ordering::SeqCst);
        }
        Ok(vec![])
    });
    l.func("env", "swap", ty(&[F64, I32], &[I32, F64]), |_, a| {
        Ok(vec![a[1], a[0]])
    });
    l.func("env", "fail", ty(&[], &[]), |_, _| {
        Err(Trap::host("the host said no"))
    });
    l
}

#[test]
fn wasm_calls_host_functions() {
    let logged = Arc::new(AtomicI64::new(0));
    let instance = Instance::new(open(), &linker(logged.clone()), &RunOptions::default()).unwrap();
    assert_eq!(
        instance
            .call("sum3", &[Val::I32(1), Val::I32(2), Val::I32(-4)])
            .unwrap(),
        vec![Val::I32(-1)]
    );
    instance.call("log_twice", &[Val::I64(21)]).unwrap();
    assert_eq!(logged.load(Ordering::SeqCst), 42);
    let out = instance
        .call("swap", &[Val::F64(1.5f64.to_bits()), Val::I32(7)])
        .unwrap();
    assert_eq!(out, vec![Val::I32(7), Val::F64(1.5f64.to_bits())]);
}

#[test]
fn a_host_error_traps_and_the_instance_stays_usable() {
    let instance = Instance::new(open(), &linker(Arc::default()), &RunOptions::default()).unwrap();
    let err = instance.call("fail", &[]).unwrap_err();
    assert!(err.to_string().contains("the host said no"), "{err}");
    assert_eq!(
        instance
            .call("sum3", &[Val::I32(1), Val::I32(1), Val::I32(1)])
            .unwrap(),
        vec![Val::I32(3)]
    );
}

#[test]
fn missing_and_mismatched_imports_fail_before_any_code_runs() {
    let mut l = Linker::new();
    l.func("env", "add", ty(&[ValType::I64], &[]), |_, _| Ok(vec![]));
    let Err(InstantiateError::Link(lines)) = Instance::new(open(), &l, &RunOptions::default())
    else {
        panic!("instantiation should fail");
    };
    assert_eq!(
        lines,
        vec![
            "incompatible import type for env.add: expected (i32, i32) -> i32, found function (i64) -> ()"
                .to_string(),
            "unresolved import env.log: (i64) -> ()".to_string(),
            "unresolved import env.swap: (f64, i32) -> (i32, f64)".to_string(),
            "unresolved import env.fail: () -> ()".to_string(),
        ]
    );
}

#[test]
fn allow_unresolved_links_traps_instead() {
    let mut l = Linker::new();
    l.allow_unresolved = true;
    let instance = Instance::new(open(), &l, &RunOptions::default()).unwrap();
    let err = instance.call("log_twice", &[Val::I64(1)]).unwrap_err();
    assert!(
        err.to_string()
            .contains("call to unresolved import: env.log"),
        "{err}"
    );
}

/// A defined global lives in its instance's VM context (format 2.19); an
/// importer that outlives the instance still reads and writes the same
/// slot, and so does the exported global itself once every instance is
/// gone: it holds the VM context's allocation.
#[test]
fn an_exported_global_outlives_its_instance() {
    let exporter = waot_testsuite::open_wat(
        r#"(module
          (global $g (export "g") (mut i64) (i64.const 40))
          (global (export "base") i64 (i64.const 1000))
          (func (export "bump") (result i64)
            (global.set $g (i64.add (global.get $g) (i64.const 1)))
            (global.get $g)))"#,
    );
    let importer = waot_testsuite::open_wat(
        r#"(module
          (import "a" "g" (global $g (mut i64)))
          (import "a" "base" (global $base i64))
          (global $own (mut i64) (global.get $base))
          (func (export "bump") (result i64)
            (global.set $g (i64.add (global.get $g) (i64.const 1)))
            (global.set $own (i64.add (global.get $own) (i64.const 100)))
            (i64.add (global.get $g) (global.get $own)))
          (func (export "own") (result i64) (global.get $own)))"#,
    );
    let options = RunOptions::default();
    let a = Instance::new(exporter, &Linker::new(), &options).unwrap();
    assert_eq!(a.call("bump", &[]).unwrap(), [Val::I64(41)]);
    let g = a
        .exports()
        .into_iter()
        .find_map(|(name, e)| match e {
            Extern::Global(g) if name == "g" => Some(g),
            _ => None,
        })
        .expect("`a` exports `g`");
    let a_alive = std::rc::Rc::downgrade(&a.owner());
    let mut linker = Linker::new();
    linker.instance("a", &a);
    let b = Instance::new(importer, &linker, &options).unwrap();
    drop(linker);
    drop(a);
    // $g: 41 + 1; $own: 1000 (its initial value, `a`'s $base) + 100.
    assert_eq!(b.call("bump", &[]).unwrap(), [Val::I64(42 + 1100)]);
    assert_eq!(b.call("own", &[]).unwrap(), [Val::I64(1100)]);
    drop(b);
    assert!(a_alive.upgrade().is_none(), "every instance is gone");
    assert_eq!(g.get(), Val::I64(42));
}
