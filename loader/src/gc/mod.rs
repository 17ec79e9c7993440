//! The GC heap of a store (or of a thread's storeless instances): where
//! structs and arrays live, and the collector that reclaims them.
//!
//! A semi-space copying collector (Cheney's algorithm). Objects are
//! bump-allocated in one space: compiled code bumps the pointer in the
//! runtime limits block inline and calls `gc_alloc` only when the space is
//! full. A collection copies what the roots reach into a fresh space,
//! scanning the copies breadth-first, and frees the old space whole, so
//! its cost is proportional to what lives, cycles are reclaimed like
//! anything else, and allocation stays a pointer bump. Objects move, which
//! is why every reference the collector cannot see (the host's) goes
//! through a root ([`roots`]) and compiled code keeps the references live
//! across a call in stack slots the stack maps name, reloading them after
//! the call.

pub(crate) mod builtins;
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

/// A new heap's space, doubled as what lives grows.
const INITIAL_BYTES: usize = 256 << 10;

/// The default limit of one space (what may live at once).
pub const DEFAULT_MAX_GC_HEAP: usize = 1 << 30;

/// A GC heap. Its bump pointer and limit live in the runtime limits block
/// compiled code reads.
pub(crate) struct GcHeap {
    /// The space objects are allocated in; empty until the first. Its
    /// bytes are not zeroed: every allocation writes what it reads.
    space: RefCell<Vec<u64>>,
    /// The space before the last collection, kept to be the next one's
    /// destination when the size suits (reusing its pages saves the
    /// kernel zeroing fresh ones).
    spare: RefCell<Vec<u64>>,
    /// Each struct and array type's shape, by canonical id: registered by
    /// every instance placed here before its code runs.
    shapes: RefCell<Vec<Option<Shape>>>,
    /// The size the next space gets (at least what lives, doubled).
    next_size: Cell<usize>,
    /// The largest space.
    max_bytes: usize,
    /// Collect at every allocation the fast path cannot serve, and serve
    /// none from the fast path (`WAOT_GC_STRESS=1`): finds references
    /// compiled code failed to keep.
    stress: bool,
    /// Collections so far.
    collections: Cell<u64>,
}

impl GcHeap {
    /// A heap whose spaces grow to at most `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> GcHeap {
        GcHeap {
            space: RefCell::new(Vec::new()),
            spare: RefCell::new(Vec::new()),
            shapes: RefCell::new(Vec::new()),
            next_size: Cell::new(INITIAL_BYTES),
            max_bytes: max_bytes.max(64),
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

    /// Whether `word` is an object of this heap's space.
    pub(crate) fn contains(&self, word: u64) -> bool {
        let space = self.space.borrow();
        let start = space.as_ptr() as u64;
        (start..start + space.len() as u64 * 8).contains(&word)
    }

    /// How many collections ran.
    pub(crate) fn collections(&self) -> u64 {
        self.collections.get()
    }

    /// Bytes of the current space (0 before the first allocation).
    pub(crate) fn space_bytes(&self) -> usize {
        self.space.borrow().len() * 8
    }

    /// Allocates `size` bytes (a multiple of 8) when the fast path
    /// could not, collecting first when the space is full (`fp`: the frame
    /// pointer of the allocating code's trampoline, where the stack walk
    /// starts). 0 when even a collection leaves no room.
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
        let fits = |limits: &VMRuntimeLimits| {
            let (next, end) = (limits.gc_next(), self.space_end());
            next != 0 && end - next >= size
        };
        if self.stress || !fits(limits) {
            self.collect(limits, fp, size);
        }
        if !fits(limits) {
            return 0;
        }
        let at = limits.gc_next();
        limits.set_gc_next(at + size);
        // In stress mode the next allocation comes here again.
        let limit = if self.stress {
            at + size
        } else {
            self.space_end()
        };
        limits.set_gc_limit(limit);
        at
    }

    fn space_end(&self) -> usize {
        let space = self.space.borrow();
        space.as_ptr() as usize + space.len() * 8
    }

