//! The part of an artifact read before any section's contents: the version
//! record (which never moves), the ELF file header and the section header
//! table, and the checksum. A loader decides from these alone whether it
//! can read the rest (format version, unknown required sections,
//! relocations, signature). The ELF structures are read with `object`'s
//! zero-copy ELF reader, which never panics on malformed input.

use crate::consts::{self, section, version};
use crate::error::{FormatError, Result};
use crate::reader::Cursor;
use object::elf;
use object::read::elf::{FileHeader, SectionHeader};
use object::{Endianness, SectionIndex};

/// The ELF64 file header, in the byte order of the target.
type ElfHeader = elf::FileHeader64<Endianness>;

/// Size of an ELF64 section header.
const SECTION_HEADER_SIZE: usize = 64;

/// Offsets in the ELF identification and file header.
const EI_CLASS: usize = 4;
const EI_DATA: usize = 5;
const EI_OSABI: usize = 7;
const E_FLAGS: usize = 48;

/// The version record: enough to name any artifact's version, producer and
/// source, whatever its format version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix<'a> {
    /// Format major version.
    pub major: u16,
    /// Format minor version.
    pub minor: u16,
    /// Who wrote it, e.g. `waot 0.3.0`.
    pub producer: &'a str,
    /// SHA-256 of the source module.
    pub source_sha256: [u8; 32],
    /// File offset of the record: 0 in format 1.x, 64 from format 2 on.
    pub offset: usize,
}

impl<'a> Prefix<'a> {
    /// Finds and reads the version record: at offset 0 of a format 1.x
    /// file, after the ELF file header of a waot ELF file. Fails only if
    /// the file is neither, or too short to hold the record.
    pub fn parse(bytes: &'a [u8]) -> Result<Prefix<'a>> {
        if bytes.is_empty() {
            return Err(FormatError::new("empty file", 0));
        }
        let offset = if bytes.starts_with(&consts::MAGIC) {
            0
        } else if bytes.starts_with(&elf::ELFMAG) {
            Self::check_ident(bytes)?;
            consts::VERSION_RECORD_OFFSET
        } else {
            return Err(FormatError::new("not a waot artifact (bad magic)", 0));
        };
        let record = bytes
            .get(offset..offset + consts::VERSION_RECORD_SIZE)
            .ok_or(FormatError::new(
                "file truncated inside the version record",
                bytes.len(),
            ))?;
        if record[..consts::MAGIC.len()] != consts::MAGIC {
            return Err(FormatError::new(
                "not a waot artifact (no version record after the elf header)",
                offset,
            ));
        }
        let mut c = Cursor::new(&record[version::MAJOR..], offset + version::MAJOR);
        let major = c.u16()?;
        let minor = c.u16()?;
        let producer_bytes = &record[version::PRODUCER..version::PRODUCER + version::PRODUCER_LEN];
        let end = producer_bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(producer_bytes.len());
        let producer = std::str::from_utf8(&producer_bytes[..end])
            .ok()
            .filter(|p| !p.chars().any(char::is_control))
            .ok_or(FormatError::new(
                "producer is not utf-8 text without control characters",
                offset + version::PRODUCER,
            ))?;
        let mut source_sha256 = [0u8; 32];
        source_sha256.copy_from_slice(&record[version::SOURCE_SHA256..version::SOURCE_SHA256 + 32]);
        Ok(Prefix {
            major,
            minor,
            producer,
            source_sha256,
            offset,
        })
    }

    /// The ELF identification of a waot artifact: 64-bit, waot's OS ABI.
    fn check_ident(bytes: &[u8]) -> Result<()> {
        if bytes.get(EI_CLASS) != Some(&elf::ELFCLASS64) {
            return Err(FormatError::new(
                "not a waot artifact (an elf file, but not a 64-bit one)",
                EI_CLASS,
            ));
        }
        match bytes.get(EI_OSABI) {
            Some(&consts::ELFOSABI_WAOT) => Ok(()),
            Some(&consts::ELFOSABI_WASMTIME) => Err(FormatError::new(
                "not a waot artifact (a wasmtime precompiled module, .cwasm; compile the .wasm with waot instead)",
                EI_OSABI,
            )),
            _ => Err(FormatError::new(
                "not a waot artifact (an elf file of another kind, such as a native program or library)",
                EI_OSABI,
            )),
        }
    }

    /// The source hash as lowercase hex.
    pub fn source_sha256_hex(&self) -> String {
        self.source_sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// CRC-32 of `bytes` with the four bytes at `field` read as zero.
pub fn checksum(bytes: &[u8], field: usize) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    let split = field.min(bytes.len());
    hasher.update(&bytes[..split]);
    if bytes.len() > split {
        hasher.update(&[0u8; 4][..(bytes.len() - split).min(4)]);
    }
    if let Some(rest) = bytes.get(field.saturating_add(4)..) {
        hasher.update(rest);
    }
    hasher.finalize()
}

/// Recomputes and stores the checksum of the artifact in `bytes` (the
/// writer's last step; tests use it after changing bytes on purpose).
/// Only the ELF structure is read, so an artifact this reader would refuse
/// can still be sealed.
pub fn seal(bytes: &mut [u8]) -> Result<()> {
    let at = section_range(bytes, section::CHECKSUM)
        .filter(|r| r.len() == 4)
        .ok_or(FormatError::new(
            "missing checksum section, or not 4 bytes",
            0,
        ))?
        .start;
    let sum = checksum(bytes, at);
    bytes[at..at + 4].copy_from_slice(&sum.to_le_bytes());
    Ok(())
}

/// Where section `name` of the ELF file `bytes` lies, reading nothing but
/// the ELF structures.
pub(crate) fn section_range(bytes: &[u8], name: &str) -> Option<std::ops::Range<usize>> {
    use object::{Object as _, ObjectSection as _};
    let file = object::read::elf::ElfFile64::<Endianness>::parse(bytes).ok()?;
    let (offset, size) = file.section_by_name(name)?.file_range()?;
    let start = usize::try_from(offset).ok()?;
    Some(start..start.checked_add(usize::try_from(size).ok()?)?)
}

/// One section of the artifact (relocation sections are never listed: a
/// reader refuses them, except for debug information).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionEntry<'a> {
    /// Section name, e.g. `.waot.types`.
    pub name: &'a str,
    /// Whether a loader that does not know it must refuse the artifact
    /// ([`consts::SHF_WAOT_REQUIRED`]).
    pub required: bool,
    /// Absolute file offset.
    pub offset: usize,
    /// Size in bytes (0 for a section with no file contents).
    pub size: usize,
    /// File offset of its section header, for diagnostics.
    pub header_at: usize,
}

impl SectionEntry<'_> {
    /// The section's byte range in the file.
    pub fn range(&self) -> std::ops::Range<usize> {
        self.offset..self.offset + self.size
    }
}

