//! Artifact metadata is untrusted input. Each hostile edit below re-writes a
//! valid compiled artifact with `waot_format::writer::write` (so the
//! checksum and layout are right) and must be refused by `Artifact::parse`
//! with the listed message; the two reported cases also go through the real
//! `waot-run`, which must exit 65 with a message, not die from a signal.
//! Last, a short mutation run of the artifact fuzzer (`make fuzz-artifacts`
//! runs it for longer).

use std::path::Path;
use std::process::Command;
use waot::CompileOptions;
use waot_format::artifact::Artifact;
use waot_format::types::*;
use waot_testsuite::artifact_fuzz::{self, FuzzOptions, rewrite};
use waot_testsuite::bin;

/// Imports, tables of both types, globals, every kind of element and data
/// segment, a start function and exports: every index space is used.
const RICH: &str = r#"(module
  (import "env" "f" (func $imp (param i32)))
  (import "env" "gi" (global $gi i32))
  (import "env" "gm" (global $gm (mut i32)))
  (import "env" "gr" (global $gr funcref))
  (import "env" "ge" (global $ge externref))
  (memory 1 2)
  (table $t 4 8 funcref)
  (table $e 2 externref)
  (global $g (mut i64) (i64.const 5))
  (global $gf funcref (ref.func $f))
  (elem (table $t) (global.get $gi) func $f)
  (elem (table $e) (i32.const 0) externref (ref.null extern) (global.get $ge))
  (elem funcref (ref.null func) (global.get $gr))
  (elem declare func $run)
  (data (i32.const 0) "hi")
  (data "passive")
  (func $f)
  (func $run (export "run") (param i32) (result i32) local.get 0)
  (start $f)
  (export "mem" (memory 0))
  (export "t" (table $t))
  (export "g" (global $g)))"#;

/// Links with no imports, so `waot-run` gets as far as calling code.
const PLAIN: &str = r#"(module
  (type $v (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) func $one $two)
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  (func (export "call") (param i32) (result i32) local.get 0 call_indirect (type $v))
  (global $g i32 (i32.const 7))
  (func (export "get") (result i32) global.get $g))"#;

fn compile(wat: &str) -> Vec<u8> {
    let wasm = wat::parse_str(wat).expect("valid wat");
    waot::compile(&wasm, &CompileOptions::default()).expect("compiles")
}

/// One hostile edit and the reader's expected complaint.
struct Case {
    name: &'static str,
    edit: fn(&mut Artifact),
    message: &'static str,
}

const ELEM_ITEM: &str = "element item's type differs from the segment's element type";
const GLOBAL_TYPE: &str = "global initialiser's type differs from the global's declared type";
const ELEM_OFFSET: &str = "element segment offset is not an i32 constant or immutable i32 global";
const DATA_OFFSET: &str = "data segment offset is not an i32 constant or immutable i32 global";
const MUTABLE: &str = "constant expression reads a mutable global";
const CONST_INDEX: &str = "constant expression index out of range";
const MEMORY_LIMITS: &str = "memory limits exceed the pages its index type can address";

