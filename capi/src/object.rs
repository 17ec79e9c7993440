//! Objects of the standard's reference types. Every function, global,
//! table, memory, instance, foreign object, trap and module the C API hands
//! out is one Rust type, [`wasm_ref_t`] (a store and what it refers to),
//! so the standard's casts (`wasm_func_as_extern`, `wasm_ref_as_func`, …)
//! are pointer casts checked by kind. Copies refer to the same object;
//! host info belongs to the object (kept by its store), not to the copy.

#![allow(non_camel_case_types)]

use crate::store::{wasm_store_t, with_store};
use crate::types::{boxed, null, take};
use std::ffi::c_void;
use std::sync::{Arc, Mutex};
use waot_run::{Func, Global, Instance, Memory, Table};

/// A host's pointer and what deletes it.
pub struct HostInfo {
    pub data: *mut c_void,
    pub finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

impl Drop for HostInfo {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: the host gave this finalizer for this pointer.
            unsafe { finalize(self.data) }
        }
    }
}

/// An object of a store.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum Key {
    Func(Func),
    Global(Global),
    Table(Table),
    Memory(Memory),
    Instance(Instance),
    /// A foreign object: the externref value wasm sees.
    Foreign(waot_run::ExternRef),
}

/// What an object is.
#[derive(Clone)]
pub enum What {
    Item(Key),
    Trap(Arc<crate::trap::TrapData>),
    Module(Arc<crate::module::ModuleData>),
}

/// Any object of the C API.
#[derive(Clone)]
pub struct wasm_ref_t {
    /// Its store (null for traps and modules).
    pub store: *mut wasm_store_t,
    pub what: What,
}
impl crate::vec::Owned for wasm_ref_t {}

pub type wasm_func_t = wasm_ref_t;
pub type wasm_foreign_t = wasm_ref_t;
pub type wasm_trap_t = wasm_ref_t;
pub type wasm_module_t = wasm_ref_t;

/// The kinds of object a cast may ask for.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Extern,
    Func,
    Global,
    Table,
    Memory,
    Instance,
    Foreign,
    Trap,
    Module,
}

impl wasm_ref_t {
    /// A new object of store `store`.
    pub fn item(store: *mut wasm_store_t, key: Key) -> *mut wasm_ref_t {
        boxed(wasm_ref_t {
            store,
            what: What::Item(key),
        })
    }

    /// Whether it is of `kind`.
    pub fn is(&self, kind: Kind) -> bool {
        match (kind, &self.what) {
            (Kind::Extern, What::Item(k)) => !matches!(k, Key::Instance(_) | Key::Foreign(_)),
            (Kind::Func, What::Item(Key::Func(_)))
            | (Kind::Global, What::Item(Key::Global(_)))
            | (Kind::Table, What::Item(Key::Table(_)))
            | (Kind::Memory, What::Item(Key::Memory(_)))
            | (Kind::Instance, What::Item(Key::Instance(_)))
            | (Kind::Foreign, What::Item(Key::Foreign(_)))
            | (Kind::Trap, What::Trap(_))
            | (Kind::Module, What::Module(_)) => true,
            _ => false,
        }
    }

