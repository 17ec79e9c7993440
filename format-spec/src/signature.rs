//! Artifact signatures: ed25519 keys (PKCS#8 / SPKI PEM files), their
//! fingerprints, the signature section and its verification. Signing lives
//! behind the `write` feature; verification is all a loader links.
//!
//! A signature is Ed25519ph (RFC 8032, SHA-512 prehash) with the context
//! [`CONTEXT`] over every byte of the file except the signature section's
//! own 96 bytes, with the checksum (the `.waot.checksum` section) read as
//! zero, because the checksum covers the signature. ELF and section headers
//! (the signature's own included), version record, metadata, data, padding,
//! symbols and text are all covered.

use crate::compat::Mismatch;
use crate::consts::section;
use crate::error::{FormatError, Result};
use crate::header::Header;
use ed25519_dalek::pkcs8::DecodePublicKey;
use ed25519_dalek::{Digest, Sha512, VerifyingKey};
use std::fmt;

/// The Ed25519ph context string: a waot signature verifies only as one.
pub const CONTEXT: &[u8] = b"waot artifact signature v1";

/// Size of the signature section: the signer's public key (32 bytes), then
/// the signature (64 bytes).
pub const SECTION_SIZE: usize = 32 + 64;

/// The first 8 bytes of the SHA-256 of a public key, shown as 16 hex digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint([u8; 8]);

impl Fingerprint {
    /// The fingerprint of the raw 32-byte public key `key`.
    pub fn of(key: &[u8; 32]) -> Fingerprint {
        use sha2_10::Sha256;
        let digest = Sha256::digest(key);
        let mut out = [0u8; 8];
        out.copy_from_slice(&digest[..8]);
        Fingerprint(out)
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

/// A public key that artifacts may be required to be signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads a public key from the PEM text of a `.pub` file written by
    /// `waot keygen` (or `openssl pkey -pubout`). The error is a complete
    /// lowercase sentence.
    pub fn from_pem(text: &str) -> std::result::Result<PublicKey, &'static str> {
        if text.contains("PRIVATE KEY-----") {
            return Err("it is a private key; give the public key (the `.pub` file)");
        }
        VerifyingKey::from_public_key_pem(text)
            .map(PublicKey)
            .map_err(|_| "it is not an ed25519 public key in PEM (\"BEGIN PUBLIC KEY\") form")
    }

    /// The key as ed25519-dalek's type.
    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.0
    }

    /// The key's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.0.as_bytes())
    }
}

/// The contents of a signature section: who signed, and the signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SignatureRecord {
    /// The signer's raw public key.
    pub signer: [u8; 32],
    /// The ed25519 signature.
    pub signature: [u8; 64],
    /// File offset of the signature section.
    pub offset: usize,
    /// File offset of the checksum, which the signature reads as zero.
    pub checksum_at: usize,
}

impl SignatureRecord {
    /// The signer's fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(&self.signer)
    }
}

/// Finds and checks the structure of the signature section: exactly
/// [`SECTION_SIZE`] bytes, overlapping neither the header and section
/// table nor any other section. `None` when the artifact is unsigned.
pub fn find(bytes: &[u8], header: &Header) -> Result<Option<SignatureRecord>> {
    let Some(entry) = header.section(section::SIGNATURE) else {
        return Ok(None);
    };
    if entry.size != SECTION_SIZE {
        return Err(FormatError::new(
            "signature section has the wrong size",
            entry.header_at,
        ));
    }
    // `Header::parse` checked that it overlaps no other waot section and
    // lies inside the file.
    let body = bytes.get(entry.range()).ok_or(FormatError::new(
        "signature section extends past the end of the file",
        entry.header_at,
    ))?;
    let mut signer = [0u8; 32];
    signer.copy_from_slice(&body[..32]);
    let mut signature = [0u8; 64];
    signature.copy_from_slice(&body[32..]);
    Ok(Some(SignatureRecord {
        signer,
        signature,
        offset: entry.offset,
        checksum_at: header.checksum.offset,
    }))
}

/// The SHA-512 prehash of everything a signature covers: all bytes except
/// `hole` (the signature section), the checksum field read as zero.
pub fn prehash(bytes: &[u8], hole: std::ops::Range<usize>, checksum_at: usize) -> Sha512 {
    // The hole and the checksum are disjoint sections (`Header::parse`
    // checks), so the pieces are the bytes around them, in file order,
    // with four zeros where the checksum is.
    let mut cuts = [(hole, false), (checksum_at..checksum_at + 4, true)];
    cuts.sort_by_key(|(range, _)| range.start);
    let mut hasher = Sha512::new();
    let mut at = 0;
    for (range, zeroed) in cuts {
        let start = range.start.clamp(at, bytes.len());
        hasher.update(&bytes[at..start]);
        let end = range.end.clamp(start, bytes.len());
        if zeroed {
            hasher.update(&[0u8; 4][..(end - start).min(4)]);
        }
        at = end;
    }
    hasher.update(&bytes[at..]);
    hasher
}