/// Function indices of RICH: 0 the import, 1 `$f`, 2 `$run`. Globals: 0
/// `$gi`, 1 `$gm`, 2 `$gr`, 3 `$ge` (imports), 4 `$g`, 5 `$gf`.
const CASES: &[Case] = &[
    // The reported case: waot-run called through this pointer.
    Case {
        name: "terminal escape in the recorded source name",
        edit: |a| a.build.source_name = "app\x1b]0;owned\x07.wasm",
        message: "build record string has control characters",
    },
    Case {
        name: "line break in the recorded target",
        edit: |a| a.build.target = "x86_64-unknown-linux-gnu\nhint: run curl",
        message: "build record string has control characters",
    },
    Case {
        name: "control character in the producer",
        edit: |a| a.prefix.producer = "waot\r0.2.0",
        message: "producer is not utf-8 text without control characters",
    },
    Case {
        name: "i64 element item",
        edit: |a| a.module.elements[0].items[0] = ConstExpr::I64(0x4141_4141_4141_4141),
        message: ELEM_ITEM,
    },
    // The other reported case: the global took the constant's type.
    Case {
        name: "i32 init of an i64 global",
        edit: |a| a.module.globals[0].init = ConstExpr::I32(5),
        message: GLOBAL_TYPE,
    },
    Case {
        name: "f64 init of a funcref global",
        edit: |a| a.module.globals[1].init = ConstExpr::F64(0x4141_4141_4141_4141),
        message: GLOBAL_TYPE,
    },
    // Extended constant expressions (format 2.4) are type-checked too.
    Case {
        name: "extended expression adding an i32 to an i64",
        edit: |a| {
            a.module.globals[0].init = ConstExpr::Extended(vec![
                ConstOp::I32(1),
                ConstOp::I64(2),
                ConstOp::I64Arith(ArithOp::Add),
            ])
        },
        message: "constant expression operands have the wrong types",
    },
    Case {
        name: "extended expression leaving two values",
        edit: |a| {
            a.module.globals[0].init = ConstExpr::Extended(vec![ConstOp::I64(1), ConstOp::I64(2)])
        },
        message: "constant expression does not leave exactly one value",
    },
    Case {
        name: "extended expression of the wrong type",
        edit: |a| {
            a.module.globals[0].init = ConstExpr::Extended(vec![
                ConstOp::I32(1),
                ConstOp::I32(2),
                ConstOp::I32Arith(ArithOp::Mul),
            ])
        },
        message: GLOBAL_TYPE,
    },
    // `v128.const` (format 2.5) too.
    Case {
        name: "v128 init of an i64 global",
        edit: |a| a.module.globals[0].init = ConstExpr::V128(u128::MAX),
        message: GLOBAL_TYPE,
    },
    Case {
        name: "v128 element item",
        edit: |a| a.module.elements[0].items[0] = ConstExpr::V128(1),
        message: ELEM_ITEM,
    },
    Case {
        name: "global.get of an import of another type",
        edit: |a| a.module.globals[0].init = ConstExpr::GlobalGet(GlobalIndex(0)),
        message: GLOBAL_TYPE,
    },
    Case {
        name: "global.get of a mutable import",
        edit: |a| {
            a.module.globals[0].ty = ValType::I32;
            a.module.globals[0].init = ConstExpr::GlobalGet(GlobalIndex(1));
        },
        message: MUTABLE,
    },
    Case {
        name: "global.get of a defined global",
        edit: |a| a.module.globals[1].init = ConstExpr::GlobalGet(GlobalIndex(5)),
        message: CONST_INDEX,
    },
    Case {
        name: "ref.null init of an i64 global",
        edit: |a| a.module.globals[0].init = ConstExpr::RefNull,
        message: GLOBAL_TYPE,
    },
    Case {
        name: "ref.func of a missing function",
        edit: |a| a.module.globals[1].init = ConstExpr::RefFunc(FuncIndex(3)),
        message: CONST_INDEX,
    },
    Case {
        name: "externref global.get in a funcref segment",
        edit: |a| a.module.elements[2].items[1] = ConstExpr::GlobalGet(GlobalIndex(3)),
        message: ELEM_ITEM,
    },
    Case {
        name: "ref.func in an externref segment",
        edit: |a| a.module.elements[1].items[0] = ConstExpr::RefFunc(FuncIndex(1)),
        message: ELEM_ITEM,
    },
    Case {
        name: "segment type differs from its table's",
        edit: |a| {
            a.module.elements[1].mode = ElementMode::Active {
                table: TableIndex(0),
                offset: ConstExpr::I32(0),
            }
        },
        message: "element segment type differs from its table's element type",
    },
    Case {
        name: "i64 element offset",
        edit: |a| {
            a.module.elements[0].mode = ElementMode::Active {
                table: TableIndex(0),
                offset: ConstExpr::I64(0),
            }
        },
        message: ELEM_OFFSET,
    },
    Case {
        name: "element offset from a mutable global",
        edit: |a| {
            a.module.elements[0].mode = ElementMode::Active {
                table: TableIndex(0),
                offset: ConstExpr::GlobalGet(GlobalIndex(1)),
            }
        },
        message: MUTABLE,
    },
    Case {
        name: "element offset from a funcref global",
        edit: |a| {
            a.module.elements[0].mode = ElementMode::Active {
                table: TableIndex(0),
                offset: ConstExpr::GlobalGet(GlobalIndex(2)),
            }
        },
        message: ELEM_OFFSET,
    },
    Case {
        name: "element segment of a missing table",
        edit: |a| {
            a.module.elements[0].mode = ElementMode::Active {
                table: TableIndex(2),
                offset: ConstExpr::I32(0),
            }
        },
        message: "element segment table index out of range",
    },
    Case {
        name: "f32 data offset",
        edit: |a| a.module.data[0].active = Some((MemoryIndex(0), ConstExpr::F32(0))),
        message: DATA_OFFSET,
    },
    Case {
        name: "data offset ref.null",
        edit: |a| a.module.data[0].active = Some((MemoryIndex(0), ConstExpr::RefNull)),
        message: DATA_OFFSET,
    },
    Case {
        name: "data segment of a missing memory",
        edit: |a| a.module.data[0].active = Some((MemoryIndex(1), ConstExpr::I32(0))),
        message: "data segment memory index out of range",
    },
    Case {
        name: "i32 data offset of a 64-bit memory",
        edit: |a| a.module.memories[0].memory64 = true,
        message: "data segment offset of a 64-bit memory is not an i64 constant or immutable i64 global",
    },
    Case {
        name: "typed reference to a type that does not exist",
        edit: |a| {
            a.module.globals[0].ty = ValType::reference(true, HeapType::Concrete(TypeIndex(99)));
            a.module.globals[0].init = ConstExpr::RefNull;
        },
        message: "heap type index out of range",
    },
    Case {
        name: "non-nullable table without an initialiser",
        edit: |a| a.module.tables[0].elem = ValType::reference(false, HeapType::Func),
        message: "a table of non-nullable references has no initialiser",
    },
    Case {
        name: "ref.null initialising a non-nullable global",
        edit: |a| {
            a.module.globals[1].ty = ValType::reference(false, HeapType::Func);
            a.module.globals[1].init = ConstExpr::RefNull;
        },
        message: "global initialiser's type differs from the global's declared type",
    },
    Case {
        name: "ref.func of another type for a typed global",
        edit: |a| {
            a.module.types.push(SubType::func(FuncType {
                params: vec![ValType::I64],
                results: vec![],
            }));
            a.module.rec_groups.push(1);
            let other = TypeIndex(a.module.types.len() as u32 - 1);
            a.module.globals[1].ty = ValType::reference(false, HeapType::Concrete(other));
        },
        message: "global initialiser's type differs from the global's declared type",
    },
    Case {
        name: "i32 element offset of a 64-bit table",
        edit: |a| a.module.tables[0].table64 = true,
        message: "element segment offset of a 64-bit table is not an i64 constant or immutable i64 global",
    },
    Case {
        name: "32-bit table above 2^32-1 elements",
        edit: |a| a.module.tables[1].max = Some(1 << 32),
        message: "table limits exceed 2^32-1 elements",
    },
    Case {
        name: "memory minimum above 4 GiB",
        edit: |a| {
            a.module.memories[0].min_pages = 65537;
            a.module.memories[0].max_pages = None;
        },
        message: MEMORY_LIMITS,
    },
    Case {
        name: "memory maximum above 4 GiB",
        edit: |a| a.module.memories[0].max_pages = Some(1 << 20),
        message: MEMORY_LIMITS,
    },
    Case {
        name: "memory maximum below minimum",
        edit: |a| a.module.memories[0].min_pages = 3,
        message: "memory maximum is below its minimum",
    },
    Case {
        name: "shared memory without maximum",
        edit: |a| {
            a.module.memories[0].shared = true;
            a.module.memories[0].max_pages = None;
        },
        message: "shared memory has no maximum",
    },
    Case {
        name: "table maximum below minimum",
        edit: |a| a.module.tables[0].min = 9,
        message: "table maximum is below its minimum",
    },
    Case {
        name: "table maximum above 2^32-1",
        edit: |a| a.module.tables[1].max = Some(1 << 32),
        message: "table limits exceed 2^32-1 elements",
    },
    Case {
        name: "table minimum above 2^32-1",
        edit: |a| a.module.tables[1].min = u64::MAX,
        message: "table limits exceed 2^32-1 elements",
    },
    Case {
        name: "duplicate export name",
        edit: |a| a.module.exports[1].name = "run",
        message: "duplicate export name",
    },
    Case {
        name: "export of a missing global",
        edit: |a| a.module.exports[3].index = 6,
        message: "export index out of range",
    },
    Case {
        name: "export of a missing memory",
        edit: |a| a.module.exports[1].index = 1,
        message: "export index out of range",
    },
    Case {
        name: "start of a missing function",
        edit: |a| a.module.start = Some(FuncIndex(3)),
        message: "start function index out of range",
    },
    Case {
        name: "start function with parameters",
        edit: |a| a.module.start = Some(FuncIndex(2)),
        message: "start function's type is not [] -> []",
    },
    Case {
        name: "name of a missing function",
        edit: |a| a.module.names.push((FuncIndex(7), "ghost")),
        message: "name function index out of range",
    },
    Case {
        name: "function of a missing type",
        edit: |a| a.funcs[0].ty = TypeIndex(99),
        message: "type index out of range",
    },
    Case {
        name: "imported function of a missing type",
        edit: |a| a.module.imports[0].kind = ImportKind::Func(TypeIndex(99)),
        message: "type index out of range",
    },
    Case {
        name: "function body outside the text",
        edit: |a| a.funcs[1].body_len = u32::MAX - 8,
        message: "function code outside the text section",
    },
    Case {
        name: "function bodies overlap",
        edit: |a| a.funcs[1].body_offset = a.funcs[0].body_offset,
        message: "function bodies overlap or are not in increasing order of offset",
    },
    Case {
        name: "function bodies out of order",
        edit: |a| {
            // The first two functions' code changes places, types stay.
            let first = (a.funcs[0].body_offset, a.funcs[0].body_len);
            a.funcs[0].body_offset = a.funcs[1].body_offset;
            a.funcs[0].body_len = a.funcs[1].body_len;
            (a.funcs[1].body_offset, a.funcs[1].body_len) = first;
        },
        message: "function bodies overlap or are not in increasing order of offset",
    },
    Case {
        name: "function body not aligned",
        edit: |a| a.funcs[1].body_offset += 1,
        message: "a function body, array entry or trampoline is not aligned to 16 bytes",
    },
    Case {
        name: "trampoline not aligned",
        edit: |a| a.import_trampolines[0] += 4,
        message: "a function body, array entry or trampoline is not aligned to 16 bytes",
    },
    Case {
        name: "trampoline inside a function body",
        edit: |a| a.import_trampolines[0] = a.funcs[1].body_offset,
        message: "an array entry or trampoline starts inside a function body",
    },
    Case {
        name: "array entry at a function's start",
        edit: |a| a.funcs[1].array_entry_offset = a.funcs[0].body_offset,
        message: "an array entry or trampoline starts inside a function body",
    },
    Case {
        name: "array entry on a trampoline",
        edit: |a| a.funcs[1].array_entry_offset = a.import_trampolines[0],
        message: "two array entries or trampolines start at the same offset",
    },
    Case {
        name: "trampoline for a missing import",
        edit: |a| a.import_trampolines.push(0),
        message: "import trampolines do not match the imported functions",
    },
    Case {
        name: "type trampolines out of order",
        edit: |a| a.type_trampolines.reverse(),
        message: TYPE_TRAMPOLINES,
    },
    Case {
        name: "type trampoline of an unknown type",
        edit: |a| a.type_trampolines[1].0 = waot_format::types::TypeIndex(99),
        message: TYPE_TRAMPOLINES,
    },
    Case {
        name: "type trampoline outside the text",
        edit: |a| a.type_trampolines[1].1 = u32::MAX - 15,
        message: TYPE_TRAMPOLINES,
    },
    Case {
        name: "type trampoline inside a function body",
        edit: |a| a.type_trampolines[1].1 = a.funcs[1].body_offset,
        message: "an array entry or trampoline starts inside a function body",
    },
    Case {
        name: "type trampoline on an array entry",
        edit: |a| a.type_trampolines[1].1 = a.funcs[1].array_entry_offset,
        message: "two array entries or trampolines start at the same offset",
    },
];

