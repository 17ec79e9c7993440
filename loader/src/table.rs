//! Tables of references. Each table reserves address space for every
//! element it may ever hold and makes pages accessible only as it grows,
//! so its storage never moves and costs memory only where it is touched:
//! fresh pages read as zero, which is the null reference of both funcref
//! and externref tables.

use crate::externs::DEFAULT_TABLE_LIMIT;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use waot_format::types::{TableDesc, ValType};

/// Why a table could not be created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableError(pub String);

impl std::fmt::Display for TableError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TableError {}

/// The `{ base, length }` record of a table (layout:
/// `waot_format::vmctx::table`).
#[repr(C)]
pub(crate) struct VMTableDefinition {
    base: Cell<*mut usize>,
    length: Cell<u64>,
}

const ELEMENT_SIZE: usize = std::mem::size_of::<usize>();

impl VMTableDefinition {
    /// Where its elements start and how many there are.
    pub(crate) fn elements(&self) -> (*mut usize, usize) {
        (self.base.get(), self.length.get() as usize)
    }
}

const _: () = {
    use std::mem::offset_of;
    use waot_format::vmctx::table;
    assert!(offset_of!(VMTableDefinition, base) == table::BASE as usize);
    assert!(offset_of!(VMTableDefinition, length) == table::LENGTH as usize);
    assert!(ELEMENT_SIZE == table::ELEMENT_SIZE as usize);
};

/// A table of references (funcref: `*const VMFuncRef` or 0; externref:
/// host value + 1 or 0).
pub struct Table {
    definition: Box<VMTableDefinition>,
    /// Start of the reservation (dangling when nothing is reserved).
    base: *mut usize,
    /// Bytes reserved: room for `limit` elements, rounded up to pages.
    reserved: usize,
    /// Bytes at the start of the reservation that are readable and
    /// writable (whole pages covering the current length).
    accessible: Cell<usize>,
    elem: ValType,
    max: Option<u64>,
    /// Whether the table is 64-bit indexed.
    table64: bool,
    /// Growth limit in elements (the declared maximum, capped by the
    /// run-time limit).
    limit: u64,
    /// Instances whose function references may be stored in this table.
    keepalive: RefCell<Vec<Rc<dyn Any>>>,
    /// Its registration as a GC root source (tables of the `any` and
    /// `extern` hierarchies).
    _root: Option<crate::gc::roots::Registered>,
}

fn round_to_pages(bytes: usize) -> Option<usize> {
    let page = rustix::param::page_size();
    bytes.checked_next_multiple_of(page)
}

impl Table {
    /// A table of `desc.min` null elements that can grow to its declared
    /// maximum, but never past `limit` elements. Fails when the declared
    /// minimum is above that limit, or the address space cannot be had.
    pub fn with_limit(desc: &TableDesc, runtime_limit: u64) -> Result<Rc<Table>, TableError> {
        Self::with_limit_in(desc, runtime_limit, &crate::interrupt::thread_roots())
    }

    /// [`Table::with_limit`], its GC references (if its element type has
    /// them) roots of `roots`.
    pub(crate) fn with_limit_in(
        desc: &TableDesc,
        runtime_limit: u64,
        roots: &Rc<crate::gc::roots::RootSources>,
    ) -> Result<Rc<Table>, TableError> {
        let limit = desc
            .max
            .unwrap_or(u32::MAX as u64)
            .min(runtime_limit)
            .min(u32::MAX as u64);
        if desc.min > limit {
            return Err(TableError(format!(
                "table needs {} initial elements but at most {} are allowed (declared max {}, run-time limit {})",
                desc.min,
                limit,
                desc.max.map_or("none".into(), |v| v.to_string()),
                runtime_limit,
            )));
        }
        let reserved = (limit as usize)
            .checked_mul(ELEMENT_SIZE)
            .and_then(round_to_pages)
            .ok_or_else(|| TableError("table limit exceeds the address space".into()))?;
        let base = if reserved == 0 {
            std::ptr::NonNull::<usize>::dangling().as_ptr()
        } else {
            // SAFETY: an anonymous, inaccessible, private mapping at an
            // address of the kernel's choosing aliases nothing.
            unsafe {
                rustix::mm::mmap_anonymous(
                    std::ptr::null_mut(),
                    reserved,
                    rustix::mm::ProtFlags::empty(),
                    rustix::mm::MapFlags::PRIVATE | rustix::mm::MapFlags::NORESERVE,
                )
            }
            .map_err(|e| {
                TableError(format!(
                    "cannot reserve address space for a table of up to {limit} elements: {e}"
                ))
            })?
            .cast()
        };
        let definition = Box::new(VMTableDefinition {
            base: Cell::new(base),
            length: Cell::new(0),
        });
        let traced = crate::gc::shapes::is_traced(desc.elem, &crate::type_registry::CanonicalTypes);
        let root =
            traced.then(|| roots.register(crate::gc::roots::RootSource::Table(&*definition)));
        let table = Rc::new(Table {
            definition,
            _root: root,
            base,
            reserved,
            accessible: Cell::new(0),
            elem: desc.elem,
            max: desc.max,
            table64: desc.table64,
            limit,
            keepalive: RefCell::new(Vec::new()),
        });
        if table.grow(desc.min, 0).is_none() {
            return Err(TableError(format!(
                "cannot commit memory for {} initial table elements",
                desc.min
            )));
        }
        Ok(table)
    }

