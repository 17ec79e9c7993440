//! Inlining (`waot compile --inline`, off by default): direct calls to
//! small defined leaf functions are replaced by the callee's body, with
//! Cranelift's inliner (`Context::inline`).
//!
//! Which callees: defined functions that make no call of any kind (no
//! `call`, `call_indirect`, `return_call`, no builtin — so an inlined body
//! brings no stack map, exception table or GC safepoint with it) and whose
//! IR has at most [`DEFAULT_MAX_CALLEE_INSTS`] instructions — those over
//! [`DEFAULT_SMALL_CALLEE_INSTS`] only when the module calls them directly
//! from at most [`DEFAULT_MAX_CALL_SITES`] places; not in modules that use
//! GC (their references live in stack maps the frontend laid out before
//! inlining). Which calls: plain direct `call`s (a call with handlers or a
//! tail call stays a call).
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

/// Callees up to this size are inlined at every call; larger ones only
/// under [`DEFAULT_MAX_CALL_SITES`].
pub const DEFAULT_SMALL_CALLEE_INSTS: u32 = 30;

/// The most direct call sites a callee over [`DEFAULT_SMALL_CALLEE_INSTS`]
/// may have to be inlined. Measured on MicroPython (paired runs, ÷ no
/// inlining): no cap 0.85× the time and +9.0 % artifact; 16 sites 0.85×
/// and +6.3 %; 8 sites 0.99× (its hot helpers have 9 to 16 callers); on
/// yosys the cap takes the artifact's growth from +4.0 % to +0.7 %.
pub const DEFAULT_MAX_CALL_SITES: u32 = 16;

/// What `--inline` asks for.
pub const ENABLED: Inlining = Inlining {
    max_callee_insts: DEFAULT_MAX_CALLEE_INSTS,
    small_callee_insts: DEFAULT_SMALL_CALLEE_INSTS,
    max_call_sites: DEFAULT_MAX_CALL_SITES,
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
        let policy = applied(requested, &env.module.uses);
        if !policy.on() {
            return Callees::default();
        }
        let sites = call_sites(env);
        let imported = env.module.space.funcs.imported;
        // Before translating: whether the body could be small enough
        // (wasm operators translate to at least one instruction per
        // `WASM_BYTES_PER_INST` bytes).
        let may_take = |body: &wasmparser::FunctionBody, callers: u32| {
            let bytes = body.range().end - body.range().start;
            let insts = u32::try_from(bytes / WASM_BYTES_PER_INST).unwrap_or(u32::MAX);
            policy.takes(insts, callers)
        };
        let bodies = env
            .module
            .bodies
            .par_iter()
            .enumerate()
            .map(|(i, body)| (i, body, sites[imported as usize + i]))
            .filter(|(_, body, callers)| may_take(body, *callers))
            .map_init(FunctionBuilderContext::new, |fctx, (i, _, callers)| {
                let index = DefinedFuncIndex(i as u32);
                let mut func = ir::Function::new();
                if translate::translate_function(env, index, &mut func, fctx).is_err() {
                    // Refused here, refused again (and reported) when
                    // compiled; the builder context needs a reset.
                    *fctx = FunctionBuilderContext::new();
                    return None;
                }
                tag_offsets(&mut func, policy, callers).then_some((index.0, func))
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

/// How many direct `call`s name each function (by function index) in the
/// module's bodies; a body that does not read counts what it read.
fn call_sites(env: &Env) -> Vec<u32> {
    let funcs = env.module.space.funcs.total() as usize;
    let count = |mut sites: Vec<u32>, body: &wasmparser::FunctionBody| {
        let Ok(mut ops) = body.get_operators_reader() else {
            return sites;
        };
        while let Ok(op) = ops.read() {
            if let wasmparser::Operator::Call { function_index } = op
                && let Some(n) = sites.get_mut(function_index as usize)
            {
                *n = n.saturating_add(1);
            }
        }
        sites
    };
    env.module
        .bodies
        .par_iter()
        .fold(|| vec![0; funcs], count)
        .reduce(
            || vec![0; funcs],
            |mut a, b| {
                a.iter_mut()
                    .zip(b)
                    .for_each(|(x, y)| *x = x.saturating_add(y));
                a
            },
        )
}

/// Whether `func`, called from `callers` places, may be inlined (a leaf
/// the policy takes); if so, tags each instruction with its wasm offset.
fn tag_offsets(func: &mut ir::Function, policy: Inlining, callers: u32) -> bool {
    let insts: Vec<ir::Inst> = func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .collect();
    let count = u32::try_from(insts.len()).unwrap_or(u32::MAX);
    if !policy.takes(count, callers) {
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
