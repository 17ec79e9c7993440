//! Reader robustness: a write → read round trip, and every truncation and
//! header byte flip of a valid artifact gives `Err`, never a panic.

mod common;

use waot_format::artifact::{Artifact, Header};
use waot_format::consts;
use waot_format::types::*;
use waot_format::writer::{ArtifactContents, write};

fn sample() -> Vec<u8> {
    sample_with(Types::Plain)
}

/// Where the sample's two bodies start in their module, recorded because
/// the sample says it inlined.
const SAMPLE_BODY_OFFSETS: [u32; 2] = [30, 36];

/// Which type section a sample has.
#[derive(Clone, Copy, PartialEq)]
enum Types {
    /// Two function types (`.waot.types`).
    Plain,
    /// The same two in one recursion group, then a struct type and a
    /// declared subtype of it (`.waot.gc-types`, format 2.15).
    Gc,
}

fn sample_with(kind: Types) -> Vec<u8> {
    let mut types: Vec<SubType> = [
        FuncType {
            params: vec![ValType::I32, ValType::I64],
            results: vec![ValType::F64],
        },
        FuncType::default(),
    ]
    .map(SubType::func)
    .to_vec();
    let mut rec_groups = vec![1, 1];
    if kind == Types::Gc {
        let field = |storage, mutable| FieldType { storage, mutable };
        let fields = vec![
            field(StorageType::I8, true),
            field(
                StorageType::Val(ValType::reference(true, HeapType::Concrete(TypeIndex(0)))),
                false,
            ),
        ];
        types.push(SubType {
            is_final: false,
            supertype: None,
            composite: CompositeType::Struct(fields.clone()),
        });
        let mut more = fields;
        more.push(field(StorageType::I16, false));
        types.push(SubType {
            is_final: true,
            supertype: Some(TypeIndex(2)),
            composite: CompositeType::Struct(more),
        });
        types.push(SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Array(field(
                StorageType::Val(ValType::reference(false, HeapType::Any)),
                true,
            )),
        });
        rec_groups = vec![2, 1, 1, 1];
    }
    let imports = [Import {
        module: "env",
        name: "log",
        kind: ImportKind::Func(TypeIndex(1)),
    }];
    let funcs = [
        FuncInfo {
            ty: TypeIndex(0),
            body_offset: 0,
            body_len: 8,
            array_entry_offset: 16,
            wasm_offset: SAMPLE_BODY_OFFSETS[0],
        },
        FuncInfo {
            ty: TypeIndex(1),
            body_offset: 32,
            body_len: 8,
            array_entry_offset: 48,
            wasm_offset: SAMPLE_BODY_OFFSETS[1],
        },
    ];
    let memories = [MemoryDesc {
        min_pages: 1,
        max_pages: None,
        page_limit: Some(10),
        shared: false,
        memory64: false,
    }];
    let globals = [GlobalDesc {
        ty: ValType::I32,
        mutable: true,
        init: ConstExpr::I32(-7),
    }];
    let exports = [
        Export {
            name: "f",
            kind: ExportKind::Func,
            index: 1,
        },
        Export {
            name: "memory",
            kind: ExportKind::Memory,
            index: 0,
        },
    ];
    let data = [DataSegment {
        active: Some((MemoryIndex(0), ConstExpr::I32(16))),
        bytes: b"hello",
    }];
    let names = [(FuncIndex(1), "f")];
    let traps = [
        TrapEntry {
            code_offset: 4,
            wasm_offset: 40,
            kind: 3,
        },
        TrapEntry {
            code_offset: 2,
            wasm_offset: 30,
            kind: 6,
        },
    ];
    let text = [0xccu8; 80];
    write(&ArtifactContents {
        producer: "waot 0.1.0",
        source_sha256: [7; 32],
        build: BuildInfo {
            inlining: Inlining {
                max_callee_insts: 200,
                small_callee_insts: 30,
                max_call_sites: 16,
            },
            ..common::build_info()
        },
        module: &ModuleMeta {
            rec_groups,
            types,
            imports: imports.to_vec(),
            memories: memories.to_vec(),
            globals: globals.to_vec(),
            tables: vec![
                TableDesc {
                    elem: ValType::FuncRef,
                    min: 2,
                    max: Some(4),
                    table64: false,
                },
                // A 64-bit table of typed, non-nullable references, with the
                // initialiser such a table needs.
                TableDesc {
                    elem: ValType::reference(false, HeapType::Concrete(TypeIndex(0))),
                    min: 1,
                    max: Some(1 << 40),
                    table64: true,
                },
            ],
            table_inits: vec![(1, ConstExpr::RefFunc(FuncIndex(1)))],
            elements: vec![ElementSegment {
                mode: ElementMode::Active {
                    table: TableIndex(0),
                    offset: ConstExpr::I32(1),
                },
                elem: ValType::FuncRef,
                items: vec![ConstExpr::RefFunc(FuncIndex(1)), ConstExpr::RefNull],
            }],
            exports: exports.to_vec(),
            start: Some(FuncIndex(2)),
            data: data.to_vec(),
            names: names.to_vec(),
            tags: Vec::new(),
        },
        funcs: &funcs,
        import_trampolines: &[64],
        type_trampolines: &[],
        traps: &traps,
        handlers: &[],
        stack_maps: Default::default(),
        text: &text,
    })
}

