//! The standard's types: `wasm_valtype_t`, the four extern types (one
//! Rust type, [`wasm_externtype_t`], so that `wasm_functype_as_externtype`
//! and its inverses are pointer casts), import and export types, and their
//! conversions to and from waot's.

#![allow(non_camel_case_types)]

use crate::vec::{CVec, Owned, declare_vec};
use std::ptr;
use waot_format::types::{FuncType, MemoryDesc, TableDesc, ValType};
use waot_run::{ExternType, GlobalType};

/// `wasm_valkind_t` values.
pub mod kind {
    pub const I32: u8 = 0;
    pub const I64: u8 = 1;
    pub const F32: u8 = 2;
    pub const F64: u8 = 3;
    /// Not in the standard: Wasmtime's number for `v128`.
    pub const V128: u8 = 4;
    pub const EXTERNREF: u8 = 128;
    pub const FUNCREF: u8 = 129;
    /// Not in the standard: exception references.
    pub const EXNREF: u8 = 130;
    /// Not in the standard: `anyref` (GC), held as a foreign object.
    pub const ANYREF: u8 = 131;
}

/// A value type.
#[derive(Clone, Copy)]
pub struct wasm_valtype_t {
    pub kind: u8,
}
impl Owned for wasm_valtype_t {}

/// `{min, max}`, with `0xffffffff` for no maximum.
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_limits_t {
    pub min: u32,
    pub max: u32,
}

const NO_MAX: u32 = u32::MAX;

declare_vec!(
    wasm_valtype_vec_t,
    *mut wasm_valtype_t,
    wasm_valtype_vec_new_empty,
    wasm_valtype_vec_new_uninitialized,
    wasm_valtype_vec_new,
    wasm_valtype_vec_copy,
    wasm_valtype_vec_delete
);

/// The C kind of a waot value type (typed references by their top type).
pub fn kind_of(t: ValType) -> u8 {
    match t {
        ValType::I32 => kind::I32,
        ValType::I64 => kind::I64,
        ValType::F32 => kind::F32,
        ValType::F64 => kind::F64,
        ValType::V128 => kind::V128,
        other => match other.top() {
            ValType::ExternRef => kind::EXTERNREF,
            ValType::ExnRef => kind::EXNREF,
            ValType::Ref(_) => kind::ANYREF,
            _ => kind::FUNCREF,
        },
    }
}

/// The waot value type of a C kind.
pub fn valtype_of(kind: u8) -> Option<ValType> {
    Some(match kind {
        kind::I32 => ValType::I32,
        kind::I64 => ValType::I64,
        kind::F32 => ValType::F32,
        kind::F64 => ValType::F64,
        kind::V128 => ValType::V128,
        kind::EXTERNREF => ValType::ExternRef,
        kind::FUNCREF => ValType::FuncRef,
        kind::EXNREF => ValType::ExnRef,
        kind::ANYREF => ValType::reference(true, waot_format::types::HeapType::Any),
        _ => return None,
    })
}

fn new_valtype(t: ValType) -> *mut wasm_valtype_t {
    Box::into_raw(Box::new(wasm_valtype_t { kind: kind_of(t) }))
}

/// What an extern type is.
pub enum TypeOf {
    Func {
        params: wasm_valtype_vec_t,
        results: wasm_valtype_vec_t,
    },
    Global {
        content: wasm_valtype_t,
        mutability: u8,
    },
    Table {
        element: wasm_valtype_t,
        limits: wasm_limits_t,
    },
    Memory {
        limits: wasm_limits_t,
    },
}

/// Any of the four extern types.
pub struct wasm_externtype_t {
    pub which: TypeOf,
}
pub type wasm_functype_t = wasm_externtype_t;
pub type wasm_globaltype_t = wasm_externtype_t;
pub type wasm_tabletype_t = wasm_externtype_t;
pub type wasm_memorytype_t = wasm_externtype_t;
impl Owned for wasm_externtype_t {}

fn copy_types(v: &wasm_valtype_vec_t) -> wasm_valtype_vec_t {
    // SAFETY: a type's vectors hold live value types it owns.
    let items = unsafe { v.as_slice() };
    CVec::from_vec(
        items
            .iter()
            // SAFETY: each element is a live value type.
            .map(|t| unsafe { crate::vec::Element::deep_copy(t) })
            .collect(),
    )
}

impl Clone for wasm_externtype_t {
    fn clone(&self) -> Self {
        let which = match &self.which {
            TypeOf::Func { params, results } => TypeOf::Func {
                params: copy_types(params),
                results: copy_types(results),
            },
            TypeOf::Global {
                content,
                mutability,
            } => TypeOf::Global {
                content: *content,
                mutability: *mutability,
            },
            TypeOf::Table { element, limits } => TypeOf::Table {
                element: *element,
                limits: *limits,
            },
            TypeOf::Memory { limits } => TypeOf::Memory { limits: *limits },
        };
        wasm_externtype_t { which }
    }
}

impl Drop for wasm_externtype_t {
    fn drop(&mut self) {
        if let TypeOf::Func { params, results } = &mut self.which {
            // SAFETY: a function type owns its vectors, made by `from_vec`.
            unsafe {
                params.delete();
                results.delete();
            }
        }
    }
}

