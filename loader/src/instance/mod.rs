//! Instantiation and calls. `Instance::new` resolves imports, creates
//! memories, tables and globals, lays out the VM context, then follows the
//! Wasm 2.0 order: element segments, data segments (a segment out of bounds
//! traps; what earlier segments wrote stays written), start function.
//! Its exports (`exports.rs`) are called through their function
//! references' array entries (`call.rs`).

use crate::api::limits::{Growth, GrowthCheck};
use crate::code::Module;
pub use crate::errors::{CallError, InstantiateError, RunOptions};
use crate::exceptions::ExnArena;
use crate::exceptions::Tag;
use crate::externs::{Extern, Func, Global, Table, VMFuncRef};
use crate::interrupt::VMRuntimeLimits;
use crate::linker::{Linker, Wanted};
use crate::memory::LinearMemory;
use crate::pool::MemoryPool;
use crate::segments::{ConstEnv, const_value};
use crate::traps;
use crate::values::{Val, ValRaw};
use crate::vm::VMContext;
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use waot_format::types::*;
use waot_format::vmctx::{self, VMOffsets};

/// The heap part of an instance; compiled code finds it through the VM
/// context's RUNTIME_DATA slot, so it never moves.
pub struct InstanceData {
    pub(crate) module: Module,
    pub(crate) vmctx: Rc<VMContext>,
    pub(crate) offsets: VMOffsets,
    func_types: Vec<TypeIndex>,
    pub(crate) memories: Vec<Rc<LinearMemory>>,
    pub(crate) tables: Vec<Rc<Table>>,
    pub(crate) globals: Vec<Rc<Global>>,
    /// Tags, imported first.
    tags: Vec<Arc<Tag>>,
    imported: Vec<Extern>,
    /// Instances this one imports from, kept alive as long as it lives.
    _exporters: Vec<Rc<dyn Any>>,
    /// Passive data segments: (address, length); length 0 once dropped.
    data: Vec<Cell<(usize, usize)>>,
    /// Element segments, evaluated; empty once dropped.
    elements: Vec<RefCell<Vec<usize>>>,
    /// The registrations of the segments that may hold GC objects.
    segment_roots: RefCell<Vec<crate::gc::roots::Registered>>,
    options: RunOptions,
    /// Where its limits and exceptions live.
    place: Placement,
}

/// Where an instance keeps what it shares with every instance it may call:
/// the runtime limits block its VM context points to and the arena of the
/// exceptions it creates. Both are its thread's, or its store's; either
/// outlives the instance.
#[derive(Clone)]
pub(crate) struct Placement {
    pub(crate) limits: *const VMRuntimeLimits,
    pub(crate) exceptions: *const ExnArena,
    /// The store's resource limiter check (null: none).
    pub(crate) growth: *const Option<Box<GrowthCheck>>,
    /// The engine's pool its memories come from (none: each its own).
    pub(crate) pool: Option<Arc<MemoryPool>>,
}

impl Placement {
    /// Whether the store's resource limiter allows `growth` (always,
    /// without a store or a limiter).
    pub(crate) fn allows(&self, growth: Growth) -> bool {
        // SAFETY: a non-null check lives in the store, which outlives
        // every instance placed in it.
        match unsafe { self.growth.as_ref() } {
            Some(Some(check)) => check(growth),
            _ => true,
        }
    }

    /// The calling thread's.
    pub(crate) fn thread() -> Placement {
        Placement {
            limits: crate::interrupt::limits_ptr(),
            exceptions: crate::exceptions::thread_arena(),
            growth: std::ptr::null(),
            pool: None,
        }
    }
}

impl InstanceData {
    /// Whether its store's resource limiter allows `growth`.
    pub(crate) fn allows(&self, growth: Growth) -> bool {
        self.place.allows(growth)
    }