    /// Copies everything the roots reach into a new space with room for
    /// `needed` more bytes if what lives allows, and makes it current.
    pub(crate) fn collect(&self, limits: &VMRuntimeLimits, fp: Option<usize>, needed: usize) {
        let from_bytes = self.space.borrow().len() * 8;
        // What lives is at most what the old space used: a space at least
        // as large holds it.
        let to_bytes = self
            .next_size
            .get()
            .max(from_bytes)
            .min(self.max_bytes.max(from_bytes))
            .next_multiple_of(8);
        let live = self.copy_into(limits, fp, to_bytes);
        // Grow when more than half of the space holds live objects, at
        // once (copying again) when the allocation waiting does not fit.
        if (live + needed) * 2 > to_bytes {
            let grown = (to_bytes * 2)
                .max(live + needed)
                .min(self.max_bytes)
                .next_multiple_of(8);
            self.next_size.set(grown.max(to_bytes));
            if live + needed > to_bytes && grown > to_bytes {
                self.copy_into(limits, fp, grown);
            }
        }
    }

    /// Copies everything the roots reach into a space of `to_bytes`
    /// (the old one's unused spare when it has that size), makes it
    /// current and returns how many bytes live.
    fn copy_into(&self, limits: &VMRuntimeLimits, fp: Option<usize>, to_bytes: usize) -> usize {
        let from = self.space.take();
        let from_start = from.as_ptr() as usize;
        let used = if from.is_empty() {
            0
        } else {
            limits.gc_next() - from_start
        };
        let spare = self.spare.take();
        let mut to = if spare.len() * 8 == to_bytes {
            spare
        } else {
            vec![0u64; to_bytes / 8]
        };
        let mut copier = Copier {
            from: from_start..from_start + used,
            to_next: to.as_mut_ptr() as usize,
            shapes: &self.shapes.borrow(),
        };
        if used != 0 {
            copier.copy_roots(fp, limits.roots());
            copier.scan(to.as_ptr() as usize);
        }
        let live = copier.to_next - to.as_ptr() as usize;
        *self.spare.borrow_mut() = from;
        limits.set_gc_next(copier.to_next);
        limits.set_gc_limit(to.as_ptr() as usize + to_bytes);
        *self.space.borrow_mut() = to;
        self.collections.set(self.collections.get() + 1);
        live
    }
}

