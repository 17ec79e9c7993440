//! The one table of CPU feature names. An artifact records the Cranelift
//! ISA flags (`has_X`, recorded as `X`) its code uses beyond the target's
//! baseline; this table says, for each flag of every target waot supports,
//! how a loader detects it on its host. A recorded name missing from the
//! table cannot be checked, so the loader refuses the artifact naming it.

/// How a loader finds out whether its host CPU has a feature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detection {
    /// `std::arch::is_x86_feature_detected!(NAME)`.
    X86(&'static str),
    /// `std::arch::is_aarch64_feature_detected!(NAME)`.
    Aarch64(&'static str),
    /// The extension in the `isa` line of `/proc/cpuinfo`
    /// (`is_riscv_feature_detected!` is not stable in Rust 1.95).
    RiscvIsa(&'static str),
    /// The facility number in the `facilities` line of `/proc/cpuinfo`
    /// (`is_s390x_feature_detected!` is not stable in Rust 1.95).
    S390xFacility(u32),
}

/// One CPU feature an artifact can record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuFeature {
    /// The architecture: the first component of the target triple
    /// (`x86_64`, `aarch64`, `riscv64gc`, `s390x`).
    pub arch: &'static str,
    /// The Cranelift flag name without `has_`, as the artifact records it.
    pub name: &'static str,
    /// How the loader detects it.
    pub detection: Detection,
}

/// Defines [`CPU_FEATURES`] and the host detection from one list, so the
/// two cannot drift apart (`is_*_feature_detected!` needs literal names).
macro_rules! cpu_features {
    (
        x86_64 { $($x_name:literal => $x_std:tt,)* }
        aarch64 { $($a_name:literal => $a_std:tt,)* }
        riscv64gc { $($r_name:literal => $r_isa:literal,)* }
        s390x { $($s_name:literal => $s_facility:literal,)* }
    ) => {
        /// Every CPU feature of every target waot supports.
        pub const CPU_FEATURES: &[CpuFeature] = &[
            $(CpuFeature { arch: "x86_64", name: $x_name, detection: Detection::X86($x_std) },)*
            $(CpuFeature { arch: "aarch64", name: $a_name, detection: Detection::Aarch64($a_std) },)*
            $(CpuFeature { arch: "riscv64gc", name: $r_name, detection: Detection::RiscvIsa($r_isa) },)*
            $(CpuFeature { arch: "s390x", name: $s_name, detection: Detection::S390xFacility($s_facility) },)*
        ];

        /// Whether this x86-64 host has feature `name` (table spelling).
        #[cfg(target_arch = "x86_64")]
        fn x86_has(name: &str) -> bool {
            match name {
                $($x_name => std::arch::is_x86_feature_detected!($x_std),)*
                _ => false,
            }
        }

        /// Whether this aarch64 host has feature `name` (table spelling).
        #[cfg(target_arch = "aarch64")]
        fn aarch64_has(name: &str) -> bool {
            match name {
                $($a_name => std::arch::is_aarch64_feature_detected!($a_std),)*
                _ => false,
            }
        }
    };
}

cpu_features! {
    x86_64 {
        "sse3" => "sse3",
        "ssse3" => "ssse3",
        "cmpxchg16b" => "cmpxchg16b",
        "sse41" => "sse4.1",
        "sse42" => "sse4.2",
        "popcnt" => "popcnt",
        "avx" => "avx",
        "avx2" => "avx2",
        "fma" => "fma",
        "avx_vnni" => "avxvnni",
        "bmi1" => "bmi1",
        "bmi2" => "bmi2",
        "lzcnt" => "lzcnt",
        "avx512bitalg" => "avx512bitalg",
        "avx512dq" => "avx512dq",
        "avx512f" => "avx512f",
        "avx512vl" => "avx512vl",
        "avx512vbmi" => "avx512vbmi",
        "avx512vnni" => "avx512vnni",
    }
    aarch64 {
        "lse" => "lse",
        "pauth" => "paca",
        "fp16" => "fp16",
        "dotprod" => "dotprod",
        "i8mm" => "i8mm",
    }
    riscv64gc {
        "m" => "m",
        "a" => "a",
        "f" => "f",
        "d" => "d",
        "v" => "v",
        "zca" => "zca",
        "zcd" => "zcd",
        "zcb" => "zcb",
        "zba" => "zba",
        "zbb" => "zbb",
        "zbc" => "zbc",
        "zbs" => "zbs",
        "zbkb" => "zbkb",
        "zicond" => "zicond",
        "zicsr" => "zicsr",
        "zifencei" => "zifencei",
        "zfa" => "zfa",
        "zfh" => "zfh",
        "zfhmin" => "zfhmin",
        "zvfh" => "zvfh",
        "zvbb" => "zvbb",
        "zvl32b" => "zvl32b",
        "zvl64b" => "zvl64b",
        "zvl128b" => "zvl128b",
        "zvl256b" => "zvl256b",
        "zvl512b" => "zvl512b",
        "zvl1024b" => "zvl1024b",
        "zvl2048b" => "zvl2048b",
        "zvl4096b" => "zvl4096b",
        "zvl8192b" => "zvl8192b",
        "zvl16384b" => "zvl16384b",
        "zvl32768b" => "zvl32768b",
        "zvl65536b" => "zvl65536b",
    }
    s390x {
        "mie3" => 61,
        "mie4" => 84,
        "vxrs_ext2" => 148,
        "vxrs_ext3" => 198,
    }
}

/// The table's architecture name for a target triple.
pub fn arch_of(triple: &str) -> &str {
    triple.split('-').next().unwrap_or(triple)
}

/// The table entry for feature `name` of the target `triple`'s
/// architecture.
pub fn lookup(triple: &str, name: &str) -> Option<&'static CpuFeature> {
    let arch = arch_of(triple);
    CPU_FEATURES
        .iter()
        .find(|f| f.arch == arch && f.name == name)
}

