//! The `waot` command: `compile`, `inspect`, `keygen` and `targets`.

use anyhow::{Context, Result};
use clap::{Parser, Subcommand, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use waot::{CompileError, CompileOptions, OptLevel, OutputKind};
use waot_format::signature::PrivateKey;
use waot_format::types::{BoundsStrategy, CpuMode, Inlining, Interruption};
use waot_format::writer::static_object::is_c_identifier;

const EXIT_CODES: &str = "Exit codes:
  0   success
  1   the module is invalid, or uses a feature waot does not compile yet
  2   usage error (bad flags or arguments, a --sign file that is not a
      private key, or flags that contradict the module: --max-memory-pages
      below a memory's declared minimum)
  65  `inspect`: the file is not a valid artifact
  66  the input file (or the --sign key) cannot be read
  70  internal compiler error (a bug in waot)
  73  the output file cannot be written (`keygen`: a key file exists)
  74  standard output cannot be written (closed pipe, full disk)";

#[derive(Parser)]
#[command(name = "waot", version, about = "WebAssembly ahead-of-time compiler", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Cpu {
    /// Every CPU of the target architecture (default).
    Baseline,
    /// This machine's CPU features (recorded in the artifact).
    Native,
}

#[derive(Clone, Copy, ValueEnum)]
enum Opt {
    #[value(name = "0")]
    O0,
    #[value(name = "1")]
    O1,
    #[value(name = "2")]
    O2,
    #[value(name = "s")]
    Os,
}

#[derive(Clone, Copy, ValueEnum)]
enum Bounds {
    /// Guard pages: out-of-bounds accesses fault (default, 64-bit hosts).
    Guard,
    /// An explicit comparison before every access.
    Explicit,
}

#[derive(Subcommand)]
enum Command {
    /// Compile a .wasm or .wat module into an artifact.
    Compile {
        /// The module (binary .wasm or text .wat).
        input: PathBuf,
        /// Where to write the artifact.
        #[arg(short, long)]
        output: PathBuf,
        /// Target triple (see `waot targets`); default: this host.
        #[arg(long)]
        target: Option<String>,
        /// CPU features the code may use.
        #[arg(long, value_enum, default_value = "baseline")]
        cpu: Cpu,
        /// Optimisation level.
        #[arg(long, value_enum, default_value = "2")]
        opt_level: Opt,
        /// How memory accesses are bounds-checked.
        #[arg(long, value_enum, default_value = "guard")]
        bounds_checks: Bounds,
        /// Write each function's Cranelift IR into this directory.
        #[arg(long)]
        emit_clif: Option<PathBuf>,
        /// Write each function's machine code (Cranelift's disassembly,
        /// after register allocation) into this directory as funcN.s.
        #[arg(long)]
        emit_asm: Option<PathBuf>,
        /// Limit the memories the module defines to N pages (recorded in the
        /// artifact; memory.grow past it returns -1). N below a memory's
        /// declared minimum is refused (exit 2).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(0..=65536))]
        max_memory_pages: Option<u64>,
        /// Sign the artifact with this private key (a `.key` file from
        /// `waot keygen`); `waot-run --require-signature` checks it.
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Turn proposals off, for artifacts that older runtimes must also
        /// run: a comma-separated list of `-NAME` for the proposals beyond
        /// Wasm 2.0 (`-simd`, `-exceptions`, `-tail-call`, …; an unknown
        /// name is refused with the list; a name without `-` keeps it on,
        /// the default). A module using one is refused (exit 1).
        #[arg(long, value_name = "LIST", value_parser = parse_wasm_features)]
        wasm_features: Option<TurnedOff>,
        /// Count fuel: every operator costs fuel as Wasmtime counts it, and
        /// function entries and loop headers trap when it runs out
        /// (`waot-run --fuel N`). Off by default: the checks cost time.
        #[arg(long)]
        fuel: bool,
        /// Check an epoch deadline at function entries and loop headers,
        /// so the host can stop the code (`waot-run --timeout 5s`). Off by
        /// default: the checks cost time.
        #[arg(long)]
        epoch_interruption: bool,
        /// Inline direct calls to small leaf functions: callees that call
        /// nothing and have at most 200 Cranelift IR instructions, those
        /// over 30 only where the module calls them from at most 16 places
        /// (recorded in the artifact; `waot inspect` shows it). Off by
        /// default: an interpreter (MicroPython) ran 0.85× the time with
        /// it, C programs built with clang -O2 gain nothing, and it costs
        /// about 6% compile time on a large module
        #[arg(long, overrides_with = "no_inline")]
        inline: bool,
        /// Keep every call a call (the default)
        #[arg(long, overrides_with = "inline")]
        no_inline: bool,
        /// What to write: `artifact`, for waot-run and the embedding APIs,
        /// or `object`, a relocatable ELF object a C host links in with
        /// libwaot_run.a (nothing is mapped executable at run time).
        #[arg(long, value_enum, default_value = "artifact")]
        emit: Emit,
        /// The C symbol of the object's `waot_static_module_t` (with
        /// `--emit object`); default: the output's file name without its
        /// extension, made a C identifier.
        #[arg(long, value_name = "NAME")]
        symbol: Option<String>,
        /// No progress bar (one is drawn on a terminal once a compile has
        /// taken a second).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Write a new ed25519 key pair: NAME.key (private, PKCS#8 PEM, mode
    /// 0600) and NAME.pub (public, SPKI PEM).
    Keygen {
        /// The key pair's file name without extension.
        #[arg(short, long, value_name = "NAME")]
        output: PathBuf,
    },
    /// Show what an artifact records.
    Inspect {
        /// The artifact.
        artifact: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
        /// List the artifact's ELF sections (name, file offset, size, and
        /// whether a loader must know it) instead of what it records.
        #[arg(long)]
        sections: bool,
    },
    /// List the targets `--target` accepts.
    Targets,
}

/// An error with the exit code it maps to.
struct Failure(u8, anyhow::Error);

fn fail<E: Into<anyhow::Error>>(code: u8) -> impl FnOnce(E) -> Failure {
    move |e| Failure(code, e.into())
}

/// The `waot compile` progress bar: counts compiled functions, drawn on
/// stderr once the compile has run for a second (`WAOT_PROGRESS_AFTER_MS`
/// changes the delay, for tests), and never when stderr is not a terminal
/// or with `--quiet`.
struct Progress {
    bar: indicatif::ProgressBar,
    start: std::time::Instant,
    delay: std::time::Duration,
    enabled: bool,
    shown: std::sync::atomic::AtomicBool,
}

impl Progress {
    fn new(quiet: bool) -> Progress {
        use std::io::IsTerminal;
        let bar = indicatif::ProgressBar::hidden();
        if let Ok(style) = indicatif::ProgressStyle::with_template(
            "compiling [{bar:40}] {pos}/{len} functions, {elapsed}",
        ) {
            bar.set_style(style.progress_chars("=> "));
        }
        Progress {
            bar,
            start: std::time::Instant::now(),
            delay: std::env::var("WAOT_PROGRESS_AFTER_MS")
                .ok()
                .and_then(|v| v.parse().ok())
                .map_or(
                    std::time::Duration::from_secs(1),
                    std::time::Duration::from_millis,
                ),
            enabled: !quiet && std::io::stderr().is_terminal(),
            shown: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Called from the compiling threads after each function.
    fn function_done(&self, total: u64) {
        self.bar.set_length(total);
        self.bar.inc(1);
        if self.enabled
            && self.start.elapsed() >= self.delay
            && !self.shown.swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            self.bar
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
        }
    }
}

/// What `waot compile` writes.
#[derive(Clone, Copy, ValueEnum)]
enum Emit {
    /// An artifact.
    Artifact,
    /// A relocatable object.
    Object,
}

/// The output kind of `--emit` and `--symbol` (exit 2 when they do not go
/// together or the symbol is no C identifier).
fn output_kind(emit: Emit, symbol: Option<String>, output: &Path) -> Result<OutputKind, Failure> {
    let usage = |m: String| Failure(2, anyhow::anyhow!(m));
    match (emit, symbol) {
        (Emit::Artifact, None) => Ok(OutputKind::Artifact),
        (Emit::Artifact, Some(_)) => Err(usage(
            "--symbol names the record of an object\nhint: add `--emit object`, or leave --symbol out".into(),
        )),
        (Emit::Object, Some(symbol)) if !is_c_identifier(&symbol) => Err(usage(format!(
            "--symbol '{symbol}' is not a C identifier (letters, digits and `_`, not starting with a digit)"
        ))),
        (Emit::Object, Some(symbol)) => Ok(OutputKind::Object { symbol }),
        (Emit::Object, None) => {
            let stem = output
                .file_stem()
                .map_or("module".into(), |s| s.to_string_lossy().into_owned());
            let mut symbol: String = stem
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            if !symbol.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic()) {
                symbol.insert(0, '_');
            }
            Ok(OutputKind::Object { symbol })
        }
    }
}

fn compile(
    input: &Path,
    output: &Path,
    options: CompileOptions,
    quiet: bool,
) -> Result<(), Failure> {
    let bytes = std::fs::read(input)
        .with_context(|| format!("cannot read '{}'", input.display()))
        .map_err(fail(66))?;
    for dir in [&options.emit_clif, &options.emit_asm]
        .into_iter()
        .flatten()
    {
        std::fs::create_dir_all(dir)
            .with_context(|| format!("cannot create '{}'", dir.display()))
            .map_err(fail(73))?;
    }
    let wasm = waot::wasm_from_bytes(bytes).map_err(fail(1))?;
    let progress = Progress::new(quiet);
    let artifact =
        waot::compile_with_progress(&wasm, &options, &|_, total| progress.function_done(total));
    progress.bar.finish_and_clear();
    let artifact = artifact.map_err(|e| {
        let code = match e {
            CompileError::Codegen(_) => 70,
            CompileError::Options(_) => 2,
            _ => 1,
        };
        Failure(
            code,
            anyhow::Error::new(e).context(format!("cannot compile '{}'", input.display())),
        )
    })?;
    // A device or a pipe (`-o /dev/null`, `-o /dev/stdout`, a FIFO) is
    // written to, never replaced.
    let special = std::fs::metadata(output).is_ok_and(|m| !m.is_file() && !m.is_dir());
    if special {
        return std::fs::write(output, &artifact)
            .with_context(|| format!("cannot write '{}'", output.display()))
            .map_err(|e| Failure(73, e));
    }
    // Write next to the destination, then rename: a failed compile never
    // leaves a partial or stale artifact under the output name.
    let tmp = output.with_extension("waot.tmp");
    std::fs::write(&tmp, &artifact)
        .and_then(|_| std::fs::rename(&tmp, output))
        .with_context(|| format!("cannot write '{}'", output.display()))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Failure(73, e)
        })
}

