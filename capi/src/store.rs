//! Configurations, engines and stores, the one way every function reaches
//! a store ([`with_store`]: through the caller of the host function now
//! running in it, if there is one), and the last error of this thread.

#![allow(non_camel_case_types)]

use crate::object::HostInfo;
use std::cell::RefCell;
use std::collections::HashMap;
use waot_run::{AsContextMut, Config, Engine, Store, StoreContextMut};

/// An engine's configuration.
pub struct wasm_config_t {
    pub config: Config,
}

/// An engine: shared by stores (of any thread).
pub struct wasm_engine_t {
    pub engine: Engine,
}

/// What a store keeps for the C API beside its objects.
pub struct StoreData {
    /// Host info of the store's objects; finalized when the store is
    /// deleted, in the order it was set.
    pub host_info: HostInfoTable,
    /// The last foreign object's number (externref values are these).
    pub foreigns: u64,
    /// WASI, once configured (`waot_store_set_wasi`).
    pub wasi: Option<waot_run::wasi::WasiCtx>,
    /// The limits `waot_store_limit` set.
    pub limits: waot_run::StoreLimits,
}

/// Host info by object, finalized in the order it was first set.
#[derive(Default)]
pub struct HostInfoTable {
    index: HashMap<crate::object::Key, usize>,
    slots: Vec<Option<HostInfo>>,
}

impl HostInfoTable {
    /// The slot of `key`'s host info.
    pub fn slot(&mut self, key: crate::object::Key) -> &mut Option<HostInfo> {
        let next = self.slots.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.slots.push(None);
        }
        &mut self.slots[i]
    }
}

impl Default for StoreData {
    fn default() -> Self {
        StoreData {
            host_info: HostInfoTable::default(),
            foreigns: 0,
            wasi: None,
            limits: waot_run::StoreLimitsBuilder::new().build(),
        }
    }
}

/// A store.
pub struct wasm_store_t {
    pub store: Store<StoreData>,
    pub engine: Engine,
}

/// A new default configuration.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_config_new() -> *mut wasm_config_t {
    crate::types::boxed(wasm_config_t {
        config: Config::new(),
    })
}

/// Deletes a configuration.
///
/// # Safety
/// `c` is null or a configuration the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_config_delete(c: *mut wasm_config_t) {
    // SAFETY: as the caller guarantees.
    let _ = unsafe { crate::types::take(c) };
}

/// A new engine with the default configuration.
#[unsafe(no_mangle)]
pub extern "C" fn wasm_engine_new() -> *mut wasm_engine_t {
    crate::types::boxed(wasm_engine_t {
        engine: Engine::default(),
    })
}

/// A new engine; takes over `config`.
///
/// # Safety
/// `config` is a configuration this library made.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_new_with_config(
    config: *mut wasm_config_t,
) -> *mut wasm_engine_t {
    // SAFETY: as the caller guarantees.
    let config = unsafe { crate::types::take(config) }.map_or_else(Config::new, |c| c.config);
    match Engine::new(&config) {
        Ok(engine) => crate::types::boxed(wasm_engine_t { engine }),
        Err(e) => crate::error::fail(e),
    }
}

/// Deletes an engine (its stores and modules keep what they need of it).
///
/// # Safety
/// `e` is null or an engine the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_engine_delete(e: *mut wasm_engine_t) {
    // SAFETY: as the caller guarantees.
    drop(unsafe { crate::types::take(e) });
}

/// A new store of `engine`.
///
/// # Safety
/// `engine` is a live engine.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_store_new(engine: *mut wasm_engine_t) -> *mut wasm_store_t {
    // SAFETY: as the caller guarantees.
    let Some(engine) = (unsafe { engine.as_ref() }) else {
        return crate::types::null();
    };
    crate::types::boxed(wasm_store_t {
        store: Store::new(&engine.engine, StoreData::default()),
        engine: engine.engine.clone(),
    })
}

/// Deletes a store and everything in it, running host-info finalizers.
///
/// # Safety
/// `s` is null or a store the caller owns; no object of it is used again.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_store_delete(s: *mut wasm_store_t) {
    // SAFETY: as the caller guarantees.
    drop(unsafe { crate::types::take(s) });
}

thread_local! {
    /// The stores whose host functions are running on this thread, and
    /// each one's context (the `Caller` of the innermost host function).
    static ACTIVE: RefCell<Vec<(usize, *mut StoreContextMut<'static, StoreData>)>> =
        const { RefCell::new(Vec::new()) };
}

/// Runs `f` on store `s`: through the context of the innermost host
/// function running in it on this thread (wasm below it borrows the store),
/// or the store itself.
///
/// # Safety
/// `s` is a live store, used by this thread only.
pub unsafe fn with_store<R>(
    s: *mut wasm_store_t,
    f: impl FnOnce(&mut StoreContextMut<'_, StoreData>) -> R,
) -> R {
    let active = ACTIVE.with(|a| {
        a.borrow()
            .iter()
            .rev()
            .find(|(store, _)| *store == s as usize)
            .map(|(_, ctx)| *ctx)
    });
    match active {
        // SAFETY: `in_host_function` pushed this context, which lives on
        // its stack frame until it pops it; its wasm caller is suspended.
        Some(ctx) => f(unsafe { &mut *ctx }),
        None => {
            // SAFETY: as the caller guarantees; no host function of this
            // store is running, so nothing else borrows it.
            let store = unsafe { &mut (*s).store };
            f(&mut store.as_context_mut())
        }
    }
}

/// Whether a host function of store `s` is running on this thread (its
/// wasm caller borrows the store).
pub fn in_call(s: *mut wasm_store_t) -> bool {
    ACTIVE.with(|a| a.borrow().iter().any(|(store, _)| *store == s as usize))
}

/// Runs `f` as the host function of store `s` whose context is `ctx`:
/// calls the callback makes into `s` use `ctx`.
pub fn in_host_function<R>(
    s: usize,
    ctx: &mut StoreContextMut<'_, StoreData>,
    f: impl FnOnce() -> R,
) -> R {
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            ACTIVE.with(|a| a.borrow_mut().pop());
        }
    }
    let erased: *mut StoreContextMut<'static, StoreData> = std::ptr::from_mut(ctx).cast();
    ACTIVE.with(|a| a.borrow_mut().push((s, erased)));
    let _pop = Pop;
    f()
}
