//! Start-up work of the loader: an artifact is parsed once per `Module`,
//! traps are looked up in the mapped trap table (and named after the
//! function that contains them), and `--profile perfmap` tells `perf` where
//! each piece of compiled code lives.

use waot_format::traps::TrapKind;
use waot_format::types::{DefinedFuncIndex, FuncType, NO_ARRAY_ENTRY};
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

/// A module importing one function and defining `count` functions, each
/// exported as `eN` and trapping (even ones are named `fN`, odd ones take
/// their export's name), then `via`, which calls function `count + 2`:
/// unnamed, unexported, trapping.
fn many_trapping_functions(count: usize) -> String {
    let mut wat = String::from(r#"(module (import "env" "log" (func $log)) (memory 1)"#);
    for i in 0..count {
        let name = if i % 2 == 0 {
            format!("$f{i}")
        } else {
            String::new()
        };
        // Bodies of different lengths, trapping at different depths.
        let padding = "(drop (i32.const 7)) ".repeat(i % 5);
        let body = match i % 3 {
            0 => "unreachable".to_string(),
            1 => "(drop (i32.load (i32.const -4)))".to_string(),
            _ => "call $log unreachable".to_string(),
        };
        wat.push_str(&format!(
            r#" (func {name} (export "e{i}") {padding}{body})"#
        ));
    }
    wat.push_str(&format!(
        r#" (func (export "via") call {}) (func unreachable))"#,
        count + 2
    ));
    wat
}

#[test]
fn every_trap_is_named_after_the_function_that_contains_it() {
    const COUNT: usize = 41;
    let module = waot_testsuite::open_wat(&many_trapping_functions(COUNT));
    let mut linker = Linker::new();
    linker.func("env", "log", FuncType::default(), |_, _| Ok(vec![]));
    let instance = Instance::new(module.clone(), &linker, &RunOptions::default()).unwrap();
    for i in 0..COUNT {
        let Err(CallError::Trap(trap)) = instance.call(&format!("e{i}"), &[]) else {
            panic!("e{i} should trap");
        };
        let expected_kind = if i % 3 == 1 {
            TrapKind::MemoryOutOfBounds
        } else {
            TrapKind::Unreachable
        };
        assert_eq!(trap.kind, expected_kind, "e{i}");
        let expected_name = if i % 2 == 0 {
            format!("f{i}")
        } else {
            format!("e{i}")
        };
        assert_eq!(trap.function.as_deref(), Some(&*expected_name), "e{i}");
    }
    let Err(CallError::Trap(trap)) = instance.call("via", &[]) else {
        panic!("via should trap");
    };
    // Function index COUNT + 2: the import comes first, then e0.., via.
    let expected_name = format!("func {}", COUNT + 2);
    assert_eq!(trap.function.as_deref(), Some(&*expected_name));
}

#[test]
fn func_at_finds_every_body_and_nothing_between_them() {
    let module = waot_testsuite::open_wat(&many_trapping_functions(17));
    let artifact = module.artifact();
    let code = module.code_map();
    for (i, f) in artifact.funcs.iter().enumerate() {
        let first = f.body_offset;
        let last = f.body_offset + f.body_len - 1;
        assert_eq!(code.func_at(first), Some(DefinedFuncIndex(i as u32)));
        assert_eq!(code.func_at(last), Some(DefinedFuncIndex(i as u32)));
        if f.array_entry_offset != NO_ARRAY_ENTRY {
            assert_eq!(code.func_at(f.array_entry_offset), None, "array entry {i}");
        }
    }
    for &trampoline in &artifact.import_trampolines {
        assert_eq!(code.func_at(trampoline), None);
    }
    assert_eq!(code.func_at(u32::MAX), None);
}
