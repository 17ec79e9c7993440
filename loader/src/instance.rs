//! Instantiation and calls: builds the VM context (memory, globals, import
//! records, builtin table), applies data segments in order, runs the start
//! function, and calls exports through their array-entry trampolines.

use crate::code::Module;
use crate::linker::{HostFunc, Linker};
use crate::memory::LinearMemory;
use crate::traps::{self, Trap};
use crate::values::{Val, ValRaw};
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::Arc;
use waot_format::traps::TrapKind;
use waot_format::types::*;
use waot_format::vmctx::{self, VMOffsets};

/// Options for instances.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Lower the memory page limit further at run time.
    pub max_memory_pages: Option<u64>,
    /// Bytes of stack wasm code may use before "call stack exhausted".
    pub max_wasm_stack: usize,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            max_memory_pages: None,
            max_wasm_stack: 1 << 20,
        }
    }
}

/// Why instantiation failed.
#[derive(Debug)]
pub enum InstantiateError {
    /// Imports could not be resolved: one line per problem.
    Link(Vec<String>),
    /// Memory could not be created within its limits.
    Memory(String),
    /// A data segment or the start function trapped.
    Trap(Trap),
}

impl std::fmt::Display for InstantiateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InstantiateError::Link(lines) => write!(f, "{}", lines.join("\n")),
            InstantiateError::Memory(m) => write!(f, "{m}"),
            InstantiateError::Trap(t) => write!(f, "wasm trap: {t}"),
        }
    }
}

impl std::error::Error for InstantiateError {}

/// Why a call failed before or during execution.
#[derive(Debug)]
pub enum CallError {
    /// No exported function of that name.
    NoSuchExport(String),
    /// Wrong number or types of arguments.
    BadArguments(String),
    /// The call trapped.
    Trap(Trap),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::NoSuchExport(m) | CallError::BadArguments(m) => write!(f, "{m}"),
            CallError::Trap(t) => write!(f, "wasm trap: {t}"),
        }
    }
}

impl std::error::Error for CallError {}

/// The heap part of an instance; compiled code finds it through the VM
/// context's RUNTIME_DATA slot, so it never moves.
pub struct InstanceData {
    module: Arc<Module>,
    memory: Option<LinearMemory>,
    vmctx: Box<[ValRaw]>,
    offsets: VMOffsets,
    _host_funcs: Vec<Arc<HostFunc>>,
    options: RunOptions,
}

impl InstanceData {
    fn vmctx_ptr(&self) -> *mut u8 {
        self.vmctx.as_ptr() as *mut u8
    }

    fn write_word(&self, offset: u32, value: u64) {
        // SAFETY: every offset written is inside the VM context (computed by
        // VMOffsets for this module) and 8-byte aligned.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *mut u64).write(value) }
    }

    fn read_word(&self, offset: u32) -> u64 {
        // SAFETY: as in write_word.
        unsafe { (self.vmctx_ptr().add(offset as usize) as *const u64).read() }
    }

    /// `memory.grow` for memory 0; updates the VM context.
    pub(crate) fn grow_memory(&self, delta: u64) -> Option<u64> {
        let memory = self.memory.as_ref()?;
        let old = memory.grow(delta)?;
        self.write_word(vmctx::MEMORY_LENGTH, memory.byte_len() as u64);
        Some(old)
    }
}

/// An instantiated module.
pub struct Instance {
    data: Box<InstanceData>,
}

struct EntryCall {
    entry: usize,
    vmctx: *mut u8,
    values: *mut ValRaw,
    count: usize,
}

extern "C" fn run_entry(data: *mut c_void) {
    // SAFETY: `data` is the EntryCall built by call_raw, alive for the call.
    let call = unsafe { &*(data as *const EntryCall) };
    // SAFETY: `entry` is the address of an array-entry trampoline in
    // published text, whose signature is exactly this one.
    let f: extern "C" fn(*mut u8, *mut u8, *mut ValRaw, usize) =
        unsafe { std::mem::transmute(call.entry) };
    f(call.vmctx, call.vmctx, call.values, call.count);
}

thread_local! {
    /// The stack limit of the outermost active wasm call on this thread.
    static STACK_LIMIT: Cell<usize> = const { Cell::new(0) };
}

/// The lowest address of this thread's stack.
fn stack_low() -> Option<usize> {
    // SAFETY: pthread_getattr_np fills `attr` for the calling thread; the
    // attribute object is destroyed after use.
    unsafe {
        let mut attr: libc::pthread_attr_t = std::mem::zeroed();
        if libc::pthread_getattr_np(libc::pthread_self(), &mut attr) != 0 {
            return None;
        }
        let mut addr = std::ptr::null_mut();
        let mut size = 0;
        let ok = libc::pthread_attr_getstack(&attr, &mut addr, &mut size) == 0;
        libc::pthread_attr_destroy(&mut attr);
        ok.then_some(addr as usize)
    }
}

