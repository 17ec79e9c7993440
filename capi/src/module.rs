//! Modules: made from a waot artifact's bytes with every check of
//! `waot-run` (a `.wasm` is refused with the command that compiles it),
//! their import and export types, and shared modules other threads'
//! stores obtain.

#![allow(non_camel_case_types)]

use crate::object::{HostInfoSlot, What, wasm_module_t, wasm_ref_t};
use crate::store::wasm_store_t;
use crate::type_fns::{name_of, wasm_exporttype_t, wasm_importtype_t};
use crate::type_fns::{wasm_exporttype_vec_t, wasm_importtype_vec_t};
use crate::types::{boxed, extern_type_to_c, null};
use crate::vec::CVec;
use std::sync::{Arc, Mutex};
use waot_run::Module;

/// A module and its host info.
pub struct ModuleData {
    pub module: Module,
    pub host_info: HostInfoSlot,
}

/// A module any thread's store may obtain.
pub struct wasm_shared_module_t {
    module: Module,
}

fn module_object(module: Module) -> *mut wasm_module_t {
    boxed(wasm_ref_t {
        store: null(),
        what: What::Module(Arc::new(ModuleData {
            module,
            host_info: Mutex::new(None),
        })),
    })
}

/// The module of a module object.
///
/// # Safety
/// `m` is null or a live object.
pub unsafe fn module_of<'a>(m: *const wasm_module_t) -> Option<&'a Module> {
    // SAFETY: as the caller guarantees.
    match unsafe { m.as_ref() }.map(|r| &r.what) {
        Some(What::Module(d)) => Some(&d.module),
        _ => None,
    }
}

/// # Safety
/// `store` is a live store; `binary` a valid byte vector.
unsafe fn open(
    store: *mut wasm_store_t,
    binary: *const crate::wasm_byte_vec_t,
) -> Result<Module, waot_run::Error> {
    // SAFETY: as the caller guarantees.
    let (Some(store), Some(binary)) = (unsafe { store.as_ref() }, unsafe { binary.as_ref() })
    else {
        return Err(waot_run::Error::msg(
            "a null store or byte vector was passed",
        ));
    };
    // SAFETY: as the caller guarantees.
    Module::from_bytes(&store.engine, unsafe { binary.as_slice() })
}

/// A module from a waot artifact's bytes (NULL if they are not one this
/// host can run: `waot_error_message` says why).
///
/// # Safety
/// `store` is a live store; `binary` a valid byte vector.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_new(
    store: *mut wasm_store_t,
    binary: *const crate::wasm_byte_vec_t,
) -> *mut wasm_module_t {
    // SAFETY: as the caller guarantees.
    match unsafe { open(store, binary) } {
        Ok(m) => module_object(m),
        Err(e) => crate::error::fail(e),
    }
}

/// The module linked into this program whose record is `record`.
///
/// # Safety
/// `store` is a live store; `record` is null or the record of a
/// `waot compile --emit object` object linked into this program.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_module_new_static(
    store: *mut wasm_store_t,
    record: *const waot_run::static_module::StaticModuleRecord,
) -> *mut wasm_module_t {
    // SAFETY: as the caller guarantees.
    let Some(store) = (unsafe { store.as_ref() }) else {
        return crate::error::fail("waot_module_new_static: a null store");
    };
    // SAFETY: as the caller guarantees.
    match unsafe { Module::from_static(&store.engine, record) } {
        Ok(m) => module_object(m),
        Err(e) => crate::error::fail(e),
    }
}

/// Whether the bytes are an artifact this host can run.
///
/// # Safety
/// As for `wasm_module_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_validate(
    store: *mut wasm_store_t,
    binary: *const crate::wasm_byte_vec_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    match unsafe { open(store, binary) } {
        Ok(_) => true,
        Err(e) => {
            crate::error::record(e);
            false
        }
    }
}

/// The same as `wasm_module_new`: an artifact is already serialized.
///
/// # Safety
/// As for `wasm_module_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_deserialize(
    store: *mut wasm_store_t,
    binary: *const crate::wasm_byte_vec_t,
) -> *mut wasm_module_t {
    // SAFETY: as the caller guarantees.
    unsafe { wasm_module_new(store, binary) }
}

/// The artifact's bytes.
///
/// # Safety
/// `m` is a live module; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_serialize(
    m: *const wasm_module_t,
    out: *mut crate::wasm_byte_vec_t,
) {
    // SAFETY: as the caller guarantees.
    let bytes = unsafe { module_of(m) }.map_or_else(Vec::new, |m| m.serialize());
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(bytes)) }
}

/// Its imports' types, in order.
///
/// # Safety
/// `m` is a live module; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_imports(
    m: *const wasm_module_t,
    out: *mut wasm_importtype_vec_t,
) {
    // SAFETY: as the caller guarantees.
    let list = unsafe { module_of(m) }.map_or_else(Vec::new, |m| {
        m.imports()
            .iter()
            .filter_map(|i| {
                Some(boxed(wasm_importtype_t {
                    module: name_of(i.module),
                    name: name_of(i.name),
                    ty: Box::new(extern_type_to_c(&i.ty)?),
                }))
            })
            .collect()
    });
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(list)) }
}

/// Its exports' types, in order.
///
/// # Safety
/// `m` is a live module; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_exports(
    m: *const wasm_module_t,
    out: *mut wasm_exporttype_vec_t,
) {
    // SAFETY: as the caller guarantees.
    let list = unsafe { module_of(m) }.map_or_else(Vec::new, |m| {
        m.exports()
            .iter()
            .filter_map(|e| {
                Some(boxed(wasm_exporttype_t {
                    name: name_of(e.name),
                    ty: Box::new(extern_type_to_c(&e.ty)?),
                }))
            })
            .collect()
    });
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(list)) }
}

/// The module, to be obtained by a store of any thread.
///
/// # Safety
/// `m` is a live module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_share(m: *const wasm_module_t) -> *mut wasm_shared_module_t {
    // SAFETY: as the caller guarantees.
    match unsafe { module_of(m) } {
        Some(m) => boxed(wasm_shared_module_t { module: m.clone() }),
        None => null(),
    }
}

/// A module object of a shared module.
///
/// # Safety
/// `shared` is a live shared module.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_module_obtain(
    _store: *mut wasm_store_t,
    shared: *const wasm_shared_module_t,
) -> *mut wasm_module_t {
    // SAFETY: as the caller guarantees.
    match unsafe { shared.as_ref() } {
        Some(s) => module_object(s.module.clone()),
        None => null(),
    }
}

/// Deletes a shared module.
///
/// # Safety
/// `s` is null or a shared module the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_shared_module_delete(s: *mut wasm_shared_module_t) {
    // SAFETY: as the caller guarantees.
    drop(unsafe { crate::types::take(s) });
}

const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<wasm_shared_module_t>();
};
