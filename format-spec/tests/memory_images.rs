//! Memory images (format 2.12): which modules get them, what they hold,
//! and that a loader that maps them and one that skips them and copies the
//! data segments end with the same memories.

mod common;

use waot_format::artifact::Artifact;
use waot_format::types::*;
use waot_format::writer::{ArtifactContents, write};

const PAGE: u64 = 65536;

fn memory(pages: u64) -> MemoryDesc {
    MemoryDesc {
        min_pages: pages,
        max_pages: None,
        page_limit: None,
        shared: false,
        memory64: false,
    }
}

fn active<'a>(memory: u32, offset: i32, bytes: &'a [u8]) -> DataSegment<'a> {
    DataSegment {
        active: Some((MemoryIndex(memory), ConstExpr::I32(offset))),
        bytes,
    }
}

/// Writes a module with these imports, defined memories and data.
fn artifact(imports: &[Import], memories: &[MemoryDesc], data: &[DataSegment]) -> Vec<u8> {
    write(&ArtifactContents {
        producer: "waot 0.22.0",
        source_sha256: [1; 32],
        build: common::build_info(),
        module: &ModuleMeta {
            imports: imports.to_vec(),
            memories: memories.to_vec(),
            data: data.to_vec(),
            ..ModuleMeta::default()
        },
        funcs: &[],
        import_trampolines: &[],
        type_trampolines: &[],
        traps: &[],
        handlers: &[],
        stack_maps: Default::default(),
        text: &[],
    })
}

/// The defined memories after instantiation, the way a loader that skips
/// the images does it (every active segment copied, in order) or the way
/// one that maps them does (images, then the segments of other memories);
/// a segment out of bounds ends it, as its trap ends instantiation.
fn memories_after(a: &Artifact, use_images: bool) -> Vec<Vec<u8>> {
    let imported = a.index_space().memories.imported;
    let mut memories: Vec<Vec<u8>> = a
        .module
        .memories
        .iter()
        .map(|m| vec![0; (m.min_pages * PAGE) as usize])
        .collect();
    let with_image = |m: MemoryIndex| use_images && a.memory_images.iter().any(|i| i.memory == m);
    if use_images {
        for image in &a.memory_images {
            let at = image.memory_offset as usize;
            memories[(image.memory.0 - imported) as usize][at..at + image.bytes.len()]
                .copy_from_slice(image.bytes);
        }
    }
    for seg in &a.module.data {
        let Some((m, ConstExpr::I32(offset))) = &seg.active else {
            continue;
        };
        if !with_image(*m) {
            let at = *offset as usize;
            // Out of bounds: instantiation traps here.
            let Some(to) = memories[(m.0 - imported) as usize].get_mut(at..at + seg.bytes.len())
            else {
                break;
            };
            to.copy_from_slice(seg.bytes);
        }
    }
    memories
}

/// Writes, reads back, and checks that images and segments agree.
fn check(imports: &[Import], memories: &[MemoryDesc], data: &[DataSegment]) -> Vec<(u32, u64)> {
    let bytes = artifact(imports, memories, data);
    let a = Artifact::parse(&bytes).expect("a written artifact reads back");
    if imports.is_empty() {
        assert_eq!(memories_after(&a, true), memories_after(&a, false));
    }
    for image in &a.memory_images {
        let start = image.bytes.as_ptr() as usize - bytes.as_ptr() as usize;
        assert_eq!(start % 4096, 0, "an image starts on a page of the file");
        assert_eq!(image.memory_offset % 4096, 0);
    }
    a.memory_images
        .iter()
        .map(|i| (i.memory.0, i.memory_offset))
        .collect()
}

#[test]
fn a_module_with_constant_segments_gets_an_image() {
    let data = [active(0, 16, b"hello"), active(0, 5000, b"world")];
    assert_eq!(check(&[], &[memory(1)], &data), [(0, 0)]);
    let bytes = artifact(&[], &[memory(1)], &data);
    let a = Artifact::parse(&bytes).unwrap();
    let image = a.memory_images[0].bytes;
    assert_eq!(image.len(), 5005);
    assert_eq!(&image[16..21], b"hello");
    assert_eq!(&image[5000..], b"world");
    assert!(image[..16].iter().chain(&image[21..5000]).all(|&b| b == 0));
    assert_eq!(
        a.module.data[0].bytes, b"hello",
        "segments keep their own bytes"
    );
}

#[test]
fn less_than_a_page_of_data_stays_in_its_segments() {
    let data = [active(0, 1024, &[1; 3000])];
    assert_eq!(check(&[], &[memory(1)], &data), []);
}

#[test]
fn an_image_starts_at_the_page_of_its_first_byte() {
    let data = [active(0, 3 * 4096 + 7, &[9; 5000])];
    assert_eq!(check(&[], &[memory(1)], &data), [(0, 3 * 4096)]);
}

#[test]
fn overlapping_segments_leave_what_the_last_one_wrote() {
    let data = [active(0, 0, &[b'a'; 5000]), active(0, 3, b"bb")];
    check(&[], &[memory(1)], &data);
    let bytes = artifact(&[], &[memory(1)], &data);
    let a = Artifact::parse(&bytes).unwrap();
    assert_eq!(&a.memory_images[0].bytes[..6], b"aaabba");
    assert_eq!(
        &a.module.data[0].bytes[..6],
        b"aaabba",
        "the first segment reads the image"
    );
}

#[test]
fn no_image_when_a_segment_could_trap_or_lands_at_run_time() {
    // Past the initial size: instantiation traps after earlier segments.
    let oob = [active(0, 10, &[1; 5000]), active(0, PAGE as i32 - 1, b"xy")];
    assert_eq!(check(&[], &[memory(1)], &oob), []);
    // An offset only instantiation knows.
    let global = [DataSegment {
        active: Some((MemoryIndex(0), ConstExpr::GlobalGet(GlobalIndex(0)))),
        bytes: &[2; 5000],
    }];
    let imports = [Import {
        module: "env",
        name: "base",
        kind: ImportKind::Global {
            ty: ValType::I32,
            mutable: false,
        },
    }];
    assert_eq!(check(&imports, &[memory(1)], &global), []);
    // Into an imported memory, whose size only linking knows.
    let imports = [Import {
        module: "env",
        name: "memory",
        kind: ImportKind::Memory(memory(1)),
    }];
    let data = [active(0, 0, &[3; 5000]), active(1, 0, &[4; 5000])];
    assert_eq!(check(&imports, &[memory(1)], &data), []);
}

#[test]
fn a_sparse_memory_is_copied_while_a_dense_one_gets_its_image() {
    let data = [
        active(0, 0, b"x"),
        active(0, 60000, b"y"),
        active(1, 100, &[5; 9000]),
    ];
    assert_eq!(check(&[], &[memory(1), memory(1)], &data), [(1, 0)]);
}

#[test]
fn passive_and_empty_segments_need_no_image() {
    let data = [
        DataSegment {
            active: None,
            bytes: b"passive",
        },
        active(0, 65536, b""),
    ];
    assert_eq!(check(&[], &[memory(1)], &data), []);
}
