//! Linear memory. Every memory reserves its full address range plus a guard
//! region up front (inaccessible), and makes pages accessible as it grows,
//! so its base address never moves and guard-page code can fault on any
//! out-of-bounds access. The reservation is its own, or a slot of a
//! [`MemoryPool`] it goes back to; a memory image (SPEC.md, "Memory
//! images") is mapped over it copy-on-write from the artifact.

use crate::host::{MEMORY_GUARD, MEMORY_RESERVATION};
use crate::pool::{ImageKey, MappedImage, MemoryPool, Slot};
use rustix::mm::ProtFlags;
use std::cell::Cell;
use std::os::fd::BorrowedFd;
use std::sync::Arc;
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
    /// The image mapped over its first pages, if any.
    image: Cell<Option<MappedImage>>,
    /// Where the reservation came from and goes back to.
    backing: Backing,
    /// What becomes of the reservation when the memory goes.
    fate: Cell<Fate>,
}

/// What becomes of a memory's reservation when the memory goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fate {
    /// Back to its pool, or unmapped.
    Normal,
    /// A mapping over it failed and inaccessible pages were put back: it
    /// is unmapped, never pooled (its contents are not what a slot holds).
    Unmap,
    /// A mapping over it failed and so did putting pages back: the kernel
    /// may have left a hole another mapping could take, so the reservation
    /// is never unmapped or reused (its address space is given up).
    Leak,
}

/// Where a memory's reservation comes from.
enum Backing {
    /// Its own, unmapped when it goes.
    Owned,
    /// A pool's slot, reset and handed back when it goes.
    Pooled(Arc<MemoryPool>),
}

/// A memory image to apply: its bytes, where they go, and the file they
/// can be mapped from.
pub(crate) struct ImageSource<'a> {
    /// Names the image, so that a pooled slot that still maps it is reused
    /// as it is.
    pub key: ImageKey,
    /// The memory it initialises.
    pub memory: waot_format::types::MemoryIndex,
    /// Where the image starts in the memory (page-aligned).
    pub memory_offset: u64,
    /// Its bytes.
    pub bytes: &'a [u8],
    /// A file holding `bytes` at a page-aligned offset, when there is one.
    pub file: Option<(BorrowedFd<'a>, u64)>,
}

/// Reserves a memory's address range and guard, inaccessible.
pub(crate) fn reserve() -> Result<*mut u8, MemoryError> {
    // SAFETY: an anonymous, inaccessible, private mapping at an address of
    // the kernel's choosing aliases nothing.
    let base = unsafe {
        rustix::mm::mmap_anonymous(
            std::ptr::null_mut(),
            reservation_len(),
            ProtFlags::empty(),
            rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::NORESERVE,
        )
    }
    .map_err(|e| MemoryError(format!("cannot reserve memory address space: {e}")))?;
    Ok(base.cast())
}

/// Readable and writable.
const READ_WRITE: ProtFlags = ProtFlags::READ.union(ProtFlags::WRITE);

/// Replaces `[addr, addr + len)` with fresh anonymous pages (zeros) of
/// protection `prot`, in place (`MAP_FIXED`).
///
/// # Safety
/// The range must lie inside a reservation the caller owns, and nothing may
/// borrow its bytes.
pub(crate) unsafe fn fresh_pages(
    addr: *mut u8,
    len: usize,
    prot: ProtFlags,
) -> rustix::io::Result<()> {
    use rustix::mm::MapFlags;
    // SAFETY: the caller owns the range and nothing borrows it; the new
    // mapping replaces exactly that range.
    unsafe {
        rustix::mm::mmap_anonymous(
            addr.cast(),
            len,
            prot,
            MapFlags::PRIVATE | MapFlags::FIXED | MapFlags::NORESERVE,
        )
    }
    .map(drop)
}

/// Bytes of one reservation, guard included.
pub(crate) fn reservation_len() -> usize {
    (MEMORY_RESERVATION + MEMORY_GUARD) as usize
}

impl LinearMemory {
    /// Creates a memory with exactly `desc.min_pages` accessible pages.
    /// `runtime_limit` is an extra page limit set at run time.
    pub fn new(desc: &MemoryDesc, runtime_limit: Option<u64>) -> Result<Self, MemoryError> {
        Self::new_in(desc, runtime_limit, None, None)
    }

