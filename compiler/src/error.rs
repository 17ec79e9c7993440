//! `CompileError`: every way compiling a module can fail, each with a
//! lowercase message that says what failed and, where useful, what to do.

use std::fmt;

/// Why a module could not be compiled.
#[derive(Debug)]
pub enum CompileError {
    /// The input is neither a valid wasm binary nor valid wat text.
    Parse(String),
    /// The module failed validation; `offset` is the byte offset in the
    /// binary module.
    Invalid {
        /// The validator's message.
        message: String,
        /// Byte offset of the fault in the wasm binary.
        offset: usize,
    },
    /// The module uses a feature this version of waot does not compile yet.
    Unsupported(String),
    /// The module is valid but uses a wasm proposal waot does not compile.
    UnsupportedFeature {
        /// The proposal's name (`simd`, `exceptions`, `tail-call`, …).
        feature: &'static str,
        /// Byte offset in the wasm binary of its first use.
        offset: usize,
    },
    /// The module uses a proposal `--wasm-features` turned off.
    FeatureTurnedOff {
        /// The proposal's name (`exceptions`, `tail-call`, `threads`).
        feature: &'static str,
        /// Byte offset in the wasm binary of its first use.
        offset: usize,
    },
    /// The compile options contradict the module (for example a memory
    /// page limit below a memory's declared minimum).
    Options(String),
    /// The requested target or CPU configuration cannot be used.
    Target(String),
    /// Cranelift refused the generated IR or a relocation could not be
    /// resolved: a bug in waot.
    Codegen(String),
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompileError::Parse(m) => write!(f, "cannot parse module: {m}"),
            CompileError::Invalid { message, offset } => {
                write!(f, "invalid module: {message} (at byte offset {offset:#x})")
            }
            CompileError::Unsupported(what) => write!(f, "unsupported: {what}"),
            CompileError::UnsupportedFeature { feature, offset } => {
                write!(
                    f,
                    "unsupported: {feature} (first use at byte offset {offset:#x})"
                )
            }
            CompileError::FeatureTurnedOff { feature, offset } => write!(
                f,
                "the module uses {feature}, which --wasm-features turned off (first use at byte offset {offset:#x})\nhint: leave -{feature} out of --wasm-features, or rebuild the module without it"
            ),
            CompileError::Options(m) => write!(f, "{m}"),
            CompileError::Target(m) => write!(f, "{m}"),
            CompileError::Codegen(m) => write!(f, "internal compiler error: {m}"),
        }
    }
}

impl std::error::Error for CompileError {}

impl From<wasmparser::BinaryReaderError> for CompileError {
    fn from(e: wasmparser::BinaryReaderError) -> Self {
        CompileError::Invalid {
            message: e.message().to_string(),
            offset: e.offset() as usize,
        }
    }
}

/// Shorthand for compiler results.
pub type Result<T> = std::result::Result<T, CompileError>;

/// Refuses a feature this version does not compile.
pub fn unsupported<T>(what: impl Into<String>) -> Result<T> {
    Err(CompileError::Unsupported(what.into()))
}
