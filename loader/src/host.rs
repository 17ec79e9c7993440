//! What this loader and machine provide, for the compatibility checks.

use waot_format::compat::{HostInfo, detect_cpu_features};
use waot_format::types::wasm_features;

pub use waot_format::target::{MEMORY_GUARD, MEMORY_RESERVATION};

/// The host triple in waot's spelling ("unsupported-host" on an
/// architecture waot does not target).
pub fn host_triple() -> &'static str {
    waot_format::target::host_triple().unwrap_or("unsupported-host")
}

/// The environment variable that replaces CPU feature detection: feature
/// names in waot's spelling (`waot inspect` shows an artifact's),
/// comma-separated. For emulators such as qemu-user, which show the host's
/// `/proc/cpuinfo` to the guest, and kernels that report too little.
pub const CPU_FEATURES_VAR: &str = "WAOT_CPU_FEATURES";

/// The CPU features artifacts are checked against: those
/// `WAOT_CPU_FEATURES` names when it is set, else the detected ones.
pub fn cpu_features() -> Vec<String> {
    match std::env::var(CPU_FEATURES_VAR) {
        Ok(list) => list
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect(),
        Err(_) => detect_cpu_features(),
    }
}

/// The names in `WAOT_CPU_FEATURES` that are no CPU feature of this
/// architecture (a typo would otherwise refuse artifacts silently).
pub fn unknown_cpu_features() -> Vec<String> {
    if std::env::var_os(CPU_FEATURES_VAR).is_none() {
        return Vec::new();
    }
    cpu_features()
        .into_iter()
        .filter(|f| waot_format::cpu::lookup(host_triple(), f).is_none())
        .collect()
}

/// The CPU feature names of this architecture.
pub fn known_cpu_features() -> Vec<&'static str> {
    let arch = waot_format::cpu::arch_of(host_triple());
    waot_format::cpu::CPU_FEATURES
        .iter()
        .filter(|f| f.arch == arch)
        .map(|f| f.name)
        .collect()
}

/// This process's host description.
pub fn host_info() -> HostInfo {
    HostInfo {
        runner: format!("waot-run {}", env!("CARGO_PKG_VERSION")),
        target: host_triple().to_string(),
        page_size: rustix::param::page_size() as u64,
        cpu_features: cpu_features(),
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
