//! The GC heap of a store (or of a thread's storeless instances): where
//! structs and arrays live, and the collector that reclaims them.
//!
//! Objects are bump-allocated in one reserved address range: compiled
//! code bumps the pointer in the runtime limits block inline and calls
//! `gc_alloc` only when the room a collection left is used up. A
//! collection ([`compact`]) marks what the roots reach and slides it down
//! in place, so no copy reserve doubles the heap, cycles are reclaimed
//! like anything else, the heap never fragments and allocation stays a
//! pointer bump. Objects move, which is why every reference the collector
//! cannot see (the host's) goes through a root ([`roots`]) and compiled
//! code keeps the references live across a call in stack slots the stack
//! maps name, reloading them after the call.

pub(crate) mod builtins;
mod compact;
pub(crate) mod refs;
pub(crate) mod roots;
pub(crate) mod shapes;

use crate::interrupt::VMRuntimeLimits;
use shapes::Shape;
use std::cell::{Cell, RefCell};
use waot_format::gc_layout::array_size;
use waot_format::vmctx::gc_object;

/// Whether `word` is a GC object's address (not null, an `i31` or a
/// host value).
pub(crate) fn is_object(word: u64) -> bool {
    word != 0 && word & waot_format::vmctx::gc_ref::OBJECT_MASK == 0
}

/// Bytes allocation may use before the first collection, and the least
/// room a collection leaves.
const MIN_ROOM: usize = 256 << 10;

/// The most room beyond what lives a collection leaves while that is
/// less than half of what lives: a large heap grows by less than twice
/// its live data.
const LARGE_SLACK: usize = 64 << 20;

/// The default limit of what may live at once.
pub const DEFAULT_MAX_GC_HEAP: usize = 1 << 30;

/// The largest limit of a GC heap (32 GiB less 8 bytes): the collector's
/// forwarding entries count 8-byte units in 32 bits.
pub const LARGEST_GC_HEAP: usize = (u32::MAX as usize) * 8;

/// A GC heap. Its bump pointer and limit live in the runtime limits block
/// compiled code reads.
pub(crate) struct GcHeap {
    /// The address range objects live in, reserved (not committed) when
    /// the first object is allocated; pages become resident as allocation
    /// first touches them. Empty before, or when it could not be reserved.
    region: std::cell::OnceCell<Region>,
    /// Bytes from the region's start allocation may use before the next
    /// collection.
    room: Cell<usize>,
    /// Bytes from the region's start allocation has touched since pages
    /// were last given back.
    touched: Cell<usize>,
    /// The collector's mark bitmap and stack, kept between collections.
    scratch: RefCell<(Vec<u64>, Vec<usize>)>,
    /// Each struct and array type's shape, by canonical id: registered by
    /// every instance placed here before its code runs.
    shapes: RefCell<Vec<Option<Shape>>>,
    /// The most bytes that may live at once.
    max_bytes: usize,
    /// Collect at every allocation the fast path cannot serve, and serve
    /// none from the fast path (`WAOT_GC_STRESS=1`): finds references
    /// compiled code failed to keep.
    stress: bool,
    /// Collections so far.
    collections: Cell<u64>,
}

/// A reserved address range, unmapped when dropped.
struct Region {
    base: usize,
    len: usize,
}

impl Region {
    /// Reserves `len` bytes, readable and writable, committed page by page
    /// as they are touched (`MAP_NORESERVE`).
    fn reserve(len: usize) -> Option<Region> {
        let len = len.next_multiple_of(rustix::param::page_size());
        // SAFETY: an anonymous private mapping at an address of the
        // kernel's choosing aliases nothing.
        let base = unsafe {
            rustix::mm::mmap_anonymous(
                std::ptr::null_mut(),
                len,
                rustix::mm::ProtFlags::READ | rustix::mm::ProtFlags::WRITE,
                rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::NORESERVE,
            )
        }
        .ok()?;
        Some(Region {
            base: base as usize,
            len,
        })
    }

    /// Gives the pages of `from..to` (offsets) back to the kernel; they
    /// read as zeros when touched again.
    fn release(&self, from: usize, to: usize) {
        let page = rustix::param::page_size();
        let (from, to) = (from.next_multiple_of(page), to.min(self.len));
        if from < to {
            // SAFETY: the range is inside this mapping and holds no object
            // (it lies above what a collection left allocated).
            let released = unsafe {
                rustix::mm::madvise(
                    (self.base + from) as *mut _,
                    to - from,
                    rustix::mm::Advice::LinuxDontNeed,
                )
            };
            // Only memory use depends on it.
            let _ = released;
        }
    }
}

impl Drop for Region {
    fn drop(&mut self) {
        // SAFETY: the mapping is this region's, and no object outlives its
        // heap (roots into it were nulled).
        let unmapped = unsafe { rustix::mm::munmap(self.base as *mut _, self.len) };
        let _ = unmapped;
    }
}

