//! What instances import, export and share: functions (as function
//! references), tables and globals (memories live in `memory.rs`), plus
//! the process-wide registry of canonical signature ids that
//! `call_indirect` compares.

use crate::linker::HostFunc;
use crate::memory::LinearMemory;
use crate::values::{Val, ValRaw};
use std::any::Any;
use std::cell::{Cell, RefCell, UnsafeCell};
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, Mutex};
use waot_format::types::{FuncType, TableDesc, ValType};

/// The canonical id of a signature: equal types get equal ids in every
/// module of the process.
pub fn type_id(ty: &FuncType) -> u32 {
    static IDS: Mutex<Option<HashMap<FuncType, u32>>> = Mutex::new(None);
    let mut ids = IDS.lock().unwrap_or_else(|e| e.into_inner());
    let map = ids.get_or_insert_with(HashMap::new);
    let next = map.len() as u32 + 1;
    *map.entry(ty.clone()).or_insert(next)
}

/// Elements a table may grow to unless the embedder says otherwise
/// (`RunOptions::max_table_elements`): 10 million (80 MB). The spec allows
/// growth to fail for resource reasons; without a cap a hostile module could
/// exhaust the host's memory with one `table.grow`.
pub const DEFAULT_TABLE_LIMIT: u64 = 10_000_000;

/// A function reference record (layout: `waot_format::vmctx::func_ref`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VMFuncRef {
    /// Code with the wasm calling convention.
    pub wasm_call: usize,
    /// Array-call entry, or 0.
    pub array_call: usize,
    /// Callee VM context (or host context).
    pub vmctx: usize,
    /// Canonical type id.
    pub type_id: u32,
    /// Padding.
    pub _pad: u32,
}

/// A function that can be imported.
#[derive(Clone)]
pub struct Func {
    /// Its reference record (for a host function, `wasm_call` is filled in
    /// by each importer with its own trampoline).
    pub func_ref: VMFuncRef,
    /// Its signature.
    pub ty: FuncType,
    /// Set for host functions.
    pub host: Option<Arc<HostFunc>>,
    /// Keeps the owner (an instance) alive.
    pub owner: Option<Rc<dyn Any>>,
}

/// The `{ base, length }` record of a table (layout:
/// `waot_format::vmctx::table`).
#[repr(C)]
pub struct VMTableDefinition {
    base: Cell<*mut usize>,
    length: Cell<u64>,
}

/// A table of references (funcref: `*const VMFuncRef` or 0; externref:
/// host value + 1 or 0).
pub struct Table {
    definition: Box<VMTableDefinition>,
    elements: UnsafeCell<Vec<usize>>,
    elem: ValType,
    max: Option<u64>,
    /// Growth limit in elements (the declared maximum, capped by the
    /// run-time limit).
    limit: u64,
    /// Instances whose function references may be stored in this table.
    keepalive: RefCell<Vec<Rc<dyn Any>>>,
}

impl Table {
    /// A table of `desc.min` null elements that can grow to its declared
    /// maximum, but never past `limit` elements.
    pub fn with_limit(desc: &TableDesc, limit: u64) -> Rc<Table> {
        let t = Rc::new(Table {
            definition: Box::new(VMTableDefinition {
                base: Cell::new(std::ptr::null_mut()),
                length: Cell::new(0),
            }),
            elements: UnsafeCell::new(Vec::new()),
            elem: desc.elem,
            max: desc.max,
            limit: desc
                .max
                .unwrap_or(u32::MAX as u64)
                .min(limit)
                .min(u32::MAX as u64)
                .max(desc.min),
            keepalive: RefCell::new(Vec::new()),
        });
        t.grow(desc.min, 0);
        t
    }

    /// A table with the default run-time limit ([`DEFAULT_TABLE_LIMIT`]).
    pub fn new(desc: &TableDesc) -> Rc<Table> {
        Self::with_limit(desc, DEFAULT_TABLE_LIMIT)
    }

    fn sync(&self, elements: &mut Vec<usize>) {
        self.definition.base.set(elements.as_mut_ptr());
        self.definition.length.set(elements.len() as u64);
    }

    /// The elements.
    ///
    /// # Safety
    /// No wasm code may run and no other slice from this table may be alive
    /// while the returned one is used.
    #[allow(clippy::mut_from_ref)] // interior mutability shared with wasm code
    pub unsafe fn elements(&self) -> &mut Vec<usize> {
        // SAFETY: the caller guarantees exclusive access (see above).
        unsafe { &mut *self.elements.get() }
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

    /// Grows by `delta` elements set to `init`; returns the old length, or
    /// `None` past the maximum.
    pub fn grow(&self, delta: u64, init: usize) -> Option<u64> {
        let old = self.len();
        let new = old.checked_add(delta).filter(|&n| n <= self.limit)?;
        // SAFETY: called from the host or from a builtin, while wasm code is
        // suspended; no slice of the elements is alive.
        let elements = unsafe { self.elements() };
        elements.try_reserve(delta as usize).ok()?;
        elements.resize(new as usize, init);
        self.sync(elements);
        Some(old)
    }

    /// The record compiled code reads base and length from.
    pub fn definition_ptr(&self) -> *const VMTableDefinition {
        &*self.definition
    }

    /// Keeps `owner` alive as long as this table.
    pub fn keep_alive(&self, owner: Rc<dyn Any>) {
        self.keepalive.borrow_mut().push(owner);
    }
}

/// A global variable.
pub struct Global {
    slot: Box<UnsafeCell<ValRaw>>,
    ty: ValType,
    mutable: bool,
    keepalive: RefCell<Vec<Rc<dyn Any>>>,
}

impl Global {
    /// A global holding `value`.
    pub fn new(value: Val, mutable: bool) -> Rc<Global> {
        Rc::new(Global {
            slot: Box::new(UnsafeCell::new(value.to_slot())),
            ty: value.ty(),
            mutable,
            keepalive: RefCell::new(Vec::new()),
        })
    }

    /// Its current value.
    pub fn get(&self) -> Val {
        // SAFETY: the slot is only written by wasm code (suspended now) and
        // by `set`.
        Val::from_slot(self.ty, unsafe { &*self.slot.get() })
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
    pub fn slot_ptr(&self) -> *mut ValRaw {
        self.slot.get()
    }

    /// Keeps `owner` alive as long as this global.
    pub fn keep_alive(&self, owner: Rc<dyn Any>) {
        self.keepalive.borrow_mut().push(owner);
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
}

impl Extern {
    /// A short description of the kind, for link errors.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Extern::Func(_) => "function",
            Extern::Memory(_) => "memory",
            Extern::Table(_) => "table",
            Extern::Global(_) => "global",
        }
    }
}
