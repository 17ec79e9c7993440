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
/// `WAOT_CPU_FEATURES` names when it is set, else the detected ones (on
/// riscv64 also those the kernel's `riscv_hwprobe` reports, which knows
/// extensions an old `/proc/cpuinfo` `isa` line leaves out).
pub fn cpu_features() -> Vec<String> {
    match std::env::var(CPU_FEATURES_VAR) {
        Ok(list) => list
            .split(',')
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(String::from)
            .collect(),
        Err(_) => {
            let mut features = detect_cpu_features();
            for f in riscv_hwprobe::features() {
                if !features.contains(&f) {
                    features.push(f);
                }
            }
            features
        }
    }
}

/// riscv64 CPU features from the `riscv_hwprobe` system call (Linux 6.4
/// and later; an older kernel or qemu-user before 8.1 answers ENOSYS, and
/// nothing is added).
mod riscv_hwprobe {
    /// The extension bits of key `IMA_EXT_0`, in waot's spelling, as
    /// `linux/arch/riscv/include/uapi/asm/hwprobe.h` numbers them.
    #[cfg_attr(not(target_arch = "riscv64"), allow(dead_code))]
    const IMA_EXT_0: [(u32, &str); 14] = [
        (0, "fd"),
        (1, "c"),
        (2, "v"),
        (3, "zba"),
        (4, "zbb"),
        (5, "zbs"),
        (7, "zbc"),
        (8, "zbkb"),
        (17, "zvbb"),
        (27, "zfh"),
        (28, "zfhmin"),
        (30, "zvfh"),
        (32, "zfa"),
        (35, "zicond"),
    ];

    /// The features an `IMA_EXT_0` value names, with the extensions they
    /// imply (as for a `/proc/cpuinfo` `isa` line), in the CPU feature
    /// table's spelling.
    #[cfg_attr(not(target_arch = "riscv64"), allow(dead_code))]
    pub(super) fn from_ima_ext_0(bits: u64) -> Vec<String> {
        let mut letters = String::from("rv64ima");
        let mut multi = Vec::new();
        let has = |bit: u32| bits & (1u64 << bit) != 0;
        for (bit, name) in IMA_EXT_0 {
            match name {
                _ if !has(bit) => {}
                "fd" | "c" | "v" => letters.push_str(name),
                _ => multi.push(name),
            }
        }
        let isa = std::iter::once(letters.as_str())
            .chain(multi)
            .collect::<Vec<_>>()
            .join("_");
        let extensions = waot_format::cpu::riscv_extensions(&isa);
        waot_format::cpu::CPU_FEATURES
            .iter()
            .filter(|f| f.arch == "riscv64gc")
            .filter(|f| match f.detection {
                waot_format::cpu::Detection::RiscvIsa(ext) => extensions.iter().any(|e| e == ext),
                _ => false,
            })
            .map(|f| f.name.to_string())
            .collect()
    }

    #[cfg(target_arch = "riscv64")]
    pub(super) fn features() -> Vec<String> {
        /// `struct riscv_hwprobe`.
        #[repr(C)]
        struct Pair {
            key: i64,
            value: u64,
        }
        const SYS_RISCV_HWPROBE: libc::c_long = 258;
        const KEY_IMA_EXT_0: i64 = 4;
        let mut pair = Pair {
            key: KEY_IMA_EXT_0,
            value: 0,
        };
        // SAFETY: one pair the kernel fills in place; no CPU set (size 0,
        // null: all CPUs) and no flags.
        let result = unsafe {
            libc::syscall(
                SYS_RISCV_HWPROBE,
                &mut pair as *mut Pair,
                1usize,
                0usize,
                std::ptr::null_mut::<libc::c_void>(),
                0u32,
            )
        };
        // A key the kernel does not know comes back as -1.
        if result != 0 || pair.key != KEY_IMA_EXT_0 {
            return Vec::new();
        }
        from_ima_ext_0(pair.value)
    }

    #[cfg(not(target_arch = "riscv64"))]
    pub(super) fn features() -> Vec<String> {
        Vec::new()
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
        // Every feature its format version names: a feature gets its bit
        // when the compiler and this runtime both implement it.
        wasm_features: wasm_features::KNOWN,
    }
}

#[cfg(test)]
mod tests {
    use super::riscv_hwprobe::from_ima_ext_0;

    #[test]
    fn hwprobe_bits_name_features_and_what_they_imply() {
        // FD, C, V, Zba, Zbb, Zicond.
        let bits = 0b111 | 1 << 3 | 1 << 4 | 1 << 35;
        let f = from_ima_ext_0(bits);
        for name in [
            "f", "d", "v", "zca", "zcd", "zba", "zbb", "zicond", "zicsr", "zvl128b",
        ] {
            assert!(f.iter().any(|x| x == name), "{name} in {f:?}");
        }
        assert!(!f.iter().any(|x| x == "zbs" || x == "zvl256b"), "{f:?}");
        assert!(from_ima_ext_0(0).iter().all(|x| x == "m" || x == "a"));
    }
}
