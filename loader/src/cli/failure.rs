//! How every failure of `waot-run` becomes its message, its `hint:` and
//! its documented exit code (the list is in `main.rs`, `EXIT_CODES`).

use waot_format::signature::PublicKey;
use waot_format::traps::TrapKind;
use waot_run::{InstantiateError, Module, OpenError, OpenOptions, RequiredSignature, Trap};

/// A failure: message, optional hint, exit code.
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) code: u8,
}

pub(crate) fn failure(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code,
    }
}

/// The guest called `proc_exit(status)`: no message, its status.
pub(crate) fn exited(status: Option<i32>) -> Failure {
    Failure {
        message: String::new(),
        code: status.unwrap_or(0) as u8,
    }
}

/// A trap: exit 124 for a passed deadline, else 134.
pub(crate) fn trapped(t: &Trap) -> Failure {
    let code = if t.kind == TrapKind::Interrupted {
        124
    } else {
        134
    };
    failure(code, format!("wasm trap: {t}"))
}

/// The exit code and message of a failed instantiation of `path`.
pub(crate) fn instantiate_failure(path: &str, e: InstantiateError) -> Failure {
    match e {
        InstantiateError::Trap(t) if t.exit_status.is_some() => exited(t.exit_status),
        InstantiateError::Trap(t) => trapped(&t),
        InstantiateError::Link(lines) => failure(69, lines.join("\nerror: ")),
        InstantiateError::Table(m) => failure(
            69,
            format!(
                "{m}\nhint: allow larger tables with --max-table-elements N (default {})",
                waot_run::externs::DEFAULT_TABLE_LIMIT
            ),
        ),
        InstantiateError::Application(e) => failure(69, format!("cannot run '{path}': {e}")),
        other => failure(69, other.to_string()),
    }
}

/// Opens artifact `path` as `options` say; every failure becomes its
/// documented exit code.
pub(crate) fn open_artifact(path: &str, options: &OpenOptions) -> Result<Module, Failure> {
    Module::open_with(path, options).map_err(|e| match e {
        OpenError::Io(e) => failure(66, format!("cannot read '{path}': {e}")),
        OpenError::Corrupt(e) => {
            let bytes = std::fs::read(path).unwrap_or_default();
            let is_wasm = bytes.starts_with(b"\0asm");
            let source = waot_format::compat::source_name_for_hints(&bytes, path);
            let hint = if is_wasm {
                let out = path.strip_suffix(".wasm").map_or_else(|| format!("{path}.aot"), |s| format!("{s}.aot"));
                format!("'{path}' is a WebAssembly module, not an artifact; compile it first: `waot compile {path} -o {out}`")
            } else {
                format!("the file is damaged or was not written by waot; recompile it: `waot compile {source} -o {path}`")
            };
            failure(65, format!("cannot run '{path}': it is not a valid waot artifact: {e}\nhint: {hint}"))
        }
        OpenError::Incompatible(list) => {
            let lines: Vec<String> = list.iter().map(|m| format!("cannot run '{path}': {m}")).collect();
            failure(78, lines.join("\nerror: "))
        }
        OpenError::Map(e) => failure(69, format!("cannot run '{path}': {e}")),
        e @ OpenError::Profiling(_) => failure(74, format!("{e}\nhint: make /tmp writable, or run without --profile")),
    })
}

/// Reads the public key of `--require-signature`.
pub(crate) fn required_key(path: &std::path::Path) -> Result<RequiredSignature, Failure> {
    let key_path = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        failure(66, format!("cannot read the public key '{key_path}': {e}\nhint: give the `.pub` file written by `waot keygen -o NAME`"))
    })?;
    let key = PublicKey::from_pem(&text).map_err(|e| {
        failure(2, format!("--require-signature '{key_path}': {e}\nhint: give the `.pub` file written by `waot keygen -o NAME`"))
    })?;
    Ok(RequiredSignature { key, key_path })
}

/// A failure's message and its last `hint:` line, if it has one.
pub(crate) fn split_hint(text: &str) -> (String, Option<String>) {
    match text.rsplit_once("\nhint: ") {
        Some((m, h)) if !m.contains("\nhint: ") => (m.to_string(), Some(h.to_string())),
        _ => (text.to_string(), None),
    }
}

/// Writes `error: …` and `hint: …` to standard error. If standard error
/// itself cannot be written there is nobody left to tell: the exit code
/// still says what happened.
pub(crate) fn report(message: &str, hint: Option<&str>) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {message}");
    if let Some(h) = hint {
        let _ = writeln!(err, "hint: {h}");
    }
}
