//! `waot-testsuite`: the spec test runner (`spec [FILTER]`, which prints one
//! line per file, one per set, and last `N passed, N failed`),
//! `run-with-host ARTIFACT [--native-lib LIB]... [ARGS]`, which runs a WASI
//! program with a Rust host function `host.fill_buffer` registered through
//! the library API (used by the C-program tests), `diff` (the differential
//! tester) and `fuzz-artifacts` (the artifact metadata fuzzer, which also
//! prints `N passed, N failed` last).

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use waot::CompileOptions;
use waot_format::types::{BoundsStrategy, Interruption};
use waot_testsuite::spec::{FileReport, expected_failures, files, run_file};

/// Runs a WASI program whose `host.fill_buffer(buf, len, seed)` is a Rust
/// native function: it writes `'a' + (seed + i) % 26` into the checked
/// buffer and returns the sum of the bytes (or -1 for NULL).
fn run_with_host(args: &[String]) -> ExitCode {
    use waot_run::wasi::{WasiConfig, WasiCtx, add_to_raw_linker};
    use waot_run::{CallError, Module, RunOptions, Val, instance::Instance, linker::Linker};
    let Some(path) = args.first() else {
        return usage();
    };
    let mut linker = Linker::new();
    let mut guest = vec![path.clone()];
    let mut rest = args[1..].iter();
    while let Some(a) = rest.next() {
        if a == "--native-lib" {
            let Some(lib) = rest.next() else {
                return usage();
            };
            if let Err(e) = linker.native_library(std::path::Path::new(lib)) {
                eprintln!("error: {e}");
                return ExitCode::from(69);
            }
        } else {
            guest.push(a.clone());
        }
    }
    let fill = linker.native("host", "fill_buffer", "(*~i)i", |call| {
        let seed = call.i32(2);
        let Some(buf) = call.bytes(0) else {
            return Ok(Some(Val::I32(-1)));
        };
        let mut sum = 0i32;
        for (i, b) in buf.iter_mut().enumerate() {
            *b = b'a' + ((seed as i64 + i as i64) % 26) as u8;
            sum += i32::from(*b);
        }
        Ok(Some(Val::I32(sum)))
    });
    if let Err(e) = fill {
        eprintln!("error: {e}");
        return ExitCode::from(70);
    }
    let wasi = match WasiCtx::new(&WasiConfig {
        args: guest,
        ..Default::default()
    }) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(66);
        }
    };
    add_to_raw_linker(&mut linker, &wasi);
    let outcome = Module::open(path)
        .map_err(|e| e.to_string())
        .and_then(|m| {
            Instance::new(std::sync::Arc::new(m), &linker, &RunOptions::default())
                .map_err(|e| e.to_string())
        })
        .map(|instance| instance.call("_start", &[]));
    match outcome {
        Ok(Ok(_)) => ExitCode::SUCCESS,
        Ok(Err(CallError::Trap(t))) if t.exit_status.is_some() => {
            ExitCode::from(t.exit_status.unwrap_or(0) as u8)
        }
        Ok(Err(e)) => {
            eprintln!("error: {e}");
            ExitCode::from(134)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(69)
        }
    }
}

