//! Value types as the artifact records them: numbers, `v128` and
//! references, whose heap type is abstract or a type index of the module,
//! with their binary codes and their text format. Re-exported from `types`.

use crate::types::TypeIndex;

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
