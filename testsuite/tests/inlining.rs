//! Inlining (`waot compile --inline`): each
//! `testsuite/inline/NAME.wat` is compiled with and without inlining, with
//! guard pages and explicit bounds checks, and every line of
//! `NAME.expected` (`EXPORT ARGS -> what waot-run prints`) must hold for
//! each artifact: an inlined body computes and traps exactly as the call
//! did, the trap message naming the inlined function and its own wasm
//! offset. `WAOT_BLESS=1` rewrites the expectations from the artifacts
//! compiled without inlining.

use std::path::Path;
use std::process::Command;
use waot_testsuite::{bin, testsuite_dir};

fn run(name: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(bin(name))
        .args(args)
        .output()
        .expect("run binary");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text.trim_end().to_string())
}

fn compile(wat: &Path, out: &Path, flags: &[&str]) {
    let mut args = vec!["compile", "-q"];
    args.extend_from_slice(flags);
    args.extend_from_slice(&[wat.to_str().unwrap(), "-o", out.to_str().unwrap()]);
    let (ok, text) = run("waot", &args);
    assert!(ok, "waot {args:?}: {text}");
}

/// What `waot-run --invoke EXPORT artifact ARGS` prints for each line.
fn outcomes(artifact: &Path, calls: &[(String, Vec<String>)]) -> Vec<String> {
    calls
        .iter()
        .map(|(export, args)| {
            let mut argv = vec!["--invoke", export.as_str(), artifact.to_str().unwrap()];
            argv.extend(args.iter().map(String::as_str));
            run("waot-run", &argv).1
        })
        .collect()
}

#[test]
fn inlined_bodies_compute_and_trap_as_the_calls_did() {
    let dir = testsuite_dir().join("inline");
    let work = tempfile::tempdir().unwrap();
    let mut wats: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    wats.sort();
    assert!(!wats.is_empty());
    for wat in wats {
        let expected_path = wat.with_extension("expected");
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        let calls: Vec<(String, Vec<String>)> = expected
            .lines()
            .map(|l| {
                let call = l.split(" -> ").next().unwrap();
                let mut words = call.split_whitespace().map(str::to_string);
                (words.next().unwrap(), words.collect())
            })
            .collect();
        // Each setting with and without inlining; the first is the
        // expectation file's (optimisation can move a trap's reported
        // offset, e.g. `if … unreachable` becomes a trap at the `if`, so
        // other opt levels are compared with their own uninlined build).
        let settings: [&[&str]; 3] = [&[], &["--bounds-checks", "explicit"], &["--opt-level", "0"]];
        for (i, setting) in settings.iter().enumerate() {
            let mut pair = Vec::new();
            for inline in ["--no-inline", "--inline"] {
                let flags: Vec<&str> = setting.iter().copied().chain([inline]).collect();
                let aot = work.path().join("module.aot");
                compile(&wat, &aot, &flags);
                let (_, inspect) = run("waot", &["inspect", aot.to_str().unwrap()]);
                let inlining = inspect
                    .lines()
                    .find(|l| l.starts_with("inlining: "))
                    .unwrap_or_default()
                    .to_string();
                let want = if inline == "--no-inline" {
                    "inlining: off"
                } else {
                    "inlining: leaf callees of at most 200 IR instructions, those over 30 only with at most 16 call sites"
                };
                assert_eq!(inlining, want, "{} with {flags:?}", wat.display());
                pair.push(lines(&calls, &outcomes(&aot, &calls)));
            }
            assert_eq!(
                pair[1],
                pair[0],
                "{} with {setting:?}: inlined vs not",
                wat.display()
            );
            if i == 0 {
                if std::env::var_os("WAOT_BLESS").is_some() {
                    std::fs::write(&expected_path, &pair[0]).unwrap();
                } else {
                    assert_eq!(pair[0], expected, "{}", wat.display());
                }
            }
        }
    }
}

/// The expectation file's text for `outs`.
fn lines(calls: &[(String, Vec<String>)], outs: &[String]) -> String {
    calls
        .iter()
        .zip(outs)
        .map(|((e, a), o)| {
            let args: String = a.iter().map(|x| format!(" {x}")).collect();
            format!("{e}{args} -> {o}\n")
        })
        .collect()
}

/// Without `--inline` nothing is inlined, at any opt level.
#[test]
fn nothing_is_inlined_unless_asked() {
    let wat = testsuite_dir().join("inline/traps.wat");
    let work = tempfile::tempdir().unwrap();
    let aot = work.path().join("module.aot");
    for flags in [&[][..], &["--opt-level", "0"], &["--inline", "--no-inline"]] {
        compile(&wat, &aot, flags);
        let (_, inspect) = run("waot", &["inspect", aot.to_str().unwrap()]);
        assert!(inspect.contains("inlining: off"), "{flags:?}: {inspect}");
    }
}

/// `testsuite/inline/call_sites.wat`: a callee over 30 IR instructions is
/// inlined where the module calls it from at most 16 places (`few`: two
/// calls to `$medium`), not where it has 17 (`many` keeps its calls to
/// `$popular`); a small callee is inlined at all 17 (`tiny_many`).
#[test]
fn larger_callees_are_inlined_only_with_few_call_sites() {
    let wat = testsuite_dir().join("inline/call_sites.wat");
    let work = tempfile::tempdir().unwrap();
    let aot = work.path().join("module.aot");
    let clif = work.path().join("clif");
    let clif_arg = clif.to_str().unwrap();
    compile(&wat, &aot, &["--inline", "--emit-clif", clif_arg]);
    // Defined functions 3, 4, 5: `few`, `many`, `tiny_many`.
    let calls = |f: u32| {
        let text = std::fs::read_to_string(clif.join(format!("func{f}.clif"))).unwrap();
        text.lines().filter(|l| l.contains(" call fn")).count()
    };
    assert_eq!([calls(3), calls(4), calls(5)], [0, 17, 0]);
    compile(&wat, &aot, &["--no-inline", "--emit-clif", clif_arg]);
    assert_eq!([calls(3), calls(4), calls(5)], [2, 17, 17]);
}
