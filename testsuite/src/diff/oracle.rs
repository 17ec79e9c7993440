//! The two engines behind one small interface: waot (compile → artifact
//! file → map → instantiate through the loader library, the real path) and
//! the wasmi interpreter as the reference. Values, traps, globals and
//! memories are reduced to a comparable form.

use anyhow::Result;
use std::path::Path;
use std::sync::Arc;
use waot::{CompileError, CompileOptions};
use waot_format::traps::TrapKind;
use waot_format::types::ValType;
use waot_run::{
    CallError, InstantiateError, Module, RunOptions, Val, instance::Instance, linker::Linker,
};

/// A value as both engines can report it. References compare by null-ness
/// (identities differ between engines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// `i32`
    I32(i32),
    /// `i64`
    I64(i64),
    /// `f32` bits
    F32(u32),
    /// `f64` bits
    F64(u64),
    /// A reference; `true` when null.
    Ref(bool),
    /// `v128`, little-endian.
    V128(u128),
}

/// The outcome of instantiating or calling.
#[derive(Clone, Debug, Eq)]
pub enum Outcome {
    /// Returned these values.
    Values(Vec<Value>),
    /// Trapped with this kind.
    Trap(TrapKind),
    /// Failed for another reason (link, limits): both engines should agree
    /// that it failed.
    Error(String),
}

impl PartialEq for Outcome {
    /// Equal values, equal trap classes, or errors on both sides.
    fn eq(&self, other: &Outcome) -> bool {
        // Wasmtime names a null reference of any kind NULL_REFERENCE.
        let class = |k: TrapKind| match k {
            TrapKind::UndefinedElement => TrapKind::TableOutOfBounds,
            TrapKind::NullReference
            | TrapKind::NullI31Reference
            | TrapKind::NullStructReference
            | TrapKind::NullArrayReference
            | TrapKind::NullFunctionReference => TrapKind::NullExceptionReference,
            k => k,
        };
        match (self, other) {
            (Outcome::Values(a), Outcome::Values(b)) => a == b,
            (Outcome::Trap(a), Outcome::Trap(b)) => class(*a) == class(*b),
            (Outcome::Error(_), Outcome::Error(_)) => true,
            _ => false,
        }
    }
}

impl Outcome {
    /// Whether the call exhausted the stack or the GC heap, whose limits
    /// differ between engines (the spec leaves them to the
    /// implementation).
    pub fn exhausted(&self) -> bool {
        match self {
            Outcome::Trap(
                TrapKind::StackOverflow
                | TrapKind::GcHeapOutOfMemory
                | TrapKind::AllocationTooLarge,
            ) => true,
            Outcome::Error(e) => e.contains("GC heap out of memory"),
            _ => false,
        }
    }
}

/// The state observable after a call.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct State {
    /// Exported globals by name.
    pub globals: Vec<(String, Value)>,
    /// Exported memories by name, with their bytes.
    pub memories: Vec<(String, Vec<u8>)>,
}

/// What an engine must do for the tester.
pub trait Engine {
    /// Exported functions: name and parameter types.
    fn functions(&self) -> Vec<(String, Vec<ValType>)>;
    /// Calls an export.
    fn call(&mut self, name: &str, args: &[Value]) -> Outcome;
    /// Exported globals and memories.
    fn state(&mut self) -> State;
}

/// The proposals waot compiles that [`wasmi_engine`] leaves off: turned off
/// with `--wasm-features` for validation verdicts, so both engines judge
/// the same language (Wasm 2.0 with SIMD, tail calls, extended constant
/// expressions, multi-memory and memory64).
const BEYOND_WASMI: [&str; 4] = [
    "relaxed-simd",
    "exceptions",
    "threads",
    "function-references",
];

