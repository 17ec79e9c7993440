//! Linear memory. Every memory reserves its full address range plus a guard
//! region up front (inaccessible), and makes pages accessible as it grows,
//! so its base address never moves and guard-page code can fault on any
//! out-of-bounds access.

use crate::host::{MEMORY_GUARD, MEMORY_RESERVATION};
use std::cell::Cell;
use waot_format::consts::WASM_PAGE_SIZE;
use waot_format::types::MemoryDesc;

/// Pages a 32-bit memory can ever have.
pub const MAX_PAGES_32: u64 = 65536;

/// Why a memory could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoryError(pub String);

/// The `{ base, length }` record compiled code reads through the VM
/// context (layout: `waot_format::vmctx::memory`).
#[repr(C)]
pub(crate) struct VMMemoryDefinition {
    base: *mut u8,
    length: Cell<u64>,
}

const _: () = {
    use std::mem::offset_of;
    use waot_format::vmctx::memory;
    assert!(offset_of!(VMMemoryDefinition, base) == memory::BASE as usize);
    assert!(offset_of!(VMMemoryDefinition, length) == memory::LENGTH as usize);
};

/// One linear memory.
pub struct LinearMemory {
    base: *mut u8,
    mapping_len: usize,
    pages: Cell<u64>,
    limit_pages: u64,
    declared_max: Option<u64>,
    /// Declared `shared` (threads); waot runs wasm on one thread, so it
    /// changes only linking and `memory.atomic.wait`.
    shared: bool,
    /// Whether the memory is 64-bit indexed.
    memory64: bool,
    definition: Box<VMMemoryDefinition>,
}

impl LinearMemory {
    /// Creates a memory with exactly `desc.min_pages` accessible pages.
    /// `runtime_limit` is an extra page limit set at run time.
    pub fn new(desc: &MemoryDesc, runtime_limit: Option<u64>) -> Result<Self, MemoryError> {
        let limit_pages = [
            Some(MAX_PAGES_32),
            desc.max_pages,
            desc.page_limit,
            runtime_limit,
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(MAX_PAGES_32);
        if desc.min_pages > limit_pages {
            return Err(MemoryError(format!(
                "memory needs {} initial pages but at most {} are allowed (declared max {}, compiled limit {}, run-time limit {})",
                desc.min_pages,
                limit_pages,
                desc.max_pages.map_or("none".into(), |v| v.to_string()),
                desc.page_limit.map_or("none".into(), |v| v.to_string()),
                runtime_limit.map_or("none".into(), |v| v.to_string()),
            )));
        }
        let mapping_len = (MEMORY_RESERVATION + MEMORY_GUARD) as usize;
        // SAFETY: an anonymous, inaccessible, private mapping at an address of
        // the kernel's choosing aliases nothing.
        let base = unsafe {
            rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                mapping_len,
                rustix::mm::ProtFlags::empty(),
                rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::NORESERVE,
            )
        }
        .map_err(|e| MemoryError(format!("cannot reserve memory address space: {e}")))?;
        let definition = Box::new(VMMemoryDefinition {
            base: base.cast(),
            length: Cell::new(0),
        });
        let memory = LinearMemory {
            base: base.cast(),
            mapping_len,
            pages: Cell::new(0),
            limit_pages,
            declared_max: desc.max_pages,
            shared: desc.shared,
            memory64: desc.memory64,
            definition,
        };
        if memory.grow(desc.min_pages).is_none() {
            return Err(MemoryError("cannot commit initial memory".into()));
        }
        Ok(memory)
    }

    /// Base address.
    pub(crate) fn base(&self) -> *mut u8 {
        self.base
    }

    /// Current size in bytes.
    pub fn byte_len(&self) -> usize {
        (self.pages.get() * WASM_PAGE_SIZE) as usize
    }

    /// Current size in pages.
    pub fn pages(&self) -> u64 {
        self.pages.get()
    }

    /// Grows by `delta` pages; returns the old size, or `None` (and changes
    /// nothing) past the limit.
    pub fn grow(&self, delta: u64) -> Option<u64> {
        let old = self.pages.get();
        let new = old.checked_add(delta).filter(|&n| n <= self.limit_pages)?;
        if delta > 0 {
            let start = old * WASM_PAGE_SIZE;
            let len = delta * WASM_PAGE_SIZE;
            // SAFETY: [start, start + len) lies inside our reservation (new ≤
            // 65536 pages = MEMORY_RESERVATION) and is not yet accessible.
            unsafe {
                rustix::mm::mprotect(
                    self.base.add(start as usize).cast(),
                    len as usize,
                    rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
                )
            }
            .ok()?;
        }
        self.pages.set(new);
        self.definition.length.set(new * WASM_PAGE_SIZE);
        Some(old)
    }

    /// The most pages it may ever have (declared maximum, compiled and
    /// run-time limits, and 65536 for a 32-bit memory).
    pub fn limit_pages(&self) -> u64 {
        self.limit_pages
    }

    /// The declared maximum in pages, as linking compares it.
    pub fn declared_max(&self) -> Option<u64> {
        self.declared_max
    }

    /// Whether the memory was declared `shared`.
    pub fn shared(&self) -> bool {
        self.shared
    }

    /// Whether the memory is 64-bit indexed (memory64 proposal).
    pub fn memory64(&self) -> bool {
        self.memory64
    }

    /// The record compiled code reads base and length from.
    pub(crate) fn definition_ptr(&self) -> *const VMMemoryDefinition {
        &*self.definition
    }

    /// Whether `[offset, offset + len)` lies inside the memory.
    pub fn in_bounds(&self, offset: u64, len: u64) -> bool {
        offset
            .checked_add(len)
            .is_some_and(|end| end <= self.byte_len() as u64)
    }

    /// The accessible bytes.
    ///
    /// # Safety
    /// No wasm code may run while the slice is alive (wasm writes memory
    /// without going through Rust references), and no other slice from this
    /// function may be alive.
    #[allow(clippy::mut_from_ref)] // the bytes are not owned by `self`'s fields
    pub unsafe fn bytes_mut(&self) -> &mut [u8] {
        // SAFETY: the first byte_len() bytes are mapped read+write and owned
        // by this memory; the caller excludes concurrent wasm access.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.byte_len()) }
    }

    /// Its bytes, shared.
    ///
    /// # Safety
    /// Nothing may write or grow the memory while the slice lives.
    pub(crate) unsafe fn bytes(&self) -> &[u8] {
        // SAFETY: the first byte_len() bytes are mapped and owned by this
        // memory; the caller excludes writers.
        unsafe { std::slice::from_raw_parts(self.base, self.byte_len()) }
    }
}

impl Drop for LinearMemory {
    fn drop(&mut self) {
        // SAFETY: unmapping exactly the reservation this memory created.
        unsafe {
            let _ = rustix::mm::munmap(self.base.cast(), self.mapping_len);
        }
    }
}