/// The proposals `--wasm-features` turns off.
#[derive(Clone, Debug)]
struct TurnedOff(Vec<&'static str>);

/// Parses `--wasm-features`: the names turned off.
fn parse_wasm_features(list: &str) -> Result<TurnedOff, String> {
    let known: Vec<&'static str> = waot::features::OPTIONAL.iter().map(|(n, _)| *n).collect();
    let mut off = Vec::new();
    for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (turn_off, name) = match item.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, item.strip_prefix('+').unwrap_or(item)),
        };
        let Some(&name) = known.iter().find(|k| **k == name) else {
            return Err(format!(
                "unknown wasm feature '{name}'; --wasm-features takes {}",
                known.join(", ")
            ));
        };
        off.retain(|n| *n != name);
        if turn_off {
            off.push(name);
        }
    }
    Ok(TurnedOff(off))
}

/// Reads the private key of `--sign`.
fn signing_key(path: &Path) -> Result<PrivateKey, Failure> {
    let hint = "hint: give the `.key` file written by `waot keygen -o NAME`";
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure(
            66,
            anyhow::anyhow!(
                "cannot read the signing key '{}': {e}\n{hint}",
                path.display()
            ),
        )
    })?;
    PrivateKey::from_pem(&text).map_err(|e| {
        Failure(
            2,
            anyhow::anyhow!("--sign '{}': {e}\n{hint}", path.display()),
        )
    })
}

