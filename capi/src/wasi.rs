//! WASI for C hosts (waot.h): a configuration a store takes, and the
//! import vector that gives a module WASI functions of that store.

#![allow(non_camel_case_types)]

use crate::object::{What, wasm_extern_vec_t, wasm_ref_t};
use crate::store::{StoreData, wasm_store_t, with_store};
use crate::types::{boxed, null, take};
use crate::vec::CVec;
use std::ffi::c_char;
use waot_run::wasi::{WasiCtx, WasiCtxBuilder};
use waot_run::{Error, Linker};

/// A WASI configuration.
pub struct waot_wasi_config_t {
    builder: WasiCtxBuilder,
}

/// The text of a C string, empty for NULL.
///
/// # Safety
/// `s` is null or a NUL-terminated string.
unsafe fn text(s: *const c_char) -> String {
    // SAFETY: as the caller guarantees.
    unsafe { crate::c_text(s) }.unwrap_or_default()
}

/// An empty configuration: no arguments, environment or directories.
#[unsafe(no_mangle)]
pub extern "C" fn waot_wasi_config_new() -> *mut waot_wasi_config_t {
    boxed(waot_wasi_config_t {
        builder: WasiCtxBuilder::new(),
    })
}

/// Deletes a configuration.
///
/// # Safety
/// `c` is null or a configuration the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_config_delete(c: *mut waot_wasi_config_t) {
    // SAFETY: as the caller guarantees.
    drop(unsafe { take(c) });
}

/// Appends an argument.
///
/// # Safety
/// `c` is a live configuration; `arg` a string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_config_arg(c: *mut waot_wasi_config_t, arg: *const c_char) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { c.as_mut() } {
        // SAFETY: as the caller guarantees.
        c.builder.arg(unsafe { text(arg) });
    }
}

/// Sets an environment variable.
///
/// # Safety
/// `c` is a live configuration; `name` and `value` strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_config_env(
    c: *mut waot_wasi_config_t,
    name: *const c_char,
    value: *const c_char,
) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { c.as_mut() } {
        // SAFETY: as the caller guarantees.
        c.builder.env(unsafe { text(name) }, unsafe { text(value) });
    }
}

/// Preopens host directory `host` as `guest`.
///
/// # Safety
/// `c` is a live configuration; `host` and `guest` strings.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_config_preopen_dir(
    c: *mut waot_wasi_config_t,
    host: *const c_char,
    guest: *const c_char,
) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { c.as_mut() } {
        // SAFETY: as the caller guarantees.
        c.builder
            .preopened_dir(unsafe { text(host) }, unsafe { text(guest) });
    }
}

/// Gives the guest the host process's stdin, stdout and stderr.
///
/// # Safety
/// `c` is a live configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_config_inherit_stdio(c: *mut waot_wasi_config_t) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { c.as_mut() } {
        c.builder.inherit_stdio();
    }
}

/// Gives `store` the WASI context of `config` (taking it over).
///
/// # Safety
/// `store` is a live store; `config` a configuration the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_store_set_wasi(
    store: *mut wasm_store_t,
    config: *mut waot_wasi_config_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    let Some(mut config) = (unsafe { take(config) }) else {
        return false;
    };
    match config.builder.build() {
        Ok(ctx) => {
            // SAFETY: as the caller guarantees.
            unsafe { with_store(store, |s| s.data_mut().wasi = Some(ctx)) };
            true
        }
        Err(e) => {
            crate::error::record(e);
            false
        }
    }
}

/// The store's WASI context (an empty one if the host gave none: the
/// imports are refused then, so it is only reached by misuse).
fn wasi_of(data: &mut StoreData) -> &mut WasiCtx {
    data.wasi.get_or_insert_with(|| {
        WasiCtxBuilder::new()
            .build()
            .expect("a WASI context without directories or sockets always builds")
    })
}

/// The import vector of `module` with WASI functions of `store`.
///
/// # Safety
/// `store` and `module` are live; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_wasi_imports(
    store: *mut wasm_store_t,
    module: *const wasm_ref_t,
    out: *mut wasm_extern_vec_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    let Some(module) = (unsafe { crate::module::module_of(module) }) else {
        crate::error::record("waot_wasi_imports: not a module");
        return false;
    };
    // SAFETY: as the caller guarantees.
    let made = unsafe {
        with_store(store, |ctx| -> Result<Vec<*mut wasm_ref_t>, Error> {
            if ctx.data().wasi.is_none() {
                return Err(Error::msg(
                    "the store has no WASI configuration\nhint: call waot_store_set_wasi first",
                ));
            }
            let engine = (*store).engine.clone();
            let mut linker = Linker::<StoreData>::new(&engine);
            waot_run::wasi::add_to_linker(&mut linker, wasi_of)?;
            Ok(module
                .imports()
                .iter()
                .map(|i| match i.module {
                    "wasi_snapshot_preview1" => linker
                        .get(&mut *ctx, i.module, i.name)
                        .map_or(null(), |e| crate::instance::extern_object(store, e)),
                    _ => null(),
                })
                .collect())
        })
    };
    match made {
        Ok(list) => {
            // SAFETY: as the caller guarantees.
            unsafe { crate::vec::put(out, CVec::from_vec(list)) };
            true
        }
        Err(e) => {
            crate::error::record(e);
            false
        }
    }
}

/// Whether `trap` is a WASI `proc_exit`, with its status in `status`.
///
/// # Safety
/// `trap` is a live trap; `status` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_trap_exit_status(trap: *const wasm_ref_t, status: *mut i32) -> bool {
    // SAFETY: as the caller guarantees.
    let code = match unsafe { trap.as_ref() }.map(|t| &t.what) {
        Some(What::Trap(d)) => d.exit_status,
        _ => None,
    };
    if let (Some(code), Some(out)) = (code, std::ptr::NonNull::new(status)) {
        // SAFETY: as the caller guarantees.
        unsafe { out.as_ptr().write(code) };
    }
    code.is_some()
}
