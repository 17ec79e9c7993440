//! What instantiating and calling can fail with, and the options that
//! bound an instance's resources.

use crate::traps::Trap;

/// Options for instances.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Lower the memory page limit further at run time.
    pub max_memory_pages: Option<u64>,
    /// Bytes of stack wasm code may use before "call stack exhausted".
    pub max_wasm_stack: usize,
    /// Elements any table defined by the instance may grow to.
    pub max_table_elements: u64,
    /// Bytes the GC heap may hold at once (its reserved address range).
    /// Set by the first instance
    /// with GC types of a store, or of a thread's storeless instances.
    pub max_gc_heap: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            max_memory_pages: None,
            max_wasm_stack: 1 << 20,
            max_table_elements: crate::externs::DEFAULT_TABLE_LIMIT,
            max_gc_heap: crate::gc::DEFAULT_MAX_GC_HEAP,
        }
    }
}

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiateError {
    /// Imports could not be resolved: one line per problem.
    Link(Vec<String>),
    /// Memory could not be created within its limits.
    Memory(String),
    /// A table could not be created within its limits.
    Table(String),
    /// A segment or the start function trapped (or, for
    /// [`Instance::new_application`](crate::instance::Instance::new_application), a
    /// reactor's `_initialize`).
    Trap(Trap),
    /// The module is not a valid WASI application (exports both `_start`
    /// and `_initialize`, or an entry point of the wrong type).
    Application(crate::application::ApplicationError),
}

impl std::fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateError::Link(lines) => write!(f, "{}", lines.join("\n")),
            InstantiateError::Memory(m) | InstantiateError::Table(m) => write!(f, "{m}"),
            InstantiateError::Trap(t) => write!(f, "wasm trap: {t}"),
            InstantiateError::Application(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for InstantiateError {}

/// Why a call failed before or during execution.
#[derive(Debug)]
pub enum CallError {
    /// No exported function of that name.
    NoSuchExport(String),
    /// Wrong number or types of arguments.
    BadArguments(String),
    /// The call trapped.
    Trap(Trap),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::NoSuchExport(m) | CallError::BadArguments(m) => write!(f, "{m}"),
            CallError::Trap(t) => write!(f, "wasm trap: {t}"),
        }
    }
}

impl std::error::Error for CallError {}
