//! Wasm exceptions across the host boundary: an uncaught exception ends
//! the host's call with its tag and values; a host function can throw a
//! wasm exception that the calling wasm catches; an exception thrown in
//! wasm crosses a host function (which passes it on) into the outer wasm,
//! which catches it; tags imported from the host keep their identity.

use std::cell::RefCell;
use std::sync::Arc;
use waot_format::traps::TrapKind;
use waot_format::types::{FuncType, ValType};
use waot_run::exceptions::{Exception, Tag};
use waot_run::{
    CallError, RunOptions, Trap, Val, externs::Extern, instance::Instance, linker::Linker,
};

/// `outer(n)` calls the host's `call_inner(n)` inside a `try_table` that
/// catches the host tag `host.e` (returning its value + 1000); `inner(n)`
/// throws `host.e` with `n`; `throw_from_host(n)` calls the host's
/// `throw(n)` inside the same `try_table`; `uncaught(n)` throws the
/// module's own tag `local` with `n` and `n * 2`.
const MODULE: &str = r#"(module
  (import "host" "e" (tag $e (param i32)))
  (import "host" "call_inner" (func $call_inner (param i32) (result i32)))
  (import "host" "throw" (func $throw (param i32)))
  (tag $local (export "local") (param i32 i64))
  (func (export "outer") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (return (call $call_inner (local.get 0))))
      (unreachable))
    (i32.add (i32.const 1000)))
  (func (export "inner") (param i32) (result i32)
    (throw $e (local.get 0)))
  (func (export "throw_from_host") (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (call $throw (local.get 0)))
      (return (i32.const -1)))
    (i32.add (i32.const 2000)))
  (func (export "uncaught") (param i32)
    (throw $local (local.get 0) (i64.extend_i32_u (i32.mul (local.get 0) (i32.const 2))))))"#;

/// The same calls in the legacy encoding: `try`/`catch` around the host
/// calls, a `catch_all` whose `rethrow` hands the host's exception back to
/// the host, and a `delegate` to the caller.
const LEGACY_MODULE: &str = r#"(module
  (import "host" "e" (tag $e (param i32)))
  (import "host" "call_inner" (func $call_inner (param i32) (result i32)))
  (import "host" "throw" (func $throw (param i32)))
  (tag $local (export "local") (param i32 i64))
  (func (export "outer") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $call_inner
    catch $e
      i32.const 1000
      i32.add
    end)
  (func (export "inner") (param i32) (result i32)
    (throw $e (local.get 0)))
  (func (export "throw_from_host") (param i32) (result i32)
    try (result i32)
      local.get 0
      call $throw
      i32.const -1
    catch $local
      drop
    catch $e
      i32.const 2000
      i32.add
    end)
  (func (export "rethrown") (param i32)
    try
      local.get 0
      call $throw
    catch_all
      rethrow 0
    end)
  (func (export "delegated") (param i32)
    try
      try
        local.get 0
        call $throw
      delegate 1
    catch_all
    end))"#;

thread_local! {
    static INSTANCE: RefCell<Option<Instance>> = const { RefCell::new(None) };
}

fn ty(params: &[ValType], results: &[ValType]) -> FuncType {
    FuncType {
        params: params.to_vec(),
        results: results.to_vec(),
    }
}

fn instantiate(tag: &Arc<Tag>) -> Instance {
    instantiate_module(tag, MODULE)
}

fn instantiate_module(tag: &Arc<Tag>, text: &str) -> Instance {
    use ValType::*;
    let mut linker = Linker::new();
    linker.define("host", "e", Extern::Tag(tag.clone()));
    linker.func("host", "call_inner", ty(&[I32], &[I32]), |_, args| {
        // The inner call's exception ends it; passing it on throws it into
        // the outer wasm.
        INSTANCE.with(|i| match i.borrow().as_ref().unwrap().call("inner", args) {
            Ok(values) => Ok(values),
            Err(CallError::Trap(trap)) => Err(trap),
            Err(other) => Err(Trap::host(other.to_string())),
        })
    });
    let thrown = tag.clone();
    linker.func("host", "throw", ty(&[I32], &[]), move |_, args| {
        let exception = Exception::new(thrown.clone(), args).map_err(Trap::host)?;
        Err(Trap::throw(exception))
    });
    let module = waot_testsuite::open_wat(text);
    Instance::new(module, &linker, &RunOptions::default()).unwrap()
}

