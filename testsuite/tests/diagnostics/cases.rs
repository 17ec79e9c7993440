//! The diagnostics cases: how each one prepares its input (an artifact
//! for another target, of another format, corrupted, signed with another
//! key, …) and which binary it runs. `diagnostics.rs` runs them.

use super::Vars;
use std::path::Path;
use std::process::Command;
use waot_format::artifact::{Artifact, Header, checksum};
use waot_format::consts::{self, section, version};
use waot_format::signature::PrivateKey;
use waot_format::types::TrapEntry;
use waot_format::writer::{ArtifactContents, ExtraSection, WriteOptions, write_with};
use waot_testsuite::{bin, testsuite_dir};
/// How a case prepares its input in the working directory and what it runs.
pub struct Case {
    pub name: &'static str,
    pub prepare: fn(&Path, &Vars),
    pub command: &'static [&'static str],
}

fn waot(dir: &Path, args: &[&str]) {
    let status = Command::new(bin("waot"))
        .args(args)
        .current_dir(dir)
        .status()
        .expect("run waot");
    assert!(status.success(), "waot {args:?} failed");
}

fn app(dir: &Path) {
    std::fs::copy(
        testsuite_dir().join("diagnostics/app.wat"),
        dir.join("app.wat"),
    )
    .unwrap();
    let wasm = wat::parse_file(dir.join("app.wat")).unwrap();
    std::fs::write(dir.join("app.wasm"), wasm).unwrap();
    waot(dir, &["compile", "app.wasm", "-o", "app.aot"]);
}

fn imports(dir: &Path) {
    std::fs::copy(
        testsuite_dir().join("diagnostics/imports.wat"),
        dir.join("imports.wat"),
    )
    .unwrap();
    waot(dir, &["compile", "imports.wat", "-o", "imports.aot"]);
}

/// Writes `text` to `NAME.wat` and compiles it to `NAME.aot`.
fn compile_wat(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(format!("{name}.wat")), text).unwrap();
    waot(
        dir,
        &[
            "compile",
            &format!("{name}.wat"),
            "-o",
            &format!("{name}.aot"),
        ],
    );
}

const TABLE_OF_20: &str =
    r#"(module (table 20 funcref) (func (export "size") (result i32) (table.size)))"#;

fn edit(dir: &Path, f: impl FnOnce(&mut Vec<u8>)) {
    let path = dir.join("app.aot");
    let mut bytes = std::fs::read(&path).unwrap();
    f(&mut bytes);
    std::fs::write(path, bytes).unwrap();
}

fn fix_checksum(bytes: &mut [u8]) {
    let at = Header::parse(bytes, false).unwrap().checksum.offset;
    let sum = checksum(bytes, at);
    bytes[at..at + 4].copy_from_slice(&sum.to_le_bytes());
}

/// Re-writes the artifact with a changed build record (valid checksum).
fn rewrite_build(dir: &Path, change: fn(&mut waot_format::types::BuildInfo)) {
    rewrite(dir, change, None, &WriteOptions::default());
}

/// Re-writes the artifact as a newer waot would: `producer`, a bumped
/// format minor and a section this waot-run does not know, `required` or
/// not.
fn rewrite_as_newer(dir: &Path, required: bool) {
    let extra = [ExtraSection {
        name: ".waot.future",
        required,
        bytes: b"from the future",
    }];
    let options = WriteOptions {
        format_minor: waot_format::consts::FORMAT_MINOR + 1,
        extra_sections: &extra,
        ..WriteOptions::default()
    };
    rewrite(dir, |_| {}, Some("waot 0.99.0"), &options);
}

/// Deterministic key pairs `trusted.{key,pub}` and `other.{key,pub}`, so
/// fingerprints are stable in the expected output.
fn keys(dir: &Path) {
    for (name, seed) in [("trusted", 1u8), ("other", 2)] {
        let key = PrivateKey::from_seed(&[seed; 32]);
        std::fs::write(dir.join(format!("{name}.key")), key.to_pem()).unwrap();
        std::fs::write(dir.join(format!("{name}.pub")), key.public_key().to_pem()).unwrap();
    }
}

/// `app.aot` signed with `key` (`trusted` or `other`).
fn signed_app(dir: &Path, key: &str) {
    app(dir);
    keys(dir);
    let key = format!("{key}.key");
    waot(
        dir,
        &["compile", "app.wasm", "--sign", &key, "-o", "app.aot"],
    );
}

/// Changes the byte at `offset` after signing and recomputes the checksum,
/// as someone tampering with a signed artifact would.
fn tamper(dir: &Path, offset: fn(&Artifact) -> usize) {
    edit(dir, |bytes| {
        let at = offset(&Artifact::parse(bytes).unwrap());
        bytes[at] ^= 0x20;
        fix_checksum(bytes);
    });
}

