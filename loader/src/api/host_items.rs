//! Items the host makes in a store rather than gets from an instance —
//! [`Func::new`], [`Memory::new`], [`Global::new`], [`Table::new`] — an
//! instance made from imports in the module's order ([`Instance::new`]),
//! and `funcref` values of functions ([`Func::func_ref`],
//! [`Func::from_func_ref`]). What the standard C API builds on.

use super::func::{Caller, Func};
use super::instance::{Extern, Global, Instance, Memory, Table, adopt, raw};
use super::limits::Growth;
use super::linker::{instantiate_with, store_host_func};
use super::store::AsContextMut;
use crate::externs::{Extern as RawExtern, Global as RawGlobal};
use crate::linker::Linker as RawLinker;
use crate::memory::LinearMemory;
use crate::table::Table as RawTable;
use crate::values::{FuncRef, Val};
use crate::{Error, Module};
use std::rc::Rc;
use waot_format::types::{FuncType, MemoryDesc, TableDesc, ValType};

impl Func {
    /// A host function of type `ty` in `store`: it reads `params` and
    /// writes every result into `results`; an error traps its wasm caller.
    pub fn new<T: 'static>(
        mut store: impl AsContextMut<Data = T>,
        ty: FuncType,
        func: impl Fn(Caller<'_, T>, &[Val], &mut [Val]) -> Result<(), Error> + Send + Sync + 'static,
    ) -> Func {
        let inner = store.as_context_mut().0;
        let results = ty.results.clone();
        let host = store_host_func(ty, move |caller, args| {
            let mut out: Vec<Val> = results.iter().map(|t| Val::null(*t)).collect();
            func(caller, args, &mut out)?;
            Ok(out)
        });
        match adopt(inner, RawExtern::Func(crate::linker::host_func(host))) {
            Some(Extern::Func(f)) => f,
            _ => unreachable!("a function is adopted as a function"),
        }
    }

    /// This function as a `funcref` value for wasm (an error for a
    /// function of another store). Wasm calls a host function (from
    /// [`Func::new`] or [`crate::Linker::get`]) through a trampoline of its
    /// type: the first module instantiated in this store with one lends it.
    pub fn func_ref(&self, mut store: impl AsContextMut) -> Result<FuncRef, Error> {
        let inner = store.as_context_mut().0;
        inner.check(self.store)?;
        if let Some(&address) = inner.objects.func_refs.get(&self.index) {
            return Ok(FuncRef::from_raw(address));
        }
        // A host function: wasm calls it through a trampoline of its type,
        // which a module of this store lends (and outlives it with). Every
        // function of an instance has its reference recorded.
        if inner.objects.funcs[self.index].host.is_none() {
            return Err(Error::msg("this function has no reference record"));
        }
        let mut record = inner.objects.funcs[self.index].func_ref;
        let trampoline = inner
            .objects
            .instances
            .iter()
            .find_map(|i| i.module().type_trampoline(record.type_id));
        let Some(trampoline) = trampoline else {
            return Err(Error::msg(format!(
                "this host function of type {} cannot be a funcref yet: wasm calls a host function through a trampoline of its type, and no module instantiated in this store has one\nhint: instantiate a module that uses this function type first (waot 0.16.0 or later writes the trampolines)",
                inner.objects.funcs[self.index].ty
            )));
        };
        record.wasm_call = trampoline;
        let record = Box::new(record);
        let address = &*record as *const crate::externs::VMFuncRef as usize;
        inner.objects.host_func_refs.push(record);
        inner.objects.func_refs.insert(self.index, address);
        inner.objects.funcs_by_ref.insert(address, self.index);
        Ok(FuncRef::from_raw(address))
    }

    /// The function `r` refers to: `None` for null or a reference that is
    /// not this store's.
    pub fn from_func_ref(mut store: impl AsContextMut, r: FuncRef) -> Option<Func> {
        let inner = store.as_context_mut().0;
        if r.is_null() {
            return None;
        }
        let address = r.raw();
        if let Some(&index) = inner.objects.funcs_by_ref.get(&address) {
            return Some(Func {
                store: inner.id,
                index,
            });
        }
        let (_, raw) = inner
            .objects
            .instances
            .iter()
            .find_map(|i| i.func_at_ref(address))?;
        let Some(Extern::Func(f)) = adopt(inner, RawExtern::Func(raw)) else {
            return None;
        };
        inner.objects.func_refs.insert(f.index, address);
        inner.objects.funcs_by_ref.insert(address, f.index);
        Some(f)
    }
}

