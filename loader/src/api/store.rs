//! `Store<T>`: owns the instances, functions, memories, tables and globals
//! an embedder creates, the host's data `T`, and the runtime limits block
//! (fuel, epoch deadline, stack limit) its code reads. Handles are indices
//! into a store, checked to belong to it.
//!
//! While wasm runs, the store is reachable from host functions through
//! [`enter`]: the call that entered wasm holds the only `&mut` to it and
//! lends it, as a raw pointer, to the [`crate::Caller`] of each host call.

use super::engine::Engine;
use super::limits::{GrowthCheck, LimiterAccessor};
use crate::Error;
use crate::exceptions::ExnArena;
use crate::externs::{Func as RawFunc, Global as RawGlobal, Table as RawTable};
use crate::instance::Instance as RawInstance;
use crate::instance::Placement;
use crate::interrupt::VMRuntimeLimits;
use crate::memory::LinearMemory;
use crate::{InstantiateError, RunOptions};
use std::any::TypeId;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Which store a handle belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct StoreId(u64);

impl StoreId {
    fn next() -> StoreId {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        StoreId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// What a store owns, whatever its `T`. Declared before the limits block
/// in [`StoreInner`], so it is dropped first.
#[derive(Default)]
pub(crate) struct StoreObjects {
    pub(crate) instances: Vec<RawInstance>,
    /// Shared, so a call clones a pointer, not the signature.
    pub(crate) funcs: Vec<Rc<RawFunc>>,
    pub(crate) memories: Vec<Rc<LinearMemory>>,
    pub(crate) tables: Vec<Rc<RawTable>>,
    pub(crate) globals: Vec<Rc<RawGlobal>>,
    /// The handle of each export asked for: (instance index, name).
    pub(crate) exports: std::collections::HashMap<(usize, String), super::instance::Extern>,
    /// The `funcref` of each function that has one (by handle index) and
    /// back: the address of its record in an instance's VM context.
    pub(crate) func_refs: std::collections::HashMap<usize, usize>,
    pub(crate) funcs_by_ref: std::collections::HashMap<usize, usize>,
    /// The reference records of host functions (`Func::new`) that became
    /// `funcref`s: each with the trampoline of a module of this store.
    /// Boxed: a record's address is the `funcref`, so it must not move
    /// when the vector grows.
    #[allow(clippy::vec_box)]
    pub(crate) host_func_refs: Vec<Box<crate::externs::VMFuncRef>>,
}

/// The store itself, boxed so that the limits block and `T` never move
/// while compiled code or a host function may point at them.
pub(crate) struct StoreInner<T> {
    pub(crate) objects: StoreObjects,
    pub(crate) id: StoreId,
    pub(crate) engine: Engine,
    pub(crate) data: T,
    pub(crate) limits: Box<VMRuntimeLimits>,
    pub(crate) exceptions: Box<ExnArena>,
    /// The limiter's check, boxed twice so that instances can point at it
    /// before it is set.
    pub(crate) growth: Box<Option<Box<GrowthCheck>>>,
    pub(crate) limiter: Option<LimiterAccessor<T>>,
    pub(crate) options: RunOptions,
}

impl<T> StoreInner<T> {
    /// Where its instances keep their limits and exceptions.
    pub(crate) fn placement(&self) -> Placement {
        Placement {
            limits: &*self.limits,
            exceptions: &*self.exceptions,
            growth: &*self.growth,
            pool: self.engine.memory_pool().cloned(),
        }
    }
}

impl Drop for StoreObjects {
    /// Instances that share a table or global keep each other alive
    /// (each holds the other's functions); nothing can call into them once
    /// their store goes, so the cycles are broken here.
    fn drop(&mut self) {
        for instance in &self.instances {
            instance.release_owners();
        }
        for t in &self.tables {
            t.release_owners();
        }
        for g in &self.globals {
            g.release_owners();
        }
    }
}

impl<T> StoreInner<T> {
    /// Fails unless `id` is this store's.
    pub(crate) fn check(&self, id: StoreId) -> Result<(), Error> {
        if id == self.id {
            Ok(())
        } else {
            Err(Error::msg(
                "the handle belongs to another store (a handle works only with the store that created it)",
            ))
        }
    }

    /// Fails unless every reference in `values` is null or this store's
    /// (a reference from another store, or one whose store is gone, must
    /// never reach compiled code).
    pub(crate) fn check_refs(&self, values: &[crate::Val]) -> Result<(), Error> {
        for v in values {
            let ours = match *v {
                crate::Val::FuncRef(r) if !r.is_null() => {
                    self.objects
                        .instances
                        .iter()
                        .any(|i| i.holds_func_ref(r.raw()))
                        || self.objects.funcs_by_ref.contains_key(&r.raw())
                }
                crate::Val::ExnRef(r) if !r.is_null() => self.exceptions.contains(r.raw()),
                // A GC object: of this store's heap.
                crate::Val::AnyRef(_) | crate::Val::ExternRef(_) => {
                    let word = v.raw_u64();
                    !crate::gc::is_object(word)
                        || self
                            .limits
                            .existing_gc_heap()
                            .is_some_and(|h| h.contains(word))
                }
                _ => true,
            };
            if !ours {
                return Err(Error::msg(
                    "a reference that belongs to another store (or to none) was passed to this store",
                ));
            }
        }
        Ok(())
    }

    /// A host function's error: a thrown exception must be one of this
    /// store's (made by its code) with references of this store only.
    pub(crate) fn checked_throw(&self, e: Error) -> Error {
        match e.trap().and_then(|t| t.exception.as_ref()) {
            Some(x) if !self.exceptions.contains(x.address) => {
                Error::msg("a host function threw an exception that does not belong to this store")
            }
            Some(x) => match self.check_refs(&x.values) {
                Ok(()) => e,
                Err(refused) => refused,
            },
            None => e,
        }
    }

    /// Fuel operations need an engine that counts fuel.
    fn fuel_configured(&self) -> Result<(), Error> {
        if self.engine.config().interruption.fuel {
            Ok(())
        } else {
            Err(Error::msg(
                "fuel is not configured in this store: enable it with Config::consume_fuel(true) (and compile with `waot compile --fuel`)",
            ))
        }
    }

    pub(crate) fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.fuel_configured()?;
        self.limits.set_fuel(fuel);
        Ok(())
    }

    pub(crate) fn get_fuel(&self) -> Result<u64, Error> {
        self.fuel_configured()?;
        Ok(self.limits.fuel())
    }

    pub(crate) fn set_epoch_deadline(&mut self, ticks: u64) {
        let deadline = self.engine.current_epoch().saturating_add(ticks);
        self.limits.set_epoch_deadline(deadline);
    }
}

impl<T> StoreContextMut<'_, T> {
    /// The host's data.
    pub fn data(&self) -> &T {
        &self.0.data
    }

