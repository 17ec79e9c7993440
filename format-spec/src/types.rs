//! Module metadata as the artifact records it: index newtypes, value and
//! function types, imports, exports, memories, globals, data segments and
//! build information. Strings and byte payloads borrow from the artifact.

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

/// The heap type of a reference: abstract (Wasm 2.0's `func` and `extern`,
/// `exn`, and the GC proposal's hierarchy under `any` with its bottom
/// types) or a defined type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeapType {
    /// Any function.
    Func,
    /// Any host value.
    Extern,
    /// Any exception.
    Exn,
    /// Any GC value: `eq` values and externalised host values.
    Any,
    /// Values comparable with `ref.eq`: `i31`, structs, arrays.
    Eq,
    /// Unboxed 31-bit integers.
    I31,
    /// Any struct.
    Struct,
    /// Any array.
    Array,
    /// The bottom of `any`'s hierarchy (only null).
    None,
    /// The bottom of `func`'s hierarchy.
    NoFunc,
    /// The bottom of `extern`'s hierarchy.
    NoExtern,
    /// The bottom of `exn`'s hierarchy.
    NoExn,
    /// A value of this defined type. In an artifact and in the compiler it
    /// is a type index of the module; inside the loader's instances and
    /// externs it is the process-wide canonical type id, so that types of
    /// different modules compare.
    Concrete(TypeIndex),
}

/// The abstract heap types, each with its wasm binary code and name.
const ABSTRACT_HEAP_TYPES: [(HeapType, u8, &str); 12] = [
    (HeapType::Func, 0x70, "func"),
    (HeapType::Extern, 0x6f, "extern"),
    (HeapType::Exn, 0x69, "exn"),
    (HeapType::Any, 0x6e, "any"),
    (HeapType::Eq, 0x6d, "eq"),
    (HeapType::I31, 0x6c, "i31"),
    (HeapType::Struct, 0x6b, "struct"),
    (HeapType::Array, 0x6a, "array"),
    (HeapType::None, 0x71, "none"),
    (HeapType::NoFunc, 0x73, "nofunc"),
    (HeapType::NoExtern, 0x72, "noextern"),
    (HeapType::NoExn, 0x74, "noexn"),
];

impl HeapType {
    /// The `u32` an artifact encodes it as: a type index, or `0xffffff00`
    /// plus the abstract type's wasm binary code ([`HEAP_FUNC`], …).
    pub fn code(self) -> u32 {
        match (self, self.abstract_entry()) {
            (HeapType::Concrete(t), _) => t.0,
            (_, entry) => entry.map_or(0, |(_, code, _)| 0xffff_ff00 | u32::from(*code)),
        }
    }

    /// Its row of [`ABSTRACT_HEAP_TYPES`] (none for a concrete type).
    fn abstract_entry(self) -> Option<&'static (HeapType, u8, &'static str)> {
        ABSTRACT_HEAP_TYPES.iter().find(|(h, _, _)| *h == self)
    }

    /// The abstract heap type an artifact encodes as `code`.
    pub fn abstract_from_code(code: u32) -> Option<HeapType> {
        ABSTRACT_HEAP_TYPES
            .iter()
            .find(|(_, c, _)| 0xffff_ff00 | u32::from(*c) == code)
            .map(|(h, _, _)| *h)
    }

    /// The text format's name of an abstract heap type, or the index of a
    /// concrete one.
    pub fn name(self) -> String {
        match (self, self.abstract_entry()) {
            (HeapType::Concrete(t), _) => t.0.to_string(),
            (_, entry) => entry.map_or_else(String::new, |(_, _, name)| name.to_string()),
        }
    }
}

/// A reference type other than the three nullable abstract ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RefType {
    /// Whether the reference may be null.
    pub nullable: bool,
    /// What it refers to.
    pub heap: HeapType,
}

/// A wasm value type, encoded with its wasm binary opcode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValType {
    /// 32-bit integer.
    I32,
    /// 64-bit integer.
    I64,
    /// 32-bit IEEE float.
    F32,
    /// 64-bit IEEE float.
    F64,
    /// 128-bit vector.
    V128,
    /// Nullable function reference.
    FuncRef,
    /// Nullable external reference.
    ExternRef,
    /// Nullable exception reference (exception handling, Wasm 3.0).
    ExnRef,
    /// Any other reference type: non-nullable, or to a concrete function
    /// type (function references, Wasm 3.0). Built by
    /// [`ValType::reference`], which gives the three nullable abstract
    /// references their own variants, so equal types are equal values.
    Ref(RefType),
}

