//! Values (`wasm_val_t`) and functions: host functions from C callbacks,
//! and calls into wasm that return a trap instead of failing.

#![allow(non_camel_case_types)]

use crate::object::{Key, What, wasm_func_t, wasm_ref_t};
use crate::store::{StoreData, in_host_function, wasm_store_t, with_store};
use crate::trap::{data as trap_data, trap_of};
use crate::types::{boxed, func_type_to_c, kind, null, wasm_functype_t};
use crate::vec::{CVec, Element, declare_vec};
use std::ffi::c_void;
use waot_run::{AnyRef, AsContextMut, Error, ExternRef, Func, FuncRef, StoreContextMut, Val};

/// A value's payload.
#[repr(C)]
#[derive(Clone, Copy)]
pub union wasm_val_union {
    pub i32: i32,
    pub i64: i64,
    pub f32: f32,
    pub f64: f64,
    pub r#ref: *mut wasm_ref_t,
}

/// A value: a kind and its payload (a reference value owns its object).
#[repr(C)]
#[derive(Clone, Copy)]
pub struct wasm_val_t {
    pub kind: u8,
    pub of: wasm_val_union,
}

impl wasm_val_t {
    fn is_ref(&self) -> bool {
        self.kind >= kind::EXTERNREF
    }
}

impl Element for wasm_val_t {
    unsafe fn deep_copy(&self) -> wasm_val_t {
        let mut v = *self;
        if self.is_ref() {
            // SAFETY: a reference value holds null or a live object.
            v.of.r#ref = unsafe { crate::object::copy(self.of.r#ref) };
        }
        v
    }
    unsafe fn delete(self) {
        if self.is_ref() {
            // SAFETY: a reference value owns its object.
            unsafe { crate::object::delete(self.of.r#ref) }
        }
    }
    fn empty() -> wasm_val_t {
        wasm_val_t {
            kind: kind::EXTERNREF,
            of: wasm_val_union { r#ref: null() },
        }
    }
}

declare_vec!(
    wasm_val_vec_t,
    wasm_val_t,
    wasm_val_vec_new_empty,
    wasm_val_vec_new_uninitialized,
    wasm_val_vec_new,
    wasm_val_vec_copy,
    wasm_val_vec_delete
);

/// Deletes what a value owns.
///
/// # Safety
/// `v` is null or a valid value the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_val_delete(v: *mut wasm_val_t) {
    // SAFETY: as the caller guarantees.
    if let Some(v) = unsafe { v.as_mut() } {
        // SAFETY: the value owns its reference, deleted once.
        unsafe { v.delete() };
        *v = wasm_val_t::empty();
    }
}

/// A copy of a value (a new object for a reference).
///
/// # Safety
/// `out` is valid for a write; `src` is a valid value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_val_copy(out: *mut wasm_val_t, src: *const wasm_val_t) {
    // SAFETY: as the caller guarantees.
    unsafe { out.write((*src).deep_copy()) }
}

/// The waot value of a C value (whose reference stays the caller's).
///
/// # Safety
/// `v` holds a valid payload for its kind.
pub unsafe fn val_in(
    store: *mut wasm_store_t,
    ctx: &mut StoreContextMut<'_, StoreData>,
    v: &wasm_val_t,
) -> Result<Val, Error> {
    // SAFETY: a reference value holds null or a live object.
    if v.kind >= kind::EXTERNREF
        && let Some(r) = unsafe { v.of.r#ref.as_ref() }
        && !r.store.is_null()
        && r.store != store
    {
        return Err(Error::msg(
            "a reference of another store was passed to this store",
        ));
    }
    // SAFETY: the payload is valid for the kind (as the caller guarantees).
    Ok(unsafe {
        match v.kind {
            kind::I32 => Val::I32(v.of.i32),
            kind::I64 => Val::I64(v.of.i64),
            kind::F32 => Val::F32(v.of.f32.to_bits()),
            kind::F64 => Val::F64(v.of.f64.to_bits()),
            kind::FUNCREF => match v.of.r#ref.as_ref().map(|r| &r.what) {
                None => Val::FuncRef(FuncRef::NULL),
                Some(What::Item(Key::Func(f))) => Val::FuncRef(f.func_ref(&mut *ctx)?),
                Some(_) => return Err(Error::msg("a funcref value must hold a function")),
            },
            kind::EXTERNREF => match v.of.r#ref.as_ref().map(|r| &r.what) {
                None => Val::ExternRef(ExternRef::NULL),
                Some(What::Item(Key::Foreign(r))) => Val::ExternRef(*r),
                Some(_) => {
                    return Err(Error::msg(
                        "an externref value must hold a foreign object (wasm_foreign_new)",
                    ));
                }
            },
            kind::ANYREF => match v.of.r#ref.as_ref().map(|r| &r.what) {
                None => Val::AnyRef(AnyRef::NULL),
                Some(What::Item(Key::Foreign(r))) => Val::AnyRef(AnyRef::from_extern(*r)),
                Some(_) => return Err(Error::msg("an anyref value must hold one wasm gave")),
            },
            other => return Err(Error::msg(format!("value kind {other} is not supported"))),
        }
    })
}

