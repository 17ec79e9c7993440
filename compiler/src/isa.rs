//! Target selection: builds the Cranelift ISA for a triple and CPU mode and
//! says which CPU features and text alignment the artifact must record.

use crate::error::{CompileError, Result};
use crate::options::CompileOptions;
use cranelift_codegen::isa::{self, OwnedTargetIsa};
use cranelift_codegen::settings::{self, Configurable};
use std::str::FromStr;
use target_lexicon::Triple;
use waot_format::types::CpuMode;

/// Targets `waot compile --target` accepts, with their text alignment
/// (the largest page size the architecture's Linux kernels use): the one
/// list in format-spec.
pub use waot_format::target::TARGETS;

/// A configured target.
pub struct Target {
    /// The Cranelift ISA.
    pub isa: OwnedTargetIsa,
    /// The triple as recorded in the artifact.
    pub triple: String,
    /// CPU features the code may use beyond the target's baseline,
    /// comma-separated, as the artifact records them.
    pub cpu_features: String,
    /// Every CPU feature the code may use, baseline included.
    pub all_features: Vec<String>,
    /// Text alignment.
    pub text_align: u32,
}

impl Target {
    /// Whether the ISA has native float rounding (`ceil`, `floor`, …);
    /// without it the translator calls builtins so the text needs no
    /// relocations.
    pub fn has_native_rounding(&self) -> bool {
        !self.triple.starts_with("x86_64") || self.all_features.iter().any(|f| f == "sse41")
    }
}

/// The host's triple in the spelling `waot targets` lists (the triple
/// target-lexicon reports on an architecture waot does not target).
pub fn host_triple() -> String {
    waot_format::target::host_triple()
        .map(str::to_string)
        .unwrap_or_else(|| Triple::host().to_string())
}

/// Builds the target for `options`; `simd` raises the CPU baseline to
/// [`waot_format::target::simd_cpu_features`].
pub fn target(options: &CompileOptions, simd: bool) -> Result<Target> {
    let name = options.target.clone().unwrap_or_else(host_triple);
    let Some(&waot_format::target::Target {
        triple, text_align, ..
    }) = waot_format::target::target(&name)
    else {
        let list: Vec<&str> = TARGETS.iter().map(|t| t.triple).collect();
        return Err(CompileError::Target(format!(
            "unknown target '{name}'\nhint: choose one of: {} (see `waot targets`)",
            list.join(", ")
        )));
    };
    let parsed = Triple::from_str(triple)
        .map_err(|e| CompileError::Target(format!("bad triple {triple}: {e}")))?;
    let mut builder = isa::lookup(parsed.clone())
        .map_err(|e| CompileError::Target(format!("cranelift cannot target {triple}: {e}")))?;
    if options.cpu == CpuMode::Native {
        if name != host_triple() {
            return Err(CompileError::Target(format!(
                "--cpu native describes this machine, which is not {name}\nhint: use `--cpu baseline` when cross-compiling"
            )));
        }
        cranelift_native::infer_native_flags(&mut builder)
            .map_err(|e| CompileError::Target(format!("cannot detect this CPU's features: {e}")))?;
    }
    if simd {
        for feature in waot_format::target::simd_cpu_features(triple) {
            let feature = format!("has_{feature}");
            builder.enable(&feature).map_err(|e| {
                CompileError::Target(format!("cranelift setting {feature} for {triple}: {e}"))
            })?;
        }
    }
    let mut flags = settings::builder();
    let set = |flags: &mut settings::Builder, name: &str, value: &str| {
        flags
            .set(name, value)
            .map_err(|e| CompileError::Codegen(format!("cranelift setting {name}={value}: {e}")))
    };
    set(&mut flags, "opt_level", options.opt_level.cranelift_name())?;
    set(&mut flags, "preserve_frame_pointers", "true")?;
    set(&mut flags, "enable_probestack", "false")?;
    set(&mut flags, "unwind_info", "false")?;
    set(&mut flags, "is_pic", "false")?;
    // Functions with more results than return registers return the rest
    // through a hidden return area (needed on aarch64, riscv64, s390x).
    set(&mut flags, "enable_multi_ret_implicit_sret", "true")?;
    set(
        &mut flags,
        "enable_verifier",
        if cfg!(debug_assertions) {
            "true"
        } else {
            "false"
        },
    )?;
    let shared = settings::Flags::new(flags);
    let isa = builder
        .finish(shared.clone())
        .map_err(|e| CompileError::Target(format!("cannot configure {triple}: {e}")))?;
    // Cranelift's defaults for the triple are the baseline every CPU of
    // the architecture has (riscv64: a, d, f, m, zicsr, zifencei); only the
    // features beyond it are recorded for the loader to check.
    let baseline = isa::lookup(parsed)
        .map_err(|e| CompileError::Target(format!("cranelift cannot target {triple}: {e}")))?
        .finish(shared)
        .map_err(|e| CompileError::Target(format!("cannot configure {triple}: {e}")))?;
    let baseline = enabled_features(&*baseline);
    let all_features = enabled_features(&*isa);
    let recorded: Vec<&str> = all_features
        .iter()
        .filter(|f| !baseline.contains(f))
        .map(String::as_str)
        .collect();
    Ok(Target {
        triple: triple.to_string(),
        cpu_features: recorded.join(","),
        all_features,
        isa,
        text_align,
    })
}

