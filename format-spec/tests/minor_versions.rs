//! Minor versions: which sections the writer marks `required`, and what a
//! reader does with sections it does not know, written as a newer writer
//! (bumped minor, extra sections) would write them.

mod common;

use common::sample;
use waot_format::artifact::{Artifact, Header};
use waot_format::compat::{self, HostInfo};
use waot_format::consts::{self, section};
use waot_format::writer::{ExtraSection, WriteOptions};

fn host() -> HostInfo {
    HostInfo {
        runner: "waot-run 0.3.0".into(),
        target: "x86_64-unknown-linux-gnu".into(),
        page_size: 4096,
        cpu_features: Vec::new(),
        memory_reservation: 1 << 32,
        memory_guard: 1 << 31,
        wasm_features: u64::MAX,
    }
}

fn required(a: &Artifact, name: &str) -> bool {
    let entry = a
        .sections
        .iter()
        .find(|s| s.name == name)
        .expect("section written");
    entry.required
}

#[test]
fn only_what_changes_behaviour_is_required() {
    let bytes = sample(&WriteOptions::default(), false);
    let a = Artifact::parse(&bytes).unwrap();
    for name in [
        section::VERSION,
        section::CHECKSUM,
        section::BUILD_INFO,
        section::TYPES,
        section::IMPORTS,
        section::FUNCTIONS,
        section::MEMORIES,
        section::GLOBALS,
        section::EXPORTS,
        section::DATA,
        section::TRAP_BLOCKS,
        section::TEXT,
        section::DATA_BYTES,
        section::IMPORT_TRAMPOLINES,
    ] {
        assert!(required(&a, name), "{name} must be required");
    }
    for name in [section::NAMES, section::TABLES, section::ELEMENTS] {
        assert!(
            !required(&a, name),
            "{name} (empty or names) must be skippable"
        );
    }
    let with_table = sample(&WriteOptions::default(), true);
    let a = Artifact::parse(&with_table).unwrap();
    assert!(
        required(&a, section::TABLES),
        "a non-empty tables section is required"
    );
    assert!(
        required(&a, section::ELEMENTS),
        "a non-empty elements section is required"
    );
}

#[test]
fn newer_minor_with_an_unknown_optional_section_reads() {
    let extra = [ExtraSection {
        name: ".waot.future",
        required: false,
        bytes: b"something new",
    }];
    let bytes = sample(
        &WriteOptions {
            format_minor: consts::FORMAT_MINOR + 1,
            extra_sections: &extra,
            ..WriteOptions::default()
        },
        true,
    );
    let a = Artifact::parse(&bytes).expect("an unknown optional section is skipped");
    assert_eq!(a.prefix.minor, consts::FORMAT_MINOR + 1);
    assert_eq!(a.module.exports[0].name, "double");
    let header = Header::parse(&bytes, true).unwrap();
    assert_eq!(header.unknown_required_section(), None);
    assert_eq!(
        compat::check_sections(&header, &host(), "app.wasm", "app.aot"),
        None
    );
}

#[test]
fn unknown_required_section_names_everything_needed_to_fix_it() {
    let extra = [ExtraSection {
        name: ".waot.future",
        required: true,
        bytes: b"something new",
    }];
    let mut bytes = sample(
        &WriteOptions {
            format_minor: consts::FORMAT_MINOR + 1,
            extra_sections: &extra,
            ..WriteOptions::default()
        },
        true,
    );
    // A newer producer, as a newer waot would write (inside the checksum).
    let producer = b"waot 0.4.0\0";
    let at = consts::VERSION_RECORD_OFFSET + consts::version::PRODUCER;
    bytes[at..at + producer.len()].copy_from_slice(producer);
    waot_format::artifact::seal(&mut bytes).unwrap();

    let err = Artifact::parse(&bytes).unwrap_err();
    assert_eq!(
        err.message,
        "unknown required section (written by a newer waot)"
    );
    let header = Header::parse(&bytes, true).unwrap();
    assert_eq!(
        header.unknown_required_section().map(|s| s.name),
        Some(".waot.future")
    );
    let m = compat::check_sections(&header, &host(), "app.wasm", "app.aot").expect("refused");
    assert_eq!(m.field, "required-section");
    let minor = consts::FORMAT_MINOR;
    assert_eq!(
        m.problem,
        format!(
            "it needs section .waot.future (marked required), which this waot-run 0.3.0 (format 2.{minor}) does not know; it uses artifact format 2.{} (written by waot 0.4.0)",
            minor + 1
        )
    );
    assert_eq!(
        m.hint,
        "install waot-run 0.4.0 or newer to run it, or recompile it with the waot that matches this waot-run 0.3.0: `waot compile app.wasm -o app.aot`"
    );
}
