//! What this loader and machine provide, for the compatibility checks.

use waot_format::compat::{HostInfo, detect_cpu_features};
use waot_format::types::wasm_features;

/// Address space reserved per memory for guard-page code (4 GiB).
pub const MEMORY_RESERVATION: u64 = 1 << 32;
/// Guard region after the reservation (2 GiB).
pub const MEMORY_GUARD: u64 = 1 << 31;

/// The host triple in waot's spelling.
pub fn host_triple() -> &'static str {
    if cfg!(target_arch = "x86_64") {
        "x86_64-unknown-linux-gnu"
    } else if cfg!(target_arch = "aarch64") {
        "aarch64-unknown-linux-gnu"
    } else if cfg!(target_arch = "riscv64") {
        "riscv64gc-unknown-linux-gnu"
    } else if cfg!(target_arch = "s390x") {
        "s390x-unknown-linux-gnu"
    } else {
        "unsupported-host"
    }
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
        wasm_features: wasm_features::WASM2_NO_SIMD,
    }
}
