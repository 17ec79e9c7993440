//! What waot.h adds for a host that must keep control of its guests:
//! fuel and epoch deadlines, resource limits, required signatures, and
//! natives by WAMR-style signature strings (waot_native.h's symbols).

use crate::object::{wasm_extern_vec_t, wasm_ref_t};
use crate::store::{wasm_config_t, wasm_engine_t, wasm_store_t, with_store};
use crate::types::null;
use crate::vec::CVec;
use std::ffi::{c_char, c_void};
use waot_run::{Linker, StoreLimitsBuilder};

/// Stores of engines made with `config` count fuel (modules must be
/// compiled with `waot compile --fuel`).
///
/// # Safety
/// `config` is a live configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_config_consume_fuel(config: *mut wasm_config_t, enable: bool) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { config.as_mut() } {
        c.config.consume_fuel(enable);
    }
}

/// Stores of engines made with `config` have epoch deadlines (modules
/// must be compiled with `waot compile --epoch-interruption`).
///
/// # Safety
/// `config` is a live configuration.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_config_epoch_interruption(config: *mut wasm_config_t, enable: bool) {
    // SAFETY: as the caller guarantees.
    if let Some(c) = unsafe { config.as_mut() } {
        c.config.epoch_interruption(enable);
    }
}

/// Engines made with `config` open only artifacts signed with the key in
/// the public key file at `path` (`waot keygen`): false when it cannot be
/// read.
///
/// # Safety
/// `config` is a live configuration; `path` a string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_config_require_signature(
    config: *mut wasm_config_t,
    path: *const c_char,
) -> bool {
    // SAFETY: as the caller guarantees.
    let (Some(c), Some(path)) = (unsafe { config.as_mut() }, unsafe { crate::c_text(path) }) else {
        crate::error::record("waot_config_require_signature: a null configuration or path");
        return false;
    };
    match c.config.require_signature(&path) {
        Ok(_) => true,
        Err(e) => {
            crate::error::record(e);
            false
        }
    }
}

/// Advances the engine's epoch by one (from any thread).
///
/// # Safety
/// `engine` is a live engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_engine_increment_epoch(engine: *const wasm_engine_t) {
    // SAFETY: as the caller guarantees.
    if let Some(e) = unsafe { engine.as_ref() } {
        e.engine.increment_epoch();
    }
}

/// Sets the store's fuel: false unless its engine counts fuel.
///
/// # Safety
/// `store` is a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_store_set_fuel(store: *mut wasm_store_t, fuel: u64) -> bool {
    // SAFETY: as the caller guarantees.
    let done = unsafe { with_store(store, |ctx| ctx.set_fuel(fuel)) };
    done.map_err(crate::error::record).is_ok()
}

/// The store's fuel left: false unless its engine counts fuel.
///
/// # Safety
/// `store` is a live store; `fuel` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_store_get_fuel(store: *mut wasm_store_t, fuel: *mut u64) -> bool {
    // SAFETY: as the caller guarantees.
    match unsafe { with_store(store, |ctx| ctx.get_fuel()) } {
        Ok(left) => {
            if let Some(out) = std::ptr::NonNull::new(fuel) {
                // SAFETY: as the caller guarantees.
                unsafe { out.as_ptr().write(left) };
            }
            true
        }
        Err(e) => {
            crate::error::record(e);
            false
        }
    }
}

/// Wasm of this store traps with "interrupted" once the engine's epoch is
/// `ticks` past its current value.
///
/// # Safety
/// `store` is a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_store_set_epoch_deadline(store: *mut wasm_store_t, ticks: u64) {
    // SAFETY: as the caller guarantees.
    unsafe { with_store(store, |ctx| ctx.set_epoch_deadline(ticks)) }
}

