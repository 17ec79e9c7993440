//! The `waot-run` command: check an artifact against this host, link it,
//! run `_start` or one export, and map every failure to a documented exit
//! code.

use clap::Parser;
use std::process::ExitCode;
use std::sync::Arc;
use waot_run::wasi::{WasiConfig, WasiCtx};
use waot_run::{CallError, Instance, InstantiateError, Linker, Module, OpenError, RunOptions, Val};

const EXIT_CODES: &str = "Exit codes:
  0    success (a WASI program's proc_exit status is passed through)
  2    usage error (bad flags, unknown export, bad arguments)
  65   the file is not a valid artifact (corrupt, truncated, not waot's)
  66   the artifact cannot be read
  69   linking or instantiation failed (missing import, memory limit)
  78   the artifact cannot run on this host (stale format, other target,
       missing CPU features, …); the message says how to recompile it
  134  the wasm code trapped";

#[derive(Parser)]
#[command(
    name = "waot-run",
    version,
    about = "Runs a waot artifact",
    after_help = EXIT_CODES,
    override_usage = "waot-run [OPTIONS] <ARTIFACT> [ARGS]..."
)]
struct Cli {
    /// Call this export instead of `_start`, with ARGS as its arguments;
    /// print its results one per line.
    #[arg(long, value_name = "NAME")]
    invoke: Option<String>,
    /// Lower the memory page limit at run time.
    #[arg(long, value_name = "N")]
    max_memory_pages: Option<u64>,
    /// Bytes of stack wasm code may use.
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_wasm_stack: usize,
    /// Give the guest a host directory (WASI preopen), as HOST or
    /// HOST::GUEST (default guest name: HOST). Repeatable.
    #[arg(long = "dir", value_name = "HOST[::GUEST]")]
    dirs: Vec<String>,
    /// Set an environment variable for the guest. Repeatable.
    #[arg(long = "env", value_name = "KEY=VALUE")]
    envs: Vec<String>,
    /// Listen on a TCP address and give the guest the listener as a
    /// preopened socket, numbered after the --dir directories (Wasmtime's
    /// flag of the same name). Repeatable.
    #[arg(long = "tcplisten", value_name = "HOST:PORT")]
    tcplisten: Vec<String>,
    /// Load native functions from a shared library (see
    /// loader/include/waot_native.h). Repeatable.
    #[arg(long = "native-lib", value_name = "PATH")]
    native_libs: Vec<std::path::PathBuf>,
    /// Link missing imported functions to a trap instead of refusing to run.
    #[arg(long)]
    allow_unresolved: bool,
    /// The artifact, then the arguments that belong to the guest.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARTIFACT [ARGS]"
    )]
    command: Vec<String>,
}

/// A failure: message, optional hint, exit code.
struct Failure {
    message: String,
    code: u8,
}

fn failure(code: u8, message: impl Into<String>) -> Failure {
    Failure {
        message: message.into(),
        code,
    }
}

/// The guest called `proc_exit(status)`: no message, its status.
fn exited(status: Option<i32>) -> Failure {
    Failure {
        message: String::new(),
        code: status.unwrap_or(0) as u8,
    }
}