/// The C value of a waot value (a reference gets a new object).
pub fn val_out(
    store: *mut wasm_store_t,
    ctx: &mut StoreContextMut<'_, StoreData>,
    v: Val,
) -> wasm_val_t {
    let reference = |kind: u8, r: *mut wasm_ref_t| wasm_val_t {
        kind,
        of: wasm_val_union { r#ref: r },
    };
    match v {
        Val::I32(i) => wasm_val_t {
            kind: kind::I32,
            of: wasm_val_union { i32: i },
        },
        Val::I64(i) => wasm_val_t {
            kind: kind::I64,
            of: wasm_val_union { i64: i },
        },
        Val::F32(bits) => wasm_val_t {
            kind: kind::F32,
            of: wasm_val_union {
                f32: f32::from_bits(bits),
            },
        },
        Val::F64(bits) => wasm_val_t {
            kind: kind::F64,
            of: wasm_val_union {
                f64: f64::from_bits(bits),
            },
        },
        Val::FuncRef(r) => reference(
            kind::FUNCREF,
            Func::from_func_ref(&mut *ctx, r)
                .map_or(null(), |f| wasm_ref_t::item(store, Key::Func(f))),
        ),
        Val::ExternRef(r) if r.is_null() => reference(kind::EXTERNREF, null()),
        Val::ExternRef(r) => reference(kind::EXTERNREF, wasm_ref_t::item(store, Key::Foreign(r))),
        // The standard C API has no `anyref`: it travels as a foreign
        // object holding its external form.
        Val::AnyRef(r) if r.is_null() => reference(kind::ANYREF, null()),
        Val::AnyRef(r) => reference(
            kind::ANYREF,
            wasm_ref_t::item(store, Key::Foreign(ExternRef::from_any(r))),
        ),
        Val::ExnRef(_) => reference(kind::EXNREF, null()),
        Val::V128(_) => wasm_val_t {
            kind: kind::V128,
            of: wasm_val_union { i64: 0 },
        },
    }
}

/// The function of a function object.
///
/// # Safety
/// `f` is a live object.
unsafe fn func_of(f: *const wasm_func_t) -> Option<(*mut wasm_store_t, Func)> {
    // SAFETY: as the caller guarantees.
    match unsafe { f.as_ref() } {
        Some(wasm_ref_t {
            store,
            what: What::Item(Key::Func(func)),
        }) => Some((*store, *func)),
        _ => None,
    }
}

type Plain = unsafe extern "C" fn(*const wasm_val_vec_t, *mut wasm_val_vec_t) -> *mut wasm_ref_t;
type WithEnv = unsafe extern "C" fn(
    *mut c_void,
    *const wasm_val_vec_t,
    *mut wasm_val_vec_t,
) -> *mut wasm_ref_t;

/// A C callback and its environment (finalized with the function).
struct Callback {
    plain: Option<Plain>,
    with_env: Option<WithEnv>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: the standard makes the host responsible for the thread safety
// of its callbacks and environments; waot calls them on the thread that
// calls into its store.
unsafe impl Send for Callback {}
// SAFETY: as for `Send`.
unsafe impl Sync for Callback {}

impl Drop for Callback {
    fn drop(&mut self) {
        if let Some(finalize) = self.finalizer {
            // SAFETY: the host gave this finalizer for this environment.
            unsafe { finalize(self.env) }
        }
    }
}

impl Callback {
    /// Calls it with C values; returns its trap, if any.
    ///
    /// # Safety
    /// The vectors are valid.
    unsafe fn call(&self, args: &wasm_val_vec_t, results: &mut wasm_val_vec_t) -> *mut wasm_ref_t {
        // SAFETY: the host's callback, with valid vectors.
        unsafe {
            match (self.plain, self.with_env) {
                (Some(f), _) => f(args, results),
                (None, Some(f)) => f(self.env, args, results),
                (None, None) => null(),
            }
        }
    }
}

/// Runs the callback as the host function of `store` called with `params`.
fn run_callback(
    store: *mut wasm_store_t,
    callback: &Callback,
    mut caller: waot_run::Caller<'_, StoreData>,
    params: &[Val],
    results: &mut [Val],
) -> Result<(), Error> {
    let mut ctx = caller.as_context_mut();
    let args = params
        .iter()
        .map(|v| val_out(store, &mut ctx, *v))
        .collect();
    let mut args = CVec::from_vec(args);
    let empty: Vec<wasm_val_t> = results
        .iter()
        .map(|v| val_out(store, &mut ctx, *v))
        .collect();
    let mut outs = CVec::from_vec(empty);
    // SAFETY: both vectors were made here and are valid.
    let trap = in_host_function(store as usize, &mut ctx, || unsafe {
        callback.call(&args, &mut outs)
    });
    let outcome = if trap.is_null() {
        // SAFETY: the callback left valid values in its results.
        let values = unsafe { outs.as_slice() };
        values
            .iter()
            .zip(results.iter_mut())
            // SAFETY: as above.
            .try_for_each(|(v, slot)| unsafe { val_in(store, &mut ctx, v) }.map(|v| *slot = v))
    } else {
        // SAFETY: a callback returns null or a trap it made.
        let message = unsafe { trap_data(trap) }.map_or_else(String::new, |d| d.message.clone());
        // SAFETY: the trap is ours to delete.
        unsafe { crate::object::delete(trap) };
        Err(Error::msg(message))
    };
    // SAFETY: both vectors and the values in them are owned here.
    unsafe {
        args.delete();
        outs.delete();
    }
    outcome
}

/// # Safety
/// `store` and `ty` are live.
unsafe fn new_func(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    mut callback: Callback,
) -> *mut wasm_func_t {
    // SAFETY: as the caller guarantees.
    let Some(ty) = unsafe { ty.as_ref() }.and_then(|t| t.func_type()) else {
        // No function was made: the environment stays the host's, and its
        // finalizer does not run.
        callback.finalizer = None;
        return crate::error::fail("wasm_func_new: not a function type");
    };
    let store_addr = store as usize;
    // SAFETY: as the caller guarantees.
    let func = unsafe {
        with_store(store, |ctx| {
            Func::new(&mut *ctx, ty, move |caller, params, results| {
                run_callback(
                    store_addr as *mut wasm_store_t,
                    &callback,
                    caller,
                    params,
                    results,
                )
            })
        })
    };
    wasm_ref_t::item(store, Key::Func(func))
}

/// A host function calling `callback`.
///
/// # Safety
/// `store` and `ty` are live; `callback` is a valid function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_new(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<Plain>,
) -> *mut wasm_func_t {
    let callback = Callback {
        plain: callback,
        with_env: None,
        env: null(),
        finalizer: None,
    };
    // SAFETY: as the caller guarantees.
    unsafe { new_func(store, ty, callback) }
}

/// A host function calling `callback` with `env`; `finalizer(env)` runs
/// when its store is deleted.
///
/// # Safety
/// As for `wasm_func_new`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_new_with_env(
    store: *mut wasm_store_t,
    ty: *const wasm_functype_t,
    callback: Option<WithEnv>,
    env: *mut c_void,
    finalizer: Option<unsafe extern "C" fn(*mut c_void)>,
) -> *mut wasm_func_t {
    let callback = Callback {
        plain: None,
        with_env: callback,
        env,
        finalizer,
    };
    // SAFETY: as the caller guarantees.
    unsafe { new_func(store, ty, callback) }
}

