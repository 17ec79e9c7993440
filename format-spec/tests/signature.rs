//! Signatures: a signed artifact verifies with its key and only its key;
//! an unsigned one, or one changed anywhere after signing (checksum
//! recomputed, as an attacker would), is refused with the fingerprints.

mod common;

use common::sample;
use waot_format::artifact::{Artifact, Header, checksum};
use waot_format::consts::section;
use waot_format::signature::{self, CheckNames, PrivateKey, PublicKey};
use waot_format::writer::WriteOptions;

const NAMES: CheckNames = CheckNames {
    key_path: "trusted.pub",
    artifact: "app.aot",
    source: "app.wasm",
};

fn key(seed: u8) -> PrivateKey {
    PrivateKey::from_seed(&[seed; 32])
}

fn signed_by(key: &PrivateKey) -> Vec<u8> {
    sample(
        &WriteOptions {
            signing_key: Some(key),
            ..WriteOptions::default()
        },
        true,
    )
}

/// `None` when `bytes` carry a valid signature by `required`, else the
/// refusal's text.
fn verdict(bytes: &[u8], required: &PublicKey) -> Option<String> {
    let header = Header::parse(bytes, true).expect("header reads");
    signature::check(bytes, &header, required, NAMES)
        .expect("signature section is well-formed")
        .map(|m| {
            assert_eq!(m.field, "signature");
            m.to_string()
        })
}

/// Recomputes the checksum at `at` (its place in the unchanged artifact,
/// whatever a changed header says).
fn fix_checksum(bytes: &mut [u8], at: usize) {
    let sum = checksum(bytes, at);
    bytes[at..at + 4].copy_from_slice(&sum.to_le_bytes());
}

fn checksum_at(bytes: &[u8]) -> usize {
    Header::parse(bytes, false).unwrap().checksum.offset
}

#[test]
fn sign_then_verify_round_trip() {
    let k = key(1);
    let bytes = signed_by(&k);
    assert_eq!(verdict(&bytes, &k.public_key()), None);
    let a = Artifact::parse(&bytes).expect("a signed artifact parses");
    let record = a.signature.expect("signature section");
    assert_eq!(record.fingerprint(), k.public_key().fingerprint());
    assert!(signature::is_valid(&bytes, &record));
    // The signature section comes after the text, is not required, and
    // the text is unchanged by signing.
    let entry = a
        .sections
        .iter()
        .find(|s| s.name == section::SIGNATURE)
        .unwrap();
    assert!(!entry.required);
    assert!(entry.offset > a.text_offset);
    assert_eq!(a.text(), &[0xcc; common::TEXT_LEN]);
}

#[test]
fn keys_round_trip_through_pem() {
    let k = key(2);
    let private = PrivateKey::from_pem(&k.to_pem()).expect("private key reads back");
    assert_eq!(private.public_key(), k.public_key());
    let public = PublicKey::from_pem(&k.public_key().to_pem()).expect("public key reads back");
    assert_eq!(public, k.public_key());
    assert_eq!(public.fingerprint().to_string().len(), 16);
    let err = PublicKey::from_pem(&k.to_pem()).unwrap_err();
    assert!(err.contains("private key"), "{err}");
    assert!(PublicKey::from_pem("junk").is_err());
}

#[test]
fn unsigned_artifact_is_refused() {
    let k = key(1);
    let bytes = sample(&WriteOptions::default(), true);
    assert!(Artifact::parse(&bytes).unwrap().signature.is_none());
    let refusal = verdict(&bytes, &k.public_key()).expect("refused");
    let want = k.public_key().fingerprint().to_string();
    assert!(refusal.contains("it is not signed"), "{refusal}");
    assert!(refusal.contains(&want), "{refusal}");
}

#[test]
fn foreign_key_is_refused_naming_both_fingerprints() {
    let (signer, trusted) = (key(1), key(2));
    let bytes = signed_by(&signer);
    let refusal = verdict(&bytes, &trusted.public_key()).expect("refused");
    assert!(
        refusal.contains(&format!(
            "signed by key {}, but --require-signature wants key {}",
            signer.public_key().fingerprint(),
            trusted.public_key().fingerprint()
        )),
        "{refusal}"
    );
}

