//! Type definitions of Wasm 3.0's GC proposal beyond plain function types:
//! recursion groups, declared supertypes (`sub`, `sub final`), struct and
//! array types with packed fields; the abstract heap type hierarchy and
//! subtyping over it; and the iso-recursive key under which equal
//! recursion groups are one type, within a module (the artifact reader)
//! and across modules (the loader's registry).

use crate::types::{FuncType, HeapType, RefType, TypeIndex, ValType};
use std::ops::Range;

/// What a struct field or array element stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StorageType {
    /// A packed 8-bit integer (read as `i32`).
    I8,
    /// A packed 16-bit integer (read as `i32`).
    I16,
    /// A value of this type.
    Val(ValType),
}

impl StorageType {
    /// Whether a field of this type has a default value (`struct.new_default`,
    /// `array.new_default`): anything but a non-nullable reference.
    pub fn defaultable(self) -> bool {
        match self {
            StorageType::Val(v) => v.as_ref().is_none_or(|r| r.nullable),
            _ => true,
        }
    }
}

/// A struct field or array element type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldType {
    /// What it stores.
    pub storage: StorageType,
    /// Whether `struct.set`/`array.set` may change it.
    pub mutable: bool,
}

/// The three kinds of defined type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompositeKind {
    /// A function type.
    Func,
    /// A struct type.
    Struct,
    /// An array type.
    Array,
}

/// A defined type's structure.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum CompositeType {
    /// A function signature.
    Func(FuncType),
    /// A struct's fields, in order.
    Struct(Vec<FieldType>),
    /// An array's element.
    Array(FieldType),
}

/// One entry of a module's type section: a composite type, whether it may
/// have subtypes, and the type it declares as its supertype.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SubType {
    /// `sub final` (and every type written without `sub`): no type may
    /// declare this one as its supertype.
    pub is_final: bool,
    /// The declared supertype (an earlier type).
    pub supertype: Option<TypeIndex>,
    /// The structure.
    pub composite: CompositeType,
}

/// Marks a reference to a type of the same recursion group in a
/// [`rec_group_key`]: `REC_INTERNAL | position in the group`. Canonical
/// ids of other types stay below it.
pub const REC_INTERNAL: u32 = 1 << 31;

impl SubType {
    /// A function type as Wasm 2.0 declares one: final, no supertype.
    pub fn func(ty: FuncType) -> SubType {
        SubType {
            is_final: true,
            supertype: None,
            composite: CompositeType::Func(ty),
        }
    }

    /// The signature, if this is a function type.
    pub fn as_func(&self) -> Option<&FuncType> {
        match &self.composite {
            CompositeType::Func(f) => Some(f),
            _ => None,
        }
    }

    /// Whether it is a function type.
    pub fn kind(&self) -> CompositeKind {
        match self.composite {
            CompositeType::Func(_) => CompositeKind::Func,
            CompositeType::Struct(_) => CompositeKind::Struct,
            CompositeType::Array(_) => CompositeKind::Array,
        }
    }

    /// Whether a Wasm 2.0 type section could declare it (a final function
    /// type without supertype; alone in its recursion group, which the
    /// caller knows).
    pub fn is_plain_func(&self) -> bool {
        self.is_final && self.supertype.is_none() && self.as_func().is_some()
    }

    /// This type with every type index it names (supertype, concrete heap
    /// types) replaced by `f(index)`.
    pub fn map_type_index(&self, f: impl Fn(TypeIndex) -> TypeIndex) -> SubType {
        let val = |v: &ValType| v.map_type_index(&f);
        let field = |t: &FieldType| FieldType {
            storage: match t.storage {
                StorageType::Val(v) => StorageType::Val(val(&v)),
                packed => packed,
            },
            mutable: t.mutable,
        };
        SubType {
            is_final: self.is_final,
            supertype: self.supertype.map(&f),
            composite: match &self.composite {
                CompositeType::Func(t) => CompositeType::Func(FuncType {
                    params: t.params.iter().map(val).collect(),
                    results: t.results.iter().map(val).collect(),
                }),
                CompositeType::Struct(fields) => {
                    CompositeType::Struct(fields.iter().map(field).collect())
                }
                CompositeType::Array(t) => CompositeType::Array(field(t)),
            },
        }
    }
}