    fn same(&self, other: &wasm_ref_t) -> bool {
        match (&self.what, &other.what) {
            (What::Item(a), What::Item(b)) => a == b && self.store == other.store,
            (What::Trap(a), What::Trap(b)) => Arc::ptr_eq(a, b),
            (What::Module(a), What::Module(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// Runs `f` on its host info slot.
    fn with_host_info<R>(&self, f: impl FnOnce(&mut Option<HostInfo>) -> R) -> R {
        let slot = match &self.what {
            What::Trap(t) => &t.host_info,
            What::Module(m) => &m.host_info,
            What::Item(key) => {
                let key = *key;
                // SAFETY: an item's store outlives its objects.
                return unsafe {
                    with_store(self.store, |ctx| f(ctx.data_mut().host_info.slot(key)))
                };
            }
        };
        f(&mut slot.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

/// Host info a trap or module keeps itself.
pub type HostInfoSlot = Mutex<Option<HostInfo>>;

// SAFETY: host info is the host's to synchronise (the standard gives
// objects to one thread at a time); waot only stores and finalizes it.
unsafe impl Send for HostInfo {}

/// `p` if it is a live object of `kind`, otherwise null.
///
/// # Safety
/// `p` is null or a live object of this API.
pub unsafe fn cast(p: *const wasm_ref_t, kind: Kind) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    match unsafe { p.as_ref() } {
        Some(r) if r.is(kind) => p as *mut wasm_ref_t,
        _ => null(),
    }
}

/// Deletes an object (not what it refers to: that lives in its store).
///
/// # Safety
/// `p` is null or an object the caller owns.
pub unsafe fn delete(p: *mut wasm_ref_t) {
    // SAFETY: as the caller guarantees.
    drop(unsafe { take(p) });
}

/// A copy of an object.
///
/// # Safety
/// `p` is null or a live object.
pub unsafe fn copy(p: *const wasm_ref_t) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    match unsafe { p.as_ref() } {
        Some(r) => boxed(r.clone()),
        None => null(),
    }
}

/// Whether two objects are the same.
///
/// # Safety
/// Both are null or live objects.
pub unsafe fn same(a: *const wasm_ref_t, b: *const wasm_ref_t) -> bool {
    // SAFETY: as the caller guarantees.
    match unsafe { (a.as_ref(), b.as_ref()) } {
        (Some(a), Some(b)) => a.same(b),
        (None, None) => true,
        _ => false,
    }
}

/// The object's host info (NULL if none).
///
/// # Safety
/// `p` is a live object.
pub unsafe fn get_host_info(p: *const wasm_ref_t) -> *mut c_void {
    // SAFETY: as the caller guarantees.
    match unsafe { p.as_ref() } {
        Some(r) => r.with_host_info(|slot| slot.as_ref().map_or(null(), |i| i.data)),
        None => null(),
    }
}

/// Sets the object's host info; the previous one's finalizer runs.
///
/// # Safety
/// `p` is a live object.
pub unsafe fn set_host_info(
    p: *const wasm_ref_t,
    data: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) {
    // SAFETY: as the caller guarantees.
    if let Some(r) = unsafe { p.as_ref() } {
        let old = r.with_host_info(|slot| slot.replace(HostInfo { data, finalizer }));
        drop(old);
    }
}

/// The standard's functions of one reference type: `delete`, `copy`,
/// `same`, host info, and the casts to and from `wasm_ref_t`.
macro_rules! ref_fns {
    ($kind:expr, $delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident,
     $as_ref:ident, $as_ref_const:ident, $from_ref:ident, $from_ref_const:ident) => {
        ref_fns!($delete, $copy, $same, $get, $set, $set_fin);
        ref_casts!($kind, $as_ref, $as_ref_const, $from_ref, $from_ref_const);
    };
    ($delete:ident, $copy:ident, $same:ident, $get:ident, $set:ident, $set_fin:ident) => {
        /// Deletes the object (what it refers to stays in its store).
        ///
        /// # Safety
        /// `p` is null or an object the caller owns.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(p: *mut $crate::object::wasm_ref_t) {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::delete(p) }
        }
        /// A new object referring to the same thing.
        ///
        /// # Safety
        /// `p` is null or a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(
            p: *const $crate::object::wasm_ref_t,
        ) -> *mut $crate::object::wasm_ref_t {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::copy(p) }
        }
        /// Whether both refer to the same thing.
        ///
        /// # Safety
        /// Both are null or live objects.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $same(
            a: *const $crate::object::wasm_ref_t,
            b: *const $crate::object::wasm_ref_t,
        ) -> bool {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::same(a, b) }
        }
        /// Its host info.
        ///
        /// # Safety
        /// `p` is a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $get(
            p: *const $crate::object::wasm_ref_t,
        ) -> *mut std::ffi::c_void {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::get_host_info(p) }
        }
        /// Sets its host info.
        ///
        /// # Safety
        /// `p` is a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $set(
            p: *mut $crate::object::wasm_ref_t,
            data: *mut std::ffi::c_void,
        ) {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::set_host_info(p, data, None) }
        }
        /// Sets its host info, finalized when its store is deleted (or
        /// when replaced).
        ///
        /// # Safety
        /// `p` is a live object; `finalizer` may be called with `data`.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $set_fin(
            p: *mut $crate::object::wasm_ref_t,
            data: *mut std::ffi::c_void,
            finalizer: Option<unsafe extern "C" fn(*mut std::ffi::c_void)>,
        ) {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::set_host_info(p, data, finalizer) }
        }
    };
}

