//! How traps end calls: each trap ends exactly the innermost call from the
//! host into wasm, in host → wasm → host → wasm re-entrancy, in both bounds
//! modes; the Rust frames in between return normally (their destructors
//! run once); a host error crosses back into the calling wasm; traps are
//! repeatable and work on many threads at once.

use std::cell::{Cell, RefCell};
use std::path::PathBuf;
use std::sync::Arc;
use waot::CompileOptions;
use waot_format::types::{BoundsStrategy, FuncType, ValType};
use waot_run::{CallError, Module, RunOptions, Trap, Val, instance::Instance, linker::Linker};

/// `outer(n)` calls the host's `reenter(n)`, which calls `inner(n)` of the
/// same instance: 0 traps with unreachable, 1 with an out-of-bounds load, 2
/// with a stack overflow, 3 calls `reenter(0)` again (a second level), other
/// values return `n * 10`.
const MODULE: &str = r#"(module
  (import "host" "reenter" (func $reenter (param i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "outer") (param i32) (result i32)
    (i32.add (call $reenter (local.get 0)) (i32.const 1)))
  (func $recurse (param i32) (result i32)
    (call $recurse (i32.add (local.get 0) (i32.const 1))))
  (func (export "inner") (param i32) (result i32)
    (if (i32.eq (local.get 0) (i32.const 0)) (then unreachable))
    (if (i32.eq (local.get 0) (i32.const 1))
      (then (return (i32.load (i32.const 0x7ffffff0)))))
    (if (i32.eq (local.get 0) (i32.const 2))
      (then (return (call $recurse (i32.const 0)))))
    (if (i32.eq (local.get 0) (i32.const 3))
      (then (return (call $reenter (i32.const 0)))))
    (i32.mul (local.get 0) (i32.const 10))))"#;

thread_local! {
    /// The instance under test, reachable from the host function.
    static INSTANCE: RefCell<Option<Instance>> = const { RefCell::new(None) };
    /// The traps the host function saw from its nested calls.
    static SEEN: RefCell<Vec<String>> = const { RefCell::new(Vec::new()) };
}

thread_local! {
    /// Drops of values the host function held across nested calls.
    static DROPS: Cell<usize> = const { Cell::new(0) };
}

struct CountsDrops;

impl Drop for CountsDrops {
    fn drop(&mut self) {
        DROPS.with(|d| d.set(d.get() + 1));
    }
}

fn drops() -> usize {
    DROPS.with(Cell::get)
}

fn artifact(bounds: BoundsStrategy) -> (tempfile::TempDir, PathBuf) {
    let wasm = wat::parse_str(MODULE).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let options = CompileOptions {
        bounds,
        ..CompileOptions::default()
    };
    let path = waot_testsuite::compile_to_file(&wasm, &options, dir.path(), "m.aot").unwrap();
    (dir, path)
}

/// An instance whose `reenter` recovers from a trap of its nested call
/// (returning -1) when `recover`, or returns the trap as its own error.
fn instantiate(path: &PathBuf, recover: bool) -> Instance {
    let ty = FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    };
    let mut linker = Linker::new();
    linker.func("host", "reenter", ty, move |_, args| {
        let _held = CountsDrops;
        let result = INSTANCE.with(|i| {
            let i = i.borrow();
            i.as_ref().expect("instance set").call("inner", args)
        });
        match result {
            Ok(values) => Ok(values),
            Err(CallError::Trap(trap)) => {
                SEEN.with(|s| s.borrow_mut().push(trap.to_string()));
                if recover {
                    Ok(vec![Val::I32(-1)])
                } else {
                    Err(trap)
                }
            }
            Err(other) => Err(Trap::host(other.to_string())),
        }
    });
    let module = Arc::new(Module::open(path).unwrap());
    Instance::new(module, &linker, &RunOptions::default()).unwrap()
}

fn call(name: &str, n: i32) -> Result<Vec<Val>, CallError> {
    INSTANCE.with(|i| i.borrow().as_ref().unwrap().call(name, &[Val::I32(n)]))
}

fn seen() -> Vec<String> {
    SEEN.with(|s| std::mem::take(&mut *s.borrow_mut()))
}

#[test]
fn a_trap_ends_only_the_innermost_call_from_the_host() {
    for bounds in [BoundsStrategy::Guard, BoundsStrategy::Explicit] {
        let (_dir, path) = artifact(bounds);
        INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate(&path, true)));
        seen();
        for (n, trap) in [
            (0, "unreachable"),
            (1, "out of bounds memory access"),
            (2, "call stack exhausted"),
        ] {
            let before = drops();
            // The nested call trapped; the host recovered with -1; the
            // outer call went on and added 1.
            assert_eq!(
                call("outer", n).unwrap(),
                vec![Val::I32(0)],
                "{bounds:?} {n}"
            );
            let seen = seen();
            assert_eq!(seen.len(), 1, "{bounds:?} {n}: {seen:?}");
            assert!(seen[0].contains(trap), "{bounds:?} {n}: {seen:?}");
            assert_eq!(drops(), before + 1, "{bounds:?} {n}");
        }
        // Two levels: host → wasm → host → wasm, the innermost traps.
        let before = drops();
        assert_eq!(call("outer", 3).unwrap(), vec![Val::I32(0)]);
        assert_eq!(seen().len(), 1);
        assert_eq!(drops(), before + 2);
        // The instance is as good as new.
        assert_eq!(call("outer", 5).unwrap(), vec![Val::I32(51)]);
        INSTANCE.with(|i| *i.borrow_mut() = None);
    }
}

#[test]
fn a_host_error_ends_the_wasm_call_that_called_the_host() {
    for bounds in [BoundsStrategy::Guard, BoundsStrategy::Explicit] {
        let (_dir, path) = artifact(bounds);
        INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate(&path, false)));
        seen();
        let before = drops();
        let Err(CallError::Trap(trap)) = call("outer", 0) else {
            panic!("the host's error did not end the outer call");
        };
        assert!(trap.to_string().contains("unreachable"), "{trap}");
        assert_eq!(drops(), before + 1);
        // Two levels of host error, each passing the inner trap on.
        let Err(CallError::Trap(trap)) = call("outer", 3) else {
            panic!("the host's error did not end the outer call");
        };
        assert!(trap.to_string().contains("unreachable"), "{trap}");
        // One for outer(0); two for outer(3), one at each level.
        assert_eq!(seen().len(), 3);
        assert_eq!(call("outer", 7).unwrap(), vec![Val::I32(71)]);
        INSTANCE.with(|i| *i.borrow_mut() = None);
    }
}

#[test]
fn traps_repeat_and_run_on_many_threads_at_once() {
    let (_dir, path) = artifact(BoundsStrategy::Guard);
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let path = path.clone();
            std::thread::spawn(move || {
                INSTANCE.with(|i| *i.borrow_mut() = Some(instantiate(&path, true)));
                for round in 0..2_000 {
                    let n = round % 3;
                    let Err(CallError::Trap(trap)) = call("inner", n) else {
                        panic!("inner({n}) did not trap");
                    };
                    assert!(!trap.to_string().is_empty());
                    assert_eq!(call("outer", 4).unwrap(), vec![Val::I32(41)]);
                }
                INSTANCE.with(|i| *i.borrow_mut() = None);
            })
        })
        .collect();
    for t in threads {
        t.join().expect("a thread failed");
    }
}
