//! Writing an artifact (feature `write`, used by the compiler only). The
//! layout is reserved first (section table, offsets, text alignment, the
//! signature section at the end), then bytes are written, then the file is
//! signed, then the checksum is filled in.

use crate::consts::{self, SECTION_FLAG_REQUIRED, header, section};
use crate::signature::{self, PrivateKey};
use crate::types::*;

/// Everything an artifact holds, as the compiler produced it.
#[derive(Clone, Debug)]
pub struct ArtifactContents<'a> {
    /// Producer string for the frozen prefix (e.g. `waot 0.1.0`, ≤ 32 bytes).
    pub producer: &'a str,
    /// SHA-256 of the source module.
    pub source_sha256: [u8; 32],
    /// Build information.
    pub build: BuildInfo<'a>,
    /// Function types.
    pub types: &'a [FuncType],
    /// Imports.
    pub imports: &'a [Import<'a>],
    /// Defined functions.
    pub funcs: &'a [FuncInfo],
    /// Defined memories.
    pub memories: &'a [MemoryDesc],
    /// Defined globals.
    pub globals: &'a [GlobalDesc],
    /// Defined tables.
    pub tables: &'a [TableDesc],
    /// Element segments.
    pub elements: &'a [ElementSegment],
    /// Exports.
    pub exports: &'a [Export<'a>],
    /// Start function.
    pub start: Option<FuncIndex>,
    /// Data segments.
    pub data: &'a [DataSegment<'a>],
    /// Function names.
    pub names: &'a [(FuncIndex, &'a str)],
    /// Wasm-to-host trampoline offsets, one per imported function.
    pub import_trampolines: &'a [u32],
    /// Trap records; sorted by the writer.
    pub traps: &'a [TrapEntry],
    /// The machine code.
    pub text: &'a [u8],
}

impl<'a> ArtifactContents<'a> {
    /// What the parsed `artifact` holds, ready to be written again: tests
    /// change a field and re-write it with a valid checksum and layout.
    /// `traps` is `artifact.trap_entries().collect()`.
    pub fn of_artifact(
        artifact: &'a crate::artifact::Artifact<'a>,
        traps: &'a [TrapEntry],
    ) -> Self {
        let a = artifact;
        ArtifactContents {
            producer: a.prefix.producer,
            source_sha256: a.prefix.source_sha256,
            build: a.build.clone(),
            types: &a.types,
            imports: &a.imports,
            funcs: &a.funcs,
            memories: &a.memories,
            globals: &a.globals,
            tables: &a.tables,
            elements: &a.elements,
            exports: &a.exports,
            start: a.start,
            data: &a.data,
            names: &a.names,
            import_trampolines: &a.import_trampolines,
            traps,
            text: a.text(),
        }
    }
}

/// How to write an artifact beyond its contents.
#[derive(Clone, Debug)]
pub struct WriteOptions<'a> {
    /// Sign the artifact with this key (a signature section at the end).
    pub signing_key: Option<&'a PrivateKey>,
    /// The format minor version written in the header: [`consts::FORMAT_MINOR`]
    /// except in tests that stand for a newer writer.
    pub format_minor: u16,
    /// Sections this writer does not define, written before the text with
    /// their flags: tests use them to stand for a newer writer.
    pub extra_sections: &'a [ExtraSection<'a>],
}

impl Default for WriteOptions<'_> {
    fn default() -> Self {
        Self {
            signing_key: None,
            format_minor: consts::FORMAT_MINOR,
            extra_sections: &[],
        }
    }
}

/// A section written verbatim.
#[derive(Clone, Copy, Debug)]
pub struct ExtraSection<'a> {
    /// Section id (must not be one of [`section`]'s).
    pub id: u32,
    /// Section flags ([`consts::SECTION_FLAG_REQUIRED`]).
    pub flags: u32,
    /// Contents.
    pub bytes: &'a [u8],
}

/// A little-endian byte encoder.
#[derive(Default)]
struct Encoder(Vec<u8>);

impl Encoder {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("artifact lists hold fewer than 2^32 items"));
    }
    fn blob(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.0.extend_from_slice(bytes);
    }
    fn str(&mut self, s: &str) {
        self.blob(s.as_bytes());
    }
    fn option_u64(&mut self, v: Option<u64>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.u64(v);
        }
    }
    fn memory(&mut self, m: &MemoryDesc) {
        self.u64(m.min_pages);
        self.option_u64(m.max_pages);
        self.option_u64(m.page_limit);
        self.bool(m.shared);
        self.bool(m.memory64);
    }
    fn table(&mut self, t: &TableDesc) {
        self.u8(t.elem.code());
        self.u64(t.min);
        self.option_u64(t.max);
    }
    fn const_expr(&mut self, e: &ConstExpr) {
        let (kind, value) = match *e {
            ConstExpr::I32(v) => (0, v as u32 as u64),
            ConstExpr::I64(v) => (1, v as u64),
            ConstExpr::F32(v) => (2, v as u64),
            ConstExpr::F64(v) => (3, v),
            ConstExpr::GlobalGet(g) => (4, g.0 as u64),
            ConstExpr::RefNull => (5, 0),
            ConstExpr::RefFunc(f) => (6, f.0 as u64),
        };
        self.u8(kind);
        self.u64(value);
    }
    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.len(items.len());
        for item in items {
            f(self, item);
        }
    }
}

