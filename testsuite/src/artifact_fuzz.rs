//! The artifact fuzzer: mutates the metadata of a few compiled artifacts
//! (flipped bits, overwritten bytes, `u32` and `u64` fields, list counts,
//! ELF and section header fields, shortened sections and files), recomputes the checksum, and requires the
//! reader never to panic and `waot inspect` and `waot-run` always to end
//! with an exit code and a message: never a signal, a panic or a hang.
//! Seeds are deterministic: mutant `s` is the same on every run.

use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use waot::CompileOptions;
use waot_format::artifact::{Artifact, Header, checksum};
use waot_format::consts::section;
use waot_format::types::TrapEntry;
use waot_format::writer::{ArtifactContents, write};

/// A module to mutate and the export `waot-run` calls in it.
struct SeedModule {
    wat: &'static str,
    invoke: &'static [&'static str],
}

/// Every section kind appears in at least one of these; all link under
/// `waot-run` (WASI only) so that mutants get as far as running code.
const MODULES: &[SeedModule] = &[
    SeedModule {
        wat: r#"(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (import "wasi_snapshot_preview1" "sched_yield" (func $yield (result i32)))
  (type $v (func (result i32)))
  (memory (export "memory") 1 4)
  (table $t 4 8 funcref)
  (table $e 2 externref)
  (global $count (mut i64) (i64.const 5))
  (global $fr funcref (ref.func $one))
  (global $x (mut externref) (ref.null extern))
  (elem (table $t) (i32.const 1) func $one $two)
  (elem (table $e) (i32.const 0) externref (ref.null extern))
  (elem $p funcref (ref.func $one) (ref.null func))
  (elem declare func $run)
  (data (i32.const 16) "waot metadata")
  ;; With the segment above, spans a page: the memory gets an image.
  (data (i32.const 4100) "image tail")
  (data $d "passive")
  (func $one (result i32) i32.const 1)
  (func $two (result i32) i32.const 2)
  (func $init
    (table.init $t $p (i32.const 2) (i32.const 0) (i32.const 1))
    (memory.init $d (i32.const 64) (i32.const 0) (i32.const 7)))
  (func $run (export "run") (result i32)
    (global.set $count (i64.add (global.get $count) (i64.const 1)))
    (drop (call $yield))
    (i32.add
      (call_indirect (type $v) (i32.const 1))
      (i32.add (call_indirect (type $v) (i32.const 2)) (i32.load8_u (i32.const 64)))))
  (start $init)
  (export "table" (table $t))
  (export "count" (global $count)))"#,
        invoke: &["--invoke", "run"],
    },
    SeedModule {
        wat: include_str!("../examples/demo.wat"),
        invoke: &["--invoke", "magic"],
    },
    SeedModule {
        wat: include_str!("../fixtures/format-1.1/tables.wat"),
        invoke: &["--invoke", "bump"],
    },
];

/// What to run.
#[derive(Clone, Debug)]
pub struct FuzzOptions {
    /// The first mutant's seed; mutants use consecutive seeds.
    pub first_seed: u64,
    /// How many mutants to check (ignored when `time` is set).
    pub parse_count: u64,
    /// Check mutants until this much time has passed.
    pub time: Option<Duration>,
    /// Every this many mutants the reader accepts, one also goes through
    /// `waot inspect` and `waot-run` (and one in eight times as many of
    /// those it refuses).
    pub run_every: u64,
    /// A subprocess running longer than this is a hang.
    pub timeout: Duration,
    /// Directory of the `waot` and `waot-run` binaries.
    pub bin_dir: PathBuf,
    /// Where failing inputs are written.
    pub out: PathBuf,
}

impl Default for FuzzOptions {
    fn default() -> Self {
        let root = crate::testsuite_dir();
        let target = root.parent().unwrap_or(&root).join("target");
        FuzzOptions {
            first_seed: 0,
            parse_count: 1000,
            time: None,
            run_every: 100,
            timeout: Duration::from_secs(10),
            bin_dir: target.join("debug"),
            out: target.join("artifact-fuzz-failures"),
        }
    }
}

