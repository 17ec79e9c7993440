//! The metadata of an object (format 2.14): an artifact whose text is
//! detached, only its length recorded in the required
//! `.waot.detached-text` section. It parses with that length and no text
//! bytes, never panics on damage, and the page-size check does not apply.

mod common;

use common::{TEXT_LEN, sample};
use waot_format::artifact::Artifact;
use waot_format::compat::{HostInfo, check_page_size};
use waot_format::consts::section;
use waot_format::header::Header;
use waot_format::writer::WriteOptions;

fn detached() -> Vec<u8> {
    let options = WriteOptions {
        detached_text: true,
        ..WriteOptions::default()
    };
    sample(&options, true)
}

#[test]
fn the_text_is_detached_with_its_length() {
    let bytes = detached();
    let header = Header::parse(&bytes, true).unwrap();
    assert!(header.section(section::TEXT).is_none());
    let d = header.section(section::DETACHED_TEXT).expect("the section");
    assert!(d.required, "older loaders must refuse it by name");
    let a = Artifact::parse(&bytes).unwrap();
    assert!(a.text_detached);
    assert_eq!(a.text_len, TEXT_LEN);
    assert!(a.text().is_empty());
    assert_eq!(
        a.detached_text_hash,
        Some(waot_format::static_record::code_hash(&[0xcc; TEXT_LEN])),
        "the metadata records the code's SHA-256"
    );
    assert_eq!(
        a.funcs.len(),
        1,
        "the functions still lie in the (detached) text"
    );
    let inline = Artifact::parse(&sample(&WriteOptions::default(), true))
        .map(|a| (a.text_detached, a.text().len()))
        .unwrap();
    assert_eq!(inline, (false, TEXT_LEN));
}

#[test]
fn linked_code_is_not_held_to_the_page_size() {
    let bytes = detached();
    let a = Artifact::parse(&bytes).unwrap();
    let host = HostInfo {
        runner: "waot-run 0.22.0".into(),
        target: "x86_64-unknown-linux-gnu".into(),
        // No page size divides a 4096-aligned text: an artifact would be
        // refused.
        page_size: 3 * 4096,
        cpu_features: Vec::new(),
        memory_reservation: 1 << 32,
        memory_guard: 1 << 31,
        wasm_features: u64::MAX,
    };
    let names = waot_format::compat::Names {
        artifact: "app.o",
        source: "app.wasm",
    };
    assert!(check_page_size(&a, &host, names).is_none());
}

#[test]
fn damage_never_panics() {
    let bytes = detached();
    for len in 0..bytes.len() {
        let _ = Artifact::parse(&bytes[..len]);
    }
    let mut copy = bytes.clone();
    for i in 0..bytes.len() {
        copy[i] ^= 0x55;
        let _ = Artifact::parse(&copy);
        copy[i] ^= 0x55;
    }
}
