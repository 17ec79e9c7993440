//! Real C programs (testsuite/c/, built with clang and wasi-libc by `make
//! fixtures`; the two that use wasm exception handling, setjmp/longjmp and
//! C++ exceptions, by `make fixtures-eh`) run under waot exactly as they do
//! natively: each program is
//! also built with the host C compiler, both run with the same arguments,
//! environment and files, and stdout plus exit status must match. The
//! sandbox program is compared with its expected file instead (natively
//! nothing stops it). `isatty` also runs with both on a pseudo-terminal.
//! `wasm64` (memory64, freestanding: no wasm64 libc exists here) and
//! `reactor` (a WASI reactor, whose `_initialize` runs the C constructors)
//! are called through `waot-run --invoke` and compared with a native
//! `main` that calls the same function.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Output};
use waot_testsuite::{Cross, bin, summary, testsuite_dir};

/// How a program is run under waot.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Runner {
    /// The `waot-run` binary.
    Cli,
    /// The `waot-run` binary with stdin, stdout and stderr on a
    /// pseudo-terminal (util-linux `script`), and the native build likewise;
    /// the captured output is the terminal's, stdout and stderr merged.
    CliOnTerminal,
    /// `waot-testsuite run-with-host` (library API, a Rust host function and
    /// the example native library).
    Host,
    /// The `waot-run` binary with `--native-lib libfloats.so`
    /// (`native/floats.c`, built for the target in cross mode); the native
    /// twin links `native/floats.c`.
    CliNative,
    /// `waot-run --invoke ARGS[0] ARTIFACT ARGS[1..]` of a module without
    /// `main` (freestanding, or a WASI reactor); its native twin is built with `-DNATIVE_MAIN`,
    /// whose `main` takes the same arguments and prints the result.
    Invoke,
}

struct Case {
    name: &'static str,
    program: &'static str,
    args: &'static [&'static str],
    env: &'static [(&'static str, &'static str)],
    runner: Runner,
    /// Compare with this checked-in file instead of the native run.
    expected: Option<&'static str>,
}