    /// The host's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.0.data
    }

    /// Sets the fuel left ([`Store::set_fuel`]).
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.0.set_fuel(fuel)
    }

    /// The fuel left ([`Store::get_fuel`]).
    pub fn get_fuel(&self) -> Result<u64, Error> {
        self.0.get_fuel()
    }

    /// Sets the epoch deadline ([`Store::set_epoch_deadline`]).
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        self.0.set_epoch_deadline(ticks)
    }
}

/// A collection of wasm objects and the host's data `T`; everything in it
/// is freed when it is dropped. `Send` when `T` is: a store may move to
/// another thread between calls.
pub struct Store<T> {
    pub(crate) inner: Box<StoreInner<T>>,
}

// SAFETY: everything the store owns (instances, memories, tables, globals,
// their `Rc`s and `Cell`s, the VM contexts' raw pointers) is reachable only
// through the store: handles are indices, a `Linker<T>` keeps handles
// rather than objects, a host function gets the store through a `Caller`
// that borrows it for the call, and memory slices borrow it too. None of
// it belongs to a thread: the runtime limits block and the exception
// arena are the store's own, and what a call keeps per thread (the
// pending exception, the last trap, the signal stack) lasts only for that
// call on the thread that makes it. Moving the store moves the whole graph
// at once, so no reference count or cell is ever touched from two
// threads. The limiter it holds is `Send`, and `T` is.
unsafe impl<T: Send> Send for Store<T> {}

impl<T> Store<T> {
    /// An empty store of `engine` holding `data`.
    pub fn new(engine: &Engine, data: T) -> Store<T> {
        let limits = Box::new(VMRuntimeLimits::new(engine.epoch_ptr()));
        let options = RunOptions {
            max_wasm_stack: engine.config().max_wasm_stack,
            max_gc_heap: engine.config().max_gc_heap,
            ..RunOptions::default()
        };
        Store {
            inner: Box::new(StoreInner {
                objects: StoreObjects::default(),
                id: StoreId::next(),
                engine: engine.clone(),
                data,
                limits,
                exceptions: Box::default(),
                growth: Box::new(None),
                limiter: None,
                options,
            }),
        }
    }

    /// The host's data.
    pub fn data(&self) -> &T {
        &self.inner.data
    }

    /// The host's data, mutably.
    pub fn data_mut(&mut self) -> &mut T {
        &mut self.inner.data
    }

    /// Consumes the store (freeing everything in it) and returns the data.
    pub fn into_data(self) -> T {
        let StoreInner { objects, data, .. } = *self.inner;
        drop(objects);
        data
    }

    /// The engine it belongs to.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// Gives the store's code `fuel` units to run (Wasmtime's count);
    /// code compiled with `--fuel` traps with "all fuel consumed by
    /// WebAssembly" when it has run out. An error unless the engine's
    /// [`crate::Config::consume_fuel`] is set.
    pub fn set_fuel(&mut self, fuel: u64) -> Result<(), Error> {
        self.inner.set_fuel(fuel)
    }

    /// The fuel left.
    pub fn get_fuel(&self) -> Result<u64, Error> {
        self.inner.get_fuel()
    }

