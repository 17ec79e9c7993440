//! Golden tests of the generated code, like Wasmtime's `tests/disas`: every
//! `disas/NAME.wat` is compiled by the real `waot compile` for
//! `x86_64-unknown-linux-gnu` (baseline CPU) with `--emit-clif` and
//! `--emit-asm`, and the Cranelift IR and machine code of each defined
//! function must equal `disas/NAME.disas`. A first line `;; flags: …` adds
//! compile flags (e.g. `--bounds-checks explicit`). A change to code
//! generation shows up here as a diff; after checking it is intended,
//! `WAOT_BLESS=1 cargo test -p waot-testsuite --test disas` rewrites the
//! expected files.

use std::path::Path;
use std::process::{Command, ExitCode};
use waot_testsuite::{bin, summary, testsuite_dir};

/// The listing of one module: for each defined function, its IR then its
/// machine code, in function index order.
fn listing(wat: &Path, flags: &[&str]) -> Result<String, String> {
    let work = tempfile::tempdir().unwrap();
    let output = Command::new(bin("waot"))
        .arg("compile")
        .arg(wat)
        .args(["-o", "out.aot", "--target", "x86_64-unknown-linux-gnu"])
        .args(["--emit-clif", "ir", "--emit-asm", "asm"])
        .args(flags)
        .current_dir(work.path())
        .output()
        .expect("run waot");
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let mut funcs: Vec<u32> = std::fs::read_dir(work.path().join("ir"))
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().to_string_lossy().into_owned();
            name.strip_prefix("func")?
                .strip_suffix(".clif")?
                .parse()
                .ok()
        })
        .collect();
    funcs.sort();
    let mut text = String::new();
    for f in funcs {
        let read = |dir: &str, ext: &str| {
            std::fs::read_to_string(work.path().join(dir).join(format!("func{f}.{ext}")))
                .unwrap_or_else(|e| format!("(missing: {e})\n"))
        };
        text += &format!(";; function {f}: Cranelift IR\n{}\n", read("ir", "clif"));
        text += &format!(";; function {f}: x86_64\n{}\n", read("asm", "s"));
    }
    Ok(text)
}

fn main() -> ExitCode {
    let bless = std::env::var_os("WAOT_BLESS").is_some();
    let dir = testsuite_dir().join("disas");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    files.sort();
    let (mut passed, mut failed) = (0, 0);
    for wat in &files {
        let source = std::fs::read_to_string(wat).unwrap();
        let flags: Vec<&str> = source
            .lines()
            .next()
            .and_then(|l| l.strip_prefix(";; flags:"))
            .map_or(Vec::new(), |f| f.split_whitespace().collect());
        let expected_path = wat.with_extension("disas");
        let actual = match listing(wat, &flags) {
            Ok(text) => text,
            Err(e) => {
                println!("FAIL {}: waot compile failed: {e}", wat.display());
                failed += 1;
                continue;
            }
        };
        if bless {
            std::fs::write(&expected_path, &actual).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if actual == expected {
            passed += 1;
        } else {
            failed += 1;
            println!(
                "FAIL {}: the generated code differs from {}",
                wat.display(),
                expected_path.display()
            );
            for (i, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
                if a != e {
                    println!(
                        "  first difference at line {}:\n    expected: {e}\n    actual:   {a}",
                        i + 1
                    );
                    break;
                }
            }
            println!("  hint: if the change is intended, rerun with WAOT_BLESS=1");
        }
    }
    assert!(files.len() >= 4, "disas/ holds too few modules");
    summary(passed, failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
