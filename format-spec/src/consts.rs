//! Every magic value, version number, section id and flag of the artifact
//! format, each with who writes it and who reads it. `SPEC.md` is the
//! normative description; this file is its code.

/// The first 8 bytes of the version record (and, in format 1.x, of the
/// file). Written by the writer, read by [`crate::header::Prefix::parse`]
/// before anything else. Never changes.
///
/// `0x7f` keeps the record from looking like text, `\r\n` and `0x1a` detect
/// newline translation and truncation by text-mode tools (as PNG does).
pub const MAGIC: [u8; 8] = *b"\x7fWAOT\r\n\x1a";

/// Format major version. Bumped for any change an older loader cannot read
/// safely. A loader runs only artifacts of its own major version. Format 1
/// (waot 0.1.0 and 0.2.0) was a container of waot's own; format 2 is ELF.
pub const FORMAT_MAJOR: u16 = 2;

/// Format minor version. Bumped for additions an older loader of the same
/// major may ignore (optional sections). A loader accepts any minor.
pub const FORMAT_MINOR: u16 = 19;

/// The version record: magic, format major and minor, its own size,
/// producer and source hash. It keeps this layout in every format version,
/// past and future: at file offset 0 in format 1.x, at
/// [`VERSION_RECORD_OFFSET`] (right after the ELF file header) from format
/// 2 on. Any loader can therefore name any artifact's version, producer and
/// source hash.
pub const VERSION_RECORD_SIZE: usize = 80;

/// File offset of the version record (the `.waot.version` section) in
/// format 2 and later: the first byte after the 64-byte ELF64 file header.
/// No future version moves it.
pub const VERSION_RECORD_OFFSET: usize = 64;

/// Offsets of the fields of the version record, from its start.
pub mod version {
    /// `[u8; 8]` [`super::MAGIC`].
    pub const MAGIC: usize = 0;
    /// `u16` format major.
    pub const MAJOR: usize = 8;
    /// `u16` format minor.
    pub const MINOR: usize = 10;
    /// `u32`: 80 in format 2 (the record's size); in format 1.x the size
    /// of the fixed header that contained it (128).
    pub const RECORD_SIZE: usize = 12;
    /// `[u8; 32]` producer, NUL-padded UTF-8, e.g. `waot 0.3.0`.
    pub const PRODUCER: usize = 16;
    /// Length of the producer field.
    pub const PRODUCER_LEN: usize = 32;
    /// `[u8; 32]` SHA-256 of the source `.wasm` binary.
    pub const SOURCE_SHA256: usize = 48;
}

/// The ELF file header's `EI_OSABI` value that marks a waot artifact (an
/// architecture-specific value in the gABI's 64–255 range; Wasmtime's
/// `.cwasm` uses 200, [`ELFOSABI_WASMTIME`]).
pub const ELFOSABI_WAOT: u8 = 0xd7;

/// Wasmtime's `EI_OSABI` for `.cwasm` files, recognised only to say so.
pub const ELFOSABI_WASMTIME: u8 = 200;

/// The `e_flags` bit every waot artifact sets (no architecture waot
/// targets defines it).
pub const EF_WAOT_ARTIFACT: u32 = 1 << 24;

/// Section flag (in the ELF `SHF_MASKOS` range, ours under
/// [`ELFOSABI_WAOT`]): a loader that does not know this section must refuse
/// the artifact. Sections without it may be skipped. The writer sets it on
/// exactly the sections whose absence would change what the module does
/// (see `SPEC.md`, "Which sections are required").
pub const SHF_WAOT_REQUIRED: u64 = 0x0010_0000;

