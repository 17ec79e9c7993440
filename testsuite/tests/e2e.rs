//! End-to-end runner: every `e2e/NAME.wat` is compiled to an artifact file
//! (with guard pages and with explicit bounds checks), mapped and
//! instantiated by the loader library, and each line of `NAME.expect` is
//! called in order. Optional filter: the first argument selects files.
//!
//! With `WAOT_CROSS_TARGET` and `WAOT_CROSS_RUN` set (`make test-cross`,
//! see [`Cross`]) each fixture is compiled for this host and for that
//! target instead, its calls are fed to `waot-run --repl` on both (the
//! target's under its emulator), and the two transcripts — results,
//! trap messages, exit status — must be identical.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::process::{Command, Output, Stdio};
use waot::CompileOptions;
use waot_format::types::BoundsStrategy;
use waot_testsuite::{
    Cross, check_expectations, compile_to_file, parse_expect, summary, testsuite_dir,
};

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
    let cross = Cross::from_env();
    if let Some(c) = &cross {
        println!("cross mode: {} through `{}`", c.target, c.run.join(" "));
    }
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
            let cross = cross.clone();
            let (tx, rx) = std::sync::mpsc::channel();
            // Each fixture runs on its own thread so a miscompiled infinite
            // loop is reported as a failure instead of hanging the run.
            std::thread::spawn(move || {
                let outcome = (|| -> anyhow::Result<(usize, Vec<String>)> {
                    if let Some(cross) = &cross {
                        return cross_fixture(&wat, &expect, bounds, &dir, cross);
                    }
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

/// Cross mode: compiles `wat` for this host and for `cross.target`, feeds
/// its calls to `waot-run --repl` on both and compares the transcripts.
/// Returns (calls, failures): all calls pass, or one failure naming the
/// first difference.
fn cross_fixture(
    wat: &Path,
    expect: &str,
    bounds: BoundsStrategy,
    dir: &Path,
    cross: &Cross,
) -> anyhow::Result<(usize, Vec<String>)> {
    let expectations = parse_expect(expect)?;
    let wasm = wat::parse_file(wat)?;
    let stem = wat.file_stem().unwrap().to_string_lossy().into_owned();
    let script: String = expectations
        .iter()
        .map(|e| format!("{} {}\n", e.export, e.args.join(" ")))
        .collect();
    let mut runs = Vec::new();
    for target in [None, Some(cross.target.clone())] {
        let side = if target.is_some() { "target" } else { "host" };
        let work = dir.join(format!("{stem}-{}-{side}", bounds.name()));
        std::fs::create_dir_all(&work)?;
        let options = CompileOptions {
            bounds,
            target,
            source_name: format!("{stem}.wasm"),
            ..Default::default()
        };
        compile_to_file(&wasm, &options, &work, "module.aot")?;
        let command = Cross::waot_run_or_host((side == "target").then_some(cross));
        runs.push(repl(command, &work, &script)?);
    }
    for run in &mut runs {
        run.stderr = exhaustion_anywhere(&run.stderr);
    }
    let (host, target) = (&runs[0], &runs[1]);
    if host.stdout == target.stdout && host.stderr == target.stderr && host.status == target.status
    {
        return Ok((expectations.len(), Vec::new()));
    }
    Ok((1, vec![first_difference(host, target)]))
}

/// `stderr` with the function named in each "call stack exhausted" trap
/// left out: frame sizes differ between architectures, so mutual
/// recursion may exhaust the stack in another of its functions (which
/// function is as implementation-defined as the limit itself).
fn exhaustion_anywhere(stderr: &[u8]) -> Vec<u8> {
    const EXHAUSTED: &str = "error: wasm trap: call stack exhausted (in ";
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(|l| match l.starts_with(EXHAUSTED) {
            true => "error: wasm trap: call stack exhausted (in some function)",
            false => l,
        })
        .collect();
    (lines.join("\n") + "\n").into_bytes()
}

/// Runs `command --repl module.aot` in `dir` with `script` as its input.
fn repl(mut command: Command, dir: &Path, script: &str) -> anyhow::Result<Output> {
    let mut child = command
        .args(["--repl", "module.aot"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let script = script.to_string();
    // Written from another thread, so a child filling its output pipe
    // cannot block the writer.
    let writer = std::thread::spawn(move || stdin.write_all(script.as_bytes()));
    let output = child.wait_with_output()?;
    let _ = writer.join();
    Ok(output)
}

/// The first line where the target's transcript differs from the host's.
fn first_difference(host: &Output, target: &Output) -> String {
    for (stream, a, b) in [
        ("stdout", &host.stdout, &target.stdout),
        ("stderr", &host.stderr, &target.stderr),
    ] {
        let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        let (mut la, mut lb) = (a.lines(), b.lines());
        for n in 1.. {
            match (la.next(), lb.next()) {
                (None, None) => break,
                (x, y) if x == y => continue,
                (x, y) => {
                    return format!(
                        "{stream} line {n}: host {:?}, target {:?}",
                        x.unwrap_or("(end)"),
                        y.unwrap_or("(end)")
                    );
                }
            }
        }
    }
    format!(
        "exit status: host {}, target {}",
        host.status, target.status
    )
}