fn build_info(b: &BuildInfo) -> Vec<u8> {
    let mut e = Encoder::default();
    e.str(b.source_name);
    e.str(b.target);
    e.u8(match b.cpu_mode {
        CpuMode::Baseline => 0,
        CpuMode::Native => 1,
    });
    e.str(b.cpu_features);
    e.u32(b.text_align);
    e.u8(match b.bounds {
        BoundsStrategy::Guard => 0,
        BoundsStrategy::Explicit => 1,
    });
    e.u64(b.memory_reservation);
    e.u64(b.memory_guard);
    e.bool(b.stack_check);
    e.u64(b.wasm_features);
    e.str(b.opt_level);
    e.str(b.codegen);
    e.0
}

/// The flags of section `id` holding `items` entries: `required` exactly
/// when a loader that skipped the section would run the module differently
/// (SPEC.md, "Which sections are required").
fn flags(id: u32, items: usize) -> u32 {
    match id {
        section::NAMES | section::SIGNATURE => 0,
        section::TABLES | section::ELEMENTS if items == 0 => 0,
        _ => SECTION_FLAG_REQUIRED,
    }
}

/// Encodes the sections, in file order, as `(id, bytes)`.
fn sections(c: &ArtifactContents) -> Vec<(u32, Vec<u8>)> {
    let mut out = vec![(section::BUILD_INFO, build_info(&c.build))];
    let mut e = Encoder::default();
    e.list(c.types, |e, t| {
        e.list(&t.params, |e, v| e.u8(v.code()));
        e.list(&t.results, |e, v| e.u8(v.code()));
    });
    out.push((section::TYPES, e.0));
    let mut e = Encoder::default();
    e.list(c.imports, |e, i| {
        e.str(i.module);
        e.str(i.name);
        match &i.kind {
            ImportKind::Func(t) => {
                e.u8(0);
                e.u32(t.0);
            }
            ImportKind::Table(t) => {
                e.u8(1);
                e.table(t);
            }
            ImportKind::Memory(m) => {
                e.u8(2);
                e.memory(m);
            }
            ImportKind::Global { ty, mutable } => {
                e.u8(3);
                e.u8(ty.code());
                e.bool(*mutable);
            }
        }
    });
    out.push((section::IMPORTS, e.0));
    let mut e = Encoder::default();
    e.list(c.funcs, |e, f| {
        e.u32(f.ty.0);
        e.u32(f.body_offset);
        e.u32(f.body_len);
        e.u32(f.array_entry_offset);
    });
    out.push((section::FUNCTIONS, e.0));
    let mut e = Encoder::default();
    e.list(c.memories, |e, m| e.memory(m));
    out.push((section::MEMORIES, e.0));
    let mut e = Encoder::default();
    e.list(c.globals, |e, g| {
        e.u8(g.ty.code());
        e.bool(g.mutable);
        e.const_expr(&g.init);
    });
    out.push((section::GLOBALS, e.0));
    let mut e = Encoder::default();
    e.list(c.tables, |e, t| e.table(t));
    out.push((section::TABLES, e.0));
    let mut e = Encoder::default();
    e.list(c.elements, |e, seg| {
        match &seg.mode {
            ElementMode::Passive => e.u8(0),
            ElementMode::Active { table, offset } => {
                e.u8(1);
                e.u32(table.0);
                e.const_expr(offset);
            }
            ElementMode::Declarative => e.u8(2),
        }
        e.u8(seg.elem.code());
        e.list(&seg.items, |e, item| e.const_expr(item));
    });
    out.push((section::ELEMENTS, e.0));
    let mut e = Encoder::default();
    e.list(c.exports, |e, x| {
        e.str(x.name);
        e.u8(match x.kind {
            ExportKind::Func => 0,
            ExportKind::Table => 1,
            ExportKind::Memory => 2,
            ExportKind::Global => 3,
        });
        e.u32(x.index);
    });
    out.push((section::EXPORTS, e.0));
    if let Some(start) = c.start {
        out.push((section::START, start.0.to_le_bytes().to_vec()));
    }
    let mut e = Encoder::default();
    e.list(c.data, |e, d| {
        match &d.active {
            None => e.u8(0),
            Some((memory, offset)) => {
                e.u8(1);
                e.u32(memory.0);
                e.const_expr(offset);
            }
        }
        e.blob(d.bytes);
    });
    out.push((section::DATA, e.0));
    let mut e = Encoder::default();
    e.list(c.names, |e, (f, n)| {
        e.u32(f.0);
        e.str(n);
    });
    out.push((section::NAMES, e.0));
    let mut e = Encoder::default();
    e.list(c.import_trampolines, |e, o| e.u32(*o));
    out.push((section::IMPORT_TRAMPOLINES, e.0));
    let mut traps = c.traps.to_vec();
    traps.sort_by_key(|t| t.code_offset);
    traps.dedup_by_key(|t| t.code_offset);
    let mut e = Encoder::default();
    for t in &traps {
        e.u32(t.code_offset);
        e.u32(t.wasm_offset);
        e.u32(t.kind);
    }
    out.push((section::TRAPS, e.0));
    out
}

