//! Compatibility checks between an artifact and the host about to run it.
//! One `check_*` per recorded assumption; each mismatch names the field,
//! both values, and the command that fixes it.

use crate::artifact::{Artifact, Header, Prefix};
use crate::consts;
use crate::cpu;
use crate::types::{BoundsStrategy, Interruption, wasm_features};

/// What the running loader and machine provide.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostInfo {
    /// The loader's name and version, e.g. `waot-run 0.1.0`.
    pub runner: String,
    /// The host's target triple.
    pub target: String,
    /// The host's memory page size.
    pub page_size: u64,
    /// CPU features this CPU has, in the compiler's vocabulary.
    pub cpu_features: Vec<String>,
    /// Address space the loader reserves per memory for guard-page code.
    pub memory_reservation: u64,
    /// Guard region the loader leaves after the reservation.
    pub memory_guard: u64,
    /// Wasm features the loader can run ([`wasm_features`] bits).
    pub wasm_features: u64,
}

/// Where the artifact came from, for fix-it commands.
#[derive(Clone, Copy, Debug)]
pub struct Names<'a> {
    /// The artifact's path as the user gave it.
    pub artifact: &'a str,
    /// The source module's file name as recorded in the artifact.
    pub source: &'a str,
}

impl Names<'_> {
    /// `waot compile SOURCE EXTRA -o ARTIFACT`.
    fn compile_command(&self, extra: &str) -> String {
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(" {extra}")
        };
        format!(
            "`waot compile {}{} -o {}`",
            self.source, extra, self.artifact
        )
    }
}

/// The source module's file name for fix-it hints: the name the artifact's
/// build-info records, read best-effort (without the checksum or any other
/// check, bounds aside) so that hints for a corrupt artifact or one of
/// another format still name the real source; else a guess from the
/// artifact's own name (`app.aot` → `app.wasm`).
pub fn source_name_for_hints(bytes: &[u8], artifact_path: &str) -> String {
    recorded_source_name(bytes).map_or_else(
        || {
            artifact_path
                .strip_suffix(".aot")
                .map_or_else(|| "app.wasm".to_string(), |s| format!("{s}.wasm"))
        },
        str::to_string,
    )
}

/// The build-info's `source_name`, if the headers and the string are
/// intact enough to read and the name looks like a file name. Reads format
/// 2 through its section headers, format 1.x through its section table.
fn recorded_source_name(bytes: &[u8]) -> Option<&str> {
    let start = if bytes.starts_with(&consts::MAGIC) {
        format1_build_info(bytes)?
    } else {
        let header = crate::header::Header::parse_any_version(bytes).ok()?;
        // Skip the ABI fingerprint.
        header.section(consts::section::BUILD_INFO)?.offset + 8
    };
    let len = u32::from_le_bytes(bytes.get(start..start.checked_add(4)?)?.try_into().ok()?);
    let name = bytes.get(start.checked_add(4)?..start.checked_add(4 + len as usize)?)?;
    let name = std::str::from_utf8(name).ok()?;
    let plausible = !name.is_empty()
        && name.len() <= 255
        && !name.contains('/')
        && !name.chars().any(char::is_control);
    plausible.then_some(name)
}

/// Where a format 1.x artifact's build-info starts: its section table
/// (24-byte entries `id: u32, flags: u32, offset: u64, size: u64` after a
/// 128-byte header whose `u32` at 96 counts them) names it as section 1.
fn format1_build_info(bytes: &[u8]) -> Option<usize> {
    let u32_at = |at: usize| -> Option<u32> {
        Some(u32::from_le_bytes(
            bytes.get(at..at.checked_add(4)?)?.try_into().ok()?,
        ))
    };
    let u64_at = |at: usize| -> Option<u64> {
        Some(u64::from_le_bytes(
            bytes.get(at..at.checked_add(8)?)?.try_into().ok()?,
        ))
    };
    let count = u32_at(96)? as usize;
    let offset = (0..count.min(64)).find_map(|i| {
        let entry = 128 + i * 24;
        (u32_at(entry)? == 1).then(|| u64_at(entry + 8))?
    })?;
    usize::try_from(offset).ok()
}

/// One assumption of the artifact the host does not meet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// Which recorded field differs (`target`, `cpu-features`, …).
    pub field: &'static str,
    /// What differs, with both values (follows "cannot run 'X': ").
    pub problem: String,
    /// What to do about it, usually a command.
    pub hint: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}\nhint: {}", self.problem, self.hint)
    }
}