/// One mutant that broke a rule.
#[derive(Clone, Debug)]
pub struct Failure {
    /// Its seed.
    pub seed: u64,
    /// What went wrong.
    pub problem: String,
    /// Where the mutant was written.
    pub file: PathBuf,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "seed {}: {} ({})",
            self.seed,
            self.problem,
            self.file.display()
        )
    }
}

/// What a run did.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Mutants checked.
    pub mutants: u64,
    /// Mutants the reader accepted.
    pub parse_accepted: u64,
    /// Mutants the reader refused.
    pub parse_rejected: u64,
    /// Mutants run through the binaries.
    pub subprocess_runs: u64,
    /// Of those, runs of `waot-run` that ran wasm code to a result or trap.
    pub ran_code: u64,
    /// Mutants that broke a rule.
    pub failures: Vec<Failure>,
}

/// Parses `bytes`, applies `edit` to the parsed artifact and writes it back
/// with the writer (valid checksum and layout).
pub fn rewrite(bytes: &[u8], edit: fn(&mut Artifact)) -> Vec<u8> {
    let mut a = Artifact::parse(bytes).expect("a valid artifact to edit");
    edit(&mut a);
    let traps: Vec<TrapEntry> = a.trap_entries().collect();
    write(&ArtifactContents::of_artifact(&a, &traps))
}

/// Sections that describe the machine code: function signatures and
/// where bodies, entries, trampolines and trap sites are. The reader checks
/// their structure and ranges, but only the code itself could vouch for
/// their values (a signature over the artifact covers them), so mutants
/// that change them are checked in process only, never run.
const CODE_SECTIONS: [&str; 4] = [
    section::TYPES,
    section::FUNCTIONS,
    section::IMPORT_TRAMPOLINES,
    section::TRAP_BLOCKS,
];

/// A byte range of a seed's metadata.
struct Region {
    range: std::ops::Range<usize>,
    /// In one of [`CODE_SECTIONS`].
    describes_code: bool,
}

/// A non-text section of a seed.
struct SectionSite {
    /// File offset of its section header.
    entry: usize,
    /// File offset of its contents.
    start: usize,
    size: usize,
    describes_code: bool,
}

/// A compiled seed and where its metadata is.
struct Seed {
    bytes: Vec<u8>,
    invoke: &'static [&'static str],
    /// Everything but the text and the checksum: ELF header fields, the
    /// section headers and every other section.
    regions: Vec<Region>,
    sections: Vec<SectionSite>,
    /// File offset of the checksum, recomputed after every mutation.
    checksum_at: usize,
}

fn seeds() -> Result<Vec<Seed>> {
    MODULES
        .iter()
        .map(|m| {
            let wasm = wat::parse_str(m.wat).context("seed module")?;
            let bytes = waot::compile(&wasm, &CompileOptions::default())?;
            let head = Header::parse(&bytes, true)?;
            let mut regions = vec![
                Region {
                    range: 4..64,
                    describes_code: false,
                },
                Region {
                    range: head.section_headers.clone(),
                    describes_code: false,
                },
            ];
            let mut sections = Vec::new();
            for s in &head.sections {
                if s.name != section::TEXT && s.name != section::CHECKSUM && s.size > 0 {
                    let describes_code = CODE_SECTIONS.contains(&s.name);
                    regions.push(Region {
                        range: s.range(),
                        describes_code,
                    });
                    sections.push(SectionSite {
                        entry: s.header_at,
                        start: s.offset,
                        size: s.size,
                        describes_code,
                    });
                }
            }
            let checksum_at = head.checksum.offset;
            Ok(Seed {
                bytes,
                invoke: m.invoke,
                regions,
                sections,
                checksum_at,
            })
        })
        .collect()
}

