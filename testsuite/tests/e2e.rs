//! End-to-end runner: every `e2e/NAME.wat` is compiled to an artifact file
//! (with guard pages and with explicit bounds checks), mapped and
//! instantiated by the loader library, and each line of `NAME.expect` is
//! called in order. Optional filter: the first argument selects files.

use std::process::ExitCode;
use waot::CompileOptions;
use waot_format::types::BoundsStrategy;
use waot_testsuite::{check_expectations, compile_to_file, parse_expect, summary, testsuite_dir};

/// How long one fixture may take in one bounds mode.
const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

fn main() -> ExitCode {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = testsuite_dir().join("e2e");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("testsuite/e2e exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .filter(|p| {
            filter
                .as_ref()
                .is_none_or(|f| p.to_string_lossy().contains(f.as_str()))
        })
        .collect();
    files.sort();
    let tmp = tempfile::tempdir().expect("temp dir");
    let (mut passed, mut failed) = (0, 0);
    for wat in &files {
        let name = wat.file_stem().unwrap().to_string_lossy().into_owned();
        let Ok(expect) = std::fs::read_to_string(wat.with_extension("expect")) else {
            failed += 1;
            println!("e2e/{name}.wat: ERROR no {name}.expect beside it");
            continue;
        };
        for bounds in [BoundsStrategy::Guard, BoundsStrategy::Explicit] {
            let label = format!("e2e/{name}.wat [{}]", bounds.name());
            let (wat, expect, dir) = (wat.clone(), expect.clone(), tmp.path().to_path_buf());
            let (tx, rx) = std::sync::mpsc::channel();
            // Each fixture runs on its own thread so a miscompiled infinite
            // loop is reported as a failure instead of hanging the run.
            std::thread::spawn(move || {
                let outcome = (|| -> anyhow::Result<(usize, Vec<String>)> {
                    let expectations = parse_expect(&expect)?;
                    let wasm = wat::parse_file(&wat)?;
                    let stem = wat.file_stem().unwrap().to_string_lossy().into_owned();
                    let options = CompileOptions {
                        bounds,
                        source_name: format!("{stem}.wasm"),
                        ..Default::default()
                    };
                    let path = compile_to_file(
                        &wasm,
                        &options,
                        &dir,
                        &format!("{stem}-{}.aot", bounds.name()),
                    )?;
                    Ok((
                        expectations.len(),
                        check_expectations(&path, &expectations)?,
                    ))
                })();
                let _ = tx.send(outcome);
            });
            match rx.recv_timeout(TIMEOUT) {
                Ok(Ok((total, failures))) => {
                    passed += total - failures.len();
                    failed += failures.len();
                    println!(
                        "{label}: {} passed, {} failed",
                        total - failures.len(),
                        failures.len()
                    );
                    for f in failures {
                        println!("  FAIL {f}");
                    }
                }
                Ok(Err(e)) => {
                    failed += 1;
                    println!("{label}: ERROR {e:#}");
                }
                Err(_) => {
                    failed += 1;
                    println!(
                        "{label}: TIMEOUT after {}s (a call never returned)",
                        TIMEOUT.as_secs()
                    );
                }
            }
        }
    }
    summary(passed, failed);
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
