//! The `waot-run` command: check an artifact against this host, link it,
//! run a WASI command's `_start` or one export (after a reactor's
//! `_initialize`), and map every failure to a documented exit
//! code.

#[path = "cli/failure.rs"]
mod failure;

use clap::Parser;
use failure::{
    Failure, exited, failure, instantiate_failure, open_artifact, report, required_key, split_hint,
    trapped,
};
use std::process::ExitCode;
use std::sync::Arc;
use waot_format::types::Interruption;
use waot_run::application::{INITIALIZE, START};
use waot_run::wasi::{WasiConfig, WasiCtx};
use waot_run::{
    ApplicationKind, CallError, InstantiateError, Module, OpenOptions, Profiling, RunOptions, Val,
    instance::Instance, interrupt, linker::Linker,
};

const EXIT_CODES: &str = "Exit codes:
  0    success (a WASI program's proc_exit status is passed through)
  2    usage error (bad flags, unknown export, bad arguments)
  65   the file is not a valid artifact (corrupt, truncated, not waot's)
  66   the artifact (or the --require-signature key) cannot be read
  69   linking or instantiation failed (missing import, memory or table
       limit, a wasm stack the system cannot map)
  74   the results (or, with --profile perfmap, the perf map) could not
       be written (closed pipe, full disk)
  78   the artifact cannot run on this host (stale format, unknown required
       section, other target, missing CPU features, …; or, with
       --require-signature, it is unsigned or not validly signed by that
       key; or --fuel/--timeout asked for checks its code lacks); the
       message says how to fix it
  124  --timeout: the deadline passed (trap \"interrupted\")
  134  the wasm code trapped (with --fuel: \"all fuel consumed by
       WebAssembly\" too)";

/// The largest `--max-wasm-stack`: the wasm thread's stack is this plus
/// [`HOST_STACK`], and must be mapped when the thread starts.
const MAX_WASM_STACK: usize = 4 << 30;

/// Stack reserved for waot-run's own frames on the wasm thread.
const HOST_STACK: usize = 8 << 20;
/// The stack host code must keep below the wasm stack for waot-run to run
/// on the main thread instead of a thread of its own.
const MAIN_HOST_STACK: usize = 6 << 20;

/// Whether the main thread's stack, which grows on demand up to its
/// resource limit, holds the wasm stack with [`MAIN_HOST_STACK`] to spare:
/// then waot-run runs there, without the cost of starting a thread (about
/// a tenth of a hello world's start-up). An unlimited stack does not count:
/// its bounds are not known.
fn main_thread_fits(wasm_stack: usize) -> bool {
    let limit = rustix::process::getrlimit(rustix::process::Resource::Stack);
    limit.current.is_some_and(|l| {
        usize::try_from(l).unwrap_or(usize::MAX) >= wasm_stack.saturating_add(MAIN_HOST_STACK)
    })
}

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
    /// print its results one per line. A WASI reactor's `_initialize`
    /// runs once first.
    #[arg(long, value_name = "NAME", conflicts_with = "repl")]
    invoke: Option<String>,
    /// Read calls from standard input, one `NAME ARGS...` a line, against
    /// one instance (as WAMR's `iwasm --repl`); print each call's results
    /// one per line, and a trap or bad call as `error: …` on stderr, then
    /// go on. Ends at end of input (exit 0) or at the guest's proc_exit.
    #[arg(long)]
    repl: bool,
    /// Lower the memory page limit at run time.
    #[arg(long, value_name = "N")]
    max_memory_pages: Option<u64>,
    /// Bytes of stack wasm code may use (at most 4 GiB).
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20,
          value_parser = clap::value_parser!(u64).range(1..=MAX_WASM_STACK as u64))]
    max_wasm_stack: u64,
    /// Elements any table the module defines may have, initially or after
    /// growing (default 10,000,000).
    #[arg(long, value_name = "N", default_value_t = waot_run::externs::DEFAULT_TABLE_LIMIT)]
    max_table_elements: u64,
    /// Bytes the GC heap may hold at once (structs and arrays; at most
    /// 32 GiB); an allocation beyond it traps with "gc heap out of memory"
    /// (default 1 GiB).
    #[arg(long, value_name = "BYTES", default_value_t = waot_run::DEFAULT_MAX_GC_HEAP as u64,
          value_parser = clap::value_parser!(u64).range(64..=waot_run::LARGEST_GC_HEAP as u64))]
    max_gc_heap: u64,
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
    /// Instantiate another artifact first and link its exports as module
    /// NAME (Wasmtime's flag of the same name): a missing import can be
    /// provided by a small wasm module. Its `_initialize` runs (a reactor);
    /// it may import WASI and earlier preloads. Repeatable.
    #[arg(long = "preload", value_name = "NAME=FILE.aot")]
    preloads: Vec<String>,
    /// Load native functions from a shared library (see
    /// loader/include/waot_native.h). Repeatable.
    #[arg(long = "native-lib", value_name = "PATH")]
    native_libs: Vec<std::path::PathBuf>,
    /// Link missing imported functions to a trap instead of refusing to run.
    #[arg(long)]
    allow_unresolved: bool,
    /// Stop the guest with a trap ("all fuel consumed by WebAssembly",
    /// exit 134) once it has used N units of fuel, counted as Wasmtime
    /// counts them; the artifact must be compiled with `waot compile
    /// --fuel`.
    #[arg(long, value_name = "N")]
    fuel: Option<u64>,
    /// Stop the guest with a trap ("interrupted", exit 124) once it has
    /// run this long (`500ms`, `5s`, `2m`, `1h`), counted from before
    /// instantiation; it is stopped at its next function entry or loop
    /// header (a host call such as a blocking read ends first). The
    /// artifact must be compiled with `waot compile --epoch-interruption`.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    timeout: Option<std::time::Duration>,
    /// Refuse the artifact unless it is signed with the private half of
    /// this public key (a `.pub` file from `waot keygen`).
    #[arg(long, value_name = "PUBKEY")]
    require_signature: Option<std::path::PathBuf>,
    /// Tell a profiler where the compiled code is: `perfmap` writes
    /// /tmp/perf-<PID>.map for `perf record` / `perf report`.
    #[arg(long, value_name = "STRATEGY", value_enum)]
    profile: Option<ProfileStrategy>,
    /// The artifact, then the arguments that belong to the guest.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARTIFACT [ARGS]"
    )]
    command: Vec<String>,
}

