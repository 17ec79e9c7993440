//! Parse and validate: the whole module is validated first
//! ([`crate::features`]: proposals waot does not compile are refused by
//! name), then this file collects what translation and the artifact need
//! into a [`ModuleInfo`].

use crate::error::{CompileError, Result, unsupported};
use waot_format::index_space::{DefinedCounts, IndexSpace};
use waot_format::types::*;
use wasmparser::{
    ConstExpr as WasmConstExpr, ExternalKind, FunctionBody, Name, Operator, Parser, Payload,
    TypeRef, WasmFeatures,
};

/// The wasm features waot compiles ([`crate::features::SUPPORTED`]);
/// modules using any other feature wasmparser knows are refused with
/// `unsupported: …`, never called invalid.
pub fn wasm_features() -> WasmFeatures {
    crate::features::SUPPORTED
}

/// The [`wasm_features`] every artifact records; a module that uses
/// exception handling also records
/// [`waot_format::types::wasm_features::EXCEPTIONS`].
pub const RECORDED_FEATURES: u64 = waot_format::types::wasm_features::WASM2_NO_SIMD;

/// The later proposals a module uses, as the artifact's feature bits
/// ([`waot_format::types::wasm_features`]): recorded by validation and
/// parsing, and by translation from any of the threads that translate
/// functions in parallel. The artifact records exactly these (and Wasm
/// 2.0), so a waot-run without one refuses the artifact by name.
#[derive(Debug, Default)]
pub struct UsedFeatures(std::sync::atomic::AtomicU64);

impl UsedFeatures {
    /// Records that the module uses `bits` (they are never unset). Called
    /// for every instruction of a proposal, from every translating thread:
    /// a plain load first, so only the first use writes the shared word.
    pub fn record(&self, bits: u64) {
        if !self.contains(bits) {
            self.0.fetch_or(bits, std::sync::atomic::Ordering::Relaxed);
        }
    }

    /// Whether the module uses every feature of `bits`.
    pub fn contains(&self, bits: u64) -> bool {
        self.bits() & bits == bits
    }

    /// Every feature recorded so far.
    pub fn bits(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What the compiler knows about a module after parsing.
pub struct ModuleInfo<'a> {
    /// The module's declarations, as the artifact records them.
    pub meta: ModuleMeta<'a>,
    /// The type of every function, imports first.
    pub func_types: Vec<TypeIndex>,
    /// How many functions, tables, memories and globals the module imports
    /// and defines (filled in once the whole module is read).
    pub space: IndexSpace,
    /// Every memory's declared type, imports first (filled in once the
    /// whole module is read; see [`ModuleInfo::memory`]).
    pub memory_types: Vec<MemoryDesc>,
    /// Type and mutability of every global, imports first.
    pub global_types: Vec<(ValType, bool)>,
    /// Every table's type, imports first.
    pub table_types: Vec<TableDesc>,
    /// Bodies of defined functions.
    pub bodies: Vec<FunctionBody<'a>>,
    /// The type of every tag, imports first.
    pub tag_types: Vec<TypeIndex>,
    /// The later proposals the module uses ([`UsedFeatures`]).
    pub uses: UsedFeatures,
    /// The types' kinds and subtyping (filled in once the whole module is
    /// read).
    pub type_ctx: waot_format::gc_types::ModuleTypes,
}

impl ModuleInfo<'_> {
    /// Whether a value of type `t` may hold a GC object's word (the `any`
    /// and `extern` hierarchies), so that the collector must find it.
    pub fn is_traced(&self, t: ValType) -> bool {
        t.as_ref().is_some_and(|r| {
            matches!(
                r.heap.top_in(&self.type_ctx),
                waot_format::types::HeapType::Any | waot_format::types::HeapType::Extern
            )
        })
    }

    /// Whether some constant expression is an extended one.
    fn uses_extended_const(&self) -> bool {
        let extended = |e: &ConstExpr| matches!(e, ConstExpr::Extended(_));
        self.meta.globals.iter().any(|g| extended(&g.init))
            || self
                .meta
                .data
                .iter()
                .any(|d| d.active.as_ref().is_some_and(|(_, e)| extended(e)))
            || self.meta.elements.iter().any(|s| {
                s.items.iter().any(extended)
                    || matches!(&s.mode, ElementMode::Active { offset, .. } if extended(offset))
            })
    }
}