impl Memory {
    /// A memory of type `desc` in `store` (asking the store's limiter).
    pub fn new(mut store: impl AsContextMut, desc: MemoryDesc) -> Result<Memory, Error> {
        let inner = store.as_context_mut().0;
        let memory = LinearMemory::new(&desc, None).map_err(|e| Error::msg(e.0))?;
        if !inner.allows(Growth::new_memory(&memory)) {
            return Err(Error::msg("the store's limiter refused the memory"));
        }
        match adopt(inner, RawExtern::Memory(Rc::new(memory))) {
            Some(Extern::Memory(m)) => Ok(m),
            _ => unreachable!("a memory is adopted as a memory"),
        }
    }
}

impl Global {
    /// A global of type `content` holding `value` in `store`.
    pub fn new(
        mut store: impl AsContextMut,
        content: ValType,
        mutable: bool,
        value: Val,
    ) -> Result<Global, Error> {
        let inner = store.as_context_mut().0;
        inner.check_refs(&[value])?;
        if !value.matches(content) {
            return Err(Error::msg(format!(
                "a global of type {content} cannot hold {value:?}"
            )));
        }
        let global = RawGlobal::with_type(value, content, mutable, inner.limits.roots());
        match adopt(inner, RawExtern::Global(global)) {
            Some(Extern::Global(g)) => Ok(g),
            _ => unreachable!("a global is adopted as a global"),
        }
    }
}

impl Table {
    /// A table of type `desc` in `store`, every element `init` (asking
    /// the store's limiter).
    pub fn new(mut store: impl AsContextMut, desc: TableDesc, init: Val) -> Result<Table, Error> {
        let inner = store.as_context_mut().0;
        inner.check_refs(&[init])?;
        if !init.matches(desc.elem) {
            return Err(Error::msg(format!(
                "a table of {} cannot hold {init:?}",
                desc.elem
            )));
        }
        let limit = crate::externs::DEFAULT_TABLE_LIMIT;
        let table = RawTable::with_limit_in(&desc, limit, inner.limits.roots())
            .map_err(|e| Error::msg(e.0))?;
        if !inner.allows(Growth::new_table(&table)) {
            return Err(Error::msg("the store's limiter refused the table"));
        }
        // SAFETY: the table is new: no wasm code and no other slice of
        // its elements exists.
        unsafe { table.elements() }.fill(init.raw_u64() as usize);
        match adopt(inner, RawExtern::Table(table)) {
            Some(Extern::Table(t)) => Ok(t),
            _ => unreachable!("a table is adopted as a table"),
        }
    }
}

impl Instance {
    /// Instantiates `module` into `store` with `imports`, one per import
    /// of the module, in its order (what the C API and Wasmtime's
    /// `Instance::new` take).
    pub fn new(
        mut store: impl AsContextMut<Data: 'static>,
        module: &Module,
        imports: &[Extern],
    ) -> Result<Instance, Error> {
        let inner = store.as_context_mut().0;
        let wanted = &module.artifact().module.imports;
        if wanted.len() != imports.len() {
            return Err(Error::msg(format!(
                "the module has {} import(s), but {} were given",
                wanted.len(),
                imports.len()
            )));
        }
        // Imports resolve by name: two imports of one name must be given
        // the same item.
        let mut linker = RawLinker::new();
        let mut given = std::collections::HashMap::new();
        for (import, item) in wanted.iter().zip(imports) {
            let name = (import.module, import.name);
            if given
                .insert(name, *item)
                .is_some_and(|first| first != *item)
            {
                return Err(Error::msg(format!(
                    "the module imports {}.{} twice and was given two different items for it",
                    import.module, import.name
                )));
            }
            linker.define(import.module, import.name, raw(inner, *item)?);
        }
        instantiate_with(inner, module, &linker)
    }
}
