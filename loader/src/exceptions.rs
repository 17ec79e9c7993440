//! Wasm exceptions on the host side: tags (whose address is their
//! identity, stored in each instance's VM context), exception objects
//! (what an `exnref` points to; layout `waot_format::vmctx::exn`), the
//! exception a thread is throwing, and [`Exception`], an uncaught
//! exception as the host sees it.
//!
//! Exception objects live in an arena: a [`crate::Store`]'s, freed with
//! the store, or (for instances created without a store, and exceptions a
//! host function creates) the thread's, freed when the thread ends. An
//! `exnref` may be stored anywhere (locals, globals, tables, other
//! exceptions), and waot has no garbage collector yet, so nothing is freed
//! earlier. Each costs 16 bytes plus 16 per value.

use crate::values::{Val, ValRaw};
use std::cell::{Cell, RefCell};
use std::sync::Arc;
use waot_format::types::{FuncType, ValType};
use waot_format::vmctx::{VALUE_SLOT_SIZE, exn};

/// An exception tag: the parameter types of its exceptions and a name for
/// messages. Its address is its identity, so an imported tag is the
/// exporter's.
#[derive(Debug)]
pub struct Tag {
    /// The tag's type (parameters only), its concrete heap types canonical
    /// ids.
    pub ty: FuncType,
    /// How messages name it (`module.name` of its first import or export,
    /// or `tag N`).
    pub name: String,
    /// The canonical id of its type: an import matches a tag of the same
    /// id (types of different recursion groups differ even when their
    /// signatures look alike).
    pub(crate) type_id: u32,
    /// A host tag's registration of its type (a module's tags are held by
    /// the module's).
    _registration: Option<crate::type_registry::TypeIds>,
}

impl Tag {
    /// A new host tag of type `ty`, whose concrete heap types are
    /// canonical ids (a function type alone in its recursion group).
    pub fn new(ty: FuncType, name: impl Into<String>) -> Arc<Tag> {
        let registration = crate::type_registry::TypeIds::of_canonical(&ty);
        Arc::new(Tag {
            type_id: registration.ids()[0],
            ty,
            name: name.into(),
            _registration: Some(registration),
        })
    }

    /// A module's tag of canonical type `ty`, whose id is `type_id`.
    pub(crate) fn of_module(ty: FuncType, type_id: u32, name: String) -> Arc<Tag> {
        Arc::new(Tag {
            ty,
            type_id,
            name,
            _registration: None,
        })
    }

    /// The identity compiled code compares.
    pub fn identity(self: &Arc<Self>) -> usize {
        Arc::as_ptr(self) as usize
    }
}

const _: () = assert!(exn::TAG == 0 && exn::VALUES == VALUE_SLOT_SIZE);

/// One exception object: slot 0 holds the tag's identity, the values
/// follow one slot each. The slots never move.
type ExnObject = Box<[ValRaw]>;

/// Exception objects with the tag each was thrown with, which the arena
/// keeps alive; every object lives as long as its arena.
#[derive(Default)]
pub(crate) struct ExnArena {
    objects: RefCell<Vec<(ExnObject, Arc<Tag>)>>,
}

impl ExnArena {
    /// Whether `address` is one of its exception objects.
    pub(crate) fn contains(&self, address: usize) -> bool {
        self.objects
            .borrow()
            .iter()
            .any(|(o, _)| o.as_ptr() as usize == address)
    }

    /// A new exception of `tag` with `values` (one slot each, as many as
    /// the tag has parameters); returns its address.
    pub(crate) fn alloc(&self, tag: Arc<Tag>, values: &[ValRaw]) -> usize {
        let mut object = vec![ValRaw::default(); 1 + values.len()].into_boxed_slice();
        object[0] = ValRaw::from_u64(tag.identity() as u64);
        object[1..].copy_from_slice(values);
        let address = object.as_ptr() as usize;
        self.objects.borrow_mut().push((object, tag));
        address
    }

    /// Calls `f` with the address of every value slot that may hold a GC
    /// object (a parameter of the `any` or `extern` hierarchies).
    pub(crate) fn for_each_traced_slot(&self, mut f: impl FnMut(usize)) {
        let ctx = crate::type_registry::CanonicalTypes;
        for (object, tag) in self.objects.borrow().iter() {
            for (i, t) in tag.ty.params.iter().enumerate() {
                if crate::gc::shapes::is_traced(*t, &ctx) {
                    f(object[1 + i].0.as_ptr() as usize);
                }
            }
        }
    }
}