/// Casts between a reference type and `wasm_ref_t`.
macro_rules! ref_casts {
    ($kind:expr, $as_ref:ident, $as_ref_const:ident, $from_ref:ident, $from_ref_const:ident) => {
        /// The same object as a reference.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ref(
            p: *mut $crate::object::wasm_ref_t,
        ) -> *mut $crate::object::wasm_ref_t {
            p
        }
        /// The same object as a reference.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ref_const(
            p: *const $crate::object::wasm_ref_t,
        ) -> *const $crate::object::wasm_ref_t {
            p
        }
        /// The same object, if the reference is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `p` is null or a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_ref(
            p: *mut $crate::object::wasm_ref_t,
        ) -> *mut $crate::object::wasm_ref_t {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::cast(p, $kind) }
        }
        /// The same object, if the reference is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `p` is null or a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_ref_const(
            p: *const $crate::object::wasm_ref_t,
        ) -> *const $crate::object::wasm_ref_t {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::object::cast(p, $kind) }
        }
    };
}

use Kind as K;
ref_fns!(
    wasm_ref_delete,
    wasm_ref_copy,
    wasm_ref_same,
    wasm_ref_get_host_info,
    wasm_ref_set_host_info,
    wasm_ref_set_host_info_with_finalizer
);
ref_fns!(
    K::Func,
    wasm_func_delete,
    wasm_func_copy,
    wasm_func_same,
    wasm_func_get_host_info,
    wasm_func_set_host_info,
    wasm_func_set_host_info_with_finalizer,
    wasm_func_as_ref,
    wasm_func_as_ref_const,
    wasm_ref_as_func,
    wasm_ref_as_func_const
);
ref_fns!(
    K::Global,
    wasm_global_delete,
    wasm_global_copy,
    wasm_global_same,
    wasm_global_get_host_info,
    wasm_global_set_host_info,
    wasm_global_set_host_info_with_finalizer,
    wasm_global_as_ref,
    wasm_global_as_ref_const,
    wasm_ref_as_global,
    wasm_ref_as_global_const
);
ref_fns!(
    K::Table,
    wasm_table_delete,
    wasm_table_copy,
    wasm_table_same,
    wasm_table_get_host_info,
    wasm_table_set_host_info,
    wasm_table_set_host_info_with_finalizer,
    wasm_table_as_ref,
    wasm_table_as_ref_const,
    wasm_ref_as_table,
    wasm_ref_as_table_const
);
ref_fns!(
    K::Memory,
    wasm_memory_delete,
    wasm_memory_copy,
    wasm_memory_same,
    wasm_memory_get_host_info,
    wasm_memory_set_host_info,
    wasm_memory_set_host_info_with_finalizer,
    wasm_memory_as_ref,
    wasm_memory_as_ref_const,
    wasm_ref_as_memory,
    wasm_ref_as_memory_const
);
ref_fns!(
    K::Extern,
    wasm_extern_delete,
    wasm_extern_copy,
    wasm_extern_same,
    wasm_extern_get_host_info,
    wasm_extern_set_host_info,
    wasm_extern_set_host_info_with_finalizer,
    wasm_extern_as_ref,
    wasm_extern_as_ref_const,
    wasm_ref_as_extern,
    wasm_ref_as_extern_const
);
ref_fns!(
    K::Instance,
    wasm_instance_delete,
    wasm_instance_copy,
    wasm_instance_same,
    wasm_instance_get_host_info,
    wasm_instance_set_host_info,
    wasm_instance_set_host_info_with_finalizer,
    wasm_instance_as_ref,
    wasm_instance_as_ref_const,
    wasm_ref_as_instance,
    wasm_ref_as_instance_const
);
ref_fns!(
    K::Foreign,
    wasm_foreign_delete,
    wasm_foreign_copy,
    wasm_foreign_same,
    wasm_foreign_get_host_info,
    wasm_foreign_set_host_info,
    wasm_foreign_set_host_info_with_finalizer,
    wasm_foreign_as_ref,
    wasm_foreign_as_ref_const,
    wasm_ref_as_foreign,
    wasm_ref_as_foreign_const
);
ref_fns!(
    K::Trap,
    wasm_trap_delete,
    wasm_trap_copy,
    wasm_trap_same,
    wasm_trap_get_host_info,
    wasm_trap_set_host_info,
    wasm_trap_set_host_info_with_finalizer,
    wasm_trap_as_ref,
    wasm_trap_as_ref_const,
    wasm_ref_as_trap,
    wasm_ref_as_trap_const
);
ref_fns!(
    K::Module,
    wasm_module_delete,
    wasm_module_copy,
    wasm_module_same,
    wasm_module_get_host_info,
    wasm_module_set_host_info,
    wasm_module_set_host_info_with_finalizer,
    wasm_module_as_ref,
    wasm_module_as_ref_const,
    wasm_ref_as_module,
    wasm_ref_as_module_const
);