/// Its type.
///
/// # Safety
/// `f` is a live function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_type(f: *const wasm_func_t) -> *mut wasm_functype_t {
    // SAFETY: as the caller guarantees.
    let Some((store, func)) = (unsafe { func_of(f) }) else {
        return null();
    };
    // SAFETY: a function's store outlives it.
    let ty = unsafe { with_store(store, |ctx| func.ty(&*ctx)) };
    boxed(func_type_to_c(&ty))
}

/// Its number of parameters.
///
/// # Safety
/// `f` is a live function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_param_arity(f: *const wasm_func_t) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { func_of(f) }.map_or(0, |(store, func)| {
        // SAFETY: a function's store outlives it.
        unsafe { with_store(store, |ctx| func.ty(&*ctx).params.len()) }
    })
}

/// Its number of results.
///
/// # Safety
/// `f` is a live function.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_result_arity(f: *const wasm_func_t) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { func_of(f) }.map_or(0, |(store, func)| {
        // SAFETY: a function's store outlives it.
        unsafe { with_store(store, |ctx| func.ty(&*ctx).results.len()) }
    })
}

/// Calls it: NULL when it returned (its results written to `results`,
/// which has room for them), or the trap that stopped it.
///
/// # Safety
/// `f` is a live function; `args` and `results` are valid vectors.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_func_call(
    f: *const wasm_func_t,
    args: *const wasm_val_vec_t,
    results: *mut wasm_val_vec_t,
) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    let Some((store, func)) = (unsafe { func_of(f) }) else {
        return trap_of(Error::msg("wasm_func_call: not a function"));
    };
    // SAFETY: as the caller guarantees.
    let (args, results) = unsafe { (args.as_ref(), results.as_mut()) };
    // SAFETY: a function's store outlives it; the vectors are valid.
    let outcome = unsafe {
        with_store(store, |ctx| -> Result<(), Error> {
            let params = args
                .map_or(&[][..], |a| a.as_slice())
                .iter()
                .map(|v| val_in(store, ctx, v))
                .collect::<Result<Vec<_>, _>>()?;
            let ty = func.ty(&*ctx);
            let mut out: Vec<Val> = ty.results.iter().map(|t| Val::null(*t)).collect();
            func.call(&mut *ctx, &params, &mut out)?;
            // Checked after the call, as the standard's own implementation
            // does: a call expected to trap may pass no room for results.
            let slots = results.ok_or_else(|| Error::msg("wasm_func_call: no results vector"))?;
            if slots.size < out.len() {
                return Err(Error::msg(format!(
                    "wasm_func_call: the results vector has room for {} value(s), the function returned {}",
                    slots.size,
                    out.len()
                )));
            }
            for (slot, v) in slots.as_mut_slice().iter_mut().zip(out) {
                *slot = val_out(store, ctx, v);
            }
            Ok(())
        })
    };
    match outcome {
        Ok(()) => null(),
        Err(e) => trap_of(e),
    }
}