impl Instance {
    /// Instantiates `module`, resolving its imports with `linker`.
    pub fn new(
        module: Arc<Module>,
        linker: &Linker,
        options: &RunOptions,
    ) -> Result<Instance, InstantiateError> {
        let a = module.artifact();
        let mut problems = Vec::new();
        let mut host_funcs = Vec::new();
        for import in &a.imports {
            match &import.kind {
                ImportKind::Func(t) => {
                    match linker.resolve(import.module, import.name, &a.types[t.index()]) {
                        Ok(f) => host_funcs.push(f),
                        Err(e) => problems.push(e),
                    }
                }
                _ => problems.push(format!(
                    "import {}.{}: only function imports are supported",
                    import.module, import.name
                )),
            }
        }
        if !problems.is_empty() {
            return Err(InstantiateError::Link(problems));
        }
        let memory = match a.memories.first() {
            Some(desc) => Some(
                LinearMemory::new(desc, options.max_memory_pages)
                    .map_err(|e| InstantiateError::Memory(e.0))?,
            ),
            None => None,
        };
        let offsets = VMOffsets::new(host_funcs.len() as u32, a.globals.len() as u32);
        let slots = (offsets.size() as usize).div_ceil(16);
        let data = Box::new(InstanceData {
            module: module.clone(),
            memory,
            vmctx: vec![ValRaw::default(); slots].into_boxed_slice(),
            offsets,
            _host_funcs: host_funcs.clone(),
            options: options.clone(),
        });
        data.write_word(vmctx::MAGIC, vmctx::VMCTX_MAGIC);
        if let Some(m) = &data.memory {
            data.write_word(vmctx::MEMORY_BASE, m.base() as u64);
            data.write_word(vmctx::MEMORY_LENGTH, m.byte_len() as u64);
        }
        data.write_word(vmctx::BUILTINS, crate::builtins::table().as_ptr() as u64);
        data.write_word(vmctx::RUNTIME_DATA, &*data as *const InstanceData as u64);
        for (i, f) in host_funcs.iter().enumerate() {
            let record = offsets.imported_func(i as u32);
            data.write_word(
                record + vmctx::IMPORTED_FUNC_WASM_CALL,
                module.text_address(a.import_trampolines[i]) as u64,
            );
            data.write_word(record + vmctx::IMPORTED_FUNC_VMCTX, f.context_ptr() as u64);
        }
        for (i, g) in a.globals.iter().enumerate() {
            let value = match g.init {
                ConstExpr::I32(v) => Val::I32(v),
                ConstExpr::I64(v) => Val::I64(v),
                ConstExpr::F32(v) => Val::F32(v),
                ConstExpr::F64(v) => Val::F64(v),
                _ => {
                    return Err(InstantiateError::Link(vec![
                        "global initialiser not supported".into(),
                    ]));
                }
            };
            let slot = value.to_slot();
            let at = offsets.defined_global(i as u32) as usize / 16;
            let mut vm = data.vmctx.as_ptr() as *mut ValRaw;
            // SAFETY: `at` indexes a global slot inside the VM context.
            unsafe {
                vm = vm.add(at);
                vm.write(slot);
            }
        }
        let instance = Instance { data };
        instance.apply_data_segments(&a)?;
        if let Some(start) = a.start {
            instance.call_index(start, &[]).map_err(|e| match e {
                CallError::Trap(t) => InstantiateError::Trap(t),
                other => InstantiateError::Link(vec![other.to_string()]),
            })?;
        }
        Ok(instance)
    }

    fn apply_data_segments(
        &self,
        a: &waot_format::artifact::Artifact,
    ) -> Result<(), InstantiateError> {
        for segment in &a.data {
            let Some((_, offset)) = &segment.active else {
                continue;
            };
            let ConstExpr::I32(offset) = *offset else {
                return Err(InstantiateError::Link(vec![
                    "data segment offset not supported".into(),
                ]));
            };
            let Some(memory) = &self.data.memory else {
                return Err(InstantiateError::Trap(Trap::new(
                    TrapKind::MemoryOutOfBounds,
                )));
            };
            // SAFETY: no wasm code runs during instantiation.
            let bytes = unsafe { memory.bytes_mut() };
            let start = offset as u32 as usize;
            match bytes.get_mut(start..start + segment.bytes.len()) {
                Some(dst) => dst.copy_from_slice(segment.bytes),
                None => {
                    return Err(InstantiateError::Trap(Trap::new(
                        TrapKind::MemoryOutOfBounds,
                    )));
                }
            }
        }
        Ok(())
    }

    /// The module this is an instance of.
    pub fn module(&self) -> &Arc<Module> {
        &self.data.module
    }

