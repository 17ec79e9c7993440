//! Wasm exceptions on the host side: tags (whose address is their
//! identity, stored in each instance's VM context), exception objects
//! (what an `exnref` points to; layout `waot_format::vmctx::exn`), the
//! exception a thread is throwing, and [`Exception`], an uncaught
//! exception as the host sees it.
//!
//! Exception objects are never freed while their thread lives: an
//! `exnref` may be stored anywhere (locals, globals, tables, other
//! exceptions), and waot has no garbage collector yet. Each costs 16 bytes
//! plus 16 per value; the thread's arena is freed when the thread ends.

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
    /// The tag's type (parameters only).
    pub ty: FuncType,
    /// How messages name it (`module.name` of its first import or export,
    /// or `tag N`).
    pub name: String,
}

impl Tag {
    /// A new tag of type `ty`.
    pub fn new(ty: FuncType, name: impl Into<String>) -> Arc<Tag> {
        Arc::new(Tag {
            ty,
            name: name.into(),
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

thread_local! {
    /// Every exception this thread created (see the module docs), with the
    /// tag each was thrown with, which the arena keeps alive.
    static ARENA: RefCell<Vec<(ExnObject, Arc<Tag>)>> = const { RefCell::new(Vec::new()) };
    /// The exception being thrown: set by `exn_throw` or a host function
    /// that throws, taken by the unwinder (caught in wasm) or by
    /// `traps::call` (uncaught).
    static PENDING: Cell<usize> = const { Cell::new(0) };
}

/// A new exception of `tag` with `values` (one slot each, as many as the
/// tag has parameters); returns its address.
pub(crate) fn new_exception(tag: Arc<Tag>, values: &[ValRaw]) -> usize {
    let mut object = vec![ValRaw::default(); 1 + values.len()].into_boxed_slice();
    object[0] = ValRaw::from_u64(tag.identity() as u64);
    object[1..].copy_from_slice(values);
    let address = object.as_ptr() as usize;
    ARENA.with(|a| a.borrow_mut().push((object, tag)));
    address
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
    /// The exception at `address` (a live object of this thread).
    pub(crate) fn from_address(address: usize) -> Option<Exception> {
        ARENA.with(|a| {
            let arena = a.borrow();
            let (object, tag) = arena
                .iter()
                .rev()
                .find(|(o, _)| o.as_ptr() as usize == address)?;
            let values = tag
                .ty
                .params
                .iter()
                .zip(&object[1..])
                .map(|(t, slot)| Val::from_slot(*t, slot))
                .collect();
            Some(Exception {
                tag: tag.clone(),
                values,
                address,
            })
        })
    }

    /// A new exception of `tag` with `values`, for a host function to throw.
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
        let address = new_exception(tag.clone(), &slots);
        Ok(Exception {
            tag,
            values: values.to_vec(),
            address,
        })
    }

    /// The exception object's address (an `exnref`).
    pub fn exnref(&self) -> Val {
        Val::ExnRef(self.address)
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
