//! Parse and validate: wasmparser validates the whole module against the
//! Wasm 2.0 feature set (without SIMD) first, then this file collects what
//! translation and the artifact need into a [`ModuleInfo`].

use crate::error::{CompileError, Result, unsupported};
use waot_format::types::*;
use wasmparser::{
    ConstExpr as WasmConstExpr, ExternalKind, FunctionBody, Name, Operator, Parser, Payload,
    TypeRef, Validator, WasmFeatures,
};

/// The wasm features modules are validated against: all of Wasm 2.0, so
/// validation verdicts match the specification. Parts not compiled yet
/// (SIMD, tables, …) are then refused with `unsupported: …`, never called
/// invalid.
pub fn wasm_features() -> WasmFeatures {
    WasmFeatures::WASM2
}

/// The [`wasm_features`] as the artifact records them.
pub const RECORDED_FEATURES: u64 = waot_format::types::wasm_features::WASM2_NO_SIMD;

/// What the compiler knows about a module after parsing.
pub struct ModuleInfo<'a> {
    /// Function types.
    pub types: Vec<FuncType>,
    /// Imports, in order.
    pub imports: Vec<Import<'a>>,
    /// The type of every function, imports first.
    pub func_types: Vec<TypeIndex>,
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Defined memories.
    pub memories: Vec<MemoryDesc>,
    /// Defined globals.
    pub globals: Vec<GlobalDesc>,
    /// Exports.
    pub exports: Vec<Export<'a>>,
    /// The start function.
    pub start: Option<FuncIndex>,
    /// Data segments.
    pub data: Vec<DataSegment<'a>>,
    /// Bodies of defined functions.
    pub bodies: Vec<FunctionBody<'a>>,
    /// Function names (name section, else export names).
    pub names: Vec<(FuncIndex, &'a str)>,
}

impl ModuleInfo<'_> {
    /// The signature of function `f`.
    pub fn func_type(&self, f: FuncIndex) -> &FuncType {
        &self.types[self.func_types[f.index()].index()]
    }

    /// Whether `f` is imported.
    pub fn is_imported(&self, f: FuncIndex) -> bool {
        f.0 < self.num_imported_funcs
    }

    /// Whether the host may call defined function `f` (exported or start).
    pub fn escapes(&self, f: FuncIndex) -> bool {
        self.start == Some(f)
            || self
                .exports
                .iter()
                .any(|e| e.kind == ExportKind::Func && e.index == f.0)
    }
}

/// The artifact's value type for a wasmparser value type.
pub fn val_type_of(t: wasmparser::ValType) -> Result<ValType> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => return unsupported("simd"),
        wasmparser::ValType::Ref(_) => return unsupported("reference types"),
    })
}

fn memory_desc(m: wasmparser::MemoryType) -> MemoryDesc {
    MemoryDesc {
        min_pages: m.initial,
        max_pages: m.maximum,
        page_limit: None,
        shared: m.shared,
        memory64: m.memory64,
    }
}

fn const_expr(e: &WasmConstExpr) -> Result<ConstExpr> {
    let mut ops = e.get_operators_reader();
    let value = match ops.read()? {
        Operator::I32Const { value } => ConstExpr::I32(value),
        Operator::I64Const { value } => ConstExpr::I64(value),
        Operator::F32Const { value } => ConstExpr::F32(value.bits()),
        Operator::F64Const { value } => ConstExpr::F64(value.bits()),
        Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(GlobalIndex(global_index)),
        Operator::RefNull { .. } | Operator::RefFunc { .. } => {
            return unsupported("reference types");
        }
        _ => return unsupported("extended constant expressions"),
    };
    Ok(value)
}

