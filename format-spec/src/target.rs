//! What the compiler and the loader agree on about the machine, defined
//! once: the address space guard-page code assumes around each memory, and
//! waot's targets: their triples, text alignment and ELF machines.

/// Address space reserved per memory for guard-page bounds checks: all of
/// a 32-bit index space (4 GiB). Recorded in the artifact's build info and
/// checked against the loader's value.
pub const MEMORY_RESERVATION: u64 = 1 << 32;

/// Unmapped bytes after the reservation (2 GiB). Accesses whose static
/// offset plus width fit inside it need no explicit check.
pub const MEMORY_GUARD: u64 = 1 << 31;

/// A target waot compiles for and loads on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Target {
    /// The triple, as artifacts record it.
    pub triple: &'static str,
    /// Alignment of the text in the artifact: the largest page size of the
    /// architecture, so the loader can make it executable in place.
    pub text_align: u32,
    /// The artifact's ELF machine (`e_machine`).
    pub elf_machine: u16,
    /// Whether the architecture (and so the artifact's ELF structures) is
    /// big-endian.
    pub big_endian: bool,
}

/// The targets waot compiles for and loads on.
pub const TARGETS: [Target; 4] = [
    Target {
        triple: "x86_64-unknown-linux-gnu",
        text_align: 4096,
        elf_machine: object::elf::EM_X86_64,
        big_endian: false,
    },
    Target {
        triple: "aarch64-unknown-linux-gnu",
        text_align: 65536,
        elf_machine: object::elf::EM_AARCH64,
        big_endian: false,
    },
    Target {
        triple: "riscv64gc-unknown-linux-gnu",
        text_align: 4096,
        elf_machine: object::elf::EM_RISCV,
        big_endian: false,
    },
    Target {
        triple: "s390x-unknown-linux-gnu",
        text_align: 4096,
        elf_machine: object::elf::EM_S390,
        big_endian: true,
    },
];

/// CPU features beyond an architecture's baseline that waot's SIMD code
/// needs (Cranelift feature names without `has_`): Cranelift's baseline
/// lowering of some vector instructions calls a library routine (x86_64:
/// `pshufb` without SSSE3, vector rounding without SSE4.1), which an
/// artifact cannot link, or has no vector lowering (riscv64 without V).
/// A SIMD module's artifact records them, whatever `--cpu` says.
pub fn simd_cpu_features(triple: &str) -> &'static [&'static str] {
    match triple.split('-').next() {
        Some("x86_64") => &["sse3", "ssse3", "sse41"],
        Some("riscv64" | "riscv64gc") => &["v"],
        _ => &[],
    }
}

/// The target spelled `triple`, if waot has it.
pub fn target(triple: &str) -> Option<&'static Target> {
    TARGETS.iter().find(|t| t.triple == triple)
}

/// The architecture of the machine this code was built for, spelled as the
/// first part of waot's triples (`riscv64gc`), or `None` on an
/// architecture waot does not target.
pub fn host_arch() -> Option<&'static str> {
    if cfg!(target_arch = "x86_64") {
        Some("x86_64")
    } else if cfg!(target_arch = "aarch64") {
        Some("aarch64")
    } else if cfg!(target_arch = "riscv64") {
        Some("riscv64gc")
    } else if cfg!(target_arch = "s390x") {
        Some("s390x")
    } else {
        None
    }
}

/// The triple of the machine this code was built for, in waot's spelling,
/// or `None` on an architecture waot does not target.
pub fn host_triple() -> Option<&'static str> {
    let arch = host_arch()?;
    TARGETS
        .iter()
        .map(|t| t.triple)
        .find(|t| t.split('-').next() == Some(arch))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_triple_is_one_waot_targets() {
        if let Some(host) = super::host_triple() {
            assert!(super::target(host).is_some());
            assert!(host.starts_with(std::env::consts::ARCH));
        }
    }
}