/// Whether waot's validator accepts `wasm` in wasmi's language (above): a
/// module valid only with another proposal (one waot turns off or does not
/// compile, or several together) counts as rejected; so would a valid one
/// waot cannot compile, which the tester then reports.
pub fn waot_accepts(wasm: &[u8]) -> bool {
    let options = CompileOptions {
        turned_off: BEYOND_WASMI.to_vec(),
        ..CompileOptions::default()
    };
    !matches!(
        waot::compile(wasm, &options),
        Err(CompileError::Invalid { .. }
            | CompileError::Parse(_)
            | CompileError::Unsupported(_)
            | CompileError::UnsupportedFeature { .. }
            | CompileError::FeatureTurnedOff { .. })
    )
}

/// wasmi configured for Wasm 2.0 with SIMD, tail calls, extended constant
/// expressions, multi-memory and memory64 (the generator's language).
/// `mode`: validation
/// only needs `LazyTranslation` (validate now, translate on first call);
/// execution uses `Eager`, so that a panic in wasmi's translator happens in
/// `Module::new`, where [`guarded`] catches it. Translated lazily, it would
/// happen inside wasmi's executor, whose frames cannot unwind: the panic
/// aborts the process.
fn wasmi_engine(mode: wasmi::CompilationMode) -> wasmi::Engine {
    let mut config = wasmi::Config::default();
    config
        .compilation_mode(mode)
        .wasm_mutable_global(true)
        .wasm_sign_extension(true)
        .wasm_saturating_float_to_int(true)
        .wasm_multi_value(true)
        .wasm_bulk_memory(true)
        .wasm_reference_types(true)
        .wasm_simd(true)
        .wasm_relaxed_simd(false)
        .wasm_multi_memory(true)
        .wasm_tail_call(true)
        .wasm_extended_const(true)
        .wasm_custom_page_sizes(false)
        .wasm_memory64(true)
        .wasm_wide_arithmetic(false)
        .floats(true)
        // Deep enough that fuel, not wasmi's stack, ends generated recursion
        // (waot's default 1 MiB wasm stack holds more frames than the fuel
        // allows).
        .set_max_recursion_depth(100_000)
        .set_max_stack_height(64 * 1024 * 1024);
    wasmi::Engine::new(&config)
}

/// Whether wasmi accepts `wasm`.
pub fn wasmi_accepts(wasm: &[u8]) -> bool {
    wasmi::Module::new(&wasmi_engine(wasmi::CompilationMode::LazyTranslation), wasm).is_ok()
}

fn from_waot(v: &Val) -> Value {
    match *v {
        Val::I32(x) => Value::I32(x),
        Val::I64(x) => Value::I64(x),
        Val::F32(x) => Value::F32(x),
        Val::F64(x) => Value::F64(x),
        Val::FuncRef(x) => Value::Ref(x.is_null()),
        Val::ExternRef(x) => Value::Ref(x.is_null()),
        Val::AnyRef(x) => Value::Ref(x.is_null()),
        Val::ExnRef(x) => Value::Ref(x.is_null()),
        Val::V128(x) => Value::V128(x),
    }
}

fn to_waot(v: &Value, ty: ValType) -> Val {
    match (*v, ty) {
        (Value::I32(x), _) => Val::I32(x),
        (Value::I64(x), _) => Val::I64(x),
        (Value::F32(x), _) => Val::F32(x),
        (Value::F64(x), _) => Val::F64(x),
        (Value::V128(x), _) => Val::V128(x),
        (Value::Ref(_), t) => Val::null(t),
    }
}

/// The table growth limit both engines get, so `table.grow` succeeds or
/// fails alike (the spec leaves resource limits to the implementation).
pub const TABLE_LIMIT: u64 = 100_000;

/// The waot side.
pub struct Waot {
    instance: Instance,
}

