//! Versions and signatures through the real binaries and the library:
//! artifacts of format 1 (waot 0.1.0 and 0.2.0) get a precise refusal, one
//! of format 2.8 (waot 0.11.0, the same ABI) and one of format 2.18
//! (waot 0.21.0, the previous ABI revision) still run;
//! `waot keygen` writes a usable key pair and never overwrites
//! one; `waot inspect` shows who signed; and a required signature is
//! verified on bytes that nothing can change afterwards.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use waot::CompileOptions;
use waot_format::signature::{PrivateKey, PublicKey};
use waot_run::{
    Module, OpenOptions, RequiredSignature, RunOptions, Val, instance::Instance, linker::Linker,
};
use waot_testsuite::{bin, testsuite_dir};

/// Runs a binary in `dir`; returns (exit code, stdout, stderr).
fn run(dir: &Path, name: &str, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(bin(name))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run binary");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The artifacts of `testsuite/fixtures/format-1.1` and `format-1.2`,
/// written by waot 0.1.0 and 0.2.0 in the container of format 1: this
/// waot-run refuses each with the format and producer it records and the
/// command that rebuilds it from its recorded source, before reading
/// anything else; `waot inspect` shows the version record.
#[test]
fn format_1_artifacts_get_the_format_the_producer_and_the_fix() {
    let runner = format!("waot-run {}", env!("CARGO_PKG_VERSION"));
    let ours = waot_format::consts::FORMAT_MAJOR;
    for (folder, format, producer) in [
        ("format-1.1", "1.1", "waot 0.1.0"),
        ("format-1.2", "1.2", "waot 0.2.0"),
    ] {
        let dir = testsuite_dir().join("fixtures").join(folder);
        for (artifact, source) in [
            ("demo.aot", "demo.wat"),
            ("tables.aot", "tables.wat"),
            ("hello.aot", "hello.wasm"),
        ] {
            let (code, out, err) = run(&dir, "waot-run", &[artifact]);
            assert_eq!((code, out.as_str()), (78, ""), "{folder}/{artifact}: {err}");
            let problem = format!(
                "error: cannot run '{artifact}': it uses artifact format {format} (written by {producer}), but this {runner} reads format {ours}.x\n"
            );
            assert!(err.starts_with(&problem), "{folder}/{artifact}: {err}");
            let fix = format!("`waot compile {source} -o {artifact}`");
            assert!(err.contains(&fix), "{folder}/{artifact}: {err}");

            let (code, out, err) = run(&dir, "waot", &["inspect", artifact]);
            assert_eq!(code, 0, "{err}");
            let record = format!("format: {format}\nproducer: {producer}\nsource_sha256: ");
            assert!(out.starts_with(&record), "{folder}/{artifact}: {out}");
        }
    }
}

/// `testsuite/fixtures/format-2.0`, written by waot 0.3.0: the same major
/// format, an older runtime ABI: refused with both ABIs and the fix.
#[test]
fn a_format_2_0_artifact_gets_both_abis_and_the_fix() {
    let dir = testsuite_dir().join("fixtures/format-2.0");
    let (code, out, err) = run(&dir, "waot-run", &["--invoke", "fib", "demo.aot", "90"]);
    assert_eq!((code, out.as_str()), (78, ""), "{err}");
    let runner = format!("waot-run {}", env!("CARGO_PKG_VERSION"));
    let expected = format!(
        "error: cannot run 'demo.aot': it was compiled by waot 0.3.0 (format 2.0) against runtime ABI 510de72541986149, but this {runner} (format {}.{}) provides ABI {:016x}\nhint: recompile it with the waot that matches this {runner}: `waot compile demo.wat -o demo.aot`\n",
        waot_format::consts::FORMAT_MAJOR,
        waot_format::consts::FORMAT_MINOR,
        waot_format::abi::fingerprint()
    );
    assert_eq!(err, expected);
}

/// `testsuite/fixtures/format-2.8`, written by waot 0.11.0: an older minor
/// with this waot-run's ABI runs, its trap table read in the old layout.
#[test]
fn a_format_2_8_artifact_with_this_abi_runs_and_traps_with_its_offsets() {
    let dir = testsuite_dir().join("fixtures/format-2.8");
    let (code, out, err) = run(&dir, "waot-run", &["--invoke", "fib", "demo.aot", "90"]);
    assert_eq!((code, out.as_str()), (0, "2880067194370816120\n"), "{err}");
    let (code, _, err) = run(
        &dir,
        "waot-run",
        &["--invoke", "divmod", "demo.aot", "1", "0"],
    );
    assert_eq!(code, 134, "{err}");
    assert_eq!(
        err,
        "error: wasm trap: integer divide by zero (in divmod, at wasm offset 0x8f)\n"
    );
}

/// `testsuite/fixtures/format-2.18`, written by waot 0.21.0 (ABI revision
/// 9): its code reaches defined globals through the VM context's pointers,
/// which this loader still fills in, pointing at the value slots revision
/// 10 reads directly. It runs: globals read, written, kept immutable, and
/// a trap with its offset.
#[test]
fn a_format_2_18_artifact_reaches_its_globals_through_their_pointers() {
    let dir = testsuite_dir().join("fixtures/format-2.18");
    for (args, expected) in [
        (&["bump", "globals.aot", "5"][..], "5\n"),
        (&["frame", "globals.aot", "3"], "174\n"),
        (&["depth", "globals.aot"], "4096\n"),
    ] {
        let mut all = vec!["--invoke"];
        all.extend_from_slice(args);
        let (code, out, err) = run(&dir, "waot-run", &all);
        assert_eq!((code, out.as_str()), (0, expected), "{args:?}: {err}");
    }
    let (code, _, err) = run(&dir, "waot-run", &["--invoke", "overflow", "globals.aot"]);
    assert_eq!(code, 134, "{err}");
    assert_eq!(
        err,
        "error: wasm trap: out of bounds memory access (in overflow, at wasm offset 0xc4)\n"
    );
    let (code, out, err) = run(&dir, "waot", &["inspect", "globals.aot"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("abi_fingerprint: 5a8f735e46044486\n"), "{out}");
    // Inlined by waot 0.21.0: no `.waot.inlining-limits` (format 2.19),
    // so no call-site limit; a trap in an inlined body still names the
    // callee.
    let (code, out, err) = run(&dir, "waot", &["inspect", "inlined.aot"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("\ninlining: leaf callees of at most 200 IR instructions\n"),
        "{out}"
    );
    let (code, _, err) = run(
        &dir,
        "waot-run",
        &["--invoke", "load", "inlined.aot", "70000"],
    );
    assert_eq!(code, 134, "{err}");
    assert_eq!(
        err,
        "error: wasm trap: out of bounds memory access (in leaf_load, at wasm offset 0x46)\n"
    );
}

/// s390x code before format 2.10 read global slots and exception tags
/// big-endian while the loader writes them little-endian: such artifacts
/// are refused on s390x with the fix; later ones, and older formats for
/// other targets, pass this check.
#[test]
fn s390x_artifacts_before_the_byte_order_fix_are_refused() {
    use waot_format::artifact::{Artifact, Header, checksum};
    use waot_format::consts::{self, version};
    let wasm = wat::parse_file(testsuite_dir().join("examples/demo.wat")).unwrap();
    let compile = |target: &str| {
        let options = CompileOptions {
            target: Some(target.to_string()),
            source_name: "demo.wasm".into(),
            ..Default::default()
        };
        waot::compile(&wasm, &options).unwrap()
    };
    let as_format_2_9 = |mut bytes: Vec<u8>| {
        let record = &mut bytes[consts::VERSION_RECORD_OFFSET..];
        record[version::MINOR..version::MINOR + 2].copy_from_slice(&9u16.to_le_bytes());
        let at = Header::parse(&bytes, false).unwrap().checksum.offset;
        let sum = checksum(&bytes, at);
        bytes[at..at + 4].copy_from_slice(&sum.to_le_bytes());
        bytes
    };
    let host = |target: &str| waot_format::compat::HostInfo {
        target: target.to_string(),
        cpu_features: Vec::new(),
        ..waot_run::host::host_info()
    };
    let fields = |bytes: &[u8], target: &str| -> Vec<&'static str> {
        let a = Artifact::parse(bytes).unwrap();
        waot_format::compat::check_all(&a, &host(target), "demo.aot")
            .iter()
            .map(|m| m.field)
            .collect()
    };
    let s390x = "s390x-unknown-linux-gnu";
    let old = as_format_2_9(compile(s390x));
    let mismatches = {
        let a = Artifact::parse(&old).unwrap();
        waot_format::compat::check_all(&a, &host(s390x), "demo.aot")
    };
    assert_eq!(mismatches.len(), 1, "{mismatches:?}");
    let runner = format!("waot-run {}", env!("CARGO_PKG_VERSION"));
    assert_eq!(
        mismatches[0].problem,
        format!(
            "it was compiled for {s390x} by waot {} (format 2.9), whose code for that target reads globals and exception tags in the wrong byte order; this {runner} runs {s390x} artifacts of format 2.10 or newer",
            env!("CARGO_PKG_VERSION")
        )
    );
    assert_eq!(
        mismatches[0].hint,
        format!(
            "recompile it with the waot that matches this {runner}: `waot compile demo.wasm --target {s390x} -o demo.aot`"
        )
    );
    assert!(fields(&compile(s390x), s390x).is_empty());
    let aarch64 = "aarch64-unknown-linux-gnu";
    assert!(fields(&as_format_2_9(compile(aarch64)), aarch64).is_empty());
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run(dir.path(), "waot", &["keygen", "-o", "release"]);
    assert_eq!(code, 0, "{err}");
    let private = std::fs::read_to_string(dir.path().join("release.key")).unwrap();
    let public = std::fs::read_to_string(dir.path().join("release.pub")).unwrap();
    let mode = std::fs::metadata(dir.path().join("release.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "the private key is readable by others");
    let key = PrivateKey::from_pem(&private).expect("a PKCS#8 private key");
    assert_eq!(PublicKey::from_pem(&public).unwrap(), key.public_key());
    assert!(
        out.contains(&key.public_key().fingerprint().to_string()),
        "{out}"
    );

    let (code, _, err) = run(dir.path(), "waot", &["keygen", "-o", "release"]);
    assert_eq!(code, 73, "{err}");
    assert!(err.contains("never overwrites a key"), "{err}");
    let again = std::fs::read_to_string(dir.path().join("release.key")).unwrap();
    assert_eq!(again, private, "the existing key was changed");
}

#[test]
fn inspect_shows_the_signer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::copy(
        testsuite_dir().join("diagnostics/app.wat"),
        d.join("app.wat"),
    )
    .unwrap();
    assert_eq!(run(d, "waot", &["keygen", "-o", "k"]).0, 0);
    let args = ["compile", "app.wat", "--sign", "k.key", "-o", "app.aot"];
    assert_eq!(run(d, "waot", &args).0, 0);
    let public = std::fs::read_to_string(d.join("k.pub")).unwrap();
    let fingerprint = PublicKey::from_pem(&public).unwrap().fingerprint();
    let (code, out, _) = run(d, "waot", &["inspect", "app.aot"]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!("signature: signed by key {fingerprint} (valid)\n")),
        "{out}"
    );
    let (_, json, _) = run(d, "waot", &["inspect", "--json", "app.aot"]);
    assert!(
        json.contains(&format!("signed by key {fingerprint}")),
        "{json}"
    );
}

/// With a required signature the loader verifies and runs its own private
/// copy: rewriting the file after it was opened changes nothing.
#[test]
fn a_verified_artifact_cannot_be_changed_through_its_file() {
    let key = PrivateKey::from_seed(&[9; 32]);
    let wasm =
        wat::parse_str(r#"(module (func (export "answer") (result i32) (i32.const 42)))"#).unwrap();
    let options = CompileOptions {
        signing_key: Some(key.clone()),
        ..CompileOptions::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let path = waot_testsuite::compile_to_file(&wasm, &options, dir.path(), "app.aot").unwrap();
    let open = OpenOptions {
        require_signature: Some(RequiredSignature {
            key: key.public_key(),
            key_path: "k.pub".into(),
        }),
        ..OpenOptions::default()
    };
    let module = Module::open_with(&path, &open).expect("a validly signed artifact opens");
    let text_before = module.artifact().text().to_vec();

    // Overwrite the text in place (same file, same inode) with int3, and
    // fix the checksum, as an attacker racing the loader would.
    let a = module.artifact();
    let text = a.text_offset..a.text_offset + a.text_len;
    {
        use std::io::Write;
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[text].fill(0xcc);
        let at = waot_format::artifact::Header::parse(&bytes, false)
            .unwrap()
            .checksum
            .offset;
        let sum = waot_format::artifact::checksum(&bytes, at);
        bytes[at..at + 4].copy_from_slice(&sum.to_le_bytes());
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.write_all(&bytes).unwrap();
        file.sync_all().unwrap();
    }
    assert_eq!(module.artifact().text(), &text_before[..]);
    let instance = Instance::new(Arc::new(module), &Linker::new(), &RunOptions::default()).unwrap();
    assert_eq!(instance.call("answer", &[]).unwrap(), vec![Val::I32(42)]);

    // The changed file itself is refused.
    let err = Module::open_with(&path, &open).err().expect("refused");
    assert!(err.to_string().contains("does not match"), "{err}");
}
