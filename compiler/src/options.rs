//! `CompileOptions`: everything that changes the generated code, in one
//! struct, with the defaults a build script wants (portable, guard pages).

use std::path::PathBuf;
use waot_format::signature::PrivateKey;
use waot_format::types::{BoundsStrategy, CpuMode, Inlining, Interruption};

/// Cranelift optimisation level.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OptLevel {
    /// `--opt-level 0`: no optimisation.
    None,
    /// `--opt-level 1` and `2`: optimise for speed.
    Speed,
    /// `--opt-level s`: optimise for speed and size.
    SpeedAndSize,
}

impl OptLevel {
    /// The Cranelift setting value.
    pub fn cranelift_name(self) -> &'static str {
        match self {
            OptLevel::None => "none",
            OptLevel::Speed => "speed",
            OptLevel::SpeedAndSize => "speed_and_size",
        }
    }
}

/// How to compile a module.
#[derive(Clone, Debug)]
pub struct CompileOptions {
    /// Target triple; `None` for the host.
    pub target: Option<String>,
    /// Portable baseline (default) or the build machine's CPU.
    pub cpu: CpuMode,
    /// Optimisation level.
    pub opt_level: OptLevel,
    /// Bounds checks: guard pages (default on 64-bit targets) or explicit.
    pub bounds: BoundsStrategy,
    /// Write each function's Cranelift IR to this directory.
    pub emit_clif: Option<PathBuf>,
    /// Write each function's machine code, as Cranelift disassembles it
    /// after register allocation, to this directory.
    pub emit_asm: Option<PathBuf>,
    /// File name of the source, recorded for fix-it hints.
    pub source_name: String,
    /// A page limit for the memories the module defines, recorded in the
    /// artifact (`waot compile --max-memory-pages`); the declared limits
    /// are recorded unchanged beside it.
    pub max_memory_pages: Option<u64>,
    /// Sign the artifact with this key (`waot compile --sign KEY`); it
    /// changes no code, only adds a signature section.
    pub signing_key: Option<PrivateKey>,
    /// Proposals of [`crate::features::OPTIONAL`] the module must not use
    /// (`waot compile --wasm-features=-exceptions,…`).
    pub turned_off: Vec<&'static str>,
    /// Fuel and epoch-deadline checks to compile in (`waot compile --fuel`,
    /// `--epoch-interruption`); none by default.
    pub interruption: Interruption,
    /// What to write: an artifact (default) or a relocatable object.
    pub output: OutputKind,
    /// Which calls to inline (`crate::inline`): none by default
    /// ([`Inlining::OFF`]); `--inline` asks for [`crate::inline::ENABLED`]:
    /// leaf callees of at most [`crate::inline::DEFAULT_MAX_CALLEE_INSTS`]
    /// IR instructions, those over
    /// [`crate::inline::DEFAULT_SMALL_CALLEE_INSTS`] only with at most
    /// [`crate::inline::DEFAULT_MAX_CALL_SITES`] call sites.
    pub inline: Inlining,
}

/// What `waot compile` writes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum OutputKind {
    /// An artifact for `waot-run` and `Module::from_file`.
    #[default]
    Artifact,
    /// A relocatable object for the system linker (`--emit object`): the
    /// code in its text, the metadata as read-only data and one global
    /// `waot_static_module_t` named `symbol`.
    Object {
        /// The record's symbol (a C identifier).
        symbol: String,
    },
}

impl Default for CompileOptions {
    fn default() -> Self {
        Self {
            target: None,
            cpu: CpuMode::Baseline,
            opt_level: OptLevel::Speed,
            bounds: BoundsStrategy::Guard,
            emit_clif: None,
            emit_asm: None,
            source_name: "module.wasm".to_string(),
            max_memory_pages: None,
            signing_key: None,
            turned_off: Vec::new(),
            interruption: Interruption::NONE,
            output: OutputKind::Artifact,
            inline: Inlining::OFF,
        }
    }
}

/// Memory reservation and guard of guard-page code, shared with the loader.
pub use waot_format::target::{MEMORY_GUARD, MEMORY_RESERVATION};
