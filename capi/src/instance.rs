//! Instances: made from a module and one extern per import, in the
//! module's order; their exports in the module's order.

use crate::module::module_of;
use crate::object::{Key, What, wasm_extern_vec_t, wasm_ref_t};
use crate::store::{wasm_store_t, with_store};
use crate::types::null;
use crate::vec::CVec;
use waot_run::{Error, Extern, Instance};

/// The extern of an object.
fn extern_of(r: &wasm_ref_t) -> Result<Extern, Error> {
    Ok(match r.what {
        What::Item(Key::Func(f)) => Extern::Func(f),
        What::Item(Key::Global(g)) => Extern::Global(g),
        What::Item(Key::Table(t)) => Extern::Table(t),
        What::Item(Key::Memory(m)) => Extern::Memory(m),
        _ => {
            return Err(Error::msg(
                "an import must be a function, global, table or memory",
            ));
        }
    })
}

/// An object for an extern of `store`.
pub fn extern_object(store: *mut wasm_store_t, e: Extern) -> *mut wasm_ref_t {
    let key = match e {
        Extern::Func(f) => Key::Func(f),
        Extern::Global(g) => Key::Global(g),
        Extern::Table(t) => Key::Table(t),
        Extern::Memory(m) => Key::Memory(m),
    };
    wasm_ref_t::item(store, key)
}

/// An instance of `module` with `imports`; NULL on failure, with the trap
/// (a start function's, or one saying why) in `trap` when it is given.
///
/// # Safety
/// `store` and `module` are live; `imports` is a valid vector of live
/// externs; `trap` is null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_new(
    store: *mut wasm_store_t,
    module: *const wasm_ref_t,
    imports: *const wasm_extern_vec_t,
    trap: *mut *mut wasm_ref_t,
) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    let made = unsafe {
        (|| {
            let module = module_of(module).ok_or_else(|| Error::msg("not a module"))?;
            let items = imports
                .as_ref()
                .map_or(&[][..], |v| v.as_slice())
                .iter()
                .map(|p| {
                    p.as_ref()
                        .ok_or_else(|| Error::msg("a null import"))
                        .and_then(extern_of)
                })
                .collect::<Result<Vec<_>, _>>()?;
            with_store(store, |ctx| Instance::new(&mut *ctx, module, &items))
        })()
    };
    match made {
        Ok(i) => {
            if let Some(out) = std::ptr::NonNull::new(trap) {
                // SAFETY: as the caller guarantees.
                unsafe { out.as_ptr().write(null()) }
            }
            wasm_ref_t::item(store, Key::Instance(i))
        }
        Err(e) => {
            crate::error::record(&e);
            if let Some(out) = std::ptr::NonNull::new(trap) {
                // SAFETY: as the caller guarantees.
                unsafe { out.as_ptr().write(crate::trap::trap_of(e)) }
            }
            null()
        }
    }
}

/// Its exports, in the module's order.
///
/// # Safety
/// `i` is a live instance; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_instance_exports(i: *const wasm_ref_t, out: *mut wasm_extern_vec_t) {
    // SAFETY: as the caller guarantees.
    let list = match unsafe { i.as_ref() } {
        Some(wasm_ref_t {
            store,
            what: What::Item(Key::Instance(instance)),
        }) => {
            let store = *store;
            // SAFETY: an instance's store outlives it.
            let exports = unsafe { with_store(store, |ctx| instance.exports(&mut *ctx)) };
            exports
                .into_iter()
                .map(|(_, e)| extern_object(store, e))
                .collect()
        }
        _ => Vec::new(),
    };
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(list)) }
}