/// Writes a complete, unsigned artifact of this format version.
///
/// # Panics
/// If `producer` is longer than 32 bytes or `build.text_align` is not a
/// power of two; both are compiler bugs, not input errors.
pub fn write(c: &ArtifactContents) -> Vec<u8> {
    write_with(c, &WriteOptions::default())
}

/// Writes a complete artifact as `options` say (signed, or standing for
/// another writer).
///
/// # Panics
/// As [`write`], and if an extra section reuses a known id.
pub fn write_with(c: &ArtifactContents, options: &WriteOptions) -> Vec<u8> {
    assert!(
        c.producer.len() <= header::PRODUCER_LEN,
        "producer string too long"
    );
    let align = c.build.text_align as usize;
    assert!(
        align.is_power_of_two(),
        "text alignment must be a power of two"
    );
    let item_count = |id: u32| match id {
        section::TABLES => c.tables.len(),
        section::ELEMENTS => c.elements.len(),
        _ => 1,
    };
    let mut sections: Vec<(u32, u32, Vec<u8>)> = sections(c)
        .into_iter()
        .map(|(id, bytes)| (id, flags(id, item_count(id)), bytes))
        .collect();
    for extra in options.extra_sections {
        assert!(
            !section::is_known(extra.id),
            "extra section reuses a known id"
        );
        sections.push((extra.id, extra.flags, extra.bytes.to_vec()));
    }
    let signed = options.signing_key.is_some();
    let count = sections.len() + 1 + usize::from(signed);

    // Reserve: header, table, metadata sections, the aligned text, then
    // the signature.
    let mut offset = consts::HEADER_SIZE + count * consts::SECTION_ENTRY_SIZE;
    let mut table = Vec::with_capacity(count);
    for (id, flags, bytes) in &sections {
        table.push((*id, *flags, offset, bytes.len()));
        offset += bytes.len();
    }
    let text_offset = offset.next_multiple_of(align);
    table.push((
        section::TEXT,
        SECTION_FLAG_REQUIRED,
        text_offset,
        c.text.len(),
    ));
    let signature_offset = text_offset + c.text.len();
    if signed {
        table.push((
            section::SIGNATURE,
            flags(section::SIGNATURE, 1),
            signature_offset,
            signature::SECTION_SIZE,
        ));
    }
    let file_len = signature_offset + if signed { signature::SECTION_SIZE } else { 0 };

    let mut out = Vec::with_capacity(file_len);
    out.extend_from_slice(&consts::MAGIC);
    out.extend_from_slice(&consts::FORMAT_MAJOR.to_le_bytes());
    out.extend_from_slice(&options.format_minor.to_le_bytes());
    out.extend_from_slice(&(consts::HEADER_SIZE as u32).to_le_bytes());
    let mut producer = [0u8; header::PRODUCER_LEN];
    producer[..c.producer.len()].copy_from_slice(c.producer.as_bytes());
    out.extend_from_slice(&producer);
    out.extend_from_slice(&c.source_sha256);
    out.extend_from_slice(&0u32.to_le_bytes()); // checksum, filled in below
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&(file_len as u64).to_le_bytes());
    out.extend_from_slice(&(count as u32).to_le_bytes());
    out.extend_from_slice(&crate::abi::fingerprint().to_le_bytes());
    out.resize(consts::HEADER_SIZE, 0);
    for (id, flags, offset, size) in &table {
        out.extend_from_slice(&id.to_le_bytes());
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(&(*offset as u64).to_le_bytes());
        out.extend_from_slice(&(*size as u64).to_le_bytes());
    }
    for (_, _, bytes) in &sections {
        out.extend_from_slice(bytes);
    }
    out.resize(text_offset, 0);
    out.extend_from_slice(c.text);
    if let Some(key) = options.signing_key {
        out.resize(file_len, 0);
        key.sign(&mut out, signature_offset..file_len);
    }
    debug_assert_eq!(out.len(), file_len);
    let sum = crate::artifact::checksum(&out);
    out[header::CHECKSUM..header::CHECKSUM + 4].copy_from_slice(&sum.to_le_bytes());
    out
}
