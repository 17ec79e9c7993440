//! Start-up work of the loader: an artifact is parsed once per `Module`,
//! traps are looked up in the mapped trap table (and named after the
//! function that contains them), and `--profile perfmap` tells `perf` where
//! each piece of compiled code lives; the command loads no shared library
//! it can do without.

use std::process::Command;
use waot::CompileOptions;
use waot_format::artifact::Artifact;
use waot_format::traps::TrapKind;
use waot_format::types::{DefinedFuncIndex, FuncType, NO_ARRAY_ENTRY};
use waot_run::{
    CallError, Module, OpenOptions, Profiling, RunOptions, instance::Instance, linker::Linker,
};

#[test]
fn artifact_borrows_the_parse_the_module_keeps() {
    let module = waot_testsuite::open_wat(
        r#"(module (func (export "f")) (func (export "g")) (memory 1) (data (i32.const 0) "x"))"#,
    );
    // `artifact()` hands out the parse made at open (a borrow of the
    // module, so it cannot be a fresh parse); instances are built from it.
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
    for (i, f) in artifact.funcs.iter().enumerate() {
        let first = f.body_offset;
        let last = f.body_offset + f.body_len - 1;
        assert_eq!(module.function_at(first), Some(DefinedFuncIndex(i as u32)));
        assert_eq!(module.function_at(last), Some(DefinedFuncIndex(i as u32)));
        if f.array_entry_offset != NO_ARRAY_ENTRY {
            assert_eq!(
                module.function_at(f.array_entry_offset),
                None,
                "array entry {i}"
            );
        }
    }
    for &trampoline in &artifact.import_trampolines {
        assert_eq!(module.function_at(trampoline), None);
    }
    assert_eq!(module.function_at(u32::MAX), None);
}

/// A module with a named and an unnamed function, an export (so an array
/// entry) and an imported function (so a trampoline) waot-run provides.
const PROFILED: &str = r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (func $helper (result i32) i32.const 1)
  (func (result i32) i32.const 2)
  (func $"odd\nname" (result i32) i32.const 3)
  (func $main (export "_start") call $helper drop)
  (memory (export "memory") 1))"#;

/// The lines of a perf map: (start, size, name).
fn parse_perf_map(text: &str) -> Vec<(usize, usize, String)> {
    text.lines()
        .map(|line| {
            let mut words = line.splitn(3, ' ');
            let mut hex = || usize::from_str_radix(words.next().unwrap(), 16).unwrap();
            let (start, size) = (hex(), hex());
            (start, size, words.next().unwrap().to_string())
        })
        .collect()
}

/// What the perf map of `artifact` must say, relative to the text: (text
/// offset, size if known, name), in the order waot writes them.
fn expected_perf_map(artifact: &Artifact<'_>) -> Vec<(u32, Option<u32>, String)> {
    let f = &artifact.funcs;
    let entry = f[3].array_entry_offset;
    vec![
        (
            f[0].body_offset,
            Some(f[0].body_len),
            "wasm[1]::helper".into(),
        ),
        (f[1].body_offset, Some(f[1].body_len), "wasm[2]".into()),
        (
            f[2].body_offset,
            Some(f[2].body_len),
            "wasm[3]::odd\\nname".into(),
        ),
        (
            f[3].body_offset,
            Some(f[3].body_len),
            "wasm[4]::main".into(),
        ),
        (entry, None, "array_entry[4]::main".into()),
        (
            artifact.import_trampolines[0],
            None,
            "import[0]::wasi_snapshot_preview1::proc_exit".into(),
        ),
    ]
    .into_iter()
    // Then the trampolines of function types no import lends its own.
    .chain(
        artifact
            .type_trampolines
            .iter()
            .filter(|(_, o)| !artifact.import_trampolines.contains(o))
            .map(|(t, o)| (*o, None, format!("type_trampoline[{}]", t.0))),
    )
    .collect()
}

/// Checks `map` lists exactly `expected`, at `text_start` plus each offset,
/// every piece inside the text.
fn check_perf_map(map: &str, artifact: &Artifact<'_>, text_start: usize) {
    let lines = parse_perf_map(map);
    let expected = expected_perf_map(artifact);
    let names: Vec<&str> = lines.iter().map(|l| l.2.as_str()).collect();
    let expected_names: Vec<&str> = expected.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(names, expected_names, "{map}");
    for ((start, size, name), (offset, expected_size, _)) in lines.iter().zip(&expected) {
        assert_eq!(*start, text_start + *offset as usize, "{name}");
        if let Some(expected_size) = expected_size {
            assert_eq!(*size, *expected_size as usize, "{name}");
        }
        assert!(*size > 0, "{name}");
        assert!(start + size <= text_start + artifact.text_len, "{name}");
    }
}

