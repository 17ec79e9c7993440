//! Exception handling (Wasm 3.0, `exnref`): `try_table`, `throw`,
//! `throw_ref`, and calls that may throw.
//!
//! Inside a `try_table` every call is a Cranelift `try_call` whose handlers
//! are the catch clauses of the enclosing `try_table`s, innermost first,
//! after the function's VM context as the dynamic context (the loader reads
//! it to resolve tag indices to tag identities). Each handler lands in a
//! block of its own that unpacks the exception (the payload) and branches
//! to the clause's label. A `throw` allocates the exception with the
//! `exn_new` builtin and dispatches it against the enclosing clauses right
//! here; if none matches it hands the exception to the loader
//! (`exn_throw`) and executes a trap of kind "uncaught exception", from
//! which the loader unwinds to the callers' handlers.

use super::{FrameKind, Translator, block_args, ir_type, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{
    self, BlockArg, BlockCall, ExceptionTableData, ExceptionTableItem, ExceptionTag, FuncRef,
    InstBuilder, MemFlagsData, SigRef, StackSlotData, StackSlotKind, Value,
};
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use waot_format::types::wasm_features;
use waot_format::types::{TypeIndex, ValType};
use waot_format::vmctx::{self, VALUE_SLOT_SIZE};
use wasmparser::{Catch, Operator};

/// One catch clause of a `try_table` (or of a legacy `try`).
#[derive(Clone, Copy, Debug)]
pub(super) struct Clause {
    /// The tag it catches, or `None` for `catch_all`.
    tag: Option<u32>,
    /// Whether the label also receives the `exnref` (`catch_ref`,
    /// `catch_all_ref`).
    with_ref: bool,
    /// Where it goes.
    target: ClauseTarget,
}

/// Where a catch clause goes.
#[derive(Clone, Copy, Debug)]
pub(super) enum ClauseTarget {
    /// The label of this control frame (absolute index).
    Frame(usize),
    /// This block, with the exception as its parameter (a legacy `try`'s
    /// dispatch block).
    Block(ir::Block),
}

impl Clause {
    /// A clause catching everything into `block`, which takes the
    /// exception.
    pub(super) fn to_block(block: ir::Block) -> Clause {
        Clause {
            tag: None,
            with_ref: true,
            target: ClauseTarget::Block(block),
        }
    }
}

/// The catch clauses of one `try_table` while its body is translated.
#[derive(Clone, Debug)]
pub(super) struct HandlerScope {
    /// The control frame of the `try_table`.
    frame: usize,
    clauses: Vec<Clause>,
}

impl HandlerScope {
    /// The clauses of the frame at `frame`.
    pub(super) fn new(frame: usize, clauses: Vec<Clause>) -> HandlerScope {
        HandlerScope { frame, clauses }
    }
}

/// What a call calls.
pub(super) enum Callee {
    /// A defined function.
    Direct(FuncRef),
    /// A function pointer of this signature.
    Indirect(SigRef, Value),
}

fn payload_flags() -> MemFlagsData {
    MemFlagsData::trusted().with_endianness(ir::Endianness::Little)
}

impl Translator<'_, '_> {
    /// `try_table`, `throw`, `throw_ref`. Returns false for other operators.
    pub(super) fn exception_operator(&mut self, op: &Operator) -> Result<bool> {
        match op {
            Operator::TryTable { try_table } => {
                self.env.module.uses.record(wasm_features::EXCEPTIONS);
                // Catch labels are relative to the context outside the
                // try_table.
                let outside = self.control.len();
                let clauses = try_table
                    .catches
                    .iter()
                    .map(|c| {
                        let (tag, with_ref, label) = match *c {
                            Catch::One { tag, label } => (Some(tag), false, label),
                            Catch::OneRef { tag, label } => (Some(tag), true, label),
                            Catch::All { label } => (None, false, label),
                            Catch::AllRef { label } => (None, true, label),
                        };
                        Clause {
                            tag,
                            with_ref,
                            target: ClauseTarget::Frame(outside - 1 - label as usize),
                        }
                    })
                    .collect();
                self.push_block(try_table.ty)?;
                self.handler_scopes.push(HandlerScope {
                    frame: outside,
                    clauses,
                });
            }
            Operator::Throw { tag_index } => {
                self.env.module.uses.record(wasm_features::EXCEPTIONS);
                let ty = self.tag_type(*tag_index);
                let values = self.pop_n(ty.len());
                let slot = self.builder.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    (values.len().max(1) as u32) * VALUE_SLOT_SIZE,
                    4,
                ));
                let ptr = self.env.pointer_type();
                let slots = self.builder.ins().stack_addr(ptr, slot, 0);
                for (i, v) in values.iter().enumerate() {
                    self.builder.ins().store(
                        payload_flags(),
                        *v,
                        slots,
                        (i as u32 * VALUE_SLOT_SIZE) as i32,
                    );
                }
                let tag = self
                    .builder
                    .ins()
                    .iconst(ir::types::I32, i64::from(*tag_index));
                let exn = self.call_builtin(Builtin::ExnNew, &[self.vmctx, tag, slots])[0];
                self.throw_exception(exn);
            }
            Operator::ThrowRef => {
                self.env.module.uses.record(wasm_features::EXCEPTIONS);
                let exn = self.pop();
                self.builder
                    .ins()
                    .trapz(exn, super::trap_code(TrapKind::NullExceptionReference));
                self.throw_exception(exn);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The catch clauses of the enclosing `try_table`s, innermost first.
    fn active_clauses(&self) -> Vec<Clause> {
        self.clauses_within(Some(usize::MAX))
    }

    /// The catch clauses of the enclosing scopes whose frame is at most
    /// `outermost` (none for `None`), innermost first.
    fn clauses_within(&self, outermost: Option<usize>) -> Vec<Clause> {
        let Some(outermost) = outermost else {
            return Vec::new();
        };
        self.handler_scopes
            .iter()
            .rev()
            .filter(|s| s.frame <= outermost)
            .flat_map(|s| s.clauses.iter().copied())
            .collect()
    }

    /// Pops the handler scope of the frame at `index`, which `end` closes.
    pub(super) fn leave_handler_scope(&mut self, index: usize) {
        if self.handler_scopes.last().is_some_and(|s| s.frame == index) {
            self.handler_scopes.pop();
        }
    }

    /// The parameter types of tag `tag`.
    fn tag_type(&self, tag: u32) -> Vec<waot_format::types::ValType> {
        let TypeIndex(t) = self.env.module.tag_types[tag as usize];
        self.env.module.meta.func_type(TypeIndex(t)).params.clone()
    }

    /// Dispatches exception `exn` against the enclosing catch clauses,
    /// innermost first; if none matches, throws it to the callers.
    pub(super) fn throw_exception(&mut self, exn: Value) {
        self.throw_to(exn, Some(usize::MAX));
    }

    /// Whether exception `exn` is of tag `tag`.
    pub(super) fn tag_matches(&mut self, exn: Value, tag: u32) -> Value {
        let ptr = self.env.pointer_type();
        // Slot 0 of the exception object is a little-endian value slot
        // like the payload's; the VM context is native.
        let thrown = self.builder.ins().load(
            ptr,
            payload_flags().with_readonly(),
            exn,
            vmctx::exn::TAG as i32,
        );
        let flags = vmctx_flags().with_readonly();
        let wanted =
            self.builder
                .ins()
                .load(ptr, flags, self.vmctx, self.env.offsets.tag(tag) as i32);
        self.builder
            .ins()
            .icmp(ir::condcodes::IntCC::Equal, thrown, wanted)
    }

    /// The values exception `exn` of tag `tag` carries.
    pub(super) fn exception_values(&mut self, exn: Value, tag: u32) -> Vec<Value> {
        let mut values = Vec::new();
        for (i, t) in self.tag_type(tag).into_iter().enumerate() {
            let at = vmctx::exn::VALUES + i as u32 * VALUE_SLOT_SIZE;
            let v = self
                .builder
                .ins()
                .load(ir_type(t), payload_flags(), exn, at as i32);
            self.track(v, t);
            values.push(v);
        }
        values
    }

    /// Dispatches exception `exn` against the catch clauses of the
    /// enclosing scopes whose frame is at most `outermost` (none for
    /// `None`), innermost first; if none matches, throws it to the
    /// callers.
    pub(super) fn throw_to(&mut self, exn: Value, outermost: Option<usize>) {
        let clauses = self.clauses_within(outermost);
        for clause in clauses {
            let Some(tag) = clause.tag else {
                self.land(clause, exn);
                self.reachable = false;
                return;
            };
            let matches = self.tag_matches(exn, tag);
            let landing = self.builder.create_block();
            let next = self.builder.create_block();
            self.builder.ins().brif(matches, landing, &[], next, &[]);
            self.builder.seal_block(landing);
            self.builder.seal_block(next);
            self.builder.switch_to_block(landing);
            self.land(clause, exn);
            self.builder.switch_to_block(next);
        }
        self.call_builtin(Builtin::ExnThrow, &[self.vmctx, exn]);
        self.trap(TrapKind::UncaughtException);
    }

    /// In the current block: unpacks `exn` as `clause` says and branches
    /// to the clause's label.
    fn land(&mut self, clause: Clause, exn: Value) {
        // A callee (or this function, before its throw) saved the fuel.
        self.fuel_reload();
        let mut args = match clause.tag {
            Some(tag) => self.exception_values(exn, tag),
            None => Vec::new(),
        };
        if clause.with_ref {
            args.push(exn);
        }
        let frame = match clause.target {
            ClauseTarget::Frame(frame) => frame,
            ClauseTarget::Block(block) => {
                self.builder.ins().jump(block, &block_args(&args));
                return;
            }
        };
        let frame = &mut self.control[frame];
        let target = match frame.kind {
            FrameKind::Loop(header) => header,
            _ => {
                frame.exit_reachable = true;
                frame.next
            }
        };
        self.builder.ins().jump(target, &block_args(&args));
    }

    /// Emits a tail call (`return_call`, `return_call_indirect`): the
    /// caller's frame, and with it any enclosing `try_table`, is gone
    /// before the callee runs.
    pub(super) fn emit_tail_call(&mut self, callee: Callee, args: &[Value]) {
        self.env.module.uses.record(wasm_features::TAIL_CALL);
        match callee {
            Callee::Direct(f) => {
                self.builder.ins().return_call(f, args);
            }
            Callee::Indirect(sig, code) => {
                self.builder.ins().return_call_indirect(sig, code, args);
            }
        }
        self.reachable = false;
    }

    /// Emits a call of `callee` with `args` returning values of wasm types
    /// `results` (tracked for the stack maps): a
    /// plain call outside `try_table`, else a `try_call` whose handlers are
    /// the enclosing catch clauses. Returns the call's results.
    pub(super) fn emit_call(
        &mut self,
        callee: Callee,
        args: &[Value],
        results: &[ValType],
    ) -> Vec<Value> {
        let catches = self.handler_scopes.iter().any(|s| !s.clauses.is_empty());
        if !catches {
            let call = match callee {
                Callee::Direct(f) => self.builder.ins().call(f, args),
                Callee::Indirect(sig, code) => self.builder.ins().call_indirect(sig, code, args),
            };
            let values = self.builder.inst_results(call).to_vec();
            self.track_all(&values, results);
            return values;
        }
        let clauses = self.active_clauses();
        let returned = self.new_block(results);
        let ret_args = (0..results.len() as u32).map(BlockArg::TryCallRet);
        let normal = BlockCall::new(returned, ret_args, &mut self.builder.func.dfg.value_lists);
        let ptr = self.env.pointer_type();
        let mut landings = Vec::new();
        let mut items = vec![ExceptionTableItem::Context(self.vmctx)];
        for clause in &clauses {
            let landing = self.builder.create_block();
            self.builder.append_block_param(landing, ptr);
            let call = BlockCall::new(
                landing,
                [BlockArg::TryCallExn(0)],
                &mut self.builder.func.dfg.value_lists,
            );
            items.push(match clause.tag {
                Some(tag) => ExceptionTableItem::Tag(ExceptionTag::from_u32(tag), call),
                None => ExceptionTableItem::Default(call),
            });
            landings.push(landing);
        }
        let sig = match callee {
            Callee::Direct(f) => self.builder.func.dfg.ext_funcs[f].signature,
            Callee::Indirect(sig, _) => sig,
        };
        let table = self
            .builder
            .func
            .dfg
            .exception_tables
            .push(ExceptionTableData::new(sig, normal, items));
        match callee {
            Callee::Direct(f) => {
                self.builder.ins().try_call(f, args, table);
            }
            Callee::Indirect(_, code) => {
                self.builder.ins().try_call_indirect(code, args, table);
            }
        }
        for (clause, landing) in clauses.into_iter().zip(landings) {
            self.builder.seal_block(landing);
            self.builder.switch_to_block(landing);
            let exn = self.builder.block_params(landing)[0];
            self.land(clause, exn);
        }
        self.builder.seal_block(returned);
        self.builder.switch_to_block(returned);
        self.builder.block_params(returned).to_vec()
    }
}