impl Drop for GcHeap {
    /// Roots into this heap would dangle: they become null.
    fn drop(&mut self) {
        let space = self.space.borrow();
        let range = space.as_ptr() as u64..space.as_ptr() as u64 + space.len() as u64 * 8;
        roots::for_each_host_root(|word| {
            if range.contains(word) {
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

/// One collection's state: the old space's used range, where the next
/// copy goes, and the shapes.
struct Copier<'a> {
    from: std::ops::Range<usize>,
    to_next: usize,
    shapes: &'a [Option<Shape>],
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

impl Copier<'_> {
    /// The size of the object at `object` whose header is `header`.
    fn size_of(&self, object: usize, header: u64) -> usize {
        let id = (header >> 32) as u32;
        let Some(shape) = self.shapes.get(id as usize).and_then(Option::as_ref) else {
            // Every instance registers its types' shapes before its code
            // can allocate; an object of another type is a broken heap.
            eprintln!("waot: internal error: a gc object of unregistered type {id}");
            std::process::abort();
        };
        match shape {
            Shape::Struct { size, .. } => *size as usize,
            Shape::Array { element_size, .. } => {
                // SAFETY: `object` is an array in the old space: its length
                // follows the header.
                let len = unsafe { read_le(object + gc_object::ARRAY_LENGTH as usize) } as u32;
                let element = waot_format::gc_types::FieldType {
                    storage: storage_of_size(*element_size),
                    mutable: false,
                };
                array_size(element, len).map_or(0, |s| s as usize)
            }
        }
    }

    /// The word `word` once its object (if it is one of the old space) is
    /// copied.
    fn forward(&mut self, word: u64) -> u64 {
        let at = word as usize;
        if word & waot_format::vmctx::gc_ref::OBJECT_MASK != 0 || !self.from.contains(&at) {
            return word;
        }
        // SAFETY: `at` is an object of the old space (an 8-aligned address
        // in its used range that a root or a copied object holds).
        let header = unsafe { read_le(at) };
        if header & 1 != 0 {
            return header & !1;
        }
        let size = self.size_of(at, header);
        let to = self.to_next;
        // SAFETY: the new space was sized to hold everything used in the
        // old one; the object's `size` bytes are in the old space.
        unsafe {
            std::ptr::copy_nonoverlapping(at as *const u8, to as *mut u8, size);
            write_le(at, to as u64 | 1);
        }
        self.to_next += size;
        to as u64
    }

    /// Forwards the native-endian word at `slot` (a stack slot, a table
    /// element, a segment item, a host root).
    fn forward_native(&mut self, slot: &mut u64) {
        *slot = self.forward(*slot);
    }

    /// Forwards the little-endian word at `at` (a global, an exception
    /// value, an object field).
    ///
    /// # Safety
    /// `at` is a live slot of 8 bytes.
    unsafe fn forward_le(&mut self, at: usize) {
        // SAFETY: as the caller guarantees.
        unsafe {
            let word = read_le(at);
            let forwarded = self.forward(word);
            if forwarded != word {
                write_le(at, forwarded);
            }
        }
    }

    /// Copies what every root of this thread holds.
    fn copy_roots(&mut self, fp: Option<usize>, sources: &roots::RootSources) {
        for start in roots::walk_starts(fp) {
            crate::traps::for_each_stack_slot(start, |slot| self.forward_native(slot));
        }
        let mut arena_slots = Vec::new();
        sources.for_each(
            |source| self.copy_source(source),
            |arena| arena.for_each_traced_slot(|at| arena_slots.push(at)),
        );
        for at in arena_slots {
            // SAFETY: the arena names live 8-byte value slots.
            unsafe { self.forward_le(at) };
        }
        roots::for_each_host_root(|slot| self.forward_native(slot));
    }

    fn copy_source(&mut self, source: roots::RootSource) {
        use roots::RootSource;
        match source {
            // SAFETY: a registered global's slot lives until it is
            // deregistered.
            RootSource::Global(slot) => unsafe { self.forward_le(slot as usize) },
            RootSource::Table(definition) => {
                // SAFETY: a registered table lives until it is deregistered.
                let (base, len) = unsafe { (*definition).elements() };
                for i in 0..len {
                    // SAFETY: its elements are `len` native words at `base`.
                    let slot = unsafe { &mut *base.add(i).cast::<u64>() };
                    self.forward_native(slot);
                }
            }
            RootSource::Segment(items) => {
                // SAFETY: a registered segment lives until it is deregistered.
                let items = unsafe { &*items };
                for item in items.borrow_mut().iter_mut() {
                    *item = self.forward(*item as u64) as usize;
                }
            }
        }
    }

    /// Scans the copies from `start` until no object is left unscanned,
    /// copying what they hold.
    fn scan(&mut self, start: usize) {
        let mut at = start;
        while at < self.to_next {
            // SAFETY: `at` is a copied object of the new space.
            let header = unsafe { read_le(at) };
            let size = self.size_of(at, header);
            let id = (header >> 32) as u32;
            let shapes = self.shapes;
            match shapes.get(id as usize).and_then(Option::as_ref) {
                Some(Shape::Struct { refs, .. }) => {
                    for &offset in refs {
                        // SAFETY: a traced field of this struct.
                        unsafe { self.forward_le(at + offset as usize) };
                    }
                }
                Some(Shape::Array { refs: true, .. }) => {
                    let elements = at + gc_object::ARRAY_ELEMENTS as usize;
                    let mut slot = elements;
                    while slot < at + size {
                        // SAFETY: an element of this array of references.
                        unsafe { self.forward_le(slot) };
                        slot += 8;
                    }
                }
                _ => {}
            }
            at += size;
        }
    }
}

/// A storage type of `size` bytes (only the size matters to
/// [`array_size`]).
fn storage_of_size(size: u32) -> waot_format::gc_types::StorageType {
    use waot_format::gc_types::StorageType;
    use waot_format::types::ValType;
    match size {
        1 => StorageType::I8,
        2 => StorageType::I16,
        4 => StorageType::Val(ValType::I32),
        16 => StorageType::Val(ValType::V128),
        _ => StorageType::Val(ValType::I64),
    }
}