/// The riscv64 extensions an `isa` line of `/proc/cpuinfo` names
/// (`rv64imafdc_zicsr_zba`), with the ones its letters imply: `g` is
/// `imafd_zicsr_zifencei`, `f` needs `zicsr`, `c` is `zca` (and `zcd` with
/// `d`), `v` guarantees vectors of at least 128 bits (`zvl128b`), and
/// `zvlNb` includes every smaller `zvlMb`.
pub fn riscv_extensions(isa: &str) -> Vec<String> {
    let mut parts = isa.trim().split('_');
    let mut out: Vec<String> = Vec::new();
    if let Some(letters) = parts.next().and_then(|p| p.strip_prefix("rv64")) {
        for letter in letters.chars() {
            if letter == 'g' {
                out.extend(["i", "m", "a", "f", "d", "zicsr", "zifencei"].map(String::from));
            } else {
                out.push(letter.to_string());
            }
        }
    }
    out.extend(parts.filter(|p| !p.is_empty()).map(str::to_string));
    let has = |out: &[String], e: &str| out.iter().any(|x| x == e);
    if has(&out, "f") {
        out.push("zicsr".into());
    }
    if has(&out, "c") {
        out.push("zca".into());
        if has(&out, "d") {
            out.push("zcd".into());
        }
    }
    let vlen = out
        .iter()
        .filter_map(|e| {
            e.strip_prefix("zvl")?
                .strip_suffix('b')?
                .parse::<u32>()
                .ok()
        })
        .chain(has(&out, "v").then_some(128))
        .max();
    if let Some(vlen) = vlen {
        let mut bits = 32;
        while bits <= vlen {
            out.push(format!("zvl{bits}b"));
            bits *= 2;
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The value of the first `key : value` line of `/proc/cpuinfo` text.
pub fn cpuinfo_field<'a>(cpuinfo: &'a str, key: &str) -> Option<&'a str> {
    cpuinfo.lines().find_map(|line| {
        let (k, v) = line.split_once(':')?;
        (k.trim() == key).then(|| v.trim())
    })
}

/// Whether a `facilities` line of s390x `/proc/cpuinfo` lists `facility`.
pub fn s390x_has_facility(facilities: &str, facility: u32) -> bool {
    facilities
        .split_whitespace()
        .any(|f| f.parse::<u32>() == Ok(facility))
}

/// The CPU features of the machine this runs on, in the table's spelling.
pub fn host_features() -> Vec<&'static str> {
    let Some(host_arch) = crate::target::host_arch() else {
        return Vec::new();
    };
    let cpuinfo = if host_arch == "riscv64gc" || host_arch == "s390x" {
        std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default()
    } else {
        String::new()
    };
    let riscv = cpuinfo_field(&cpuinfo, "isa")
        .map(riscv_extensions)
        .unwrap_or_default();
    let facilities = cpuinfo_field(&cpuinfo, "facilities").unwrap_or("");
    CPU_FEATURES
        .iter()
        .filter(|f| f.arch == host_arch)
        .filter(|f| match f.detection {
            #[cfg(target_arch = "x86_64")]
            Detection::X86(_) => x86_has(f.name),
            #[cfg(target_arch = "aarch64")]
            Detection::Aarch64(_) => aarch64_has(f.name),
            Detection::RiscvIsa(ext) => riscv.iter().any(|e| e == ext),
            Detection::S390xFacility(n) => s390x_has_facility(facilities, n),
            #[allow(unreachable_patterns)]
            _ => false,
        })
        .map(|f| f.name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn riscv_isa_lines_expand_implied_extensions() {
        assert_eq!(
            riscv_extensions("rv64imafdc_zba_zbb"),
            [
                "a", "c", "d", "f", "i", "m", "zba", "zbb", "zca", "zcd", "zicsr"
            ]
        );
        assert!(riscv_extensions("rv64gc").contains(&"zifencei".to_string()));
        assert!(riscv_extensions("rv32imac").is_empty());
        let v = riscv_extensions("rv64imafdcv_zvl256b");
        for e in ["v", "zvl32b", "zvl64b", "zvl128b", "zvl256b"] {
            assert!(v.contains(&e.to_string()), "{e} in {v:?}");
        }
        assert!(!v.contains(&"zvl512b".to_string()));
    }

    #[test]
    fn cpuinfo_fields_and_facilities() {
        let text = "vendor_id : IBM/S390\nfacilities      : 0 1 2 61 148\n";
        let facilities = cpuinfo_field(text, "facilities").unwrap();
        assert!(s390x_has_facility(facilities, 61));
        assert!(!s390x_has_facility(facilities, 84));
        assert_eq!(cpuinfo_field("isa\t: rv64gc\n", "isa"), Some("rv64gc"));
    }

    #[test]
    fn names_are_unique_per_architecture() {
        for (i, a) in CPU_FEATURES.iter().enumerate() {
            assert!(
                !CPU_FEATURES[..i]
                    .iter()
                    .any(|b| a.arch == b.arch && a.name == b.name),
                "{} {} twice",
                a.arch,
                a.name
            );
        }
    }

    #[test]
    fn the_host_reports_only_its_own_table_names() {
        let arch = if cfg!(target_arch = "x86_64") {
            "x86_64"
        } else {
            return;
        };
        for f in host_features() {
            assert!(lookup(arch, f).is_some(), "{f}");
        }
    }
}