impl ModuleInfo<'_> {
    /// Whether some memory or table is 64-bit indexed.
    fn uses_memory64(&self) -> bool {
        self.memory_types.iter().any(|m| m.memory64) || self.table_types.iter().any(|t| t.table64)
    }

    /// Memory `index`'s type as declared (imported memories come first):
    /// its index type and sharing, which every access consults.
    pub fn memory(&self, index: MemoryIndex) -> &MemoryDesc {
        &self.memory_types[index.index()]
    }

    /// The signature of function `f`.
    pub fn func_type(&self, f: FuncIndex) -> &FuncType {
        self.meta.func_type(self.func_types[f.index()])
    }

    /// Whether `f` is imported.
    pub fn is_imported(&self, f: FuncIndex) -> bool {
        self.space.is_imported_func(f)
    }

    /// Whether the host may call defined function `f` (exported or start).
    pub fn escapes(&self, f: FuncIndex) -> bool {
        self.meta.start == Some(f)
            || self
                .meta
                .exports
                .iter()
                .any(|e| e.kind == ExportKind::Func && e.index == f.0)
    }
}

/// A type section entry as the artifact records it.
fn sub_type(ty: &wasmparser::SubType) -> Result<SubType> {
    use wasmparser::CompositeInnerType as Inner;
    let c = &ty.composite_type;
    if c.shared || c.descriptor_idx.is_some() || c.describes_idx.is_some() {
        return unsupported("shared or descriptor types");
    }
    let vals = |v: &[wasmparser::ValType]| v.iter().map(|t| val_type_of(*t)).collect::<Result<_>>();
    let field = |f: &wasmparser::FieldType| -> Result<FieldType> {
        Ok(FieldType {
            storage: match f.element_type {
                wasmparser::StorageType::I8 => StorageType::I8,
                wasmparser::StorageType::I16 => StorageType::I16,
                wasmparser::StorageType::Val(v) => StorageType::Val(val_type_of(v)?),
            },
            mutable: f.mutable,
        })
    };
    let composite = match &c.inner {
        Inner::Func(f) => CompositeType::Func(FuncType {
            params: vals(f.params())?,
            results: vals(f.results())?,
        }),
        Inner::Struct(s) => {
            CompositeType::Struct(s.fields.iter().map(field).collect::<Result<_>>()?)
        }
        Inner::Array(a) => CompositeType::Array(field(&a.0)?),
        Inner::Cont(_) => return unsupported("continuation types (stack switching)"),
    };
    let supertype = match ty.supertype_idxs[..] {
        [] => None,
        [one] => match one.as_module_index() {
            Some(i) => Some(TypeIndex(i)),
            None => return unsupported("a supertype outside the module's index space"),
        },
        _ => return unsupported("more than one supertype"),
    };
    Ok(SubType {
        is_final: ty.is_final,
        supertype,
        composite,
    })
}

impl ModuleInfo<'_> {
    /// A value type of the module's code (a local, a block's result).
    pub fn value_type(&self, t: wasmparser::ValType) -> Result<ValType> {
        val_type_of(t)
    }
}

/// The artifact's value type for a wasmparser value type.
pub fn val_type_of(t: wasmparser::ValType) -> Result<ValType> {
    Ok(match t {
        wasmparser::ValType::I32 => ValType::I32,
        wasmparser::ValType::I64 => ValType::I64,
        wasmparser::ValType::F32 => ValType::F32,
        wasmparser::ValType::F64 => ValType::F64,
        wasmparser::ValType::V128 => ValType::V128,
        wasmparser::ValType::Ref(r) => ref_type(r)?,
    })
}

