//! Host functions and the linker that resolves an artifact's imports
//! against them, checking each against the signature the artifact recorded.

use crate::traps::{self, Trap};
use crate::values::{Val, ValRaw};
use std::collections::HashMap;
use std::sync::Arc;
use waot_format::types::FuncType;
use waot_format::vmctx::{self, host_ctx};

/// What a host function sees of its caller.
pub struct Caller {
    vmctx: *mut u8,
}

impl Caller {
    /// The caller's memory 0, or an empty slice if it has none. Valid for
    /// the duration of the host call only.
    pub fn memory(&mut self) -> &mut [u8] {
        // SAFETY: `vmctx` is the calling instance's live VM context; its
        // memory base/length describe its accessible memory, and wasm is
        // suspended in this host call, so nothing else accesses it.
        unsafe {
            let base = *(self.vmctx.add(vmctx::MEMORY_BASE as usize) as *const *mut u8);
            let len = *(self.vmctx.add(vmctx::MEMORY_LENGTH as usize) as *const u64) as usize;
            if base.is_null() {
                &mut []
            } else {
                std::slice::from_raw_parts_mut(base, len)
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
    array_call: extern "C" fn(*mut u8, *mut u8, *mut ValRaw, usize),
    ty: FuncType,
    func: Box<HostFn>,
}

const _: () = assert!(std::mem::offset_of!(HostFunc, array_call) == host_ctx::ARRAY_CALL as usize);

impl HostFunc {
    /// Wraps `func`, which takes and returns values of `ty`.
    pub fn new(
        ty: FuncType,
        func: impl Fn(&mut Caller, &[Val]) -> Result<Vec<Val>, Trap> + Send + Sync + 'static,
    ) -> Arc<Self> {
        Arc::new(HostFunc {
            magic: host_ctx::MAGIC_VALUE,
            array_call: host_array_call,
            ty,
            func: Box::new(func),
        })
    }

    /// The function's signature.
    pub fn ty(&self) -> &FuncType {
        &self.ty
    }

    /// The pointer compiled code receives as callee VM context.
    pub fn context_ptr(self: &Arc<Self>) -> *mut u8 {
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
    .map_err(|_| Trap::host("host function panicked"))??;
    if results.len() != func.ty.results.len()
        || results
            .iter()
            .zip(&func.ty.results)
            .any(|(v, t)| v.ty() != *t)
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

extern "C" fn host_array_call(
    callee: *mut u8,
    caller: *mut u8,
    values: *mut ValRaw,
    _count: usize,
) {
    // SAFETY: `callee` is the HostFunc pointer stored in the caller's
    // imported-function record; the instance keeps the Arc alive.
    let func = unsafe { &*(callee as *const HostFunc) };
    if let Err(trap) = host_call(func, caller, values) {
        traps::raise(trap);
    }
}

/// Host functions by (module, name).
#[derive(Default, Clone)]
pub struct Linker {
    funcs: HashMap<(String, String), Arc<HostFunc>>,
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
        self.funcs.insert(
            (module.to_string(), name.to_string()),
            HostFunc::new(ty, func),
        );
        self
    }

    /// Resolves one function import, or explains why it cannot be.
    pub(crate) fn resolve(
        &self,
        module: &str,
        name: &str,
        ty: &FuncType,
    ) -> Result<Arc<HostFunc>, String> {
        match self.funcs.get(&(module.to_string(), name.to_string())) {
            Some(f) if f.ty == *ty => Ok(f.clone()),
            Some(f) => Err(format!(
                "import {module}.{name} has type {ty}, but the host provides {}",
                f.ty
            )),
            None if self.allow_unresolved => {
                let what = format!("{module}.{name}");
                Ok(HostFunc::new(ty.clone(), move |_, _| {
                    Err(Trap {
                        detail: Some(what.clone()),
                        ..Trap::new(waot_format::traps::TrapKind::UnresolvedImport)
                    })
                }))
            }
            None => Err(format!("unresolved import {module}.{name}: {ty}")),
        }
    }
}
