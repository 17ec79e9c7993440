//! The builtin functions compiled code calls through the VM context's
//! builtin table, in [`waot_format::builtins::Builtin::ALL`] order.

use crate::instance::InstanceData;
use waot_format::builtins::Builtin;
use waot_format::vmctx;

extern "C" fn memory_grow(vmctx: *mut u8, delta: i32, _memory: i32) -> i32 {
    // SAFETY: compiled code passes its own VM context, whose RUNTIME_DATA
    // slot points at the live InstanceData that owns it.
    let instance =
        unsafe { &*(*(vmctx.add(vmctx::RUNTIME_DATA as usize) as *const *const InstanceData)) };
    instance
        .grow_memory(delta as u32 as u64)
        .map_or(-1, |old| old as i32)
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

/// The address of builtin `b`.
fn address(b: Builtin) -> usize {
    match b {
        Builtin::MemoryGrow => memory_grow as *const () as usize,
        Builtin::FloorF32 => floor_f32 as *const () as usize,
        Builtin::FloorF64 => floor_f64 as *const () as usize,
        Builtin::CeilF32 => ceil_f32 as *const () as usize,
        Builtin::CeilF64 => ceil_f64 as *const () as usize,
        Builtin::TruncF32 => trunc_f32 as *const () as usize,
        Builtin::TruncF64 => trunc_f64 as *const () as usize,
        Builtin::NearestF32 => nearest_f32 as *const () as usize,
        Builtin::NearestF64 => nearest_f64 as *const () as usize,
    }
}

/// The builtin table every VM context points at.
pub fn table() -> &'static [usize] {
    static TABLE: std::sync::OnceLock<Vec<usize>> = std::sync::OnceLock::new();
    TABLE.get_or_init(|| Builtin::ALL.iter().map(|b| address(*b)).collect())
}
