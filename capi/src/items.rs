//! Globals, tables, memories and externs: made by the host or exported by
//! instances, read and changed through their store.

#![allow(non_camel_case_types)]

use crate::func::{val_in, val_out, wasm_val_t};
use crate::object::{Key, What, wasm_ref_t};
use crate::store::{wasm_store_t, with_store};
use crate::types::{
    TypeOf, boxed, extern_type_to_c, kind_of, limits, null, saturating_u32, wasm_externtype_t,
};
use waot_run::{Error, ExternType, Global, GlobalType, Memory, Table, Val};

/// The store object behind `p`.
///
/// # Safety
/// `p` is null or a live object.
unsafe fn item(p: *const wasm_ref_t) -> Option<(*mut wasm_store_t, Key)> {
    // SAFETY: as the caller guarantees.
    match unsafe { p.as_ref() } {
        Some(wasm_ref_t {
            store,
            what: What::Item(key),
        }) => Some((*store, *key)),
        _ => None,
    }
}

/// Runs `f` on the store of `p`, recording an error as the last error.
///
/// # Safety
/// `p` is null or a live object.
unsafe fn on_item<R>(
    p: *const wasm_ref_t,
    failed: R,
    f: impl FnOnce(
        *mut wasm_store_t,
        &mut waot_run::StoreContextMut<'_, crate::store::StoreData>,
        Key,
    ) -> Result<R, Error>,
) -> R {
    // SAFETY: as the caller guarantees.
    let Some((store, key)) = (unsafe { item(p) }) else {
        crate::error::record("a null object or one of another kind was passed");
        return failed;
    };
    // SAFETY: an object's store outlives it.
    match unsafe { with_store(store, |ctx| f(store, ctx, key)) } {
        Ok(r) => r,
        Err(e) => {
            crate::error::record(e);
            failed
        }
    }
}

/// A global of type `ty` holding `value`.
///
/// # Safety
/// `store`, `ty` and `value` are live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_new(
    store: *mut wasm_store_t,
    ty: *const wasm_externtype_t,
    value: *const wasm_val_t,
) -> *mut wasm_ref_t {
    let (Some(GlobalType { content, mutable }), Some(value)) = (
        // SAFETY: as the caller guarantees.
        unsafe { ty.as_ref() }.and_then(|t| t.global_type()),
        // SAFETY: as the caller guarantees.
        unsafe { value.as_ref() },
    ) else {
        return crate::error::fail("wasm_global_new: not a global type or no value");
    };
    // SAFETY: as the caller guarantees.
    let made = unsafe {
        with_store(store, |ctx| {
            let v = val_in(store, ctx, value)?;
            Global::new(&mut *ctx, content, mutable, v)
        })
    };
    match made {
        Ok(g) => wasm_ref_t::item(store, Key::Global(g)),
        Err(e) => crate::error::fail(e),
    }
}

/// Its type.
///
/// # Safety
/// `g` is a live global.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_type(g: *const wasm_ref_t) -> *mut wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(g, null(), |_, ctx, key| match key {
            Key::Global(g) => {
                let (content, mutable) = g.ty(&*ctx);
                let ty = ExternType::Global(GlobalType { content, mutable });
                Ok(extern_type_to_c(&ty).map_or(null(), boxed))
            }
            _ => Err(Error::msg("not a global")),
        })
    }
}

/// Its value.
///
/// # Safety
/// `g` is a live global; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_get(g: *const wasm_ref_t, out: *mut wasm_val_t) {
    // SAFETY: as the caller guarantees.
    let v = unsafe {
        on_item(g, None, |store, ctx, key| match key {
            Key::Global(g) => {
                let v = g.get(&*ctx);
                Ok(Some(val_out(store, ctx, v)))
            }
            _ => Err(Error::msg("not a global")),
        })
    };
    if let (Some(v), Some(out)) = (v, std::ptr::NonNull::new(out)) {
        // SAFETY: as the caller guarantees.
        unsafe { out.as_ptr().write(v) }
    }
}

