//! The collector: a sliding mark-compact collection of one heap in place.
//!
//! Four steps over the used part of the heap's region:
//! 1. **mark** what the roots reach, one bit per 8-byte word in a bitmap
//!    (an explicit stack, so deep structures cannot overflow the native
//!    stack);
//! 2. **plan**: walk the marked objects in address order (the bitmap's set
//!    bits: garbage is never read) and give each the address it slides
//!    down to, written as an offset in units of 8 bytes into the header's
//!    flags word; the objects below the first gap (the *dense prefix*,
//!    typically the long-lived data at the bottom) stay where they are and
//!    get no entry;
//! 3. **update** every root and every traced field of a marked object to
//!    its target's new address;
//! 4. **slide** each moving object down, in address order (a move never
//!    overwrites an object not yet moved), restoring its flags from its
//!    type's shape.

use super::shapes::Shape;
use super::{read_le, roots, write_le};
use waot_format::vmctx::gc_object;

/// The part of the heap one collection works on, and its scratch state
/// (kept by the heap between collections to reuse the allocations).
pub(super) struct Collection<'a> {
    /// The region's start: offsets in forwarding entries count from it.
    pub base: usize,
    /// The end of what is allocated.
    pub end: usize,
    /// Each canonical type's shape.
    pub shapes: &'a [Option<Shape>],
    /// One bit per 8-byte word of `base..end`: set where a marked object
    /// starts.
    pub marks: &'a mut Vec<u64>,
    /// Objects marked but not yet traced.
    pub stack: &'a mut Vec<usize>,
}

impl Collection<'_> {
    /// Collects: marks from the roots (frames from `fp` and the host
    /// calls', the placement's `sources`, the host's), slides what lives
    /// down and returns the new end of what is allocated.
    pub(super) fn run(mut self, fp: Option<usize>, sources: &roots::RootSources) -> usize {
        let words = (self.end - self.base) / 8;
        self.marks.clear();
        self.marks.resize(words.div_ceil(64), 0);
        self.stack.clear();
        visit_roots(fp, sources, |word| {
            self.mark(word);
            word
        });
        while let Some(object) = self.stack.pop() {
            self.for_each_traced_slot(object, |c, slot| {
                // SAFETY: a traced slot of a live object.
                c.mark(unsafe { read_le(slot) });
            });
        }
        let (moved_from, new_end) = self.plan();
        if moved_from < self.end {
            visit_roots(fp, sources, |word| self.forward(word, moved_from));
            self.for_each_marked(self.base, |c, object| {
                c.for_each_traced_slot(object, |c, slot| {
                    // SAFETY: a traced slot of a live object.
                    unsafe {
                        let word = read_le(slot);
                        let new = c.forward(word, moved_from);
                        if new != word {
                            write_le(slot, new);
                        }
                    }
                });
            });
            self.slide(moved_from);
        }
        new_end
    }

    /// Whether `word` is an object of the collected range.
    fn holds(&self, word: u64) -> bool {
        super::is_object(word) && (self.base..self.end).contains(&(word as usize))
    }

    /// Marks the object `word` names (if it is one of this heap's and
    /// not yet marked) and queues it for tracing.
    fn mark(&mut self, word: u64) {
        if !self.holds(word) {
            return;
        }
        let index = (word as usize - self.base) / 8;
        let (bits, bit) = (&mut self.marks[index / 64], 1u64 << (index % 64));
        if *bits & bit == 0 {
            *bits |= bit;
            self.stack.push(word as usize);
        }
    }

    /// `word` once the objects from `moved_from` on have slid (their
    /// headers hold their new offsets from `base`). Each slot is updated
    /// once: a new address may be another object's old one.
    fn forward(&self, word: u64, moved_from: usize) -> u64 {
        if !self.holds(word) || (word as usize) < moved_from {
            return word;
        }
        let index = (word as usize - self.base) / 8;
        debug_assert!(
            self.marks[index / 64] & (1 << (index % 64)) != 0,
            "a slot updated twice or an unmarked object: {word:#x}"
        );
        // SAFETY: `word` is a marked object of the moving range (every
        // object a root or a live object holds is marked): its header
        // holds the plan.
        let header = unsafe { read_le(word as usize) };
        planned_address(self.base, header) as u64
    }

    /// Calls `f` with every marked object from `from` on, in address order.
    fn for_each_marked(&mut self, from: usize, mut f: impl FnMut(&mut Self, usize)) {
        let first = (from - self.base) / 8;
        for w in first / 64..self.marks.len() {
            let mut bits = self.marks[w];
            if w == first / 64 {
                bits &= !0u64 << (first % 64);
            }
            while bits != 0 {
                let index = w * 64 + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                f(self, self.base + index * 8);
            }
        }
    }

    /// Calls `f` with the address of every traced field or element of
    /// the live object at `object`.
    fn for_each_traced_slot(&mut self, object: usize, mut f: impl FnMut(&mut Self, usize)) {
        // SAFETY: `object` is a live object: its header is readable.
        let id = (unsafe { read_le(object) } >> 32) as usize;
        match shape(self.shapes, id) {
            Shape::Struct { refs, .. } => {
                for &offset in refs {
                    f(self, object + offset as usize);
                }
            }
            Shape::Array { refs: true, .. } => {
                // SAFETY: an array's length follows its header.
                let len = unsafe { read_le(object + gc_object::ARRAY_LENGTH as usize) } as u32;
                let elements = object + gc_object::ARRAY_ELEMENTS as usize;
                for i in 0..len as usize {
                    f(self, elements + i * 8);
                }
            }
            Shape::Array { refs: false, .. } => {}
        }
    }

    /// Gives every marked object above the dense prefix the address it
    /// slides to (in its header's flags word). Returns where the prefix
    /// ends (the first object that moves; `end` when none does) and the
    /// new end of what is allocated.
    fn plan(&mut self) -> (usize, usize) {
        let (base, end) = (self.base, self.end);
        let mut free = base;
        let mut moved_from = end;
        self.for_each_marked(base, |c, object| {
            // SAFETY: `object` is a live object of the heap.
            let header = unsafe { read_le(object) };
            let size = size_of(c.shapes, object, header);
            if moved_from == end && object == free {
                free += size;
                return;
            }
            moved_from = moved_from.min(object);
            let offset = ((free - base) / 8) as u64;
            // SAFETY: as above; the type id (high half) stays.
            unsafe { write_le(object, with_flags(header, offset)) };
            free += size;
        });
        (moved_from, free)
    }

    /// Moves every object from `from` on to its planned address.
    fn slide(&mut self, from: usize) {
        let base = self.base;
        self.for_each_marked(from, |c, object| {
            // SAFETY: `object` is a live object not yet moved: objects
            // below it moved to addresses below its own new one, which is
            // at most its old one.
            unsafe {
                let header = read_le(object);
                let id = (header >> 32) as usize;
                let size = size_of(c.shapes, object, header);
                let flags = match shape(c.shapes, id) {
                    Shape::Array { .. } => gc_object::ARRAY_BIT,
                    Shape::Struct { .. } => 0,
                };
                let to = planned_address(base, header);
                write_le(object, with_flags(header, u64::from(flags)));
                if to != object {
                    std::ptr::copy(object as *const u8, to as *mut u8, size);
                }
            }
        });
    }
}

