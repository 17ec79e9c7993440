//! Module metadata as the artifact records it: index newtypes, function
//! types, imports, exports, memories, globals and data segments; value and
//! heap types (`valtype.rs`) and the build record's types (`build_info.rs`)
//! are re-exported here.
//! Strings and byte payloads borrow from the artifact.

macro_rules! index_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(pub u32);
        impl $name {
            /// The index as a `usize`, for indexing vectors.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    )*};
}

index_type! {
    /// A function in the module's function index space (imports first).
    FuncIndex,
    /// A function defined (not imported) by the module.
    DefinedFuncIndex,
    /// A function type in the type section.
    TypeIndex,
    /// A memory in the module's memory index space.
    MemoryIndex,
    /// A table in the module's table index space.
    TableIndex,
    /// A global in the module's global index space (imports first).
    GlobalIndex,
    /// A global defined (not imported) by the module.
    DefinedGlobalIndex,
    /// An entry of the import section.
    ImportIndex,
    /// A tag in the module's tag index space (imports first).
    TagIndex,
}

/// A function signature.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct FuncType {
    /// Parameter types, in order.
    pub params: Vec<ValType>,
    /// Result types, in order.
    pub results: Vec<ValType>,
}

impl std::fmt::Display for FuncType {
    /// Formats as `(i32, i32) -> i32`, `() -> ()` or `(f64) -> (i32, i64)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let list = |v: &[ValType]| {
            v.iter()
                .map(|t| t.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "({}) -> ", list(&self.params))?;
        if self.results.len() == 1 {
            write!(f, "{}", self.results[0])
        } else {
            write!(f, "({})", list(&self.results))
        }
    }
}

/// What an import brings in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImportKind {
    /// A function of the given type.
    Func(TypeIndex),
    /// A global of this type and mutability.
    Global {
        /// The value type.
        ty: ValType,
        /// Whether the global is mutable.
        mutable: bool,
    },
    /// A linear memory with these limits.
    Memory(MemoryDesc),
    /// A table with this type.
    Table(TableDesc),
    /// An exception tag whose parameters are those of this function type
    /// (which has no results).
    Tag(TypeIndex),
}

/// A table's element type and limits, in elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TableDesc {
    /// `FuncRef` or `ExternRef`.
    pub elem: ValType,
    /// Declared minimum (initial size).
    pub min: u64,
    /// Declared maximum, if any.
    pub max: Option<u64>,
    /// Whether the table is 64-bit indexed (memory64 proposal, Wasm 3.0).
    pub table64: bool,
}

/// How an element segment is used.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElementMode {
    /// Copied into `table` at `offset` during instantiation.
    Active {
        /// The table.
        table: TableIndex,
        /// Where in the table.
        offset: ConstExpr,
    },
    /// Used by `table.init`.
    Passive,
    /// Only declares functions referable with `ref.func`.
    Declarative,
}

/// An element segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElementSegment {
    /// How the segment is used.
    pub mode: ElementMode,
    /// `FuncRef` or `ExternRef`.
    pub elem: ValType,
    /// One constant expression per element.
    pub items: Vec<ConstExpr>,
}

/// One import: where it comes from and its full signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import<'a> {
    /// The module name (`env`, `wasi_snapshot_preview1`, …).
    pub module: &'a str,
    /// The field name.
    pub name: &'a str,
    /// What is imported.
    pub kind: ImportKind,
}

/// The kind of an exported item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    /// A function, by function index.
    Func,
    /// A table, by table index.
    Table,
    /// A memory, by memory index.
    Memory,
    /// A global, by global index.
    Global,
    /// An exception tag, by tag index.
    Tag,
}

/// One export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export<'a> {
    /// The export name.
    pub name: &'a str,
    /// What kind of item it names.
    pub kind: ExportKind,
    /// The item's index in its index space.
    pub index: u32,
}

/// A linear memory's limits, in wasm pages, as declared by the module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryDesc {
    /// Declared minimum (initial size).
    pub min_pages: u64,
    /// Declared maximum; `None` when the module declares none.
    pub max_pages: Option<u64>,
    /// A page limit compiled in with `waot compile --max-memory-pages`.
    pub page_limit: Option<u64>,
    /// Whether the memory is shared (threads proposal).
    pub shared: bool,
    /// Whether the memory is 64-bit indexed (memory64 proposal).
    pub memory64: bool,
}

