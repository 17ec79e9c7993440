//! What instances import, export and share: functions (as function
//! references), tables and globals (memories live in `memory.rs`), plus
//! the process-wide registry of canonical signature ids that
//! `call_indirect` compares.

use crate::linker::HostFunc;
use crate::memory::LinearMemory;
use crate::values::{Val, ValRaw};
use crate::vm::VMContext;
use std::any::Any;
use std::cell::{RefCell, UnsafeCell};
use std::rc::Rc;
use std::sync::Arc;
use waot_format::types::{FuncType, TypeIndex, ValType};

pub use crate::table::{Table, TableError};

/// `v` with a concrete heap type (a type index of the module whose
/// canonical ids are `ids`) replaced by its canonical id, so that types of
/// different modules compare: the form of types in [`Global`]s, [`Table`]s
/// and link checks.
pub fn canonical_valtype(v: ValType, ids: &[u32]) -> ValType {
    v.map_type_index(|k| TypeIndex(ids.get(k.index()).copied().unwrap_or(u32::MAX)))
}

/// Elements a table may grow to unless the embedder says otherwise
/// (`RunOptions::max_table_elements`): 10 million (80 MB). The spec allows
/// growth to fail for resource reasons; without a cap a hostile module could
/// exhaust the host's memory with one `table.grow`.
pub const DEFAULT_TABLE_LIMIT: u64 = 10_000_000;

/// A function reference record (layout: `waot_format::vmctx::func_ref`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct VMFuncRef {
    /// Code with the wasm calling convention.
    pub(crate) wasm_call: usize,
    /// Array-call entry, or 0.
    pub(crate) array_call: usize,
    /// Callee VM context (or host context).
    pub(crate) vmctx: usize,
    /// Canonical type id.
    pub(crate) type_id: u32,
    /// Padding.
    pub(crate) _pad: u32,
}

const _: () = {
    use std::mem::{offset_of, size_of};
    use waot_format::vmctx::func_ref;
    assert!(offset_of!(VMFuncRef, wasm_call) == func_ref::WASM_CALL as usize);
    assert!(offset_of!(VMFuncRef, array_call) == func_ref::ARRAY_CALL as usize);
    assert!(offset_of!(VMFuncRef, vmctx) == func_ref::VMCTX as usize);
    assert!(offset_of!(VMFuncRef, type_id) == func_ref::TYPE_ID as usize);
    assert!(size_of::<VMFuncRef>() == func_ref::SIZE as usize);
};

/// A function that can be imported.
#[derive(Clone)]
pub struct Func {
    /// Its reference record (for a host function, `wasm_call` is filled in
    /// by each importer with its own trampoline).
    pub(crate) func_ref: VMFuncRef,
    /// Its signature.
    pub(crate) ty: FuncType,
    /// Set for host functions.
    pub(crate) host: Option<Arc<HostFunc>>,
    /// Keeps the owner (an instance) alive.
    pub(crate) _owner: Option<Rc<dyn Any>>,
}

impl Func {
    /// Its signature.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }
}

/// A global variable.
pub struct Global {
    /// Its registration as a GC root source (globals of the `any` and
    /// `extern` hierarchies). First, so that it is dropped before the slot
    /// it points into.
    _root: Option<crate::gc::roots::Registered>,
    slot: GlobalSlot,
    ty: ValType,
    mutable: bool,
    keepalive: RefCell<Vec<Rc<dyn Any>>>,
}

/// Where a global's value lives.
enum GlobalSlot {
    /// A slot of its own (a host's global).
    Own(Box<UnsafeCell<ValRaw>>),
    /// The defining instance's VM context, at `offset` (format 2.19:
    /// compiled code reads a defined global there directly). Holding the
    /// allocation keeps the slot valid for importers that outlive the
    /// instance.
    InVmContext { vmctx: Rc<VMContext>, offset: u32 },
}

impl GlobalSlot {
    fn ptr(&self) -> *mut ValRaw {
        match self {
            GlobalSlot::Own(cell) => cell.get(),
            GlobalSlot::InVmContext { vmctx, offset } => vmctx.slot(*offset),
        }
    }
}