/// Caps each memory of the store at `memory_bytes` and each table at
/// `table_elements` (0: no cap), from now on: instantiation fails past
/// them, `memory.grow` and `table.grow` return -1. False (nothing
/// changes) when called from a host function of the store.
///
/// # Safety
/// `store` is a live store.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_store_limit(
    store: *mut wasm_store_t,
    memory_bytes: usize,
    table_elements: usize,
) -> bool {
    if crate::store::in_call(store) {
        crate::error::record(
            "waot_store_limit: the store is in a call (a host function of it is running)\nhint: set limits before calling into the store",
        );
        return false;
    }
    let mut limits = StoreLimitsBuilder::new();
    if memory_bytes != 0 {
        limits = limits.memory_size(memory_bytes);
    }
    if table_elements != 0 {
        limits = limits.table_elements(table_elements);
    }
    // SAFETY: as the caller guarantees; no host function of the store is
    // running (above), so nothing else borrows it.
    let Some(s) = (unsafe { store.as_mut() }) else {
        return false;
    };
    s.store.data_mut().limits = limits.build();
    s.store.limiter(|data| &mut data.limits);
    true
}

/// `waot_native_symbol` of waot_native.h.
#[repr(C)]
pub struct waot_native_symbol {
    module: *const c_char,
    name: *const c_char,
    signature: *const c_char,
    func: *mut c_void,
}

/// Fills each empty slot of `imports` (made the module's import count
/// long when it is empty) whose import a symbol names with that native.
///
/// # Safety
/// `store` and `module` are live; `symbols` holds `count` symbols whose
/// functions match their signatures as waot_native.h describes and stay
/// loaded; `imports` is a valid vector this library made (or empty).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_native_imports(
    store: *mut wasm_store_t,
    module: *const wasm_ref_t,
    symbols: *const waot_native_symbol,
    count: usize,
    imports: *mut wasm_extern_vec_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    let (Some(module), Some(slots)) = (unsafe { crate::module::module_of(module) }, unsafe {
        imports.as_mut()
    }) else {
        crate::error::record("waot_native_imports: a null module or import vector");
        return false;
    };
    let symbols = if count == 0 {
        &[][..]
    } else {
        // SAFETY: as the caller guarantees.
        unsafe { std::slice::from_raw_parts(symbols, count) }
    };
    // SAFETY: as the caller guarantees.
    let engine = unsafe { (*store).engine.clone() };
    let mut linker = Linker::<crate::store::StoreData>::new(&engine);
    for s in symbols {
        // SAFETY: as the caller guarantees.
        let (module_name, name, signature) = unsafe {
            (
                crate::c_text(s.module),
                crate::c_text(s.name),
                crate::c_text(s.signature),
            )
        };
        let (Some(module_name), Some(name), Some(signature)) = (module_name, name, signature)
        else {
            crate::error::record("a native symbol has a null module, name or signature");
            return false;
        };
        // SAFETY: the caller guarantees the function matches its signature
        // and stays loaded.
        if let Err(e) = unsafe { linker.native_c(&module_name, &name, &signature, s.func as usize) }
        {
            crate::error::record(e);
            return false;
        }
    }
    // The vector changes only once every symbol is known good.
    let wanted = module.imports();
    if slots.size == 0 {
        // SAFETY: an empty vector owns nothing; it is replaced by one of
        // the module's import count.
        unsafe { crate::vec::put(imports, CVec::from_vec(vec![null(); wanted.len()])) };
    }
    // SAFETY: as the caller guarantees.
    let slots = unsafe { &mut *imports };
    if slots.size != wanted.len() {
        crate::error::record(format!(
            "waot_native_imports: the vector has {} slot(s), the module {} import(s)",
            slots.size,
            wanted.len()
        ));
        return false;
    }
    // SAFETY: as the caller guarantees.
    unsafe {
        with_store(store, |ctx| {
            for (slot, import) in slots.as_mut_slice().iter_mut().zip(&wanted) {
                if slot.is_null()
                    && let Some(e) = linker.get(&mut *ctx, import.module, import.name)
                {
                    *slot = crate::instance::extern_object(store, e);
                }
            }
        })
    };
    true
}