/// The values of `--profile`.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ProfileStrategy {
    /// perf's map file, /tmp/perf-<PID>.map.
    Perfmap,
}

/// Parses `--timeout`: a number and a unit (`ms`, `s`, `m`, `h`; none
/// means seconds, as Wasmtime's `-W timeout=1` does).
fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let split = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let seconds_per_unit = match unit {
        "ms" => 0.001,
        "s" | "" => 1.0,
        "m" => 60.0,
        "h" => 3600.0,
        _ => {
            return Err(format!(
                "'{text}' is not a duration: write a number and a unit, ms, s, m or h (500ms, 5s, 2m; no unit: seconds)"
            ));
        }
    };
    let seconds = number
        .parse::<f64>()
        .ok()
        .map(|n| n * seconds_per_unit)
        .filter(|s| s.is_finite() && *s <= 1e9)
        .ok_or_else(|| format!("'{text}' is not a duration: write a number and a unit, ms, s, m or h (500ms, 5s, 2m; no unit: seconds)"))?;
    Ok(std::time::Duration::from_secs_f64(seconds))
}

/// `--preload NAME=FILE.aot`: instantiates each artifact (a reactor's
/// `_initialize` first) and registers its exports under NAME.
fn preload(
    cli: &Cli,
    linker: &mut Linker,
    open_options: &OpenOptions,
    options: &RunOptions,
) -> Result<Vec<Instance>, Failure> {
    let mut instances = Vec::new();
    for spec in &cli.preloads {
        let Some((name, path)) = spec
            .split_once('=')
            .filter(|(n, p)| !n.is_empty() && !p.is_empty())
        else {
            return Err(failure(
                2,
                format!(
                    "--preload '{spec}' is not NAME=FILE.aot\nhint: write it as --preload env=lib.aot, NAME being the module name the imports use"
                ),
            ));
        };
        let module = Arc::new(open_artifact(path, open_options)?);
        let instance = Instance::new_application(module, linker, options).map_err(|e| match e {
            InstantiateError::Link(lines) => failure(
                69,
                format!(
                    "cannot preload '{path}' as '{name}': {}",
                    lines.join("\nerror: ")
                ),
            ),
            e => instantiate_failure(path, e),
        })?;
        linker.instance(name, &instance);
        instances.push(instance);
    }
    Ok(instances)
}

