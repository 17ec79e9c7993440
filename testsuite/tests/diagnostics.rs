//! Diagnostics runner: each case makes a bad input (an artifact for another
//! target, another format version, a corrupted file, a changed ABI, a
//! missing CPU feature, an invalid module, …), runs the real `waot` or
//! `waot-run` binary on it, and compares exit code and stderr with
//! `diagnostics/CASE.stderr`. Host-specific values appear there as
//! placeholders (`{host}`, `{other}`, `{version}`, …). `WAOT_BLESS=1`
//! rewrites the expectation files.

#[path = "diagnostics/cases.rs"]
mod cases;

use cases::{CASES, Case};
use sha2::{Digest, Sha256};
use std::process::{Command, ExitCode};
use waot_testsuite::{bin, summary, testsuite_dir};
/// Host-specific values substituted for placeholders.
struct Vars(Vec<(&'static str, String)>);

impl Vars {
    fn get(&self, key: &str) -> &str {
        &self
            .0
            .iter()
            .find(|(k, _)| *k == key)
            .expect("known placeholder")
            .1
    }
    fn with_placeholders(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.0 {
            if !v.is_empty() {
                out = out.replace(v.as_str(), &format!("{{{k}}}"));
            }
        }
        out
    }
    fn expand(&self, text: &str) -> String {
        let mut out = text.to_string();
        for (k, v) in &self.0 {
            out = out.replace(&format!("{{{k}}}"), v);
        }
        out
    }
}

fn main() -> ExitCode {
    let bless = std::env::var_os("WAOT_BLESS").is_some();
    let host = waot_run::host::host_triple().to_string();
    let other = if host.starts_with("x86_64") {
        "aarch64-unknown-linux-gnu"
    } else {
        "x86_64-unknown-linux-gnu"
    };
    let vars = Vars(vec![
        ("host", host.clone()),
        ("other", other.to_string()),
        ("version", env!("CARGO_PKG_VERSION").to_string()),
        ("abi", format!("{:016x}", waot_format::abi::fingerprint())),
        (
            "abi_flipped",
            format!("{:016x}", waot_format::abi::fingerprint() ^ 0xff),
        ),
        (
            "interruption_abi",
            format!("{:016x}", waot_format::abi::interruption_fingerprint()),
        ),
        (
            "interruption_abi_flipped",
            format!(
                "{:016x}",
                waot_format::abi::interruption_fingerprint() ^ 0xff
            ),
        ),
        (
            "gc_abi",
            format!("{:016x}", waot_format::abi::gc_fingerprint()),
        ),
        (
            "gc_abi_flipped",
            format!("{:016x}", waot_format::abi::gc_fingerprint() ^ 0xff),
        ),
        ("sha12", {
            let wasm = wat::parse_file(testsuite_dir().join("diagnostics/app.wat")).unwrap();
            let hex: String = Sha256::digest(&wasm)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            hex[..12].to_string()
        }),
        ("cpu", waot_format::compat::detect_cpu_features().join(",")),
        ("testsuite", testsuite_dir().display().to_string()),
    ]);
    let (mut passed, mut failed) = (0, 0);
    // Every module in invalid/ becomes a `waot compile` case of its own.
    let invalid_dir = testsuite_dir().join("invalid");
    let mut invalid: Vec<String> = std::fs::read_dir(&invalid_dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.ends_with(".wat") || n.ends_with(".wasm"))
        .collect();
    invalid.sort();
    let mut all: Vec<(String, Vec<String>, Option<&Case>)> = CASES
        .iter()
        .map(|c| {
            (
                c.name.to_string(),
                c.command.iter().map(|s| s.to_string()).collect(),
                Some(c),
            )
        })
        .collect();
    for file in &invalid {
        let stem = file
            .rsplit_once('.')
            .map_or(file.as_str(), |(stem, _)| stem);
        let input = invalid_dir.join(file).display().to_string();
        let command = ["waot", "compile", &input, "-o", "out.aot"]
            .map(String::from)
            .to_vec();
        all.push((format!("invalid-{stem}"), command, None));
    }
    for (name, command, case) in &all {
        let dir = tempfile::tempdir().unwrap();
        if let Some(case) = case {
            (case.prepare)(dir.path(), &vars);
        }
        let output = Command::new(bin(&command[0]))
            .args(&command[1..])
            .current_dir(dir.path())
            .output()
            .expect("run binary");
        let actual = format!(
            "exit: {}\n{}{}",
            output
                .status
                .code()
                .map_or("signal".to_string(), |c| c.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        let expected_path = testsuite_dir().join(format!("diagnostics/{name}.stderr"));
        let mut ok = match std::fs::read_to_string(&expected_path) {
            Ok(expected) => vars.expand(&expected) == actual,
            Err(_) => false,
        };
        // A failed compile must not leave its output (or a temporary) behind.
        if command[0] == "waot" && !output.status.success() {
            let out = command
                .iter()
                .skip_while(|a| *a != "-o")
                .nth(1)
                .expect("-o OUTPUT");
            let leftovers: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .filter_map(|e| e.ok())
                .filter(|e| e.file_name().to_string_lossy().starts_with(out.as_str()))
                .collect();
            if !leftovers.is_empty() {
                println!("diagnostics/{name}: a failed compile left {leftovers:?}");
                ok = false;
            }
        }
        if bless {
            std::fs::write(&expected_path, vars.with_placeholders(&actual)).unwrap();
            ok = true;
        }
        if ok {
            passed += 1;
            println!("diagnostics/{name}: ok");
        } else {
            failed += 1;
            println!("diagnostics/{name}: FAILED\n--- actual ---\n{actual}");
        }
    }
    summary(passed, failed);
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