/// The address a plan gives the object whose header is `header`: its
/// flags word counts 8-byte units from `base`.
fn planned_address(base: usize, header: u64) -> usize {
    base + (header & 0xffff_ffff) as usize * 8
}

/// `header` with its flags word (low half) replaced by `flags`, its type
/// id (high half) kept.
fn with_flags(header: u64, flags: u64) -> u64 {
    (header & !0xffff_ffff) | flags
}

/// The shape of canonical type `id`.
fn shape(shapes: &[Option<Shape>], id: usize) -> &Shape {
    match shapes.get(id).and_then(Option::as_ref) {
        Some(shape) => shape,
        None => {
            // Every instance registers its types' shapes before its code
            // can allocate; an object of another type is a broken heap.
            eprintln!("waot: internal error: a gc object of unregistered type {id}");
            std::process::abort();
        }
    }
}

/// The size of the live object at `object` whose header is `header`.
fn size_of(shapes: &[Option<Shape>], object: usize, header: u64) -> usize {
    match shape(shapes, (header >> 32) as usize) {
        Shape::Struct { size, .. } => *size as usize,
        Shape::Array { element_size, .. } => {
            // SAFETY: `object` is a live array: its length follows the
            // header.
            let len = unsafe { read_le(object + gc_object::ARRAY_LENGTH as usize) } as u32;
            waot_format::gc_layout::array_size(storage_of_size(*element_size), len)
                .map_or(0, |s| s as usize)
        }
    }
}

/// A field type of `size` bytes (only the size matters to
/// [`waot_format::gc_layout::array_size`]).
fn storage_of_size(size: u32) -> waot_format::gc_types::FieldType {
    use waot_format::gc_types::StorageType;
    use waot_format::types::ValType;
    let storage = match size {
        1 => StorageType::I8,
        2 => StorageType::I16,
        4 => StorageType::Val(ValType::I32),
        16 => StorageType::Val(ValType::V128),
        _ => StorageType::Val(ValType::I64),
    };
    waot_format::gc_types::FieldType {
        storage,
        mutable: false,
    }
}

/// Calls `f` with the word of every root of this thread's placement (the
/// frames from `fp` and from each host call in progress, the registered
/// sources, the exception arena, the host's roots) and stores what it
/// returns.
fn visit_roots(fp: Option<usize>, sources: &roots::RootSources, mut f: impl FnMut(u64) -> u64) {
    for start in roots::walk_starts(fp) {
        crate::traps::for_each_stack_slot(start, |slot| *slot = f(*slot));
    }
    let mut le_slots = Vec::new();
    let mut arena_slots = Vec::new();
    sources.for_each(
        |source| match source {
            // A global's value is little-endian.
            roots::RootSource::Global(slot) => le_slots.push(slot as usize),
            roots::RootSource::Table(definition) => {
                // SAFETY: a registered table lives until it is deregistered.
                let (base, len) = unsafe { (*definition).elements() };
                for i in 0..len {
                    // SAFETY: its elements are `len` native words at `base`.
                    let slot = unsafe { &mut *base.add(i).cast::<u64>() };
                    *slot = f(*slot);
                }
            }
            roots::RootSource::Segment(items) => {
                // SAFETY: a registered segment lives until it is deregistered.
                let items = unsafe { &*items };
                for item in items.borrow_mut().iter_mut() {
                    *item = f(*item as u64) as usize;
                }
            }
        },
        |arena| arena.for_each_traced_slot(|at| arena_slots.push(at)),
    );
    for at in le_slots.into_iter().chain(arena_slots) {
        // SAFETY: registered globals and the arena's traced slots are live
        // 8-byte slots.
        unsafe {
            let word = read_le(at);
            let new = f(word);
            if new != word {
                write_le(at, new);
            }
        }
    }
    roots::for_each_host_root(|slot| *slot = f(*slot));
}