#[test]
fn open_with_perf_map_profiling_lists_every_piece_of_code() {
    let wasm = wat::parse_str(PROFILED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path =
        waot_testsuite::compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "p.aot")
            .unwrap();
    let options = OpenOptions {
        profiling: Profiling::PerfMap,
        ..OpenOptions::default()
    };
    let module = Module::open_with(&path, &options).unwrap();
    let map_path = waot_run::perfmap::path();
    let map = std::fs::read_to_string(&map_path).unwrap();
    std::fs::remove_file(&map_path).unwrap();
    // The loader never hands out code addresses: take the text's from the
    // first body, then every other piece must sit at its own offset from
    // it, on a page boundary, inside the text.
    let artifact = module.artifact();
    let text = parse_perf_map(&map)[0].0 - artifact.funcs[0].body_offset as usize;
    assert_eq!(text % 4096, 0, "{map}");
    check_perf_map(&map, artifact, text);

    // perf consults the map only for anonymous code: the text must not be
    // a mapping of the artifact file (inode 0 in /proc/self/maps).
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap();
    let line = maps
        .lines()
        .find(|line| {
            let range = line.split(' ').next().unwrap();
            let (lo, hi) = range.split_once('-').unwrap();
            let lo = usize::from_str_radix(lo, 16).unwrap();
            let hi = usize::from_str_radix(hi, 16).unwrap();
            lo <= text && text < hi
        })
        .expect("the text is mapped");
    let inode = line.split_whitespace().nth(4).unwrap();
    assert_eq!(inode, "0", "text mapped from a file: {line}");
    assert!(line.contains("r-x"), "{line}");
}

#[test]
fn waot_run_profile_perfmap_writes_the_map_of_the_process() {
    let wasm = wat::parse_str(PROFILED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path =
        waot_testsuite::compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "p.aot")
            .unwrap();
    let child = Command::new(waot_testsuite::bin("waot-run"))
        .args(["--profile", "perfmap"])
        .arg(&path)
        .spawn()
        .unwrap();
    let map_path = format!("/tmp/perf-{}.map", child.id());
    let output = child.wait_with_output().unwrap();
    let map = std::fs::read_to_string(&map_path);
    let _ = std::fs::remove_file(&map_path);
    assert!(output.status.success(), "{output:?}");
    let map = map.expect("waot-run wrote /tmp/perf-<pid>.map");

    // The child's text address is unknown here: take it from the first
    // body, then every other piece must sit at its own offset from it, on
    // a page boundary, inside the text.
    let bytes = std::fs::read(&path).unwrap();
    let artifact = Artifact::parse(&bytes).unwrap();
    let first = parse_perf_map(&map)[0].0;
    let text_start = first - artifact.funcs[0].body_offset as usize;
    assert_eq!(text_start % 4096, 0, "{map}");
    check_perf_map(&map, &artifact, text_start);
}

#[test]
fn waot_run_without_profile_writes_no_map() {
    let wasm = wat::parse_str(PROFILED).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path =
        waot_testsuite::compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "p.aot")
            .unwrap();
    let child = Command::new(waot_testsuite::bin("waot-run"))
        .arg(&path)
        .spawn()
        .unwrap();
    let map_path = format!("/tmp/perf-{}.map", child.id());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(!std::path::Path::new(&map_path).exists());
}

/// On x86-64 Linux the waot-run command links its unwinder in
/// (`loader/build.rs`): loading `libgcc_s.so.1` and running its
/// constructor, which probes the CPU with `cpuid`, cost a tenth of a hello
/// world's start-up. That holds when Rust's own `lld` links it (rustup's
/// default there, and `make test`'s; the linker names itself in
/// `.comment`): GNU ld keeps `libgcc_s` needed. The names of needed
/// libraries are in `.dynstr`.
#[cfg(all(target_arch = "x86_64", target_os = "linux", target_env = "gnu"))]
#[test]
fn waot_run_needs_no_libgcc_s() {
    use object::{Object, ObjectSection};
    let bytes = std::fs::read(waot_testsuite::bin("waot-run")).unwrap();
    let file = object::File::parse(&*bytes).unwrap();
    let section = |name| file.section_by_name(name).and_then(|s| s.data().ok());
    let contains = |data: &[u8], name: &[u8]| data.windows(name.len()).any(|w| w == name);
    if !contains(section(".comment").unwrap_or_default(), b"LLD") {
        eprintln!("waot-run was not linked by lld: libgcc_s stays needed, nothing to check");
        return;
    }
    let dynstr = section(".dynstr").unwrap();
    assert!(
        contains(dynstr, b"libc.so.6"),
        "a dynamic executable needs libc"
    );
    assert!(
        !contains(dynstr, b"libgcc_s"),
        "waot-run needs libgcc_s.so.1 again"
    );
}
