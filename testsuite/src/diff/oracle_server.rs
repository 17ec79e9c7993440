//! Oracles in another process, one server per worker thread, spoken to a
//! line at a time (the protocol is in `diff/wasmtime-oracle.py`'s header):
//! Wasmtime through `diff/wasmtime-oracle.py` (the `wasmtime` package from
//! PyPI), the oracle for what wasmi 2.0 does not implement (exception
//! handling) and the arbiter of divergences from wasmi; and V8 through
//! `diff/v8-oracle.js` (Node), the oracle for the legacy exception encoding,
//! which Wasmtime does not run. Values cross Wasmtime's server bit for bit
//! (NaN payloads, `v128`); V8's pass through JavaScript numbers (no NaN
//! payloads, no `v128`), enough for the legacy generator's `i32` and `i64`.
//! Memories are compared by SHA-256, so both sides reduce them first.

use super::oracle::{Engine, Outcome, State, Value};
use anyhow::{Context, Result, bail};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use waot_format::traps::TrapKind;
use waot_format::types::ValType;

/// A running oracle server.
pub struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// What the server is, for messages (`the wasmtime oracle`).
    what: &'static str,
}

impl Server {
    /// Starts Wasmtime's server; fails when Python or its `wasmtime`
    /// package is missing (`make deps` installs it).
    pub fn wasmtime() -> Result<Server> {
        let script = crate::testsuite_dir().join("diff/wasmtime-oracle.py");
        let mut command = Command::new("python3");
        command.arg(script);
        Server::spawn(
            command,
            "the wasmtime oracle (is the `wasmtime` Python package installed?)",
        )
    }

    /// Starts V8's server; fails when Node is missing (`make deps`
    /// installs it). Type reflection gives the exports' parameter types.
    pub fn v8() -> Result<Server> {
        let script = crate::testsuite_dir().join("diff/v8-oracle.js");
        let mut command = Command::new("node");
        command
            .arg("--experimental-wasm-type-reflection")
            .arg(script);
        Server::spawn(command, "the V8 oracle (is Node installed?)")
    }

    fn spawn(mut command: Command, what: &'static str) -> Result<Server> {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| format!("start {what}"))?;
        let stdin = child.stdin.take().context("server stdin")?;
        let stdout = BufReader::new(child.stdout.take().context("server stdout")?);
        Ok(Server {
            child,
            stdin,
            stdout,
            what,
        })
    }

    fn send(&mut self, line: &str) -> Result<()> {
        writeln!(self.stdin, "{line}")?;
        self.stdin.flush()?;
        Ok(())
    }

    fn line(&mut self) -> Result<String> {
        let mut line = String::new();
        if self.stdout.read_line(&mut line)? == 0 {
            bail!("{} ended", self.what);
        }
        Ok(line.trim_end().to_string())
    }

