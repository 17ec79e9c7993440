//! The ABI fingerprint: a hash of everything compiled code assumes about the
//! loader (VM context offsets, builtin table, calling conventions, trap
//! codes). The compiler records it; the loader refuses an artifact whose
//! fingerprint differs from its own, so an ABI change that forgot a format
//! version bump still gives a precise error instead of a crash.

use crate::{builtins::Builtin, traps::TrapKind, vmctx};

/// Bumped by hand for ABI changes not visible in the constants below (for
/// example a different argument order in a calling convention).
pub const ABI_REVISION: u32 = 1;

/// The description the fingerprint hashes; readable for debugging.
pub fn description() -> String {
    let mut s = format!("waot-abi r{ABI_REVISION};");
    s += "wasm-call: tail(callee_vmctx, caller_vmctx, params…) -> results;";
    s += "array-call: (callee_vmctx, caller_vmctx, values: *mut [16 bytes], count);";
    for (name, value) in [
        ("magic", vmctx::MAGIC),
        ("memory_base", vmctx::MEMORY_BASE),
        ("memory_length", vmctx::MEMORY_LENGTH),
        ("stack_limit", vmctx::STACK_LIMIT),
        ("builtins", vmctx::BUILTINS),
        ("runtime_data", vmctx::RUNTIME_DATA),
        ("imported_funcs", vmctx::IMPORTED_FUNCS_START),
        ("imported_func_size", vmctx::IMPORTED_FUNC_SIZE),
        ("imported_func_wasm_call", vmctx::IMPORTED_FUNC_WASM_CALL),
        ("imported_func_vmctx", vmctx::IMPORTED_FUNC_VMCTX),
        ("global_slot", vmctx::GLOBAL_SLOT_SIZE),
        ("value_slot", vmctx::VALUE_SLOT_SIZE),
        ("host_ctx_array_call", vmctx::host_ctx::ARRAY_CALL),
    ] {
        s += &format!("{name}={value};");
    }
    for b in Builtin::ALL {
        let (params, results) = b.signature();
        s += &format!("builtin {}{:?}->{:?};", b.name(), params, results);
    }
    for t in TrapKind::ALL {
        s += &format!("trap {}={};", t.message(), t as u32);
    }
    s
}

/// FNV-1a (64-bit) of [`description`].
pub fn fingerprint() -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in description().bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}