/// The CPU features (`has_*` flags, without the prefix) `isa` enables,
/// sorted.
fn enabled_features(isa: &dyn isa::TargetIsa) -> Vec<String> {
    let mut features: Vec<String> = isa
        .isa_flags()
        .iter()
        .filter(|v| v.as_bool() == Some(true))
        .filter_map(|v| v.name.strip_prefix("has_").map(str::to_string))
        .collect();
    features.sort();
    features
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ISA settings that are code-generation choices, not CPU features: the
    /// loader has nothing to detect for them and they are never recorded.
    const NOT_CPU_FEATURES: [&str; 5] = [
        "sign_return_address_all",
        "sign_return_address",
        "sign_return_address_with_bkey",
        "use_bti",
        "use_csdb",
    ];

    #[test]
    fn every_cranelift_cpu_flag_of_every_target_is_in_the_loader_table() {
        let mut problems = Vec::new();
        for waot_format::target::Target { triple, .. } in TARGETS {
            let builder = isa::lookup(Triple::from_str(triple).unwrap()).unwrap();
            let isa = builder
                .finish(settings::Flags::new(settings::builder()))
                .unwrap();
            for flag in isa.isa_flags() {
                match flag.name.strip_prefix("has_") {
                    Some(name) if waot_format::cpu::lookup(triple, name).is_none() => problems
                        .push(format!(
                            "{triple}: {} has no entry in the CPU table",
                            flag.name
                        )),
                    None if !NOT_CPU_FEATURES.contains(&flag.name) => problems.push(format!(
                        "{triple}: classify setting {} (a CPU feature or not?)",
                        flag.name
                    )),
                    _ => {}
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn baseline_artifacts_record_no_cpu_features_on_any_target() {
        for waot_format::target::Target { triple, .. } in TARGETS {
            let options = CompileOptions {
                target: Some(triple.to_string()),
                ..Default::default()
            };
            let target = target(&options, false).unwrap();
            assert_eq!(target.cpu_features, "", "{triple}");
        }
    }

    #[test]
    fn simd_raises_the_baseline_only_where_cranelift_needs_it() {
        let expected = [
            ("x86_64-unknown-linux-gnu", "sse3,sse41,ssse3"),
            ("aarch64-unknown-linux-gnu", ""),
            ("riscv64gc-unknown-linux-gnu", "v"),
            ("s390x-unknown-linux-gnu", ""),
        ];
        for (triple, features) in expected {
            let options = CompileOptions {
                target: Some(triple.to_string()),
                ..Default::default()
            };
            assert_eq!(
                target(&options, true).unwrap().cpu_features,
                features,
                "{triple}"
            );
            assert_eq!(
                target(&options, false).unwrap().cpu_features,
                "",
                "{triple}"
            );
        }
    }

    #[test]
    fn native_artifacts_record_only_features_the_loader_detects() {
        let options = CompileOptions {
            cpu: waot_format::types::CpuMode::Native,
            ..Default::default()
        };
        let target = target(&options, false).unwrap();
        let host = waot_format::cpu::host_features();
        for f in target.cpu_features.split(',').filter(|f| !f.is_empty()) {
            assert!(host.contains(&f), "recorded {f}, host detects {host:?}");
        }
    }
}