impl std::fmt::Display for FieldType {
    /// `i32`, `mut i8`, `(ref null 3)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.mutable {
            f.write_str("mut ")?;
        }
        match self.storage {
            StorageType::I8 => f.write_str("i8"),
            StorageType::I16 => f.write_str("i16"),
            StorageType::Val(v) => write!(f, "{v}"),
        }
    }
}

impl std::fmt::Display for SubType {
    /// A function type as [`FuncType`] shows it, `struct {i32, mut i8}`,
    /// `array mut f64`, with `sub N` for a declared supertype and `open`
    /// for a type that is not final.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.is_final {
            f.write_str("open ")?;
        }
        if let Some(s) = self.supertype {
            write!(f, "sub {} ", s.0)?;
        }
        match &self.composite {
            CompositeType::Func(t) => write!(f, "{t}"),
            CompositeType::Struct(fields) => {
                let fields: Vec<String> = fields.iter().map(ToString::to_string).collect();
                write!(f, "struct {{{}}}", fields.join(", "))
            }
            CompositeType::Array(t) => write!(f, "array {t}"),
        }
    }
}

/// The key under which iso-recursively equal recursion groups are one:
/// the group of types `start..start + group.len()` with each reference to
/// a member replaced by [`REC_INTERNAL`] | its position, and every other
/// reference by `id(index)` (an earlier type's id, below
/// [`REC_INTERNAL`]). Two groups are the same types exactly when their
/// keys are equal.
pub fn rec_group_key(group: &[SubType], start: u32, id: impl Fn(TypeIndex) -> u32) -> Vec<SubType> {
    let end = start + group.len() as u32;
    group
        .iter()
        .map(|t| {
            t.map_type_index(|k| {
                TypeIndex(if (start..end).contains(&k.0) {
                    REC_INTERNAL | (k.0 - start)
                } else {
                    id(k)
                })
            })
        })
        .collect()
}

/// What subtyping needs to know of concrete types: their kind, and the
/// declared subtype relation between two of them (reflexive: equal types,
/// which within a module may have different indices, are subtypes).
pub trait TypeContext {
    /// The kind of concrete type `t` (`None` for an index it does not
    /// know, which is a subtype of nothing but itself).
    fn kind(&self, t: TypeIndex) -> Option<CompositeKind>;
    /// Whether `a` is `b` or declares `b` as a supertype, transitively.
    fn is_concrete_subtype(&self, a: TypeIndex, b: TypeIndex) -> bool;
}

/// The context of a module without GC types: every concrete type is a
/// function type, and a type is a subtype only of an equal one.
pub struct FuncTypesOnly;

impl TypeContext for FuncTypesOnly {
    fn kind(&self, _: TypeIndex) -> Option<CompositeKind> {
        Some(CompositeKind::Func)
    }
    fn is_concrete_subtype(&self, a: TypeIndex, b: TypeIndex) -> bool {
        a == b
    }
}

impl HeapType {
    /// The top of the hierarchy this heap type belongs to: `func`,
    /// `extern`, `exn` or `any`.
    pub fn top_in(self, ctx: &impl TypeContext) -> HeapType {
        use HeapType::*;
        match self {
            Func | NoFunc => Func,
            Extern | NoExtern => Extern,
            Exn | NoExn => Exn,
            Any | Eq | I31 | Struct | Array | None => Any,
            Concrete(t) => match ctx.kind(t) {
                Some(CompositeKind::Struct | CompositeKind::Array) => Any,
                _ => Func,
            },
        }
    }

