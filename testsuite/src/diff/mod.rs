//! The differential tester: wasm-smith generates valid Wasm 2.0 modules
//! (no SIMD; NaNs canonicalised; every item exported; memories and tables
//! bounded; loops and recursion bounded by fuel), each is run by waot and by
//! wasmi, and everything observable is compared after every call: results,
//! trap kinds, exported globals and the full contents of every exported
//! memory. Mutated binaries check that both reject exactly the same
//! modules. A divergence prints its seed and writes the module and the call
//! sequence under the output directory; `--replay FILE` runs one again.

mod generate;
pub mod legacy;
pub mod oracle;
pub mod oracle_server;
mod served;
pub mod v8;

use anyhow::{Context, Result, bail};
pub use generate::{Call, Rng, generate, mutate, smith_config};
use generate::{calls_for, format_value, parse_value};
use oracle::{Engine, Outcome, Waot, Wasmi, waot_accepts, wasmi_accepts};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Where and how waot and wasmi disagreed, with what waot saw there (for
/// the third opinion, [`v8::agrees_with_waot`]).
#[derive(Debug)]
pub struct Divergence {
    /// What differs.
    pub why: String,
    /// Calls run, the last being the diverging one (0: at instantiation).
    pub calls: usize,
    /// waot's outcome of that step (`Values([])`: instantiated).
    pub outcome: Outcome,
    /// waot's exported globals and memories after it.
    pub state: Option<oracle::State>,
    /// Whether the oracle could not produce an outcome at that step (its
    /// harness failed: an [`Outcome::Error`] where waot had a result), so
    /// that the step tells nothing about waot.
    pub oracle_failed: bool,
}

/// The verdict on one module.
#[derive(Debug)]
pub enum Verdict {
    /// Both engines behaved identically.
    Same,
    /// They differ.
    Diverged(Divergence),
    /// Not comparable (stack exhaustion, whose limit is implementation
    /// defined).
    Inconclusive(String),
}

/// Runs `calls` (or the generated sequence) on both engines and compares.
pub fn compare(
    wasm: &[u8],
    calls: Option<&[Call]>,
    seed: u64,
    dir: &Path,
    page_limit: Option<u64>,
) -> Result<(Verdict, Vec<Call>)> {
    compare_counting(wasm, calls, seed, dir, page_limit, &mut (0, 0))
}

fn diverged(why: String, calls: usize, outcome: Outcome, state: Option<oracle::State>) -> Verdict {
    Verdict::Diverged(Divergence {
        why,
        calls,
        outcome,
        state,
        oracle_failed: false,
    })
}

/// [`diverged`] where the oracle's harness failed at that step.
fn oracle_failed(
    why: String,
    calls: usize,
    outcome: Outcome,
    state: Option<oracle::State>,
) -> Verdict {
    Verdict::Diverged(Divergence {
        why,
        calls,
        outcome,
        state,
        oracle_failed: true,
    })
}

/// [`compare`], counting (calls, traps).
fn compare_counting(
    wasm: &[u8],
    calls: Option<&[Call]>,
    seed: u64,
    dir: &Path,
    page_limit: Option<u64>,
    counts: &mut (u64, u64),
) -> Result<(Verdict, Vec<Call>)> {
    let waot = Waot::new(wasm, dir, page_limit)?;
    let wasmi = Wasmi::new(wasm, page_limit);
    let view = OracleView {
        name: "wasmi",
        skip: &[],
        reduce: &|s| s,
        reduce_outcome: &|o| o,
    };
    compare_engines(waot, wasmi, calls, seed, counts, &view)
}

/// How waot's observations are brought to an oracle's form.
struct OracleView<'a> {
    /// The oracle's name in messages.
    name: &'a str,
    /// Exports the oracle leaves alone.
    skip: &'a [String],
    /// waot's state as the oracle reports states.
    reduce: &'a dyn Fn(oracle::State) -> oracle::State,
    /// waot's outcome as the oracle reports outcomes.
    reduce_outcome: &'a dyn Fn(Outcome) -> Outcome,
}

