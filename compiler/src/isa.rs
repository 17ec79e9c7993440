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
/// (the largest page size the architecture's Linux kernels use).
pub const TARGETS: [(&str, u32); 4] = [
    ("x86_64-unknown-linux-gnu", 4096),
    ("aarch64-unknown-linux-gnu", 65536),
    ("riscv64gc-unknown-linux-gnu", 4096),
    ("s390x-unknown-linux-gnu", 4096),
];

/// A configured target.
pub struct Target {
    /// The Cranelift ISA.
    pub isa: OwnedTargetIsa,
    /// The triple as recorded in the artifact.
    pub triple: String,
    /// CPU features the code may use, comma-separated.
    pub cpu_features: String,
    /// Text alignment.
    pub text_align: u32,
}

impl Target {
    /// Whether the ISA has native float rounding (`ceil`, `floor`, …);
    /// without it the translator calls builtins so the text needs no
    /// relocations.
    pub fn has_native_rounding(&self) -> bool {
        !self.triple.starts_with("x86_64") || self.cpu_features.split(',').any(|f| f == "sse41")
    }
}

/// The host's triple in the spelling `waot targets` lists.
pub fn host_triple() -> String {
    let host = Triple::host().to_string();
    TARGETS
        .iter()
        .map(|(t, _)| *t)
        .find(|t| t.split('-').next() == host.split('-').next())
        .map(str::to_string)
        .unwrap_or(host)
}

/// Builds the target for `options`.
pub fn target(options: &CompileOptions) -> Result<Target> {
    let name = options.target.clone().unwrap_or_else(host_triple);
    let Some(&(triple, text_align)) = TARGETS.iter().find(|(t, _)| *t == name) else {
        let list: Vec<&str> = TARGETS.iter().map(|(t, _)| *t).collect();
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
    let isa = builder
        .finish(settings::Flags::new(flags))
        .map_err(|e| CompileError::Target(format!("cannot configure {triple}: {e}")))?;
    let mut features: Vec<String> = isa
        .isa_flags()
        .iter()
        .filter(|v| v.as_bool() == Some(true))
        .filter_map(|v| v.name.strip_prefix("has_").map(str::to_string))
        .collect();
    features.sort();
    Ok(Target {
        isa,
        triple: triple.to_string(),
        cpu_features: features.join(","),
        text_align,
    })
}