/// A constant expression: one instruction (Wasm 2.0), or a sequence of
/// them with integer arithmetic (extended constant expressions, Wasm 3.0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConstExpr {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`, as bits.
    F32(u32),
    /// `f64.const`, as bits.
    F64(u64),
    /// `global.get` of an (imported) global.
    GlobalGet(GlobalIndex),
    /// `ref.null`.
    RefNull,
    /// `ref.func`.
    RefFunc(FuncIndex),
    /// Several instructions, evaluated on a stack to one integer.
    Extended(Vec<ConstOp>),
    /// `v128.const`, its 16 bytes as a little-endian integer.
    V128(u128),
}

/// One instruction of an extended constant expression.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConstOp {
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `global.get` of an immutable imported global.
    GlobalGet(GlobalIndex),
    /// `i32.add`, `i32.sub`, `i32.mul`.
    I32Arith(ArithOp),
    /// `i64.add`, `i64.sub`, `i64.mul`.
    I64Arith(ArithOp),
    /// `ref.null` of a heap type (GC: an operand of the operators below).
    RefNull(HeapType),
    /// `ref.i31` (GC): an `i32` to its 31-bit reference.
    RefI31,
    /// `any.convert_extern` (GC): the same word, now in `any`'s hierarchy.
    AnyConvertExtern,
    /// `extern.convert_any` (GC): the same word, now in `extern`'s.
    ExternConvertAny,
    /// `struct.new` of a struct type (GC, format 2.17): pops its fields.
    StructNew(TypeIndex),
    /// `struct.new_default`.
    StructNewDefault(TypeIndex),
    /// `array.new` of an array type: pops the element and the length.
    ArrayNew(TypeIndex),
    /// `array.new_default`: pops the length.
    ArrayNewDefault(TypeIndex),
    /// `array.new_fixed` of this many elements, popped.
    ArrayNewFixed(TypeIndex, u32),
    /// `f32.const` (bits), an operand of an allocation (format 2.17).
    F32(u32),
    /// `f64.const` (bits).
    F64(u64),
    /// `v128.const`, its 16 bytes as a little-endian integer.
    V128(u128),
    /// `ref.func`, an operand of an allocation (format 2.17).
    RefFunc(FuncIndex),
}

/// The arithmetic of extended constant expressions (wrapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    /// `add`.
    Add,
    /// `sub`.
    Sub,
    /// `mul`.
    Mul,
}

/// A global defined by the module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GlobalDesc {
    /// The value type.
    pub ty: ValType,
    /// Whether the global is mutable.
    pub mutable: bool,
    /// Its initial value.
    pub init: ConstExpr,
}

/// A data segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment<'a> {
    /// `Some((memory, offset))` for an active segment, `None` for passive.
    pub active: Option<(MemoryIndex, ConstExpr)>,
    /// The bytes (borrowed from the artifact).
    pub bytes: &'a [u8],
}

/// A memory's initial contents as one page-aligned block (format 2.12):
/// once the element segments are in place, the memory's bytes from
/// `memory_offset` on are `bytes` and all others zero, and the active data
/// segments count as applied and dropped. A loader maps the block
/// copy-on-write or copies it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryImage<'a> {
    /// The memory (a defined one), in the memory index space.
    pub memory: MemoryIndex,
    /// Where the block starts in the memory: a multiple of the text
    /// alignment.
    pub memory_offset: u64,
    /// The bytes, in `.rodata.wasm` at a multiple of the text alignment
    /// (borrowed from the artifact).
    pub bytes: &'a [u8],
}

/// A function defined by the module and where its code lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FuncInfo {
    /// Its signature.
    pub ty: TypeIndex,
    /// Offset of its body in the text section.
    pub body_offset: u32,
    /// Length of its body.
    pub body_len: u32,
    /// Offset of its array-call entry trampoline in the text section, or
    /// [`NO_ARRAY_ENTRY`] when the host can never call it.
    pub array_entry_offset: u32,
    /// Where its body starts in the wasm module (an offset in the same
    /// space as trap entries' wasm offsets), or [`NO_WASM_OFFSET`] when
    /// the artifact does not record it (it does when it inlines: format
    /// 2.18, `.waot.inlining`). Names the function a trap in an inlined
    /// body lies in.
    pub wasm_offset: u32,
}

/// [`FuncInfo::wasm_offset`] of an artifact that does not record it.
pub const NO_WASM_OFFSET: u32 = u32::MAX;

/// [`FuncInfo::array_entry_offset`] of a function the host cannot call.
pub const NO_ARRAY_ENTRY: u32 = u32::MAX;