fn rewrite(
    dir: &Path,
    change: fn(&mut waot_format::types::BuildInfo),
    producer: Option<&str>,
    options: &WriteOptions,
) {
    edit(dir, |bytes| {
        let a = Artifact::parse(bytes).unwrap();
        let traps: Vec<TrapEntry> = a.trap_entries().collect();
        let mut build = a.build.clone();
        change(&mut build);
        let contents = ArtifactContents {
            producer: producer.unwrap_or(a.prefix.producer),
            build,
            ..ArtifactContents::of_artifact(&a, &traps)
        };
        *bytes = write_with(&contents, options);
    });
}

/// Rewrites the version record, as a writer of another format would.
fn set_format(bytes: &mut [u8], major: u16, minor: u16, producer: &str) {
    let record = &mut bytes[consts::VERSION_RECORD_OFFSET..];
    record[version::MAJOR..version::MAJOR + 2].copy_from_slice(&major.to_le_bytes());
    record[version::MINOR..version::MINOR + 2].copy_from_slice(&minor.to_le_bytes());
    let field = &mut record[version::PRODUCER..version::PRODUCER + version::PRODUCER_LEN];
    field.fill(0);
    field[..producer.len()].copy_from_slice(producer.as_bytes());
}

/// `app.aot` renamed to `prog.aot`: hints must name the recorded source
/// (`app.wasm`), not a guess from the artifact's name (`prog.wasm`).
fn rename_to_prog(dir: &Path) {
    std::fs::rename(dir.join("app.aot"), dir.join("prog.aot")).unwrap();
}

