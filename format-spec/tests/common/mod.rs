//! Test fixtures: the build record of a baseline x86_64 artifact, and a
//! small artifact for the signature and version tests, written with any
//! `WriteOptions`: one function, an export, a data segment, a name, and
//! optionally a table.

// Each test file that includes this module uses only part of it.
#![allow(dead_code)]

use waot_format::types::*;
use waot_format::writer::{ArtifactContents, WriteOptions, write_with};

/// Length of the text: 64 bytes of 0xcc.
pub const TEXT_LEN: usize = 64;

/// The build record of a baseline x86_64 artifact with guard pages.
pub fn build_info() -> BuildInfo<'static> {
    BuildInfo {
        source_name: "app.wasm",
        target: "x86_64-unknown-linux-gnu",
        cpu_mode: CpuMode::Baseline,
        cpu_features: "",
        text_align: 4096,
        bounds: BoundsStrategy::Guard,
        memory_reservation: 1 << 32,
        memory_guard: 1 << 31,
        stack_check: true,
        wasm_features: wasm_features::WASM2_NO_SIMD,
        opt_level: "speed",
        codegen: "cranelift 0.135.8",
        interruption: Interruption::NONE,
        inlining: waot_format::types::Inlining::OFF,
    }
}

/// Writes the sample artifact; `with_table` adds a table and an element
/// segment (so those sections are not empty).
pub fn sample(options: &WriteOptions, with_table: bool) -> Vec<u8> {
    let types = [FuncType {
        params: vec![ValType::I32],
        results: vec![ValType::I32],
    }];
    let funcs = [FuncInfo {
        ty: TypeIndex(0),
        body_offset: 0,
        body_len: 16,
        array_entry_offset: 32,
        wasm_offset: waot_format::types::NO_WASM_OFFSET,
    }];
    let memories = [MemoryDesc {
        min_pages: 1,
        max_pages: Some(2),
        page_limit: None,
        shared: false,
        memory64: false,
    }];
    let exports = [Export {
        name: "double",
        kind: ExportKind::Func,
        index: 0,
    }];
    let data = [DataSegment {
        active: Some((MemoryIndex(0), ConstExpr::I32(8))),
        bytes: b"metadata",
    }];
    let tables = [TableDesc {
        elem: ValType::FuncRef,
        min: 1,
        max: None,
        table64: false,
    }];
    let elements = [ElementSegment {
        mode: ElementMode::Active {
            table: TableIndex(0),
            offset: ConstExpr::I32(0),
        },
        elem: ValType::FuncRef,
        items: vec![ConstExpr::RefFunc(FuncIndex(0))],
    }];
    let names = [(FuncIndex(0), "double")];
    let text = [0xccu8; TEXT_LEN];
    write_with(
        &ArtifactContents {
            producer: "waot 0.2.0",
            source_sha256: [3; 32],
            build: build_info(),
            module: &ModuleMeta {
                types: types.iter().cloned().map(SubType::func).collect(),
                rec_groups: vec![1; types.len()],
                memories: memories.to_vec(),
                tables: if with_table {
                    tables.to_vec()
                } else {
                    Vec::new()
                },
                elements: if with_table {
                    elements.to_vec()
                } else {
                    Vec::new()
                },
                exports: exports.to_vec(),
                data: data.to_vec(),
                names: names.to_vec(),
                ..ModuleMeta::default()
            },
            funcs: &funcs,
            import_trampolines: &[],
            type_trampolines: &[],
            traps: &[],
            handlers: &[],
            stack_maps: Default::default(),
            text: &text,
        },
        options,
    )
}