impl Waot {
    /// Compiles and instantiates `wasm`; `Err` only for harness failures.
    pub fn new(
        wasm: &[u8],
        dir: &Path,
        page_limit: Option<u64>,
    ) -> Result<std::result::Result<Waot, Outcome>> {
        let artifact = match waot::compile(wasm, &CompileOptions::default()) {
            Ok(a) => a,
            Err(e) => return Ok(Err(Outcome::Error(format!("waot compile: {e}")))),
        };
        let path = dir.join("module.aot");
        std::fs::write(&path, artifact)?;
        let module = Arc::new(Module::open(&path)?);
        let options = RunOptions {
            max_memory_pages: page_limit,
            max_table_elements: TABLE_LIMIT,
            ..RunOptions::default()
        };
        Ok(match Instance::new(module, &Linker::new(), &options) {
            Ok(instance) => Ok(Waot { instance }),
            Err(InstantiateError::Trap(t)) => Err(Outcome::Trap(t.kind)),
            Err(e) => Err(Outcome::Error(e.to_string())),
        })
    }
}

/// The exports of `wasm` whose type involves a reference type other than
/// `funcref` and `externref` (`exnref`, typed and GC references, the
/// bottom types: functions taking or returning one, such globals), which
/// the Wasmtime oracle's Python API cannot inspect (its C API aborts).
/// Read from the module itself, so that they are known whether or not
/// waot instantiates it.
pub fn opaque_exports(wasm: &[u8]) -> Vec<String> {
    use wasmparser::{CompositeInnerType, ExternalKind, Payload, RefType, TypeRef, ValType as V};
    let opaque =
        |t: &V| matches!(t, V::Ref(r) if *r != RefType::FUNCREF && *r != RefType::EXTERNREF);
    let mut func_types: Vec<Option<(Vec<V>, Vec<V>)>> = Vec::new();
    let mut funcs: Vec<u32> = Vec::new();
    let mut globals: Vec<V> = Vec::new();
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        match payload {
            Payload::TypeSection(r) => {
                for group in r.into_iter().flatten() {
                    for (_, sub) in group.into_types_and_offsets() {
                        func_types.push(match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                Some((f.params().to_vec(), f.results().to_vec()))
                            }
                            _ => None,
                        });
                    }
                }
            }
            Payload::ImportSection(r) => {
                for import in r.into_imports().flatten() {
                    match import.ty {
                        TypeRef::Func(t) => funcs.push(t),
                        TypeRef::Global(g) => globals.push(g.content_type),
                        _ => {}
                    }
                }
            }
            Payload::FunctionSection(r) => funcs.extend(r.into_iter().flatten()),
            Payload::GlobalSection(r) => {
                globals.extend(r.into_iter().flatten().map(|g| g.ty.content_type));
            }
            Payload::ExportSection(r) => {
                for e in r.into_iter().flatten() {
                    let skip = match e.kind {
                        ExternalKind::Func => funcs
                            .get(e.index as usize)
                            .and_then(|t| func_types.get(*t as usize).cloned().flatten())
                            .is_none_or(|(p, r)| p.iter().chain(&r).any(opaque)),
                        ExternalKind::Global => globals.get(e.index as usize).is_none_or(opaque),
                        _ => false,
                    };
                    if skip {
                        out.push(e.name.to_string());
                    }
                }
            }
            _ => {}
        }
    }
    out
}

impl Engine for Waot {
    fn functions(&self) -> Vec<(String, Vec<ValType>)> {
        let mut out: Vec<_> = self
            .instance
            .exported_funcs()
            .into_iter()
            .filter_map(|n| self.instance.export_func_type(&n).map(|t| (n, t.params)))
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let Some(ty) = self.instance.export_func_type(name) else {
            return Outcome::Error("no such export".into());
        };
        let args: Vec<Val> = args
            .iter()
            .zip(&ty.params)
            .map(|(v, t)| to_waot(v, *t))
            .collect();
        match self.instance.call(name, &args) {
            Ok(values) => Outcome::Values(values.iter().map(from_waot).collect()),
            Err(CallError::Trap(t)) => Outcome::Trap(t.kind),
            Err(e) => Outcome::Error(e.to_string()),
        }
    }

