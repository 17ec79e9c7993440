//! Trampolines between the host's uniform "array call" convention and the
//! wasm calling convention:
//!
//! - an *array entry* per host-callable function: `extern "C"
//!   fn(callee_vmctx, caller_vmctx, values, count) -> u32` loads the
//!   parameters from 16-byte value slots, calls the function with
//!   `try_call`, stores its results back and returns 0; its catch-all
//!   handler returns 1. A trap anywhere below it is unwound by the loader to
//!   that handler (the exception table records where it is);
//! - a *wasm-to-host* trampoline per imported function: it has the wasm
//!   signature, spills the arguments to a stack array, calls the host
//!   function pointer found in the callee's host context, and traps with
//!   "host function error" when that returns 1 (the host's error is in the
//!   loader's thread state).

use crate::error::{CompileError, Result};
use crate::translate::{Env, NAMESPACE_WASM_FUNC, ir_type, trap_code, vmctx_flags};
use cranelift_codegen::ir::{
    self, AbiParam, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, ExtFuncData,
    ExternalName, InstBuilder, MemFlagsData, Signature, StackSlotData, StackSlotKind,
    UserExternalName, UserFuncName, types,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use waot_format::traps::TrapKind;
use waot_format::types::{DefinedFuncIndex, FuncType};
use waot_format::vmctx::{self, VALUE_SLOT_SIZE};

/// External-name namespace of trampolines (never referenced by calls).
const NAMESPACE_TRAMPOLINE: u32 = 1;

/// What a wasm-to-host trampoline is for.
#[derive(Clone, Copy)]
pub enum TrampolineFor {
    /// Imported function N.
    Import(u32),
    /// Host functions of this type reached through a `funcref`.
    Type(waot_format::types::TypeIndex),
}

/// The array-call signature in the target's C calling convention; the
/// `u32` result is 0 when the callee returned and 1 when it trapped.
fn array_signature(env: &Env) -> Signature {
    let ptr = env.pointer_type();
    let mut sig = Signature::new(env.isa.default_call_conv());
    sig.params.extend([
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
        AbiParam::new(ptr),
    ]);
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

fn value_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_endianness(ir::Endianness::Little)
}

/// Builds the array entry of defined function `callee` into `func`.
pub fn array_entry(
    env: &Env,
    callee: DefinedFuncIndex,
    ty: &FuncType,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    func.signature = array_signature(env);
    func.name = UserFuncName::user(NAMESPACE_TRAMPOLINE, callee.0);
    let wasm_sig = env.wasm_signature(ty);
    let mut b = FunctionBuilder::new(func, fctx);
    let sig = b.import_signature(wasm_sig);
    let name = b
        .func
        .declare_imported_user_function(UserExternalName::new(NAMESPACE_WASM_FUNC, callee.0));
    let fref = b.import_function(ExtFuncData {
        name: ExternalName::User(name),
        signature: sig,
        colocated: true,
        patchable: false,
    });
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (callee_vmctx, caller_vmctx, values) = (p[0], p[1], p[2]);
    let mut args = vec![callee_vmctx, caller_vmctx];
    for (i, t) in ty.params.iter().enumerate() {
        args.push(b.ins().load(
            ir_type(*t),
            value_flags(),
            values,
            (i as u32 * VALUE_SLOT_SIZE) as i32,
        ));
    }
    // The call's normal return continues in `returned` with its results;
    // a trap below it is unwound to `trapped` (the only handler).
    let returned = b.create_block();
    let trapped = b.create_block();
    let result_args = (0..ty.results.len() as u32).map(BlockArg::TryCallRet);
    let normal = BlockCall::new(returned, result_args, &mut b.func.dfg.value_lists);
    let handler = BlockCall::new(trapped, [], &mut b.func.dfg.value_lists);
    let table = b.func.dfg.exception_tables.push(ExceptionTableData::new(
        sig,
        normal,
        [ExceptionTableItem::Default(handler)],
    ));
    b.ins().try_call(fref, &args, table);

    b.switch_to_block(returned);
    b.seal_block(returned);
    let results: Vec<ir::Value> = ty
        .results
        .iter()
        .map(|t| b.append_block_param(returned, ir_type(*t)))
        .collect();
    for (i, r) in results.into_iter().enumerate() {
        b.ins().store(
            value_flags(),
            r,
            values,
            (i as u32 * VALUE_SLOT_SIZE) as i32,
        );
    }
    let ok = b.ins().iconst(types::I32, 0);
    b.ins().return_(&[ok]);

    b.switch_to_block(trapped);
    b.seal_block(trapped);
    let failed = b.ins().iconst(types::I32, 1);
    b.ins().return_(&[failed]);
    b.finalize(env.isa.frontend_config());
    Ok(())
}

/// Builds the module's GC trampoline into `func`: `(vmctx, size) ->
/// address`, which wasm code calls when the inline bump finds the GC
/// heap's space full. It calls `gc_alloc` with its own frame pointer,
/// whose frame record leads the collector to the allocating wasm frame
/// and the return address that names its stack map.
pub fn gc_alloc(
    env: &Env,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    let ptr = env.pointer_type();
    func.signature = crate::translate::gc_objects::gc_trampoline_signature(ptr);
    func.name = UserFuncName::user(NAMESPACE_TRAMPOLINE, 0xe000_0000);
    let mut b = FunctionBuilder::new(func, fctx);
    let mut builtin_sig = ir::Signature::new(env.isa.default_call_conv());
    builtin_sig.params.extend([
        ir::AbiParam::new(ptr),
        ir::AbiParam::new(ptr),
        ir::AbiParam::new(types::I64),
    ]);
    builtin_sig.returns.push(ir::AbiParam::new(ptr));
    let builtin_sig = b.import_signature(builtin_sig);
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (vmctx, size) = (p[0], p[1]);
    let fp = b.ins().get_frame_pointer(ptr);
    let flags = vmctx_flags().with_readonly().with_can_move();
    let table = b.ins().load(ptr, flags, vmctx, vmctx::BUILTINS as i32);
    let code = b.ins().load(
        ptr,
        flags,
        table,
        waot_format::builtins::Builtin::GcAlloc.table_offset() as i32,
    );
    let call = b.ins().call_indirect(builtin_sig, code, &[vmctx, fp, size]);
    let at = b.inst_results(call)[0];
    b.ins().return_(&[at]);
    b.finalize(env.isa.frontend_config());
    Ok(())
}

/// Builds a wasm-to-host trampoline into `func`: for imported function
/// `import`, or for function type `type_index` (one that calls any host
/// function of that type through a `funcref`).
pub fn wasm_to_host(
    env: &Env,
    for_what: TrampolineFor,
    ty: &FuncType,
    func: &mut ir::Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<()> {
    func.signature = env.wasm_signature(ty);
    let name = match for_what {
        TrampolineFor::Import(i) => 0x8000_0000 | i,
        TrampolineFor::Type(t) => 0xc000_0000 | t.0,
    };
    func.name = UserFuncName::user(NAMESPACE_TRAMPOLINE, name);
    let mut b = FunctionBuilder::new(func, fctx);
    let array_sig = b.import_signature(array_signature(env));
    let entry = b.create_block();
    b.append_block_params_for_function_params(entry);
    b.switch_to_block(entry);
    b.seal_block(entry);
    let p = b.block_params(entry).to_vec();
    let (host_ctx, caller_vmctx) = (p[0], p[1]);
    let slots = ty.params.len().max(ty.results.len()).max(1) as u32;
    let slot = b.create_sized_stack_slot(StackSlotData::new(
        StackSlotKind::ExplicitSlot,
        slots * VALUE_SLOT_SIZE,
        4,
    ));
    let ptr = env.pointer_type();
    let values = b.ins().stack_addr(ptr, slot, 0);
    for (i, v) in p[2..].iter().enumerate() {
        b.ins().store(
            value_flags(),
            *v,
            values,
            (i as u32 * VALUE_SLOT_SIZE) as i32,
        );
    }
    let code = b.ins().load(
        ptr,
        vmctx_flags(),
        host_ctx,
        vmctx::host_ctx::ARRAY_CALL as i32,
    );
    let count = b.ins().iconst(ptr, i64::from(ty.params.len() as u32));
    // The collector walks the wasm frames below a host call from here.
    let fp = b.ins().get_frame_pointer(ptr);
    let limits = b.ins().load(
        ptr,
        vmctx_flags(),
        caller_vmctx,
        vmctx::RUNTIME_LIMITS as i32,
    );
    b.ins().store(
        vmctx_flags(),
        fp,
        limits,
        vmctx::runtime_limits::LAST_EXIT_FP as i32,
    );
    let call = b
        .ins()
        .call_indirect(array_sig, code, &[host_ctx, caller_vmctx, values, count]);
    let status = b.inst_results(call)[0];
    b.ins().trapnz(status, trap_code(TrapKind::HostError));
    let mut results = Vec::new();
    for (i, t) in ty.results.iter().enumerate() {
        results.push(b.ins().load(
            ir_type(*t),
            value_flags(),
            values,
            (i as u32 * VALUE_SLOT_SIZE) as i32,
        ));
    }
    b.ins().return_(&results);
    b.finalize(env.isa.frontend_config());
    if func.signature.params.len() != ty.params.len() + 2 {
        return Err(CompileError::Codegen(
            "trampoline signature mismatch".into(),
        ));
    }
    Ok(())
}