    /// Code compiled with `--epoch-interruption` traps with "interrupted"
    /// once the engine's epoch has advanced `ticks` beyond its current
    /// value ([`crate::Engine::increment_epoch`]). Without a deadline the
    /// code is never interrupted.
    pub fn set_epoch_deadline(&mut self, ticks: u64) {
        self.inner.set_epoch_deadline(ticks);
    }

    /// Collects the store's GC heap now (it collects by itself whenever
    /// its space is full): everything no root reaches is reclaimed.
    pub fn gc(&mut self) {
        let limits = &self.inner.limits;
        if let Some(heap) = limits.existing_gc_heap() {
            heap.collect(limits, None, 0);
        }
    }

    /// The store's GC heap: collections so far and how much of it is in
    /// use or free to allocate.
    pub fn gc_stats(&self) -> GcStats {
        let heap = self.inner.limits.existing_gc_heap();
        GcStats {
            collections: heap.map_or(0, |h| h.collections()),
            space_bytes: heap.map_or(0, |h| h.space_bytes()),
        }
    }
}

/// What [`Store::gc_stats`] reports.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GcStats {
    /// Collections run.
    pub collections: u64,
    /// Bytes of the heap allocation may use before the next collection:
    /// what lived after the last one and the room it left (0 before the
    /// first object).
    pub space_bytes: usize,
}

/// A shared borrow of a store, as host functions and handles take it.
pub struct StoreContext<'a, T>(pub(crate) &'a StoreInner<T>);

/// An exclusive borrow of a store.
pub struct StoreContextMut<'a, T>(pub(crate) &'a mut StoreInner<T>);

/// Things that borrow a store: [`Store`], [`crate::Caller`], contexts,
/// and references to them (Wasmtime's trait of the same name).
pub trait AsContext {
    /// The store's data type.
    type Data;
    /// Borrows the store.
    fn as_context(&self) -> StoreContext<'_, Self::Data>;
}

/// Things that borrow a store exclusively.
pub trait AsContextMut: AsContext {
    /// Borrows the store exclusively.
    fn as_context_mut(&mut self) -> StoreContextMut<'_, Self::Data>;
}

impl<T> AsContext for Store<T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(&self.inner)
    }
}

impl<T> AsContextMut for Store<T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(&mut self.inner)
    }
}

impl<T> AsContext for StoreContext<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContext for StoreContextMut<'_, T> {
    type Data = T;
    fn as_context(&self) -> StoreContext<'_, T> {
        StoreContext(self.0)
    }
}

impl<T> AsContextMut for StoreContextMut<'_, T> {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, T> {
        StoreContextMut(self.0)
    }
}

impl<S: AsContext + ?Sized> AsContext for &S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContext + ?Sized> AsContext for &mut S {
    type Data = S::Data;
    fn as_context(&self) -> StoreContext<'_, S::Data> {
        (**self).as_context()
    }
}

impl<S: AsContextMut + ?Sized> AsContextMut for &mut S {
    fn as_context_mut(&mut self) -> StoreContextMut<'_, S::Data> {
        (**self).as_context_mut()
    }
}

/// The store wasm is running in on this thread: its address and data type.
#[derive(Clone, Copy)]
struct Current {
    store: *mut (),
    data: TypeId,
}

thread_local! {
    static CURRENT: Cell<Option<Current>> = const { Cell::new(None) };
}

/// Restores the previous current store when a call into wasm ends,
/// normally or by unwinding.
struct Restore(Option<Current>);

impl Drop for Restore {
    fn drop(&mut self) {
        CURRENT.with(|c| c.set(self.0));
    }
}

/// Runs `f` (which enters wasm) with `store` as this thread's current
/// store, so host functions reach it. `store` must not be used through any
/// other path until `f` returns.
pub(crate) fn enter<T: 'static, R>(store: &mut StoreInner<T>, f: impl FnOnce() -> R) -> R {
    let current = Current {
        store: store as *mut StoreInner<T> as *mut (),
        data: TypeId::of::<T>(),
    };
    let _restore = Restore(CURRENT.with(|c| c.replace(Some(current))));
    f()
}

/// Runs `f` on the current store if its data is a `T`; `None` outside
/// any call from a store of `T`.
pub(crate) fn with_current<T: 'static, R>(f: impl FnOnce(&mut StoreInner<T>) -> R) -> Option<R> {
    let current = CURRENT.with(|c| c.get())?;
    if current.data != TypeId::of::<T>() {
        return None;
    }
    // SAFETY: `enter` set this pointer from the `&mut StoreInner<T>` of
    // the call now in wasm (the type id says it is a `T` store), which
    // uses it through no other path until wasm returns; the host call
    // running now is the only user, and it ends before wasm goes on.
    let store = unsafe { &mut *(current.store as *mut StoreInner<T>) };
    Some(f(store))
}

/// Instantiation errors as the crate's error.
impl From<InstantiateError> for Error {
    fn from(e: InstantiateError) -> Error {
        match e {
            InstantiateError::Trap(t) => Error::from(t),
            other => Error::msg(other.to_string()),
        }
    }
}