thread_local! {
    /// The exceptions of instances created on this thread without a store.
    static ARENA: ExnArena = ExnArena::default();
    /// The exception being thrown: set by `exn_throw` or a host function
    /// that throws, taken by the unwinder (caught in wasm) or by
    /// `traps::call` (uncaught).
    static PENDING: Cell<usize> = const { Cell::new(0) };
}

/// Whether `e` lives in this thread's arena.
pub(crate) fn in_thread_arena(e: &Exception) -> bool {
    ARENA.with(|a| a.contains(e.address))
}

/// This thread's arena, for instances created on it without a store
/// (they are not `Send`, so they stay on it).
pub(crate) fn thread_arena() -> *const ExnArena {
    ARENA.with(|a| a as *const ExnArena)
}

/// Makes `exn` the exception this thread is throwing.
pub(crate) fn set_pending(exn: usize) {
    PENDING.with(|p| p.set(exn));
}

/// The exception this thread is throwing, or 0. Allocation free, for the
/// signal handler.
pub(crate) fn pending() -> usize {
    PENDING.with(Cell::get)
}

/// Takes the exception this thread is throwing, if any.
pub(crate) fn take_pending() -> usize {
    PENDING.with(|p| p.replace(0))
}

/// The tag identity of exception `exn`.
///
/// # Safety
/// `exn` is the address of a live exception object.
pub(crate) unsafe fn tag_identity(exn: usize) -> usize {
    // SAFETY: the caller guarantees a live exception object, whose slot 0
    // is a `ValRaw` (little-endian on every target, as compiled code
    // writes and reads it).
    let slot = unsafe { &*(exn as *const ValRaw) };
    u64::from_le_bytes(slot.0[..8].try_into().expect("8 bytes")) as usize
}

/// An exception no wasm handler caught, as the host sees it: its tag and
/// values. Returned inside the [`crate::Trap`] that ended the call; a host
/// function that returns it throws it into the calling wasm.
#[derive(Clone, Debug)]
pub struct Exception {
    /// The tag.
    pub tag: Arc<Tag>,
    /// The values, in parameter order.
    pub values: Vec<Val>,
    /// The exception object, so that rethrowing it keeps its identity.
    pub(crate) address: usize,
}

impl PartialEq for Exception {
    fn eq(&self, other: &Self) -> bool {
        self.address == other.address
    }
}

impl Eq for Exception {}

impl Exception {
    /// The exception at `address`.
    ///
    /// # Safety
    /// `address` is a live exception object (its arena, which keeps its
    /// tag alive, outlives this call).
    pub(crate) unsafe fn from_address(address: usize) -> Exception {
        // SAFETY: a live object's slot 0 holds its tag's identity, the
        // address of the `Tag` inside an `Arc` its arena holds; taking one
        // more strong count makes the new `Arc` ours.
        let tag = unsafe {
            let ptr = tag_identity(address) as *const Tag;
            Arc::increment_strong_count(ptr);
            Arc::from_raw(ptr)
        };
        // SAFETY: the object has one slot after the tag per parameter.
        let slots = unsafe {
            std::slice::from_raw_parts((address as *const ValRaw).add(1), tag.ty.params.len())
        };
        let values = tag
            .ty
            .params
            .iter()
            .zip(slots)
            .map(|(t, slot)| Val::from_slot(*t, slot))
            .collect();
        Exception {
            tag,
            values,
            address,
        }
    }

    /// A new exception of `tag` with `values`, for a host function to
    /// throw (it lives in the thread's arena).
    pub fn new(tag: Arc<Tag>, values: &[Val]) -> Result<Exception, String> {
        if values.len() != tag.ty.params.len()
            || values
                .iter()
                .zip(&tag.ty.params)
                .any(|(v, t)| !v.matches(*t))
        {
            return Err(format!(
                "tag {} takes {}, not these values",
                tag.name, tag.ty
            ));
        }
        let slots: Vec<ValRaw> = values.iter().map(|v| v.to_slot()).collect();
        let address = ARENA.with(|a| a.alloc(tag.clone(), &slots));
        Ok(Exception {
            tag,
            values: values.to_vec(),
            address,
        })
    }

    /// The exception object's address (an `exnref`).
    pub fn exnref(&self) -> Val {
        Val::ExnRef(crate::values::ExnRef::from_raw(self.address))
    }
}

impl std::fmt::Display for Exception {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "tag {}", self.tag.name)?;
        if !self.values.is_empty() {
            let values: Vec<String> = self.values.iter().map(|v| v.to_string()).collect();
            write!(f, " with ({})", values.join(", "))?;
        }
        Ok(())
    }
}

/// Whether values of type `t` are exception references.
pub fn is_exnref(t: ValType) -> bool {
    t == ValType::ExnRef
}
