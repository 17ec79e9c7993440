//! Every magic value, version number, section id and flag of the artifact
//! format, each with who writes it and who reads it. `SPEC.md` is the
//! normative description; this file is its code.

/// The first 8 bytes of every artifact. Written by the compiler's emitter,
/// read by `Artifact::parse` before anything else. Never changes.
///
/// `0x7f` keeps the file from looking like text, `\r\n` and `0x1a` detect
/// newline translation and truncation by text-mode tools (as PNG does).
pub const MAGIC: [u8; 8] = *b"\x7fWAOT\r\n\x1a";

/// Format major version. Bumped for any change an older loader cannot read
/// safely. A loader runs only artifacts of its own major version.
pub const FORMAT_MAJOR: u16 = 1;

/// Format minor version. Bumped for additions an older loader of the same
/// major may ignore (optional sections). A loader accepts any minor.
pub const FORMAT_MINOR: u16 = 2;

/// Size of the fixed header that precedes the section table.
pub const HEADER_SIZE: usize = 128;

/// The frozen prefix: bytes `0..FROZEN_PREFIX_SIZE` keep this layout in
/// every format version, so any loader can name any artifact's version,
/// producer and source hash.
pub const FROZEN_PREFIX_SIZE: usize = 80;

/// Offsets of the fields of the fixed header (see `SPEC.md`).
pub mod header {
    /// `[u8; 8]` [`super::MAGIC`]. Frozen.
    pub const MAGIC: usize = 0;
    /// `u16` format major. Frozen.
    pub const MAJOR: usize = 8;
    /// `u16` format minor. Frozen.
    pub const MINOR: usize = 10;
    /// `u32` size of the fixed header in bytes. Frozen.
    pub const HEADER_SIZE: usize = 12;
    /// `[u8; 32]` producer, NUL-padded UTF-8, e.g. `waot 0.1.0`. Frozen.
    pub const PRODUCER: usize = 16;
    /// Length of the producer field.
    pub const PRODUCER_LEN: usize = 32;
    /// `[u8; 32]` SHA-256 of the source `.wasm` binary. Frozen.
    pub const SOURCE_SHA256: usize = 48;
    /// `u32` CRC-32 of the whole file with these four bytes read as zero.
    pub const CHECKSUM: usize = 80;
    /// `u32` reserved, zero.
    pub const RESERVED0: usize = 84;
    /// `u64` length of the whole file.
    pub const FILE_LEN: usize = 88;
    /// `u32` number of entries in the section table.
    pub const SECTION_COUNT: usize = 96;
    /// `u64` ABI fingerprint (see [`crate::abi`]).
    pub const ABI_FINGERPRINT: usize = 100;
    /// Bytes 108..128 are reserved and zero.
    pub const RESERVED1: usize = 108;
}

/// Size of one section table entry: `id u32, flags u32, offset u64, size u64`.
pub const SECTION_ENTRY_SIZE: usize = 24;

/// Section flag: a loader that does not know this section id must refuse
/// the artifact. Sections without it may be skipped. The writer sets it on
/// exactly the sections whose absence would change what the module does
/// (see `SPEC.md`, "Which sections are required"): not on names, the
/// signature, or empty tables and elements.
pub const SECTION_FLAG_REQUIRED: u32 = 1;

/// Section ids. Each is written by `waot::emit` and read by
/// `waot_format::artifact`.
pub mod section {
    /// Build information: target, CPU features, bounds strategy, features.
    pub const BUILD_INFO: u32 = 1;
    /// Function types.
    pub const TYPES: u32 = 2;
    /// Imports with their full signatures.
    pub const IMPORTS: u32 = 3;
    /// Defined functions: type and code location.
    pub const FUNCTIONS: u32 = 4;
    /// Defined memories with declared limits.
    pub const MEMORIES: u32 = 5;
    /// Defined globals with initialisers.
    pub const GLOBALS: u32 = 6;
    /// Exports.
    pub const EXPORTS: u32 = 7;
    /// The start function.
    pub const START: u32 = 8;
    /// Data segments.
    pub const DATA: u32 = 9;
    /// Trap table: code offset → trap kind and wasm offset.
    pub const TRAPS: u32 = 10;
    /// Function names for backtraces and trap messages.
    pub const NAMES: u32 = 11;
    /// Machine code, aligned to the target's text alignment.
    pub const TEXT: u32 = 12;
    /// Wasm-to-host trampolines, one per imported function.
    pub const IMPORT_TRAMPOLINES: u32 = 13;
    /// Defined tables.
    pub const TABLES: u32 = 14;
    /// Element segments.
    pub const ELEMENTS: u32 = 15;
    /// The ed25519 signature (format 1.2; see `crate::signature`).
    pub const SIGNATURE: u32 = 16;

    /// Whether this reader knows section `id` (and so may skip it only
    /// when it is not required).
    pub fn is_known(id: u32) -> bool {
        name(id) != "unknown"
    }

    /// A readable name for diagnostics.
    pub fn name(id: u32) -> &'static str {
        match id {
            BUILD_INFO => "build-info",
            TYPES => "types",
            IMPORTS => "imports",
            FUNCTIONS => "functions",
            MEMORIES => "memories",
            GLOBALS => "globals",
            EXPORTS => "exports",
            START => "start",
            DATA => "data",
            TRAPS => "traps",
            NAMES => "names",
            TEXT => "text",
            IMPORT_TRAMPOLINES => "import-trampolines",
            TABLES => "tables",
            ELEMENTS => "elements",
            SIGNATURE => "signature",
            _ => "unknown",
        }
    }
}

/// Every piece of code in the text (function body, array entry, import
/// trampoline) starts at a multiple of this many bytes. Written by the
/// compiler's emitter (it pads between pieces), checked by the reader, so a
/// forged offset cannot point into the middle of an instruction stream at
/// an arbitrary byte.
pub const CODE_ALIGN: u32 = 16;

/// Size of one trap table record: `code_offset u32, wasm_offset u32, kind u32`.
pub const TRAP_ENTRY_SIZE: usize = 12;

/// Wasm page size in bytes.
pub const WASM_PAGE_SIZE: u64 = 65536;
