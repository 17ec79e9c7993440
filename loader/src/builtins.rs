//! The builtin functions compiled code calls through the VM context's
//! builtin table, in [`waot_format::builtins::Builtin::ALL`] order. The
//! table is generated from `waot_format::foreach_builtin!`, which checks
//! each function here against the shared signature. Those that can fail
//! check every bound before changing anything and return 1 (compiled code
//! then traps) or 0.

use crate::api::limits::Growth;
use crate::gc::builtins::{array_copy, array_init_data, array_init_elem, gc_alloc};
use crate::instance::InstanceData;
use crate::values::ValRaw;
use waot_format::builtins::Builtin;
use waot_format::vmctx;

const OK: i32 = 0;
const OUT_OF_BOUNDS: i32 = 1;

/// The instance that owns `vmctx`.
pub(crate) fn instance<'a>(vmctx: *mut u8) -> &'a InstanceData {
    // SAFETY: compiled code passes its own VM context, whose RUNTIME_DATA
    // slot points at the live InstanceData that owns it.
    unsafe { &*(*(vmctx.add(vmctx::RUNTIME_DATA as usize) as *const *const InstanceData)) }
}

fn status(ok: bool) -> i32 {
    if ok { OK } else { OUT_OF_BOUNDS }
}

extern "C" fn exn_new(vmctx: *mut u8, tag: i32, values: usize) -> usize {
    // Compiled code names only tags of its module.
    let Some(tag) = instance(vmctx).tag(tag as u32) else {
        return 0;
    };
    let count = tag.ty.params.len();
    // SAFETY: compiled code passes a 16-byte aligned stack array with one
    // slot per parameter of the tag.
    let slots = unsafe { std::slice::from_raw_parts(values as *const ValRaw, count) };
    instance(vmctx).exceptions().alloc(tag, slots)
}

extern "C" fn atomic_wait(_vmctx: *mut u8, timeout: i64) -> i32 {
    // One thread runs wasm: nobody can notify, so the wait times out.
    match u64::try_from(timeout) {
        Ok(ns) => std::thread::sleep(std::time::Duration::from_nanos(ns)),
        Err(_) => loop {
            std::thread::park();
        },
    }
    TIMED_OUT
}

extern "C" fn func_subtype(_vmctx: *mut u8, actual: i32, expected: i32) -> i32 {
    // Canonical ids are below 2^31: the casts are exact.
    i32::from(crate::type_registry::is_subtype(
        actual as u32,
        expected as u32,
    ))
}

/// `memory.atomic.wait`'s "timed-out".
const TIMED_OUT: i32 = 2;

extern "C" fn exn_throw(_vmctx: *mut u8, exn: usize) -> i32 {
    crate::exceptions::set_pending(exn);
    OK
}

extern "C" fn memory_grow(vmctx: *mut u8, delta: i64, memory: i32) -> i64 {
    let i = instance(vmctx);
    let Some(m) = i.memory(memory as u32) else {
        return -1;
    };
    if delta != 0 && !i.allows(Growth::memory(m, delta as u64)) {
        return -1;
    }
    m.grow(delta as u64).map_or(-1, |old| old as i64)
}

extern "C" fn memory_copy(
    vmctx: *mut u8,
    dst_mem: i32,
    src_mem: i32,
    dst: i64,
    src: i64,
    len: i64,
) -> i32 {
    let i = instance(vmctx);
    let (Some(d), Some(s)) = (i.memory(dst_mem as u32), i.memory(src_mem as u32)) else {
        return OUT_OF_BOUNDS;
    };
    let (dst, src, len) = (dst as u64, src as u64, len as u64);
    if !d.in_bounds(dst, len) || !s.in_bounds(src, len) {
        return OUT_OF_BOUNDS;
    }
    // SAFETY: both ranges were checked against the memories' lengths;
    // `copy` allows overlap; wasm is suspended in this call.
    unsafe {
        std::ptr::copy(
            s.base().add(src as usize),
            d.base().add(dst as usize),
            len as usize,
        )
    };
    OK
}

