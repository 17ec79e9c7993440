//! The pooling allocator's memories ([`crate::InstanceAllocationStrategy`]):
//! reservations kept from one instance to the next, so that instantiating
//! costs no `mmap`/`munmap` of a reservation. A memory that goes hands its
//! slot back after one `madvise(MADV_DONTNEED)` over its accessible pages,
//! which turns anonymous pages back into zeros and pages of a memory image
//! (a private file mapping) back into the image's bytes; a slot that still
//! maps the image the next memory wants is reused as it is.

use crate::memory::{MemoryError, reservation_len};
use std::sync::Mutex;

/// Names one memory image: the module that holds it (a number no other
/// module gets in this process) and the memory it initialises.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ImageKey {
    pub module: u64,
    pub memory: u32,
}

/// An image mapped over a memory: which, where, and how many bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct MappedImage {
    pub key: ImageKey,
    pub offset: usize,
    pub len: usize,
}

/// One reservation (`memory::reservation_len` bytes at `base`), of which
/// the first `accessible` bytes are readable and writable and read as
/// zeros, except `image`'s, which read as the image.
#[derive(Debug)]
pub(crate) struct Slot {
    pub base: usize,
    pub accessible: usize,
    pub image: Option<MappedImage>,
}

impl Slot {
    /// A fresh reservation, all inaccessible.
    pub(crate) fn fresh(base: *mut u8) -> Slot {
        Slot {
            base: base as usize,
            accessible: 0,
            image: None,
        }
    }

    /// Readies the slot for a memory of `bytes` initial bytes that will get
    /// `image`: an image other than that one is unmapped, and accessible
    /// pages beyond `bytes` become inaccessible (the guard-page bounds
    /// checks rely on them faulting). Returns the image kept. Should the
    /// kernel refuse, the reservation is replaced by a fresh one (or given
    /// up where the kernel may have left a hole in it); when that fails
    /// too, the slot is lost and its caller counts it out.
    pub(crate) fn prepare(
        &mut self,
        image: Option<ImageKey>,
        bytes: usize,
    ) -> Result<Option<MappedImage>, MemoryError> {
        if self.image.is_some_and(|k| Some(k.key) != image) {
            // SAFETY: the accessible range is inside the slot's reservation,
            // which only this slot owns; fresh inaccessible pages replace
            // the image and everything else.
            let remapped = unsafe {
                crate::memory::fresh_pages(
                    self.base as *mut u8,
                    self.accessible,
                    rustix::mm::ProtFlags::empty(),
                )
            };
            if remapped.is_err() {
                // The kernel may have unmapped the range before failing:
                // the reservation is given up, not unmapped (another
                // mapping may sit in the hole), and a fresh one taken.
                *self = Slot::fresh(crate::memory::reserve()?);
                return Ok(None);
            }
            self.accessible = 0;
            self.image = None;
        }
        if self.accessible > bytes {
            // SAFETY: as above.
            let protected = unsafe {
                rustix::mm::mprotect(
                    (self.base + bytes) as *mut _,
                    self.accessible - bytes,
                    rustix::mm::MprotectFlags::empty(),
                )
            };
            if protected.is_err() {
                return self.replace().map(|()| None);
            }
            self.accessible = bytes;
        }
        Ok(self.image)
    }

    /// Gives the reservation up for a fresh one.
    fn replace(&mut self) -> Result<(), MemoryError> {
        // SAFETY: unmapping the slot's own reservation, which nothing uses.
        unsafe {
            let _ = rustix::mm::munmap(self.base as *mut _, reservation_len());
        }
        self.base = 0;
        *self = Slot::fresh(crate::memory::reserve()?);
        Ok(())
    }
}

/// Reservations for memories, at most `total` in use at once; those not
/// in use stay reserved, their pages released.
#[derive(Debug)]
pub(crate) struct MemoryPool {
    total: usize,
    state: Mutex<PoolState>,
}

#[derive(Debug, Default)]
struct PoolState {
    in_use: usize,
    free: Vec<Slot>,
}

impl MemoryPool {
    /// A pool that lets `total` memories exist at once.
    pub(crate) fn new(total: usize) -> MemoryPool {
        MemoryPool {
            total,
            state: Mutex::new(PoolState::default()),
        }
    }

    /// A slot: one that maps `image` if there is one, else one without an
    /// image, else any free one, else a new reservation.
    pub(crate) fn acquire(&self, image: Option<ImageKey>) -> Result<Slot, MemoryError> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let free = &state.free;
        let same = |s: &Slot| image.is_some() && s.image.map(|i| i.key) == image;
        let pick = free
            .iter()
            .rposition(same)
            .or_else(|| free.iter().rposition(|s| s.image.is_none()))
            .or_else(|| free.len().checked_sub(1));
        if let Some(i) = pick {
            state.in_use += 1;
            return Ok(state.free.swap_remove(i));
        }
        if state.in_use >= self.total {
            return Err(MemoryError(format!(
                "all {} memories of the pooling allocator are in use (raise PoolingAllocationConfig::total_memories)",
                self.total
            )));
        }
        state.in_use += 1;
        drop(state);
        match crate::memory::reserve() {
            Ok(base) => Ok(Slot::fresh(base)),
            Err(e) => {
                self.state.lock().unwrap_or_else(|e| e.into_inner()).in_use -= 1;
                Err(e)
            }
        }
    }

    /// Counts out a slot that [`Slot::prepare`] lost.
    pub(crate) fn forget(&self) {
        self.state.lock().unwrap_or_else(|e| e.into_inner()).in_use -= 1;
    }

    /// Takes back a slot whose memory went: its accessible pages are
    /// released (zeros again, the image's the image's bytes).
    pub(crate) fn release(&self, slot: Slot) {
        // SAFETY: the slot's accessible range lies in its reservation, which
        // no memory uses any more.
        let reset = unsafe {
            rustix::mm::madvise(
                slot.base as *mut _,
                slot.accessible,
                rustix::mm::Advice::LinuxDontNeed,
            )
        };
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.in_use -= 1;
        if reset.is_ok() {
            state.free.push(slot);
        } else {
            drop(state);
            // SAFETY: as above; a slot that cannot be reset is given up.
            unsafe {
                let _ = rustix::mm::munmap(slot.base as *mut _, reservation_len());
            }
        }
    }
}

impl Drop for MemoryPool {
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|e| e.into_inner());
        for slot in state.free.drain(..) {
            // SAFETY: a free slot's reservation belongs to the pool alone,
            // and the pool is going.
            unsafe {
                let _ = rustix::mm::munmap(slot.base as *mut _, reservation_len());
            }
        }
    }
}