/// Sets its value (ignored, with the last error set, if it is immutable
/// or of another type).
///
/// # Safety
/// `g` is a live global; `value` a valid value.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_global_set(g: *mut wasm_ref_t, value: *const wasm_val_t) {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(g, (), |store, ctx, key| match (key, value.as_ref()) {
            (Key::Global(g), Some(value)) => {
                let v = val_in(store, ctx, value)?;
                g.set(&mut *ctx, v)
            }
            _ => Err(Error::msg("not a global, or no value")),
        })
    }
}

/// The value of a reference for a table of element type `elem`.
///
/// # Safety
/// `r` is null or a live object.
unsafe fn ref_val(
    store: *mut wasm_store_t,
    ctx: &mut waot_run::StoreContextMut<'_, crate::store::StoreData>,
    elem: u8,
    r: *mut wasm_ref_t,
) -> Result<Val, Error> {
    let v = wasm_val_t {
        kind: elem,
        of: crate::func::wasm_val_union { r#ref: r },
    };
    // SAFETY: as the caller guarantees.
    unsafe { val_in(store, ctx, &v) }
}

/// A table of type `ty`, every element `init`.
///
/// # Safety
/// `store` and `ty` are live; `init` is null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_new(
    store: *mut wasm_store_t,
    ty: *const wasm_externtype_t,
    init: *mut wasm_ref_t,
) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    let Some(desc) = unsafe { ty.as_ref() }.and_then(|t| t.table_desc()) else {
        return crate::error::fail("wasm_table_new: not a table type");
    };
    // SAFETY: as the caller guarantees.
    let made = unsafe {
        with_store(store, |ctx| {
            let v = ref_val(store, ctx, kind_of(desc.elem), init)?;
            Table::new(&mut *ctx, desc, v)
        })
    };
    match made {
        Ok(t) => wasm_ref_t::item(store, Key::Table(t)),
        Err(e) => crate::error::fail(e),
    }
}

fn table_of(key: Key) -> Result<Table, Error> {
    match key {
        Key::Table(t) => Ok(t),
        _ => Err(Error::msg("not a table")),
    }
}

/// Its type (with its current size as minimum).
///
/// # Safety
/// `t` is a live table.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_type(t: *const wasm_ref_t) -> *mut wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(t, null(), |_, ctx, key| {
            let t = table_of(key)?;
            let element = crate::types::wasm_valtype_t {
                kind: kind_of(t.ty(&*ctx)),
            };
            Ok(boxed(wasm_externtype_t {
                which: TypeOf::Table {
                    element,
                    limits: limits(t.size(&*ctx), t.max(&*ctx)),
                },
            }))
        })
    }
}

/// Element `index` (NULL for a null reference or out of bounds).
///
/// # Safety
/// `t` is a live table.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_get(t: *const wasm_ref_t, index: u32) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(t, null(), |store, ctx, key| {
            let t = table_of(key)?;
            let Some(v) = t.get(&mut *ctx, index as u64) else {
                return Ok(null());
            };
            Ok(val_out(store, ctx, v).of.r#ref)
        })
    }
}

/// Sets element `index`: false out of bounds or for a reference the table
/// cannot hold.
///
/// # Safety
/// `t` is a live table; `r` is null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_set(
    t: *mut wasm_ref_t,
    index: u32,
    r: *mut wasm_ref_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(t, false, |store, ctx, key| {
            let t = table_of(key)?;
            let v = ref_val(store, ctx, kind_of(t.ty(&*ctx)), r)?;
            t.set(&mut *ctx, index as u64, v).map(|()| true)
        })
    }
}

/// Its size.
///
/// # Safety
/// `t` is a live table.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_size(t: *const wasm_ref_t) -> u32 {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(t, 0, |_, ctx, key| {
            Ok(saturating_u32(table_of(key)?.size(&*ctx)))
        })
    }
}