/// `diff [--seed S] [--count N | --time SECONDS] [--out DIR] [--exceptions |
/// --legacy-exceptions | --gc] [--replay FILE]`.
fn diff(args: &[String]) -> ExitCode {
    use waot_testsuite::diff::{DiffMode, DiffOptions, replay, run};
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    if let Some(file) = value("--replay") {
        return match replay(std::path::Path::new(file)) {
            Ok(true) => ExitCode::SUCCESS,
            Ok(false) => ExitCode::FAILURE,
            Err(e) => {
                eprintln!("error: {e:#}");
                ExitCode::from(2)
            }
        };
    }
    let number = |flag: &str| value(flag).map(|v| v.parse::<u64>());
    let (seed, count, time) = match (number("--seed"), number("--count"), number("--time")) {
        (Some(Err(_)), _, _) | (_, Some(Err(_)), _) | (_, _, Some(Err(_))) => return usage(),
        (s, c, t) => (
            s.and_then(Result::ok).unwrap_or(0),
            c.and_then(Result::ok),
            t.and_then(Result::ok),
        ),
    };
    let options = DiffOptions {
        seed,
        count: count.or(if time.is_none() { Some(100) } else { None }),
        time: time.map(std::time::Duration::from_secs),
        out: value("--out").map_or_else(
            || std::path::PathBuf::from("target/diff-divergences"),
            std::path::PathBuf::from,
        ),
        mutations: 2,
        oracle_bugs: match waot_testsuite::diff::oracle_bugs(
            &waot_testsuite::testsuite_dir().join("diff/oracle-bugs.txt"),
        ) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: diff/oracle-bugs.txt: {e:#}");
                return ExitCode::from(2);
            }
        },
        mode: {
            let modes: Vec<DiffMode> = [
                ("--exceptions", DiffMode::Exceptions),
                ("--legacy-exceptions", DiffMode::LegacyExceptions),
                ("--gc", DiffMode::Gc),
            ]
            .into_iter()
            .filter(|(flag, _)| args.iter().any(|a| a == flag))
            .map(|(_, mode)| mode)
            .collect();
            match modes[..] {
                [] => DiffMode::Wasm2,
                [one] => one,
                _ => {
                    eprintln!(
                        "error: --exceptions, --legacy-exceptions and --gc are separate runs"
                    );
                    eprintln!("hint: run one, then the next");
                    return ExitCode::from(2);
                }
            }
        },
    };
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    match run(&options, workers) {
        Ok(t) => {
            println!(
                "differential test: seeds from {seed}, {:.1} s, {} KiB of wasm, {} calls compared ({} trapped); divergences are written to {}",
                started.elapsed().as_secs_f64(),
                t.wasm_bytes / 1024,
                t.calls,
                t.traps,
                options.out.display()
            );
            match options.mode {
                DiffMode::Exceptions => println!(
                    "exception handling against wasmtime: {} of the modules throw or catch",
                    t.featured_modules
                ),
                DiffMode::LegacyExceptions => println!(
                    "the legacy exception encoding against v8: {} modules",
                    t.featured_modules
                ),
                DiffMode::Gc => println!(
                    "gc against wasmtime: {} compared modules have gc types",
                    t.featured_modules
                ),
                DiffMode::Wasm2 => {}
            }
            if t.undecided > 0 {
                println!(
                    "{} undecided: divergences from wasmi that neither V8 nor Wasmtime could judge (kept in {})",
                    t.undecided,
                    options.out.display()
                );
            }
            println!(
                "{} passed, {} failed, {} skipped",
                t.passed, t.failed, t.skipped
            );
            if t.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `fuzz-artifacts [--seed S] [--count N | --time SECONDS] [--out DIR]`:
/// mutates artifact metadata (release binaries next to this one).
fn fuzz_artifacts(args: &[String]) -> ExitCode {
    use waot_testsuite::artifact_fuzz::{FuzzOptions, run};
    let value = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
    };
    let number = |flag: &str| value(flag).map(|v| v.parse::<u64>());
    let (seed, count, time) = match (number("--seed"), number("--count"), number("--time")) {
        (Some(Err(_)), _, _) | (_, Some(Err(_)), _) | (_, _, Some(Err(_))) => return usage(),
        (s, c, t) => (
            s.and_then(Result::ok).unwrap_or(0),
            c.and_then(Result::ok),
            t.and_then(Result::ok),
        ),
    };
    let mut options = FuzzOptions {
        first_seed: seed,
        parse_count: count.unwrap_or(100_000),
        time: time.map(std::time::Duration::from_secs),
        run_every: 8,
        ..FuzzOptions::default()
    };
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Into::into))
    {
        options.bin_dir = dir;
    }
    if let Some(out) = value("--out") {
        options.out = out.into();
    }
    for name in ["waot", "waot-run"] {
        if !options.bin_dir.join(name).exists() {
            eprintln!("error: {} is missing", options.bin_dir.join(name).display());
            eprintln!("hint: build the binaries first: `cargo build --release --workspace`");
            return ExitCode::from(2);
        }
    }
    let started = std::time::Instant::now();
    match run(&options) {
        Ok(r) => {
            for f in &r.failures {
                println!("FAIL {f}");
            }
            println!(
                "artifact fuzzer: seeds {seed}..{}, {:.1} s, {} accepted and {} refused by the reader, {} run through waot inspect and waot-run ({} ran code); failing inputs go to {}",
                seed + r.mutants,
                started.elapsed().as_secs_f64(),
                r.parse_accepted,
                r.parse_rejected,
                r.subprocess_runs,
                r.ran_code,
                options.out.display()
            );
            waot_testsuite::summary(
                (r.mutants as usize).saturating_sub(r.failures.len()),
                r.failures.len(),
            );
            if r.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: waot-testsuite spec [FILTER] [--exact] [--list] [--verbose] [--bounds-checks guard|explicit] [--interruption] [--inline]"
    );
    eprintln!(
        "       waot-testsuite diff [--seed S] [--count N | --time SECONDS] [--out DIR] [--exceptions | --legacy-exceptions | --gc] [--replay FILE]"
    );
    eprintln!(
        "       waot-testsuite fuzz-artifacts [--seed S] [--count N | --time SECONDS] [--out DIR]"
    );
    eprintln!("       waot-testsuite run-with-host ARTIFACT [--native-lib LIB]... [ARGS]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("run-with-host") {
        return run_with_host(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("diff") {
        return diff(&args[1..]);
    }
    if args.first().map(String::as_str) == Some("fuzz-artifacts") {
        return fuzz_artifacts(&args[1..]);
    }
    if args.first().map(String::as_str) != Some("spec") {
        return usage();
    }
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    let bounds = match args
        .iter()
        .position(|a| a == "--bounds-checks")
        .map(|i| args.get(i + 1).map(String::as_str))
    {
        None | Some(Some("guard")) => BoundsStrategy::Guard,
        Some(Some("explicit")) => BoundsStrategy::Explicit,
        Some(_) => return usage(),
    };
    // `--interruption`: every module compiled with fuel and epoch checks
    // (never triggered: the limits stay unlimited), which must change no
    // result.
    let interruption = if args.iter().any(|a| a == "--interruption") {
        Interruption {
            fuel: true,
            epoch: true,
        }
    } else {
        Interruption::NONE
    };
    // `--inline`: every module compiled with inlining, which must change
    // no result either (traps included).
    let inline = if args.iter().any(|a| a == "--inline") {
        waot::inline::ENABLED
    } else {
        waot_format::types::Inlining::OFF
    };
    let options = CompileOptions {
        bounds,
        interruption,
        inline,
        ..Default::default()
    };
    let filter = args
        .iter()
        .skip(1)
        .find(|a| !a.starts_with('-') && !matches!(a.as_str(), "guard" | "explicit"))
        .cloned();
    let expected_path = waot_testsuite::testsuite_dir().join("spec/expected-failures.txt");
    let expected = match expected_failures(&expected_path) {
        Ok(e) => Arc::new(e),
        Err(e) => {
            eprintln!("error: cannot read {}: {e:#}", expected_path.display());
            return ExitCode::from(2);
        }
    };
    // `--exact`: FILTER names one file (`set/name.wast`), as `make
    // test-cross` runs them one per process; `--list` prints the names.
    let exact = args.iter().any(|a| a == "--exact");
    let all: Vec<_> = files()
        .into_iter()
        .filter(|f| {
            let key = format!("{}/{}", f.set, f.name);
            filter.as_ref().is_none_or(|p| {
                if exact {
                    key == *p
                } else {
                    key.contains(p.as_str())
                }
            })
        })
        .collect();
    if args.iter().any(|a| a == "--list") {
        for f in &all {
            println!("{}/{}", f.set, f.name);
        }
        return ExitCode::SUCCESS;
    }
    let queue = Arc::new(Mutex::new(all.into_iter().enumerate().collect::<Vec<_>>()));
    let results = Arc::new(Mutex::new(BTreeMap::new()));
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let handles: Vec<_> = (0..workers)
        .map(|_| {
            let (queue, results, expected, options) = (
                queue.clone(),
                results.clone(),
                expected.clone(),
                options.clone(),
            );
            // Deep recursion tests need room for the wasm stack and the host.
            std::thread::Builder::new()
                .stack_size(64 << 20)
                .spawn(move || {
                    loop {
                        let Some((i, file)) = queue.lock().unwrap().pop() else {
                            break;
                        };
                        let report = run_file(&file, &expected, &options);
                        results
                            .lock()
                            .unwrap()
                            .insert(i, (file.set, file.name, report));
                    }
                })
                .expect("spawn worker")
        })
        .collect();
    for h in handles {
        let _ = h.join();
    }
    let results = std::mem::take(&mut *results.lock().unwrap());
    let mut sets: BTreeMap<&str, FileReport> = BTreeMap::new();
    let mut unexpected = Vec::new();
    for (set, name, r) in results.values() {
        println!(
            "{set}/{name}: {} passed, {} failed, {} expected failures",
            r.passed, r.failed, r.expected_failures
        );
        let shown = if verbose {
            r.failures.len()
        } else {
            r.failures.len().min(5)
        };
        for f in &r.failures[..shown] {
            println!("  FAIL {f}");
        }
        if shown < r.failures.len() {
            println!(
                "  … {} more (--verbose shows all)",
                r.failures.len() - shown
            );
        }
        let s = sets.entry(set).or_default();
        s.passed += r.passed;
        s.failed += r.failed;
        s.expected_failures += r.expected_failures;
        unexpected.extend(r.unexpected_passes.iter().cloned());
    }
    let (mut passed, mut failed) = (0, 0);
    for (set, s) in &sets {
        println!(
            "set {set}: {} passed, {} failed, {} expected failures",
            s.passed, s.failed, s.expected_failures
        );
        passed += s.passed;
        failed += s.failed;
    }
    for key in &unexpected {
        println!("UNEXPECTED PASS {key}: remove it from spec/expected-failures.txt");
    }
    failed += unexpected.len();
    println!("{passed} passed, {failed} failed");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