/// Encoding of a non-nullable reference's heap type in artifacts (`0x64`,
/// as in wasm) and of a nullable one (`0x63`).
pub const REF_CODE: u8 = 0x64;
/// See [`REF_CODE`].
pub const REF_NULL_CODE: u8 = 0x63;
/// A heap type's `u32` after [`REF_CODE`]/[`REF_NULL_CODE`]: a type index,
/// or `0xffffff00` plus an abstract heap type's wasm code, as these
/// (format 2.15 adds the GC proposal's, [`HeapType::code`]).
pub const HEAP_FUNC: u32 = 0xffff_ff70;
/// See [`HEAP_FUNC`].
pub const HEAP_EXTERN: u32 = 0xffff_ff6f;
/// See [`HEAP_FUNC`].
pub const HEAP_EXN: u32 = 0xffff_ff69;

/// A packed `i8` field in `.waot.gc-types` (its wasm code).
pub const STORAGE_I8: u8 = 0x78;
/// A packed `i16` field in `.waot.gc-types` (its wasm code).
pub const STORAGE_I16: u8 = 0x77;

impl ValType {
    /// The reference type to `heap`, nullable or not, in its one form.
    pub fn reference(nullable: bool, heap: HeapType) -> ValType {
        match (nullable, heap) {
            (true, HeapType::Func) => ValType::FuncRef,
            (true, HeapType::Extern) => ValType::ExternRef,
            (true, HeapType::Exn) => ValType::ExnRef,
            _ => ValType::Ref(RefType { nullable, heap }),
        }
    }

    /// Nullability and heap type of a reference type (`None` for numbers
    /// and vectors).
    pub fn as_ref(self) -> Option<RefType> {
        let (nullable, heap) = match self {
            ValType::FuncRef => (true, HeapType::Func),
            ValType::ExternRef => (true, HeapType::Extern),
            ValType::ExnRef => (true, HeapType::Exn),
            ValType::Ref(r) => (r.nullable, r.heap),
            _ => return None,
        };
        Some(RefType { nullable, heap })
    }

    /// This type with a concrete heap type's index replaced by `f(index)`
    /// (the type itself for every other type): how types move between
    /// index spaces (module indices, equivalence classes, canonical ids).
    pub fn map_type_index(self, f: impl FnOnce(TypeIndex) -> TypeIndex) -> ValType {
        match self {
            ValType::Ref(RefType {
                nullable,
                heap: HeapType::Concrete(t),
            }) => ValType::reference(nullable, HeapType::Concrete(f(t))),
            other => other,
        }
    }

    /// Whether this is a reference type.
    pub fn is_ref(self) -> bool {
        self.as_ref().is_some()
    }

    /// Whether a reference of this type refers to a function (its heap
    /// type is `func` or a concrete type, taken as a function type; see
    /// [`ValType::top_in`] for modules with GC types).
    pub fn is_func_ref(self) -> bool {
        self.top() == ValType::FuncRef
    }

    /// The top of this reference type's hierarchy, nullable, with every
    /// concrete heap type taken as a function type
    /// ([`crate::gc_types::FuncTypesOnly`]; [`ValType::top_in`] knows
    /// struct and array types).
    pub fn top(self) -> ValType {
        self.top_in(&crate::gc_types::FuncTypesOnly)
    }

    /// Whether a value of type `self` may be used where `other` is
    /// expected, concrete heap types being function types that are equal
    /// exactly when their ids are (in one index space: both
    /// module-relative or both canonical). [`ValType::is_subtype_in`]
    /// knows declared subtypes.
    pub fn is_subtype_of(self, other: ValType) -> bool {
        self.is_subtype_in(other, &crate::gc_types::FuncTypesOnly)
    }