/// Grows it by `delta` elements set to `init`: false past its maximum.
///
/// # Safety
/// `t` is a live table; `init` is null or a live object.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_table_grow(
    t: *mut wasm_ref_t,
    delta: u32,
    init: *mut wasm_ref_t,
) -> bool {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(t, false, |store, ctx, key| {
            let t = table_of(key)?;
            let v = ref_val(store, ctx, kind_of(t.ty(&*ctx)), init)?;
            t.grow(&mut *ctx, delta as u64, v).map(|_| true)
        })
    }
}

/// A memory of type `ty`.
///
/// # Safety
/// `store` and `ty` are live.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_new(
    store: *mut wasm_store_t,
    ty: *const wasm_externtype_t,
) -> *mut wasm_ref_t {
    // SAFETY: as the caller guarantees.
    let Some(desc) = unsafe { ty.as_ref() }.and_then(|t| t.memory_desc()) else {
        return crate::error::fail("wasm_memory_new: not a memory type");
    };
    // SAFETY: as the caller guarantees.
    match unsafe { with_store(store, |ctx| Memory::new(&mut *ctx, desc)) } {
        Ok(m) => wasm_ref_t::item(store, Key::Memory(m)),
        Err(e) => crate::error::fail(e),
    }
}

fn memory_of(key: Key) -> Result<Memory, Error> {
    match key {
        Key::Memory(m) => Ok(m),
        _ => Err(Error::msg("not a memory")),
    }
}

/// Its type (with its current size as minimum).
///
/// # Safety
/// `m` is a live memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_type(m: *const wasm_ref_t) -> *mut wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(m, null(), |_, ctx, key| {
            let memory = memory_of(key)?;
            Ok(boxed(wasm_externtype_t {
                which: TypeOf::Memory {
                    limits: limits(memory.size(&*ctx), memory.max(&*ctx)),
                },
            }))
        })
    }
}

/// Its bytes: valid until it grows or wasm runs.
///
/// # Safety
/// `m` is a live memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_data(m: *mut wasm_ref_t) -> *mut u8 {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(m, null(), |_, ctx, key| {
            Ok(memory_of(key)?.data_mut(ctx).as_mut_ptr())
        })
    }
}

/// Its size in bytes.
///
/// # Safety
/// `m` is a live memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_data_size(m: *const wasm_ref_t) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { on_item(m, 0, |_, ctx, key| Ok(memory_of(key)?.data_size(&*ctx))) }
}

/// Its size in pages.
///
/// # Safety
/// `m` is a live memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_size(m: *const wasm_ref_t) -> u32 {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(m, 0, |_, ctx, key| {
            Ok(saturating_u32(memory_of(key)?.size(&*ctx)))
        })
    }
}

/// Grows it by `delta` pages: false past its maximum.
///
/// # Safety
/// `m` is a live memory.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_memory_grow(m: *mut wasm_ref_t, delta: u32) -> bool {
    // SAFETY: as the caller guarantees.
    unsafe {
        on_item(m, false, |_, ctx, key| {
            memory_of(key)?.grow(&mut *ctx, delta as u64).map(|_| true)
        })
    }
}

/// Its kind (`WASM_EXTERN_FUNC`, …).
///
/// # Safety
/// `e` is a live extern.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_extern_kind(e: *const wasm_ref_t) -> u8 {
    // SAFETY: as the caller guarantees.
    match unsafe { item(e) } {
        Some((_, Key::Global(_))) => 1,
        Some((_, Key::Table(_))) => 2,
        Some((_, Key::Memory(_))) => 3,
        _ => 0,
    }
}

/// Its type.
///
/// # Safety
/// `e` is a live extern.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_extern_type(e: *const wasm_ref_t) -> *mut wasm_externtype_t {
    // SAFETY: as the caller guarantees.
    unsafe {
        match item(e) {
            Some((_, Key::Func(_))) => crate::func::wasm_func_type(e),
            Some((_, Key::Global(_))) => wasm_global_type(e),
            Some((_, Key::Table(_))) => wasm_table_type(e),
            Some((_, Key::Memory(_))) => wasm_memory_type(e),
            _ => null(),
        }
    }
}
