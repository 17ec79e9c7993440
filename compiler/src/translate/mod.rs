//! Translation of one wasm function body to Cranelift IR. This file holds
//! the translator's state, the function prologue and the operator dispatch;
//! each operator family lives in its own file.
//!
//! Calling convention of every wasm function (see `waot_format::abi`):
//! `tail(callee_vmctx, caller_vmctx, params…) -> results`.

mod atomics;
mod bulk;
mod calls;
mod control;
mod exceptions;
pub(crate) mod gc;
pub(crate) mod gc_objects;
mod interrupt;
mod legacy_exceptions;
mod memory;
mod numeric;
mod relaxed_simd;
mod simd;
mod simd_integer;
mod simd_memory;
mod tables;
mod typed_refs;
mod variables;

use crate::error::{CompileError, Result, unsupported};
use crate::module_info::ModuleInfo;
use cranelift_codegen::ir::{
    self, AbiParam, ArgumentPurpose, BlockArg, FuncRef, GlobalValueData, InstBuilder, MemFlagsData,
    SigRef, Signature, TrapCode, UserFuncName, Value, types,
};
use cranelift_codegen::isa::{CallConv, TargetIsa};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use waot_format::types::{BoundsStrategy, DefinedFuncIndex, FuncType, Interruption, ValType};
use waot_format::vmctx::{self, VMOffsets};

/// External-name namespace of defined wasm functions (index = defined index).
pub const NAMESPACE_WASM_FUNC: u32 = 0;

/// Everything translation needs to know about the module and target.
pub struct Env<'a> {
    /// The module.
    pub module: &'a ModuleInfo<'a>,
    /// The target ISA.
    pub isa: &'a dyn TargetIsa,
    /// VM context layout for this module.
    pub offsets: VMOffsets,
    /// Bounds-check strategy.
    pub bounds: BoundsStrategy,
    /// Guard region after the memory reservation, in bytes.
    pub memory_guard: u64,
    /// Whether float rounding is native (else builtins are called).
    pub native_rounding: bool,
    /// Fuel and epoch checks to compile in.
    pub interruption: Interruption,
}

impl Env<'_> {
    /// The pointer type of the target.
    pub fn pointer_type(&self) -> ir::Type {
        self.isa.pointer_type()
    }

    /// The Cranelift signature of a wasm function of type `ty`.
    pub fn wasm_signature(&self, ty: &FuncType) -> Signature {
        let ptr = self.pointer_type();
        let mut sig = Signature::new(CallConv::Tail);
        sig.params
            .push(AbiParam::special(ptr, ArgumentPurpose::VMContext));
        sig.params.push(AbiParam::new(ptr));
        sig.params
            .extend(ty.params.iter().map(|t| AbiParam::new(ir_type(*t))));
        sig.returns
            .extend(ty.results.iter().map(|t| AbiParam::new(ir_type(*t))));
        sig
    }
}

/// The Cranelift type of a wasm value type (references are pointers).
pub fn ir_type(t: ValType) -> ir::Type {
    match t {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::V128 => types::I8X16,
        ValType::FuncRef | ValType::ExternRef | ValType::ExnRef | ValType::Ref(_) => types::I64,
    }
}

/// The Cranelift trap code that reports `kind`.
pub fn trap_code(kind: TrapKind) -> TrapCode {
    match kind {
        TrapKind::StackOverflow => TrapCode::STACK_OVERFLOW,
        TrapKind::IntegerOverflow => TrapCode::INTEGER_OVERFLOW,
        TrapKind::MemoryOutOfBounds => TrapCode::HEAP_OUT_OF_BOUNDS,
        TrapKind::IntegerDivisionByZero => TrapCode::INTEGER_DIVISION_BY_ZERO,
        TrapKind::BadConversionToInteger => TrapCode::BAD_CONVERSION_TO_INTEGER,
        other => TrapCode::unwrap_user(other as u8),
    }
}

/// The trap kind a Cranelift trap code stands for.
pub fn trap_kind(code: TrapCode) -> Option<TrapKind> {
    TrapKind::ALL
        .iter()
        .copied()
        .find(|k| trap_code(*k) == code)
}

