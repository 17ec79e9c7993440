//! waot-run: loads waot artifacts and runs them, from the command line
//! (`waot-run`) or embedded in a Rust host through an API shaped like
//! Wasmtime's. This is `loader/examples/embed.rs`, which `make test` runs:
//!
//! ```no_run
#![doc = include_str!("../examples/embed.rs")]
//! ```
//!
//! [`Engine`] holds the configuration and the epoch, [`Store<T>`] the
//! instances, memories, tables, globals and the host's data `T` (and each
//! store's fuel and deadline), [`Linker<T>`] host functions (typed Rust
//! closures) and other instances' exports; [`Instance`], [`Func`],
//! [`TypedFunc`], [`Memory`], [`Global`] and [`Table`] are handles into
//! one store. [`Module::from_file`] maps an artifact and checks it against
//! this host before anything becomes executable. [`wasi::add_to_linker`]
//! links WASI preview 1.
//!
//! The runtime underneath is public too, for the `waot-run` binary and the
//! test suite: [`instance::Instance`], [`linker::Linker`] and
//! [`externs`] work without a store (their fuel and deadline are the
//! thread's, [`interrupt`]).

mod api;
pub mod application;
mod builtins;
pub mod code;
mod code_registry;
pub mod errors;
pub mod exceptions;
pub mod externs;
mod gc;
pub mod host;
pub mod instance;
pub mod interrupt;
pub mod linker;
pub mod memory;
pub mod native;
pub mod perfmap;
mod pool;
mod segments;
mod signals;
pub mod static_module;
pub mod table;
pub mod traps;
pub mod type_registry;
pub mod values;
mod vm;
pub mod wasi;

pub use api::Error;
pub use api::engine::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};
pub use api::func::{
    Caller, Func, HostResult, IntoFunc, TypedFunc, WasmParams, WasmResults, WasmTy,
};
pub use api::instance::{Extern, Global, Instance, Memory, Table};
pub use api::limits::{ResourceLimiter, StoreLimits, StoreLimitsBuilder};
pub use api::linker::Linker;
pub use api::store::{AsContext, AsContextMut, GcStats, Store, StoreContext, StoreContextMut};
pub use api::types::{ExportType, ExternType, GlobalType, ImportType};
pub use application::{ApplicationError, ApplicationKind, Initializer};
pub use code::{Module, OpenError, OpenOptions, Profiling, RequiredSignature};
pub use errors::{CallError, InstantiateError, RunOptions};
pub use gc::roots::RootScope;
pub use gc::{DEFAULT_MAX_GC_HEAP, LARGEST_GC_HEAP};
pub use traps::Trap;
pub use values::{AnyKind, AnyRef, ExnRef, ExternRef, FuncRef, HOST_VALUE_MAX, Val};
