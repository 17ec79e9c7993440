//! Reading the trap table (`.waot.trap-blocks`, format 2.9): for every
//! instruction of the text that may trap, its kind and wasm offset,
//! compressed to about 3.5 bytes a trap (9 in format 2.8), and still
//! searched in place in the mapped file without allocating, as the signal
//! handler needs.
//!
//! Layout: `count: u32`; then one 12-byte header per block of
//! [`TRAP_BLOCK_LEN`] traps, `{ code_offset: u32, wasm_offset: u32,
//! data_offset: u32 }`, which are the block's first trap and where its
//! entries start in the entry bytes; then the entry bytes. An entry is two
//! unsigned LEB128 numbers: `(code_delta << 5) | kind` and the zigzag form
//! of `wasm_delta`, both deltas from the previous trap of the block (the
//! first entry's deltas are 0: its values are in the header). Code offsets
//! strictly increase over the whole table.

use crate::consts::{TRAP_BLOCK_LEN, TRAP_KIND_BITS};
use crate::error::{FormatError, Result};
use crate::reader::Cursor;
use crate::traps::TrapKind;
use crate::types::TrapEntry;

/// Bytes of a block header.
const HEADER_SIZE: usize = 12;

/// The smallest entry: two one-byte numbers.
const MIN_ENTRY_SIZE: usize = 2;

/// The trap table as it lies in the file, checked once by [`TrapTable::parse`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrapTable<'a> {
    len: usize,
    headers: &'a [u8],
    entries: &'a [u8],
}

/// Why one entry could not be decoded, before it gets a file offset.
type DecodeError = &'static str;

impl<'a> TrapTable<'a> {
    /// Reads and checks the whole table: well-formed entries, code offsets
    /// strictly increasing and inside a text of `text_len` bytes, every
    /// kind known, every block where the previous one ended, no bytes left.
    pub(crate) fn parse(mut c: Cursor<'a>, text_len: usize) -> Result<TrapTable<'a>> {
        let len = c.count(MIN_ENTRY_SIZE)?;
        let headers = c.bytes(len.div_ceil(TRAP_BLOCK_LEN) * HEADER_SIZE)?;
        let entries_at = c.offset();
        let table = TrapTable {
            len,
            headers,
            entries: c.rest(),
        };
        let mut position = 0;
        let mut previous: Option<u32> = None;
        for block in 0..table.blocks() {
            let (first, data_offset) = table.header(block);
            if data_offset != position {
                return Err(FormatError::new(
                    "trap table block does not start where the previous one ended",
                    entries_at - headers.len() + block * HEADER_SIZE + 8,
                ));
            }
            let mut entry = first;
            for i in 0..table.block_len(block) {
                let at = entries_at + position;
                let (next, deltas_zero) = decode(table.entries, &mut position, entry)
                    .map_err(|message| FormatError::new(message, at))?;
                let problem = if i == 0 && !deltas_zero {
                    Some("trap table block header disagrees with its first entry")
                } else if previous.is_some_and(|p| p >= next.code_offset)
                    || next.code_offset as usize >= text_len
                {
                    Some("trap table is not sorted or points outside the text")
                } else if TrapKind::from_code(next.kind).is_none() {
                    Some("unknown trap kind")
                } else {
                    None
                };
                if let Some(message) = problem {
                    return Err(FormatError::new(message, at));
                }
                previous = Some(next.code_offset);
                entry = next;
            }
        }
        if position != table.entries.len() {
            return Err(FormatError::new(
                "trailing bytes at the end of the trap table",
                entries_at + position,
            ));
        }
        Ok(table)
    }

    /// Number of traps.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The trap at text offset `code_offset`: a binary search of the block
    /// headers, then at most one block decoded.
    pub(crate) fn lookup(&self, code_offset: u32) -> Option<TrapEntry> {
        let after = partition_point(self.blocks(), |b| {
            self.header(b).0.code_offset <= code_offset
        });
        let block = after.checked_sub(1)?;
        self.block_entries(block)
            .take_while(|e| e.code_offset <= code_offset)
            .find(|e| e.code_offset == code_offset)
    }

    /// Every trap in code order.
    pub(crate) fn entries(&self) -> impl Iterator<Item = TrapEntry> + '_ {
        (0..self.blocks()).flat_map(|b| self.block_entries(b))
    }

    fn blocks(&self) -> usize {
        self.headers.len() / HEADER_SIZE
    }

    fn block_len(&self, block: usize) -> usize {
        (self.len - block * TRAP_BLOCK_LEN).min(TRAP_BLOCK_LEN)
    }