/// The format version: checked first, from the frozen prefix alone.
pub fn check_format(
    prefix: &Prefix,
    host: &HostInfo,
    source_hint: &str,
    artifact: &str,
) -> Option<Mismatch> {
    if prefix.major == consts::FORMAT_MAJOR {
        return None;
    }
    let hash = prefix.source_sha256_hex();
    Some(Mismatch {
        field: "format-version",
        problem: format!(
            "it uses artifact format {}.{} (written by {}), but this {} reads format {}.x",
            prefix.major,
            prefix.minor,
            if prefix.producer.is_empty() {
                "an unknown producer"
            } else {
                prefix.producer
            },
            host.runner,
            consts::FORMAT_MAJOR
        ),
        hint: format!(
            "recompile it from its source module (sha-256 {}…) with the waot that matches this {}: `waot compile {} -o {}`",
            hash.get(..12).unwrap_or(&hash),
            host.runner,
            source_hint,
            artifact
        ),
    })
}

/// This reader's format version, `MAJOR.MINOR`.
fn format_version() -> String {
    format!("{}.{}", consts::FORMAT_MAJOR, consts::FORMAT_MINOR)
}

/// Sections this loader does not know: skipped unless flagged `required`,
/// which means the artifact needs a newer loader. Checked right after the
/// format version, from the header and section table alone.
pub fn check_sections(
    header: &Header,
    host: &HostInfo,
    source_hint: &str,
    artifact: &str,
) -> Option<Mismatch> {
    let unknown = header.unknown_required_section()?;
    let prefix = &header.prefix;
    let producer = if prefix.producer.is_empty() {
        "an unknown producer"
    } else {
        prefix.producer
    };
    let newer_runner = match prefix.producer.strip_prefix("waot ") {
        Some(version) => format!("waot-run {version} or newer"),
        None => "a newer waot-run".to_string(),
    };
    Some(Mismatch {
        field: "required-section",
        problem: format!(
            "it needs section {} (marked required), which this {} (format {}) does not know; it uses artifact format {}.{} (written by {})",
            unknown.name,
            host.runner,
            format_version(),
            prefix.major,
            prefix.minor,
            producer
        ),
        hint: format!(
            "install {newer_runner} to run it, or recompile it with the waot that matches this {}: `waot compile {} -o {}`",
            host.runner, source_hint, artifact
        ),
    })
}

/// The ABI fingerprint: VM context layout, builtins, calling conventions.
pub fn check_abi(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    let ours = crate::abi::fingerprint();
    let compatible = crate::abi::FORWARD_COMPATIBLE_FINGERPRINTS.contains(&a.abi_fingerprint)
        || crate::abi::COMPATIBLE_FINGERPRINTS.contains(&a.abi_fingerprint)
            && !holds_gc_references(a);
    (a.abi_fingerprint != ours && !compatible).then(|| {
        Fingerprints {
            field: "abi",
            what: "it was compiled".into(),
            theirs: ("runtime ABI", a.abi_fingerprint),
            ours: ("ABI", ours),
            options: String::new(),
        }
        .mismatch(a, host, names)
    })
}

/// Whether the module may hold a reference of the `any` or `extern`
/// hierarchies, which could be a GC object: some type, import, global,
/// table or element segment names one. Code that holds none needs neither
/// stack maps nor exit records, so an earlier ABI revision in
/// [`crate::abi::COMPATIBLE_FINGERPRINTS`] runs it unchanged.
pub fn holds_gc_references(a: &Artifact) -> bool {
    use crate::types::{HeapType, ImportKind, ValType};
    let m = &a.module;
    let ctx = crate::gc_types::ModuleTypes::new(&m.types, &m.rec_groups);
    let traced = |t: &ValType| {
        t.as_ref()
            .is_some_and(|r| matches!(r.heap.top_in(&ctx), HeapType::Any | HeapType::Extern))
    };
    let in_types = m.types.iter().any(|t| match &t.composite {
        crate::gc_types::CompositeType::Func(f) => f.params.iter().chain(&f.results).any(traced),
        // Struct and array types need GC, whose fingerprint is checked.
        _ => true,
    });
    let in_imports = m.imports.iter().any(|i| match &i.kind {
        ImportKind::Global { ty, .. } => traced(ty),
        ImportKind::Table(t) => traced(&t.elem),
        _ => false,
    });
    in_types
        || in_imports
        || m.globals.iter().any(|g| traced(&g.ty))
        || m.tables.iter().any(|t| traced(&t.elem))
        || m.elements.iter().any(|e| traced(&e.elem))
}