/// `waot keygen -o NAME`: a fresh key pair, never overwriting a key.
fn keygen(name: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| {
        Failure(
            70,
            anyhow::anyhow!("cannot get random bytes for a key: {e}"),
        )
    })?;
    let key = PrivateKey::from_seed(&seed);
    seed.fill(0);
    let with_ext = |ext: &str| {
        let mut path = name.as_os_str().to_owned();
        path.push(ext);
        PathBuf::from(path)
    };
    let (private, public) = (with_ext(".key"), with_ext(".pub"));
    let write = |path: &Path, mode: u32, text: &str| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| {
                Failure(
                    73,
                    anyhow::anyhow!(
                        "cannot write '{}': {e}\nhint: keygen never overwrites a key; choose another NAME or remove the old key pair",
                        path.display()
                    ),
                )
            })
    };
    write(&private, 0o600, &key.to_pem())?;
    if let Err(e) = write(&public, 0o644, &key.public_key().to_pem()) {
        let _ = std::fs::remove_file(&private);
        return Err(e);
    }
    emit(&format!(
        "wrote {} (private: keep it secret) and {} (public key {})\n",
        private.display(),
        public.display(),
        key.public_key().fingerprint()
    ))
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Compile {
            input,
            output,
            target,
            cpu,
            opt_level,
            bounds_checks,
            emit_clif,
            emit_asm,
            max_memory_pages,
            sign,
            wasm_features,
            fuel,
            epoch_interruption,
            inline,
            no_inline,
            emit,
            symbol,
            quiet,
        } => {
            let inline = inline && !no_inline;
            let signing_key = sign.as_deref().map(signing_key).transpose()?;
            let output_kind = output_kind(emit, symbol, &output)?;
            let options = CompileOptions {
                target,
                cpu: match cpu {
                    Cpu::Baseline => CpuMode::Baseline,
                    Cpu::Native => CpuMode::Native,
                },
                opt_level: match opt_level {
                    Opt::O0 => OptLevel::None,
                    Opt::O1 | Opt::O2 => OptLevel::Speed,
                    Opt::Os => OptLevel::SpeedAndSize,
                },
                bounds: match bounds_checks {
                    Bounds::Guard => BoundsStrategy::Guard,
                    Bounds::Explicit => BoundsStrategy::Explicit,
                },
                emit_clif,
                emit_asm,
                source_name: input
                    .file_name()
                    .map_or("module.wasm".into(), |n| n.to_string_lossy().into_owned())
                    // Recorded for hints; the reader refuses control characters.
                    .replace(char::is_control, "_"),
                max_memory_pages,
                signing_key,
                turned_off: wasm_features.map(|t| t.0).unwrap_or_default(),
                interruption: Interruption {
                    fuel,
                    epoch: epoch_interruption,
                },
                output: output_kind,
                inline: if inline {
                    waot::inline::ENABLED
                } else {
                    Inlining::OFF
                },
            };
            compile(&input, &output, options, quiet)
        }
        Command::Keygen { output } => keygen(&output),
        Command::Inspect {
            artifact,
            json,
            sections,
        } => {
            let bytes = std::fs::read(&artifact)
                .with_context(|| format!("cannot read '{}'", artifact.display()))
                .map_err(fail(66))?;
            let context = || format!("'{}' is not a valid waot artifact", artifact.display());
            if sections {
                let header = waot_format::artifact::Header::parse(&bytes, true)
                    .with_context(context)
                    .map_err(fail(65))?;
                return emit(&waot::inspect::sections(&header, json));
            }
            let prefix = waot_format::artifact::Prefix::parse(&bytes)
                .with_context(context)
                .map_err(fail(65))?;
            if prefix.major != waot_format::consts::FORMAT_MAJOR {
                return emit(&waot::inspect::prefix_text(&prefix));
            }
            // A newer minor with a section this waot cannot skip: show what
            // can be read, and which section needs a newer waot.
            if let Ok(header) = waot_format::artifact::Header::parse(&bytes, true)
                && let Some(section) = header.unknown_required_section()
            {
                return emit(&format!(
                    "{}unknown_required_section: {} (this waot {} reads format {}.{}; a newer waot shows the rest)\n",
                    waot::inspect::prefix_text(&prefix),
                    section.name,
                    env!("CARGO_PKG_VERSION"),
                    waot_format::consts::FORMAT_MAJOR,
                    waot_format::consts::FORMAT_MINOR
                ));
            }
            let a = waot_format::artifact::Artifact::parse(&bytes)
                .with_context(context)
                .map_err(fail(65))?;
            if json {
                emit(&format!("{:#}\n", waot::inspect::to_json(&a)))
            } else {
                emit(&waot::inspect::to_text(&a))
            }
        }
        Command::Targets => {
            let host = waot::isa::host_triple();
            let list: String = waot::isa::TARGETS
                .iter()
                .map(|t| {
                    let host = if t.triple == host { " (host)" } else { "" };
                    format!("{}{host}\n", t.triple)
                })
                .collect();
            emit(&list)
        }
    }
}

fn main() -> ExitCode {
    // A panic is a bug in waot: report it as such, with the documented code.
    std::panic::set_hook(Box::new(|info| {
        report(
            &format!("internal compiler error: {info}"),
            Some("this is a bug in waot; please report it with the input module"),
        );
        std::process::exit(70);
    }));
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, e)) => {
            let text = format!("{e:#}");
            let (message, hint) = match text.split_once("\nhint: ") {
                Some((m, h)) => (m.to_string(), Some(h.to_string())),
                None => (text, None),
            };
            report(&message, hint.as_deref());
            ExitCode::from(code)
        }
    }
}

/// Writes `text` to standard output. A closed pipe or a full disk is an
/// error with exit code 74, never a panic.
fn emit(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| Failure(74, anyhow::anyhow!("cannot write to standard output: {e}")))
}

/// Writes `error: …` and `hint: …` to standard error; if that fails too,
/// the exit code is all that is left to say it.
fn report(message: &str, hint: Option<&str>) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "error: {message}");
    if let Some(h) = hint {
        let _ = writeln!(err, "hint: {h}");
    }
}
