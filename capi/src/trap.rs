//! Traps (a message, the frame where wasm stopped, a WASI exit status) and
//! their frames.

#![allow(non_camel_case_types)]

use crate::object::{HostInfoSlot, What, wasm_ref_t, wasm_trap_t};
use crate::types::{boxed, null};
use crate::vec::{CVec, Owned, declare_vec};
use std::sync::{Arc, Mutex};
use waot_run::Error;

/// A frame of a trap's trace.
#[derive(Clone)]
pub struct wasm_frame_t {
    pub func_index: u32,
    pub func_offset: usize,
    pub module_offset: usize,
}
impl Owned for wasm_frame_t {}

/// What a trap says.
pub struct TrapData {
    pub message: String,
    pub origin: Option<wasm_frame_t>,
    pub exit_status: Option<i32>,
    pub host_info: HostInfoSlot,
}

/// A trap object with `message`.
pub fn new_trap(
    message: String,
    origin: Option<wasm_frame_t>,
    exit_status: Option<i32>,
) -> *mut wasm_trap_t {
    boxed(wasm_ref_t {
        store: null(),
        what: What::Trap(Arc::new(TrapData {
            message,
            origin,
            exit_status,
            host_info: Mutex::new(None),
        })),
    })
}

/// A trap object for an error of the API: a wasm trap with its message and
/// frame, or any other error's message.
pub fn trap_of(e: Error) -> *mut wasm_trap_t {
    match e.into_trap() {
        Ok(t) => {
            let message = match (&t.detail, t.kind) {
                (Some(d), waot_format::traps::TrapKind::HostError) => d.clone(),
                (Some(d), k) => format!("{}: {d}", k.message()),
                (None, k) => k.message().to_string(),
            };
            let origin = t.wasm_offset.map(|offset| wasm_frame_t {
                func_index: t.func_index.unwrap_or(u32::MAX),
                func_offset: 0,
                module_offset: offset as usize,
            });
            new_trap(message, origin, t.exit_status)
        }
        Err(e) => new_trap(e.to_string(), None, None),
    }
}

/// The trap's data.
///
/// # Safety
/// `t` is a live trap.
pub unsafe fn data<'a>(t: *const wasm_trap_t) -> Option<&'a TrapData> {
    // SAFETY: as the caller guarantees.
    match unsafe { t.as_ref() }.map(|r| &r.what) {
        Some(What::Trap(d)) => Some(d),
        _ => None,
    }
}

/// A trap with `message` (the store is not needed: traps belong to none).
///
/// # Safety
/// `message` is null or a valid byte vector.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_new(
    _store: *mut crate::store::wasm_store_t,
    message: *const crate::wasm_name_t,
) -> *mut wasm_trap_t {
    // SAFETY: as the caller guarantees.
    let bytes = unsafe { message.as_ref() }.map_or(&[][..], |m| unsafe { m.as_slice() });
    let text = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    new_trap(String::from_utf8_lossy(text).into_owned(), None, None)
}

/// Its message, NUL-terminated.
///
/// # Safety
/// `t` is a live trap; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_message(t: *const wasm_trap_t, out: *mut crate::wasm_name_t) {
    // SAFETY: as the caller guarantees.
    let mut bytes = unsafe { data(t) }.map_or_else(Vec::new, |d| d.message.clone().into_bytes());
    bytes.push(0);
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(bytes)) }
}

/// The frame where wasm stopped, if known.
///
/// # Safety
/// `t` is a live trap.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_origin(t: *const wasm_trap_t) -> *mut wasm_frame_t {
    // SAFETY: as the caller guarantees.
    match unsafe { data(t) }.and_then(|d| d.origin.clone()) {
        Some(f) => boxed(f),
        None => null(),
    }
}

/// Its trace: the origin only (waot records where a trap happened, not the
/// frames above it).
///
/// # Safety
/// `t` is a live trap; `out` is valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_trap_trace(t: *const wasm_trap_t, out: *mut wasm_frame_vec_t) {
    // SAFETY: as the caller guarantees.
    let frames = unsafe { data(t) }.and_then(|d| d.origin.clone()).map(boxed);
    // SAFETY: as the caller guarantees.
    unsafe { crate::vec::put(out, CVec::from_vec(frames.into_iter().collect())) }
}

declare_vec!(
    wasm_frame_vec_t,
    *mut wasm_frame_t,
    wasm_frame_vec_new_empty,
    wasm_frame_vec_new_uninitialized,
    wasm_frame_vec_new,
    wasm_frame_vec_copy,
    wasm_frame_vec_delete
);

/// Deletes a frame.
///
/// # Safety
/// `f` is null or a frame the caller owns.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_delete(f: *mut wasm_frame_t) {
    // SAFETY: as the caller guarantees.
    let _ = unsafe { crate::types::take(f) };
}

/// A copy of a frame.
///
/// # Safety
/// `f` is a live frame.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_copy(f: *const wasm_frame_t) -> *mut wasm_frame_t {
    // SAFETY: as the caller guarantees.
    unsafe { f.as_ref() }.map_or(null(), |f| boxed(f.clone()))
}

/// The frame's instance: not recorded (NULL).
#[unsafe(no_mangle)]
pub extern "C" fn wasm_frame_instance(_f: *const wasm_frame_t) -> *mut wasm_ref_t {
    null()
}

/// The function's index in the module.
///
/// # Safety
/// `f` is a live frame.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_func_index(f: *const wasm_frame_t) -> u32 {
    // SAFETY: as the caller guarantees.
    unsafe { (*f).func_index }
}

/// The offset in the function's body (not recorded: 0).
///
/// # Safety
/// `f` is a live frame.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_func_offset(f: *const wasm_frame_t) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { (*f).func_offset }
}

/// The instruction's byte offset in the module.
///
/// # Safety
/// `f` is a live frame.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasm_frame_module_offset(f: *const wasm_frame_t) -> usize {
    // SAFETY: as the caller guarantees.
    unsafe { (*f).module_offset }
}