pub const CASES: &[Case] = &[
    Case {
        name: "timeout-without-epoch-checks",
        prepare: |dir, _| app(dir),
        command: &[
            "waot-run",
            "--timeout",
            "5s",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "fuel-without-fuel-checks",
        prepare: |dir, _| {
            app(dir);
            waot(
                dir,
                &[
                    "compile",
                    "app.wasm",
                    "--epoch-interruption",
                    "-o",
                    "app.aot",
                ],
            );
        },
        command: &[
            "waot-run",
            "--fuel",
            "100",
            "--timeout",
            "5s",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "timeout-not-a-duration",
        prepare: |dir, _| app(dir),
        command: &[
            "waot-run",
            "--timeout",
            "5x",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "out-of-fuel",
        prepare: |dir, _| {
            app(dir);
            waot(dir, &["compile", "app.wasm", "--fuel", "-o", "app.aot"]);
        },
        command: &["waot-run", "--fuel", "1", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "other-target",
        prepare: |dir, vars| {
            app(dir);
            waot(
                dir,
                &[
                    "compile",
                    "app.wasm",
                    "--target",
                    vars.get("other"),
                    "-o",
                    "app.aot",
                ],
            );
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "format-newer",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| set_format(b, 3, 0, "waot 0.99.0"));
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "format-older",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| set_format(b, 0, 9, "waot 0.0.1"));
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "format-1-artifact",
        prepare: |dir, _| {
            // Written by waot 0.2.0, the last writer of format 1.
            let fixtures = testsuite_dir().join("fixtures/format-1.2");
            for file in ["demo.aot", "demo.wat"] {
                std::fs::copy(fixtures.join(file), dir.join(file)).unwrap();
            }
        },
        command: &["waot-run", "--invoke", "fib", "demo.aot", "10"],
    },
    Case {
        name: "elf-not-waot",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| b[7] = 0); // EI_OSABI: System V, as native code
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "wasmtime-cwasm",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| b[7] = consts::ELFOSABI_WASMTIME);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "abi-changed",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| {
                // The fingerprint is the first field of the build-info.
                let head = Header::parse(b, false).unwrap();
                let at = head.section(section::BUILD_INFO).unwrap().offset;
                b[at] ^= 0xff;
                fix_checksum(b);
            });
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "interruption-abi-changed",
        prepare: |dir, _| {
            app(dir);
            waot(dir, &["compile", "app.wasm", "--fuel", "-o", "app.aot"]);
            edit(dir, |b| {
                // The checks' bits, then their fingerprint.
                let head = Header::parse(b, false).unwrap();
                let at = head.section(section::INTERRUPTION).unwrap().offset;
                b[at + 1] ^= 0xff;
                fix_checksum(b);
            });
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "gc-abi-changed",
        prepare: |dir, _| {
            // A module with GC types: a function type declared open, so a
            // subtype may match where it is expected.
            let wat = r#"(module
                (type $t (sub (func (result i32))))
                (func (export "answer") (type $t) (i32.const 42)))"#;
            std::fs::write(dir.join("app.wasm"), wat::parse_str(wat).unwrap()).unwrap();
            waot(dir, &["compile", "app.wasm", "-o", "app.aot"]);
            edit(dir, |b| {
                // The GC fingerprint opens `.waot.gc-types`.
                let head = Header::parse(b, false).unwrap();
                let at = head.section(section::GC_TYPES).unwrap().offset;
                b[at] ^= 0xff;
                fix_checksum(b);
            });
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "unknown-required-section",
        prepare: |dir, _| {
            app(dir);
            rewrite_as_newer(dir, true);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "inspect-unknown-required-section",
        prepare: |dir, _| {
            app(dir);
            rewrite_as_newer(dir, true);
        },
        command: &["waot", "inspect", "app.aot"],
    },
    Case {
        name: "unknown-optional-section",
        prepare: |dir, _| {
            app(dir);
            rewrite_as_newer(dir, false);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "signature-valid",
        prepare: |dir, _| signed_app(dir, "trusted"),
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.pub",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "signature-not-required",
        prepare: |dir, _| signed_app(dir, "trusted"),
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "signature-missing",
        prepare: |dir, _| {
            app(dir);
            keys(dir);
        },
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.pub",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "signature-other-key",
        prepare: |dir, _| signed_app(dir, "other"),
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.pub",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "signature-text-changed",
        prepare: |dir, _| {
            signed_app(dir, "trusted");
            tamper(dir, |a| a.text_offset + a.funcs[0].body_offset as usize);
        },
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.pub",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "signature-metadata-changed",
        prepare: |dir, _| {
            signed_app(dir, "trusted");
            // The last byte of the build-info section (its codegen string).
            tamper(dir, |a| {
                let s = a
                    .sections
                    .iter()
                    .find(|s| s.name == section::BUILD_INFO)
                    .unwrap();
                s.offset + s.size - 1
            });
        },
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.pub",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "signature-private-key-given",
        prepare: |dir, _| signed_app(dir, "trusted"),
        command: &[
            "waot-run",
            "--require-signature",
            "trusted.key",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "sign-with-public-key",
        prepare: |dir, _| {
            app(dir);
            keys(dir);
        },
        command: &[
            "waot",
            "compile",
            "app.wasm",
            "--sign",
            "trusted.pub",
            "-o",
            "signed.aot",
        ],
    },
    Case {
        name: "cpu-feature-unknown",
        prepare: |dir, _| {
            app(dir);
            rewrite_build(dir, |b| {
                b.cpu_mode = waot_format::types::CpuMode::Native;
                b.cpu_features = "imaginary512";
            });
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "wasm-feature-unknown",
        prepare: |dir, _| {
            app(dir);
            rewrite_build(dir, |b| b.wasm_features |= 1 << 40);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "format-newer-renamed",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| set_format(b, 3, 0, "waot 0.99.0"));
            rename_to_prog(dir);
        },
        command: &["waot-run", "--invoke", "answer", "prog.aot"],
    },
    Case {
        name: "corrupted-renamed",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| *b.last_mut().unwrap() ^= 1);
            rename_to_prog(dir);
        },
        command: &["waot-run", "--invoke", "answer", "prog.aot"],
    },
    Case {
        name: "max-memory-pages-below-minimum",
        prepare: |dir, _| {
            std::fs::write(dir.join("mem.wat"), "(module (memory 5 10))").unwrap();
        },
        command: &[
            "waot",
            "compile",
            "mem.wat",
            "--max-memory-pages",
            "2",
            "-o",
            "mem.aot",
        ],
    },
    Case {
        name: "reservation-larger",
        prepare: |dir, _| {
            app(dir);
            rewrite_build(dir, |b| b.memory_reservation = 1 << 33);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "corrupted",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| *b.last_mut().unwrap() ^= 1);
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "truncated",
        prepare: |dir, _| {
            app(dir);
            edit(dir, |b| b.truncate(b.len() / 2));
        },
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "empty",
        prepare: |dir, _| std::fs::write(dir.join("app.aot"), b"").unwrap(),
        command: &["waot-run", "app.aot"],
    },
    Case {
        name: "wasm-instead-of-artifact",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "app.wasm"],
    },
    Case {
        name: "missing-file",
        prepare: |_, _| {},
        command: &["waot-run", "nothing.aot"],
    },
    Case {
        name: "no-start",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "app.aot"],
    },
    Case {
        name: "application-both-kinds",
        prepare: |dir, _| {
            compile_wat(
                dir,
                "both",
                r#"(module (func (export "_start")) (func (export "_initialize")))"#,
            )
        },
        command: &["waot-run", "both.aot"],
    },
    Case {
        name: "application-initialize-type",
        prepare: |dir, _| {
            compile_wat(
                dir,
                "reactor",
                r#"(module (func (export "_initialize") (result i32) i32.const 1) (func (export "f")))"#,
            )
        },
        command: &["waot-run", "--invoke", "f", "reactor.aot"],
    },
    Case {
        name: "application-initialize-traps",
        prepare: |dir, _| {
            compile_wat(
                dir,
                "reactor",
                r#"(module (func (export "_initialize") unreachable) (func (export "f")))"#,
            )
        },
        command: &["waot-run", "--invoke", "f", "reactor.aot"],
    },
    Case {
        name: "trap",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "--invoke", "boom", "app.aot"],
    },
    Case {
        name: "bad-argument-count",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "--invoke", "answer", "app.aot", "1"],
    },
    Case {
        name: "table-minimum-too-large",
        prepare: |dir, _| {
            compile_wat(
                dir,
                "huge",
                r#"(module (table 4294967295 funcref) (func (export "size") (result i32) (table.size)))"#,
            )
        },
        command: &["waot-run", "--invoke", "size", "huge.aot"],
    },
    Case {
        name: "table-above-run-time-cap",
        prepare: |dir, _| compile_wat(dir, "table", TABLE_OF_20),
        command: &[
            "waot-run",
            "--max-table-elements",
            "10",
            "--invoke",
            "size",
            "table.aot",
        ],
    },
    Case {
        name: "table-within-run-time-cap",
        prepare: |dir, _| compile_wat(dir, "table", TABLE_OF_20),
        command: &[
            "waot-run",
            "--max-table-elements",
            "20",
            "--invoke",
            "size",
            "table.aot",
        ],
    },
    Case {
        name: "env-without-key",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "--env", "=v", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "wasm-stack-too-large",
        prepare: |dir, _| app(dir),
        command: &[
            "waot-run",
            "--max-wasm-stack",
            "100000000000",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "gc-heap-too-large",
        prepare: |dir, _| app(dir),
        command: &[
            "waot-run",
            "--max-gc-heap",
            "40000000000",
            "--invoke",
            "answer",
            "app.aot",
        ],
    },
    Case {
        name: "success",
        prepare: |dir, _| app(dir),
        command: &["waot-run", "--invoke", "answer", "app.aot"],
    },
    Case {
        name: "invalid-module",
        prepare: |dir, _| {
            std::fs::copy(
                testsuite_dir().join("diagnostics/invalid.wat"),
                dir.join("invalid.wat"),
            )
            .unwrap();
        },
        command: &["waot", "compile", "invalid.wat", "-o", "invalid.aot"],
    },
    Case {
        name: "unresolved-import",
        prepare: |dir, _| imports(dir),
        command: &["waot-run", "--invoke", "fine", "imports.aot"],
    },
    Case {
        name: "allow-unresolved",
        prepare: |dir, _| imports(dir),
        command: &[
            "waot-run",
            "--allow-unresolved",
            "--invoke",
            "fine",
            "imports.aot",
        ],
    },
    Case {
        name: "allow-unresolved-call",
        prepare: |dir, _| imports(dir),
        command: &[
            "waot-run",
            "--allow-unresolved",
            "--invoke",
            "calls_missing",
            "imports.aot",
        ],
    },
    Case {
        name: "bad-native-lib",
        prepare: |dir, _| imports(dir),
        command: &[
            "waot-run",
            "--native-lib",
            "./nothing.so",
            "--invoke",
            "fine",
            "imports.aot",
        ],
    },
    Case {
        name: "wasm-features-turned-off",
        prepare: |dir, _| {
            let text = r#"(module (tag $e) (func (export "f") (throw $e)))"#;
            std::fs::write(dir.join("throws.wat"), text).unwrap();
        },
        command: &[
            "waot",
            "compile",
            "throws.wat",
            "--wasm-features=-tail-call,-exceptions",
            "-o",
            "throws.aot",
        ],
    },
    Case {
        name: "wasm-features-unknown",
        prepare: |dir, _| {
            std::fs::write(dir.join("empty.wat"), "(module)").unwrap();
        },
        command: &[
            "waot",
            "compile",
            "empty.wat",
            "--wasm-features=-stack-switching",
            "-o",
            "empty.aot",
        ],
    },
    Case {
        name: "simd-turned-off",
        prepare: |dir, _| {
            std::fs::copy(
                testsuite_dir().join("diagnostics/simd.wat"),
                dir.join("simd.wat"),
            )
            .unwrap();
        },
        command: &[
            "waot",
            "compile",
            "simd.wat",
            "--wasm-features=-simd",
            "-o",
            "simd.aot",
        ],
    },
    Case {
        name: "unknown-target",
        prepare: |dir, _| app(dir),
        command: &[
            "waot",
            "compile",
            "app.wasm",
            "--target",
            "mips-unknown-linux-gnu",
            "-o",
            "x.aot",
        ],
    },
];