    /// A table with the default run-time limit ([`DEFAULT_TABLE_LIMIT`]).
    pub fn new(desc: &TableDesc) -> Result<Rc<Table>, TableError> {
        Self::with_limit(desc, DEFAULT_TABLE_LIMIT)
    }

    /// The elements.
    ///
    /// # Safety
    /// No wasm code may run and no other slice from this table may be alive
    /// while the returned one is used.
    #[allow(clippy::mut_from_ref)] // interior mutability shared with wasm code
    pub(crate) unsafe fn elements(&self) -> &mut [usize] {
        // SAFETY: the first `len` elements lie inside the accessible part of
        // the reservation (`grow` keeps it so), the reservation lives as
        // long as `self`, and the caller guarantees exclusive access.
        unsafe { std::slice::from_raw_parts_mut(self.base, self.len() as usize) }
    }

    /// Current length.
    pub fn len(&self) -> u64 {
        self.definition.length.get()
    }

    /// Whether the table has no elements.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Element type.
    pub fn elem(&self) -> ValType {
        self.elem
    }

    /// Declared maximum.
    pub fn max(&self) -> Option<u64> {
        self.max
    }

    /// Whether the table is 64-bit indexed (memory64 proposal).
    pub fn table64(&self) -> bool {
        self.table64
    }

    /// Grows by `delta` elements set to `init`; returns the old length, or
    /// `None` past the limit or when memory cannot be committed.
    pub(crate) fn grow(&self, delta: u64, init: usize) -> Option<u64> {
        let old = self.len();
        let new = old.checked_add(delta).filter(|&n| n <= self.limit)?;
        let needed = round_to_pages(new as usize * ELEMENT_SIZE)?.min(self.reserved);
        let accessible = self.accessible.get();
        if needed > accessible {
            // SAFETY: `accessible..needed` lies inside the reservation
            // (`needed <= reserved`), which this table owns; pages that were
            // never accessible hold no element yet.
            let made = unsafe {
                rustix::mm::mprotect(
                    self.base.cast::<u8>().add(accessible).cast(),
                    needed - accessible,
                    rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::WRITE,
                )
            };
            made.ok()?;
            self.accessible.set(needed);
        }
        self.definition.length.set(new);
        if init != 0 {
            // SAFETY: called from the host or from a builtin while wasm code
            // is suspended; no other slice of the elements is alive.
            let elements = unsafe { self.elements() };
            elements[old as usize..].fill(init);
        }
        Some(old)
    }

    /// The record compiled code reads base and length from.
    pub(crate) fn definition_ptr(&self) -> *const VMTableDefinition {
        &*self.definition
    }

    /// Keeps `owner` alive as long as this table.
    pub(crate) fn keep_alive(&self, owner: Rc<dyn Any>) {
        self.keepalive.borrow_mut().push(owner);
    }

    /// Stops keeping the owners alive (their store is being dropped).
    pub(crate) fn release_owners(&self) {
        self.keepalive.borrow_mut().clear();
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if self.reserved != 0 {
            // SAFETY: the reservation was mapped in `with_limit` with this
            // length and nothing refers to it once the table is dropped.
            let _ = unsafe { rustix::mm::munmap(self.base.cast(), self.reserved) };
        }
    }
}