/// Memory flags for loads from the VM context, which never trap.
pub fn vmctx_flags() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Translates defined function `index` into `func`.
pub fn translate_function(
    env: &Env,
    index: DefinedFuncIndex,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    let func_index = env.module.space.func_index(index);
    let ty = env.module.func_type(func_index).clone();
    func.signature = env.wasm_signature(&ty);
    func.name = UserFuncName::user(NAMESPACE_WASM_FUNC, index.0);
    let vmctx_gv = func.create_global_value(GlobalValueData::VMContext);
    let limit_flags = func
        .dfg
        .mem_flags
        .insert(vmctx_flags().with_readonly())
        .map_err(|_| CompileError::Codegen("too many memory flag sets".into()))?;
    let limit_ptr = func.create_global_value(GlobalValueData::Load {
        base: vmctx_gv,
        offset: (vmctx::RUNTIME_LIMITS as i32).into(),
        global_type: env.pointer_type(),
        flags: limit_flags,
    });
    let stack_limit = func.create_global_value(GlobalValueData::Load {
        base: limit_ptr,
        offset: (vmctx::runtime_limits::STACK_LIMIT as i32).into(),
        global_type: env.pointer_type(),
        flags: limit_flags,
    });
    func.stack_limit = Some(stack_limit);

    let body = &env.module.bodies[index.index()];
    let builder = FunctionBuilder::new(func, fctx);
    let mut t = Translator {
        env,
        builder,
        stack: Vec::new(),
        control: Vec::new(),
        reachable: true,
        locals: Vec::new(),
        vmctx: Value::from_u32(0),
        func_refs: HashMap::new(),
        sig_refs: HashMap::new(),
        builtin_sigs: HashMap::new(),
        handler_scopes: Vec::new(),
        interrupt: interrupt::InterruptState::default(),
    };
    t.prologue(&ty, body)?;
    let mut reader = body.get_operators_reader()?;
    while !reader.eof() {
        let offset = reader.original_position();
        let op = reader.read()?;
        t.builder.set_srcloc(ir::SourceLoc::new(offset as u32));
        t.operator(op)?;
    }
    reader.finish()?;
    t.builder.seal_all_blocks();
    t.builder.finalize(env.isa.frontend_config());
    Ok(())
}

/// What a control frame is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FrameKind {
    Block,
    Loop(ir::Block),
    If {
        else_block: ir::Block,
        else_seen: bool,
    },
    /// A legacy `try` (`legacy_exceptions.rs`).
    Try(legacy_exceptions::TryState),
}

/// One entry of the control stack.
#[derive(Clone, Debug)]
struct Frame {
    kind: FrameKind,
    /// The block after `end`, whose parameters are the frame's results.
    next: ir::Block,
    /// Stack height below the frame's parameters.
    height: usize,
    num_params: usize,
    num_results: usize,
    /// Some branch or fallthrough reaches `next`.
    exit_reachable: bool,
    /// The frame began in reachable code.
    born_reachable: bool,
}

/// The translator's state for one function.
pub(crate) struct Translator<'e, 'f> {
    env: &'e Env<'e>,
    builder: FunctionBuilder<'f>,
    stack: Vec<Value>,
    control: Vec<Frame>,
    reachable: bool,
    locals: Vec<Variable>,
    vmctx: Value,
    func_refs: HashMap<DefinedFuncIndex, FuncRef>,
    sig_refs: HashMap<waot_format::types::TypeIndex, ir::SigRef>,
    builtin_sigs: HashMap<Builtin, SigRef>,
    /// The catch clauses of the enclosing `try_table`s, outermost first.
    handler_scopes: Vec<exceptions::HandlerScope>,
    /// Fuel and epoch checks.
    interrupt: interrupt::InterruptState,
}

impl Translator<'_, '_> {
    fn prologue(&mut self, ty: &FuncType, body: &wasmparser::FunctionBody) -> Result<()> {
        let entry = self.builder.create_block();
        self.builder.append_block_params_for_function_params(entry);
        self.builder.switch_to_block(entry);
        self.builder.seal_block(entry);
        let params = self.builder.block_params(entry).to_vec();
        self.vmctx = params[0];
        for (i, t) in ty.params.iter().enumerate() {
            let var = self.declare_local(*t);
            self.builder.def_var(var, params[i + 2]);
            self.locals.push(var);
        }
        for local in body.get_locals_reader()? {
            let (count, t) = local?;
            let t = self.env.module.value_type(t)?;
            for _ in 0..count {
                let var = self.declare_local(t);
                let zero = self.zero(t);
                self.builder.def_var(var, zero);
                self.locals.push(var);
            }
        }
        let exit = self.new_block(&ty.results);
        self.control.push(Frame {
            kind: FrameKind::Block,
            next: exit,
            height: 0,
            num_params: 0,
            num_results: ty.results.len(),
            exit_reachable: false,
            born_reachable: true,
        });
        self.interrupt_entry();
        Ok(())
    }