impl GcHeap {
    /// A heap where at most `max_bytes` live at once.
    pub(crate) fn new(max_bytes: usize) -> GcHeap {
        GcHeap {
            region: std::cell::OnceCell::new(),
            room: Cell::new(0),
            touched: Cell::new(0),
            scratch: RefCell::new((Vec::new(), Vec::new())),
            shapes: RefCell::new(Vec::new()),
            max_bytes: max_bytes.clamp(64, LARGEST_GC_HEAP),
            stress: std::env::var_os("WAOT_GC_STRESS").is_some_and(|v| v == "1"),
            collections: Cell::new(0),
        }
    }

    /// Records the shape of canonical type `id`.
    pub(crate) fn register_shape(&self, id: u32, shape: Shape) {
        let mut shapes = self.shapes.borrow_mut();
        let i = id as usize;
        if shapes.len() <= i {
            shapes.resize(i + 1, None);
        }
        shapes[i].get_or_insert(shape);
    }

    /// Whether `word` is an address in this heap's region.
    pub(crate) fn contains(&self, word: u64) -> bool {
        self.region.get().is_some_and(|r| {
            let start = r.base as u64;
            (start..start + r.len as u64).contains(&word)
        })
    }

    /// How many collections ran.
    pub(crate) fn collections(&self) -> u64 {
        self.collections.get()
    }

    /// Bytes allocation may use before the next collection (0 before the
    /// first allocation).
    pub(crate) fn space_bytes(&self) -> usize {
        self.room.get()
    }

    /// The region, reserved on first use (`None` when it cannot be),
    /// with the bump pointer set to its start.
    fn region(&self, limits: &VMRuntimeLimits) -> Option<&Region> {
        if self.region.get().is_none() {
            let region = Region::reserve(self.max_bytes)?;
            limits.set_gc_next(region.base);
            self.room.set(MIN_ROOM.min(self.max_bytes));
            let _ = self.region.set(region);
        }
        self.region.get()
    }

    /// Allocates `size` bytes (a multiple of 8) when the fast path
    /// could not, collecting first when the room is used up (`fp`: the
    /// frame pointer of the allocating code's trampoline, where the stack
    /// walk starts). 0 when even a collection leaves no room.
    pub(crate) fn alloc_slow(
        &self,
        limits: &VMRuntimeLimits,
        fp: Option<usize>,
        size: u64,
    ) -> usize {
        let Ok(size) = usize::try_from(size) else {
            return 0;
        };
        if size > self.max_bytes {
            return 0;
        }
        let Some(region) = self.region(limits) else {
            return 0;
        };
        let room_end = |room: usize| region.base + room;
        let fits = || room_end(self.room.get()) - limits.gc_next() >= size;
        if self.stress || !fits() {
            self.collect(limits, fp, size);
        }
        if !fits() {
            return 0;
        }
        let at = limits.gc_next();
        limits.set_gc_next(at + size);
        self.touched
            .set(self.touched.get().max(at + size - region.base));
        // In stress mode the next allocation comes here again.
        let limit = if self.stress {
            at + size
        } else {
            room_end(self.room.get())
        };
        limits.set_gc_limit(limit);
        at
    }

    /// Reclaims everything the roots do not reach, leaving room for
    /// `needed` more bytes if the limit allows.
    pub(crate) fn collect(&self, limits: &VMRuntimeLimits, fp: Option<usize>, needed: usize) {
        let Some(region) = self.region.get() else {
            return;
        };
        let end = limits.gc_next();
        let new_end = {
            let (marks, stack) = &mut *self.scratch.borrow_mut();
            compact::Collection {
                base: region.base,
                end,
                shapes: &self.shapes.borrow(),
                marks,
                stack,
            }
            .run(fp, limits.roots())
        };
        self.collections.set(self.collections.get() + 1);
        let live = new_end - region.base;
        // Twice as much room again as lives, but at most `LARGE_SLACK`
        // unless that is less than half of what lives; at least
        // `MIN_ROOM`, at most the limit.
        let room = live
            .saturating_add(needed)
            .saturating_add((live * 2).min(LARGE_SLACK).max(live / 2))
            .max(MIN_ROOM)
            .min(self.max_bytes);
        self.room.set(room);
        limits.set_gc_next(new_end);
        limits.set_gc_limit(region.base + room);
        // Pages far above the new room go back to the kernel (not those
        // just above: touching fresh pages again costs more than keeping
        // them).
        if self.touched.get() > room * 2 {
            region.release(room, self.touched.get());
            self.touched.set(room);
        }
    }
}

impl Drop for GcHeap {
    /// Roots into this heap would dangle: they become null.
    fn drop(&mut self) {
        roots::for_each_host_root(|word| {
            if self.contains(*word) {
                *word = 0;
            }
        });
    }
}