    /// Whether a reference to `self` is a reference to `other`.
    pub fn is_subtype_in(self, other: HeapType, ctx: &impl TypeContext) -> bool {
        use HeapType::*;
        if self == other {
            return true;
        }
        let kind = |t: TypeIndex| ctx.kind(t);
        match (self, other) {
            (None | NoFunc | NoExtern | NoExn, b) => self.top_in(ctx) == b.top_in(ctx),
            (a, Any) => a.top_in(ctx) == Any,
            (I31 | Struct | Array, Eq) => true,
            (Concrete(t), Eq) => {
                matches!(kind(t), Some(CompositeKind::Struct | CompositeKind::Array))
            }
            (Concrete(t), Struct) => kind(t) == Some(CompositeKind::Struct),
            (Concrete(t), Array) => kind(t) == Some(CompositeKind::Array),
            (Concrete(t), Func) => kind(t) == Some(CompositeKind::Func),
            (Concrete(a), Concrete(b)) => ctx.is_concrete_subtype(a, b),
            _ => false,
        }
    }
}

impl ValType {
    /// Whether a value of type `self` may be used where `other` is
    /// expected, with concrete types as `ctx` knows them.
    pub fn is_subtype_in(self, other: ValType, ctx: &impl TypeContext) -> bool {
        if self == other {
            return true;
        }
        match (self.as_ref(), other.as_ref()) {
            (Some(a), Some(b)) => a.is_subtype_in(b, ctx),
            _ => false,
        }
    }

    /// The nullable top of this reference type's hierarchy (`funcref`,
    /// `externref`, `exnref`, `anyref`; the type itself for numbers).
    pub fn top_in(self, ctx: &impl TypeContext) -> ValType {
        match self.as_ref() {
            Some(r) => ValType::reference(true, r.heap.top_in(ctx)),
            _ => self,
        }
    }
}

impl RefType {
    /// Subtyping of reference types: the heap types' and nullability.
    pub fn is_subtype_in(self, other: RefType, ctx: &impl TypeContext) -> bool {
        (!self.nullable || other.nullable) && self.heap.is_subtype_in(other.heap, ctx)
    }
}

/// A module's types as a [`TypeContext`] of module-relative indices:
/// their kinds, declared supertypes, and equivalence classes
/// ([`type_classes`]).
#[derive(Clone, Debug, Default)]
pub struct ModuleTypes {
    kinds: Vec<CompositeKind>,
    supertypes: Vec<Option<TypeIndex>>,
    classes: Vec<u32>,
}

impl ModuleTypes {
    /// The context of `types`, grouped in recursion groups of `rec_groups`
    /// sizes.
    pub fn new(types: &[SubType], rec_groups: &[u32]) -> ModuleTypes {
        ModuleTypes {
            kinds: types.iter().map(SubType::kind).collect(),
            supertypes: types.iter().map(|t| t.supertype).collect(),
            classes: type_classes(types, rec_groups),
        }
    }

    /// The first index of a type equal to `t` (`t` itself for an index out
    /// of range).
    pub fn class(&self, t: TypeIndex) -> TypeIndex {
        TypeIndex(self.classes.get(t.index()).copied().unwrap_or(t.0))
    }
}

impl TypeContext for ModuleTypes {
    fn kind(&self, t: TypeIndex) -> Option<CompositeKind> {
        self.kinds.get(t.index()).copied()
    }

    fn is_concrete_subtype(&self, a: TypeIndex, b: TypeIndex) -> bool {
        let target = self.class(b);
        // Supertypes are earlier types (the reader and the validator check
        // it), so the walk ends; the bound keeps it finite regardless.
        let mut at = Some(a);
        for _ in 0..=self.kinds.len() {
            let Some(t) = at.filter(|t| t.index() < self.kinds.len()) else {
                return false;
            };
            if self.class(t) == target {
                return true;
            }
            at = self.supertypes[t.index()];
        }
        false
    }
}