/// Wasm feature bits recorded in the artifact (`wasm_features.rs`).
pub use crate::gc_types::{
    CompositeKind, CompositeType, FieldType, StorageType, SubType, TypeContext,
};
pub use crate::wasm_features;

pub use crate::build_info::{BoundsStrategy, BuildInfo, CpuMode, Inlining, Interruption};
pub use crate::valtype::{
    HEAP_EXN, HEAP_EXTERN, HEAP_FUNC, HeapType, REF_CODE, REF_NULL_CODE, RefType, STORAGE_I8,
    STORAGE_I16, ValType,
};

/// An exception-table record: the call whose return address is at text
/// offset `return_offset` has handlers. When the call is unwound, the
/// loader resumes at the first handler that matches, with the frame
/// pointer the call had and the stack pointer `frame_offset` bytes below
/// it, and the exception (or 0 for a trap) as the payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandlerEntry {
    /// Text offset of the call's return address.
    pub return_offset: u32,
    /// Frame pointer minus stack pointer at the call.
    pub frame_offset: u32,
    /// Where the calling frame keeps its VM context (an offset from the
    /// stack pointer at the call), to resolve tag indices; `None` when no
    /// handler names a tag.
    pub vmctx_sp_offset: Option<u32>,
    /// Whether the call is an array entry's call into wasm, whose
    /// catch-all handler also catches traps (every other handler catches
    /// only wasm exceptions).
    pub catches_traps: bool,
    /// Handlers in order, first match wins: a tag (in the calling
    /// module's index space) or `None` for catch-all, and the handler's
    /// text offset.
    pub handlers: Vec<(Option<TagIndex>, u32)>,
}

/// A trap table record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrapEntry {
    /// Offset of the trapping instruction in the text section.
    pub code_offset: u32,
    /// Offset of the wasm instruction in the source module.
    pub wasm_offset: u32,
    /// Raw trap kind; see [`crate::traps::TrapKind::from_code`].
    pub kind: u32,
}

/// A module's declarations: what the compiler collects, the artifact
/// records and the loader reads back, as one type shared by all three (so
/// a new kind of declaration is added once).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ModuleMeta<'a> {
    /// The type section: function types, and with GC, struct and array
    /// types with declared supertypes.
    pub types: Vec<SubType>,
    /// The sizes of the type section's recursion groups, in order (their
    /// sum is the number of types; a type outside a `rec` is a group of
    /// one).
    pub rec_groups: Vec<u32>,
    /// Imports, in order.
    pub imports: Vec<Import<'a>>,
    /// Defined memories.
    pub memories: Vec<MemoryDesc>,
    /// Defined globals.
    pub globals: Vec<GlobalDesc>,
    /// Defined tables.
    pub tables: Vec<TableDesc>,
    /// Initialiser expressions of the defined tables that have one
    /// (function references), by defined table index, increasing; the
    /// others start null.
    pub table_inits: Vec<(u32, ConstExpr)>,
    /// The type of each defined exception tag.
    pub tags: Vec<TypeIndex>,
    /// Element segments.
    pub elements: Vec<ElementSegment>,
    /// Exports.
    pub exports: Vec<Export<'a>>,
    /// The start function.
    pub start: Option<FuncIndex>,
    /// Data segments.
    pub data: Vec<DataSegment<'a>>,
    /// Function names (the name section's, else export names), by
    /// increasing function index.
    pub names: Vec<(FuncIndex, &'a str)>,
}

impl ModuleMeta<'_> {
    /// The signature of function type `t`. Every index that names a
    /// signature (a function's, an import's, a tag's, a `call_indirect`'s)
    /// is a function type in a valid module and in an artifact the reader
    /// accepted; any other index is a bug of the caller.
    pub fn func_type(&self, t: TypeIndex) -> &FuncType {
        self.types[t.index()]
            .as_func()
            .expect("a function type index")
    }

    /// Whether the type section needs more than Wasm 2.0 can say: a
    /// recursion group of several types, a declared supertype or a
    /// non-final type, a struct or array type (format 2.15 records such a
    /// section, and that of any module using GC, in `.waot.gc-types`).
    pub fn has_gc_types(&self) -> bool {
        self.rec_groups.iter().any(|&n| n != 1) || !self.types.iter().all(SubType::is_plain_func)
    }

    /// The recursion groups as ranges of type indices.
    pub fn rec_group_ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        crate::gc_types::rec_group_ranges(&self.rec_groups, self.types.len())
    }
}