    fn state(&mut self) -> State {
        let mut state = State::default();
        for (name, item) in self.instance.exports() {
            match item {
                waot_run::externs::Extern::Global(g) => {
                    state.globals.push((name, from_waot(&g.get())))
                }
                // SAFETY: no wasm code runs while the snapshot is taken.
                waot_run::externs::Extern::Memory(m) => state
                    .memories
                    .push((name, unsafe { m.bytes_mut() }.to_vec())),
                _ => {}
            }
        }
        state.globals.sort_by(|a, b| a.0.cmp(&b.0));
        state.memories.sort_by(|a, b| a.0.cmp(&b.0));
        state
    }
}

/// The wasmi side.
pub struct Wasmi {
    store: wasmi::Store<wasmi::StoreLimits>,
    instance: wasmi::Instance,
    module: wasmi::Module,
}

fn trap_kind(code: wasmi::TrapCode) -> TrapKind {
    use wasmi::TrapCode as C;
    match code {
        C::UnreachableCodeReached => TrapKind::Unreachable,
        C::MemoryOutOfBounds => TrapKind::MemoryOutOfBounds,
        // wasmi reports an out-of-range `call_indirect` index as a table
        // access out of bounds; the spec (and waot) call it "undefined
        // element". `Outcome` equality treats the two as one class.
        C::TableOutOfBounds => TrapKind::TableOutOfBounds,
        C::IndirectCallToNull => TrapKind::UninitializedElement,
        C::IntegerDivisionByZero => TrapKind::IntegerDivisionByZero,
        C::IntegerOverflow => TrapKind::IntegerOverflow,
        C::BadConversionToInteger => TrapKind::BadConversionToInteger,
        C::StackOverflow => TrapKind::StackOverflow,
        C::BadSignature => TrapKind::IndirectCallTypeMismatch,
        _ => TrapKind::HostError,
    }
}

fn wasmi_outcome_error(e: &wasmi::Error) -> Outcome {
    if let Some(code) = e.as_trap_code() {
        return Outcome::Trap(trap_kind(code));
    }
    // wasmi reports segments that do not fit during instantiation as plain
    // errors; the spec makes them traps with these messages.
    let text = e.to_string();
    if text.contains("out of bounds table access") {
        Outcome::Trap(TrapKind::TableOutOfBounds)
    } else if text.contains("out of bounds memory access") {
        Outcome::Trap(TrapKind::MemoryOutOfBounds)
    } else {
        Outcome::Error(text)
    }
}

fn from_wasmi(v: &wasmi::Val) -> Value {
    match v {
        wasmi::Val::I32(x) => Value::I32(*x),
        wasmi::Val::I64(x) => Value::I64(*x),
        wasmi::Val::F32(x) => Value::F32(x.to_bits()),
        wasmi::Val::F64(x) => Value::F64(x.to_bits()),
        wasmi::Val::FuncRef(r) => Value::Ref(r.is_null()),
        wasmi::Val::ExternRef(r) => Value::Ref(r.is_null()),
        wasmi::Val::V128(v) => Value::V128(v.as_u128()),
    }
}

fn to_wasmi(v: &Value, ty: &wasmi::ValType) -> wasmi::Val {
    match *v {
        Value::I32(x) => wasmi::Val::I32(x),
        Value::I64(x) => wasmi::Val::I64(x),
        Value::F32(x) => wasmi::Val::F32(wasmi::F32::from_bits(x)),
        Value::F64(x) => wasmi::Val::F64(wasmi::F64::from_bits(x)),
        Value::V128(x) => wasmi::Val::V128(x.into()),
        Value::Ref(_) => wasmi::Val::default_for_ty(*ty),
    }
}

fn val_type(t: &wasmi::ValType) -> ValType {
    use wasmi::ValType as T;
    match t {
        T::I32 => ValType::I32,
        T::I64 => ValType::I64,
        T::F32 => ValType::F32,
        T::F64 => ValType::F64,
        T::V128 => ValType::V128,
        T::FuncRef => ValType::FuncRef,
        T::ExternRef => ValType::ExternRef,
    }
}