/// Validates `wasm` and collects its [`ModuleInfo`].
pub fn parse(wasm: &[u8]) -> Result<ModuleInfo<'_>> {
    Validator::new_with_features(wasm_features()).validate_all(wasm)?;
    let mut info = ModuleInfo {
        types: Vec::new(),
        imports: Vec::new(),
        func_types: Vec::new(),
        num_imported_funcs: 0,
        memories: Vec::new(),
        globals: Vec::new(),
        exports: Vec::new(),
        start: None,
        data: Vec::new(),
        bodies: Vec::new(),
        names: Vec::new(),
    };
    let mut name_section = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    let ty = ty?;
                    info.types.push(FuncType {
                        params: ty
                            .params()
                            .iter()
                            .map(|t| val_type_of(*t))
                            .collect::<Result<_>>()?,
                        results: ty
                            .results()
                            .iter()
                            .map(|t| val_type_of(*t))
                            .collect::<Result<_>>()?,
                    });
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            info.func_types.push(TypeIndex(t));
                            info.num_imported_funcs += 1;
                            ImportKind::Func(TypeIndex(t))
                        }
                        TypeRef::Memory(_) => return unsupported("imported memories"),
                        TypeRef::Global(_) => return unsupported("imported globals"),
                        TypeRef::Table(_) => return unsupported("tables"),
                        TypeRef::Tag(_) => return unsupported("exception handling"),
                    };
                    info.imports.push(Import {
                        module: import.module,
                        name: import.name,
                        kind,
                    });
                }
            }
            Payload::FunctionSection(reader) => {
                for t in reader {
                    info.func_types.push(TypeIndex(t?));
                }
            }
            Payload::TableSection(_) => return unsupported("tables"),
            Payload::ElementSection(_) => return unsupported("element segments"),
            Payload::MemorySection(reader) => {
                for m in reader {
                    info.memories.push(memory_desc(m?));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    info.globals.push(GlobalDesc {
                        ty: val_type_of(g.ty.content_type)?,
                        mutable: g.ty.mutable,
                        init: const_expr(&g.init_expr)?,
                    });
                }
            }
            Payload::ExportSection(reader) => {
                for e in reader {
                    let e = e?;
                    let kind = match e.kind {
                        ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                        ExternalKind::Memory => ExportKind::Memory,
                        ExternalKind::Global => ExportKind::Global,
                        ExternalKind::Table => return unsupported("tables"),
                        ExternalKind::Tag => return unsupported("exception handling"),
                    };
                    info.exports.push(Export {
                        name: e.name,
                        kind,
                        index: e.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => info.start = Some(FuncIndex(func)),
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d?;
                    let active = match d.kind {
                        wasmparser::DataKind::Passive => {
                            return unsupported("passive data segments (bulk memory)");
                        }
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => Some((MemoryIndex(memory_index), const_expr(&offset_expr)?)),
                    };
                    info.data.push(DataSegment {
                        active,
                        bytes: d.data,
                    });
                }
            }
            Payload::CodeSectionEntry(body) => info.bodies.push(body),
            Payload::CustomSection(c) => {
                if let wasmparser::KnownCustom::Name(reader) = c.as_known() {
                    // A malformed name section is ignored, as the spec allows.
                    for name in reader.into_iter().flatten() {
                        if let Name::Function(map) = name {
                            name_section.extend(
                                map.into_iter()
                                    .flatten()
                                    .map(|n| (FuncIndex(n.index), n.name)),
                            );
                        }
                    }
                }
            }
            Payload::TagSection(_) => return unsupported("exception handling"),
            _ => {}
        }
    }
    if info.memories.len() > 1 {
        return unsupported("multiple memories");
    }
    if info.memories.iter().any(|m| m.memory64 || m.shared) {
        return unsupported("64-bit or shared memories");
    }
    if info
        .globals
        .iter()
        .any(|g| matches!(g.init, ConstExpr::GlobalGet(_)))
    {
        return unsupported("imported globals");
    }
    // Export names name functions the name section leaves unnamed.
    let mut names: Vec<(FuncIndex, &str)> = name_section;
    for e in info.exports.iter().filter(|e| e.kind == ExportKind::Func) {
        if !names.iter().any(|(f, _)| f.0 == e.index) {
            names.push((FuncIndex(e.index), e.name));
        }
    }
    info.names = names;
    info.names.sort_by_key(|(f, _)| *f);
    info.names.dedup_by_key(|(f, _)| *f);
    if info.bodies.len() + info.num_imported_funcs as usize != info.func_types.len() {
        return Err(CompileError::Parse(
            "function and code section counts differ".into(),
        ));
    }
    Ok(info)
}
