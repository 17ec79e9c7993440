//! The WASI application ABI: whether a module is a *command* (it exports
//! `_start`) or a *reactor* (it does not; it may export `_initialize`), and
//! instantiating it the way the ABI says — a reactor's `_initialize` is
//! called exactly once, after instantiation and before any other export.
//! A module that declares both kinds is refused, as the ABI asks.

use crate::code::Module;
use crate::errors::{InstantiateError, RunOptions};
use crate::instance::Instance;
use crate::linker::Linker;
use std::sync::Arc;
use waot_format::types::{ExportKind, FuncType};

/// The export that makes a module a command.
pub const START: &str = "_start";
/// The export a reactor may have, run once before any other export.
pub const INITIALIZE: &str = "_initialize";

/// What the WASI application ABI makes of a module, by its exports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApplicationKind {
    /// It exports `_start`, the program: called once, and nothing else
    /// before or after it.
    Command,
    /// Every other module: its exports are called in any order, after
    /// `_initialize` if it has one.
    Reactor(Initializer),
}

/// Whether a reactor exports `_initialize`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Initializer {
    /// It does: the host calls it once before any other export.
    Exported,
    /// It does not: nothing runs before its exports.
    None,
}

/// Why a module is not a valid WASI application: the message names the
/// exports and says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationError(pub String);

impl std::fmt::Display for ApplicationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApplicationError {}

/// The type of the exported function `name`, if the module has one.
fn exported_func_type<'m>(module: &'m Module, name: &str) -> Option<&'m FuncType> {
    let artifact = module.artifact();
    let export = artifact
        .module
        .exports
        .iter()
        .find(|e| e.name == name && e.kind == ExportKind::Func)?;
    artifact.func_type(waot_format::types::FuncIndex(export.index))
}

impl Module {
    /// What the WASI application ABI makes of this module: a command if it
    /// exports `_start`, else a reactor. Refused: a module exporting both
    /// `_start` and `_initialize` (the ABI makes the kinds mutually
    /// exclusive and asks hosts to report an error), and an entry point
    /// of another type than `() -> ()`. Only function exports count: a
    /// global named `_start` makes no command.
    pub fn application_kind(&self) -> Result<ApplicationKind, ApplicationError> {
        for name in [START, INITIALIZE] {
            if let Some(ty) = exported_func_type(self, name)
                && !(ty.params.is_empty() && ty.results.is_empty())
            {
                return Err(ApplicationError(format!(
                    "the export '{name}' has type {ty}, but the WASI application ABI requires () -> ()\nhint: rebuild the module with an entry point of type () -> (), or rename the export"
                )));
            }
        }
        let start = exported_func_type(self, START).is_some();
        let initialize = exported_func_type(self, INITIALIZE).is_some();
        match (start, initialize) {
            (true, true) => Err(ApplicationError(format!(
                "it exports both '{START}' (a WASI command) and '{INITIALIZE}' (a WASI reactor); the WASI application ABI makes these kinds mutually exclusive\nhint: rebuild it as a command (wasi-libc's default, `-mexec-model=command`) or as a reactor (`-mexec-model=reactor`, Go's `-buildmode=c-shared`)"
            ))),
            (true, false) => Ok(ApplicationKind::Command),
            (false, true) => Ok(ApplicationKind::Reactor(Initializer::Exported)),
            (false, false) => Ok(ApplicationKind::Reactor(Initializer::None)),
        }
    }
}

impl Instance {
    /// Instantiates `module` as a WASI application: [`Instance::new`], then
    /// what the WASI application ABI asks of the host. A reactor's
    /// `_initialize` is called once here, so every export may be called on
    /// the instance this returns; a command's `_start` is left for the
    /// caller to run ([`Instance::call`]), once. A module that is neither
    /// ([`Module::application_kind`]) is refused before it is
    /// instantiated; a trap (or `proc_exit`) in `_initialize` is an
    /// [`InstantiateError::Trap`].
    pub fn new_application(
        module: Arc<Module>,
        linker: &Linker,
        options: &RunOptions,
    ) -> Result<Instance, InstantiateError> {
        let kind = module
            .application_kind()
            .map_err(InstantiateError::Application)?;
        let instance = Instance::new(module, linker, options)?;
        if kind == ApplicationKind::Reactor(Initializer::Exported) {
            instance.call(INITIALIZE, &[]).map_err(|e| match e {
                crate::CallError::Trap(t) => InstantiateError::Trap(t),
                // The type was checked above, so only a trap can end it.
                other => InstantiateError::Application(ApplicationError(other.to_string())),
            })?;
        }
        Ok(instance)
    }
}