    /// Block `block`'s first trap and where its entries start.
    fn header(&self, block: usize) -> (TrapEntry, usize) {
        let field = |i: usize| {
            let at = block * HEADER_SIZE + 4 * i;
            self.headers
                .get(at..at + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes)
        };
        let first = TrapEntry {
            code_offset: field(0),
            wasm_offset: field(1),
            kind: 0,
        };
        (first, field(2) as usize)
    }

    /// The traps of one block (of a checked table, so decoding cannot fail;
    /// if it did, the block would end early rather than panic).
    fn block_entries(&self, block: usize) -> impl Iterator<Item = TrapEntry> + '_ {
        let (mut entry, mut position) = self.header(block);
        (0..self.block_len(block)).map_while(move |_| {
            entry = decode(self.entries, &mut position, entry).ok()?.0;
            Some(entry)
        })
    }
}

/// Decodes the entry at `entries[*position..]` following `previous`;
/// returns it and whether both its deltas were 0.
fn decode(
    entries: &[u8],
    position: &mut usize,
    previous: TrapEntry,
) -> std::result::Result<(TrapEntry, bool), DecodeError> {
    let code_and_kind = uleb(entries, position)?;
    let zigzag = uleb(entries, position)?;
    let code_delta = code_and_kind >> TRAP_KIND_BITS;
    let kind = (code_and_kind & ((1 << TRAP_KIND_BITS) - 1)) as u32;
    let wasm_delta = (zigzag >> 1) as i64 ^ -((zigzag & 1) as i64);
    let code_offset = u64::from(previous.code_offset)
        .checked_add(code_delta)
        .and_then(|c| u32::try_from(c).ok())
        .ok_or("trap table is not sorted or points outside the text")?;
    let wasm_offset = i64::from(previous.wasm_offset)
        .checked_add(wasm_delta)
        .and_then(|w| u32::try_from(w).ok())
        .ok_or("trap table wasm offset out of range")?;
    let entry = TrapEntry {
        code_offset,
        wasm_offset,
        kind,
    };
    Ok((entry, code_delta == 0 && wasm_delta == 0))
}

/// An unsigned LEB128 number of at most 64 bits at `bytes[*position..]`.
fn uleb(bytes: &[u8], position: &mut usize) -> std::result::Result<u64, DecodeError> {
    let mut rest = bytes.get(*position..).unwrap_or_default();
    let before = rest.len();
    let value = leb128::read::unsigned(&mut rest).map_err(|e| match e {
        leb128::read::Error::Overflow => "trap table number too large",
        leb128::read::Error::IoError(_) => "unexpected end of section",
    })?;
    *position += before - rest.len();
    Ok(value)
}

/// The first `i` in `0..n` for which `pred` is false (`pred` true for a
/// prefix), as `slice::partition_point` over an index range.
fn partition_point(n: usize, pred: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, n);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if pred(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

/// The trap table of an artifact, in either layout.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Traps<'a> {
    /// `.waot.traps` of formats 2.0 to 2.8.
    Columns(TrapColumns<'a>),
    /// `.waot.trap-blocks` from format 2.9 on.
    Blocks(TrapTable<'a>),
}

impl Traps<'_> {
    /// Number of traps.
    pub(crate) fn len(&self) -> usize {
        match self {
            Traps::Columns(c) => c.len,
            Traps::Blocks(b) => b.len(),
        }
    }

    /// The trap at text offset `code_offset` (allocation free).
    pub(crate) fn lookup(&self, code_offset: u32) -> Option<TrapEntry> {
        match self {
            Traps::Columns(c) => c.lookup(code_offset),
            Traps::Blocks(b) => b.lookup(code_offset),
        }
    }

    /// Every trap in code order.
    pub(crate) fn entries(&self) -> Box<dyn Iterator<Item = TrapEntry> + '_> {
        match self {
            Traps::Columns(c) => Box::new((0..c.len).map(|i| c.entry(i))),
            Traps::Blocks(b) => Box::new(b.entries()),
        }
    }
}

/// The trap table of formats 2.0 to 2.8 (`.waot.traps`): `count: u32`,
/// then `count` code offsets (`u32`, strictly increasing), `count` wasm
/// offsets (`u32`) and `count` kinds (`u8`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct TrapColumns<'a> {
    len: usize,
    code_offsets: &'a [u8],
    wasm_offsets: &'a [u8],
    kinds: &'a [u8],
}

