//! Reader robustness: a write → read round trip, and every truncation and
//! header byte flip of a valid artifact gives `Err`, never a panic.

mod common;

use waot_format::artifact::Artifact;
use waot_format::consts;
use waot_format::types::*;
use waot_format::writer::{ArtifactContents, write};

fn sample() -> Vec<u8> {
    let types = [
        FuncType {
            params: vec![ValType::I32, ValType::I64],
            results: vec![ValType::F64],
        },
        FuncType::default(),
    ];
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
        },
        FuncInfo {
            ty: TypeIndex(1),
            body_offset: 32,
            body_len: 8,
            array_entry_offset: 48,
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
        build: common::build_info(),
        types: &types,
        imports: &imports,
        funcs: &funcs,
        memories: &memories,
        globals: &globals,
        tables: &[TableDesc {
            elem: ValType::FuncRef,
            min: 2,
            max: Some(4),
        }],
        elements: &[ElementSegment {
            mode: ElementMode::Active {
                table: TableIndex(0),
                offset: ConstExpr::I32(1),
            },
            elem: ValType::FuncRef,
            items: vec![ConstExpr::RefFunc(FuncIndex(1)), ConstExpr::RefNull],
        }],
        exports: &exports,
        start: Some(FuncIndex(2)),
        data: &data,
        names: &names,
        import_trampolines: &[64],
        traps: &traps,
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
    assert_eq!(a.types[0].to_string(), "(i32, i64) -> f64");
    assert_eq!(a.imports[0].name, "log");
    assert_eq!(a.memories[0].max_pages, None, "an absent max stays absent");
    assert_eq!(a.memories[0].page_limit, Some(10));
    assert_eq!(a.globals[0].init, ConstExpr::I32(-7));
    assert_eq!(a.tables[0].max, Some(4));
    assert_eq!(a.elements[0].items[0], ConstExpr::RefFunc(FuncIndex(1)));
    assert_eq!(a.exports.len(), 2);
    assert_eq!(a.start, Some(FuncIndex(2)));
    assert_eq!(a.data[0].bytes, b"hello");
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
}

fn types_1() -> FuncType {
    FuncType::default()
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
    let a = Artifact::parse(&bytes).unwrap();
    let table_end = consts::HEADER_SIZE + a.sections.len() * consts::SECTION_ENTRY_SIZE;
    for i in 0..table_end {
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
    for i in consts::FROZEN_PREFIX_SIZE..bytes.len() {
        for value in [0x00u8, 0x01, 0x7f, 0x80, 0xff] {
            let mut copy = bytes.clone();
            copy[i] = value;
            let sum = waot_format::artifact::checksum(&copy);
            copy[consts::header::CHECKSUM..consts::header::CHECKSUM + 4]
                .copy_from_slice(&sum.to_le_bytes());
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
    let globals = a.sections.iter().find(|s| s.id == consts::section::GLOBALS);
    // count (4), valtype (1), mutable (1), kind (1), then the u64 value.
    let value = globals.unwrap().offset + 7;
    assert_eq!(
        &bytes[value..value + 8],
        &(-7i32 as u32 as u64).to_le_bytes()
    );
    let mut copy = bytes.clone();
    copy[value + 7] = 0x41;
    let sum = waot_format::artifact::checksum(&copy);
    copy[consts::header::CHECKSUM..consts::header::CHECKSUM + 4]
        .copy_from_slice(&sum.to_le_bytes());
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
