//! The waot artifact format and the compiler↔loader ABI.
//!
//! This crate is the only code the compiler (`waot`) and the loader
//! (`waot-run`) share. It defines:
//!
//! - the byte layout of an artifact ([`consts`], [`artifact`], `SPEC.md`),
//! - the module metadata both sides agree on ([`types`]; the build record's
//!   types in [`build_info`]), GC types and
//!   object layouts ([`gc_types`], [`gc_layout`]) and stack maps
//!   ([`stack_maps`]),
//! - the module's index spaces ([`index_space`]) and the VM context layout
//!   compiled code relies on ([`vmctx`]),
//! - memory reservation sizes and target triples ([`target`]),
//! - trap kinds and their spec messages ([`traps`]),
//! - runtime builtins reached through the VM context ([`builtins`]),
//! - the ABI fingerprint and the compatibility checks ([`abi`], [`compat`]),
//! - artifact signatures ([`signature`]; signing only with `write`),
//! - the names of compiled code in symbols and perf maps ([`symbols`]).
//!
//! The reader works on `&[u8]` (for example an `mmap`), never panics and
//! reports malformed input as a [`FormatError`] with a byte offset. The
//! writer lives behind the `write` feature, which the loader does not enable.
//!
//! ```
//! use waot_format::artifact::Artifact;
//! // Any input, however malformed, gives an error and never a panic.
//! assert!(Artifact::parse(b"not an artifact").is_err());
//! ```

pub mod abi;
pub mod artifact;
pub mod build_info;
pub mod builtins;
pub mod compat;
pub mod consts;
pub mod cpu;
mod decode;
pub mod error;
pub mod gc_layout;
pub mod gc_types;
pub mod header;
pub mod index_space;
mod memory_images;
pub mod reader;
pub mod signature;
pub mod stack_maps;
pub mod static_record;
pub mod symbols;
pub mod target;
pub mod trap_table;
pub mod traps;
pub mod types;
pub mod valtype;
pub mod vmctx;
pub mod wasm_features;
#[cfg(feature = "write")]
pub mod writer;

pub use error::FormatError;