/// The interruption ABI of code with fuel or epoch checks: the runtime
/// limits block and the traps those checks use.
pub fn check_interruption_abi(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    let ours = crate::abi::interruption_fingerprint();
    let have = a.build.interruption;
    (have.any() && a.interruption_fingerprint != ours).then(|| {
        Fingerprints {
            field: "interruption-abi",
            what: format!("its {have} checks were compiled"),
            theirs: ("interruption ABI", a.interruption_fingerprint),
            ours: ("interruption ABI", ours),
            options: interruption_options(have),
        }
        .mismatch(a, host, names)
    })
}

/// The GC ABI of a module with GC types: canonical type ids and the GC
/// builtins.
pub fn check_gc_abi(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    let ours = crate::abi::gc_fingerprint();
    let has_gc =
        a.module.has_gc_types() || a.build.wasm_features & crate::types::wasm_features::GC != 0;
    (has_gc && a.gc_fingerprint != ours).then(|| {
        Fingerprints {
            field: "gc-abi",
            what: "its gc types were compiled".into(),
            theirs: ("gc ABI", a.gc_fingerprint),
            ours: ("gc ABI", ours),
            options: String::new(),
        }
        .mismatch(a, host, names)
    })
}

/// Two fingerprints that differ, and how to say so.
struct Fingerprints {
    field: &'static str,
    /// What was compiled (`it was compiled`).
    what: String,
    /// The artifact's: what it is called and its value.
    theirs: (&'static str, u64),
    /// This loader's.
    ours: (&'static str, u64),
    /// `waot compile` options the fix needs.
    options: String,
}

impl Fingerprints {
    /// `WHAT by P (format X.Y) against KIND theirs, but this R (format
    /// M.N) provides KIND ours`, and the command that recompiles.
    fn mismatch(self, a: &Artifact, host: &HostInfo, names: Names) -> Mismatch {
        let ((their_kind, theirs), (our_kind, ours)) = (self.theirs, self.ours);
        Mismatch {
            field: self.field,
            problem: format!(
                "{} by {} (format {}.{}) against {their_kind} {theirs:016x}, but this {} (format {}) provides {our_kind} {ours:016x}",
                self.what,
                a.prefix.producer,
                a.prefix.major,
                a.prefix.minor,
                host.runner,
                format_version(),
            ),
            hint: format!(
                "recompile it with the waot that matches this {}: {}",
                host.runner,
                names.compile_command(&self.options)
            ),
        }
    }
}

/// The `waot compile` options that compile in `checks`.
fn interruption_options(checks: Interruption) -> String {
    let mut options = Vec::new();
    if checks.fuel {
        options.push("--fuel");
    }
    if checks.epoch {
        options.push("--epoch-interruption");
    }
    options.join(" ")
}

/// The first format whose code for each target reads value slots the
/// way the loader writes them: (target, format minor). waot 0.13.0's
/// s390x code (format 2.10) reads global slots and the tag of an
/// exception object little-endian, as every `ValRaw` is; s390x artifacts
/// of earlier formats read them big-endian and never ran correctly.
const FIRST_SOUND_FORMAT: [(&str, u16); 1] = [("s390x-unknown-linux-gnu", 10)];

/// Code generated before a target's byte-order fix (see
/// [`FIRST_SOUND_FORMAT`]).
pub fn check_target_code(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    // Code for another target is refused by check_target already.
    let (_, first) = FIRST_SOUND_FORMAT
        .iter()
        .find(|(target, _)| *target == a.build.target && *target == host.target)?;
    (a.prefix.major == consts::FORMAT_MAJOR && a.prefix.minor < *first).then(|| Mismatch {
        field: "target-code",
        problem: format!(
            "it was compiled for {} by {} (format {}.{}), whose code for that target reads globals and exception tags in the wrong byte order; this {} runs {} artifacts of format {}.{} or newer",
            a.build.target,
            a.prefix.producer,
            a.prefix.major,
            a.prefix.minor,
            host.runner,
            a.build.target,
            consts::FORMAT_MAJOR,
            first
        ),
        hint: format!(
            "recompile it with the waot that matches this {}: {}",
            host.runner,
            names.compile_command(&format!("--target {}", a.build.target))
        ),
    })
}

/// The target triple.
pub fn check_target(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    (a.build.target != host.target).then(|| Mismatch {
        field: "target",
        problem: format!(
            "it was compiled for {}, but this host is {}",
            a.build.target, host.target
        ),
        hint: format!(
            "recompile it with {}",
            names.compile_command(&format!("--target {}", host.target))
        ),
    })
}

/// The text alignment must be a multiple of the host page size, so the text
/// can be mapped executable on its own pages.
pub fn check_page_size(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    // Linked code was never mapped by the loader: its pages do not matter.
    let mapped = !a.text_detached;
    (mapped && u64::from(a.build.text_align) % host.page_size.max(1) != 0).then(|| Mismatch {
        field: "text-align",
        problem: format!(
            "its code is aligned to {} bytes, but this host's page size is {} bytes",
            a.build.text_align, host.page_size
        ),
        hint: format!(
            "recompile it on a waot for this host: {}",
            names.compile_command(&format!("--target {}", host.target))
        ),
    })
}

/// Every CPU feature the code uses must be present. A recorded feature
/// missing from [`crate::cpu::CPU_FEATURES`] cannot be detected, so the
/// artifact cannot run either; the message names it.
pub fn check_cpu_features(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    // Code for another architecture is refused by check_target already.
    if cpu::arch_of(a.build.target) != cpu::arch_of(&host.target) {
        return None;
    }
    let recorded = a.build.cpu_features.split(',').filter(|f| !f.is_empty());
    let (known, unknown): (Vec<&str>, Vec<&str>) =
        recorded.partition(|f| cpu::lookup(a.build.target, f).is_some());
    let missing: Vec<&str> = known
        .into_iter()
        .filter(|f| !host.cpu_features.iter().any(|h| h == f))
        .collect();
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "it uses CPU features this CPU lacks: {} (compiled with --cpu {}; this CPU has: {})",
            missing.join(","),
            a.build.cpu_mode.name(),
            if host.cpu_features.is_empty() {
                "baseline only".to_string()
            } else {
                host.cpu_features.join(",")
            }
        ));
    }
    if !unknown.is_empty() {
        problems.push(format!(
            "it uses CPU features {} cannot detect: {} (compiled with --cpu {} by {})",
            host.runner,
            unknown.join(","),
            a.build.cpu_mode.name(),
            a.prefix.producer
        ));
    }
    // Features a SIMD module needs whatever `--cpu` says: recompiling does
    // not help, only a build of the module without SIMD does.
    let simd_baseline = crate::target::simd_cpu_features(a.build.target);
    let simd_only = a.build.wasm_features & crate::types::wasm_features::SIMD != 0
        && unknown.is_empty()
        && missing.iter().all(|f| simd_baseline.contains(f));
    (!problems.is_empty()).then(|| Mismatch {
        field: "cpu-features",
        problem: problems.join("; "),
        hint: if simd_only {
            format!(
                "the module uses SIMD, and waot's SIMD code for {} needs {}: run it on such a CPU, or rebuild the module without SIMD (e.g. without clang's -msimd128) and compile that",
                a.build.target,
                simd_baseline.join(",")
            )
        } else {
            format!(
                "recompile it for the portable baseline: {}",
                names.compile_command("--cpu baseline")
            )
        },
    })
}

