//! What this loader and machine provide, for the compatibility checks.

use waot_format::compat::{HostInfo, detect_cpu_features};
use waot_format::types::wasm_features;

pub use waot_format::target::{MEMORY_GUARD, MEMORY_RESERVATION};

/// The host triple in waot's spelling ("unsupported-host" on an
/// architecture waot does not target).
pub fn host_triple() -> &'static str {
    waot_format::target::host_triple().unwrap_or("unsupported-host")
}

/// This process's host description.
pub fn host_info() -> HostInfo {
    HostInfo {
        runner: format!("waot-run {}", env!("CARGO_PKG_VERSION")),
        target: host_triple().to_string(),
        page_size: rustix::param::page_size() as u64,
        cpu_features: detect_cpu_features(),
        memory_reservation: MEMORY_RESERVATION,
        memory_guard: MEMORY_GUARD,
        wasm_features: wasm_features::WASM2_NO_SIMD
            | wasm_features::SIMD
            | wasm_features::RELAXED_SIMD
            | wasm_features::EXCEPTIONS
            | wasm_features::TAIL_CALL
            | wasm_features::THREADS
            | wasm_features::EXTENDED_CONST
            | wasm_features::MULTI_MEMORY
            | wasm_features::MEMORY64
            | wasm_features::FUNCTION_REFERENCES,
    }
}
