//! Host functions and the linker that resolves an artifact's imports
//! against them, checking each against the signature the artifact recorded.

use crate::externs::{Extern, Func, VMFuncRef};
use crate::interrupt::VMRuntimeLimits;
use crate::traps::{self, Trap};
use crate::type_registry::TypeIds;
use crate::values::{Val, ValRaw};
use std::any::Any;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::Arc;
use waot_format::types::{FuncType, MemoryDesc, TableDesc, ValType};
use waot_format::vmctx::{self, host_ctx};

/// What a host function sees of its caller.
pub struct Caller {
    vmctx: *mut u8,
}

impl Caller {
    /// The calling instance's data (what its VM context's RUNTIME_DATA
    /// holds), or null when the embedder called the function directly.
    pub(crate) fn instance_data(&self) -> *const crate::instance::InstanceData {
        if self.vmctx.is_null() {
            return std::ptr::null();
        }
        // SAFETY: a non-null `vmctx` is the calling instance's live VM
        // context, whose RUNTIME_DATA slot holds its data's address.
        unsafe {
            *(self.vmctx.add(vmctx::RUNTIME_DATA as usize)
                as *const *const crate::instance::InstanceData)
        }
    }

    /// The caller's memory 0, or an empty slice if it has none. Valid for
    /// the duration of the host call only.
    pub fn memory(&mut self) -> &mut [u8] {
        // The embedder called a host function directly: no wasm caller.
        if self.vmctx.is_null() {
            return &mut [];
        }
        // SAFETY: `vmctx` is the calling instance's live VM context and its
        // RUNTIME_DATA slot points at that instance's data; wasm is
        // suspended in this host call, so nothing else accesses the memory.
        unsafe {
            let data = *(self.vmctx.add(vmctx::RUNTIME_DATA as usize)
                as *const *const crate::instance::InstanceData);
            match data.as_ref().and_then(|d| d.memory(0)) {
                Some(m) => m.bytes_mut(),
                None => &mut [],
            }
        }
    }
}

/// The Rust side of a host function.
pub type HostFn = dyn Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync;

/// A host function. Compiled code reaches it through the artifact's
/// wasm-to-host trampoline, which receives a pointer to this struct as its
/// callee VM context; the layout of its first fields is
/// [`waot_format::vmctx::host_ctx`].
#[repr(C)]
pub struct HostFunc {
    magic: u64,
    array_call: extern "C" fn(*mut u8, *mut u8, *mut ValRaw, usize) -> u32,
    ty: FuncType,
    func: Box<HostFn>,
    refs: RefPolicy,
    /// Holds its type's canonical id.
    type_ids: TypeIds,
}

/// Which references a host function may hand to wasm.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum RefPolicy {
    /// A raw host function: no non-null reference results, and only
    /// exceptions of the thread's arena (what raw instances use).
    Raw,
    /// A `Linker<T>` function: its wrapper has checked every reference
    /// against the calling store.
    StoreChecked,
}

const _: () = assert!(std::mem::offset_of!(HostFunc, magic) == host_ctx::MAGIC as usize);
const _: () = assert!(std::mem::offset_of!(HostFunc, array_call) == host_ctx::ARRAY_CALL as usize);

impl HostFunc {
    /// Wraps `func`, which takes and returns values of `ty`.
    pub fn new(
        ty: FuncType,
        func: impl Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Self::with_policy(ty, func, RefPolicy::Raw)
    }

    pub(crate) fn with_policy(
        ty: FuncType,
        func: impl Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
        refs: RefPolicy,
    ) -> Arc<Self> {
        let type_ids = TypeIds::of_canonical(&ty);
        Self::of_type(ty, type_ids, func, refs)
    }

    fn of_type(
        ty: FuncType,
        type_ids: TypeIds,
        func: impl Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
        refs: RefPolicy,
    ) -> Arc<Self> {
        Arc::new(HostFunc {
            magic: host_ctx::MAGIC_VALUE,
            array_call: host_array_call,
            type_ids,
            ty,
            func: Box::new(func),
            refs,
        })
    }

