//! Handles to what a store holds: instances and their exports — memories,
//! globals, tables — and [`Extern`], any of them. Every handle is an index
//! into one store; using it with another store is an error (or, where
//! Wasmtime's signature has no `Result`, a panic that says so).

use super::func::{Func, TypedFunc, WasmParams, WasmResults};
use super::store::{AsContext, AsContextMut, StoreId, StoreInner};
use crate::Error;
use crate::externs::{Extern as RawExtern, Func as RawFunc};
use crate::values::Val;
use std::rc::Rc;
use waot_format::types::ValType;

/// An instance in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Instance {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

/// Anything an instance exports or a linker defines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Extern {
    /// A function.
    Func(Func),
    /// A linear memory.
    Memory(Memory),
    /// A global.
    Global(Global),
    /// A table.
    Table(Table),
}

impl Extern {
    /// The function, if it is one.
    pub fn into_func(self) -> Option<Func> {
        match self {
            Extern::Func(f) => Some(f),
            _ => None,
        }
    }

    /// The memory, if it is one.
    pub fn into_memory(self) -> Option<Memory> {
        match self {
            Extern::Memory(m) => Some(m),
            _ => None,
        }
    }

    /// The global, if it is one.
    pub fn into_global(self) -> Option<Global> {
        match self {
            Extern::Global(g) => Some(g),
            _ => None,
        }
    }

    /// The table, if it is one.
    pub fn into_table(self) -> Option<Table> {
        match self {
            Extern::Table(t) => Some(t),
            _ => None,
        }
    }
}

impl From<Func> for Extern {
    fn from(f: Func) -> Extern {
        Extern::Func(f)
    }
}

impl From<Memory> for Extern {
    fn from(m: Memory) -> Extern {
        Extern::Memory(m)
    }
}

impl From<Global> for Extern {
    fn from(g: Global) -> Extern {
        Extern::Global(g)
    }
}

impl From<Table> for Extern {
    fn from(t: Table) -> Extern {
        Extern::Table(t)
    }
}

/// Adds a raw extern to `store` and returns its handle (tags have none).
pub(crate) fn adopt<T>(store: &mut StoreInner<T>, item: RawExtern) -> Option<Extern> {
    let id = store.id;
    let objects = &mut store.objects;
    Some(match item {
        RawExtern::Func(f) => {
            objects.funcs.push(Rc::new(f));
            Extern::Func(Func {
                store: id,
                index: objects.funcs.len() - 1,
            })
        }
        RawExtern::Memory(m) => {
            objects.memories.push(m);
            Extern::Memory(Memory {
                store: id,
                index: objects.memories.len() - 1,
            })
        }
        RawExtern::Global(g) => {
            objects.globals.push(g);
            Extern::Global(Global {
                store: id,
                index: objects.globals.len() - 1,
            })
        }
        RawExtern::Table(t) => {
            objects.tables.push(t);
            Extern::Table(Table {
                store: id,
                index: objects.tables.len() - 1,
            })
        }
        RawExtern::Tag(_) => return None,
    })
}

/// The raw extern behind a handle of `store`.
pub(crate) fn raw<T>(store: &StoreInner<T>, item: Extern) -> Result<RawExtern, Error> {
    let o = &store.objects;
    Ok(match item {
        Extern::Func(f) => {
            store.check(f.store)?;
            RawExtern::Func(RawFunc::clone(&o.funcs[f.index]))
        }
        Extern::Memory(m) => {
            store.check(m.store)?;
            RawExtern::Memory(o.memories[m.index].clone())
        }
        Extern::Global(g) => {
            store.check(g.store)?;
            RawExtern::Global(o.globals[g.index].clone())
        }
        Extern::Table(t) => {
            store.check(t.store)?;
            RawExtern::Table(o.tables[t.index].clone())
        }
    })
}

impl Instance {
    /// Export `name` of the instance, added to the store.
    pub(crate) fn export<T>(&self, store: &mut StoreInner<T>, name: &str) -> Option<Extern> {
        store.check(self.store).ok()?;
        let key = (self.index, name.to_string());
        if let Some(handle) = store.objects.exports.get(&key) {
            return Some(*handle);
        }
        let instance = &store.objects.instances[self.index];
        let raw = instance.export_named(name)?;
        let func_ref = instance
            .export_func_index(name)
            .and_then(|f| instance.func_ref_address(f));
        let handle = adopt(store, raw)?;
        if let (Extern::Func(f), Some(address)) = (handle, func_ref) {
            store.objects.func_refs.insert(f.index, address);
            store.objects.funcs_by_ref.entry(address).or_insert(f.index);
        }
        // One handle per export, however often a host asks for it.
        store.objects.exports.insert(key, handle);
        Some(handle)
    }