/// Makes the heap of `limits` (when there is none) for a module with
/// struct or array types, and records their shapes before any of its code
/// or initialisers can allocate.
pub(crate) fn prepare_heap(
    limits: &VMRuntimeLimits,
    arena: *const crate::exceptions::ExnArena,
    a: &waot_format::artifact::Artifact,
    type_ids: &[u32],
    options: &crate::RunOptions,
) {
    let types = &a.module.types;
    if types.iter().all(|t| t.as_func().is_some()) {
        return;
    }
    let heap = limits.gc_heap(options.max_gc_heap);
    limits.roots().set_arena(arena);
    let ctx = waot_format::gc_types::ModuleTypes::new(types, &a.module.rec_groups);
    for (t, id) in types.iter().zip(type_ids) {
        if let Some(shape) = Shape::of(t, &ctx) {
            heap.register_shape(*id, shape);
        }
    }
}

/// The values of a new object: each field or element, or one value
/// repeated.
pub(crate) enum Values<'a> {
    /// A struct's fields in order, or an array's elements.
    Each(&'a [crate::values::Val]),
    /// An array of this many copies of the value.
    Fill(crate::values::Val, u32),
}

/// A new object made by the loader (a constant expression's `struct.new`
/// or `array.new…`), each value written as its storage type's low bytes
/// of the little-endian value. Allocating may collect, which the values
/// survive (references among them are rooted). The kind of trap
/// otherwise.
pub(crate) fn new_object(
    limits: &VMRuntimeLimits,
    type_id: u32,
    composite: &waot_format::gc_types::CompositeType,
    values: Values,
) -> Result<u64, waot_format::traps::TrapKind> {
    use waot_format::gc_layout::{storage_size, struct_layout};
    use waot_format::gc_types::CompositeType;
    use waot_format::traps::TrapKind;
    let heap = limits
        .existing_gc_heap()
        .ok_or(TrapKind::GcHeapOutOfMemory)?;
    let len = match values {
        Values::Each(v) => u32::try_from(v.len()).map_err(|_| TrapKind::AllocationTooLarge)?,
        Values::Fill(_, n) => n,
    };
    // Where each value goes: the offset of the first, the step between
    // them, and the size of one.
    let (size, info, first, step, one) = match composite {
        CompositeType::Struct(fields) => {
            let layout = struct_layout(fields);
            (layout.size, 0, 0, 0, 0)
        }
        CompositeType::Array(element) => {
            let size = array_size(*element, len).ok_or(TrapKind::AllocationTooLarge)?;
            let step = storage_size(element.storage);
            (
                size,
                gc_object::ARRAY_BIT,
                gc_object::ARRAY_ELEMENTS,
                step,
                step,
            )
        }
        CompositeType::Func(_) => return Err(TrapKind::AllocationTooLarge),
    };
    let at = heap.alloc_slow(limits, None, u64::from(size));
    if at == 0 {
        return Err(TrapKind::GcHeapOutOfMemory);
    }
    // SAFETY: `at` is `size` bytes of the heap, this object's alone; a
    // space's bytes are not zeroed, and defaults are zero.
    unsafe { std::ptr::write_bytes(at as *mut u8, 0, size as usize) };
    let write = |offset: u32, bytes: usize, v: &crate::values::Val| {
        let raw = v.to_slot().0;
        // SAFETY: `at` is `size` fresh zeroed bytes of the heap, and every
        // offset is a field or element of the type inside them.
        unsafe {
            let to = (at + offset as usize) as *mut u8;
            std::ptr::copy_nonoverlapping(raw.as_ptr(), to, bytes);
        }
    };
    // SAFETY: as for `write`: the header and length lead the object.
    unsafe {
        write_le(at, u64::from(info) | (u64::from(type_id) << 32));
        if info != 0 {
            write_le(at + gc_object::ARRAY_LENGTH as usize, u64::from(len));
        }
    }
    match (composite, values) {
        (CompositeType::Struct(fields), Values::Each(values)) => {
            let layout = struct_layout(fields);
            for ((f, offset), v) in fields.iter().zip(&layout.offsets).zip(values) {
                write(*offset, storage_size(f.storage) as usize, v);
            }
        }
        (_, Values::Each(values)) => {
            for (i, v) in values.iter().enumerate() {
                write(first + i as u32 * step, one as usize, v);
            }
        }
        (_, Values::Fill(v, n)) => {
            // One conversion: a reference's word does not change while
            // nothing allocates.
            let raw = crate::values::Val::from_slot(waot_format::types::ValType::I64, &v.to_slot());
            for i in 0..n {
                write(first + i * step, one as usize, &raw);
            }
        }
    }
    Ok(at as u64)
}

/// Reads the little-endian `u64` at `at`.
///
/// # Safety
/// `at` is readable for 8 bytes.
unsafe fn read_le(at: usize) -> u64 {
    // SAFETY: as the caller guarantees; objects are 8-aligned but other
    // slots need not be, so the read is unaligned.
    u64::from_le(unsafe { std::ptr::read_unaligned(at as *const u64) })
}

/// Writes `v` little-endian at `at`.
///
/// # Safety
/// `at` is writable for 8 bytes.
unsafe fn write_le(at: usize, v: u64) {
    // SAFETY: as the caller guarantees.
    unsafe { std::ptr::write_unaligned(at as *mut u64, v.to_le()) }
}