const CASES: &[Case] = &[
    Case {
        name: "hello",
        program: "hello",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "args_env",
        program: "args_env",
        args: &["one", "two words", "", "--not-a-waot-flag"],
        env: &[("WAOT_A", "alpha"), ("WAOT_B", "b=c")],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "printf",
        program: "printf",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "qsort_malloc",
        program: "qsort_malloc",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "simd",
        program: "simd",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "tail_state",
        program: "tail_state",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "atomics",
        program: "atomics",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "wasm64_list_walk",
        program: "wasm64",
        args: &["list_walk", "4096"],
        env: &[],
        runner: Runner::Invoke,
        expected: None,
    },
    Case {
        name: "wasm64_bytes_mix",
        program: "wasm64",
        args: &["bytes_mix", "150000"],
        env: &[],
        runner: Runner::Invoke,
        expected: None,
    },
    Case {
        name: "reactor_greet",
        program: "reactor",
        args: &["greet", "3"],
        env: &[],
        runner: Runner::Invoke,
        expected: None,
    },
    Case {
        name: "reactor_primes",
        program: "reactor",
        args: &["primes_upto", "65536"],
        env: &[],
        runner: Runner::Invoke,
        expected: None,
    },
    Case {
        name: "natives_float",
        program: "natives_float",
        args: &[],
        env: &[],
        runner: Runner::CliNative,
        expected: None,
    },
    Case {
        name: "file_copy",
        program: "file_copy",
        args: &["input.bin", "out.bin"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "file_copy_missing",
        program: "file_copy",
        args: &["missing.bin", "out.bin"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "dir_list",
        program: "dir_list",
        args: &["tree"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "sandbox",
        program: "sandbox",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: Some("sandbox.expected"),
    },
    Case {
        name: "exit_status_0",
        program: "exit_status",
        args: &["0"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "exit_status_3",
        program: "exit_status",
        args: &["3"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "exit_status_200",
        program: "exit_status",
        args: &["200"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "fs_ops",
        program: "fs_ops",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "stdio_redirect",
        program: "stdio_redirect",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "dir_dots",
        program: "dir_dots",
        args: &["tree"],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "sjlj",
        program: "sjlj",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "cpp_exceptions",
        program: "cpp_exceptions",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    // The same two in clang's default, legacy exception encoding (try,
    // catch, rethrow, delegate), which Wasmtime cannot load.
    Case {
        name: "sjlj_legacy",
        program: "sjlj_legacy",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "cpp_exceptions_legacy",
        program: "cpp_exceptions_legacy",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "isatty",
        program: "isatty",
        args: &[],
        env: &[],
        runner: Runner::Cli,
        expected: None,
    },
    Case {
        name: "isatty_terminal",
        program: "isatty",
        args: &[],
        env: &[],
        runner: Runner::CliOnTerminal,
        expected: None,
    },
    Case {
        name: "native_ptr",
        program: "native_ptr",
        args: &[],
        env: &[],
        runner: Runner::Host,
        expected: None,
    },
];

/// Lays out the files the programs expect: `root/box` is the sandbox.
fn setup(root: &Path) -> PathBuf {
    let sandbox = root.join("box");
    std::fs::create_dir_all(sandbox.join("tree/subdir")).unwrap();
    std::fs::create_dir_all(sandbox.join("sub")).unwrap();
    std::fs::write(root.join("outside.txt"), "outside\n").unwrap();
    std::fs::write(sandbox.join("inside.txt"), "inside\n").unwrap();
    std::os::unix::fs::symlink("../outside.txt", sandbox.join("link_out")).unwrap();
    let data: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(sandbox.join("input.bin"), data).unwrap();
    std::fs::write(sandbox.join("tree/a.txt"), "first\n").unwrap();
    std::fs::write(sandbox.join("tree/b.bin"), [0u8; 1234]).unwrap();
    std::fs::write(sandbox.join("tree/subdir/c.txt"), "nested\n").unwrap();
    sandbox
}

/// Builds natively with the host C compiler, or C++ compiler for `.cpp`.
fn cc(args: &[&str], out: &Path) -> Result<(), String> {
    let cpp = args.iter().any(|a| a.ends_with(".cpp"));
    let status = Command::new(if cpp { "c++" } else { "cc" })
        .args(args)
        .arg("-o")
        .arg(out)
        .arg("-lm")
        .status()
        .map_err(|e| format!("cc: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cc {args:?} failed"))
    }
}

/// `script -qec 'PROGRAM ARGS…' /dev/null`: runs the program with its
/// stdio on a new pseudo-terminal and passes its exit status through.
fn on_terminal(words: &[String]) -> Command {
    let quote = |s: &str| format!("'{}'", s.replace('\'', r"'\''"));
    let line: Vec<String> = words.iter().map(|w| quote(w)).collect();
    let line = line.join(" ");
    let mut cmd = Command::new("/usr/bin/script");
    cmd.arg("-qec").arg(line).arg("/dev/null");
    cmd
}

fn describe(o: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout ---\n{}--- stderr ---\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn run_case(case: &Case, work: &Path, lib: &Path, cross: Option<&Cross>) -> Result<(), String> {
    let c = testsuite_dir().join("c");
    let root = work.join(case.name);
    let sandbox = setup(&root);
    let artifact = root.join(format!("{}.aot", case.program));
    let mut compile = Command::new(bin("waot"));
    compile.arg("compile");
    if let Some(cross) = cross {
        compile.arg("--target").arg(&cross.target);
    }
    let compiled = compile
        .arg(c.join(format!("{}.wasm", case.program)))
        .arg("-o")
        .arg(&artifact)
        .output()
        .map_err(|e| e.to_string())?;
    if !compiled.status.success() {
        return Err(format!("waot compile failed: {}", describe(&compiled)));
    }
    let waot = match case.runner {
        Runner::Cli | Runner::CliOnTerminal => {
            let mut args = vec!["--dir".to_string(), format!("{}::.", sandbox.display())];
            for (k, v) in case.env {
                args.push("--env".into());
                args.push(format!("{k}={v}"));
            }
            args.push(artifact.to_string_lossy().into_owned());
            args.extend(case.args.iter().map(|a| a.to_string()));
            if case.runner == Runner::CliOnTerminal {
                let mut words: Vec<String> = match cross {
                    Some(cross) => cross.run.clone(),
                    None => vec![bin("waot-run").to_string_lossy().into_owned()],
                };
                words.extend(args);
                on_terminal(&words)
            } else {
                let mut cmd = Cross::waot_run_or_host(cross);
                cmd.args(args);
                cmd
            }
        }
        Runner::Invoke => {
            let mut cmd = Cross::waot_run_or_host(cross);
            cmd.arg("--invoke")
                .arg(case.args[0])
                .arg(&artifact)
                .args(&case.args[1..]);
            cmd
        }
        Runner::CliNative => {
            let floats = c.join("native/floats.c");
            let floats_lib = root.join("libfloats.so");
            let compiler = cross
                .and_then(|c| c.cc.clone())
                .unwrap_or_else(|| "cc".into());
            let built = Command::new(&compiler)
                .args(["-shared", "-fPIC", "-O2", "-o"])
                .arg(&floats_lib)
                .arg(&floats)
                .status()
                .map_err(|e| format!("{compiler}: {e}"))?;
            if !built.success() {
                return Err(format!("{compiler} failed to build native/floats.c"));
            }
            let mut cmd = Cross::waot_run_or_host(cross);
            cmd.arg("--native-lib").arg(&floats_lib).arg(&artifact);
            cmd
        }
        Runner::Host => {
            let mut cmd = Command::new(bin("waot-testsuite"));
            cmd.arg("run-with-host")
                .arg(&artifact)
                .arg("--native-lib")
                .arg(lib)
                .args(case.args);
            cmd
        }
    }
    .current_dir(&sandbox)
    .env_clear()
    .output()
    .map_err(|e| e.to_string())?;

    let (expected_stdout, expected_code) = match case.expected {
        Some(file) => (
            std::fs::read(c.join(file)).map_err(|e| e.to_string())?,
            Some(0),
        ),
        None => {
            let native = root.join(format!("{}-native", case.program));
            // A `_legacy` program is its twin's source built with the
            // legacy exception encoding (testsuite/c/eh/build.sh).
            let base = case.program.strip_suffix("_legacy").unwrap_or(case.program);
            let mut source = c.join(format!("{base}.c"));
            if !source.exists() {
                source = c.join(format!("{base}.cpp"));
            }
            let mut sources = vec![source.to_string_lossy().into_owned()];
            if case.program == "natives_float" {
                sources.push(c.join("native/floats.c").to_string_lossy().into_owned());
            }
            if case.program == "native_ptr" {
                sources.push(c.join("native/fill.c").to_string_lossy().into_owned());
                sources.push(
                    c.join("native/host_fill_native.c")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
            let mut args: Vec<&str> = vec!["-O2"];
            if case.runner == Runner::Invoke {
                args.push("-DNATIVE_MAIN");
            }
            args.extend(sources.iter().map(String::as_str));
            cc(&args, &native)?;
            // The same files, in a fresh copy, so both runs start alike.
            let native_root = work.join(format!("{}-native", case.name));
            let native_box = setup(&native_root);
            let mut cmd = if case.runner == Runner::CliOnTerminal {
                let mut words = vec![native.to_string_lossy().into_owned()];
                words.extend(case.args.iter().map(|a| a.to_string()));
                on_terminal(&words)
            } else {
                let mut cmd = Command::new(&native);
                cmd.args(case.args);
                cmd
            };
            cmd.current_dir(&native_box).env_clear();
            for (k, v) in case.env {
                cmd.env(k, v);
            }
            let out = cmd.output().map_err(|e| e.to_string())?;
            (out.stdout, out.status.code())
        }
    };
    if waot.stdout != expected_stdout || waot.status.code() != expected_code {
        return Err(format!(
            "differs from the native build (exit {expected_code:?}):\n--- expected stdout ---\n{}--- waot ---\n{}",
            String::from_utf8_lossy(&expected_stdout),
            describe(&waot)
        ));
    }
    if case.program == "file_copy" && expected_code == Some(0) {
        let copy = std::fs::read(sandbox.join("out.bin")).map_err(|e| e.to_string())?;
        if copy != std::fs::read(sandbox.join("input.bin")).map_err(|e| e.to_string())? {
            return Err("out.bin differs from input.bin".into());
        }
    }
    if case.name == "sandbox"
        && std::fs::read_to_string(root.join("outside.txt"))
            .ok()
            .as_deref()
            != Some("outside\n")
    {
        return Err("the file outside the sandbox changed".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let work = tempfile::tempdir().expect("temp dir");
    let lib = work.path().join("libfill.so");
    let fill = testsuite_dir().join("c/native/fill.c");
    if let Err(e) = cc(&["-shared", "-fPIC", "-O2", &fill.to_string_lossy()], &lib) {
        println!("c/native/fill.c: ERROR {e}");
        summary(0, 1);
        return ExitCode::FAILURE;
    }
    let cross = Cross::from_env();
    if let Some(c) = &cross {
        println!("cross mode: {} through `{}`", c.target, c.run.join(" "));
    }
    let (mut passed, mut failed, mut skipped) = (0, 0, 0);
    for case in CASES
        .iter()
        .filter(|c| filter.as_ref().is_none_or(|f| c.name.contains(f.as_str())))
    {
        if cross.is_some() && case.runner == Runner::Host {
            // The host program and the native library would have to be
            // built for the target too.
            skipped += 1;
            println!(
                "c/{}: skipped in cross mode (a host program of this machine)",
                case.name
            );
            continue;
        }
        match run_case(case, work.path(), &lib, cross.as_ref()) {
            Ok(()) => {
                passed += 1;
                println!("c/{}: ok", case.name);
            }
            Err(e) => {
                failed += 1;
                println!("c/{}: FAILED\n{e}", case.name);
            }
        }
    }
    println!("{passed} passed, {failed} failed, {skipped} skipped");
    if failed == 0 && passed > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