    /// Export `name`, whatever it is.
    pub fn get_export(&self, mut store: impl AsContextMut, name: &str) -> Option<Extern> {
        self.export(store.as_context_mut().0, name)
    }

    /// Exported function `name`.
    pub fn get_func(&self, store: impl AsContextMut, name: &str) -> Option<Func> {
        self.get_export(store, name)?.into_func()
    }

    /// Exported function `name` with Rust types: an error if there is
    /// none or its type is another.
    pub fn get_typed_func<P: WasmParams, R: WasmResults>(
        &self,
        mut store: impl AsContextMut,
        name: &str,
    ) -> Result<TypedFunc<P, R>, Error> {
        let func = self
            .get_func(&mut store, name)
            .ok_or_else(|| Error::msg(format!("failed to find function export '{name}'")))?;
        func.typed(&store)
    }

    /// Exported memory `name`.
    pub fn get_memory(&self, store: impl AsContextMut, name: &str) -> Option<Memory> {
        self.get_export(store, name)?.into_memory()
    }

    /// Exported global `name`.
    pub fn get_global(&self, store: impl AsContextMut, name: &str) -> Option<Global> {
        self.get_export(store, name)?.into_global()
    }

    /// Exported table `name`.
    pub fn get_table(&self, store: impl AsContextMut, name: &str) -> Option<Table> {
        self.get_export(store, name)?.into_table()
    }

    /// Every export, by name.
    pub fn exports(&self, mut store: impl AsContextMut) -> Vec<(String, Extern)> {
        self.exports_in(store.as_context_mut().0)
    }

    /// Every export, added to `store`.
    pub(crate) fn exports_in<T>(&self, store: &mut StoreInner<T>) -> Vec<(String, Extern)> {
        if store.check(self.store).is_err() {
            return Vec::new();
        }
        store.objects.instances[self.index]
            .export_names()
            .into_iter()
            .filter_map(|name| Some((name.clone(), self.export(store, &name)?)))
            .collect()
    }
}

/// Panics with the message of a handle used with another store (where
/// Wasmtime's signature returns no `Result`).
fn checked<T>(store: &StoreInner<T>, id: StoreId) {
    if let Err(e) = store.check(id) {
        panic!("{e}");
    }
}

/// A linear memory in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

impl Memory {
    /// Its bytes. While the store is borrowed no wasm runs, so they cannot
    /// change or move.
    pub fn data<'a, S: AsContext + 'a>(&self, store: &'a S) -> &'a [u8] {
        let inner = store.as_context().0;
        checked(inner, self.store);
        let memory = &inner.objects.memories[self.index];
        // SAFETY: the store is borrowed for 'a, and wasm runs only with the
        // store borrowed exclusively: nothing writes or grows the memory
        // while this slice lives (a shared memory's other threads aside,
        // as in every runtime).
        unsafe { memory.bytes() }
    }

    /// Its bytes, mutably.
    pub fn data_mut<'a, S: AsContextMut + 'a>(&self, store: &'a mut S) -> &'a mut [u8] {
        let inner = store.as_context_mut().0;
        checked(inner, self.store);
        let memory = &inner.objects.memories[self.index];
        // SAFETY: as in `data`, with the store borrowed exclusively.
        unsafe { memory.bytes_mut() }
    }

    /// Its size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.memories[self.index].pages()
    }

    /// Its declared maximum in pages, if any.
    pub fn max(&self, store: impl AsContext) -> Option<u64> {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.memories[self.index].declared_max()
    }

    /// Its size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.memories[self.index].byte_len()
    }

    /// Grows it by `delta` pages; the previous size, or an error past its
    /// limit.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64, Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        let memory = inner.objects.memories[self.index].clone();
        let growth = crate::api::limits::Growth::memory(&memory, delta);
        let refused = || Error::msg(format!("failed to grow memory by {delta} pages"));
        if delta != 0 && !inner.allows(growth) {
            return Err(refused());
        }
        memory.grow(delta).ok_or_else(refused)
    }
}

