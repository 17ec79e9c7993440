//! The part of an artifact read before any section: the frozen prefix,
//! the fixed header with its checksum, and the section table. A loader
//! decides from these alone whether it can read the rest (format version,
//! unknown required sections, signature).

use crate::consts::{self, header, section};
use crate::error::{FormatError, Result};
use crate::reader::Cursor;

/// The part of the header that never moves: enough to name any artifact's
/// version, producer and source, whatever its format version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prefix<'a> {
    /// Format major version.
    pub major: u16,
    /// Format minor version.
    pub minor: u16,
    /// Who wrote it, e.g. `waot 0.1.0`.
    pub producer: &'a str,
    /// SHA-256 of the source module.
    pub source_sha256: [u8; 32],
}

impl<'a> Prefix<'a> {
    /// Reads the frozen prefix. Fails only if the magic is wrong or the
    /// file is too short to hold the prefix.
    pub fn parse(bytes: &'a [u8]) -> Result<Prefix<'a>> {
        if bytes.is_empty() {
            return Err(FormatError::new("empty file", 0));
        }
        let magic = bytes.get(..consts::MAGIC.len());
        if magic != Some(&consts::MAGIC[..]) {
            return Err(FormatError::new("not a waot artifact (bad magic)", 0));
        }
        let frozen = bytes
            .get(..consts::FROZEN_PREFIX_SIZE)
            .ok_or(FormatError::new(
                "file truncated inside the header",
                bytes.len(),
            ))?;
        let mut c = Cursor::new(&frozen[header::MAJOR..], header::MAJOR);
        let major = c.u16()?;
        let minor = c.u16()?;
        let producer_bytes = &frozen[header::PRODUCER..header::PRODUCER + header::PRODUCER_LEN];
        let end = producer_bytes
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(producer_bytes.len());
        let producer = std::str::from_utf8(&producer_bytes[..end])
            .ok()
            .filter(|p| !p.chars().any(char::is_control))
            .ok_or(FormatError::new(
                "producer is not utf-8 text without control characters",
                header::PRODUCER,
            ))?;
        let mut source_sha256 = [0u8; 32];
        source_sha256.copy_from_slice(&frozen[header::SOURCE_SHA256..header::SOURCE_SHA256 + 32]);
        Ok(Prefix {
            major,
            minor,
            producer,
            source_sha256,
        })
    }

    /// The source hash as lowercase hex.
    pub fn source_sha256_hex(&self) -> String {
        self.source_sha256
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// CRC-32 of `bytes` with the checksum field read as zero.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    let split = header::CHECKSUM.min(bytes.len());
    hasher.update(&bytes[..split]);
    if bytes.len() > split {
        hasher.update(&[0u8; 4][..(bytes.len() - split).min(4)]);
    }
    if let Some(rest) = bytes.get(header::CHECKSUM + 4..) {
        hasher.update(rest);
    }
    hasher.finalize()
}

/// One entry of the section table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SectionEntry {
    /// Section id ([`crate::consts::section`]).
    pub id: u32,
    /// Flags ([`crate::consts::SECTION_FLAG_REQUIRED`]).
    pub flags: u32,
    /// Absolute file offset.
    pub offset: usize,
    /// Size in bytes.
    pub size: usize,
}

/// The fixed header and the section table: everything a loader needs to
/// decide whether it can read the rest (format version, unknown required
/// sections, signature) before decoding any section.
#[derive(Clone, Debug)]
pub struct Header<'a> {
    /// The frozen prefix.
    pub prefix: Prefix<'a>,
    /// The ABI fingerprint the code was compiled against.
    pub abi_fingerprint: u64,
    /// The section table, in table order.
    pub sections: Vec<SectionEntry>,
}

impl<'a> Header<'a> {
    /// Reads the header and the section table: magic, major version,
    /// header size, file length, checksum (when `verify_checksum`), and
    /// that every section lies after the table, inside the file, with a
    /// unique id. Sections of unknown ids are kept, required or not.
    pub fn parse(bytes: &'a [u8], verify_checksum: bool) -> Result<Header<'a>> {
        let prefix = Prefix::parse(bytes)?;
        if prefix.major != consts::FORMAT_MAJOR {
            return Err(FormatError::new(
                "unsupported format major version",
                header::MAJOR,
            ));
        }
        if bytes.len() < consts::HEADER_SIZE {
            return Err(FormatError::new(
                "file truncated inside the header",
                bytes.len(),
            ));
        }
        let mut c = Cursor::new(
            &bytes[header::HEADER_SIZE..consts::HEADER_SIZE],
            header::HEADER_SIZE,
        );
        if c.u32()? as usize != consts::HEADER_SIZE {
            return Err(FormatError::new(
                "unexpected header size",
                header::HEADER_SIZE,
            ));
        }
        let mut c = Cursor::new(
            &bytes[header::CHECKSUM..consts::HEADER_SIZE],
            header::CHECKSUM,
        );
        let stored_checksum = c.u32()?;
        let _reserved = c.u32()?;
        let file_len = c.u64()?;
        if file_len != bytes.len() as u64 {
            return Err(FormatError::new(
                "file length differs from the length recorded in the header (truncated or extended)",
                header::FILE_LEN,
            ));
        }
        if verify_checksum && checksum(bytes) != stored_checksum {
            return Err(FormatError::new(
                "checksum mismatch (the file is corrupted)",
                header::CHECKSUM,
            ));
        }
        let section_count = c.u32()? as usize;
        let abi_fingerprint = c.u64()?;

        let table_len = section_count
            .checked_mul(consts::SECTION_ENTRY_SIZE)
            .filter(|len| consts::HEADER_SIZE + len <= bytes.len())
            .ok_or(FormatError::new(
                "section table extends past the end of the file",
                header::SECTION_COUNT,
            ))?;
        let mut c = Cursor::new(
            &bytes[consts::HEADER_SIZE..consts::HEADER_SIZE + table_len],
            consts::HEADER_SIZE,
        );
        let mut sections = Vec::with_capacity(section_count);
        let mut ids = std::collections::HashSet::with_capacity(section_count);
        for _ in 0..section_count {
            let at = c.offset();
            let id = c.u32()?;
            let flags = c.u32()?;
            let offset = c.u64()?;
            let size = c.u64()?;
            let end = offset
                .checked_add(size)
                .filter(|&e| e <= bytes.len() as u64);
            if end.is_none() || offset < (consts::HEADER_SIZE + table_len) as u64 {
                return Err(FormatError::new(
                    "section extends past the end of the file",
                    at,
                ));
            }
            if !ids.insert(id) {
                return Err(FormatError::new("duplicate section", at));
            }
            sections.push(SectionEntry {
                id,
                flags,
                offset: offset as usize,
                size: size as usize,
            });
        }
        Ok(Header {
            prefix,
            abi_fingerprint,
            sections,
        })
    }

    /// The first section this reader does not know and must not skip.
    pub fn unknown_required_section(&self) -> Option<SectionEntry> {
        self.sections
            .iter()
            .copied()
            .find(|s| !section::is_known(s.id) && s.flags & consts::SECTION_FLAG_REQUIRED != 0)
    }
}