/// Runs `calls` (or the generated sequence) on waot and an oracle and
/// compares, through `view`.
fn compare_engines<O: Engine>(
    waot: std::result::Result<Waot, Outcome>,
    wasmi: std::result::Result<O, Outcome>,
    calls: Option<&[Call]>,
    seed: u64,
    counts: &mut (u64, u64),
    view: &OracleView,
) -> Result<(Verdict, Vec<Call>)> {
    let OracleView {
        name: oracle,
        skip,
        reduce,
        reduce_outcome,
    } = *view;
    let exhausted = |o: Option<&Outcome>| o.is_some_and(Outcome::exhausted);
    if exhausted(waot.as_ref().err()) || exhausted(wasmi.as_ref().err()) {
        return Ok((
            Verdict::Inconclusive("instantiation exhausted the stack or the gc heap".into()),
            vec![],
        ));
    }
    let (mut waot, mut wasmi) = match (waot, wasmi) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(a), Err(b)) if a == b => return Ok((Verdict::Same, vec![])),
        (a, b) => {
            let show =
                |r: Option<&Outcome>| r.map_or("instantiated".to_string(), |o| format!("{o:?}"));
            let why = format!(
                "instantiation: waot {}, {oracle} {}",
                show(a.as_ref().err()),
                show(b.as_ref().err())
            );
            let failed = matches!(b, Err(Outcome::Error(_)));
            let (outcome, state) = match a {
                Ok(mut w) => (Outcome::Values(vec![]), Some(w.state())),
                Err(o) => (o, None),
            };
            let verdict = match failed {
                true => oracle_failed(why, 0, outcome, state),
                false => diverged(why, 0, outcome, state),
            };
            return Ok((verdict, vec![]));
        }
    };
    let mut functions = waot.functions();
    functions.retain(|(name, _)| !skip.contains(name));
    if functions != wasmi.functions() {
        return Ok((
            diverged(
                format!(
                    "exported functions differ: waot {functions:?}, {oracle} {:?}",
                    wasmi.functions()
                ),
                0,
                Outcome::Error(String::new()),
                None,
            ),
            vec![],
        ));
    }
    let calls = calls
        .map(<[Call]>::to_vec)
        .unwrap_or_else(|| calls_for(&functions, seed));
    let state = (reduce(waot.state()), wasmi.state());
    if state.0 != state.1 {
        let why = describe_state(&state.0, &state.1, "after instantiation", oracle);
        return Ok((
            diverged(why, 0, Outcome::Values(vec![]), Some(state.0)),
            calls,
        ));
    }
    for (i, call) in calls.iter().enumerate() {
        let a = reduce_outcome(waot.call(&call.name, &call.args));
        let b = wasmi.call(&call.name, &call.args);
        if a.exhausted() || b.exhausted() {
            return Ok((
                Verdict::Inconclusive(format!(
                    "call {i} ({}) exhausted the stack or the gc heap",
                    call.name
                )),
                calls,
            ));
        }
        let (sa, sb) = (reduce(waot.state()), wasmi.state());
        if a != b {
            let why = format!("call {i} {:?}: waot {a:?}, {oracle} {b:?}", call.name);
            let verdict = match b {
                Outcome::Error(_) => oracle_failed(why, i + 1, a, Some(sa)),
                _ => diverged(why, i + 1, a, Some(sa)),
            };
            return Ok((verdict, calls));
        }
        counts.0 += 1;
        counts.1 += u64::from(matches!(a, Outcome::Trap(_)));
        if sa != sb {
            let why = describe_state(&sa, &sb, &format!("after call {i} {:?}", call.name), oracle);
            return Ok((diverged(why, i + 1, a, Some(sa)), calls));
        }
    }
    Ok((Verdict::Same, calls))
}