/// Runs `f`, turning a panic inside wasmi (which happens: its 2.0.0
/// translator hits `unreachable!()` on some valid modules) into an error
/// outcome instead of ending the run.
fn guarded<T>(
    f: impl FnOnce() -> std::result::Result<T, Outcome>,
) -> std::result::Result<T, Outcome> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_default();
        Err(Outcome::Error(format!("wasmi panicked: {message}")))
    })
}

impl Wasmi {
    /// Instantiates `wasm` with wasmi; `page_limit` caps memory growth.
    pub fn new(wasm: &[u8], page_limit: Option<u64>) -> std::result::Result<Wasmi, Outcome> {
        guarded(|| Self::instantiate(wasm, page_limit))
    }

    fn instantiate(wasm: &[u8], page_limit: Option<u64>) -> std::result::Result<Wasmi, Outcome> {
        let engine = wasmi_engine(wasmi::CompilationMode::Eager);
        let module = wasmi::Module::new(&engine, wasm)
            .map_err(|e| Outcome::Error(format!("wasmi validation: {e}")))?;
        let mut builder = wasmi::StoreLimitsBuilder::new().table_elements(TABLE_LIMIT as usize);
        if let Some(pages) = page_limit {
            builder = builder.memory_size(pages as usize * 65536);
        }
        let mut store = wasmi::Store::new(&engine, builder.build());
        store.limiter(|limits| limits);
        let linker = wasmi::Linker::<wasmi::StoreLimits>::new(&engine);
        let instance = linker
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| wasmi_outcome_error(&e))?;
        Ok(Wasmi {
            store,
            instance,
            module,
        })
    }
}

impl Engine for Wasmi {
    fn functions(&self) -> Vec<(String, Vec<ValType>)> {
        let mut out: Vec<_> = self
            .module
            .exports()
            .filter_map(|e| match e.ty() {
                wasmi::ExternType::Func(f) => Some((
                    e.name().to_string(),
                    f.params().iter().map(val_type).collect(),
                )),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    fn call(&mut self, name: &str, args: &[Value]) -> Outcome {
        let Some(func) = self.instance.get_func(&self.store, name) else {
            return Outcome::Error("no such export".into());
        };
        let ty = func.ty(&self.store);
        let args: Vec<wasmi::Val> = args
            .iter()
            .zip(ty.params())
            .map(|(v, t)| to_wasmi(v, t))
            .collect();
        let mut results: Vec<wasmi::Val> = ty
            .results()
            .iter()
            .map(|t| wasmi::Val::default_for_ty(*t))
            .collect();
        let store = &mut self.store;
        let outcome = guarded(|| match func.call(&mut *store, &args, &mut results) {
            Ok(()) => Ok(Outcome::Values(results.iter().map(from_wasmi).collect())),
            Err(e) => Ok(wasmi_outcome_error(&e)),
        });
        outcome.unwrap_or_else(|error| error)
    }

    fn state(&mut self) -> State {
        let mut state = State::default();
        let names: Vec<(String, bool)> = self
            .module
            .exports()
            .filter_map(|e| match e.ty() {
                wasmi::ExternType::Global(_) => Some((e.name().to_string(), true)),
                wasmi::ExternType::Memory(_) => Some((e.name().to_string(), false)),
                _ => None,
            })
            .collect();
        for (name, is_global) in names {
            if is_global {
                if let Some(g) = self.instance.get_global(&self.store, &name) {
                    state.globals.push((name, from_wasmi(&g.get(&self.store))));
                }
            } else if let Some(m) = self.instance.get_memory(&self.store, &name) {
                state.memories.push((name, m.data(&self.store).to_vec()));
            }
        }
        state.globals.sort_by(|a, b| a.0.cmp(&b.0));
        state.memories.sort_by(|a, b| a.0.cmp(&b.0));
        state
    }
}