/// Guard-page code needs at least the reservation and guard it assumed.
pub fn check_bounds(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    let b = &a.build;
    if b.bounds != BoundsStrategy::Guard {
        return None;
    }
    (b.memory_reservation > host.memory_reservation || b.memory_guard > host.memory_guard).then(|| Mismatch {
        field: "memory-reservation",
        problem: format!(
            "its code relies on a {}-byte memory reservation and a {}-byte guard region, but this {} provides {} and {}",
            b.memory_reservation, b.memory_guard, host.runner, host.memory_reservation, host.memory_guard
        ),
        hint: format!("recompile it with explicit bounds checks: {}", names.compile_command("--bounds-checks explicit")),
    })
}

/// Code without stack-limit checks could overflow the host stack.
pub fn check_stack(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    (!a.build.stack_check).then(|| Mismatch {
        field: "stack-check",
        problem: format!(
            "it was compiled without stack-limit checks, which {} requires",
            host.runner
        ),
        hint: format!("recompile it: {}", names.compile_command("")),
    })
}

/// The interruption the host will use (`waot-run --fuel`, `--timeout`)
/// must be compiled in: code without the checks cannot be stopped.
pub fn check_interruption(
    a: &Artifact,
    wanted: Interruption,
    host: &HostInfo,
    names: Names,
) -> Option<Mismatch> {
    let have = a.build.interruption;
    let missing = Interruption {
        fuel: wanted.fuel && !have.fuel,
        epoch: wanted.epoch && !have.epoch,
    };
    if !missing.any() {
        return None;
    }
    let flags = Interruption {
        fuel: wanted.fuel || have.fuel,
        epoch: wanted.epoch || have.epoch,
    };
    let asked = match (missing.fuel, missing.epoch) {
        (true, true) => "fuel and a deadline",
        (true, false) => "fuel",
        _ => "a deadline",
    };
    Some(Mismatch {
        field: "interruption",
        problem: format!(
            "{} was asked to limit it by {asked}, which needs interruption checks `{flags}`, but its code has `{have}`",
            host.runner
        ),
        hint: format!(
            "recompile it with the checks: {}",
            names.compile_command(&interruption_options(flags))
        ),
    })
}