/// Section names. Each is written by `waot_format::writer` and read by
/// `waot_format::artifact`.
pub mod section {
    /// The version record, at a fixed offset ([`super::VERSION_RECORD_OFFSET`]).
    pub const VERSION: &str = ".waot.version";
    /// CRC-32 of the file.
    pub const CHECKSUM: &str = ".waot.checksum";
    /// Build information: ABI, target, CPU features, bounds strategy, features.
    pub const BUILD_INFO: &str = ".waot.build-info";
    /// Function types.
    pub const TYPES: &str = ".waot.types";
    /// Imports with their full signatures.
    pub const IMPORTS: &str = ".waot.imports";
    /// Defined functions: type and code location.
    pub const FUNCTIONS: &str = ".waot.functions";
    /// Defined memories with declared limits.
    pub const MEMORIES: &str = ".waot.memories";
    /// Defined globals with initialisers.
    pub const GLOBALS: &str = ".waot.globals";
    /// Exports.
    pub const EXPORTS: &str = ".waot.exports";
    /// The start function.
    pub const START: &str = ".waot.start";
    /// Data segments: modes and offsets; the bytes are in [`DATA_BYTES`].
    pub const DATA: &str = ".waot.data";
    /// The bytes of every data segment, page-aligned.
    pub const DATA_BYTES: &str = ".rodata.wasm";
    /// Memory images (format 2.12): each listed memory's initial bytes, a
    /// page-aligned block of [`DATA_BYTES`] a loader may map copy-on-write
    /// instead of copying the data segments. Optional: the segments' bytes
    /// lie inside the images, so copying them gives the same memory.
    pub const MEMORY_IMAGES: &str = ".waot.memory-images";
    /// Trap table of formats 2.0 to 2.8: code offset → trap kind and wasm
    /// offset, in three columns. Read, no longer written.
    pub const TRAPS: &str = ".waot.traps";
    /// Trap table from format 2.9 on, compressed into blocks (SPEC.md).
    /// A new section rather than a new layout of [`TRAPS`], so that an
    /// older loader refuses it by name instead of misreading it.
    pub const TRAP_BLOCKS: &str = ".waot.trap-blocks";
    /// Exception table: calls with a handler (format 2.1).
    pub const EXCEPTION_TABLE: &str = ".waot.exception-table";
    /// Stack maps (format 2.17, [`crate::stack_maps`]): where the frames of
    /// calls at which a GC reference is live keep it. Present and required
    /// when any call has one.
    pub const STACK_MAPS: &str = ".waot.stack-maps";
    /// Function names for backtraces and trap messages.
    pub const NAMES: &str = ".waot.names";
    /// Machine code, aligned to the target's text alignment.
    pub const TEXT: &str = ".text";
    /// Instead of [`TEXT`] (format 2.14): the length of a text that is not
    /// in the file. The metadata of a `waot compile --emit object` object
    /// has it; the host program links the code in. Required.
    pub const DETACHED_TEXT: &str = ".waot.detached-text";
    /// Wasm-to-host trampolines, one per imported function.
    pub const IMPORT_TRAMPOLINES: &str = ".waot.import-trampolines";
    /// Wasm-to-host trampolines by function type (format 2.13): what lets
    /// wasm call a host function it did not import through a `funcref`.
    /// Optional: without it, such a function cannot become a `funcref`.
    pub const TYPE_TRAMPOLINES: &str = ".waot.type-trampolines";
    /// Defined tables.
    pub const TABLES: &str = ".waot.tables";
    /// Element segments.
    pub const ELEMENTS: &str = ".waot.elements";
    /// The 64-bit tables (format 2.6, memory64): a list of indices in the
    /// table index space; present and required only when there is one, so
    /// a loader without memory64 refuses the artifact naming it.
    pub const TABLE64: &str = ".waot.table64";
    /// Initialiser expressions of defined tables (format 2.7, function
    /// references): present and required only when a table has one.
    pub const TABLE_INITS: &str = ".waot.table-inits";
    /// Empty and required, present when the module uses typed function
    /// references (format 2.7): a loader without them refuses the artifact
    /// naming this section, instead of calling a typed reference type
    /// malformed.
    pub const FUNCTION_REFERENCES: &str = ".waot.function-references";
    /// The type section of a module with GC types (format 2.15): recursion
    /// groups, declared supertypes, struct and array types, and the GC ABI
    /// fingerprint ([`crate::abi::gc_fingerprint`]). Present and required
    /// exactly when the types need more than [`TYPES`] can say, which is
    /// then empty; a loader without GC refuses the artifact naming it.
    pub const GC_TYPES: &str = ".waot.gc-types";
    /// Defined exception tags (format 2.2).
    pub const TAGS: &str = ".waot.tags";
    /// Empty and required, present when a constant expression is an
    /// extended one (format 2.4): a loader that cannot evaluate them
    /// refuses the artifact naming this section, instead of calling its
    /// constant expressions malformed.
    pub const EXTENDED_CONST: &str = ".waot.extended-const";
    /// Empty and required, present when the module uses SIMD (format
    /// 2.5): a loader from before SIMD refuses the artifact naming this
    /// section, instead of calling a `v128.const` constant expression
    /// malformed.
    pub const SIMD: &str = ".waot.simd";
    /// The interruption checks compiled in (format 2.11): a `u8` of
    /// [`crate::types::Interruption`] bits and the `u64`
    /// [`crate::abi::interruption_fingerprint`]; present and required only when
    /// the code counts fuel or checks an epoch deadline, so that a loader
    /// that cannot provide the runtime limits those checks read refuses
    /// the artifact naming this section.
    pub const INTERRUPTION: &str = ".waot.interruption";
    /// Inlining (format 2.18): `max_callee_insts: u32` (see
    /// [`crate::types::Inlining`]), then a `list<u32>` with, for every
    /// defined function, where its body starts in the wasm module.
    /// Present when calls were inlined; optional, since only trap messages
    /// and `waot inspect` read it.
    pub const INLINING: &str = ".waot.inlining";
    /// Inlining's call-site limit (format 2.19): `small_callee_insts:
    /// u32, max_call_sites: u32` (see [`crate::types::Inlining`]). Present
    /// with [`INLINING`] when the compiler limited larger callees by their
    /// call sites; absent, every leaf callee under the size limit was
    /// taken (format 2.18). Optional, and a section of its own so that a
    /// format 2.18 reader still reads `.waot.inlining`.
    pub const INLINING_LIMITS: &str = ".waot.inlining-limits";
    /// The ed25519 signature (see `crate::signature`).
    pub const SIGNATURE: &str = ".waot.signature";