#[test]
fn round_trip() {
    let bytes = sample();
    let a = Artifact::parse(&bytes).expect("a written artifact reads back");
    assert_eq!(a.prefix.major, consts::FORMAT_MAJOR);
    assert_eq!(a.prefix.producer, "waot 0.1.0");
    assert_eq!(a.build.target, "x86_64-unknown-linux-gnu");
    assert_eq!(a.build.source_name, "app.wasm");
    assert_eq!(a.module.types[0].to_string(), "(i32, i64) -> f64");
    assert_eq!(a.module.imports[0].name, "log");
    assert_eq!(
        a.module.memories[0].max_pages, None,
        "an absent max stays absent"
    );
    assert_eq!(a.module.memories[0].page_limit, Some(10));
    assert_eq!(a.module.globals[0].init, ConstExpr::I32(-7));
    assert_eq!(a.module.tables[0].max, Some(4));
    assert!(a.module.tables[1].table64 && !a.module.tables[0].table64);
    assert_eq!(a.module.tables[1].elem.to_string(), "(ref 0)");
    assert_eq!(
        a.module.table_inits,
        [(1, ConstExpr::RefFunc(FuncIndex(1)))]
    );
    assert_eq!(
        a.module.elements[0].items[0],
        ConstExpr::RefFunc(FuncIndex(1))
    );
    assert_eq!(a.module.exports.len(), 2);
    assert_eq!(a.module.start, Some(FuncIndex(2)));
    assert_eq!(a.module.data[0].bytes, b"hello");
    assert_eq!(a.text_offset % 4096, 0, "text is page-aligned");
    assert_eq!(a.text(), &[0xcc; 80]);
    assert_eq!(
        a.lookup_trap(2).map(|t| t.kind),
        Some(6),
        "trap table is sorted by the writer"
    );
    assert_eq!(a.lookup_trap(4).map(|t| t.wasm_offset), Some(40));
    assert_eq!(a.lookup_trap(3), None);
    assert_eq!(a.func_type(FuncIndex(0)), Some(&types_1()));
    assert_eq!(a.func_name(FuncIndex(1)), Some("f"));
    assert_eq!(
        a.build.inlining,
        Inlining {
            max_callee_insts: 200,
            small_callee_insts: 30,
            max_call_sites: 16,
        }
    );
    assert_eq!(a.funcs[1].wasm_offset, 36);
    // Trap 0x28 lies in the second body (from 36 on), 0x1e in the first;
    // below the first body there is none.
    assert_eq!(a.func_at_wasm_offset(40), Some(DefinedFuncIndex(1)));
    assert_eq!(a.func_at_wasm_offset(30), Some(DefinedFuncIndex(0)));
    assert_eq!(a.func_at_wasm_offset(29), None);
}