fn run(cli: &Cli) -> Result<Vec<Val>, Failure> {
    let path = &cli.command[0];
    let guest_args = &cli.command[1..];
    let module = Module::open(path).map_err(|e| match e {
        OpenError::Io(e) => failure(66, format!("cannot read '{path}': {e}")),
        OpenError::Corrupt(e) => {
            let is_wasm = std::fs::read(path).is_ok_and(|b| b.starts_with(b"\0asm"));
            let source = path.strip_suffix(".aot").map_or_else(|| "app.wasm".to_string(), |s| format!("{s}.wasm"));
            let hint = if is_wasm {
                let out = path.strip_suffix(".wasm").map_or_else(|| format!("{path}.aot"), |s| format!("{s}.aot"));
                format!("'{path}' is a WebAssembly module, not an artifact; compile it first: `waot compile {path} -o {out}`")
            } else {
                format!("the file is damaged or was not written by waot; recompile it: `waot compile {source} -o {path}`")
            };
            failure(65, format!("cannot run '{path}': it is not a valid waot artifact: {e}\nhint: {hint}"))
        }
        OpenError::Incompatible(list) => {
            let lines: Vec<String> = list.iter().map(|m| format!("cannot run '{path}': {}\nhint: {}", m.problem, m.hint)).collect();
            failure(78, lines.join("\nerror: "))
        }
        OpenError::Map(e) => failure(69, format!("cannot run '{path}': {e}")),
    })?;
    let options = RunOptions {
        max_memory_pages: cli.max_memory_pages,
        max_wasm_stack: cli.max_wasm_stack,
        ..RunOptions::default()
    };
    let mut linker = Linker::new();
    linker.allow_unresolved = cli.allow_unresolved;
    let mut config = WasiConfig {
        args: vec![path.clone()],
        ..Default::default()
    };
    if cli.invoke.is_none() {
        config.args.extend(guest_args.iter().cloned());
    }
    for spec in &cli.envs {
        let (k, v) = spec.split_once('=').ok_or_else(|| {
            failure(
                2,
                format!("--env '{spec}' is not KEY=VALUE\nhint: write it as --env NAME=value"),
            )
        })?;
        config.env.push((k.to_string(), v.to_string()));
    }
    for spec in &cli.dirs {
        let (host, guest) = spec.split_once("::").unwrap_or((spec, spec));
        config.preopens.push((host.into(), guest.to_string()));
    }
    for spec in &cli.tcplisten {
        if std::net::ToSocketAddrs::to_socket_addrs(spec.as_str()).is_err() {
            return Err(failure(
                2,
                format!(
                    "--tcplisten '{spec}' is not a HOST:PORT address\nhint: write it as --tcplisten 127.0.0.1:8080"
                ),
            ));
        }
        config.tcp_listen.push(spec.clone());
    }
    let wasi = WasiCtx::new(&config).map_err(|e| failure(66, e))?;
    waot_run::wasi::add_to_linker(&mut linker, &wasi);
    for lib in &cli.native_libs {
        linker.native_library(lib).map_err(|e| failure(69, e))?;
    }
    let instance = Instance::new(Arc::new(module), &linker, &options).map_err(|e| match e {
        InstantiateError::Trap(t) if t.exit_status.is_some() => exited(t.exit_status),
        InstantiateError::Trap(t) => failure(134, format!("wasm trap: {t}")),
        InstantiateError::Link(lines) => failure(69, lines.join("\nerror: ")),
        other => failure(69, other.to_string()),
    })?;
    let name = cli.invoke.clone().unwrap_or_else(|| "_start".to_string());
    let ty = instance.export_func_type(&name).ok_or_else(|| {
        let exports = instance.exported_funcs();
        failure(
            2,
            format!(
                "'{path}' exports no function named '{name}'\nhint: exported functions: {}; choose one with --invoke NAME",
                if exports.is_empty() { "none".to_string() } else { exports.join(", ") }
            ),
        )
    })?;
    if cli.invoke.is_some() && guest_args.len() != ty.params.len() {
        return Err(failure(
            2,
            format!(
                "'{name}' takes {} argument(s) of type {ty}, got {}",
                ty.params.len(),
                guest_args.len()
            ),
        ));
    }
    let args = if cli.invoke.is_some() {
        ty.params
            .iter()
            .zip(guest_args)
            .map(|(t, a)| Val::parse(*t, a))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| failure(2, format!("bad argument for '{name}': {e}")))?
    } else {
        Vec::new()
    };
    instance.call(&name, &args).map_err(|e| match e {
        CallError::Trap(t) if t.exit_status.is_some() => exited(t.exit_status),
        CallError::Trap(t) => failure(134, format!("wasm trap: {t}")),
        other => failure(2, other.to_string()),
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Run on a thread whose stack has room for the wasm stack plus host code.
    let stack = cli.max_wasm_stack.saturating_add(8 << 20);
    let outcome = std::thread::Builder::new()
        .name("wasm".into())
        .stack_size(stack)
        .spawn(move || run(&cli))
        .map_err(|e| failure(69, format!("cannot start the wasm thread: {e}")))
        .and_then(|h| {
            h.join()
                .map_err(|_| failure(70, "waot-run crashed (a bug in waot-run)"))
        })
        .and_then(|r| r);
    match outcome {
        Ok(results) => {
            for v in results {
                println!("{v}");
            }
            ExitCode::SUCCESS
        }
        Err(f) if f.message.is_empty() => ExitCode::from(f.code),
        Err(f) => {
            let (message, hint) = match f.message.rsplit_once("\nhint: ") {
                Some((m, h)) if !m.contains("\nhint: ") => (m.to_string(), Some(h.to_string())),
                _ => (f.message.clone(), None),
            };
            eprintln!("error: {message}");
            if let Some(h) = hint {
                eprintln!("hint: {h}");
            }
            ExitCode::from(f.code)
        }
    }
}