    /// Every section this reader knows, in the order the writer puts them.
    pub const KNOWN: &[&str] = &[
        VERSION,
        CHECKSUM,
        BUILD_INFO,
        TYPES,
        GC_TYPES,
        IMPORTS,
        FUNCTIONS,
        MEMORIES,
        GLOBALS,
        TABLES,
        TABLE64,
        TABLE_INITS,
        FUNCTION_REFERENCES,
        ELEMENTS,
        TAGS,
        EXTENDED_CONST,
        SIMD,
        INTERRUPTION,
        INLINING,
        INLINING_LIMITS,
        EXPORTS,
        START,
        DATA,
        MEMORY_IMAGES,
        NAMES,
        IMPORT_TRAMPOLINES,
        TYPE_TRAMPOLINES,
        TRAPS,
        TRAP_BLOCKS,
        EXCEPTION_TABLE,
        STACK_MAPS,
        DETACHED_TEXT,
        TEXT,
        DATA_BYTES,
        SIGNATURE,
    ];

    /// Whether this reader knows section `name` (and so may skip it only
    /// when it is not required).
    pub fn is_known(name: &str) -> bool {
        KNOWN.contains(&name)
    }
}

/// Every piece of code in the text (function body, array entry, import
/// trampoline) starts at a multiple of this many bytes. Written by the
/// compiler's emitter (it pads between pieces), checked by the reader, so a
/// forged offset cannot point into the middle of an instruction stream at
/// an arbitrary byte.
pub const CODE_ALIGN: u32 = 16;

/// Bytes one trap takes in the columns of [`section::TRAPS`] (formats
/// 2.0 to 2.8): a `u32` code offset, a `u32` wasm offset and a `u8` kind.
pub const TRAP_ENTRY_SIZE: usize = 9;

/// Traps in one block of the trap table (format 2.9): a lookup searches
/// the block headers, then decodes at most this many entries.
pub const TRAP_BLOCK_LEN: usize = 32;

/// Low bits of a trap table entry's first LEB128 number that hold the trap
/// kind; the code offset's delta is above them.
pub const TRAP_KIND_BITS: u32 = 5;

/// Wasm page size in bytes.
pub const WASM_PAGE_SIZE: u64 = 65536;