fn call(name: &str, n: i32) -> Result<Vec<Val>, CallError> {
    INSTANCE.with(|i| i.borrow().as_ref().unwrap().call(name, &[Val::I32(n)]))
}

#[test]
fn exceptions_cross_the_host_boundary_both_ways() {
    let tag = Tag::new(ty(&[ValType::I32], &[]), "host.e");
    INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate(&tag)));

    // wasm → host → wasm throws → host passes it on → outer wasm catches.
    assert_eq!(call("outer", 5).unwrap(), vec![Val::I32(1005)]);
    // A host function throws; the calling wasm catches.
    assert_eq!(call("throw_from_host", 7).unwrap(), vec![Val::I32(2007)]);

    // Uncaught: the host sees the tag and the values.
    let Err(CallError::Trap(trap)) = call("uncaught", 21) else {
        panic!("the exception was not reported");
    };
    assert_eq!(trap.kind, TrapKind::UncaughtException);
    let exception = trap.exception.clone().expect("the exception");
    assert_eq!(exception.tag.name, "\"local\"");
    assert_eq!(exception.values, vec![Val::I32(21), Val::I64(42)]);
    assert_eq!(
        trap.to_string(),
        "uncaught exception: tag \"local\" with (21, 42)"
    );

    // The host's tag, thrown by wasm and not caught: the same tag.
    let Err(CallError::Trap(trap)) = call("inner", 3) else {
        panic!("the exception was not reported");
    };
    let exception = trap.exception.expect("the exception");
    assert!(Arc::ptr_eq(&exception.tag, &tag));
    assert_eq!(exception.values, vec![Val::I32(3)]);

    // After all that, the instance works.
    assert_eq!(call("outer", 1).unwrap(), vec![Val::I32(1001)]);
    INSTANCE.with(|i| *i.borrow_mut() = None);
}

#[test]
fn legacy_exceptions_cross_the_host_boundary_both_ways() {
    let tag = Tag::new(ty(&[ValType::I32], &[]), "host.e");
    INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate_module(&tag, LEGACY_MODULE)));

    // wasm → host → wasm throws → host passes it on → a legacy catch.
    assert_eq!(call("outer", 5).unwrap(), vec![Val::I32(1005)]);
    // A host function throws; the second legacy catch clause takes it.
    assert_eq!(call("throw_from_host", 7).unwrap(), vec![Val::I32(2007)]);
    // Rethrown by a catch_all, or delegated to the caller (past a
    // catch_all): the host gets its own tag and values back.
    for name in ["rethrown", "delegated"] {
        let Err(CallError::Trap(trap)) = call(name, 9) else {
            panic!("{name}: the exception was not reported");
        };
        assert_eq!(trap.kind, TrapKind::UncaughtException, "{name}");
        let exception = trap.exception.expect("the exception");
        assert!(Arc::ptr_eq(&exception.tag, &tag), "{name}");
        assert_eq!(exception.values, vec![Val::I32(9)], "{name}");
    }
    assert_eq!(call("outer", 1).unwrap(), vec![Val::I32(1001)]);
    INSTANCE.with(|i| *i.borrow_mut() = None);
}

#[test]
fn many_exceptions_on_many_threads() {
    let threads: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let tag = Tag::new(ty(&[ValType::I32], &[]), "host.e");
                INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate(&tag)));
                for n in 0..1_000 {
                    let v = t * 10_000 + n;
                    assert_eq!(call("outer", v).unwrap(), vec![Val::I32(v + 1000)]);
                    assert_eq!(
                        call("throw_from_host", v).unwrap(),
                        vec![Val::I32(v + 2000)]
                    );
                }
                INSTANCE.with(|i| *i.borrow_mut() = None);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a thread failed");
    }
}
