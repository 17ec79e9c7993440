//! What an instance offers the host: its exports (functions, memories,
//! tables, globals, tags), calls by name, and the function references in
//! its VM context that the loader hands out and recognises.

use super::*;

impl Instance {
    /// A handle that keeps this instance alive (for importers).
    pub fn owner(&self) -> Rc<dyn Any> {
        self.data.clone()
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Module {
        &self.data.module
    }

    pub(super) fn func(&self, index: FuncIndex) -> Option<Func> {
        let d = &self.data;
        if d.module.artifact().index_space().is_imported_func(index) {
            return d
                .imported
                .iter()
                .filter_map(|e| {
                    if let Extern::Func(f) = e {
                        Some(f.clone())
                    } else {
                        None
                    }
                })
                .nth(index.index());
        }
        // Canonical, so that exported functions' types compare across
        // modules and typed-reference arguments can be checked.
        let ty = d
            .module
            .canonical_func_type(*d.func_types.get(index.index())?)?
            .clone();
        Some(Func {
            func_ref: d.vmctx.read(d.offsets.func_ref(index.0)),
            ty,
            host: None,
            _owner: Some(d.clone()),
        })
    }

    /// Its exports as the artifact lists them (name, kind, index).
    pub(super) fn export_list(&self) -> impl Iterator<Item = (&str, ExportKind, u32)> {
        let a = self.data.module.artifact();
        a.module.exports.iter().map(|e| (e.name, e.kind, e.index))
    }

    /// Every export, by name.
    pub fn exports(&self) -> Vec<(String, Extern)> {
        self.export_list()
            .filter_map(|(name, kind, index)| {
                Some((name.to_string(), self.export_item(kind, index)?))
            })
            .collect()
    }

    pub(super) fn export_item(&self, kind: ExportKind, index: u32) -> Option<Extern> {
        let d = &self.data;
        Some(match kind {
            ExportKind::Func => Extern::Func(self.func(FuncIndex(index))?),
            ExportKind::Memory => Extern::Memory(d.memories.get(index as usize)?.clone()),
            ExportKind::Table => Extern::Table(d.tables.get(index as usize)?.clone()),
            ExportKind::Global => Extern::Global(d.globals.get(index as usize)?.clone()),
            ExportKind::Tag => Extern::Tag(d.tags.get(index as usize)?.clone()),
        })
    }

    pub(super) fn export(&self, name: &str, kind: ExportKind) -> Option<Extern> {
        let (_, kind, index) = self
            .export_list()
            .find(|(n, k, _)| *n == name && *k == kind)?;
        self.export_item(kind, index)
    }

    /// Export `name`, whatever its kind.
    pub(crate) fn export_named(&self, name: &str) -> Option<Extern> {
        let (_, kind, index) = self.export_list().find(|(n, _, _)| *n == name)?;
        self.export_item(kind, index)
    }

    /// The names of its exports.
    pub(crate) fn export_names(&self) -> Vec<String> {
        self.export_list().map(|(n, _, _)| n.to_string()).collect()
    }

    /// The signature of exported function `name`.
    pub fn export_func_type(&self, name: &str) -> Option<FuncType> {
        match self.export(name, ExportKind::Func)? {
            Extern::Func(f) => Some(f.ty),
            _ => None,
        }
    }

    /// Names of all exported functions.
    pub fn exported_funcs(&self) -> Vec<String> {
        self.export_list()
            .filter(|(_, k, _)| *k == ExportKind::Func)
            .map(|(n, _, _)| n.to_string())
            .collect()
    }

    /// Current size of memory 0 in pages, if the instance has memory.
    pub fn memory_pages(&self) -> Option<u64> {
        self.data.memories.first().map(|m| m.pages())
    }

    /// A copy of memory 0's bytes.
    pub fn memory_snapshot(&self) -> Option<Vec<u8>> {
        let memory = self.data.memories.first()?;
        // SAFETY: no wasm code runs while the copy is made.
        let bytes = unsafe { memory.bytes_mut() };
        Some(bytes.to_vec())
    }

    /// The value of exported global `name`.
    pub fn global(&self, name: &str) -> Option<Val> {
        match self.export(name, ExportKind::Global)? {
            Extern::Global(g) => Some(g.get()),
            _ => None,
        }
    }

    /// Calls exported function `name` with `args`.
    pub fn call(&self, name: &str, args: &[Val]) -> Result<Vec<Val>, CallError> {
        match self.export(name, ExportKind::Func) {
            Some(Extern::Func(f)) => self.call_func(&f, args),
            _ => Err(CallError::NoSuchExport(format!(
                "no exported function named '{name}'"
            ))),
        }
    }

    pub(super) fn call_func_index(
        &self,
        index: FuncIndex,
        args: &[Val],
    ) -> Result<Vec<Val>, CallError> {
        let f = self
            .func(index)
            .ok_or_else(|| CallError::NoSuchExport("bad function index".into()))?;
        self.call_func(&f, args)
    }

    pub(super) fn call_func(&self, f: &Func, args: &[Val]) -> Result<Vec<Val>, CallError> {
        // The raw runtime cannot tell whose a reference is: only a store's
        // API passes non-null ones, after checking them.
        let reference = |v: &Val| match v {
            Val::FuncRef(r) => !r.is_null(),
            Val::ExnRef(r) => !r.is_null(),
            _ => false,
        };
        if args.iter().any(reference) {
            return Err(CallError::BadArguments(
                "a non-null reference cannot be passed to an instance without a store".into(),
            ));
        }
        let d = &self.data;
        // SAFETY: the limits block outlives every instance that points at
        // it (the thread's, or the store's that owns this instance).
        let limits = unsafe { &*d.place.limits };
        call_func(
            f,
            args,
            d.vmctx.ptr as usize,
            limits,
            d.options.max_wasm_stack,
        )
    }

    /// Lets go of the instances its tables and globals keep alive.
    pub(crate) fn release_owners(&self) {
        self.data.release_owners();
    }

    /// Whether `address` is one of the function references in its VM
    /// context (every `funcref` value the loader hands out is one).
    pub(crate) fn holds_func_ref(&self, address: usize) -> bool {
        self.func_at_ref(address).is_some()
    }

    /// The function whose reference record is at `address` in this
    /// instance's VM context, if one is.
    pub(crate) fn func_at_ref(&self, address: usize) -> Option<(FuncIndex, Func)> {
        let first = self.func_ref_address(FuncIndex(0))?;
        let size = waot_format::vmctx::func_ref::SIZE as usize;
        let offset = address.checked_sub(first)?;
        if !offset.is_multiple_of(size) {
            return None;
        }
        let index = FuncIndex(u32::try_from(offset / size).ok()?);
        Some((index, self.func(index)?))
    }

    /// The address of function `index`'s reference record (what a
    /// `funcref` to it is), if the instance has that function.
    pub(crate) fn func_ref_address(&self, index: FuncIndex) -> Option<usize> {
        let d = &self.data;
        (index.index() < d.func_types.len().max(1))
            .then(|| d.vmctx.ptr as usize + d.offsets.func_ref(index.0) as usize)
    }

    /// The function index of export `name`, if it is a function.
    pub(crate) fn export_func_index(&self, name: &str) -> Option<FuncIndex> {
        let (_, _, index) = self
            .export_list()
            .find(|(n, k, _)| *n == name && *k == ExportKind::Func)?;
        Some(FuncIndex(index))
    }

    /// Its data's address (what a VM context's RUNTIME_DATA holds).
    pub(crate) fn data_ptr(&self) -> *const InstanceData {
        Rc::as_ptr(&self.data)
    }
}
