//! `Linker<T>`: host functions (typed Rust closures) and other stores'
//! items by module and name, resolving a module's imports when it is
//! instantiated into a store. Items taken from a store can only be linked
//! into that store.

use super::engine::Engine;
use super::func::{Caller, IntoFunc};
use super::instance::{Extern, Instance, raw};
use super::store::{AsContext, AsContextMut, StoreId, StoreInner, with_current};
use crate::linker::{Caller as RawCaller, HostFunc, Linker as RawLinker, RefPolicy};
use crate::traps::Trap;
use crate::values::Val;
use crate::{Error, Module};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::Arc;
use waot_format::types::{FuncType, ImportKind};

/// Resolves imports for instances of stores of `T`. Cheap to clone;
/// `Send` and `Sync`.
pub struct Linker<T> {
    engine: Engine,
    /// Host functions only: items of stores are kept as handles below, so
    /// that nothing a store owns is reachable from outside it.
    raw: RawLinker,
    /// Items taken from a store (`define`, `instance`): usable only there.
    /// By module name, then name.
    store_items: HashMap<String, HashMap<String, (StoreId, Extern)>>,
    _data: PhantomData<fn(&mut T)>,
}

// SAFETY: `raw` holds only host functions (`Arc<HostFunc>` of `Send +
// Sync` closures, no owner), never an item of a store, so the `Rc`s its
// type could hold are never present; `store_items` holds plain handles.
unsafe impl<T> Send for Linker<T> {}
// SAFETY: as for `Send`; `&Linker` only reads and clones those host
// functions (atomic reference counts).
unsafe impl<T> Sync for Linker<T> {}

impl<T> Clone for Linker<T> {
    fn clone(&self) -> Self {
        Linker {
            engine: self.engine.clone(),
            raw: self.raw.clone(),
            store_items: self.store_items.clone(),
            _data: PhantomData,
        }
    }
}

/// A host function's error as the trap that stops its wasm caller: a trap
/// it carries (`proc_exit`, a wasm trap from a nested call) as it is.
fn host_trap(e: Error) -> Trap {
    match e.into_trap() {
        Ok(trap) => trap,
        Err(e) => Trap::host(e.to_string()),
    }
}

impl<T: 'static> Linker<T> {
    /// An empty linker for stores of `engine`.
    pub fn new(engine: &Engine) -> Linker<T> {
        Linker {
            engine: engine.clone(),
            raw: RawLinker::new(),
            store_items: HashMap::new(),
            _data: PhantomData,
        }
    }

    /// The raw linker underneath, for WASI.
    pub(crate) fn raw_mut(&mut self) -> &mut RawLinker {
        &mut self.raw
    }

    /// The engine it links for.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Defines `module.name` as a Rust closure, `|caller: Caller<'_, T>, a:
    /// i32, b: i64| -> i32 { … }` or without the caller; its wasm type comes
    /// from the Rust types. It may return `Result<_, Error>`: an error traps
    /// the calling wasm ("host function error: …").
    pub fn func_wrap<Params, Marker>(
        &mut self,
        module: &str,
        name: &str,
        func: impl IntoFunc<T, Params, Marker>,
    ) -> Result<&mut Self, Error> {
        let ty = func.func_type();
        let func = Arc::new(func);
        self.define_host(module, name, ty, move |caller, args| {
            func.call(caller, args)
        });
        Ok(self)
    }

    /// Defines `module.name` as a closure over untyped values of type `ty`:
    /// it reads `params` and writes every result into `results`.
    pub fn func_new(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Result<&mut Self, Error> {
        let results = ty.results.clone();
        self.define_host(module, name, ty, move |caller, args| {
            let mut out: Vec<Val> = results.iter().map(|t| Val::null(*t)).collect();
            func(caller, args, &mut out)?;
            Ok(out)
        });
        Ok(self)
    }

    /// Registers a host function that finds its store when called.
    pub(crate) fn define_host(
        &mut self,
        module: &str,
        name: &str,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val]) -> Result<Vec<Val>, Error> + Send + Sync + 'static,
    ) {
        if let Some(items) = self.store_items.get_mut(module) {
            items.remove(name);
        }
        self.raw.func_with(module, name, store_host_func(ty, func));
    }

    /// Item `module.name` as a handle of `store`: a host function is
    /// added to the store (Wasmtime's `Linker::get`).
    pub fn get(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        name: &str,
    ) -> Option<Extern> {
        let store = store.as_context_mut().0;
        if let Some((id, item)) = self.store_items.get(module).and_then(|m| m.get(name)) {
            return (*id == store.id).then_some(*item);
        }
        let item = self.raw.item(module, name)?.clone();
        super::instance::adopt(store, item)
    }

    /// Defines `module.name` as the C function at `address` with a
    /// WAMR-style signature string (`"(ii*~$)i"`, `waot_native.h`): its
    /// pointer arguments are checked against the caller's memory before it
    /// runs.
    ///
    /// # Safety
    /// `address` is a C function whose parameters and result match
    /// `signature` as `waot_native.h` describes, loaded as long as the
    /// linker or any instance uses it.
    pub unsafe fn native_c(
        &mut self,
        module: &str,
        name: &str,
        signature: &str,
        address: usize,
    ) -> Result<&mut Self, Error> {
        if let Some(items) = self.store_items.get_mut(module) {
            items.remove(name);
        }
        // SAFETY: as the caller guarantees.
        unsafe { self.raw.native_c(module, name, signature, address) }.map_err(Error::msg)?;
        Ok(self)
    }

    /// Defines `module.name` as an item of `store` (usable only there).
    pub fn define(
        &mut self,
        store: impl AsContext<Data = T>,
        module: &str,
        name: &str,
        item: impl Into<Extern>,
    ) -> Result<&mut Self, Error> {
        let store = store.as_context().0;
        let item = item.into();
        raw(store, item)?;
        self.store_items
            .entry(module.to_string())
            .or_default()
            .insert(name.to_string(), (store.id, item));
        Ok(self)
    }

    /// Defines every export of `instance` under module name `module`.
    pub fn instance(
        &mut self,
        mut store: impl AsContextMut<Data = T>,
        module: &str,
        instance: Instance,
    ) -> Result<&mut Self, Error> {
        let store = store.as_context_mut().0;
        store.check(instance.store)?;
        for (name, item) in instance.exports_in(store) {
            self.store_items
                .entry(module.to_string())
                .or_default()
                .insert(name, (store.id, item));
        }
        Ok(self)
    }

    /// Defines each function `module` imports that this linker does not
    /// as a function that traps when called (Wasmtime's
    /// `define_unknown_imports_as_traps`): once, here, not per instance.
    pub fn define_unknown_imports_as_traps(&mut self, module: &Module) -> Result<(), Error> {
        for import in &module.artifact().module.imports {
            let ImportKind::Func(ty_index) = import.kind else {
                continue;
            };
            let in_store = self
                .store_items
                .get(import.module)
                .is_some_and(|items| items.contains_key(import.name));
            if in_store || self.raw.defines(import.module, import.name) {
                continue;
            }
            let Some(ty) = module.canonical_func_type(ty_index) else {
                continue;
            };
            let id = module.type_ids()[ty_index.index()];
            let trap = crate::linker::unresolved_import(import.module, import.name, ty.clone(), id);
            self.raw.func_with(import.module, import.name, trap);
        }
        Ok(())
    }

    /// Instantiates `module` into `store`: resolves its imports, creates
    /// its memories, tables and globals, applies its segments and runs its
    /// start function (a reactor's `_initialize` is the embedder's to
    /// call).
    pub fn instantiate(
        &self,
        mut store: impl AsContextMut<Data = T>,
        module: &Module,
    ) -> Result<Instance, Error> {
        let store = store.as_context_mut().0;
        if !Engine::same(&self.engine, &store.engine) {
            return Err(Error::msg(
                "the linker and the store belong to different engines",
            ));
        }
        // This store's items join the host functions for this
        // instantiation only (the host functions are copied only then).
        let mut linker = std::borrow::Cow::Borrowed(&self.raw);
        for import in &module.artifact().module.imports {
            let found = self.store_items.get(import.module);
            if let Some((id, item)) = found.and_then(|items| items.get(import.name)) {
                if *id != store.id {
                    return Err(Error::msg(format!(
                        "import {}.{} is defined by an item of another store",
                        import.module, import.name
                    )));
                }
                let item = raw(store, *item)?;
                linker.to_mut().define(import.module, import.name, item);
            }
        }
        instantiate_with(store, module, &linker)
    }
}