impl<'a> TrapColumns<'a> {
    /// Reads and checks the table: sorted, inside a text of `text_len`
    /// bytes, every kind known.
    pub(crate) fn parse(mut c: Cursor<'a>, text_len: usize) -> Result<TrapColumns<'a>> {
        let len = c.count(crate::consts::TRAP_ENTRY_SIZE)?;
        let columns_at = c.offset();
        let columns = TrapColumns {
            len,
            code_offsets: c.bytes(4 * len)?,
            wasm_offsets: c.bytes(4 * len)?,
            kinds: c.bytes(len)?,
        };
        c.finish()?;
        let mut previous = None;
        for i in 0..len {
            let entry = columns.entry(i);
            if previous.is_some_and(|p| p >= entry.code_offset)
                || entry.code_offset as usize >= text_len
            {
                return Err(FormatError::new(
                    "trap table is not sorted or points outside the text",
                    columns_at + 4 * i,
                ));
            }
            if TrapKind::from_code(entry.kind).is_none() {
                return Err(FormatError::new(
                    "unknown trap kind",
                    columns_at + 8 * len + i,
                ));
            }
            previous = Some(entry.code_offset);
        }
        Ok(columns)
    }

    fn lookup(&self, code_offset: u32) -> Option<TrapEntry> {
        let i = partition_point(self.len, |i| self.entry(i).code_offset < code_offset);
        Some(self.entry(i)).filter(|e| i < self.len && e.code_offset == code_offset)
    }

    /// Entry `i` (of a checked table; out of range reads as zeros, never a
    /// panic).
    fn entry(&self, i: usize) -> TrapEntry {
        let u32_at = |column: &[u8]| {
            column
                .get(4 * i..4 * i + 4)
                .and_then(|b| b.try_into().ok())
                .map_or(0, u32::from_le_bytes)
        };
        TrapEntry {
            code_offset: u32_at(self.code_offsets),
            wasm_offset: u32_at(self.wasm_offsets),
            kind: self.kinds.get(i).copied().map_or(0, u32::from),
        }
    }
}

#[cfg(all(test, feature = "write"))]
mod tests {
    use super::*;
    use crate::writer::encode::trap_table;

    fn entries(n: u32) -> Vec<TrapEntry> {
        // Code offsets 1 to 300 bytes apart; wasm offsets that go back and
        // forth (inlined order) and sometimes unknown (u32::MAX).
        let mut code = 0;
        (0..n)
            .map(|i| {
                code += 2 + (i * 7919) % 300;
                TrapEntry {
                    code_offset: code,
                    wasm_offset: if i % 97 == 5 {
                        u32::MAX
                    } else {
                        1000 + (i * 31) % 5000
                    },
                    kind: TrapKind::ALL[i as usize % TrapKind::ALL.len()] as u32,
                }
            })
            .collect()
    }

    fn parse(bytes: &[u8], text_len: usize) -> Result<TrapTable<'_>> {
        TrapTable::parse(Cursor::new(bytes, 0), text_len)
    }

    #[test]
    fn every_trap_is_found_and_nothing_else() {
        for n in [0, 1, 31, 32, 33, 1000] {
            let traps = entries(n);
            let bytes = trap_table(&traps);
            let table = parse(&bytes, usize::MAX).unwrap();
            assert_eq!(table.entries().collect::<Vec<_>>(), traps);
            for t in &traps {
                assert_eq!(table.lookup(t.code_offset), Some(*t));
                assert_eq!(table.lookup(t.code_offset + 1), None);
            }
            assert_eq!(table.lookup(0), None);
            if n > 100 {
                assert!(bytes.len() < traps.len() * 4, "{} bytes", bytes.len());
            }
        }
    }

    #[test]
    fn a_hostile_table_is_an_error_not_a_panic() {
        let traps = entries(100);
        let bytes = trap_table(&traps);
        let last = traps.last().unwrap().code_offset as usize;
        let cases: Vec<(Vec<u8>, usize, &str)> = vec![
            (
                bytes.clone(),
                last,
                "trap table is not sorted or points outside the text",
            ),
            (
                [bytes.as_slice(), &[0, 0]].concat(),
                usize::MAX,
                "trailing bytes at the end of the trap table",
            ),
            // The second block's header moved one byte on.
            (
                {
                    let mut b = bytes.clone();
                    b[4 + 12 + 8] += 1;
                    b
                },
                usize::MAX,
                "trap table block does not start where the previous one ended",
            ),
            // The first entry is not the one its header names.
            (
                {
                    let mut b = bytes.clone();
                    b[4 + 4 * 12] += 1 << TRAP_KIND_BITS;
                    b
                },
                usize::MAX,
                "trap table block header disagrees with its first entry",
            ),
            // A number that runs to the end of the section.
            (
                {
                    let mut b = bytes.clone();
                    b[4 + 4 * 12..].fill(0x80);
                    b
                },
                usize::MAX,
                "unexpected end of section",
            ),
        ];
        for (bytes, text_len, message) in cases {
            assert_eq!(parse(&bytes, text_len).unwrap_err().message, message);
        }
        for cut in 0..bytes.len() {
            assert!(parse(&bytes[..cut], usize::MAX).is_err(), "cut at {cut}");
        }
    }
}
