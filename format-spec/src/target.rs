//! What the compiler and the loader agree on about the machine, defined
//! once: the address space guard-page code assumes around each memory, and
//! waot's spelling of target triples and their ELF machines.

/// Address space reserved per memory for guard-page bounds checks: all of
/// a 32-bit index space (4 GiB). Recorded in the artifact's build info and
/// checked against the loader's value.
pub const MEMORY_RESERVATION: u64 = 1 << 32;

/// Unmapped bytes after the reservation (2 GiB). Accesses whose static
/// offset plus width fit inside it need no explicit check.
pub const MEMORY_GUARD: u64 = 1 << 31;

/// The targets waot compiles for and loads on, as artifacts record them.
pub const TRIPLES: [&str; 4] = [
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "riscv64gc-unknown-linux-gnu",
    "s390x-unknown-linux-gnu",
];

/// The ELF machine (`e_machine`) and byte order of an artifact for one of
/// [`TRIPLES`]: `(machine, big_endian)`.
pub fn elf_machine(triple: &str) -> Option<(u16, bool)> {
    use object::elf;
    match triple.split('-').next()? {
        "x86_64" => Some((elf::EM_X86_64, false)),
        "aarch64" => Some((elf::EM_AARCH64, false)),
        "riscv64gc" => Some((elf::EM_RISCV, false)),
        "s390x" => Some((elf::EM_S390, true)),
        _ => None,
    }
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
    TRIPLES
        .into_iter()
        .find(|t| t.split('-').next() == Some(arch))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_host_triple_is_one_waot_targets() {
        if let Some(host) = super::host_triple() {
            assert!(super::TRIPLES.contains(&host));
            assert!(host.starts_with(std::env::consts::ARCH));
        }
    }

    #[test]
    fn every_triple_has_an_elf_machine() {
        for triple in super::TRIPLES {
            assert!(super::elf_machine(triple).is_some(), "{triple}");
        }
    }
}
