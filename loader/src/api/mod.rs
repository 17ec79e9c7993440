//! The embedder's API, shaped like Wasmtime's: an [`Engine`], a
//! [`Store<T>`] that owns what it creates and the host's data, a
//! [`Linker<T>`] of typed Rust closures, and handles ([`Instance`],
//! [`Func`], [`TypedFunc`], [`Memory`], [`Global`], [`Table`]) that are
//! indices into one store. Errors are one type, [`Error`].

pub(crate) mod engine;
pub(crate) mod func;
pub(crate) mod host_items;
pub(crate) mod instance;
pub(crate) mod limits;
pub(crate) mod linker;
pub(crate) mod store;
pub(crate) mod types;

use crate::CallError;
use crate::code::{Module, OpenError};
use crate::traps::Trap;

/// What the embedder's API fails with: a message (with a `hint:` line
/// where there is something to do), or a trap of the wasm code.
#[derive(Debug)]
pub struct Error {
    inner: Box<ErrorInner>,
}

#[derive(Debug)]
enum ErrorInner {
    Message(String),
    Trap(Trap),
}

impl Error {
    /// An error with this message.
    pub fn msg(message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(ErrorInner::Message(message.into())),
        }
    }

    /// The trap, if the wasm code trapped (kind, function, offset; a WASI
    /// `proc_exit` is a trap with an exit status).
    pub fn trap(&self) -> Option<&Trap> {
        match &*self.inner {
            ErrorInner::Trap(t) => Some(t),
            ErrorInner::Message(_) => None,
        }
    }

    /// The exit status, if the guest called WASI `proc_exit`.
    pub fn exit_status(&self) -> Option<i32> {
        self.trap().and_then(|t| t.exit_status)
    }

    /// The trap itself, or the error back.
    pub fn into_trap(self) -> Result<Trap, Error> {
        match *self.inner {
            ErrorInner::Trap(trap) => Ok(trap),
            message => Err(Error {
                inner: Box::new(message),
            }),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            ErrorInner::Trap(t) if t.exit_status.is_some() => {
                write!(f, "exited with status {}", t.exit_status.unwrap_or(0))
            }
            ErrorInner::Trap(t) => write!(f, "wasm trap: {t}"),
            ErrorInner::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<Trap> for Error {
    fn from(trap: Trap) -> Error {
        Error {
            inner: Box::new(ErrorInner::Trap(trap)),
        }
    }
}

impl From<CallError> for Error {
    fn from(e: CallError) -> Error {
        match e {
            CallError::Trap(t) => Error::from(t),
            other => Error::msg(other.to_string()),
        }
    }
}

impl From<OpenError> for Error {
    fn from(e: OpenError) -> Error {
        Error::msg(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Error {
        Error::msg(e.to_string())
    }
}

/// The hint for bytes that are WebAssembly, not an artifact.
fn wasm_hint(name: &str) -> Error {
    let out = name
        .strip_suffix(".wasm")
        .map_or_else(|| format!("{name}.aot"), |s| format!("{s}.aot"));
    Error::msg(format!(
        "'{name}' is a WebAssembly module, not a waot artifact\nhint: compile it first: `waot compile {name} -o {out}`"
    ))
}

impl Module {
    /// Opens the artifact at `path` for `engine`, with every check of
    /// `waot-run` (and the fuel and epoch checks the engine's
    /// [`crate::Config`] asks for). A `.wasm` file is refused with the
    /// command that compiles it.
    pub fn from_file(
        engine: &engine::Engine,
        path: impl AsRef<std::path::Path>,
    ) -> Result<Module, Error> {
        let path = path.as_ref();
        let options = engine.open_options();
        let name = path.display().to_string();
        match Module::open_with(path, &options) {
            Ok(m) => Ok(m),
            Err(OpenError::Corrupt(e)) => {
                let mut head = [0u8; 4];
                let is_wasm = std::fs::File::open(path)
                    .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut head))
                    .is_ok()
                    && head == *b"\0asm";
                Err(if is_wasm {
                    wasm_hint(&name)
                } else {
                    Error::from(OpenError::Corrupt(e))
                })
            }
            Err(e) => Err(prefixed(&name, e)),
        }
    }

    /// Opens an artifact from its bytes (copied into private memory
    /// first, so nothing can change them after the checks).
    pub fn from_bytes(engine: &engine::Engine, bytes: impl AsRef<[u8]>) -> Result<Module, Error> {
        let bytes = bytes.as_ref();
        if bytes.starts_with(b"\0asm") {
            return Err(wasm_hint("module.wasm"));
        }
        let mut map = memmap2::MmapOptions::new()
            .len(bytes.len().max(1))
            .map_anon()?;
        map[..bytes.len()].copy_from_slice(bytes);
        let map = map.make_read_only()?;
        let options = engine.open_options();
        Module::from_map_with(map, "module.aot", &options).map_err(|e| prefixed("module.aot", e))
    }
}

impl Module {
    /// The module linked into this program whose record is at `record`
    /// (the symbol a `waot compile --emit object` object defines), for
    /// `engine`: every check of [`Module::from_file`], and nothing mapped
    /// or made executable.
    ///
    /// # Safety
    /// As [`Module::from_static_with`]: `record` is null or the record of
    /// an object linked into this program.
    pub unsafe fn from_static(
        engine: &engine::Engine,
        record: *const crate::static_module::StaticModuleRecord,
    ) -> Result<Module, Error> {
        let options = engine.open_options();
        // SAFETY: as the caller guarantees.
        let name = unsafe { crate::static_module::object_name(record) };
        // SAFETY: as the caller guarantees.
        unsafe { Module::from_static_with(record, &options) }.map_err(|e| prefixed(&name, e))
    }
}

/// An open error as `waot-run` words it: `cannot run 'NAME': …`.
fn prefixed(name: &str, e: OpenError) -> Error {
    match e {
        OpenError::Incompatible(list) => Error::msg(
            list.iter()
                .map(|m| format!("cannot run '{name}': {m}"))
                .collect::<Vec<_>>()
                .join("\n"),
        ),
        other => Error::from(other),
    }
}