    /// The function's signature.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// The pointer compiled code receives as callee VM context.
    pub(crate) fn context_ptr(self: &Arc<Self>) -> *mut u8 {
        Arc::as_ptr(self) as *mut u8
    }
}

/// Runs the host function; every Rust value is dropped before returning.
fn host_call(func: &HostFunc, caller_vmctx: *mut u8, values: *mut ValRaw) -> Result<(), Trap> {
    let n = func.ty.params.len().max(func.ty.results.len());
    // SAFETY: the trampoline passes a stack array of max(params, results)
    // slots (at least one), valid for the duration of the call.
    let slots = unsafe { std::slice::from_raw_parts_mut(values, n.max(1)) };
    let args: Vec<Val> = func
        .ty
        .params
        .iter()
        .zip(slots.iter())
        .map(|(t, s)| Val::from_slot(*t, s))
        .collect();
    let mut caller = Caller {
        vmctx: caller_vmctx,
    };
    let results = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        (func.func)(&mut caller, &args)
    }))
    .map_err(|_| Trap::host("host function panicked"))?
    .map_err(|trap| checked_throw(func.refs, trap))?;
    let foreign = |v: &Val| match v {
        Val::FuncRef(r) => !r.is_null(),
        Val::ExnRef(r) => !r.is_null(),
        _ => false,
    };
    if func.refs == RefPolicy::Raw && results.iter().any(foreign) {
        return Err(Trap::host(
            "a raw host function returned a non-null reference (only functions of a Linker<T> can)",
        ));
    }
    if results.len() != func.ty.results.len()
        || results
            .iter()
            .zip(&func.ty.results)
            .any(|(v, t)| !v.matches(*t))
    {
        return Err(Trap::host(format!(
            "host function returned values that do not match {}",
            func.ty
        )));
    }
    for (slot, v) in slots.iter_mut().zip(results) {
        *slot = v.to_slot();
    }
    Ok(())
}

/// A raw host function may throw only exceptions of its thread's arena
/// (a store's could outlive its store); a `Linker<T>` function's were
/// checked against its store.
fn checked_throw(refs: RefPolicy, trap: Trap) -> Trap {
    match &trap.exception {
        Some(e) if refs == RefPolicy::Raw && !crate::exceptions::in_thread_arena(e) => {
            Trap::host("a raw host function threw an exception that is not its thread's")
        }
        _ => trap,
    }
}

/// A host function's array call: 0 when it returned, 1 when it failed
/// (its error is left for `traps::call`; the wasm-to-host trampoline
/// that called it then traps).
extern "C" fn host_array_call(
    callee: *mut u8,
    caller: *mut u8,
    values: *mut ValRaw,
    _count: usize,
) -> u32 {
    // SAFETY: `callee` is the HostFunc pointer stored in the caller's
    // imported-function record; the instance keeps the Arc alive.
    let func = unsafe { &*(callee as *const HostFunc) };
    // The wasm frames below this call are walked from the trampoline's
    // frame if a collection runs before it returns; the GC references it
    // is given are rooted until then (its results are words again).
    let exit_fp = if caller.is_null() {
        0
    } else {
        // SAFETY: a non-null caller is a live VM context, whose
        // RUNTIME_LIMITS slot points at its placement's limits block.
        let limits = unsafe {
            &*(*(caller.add(vmctx::RUNTIME_LIMITS as usize) as *const *const VMRuntimeLimits))
        };
        limits.take_exit_fp()
    };
    crate::gc::roots::enter_host(exit_fp);
    let scope = crate::gc::roots::RootScope::new();
    let result = host_call(func, caller, values);
    drop(scope);
    crate::gc::roots::leave_host();
    match result {
        Ok(()) => 0,
        Err(trap) => {
            traps::set_host_trap(trap);
            1
        }
    }
}

/// Keeps the instance that owns an export alive.
pub type Owner = Rc<dyn Any>;

/// What imports resolve against: host functions, and the exports of
/// instances registered under a module name.
#[derive(Default, Clone)]
pub struct Linker {
    /// Each item with the instance that owns it (kept alive by importers).
    /// By module name, then name: found without allocating.
    items: HashMap<String, HashMap<String, (Extern, Option<Owner>)>>,
    /// Link imports that are missing to a function that traps when called.
    pub allow_unresolved: bool,
}

