//! Standard tools understand waot artifacts: `readelf` sees an ELF64
//! relocatable file of waot's OS ABI with the version record first, named
//! code symbols and no relocations, for every target; `objdump` labels the
//! disassembly with wasm function names; `perf` attributes samples to wasm
//! functions of a mapped artifact without any map file; `waot inspect
//! --sections` lists the same sections.

use std::path::Path;
use std::process::Command;
use waot_format::target::TARGETS;
use waot_testsuite::{bin, testsuite_dir};

/// Runs `program args`; its standard output, or a failure naming it.
fn output(program: &str, args: &[&str], dir: &Path) -> String {
    let out = Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} (make deps installs it): {e}"));
    assert!(
        out.status.success(),
        "{program} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// `testsuite/elf/tools.wat` compiled to `tools.aot` in a fresh directory,
/// for `target` (the host when `None`).
fn compile_tools(target: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        testsuite_dir().join("elf/tools.wat"),
        dir.path().join("tools.wat"),
    )
    .unwrap();
    let mut args = vec!["compile", "tools.wat", "-o", "tools.aot"];
    if let Some(target) = target {
        args.extend(["--target", target]);
    }
    output(bin("waot").to_str().unwrap(), &args, dir.path());
    dir
}

/// Asserts that `text` has a line containing every one of `parts`.
fn has_line(text: &str, parts: &[&str]) {
    assert!(
        text.lines().any(|l| parts.iter().all(|p| l.contains(p))),
        "no line with {parts:?} in:\n{text}"
    );
}

#[test]
fn readelf_sees_waots_elf_file() {
    let dir = compile_tools(None);
    let d = dir.path();
    let header = output("readelf", &["-hW", "tools.aot"], d);
    has_line(&header, &["Class:", "ELF64"]);
    has_line(&header, &["OS/ABI:", "<unknown: d7>"]);
    has_line(&header, &["Type:", "REL (Relocatable file)"]);
    has_line(&header, &["Flags:", "0x1000000"]);

    let sections = output("readelf", &["-SW", "tools.aot"], d);
    // Section 1, the version record at its fixed offset (0x40), 80 bytes,
    // flagged OS-specific (required).
    has_line(&sections, &["[ 1] .waot.version", "000040 000050", " o "]);
    has_line(&sections, &[".text", "PROGBITS", "AXo"]);
    has_line(&sections, &[".rodata.wasm", "PROGBITS", "Ao"]);
    has_line(&sections, &[".waot.names", "PROGBITS"]);

    let symbols = output("readelf", &["-sW", "tools.aot"], d);
    for name in [
        "wasm[1]::checksum",
        "array_entry[1]::checksum",
        "wasm[2]::nul\\u{0}name",
        "import[0]::wasi_snapshot_preview1::proc_exit",
    ] {
        has_line(&symbols, &["FUNC", "LOCAL", name]);
    }

    let relocations = output("readelf", &["-rW", "tools.aot"], d);
    assert!(
        relocations.contains("There are no relocations in this file."),
        "{relocations}"
    );
}

#[test]
fn objdump_labels_the_disassembly_with_wasm_names() {
    let dir = compile_tools(None);
    let listing = output("objdump", &["-d", "tools.aot"], dir.path());
    assert!(
        listing.contains("Disassembly of section .text:"),
        "{listing}"
    );
    for label in [
        "<wasm[1]::checksum>:",
        "<array_entry[1]::checksum>:",
        "<import[0]::wasi_snapshot_preview1::proc_exit>:",
    ] {
        assert!(listing.contains(label), "no {label} in:\n{listing}");
    }
}

#[test]
fn every_target_is_an_elf_file_of_its_machine_and_byte_order() {
    let machines = [
        ("x86_64", "Advanced Micro Devices X86-64", "little endian"),
        ("aarch64", "AArch64", "little endian"),
        ("riscv64gc", "RISC-V", "little endian"),
        ("s390x", "IBM S/390", "big endian"),
    ];
    for triple in TARGETS.map(|t| t.triple) {
        let (_, machine, data) = machines
            .iter()
            .find(|(arch, _, _)| triple.split('-').next() == Some(arch))
            .expect("every triple has a machine above");
        let dir = compile_tools(Some(triple));
        let header = output("readelf", &["-hW", "tools.aot"], dir.path());
        has_line(&header, &["Machine:", machine]);
        has_line(&header, &["Data:", data]);
        let symbols = output("readelf", &["-sW", "tools.aot"], dir.path());
        has_line(&symbols, &["FUNC", "wasm[1]::checksum"]);
        let bytes = std::fs::read(dir.path().join("tools.aot")).unwrap();
        let a = waot_format::artifact::Artifact::parse(&bytes).expect("reads back");
        assert_eq!(a.build.target, triple);
    }
}

#[test]
fn inspect_lists_the_sections_in_file_order() {
    let dir = compile_tools(None);
    let waot = bin("waot");
    let table = output(
        waot.to_str().unwrap(),
        &["inspect", "--sections", "tools.aot"],
        dir.path(),
    );
    let mut lines = table.lines();
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec!["section", "offset", "size", "required"])
    );
    assert_eq!(
        lines
            .next()
            .map(|l| l.split_whitespace().collect::<Vec<_>>()),
        Some(vec![".waot.version", "0x40", "80", "yes"])
    );
    has_line(&table, &[".waot.names", "no"]);
    has_line(&table, &[".text", "yes"]);
    let json = output(
        waot.to_str().unwrap(),
        &["inspect", "--sections", "--json", "tools.aot"],
        dir.path(),
    );
    let list: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(list[0]["name"], ".waot.version");
    assert_eq!(list[0]["offset"], 64);
}

/// `perf record` on `waot-run` (code mapped from the artifact file, no
/// `--profile perfmap`): `perf report` names the wasm function.
#[test]
fn perf_attributes_samples_to_wasm_functions() {
    if Command::new("perf").arg("--version").output().is_err() {
        eprintln!("skipped: perf is not installed (make deps installs linux-perf as root)");
        return;
    }
    let dir = compile_tools(None);
    let d = dir.path();
    let run = bin("waot-run");
    let record = Command::new("perf")
        .args(["record", "-q", "-e", "cpu-clock", "-o", "perf.data", "--"])
        .arg(&run)
        .args(["--invoke", "checksum", "tools.aot", "400000000"])
        .current_dir(d)
        .output()
        .unwrap();
    if !record.status.success() {
        // perf_event_open refused (a container or perf_event_paranoid).
        eprintln!(
            "skipped: perf record cannot sample here: {}",
            String::from_utf8_lossy(&record.stderr)
        );
        return;
    }
    let report = output(
        "perf",
        &["report", "-i", "perf.data", "--stdio", "--sort", "dso,sym"],
        d,
    );
    let top = report
        .lines()
        .find(|l| !l.starts_with('#') && !l.trim().is_empty())
        .unwrap_or_default();
    assert!(
        top.contains("tools.aot") && top.contains("wasm[1]::checksum"),
        "the hottest symbol is not the wasm function:\n{report}"
    );
}