fn ref_type(r: wasmparser::RefType) -> Result<ValType> {
    use wasmparser::{AbstractHeapType, HeapType as Heap, UnpackedIndex};
    let heap = match r.heap_type() {
        Heap::Abstract {
            shared: false,
            ty: AbstractHeapType::Func,
        } => HeapType::Func,
        Heap::Abstract {
            shared: false,
            ty: AbstractHeapType::Extern,
        } => HeapType::Extern,
        Heap::Abstract {
            shared: false,
            ty: AbstractHeapType::Exn,
        } => HeapType::Exn,
        Heap::Abstract { shared: false, ty } => match ty {
            AbstractHeapType::Any => HeapType::Any,
            AbstractHeapType::Eq => HeapType::Eq,
            AbstractHeapType::I31 => HeapType::I31,
            AbstractHeapType::Struct => HeapType::Struct,
            AbstractHeapType::Array => HeapType::Array,
            AbstractHeapType::None => HeapType::None,
            AbstractHeapType::NoFunc => HeapType::NoFunc,
            AbstractHeapType::NoExtern => HeapType::NoExtern,
            AbstractHeapType::NoExn => HeapType::NoExn,
            other => return unsupported(format!("heap type {other:?}")),
        },
        Heap::Concrete(UnpackedIndex::Module(i)) => HeapType::Concrete(TypeIndex(i)),
        other => return unsupported(format!("reference type with heap type {other:?}")),
    };
    Ok(ValType::reference(r.is_nullable(), heap))
}