/// The version record, the ELF headers and the section list: everything a
/// loader needs to decide whether it can read the rest before decoding any
/// section.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    /// The version record.
    pub prefix: Prefix<'a>,
    /// The ELF `e_machine` value.
    pub machine: u16,
    /// Every section with file contents, in section header order.
    pub sections: Vec<SectionEntry<'a>>,
    /// The checksum section.
    pub checksum: SectionEntry<'a>,
    /// Where the section header table lies in the file.
    pub section_headers: std::ops::Range<usize>,
}

impl<'a> Header<'a> {
    /// Reads the version record, the ELF file header and the section
    /// headers, and checks: the format major version; that the file is a
    /// relocatable ELF64 file with waot's `e_flags` bit; that every section
    /// lies inside the file and waot's sections overlap neither each other
    /// nor the file header; that names are unique; that no relocation
    /// section applies to anything but debug information; that the version
    /// record is the `.waot.version` section; and the checksum (when
    /// `verify_checksum`). Sections of unknown names are kept, required or
    /// not.
    pub fn parse(bytes: &'a [u8], verify_checksum: bool) -> Result<Header<'a>> {
        let prefix = Prefix::parse(bytes)?;
        if prefix.major != consts::FORMAT_MAJOR {
            return Err(FormatError::new(
                "unsupported format major version",
                prefix.offset + version::MAJOR,
            ));
        }
        Self::parse_elf(bytes, prefix, verify_checksum)
    }

    /// As [`Header::parse`] without the checksum, for an ELF artifact of
    /// any format version: only to read what hints need, best-effort.
    pub(crate) fn parse_any_version(bytes: &'a [u8]) -> Result<Header<'a>> {
        let prefix = Prefix::parse(bytes)?;
        if prefix.offset != consts::VERSION_RECORD_OFFSET {
            return Err(FormatError::new("not an elf artifact", 0));
        }
        Self::parse_elf(bytes, prefix, false)
    }

    fn parse_elf(bytes: &'a [u8], prefix: Prefix<'a>, verify_checksum: bool) -> Result<Header<'a>> {
        let malformed = |what: &'static str, at: usize| move |_| FormatError::new(what, at);
        let ehdr = ElfHeader::parse(bytes).map_err(malformed("malformed elf file header", 0))?;
        let endian = ehdr
            .endian()
            .map_err(malformed("malformed elf file header", EI_DATA))?;
        if ehdr.e_type(endian) != elf::ET_REL {
            return Err(FormatError::new(
                "elf file type is not relocatable (ET_REL)",
                16,
            ));
        }
        if ehdr.e_flags(endian) & consts::EF_WAOT_ARTIFACT == 0 {
            return Err(FormatError::new(
                "elf flags lack waot's artifact bit",
                E_FLAGS,
            ));
        }
        let shoff = usize::try_from(ehdr.e_shoff(endian)).unwrap_or(usize::MAX);
        let headers_end =
            shoff.saturating_add(usize::from(ehdr.e_shnum(endian)) * SECTION_HEADER_SIZE);
        if headers_end > bytes.len() {
            return Err(FormatError::new(
                "file truncated (its section headers lie past the end)",
                40,
            ));
        }
        let table = ehdr
            .sections(endian, bytes)
            .map_err(malformed("malformed elf section header table", 40))?;
        let mut sections = Vec::with_capacity(table.len());
        let mut names = std::collections::HashSet::with_capacity(table.len());
        for (i, sh) in table.iter().enumerate() {
            let at = shoff.saturating_add(i * SECTION_HEADER_SIZE);
            let sh_type = sh.sh_type(endian);
            if sh_type == elf::SHT_NULL {
                continue;
            }
            let name = table
                .section_name(endian, sh)
                .ok()
                .and_then(|n| std::str::from_utf8(n).ok())
                .ok_or(FormatError::new("section name is not valid", at))?;
            if matches!(sh_type, elf::SHT_REL | elf::SHT_RELA | elf::SHT_RELR) {
                let target = table
                    .section(SectionIndex(sh.sh_info(endian) as usize))
                    .ok()
                    .and_then(|t| table.section_name(endian, t).ok());
                if !target.is_some_and(|n| n.starts_with(b".debug")) {
                    return Err(FormatError::new(
                        "the artifact has relocations (waot never patches code at load time)",
                        at,
                    ));
                }
                continue;
            }
            let (offset, size) = if sh_type == elf::SHT_NOBITS {
                (0, 0)
            } else {
                (sh.sh_offset(endian), sh.sh_size(endian))
            };
            let end = offset
                .checked_add(size)
                .filter(|&e| e <= bytes.len() as u64);
            if end.is_none() {
                return Err(FormatError::new(
                    "section extends past the end of the file",
                    at,
                ));
            }
            if !names.insert(name) {
                return Err(FormatError::new("duplicate section", at));
            }
            sections.push(SectionEntry {
                name,
                required: sh.sh_flags(endian) & consts::SHF_WAOT_REQUIRED != 0,
                offset: offset as usize,
                size: size as usize,
                header_at: at,
            });
        }
        check_disjoint(&sections)?;
        let find = |name: &str| sections.iter().copied().find(|s| s.name == name);
        let record = find(section::VERSION);
        if record.is_none_or(|r| {
            r.offset != consts::VERSION_RECORD_OFFSET || r.size != consts::VERSION_RECORD_SIZE
        }) {
            return Err(FormatError::new(
                "the version record is not the .waot.version section at its fixed offset",
                consts::VERSION_RECORD_OFFSET,
            ));
        }
        let checksum = find(section::CHECKSUM)
            .filter(|s| s.size == 4)
            .ok_or(FormatError::new(
                "missing checksum section, or not 4 bytes",
                shoff,
            ))?;
        if verify_checksum {
            let stored = Cursor::new(&bytes[checksum.range()], checksum.offset).u32()?;
            if self::checksum(bytes, checksum.offset) != stored {
                return Err(FormatError::new(
                    "checksum mismatch (the file is corrupted)",
                    checksum.offset,
                ));
            }
        }
        Ok(Header {
            prefix,
            machine: ehdr.e_machine(endian),
            sections,
            checksum,
            section_headers: shoff..shoff.saturating_add(table.len() * SECTION_HEADER_SIZE),
        })
    }

    /// The section called `name`.
    pub fn section(&self, name: &str) -> Option<SectionEntry<'a>> {
        self.sections.iter().copied().find(|s| s.name == name)
    }

    /// The first section this reader does not know and must not skip.
    pub fn unknown_required_section(&self) -> Option<SectionEntry<'a>> {
        self.sections
            .iter()
            .copied()
            .find(|s| s.required && !section::is_known(s.name))
    }
}

/// waot's own sections (and every section the loader reads) overlap
/// neither each other nor the ELF file header.
fn check_disjoint(sections: &[SectionEntry]) -> Result<()> {
    let mut ours: Vec<&SectionEntry> = sections
        .iter()
        .filter(|s| s.size > 0 && section::is_known(s.name))
        .collect();
    ours.sort_unstable_by_key(|s| s.offset);
    if let Some(first) = ours.first()
        && first.offset < consts::VERSION_RECORD_OFFSET
    {
        return Err(FormatError::new(
            "a section overlaps the elf file header",
            first.header_at,
        ));
    }
    for pair in ours.windows(2) {
        if pair[0].offset + pair[0].size > pair[1].offset {
            return Err(FormatError::new("sections overlap", pair[1].header_at));
        }
    }
    Ok(())
}