    /// The arena its exceptions go to.
    /// What constant expressions evaluated now (segment offsets, table
    /// initialisers) read.
    pub(crate) fn const_env(&self) -> ConstEnv<'_> {
        let a = self.module.artifact();
        ConstEnv {
            globals: &self.globals,
            vmctx: self.vmctx.ptr as usize,
            offsets: &self.offsets,
            types: &a.module.types,
            type_ids: self.module.type_ids(),
            // SAFETY: the placement's limits block outlives the instance.
            limits: unsafe { &*self.place.limits },
        }
    }

    pub(crate) fn exceptions(&self) -> &ExnArena {
        // SAFETY: the arena outlives the instance (see `Placement`).
        unsafe { &*self.place.exceptions }
    }

    /// Lets go of the instances its imported tables and globals keep
    /// alive (a store that is being dropped breaks its cycles this way).
    pub(crate) fn release_owners(&self) {
        for t in &self.tables {
            t.release_owners();
        }
        for g in &self.globals {
            g.release_owners();
        }
    }

    /// Memory `index`, if any.
    /// Tag `index` (imports first).
    pub(crate) fn tag(&self, index: u32) -> Option<Arc<Tag>> {
        self.tags.get(index as usize).cloned()
    }

    pub(crate) fn memory(&self, index: u32) -> Option<&LinearMemory> {
        self.memories.get(index as usize).map(|m| &**m)
    }

    /// Table `index`, if any.
    pub(crate) fn table(&self, index: u32) -> Option<&Table> {
        self.tables.get(index as usize).map(|t| &**t)
    }

    /// The bytes of data segment `index` (empty once dropped).
    pub(crate) fn data_segment(&self, index: u32) -> &[u8] {
        match self.data.get(index as usize).map(Cell::get) {
            // SAFETY: (addr, len) points into the artifact map, which
            // `self.module` keeps alive; its bytes do not change (see
            // `Module::open_with`).
            Some((addr, len)) if len > 0 => unsafe {
                std::slice::from_raw_parts(addr as *const u8, len)
            },
            _ => &[],
        }
    }

    /// Drops data segment `index`.
    pub(crate) fn drop_data(&self, index: u32) {
        if let Some(d) = self.data.get(index as usize) {
            d.set((0, 0));
        }
    }

    /// The evaluated elements of segment `index` (empty once dropped).
    pub(crate) fn element_segment(&self, index: u32) -> Vec<usize> {
        self.elements
            .get(index as usize)
            .map(|e| e.borrow().clone())
            .unwrap_or_default()
    }

    /// Drops element segment `index`.
    pub(crate) fn drop_elements(&self, index: u32) {
        if let Some(e) = self.elements.get(index as usize) {
            e.borrow_mut().clear();
        }
    }
}

/// An instantiated module.
pub struct Instance {
    data: Rc<InstanceData>,
}

impl Instance {
    /// Instantiates `module`, resolving its imports with `linker`; its
    /// fuel and deadline are the thread's ([`crate::interrupt`]).
    pub fn new(
        module: Arc<Module>,
        linker: &Linker,
        options: &RunOptions,
    ) -> Result<Instance, InstantiateError> {
        Self::new_in(
            (*module).clone(),
            linker,
            options,
            Placement::thread(),
            &mut Vec::new(),
        )
    }

