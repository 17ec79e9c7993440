//! Modules linked into the program instead of loaded: the record a
//! `waot compile --emit object` object defines (`waot_static_module_t` in
//! waot.h) points at the module's metadata and its code, which the
//! program's own loader mapped with the program. They pass every check an
//! artifact passes (format, sections, ABI, target, CPU features, …), with
//! the same diagnostics; nothing is mapped or made executable.

use crate::code::{ArtifactBytes, ImageFile, Module, OpenError, OpenOptions};
use waot_format::compat::{self, Mismatch};
use waot_format::static_record::{
    LAYOUT as STATIC_LAYOUT, MAGIC as STATIC_MAGIC, RECORD_SIZE as STATIC_RECORD_SIZE,
};

/// The record an object defines (its layout is SPEC.md's "Objects").
#[repr(C)]
pub struct StaticModuleRecord {
    magic: [u8; 8],
    layout: u32,
    reserved: u32,
    meta: *const u8,
    meta_len: u64,
    text: *const u8,
    text_len: u64,
}

const _: () = assert!(std::mem::size_of::<StaticModuleRecord>() == STATIC_RECORD_SIZE);

/// The source module's name and the object's, for diagnostics (`app.wasm`,
/// `app.o`), from the metadata.
fn object_names(meta: &[u8]) -> (String, String) {
    let source = compat::source_name_for_hints(meta, "module.o");
    let name = format!("{}.o", source.strip_suffix(".wasm").unwrap_or(&source));
    (source, name)
}

/// The object's name for diagnostics (`app.o`), read from the record
/// best-effort.
///
/// # Safety
/// As [`Module::from_static_with`].
pub(crate) unsafe fn object_name(record: *const StaticModuleRecord) -> String {
    // SAFETY: as the caller guarantees.
    match unsafe { record.as_ref() } {
        Some(r)
            if r.magic == STATIC_MAGIC
                && r.layout == STATIC_LAYOUT
                && !r.meta.is_null()
                && r.meta_len <= isize::MAX as u64 =>
        {
            let len = r.meta_len as usize;
            // SAFETY: a record with the magic points at its metadata.
            object_names(unsafe { std::slice::from_raw_parts(r.meta, len) }).1
        }
        _ => "the linked module".into(),
    }
}

/// Whether `text`, the code of the record at `record`, has SHA-256
/// `recorded`: computed the first time a record is opened, remembered for
/// the next.
fn code_verified(record: usize, recorded: Option<[u8; 32]>, text: &[u8]) -> bool {
    static VERIFIED: std::sync::Mutex<Vec<usize>> = std::sync::Mutex::new(Vec::new());
    let mut verified = VERIFIED.lock().unwrap_or_else(|e| e.into_inner());
    if verified.contains(&record) {
        return true;
    }
    let matches = recorded == Some(waot_format::static_record::code_hash(text));
    if matches {
        verified.push(record);
    }
    matches
}

fn refused(problem: String, hint: &str) -> OpenError {
    OpenError::Incompatible(vec![Mismatch {
        field: "static-module",
        problem,
        hint: hint.to_string(),
    }])
}

impl Module {
    /// Checks and publishes the module whose record is at `record`.
    ///
    /// # Safety
    /// `record` is null or points at the record of an object written by
    /// `waot compile --emit object` and linked into this program (or one
    /// laid out the same way): its metadata and code stay in place and
    /// unchanged as long as the program runs, and the code is executable.
    pub unsafe fn from_static_with(
        record: *const StaticModuleRecord,
        options: &OpenOptions,
    ) -> Result<Module, OpenError> {
        const HINT: &str = "pass the symbol of an object from `waot compile --emit object`";
        // SAFETY: as the caller guarantees.
        let Some(r) = (unsafe { record.as_ref() }) else {
            return Err(refused("the module record is null".into(), HINT));
        };
        if r.magic != STATIC_MAGIC {
            return Err(refused(
                "the record is not a waot_static_module_t (its magic differs)".into(),
                HINT,
            ));
        }
        if r.layout != STATIC_LAYOUT {
            return Err(refused(
                format!(
                    "the record has layout {}, this waot-run reads layout {STATIC_LAYOUT}",
                    r.layout
                ),
                "recompile the object with the waot that matches this library",
            ));
        }
        let (Ok(meta_len), Ok(text_len)) =
            (usize::try_from(r.meta_len), usize::try_from(r.text_len))
        else {
            return Err(refused(
                "the record's lengths do not fit this host".into(),
                HINT,
            ));
        };
        if r.meta.is_null() || (r.text.is_null() && text_len > 0) {
            return Err(refused("the record's pointers are null".into(), HINT));
        }
        // SAFETY: the object's metadata section, linked into this program,
        // holds `meta_len` bytes that never change (the caller's promise).
        let meta: &'static [u8] = unsafe { std::slice::from_raw_parts(r.meta, meta_len) };
        let (source, name) = object_names(meta);
        let hint_source = format!("--emit object {source}");
        let loaded = Self::checked(ArtifactBytes::Static(meta), &name, &hint_source, options)?;
        let artifact = loaded.borrow_dependent();
        let text: &[u8] = if text_len == 0 {
            &[]
        } else {
            // SAFETY: the object's code section, linked into this program,
            // holds `text_len` bytes (the caller's promise).
            unsafe { std::slice::from_raw_parts(r.text, text_len) }
        };
        if !artifact.text_detached || artifact.text_len != text_len {
            return Err(refused(
                format!(
                    "the object's code is {text_len} bytes, but its metadata records {} bytes{}",
                    artifact.text_len,
                    if artifact.text_detached {
                        ""
                    } else {
                        " of its own"
                    }
                ),
                "relink the program with the object `waot compile --emit object` wrote",
            ));
        }
        // The checksum and a signature cover the metadata; the code is
        // covered through its hash there. The code never changes (the
        // caller's promise), so each record's is hashed once per process,
        // not once per store that opens it.
        if !code_verified(record as usize, artifact.detached_text_hash, text) {
            return Err(refused(
                "the object's code is not the code its metadata was written with (its SHA-256 differs)".into(),
                "relink the program with the object `waot compile --emit object` wrote",
            ));
        }
        Self::publish(
            loaded,
            r.text as usize,
            options,
            ImageFile::Memory(Default::default()),
        )
    }
}
