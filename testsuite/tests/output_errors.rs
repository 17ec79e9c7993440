//! Output that cannot be written (a closed pipe as in `waot-run … | true`,
//! a full disk as `/dev/full`) ends the binaries with a clean error and a
//! documented exit code, never a panic (exit 101) or a signal.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use waot_testsuite::{bin, testsuite_dir};

/// Runs `program args…` with its standard output going to `stdout`.
fn run_with_stdout(program: &str, args: &[&str], dir: &Path, stdout: Stdio) -> Output {
    Command::new(bin(program))
        .args(args)
        .current_dir(dir)
        .stdout(stdout)
        .stderr(Stdio::piped())
        .output()
        .expect("run binary")
}

/// Standard outputs that fail every write.
fn broken_outputs() -> Vec<(&'static str, Stdio)> {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut outputs = vec![("closed pipe", Stdio::from(writer))];
    if let Ok(full) = std::fs::File::create("/dev/full") {
        outputs.push(("/dev/full", Stdio::from(full)));
    }
    outputs
}

fn compiled_demo(dir: &Path) {
    let status = Command::new(bin("waot"))
        .arg("compile")
        .arg(testsuite_dir().join("examples/demo.wat"))
        .args(["-o", "demo.aot"])
        .current_dir(dir)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn waot_run_reports_results_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    compiled_demo(dir.path());
    for (what, stdout) in broken_outputs() {
        let out = run_with_stdout(
            "waot-run",
            &["--invoke", "fib", "demo.aot", "10"],
            dir.path(),
            stdout,
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(74), "{what}: {stderr}");
        assert!(
            stderr.starts_with("error: cannot write the results to standard output: "),
            "{what}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    }
}

#[test]
fn waot_reports_output_it_cannot_write() {
    let dir = tempfile::tempdir().unwrap();
    compiled_demo(dir.path());
    for args in [
        &["inspect", "demo.aot"][..],
        &["inspect", "--json", "demo.aot"],
        &["targets"],
    ] {
        for (what, stdout) in broken_outputs() {
            let out = run_with_stdout("waot", args, dir.path(), stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(74), "{args:?} {what}: {stderr}");
            assert!(
                stderr.starts_with("error: cannot write to standard output: "),
                "{args:?} {what}: {stderr}"
            );
        }
    }
}

/// `waot compile -o` a named pipe (as `/dev/stdout` or `/dev/null` are not
/// regular files either) writes the artifact into it and leaves it a pipe,
/// where a regular output is written beside and renamed into place.
#[test]
fn waot_compile_writes_into_a_pipe_without_replacing_it() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("artifact.pipe");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("run mkfifo");
    assert!(made.success(), "mkfifo failed");
    let reading = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(fifo).expect("read the pipe"))
    };
    std::fs::copy(
        testsuite_dir().join("examples/demo.wat"),
        dir.path().join("demo.wat"),
    )
    .unwrap();
    let out = run_with_stdout(
        "waot",
        &["compile", "demo.wat", "-o", "artifact.pipe"],
        dir.path(),
        Stdio::null(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = reading.join().unwrap();
    waot_format::artifact::Artifact::parse(&bytes).expect("a whole artifact came through");
    let kind = std::fs::symlink_metadata(&fifo).unwrap().file_type();
    assert!(kind.is_fifo(), "the pipe was replaced");
}