    /// Instantiates `module` with its limits and exceptions in `place`,
    /// which must outlive the instance and everything that may call into
    /// it. An instance whose segments or start function failed goes to
    /// `failed` (a store keeps it: other instances may hold its functions).
    pub(crate) fn new_in(
        module: Module,
        linker: &Linker,
        options: &RunOptions,
        place: Placement,
        failed: &mut Vec<Instance>,
    ) -> Result<Instance, InstantiateError> {
        let a = module.artifact();
        let type_ids = module.type_ids();
        let canonical = |v: ValType| crate::externs::canonical_valtype(v, type_ids);
        let (imported, exporters) = resolve_imports(&module, linker)?;

        let mut memories = Vec::new();
        let mut tables: Vec<Rc<Table>> = Vec::new();
        let mut globals: Vec<Rc<Global>> = Vec::new();
        let mut tags: Vec<Arc<Tag>> = Vec::new();
        for item in &imported {
            match item {
                Extern::Func(_) => {}
                Extern::Memory(m) => memories.push(m.clone()),
                Extern::Table(t) => tables.push(t.clone()),
                Extern::Global(g) => globals.push(g.clone()),
                Extern::Tag(t) => tags.push(t.clone()),
            }
        }
        // The artifact's index spaces count the imports; the linker resolved
        // each import to an extern of its kind, in order.
        let imported_memories = memories.len() as u32;
        for (i, desc) in a.module.memories.iter().enumerate() {
            let index = imported_memories + i as u32;
            let image = a.memory_images.iter().any(|m| m.memory.0 == index);
            let image = image.then(|| module.image_key(index));
            let m =
                LinearMemory::new_in(desc, options.max_memory_pages, place.pool.as_ref(), image)
                    .map_err(|e| InstantiateError::Memory(e.0))?;
            if !place.allows(Growth::new_memory(&m)) {
                return Err(InstantiateError::Memory(format!(
                    "memory of {} bytes refused by the store's resource limiter",
                    m.byte_len()
                )));
            }
            memories.push(Rc::new(m));
        }
        for desc in &a.module.tables {
            let desc = TableDesc {
                elem: canonical(desc.elem),
                ..*desc
            };
            // SAFETY: the placement's limits block outlives its instances.
            let roots = unsafe { &*place.limits }.roots();
            let t = Table::with_limit_in(&desc, options.max_table_elements, roots)
                .map_err(|e| InstantiateError::Table(e.0))?;
            if !place.allows(Growth::new_table(&t)) {
                return Err(InstantiateError::Table(format!(
                    "table of {} elements refused by the store's resource limiter",
                    t.len()
                )));
            }
            tables.push(t);
        }
        for (i, ty) in a.module.tags.iter().enumerate() {
            let index = a.index_space().tags.imported + i as u32;
            let exported = a
                .module
                .exports
                .iter()
                .find(|e| e.kind == ExportKind::Tag && e.index == index);
            let name = exported.map_or_else(|| format!("{index}"), |e| format!("\"{}\"", e.name));
            let canonical = module.canonical_func_type(*ty).expect("a function type");
            tags.push(Tag::of_module(
                canonical.clone(),
                type_ids[ty.index()],
                name,
            ));
        }
        let func_types: Vec<TypeIndex> = a.func_type_indices().collect();
        let offsets = a.vm_offsets();
        let vm = Rc::new(VMContext::new(offsets.size() as usize));
        let vmctx_addr = vm.ptr as usize;
        // SAFETY: the placement's limits block outlives its instances.
        let limits = unsafe { &*place.limits };
        crate::gc::prepare_heap(limits, place.exceptions, a, type_ids, options);
        // Objects the initialisers make are rooted until they are stored.
        let _scope = crate::gc::roots::RootScope::new();
        // Every field but the globals so far stays the same.
        let base = ConstEnv {
            globals: &[],
            vmctx: vmctx_addr,
            offsets: &offsets,
            types: &a.module.types,
            type_ids,
            limits,
        };
        for (i, g) in a.module.globals.iter().enumerate() {
            let ty = canonical(g.ty);
            let env = ConstEnv {
                globals: &globals,
                ..base
            };
            let value = const_value(&g.init, ty, &env).map_err(InstantiateError::Trap)?;
            let slot = offsets.defined_global_value(DefinedGlobalIndex(i as u32));
            let (vm, roots) = (vm.clone(), limits.roots());
            globals.push(Global::in_vm_context(value, ty, g.mutable, roots, vm, slot));
        }
        let env = ConstEnv {
            globals: &globals,
            ..base
        };
        let mut element_values = Vec::with_capacity(a.module.elements.len());
        for seg in &a.module.elements {
            let ty = canonical(seg.elem);
            let items = seg.items.iter().map(|e| const_value(e, ty, &env));
            let items: Result<Vec<Val>, _> = items.collect();
            element_values.push(items.map_err(InstantiateError::Trap)?);
        }
        let elements: Vec<RefCell<Vec<usize>>> = element_values
            .iter()
            .map(|items| RefCell::new(items.iter().map(|v| v.raw_u64() as usize).collect()))
            .collect();
        let data = Rc::new(InstanceData {
            module: module.clone(),
            vmctx: vm,
            offsets,
            func_types,
            memories,
            tables,
            globals,
            tags,
            imported,
            _exporters: exporters,
            data: a
                .module
                .data
                .iter()
                .map(|d| Cell::new((d.bytes.as_ptr() as usize, d.bytes.len())))
                .collect(),
            elements,
            segment_roots: RefCell::new(Vec::new()),
            options: options.clone(),
            place,
        });
        // Passive segments that may hold GC objects are roots while they
        // last.
        let traced = a.module.elements.iter().map(|seg| {
            crate::gc::shapes::is_traced(canonical(seg.elem), &crate::type_registry::CanonicalTypes)
        });
        for (items, traced) in data.elements.iter().zip(traced) {
            if traced {
                let source = crate::gc::roots::RootSource::Segment(items);
                // SAFETY: the placement's limits block outlives its instances.
                let roots = unsafe { &*data.place.limits }.roots();
                data.segment_roots.borrow_mut().push(roots.register(source));
            }
        }
        fill_vmctx(&data);
        let instance = Instance { data };
        let started =
            crate::segments::initialize(&instance.data, a).and_then(|()| match a.module.start {
                Some(start) => {
                    instance
                        .call_func_index(start, &[])
                        .map(drop)
                        .map_err(|e| match e {
                            CallError::Trap(t) => InstantiateError::Trap(t),
                            other => InstantiateError::Link(vec![other.to_string()]),
                        })
                }
                None => Ok(()),
            });
        match started {
            Ok(()) => Ok(instance),
            Err(e) => {
                // Its segments or start function may have handed its
                // functions to other instances: it lives on where asked.
                failed.push(instance);
                Err(e)
            }
        }
    }
}

