//! Unsupported proposals: every module in `unsupported/` is valid wasm that
//! uses a proposal waot does not compile. The real `waot compile` must
//! refuse it with exit 1, the message in `unsupported/NAME.expect`
//! (`unsupported: <proposal> (first use at byte offset 0x…)`) and no output
//! file. Every proposal waot refuses has at least one module here; `gc*`
//! show what of gc is refused while only its types compile (an
//! instruction, a reference value), with the offset and what is compiled.
//! `WAOT_BLESS=1` rewrites the `.expect` files. The wat parser cannot write
//! multibyte array access yet, so `multibyte-array-access.wasm` is
//! hand-assembled: an `(array (mut i8))` type, and a function
//! `(param (ref null 0)) (result i32)` doing `local.get 0; i32.const 0;
//! i32.load` with the array-index flag (bit 5) and type index 0.

use std::process::{Command, ExitCode};
use waot_testsuite::{bin, summary, testsuite_dir};

fn main() -> ExitCode {
    let bless = std::env::var_os("WAOT_BLESS").is_some();
    let dir = testsuite_dir().join("unsupported");
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".wat") || n.ends_with(".wasm"))
        .collect();
    files.sort();
    let (mut passed, mut failed) = (0, 0);
    let mut covered = Vec::new();
    for file in &files {
        let stem = file.rsplit_once('.').map_or(file.as_str(), |(s, _)| s);
        let work = tempfile::tempdir().unwrap();
        std::fs::copy(dir.join(file), work.path().join(file)).unwrap();
        let output = Command::new(bin("waot"))
            .args(["compile", file, "-o", "out.aot"])
            .current_dir(work.path())
            .output()
            .expect("run waot");
        let stderr = String::from_utf8_lossy(&output.stderr);
        let prefix = format!("error: cannot compile '{file}': ");
        let message = stderr
            .strip_prefix(&prefix)
            .and_then(|m| m.strip_suffix('\n'))
            .unwrap_or(&stderr)
            .to_string();
        let expect_path = dir.join(format!("{stem}.expect"));
        if bless {
            std::fs::write(&expect_path, format!("{message}\n")).unwrap();
        }
        let expected = std::fs::read_to_string(&expect_path).unwrap_or_default();
        let mut problems = Vec::new();
        if output.status.code() != Some(1) {
            problems.push(format!("exit {:?}, expected 1", output.status.code()));
        }
        if !stderr.starts_with(&prefix) || message != expected.trim_end() {
            problems.push(format!(
                "stderr {stderr:?}, expected {prefix}{}",
                expected.trim_end()
            ));
        }
        let leftovers: Vec<_> = std::fs::read_dir(work.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("out.aot"))
            .collect();
        if !leftovers.is_empty() {
            problems.push(format!("a failed compile left {leftovers:?}"));
        }
        if let Some(name) = expected
            .strip_prefix("unsupported: ")
            .and_then(|m| m.split_once(" (first use at byte offset 0x"))
            .map(|(name, _)| name.to_string())
        {
            covered.push(name);
        }
        if problems.is_empty() {
            passed += 1;
            println!("unsupported/{file}: ok");
        } else {
            failed += 1;
            println!("unsupported/{file}: FAILED\n  {}", problems.join("\n  "));
        }
    }
    for name in waot::features::unsupported_proposal_names() {
        if covered.iter().any(|c| c == name) {
            passed += 1;
        } else {
            failed += 1;
            println!("unsupported/: no module shows that `{name}` is refused");
        }
    }
    summary(passed, failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