/// A global in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Global {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

impl Global {
    /// Its value.
    pub fn get(&self, store: impl AsContext) -> Val {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.globals[self.index].get()
    }

    /// Its type and whether it is mutable.
    pub fn ty(&self, store: impl AsContext) -> (ValType, bool) {
        let inner = store.as_context().0;
        checked(inner, self.store);
        let g = &inner.objects.globals[self.index];
        (g.ty(), g.mutable())
    }

    /// Sets it: an error if it is immutable, `value` has another type, or
    /// `value` is a reference of another store.
    pub fn set(&self, mut store: impl AsContextMut, value: Val) -> Result<(), Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        inner.check_refs(&[value])?;
        let g = &inner.objects.globals[self.index];
        if !g.mutable() {
            return Err(Error::msg("immutable global cannot be set"));
        }
        if !value.matches(g.ty()) {
            return Err(Error::msg(format!(
                "global of type {} cannot be set to {value:?}",
                g.ty()
            )));
        }
        // SAFETY: no wasm runs while the store is borrowed exclusively,
        // and the slot holds a value of the global's type.
        unsafe { g.slot_ptr().write(value.to_slot()) };
        Ok(())
    }
}

/// A table in a store.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    pub(crate) store: StoreId,
    pub(crate) index: usize,
}

impl Table {
    /// Its size in elements.
    pub fn size(&self, store: impl AsContext) -> u64 {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.tables[self.index].len()
    }

    /// Its declared maximum size, if any.
    pub fn max(&self, store: impl AsContext) -> Option<u64> {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.tables[self.index].max()
    }

    /// Its element type.
    pub fn ty(&self, store: impl AsContext) -> ValType {
        let inner = store.as_context().0;
        checked(inner, self.store);
        inner.objects.tables[self.index].elem()
    }

    /// Element `index`, if it is in bounds.
    pub fn get(&self, mut store: impl AsContextMut, index: u64) -> Option<Val> {
        let inner = store.as_context_mut().0;
        inner.check(self.store).ok()?;
        let table = &inner.objects.tables[self.index];
        // SAFETY: no wasm runs while the store is borrowed exclusively, so
        // no other slice of the elements is alive.
        let elements = unsafe { table.elements() };
        let raw = *elements.get(usize::try_from(index).ok()?)?;
        Some(element_val(table.elem(), raw))
    }

    /// Sets element `index`: an error out of bounds, for a value of
    /// another type, or a reference of another store.
    pub fn set(&self, mut store: impl AsContextMut, index: u64, value: Val) -> Result<(), Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        inner.check_refs(&[value])?;
        let table = &inner.objects.tables[self.index];
        if !value.matches(table.elem()) {
            return Err(Error::msg(format!(
                "a table of {} cannot hold {value:?}",
                table.elem()
            )));
        }
        // SAFETY: as in `get`.
        let elements = unsafe { table.elements() };
        let slot = usize::try_from(index)
            .ok()
            .and_then(|i| elements.get_mut(i))
            .ok_or_else(|| Error::msg(format!("table index {index} out of bounds")))?;
        *slot = value.raw_u64() as usize;
        Ok(())
    }

    /// Grows it by `delta` elements set to `init`; the previous size, or
    /// an error past its limit (or the store's resource limiter).
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64, init: Val) -> Result<u64, Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        inner.check_refs(&[init])?;
        let table = &inner.objects.tables[self.index];
        if !init.matches(table.elem()) {
            return Err(Error::msg(format!(
                "a table of {} cannot hold {init:?}",
                table.elem()
            )));
        }
        let growth = crate::api::limits::Growth::table(table, delta);
        let table = table.clone();
        if delta != 0 && !inner.allows(growth) {
            return Err(Error::msg(format!("failed to grow table by {delta}")));
        }
        table
            .grow(delta, init.raw_u64() as usize)
            .ok_or_else(|| Error::msg(format!("failed to grow table by {delta}")))
    }
}

/// The value of a table element of type `elem` whose raw form is `raw`.
fn element_val(elem: ValType, raw: usize) -> Val {
    Val::from_slot(elem, &crate::values::ValRaw::from_u64(raw as u64))
}
