//! `waot-run --repl` (calls read from standard input against one
//! instance, as `iwasm --repl`; what `make test-cross` feeds the e2e
//! fixtures through) and `WAOT_CPU_FEATURES` (replacing CPU feature
//! detection, for emulators).

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use waot_testsuite::{bin, testsuite_dir};

fn compile(dir: &Path, source: &Path, out: &str) {
    let status = Command::new(bin("waot"))
        .arg("compile")
        .arg(source)
        .args(["-q", "-o", out])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success());
}

/// Runs waot-run with `args` in `dir`, `input` on stdin, `env` added.
fn run(dir: &Path, args: &[&str], input: &str, env: &[(&str, &str)]) -> (String, String, i32) {
    let mut child = Command::new(bin("waot-run"))
        .args(args)
        .envs(env.iter().copied())
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn repl_keeps_one_instance_and_goes_on_after_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.wat"),
        r#"(module (global $n (mut i32) (i32.const 0))
          (func (export "bump") (result i32)
            (global.set $n (i32.add (global.get $n) (i32.const 1))) (global.get $n))
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "two") (result i32 f32) (i32.const 2) (f32.const -0.5)))"#,
    )
    .unwrap();
    compile(dir.path(), Path::new("m.wat"), "m.aot");
    let script = "bump\n# a comment\n\nbump\ndiv 7 0\nnope\ndiv 1\ndiv 9 -2\ntwo\nbump\n";
    let (stdout, stderr, code) = run(dir.path(), &["--repl", "m.aot"], script, &[]);
    assert_eq!(stdout, "1\n2\n-4\n2\n-0.5\n3\n");
    assert_eq!(
        stderr,
        "error: wasm trap: integer divide by zero (in div, at wasm offset 0x53)\n\
         error: 'm.aot' exports no function named 'nope'\n\
         hint: exported functions: bump, div, two\n\
         error: 'div' takes 2 argument(s) of type (i32, i32) -> i32, got 1\n"
    );
    assert_eq!(code, 0);
}

#[test]
fn repl_ends_at_proc_exit_with_its_status() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("m.wat"),
        r#"(module (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
          (func (export "quit") (param i32) (call $exit (local.get 0)))
          (func (export "one") (result i32) (i32.const 1)))"#,
    )
    .unwrap();
    compile(dir.path(), Path::new("m.wat"), "m.aot");
    let (stdout, _, code) = run(dir.path(), &["--repl", "m.aot"], "one\nquit 7\none\n", &[]);
    assert_eq!((stdout.as_str(), code), ("1\n", 7));
}

#[test]
fn cpu_features_variable_replaces_detection() {
    if !cfg!(target_arch = "x86_64") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    compile(
        dir.path(),
        &testsuite_dir().join("e2e/simd.wat"),
        "simd.aot",
    );
    let call = |features: &str| {
        run(
            dir.path(),
            &["--repl", "simd.aot"],
            "",
            &[("WAOT_CPU_FEATURES", features)],
        )
    };
    // A SIMD artifact records SSE3, SSSE3 and SSE4.1.
    let (_, stderr, code) = call("");
    assert_eq!(code, 78, "{stderr}");
    assert!(
        stderr.contains("this CPU lacks: sse3,sse41,ssse3"),
        "{stderr}"
    );
    assert_eq!(call("sse3, ssse3,sse41").2, 0);
    let (_, stderr, code) = call("sse3,neon");
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with(
            "error: WAOT_CPU_FEATURES names what is no CPU feature of x86_64-unknown-linux-gnu: neon\n"
        ),
        "{stderr}"
    );
}