const TYPE_TRAMPOLINES: &str =
    "type trampolines out of order, of unknown types or outside the text";

#[test]
fn the_unedited_rewrite_is_valid() {
    for wat in [RICH, PLAIN] {
        let bytes = compile(wat);
        let out = rewrite(&bytes, |_| {});
        assert_eq!(out, bytes, "re-writing an artifact reproduces it");
    }
}

#[test]
fn every_hostile_edit_is_refused_at_parse() {
    let bytes = compile(RICH);
    let mut wrong = Vec::new();
    for case in CASES {
        let out = rewrite(&bytes, case.edit);
        match Artifact::parse(&out) {
            Ok(_) => wrong.push(format!("{}: accepted", case.name)),
            Err(e) if e.message != case.message => {
                wrong.push(format!("{}: refused with '{e}'", case.name))
            }
            Err(e) => assert!(e.offset > 0 && e.offset < out.len(), "{}", case.name),
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Runs `waot-run ARGS` in `dir`; returns exit code and stderr.
fn waot_run(dir: &Path, args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(bin("waot-run"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("waot-run starts");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn waot_run_refuses_the_reported_artifacts() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = compile(PLAIN);
    std::fs::write(dir.path().join("app.aot"), &bytes).unwrap();
    let (code, _) = waot_run(dir.path(), &["--invoke", "call", "app.aot", "1"]);
    assert_eq!(code, Some(0), "the unedited artifact runs");

    let pointer = rewrite(&bytes, |a| {
        a.module.elements[0].items[0] = ConstExpr::I64(0x4141_4141_4141_4141)
    });
    std::fs::write(dir.path().join("pointer.aot"), pointer).unwrap();
    let (code, stderr) = waot_run(dir.path(), &["--invoke", "call", "pointer.aot", "0"]);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(stderr.contains(ELEM_ITEM), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");

    let global = rewrite(&bytes, |a| {
        a.module.globals[0].init = ConstExpr::F32(0x4141_4141)
    });
    std::fs::write(dir.path().join("global.aot"), global).unwrap();
    let (code, stderr) = waot_run(dir.path(), &["--invoke", "get", "global.aot"]);
    assert_eq!(code, Some(65), "{stderr}");
    assert!(stderr.contains(GLOBAL_TYPE), "{stderr}");
}

/// Found by the fuzzer: a table minimum below 2^32 is valid, but
/// allocating it took 16 s and 16 GiB before failing later.
#[test]
fn a_huge_initial_table_is_refused_before_allocation() {
    let dir = tempfile::tempdir().unwrap();
    let huge = rewrite(&compile(PLAIN), |a| a.module.tables[0].min = 0x8000_0002);
    std::fs::write(dir.path().join("app.aot"), huge).unwrap();
    let started = std::time::Instant::now();
    let (code, stderr) = waot_run(dir.path(), &["--invoke", "call", "app.aot", "0"]);
    assert_eq!(code, Some(69), "{stderr}");
    assert!(
        stderr.contains("table needs 2147483650 initial elements but at most 10000000"),
        "{stderr}"
    );
    assert!(started.elapsed().as_secs() < 5, "{:?}", started.elapsed());
}

/// A fixed seed range of metadata mutations: in process for volume, a
/// sample through `waot inspect` and `waot-run`. No panic, signal or hang.
#[test]
fn mutated_metadata_never_crashes() {
    let options = FuzzOptions {
        first_seed: 0,
        parse_count: 60_000,
        run_every: 8,
        ..FuzzOptions::default()
    };
    let report = artifact_fuzz::run(&options).expect("the fuzzer runs");
    println!("{report:?}");
    assert!(
        report.failures.is_empty(),
        "{}",
        report
            .failures
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(report.subprocess_runs >= 500, "{report:?}");
    assert!(report.ran_code >= 100, "{report:?}");
    assert!(
        report.parse_rejected > 0 && report.parse_accepted > 0,
        "{report:?}"
    );
}