fn describe_state(a: &oracle::State, b: &oracle::State, when: &str, oracle: &str) -> String {
    if a.globals != b.globals {
        return format!(
            "globals differ {when}: waot {:?}, {oracle} {:?}",
            a.globals, b.globals
        );
    }
    for ((name, x), (_, y)) in a.memories.iter().zip(&b.memories) {
        if x.len() != y.len() {
            return format!(
                "memory {name} size differs {when}: waot {} bytes, {oracle} {}",
                x.len(),
                y.len()
            );
        }
        if let Some(at) = x.iter().zip(y).position(|(p, q)| p != q) {
            return format!(
                "memory {name} differs {when} at byte {at:#x}: waot {:#04x}, {oracle} {:#04x}",
                x[at], y[at]
            );
        }
    }
    format!("exported memories differ {when}")
}

/// Options of a run.
pub struct DiffOptions {
    /// First seed.
    pub seed: u64,
    /// Number of modules (None: until `time` runs out).
    pub count: Option<u64>,
    /// Time budget.
    pub time: Option<Duration>,
    /// Where divergences are written.
    pub out: PathBuf,
    /// Mutated binaries per module for the validation comparison.
    pub mutations: u64,
    /// Seeds where the oracle is known to be wrong (`diff/oracle-bugs.txt`).
    pub oracle_bugs: Vec<u64>,
    /// Which modules are generated, and so which oracle judges them.
    pub mode: DiffMode,
}

/// The modules a run generates and the oracle that judges them.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum DiffMode {
    /// wasm-smith's Wasm 2.0 modules (with the 3.0 proposals wasmi has)
    /// against wasmi, with mutated binaries for validation.
    Wasm2,
    /// wasm-smith's modules with exception handling, tail calls and
    /// threads against Wasmtime ([`oracle_server`]), since wasmi 2.0 lacks
    /// exceptions.
    Exceptions,
    /// Modules in the legacy exception encoding ([`legacy`]) against V8,
    /// since Wasmtime does not run them.
    LegacyExceptions,
    /// wasm-smith's modules with GC (recursion groups, subtypes, struct
    /// and array types, and the GC instructions and references waot
    /// refuses by name for now) against Wasmtime.
    Gc,
}

impl DiffMode {
    /// The oracle's name, in messages.
    pub fn oracle(self) -> &'static str {
        match self {
            DiffMode::Wasm2 => "wasmi",
            DiffMode::Exceptions | DiffMode::Gc => "wasmtime",
            DiffMode::LegacyExceptions => "v8",
        }
    }
}

/// Reads `diff/oracle-bugs.txt`: seeds where a third engine confirmed that
/// the oracle, not waot, is wrong.
pub fn oracle_bugs(path: &Path) -> Result<Vec<u64>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split_whitespace()
                .next()
                .unwrap_or("")
                .parse::<u64>()
                .with_context(|| format!("bad line: {l}"))
        })
        .collect()
}

/// Totals of a run.
#[derive(Default, Debug)]
pub struct Totals {
    /// Modules (and mutations) where both engines agreed.
    pub passed: u64,
    /// Divergences.
    pub failed: u64,
    /// Inconclusive modules, listed oracle bugs that still diverge, and
    /// divergences a third engine blamed on the oracle.
    pub skipped: u64,
    /// Divergences no third engine could judge (kept in the output
    /// directory; neither passed nor failed).
    pub undecided: u64,
    /// Calls compared.
    pub calls: u64,
    /// Calls that trapped (on both sides alike).
    pub traps: u64,
    /// Bytes of generated wasm.
    pub wasm_bytes: u64,
    /// Modules that use the mode's feature: whose code throws or catches
    /// (`--exceptions`), every legacy module (`--legacy-exceptions`),
    /// compared modules with GC types (`--gc`).
    pub featured_modules: u64,
}

impl Totals {
    /// The totals of one seed: its (passed, failed, skipped), its (calls,
    /// traps), its module and whether it uses the mode's feature.
    fn of_seed(
        verdicts: (u64, u64, u64),
        counts: (u64, u64),
        wasm: &[u8],
        featured: u64,
    ) -> Totals {
        Totals {
            passed: verdicts.0,
            failed: verdicts.1,
            skipped: verdicts.2,
            calls: counts.0,
            traps: counts.1,
            wasm_bytes: wasm.len() as u64,
            featured_modules: featured,
            undecided: 0,
        }
    }
}

