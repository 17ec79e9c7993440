//! The legacy exception encoding that LLVM and Emscripten still emit by
//! default: `try` with `catch TAG` and `catch_all` clauses, `rethrow N`
//! and `delegate N`, lowered onto the machinery of `try_table`
//! (`exceptions.rs`).
//!
//! A `try` opens a handler scope with one catch-all clause whose target is
//! the try's *dispatch* block, not a label: calls in its body land there
//! with the exception, and a `throw` jumps there. The catch clauses come
//! after the body, so the dispatch code is written as they appear: each
//! `catch TAG` adds a tag test to the chain that ends in the current
//! *cursor* block, `catch_all` ends it; what no clause matches is thrown
//! again to the scopes outside the try (`end`), or to those outside the
//! label a `delegate` names. The exception is kept in a variable so that
//! `rethrow N` throws the one the N-th enclosing catch caught.

use super::exceptions::{Clause, HandlerScope};
use super::{FrameKind, Translator};
use crate::error::Result;
use cranelift_codegen::ir::{self, InstBuilder};
use cranelift_frontend::Variable;
use waot_format::types::{ValType, wasm_features};
use wasmparser::Operator;

/// Where a legacy `try` is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct TryState {
    /// Where exceptions from the body land, the exception its parameter.
    dispatch: ir::Block,
    /// Where the next catch clause's test goes; `None` after `catch_all`.
    cursor: Option<ir::Block>,
    /// The exception being handled, for `rethrow`.
    exn: Variable,
    /// A catch clause has begun (the body is done).
    in_catch: bool,
}

impl Translator<'_, '_> {
    /// `try`, `catch`, `catch_all`, `rethrow`, `delegate`. Returns false
    /// for other operators.
    pub(super) fn legacy_exception_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::Try { blockty } => {
                self.env
                    .module
                    .uses
                    .record(wasm_features::EXCEPTIONS | wasm_features::LEGACY_EXCEPTIONS);
                self.push_block(blockty)?;
                let ptr = self.env.pointer_type();
                let dispatch = self.new_block(&[ValType::ExnRef]);
                let exn = self.builder.declare_var(ptr);
                let index = self.control.len() - 1;
                self.control[index].kind = FrameKind::Try(TryState {
                    dispatch,
                    cursor: Some(dispatch),
                    exn,
                    in_catch: false,
                });
                self.handler_scopes
                    .push(HandlerScope::new(index, vec![Clause::to_block(dispatch)]));
            }
            Operator::Catch { tag_index } => self.translate_catch(Some(tag_index)),
            Operator::CatchAll => self.translate_catch(None),
            Operator::Rethrow { relative_depth } => {
                let index = self.control.len() - 1 - relative_depth as usize;
                let FrameKind::Try(state) = self.control[index].kind else {
                    unreachable!("validated: rethrow names a catch")
                };
                let exn = self.builder.use_var(state.exn);
                self.throw_exception(exn);
            }
            Operator::Delegate { relative_depth } => self.translate_delegate(relative_depth),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Ends the body: no more landings reach the dispatch block.
    fn finish_body(&mut self, state: &mut TryState) {
        if !state.in_catch {
            state.in_catch = true;
            self.builder.seal_block(state.dispatch);
        }
    }

    /// Continues in dispatch block `cursor`; the exception is defined in
    /// the first of them.
    fn enter_cursor(&mut self, state: &TryState, cursor: ir::Block) -> ir::Value {
        self.builder.switch_to_block(cursor);
        if cursor == state.dispatch {
            let exn = self.builder.block_params(cursor)[0];
            self.builder.def_var(state.exn, exn);
        }
        self.builder.use_var(state.exn)
    }

    /// `catch TAG` (`Some`) or `catch_all` (`None`): the body, or the
    /// previous clause, ends; this clause's test joins the dispatch chain.
    pub(super) fn translate_catch(&mut self, tag: Option<u32>) {
        let index = self.control.len() - 1;
        let FrameKind::Try(mut state) = self.control[index].kind else {
            // A `try` met in unreachable code: nothing reaches its clauses.
            self.reachable = false;
            return;
        };
        if !state.in_catch {
            // Exceptions from the clauses are not this try's to catch.
            self.leave_handler_scope(index);
        }
        if self.reachable {
            self.fall_through();
        }
        self.finish_body(&mut state);
        let height = self.control[index].height;
        self.stack.truncate(height);
        let Some(cursor) = state.cursor else {
            unreachable!("validated: nothing follows catch_all")
        };
        let exn = self.enter_cursor(&state, cursor);
        let clause = self.builder.create_block();
        match tag {
            Some(tag) => {
                let next = self.builder.create_block();
                let matches = self.tag_matches(exn, tag);
                self.builder.ins().brif(matches, clause, &[], next, &[]);
                self.builder.seal_block(next);
                state.cursor = Some(next);
            }
            None => {
                self.builder.ins().jump(clause, &[]);
                state.cursor = None;
            }
        }
        self.builder.seal_block(clause);
        self.builder.switch_to_block(clause);
        // A callee (or this function, before its throw) saved the fuel.
        self.fuel_reload();
        if let Some(tag) = tag {
            let values = self.exception_values(exn, tag);
            self.stack.extend(values);
        }
        self.control[index].kind = FrameKind::Try(state);
        self.reachable = true;
    }

    /// The end of a `try`'s frame (already popped, its scope left): what
    /// no clause caught is thrown to the scopes whose frame is at most
    /// `outermost` (those outside the try for `end`; outside the label a
    /// `delegate` names). The current block is done (a fall-through or
    /// unreachable).
    pub(super) fn finish_try(&mut self, mut state: TryState, outermost: Option<usize>) {
        self.finish_body(&mut state);
        if let Some(cursor) = state.cursor {
            let exn = self.enter_cursor(&state, cursor);
            self.throw_to(exn, outermost);
        }
    }
}
