//! Shared helpers of waot's test runners: locating fixtures and the built
//! binaries, compiling modules to artifact files, and reading `.expect`
//! files (one call per line, with its expected results or trap).

pub mod artifact_fuzz;
pub mod diff;
pub mod spec;

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use waot::CompileOptions;
use waot_run::{CallError, Module, RunOptions, Val, instance::Instance, linker::Linker};

/// The `testsuite/` directory.
pub fn testsuite_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A binary built next to the running test (`waot`, `waot-run`). `make
/// test` builds them before running the tests.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/..");
    let path = dir.join(name);
    assert!(
        path.exists(),
        "{} is missing: run `cargo build --workspace` first (make test does)",
        path.display()
    );
    path
}

/// A foreign target the runners test under an emulator (`make
/// test-cross`), from the environment: `WAOT_CROSS_TARGET` is its triple,
/// `WAOT_CROSS_RUN` the command that runs its `waot-run` (words separated
/// by spaces, e.g. `qemu-aarch64 -L / target/aarch64-unknown-linux-gnu/release/waot-run`),
/// `WAOT_CROSS_CC` its C compiler for native libraries.
/// Artifacts are then compiled for that target on this host, run by that
/// command and compared with what this host's `waot-run` does.
#[derive(Clone, Debug)]
pub struct Cross {
    /// The target triple (`aarch64-unknown-linux-gnu`, …).
    pub target: String,
    /// The command and its first arguments.
    pub run: Vec<String>,
    /// The target's C compiler (`WAOT_CROSS_CC`), for native libraries.
    pub cc: Option<String>,
}

impl Cross {
    /// The target named by the environment, if any.
    pub fn from_env() -> Option<Cross> {
        let target = std::env::var("WAOT_CROSS_TARGET").ok()?;
        let mut run: Vec<String> = std::env::var("WAOT_CROSS_RUN")
            .ok()?
            .split_whitespace()
            .map(str::to_string)
            .collect();
        // Found now: runners clear the environment of what they start.
        if let Some(first) = run.first_mut().filter(|p| !p.contains('/')) {
            let found = std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|dir| dir.join(&*first))
                .find(|p| p.is_file())?;
            *first = found.to_string_lossy().into_owned();
        }
        let cc = std::env::var("WAOT_CROSS_CC")
            .ok()
            .filter(|c| !c.is_empty());
        (!target.is_empty() && !run.is_empty()).then_some(Cross { target, run, cc })
    }

    /// A command running the target's `waot-run`.
    pub fn waot_run(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(&self.run[0]);
        cmd.args(&self.run[1..]);
        cmd
    }

    /// The target's `waot-run` in cross mode, else this host's.
    pub fn waot_run_or_host(cross: Option<&Cross>) -> std::process::Command {
        cross.map_or_else(
            || std::process::Command::new(bin("waot-run")),
            Cross::waot_run,
        )
    }
}

/// Compiles `wasm` and writes the artifact to `dir/name`.
pub fn compile_to_file(
    wasm: &[u8],
    options: &CompileOptions,
    dir: &Path,
    name: &str,
) -> Result<PathBuf> {
    let artifact = waot::compile(wasm, options)?;
    let path = dir.join(name);
    std::fs::write(&path, artifact)?;
    Ok(path)
}

/// Compiles wat text with `checks` (fuel, epoch) into `dir/NAME.aot`,
/// recording `NAME.wasm` as its source (for hints).
pub fn compile_wat(
    dir: &Path,
    name: &str,
    wat: &str,
    checks: waot_format::types::Interruption,
) -> PathBuf {
    let wasm = wat::parse_str(wat).expect("valid wat");
    let options = CompileOptions {
        interruption: checks,
        source_name: format!("{name}.wasm"),
        ..Default::default()
    };
    compile_to_file(&wasm, &options, dir, &format!("{name}.aot")).expect("compiles")
}

/// Compiles wat text with default options, writes the artifact to a
/// temporary file and maps it (the mapping outlives the file).
pub fn open_wat(wat: &str) -> Arc<Module> {
    let wasm = wat::parse_str(wat).expect("valid wat");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = compile_to_file(&wasm, &CompileOptions::default(), dir.path(), "module.aot")
        .expect("compiles");
    Arc::new(Module::open(&path).expect("opens"))
}

/// What one `.expect` line expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// These results, formatted as `waot-run` prints them.
    Values(Vec<String>),
    /// A trap with this message.
    Trap(String),
}

/// One line of an `.expect` file: `export args… -> results…` or
/// `export args… -> trap: message`.
#[derive(Clone, Debug)]
pub struct Expectation {
    /// 1-based line number.
    pub line: usize,
    /// Exported function to call.
    pub export: String,
    /// Arguments in command-line syntax.
    pub args: Vec<String>,
    /// Expected outcome.
    pub expected: Expected,
}

/// Parses an `.expect` file.
pub fn parse_expect(text: &str) -> Result<Vec<Expectation>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((call, outcome)) = line.split_once("->") else {
            bail!("line {}: expected `export args -> results`", i + 1);
        };
        let mut words = call.split_whitespace().map(str::to_string);
        let export = words
            .next()
            .with_context(|| format!("line {}: missing export name", i + 1))?;
        let outcome = outcome.trim();
        let expected = match outcome.strip_prefix("trap:") {
            Some(message) => Expected::Trap(message.trim().to_string()),
            None => Expected::Values(outcome.split_whitespace().map(str::to_string).collect()),
        };
        out.push(Expectation {
            line: i + 1,
            export,
            args: words.collect(),
            expected,
        });
    }
    Ok(out)
}

/// Runs `expectations` in order against one instance of the artifact at
/// `path`, instantiated as a WASI application (a reactor's `_initialize`
/// runs first); returns one message per failed line.
pub fn check_expectations(path: &Path, expectations: &[Expectation]) -> Result<Vec<String>> {
    let module = Arc::new(Module::open(path)?);
    let instance = Instance::new_application(module, &Linker::new(), &RunOptions::default())?;
    let mut failures = Vec::new();
    for e in expectations {
        let ty = instance
            .export_func_type(&e.export)
            .with_context(|| format!("line {}: no export '{}'", e.line, e.export))?;
        let args: Vec<Val> = ty
            .params
            .iter()
            .zip(&e.args)
            .map(|(t, a)| Val::parse(*t, a))
            .collect::<std::result::Result<_, _>>()
            .map_err(|m| anyhow::anyhow!("line {}: {m}", e.line))?;
        if args.len() != e.args.len() || args.len() != ty.params.len() {
            bail!("line {}: '{}' takes {}", e.line, e.export, ty);
        }
        let actual = match instance.call(&e.export, &args) {
            Ok(values) => Expected::Values(values.iter().map(|v| v.to_string()).collect()),
            Err(CallError::Trap(t)) => Expected::Trap(t.kind.message().to_string()),
            Err(other) => bail!("line {}: {other}", e.line),
        };
        if actual != e.expected {
            failures.push(format!(
                "line {}: {} {}: expected {:?}, got {:?}",
                e.line,
                e.export,
                e.args.join(" "),
                e.expected,
                actual
            ));
        }
    }
    Ok(failures)
}

/// Prints the closing line every runner ends with.
pub fn summary(passed: usize, failed: usize) {
    println!("{passed} passed, {failed} failed");
}