extern "C" fn memory_fill(vmctx: *mut u8, memory: i32, dst: i64, value: i32, len: i64) -> i32 {
    let Some(m) = instance(vmctx).memory(memory as u32) else {
        return OUT_OF_BOUNDS;
    };
    let (dst, len) = (dst as u64, len as u64);
    if !m.in_bounds(dst, len) {
        return OUT_OF_BOUNDS;
    }
    // SAFETY: the range was checked against the memory's length.
    unsafe { std::ptr::write_bytes(m.base().add(dst as usize), value as u8, len as usize) };
    OK
}

extern "C" fn memory_init(
    vmctx: *mut u8,
    memory: i32,
    segment: i32,
    dst: i64,
    src: i32,
    len: i32,
) -> i32 {
    let i = instance(vmctx);
    let Some(m) = i.memory(memory as u32) else {
        return OUT_OF_BOUNDS;
    };
    let bytes = i.data_segment(segment as u32);
    let (dst, src, len) = (dst as u64, src as u32 as usize, len as u32 as usize);
    let Some(from) = src.checked_add(len).and_then(|end| bytes.get(src..end)) else {
        return OUT_OF_BOUNDS;
    };
    if !m.in_bounds(dst, len as u64) {
        return OUT_OF_BOUNDS;
    }
    // SAFETY: the destination range was checked; the source is the
    // artifact's read-only map, which never overlaps linear memory.
    unsafe { std::ptr::copy_nonoverlapping(from.as_ptr(), m.base().add(dst as usize), len) };
    OK
}

extern "C" fn data_drop(vmctx: *mut u8, segment: i32) -> i32 {
    instance(vmctx).drop_data(segment as u32);
    OK
}

extern "C" fn table_grow(vmctx: *mut u8, table: i32, init: usize, delta: i64) -> i64 {
    let i = instance(vmctx);
    let Some(t) = i.table(table as u32) else {
        return -1;
    };
    if delta != 0 && !i.allows(Growth::table(t, delta as u64)) {
        return -1;
    }
    t.grow(delta as u64, init).map_or(-1, |old| old as i64)
}

/// A 64-bit index or length as a `usize`; one that does not fit is past the
/// end of any table.
fn element_count(v: i64) -> usize {
    usize::try_from(v as u64).unwrap_or(usize::MAX)
}

extern "C" fn table_fill(vmctx: *mut u8, table: i32, dst: i64, value: usize, len: i64) -> i32 {
    let Some(t) = instance(vmctx).table(table as u32) else {
        return OUT_OF_BOUNDS;
    };
    let (dst, len) = (element_count(dst), element_count(len));
    // SAFETY: wasm is suspended in this call; no other slice is alive.
    let elements = unsafe { t.elements() };
    let Some(range) = dst
        .checked_add(len)
        .and_then(|end| elements.get_mut(dst..end))
    else {
        return OUT_OF_BOUNDS;
    };
    range.fill(value);
    OK
}

extern "C" fn table_copy(
    vmctx: *mut u8,
    dst_table: i32,
    src_table: i32,
    dst: i64,
    src: i64,
    len: i64,
) -> i32 {
    let i = instance(vmctx);
    let (Some(d), Some(s)) = (i.table(dst_table as u32), i.table(src_table as u32)) else {
        return OUT_OF_BOUNDS;
    };
    let (dst, src, len) = (dst as u64, src as u64, len as u64);
    let fits = |at: u64, table_len: u64| at.checked_add(len).is_some_and(|end| end <= table_len);
    if !fits(dst, d.len()) || !fits(src, s.len()) {
        return OUT_OF_BOUNDS;
    }
    let (dst, src, len) = (dst as usize, src as usize, len as usize);
    if std::ptr::eq(d, s) {
        // SAFETY: wasm is suspended; one slice of this table is alive.
        let elements = unsafe { d.elements() };
        elements.copy_within(src..src + len, dst);
    } else {
        // SAFETY: two different tables; wasm is suspended.
        let from: Vec<usize> = unsafe { s.elements() }[src..src + len].to_vec();
        // SAFETY: as above.
        let to = unsafe { d.elements() };
        to[dst..dst + len].copy_from_slice(&from);
    }
    status(true)
}