fn write_divergence(
    out: &Path,
    stem: &str,
    wasm: &[u8],
    calls: &[Call],
    why: &str,
) -> Result<PathBuf> {
    std::fs::create_dir_all(out)?;
    let path = out.join(format!("{stem}.wasm"));
    std::fs::write(&path, wasm)?;
    let mut text = format!("# {why}\n");
    for c in calls {
        // Export names may be empty or contain spaces: write them as hex.
        let name: String = c.name.bytes().map(|b| format!("{b:02x}")).collect();
        text += &format!(
            "name:{name} {}\n",
            c.args
                .iter()
                .map(format_value)
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    std::fs::write(path.with_extension("calls"), text)?;
    Ok(path)
}

/// Runs the tester on seeds `seed..` on `workers` threads.
pub fn run(options: &DiffOptions, workers: usize) -> Result<Totals> {
    let start = Instant::now();
    let next = std::sync::atomic::AtomicU64::new(options.seed);
    let totals = std::sync::Mutex::new(Totals::default());
    let end = options.count.map(|c| options.seed + c);
    std::thread::scope(|scope| -> Result<()> {
        let mut handles = Vec::new();
        for _ in 0..workers {
            // Big stacks: wasm code gets 1 MiB of it, generation and the
            // interpreter need the rest (more in debug builds).
            let spawned = std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn_scoped(scope, || -> Result<()> {
                    let dir = tempfile::tempdir()?;
                    let mut server = match options.mode {
                        DiffMode::Wasm2 => None,
                        mode => Some(served::start(mode)?),
                    };
                    loop {
                        if options.time.is_some_and(|t| start.elapsed() >= t) {
                            return Ok(());
                        }
                        let seed = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        if end.is_some_and(|e| seed >= e) {
                            return Ok(());
                        }
                        let result = match server.as_mut() {
                            Some(server) => served::check_seed(seed, options, dir.path(), server),
                            None => check_seed(seed, options, dir.path()),
                        };
                        let mut t = totals.lock().unwrap();
                        match result {
                            Ok(r) => {
                                t.passed += r.passed;
                                t.failed += r.failed;
                                t.skipped += r.skipped;
                                t.undecided += r.undecided;
                                t.calls += r.calls;
                                t.traps += r.traps;
                                t.wasm_bytes += r.wasm_bytes;
                                t.featured_modules += r.featured_modules;
                            }
                            Err(e) => {
                                println!("seed {seed}: harness error: {e:#}");
                                t.failed += 1;
                            }
                        }
                    }
                })?;
            handles.push(spawned);
        }
        // A worker that could not start (its oracle missing) fails the run:
        // it must not pass with fewer modules, or none.
        for handle in handles {
            match handle.join() {
                Ok(result) => result?,
                Err(_) => bail!("a worker panicked"),
            }
        }
        Ok(())
    })?;
    Ok(totals.into_inner().unwrap())
}

/// What Wasmtime made of a divergence between waot and wasmi.
#[derive(Debug, PartialEq, Eq)]
pub enum Arbitration {
    /// Wasmtime observed exactly what waot did: the oracle is wrong.
    AgreesWithWaot,
    /// Wasmtime observed something else: a waot divergence.
    Disagrees(String),
    /// Wasmtime could not judge it (the module or a call was beyond its
    /// Python harness, or the server could not run): neither a pass nor a
    /// failure.
    Undecided(String),
}

/// The fourth opinion, for divergences V8 cannot judge (Node 20's V8 has
/// no multi-memory or 64-bit tables): whether Wasmtime, through its Python
/// API, observes exactly what waot did over the same calls up to and
/// including the diverging one, with the exception mode's reduction
/// (memories by digest). Values cross the API bit for bit, `v128` ones
/// included.
pub fn arbitrate(
    wasm: &[u8],
    calls: &[Call],
    seed: u64,
    dir: &Path,
    d: &Divergence,
) -> Arbitration {
    let undecided = |why: String| Arbitration::Undecided(why);
    let mut server = match oracle_server::Server::wasmtime() {
        Ok(s) => s,
        Err(e) => return undecided(format!("the Wasmtime oracle did not start: {e:#}")),
    };
    let path = dir.join("arbitrate.wasm");
    if let Err(e) = std::fs::write(&path, wasm) {
        return undecided(format!("cannot write {}: {e}", path.display()));
    }
    let waot = match Waot::new(wasm, dir, None) {
        Ok(w) => w,
        Err(e) => return undecided(format!("waot failed to compile it again: {e:#}")),
    };
    let oracle = oracle_server::Served::new(&mut server, &path, None, &[]);
    let prefix: Vec<Call> = calls[..d.calls.min(calls.len())].to_vec();
    let view = OracleView {
        name: "wasmtime",
        skip: &[],
        reduce: &oracle_server::digested,
        reduce_outcome: &|o| o,
    };
    let r = compare_engines(waot, oracle, Some(&prefix), seed, &mut (0, 0), &view);
    if std::env::var_os("WAOT_DIFF_DEBUG").is_some() {
        eprintln!("wasmtime arbitration: {:?}", r.as_ref().map(|x| &x.0));
    }
    match r {
        Ok((Verdict::Same, _)) => Arbitration::AgreesWithWaot,
        Ok((Verdict::Diverged(d), _)) if d.oracle_failed => undecided(d.why),
        Ok((Verdict::Diverged(d), _)) => Arbitration::Disagrees(d.why),
        Ok((Verdict::Inconclusive(why), _)) => undecided(why),
        Err(e) => undecided(format!("{e:#}")),
    }
}

/// Checks one seed: execution, then mutations.
fn check_seed(seed: u64, options: &DiffOptions, dir: &Path) -> Result<Totals> {
    let wasm = generate(seed)?;
    let (mut passed, mut failed, mut skipped, mut undecided) = (0, 0, 0, 0);
    let mut counts = (0, 0);
    let known = options.oracle_bugs.contains(&seed);
    match compare_counting(&wasm, None, seed, dir, None, &mut counts)? {
        (Verdict::Same, _) if known => {
            failed += 1;
            println!(
                "seed {seed} is listed in diff/oracle-bugs.txt but no longer diverges: remove it"
            );
        }
        (Verdict::Same, _) => passed += 1,
        (Verdict::Inconclusive(_), _) => skipped += 1,
        (Verdict::Diverged(d), _) if known => {
            skipped += 1;
            println!(
                "seed {seed}: known oracle bug (diff/oracle-bugs.txt): {}",
                d.why
            );
        }
        (Verdict::Diverged(d), calls) => {
            let path =
                write_divergence(&options.out, &format!("seed-{seed}"), &wasm, &calls, &d.why)?;
            let observed = v8::Observed {
                calls: d.calls,
                outcome: &d.outcome,
                state: d.state.as_ref(),
            };
            let v8 = v8::agrees_with_waot(&path, &observed);
            let wasmtime = match v8 {
                Some(true) => Arbitration::AgreesWithWaot,
                _ => arbitrate(&wasm, &calls, seed, dir, &d),
            };
            let v8_word = match v8 {
                Some(true) => "V8 agrees with waot",
                Some(false) => "V8 does not side with waot",
                None => "V8 unavailable",
            };
            match wasmtime {
                Arbitration::AgreesWithWaot => {
                    skipped += 1;
                    let who = if v8 == Some(true) { "V8" } else { "Wasmtime" };
                    println!(
                        "seed {seed}: wasmi bug, {who} agrees with waot: {}\n  kept in {}",
                        d.why,
                        path.display()
                    );
                }
                Arbitration::Undecided(why) => {
                    undecided += 1;
                    println!(
                        "UNDECIDED seed {seed}: {} ({v8_word}; Wasmtime could not judge: {why})\n  kept in {}",
                        d.why,
                        path.display()
                    );
                }
                Arbitration::Disagrees(why) => {
                    failed += 1;
                    println!(
                        "DIVERGENCE seed {seed}: {} ({v8_word}; Wasmtime differs too: {why})\n  written to {}",
                        d.why,
                        path.display()
                    );
                }
            }
        }
    }
    let mut rng = Rng::new(seed ^ 0xdead_beef);
    for k in 0..options.mutations {
        let mutated = mutate(&wasm, &mut rng);
        let (a, b) = (waot_accepts(&mutated), wasmi_accepts(&mutated));
        if a == b {
            passed += 1;
        } else {
            failed += 1;
            let why = format!("validation: waot {}, wasmi {}", verdict(a), verdict(b));
            let path = write_divergence(
                &options.out,
                &format!("seed-{seed}-mutation-{k}"),
                &mutated,
                &[],
                &why,
            )?;
            println!(
                "DIVERGENCE seed {seed} mutation {k}: {why}\n  written to {}",
                path.display()
            );
        }
    }
    let mut totals = Totals::of_seed((passed, failed, skipped), counts, &wasm, 0);
    totals.undecided = undecided;
    Ok(totals)
}

fn verdict(accepted: bool) -> &'static str {
    if accepted { "accepts" } else { "rejects" }
}

/// Reads a divergence's call sequence (a `.calls` file: `name:<hex>
/// <value>...` a line, `#` comments); a missing file is no calls.
pub fn read_calls(path: &Path) -> Result<Vec<Call>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut calls = Vec::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let mut words = line.split_whitespace();
        let hex = words
            .next()
            .and_then(|w| w.strip_prefix("name:"))
            .context("call without name:")?;
        let bytes = (0..hex.len() / 2)
            .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16))
            .collect::<Result<Vec<u8>, _>>()?;
        let name = String::from_utf8(bytes).context("export name is not UTF-8")?;
        calls.push(Call {
            name,
            args: words.map(parse_value).collect::<Result<_>>()?,
        });
    }
    Ok(calls)
}