/// Whether the signature in `record` is a valid signature of `bytes` by
/// the key it names.
pub fn is_valid(bytes: &[u8], record: &SignatureRecord) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(&record.signer) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(&record.signature);
    let range = record.offset..record.offset + SECTION_SIZE;
    key.verify_prehashed_strict(
        prehash(bytes, range, record.checksum_at),
        Some(CONTEXT),
        &signature,
    )
    .is_ok()
}

/// What [`check`] names in its messages.
#[derive(Clone, Copy, Debug)]
pub struct CheckNames<'a> {
    /// The required public key's path, as the user gave it.
    pub key_path: &'a str,
    /// The artifact's path, as the user gave it.
    pub artifact: &'a str,
    /// The source module's probable file name, for the fix-it command.
    pub source: &'a str,
}

/// Checks that `bytes` (whose `header` was parsed from them) carry a valid
/// signature by `required`. A missing, foreign or wrong signature is a
/// [`Mismatch`] naming the required key's fingerprint and, when signed,
/// the signer's.
pub fn check(
    bytes: &[u8],
    header: &Header,
    required: &PublicKey,
    names: CheckNames,
) -> Result<Option<Mismatch>> {
    let want = required.fingerprint();
    let CheckNames {
        key_path,
        artifact,
        source,
    } = names;
    let hint = format!(
        "sign it with the private key that belongs to '{key_path}': `waot compile {source} --sign KEY.key -o {artifact}`; or, if you trust another key, give its public key"
    );
    let mismatch = |problem: String| Mismatch {
        field: "signature",
        problem,
        hint: hint.clone(),
    };
    let Some(record) = find(bytes, header)? else {
        return Ok(Some(mismatch(format!(
            "it is not signed, but --require-signature wants a signature by key {want}"
        ))));
    };
    let got = record.fingerprint();
    if record.signer != *required.0.as_bytes() {
        return Ok(Some(mismatch(format!(
            "it is signed by key {got}, but --require-signature wants key {want}"
        ))));
    }
    if !is_valid(bytes, &record) {
        return Ok(Some(mismatch(format!(
            "its signature by key {want} does not match its contents (the file was modified after signing)"
        ))));
    }
    Ok(None)
}

#[cfg(feature = "write")]
pub use signing::*;

#[cfg(feature = "write")]
mod signing {
    use super::*;
    use ed25519_dalek::SigningKey;
    use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
    use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey};

    /// A private key artifacts are signed with.
    #[derive(Clone, Debug)]
    pub struct PrivateKey(SigningKey);

    impl PrivateKey {
        /// The key whose 32 secret bytes are `seed` (from a CSPRNG).
        pub fn from_seed(seed: &[u8; 32]) -> PrivateKey {
            PrivateKey(SigningKey::from_bytes(seed))
        }

        /// Reads a private key from the PKCS#8 PEM text of a `.key` file.
        pub fn from_pem(text: &str) -> std::result::Result<PrivateKey, &'static str> {
            SigningKey::from_pkcs8_pem(text).map(PrivateKey).map_err(
                |_| "it is not an ed25519 private key in PKCS#8 PEM (\"BEGIN PRIVATE KEY\") form",
            )
        }

        /// The PKCS#8 v1 PEM text of this key (secret: write it mode 0600),
        /// without the optional public key, as OpenSSL writes and reads it.
        pub fn to_pem(&self) -> String {
            let keypair = ed25519_dalek::pkcs8::KeypairBytes {
                secret_key: self.0.to_bytes(),
                public_key: None,
            };
            keypair
                .to_pkcs8_pem(LineEnding::LF)
                .map(|pem| pem.to_string())
                .expect("an ed25519 key always encodes")
        }

        /// The public half.
        pub fn public_key(&self) -> PublicKey {
            PublicKey(self.0.verifying_key())
        }

        /// Signs the artifact in `bytes`, whose signature section (at
        /// `entry`, [`SECTION_SIZE`] bytes) is filled in; the caller then
        /// computes the checksum.
        pub fn sign(&self, bytes: &mut [u8], entry: std::ops::Range<usize>, checksum_at: usize) {
            let signature = self
                .0
                .sign_prehashed(prehash(bytes, entry.clone(), checksum_at), Some(CONTEXT))
                .expect("the context is shorter than 256 bytes");
            bytes[entry.start..entry.start + 32].copy_from_slice(self.0.verifying_key().as_bytes());
            bytes[entry.start + 32..entry.end].copy_from_slice(&signature.to_bytes());
        }
    }

    impl PublicKey {
        /// The SPKI PEM text of this key (the `.pub` file).
        pub fn to_pem(&self) -> String {
            self.0
                .to_public_key_pem(LineEnding::LF)
                .expect("an ed25519 key always encodes")
        }
    }
}