/// `.waot.inlining` must list strictly increasing body offsets (the
/// writer copies what it is given, so a wrong record is written and must
/// be refused), a small-callee size within the limit; a limit of 0 writes
/// no section and reads as no inlining.
#[test]
fn a_wrong_inlining_record_is_refused() {
    let bytes = sample();
    let good = Artifact::parse(&bytes).unwrap();
    let traps: Vec<TrapEntry> = good.trap_entries().collect();
    let mut funcs = good.funcs.clone();
    funcs[1].wasm_offset = funcs[0].wasm_offset;
    let mut contents = waot_format::writer::ArtifactContents::of_artifact(&good, &traps);
    contents.funcs = &funcs;
    let err = Artifact::parse(&write(&contents)).unwrap_err();
    assert!(
        err.to_string().contains("do not strictly increase"),
        "{err}"
    );
    // Without a call-site limit no `.waot.inlining-limits` is written, and
    // none reads as none (as format 2.18 wrote it).
    let mut contents = waot_format::writer::ArtifactContents::of_artifact(&good, &traps);
    contents.build.inlining = Inlining {
        max_callee_insts: 200,
        small_callee_insts: 200,
        max_call_sites: u32::MAX,
    };
    let unlimited = write(&contents);
    let a = Artifact::parse(&unlimited).unwrap();
    assert_eq!(a.build.inlining, contents.build.inlining);
    assert!(unlimited.len() < bytes.len(), "one section fewer");
    let mut contents = waot_format::writer::ArtifactContents::of_artifact(&good, &traps);
    contents.build.inlining.small_callee_insts = 201;
    let err = Artifact::parse(&write(&contents)).unwrap_err();
    assert!(
        err.to_string().contains("small-callee size exceeds"),
        "{err}"
    );
    let mut contents = waot_format::writer::ArtifactContents::of_artifact(&good, &traps);
    contents.build.inlining = Inlining::OFF;
    let off = write(&contents);
    let a = Artifact::parse(&off).unwrap();
    assert_eq!(a.build.inlining, Inlining::OFF);
    assert_eq!(a.funcs[1].wasm_offset, NO_WASM_OFFSET);
    assert_eq!(a.func_at_wasm_offset(40), None);
}

fn types_1() -> FuncType {
    FuncType::default()
}

#[test]
fn gc_types_round_trip_and_hostile_bytes_never_panic() {
    let bytes = sample_with(Types::Gc);
    let a = Artifact::parse(&bytes).expect("a written artifact reads back");
    assert_eq!(a.module.rec_groups, [2, 1, 1, 1]);
    let shown: Vec<String> = a.module.types.iter().map(ToString::to_string).collect();
    assert_eq!(
        shown,
        [
            "(i32, i64) -> f64",
            "() -> ()",
            "open struct {mut i8, (ref null 0)}",
            "sub 2 struct {mut i8, (ref null 0), i16}",
            "array mut (ref any)",
        ]
    );
    assert_eq!(a.gc_fingerprint, waot_format::abi::gc_fingerprint());
    assert_eq!(a.func_type(FuncIndex(0)), Some(&types_1()));
    for len in 0..bytes.len() {
        assert!(
            Artifact::parse(&bytes[..len]).is_err(),
            "truncation to {len}"
        );
    }
    let at = Header::parse(&bytes, true).unwrap().checksum.offset;
    for i in 0..bytes.len() {
        for value in [0x00u8, 0x01, 0x02, 0x7f, 0x80, 0xff] {
            let mut copy = bytes.clone();
            copy[i] = value;
            let sum = waot_format::artifact::checksum(&copy, at);
            copy[at..at + 4].copy_from_slice(&sum.to_le_bytes());
            let _ = Artifact::parse(&copy);
        }
    }
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = sample();
    for len in 0..bytes.len() {
        assert!(
            Artifact::parse(&bytes[..len]).is_err(),
            "truncation to {len} bytes was accepted"
        );
    }
}

#[test]
fn every_header_and_table_byte_flip_is_an_error() {
    let bytes = sample();
    let head = Header::parse(&bytes, true).unwrap();
    let record =
        consts::VERSION_RECORD_OFFSET..consts::VERSION_RECORD_OFFSET + consts::VERSION_RECORD_SIZE;
    for i in (0..64).chain(record).chain(head.section_headers) {
        for mask in [0x01u8, 0x80, 0xff] {
            let mut copy = bytes.clone();
            copy[i] ^= mask;
            assert!(
                Artifact::parse(&copy).is_err(),
                "flipping byte {i} with {mask:#x} was accepted"
            );
        }
    }
}

#[test]
fn every_byte_flip_anywhere_is_an_error() {
    let bytes = sample();
    for i in 0..bytes.len() {
        let mut copy = bytes.clone();
        copy[i] ^= 0x5a;
        assert!(
            Artifact::parse(&copy).is_err(),
            "flipping byte {i} was accepted"
        );
    }
}

/// Structural checks hold even when the checksum is recomputed, so a
/// hostile artifact with a valid checksum still cannot make the reader
/// panic.
#[test]
fn flips_with_a_fixed_checksum_never_panic() {
    let bytes = sample();
    let at = Header::parse(&bytes, true).unwrap().checksum.offset;
    for i in 0..bytes.len() {
        for value in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut copy = bytes.clone();
            copy[i] = value;
            // At the checksum's original place, even if the headers now
            // say otherwise.
            let sum = waot_format::artifact::checksum(&copy, at);
            copy[at..at + 4].copy_from_slice(&sum.to_le_bytes());
            let _ = Artifact::parse(&copy);
        }
    }
}

