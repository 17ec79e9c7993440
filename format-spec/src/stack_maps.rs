//! Stack maps (format 2.17): for each call in compiled code at which a GC
//! reference may be live, where the caller's frame keeps it. The collector
//! finds a frame's return address here and reads (and, as objects move,
//! rewrites) the 8-byte slots at the recorded offsets from the caller's
//! stack pointer, which is its frame pointer minus the recorded frame size.
//!
//! Section `.waot.stack-maps`: `count: u32`, then `count` records of
//! `return_offset: u32` (text offset of the instruction after the call,
//! strictly increasing), `frame_size: u32`, `first_slot: u32`,
//! `slot_count: u32`; then `slots: u32` and that many `u32` offsets. All
//! little-endian. Searched in place.

use crate::error::{FormatError, Result};

/// One call's stack map, as the compiler records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackMapEntry {
    /// Text offset of the call's return address.
    pub return_offset: u32,
    /// The caller's frame pointer minus its stack pointer at the call.
    pub frame_size: u32,
    /// Offsets from that stack pointer of the slots holding references.
    pub slots: Vec<u32>,
}

/// The stack maps of an artifact, read in place.
#[derive(Clone, Copy, Debug, Default)]
pub struct StackMaps<'a> {
    records: &'a [u8],
    slots: &'a [u8],
}

const RECORD: usize = 16;

fn word(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

impl<'a> StackMaps<'a> {
    /// Checks the section at file offset `at` against a text of
    /// `text_len` bytes: records in order and inside the text, slot ranges
    /// inside the slot list, every slot an aligned word inside its frame.
    pub fn parse(section: &'a [u8], at: usize, text_len: usize) -> Result<StackMaps<'a>> {
        let err = |message, offset: usize| FormatError::new(message, at + offset);
        let count = *section
            .first_chunk::<4>()
            .ok_or(err("stack maps truncated", 0))?;
        let count = u32::from_le_bytes(count) as usize;
        let records_end = count
            .checked_mul(RECORD)
            .and_then(|n| n.checked_add(4))
            .filter(|&end| end + 4 <= section.len())
            .ok_or(err("stack map count larger than its section", 0))?;
        let records = &section[4..records_end];
        let slot_count = word(section, records_end) as usize;
        let slots = &section[records_end + 4..];
        if slot_count.checked_mul(4) != Some(slots.len()) {
            return Err(err("stack map slots do not fill the section", records_end));
        }
        let maps = StackMaps { records, slots };
        let mut previous = None;
        for i in 0..count {
            let r = 4 + i * RECORD;
            let (offset, frame_size, first, n) = maps.record(i);
            if previous.is_some_and(|p| p >= offset) || offset as usize > text_len {
                return Err(err(
                    "stack map return offsets out of order or outside the text",
                    r,
                ));
            }
            previous = Some(offset);
            let end = (first as usize).checked_add(n as usize);
            if end.is_none_or(|end| end > slot_count) {
                return Err(err("stack map slots out of range", r + 8));
            }
            for s in maps.slot_list(first, n) {
                if s % 8 != 0 || u64::from(s) + 8 > u64::from(frame_size) {
                    return Err(err("stack map slot outside its frame", r + 8));
                }
            }
        }
        Ok(maps)
    }

    /// Number of calls with a map.
    pub fn len(&self) -> usize {
        self.records.len() / RECORD
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    fn record(&self, i: usize) -> (u32, u32, u32, u32) {
        let r = i * RECORD;
        let w = |k: usize| word(self.records, r + 4 * k);
        (w(0), w(1), w(2), w(3))
    }

    fn slot_list(&self, first: u32, n: u32) -> impl Iterator<Item = u32> + 'a {
        let slots = self.slots;
        (first..first + n).map(move |s| word(slots, 4 * s as usize))
    }

    /// The map of the call returning to text offset `return_offset`: the
    /// frame size and the slot offsets (none: no reference is live there).
    pub fn lookup(&self, return_offset: u32) -> Option<(u32, impl Iterator<Item = u32> + 'a)> {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            let (offset, frame_size, first, n) = self.record(mid);
            match offset.cmp(&return_offset) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return Some((frame_size, self.slot_list(first, n))),
            }
        }
        None
    }

    /// Every record, for `waot inspect` and tests.
    pub fn entries(&self) -> Vec<StackMapEntry> {
        (0..self.len())
            .map(|i| {
                let (return_offset, frame_size, first, n) = self.record(i);
                StackMapEntry {
                    return_offset,
                    frame_size,
                    slots: self.slot_list(first, n).collect(),
                }
            })
            .collect()
    }
}

/// The section's bytes for `entries` (sorted here by return offset).
pub fn encode(entries: &[StackMapEntry]) -> Vec<u8> {
    let mut sorted: Vec<&StackMapEntry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.return_offset);
    let mut out = Vec::new();
    out.extend_from_slice(&(sorted.len() as u32).to_le_bytes());
    let mut first = 0u32;
    for e in &sorted {
        for v in [e.return_offset, e.frame_size, first, e.slots.len() as u32] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        first += e.slots.len() as u32;
    }
    out.extend_from_slice(&first.to_le_bytes());
    for s in sorted.iter().flat_map(|e| &e.slots) {
        out.extend_from_slice(&s.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(return_offset: u32, slots: &[u32]) -> StackMapEntry {
        StackMapEntry {
            return_offset,
            frame_size: 64,
            slots: slots.to_vec(),
        }
    }

    #[test]
    fn maps_round_trip_and_are_found_by_return_offset() {
        let entries = [entry(40, &[8, 16]), entry(12, &[]), entry(90, &[0])];
        let bytes = encode(&entries);
        let maps = StackMaps::parse(&bytes, 0, 100).unwrap();
        assert_eq!(maps.len(), 3);
        let (size, slots) = maps.lookup(40).unwrap();
        assert_eq!((size, slots.collect::<Vec<_>>()), (64, vec![8, 16]));
        assert!(maps.lookup(41).is_none());
        assert_eq!(maps.entries()[0], entries[1]);
    }

    #[test]
    fn hostile_maps_are_refused() {
        let bytes = encode(&[entry(40, &[8]), entry(50, &[16])]);
        assert!(StackMaps::parse(&bytes, 0, 45).is_err(), "outside the text");
        let outside = encode(&[entry(4, &[64])]);
        assert!(
            StackMaps::parse(&outside, 0, 45).is_err(),
            "outside the frame"
        );
        let unaligned = encode(&[entry(4, &[4])]);
        assert!(StackMaps::parse(&unaligned, 0, 45).is_err());
        for cut in 0..bytes.len() {
            assert!(
                StackMaps::parse(&bytes[..cut], 0, 100).is_err(),
                "cut at {cut}"
            );
        }
        let mut swapped = bytes.clone();
        swapped[4..8].copy_from_slice(&60u32.to_le_bytes());
        assert!(StackMaps::parse(&swapped, 0, 100).is_err(), "out of order");
    }
}