impl Linker {
    /// An empty linker.
    pub fn new() -> Self {
        Self::default()
    }

    /// Defines `module.name` as a host function of type `ty`.
    pub fn func(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> &mut Self {
        self.func_with(module, name, HostFunc::new(ty, func))
    }

    /// Defines `module.name` as host function `f`.
    pub(crate) fn func_with(&mut self, module: &str, name: &str, f: Arc<HostFunc>) -> &mut Self {
        self.define(module, name, Extern::Func(host_func(f)))
    }

    /// Defines `module.name` as any extern.
    pub fn define(&mut self, module: &str, name: &str, item: Extern) -> &mut Self {
        self.items
            .entry(module.to_string())
            .or_default()
            .insert(name.to_string(), (item, None));
        self
    }

    /// Item `module.name`, if defined.
    pub(crate) fn item(&self, module: &str, name: &str) -> Option<&Extern> {
        self.items.get(module)?.get(name).map(|(item, _)| item)
    }

    /// Whether `module.name` is defined.
    pub(crate) fn defines(&self, module: &str, name: &str) -> bool {
        self.items.get(module).is_some_and(|m| m.contains_key(name))
    }

    /// Registers every export of `instance` under module name `module`.
    pub fn instance(&mut self, module: &str, instance: &crate::instance::Instance) -> &mut Self {
        let owner = instance.owner();
        for (name, item) in instance.exports() {
            self.items
                .entry(module.to_string())
                .or_default()
                .insert(name, (item, Some(owner.clone())));
        }
        self
    }

    /// Resolves one import against its recorded type, or explains why it
    /// cannot be (`unresolved import …` or `incompatible import type …`).
    pub(crate) fn resolve(
        &self,
        module: &str,
        name: &str,
        want: &Wanted,
    ) -> Result<(Extern, Option<Owner>), String> {
        let Some((item, owner)) = self.items.get(module).and_then(|m| m.get(name)) else {
            if let (Wanted::Func(_, ty, id), true) = (want, self.allow_unresolved) {
                let f = unresolved_import(module, name, (*ty).clone(), *id);
                return Ok((Extern::Func(host_func(f)), None));
            }
            return Err(format!(
                "unresolved import {module}.{name}: {}",
                want.describe()
            ));
        };
        let incompatible = |have: String| {
            Err(format!(
                "incompatible import type for {module}.{name}: expected {}, found {have}",
                want.describe()
            ))
        };
        let found = |item: &Extern| Ok((item.clone(), owner.clone()));
        match (want, item) {
            // Canonical ids: equal types of any two modules, typed
            // references included, have equal ids; a function of a
            // declared subtype matches too (GC).
            (Wanted::Func(_, _, id), Extern::Func(f))
                if crate::type_registry::is_subtype(f.func_ref.type_id, *id) =>
            {
                found(item)
            }
            (Wanted::Func(..), Extern::Func(f)) => incompatible(format!("function {}", f.ty)),
            // An immutable global may have a subtype of the wanted type
            // (`(ref $t)` for `funcref`); a mutable one must match exactly.
            (Wanted::Global { ty, mutable }, Extern::Global(g))
                if g.mutable() == *mutable
                    && (g.ty() == *ty
                        || (!*mutable
                            && g.ty()
                                .is_subtype_in(*ty, &crate::type_registry::CanonicalTypes))) =>
            {
                found(item)
            }
            (Wanted::Global { .. }, Extern::Global(g)) => incompatible(format!(
                "global {}{}",
                if g.mutable() { "mut " } else { "" },
                g.ty()
            )),
            (Wanted::Memory(d), Extern::Memory(m)) => {
                let max_ok = match (d.max_pages, m.declared_max()) {
                    (None, _) => true,
                    (Some(want), Some(have)) => have <= want,
                    (Some(_), None) => false,
                };
                if m.pages() >= d.min_pages
                    && max_ok
                    && m.shared() == d.shared
                    && m.memory64() == d.memory64
                {
                    found(item)
                } else {
                    incompatible(format!(
                        "{}{}memory with {} pages (max {:?})",
                        if m.shared() { "shared " } else { "" },
                        if m.memory64() { "64-bit " } else { "" },
                        m.pages(),
                        m.declared_max()
                    ))
                }
            }
            (Wanted::Table(d), Extern::Table(t)) => {
                let max_ok = match (d.max, t.max()) {
                    (None, _) => true,
                    (Some(want), Some(have)) => have <= want,
                    (Some(_), None) => false,
                };
                if t.elem() == d.elem && t.len() >= d.min && max_ok && t.table64() == d.table64 {
                    found(item)
                } else {
                    incompatible(format!(
                        "{}table of {} with {} elements (max {:?})",
                        if t.table64() { "64-bit " } else { "" },
                        t.elem(),
                        t.len(),
                        t.max()
                    ))
                }
            }
            // Tags match exactly: their types' canonical ids are equal.
            (Wanted::Tag { id, .. }, Extern::Tag(t)) if t.type_id == *id => found(item),
            (Wanted::Tag { .. }, Extern::Tag(t)) => incompatible(format!("tag {}", t.ty)),
            (_, other) => incompatible(other.kind_name().to_string()),
        }
    }
}

/// What an import asks for.
/// Reference types in it hold canonical type ids.
pub(crate) enum Wanted<'a> {
    /// A function of this type (as the module writes it, for messages;
    /// then with canonical ids in its references), with its canonical id.
    Func(&'a FuncType, &'a FuncType, u32),
    Global {
        ty: ValType,
        mutable: bool,
    },
    Memory(MemoryDesc),
    Table(TableDesc),
    Tag {
        /// Its canonical type.
        ty: &'a FuncType,
        /// Its canonical id.
        id: u32,
    },
}