fn table_desc(t: wasmparser::TableType) -> Result<TableDesc> {
    if t.shared {
        return unsupported("shared tables");
    }
    Ok(TableDesc {
        elem: ref_type(t.element_type)?,
        min: t.initial,
        max: t.maximum,
        table64: t.table64,
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
    let all: Vec<Operator> = e
        .get_operators_reader()
        .into_iter()
        .collect::<std::result::Result<_, _>>()?;
    // Two or more operators besides `end`: an extended expression.
    if all.len() > 2 {
        return extended_const(&all);
    }
    let value = match ops.read()? {
        Operator::I32Const { value } => ConstExpr::I32(value),
        Operator::I64Const { value } => ConstExpr::I64(value),
        Operator::F32Const { value } => ConstExpr::F32(value.bits()),
        Operator::F64Const { value } => ConstExpr::F64(value.bits()),
        Operator::GlobalGet { global_index } => ConstExpr::GlobalGet(GlobalIndex(global_index)),
        Operator::RefNull { .. } => ConstExpr::RefNull,
        Operator::RefFunc { function_index } => ConstExpr::RefFunc(FuncIndex(function_index)),
        Operator::V128Const { value } => ConstExpr::V128(u128::from_le_bytes(*value.bytes())),
        // One GC allocation (`struct.new_default`, an empty
        // `array.new_fixed`): the extended form says it.
        _ => return extended_const(&all),
    };
    Ok(value)
}

fn element_segment(e: wasmparser::Element) -> Result<ElementSegment> {
    let mode = match e.kind {
        wasmparser::ElementKind::Passive => ElementMode::Passive,
        wasmparser::ElementKind::Declared => ElementMode::Declarative,
        wasmparser::ElementKind::Active {
            table_index,
            offset_expr,
        } => ElementMode::Active {
            table: TableIndex(table_index.unwrap_or(0)),
            offset: const_expr(&offset_expr)?,
        },
    };
    let (elem, items) = match e.items {
        wasmparser::ElementItems::Functions(reader) => {
            let items = reader
                .into_iter()
                .map(|f| Ok(ConstExpr::RefFunc(FuncIndex(f?))))
                .collect::<Result<_>>()?;
            (ValType::FuncRef, items)
        }
        wasmparser::ElementItems::Expressions(ty, reader) => {
            let items = reader
                .into_iter()
                .map(|e| const_expr(&e?))
                .collect::<Result<_>>()?;
            (ref_type(ty)?, items)
        }
    };
    Ok(ElementSegment { mode, elem, items })
}

/// An extended constant expression (Wasm 3.0): constants, `global.get`,
/// integer `add`/`sub`/`mul`, and GC's `ref.null`, `ref.i31`, conversions
/// between `any` and `extern`, and allocations of structs and arrays.
fn extended_const(all: &[Operator]) -> Result<ConstExpr> {
    let mut ops = Vec::with_capacity(all.len());
    for op in all {
        ops.push(match *op {
            Operator::I32Const { value } => ConstOp::I32(value),
            Operator::I64Const { value } => ConstOp::I64(value),
            Operator::F32Const { value } => ConstOp::F32(value.bits()),
            Operator::F64Const { value } => ConstOp::F64(value.bits()),
            Operator::V128Const { value } => ConstOp::V128(u128::from_le_bytes(*value.bytes())),
            Operator::RefFunc { function_index } => ConstOp::RefFunc(FuncIndex(function_index)),
            Operator::GlobalGet { global_index } => ConstOp::GlobalGet(GlobalIndex(global_index)),
            Operator::I32Add => ConstOp::I32Arith(ArithOp::Add),
            Operator::I32Sub => ConstOp::I32Arith(ArithOp::Sub),
            Operator::I32Mul => ConstOp::I32Arith(ArithOp::Mul),
            Operator::I64Add => ConstOp::I64Arith(ArithOp::Add),
            Operator::I64Sub => ConstOp::I64Arith(ArithOp::Sub),
            Operator::I64Mul => ConstOp::I64Arith(ArithOp::Mul),
            Operator::RefNull { hty } => {
                let null = ref_type(wasmparser::RefType::new(true, hty).ok_or_else(|| {
                    crate::error::CompileError::Unsupported(
                        "a heap type wasmparser cannot pack".into(),
                    )
                })?)?;
                ConstOp::RefNull(null.as_ref().expect("a reference type").heap)
            }
            Operator::RefI31 => ConstOp::RefI31,
            Operator::AnyConvertExtern => ConstOp::AnyConvertExtern,
            Operator::ExternConvertAny => ConstOp::ExternConvertAny,
            Operator::StructNew { struct_type_index } => {
                ConstOp::StructNew(TypeIndex(struct_type_index))
            }
            Operator::StructNewDefault { struct_type_index } => {
                ConstOp::StructNewDefault(TypeIndex(struct_type_index))
            }
            Operator::ArrayNew { array_type_index } => {
                ConstOp::ArrayNew(TypeIndex(array_type_index))
            }
            Operator::ArrayNewDefault { array_type_index } => {
                ConstOp::ArrayNewDefault(TypeIndex(array_type_index))
            }
            Operator::ArrayNewFixed {
                array_type_index,
                array_size,
            } => ConstOp::ArrayNewFixed(TypeIndex(array_type_index), array_size),
            Operator::End => continue,
            _ => return unsupported(format!("constant expression operator {op:?}")),
        });
    }
    Ok(ConstExpr::Extended(ops))
}

/// Validates `wasm` (without the proposals named in `turned_off`) and
/// collects its [`ModuleInfo`].
pub fn parse<'a>(wasm: &'a [u8], turned_off: &[&str]) -> Result<ModuleInfo<'a>> {
    let uses = crate::features::validate_for_compile(wasm, turned_off)?;
    let mut info = ModuleInfo {
        meta: ModuleMeta::default(),
        func_types: Vec::new(),
        space: IndexSpace::default(),
        memory_types: Vec::new(),
        global_types: Vec::new(),
        table_types: Vec::new(),
        bodies: Vec::new(),
        tag_types: Vec::new(),
        uses: UsedFeatures::default(),
        type_ctx: Default::default(),
    };
    info.uses.record(uses);
    let mut name_section = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group?;
                    // An empty `(rec)` declares nothing.
                    if group.types().len() == 0 {
                        continue;
                    }
                    info.meta.rec_groups.push(group.types().len() as u32);
                    for ty in group.types() {
                        info.meta.types.push(sub_type(ty)?);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import?;
                    let kind = match import.ty {
                        TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                            info.func_types.push(TypeIndex(t));
                            ImportKind::Func(TypeIndex(t))
                        }
                        TypeRef::Memory(m) => ImportKind::Memory(memory_desc(m)),
                        TypeRef::Global(g) => {
                            let ty = val_type_of(g.content_type)?;
                            info.global_types.push((ty, g.mutable));
                            ImportKind::Global {
                                ty,
                                mutable: g.mutable,
                            }
                        }
                        TypeRef::Table(t) => {
                            let t = table_desc(t)?;
                            info.table_types.push(t);
                            ImportKind::Table(t)
                        }
                        TypeRef::Tag(t) => {
                            info.tag_types.push(TypeIndex(t.func_type_idx));
                            ImportKind::Tag(TypeIndex(t.func_type_idx))
                        }
                    };
                    info.meta.imports.push(Import {
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
            Payload::TableSection(reader) => {
                for t in reader {
                    let t = t?;
                    if let wasmparser::TableInit::Expr(e) = &t.init {
                        let defined = info.meta.tables.len() as u32;
                        info.meta.table_inits.push((defined, const_expr(e)?));
                    }
                    let t = table_desc(t.ty)?;
                    info.table_types.push(t);
                    info.meta.tables.push(t);
                }
            }
            Payload::ElementSection(reader) => {
                for e in reader {
                    info.meta.elements.push(element_segment(e?)?);
                }
            }
            Payload::MemorySection(reader) => {
                for m in reader {
                    info.meta.memories.push(memory_desc(m?));
                }
            }
            Payload::GlobalSection(reader) => {
                for g in reader {
                    let g = g?;
                    let ty = val_type_of(g.ty.content_type)?;
                    info.global_types.push((ty, g.ty.mutable));
                    info.meta.globals.push(GlobalDesc {
                        ty,
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
                        ExternalKind::Table => ExportKind::Table,
                        ExternalKind::Tag => ExportKind::Tag,
                    };
                    info.meta.exports.push(Export {
                        name: e.name,
                        kind,
                        index: e.index,
                    });
                }
            }
            Payload::StartSection { func, .. } => info.meta.start = Some(FuncIndex(func)),
            Payload::DataSection(reader) => {
                for d in reader {
                    let d = d?;
                    let active = match d.kind {
                        wasmparser::DataKind::Passive => None,
                        wasmparser::DataKind::Active {
                            memory_index,
                            offset_expr,
                        } => Some((MemoryIndex(memory_index), const_expr(&offset_expr)?)),
                    };
                    info.meta.data.push(DataSegment {
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
            Payload::TagSection(reader) => {
                for t in reader {
                    let t = TypeIndex(t?.func_type_idx);
                    info.tag_types.push(t);
                    info.meta.tags.push(t);
                }
            }
            _ => {}
        }
    }
    info.space = IndexSpace::new(
        info.meta.types.len(),
        info.meta.imports.iter().map(|i| &i.kind),
        DefinedCounts {
            funcs: info.bodies.len(),
            tables: info.meta.tables.len(),
            memories: info.meta.memories.len(),
            globals: info.meta.globals.len(),
            tags: info.meta.tags.len(),
        },
    );
    let exnref = |t: &SubType| {
        t.as_func().is_some_and(|t| {
            t.params
                .iter()
                .chain(&t.results)
                .any(|v| *v == ValType::ExnRef)
        })
    };
    if !info.tag_types.is_empty()
        || info.meta.types.iter().any(exnref)
        || info.global_types.iter().any(|(t, _)| *t == ValType::ExnRef)
        || info.table_types.iter().any(|t| t.elem == ValType::ExnRef)
    {
        info.uses.record(wasm_features::EXCEPTIONS);
    }
    let imported_memories = info.meta.imports.iter().filter_map(|i| match &i.kind {
        ImportKind::Memory(m) => Some(*m),
        _ => None,
    });
    info.memory_types = imported_memories
        .chain(info.meta.memories.iter().copied())
        .collect();
    if info.memory_types.iter().any(|m| m.shared) {
        info.uses.record(wasm_features::THREADS);
    }
    if info.space.memories.total() > 1 {
        info.uses.record(wasm_features::MULTI_MEMORY);
    }
    if info.uses_memory64() {
        info.uses.record(wasm_features::MEMORY64);
    }
    if info.uses_extended_const() {
        info.uses.record(wasm_features::EXTENDED_CONST);
    }
    // Export names name functions the name section leaves unnamed.
    let mut names: Vec<(FuncIndex, &str)> = name_section;
    for e in info
        .meta
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Func)
    {
        if !names.iter().any(|(f, _)| f.0 == e.index) {
            names.push((FuncIndex(e.index), e.name));
        }
    }
    info.meta.names = names;
    info.meta.names.sort_by_key(|(f, _)| *f);
    info.meta.names.dedup_by_key(|(f, _)| *f);
    info.type_ctx =
        waot_format::gc_types::ModuleTypes::new(&info.meta.types, &info.meta.rec_groups);
    if info.space.funcs.total() != info.func_types.len() as u64 {
        return Err(CompileError::Parse(
            "function and code section counts differ".into(),
        ));
    }
    Ok(info)
}