/// `i32.const` and `ref.null` leave the unused bits of their `u64` zero;
/// a hostile artifact that sets them is refused, not silently truncated.
#[test]
fn unused_constant_bits_are_refused() {
    let bytes = sample();
    let a = Artifact::parse(&bytes).unwrap();
    let globals = a
        .sections
        .iter()
        .find(|s| s.name == consts::section::GLOBALS);
    // count (4), valtype (1), mutable (1), kind (1), then the u64 value.
    let value = globals.unwrap().offset + 7;
    assert_eq!(
        &bytes[value..value + 8],
        &(-7i32 as u32 as u64).to_le_bytes()
    );
    let mut copy = bytes.clone();
    copy[value + 7] = 0x41;
    waot_format::artifact::seal(&mut copy).unwrap();
    let e = Artifact::parse(&copy).unwrap_err();
    assert_eq!(e.message, "constant expression has unused bits set");
    assert_eq!(e.offset, value);
}

#[test]
fn writing_is_deterministic() {
    assert_eq!(sample(), sample());
}

#[test]
fn abi_fingerprint_is_stable_within_a_build() {
    assert_eq!(
        waot_format::abi::fingerprint(),
        waot_format::abi::fingerprint()
    );
    assert!(waot_format::abi::description().contains("stack_limit_ptr=24"));
}

/// Offset of `sh_type` and `sh_info` in an ELF64 section header.
const SH_TYPE: usize = 4;
const SH_INFO: usize = 44;

/// A relocation section (here `.waot.names` turned into `SHT_RELA` for
/// `.text`) is refused: waot never patches code at load time. One for
/// debug information only is allowed.
#[test]
fn relocations_are_refused_except_for_debug_information() {
    let bytes = sample();
    let head = Header::parse(&bytes, true).unwrap();
    let names = head.section(consts::section::NAMES).unwrap().header_at;
    let text_index = head
        .sections
        .iter()
        .position(|s| s.name == consts::section::TEXT)
        .unwrap()
        + 1; // section 0 is the null section, not listed
    let mut copy = bytes.clone();
    copy[names + SH_TYPE..names + SH_TYPE + 4].copy_from_slice(&4u32.to_le_bytes()); // SHT_RELA
    copy[names + SH_INFO..names + SH_INFO + 4].copy_from_slice(&(text_index as u32).to_le_bytes());
    waot_format::artifact::seal(&mut copy).unwrap();
    let e = Artifact::parse(&copy).unwrap_err();
    assert_eq!(
        e.message,
        "the artifact has relocations (waot never patches code at load time)"
    );
    assert_eq!(e.offset, names);

    // The same section renamed `.debug_name` (same length, in the section
    // name table) and applying to itself: relocations of debug information
    // only, which loaders never apply. The artifact reads, without names.
    let mut copy = bytes.clone();
    let at = copy
        .windows(12)
        .position(|w| w == b".waot.names\0")
        .unwrap();
    copy[at..at + 11].copy_from_slice(b".debug_name");
    let own_index = head
        .sections
        .iter()
        .position(|s| s.name == consts::section::NAMES)
        .unwrap()
        + 1;
    copy[names + SH_TYPE..names + SH_TYPE + 4].copy_from_slice(&4u32.to_le_bytes());
    copy[names + SH_INFO..names + SH_INFO + 4].copy_from_slice(&(own_index as u32).to_le_bytes());
    waot_format::artifact::seal(&mut copy).unwrap();
    let a = Artifact::parse(&copy).expect("debug relocations are allowed");
    assert!(a.module.names.is_empty());
}

/// Another section placed in the last page of the text would become
/// executable with it: refused.
#[test]
fn nothing_else_shares_a_page_with_the_text() {
    let bytes = sample();
    let a = Artifact::parse(&bytes).unwrap();
    let names = a
        .sections
        .iter()
        .find(|s| s.name == consts::section::NAMES)
        .copied()
        .unwrap();
    // Move the names section's contents right after the text (inside the
    // file, overlapping no other waot section: the padding).
    let after_text = (a.text_offset + a.text_len) as u64;
    let mut copy = bytes.clone();
    copy.copy_within(names.range(), after_text as usize);
    let at = names.header_at + 24; // sh_offset
    copy[at..at + 8].copy_from_slice(&after_text.to_le_bytes());
    waot_format::artifact::seal(&mut copy).unwrap();
    let e = Artifact::parse(&copy).unwrap_err();
    assert_eq!(e.message, "a section shares a page with the text");
    assert_eq!(e.offset, names.header_at);
}