    /// A variable for a local of type `t`, in the stack maps when the
    /// collector must find its values.
    fn declare_local(&mut self, t: ValType) -> Variable {
        let var = self.builder.declare_var(ir_type(t));
        if self.env.module.is_traced(t) {
            self.builder.declare_var_needs_stack_map(var);
        }
        var
    }

    /// Marks `v`, a value of wasm type `t`, for the stack maps when it may
    /// hold a GC object: at every call while it is live, compiled code
    /// keeps it in a slot the collector reads and updates, and reloads it
    /// after the call. Every value of such a type that does not come from
    /// another tracked value (a block parameter, a call's result, a load)
    /// is marked where it is made.
    pub(super) fn track(&mut self, v: Value, t: ValType) {
        if self.env.module.is_traced(t) {
            self.builder.declare_value_needs_stack_map(v);
        }
    }

    /// [`Translator::track`] for several values of `types`.
    pub(super) fn track_all(&mut self, values: &[Value], types: &[ValType]) {
        for (v, t) in values.iter().zip(types) {
            self.track(*v, *t);
        }
    }

    pub(super) fn zero(&mut self, t: ValType) -> Value {
        let ins = self.builder.ins();
        match t {
            ValType::I32 => ins.iconst(types::I32, 0),
            // A non-nullable local has no default: validation guarantees it
            // is set before it is read, so this 0 is never seen.
            ValType::I64
            | ValType::FuncRef
            | ValType::ExternRef
            | ValType::ExnRef
            | ValType::Ref(_) => ins.iconst(types::I64, 0),
            ValType::F32 => ins.f32const(0.0),
            ValType::F64 => ins.f64const(0.0),
            ValType::V128 => {
                let c = self.builder.func.dfg.constants.insert(vec![0u8; 16].into());
                self.builder.ins().vconst(types::I8X16, c)
            }
        }
    }

    fn pop(&mut self) -> Value {
        self.stack
            .pop()
            .expect("validated wasm never pops an empty stack")
    }

    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }

    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }

    fn peek_n(&self, n: usize) -> &[Value] {
        &self.stack[self.stack.len() - n..]
    }

    fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    fn trap(&mut self, kind: TrapKind) {
        self.builder.ins().trap(trap_code(kind));
        self.reachable = false;
        // What was counted since the last flush ends here, with the code.
        self.interrupt_discard_pending();
    }

    /// Translates one operator.
    fn operator(&mut self, op: wasmparser::Operator) -> Result<()> {
        if !self.reachable {
            return self.unreachable_operator(&op);
        }
        self.fuel_before_op(&op);
        self.dispatch(&op)?;
        self.interrupt_after_op(&op, true);
        Ok(())
    }

    /// Translates one reachable operator in its family's file.
    fn dispatch(&mut self, op: &wasmparser::Operator) -> Result<()> {
        if self.gc_operator(op)?
            || self.control_operator(op)?
            || self.variable_operator(op)?
            || self.memory_operator(op)?
            || self.call_operator(op)?
            || self.numeric_operator(op)?
            || self.table_operator(op)?
            || self.bulk_operator(op)?
            || self.exception_operator(op)?
            || self.legacy_exception_operator(op)?
            || self.atomic_operator(op)?
            || self.simd_operator(op)?
            || self.typed_ref_operator(op)?
        {
            return Ok(());
        }
        unsupported(format!("operator {}", operator_name(op)))
    }
}

/// Block arguments for a jump.
fn block_args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// A short operator name for `unsupported:` messages (`call_indirect`,
/// `memory.copy`, …).
pub(crate) fn operator_name(op: &wasmparser::Operator) -> String {
    let debug = format!("{op:?}");
    let name = debug.split([' ', '{', '(']).next().unwrap_or("operator");
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    const PREFIXES: [&str; 21] = [
        "i32", "i64", "f32", "f64", "v128", "memory", "table", "ref", "data", "elem", "i8x16",
        "i16x8", "i32x4", "i64x2", "f32x4", "f64x2", "struct", "array", "i31", "any", "extern",
    ];
    if let Some(p) = PREFIXES.iter().find(|p| out.starts_with(&format!("{p}_"))) {
        out.replace_range(p.len()..p.len() + 1, ".");
    }
    out
}