impl Wanted<'_> {
    fn describe(&self) -> String {
        match self {
            Wanted::Func(ty, _, _) => ty.to_string(),
            Wanted::Global { ty, mutable } => {
                format!("global {}{ty}", if *mutable { "mut " } else { "" })
            }
            Wanted::Memory(d) => format!(
                "{}{}memory (min {} pages, max {:?})",
                if d.shared { "shared " } else { "" },
                if d.memory64 { "64-bit " } else { "" },
                d.min_pages,
                d.max_pages
            ),
            Wanted::Table(d) => format!(
                "{}table of {} (min {}, max {:?})",
                if d.table64 { "64-bit " } else { "" },
                d.elem,
                d.min,
                d.max
            ),
            Wanted::Tag { ty, .. } => format!("tag {ty}"),
        }
    }
}

/// A function of type `ty` (canonical) standing for import `module.name`
/// that nothing defines: calling it traps with "unresolved import".
/// A stand-in for import `module.name`, which traps "unresolved import"
/// when called. It has the import's own canonical type (`type_id`, whose
/// signature is `ty`), so it links and passes `call_indirect` exactly
/// where the import would, a non-final type or one of a larger recursion
/// group included.
pub(crate) fn unresolved_import(
    module: &str,
    name: &str,
    ty: FuncType,
    type_id: u32,
) -> Arc<HostFunc> {
    let what = format!("{module}.{name}");
    let trap = move |_: &mut Caller, _: &[Val]| {
        Err(Trap {
            detail: Some(what.clone()),
            ..Trap::new(waot_format::traps::TrapKind::UnresolvedImport)
        })
    };
    HostFunc::of_type(ty, TypeIds::of_id(type_id), trap, RefPolicy::Raw)
}

/// A host function as an importable [`Func`].
pub fn host_func(f: Arc<HostFunc>) -> Func {
    Func {
        func_ref: VMFuncRef {
            wasm_call: 0,
            array_call: host_array_call as *const () as usize,
            vmctx: f.context_ptr() as usize,
            type_id: f.type_ids.ids()[0],
            _pad: 0,
        },
        ty: f.ty().clone(),
        host: Some(f),
        _owner: None,
    }
}