const U32S: [u32; 9] = [
    0,
    1,
    2,
    0x7f,
    0x80,
    0xffff,
    0x7fff_ffff,
    0x8000_0000,
    u32::MAX,
];
const U64S: [u64; 7] = [
    0,
    1,
    1 << 16,
    1 << 32,
    0x4141_4141_4141_4141,
    i64::MAX as u64,
    u64::MAX,
];

/// A mutant and whether it changed metadata that describes the code.
struct Mutant {
    bytes: Vec<u8>,
    describes_code: bool,
}

/// One to three mutations of `seed`'s metadata, chosen by `rng`.
fn mutate(seed: &Seed, rng: &mut fastrand::Rng) -> Mutant {
    let mut b = seed.bytes.clone();
    let mut describes_code = false;
    for _ in 0..rng.usize(1..=3) {
        let region = &seed.regions[rng.usize(..seed.regions.len())];
        let at = rng.usize(region.range.clone());
        let site = &seed.sections[rng.usize(..seed.sections.len())];
        if at >= b.len() {
            continue; // an earlier mutation shortened the file
        }
        let kind = rng.u8(..8);
        describes_code |= match kind {
            5 | 6 => site.describes_code,
            7 => false,
            _ => region.describes_code,
        };
        match kind {
            0 => b[at] ^= 1 << rng.u8(..8),
            1 => b[at] = [0, 1, 0x7f, 0x80, 0xff, rng.u8(..)][rng.usize(..6)],
            2 | 3 => {
                let old = read_u32(&b, at);
                let v = [
                    U32S[rng.usize(..U32S.len())],
                    old.wrapping_add(1),
                    old.wrapping_sub(1),
                    rng.u32(..64),
                ][rng.usize(..4)];
                write_bytes(&mut b, at, &v.to_le_bytes());
            }
            4 => write_bytes(&mut b, at, &U64S[rng.usize(..U64S.len())].to_le_bytes()),
            5 => {
                // A list count or length: the first field of a section.
                let old = read_u32(&b, site.start);
                let v = [
                    old.wrapping_add(1),
                    old.saturating_sub(1),
                    0,
                    u32::MAX,
                    old.wrapping_mul(2),
                ][rng.usize(..5)];
                write_bytes(&mut b, site.start, &v.to_le_bytes());
            }
            6 => {
                // A shorter section: `sh_size` in its section header.
                let shorter = rng.usize(..site.size) as u64;
                write_bytes(&mut b, site.entry + 32, &shorter.to_le_bytes());
            }
            _ => b.truncate(at), // a shorter file
        }
    }
    let at = seed.checksum_at;
    if b.len() >= at + 4 {
        let sum = checksum(&b, at);
        b[at..at + 4].copy_from_slice(&sum.to_le_bytes());
    }
    Mutant {
        bytes: b,
        describes_code,
    }
}

fn read_u32(b: &[u8], at: usize) -> u32 {
    let mut w = [0u8; 4];
    for (i, x) in w.iter_mut().enumerate() {
        *x = b.get(at + i).copied().unwrap_or(0);
    }
    u32::from_le_bytes(w)
}

/// Writes `v` at `at`, cut off at the end of the file.
fn write_bytes(b: &mut [u8], at: usize, v: &[u8]) {
    let end = (at + v.len()).min(b.len());
    if at < end {
        b[at..end].copy_from_slice(&v[..end - at]);
    }
}

/// The reader and the inspector in process: a panic is a failure.
fn check_in_process(bytes: &[u8]) -> std::result::Result<bool, String> {
    std::panic::catch_unwind(|| match Artifact::parse(bytes) {
        Ok(a) => {
            let _ = waot::inspect::to_text(&a);
            let _ = waot::inspect::to_json(&a);
            true
        }
        Err(_) => false,
    })
    .map_err(|p| {
        let message = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        format!("the reader or inspector panicked: {message}")
    })
}

