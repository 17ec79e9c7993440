//! `waot-testsuite`: the spec test runner (`spec [FILTER]`). Prints one line
//! per file, one per set, and last `N passed, N failed`.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use waot::CompileOptions;
use waot_format::types::BoundsStrategy;
use waot_testsuite::spec::{FileReport, expected_failures, files, run_file};

fn usage() -> ExitCode {
    eprintln!("usage: waot-testsuite spec [FILTER] [--verbose] [--bounds-checks guard|explicit]");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
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
    let options = CompileOptions {
        bounds,
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
    let all: Vec<_> = files()
        .into_iter()
        .filter(|f| {
            filter
                .as_ref()
                .is_none_or(|p| format!("{}/{}", f.set, f.name).contains(p.as_str()))
        })
        .collect();
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