/// Every wasm feature the module was compiled with must be supported.
pub fn check_wasm_features(a: &Artifact, host: &HostInfo, names: Names) -> Option<Mismatch> {
    let unsupported = a.build.wasm_features & !host.wasm_features;
    (unsupported != 0).then(|| Mismatch {
        field: "wasm-features",
        problem: format!(
            "it needs wasm features this {} does not support: {}",
            host.runner,
            wasm_features::describe(unsupported)
        ),
        hint: format!(
            "upgrade waot-run, or recompile with the waot that matches it: {}",
            names.compile_command("")
        ),
    })
}

/// One compatibility check.
type Check = fn(&Artifact, &HostInfo, Names) -> Option<Mismatch>;

/// Runs every check after the format version and checksum; returns all
/// mismatches (empty when the artifact can run here).
pub fn check_all(a: &Artifact, host: &HostInfo, artifact_path: &str) -> Vec<Mismatch> {
    // An object's fix-it commands write an object again.
    let object_source = format!("--emit object {}", a.build.source_name);
    let names = Names {
        artifact: artifact_path,
        source: if a.text_detached {
            &object_source
        } else {
            a.build.source_name
        },
    };
    let checks: [Check; 10] = [
        check_abi,
        check_interruption_abi,
        check_gc_abi,
        check_target,
        check_target_code,
        check_page_size,
        check_cpu_features,
        check_bounds,
        check_stack,
        check_wasm_features,
    ];
    checks
        .iter()
        .filter_map(|check| check(a, host, names))
        .collect()
}

/// The CPU features of the machine this runs on, in the compiler's
/// vocabulary (Cranelift setting names without `has_`; see [`crate::cpu`]).
pub fn detect_cpu_features() -> Vec<String> {
    cpu::host_features().into_iter().map(String::from).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_wasm_feature_bits_are_named() {
        assert_eq!(wasm_features::describe(0), "none");
        assert_eq!(
            wasm_features::describe(wasm_features::SIMD | 1 << 40 | 1 << 63),
            "simd,feature bit 40,feature bit 63"
        );
    }

    /// A format 1.x header (128 bytes, section count at 96) whose section
    /// table has one build-info entry (id 1) at `offset`.
    fn header_with_build_info(offset: u64, body: &[u8]) -> Vec<u8> {
        let mut bytes = vec![0u8; 128 + 24];
        bytes[..8].copy_from_slice(&consts::MAGIC);
        bytes[96..][..4].copy_from_slice(&1u32.to_le_bytes());
        let entry = 128;
        bytes[entry..][..4].copy_from_slice(&1u32.to_le_bytes());
        bytes[entry + 8..][..8].copy_from_slice(&offset.to_le_bytes());
        bytes.extend_from_slice(body);
        bytes
    }

    #[test]
    fn hints_use_the_recorded_source_name_when_readable() {
        let offset = (128 + 24) as u64;
        let mut body = 8u32.to_le_bytes().to_vec();
        body.extend_from_slice(b"app.wasm");
        let bytes = header_with_build_info(offset, &body);
        assert_eq!(source_name_for_hints(&bytes, "dir/prog.aot"), "app.wasm");
        // Damaged records fall back to the guess, never panic.
        for cut in 0..bytes.len() {
            let name = source_name_for_hints(&bytes[..cut], "dir/prog.aot");
            assert!(name == "dir/prog.wasm", "cut at {cut}: {name}");
        }
        let far = header_with_build_info(u64::MAX - 2, &body);
        assert_eq!(source_name_for_hints(&far, "q.aot"), "q.wasm");
        let mut huge = 0xffff_fff0u32.to_le_bytes().to_vec();
        huge.extend_from_slice(b"app.wasm");
        let bytes = header_with_build_info(offset, &huge);
        assert_eq!(source_name_for_hints(&bytes, "q.aot"), "q.wasm");
        let mut path = 9u32.to_le_bytes().to_vec();
        path.extend_from_slice(b"/app.wasm");
        let bytes = header_with_build_info(offset, &path);
        assert_eq!(source_name_for_hints(&bytes, "p.aot"), "p.wasm");
    }
}