extern "C" fn table_init(
    vmctx: *mut u8,
    table: i32,
    segment: i32,
    dst: i64,
    src: i32,
    len: i32,
) -> i32 {
    let i = instance(vmctx);
    let Some(t) = i.table(table as u32) else {
        return OUT_OF_BOUNDS;
    };
    let items = i.element_segment(segment as u32);
    let (dst, src, len) = (element_count(dst), src as u32 as usize, len as u32 as usize);
    let Some(from) = src.checked_add(len).and_then(|end| items.get(src..end)) else {
        return OUT_OF_BOUNDS;
    };
    // SAFETY: wasm is suspended in this call; no other slice is alive.
    let elements = unsafe { t.elements() };
    let Some(to) = dst
        .checked_add(len)
        .and_then(|end| elements.get_mut(dst..end))
    else {
        return OUT_OF_BOUNDS;
    };
    to.copy_from_slice(from);
    OK
}

extern "C" fn elem_drop(vmctx: *mut u8, segment: i32) -> i32 {
    instance(vmctx).drop_elements(segment as u32);
    OK
}

// Wasm requires a NaN input to give a quiet (arithmetic) NaN; libm may
// return a signalling NaN unchanged, so quiet it explicitly.
fn quiet32(x: f32, f: fn(f32) -> f32) -> f32 {
    if x.is_nan() {
        f32::from_bits(x.to_bits() | 0x0040_0000)
    } else {
        f(x)
    }
}
fn quiet64(x: f64, f: fn(f64) -> f64) -> f64 {
    if x.is_nan() {
        f64::from_bits(x.to_bits() | 0x0008_0000_0000_0000)
    } else {
        f(x)
    }
}

extern "C" fn floor_f32(x: f32) -> f32 {
    quiet32(x, f32::floor)
}
extern "C" fn floor_f64(x: f64) -> f64 {
    quiet64(x, f64::floor)
}
extern "C" fn ceil_f32(x: f32) -> f32 {
    quiet32(x, f32::ceil)
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    quiet64(x, f64::ceil)
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    quiet32(x, f32::trunc)
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    quiet64(x, f64::trunc)
}
extern "C" fn nearest_f32(x: f32) -> f32 {
    quiet32(x, f32::round_ties_even)
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    quiet64(x, f64::round_ties_even)
}

/// The Rust type of a type token of `waot_format::foreach_builtin!`.
macro_rules! native_type {
    (vmctx) => { *mut u8 };
    (ref) => { usize };
    (i32) => { i32 };
    (i64) => { i64 };
    (f32) => { f32 };
    (f64) => { f64 };
}

/// Generates [`address`] from the builtin list: every builtin must have an
/// `extern "C"` function of its name here with exactly the listed
/// signature, or the loader does not compile.
macro_rules! builtin_addresses {
    ($(
        $(#[$doc:meta])*
        $variant:ident $name:ident ( $($param:ident : $param_ty:tt),* ) -> $result_ty:tt;
    )*) => {
        /// The address of builtin `b`.
        fn address(b: Builtin) -> usize {
            match b {
                $( Builtin::$variant => {
                    let f: extern "C" fn($(native_type!($param_ty)),*) -> native_type!($result_ty) = $name;
                    f as usize
                } )*
            }
        }
    };
}

waot_format::foreach_builtin!(builtin_addresses);

/// The builtin table every VM context points at.
pub fn table() -> &'static [usize; Builtin::COUNT] {
    static TABLE: std::sync::OnceLock<[usize; Builtin::COUNT]> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| Builtin::ALL.map(address))
}
