//! The GC builtins compiled code calls: the allocator's slow path and the
//! bulk array instructions that copy from segments or between arrays.
//! Array bounds are checked by compiled code before the call; a segment's
//! bounds here (1: out of bounds, the caller traps).

use crate::builtins::instance;
use crate::interrupt::VMRuntimeLimits;
use waot_format::vmctx::{self, gc_object};

const OK: i32 = 0;
const OUT_OF_BOUNDS: i32 = 1;

/// The runtime limits block of `vmctx`'s instance.
fn limits<'a>(vmctx: *mut u8) -> &'a VMRuntimeLimits {
    // SAFETY: compiled code passes its own VM context, whose
    // RUNTIME_LIMITS slot points at its placement's live limits block.
    unsafe { &*(*(vmctx.add(vmctx::RUNTIME_LIMITS as usize) as *const *const VMRuntimeLimits)) }
}

/// The address of element `index` of the array at `array`.
fn element(array: usize, index: i32, element_size: usize) -> usize {
    array + gc_object::ARRAY_ELEMENTS as usize + index as u32 as usize * element_size
}

pub(crate) extern "C" fn gc_alloc(vmctx: *mut u8, fp: usize, size: i64) -> usize {
    let limits = limits(vmctx);
    // Instantiating a module with GC types made the heap.
    match limits.existing_gc_heap() {
        Some(heap) => heap.alloc_slow(limits, Some(fp), size as u64),
        None => 0,
    }
}

pub(crate) extern "C" fn array_init_data(
    vmctx: *mut u8,
    array: usize,
    dst: i32,
    data: i32,
    src: i32,
    len: i32,
    element_size: i32,
) -> i32 {
    let bytes = instance(vmctx).data_segment(data as u32);
    // Only the low 32 bits: s390x and riscv64 callers need not extend an
    // `i32` argument, which Rust reads as extended.
    let size = element_size as u32 as usize;
    let (src, n) = (src as u32 as usize, len as u32 as usize * size);
    let Some(from) = src.checked_add(n).and_then(|end| bytes.get(src..end)) else {
        return OUT_OF_BOUNDS;
    };
    if array != 0 {
        // SAFETY: compiled code checked that elements `dst..dst + len` are
        // in the array; data segment bytes and array elements are both
        // little-endian, so the bytes copy as they are.
        unsafe {
            let to = element(array, dst, size) as *mut u8;
            std::ptr::copy_nonoverlapping(from.as_ptr(), to, n);
        }
    }
    OK
}

pub(crate) extern "C" fn array_init_elem(
    vmctx: *mut u8,
    array: usize,
    dst: i32,
    elem: i32,
    src: i32,
    len: i32,
) -> i32 {
    let items = instance(vmctx).element_segment(elem as u32);
    let (src, len) = (src as u32 as usize, len as u32 as usize);
    let Some(from) = src.checked_add(len).and_then(|end| items.get(src..end)) else {
        return OUT_OF_BOUNDS;
    };
    if array != 0 {
        for (k, item) in from.iter().enumerate() {
            let at = element(array, dst, 8) + 8 * k;
            // SAFETY: compiled code checked the destination range; each
            // element is a little-endian reference word.
            unsafe { std::ptr::write_unaligned(at as *mut u64, (*item as u64).to_le()) };
        }
    }
    OK
}

pub(crate) extern "C" fn array_copy(
    _vmctx: *mut u8,
    dst: usize,
    dst_index: i32,
    src: usize,
    src_index: i32,
    len: i32,
    element_size: i32,
) -> i32 {
    // Only the low 32 bits: s390x and riscv64 callers need not extend an
    // `i32` argument, which Rust reads as extended.
    let size = element_size as u32 as usize;
    // SAFETY: compiled code checked both ranges against their arrays'
    // lengths; they may overlap (one array), which `copy` allows.
    unsafe {
        std::ptr::copy(
            element(src, src_index, size) as *const u8,
            element(dst, dst_index, size) as *mut u8,
            len as u32 as usize * size,
        );
    }
    OK
}
