//! The record a `waot compile --emit object` object defines for its
//! module, `waot_static_module_t` in waot.h (SPEC.md, "Objects"): written
//! by `writer::static_object`, read by the loader's static modules. In the
//! target's byte order: `magic: [u8; 8]` ([`MAGIC`]), `layout: u32`
//! ([`LAYOUT`]), `reserved: u32`, `meta: *const u8`, `meta_len: u64`,
//! `text: *const u8`, `text_len: u64`: [`RECORD_SIZE`] bytes, 8-aligned.

/// The record's first bytes.
pub const MAGIC: [u8; 8] = *b"\x7fWAOTOBJ";
/// The record's layout version.
pub const LAYOUT: u32 = 1;
/// The record's size.
pub const RECORD_SIZE: usize = 48;
/// Offset of the pointer to the metadata.
pub const META_AT: u64 = 16;
/// Offset of the pointer to the code.
pub const TEXT_AT: u64 = 32;
/// Alignment of the code in the object: a multiple of every alignment
/// Cranelift asks of a function or constant (the code addresses nothing
/// outside itself, so the page alignment of artifacts is not needed).
pub const TEXT_ALIGN: u64 = 64;

/// The SHA-256 of an object's code, which its metadata's
/// `.waot.detached-text` records after the length: the checksum and the
/// signature cover the metadata, and through this hash the code.
pub fn code_hash(text: &[u8]) -> [u8; 32] {
    use sha2_10::Digest;
    sha2_10::Sha256::digest(text).into()
}