/// Replays a divergence file (`.wasm`, with its `.calls` beside it),
/// against the oracle of the mode that wrote it (by its name:
/// `exceptions-seed-N` Wasmtime, `legacy-seed-N` V8, others wasmi).
pub fn replay(path: &Path) -> Result<bool> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    // Regression files may be text (`.wat`) or binary.
    let wasm = wat::parse_bytes(&bytes)
        .map(|b| b.into_owned())
        .unwrap_or(bytes);
    if let Some(mode) = served::mode_of_file(path) {
        let calls = read_calls(&path.with_extension("calls"))?;
        return served::replay(&wasm, &calls, mode);
    }
    let (a, b) = (waot_accepts(&wasm), wasmi_accepts(&wasm));
    println!("validation: waot {}, wasmi {}", verdict(a), verdict(b));
    if a != b || !a {
        return Ok(a == b);
    }
    let calls = read_calls(&path.with_extension("calls"))?;
    let dir = tempfile::tempdir()?;
    let (verdict, ran) = compare(
        &wasm,
        if calls.is_empty() { None } else { Some(&calls) },
        0,
        dir.path(),
        None,
    )?;
    match &verdict {
        Verdict::Same => println!("same behaviour in waot and wasmi"),
        Verdict::Inconclusive(why) => println!("inconclusive: {why}"),
        Verdict::Diverged(d) => {
            println!("divergence: {}", d.why);
            let observed = v8::Observed {
                calls: d.calls,
                outcome: &d.outcome,
                state: d.state.as_ref(),
            };
            println!(
                "V8: {}",
                match v8::agrees_with_waot(path, &observed) {
                    Some(true) => "agrees with waot (a wasmi bug)",
                    Some(false) => "does not side with waot",
                    None => "unavailable (no node, or the replay failed)",
                }
            );
            match arbitrate(&wasm, &ran, 0, dir.path(), d) {
                Arbitration::AgreesWithWaot => println!("Wasmtime: agrees with waot (a wasmi bug)"),
                Arbitration::Disagrees(why) => println!("Wasmtime: differs from waot: {why}"),
                Arbitration::Undecided(why) => println!("Wasmtime: cannot judge it: {why}"),
            }
        }
    }
    Ok(!matches!(verdict, Verdict::Diverged(_)))
}