/// The recursion groups of `sizes`, in order, as ranges of the indices of
/// `len` types (clamped to them; the reader checks that the sizes add up).
pub fn rec_group_ranges(sizes: &[u32], len: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    sizes.iter().scan(0usize, move |start, &n| {
        let range = *start..(*start + n as usize).min(len);
        *start = range.end;
        Some(range)
    })
}

/// Module-local type equivalence: `classes[i]` is the first type index of
/// a type equal to type `i`: types of iso-recursively equal recursion
/// groups (compared by [`rec_group_key`] with the classes of earlier
/// types) at the same position. `rec_groups` are the groups' sizes, in
/// order; a type beyond their sum has no class (it is its own).
pub fn type_classes(types: &[SubType], rec_groups: &[u32]) -> Vec<u32> {
    let mut classes: Vec<u32> = Vec::with_capacity(types.len());
    let mut first: std::collections::HashMap<Vec<SubType>, u32> = Default::default();
    for Range { start, end } in rec_group_ranges(rec_groups, types.len()) {
        let key = rec_group_key(&types[start..end], start as u32, |k| {
            classes
                .get(k.index())
                .copied()
                .unwrap_or(k.0 & !REC_INTERNAL)
        });
        let first_of_group = *first.entry(key).or_insert(start as u32);
        classes.extend((0..(end - start) as u32).map(|i| first_of_group + i));
    }
    classes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn func(params: Vec<ValType>) -> SubType {
        SubType::func(FuncType {
            params,
            results: vec![],
        })
    }

    fn r(t: u32) -> ValType {
        ValType::reference(false, HeapType::Concrete(TypeIndex(t)))
    }

    #[test]
    fn groups_are_equal_when_their_members_are_at_the_same_positions() {
        // (rec (func (param (ref 1))) (func (param (ref 0)))) twice, then
        // the same two types in the other order.
        let types = vec![
            func(vec![r(1)]),
            func(vec![r(0)]),
            func(vec![r(3)]),
            func(vec![r(2)]),
            func(vec![r(5), ValType::I32]),
            func(vec![r(4)]),
        ];
        let classes = type_classes(&types, &[2, 2, 2]);
        assert_eq!(classes, [0, 1, 0, 1, 4, 5]);
        // The same types, each alone: a reference to a later type is an
        // index of its own, so nothing is equal.
        let classes = type_classes(&types[..2], &[1, 1]);
        assert_eq!(classes, [0, 1]);
    }

    #[test]
    fn the_abstract_hierarchy() {
        use HeapType::{
            Any, Array, Concrete, Eq, Exn, Extern, Func, I31, NoExn, NoExtern, NoFunc, Struct,
        };
        let bottom = HeapType::None;
        let types = vec![
            SubType {
                is_final: false,
                supertype: None,
                composite: CompositeType::Struct(vec![]),
            },
            SubType {
                is_final: true,
                supertype: Some(TypeIndex(0)),
                composite: CompositeType::Struct(vec![]),
            },
            func(vec![]),
        ];
        let ctx = ModuleTypes::new(&types, &[]);
        let c = |t| Concrete(TypeIndex(t));
        for (a, b, sub) in [
            (c(1), c(0), true),
            (c(0), c(1), false),
            (c(1), Struct, true),
            (c(1), Eq, true),
            (c(1), Any, true),
            (c(1), Array, false),
            (c(2), Func, true),
            (c(2), Any, false),
            (bottom, c(1), true),
            (bottom, Func, false),
            (NoFunc, c(2), true),
            (NoFunc, c(1), false),
            (I31, Eq, true),
            (Eq, I31, false),
            (NoExtern, Extern, true),
            (NoExn, Exn, true),
            (Extern, Any, false),
        ] {
            assert_eq!(a.is_subtype_in(b, &ctx), sub, "{a:?} <: {b:?}");
        }
    }
}
