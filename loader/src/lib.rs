//! waot-run: loads waot artifacts and runs them.
//!
//! [`Module::open`] maps an artifact, checks it against this host before
//! anything becomes executable, and publishes its text in place.
//! [`Instance::new`] links its imports against a [`Linker`] and
//! instantiates it; [`Instance::call`] calls an export.
//!
//! ```no_run
//! use std::sync::Arc;
//! use waot_run::{Instance, Linker, Module, RunOptions, Val};
//! let module = Arc::new(Module::open("app.aot")?);
//! let instance = Instance::new(module, &Linker::new(), &RunOptions::default())?;
//! let results = instance.call("add", &[Val::I32(1), Val::I32(2)])?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod application;
mod builtins;
pub mod code;
pub mod errors;
pub mod exceptions;
pub mod externs;
pub mod host;
pub mod instance;
pub mod interrupt;
pub mod linker;
pub mod memory;
pub mod native;
pub mod perfmap;
mod signals;
pub mod table;
pub mod traps;
pub mod values;
mod vm;
pub mod wasi;

pub use application::{ApplicationError, ApplicationKind, Initializer};
pub use code::{Module, OpenError, OpenOptions, Profiling, RequiredSignature};
pub use externs::{Extern, Func, Global, Table};
pub use instance::{CallError, Instance, InstantiateError, RunOptions};
pub use linker::{Caller, HostFunc, Linker};
pub use traps::Trap;
pub use values::Val;