impl Global {
    /// A global holding `value`, of the value's type. A non-null
    /// reference is refused (`None`): references come only from instances.
    pub fn new(value: Val, mutable: bool) -> Option<Rc<Global>> {
        let reference = matches!(value, Val::FuncRef(r) if !r.is_null())
            || matches!(value, Val::ExnRef(r) if !r.is_null());
        let roots = crate::interrupt::thread_roots();
        (!reference).then(|| Self::with_type(value, value.ty(), mutable, &roots))
    }

    /// A global of type `ty` holding `value`, which must be of that type
    /// (for a typed reference, `ty` holds canonical type ids), whose GC
    /// references (if its type has them) are roots of `roots`.
    pub(crate) fn with_type(
        value: Val,
        ty: ValType,
        mutable: bool,
        roots: &Rc<crate::gc::roots::RootSources>,
    ) -> Rc<Global> {
        let slot = GlobalSlot::Own(Box::new(UnsafeCell::new(value.to_slot())));
        Self::in_slot(slot, ty, mutable, roots)
    }

    /// A defined global of `vmctx`'s instance, in the value slot at
    /// `offset`, holding `value` (of type `ty`, as for [`Self::with_type`]).
    pub(crate) fn in_vm_context(
        value: Val,
        ty: ValType,
        mutable: bool,
        roots: &Rc<crate::gc::roots::RootSources>,
        vmctx: Rc<VMContext>,
        offset: u32,
    ) -> Rc<Global> {
        vmctx.write(offset, value.to_slot());
        let slot = GlobalSlot::InVmContext { vmctx, offset };
        Self::in_slot(slot, ty, mutable, roots)
    }

    fn in_slot(
        slot: GlobalSlot,
        ty: ValType,
        mutable: bool,
        roots: &Rc<crate::gc::roots::RootSources>,
    ) -> Rc<Global> {
        let traced = crate::gc::shapes::is_traced(ty, &crate::type_registry::CanonicalTypes);
        let root = traced.then(|| {
            let word = slot.ptr().cast::<u64>();
            roots.register(crate::gc::roots::RootSource::Global(word))
        });
        Rc::new(Global {
            _root: root,
            slot,
            ty,
            mutable,
            keepalive: RefCell::new(Vec::new()),
        })
    }

    /// Its current value.
    pub fn get(&self) -> Val {
        // SAFETY: the slot is valid as long as `self` (its box or its VM
        // context is held) and only written by wasm code (suspended now)
        // and by `set`.
        Val::from_slot(self.ty, unsafe { &*self.slot.ptr() })
    }

    /// Its type.
    pub fn ty(&self) -> ValType {
        self.ty
    }

    /// Whether it is mutable.
    pub fn mutable(&self) -> bool {
        self.mutable
    }

    /// The slot compiled code reads and writes.
    pub(crate) fn slot_ptr(&self) -> *mut ValRaw {
        self.slot.ptr()
    }

    /// Keeps `owner` alive as long as this global.
    pub(crate) fn keep_alive(&self, owner: Rc<dyn Any>) {
        self.keepalive.borrow_mut().push(owner);
    }

    /// Stops keeping the owners alive (their store is being dropped).
    pub(crate) fn release_owners(&self) {
        self.keepalive.borrow_mut().clear();
    }
}

/// Anything an instance can import or export.
#[derive(Clone)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A memory.
    Memory(Rc<LinearMemory>),
    /// A table.
    Table(Rc<Table>),
    /// A global.
    Global(Rc<Global>),
    /// An exception tag.
    Tag(Arc<crate::exceptions::Tag>),
}

impl Extern {
    /// A short description of the kind, for link errors.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Extern::Func(_) => "function",
            Extern::Memory(_) => "memory",
            Extern::Table(_) => "table",
            Extern::Global(_) => "global",
            Extern::Tag(_) => "tag",
        }
    }
}