    /// The wasm binary encoding of the type's first byte ([`REF_CODE`] or
    /// [`REF_NULL_CODE`] for [`ValType::Ref`], which a heap type follows).
    pub fn code(self) -> u8 {
        match self {
            ValType::I32 => 0x7f,
            ValType::I64 => 0x7e,
            ValType::F32 => 0x7d,
            ValType::F64 => 0x7c,
            ValType::V128 => 0x7b,
            ValType::FuncRef => 0x70,
            ValType::ExternRef => 0x6f,
            ValType::ExnRef => 0x69,
            ValType::Ref(r) if r.nullable => REF_NULL_CODE,
            ValType::Ref(_) => REF_CODE,
        }
    }

    /// The type with this one-byte binary encoding, if any.
    pub fn from_code(code: u8) -> Option<ValType> {
        Some(match code {
            0x7f => ValType::I32,
            0x7e => ValType::I64,
            0x7d => ValType::F32,
            0x7c => ValType::F64,
            0x7b => ValType::V128,
            0x70 => ValType::FuncRef,
            0x6f => ValType::ExternRef,
            0x69 => ValType::ExnRef,
            _ => return None,
        })
    }

    /// The text-format name of a type without a heap type (`i32`,
    /// `funcref`, …); a typed reference is `ref`, and [`std::fmt::Display`]
    /// spells it out.
    pub fn name(self) -> &'static str {
        match self {
            ValType::I32 => "i32",
            ValType::I64 => "i64",
            ValType::F32 => "f32",
            ValType::F64 => "f64",
            ValType::V128 => "v128",
            ValType::FuncRef => "funcref",
            ValType::ExternRef => "externref",
            ValType::ExnRef => "exnref",
            ValType::Ref(_) => "ref",
        }
    }
}

impl std::fmt::Display for ValType {
    /// `i32`, `funcref`, `(ref func)`, `(ref null 3)` (a type index, or a
    /// canonical type id inside the loader).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ValType::Ref(r) = self else {
            return f.write_str(self.name());
        };
        let null = if r.nullable { "null " } else { "" };
        write!(f, "(ref {null}{})", r.heap.name())
    }
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

/// Inlining (format 2.18, `waot compile --inline`): direct calls to
/// defined leaf functions (no calls of their own) of at most
/// `max_callee_insts` Cranelift instructions were replaced by their
/// bodies — since format 2.19, those over `small_callee_insts` only where
/// the module has at most `max_call_sites` direct calls to them. Recorded
/// so that `waot inspect` can say so and trap messages can name the
/// inlined function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Inlining {
    /// The size limit on an inlined callee, in Cranelift IR instructions;
    /// 0: nothing was inlined.
    pub max_callee_insts: u32,
    /// Callees of at most this many instructions are inlined wherever
    /// they are called; larger ones only under [`Self::max_call_sites`].
    pub small_callee_insts: u32,
    /// The most direct call sites a callee over
    /// [`Self::small_callee_insts`] may have to be inlined.
    pub max_call_sites: u32,
}

impl Inlining {
    /// No inlining.
    pub const OFF: Inlining = Inlining {
        max_callee_insts: 0,
        small_callee_insts: 0,
        max_call_sites: 0,
    };

    /// Whether any call may have been inlined.
    pub fn on(self) -> bool {
        self.max_callee_insts > 0
    }

    /// Whether a callee of `insts` instructions with `call_sites` direct
    /// calls in its module is inlined.
    pub fn takes(self, insts: u32, call_sites: u32) -> bool {
        insts <= self.max_callee_insts
            && (insts <= self.small_callee_insts || call_sites <= self.max_call_sites)
    }
}

/// What `waot inspect` says: `off`, or which callees were inlined.
impl std::fmt::Display for Inlining {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if !self.on() {
            return f.write_str("off");
        }
        let max = self.max_callee_insts;
        write!(f, "leaf callees of at most {max} IR instructions")?;
        if self.small_callee_insts < max && self.max_call_sites != u32::MAX {
            let (small, sites) = (self.small_callee_insts, self.max_call_sites);
            write!(
                f,
                ", those over {small} only with at most {sites} call sites"
            )?;
        }
        Ok(())
    }
}

/// [`FuncInfo::array_entry_offset`] of a function the host cannot call.
pub const NO_ARRAY_ENTRY: u32 = u32::MAX;

/// How compiled code keeps memory accesses in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsStrategy {
    /// Accesses rely on a virtual reservation plus guard region: an
    /// out-of-bounds access faults and the trap table turns it into a trap.
    Guard,
    /// Every access is compared against the current memory length.
    Explicit,
}

