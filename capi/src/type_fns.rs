//! The functions of the standard's types: constructors, accessors,
//! `delete`, `copy` and vectors of each, and the extern-type casts.

#![allow(non_camel_case_types)]

use crate::types::*;
use crate::vec::{Owned, declare_vec};

/// `delete`, `copy` and the vector of a boxed, cloneable type.
macro_rules! type_fns {
    ($t:ty, $delete:ident, $copy:ident, $vec:ident, $($vec_fn:ident),*) => {
        type_fns!($t, $delete, $copy);
        declare_vec!($vec, *mut $t, $($vec_fn),*);
    };
    ($t:ty, $delete:ident, $copy:ident) => {
        /// Deletes it.
        ///
        /// # Safety
        /// `p` is null or an object of this type the caller owns.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(p: *mut $t) {
            // SAFETY: as the caller guarantees.
            let _ = unsafe { take(p) };
        }

        /// A copy of it.
        ///
        /// # Safety
        /// `p` is null or a live object of this type.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(p: *const $t) -> *mut $t {
            // SAFETY: as the caller guarantees.
            match unsafe { p.as_ref() } {
                Some(t) => boxed(t.clone()),
                None => null(),
            }
        }
    };
}

type_fns!(wasm_valtype_t, wasm_valtype_delete, wasm_valtype_copy);
type_fns!(
    wasm_functype_t,
    wasm_functype_delete,
    wasm_functype_copy,
    wasm_functype_vec_t,
    wasm_functype_vec_new_empty,
    wasm_functype_vec_new_uninitialized,
    wasm_functype_vec_new,
    wasm_functype_vec_copy,
    wasm_functype_vec_delete
);
type_fns!(
    wasm_globaltype_t,
    wasm_globaltype_delete,
    wasm_globaltype_copy,
    wasm_globaltype_vec_t,
    wasm_globaltype_vec_new_empty,
    wasm_globaltype_vec_new_uninitialized,
    wasm_globaltype_vec_new,
    wasm_globaltype_vec_copy,
    wasm_globaltype_vec_delete
);
type_fns!(
    wasm_tabletype_t,
    wasm_tabletype_delete,
    wasm_tabletype_copy,
    wasm_tabletype_vec_t,
    wasm_tabletype_vec_new_empty,
    wasm_tabletype_vec_new_uninitialized,
    wasm_tabletype_vec_new,
    wasm_tabletype_vec_copy,
    wasm_tabletype_vec_delete
);
type_fns!(
    wasm_memorytype_t,
    wasm_memorytype_delete,
    wasm_memorytype_copy,
    wasm_memorytype_vec_t,
    wasm_memorytype_vec_new_empty,
    wasm_memorytype_vec_new_uninitialized,
    wasm_memorytype_vec_new,
    wasm_memorytype_vec_copy,
    wasm_memorytype_vec_delete
);
type_fns!(
    wasm_externtype_t,
    wasm_externtype_delete,
    wasm_externtype_copy,
    wasm_externtype_vec_t,
    wasm_externtype_vec_new_empty,
    wasm_externtype_vec_new_uninitialized,
    wasm_externtype_vec_new,
    wasm_externtype_vec_copy,
    wasm_externtype_vec_delete
);
type_fns!(
    wasm_importtype_t,
    wasm_importtype_delete,
    wasm_importtype_copy,
    wasm_importtype_vec_t,
    wasm_importtype_vec_new_empty,
    wasm_importtype_vec_new_uninitialized,
    wasm_importtype_vec_new,
    wasm_importtype_vec_copy,
    wasm_importtype_vec_delete
);
type_fns!(
    wasm_exporttype_t,
    wasm_exporttype_delete,
    wasm_exporttype_copy,
    wasm_exporttype_vec_t,
    wasm_exporttype_vec_new_empty,
    wasm_exporttype_vec_new_uninitialized,
    wasm_exporttype_vec_new,
    wasm_exporttype_vec_copy,
    wasm_exporttype_vec_delete
);

