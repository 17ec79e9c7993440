//! waot: the WebAssembly ahead-of-time compiler.
//!
//! The pipeline follows the module tree: [`module_info`] (parse and
//! validate) → [`translate`] (wasm to Cranelift IR, one file per operator
//! family) and [`trampolines`] → [`emit`] (machine code, layout, artifact).
//!
//! ```no_run
//! let wasm = wat::parse_str("(module (func (export \"f\") (result i32) i32.const 42))").unwrap();
//! let artifact = waot::compile(&wasm, &waot::CompileOptions::default()).unwrap();
//! assert!(waot_format::artifact::Artifact::parse(&artifact).is_ok());
//! ```

pub mod emit;
pub mod error;
pub mod features;
pub mod inline;
pub mod inspect;
pub mod isa;
pub mod module_info;
pub mod options;
pub mod pipeline;
pub mod trampolines;
pub mod translate;

pub use emit::{compile, compile_with_progress};
pub use error::CompileError;
pub use options::{CompileOptions, OptLevel, OutputKind};

/// Reads a module given as wasm binary or wat text into its binary form.
/// A binary module is returned as it is, not copied.
pub fn wasm_from_bytes(bytes: Vec<u8>) -> Result<Vec<u8>, CompileError> {
    let text = match wat::parse_bytes(&bytes).map_err(|e| CompileError::Parse(e.to_string()))? {
        std::borrow::Cow::Borrowed(_) => None,
        std::borrow::Cow::Owned(binary) => Some(binary),
    };
    Ok(text.unwrap_or(bytes))
}