/// Runs `program args` with a timeout; `Ok(code)` or a description of the
/// signal, hang or missing message.
fn run_checked(
    program: &Path,
    args: &[&str],
    dir: &Path,
    timeout: Duration,
) -> Result<i32, String> {
    let stderr_path = dir.join("stderr");
    let stderr = std::fs::File::create(&stderr_path).map_err(|e| e.to_string())?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("hang: still running after {timeout:?}"));
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let message = std::fs::read_to_string(&stderr_path).unwrap_or_default();
    let name = program.file_name().unwrap_or_default().to_string_lossy();
    match status.code() {
        None => {
            use std::os::unix::process::ExitStatusExt;
            Err(format!(
                "{name} died from signal {:?}: {message}",
                status.signal()
            ))
        }
        Some(101) => Err(format!("{name} panicked: {message}")),
        Some(0) => Ok(0),
        Some(code) if message.trim().is_empty() => {
            Err(format!("{name} exited {code} without a message"))
        }
        Some(code) => Ok(code),
    }
}

/// `waot inspect` ends in 0 or 65 ("not a valid artifact"); `waot-run`
/// in a documented code: 0, 2, 65, 69, 78 or 134 (a trap).
fn check_binaries(seed: &Seed, file: &Path, options: &FuzzOptions) -> Result<bool, String> {
    let dir = file.parent().unwrap_or(Path::new("."));
    let name = file.file_name().unwrap_or_default().to_string_lossy();
    let waot = options.bin_dir.join("waot");
    match run_checked(&waot, &["inspect", &name], dir, options.timeout)? {
        0 | 65 => {}
        70 => return Err("waot inspect hit an internal error (a panic)".into()),
        code => return Err(format!("waot inspect exited {code}")),
    }
    let mut args: Vec<&str> = seed.invoke.to_vec();
    args.push(&name);
    match run_checked(
        &options.bin_dir.join("waot-run"),
        &args,
        dir,
        options.timeout,
    )? {
        0 | 134 => Ok(true),
        2 | 65 | 69 | 78 => Ok(false),
        code => Err(format!("waot-run exited {code}, not a documented code")),
    }
}

/// Checks mutants from `options.first_seed` on.
pub fn run(options: &FuzzOptions) -> Result<Report> {
    let seeds = seeds()?;
    let work = tempfile::tempdir()?;
    let file = work.path().join("mutant.aot");
    let started = Instant::now();
    let mut report = Report::default();
    let mut seed = options.first_seed;
    let mut runnable = [0u64; 2];
    loop {
        let done = match options.time {
            Some(t) => started.elapsed() >= t,
            None => report.mutants >= options.parse_count,
        };
        if done {
            break;
        }
        let base = &seeds[(seed % seeds.len() as u64) as usize];
        let mut rng = fastrand::Rng::with_seed(seed);
        let Mutant {
            bytes,
            describes_code,
        } = mutate(base, &mut rng);
        report.mutants += 1;
        let outcome = match check_in_process(&bytes) {
            Err(problem) => Err(problem),
            Ok(accepted) => {
                if accepted {
                    report.parse_accepted += 1;
                } else {
                    report.parse_rejected += 1;
                }
                // Of the mutants that may run, every `run_every`-th accepted
                // and every `8 * run_every`-th refused one.
                let (count, every) = if accepted {
                    runnable[0] += u64::from(!describes_code);
                    (runnable[0], options.run_every.max(1))
                } else {
                    runnable[1] += u64::from(!describes_code);
                    (runnable[1], options.run_every.max(1) * 8)
                };
                if !describes_code && count % every == 0 {
                    report.subprocess_runs += 1;
                    std::fs::write(&file, &bytes)?;
                    check_binaries(base, &file, options).map(|ran| {
                        report.ran_code += u64::from(ran);
                    })
                } else {
                    Ok(())
                }
            }
        };
        if let Err(problem) = outcome {
            std::fs::create_dir_all(&options.out)
                .with_context(|| format!("cannot create {}", options.out.display()))?;
            let path = options.out.join(format!("seed-{seed}.aot"));
            std::fs::write(&path, &bytes)?;
            report.failures.push(Failure {
                seed,
                problem,
                file: path,
            });
        }
        seed += 1;
    }
    Ok(report)
}
