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

extern "C" fn floor_f32(x: f32) -> f32 {
    x.floor()
}
extern "C" fn floor_f64(x: f64) -> f64 {
    x.floor()
}
extern "C" fn ceil_f32(x: f32) -> f32 {
    x.ceil()
}
extern "C" fn ceil_f64(x: f64) -> f64 {
    x.ceil()
}
extern "C" fn trunc_f32(x: f32) -> f32 {
    x.trunc()
}
extern "C" fn trunc_f64(x: f64) -> f64 {
    x.trunc()
}
extern "C" fn nearest_f32(x: f32) -> f32 {
    x.round_ties_even()
}
extern "C" fn nearest_f64(x: f64) -> f64 {
    x.round_ties_even()
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
