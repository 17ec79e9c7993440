//! Start-up work of the loader: an artifact is parsed once per `Module`,
//! traps are looked up in the mapped trap table (and named after the
//! function that contains them), and `--profile perfmap` tells `perf` where
//! each piece of compiled code lives.

use waot_run::{CallError, Instance, Linker, RunOptions};

#[test]
fn a_module_parses_its_artifact_once() {
    let module = waot_testsuite::open_wat(
        r#"(module (func (export "f")) (func (export "g")) (memory 1) (data (i32.const 0) "x"))"#,
    );
    // The same parse every time: no re-parsing behind `artifact()`.
    assert!(std::ptr::eq(module.artifact(), module.artifact()));
    assert_eq!(module.artifact().funcs.len(), 2);
    let first = Instance::new(module.clone(), &Linker::new(), &RunOptions::default()).unwrap();
    let second = Instance::new(module.clone(), &Linker::new(), &RunOptions::default()).unwrap();
    first.call("f", &[]).unwrap();
    second.call("g", &[]).unwrap();
    assert!(matches!(
        first.call("h", &[]),
        Err(CallError::NoSuchExport(_))
    ));
}