/// Every byte a signature covers (everything but the signature section
/// and the checksum field) changed after signing, checksum recomputed:
/// refused, or rejected as malformed before the signature is looked at.
#[test]
fn any_change_after_signing_is_refused() {
    let k = key(1);
    let bytes = signed_by(&k);
    let a = Artifact::parse(&bytes).unwrap();
    let record = a.signature.unwrap();
    let sig = record.offset..record.offset + signature::SECTION_SIZE;
    let sum = record.checksum_at..record.checksum_at + 4;
    let text = a.text_offset..a.text_offset + a.text_len;
    let mut refused_in_text = 0;
    for i in (0..bytes.len()).filter(|i| !sig.contains(i) && !sum.contains(i)) {
        let mut copy = bytes.clone();
        copy[i] ^= 0x20;
        fix_checksum(&mut copy, sum.start);
        let Ok(header) = Header::parse(&copy, true) else {
            continue; // malformed header or table: refused before any key
        };
        match signature::check(&copy, &header, &k.public_key(), NAMES) {
            Err(_) => {} // malformed signature section
            Ok(None) => panic!("flipping byte {i} after signing was accepted"),
            Ok(Some(m)) => {
                // A changed section header can also point the signature
                // section at other bytes: another "signer".
                assert!(
                    m.problem.contains("does not match its contents")
                        || m.problem.contains("not signed")
                        || m.problem.contains("it is signed by key"),
                    "byte {i}: {}",
                    m.problem
                );
                refused_in_text += usize::from(text.contains(&i));
            }
        }
    }
    assert_eq!(refused_in_text, text.len(), "every text byte is covered");
}

/// A hostile signed artifact (any byte set to any of a few values, checksum
/// fixed) gives an error or a refusal from the reader and the verifier,
/// never a panic.
#[test]
fn hostile_signed_artifacts_never_panic() {
    let k = key(1);
    let bytes = signed_by(&k);
    let at = checksum_at(&bytes);
    for i in 0..bytes.len() {
        for value in [0x00u8, 0x01, 0x60, 0xff] {
            let mut copy = bytes.clone();
            copy[i] = value;
            fix_checksum(&mut copy, at);
            let _ = Artifact::parse(&copy);
            if let Ok(header) = Header::parse(&copy, true) {
                let _ = signature::check(&copy, &header, &k.public_key(), NAMES);
            }
        }
    }
}

#[test]
fn metadata_change_after_signing_is_refused() {
    let k = key(1);
    let mut bytes = signed_by(&k);
    // Rename the export: valid structure, valid checksum, wrong signature.
    let at = bytes
        .windows(6)
        .position(|w| w == b"double")
        .expect("export name");
    bytes[at..at + 6].copy_from_slice(b"triple");
    let at = checksum_at(&bytes);
    fix_checksum(&mut bytes, at);
    Artifact::parse(&bytes).expect("still well-formed");
    let refusal = verdict(&bytes, &k.public_key()).expect("refused");
    assert!(refusal.contains("does not match its contents"), "{refusal}");
}

#[test]
fn a_signature_cannot_be_moved_over_other_bytes() {
    let k = key(1);
    let mut bytes = signed_by(&k);
    let a = Artifact::parse(&bytes).unwrap();
    let entry = a
        .sections
        .iter()
        .find(|s| s.name == section::SIGNATURE)
        .unwrap()
        .header_at;
    // Point the signature's `sh_offset` at the text, so the text would be
    // excluded from what is signed.
    let text_offset = a.text_offset as u64;
    bytes[entry + 24..entry + 32].copy_from_slice(&text_offset.to_le_bytes());
    let at = checksum_at(&signed_by(&k));
    fix_checksum(&mut bytes, at);
    let err = Artifact::parse(&bytes).unwrap_err();
    assert_eq!(err.message, "sections overlap");
}