impl BoundsStrategy {
    /// The command-line spelling (`guard`, `explicit`).
    pub fn name(self) -> &'static str {
        match self {
            BoundsStrategy::Guard => "guard",
            BoundsStrategy::Explicit => "explicit",
        }
    }
}

/// Whether the code assumes a portable CPU baseline or the build machine's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuMode {
    /// Only features every CPU of the architecture has.
    Baseline,
    /// The features detected on the machine that compiled it.
    Native,
}

impl CpuMode {
    /// The command-line spelling (`baseline`, `native`).
    pub fn name(self) -> &'static str {
        match self {
            CpuMode::Baseline => "baseline",
            CpuMode::Native => "native",
        }
    }
}

/// Wasm feature bits recorded in the artifact (`wasm_features.rs`).
pub use crate::gc_types::{
    CompositeKind, CompositeType, FieldType, StorageType, SubType, TypeContext,
};
pub use crate::wasm_features;

/// Everything the compiled code assumes about the machine and runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildInfo<'a> {
    /// File name of the source module (no directory), for fix-it hints.
    pub source_name: &'a str,
    /// Target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: &'a str,
    /// Baseline or native CPU.
    pub cpu_mode: CpuMode,
    /// CPU features the code uses, comma-separated (`sse3,ssse3,…`); empty
    /// for the architecture baseline.
    pub cpu_features: &'a str,
    /// Alignment of the text section in the file (≥ the host page size).
    pub text_align: u32,
    /// How memory accesses are bounds-checked.
    pub bounds: BoundsStrategy,
    /// Bytes of address space the code assumes are reserved per memory
    /// (0 with explicit checks).
    pub memory_reservation: u64,
    /// Bytes of unmapped guard after the reservation the code relies on
    /// (0 with explicit checks).
    pub memory_guard: u64,
    /// Whether every function checks the stack limit in its prologue.
    pub stack_check: bool,
    /// Enabled wasm features ([`wasm_features`] bits).
    pub wasm_features: u64,
    /// Cranelift optimisation level: `none`, `speed`, `speed_and_size`.
    pub opt_level: &'a str,
    /// Code generator and version, e.g. `cranelift 0.135.8`.
    pub codegen: &'a str,
    /// The interruption checks compiled in (`.waot.interruption`, not the
    /// build-info section's bytes).
    pub interruption: Interruption,
    /// Whether and how calls were inlined (`.waot.inlining`, not the
    /// build-info section's bytes).
    pub inlining: Inlining,
}

/// The interruption checks compiled into an artifact's code (`waot compile
/// --fuel`, `--epoch-interruption`). Code without them carries no checks
/// at all, so a loader cannot stop it by fuel or deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interruption {
    /// Every operator adds to the runtime limits' fuel counter; function
    /// entries and loop headers trap when it reaches zero (bit 0).
    pub fuel: bool,
    /// Function entries and loop headers trap when the epoch reaches the
    /// runtime limits' deadline (bit 1).
    pub epoch: bool,
}

impl Interruption {
    /// Bit of [`Interruption::fuel`] in `.waot.interruption`.
    pub const FUEL_BIT: u8 = 1;
    /// Bit of [`Interruption::epoch`] in `.waot.interruption`.
    pub const EPOCH_BIT: u8 = 2;

    /// No checks.
    pub const NONE: Interruption = Interruption {
        fuel: false,
        epoch: false,
    };

    /// Whether any check is compiled in.
    pub fn any(self) -> bool {
        self.fuel || self.epoch
    }

    /// The section's byte.
    pub fn bits(self) -> u8 {
        (if self.fuel { Self::FUEL_BIT } else { 0 })
            | (if self.epoch { Self::EPOCH_BIT } else { 0 })
    }

    /// Reads the section's byte; `None` when an unknown bit is set.
    pub fn from_bits(bits: u8) -> Option<Interruption> {
        (bits & !(Self::FUEL_BIT | Self::EPOCH_BIT) == 0).then_some(Interruption {
            fuel: bits & Self::FUEL_BIT != 0,
            epoch: bits & Self::EPOCH_BIT != 0,
        })
    }
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match (self.fuel, self.epoch) {
            (false, false) => "none",
            (true, false) => "fuel",
            (false, true) => "epoch",
            (true, true) => "fuel,epoch",
        })
    }
}

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
