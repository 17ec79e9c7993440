//! The layout of `.rodata.wasm`, and memory images (format 2.12): when
//! every active data segment has a constant offset into a memory the
//! module defines and fits its initial size, applying the data segments
//! cannot trap, and each memory's initial contents are known at compile
//! time. Those contents are then written once, page-aligned, as the
//! memory's *image*, which a loader maps copy-on-write instead of copying
//! segments; the segments' bytes point into the image, so a loader that
//! skips `.waot.memory-images` copies them and gets the same memory.

use super::ArtifactContents;
use crate::consts::WASM_PAGE_SIZE;
use crate::types::{ConstExpr, DataSegment, ImportKind, MemoryDesc};

/// One memory's image: `len` bytes at `start` in `.rodata.wasm` are the
/// memory's bytes from `memory_offset` on (both multiples of the text
/// alignment); every other byte of the memory starts as zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ImageRecord {
    /// Index in the memory index space (imports first).
    pub memory: u32,
    pub memory_offset: u64,
    pub start: u64,
    pub len: u64,
}

/// What `.rodata.wasm` holds and where each segment's bytes are in it.
pub(super) struct DataLayout {
    pub bytes: Vec<u8>,
    /// `(start, len)` of each data segment, in segment order.
    pub spans: Vec<(usize, usize)>,
    pub images: Vec<ImageRecord>,
}

/// Lays out the data bytes, with an image for each memory whose segments
/// allow one (`align`: the text alignment, the largest page size of the
/// target).
pub(super) fn layout(c: &ArtifactContents, align: u64) -> DataLayout {
    let mut bytes = Vec::new();
    let mut spans = Vec::with_capacity(c.module.data.len());
    let mut images = Vec::new();
    let plans = plan_images(c, align);
    for plan in &plans {
        bytes.resize((bytes.len() as u64).next_multiple_of(align) as usize, 0);
        let start = bytes.len() as u64;
        bytes.resize(bytes.len() + plan.len as usize, 0);
        let image = &mut bytes[start as usize..];
        for (seg, offset) in c.module.data.iter().zip(&plan.offsets) {
            if let Some(offset) = offset {
                let at = (offset - plan.memory_offset) as usize;
                image[at..at + seg.bytes.len()].copy_from_slice(seg.bytes);
            }
        }
        images.push(ImageRecord {
            memory: plan.memory,
            memory_offset: plan.memory_offset,
            start,
            len: plan.len,
        });
    }
    for (i, seg) in c.module.data.iter().enumerate() {
        let in_image = plans.iter().zip(&images).find_map(|(plan, image)| {
            plan.offsets[i].map(|offset| image.start + (offset - plan.memory_offset))
        });
        match in_image {
            Some(start) => spans.push((start as usize, seg.bytes.len())),
            None => {
                spans.push((bytes.len(), seg.bytes.len()));
                bytes.extend_from_slice(seg.bytes);
            }
        }
    }
    DataLayout {
        bytes,
        spans,
        images,
    }
}

/// The image of one memory: where it starts in the memory, how long it is,
/// and the offset of every non-empty segment it holds (`None` for the
/// other segments).
struct ImagePlan {
    memory: u32,
    memory_offset: u64,
    len: u64,
    offsets: Vec<Option<u64>>,
}

/// The images to write: none unless applying the segments cannot trap;
/// then one per memory with at least a page of data, unless it would be
/// mostly zeros.
fn plan_images(c: &ArtifactContents, align: u64) -> Vec<ImagePlan> {
    let imported = c
        .module
        .imports
        .iter()
        .filter(|i| matches!(i.kind, ImportKind::Memory(_)))
        .count() as u32;
    let Some(placed) = c
        .module
        .data
        .iter()
        .map(|seg| static_placement(seg, imported, &c.module.memories))
        .collect::<Option<Vec<_>>>()
    else {
        return Vec::new();
    };
    let mut plans = Vec::new();
    for memory in imported..imported + c.module.memories.len() as u32 {
        let offsets: Vec<Option<u64>> = placed
            .iter()
            .zip(&c.module.data)
            .map(|(p, seg)| match p {
                Some((m, offset)) if *m == memory && !seg.bytes.is_empty() => Some(*offset),
                _ => None,
            })
            .collect();
        let ranges = || {
            offsets
                .iter()
                .zip(&c.module.data)
                .filter_map(|(o, seg)| o.map(|o| (o, o + seg.bytes.len() as u64)))
        };
        let (Some(low), Some(high)) = (ranges().map(|r| r.0).min(), ranges().map(|r| r.1).max())
        else {
            continue;
        };
        let memory_offset = low - low % align;
        let len = high - memory_offset;
        let data: u64 = ranges().map(|(s, e)| e - s).sum();
        // Less than a page would be copied anyway (and stored with the
        // zeros before its first byte); a sparse memory (data at both ends
        // of a large gap) is cheaper to copy than to store with its zeros.
        if len < align || len > 2 * data + 2 * align {
            continue;
        }
        plans.push(ImagePlan {
            memory,
            memory_offset,
            len,
            offsets,
        });
    }
    plans
}

/// For an active segment with a constant offset into a defined memory that
/// holds it at the memory's initial size: `Some(Some((memory, offset)))`;
/// for a passive segment `Some(None)`; otherwise (the segment could trap,
/// or lands where only instantiation knows) `None`.
fn static_placement(
    seg: &DataSegment,
    imported: u32,
    memories: &[MemoryDesc],
) -> Option<Option<(u32, u64)>> {
    let Some((memory, offset)) = &seg.active else {
        return Some(None);
    };
    let desc = memories.get(memory.0.checked_sub(imported)? as usize)?;
    let offset = match *offset {
        ConstExpr::I32(v) if !desc.memory64 => u64::from(v as u32),
        ConstExpr::I64(v) if desc.memory64 => v as u64,
        _ => return None,
    };
    let size = desc.min_pages.checked_mul(WASM_PAGE_SIZE)?;
    let end = offset.checked_add(seg.bytes.len() as u64)?;
    (end <= size).then_some(Some((memory.0, offset)))
}