fn run(cli: &Cli) -> Result<Vec<Val>, Failure> {
    let path = &cli.command[0];
    let unknown = waot_run::host::unknown_cpu_features();
    if !unknown.is_empty() {
        return Err(failure(
            2,
            format!(
                "{} names what is no CPU feature of {}: {}\nhint: this architecture's features: {}",
                waot_run::host::CPU_FEATURES_VAR,
                waot_run::host::host_triple(),
                unknown.join(","),
                waot_run::host::known_cpu_features().join(",")
            ),
        ));
    }
    let guest_args = &cli.command[1..];
    let open_options = OpenOptions {
        require_signature: cli
            .require_signature
            .as_deref()
            .map(required_key)
            .transpose()?,
        profiling: match cli.profile {
            Some(ProfileStrategy::Perfmap) => Profiling::PerfMap,
            None => Profiling::None,
        },
        interruption: Interruption {
            fuel: cli.fuel.is_some(),
            epoch: cli.timeout.is_some(),
        },
    };
    let module = open_artifact(path, &open_options)?;
    let options = RunOptions {
        max_memory_pages: cli.max_memory_pages,
        max_wasm_stack: cli.max_wasm_stack as usize,
        max_table_elements: cli.max_table_elements,
        max_gc_heap: usize::try_from(cli.max_gc_heap).unwrap_or(usize::MAX),
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
        let (k, v) = spec
            .split_once('=')
            .filter(|(k, _)| !k.is_empty() && !k.contains('\0'))
            .ok_or_else(|| {
                failure(
                    2,
                    format!("--env '{spec}' is not KEY=VALUE with a non-empty KEY\nhint: write it as --env NAME=value"),
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
    waot_run::wasi::add_to_raw_linker(&mut linker, &wasi);
    for lib in &cli.native_libs {
        linker.native_library(lib).map_err(|e| failure(69, e))?;
    }
    let module = Arc::new(module);
    // Limits apply from here on: a start function or `_initialize` counts.
    // (Preloads are instantiated after them, so they count too.)
    if let Some(fuel) = cli.fuel {
        interrupt::set_fuel(fuel);
    }
    if let Some(timeout) = cli.timeout {
        interrupt::set_epoch_deadline(1);
        std::thread::spawn(move || {
            std::thread::sleep(timeout);
            interrupt::increment_epoch();
        });
    }
    // Kept alive as long as the main instance may call into them.
    let _preloaded = preload(cli, &mut linker, &open_options, &options)?;
    let kind = module
        .application_kind()
        .map_err(|e| failure(69, format!("cannot run '{path}': {e}")))?;
    let name = match (&cli.invoke, kind) {
        (Some(name), _) => name.clone(),
        // Calls name their exports; nothing runs before them but a
        // reactor's `_initialize`.
        (None, _) if cli.repl => String::new(),
        (None, ApplicationKind::Command) => START.to_string(),
        (None, ApplicationKind::Reactor(_)) => {
            return Err(failure(
                2,
                format!(
                    "'{path}' exports no '{START}', so it is not a WASI command but a reactor: name the export to call\nhint: choose one with --invoke NAME (a reactor's '{INITIALIZE}' runs first); exported functions: {}",
                    list_or_none(&exported_funcs(&module))
                ),
            ));
        }
    };
    // An unknown export is refused before anything runs.
    let exports = exported_funcs(&module);
    if !cli.repl && !exports.contains(&name) {
        return Err(no_such_export(path, &name, &exports));
    }
    // `--invoke _initialize` calls it once, as asked; otherwise a reactor's
    // `_initialize` runs once before the export.
    let instantiate = if name == INITIALIZE {
        Instance::new
    } else {
        Instance::new_application
    };
    let instance =
        instantiate(module, &linker, &options).map_err(|e| instantiate_failure(path, e))?;
    if cli.repl {
        return repl(&instance, path);
    }
    let args = if cli.invoke.is_some() {
        guest_args
    } else {
        &[]
    };
    call_export(&instance, path, &name, args)
}

/// Calls export `name` of `instance` with `args` parsed to its parameter
/// types.
fn call_export(
    instance: &Instance,
    path: &str,
    name: &str,
    args: &[String],
) -> Result<Vec<Val>, Failure> {
    let ty = instance.export_func_type(name).ok_or_else(|| {
        failure(
            2,
            format!(
                "'{path}' exports no function named '{name}'\nhint: exported functions: {}",
                list_or_none(&instance.exported_funcs())
            ),
        )
    })?;
    if args.len() != ty.params.len() {
        return Err(failure(
            2,
            format!(
                "'{name}' takes {} argument(s) of type {ty}, got {}",
                ty.params.len(),
                args.len()
            ),
        ));
    }
    let args = ty
        .params
        .iter()
        .zip(args)
        .map(|(t, a)| Val::parse(*t, a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| failure(2, format!("bad argument for '{name}': {e}")))?;
    instance.call(name, &args).map_err(|e| match e {
        CallError::Trap(t) if t.exit_status.is_some() => exited(t.exit_status),
        CallError::Trap(t) => trapped(&t),
        other => failure(2, other.to_string()),
    })
}

/// `--repl`: one call a line from standard input against `instance`
/// (a `> ` prompt on a terminal; blank lines and `#` comments skipped).
/// A failed call is reported and the loop goes on; `proc_exit` ends it.
fn repl(instance: &Instance, path: &str) -> Result<Vec<Val>, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    let interactive = std::io::stdin().is_terminal();
    let mut lines = std::io::stdin().lock().lines();
    loop {
        if interactive {
            print!("> ");
            let _ = std::io::stdout().flush();
        }
        let line = match lines.next() {
            None => return Ok(Vec::new()),
            Some(Ok(line)) => line,
            Some(Err(e)) => return Err(failure(66, format!("cannot read standard input: {e}"))),
        };
        let words: Vec<String> = line.split_whitespace().map(str::to_string).collect();
        let Some((name, args)) = words.split_first().filter(|(n, _)| !n.starts_with('#')) else {
            continue;
        };
        match call_export(instance, path, name, args) {
            Ok(results) => print_results(&results).map_err(|e| {
                failure(
                    74,
                    format!("cannot write the results to standard output: {e}"),
                )
            })?,
            Err(f) if f.message.is_empty() => return Err(f),
            Err(f) => {
                let (message, hint) = split_hint(&f.message);
                report(&message, hint.as_deref());
            }
        }
    }
}

/// The names of `module`'s exported functions.
fn exported_funcs(module: &Module) -> Vec<String> {
    let artifact = module.artifact();
    artifact
        .module
        .exports
        .iter()
        .filter(|e| e.kind == waot_format::types::ExportKind::Func)
        .map(|e| e.name.to_string())
        .collect()
}

/// The usage error for `--invoke NAME` (or `_start`) that is not one of
/// `exports`.
fn no_such_export(path: &str, name: &str, exports: &[String]) -> Failure {
    failure(
        2,
        format!(
            "'{path}' exports no function named '{name}'\nhint: exported functions: {}; choose one with --invoke NAME",
            list_or_none(exports)
        ),
    )
}

/// `names` comma-separated, or `none`.
fn list_or_none(names: &[String]) -> String {
    if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Run on the main thread when its stack has room for the wasm stack
    // plus host code, else on a thread whose stack has.
    let outcome = if main_thread_fits(cli.max_wasm_stack as usize) {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&cli)))
            .unwrap_or_else(|_| Err(crashed()))
    } else {
        run_on_thread(cli)
    };
    match outcome {
        Ok(results) => match print_results(&results) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                report(
                    &format!("cannot write the results to standard output: {e}"),
                    None,
                );
                ExitCode::from(74)
            }
        },
        Err(f) if f.message.is_empty() => ExitCode::from(f.code),
        Err(f) => {
            let (message, hint) = split_hint(&f.message);
            report(&message, hint.as_deref());
            ExitCode::from(f.code)
        }
    }
}

/// The failure of a panic in waot-run.
fn crashed() -> Failure {
    failure(70, "waot-run crashed (a bug in waot-run)")
}

/// Runs waot-run on a thread whose stack holds the wasm stack plus
/// [`HOST_STACK`].
fn run_on_thread(cli: Cli) -> Result<Vec<Val>, Failure> {
    let wasm_stack = cli.max_wasm_stack as usize;
    let stack = wasm_stack + HOST_STACK;
    std::thread::Builder::new()
        .name("wasm".into())
        .stack_size(stack)
        .spawn(move || run(&cli))
        .map_err(|e| {
            failure(
                69,
                format!(
                    "cannot start the wasm thread with a {stack}-byte stack (--max-wasm-stack {wasm_stack} plus {HOST_STACK} for waot-run itself): {e}\nhint: lower --max-wasm-stack (default 1048576, at most {MAX_WASM_STACK}); this system could not map a stack that large"
                ),
            )
        })
        .and_then(|h| h.join().map_err(|_| crashed()))
        .and_then(|r| r)
}

/// Prints each result on its own line; an output error (a closed pipe,
/// a full disk) is returned, never a panic.
fn print_results(results: &[Val]) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    for v in results {
        writeln!(out, "{v}")?;
    }
    out.flush()
}