/// Writes the VM context of a new instance: its magic, builtins, data and
/// limits, canonical type ids, memories, tables, tags, globals and
/// function references (imported ones first, through the wasm-to-host
/// trampolines of host functions).
fn fill_vmctx(data: &Rc<InstanceData>) {
    let module = &data.module;
    let a = module.artifact();
    let type_ids = module.type_ids();
    let offsets = &data.offsets;
    let space = a.index_space();
    let vmctx_addr = data.vmctx.ptr as usize;
    let vm = &data.vmctx;
    vm.write(vmctx::MAGIC, vmctx::VMCTX_MAGIC);
    vm.write(vmctx::BUILTINS, crate::builtins::table().as_ptr() as usize);
    vm.write(vmctx::RUNTIME_DATA, Rc::as_ptr(data) as usize);
    // The thread's or the store's runtime limits (instances are not
    // `Send`, so a thread's block stays on its thread).
    vm.write(vmctx::RUNTIME_LIMITS, data.place.limits as usize);
    for (i, id) in type_ids.iter().enumerate() {
        vm.write(offsets.type_id(i as u32), *id);
    }
    for (i, m) in data.memories.iter().enumerate() {
        vm.write(offsets.memory(i as u32), m.definition_ptr() as usize);
        vm.write(offsets.memory_base(i as u32), m.base() as usize);
    }
    // A table or global imported from elsewhere may receive this
    // instance's function references, so it keeps this instance alive.
    // (An instance and a table it imports can then keep each other
    // alive; defined tables and globals never hold their own owner.)
    let owner: Rc<dyn Any> = data.clone();
    for (i, t) in data.tables.iter().enumerate() {
        vm.write(offsets.table(i as u32), t.definition_ptr() as usize);
        if i < space.tables.imported as usize {
            t.keep_alive(owner.clone());
        }
    }
    for (i, t) in data.tags.iter().enumerate() {
        vm.write(offsets.tag(i as u32), t.identity());
    }
    for (i, g) in data.globals.iter().enumerate() {
        vm.write(offsets.global(i as u32), g.slot_ptr() as usize);
        if i < space.globals.imported as usize && g.ty().is_func_ref() {
            g.keep_alive(owner.clone());
        }
    }
    let imported_funcs = data.imported.iter().filter_map(|e| match e {
        Extern::Func(f) => Some(f),
        _ => None,
    });
    for (i, f) in imported_funcs.enumerate() {
        let mut r = f.func_ref;
        if f.host.is_some() {
            r.wasm_call = module.text_address(a.import_trampolines[i]);
        }
        vm.write(offsets.func_ref(i as u32), r);
    }
    for (i, f) in a.funcs.iter().enumerate() {
        let index = space.func_index(DefinedFuncIndex(i as u32)).0;
        let r = VMFuncRef {
            wasm_call: module.text_address(f.body_offset),
            array_call: if f.array_entry_offset == NO_ARRAY_ENTRY {
                0
            } else {
                module.text_address(f.array_entry_offset)
            },
            vmctx: vmctx_addr,
            type_id: type_ids[f.ty.index()],
            _pad: 0,
        };
        vm.write(offsets.func_ref(index), r);
    }
}

/// What a module's imports resolved to: the externs in import order, and
/// the instances that own them (kept alive by the importer).
type Resolved = (Vec<Extern>, Vec<Rc<dyn Any>>);

/// Resolves every import of `module` with `linker`, or names every import
/// that failed.
fn resolve_imports(module: &Module, linker: &Linker) -> Result<Resolved, InstantiateError> {
    let a = module.artifact();
    let type_ids = module.type_ids();
    let canonical = |v: ValType| crate::externs::canonical_valtype(v, type_ids);
    let mut problems = Vec::new();
    let mut imported = Vec::new();
    let mut exporters = Vec::new();
    for import in &a.module.imports {
        let want = match &import.kind {
            ImportKind::Func(t) => Wanted::Func(
                a.module.func_type(*t),
                module.canonical_func_type(*t).expect("a function type"),
                type_ids[t.index()],
            ),
            ImportKind::Global { ty, mutable } => Wanted::Global {
                ty: canonical(*ty),
                mutable: *mutable,
            },
            ImportKind::Memory(m) => Wanted::Memory(*m),
            ImportKind::Table(t) => Wanted::Table(TableDesc {
                elem: canonical(t.elem),
                ..*t
            }),
            ImportKind::Tag(t) => Wanted::Tag {
                ty: module.canonical_func_type(*t).expect("a function type"),
                id: type_ids[t.index()],
            },
        };
        match linker.resolve(import.module, import.name, &want) {
            Ok((item, owner)) => {
                imported.push(item);
                exporters.extend(owner);
            }
            Err(e) => problems.push(e),
        }
    }
    if !problems.is_empty() {
        return Err(InstantiateError::Link(problems));
    }
    Ok((imported, exporters))
}

mod call;
mod exports;
pub(crate) use call::call_func;