    /// The signature of exported function `name`.
    pub fn export_func_type(&self, name: &str) -> Option<FuncType> {
        let a = self.data.module.artifact();
        let e = a
            .exports
            .iter()
            .find(|e| e.name == name && e.kind == ExportKind::Func)?;
        a.func_type(FuncIndex(e.index)).cloned()
    }

    /// Names of all exported functions.
    pub fn exported_funcs(&self) -> Vec<String> {
        let a = self.data.module.artifact();
        a.exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func)
            .map(|e| e.name.to_string())
            .collect()
    }

    /// Current size of memory 0 in pages, if the instance has memory.
    pub fn memory_pages(&self) -> Option<u64> {
        self.data.memory.as_ref().map(|m| m.pages())
    }

    /// A copy of memory 0's bytes.
    pub fn memory_snapshot(&self) -> Option<Vec<u8>> {
        // SAFETY: no wasm code runs while the copy is made (we hold &self
        // and calls take &self on this thread only).
        self.data
            .memory
            .as_ref()
            .map(|m| unsafe { m.bytes_mut() }.to_vec())
    }

    /// The value of exported global `name`.
    pub fn global(&self, name: &str) -> Option<Val> {
        let a = self.data.module.artifact();
        let e = a
            .exports
            .iter()
            .find(|e| e.name == name && e.kind == ExportKind::Global)?;
        let g = a.globals.get(e.index as usize)?;
        let at = self.data.offsets.defined_global(e.index) as usize / 16;
        Some(Val::from_slot(g.ty, &self.data.vmctx[at]))
    }

    /// Calls exported function `name` with `args`.
    pub fn call(&self, name: &str, args: &[Val]) -> Result<Vec<Val>, CallError> {
        let a = self.data.module.artifact();
        let e = a
            .exports
            .iter()
            .find(|e| e.name == name && e.kind == ExportKind::Func)
            .ok_or_else(|| {
                CallError::NoSuchExport(format!("no exported function named '{name}'"))
            })?;
        let index = FuncIndex(e.index);
        drop(a);
        self.call_index(index, args)
    }

    fn call_index(&self, index: FuncIndex, args: &[Val]) -> Result<Vec<Val>, CallError> {
        let a = self.data.module.artifact();
        let ty = a
            .func_type(index)
            .cloned()
            .ok_or_else(|| CallError::NoSuchExport("bad function index".into()))?;
        if args.len() != ty.params.len() || args.iter().zip(&ty.params).any(|(v, t)| v.ty() != *t) {
            return Err(CallError::BadArguments(format!(
                "function expects {ty}, got {} argument(s)",
                args.len()
            )));
        }
        let n_imported = a.num_imported_funcs();
        let Some(defined) = index
            .index()
            .checked_sub(n_imported)
            .and_then(|i| a.funcs.get(i))
        else {
            return Err(CallError::NoSuchExport(
                "calling a re-exported import is not supported".into(),
            ));
        };
        if defined.array_entry_offset == NO_ARRAY_ENTRY {
            return Err(CallError::NoSuchExport(
                "function is not callable from the host".into(),
            ));
        }
        let entry = self.data.module.text_address(defined.array_entry_offset);
        drop(a);
        let mut values = vec![ValRaw::default(); ty.params.len().max(ty.results.len()).max(1)];
        for (slot, v) in values.iter_mut().zip(args) {
            *slot = v.to_slot();
        }
        self.call_raw(entry, &mut values).map_err(CallError::Trap)?;
        Ok(ty
            .results
            .iter()
            .zip(&values)
            .map(|(t, s)| Val::from_slot(*t, s))
            .collect())
    }

    fn call_raw(&self, entry: usize, values: &mut [ValRaw]) -> Result<(), Trap> {
        let outermost = STACK_LIMIT.with(|l| l.get()) == 0;
        if outermost {
            let here = &values as *const _ as usize;
            let low = stack_low().map_or(0, |l| l + 256 * 1024);
            let limit = here
                .saturating_sub(self.data.options.max_wasm_stack)
                .max(low);
            STACK_LIMIT.with(|l| l.set(limit));
        }
        self.data
            .write_word(vmctx::STACK_LIMIT, STACK_LIMIT.with(|l| l.get()) as u64);
        let mut call = EntryCall {
            entry,
            vmctx: self.data.vmctx_ptr(),
            values: values.as_mut_ptr(),
            count: values.len(),
        };
        // SAFETY: run_entry only calls compiled code; its frame holds no
        // values with destructors.
        let result = unsafe { traps::catch(run_entry, &mut call as *mut EntryCall as *mut c_void) };
        if outermost {
            STACK_LIMIT.with(|l| l.set(0));
        }
        let _ = self.data.read_word(vmctx::STACK_LIMIT);
        result
    }
}