/// A value type of `kind` (NULL for an unknown kind).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_valtype_new(kind: u8) -> *mut wasm_valtype_t {
    match valtype_of(kind) {
        Some(_) => boxed(wasm_valtype_t { kind }),
        None => null(),
    }
}

/// Its kind.
///
/// # Safety
/// `t` is a live value type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_valtype_kind(t: *const wasm_valtype_t) -> u8 {
    // SAFETY: as the caller guarantees.
    unsafe { (*t).kind }
}

/// A function type; takes over both vectors.
///
/// # Safety
/// `params` and `results` are vectors of value types this library made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_new(
    params: *mut wasm_valtype_vec_t,
    results: *mut wasm_valtype_vec_t,
) -> *mut wasm_functype_t {
    // SAFETY: as the caller guarantees; the vectors' elements move here.
    let (params, results) = unsafe { (take_vec(params), take_vec(results)) };
    boxed(wasm_externtype_t {
        which: TypeOf::Func {
            params: crate::vec::CVec::from_vec(params),
            results: crate::vec::CVec::from_vec(results),
        },
    })
}

/// The parameter and result lists of a function type (NULL for another
/// type: a panic may not cross into C).
///
/// # Safety
/// `t` is null or a live extern type.
unsafe fn func_lists(
    t: *const wasm_functype_t,
) -> (*const wasm_valtype_vec_t, *const wasm_valtype_vec_t) {
    // SAFETY: as the caller guarantees.
    match unsafe { t.as_ref() }.map(|t| &t.which) {
        Some(TypeOf::Func { params, results }) => (params, results),
        _ => (null::<wasm_valtype_vec_t>(), null::<wasm_valtype_vec_t>()),
    }
}

/// Its parameter types.
///
/// # Safety
/// `t` is a live function type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_params(
    t: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    // SAFETY: as the caller guarantees.
    unsafe { func_lists(t) }.0
}

/// Its result types.
///
/// # Safety
/// `t` is a live function type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_functype_results(
    t: *const wasm_functype_t,
) -> *const wasm_valtype_vec_t {
    // SAFETY: as the caller guarantees.
    unsafe { func_lists(t) }.1
}

/// A global type; takes over `content`.
///
/// # Safety
/// `content` is a value type this library made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_new(
    content: *mut wasm_valtype_t,
    mutability: u8,
) -> *mut wasm_globaltype_t {
    // SAFETY: as the caller guarantees.
    let Some(content) = (unsafe { take(content) }) else {
        return null();
    };
    boxed(wasm_externtype_t {
        which: TypeOf::Global {
            content,
            mutability,
        },
    })
}

/// Its value type.
///
/// # Safety
/// `t` is a live global type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_content(
    t: *const wasm_globaltype_t,
) -> *const wasm_valtype_t {
    // SAFETY: as the caller guarantees.
    match unsafe { &(*t).which } {
        TypeOf::Global { content, .. } => content,
        _ => null(),
    }
}

/// `WASM_CONST` or `WASM_VAR`.
///
/// # Safety
/// `t` is a live global type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_globaltype_mutability(t: *const wasm_globaltype_t) -> u8 {
    // SAFETY: as the caller guarantees.
    match unsafe { &(*t).which } {
        TypeOf::Global { mutability, .. } => *mutability,
        _ => 0,
    }
}

/// A table type; takes over `element`.
///
/// # Safety
/// `element` is a value type this library made; `limits` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_new(
    element: *mut wasm_valtype_t,
    limits: *const wasm_limits_t,
) -> *mut wasm_tabletype_t {
    // SAFETY: as the caller guarantees.
    let (Some(element), Some(limits)) = (unsafe { take(element) }, unsafe { limits.as_ref() })
    else {
        return null();
    };
    if valtype_of(element.kind).is_none_or(|t| t.as_ref().is_none()) {
        return null();
    }
    boxed(wasm_externtype_t {
        which: TypeOf::Table {
            element,
            limits: *limits,
        },
    })
}

