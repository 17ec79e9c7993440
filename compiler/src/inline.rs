//! Inlining (`waot compile --inline`, off by default): direct calls to
//! small defined leaf functions are replaced by the callee's body, with
//! Cranelift's inliner (`Context::inline`).
//!
//! Which callees: defined functions that make no call of any kind (no
//! `call`, `call_indirect`, `return_call`, no builtin — so an inlined body
//! brings no stack map, exception table or GC safepoint with it) and whose
//! IR has at most [`DEFAULT_MAX_CALLEE_INSTS`] instructions; not in
//! modules that use GC (their references live in stack maps the frontend
//! laid out before inlining). Which calls: plain direct `call`s (a call
//! with handlers or a tail call stays a call).
//!
//! Trap messages stay exact: Cranelift's inliner copies instructions
//! without their source locations, so every instruction of a callee
//! carries its wasm offset as a debug tag (which the inliner copies),
//! turned back into a source location after inlining; the
//! artifact records where each function's body starts (`.waot.inlining`)
//! so the loader names the function the offset lies in.

use crate::error::{CompileError, Result};
use crate::translate::{self, Env, NAMESPACE_WASM_FUNC};
use cranelift_codegen::Context;
use cranelift_codegen::inline::{Inline, InlineCommand};
use cranelift_codegen::ir::{self, DebugTag, ExternalName, SourceLoc};
use cranelift_frontend::FunctionBuilderContext;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use waot_format::types::{DefinedFuncIndex, Inlining, wasm_features};

/// The size limit on an inlined callee under `--inline`, in Cranelift IR
/// instructions (after translation, before optimisation). Measured on
/// MicroPython: 60 gains nothing, 200 runs a script in 0.87× the time.
pub const DEFAULT_MAX_CALLEE_INSTS: u32 = 200;

/// What `--inline` asks for: leaf callees of at most
/// [`DEFAULT_MAX_CALLEE_INSTS`] instructions.
pub const ENABLED: Inlining = Inlining {
    max_callee_insts: DEFAULT_MAX_CALLEE_INSTS,
};

/// A wasm body longer than this many bytes per allowed IR instruction is
/// not translated to see whether it is small enough (wasm operators
/// translate to about one instruction each).
const WASM_BYTES_PER_INST: u64 = 4;

/// The callees that may be inlined, by defined index, with the wasm
/// offsets of their instructions as debug tags.
#[derive(Default)]
pub struct Callees {
    bodies: HashMap<u32, ir::Function>,
}

impl Callees {
    /// Translates every small leaf function of the module once; none when
    /// [`applied`] says inlining is off.
    pub fn find(env: &Env, requested: Inlining) -> Callees {
        let max_insts = applied(requested, &env.module.uses).max_callee_insts;
        if max_insts == 0 {
            return Callees::default();
        }
        let max_bytes = u64::from(max_insts) * WASM_BYTES_PER_INST;
        let bodies = env
            .module
            .bodies
            .par_iter()
            .enumerate()
            .filter(|(_, body)| body.range().end - body.range().start <= max_bytes)
            .map_init(FunctionBuilderContext::new, |fctx, (i, _)| {
                let index = DefinedFuncIndex(i as u32);
                let mut func = ir::Function::new();
                if translate::translate_function(env, index, &mut func, fctx).is_err() {
                    // Refused here, refused again (and reported) when
                    // compiled; the builder context needs a reset.
                    *fctx = FunctionBuilderContext::new();
                    return None;
                }
                tag_offsets(&mut func, max_insts).then_some((index.0, func))
            })
            .flatten()
            .collect();
        Callees { bodies }
    }

    /// Inlines calls in `ctx.func` and gives the inlined instructions
    /// their wasm offsets back.
    pub fn inline_into(&self, ctx: &mut Context) -> Result<()> {
        if self.bodies.is_empty() {
            return Ok(());
        }
        let inlined = ctx
            .inline(self)
            .map_err(|e| CompileError::Codegen(format!("inlining: {e}")))?;
        if inlined {
            restore_srclocs(&mut ctx.func);
        }
        Ok(())
    }
}

/// The inlining a module gets when `requested`: none in a module that uses
/// GC (what the artifact records, too).
pub fn applied(requested: Inlining, uses: &crate::module_info::UsedFeatures) -> Inlining {
    if uses.contains(wasm_features::GC) {
        Inlining::OFF
    } else {
        requested
    }
}

/// Whether `func` may be inlined (a leaf of at most `max_insts`
/// instructions); if so, tags each instruction with its wasm offset.
fn tag_offsets(func: &mut ir::Function, max_insts: u32) -> bool {
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    if insts.len() > max_insts as usize {
        return false;
    }
    for &inst in &insts {
        let data = &func.dfg.insts[inst];
        let op = data.opcode();
        if op.is_call() || matches!(op, ir::Opcode::TryCall | ir::Opcode::TryCallIndirect) {
            return false;
        }
        // Every instruction, not only those that can trap: optimisation
        // turns a branch to a trapping block into a conditional trap with
        // the branch's location.
        let loc = func.srcloc(inst);
        if !loc.is_default() {
            func.debug_tags.set(inst, [DebugTag::User(loc.bits())]);
        }
    }
    true
}

/// After inlining: an instruction tagged with a wasm offset (the last tag:
/// the callee's own) gets it as its source location; the tags go, since
/// Cranelift allows them only on calls.
fn restore_srclocs(func: &mut ir::Function) {
    let tagged: Vec<(ir::Inst, u32)> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .filter_map(|inst| match func.debug_tags.get(inst).last() {
            Some(DebugTag::User(offset)) => Some((inst, *offset)),
            _ => None,
        })
        .collect();
    for (inst, offset) in tagged {
        func.set_srcloc(inst, SourceLoc::new(offset));
    }
    func.debug_tags.clear();
}

impl Inline for &Callees {
    fn inline(
        &mut self,
        caller: &ir::Function,
        _inst: ir::Inst,
        opcode: ir::Opcode,
        callee: ir::FuncRef,
        _args: &[ir::Value],
    ) -> InlineCommand<'_> {
        if opcode != ir::Opcode::Call {
            return InlineCommand::KeepCall;
        }
        if let ExternalName::User(r) = caller.dfg.ext_funcs[callee].name {
            let name = &caller.params.user_named_funcs()[r];
            if name.namespace == NAMESPACE_WASM_FUNC
                && let Some(f) = self.bodies.get(&name.index)
            {
                return InlineCommand::Inline {
                    callee: Cow::Borrowed(f),
                    visit_callee: false,
                };
            }
        }
        InlineCommand::KeepCall
    }
}