/// A new foreign object of `store`.
///
/// # Safety
/// `store` is a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_foreign_new(store: *mut wasm_store_t) -> *mut wasm_foreign_t {
    // SAFETY: as the caller guarantees.
    let id = unsafe {
        with_store(store, |ctx| {
            let data = ctx.data_mut();
            data.foreigns += 1;
            data.foreigns
        })
    };
    // Ids count from 1 and stay far below the 62-bit host value limit.
    let r = waot_run::ExternRef::host(id).unwrap_or(waot_run::ExternRef::NULL);
    wasm_ref_t::item(store, Key::Foreign(r))
}

/// The casts between externs and the four extern kinds.
macro_rules! extern_casts {
    ($kind:expr, $as_ext:ident, $as_ext_const:ident, $from:ident, $from_const:ident) => {
        /// The same object as an extern.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            p
        }
        /// The same object as an extern.
        #[unsafe(no_mangle)]
        pub extern "C" fn $as_ext_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            p
        }
        /// The same object, if the extern is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `p` is null or a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from(p: *mut wasm_ref_t) -> *mut wasm_ref_t {
            // SAFETY: as the caller guarantees.
            unsafe { cast(p, $kind) }
        }
        /// The same object, if the extern is of this kind; NULL otherwise.
        ///
        /// # Safety
        /// `p` is null or a live object.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $from_const(p: *const wasm_ref_t) -> *const wasm_ref_t {
            // SAFETY: as the caller guarantees.
            unsafe { cast(p, $kind) }
        }
    };
}
extern_casts!(
    K::Func,
    wasm_func_as_extern,
    wasm_func_as_extern_const,
    wasm_extern_as_func,
    wasm_extern_as_func_const
);
extern_casts!(
    K::Global,
    wasm_global_as_extern,
    wasm_global_as_extern_const,
    wasm_extern_as_global,
    wasm_extern_as_global_const
);
extern_casts!(
    K::Table,
    wasm_table_as_extern,
    wasm_table_as_extern_const,
    wasm_extern_as_table,
    wasm_extern_as_table_const
);
extern_casts!(
    K::Memory,
    wasm_memory_as_extern,
    wasm_memory_as_extern_const,
    wasm_extern_as_memory,
    wasm_extern_as_memory_const
);

crate::vec::declare_vec!(
    wasm_extern_vec_t,
    *mut wasm_ref_t,
    wasm_extern_vec_new_empty,
    wasm_extern_vec_new_uninitialized,
    wasm_extern_vec_new,
    wasm_extern_vec_copy,
    wasm_extern_vec_delete
);
