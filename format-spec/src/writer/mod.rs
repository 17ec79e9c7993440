//! Writing an artifact (feature `write`, used by the compiler only): an
//! ELF64 relocatable file built with `object::write`, for the target's
//! machine and byte order and marked as waot's. The version record comes
//! first (at its fixed offset), then the checksum, the metadata sections
//! ([`encode`]), the page-aligned text and data bytes, the signature; then
//! `object` adds a symbol per piece of code, the string tables and the
//! section headers. The file is then signed, and the checksum filled in.

pub(crate) mod encode;
mod images;
pub mod static_object;

use crate::consts::{self, section, version};
use crate::signature::{self, PrivateKey};
use crate::symbols::{CodeLayout, code_symbols};
use crate::types::*;
use object::write::{Object, Symbol, SymbolSection};
use object::{
    Architecture, BinaryFormat, Endianness, FileFlags, SectionFlags, SectionKind, SymbolFlags,
    SymbolKind, SymbolScope, elf,
};

/// Everything an artifact holds, as the compiler produced it.
#[derive(Clone, Debug)]
pub struct ArtifactContents<'a> {
    /// Producer string for the frozen prefix (e.g. `waot 0.1.0`, ≤ 32 bytes).
    pub producer: &'a str,
    /// SHA-256 of the source module.
    pub source_sha256: [u8; 32],
    /// Build information.
    pub build: BuildInfo<'a>,
    /// The module's declarations.
    pub module: &'a ModuleMeta<'a>,
    /// Defined functions.
    pub funcs: &'a [FuncInfo],
    /// Wasm-to-host trampoline offsets, one per imported function.
    pub import_trampolines: &'a [u32],
    /// Wasm-to-host trampoline offsets by function type (strictly
    /// increasing type indices; an offset may be an import's trampoline).
    pub type_trampolines: &'a [(TypeIndex, u32)],
    /// Trap records; sorted by the writer.
    pub traps: &'a [TrapEntry],
    /// Exception-table records; sorted by the writer.
    pub handlers: &'a [HandlerEntry],
    /// Stack maps (format 2.17); sorted by the writer.
    pub stack_maps: std::borrow::Cow<'a, [crate::stack_maps::StackMapEntry]>,
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
            module: &a.module,
            funcs: &a.funcs,
            import_trampolines: &a.import_trampolines,
            type_trampolines: &a.type_trampolines,
            traps,
            handlers: &a.handlers,
            stack_maps: a.stack_maps.entries().into(),
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
    /// Sections this writer does not define, written after the metadata:
    /// tests use them to stand for a newer writer.
    pub extra_sections: &'a [ExtraSection<'a>],
    /// Leave the text out, recording only its length (the metadata of an
    /// object file, whose code goes into its own section: see
    /// [`static_object`]).
    pub detached_text: bool,
}

impl Default for WriteOptions<'_> {
    fn default() -> Self {
        Self {
            signing_key: None,
            format_minor: consts::FORMAT_MINOR,
            extra_sections: &[],
            detached_text: false,
        }
    }
}

