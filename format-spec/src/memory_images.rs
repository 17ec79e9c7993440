//! Reading `.waot.memory-images` (format 2.12, SPEC.md "Memory images"):
//! each defined memory's initial contents as one page-aligned block of
//! `.rodata.wasm`, checked so that a loader may map it as it is.

use crate::decode::decode_list;
use crate::error::{FormatError, Result};
use crate::reader::Cursor;
use crate::types::{MemoryDesc, MemoryImage, MemoryIndex};

/// Reads `.waot.memory-images` (format 2.12): images of defined memories,
/// in increasing memory order and at increasing places in `.rodata.wasm`
/// without overlapping, aligned to `align` in the memory and in
/// `.rodata.wasm`, inside both (the memory at its initial size).
pub(crate) fn decode_memory_images<'a>(
    c: &mut Cursor<'a>,
    imported_memories: u32,
    memories: &[MemoryDesc],
    data_bytes: &'a [u8],
    align: u64,
) -> Result<Vec<MemoryImage<'a>>> {
    let mut next_memory = imported_memories;
    let mut next_start = 0u64;
    decode_list(c, 28, |c| {
        let at = c.offset();
        let memory = c.u32()?;
        let memory_offset = c.u64()?;
        let start = c.u64()?;
        let len = c.u64()?;
        let desc = memory
            .checked_sub(imported_memories)
            .and_then(|i| memories.get(i as usize))
            .ok_or(FormatError::new(
                "memory image of a memory the module does not define",
                at,
            ))?;
        if memory < next_memory || start < next_start {
            return Err(FormatError::new(
                "memory images out of order or overlapping",
                at,
            ));
        }
        let aligned = |v: u64| align.is_power_of_two() && v.is_multiple_of(align);
        if !aligned(memory_offset) || !aligned(start) || len == 0 {
            return Err(FormatError::new(
                "memory image not aligned to the text alignment, or empty",
                at,
            ));
        }
        let fits = desc
            .min_pages
            .checked_mul(crate::consts::WASM_PAGE_SIZE)
            .zip(memory_offset.checked_add(len))
            .is_some_and(|(size, end)| end <= size);
        let bytes = usize::try_from(start)
            .ok()
            .zip(usize::try_from(len).ok())
            .and_then(|(s, l)| data_bytes.get(s..s.checked_add(l)?));
        match bytes {
            Some(bytes) if fits => {
                next_memory = memory + 1;
                next_start = start + len;
                Ok(MemoryImage {
                    memory: MemoryIndex(memory),
                    memory_offset,
                    bytes,
                })
            }
            _ => Err(FormatError::new(
                "memory image outside its memory or outside .rodata.wasm",
                at,
            )),
        }
    })
}