    /// Creates a memory as [`LinearMemory::new`], in a slot of `pool` when
    /// there is one (preferring a slot that still maps `image`, the image
    /// the memory will get).
    pub(crate) fn new_in(
        desc: &MemoryDesc,
        runtime_limit: Option<u64>,
        pool: Option<&Arc<MemoryPool>>,
        image: Option<ImageKey>,
    ) -> Result<Self, MemoryError> {
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
        let bytes = desc.min_pages * WASM_PAGE_SIZE;
        let (mut slot, backing) = match pool {
            Some(pool) => (pool.acquire(image)?, Backing::Pooled(pool.clone())),
            None => (Slot::fresh(reserve()?), Backing::Owned),
        };
        // A reused slot keeps the image it maps when it is the one wanted
        // (its pages were reset to the image's bytes, the others to zeros).
        let kept = match slot.prepare(image, bytes as usize) {
            Ok(kept) => kept,
            Err(e) => {
                if let Backing::Pooled(pool) = &backing {
                    pool.forget();
                }
                return Err(e);
            }
        };
        let base = slot.base as *mut u8;
        let accessible = slot.accessible as u64;
        let memory = LinearMemory {
            base,
            mapping_len: reservation_len(),
            pages: Cell::new(accessible / WASM_PAGE_SIZE),
            limit_pages,
            declared_max: desc.max_pages,
            shared: desc.shared,
            memory64: desc.memory64,
            definition: Box::new(VMMemoryDefinition {
                base,
                length: Cell::new(accessible),
            }),
            image: Cell::new(kept),
            backing,
            fate: Cell::new(Fate::Normal),
        };
        if memory.grow(desc.min_pages - memory.pages()).is_none() {
            return Err(MemoryError("cannot commit initial memory".into()));
        }
        Ok(memory)
    }

    /// Puts `image` in place: maps its whole host pages from its file,
    /// copy-on-write (unless they are mapped already), and copies the rest.
    /// The memory must be fresh: its bytes there are zero and nothing
    /// borrows them.
    pub(crate) fn apply_image(&self, image: &ImageSource) -> Result<(), MemoryError> {
        let end = image.memory_offset.checked_add(image.bytes.len() as u64);
        if end.is_none_or(|end| end > self.byte_len() as u64) {
            return Err(MemoryError("memory image larger than the memory".into()));
        }
        let page = rustix::param::page_size();
        let offset = image.memory_offset as usize;
        let mapped = match image.file {
            Some((fd, file_offset))
                if offset.is_multiple_of(page) && file_offset.is_multiple_of(page as u64) =>
            {
                let len = image.bytes.len() / page * page;
                let wanted = MappedImage {
                    key: image.key,
                    offset,
                    len,
                };
                if len > 0 && self.image.get() != Some(wanted) {
                    self.discard_image()?;
                    // SAFETY: [offset, offset + len) lies inside this memory's
                    // accessible pages (checked above), which it owns and no
                    // reference borrows (the caller's promise); the mapping
                    // replaces them with the file's pages, private.
                    unsafe {
                        rustix::mm::mmap(
                            self.base.add(offset).cast(),
                            len,
                            READ_WRITE,
                            rustix::mm::MapFlags::PRIVATE
                                | rustix::mm::MapFlags::FIXED
                                | rustix::mm::MapFlags::NORESERVE,
                            fd,
                            file_offset,
                        )
                    }
                    .map_err(|e| {
                        self.after_failed_map(offset, len);
                        MemoryError(format!("cannot map the memory image: {e}"))
                    })?;
                    self.image.set(Some(wanted));
                }
                len
            }
            _ => 0,
        };
        let rest = &image.bytes[mapped..];
        // SAFETY: inside the accessible pages (checked above); nothing
        // else borrows them (the caller's promise).
        unsafe {
            std::ptr::copy_nonoverlapping(rest.as_ptr(), self.base.add(offset + mapped), rest.len())
        };
        Ok(())
    }

    /// Replaces a mapped image by zero pages (instantiation failed before
    /// the data segments of a memory whose slot still mapped its image).
    /// Should the kernel refuse, the image's pages become inaccessible and
    /// the memory's reservation is never pooled again.
    pub(crate) fn discard_image(&self) -> Result<(), MemoryError> {
        let Some(image) = self.image.get() else {
            return Ok(());
        };
        // SAFETY: the image's range lies inside the accessible pages of
        // this memory, which owns them; fresh anonymous pages replace it.
        let zeroed = unsafe { fresh_pages(self.base.add(image.offset), image.len, READ_WRITE) };
        match zeroed {
            Ok(_) => {
                self.image.set(None);
                Ok(())
            }
            Err(e) => {
                self.after_failed_map(image.offset, image.len);
                Err(MemoryError(format!("cannot unmap a memory image: {e}")))
            }
        }
    }

    /// After a `MAP_FIXED` over `[offset, offset + len)` failed (the kernel
    /// may have unmapped the range first): puts inaccessible pages back, so
    /// nothing else can be mapped into the reservation, and decides the
    /// reservation's fate ([`Fate`]).
    fn after_failed_map(&self, offset: usize, len: usize) {
        self.image.set(None);
        // SAFETY: the range lies inside this memory's reservation, which it
        // owns; inaccessible anonymous pages replace whatever is there.
        let sealed = unsafe { fresh_pages(self.base.add(offset), len, ProtFlags::empty()) };
        self.fate.set(if sealed.is_ok() {
            Fate::Unmap
        } else {
            Fate::Leak
        });
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
        let fate = self.fate.get();
        if let Backing::Pooled(pool) = &self.backing {
            if fate == Fate::Normal {
                let slot = Slot {
                    base: self.base as usize,
                    accessible: self.byte_len(),
                    image: self.image.get(),
                };
                pool.release(slot);
                return;
            }
            pool.forget();
        }
        if fate == Fate::Leak {
            return;
        }
        // SAFETY: unmapping exactly the reservation this memory created.
        unsafe {
            let _ = rustix::mm::munmap(self.base.cast(), self.mapping_len);
        }
    }
}