    fn lines_until_end(&mut self) -> Result<Vec<String>> {
        let mut out = Vec::new();
        loop {
            let line = self.line()?;
            if line == "end" {
                return Ok(out);
            }
            out.push(line);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One module instantiated in a server.
pub struct Served<'s> {
    server: &'s mut Server,
    functions: Vec<(String, Vec<ValType>)>,
}

fn hex_name(name: &str) -> String {
    name.bytes().map(|b| format!("{b:02x}")).collect()
}

fn from_hex(hex: &str) -> String {
    let hex = hex.strip_prefix('x').unwrap_or(hex);
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn value(text: &str) -> Value {
    match text {
        "ref:null" => Value::Ref(true),
        "ref:nonnull" => Value::Ref(false),
        other => super::generate::parse_value(other).unwrap_or(Value::Ref(true)),
    }
}

fn val_type(name: &str) -> ValType {
    match name {
        "i32" => ValType::I32,
        "i64" => ValType::I64,
        "f32" => ValType::F32,
        "f64" => ValType::F64,
        "v128" => ValType::V128,
        // The Python binding spells externref `anyref`.
        n if n.contains("extern") || n == "anyref" => ValType::ExternRef,
        n if n.contains("exn") => ValType::ExnRef,
        _ => ValType::FuncRef,
    }
}

/// A trap or failure as the server reports it.
fn failure(line: &str) -> Outcome {
    if line == "exception" {
        return Outcome::Trap(TrapKind::UncaughtException);
    }
    let Some(code) = line.strip_prefix("trap ") else {
        return Outcome::Error(line.to_string());
    };
    let kind = match code {
        "STACK_OVERFLOW" => TrapKind::StackOverflow,
        "MEMORY_OUT_OF_BOUNDS" => TrapKind::MemoryOutOfBounds,
        "HEAP_MISALIGNED" => TrapKind::UnalignedAtomic,
        "TABLE_OUT_OF_BOUNDS" => TrapKind::TableOutOfBounds,
        "INDIRECT_CALL_TO_NULL" => TrapKind::UninitializedElement,
        "BAD_SIGNATURE" => TrapKind::IndirectCallTypeMismatch,
        "INTEGER_OVERFLOW" => TrapKind::IntegerOverflow,
        "INTEGER_DIVISION_BY_ZERO" => TrapKind::IntegerDivisionByZero,
        "BAD_CONVERSION_TO_INTEGER" => TrapKind::BadConversionToInteger,
        "UNREACHABLE" => TrapKind::Unreachable,
        "NULL_REFERENCE" => TrapKind::NullExceptionReference,
        "CAST_FAILURE" => TrapKind::CastFailure,
        "ARRAY_OUT_OF_BOUNDS" => TrapKind::ArrayOutOfBounds,
        "ALLOCATION_TOO_LARGE" => TrapKind::AllocationTooLarge,
        other => return Outcome::Error(format!("trap {other}")),
    };
    Outcome::Trap(kind)
}

impl<'s> Served<'s> {
    /// Instantiates the module at `wasm` (with memories limited to
    /// `page_limit` pages when given), leaving the exports named in `skip`
    /// alone (Wasmtime's Python API aborts on `exnref` types and values).
    pub fn new(
        server: &'s mut Server,
        wasm: &Path,
        page_limit: Option<u64>,
        skip: &[String],
    ) -> std::result::Result<Served<'s>, Outcome> {
        let limit = page_limit.map_or(String::new(), |p| format!(" {p}"));
        let reply = server
            .send(&format!("load {}{limit}", wasm.display()))
            .and_then(|_| server.line())
            .map_err(|e| Outcome::Error(e.to_string()))?;
        if reply != "ok" {
            return Err(failure(&reply));
        }
        for name in skip {
            server
                .send(&format!("skip x{}", hex_name(name)))
                .map_err(|e| Outcome::Error(e.to_string()))?;
        }
        let lines = server
            .send("functions")
            .and_then(|_| server.lines_until_end())
            .map_err(|e| Outcome::Error(e.to_string()))?;
        if let Some(error) = lines.iter().find(|l| !l.starts_with("fn ")) {
            return Err(Outcome::Error(format!("listing the exports: {error}")));
        }
        let mut functions: Vec<(String, Vec<ValType>)> = lines
            .iter()
            .filter_map(|l| {
                let mut words = l.split_whitespace().skip(1);
                let name = from_hex(words.next()?);
                Some((name, words.map(val_type).collect()))
            })
            .collect();
        functions.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(Served { server, functions })
    }
}

impl Engine for Served<'_> {
    fn functions(&self) -> Vec<(String, Vec<ValType>)> {
        self.functions.clone()
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let args: Vec<String> = args.iter().map(super::generate::format_value).collect();
        let line = format!("call x{} {}", hex_name(name), args.join(" "));
        let reply = match self.server.send(&line).and_then(|_| self.server.line()) {
            Ok(r) => r,
            Err(e) => return Outcome::Error(e.to_string()),
        };
        match reply.strip_prefix("values") {
            Some(rest) => Outcome::Values(rest.split_whitespace().map(value).collect()),
            None => failure(&reply),
        }
    }

    fn state(&mut self) -> State {
        let lines = self
            .server
            .send("state")
            .and_then(|_| self.server.lines_until_end())
            .unwrap_or_default();
        let mut state = State::default();
        for line in lines {
            let words: Vec<&str> = line.split_whitespace().collect();
            match words.as_slice() {
                ["global", name, v] => state.globals.push((from_hex(name), value(v))),
                ["memory", name, digest] => state
                    .memories
                    .push((from_hex(name), digest.as_bytes().to_vec())),
                _ => {}
            }
        }
        state.globals.sort_by(|a, b| a.0.cmp(&b.0));
        state.memories.sort_by(|a, b| a.0.cmp(&b.0));
        state
    }
}

/// `state` with each memory replaced by its SHA-256 in hex, as the server
/// reports memories.
pub fn digested(state: State) -> State {
    use sha2::{Digest, Sha256};
    State {
        globals: state.globals,
        memories: state
            .memories
            .into_iter()
            .map(|(name, bytes)| {
                let hex: String = Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                (name, hex.into_bytes())
            })
            .collect(),
    }
}