/// A section written verbatim.
#[derive(Clone, Copy, Debug)]
pub struct ExtraSection<'a> {
    /// Section name (must not be one of [`section`]'s).
    pub name: &'a str,
    /// Whether a loader that does not know it must refuse the artifact.
    pub required: bool,
    /// Contents.
    pub bytes: &'a [u8],
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
/// As [`write`], and if an extra section reuses a known name.
pub fn write_with<'c>(c: &ArtifactContents<'c>, options: &WriteOptions) -> Vec<u8> {
    assert!(
        c.producer.len() <= version::PRODUCER_LEN,
        "producer string too long"
    );
    let align = u64::from(c.build.text_align);
    assert!(
        align.is_power_of_two(),
        "text alignment must be a power of two"
    );
    // The compiler writes only waot's triples; tests also forge build
    // records with other ones, written for the machine of the triple's
    // architecture when waot has it, else the first target's.
    let arch = |t: &str| t.split('-').next().map(str::to_owned);
    let target = crate::target::TARGETS
        .iter()
        .find(|t| t.triple == c.build.target)
        .or_else(|| {
            let wanted = arch(c.build.target);
            crate::target::TARGETS
                .iter()
                .find(|t| arch(t.triple) == wanted)
        })
        .unwrap_or(&crate::target::TARGETS[0]);
    let mut obj = elf_object(target);
    obj.flags = FileFlags::Elf {
        os_abi: consts::ELFOSABI_WAOT,
        abi_version: 0,
        e_flags: consts::EF_WAOT_ARTIFACT,
    };
    // Sections take their bytes as `Cow`: the text, the largest, is
    // borrowed rather than copied (a 40 MB module's text is 40 MB less
    // peak memory).
    let mut add = |name: &str,
                   kind: SectionKind,
                   required: bool,
                   bytes: std::borrow::Cow<'c, [u8]>,
                   align: u64| {
        let id = obj.add_section(Vec::new(), name.as_bytes().to_vec(), kind);
        let section = obj.section_mut(id);
        section.set_data(bytes, align);
        let base = match kind {
            SectionKind::Text => u64::from(elf::SHF_ALLOC | elf::SHF_EXECINSTR),
            SectionKind::ReadOnlyData => u64::from(elf::SHF_ALLOC),
            _ => 0,
        };
        let required = if required {
            consts::SHF_WAOT_REQUIRED
        } else {
            0
        };
        section.flags = SectionFlags::Elf {
            sh_flags: base | required,
        };
        id
    };
    // `object` lays sections out in the order they are added, right after
    // the 64-byte file header: the version record lands at its fixed offset.
    add(
        section::VERSION,
        SectionKind::Metadata,
        true,
        version_record(c, options.format_minor).into(),
        8,
    );
    add(
        section::CHECKSUM,
        SectionKind::Metadata,
        true,
        vec![0; 4].into(),
        4,
    );
    let (metadata, data_bytes) = encode::sections(c);
    for m in metadata {
        add(m.name, SectionKind::Metadata, m.required, m.bytes.into(), 8);
    }
    for extra in options.extra_sections {
        assert!(
            !section::is_known(extra.name),
            "extra section reuses a known name"
        );
        add(
            extra.name,
            SectionKind::Metadata,
            extra.required,
            extra.bytes.to_vec().into(),
            8,
        );
    }
    let text = if options.detached_text {
        let mut record = (c.text.len() as u64).to_le_bytes().to_vec();
        record.extend_from_slice(&crate::static_record::code_hash(c.text));
        add(
            section::DETACHED_TEXT,
            SectionKind::Metadata,
            true,
            record.into(),
            8,
        );
        None
    } else {
        Some(add(
            section::TEXT,
            SectionKind::Text,
            true,
            c.text.into(),
            align,
        ))
    };
    // Page-aligned, even when empty: so that the loader can map the data
    // copy-on-write, and so that nothing but code shares a page with the
    // text (the pages the loader makes executable).
    add(
        section::DATA_BYTES,
        SectionKind::ReadOnlyData,
        true,
        data_bytes.into(),
        align,
    );
    if options.signing_key.is_some() {
        add(
            section::SIGNATURE,
            SectionKind::Metadata,
            encode::required(section::SIGNATURE, 1),
            vec![0; signature::SECTION_SIZE].into(),
            8,
        );
    }
    let layout = CodeLayout {
        funcs: c.funcs,
        imports: &c.module.imports,
        import_trampolines: c.import_trampolines,
        type_trampolines: c.type_trampolines,
        names: &c.module.names,
        text_len: c.text.len(),
    };
    for symbol in code_symbols(&layout) {
        let Some(text) = text else { break };
        obj.add_symbol(Symbol {
            name: symbol.name.into_bytes(),
            value: u64::from(symbol.offset),
            size: u64::from(symbol.size),
            kind: SymbolKind::Text,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    let mut out = obj
        .write()
        .expect("object writes every ELF64 file waot builds");
    assert_eq!(
        section_range(&out, section::VERSION).start,
        consts::VERSION_RECORD_OFFSET,
        "the version record never moves"
    );
    let checksum_at = section_range(&out, section::CHECKSUM).start;
    if let Some(key) = options.signing_key {
        let entry = section_range(&out, section::SIGNATURE);
        key.sign(&mut out, entry, checksum_at);
    }
    let sum = crate::header::checksum(&out, checksum_at);
    out[checksum_at..checksum_at + 4].copy_from_slice(&sum.to_le_bytes());
    out
}

/// Where `object` put section `name` in the file it wrote.
fn section_range(elf: &[u8], name: &str) -> std::ops::Range<usize> {
    crate::header::section_range(elf, name).expect("the writer added the section")
}

/// An empty ELF64 file for `target`'s machine and byte order.
pub(crate) fn elf_object<'a>(target: &crate::target::Target) -> Object<'a> {
    let endian = if target.big_endian {
        Endianness::Big
    } else {
        Endianness::Little
    };
    Object::new(BinaryFormat::Elf, architecture(target.elf_machine), endian)
}

/// `object`'s name for the ELF machine of one of [`crate::target::TARGETS`].
pub(crate) fn architecture(machine: u16) -> Architecture {
    match machine {
        elf::EM_X86_64 => Architecture::X86_64,
        elf::EM_AARCH64 => Architecture::Aarch64,
        elf::EM_RISCV => Architecture::Riscv64,
        elf::EM_S390 => Architecture::S390x,
        _ => unreachable!("TARGETS has only these machines"),
    }
}

/// The version record (SPEC.md, "Version record").
fn version_record(c: &ArtifactContents, minor: u16) -> Vec<u8> {
    let mut record = Vec::with_capacity(consts::VERSION_RECORD_SIZE);
    record.extend_from_slice(&consts::MAGIC);
    record.extend_from_slice(&consts::FORMAT_MAJOR.to_le_bytes());
    record.extend_from_slice(&minor.to_le_bytes());
    record.extend_from_slice(&(consts::VERSION_RECORD_SIZE as u32).to_le_bytes());
    let mut producer = [0u8; version::PRODUCER_LEN];
    producer[..c.producer.len()].copy_from_slice(c.producer.as_bytes());
    record.extend_from_slice(&producer);
    record.extend_from_slice(&c.source_sha256);
    debug_assert_eq!(record.len(), consts::VERSION_RECORD_SIZE);
    record
}