/// A host function of stores of `T`: it finds its store when called (the
/// current one of this thread) and checks every reference it returns.
pub(crate) fn store_host_func<T: 'static>(
    ty: FuncType,
    func: impl Fn(Caller<'_, T>, &[Val]) -> Result<Vec<Val>, Error> + Send + Sync + 'static,
) -> Arc<HostFunc> {
    HostFunc::with_policy(
        ty,
        move |raw_caller: &mut RawCaller, args| {
            let instance = raw_caller.instance_data();
            with_current::<T, _>(|store| {
                let caller = Caller {
                    store: &mut *store,
                    instance,
                };
                match func(caller, args) {
                    Ok(results) => store.check_refs(&results).map(|()| results),
                    Err(e) => Err(store.checked_throw(e)),
                }
            })
            .unwrap_or_else(|| {
                Err(Error::msg(
                    "a host function of a store of T was called outside a store of its T",
                ))
            })
            .map_err(host_trap)
        },
        RefPolicy::StoreChecked,
    )
}

/// Instantiates `module` into `store` with the imports `linker` resolves
/// (items of `store` and host functions only).
pub(crate) fn instantiate_with<T: 'static>(
    store: &mut StoreInner<T>,
    module: &Module,
    linker: &RawLinker,
) -> Result<Instance, Error> {
    // Modules opened elsewhere (another engine, `Module::open`) may
    // lack the checks this engine's fuel and deadlines rely on.
    let wanted = store.engine.config().interruption;
    let have = module.interruption();
    if (wanted.fuel && !have.fuel) || (wanted.epoch && !have.epoch) {
        return Err(Error::msg(format!(
            "the module's code has interruption checks `{have}`, but this engine counts `{wanted}`\nhint: open it with Module::from_file for this engine, after compiling it with the checks (`waot compile --fuel --epoch-interruption`)"
        )));
    }
    let place = store.placement();
    let options = store.options.clone();
    let module = module.clone();
    let mut failed = Vec::new();
    let outcome = super::store::enter(store, || {
        crate::instance::Instance::new_in(module, linker, &options, place, &mut failed)
    });
    store.objects.instances.extend(failed);
    let instance = outcome?;
    store.objects.instances.push(instance);
    Ok(Instance {
        store: store.id,
        index: store.objects.instances.len() - 1,
    })
}