/// `n` as a `u32`, `u32::MAX` when it does not fit (the C API's sizes
/// are 32-bit; `u32::MAX` is also "no maximum").
pub fn saturating_u32(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(NO_MAX)
}

/// Limits of `min` and an optional `max`.
pub fn limits(min: u64, max: Option<u64>) -> wasm_limits_t {
    wasm_limits_t {
        min: saturating_u32(min),
        max: max.map_or(NO_MAX, saturating_u32),
    }
}

fn max_of(l: &wasm_limits_t) -> Option<u64> {
    (l.max != NO_MAX).then_some(l.max as u64)
}

/// A C function type for `ty`.
pub fn func_type_to_c(ty: &FuncType) -> wasm_externtype_t {
    let list = |ts: &[ValType]| CVec::from_vec(ts.iter().map(|t| new_valtype(*t)).collect());
    wasm_externtype_t {
        which: TypeOf::Func {
            params: list(&ty.params),
            results: list(&ty.results),
        },
    }
}

/// The C type of an import or export (tags have none: `None`).
pub fn extern_type_to_c(ty: &ExternType) -> Option<wasm_externtype_t> {
    let which = match ty {
        ExternType::Func(f) => return Some(func_type_to_c(f)),
        ExternType::Global(g) => TypeOf::Global {
            content: wasm_valtype_t {
                kind: kind_of(g.content),
            },
            mutability: u8::from(g.mutable),
        },
        ExternType::Table(t) => TypeOf::Table {
            element: wasm_valtype_t {
                kind: kind_of(t.elem),
            },
            limits: limits(t.min, t.max),
        },
        ExternType::Memory(m) => TypeOf::Memory {
            limits: limits(m.min_pages, m.max_pages),
        },
        ExternType::Tag(_) => return None,
    };
    Some(wasm_externtype_t { which })
}

impl wasm_externtype_t {
    /// The waot function type, if it is a valid function type.
    pub fn func_type(&self) -> Option<FuncType> {
        let TypeOf::Func { params, results } = &self.which else {
            return None;
        };
        let list = |v: &wasm_valtype_vec_t| -> Option<Vec<ValType>> {
            // SAFETY: a type's vectors hold live value types (or null,
            // which is refused).
            unsafe { v.as_slice() }
                .iter()
                // SAFETY: non-null elements are live value types.
                .map(|t| valtype_of(unsafe { t.as_ref() }?.kind))
                .collect()
        };
        Some(FuncType {
            params: list(params)?,
            results: list(results)?,
        })
    }

    /// The waot global type, if it is one.
    pub fn global_type(&self) -> Option<GlobalType> {
        match &self.which {
            TypeOf::Global {
                content,
                mutability,
            } => Some(GlobalType {
                content: valtype_of(content.kind)?,
                mutable: *mutability != 0,
            }),
            _ => None,
        }
    }

    /// The waot table type, if it is one.
    pub fn table_desc(&self) -> Option<TableDesc> {
        match &self.which {
            TypeOf::Table { element, limits } => Some(TableDesc {
                elem: valtype_of(element.kind)?,
                min: limits.min as u64,
                max: max_of(limits),
                table64: false,
            }),
            _ => None,
        }
    }

    /// The waot memory type, if it is one.
    pub fn memory_desc(&self) -> Option<MemoryDesc> {
        match &self.which {
            TypeOf::Memory { limits } => Some(MemoryDesc {
                min_pages: limits.min as u64,
                max_pages: max_of(limits),
                page_limit: None,
                shared: false,
                memory64: false,
            }),
            _ => None,
        }
    }

    /// Its `wasm_externkind_t`.
    pub fn kind(&self) -> u8 {
        match self.which {
            TypeOf::Func { .. } => 0,
            TypeOf::Global { .. } => 1,
            TypeOf::Table { .. } => 2,
            TypeOf::Memory { .. } => 3,
        }
    }
}

/// Boxes `t` for C.
pub fn boxed<T>(t: T) -> *mut T {
    Box::into_raw(Box::new(t))
}

/// Takes ownership of a boxed C object.
///
/// # Safety
/// `p` is null or was boxed by this library and is not used again.
pub unsafe fn take<T>(p: *mut T) -> Option<T> {
    // SAFETY: as the caller guarantees.
    (!p.is_null()).then(|| *unsafe { Box::from_raw(p) })
}

/// Takes over a vector (its storage is freed, its elements are returned).
///
/// # Safety
/// `v` is null or a vector this library made, not used again.
pub unsafe fn take_vec<T: crate::vec::Element>(v: *mut CVec<T>) -> Vec<T> {
    // SAFETY: as the caller guarantees.
    let Some(v) = (unsafe { v.as_mut() }) else {
        return Vec::new();
    };
    // SAFETY: the vector is valid.
    let items = unsafe { v.as_slice() }.to_vec();
    // SAFETY: the elements now belong to `items`.
    unsafe { v.free_storage() };
    items
}

pub(crate) fn null<T>() -> *mut T {
    ptr::null_mut()
}