/// Its element type.
///
/// # Safety
/// `t` is a live table type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_element(
    t: *const wasm_tabletype_t,
) -> *const wasm_valtype_t {
    // SAFETY: as the caller guarantees.
    match unsafe { &(*t).which } {
        TypeOf::Table { element, .. } => element,
        _ => null(),
    }
}

/// Its limits.
///
/// # Safety
/// `t` is a live table or memory type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_tabletype_limits(t: *const wasm_tabletype_t) -> *const wasm_limits_t {
    // SAFETY: as the caller guarantees.
    match unsafe { &(*t).which } {
        TypeOf::Table { limits, .. } | TypeOf::Memory { limits } => limits,
        _ => null(),
    }
}

/// A memory type.
///
/// # Safety
/// `limits` is valid.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memorytype_new(
    limits: *const wasm_limits_t,
) -> *mut wasm_memorytype_t {
    // SAFETY: as the caller guarantees.
    let Some(limits) = (unsafe { limits.as_ref() }) else {
        return null();
    };
    boxed(wasm_externtype_t {
        which: TypeOf::Memory { limits: *limits },
    })
}

/// Its limits.
///
/// # Safety
/// `t` is a live memory type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memorytype_limits(
    t: *const wasm_memorytype_t,
) -> *const wasm_limits_t {
    // SAFETY: as the caller guarantees.
    unsafe { wasm_tabletype_limits(t) }
}

/// Its kind (`WASM_EXTERN_FUNC`, …).
///
/// # Safety
/// `t` is a live extern type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_externtype_kind(t: *const wasm_externtype_t) -> u8 {
    // SAFETY: as the caller guarantees.
    unsafe { (*t).kind() }
}

/// The casts between an extern type and each kind: the same object, or
/// NULL when it is of another kind.
macro_rules! casts {
    ($kind:literal, $as_ext:ident, $as_ext_const:ident, $from_ext:ident, $from_ext_const:ident) => {
        /// The same type as an extern type.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext(t: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            t
        }
        /// The same type as an extern type.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext_const(t: *const wasm_externtype_t) -> *const wasm_externtype_t {
            t
        }
        /// The same type, if it is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `t` is null or a live extern type.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_ext(t: *mut wasm_externtype_t) -> *mut wasm_externtype_t {
            // SAFETY: as the caller guarantees.
            match unsafe { t.as_ref() } {
                Some(r) if r.kind() == $kind => t,
                _ => null(),
            }
        }
        /// The same type, if it is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `t` is null or a live extern type.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_ext_const(
            t: *const wasm_externtype_t,
        ) -> *const wasm_externtype_t {
            // SAFETY: as the caller guarantees.
            unsafe { $from_ext(t as *mut _) }
        }
    };
}
casts!(
    0,
    wasm_functype_as_externtype,
    wasm_functype_as_externtype_const,
    wasm_externtype_as_functype,
    wasm_externtype_as_functype_const
);
casts!(
    1,
    wasm_globaltype_as_externtype,
    wasm_globaltype_as_externtype_const,
    wasm_externtype_as_globaltype,
    wasm_externtype_as_globaltype_const
);
casts!(
    2,
    wasm_tabletype_as_externtype,
    wasm_tabletype_as_externtype_const,
    wasm_externtype_as_tabletype,
    wasm_externtype_as_tabletype_const
);
casts!(
    3,
    wasm_memorytype_as_externtype,
    wasm_memorytype_as_externtype_const,
    wasm_externtype_as_memorytype,
    wasm_externtype_as_memorytype_const
);

/// An import's module name, name and type.
pub struct wasm_importtype_t {
    pub module: crate::wasm_name_t,
    pub name: crate::wasm_name_t,
    pub ty: Box<wasm_externtype_t>,
}
impl Owned for wasm_importtype_t {}

/// An export's name and type.
pub struct wasm_exporttype_t {
    pub name: crate::wasm_name_t,
    pub ty: Box<wasm_externtype_t>,
}
impl Owned for wasm_exporttype_t {}

/// A name as a byte vector.
pub fn name_of(s: &str) -> crate::wasm_name_t {
    crate::vec::CVec::from_vec(s.as_bytes().to_vec())
}

fn copy_name(n: &crate::wasm_name_t) -> crate::wasm_name_t {
    // SAFETY: names this library holds are vectors it made.
    crate::vec::CVec::from_vec(unsafe { n.as_slice() }.to_vec())
}

impl Clone for wasm_importtype_t {
    fn clone(&self) -> Self {
        wasm_importtype_t {
            module: copy_name(&self.module),
            name: copy_name(&self.name),
            ty: self.ty.clone(),
        }
    }
}

impl Clone for wasm_exporttype_t {
    fn clone(&self) -> Self {
        wasm_exporttype_t {
            name: copy_name(&self.name),
            ty: self.ty.clone(),
        }
    }
}

impl Drop for wasm_importtype_t {
    fn drop(&mut self) {
        // SAFETY: the names were made by this library and are owned here.
        unsafe {
            self.module.free_storage();
            self.name.free_storage();
        }
    }
}

impl Drop for wasm_exporttype_t {
    fn drop(&mut self) {
        // SAFETY: as for import types.
        unsafe { self.name.free_storage() }
    }
}

/// Takes over a name vector (a copy of its bytes; its storage is freed).
///
/// # Safety
/// `n` is a byte vector this library made.
unsafe fn take_name(n: *mut crate::wasm_name_t) -> crate::wasm_name_t {
    // SAFETY: as the caller guarantees.
    crate::vec::CVec::from_vec(unsafe { take_vec(n) })
}

/// An import type; takes over the names and the type.
///
/// # Safety
/// All three are objects this library made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_new(
    module: *mut crate::wasm_name_t,
    name: *mut crate::wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_importtype_t {
    // The names are taken over (and freed) whatever happens.
    // SAFETY: as the caller guarantees.
    let (mut module, mut name) = unsafe { (take_name(module), take_name(name)) };
    // SAFETY: as the caller guarantees.
    let Some(ty) = (unsafe { take(ty) }) else {
        // SAFETY: both names were made just above.
        unsafe {
            module.free_storage();
            name.free_storage();
        }
        return null();
    };
    boxed(wasm_importtype_t {
        module,
        name,
        ty: Box::new(ty),
    })
}

/// Its module name.
///
/// # Safety
/// `t` is a live import type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_module(
    t: *const wasm_importtype_t,
) -> *const crate::wasm_name_t {
    // SAFETY: as the caller guarantees.
    unsafe { &(*t).module }
}

/// Its name.
///
/// # Safety
/// `t` is a live import type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_name(
    t: *const wasm_importtype_t,
) -> *const crate::wasm_name_t {
    // SAFETY: as the caller guarantees.
    unsafe { &(*t).name }
}

/// Its type.
///
/// # Safety
/// `t` is a live import type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_importtype_type(
    t: *const wasm_importtype_t,
) -> *const wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe { &*(*t).ty }
}

/// An export type; takes over the name and the type.
///
/// # Safety
/// Both are objects this library made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_new(
    name: *mut crate::wasm_name_t,
    ty: *mut wasm_externtype_t,
) -> *mut wasm_exporttype_t {
    // SAFETY: as the caller guarantees; the name is taken over (and
    // freed) whatever happens.
    let mut name = unsafe { take_name(name) };
    // SAFETY: as the caller guarantees.
    let Some(ty) = (unsafe { take(ty) }) else {
        // SAFETY: the name was made just above.
        unsafe { name.free_storage() };
        return null();
    };
    boxed(wasm_exporttype_t {
        name,
        ty: Box::new(ty),
    })
}

/// Its name.
///
/// # Safety
/// `t` is a live export type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_name(
    t: *const wasm_exporttype_t,
) -> *const crate::wasm_name_t {
    // SAFETY: as the caller guarantees.
    unsafe { &(*t).name }
}

/// Its type.
///
/// # Safety
/// `t` is a live export type.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_exporttype_type(
    t: *const wasm_exporttype_t,
) -> *const wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe { &*(*t).ty }
}
