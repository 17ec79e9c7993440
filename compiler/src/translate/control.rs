//! Structured control flow: `block`, `loop`, `if`/`else`, `end`, branches,
//! `return`, `unreachable`, `nop`, `drop` and `select`, plus the skipping
//! of unreachable code.

use super::{Frame, FrameKind, Translator, block_args, ir_type};
use crate::error::Result;
use cranelift_codegen::ir::{self, InstBuilder, JumpTableData};
use std::collections::HashMap;
use waot_format::traps::TrapKind;
use waot_format::types::{TypeIndex, ValType};
use wasmparser::{BlockType, Operator};

impl Translator<'_, '_> {
    /// Parameter and result types of a block type.
    pub(super) fn block_signature(&self, bt: BlockType) -> Result<(Vec<ValType>, Vec<ValType>)> {
        Ok(match bt {
            BlockType::Empty => (vec![], vec![]),
            BlockType::Type(t) => (vec![], vec![self.env.module.value_type(t)?]),
            BlockType::FuncType(i) => {
                let ty = self.env.module.meta.func_type(TypeIndex(i));
                (ty.params.clone(), ty.results.clone())
            }
        })
    }

    /// A block whose parameters have wasm types `params` (tracked for the
    /// stack maps where the collector must find them).
    pub(super) fn new_block(&mut self, params: &[ValType]) -> ir::Block {
        let block = self.builder.create_block();
        for t in params {
            let v = self.builder.append_block_param(block, ir_type(*t));
            self.track(v, *t);
        }
        block
    }

    /// Opens a `block` (or `try_table`) frame of type `blockty`.
    pub(super) fn push_block(&mut self, blockty: BlockType) -> Result<()> {
        let (params, results) = self.block_signature(blockty)?;
        let next = self.new_block(&results);
        self.control.push(Frame {
            kind: FrameKind::Block,
            next,
            height: self.stack.len() - params.len(),
            num_params: params.len(),
            num_results: results.len(),
            exit_reachable: false,
            born_reachable: true,
        });
        Ok(())
    }

    /// Continues translation in `block`, whose parameters replace the
    /// stack above `height`.
    pub(super) fn enter_block(&mut self, block: ir::Block, height: usize) {
        self.builder.switch_to_block(block);
        self.stack.truncate(height);
        self.stack
            .extend_from_slice(self.builder.block_params(block));
    }

    /// Where a branch to frame `depth` goes (a loop's header, any other
    /// frame's exit, which becomes reachable) and the values it carries
    /// from the top of the stack.
    fn branch_target(&mut self, depth: usize) -> (ir::Block, Vec<ir::BlockArg>) {
        let index = self.control.len() - 1 - depth;
        let frame = &mut self.control[index];
        let (target, arity) = match frame.kind {
            FrameKind::Loop(header) => (header, frame.num_params),
            _ => {
                frame.exit_reachable = true;
                (frame.next, frame.num_results)
            }
        };
        (target, block_args(self.peek_n(arity)))
    }

    /// Branches to frame `depth` (with the values on top of the stack its
    /// label takes) when `cond` is non-zero, else goes on in a new block.
    pub(super) fn branch_if(&mut self, cond: ir::Value, depth: usize) {
        let fallthrough = self.builder.create_block();
        let (target, args) = self.branch_target(depth);
        self.builder
            .ins()
            .brif(cond, target, &args, fallthrough, &[]);
        self.builder.seal_block(fallthrough);
        self.builder.switch_to_block(fallthrough);
    }

    /// Jumps from the current block to frame `depth`. A branch to the
    /// function's own frame (`return`, or `br` to the outermost label)
    /// returns right here instead of jumping to one shared exit block, so
    /// each such path ends in its own epilogue (Cranelift does not
    /// duplicate tails; a call-heavy function's early exit saves a jump).
    pub(super) fn branch_to(&mut self, depth: usize) {
        if depth == self.control.len() - 1 {
            let results = self.peek_n(self.control[0].num_results).to_vec();
            self.fuel_save();
            self.builder.ins().return_(&results);
            return;
        }
        let (target, args) = self.branch_target(depth);
        self.builder.ins().jump(target, &args);
    }

    /// Falls through from the current block to the exit of the innermost
    /// frame, carrying its results (for `end` and `else`; for a `loop` this
    /// is not a branch to its header).
    pub(super) fn fall_through(&mut self) {
        let frame = self.control.last_mut().expect("inside a frame");
        frame.exit_reachable = true;
        let (next, arity) = (frame.next, frame.num_results);
        let args = block_args(self.peek_n(arity));
        self.builder.ins().jump(next, &args);
    }

    /// `block`, `loop`, `if`, `else`, `end`, branches, `return`,
    /// `unreachable`, `nop`, `drop`, `select`. Returns false for other
    /// operators.
    pub(super) fn control_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop();
                let (a, b) = self.pop2();
                let v = self.builder.ins().select(cond, a, b);
                if let Operator::TypedSelect { ty } = *op {
                    let ty = self.env.module.value_type(ty)?;
                    self.track(v, ty);
                }
                self.push(v);
            }
            Operator::Unreachable => self.trap(TrapKind::Unreachable),
            Operator::Block { blockty } => self.push_block(blockty)?,
            Operator::Loop { blockty } => {
                let (params, results) = self.block_signature(blockty)?;
                let header = self.new_block(&params);
                let next = self.new_block(&results);
                let args = block_args(self.peek_n(params.len()));
                self.builder.ins().jump(header, &args);
                let height = self.stack.len() - params.len();
                self.enter_block(header, height);
                self.control.push(Frame {
                    kind: FrameKind::Loop(header),
                    next,
                    height,
                    num_params: params.len(),
                    num_results: results.len(),
                    exit_reachable: false,
                    born_reachable: true,
                });
            }
            Operator::If { blockty } => {
                let cond = self.pop();
                let (params, results) = self.block_signature(blockty)?;
                let then_block = self.new_block(&params);
                let else_block = self.new_block(&params);
                let next = self.new_block(&results);
                let args = block_args(self.peek_n(params.len()));
                self.builder
                    .ins()
                    .brif(cond, then_block, &args, else_block, &args);
                self.builder.seal_block(then_block);
                self.builder.seal_block(else_block);
                let height = self.stack.len() - params.len();
                self.enter_block(then_block, height);
                self.control.push(Frame {
                    kind: FrameKind::If {
                        else_block,
                        else_seen: false,
                    },
                    next,
                    height,
                    num_params: params.len(),
                    num_results: results.len(),
                    exit_reachable: false,
                    born_reachable: true,
                });
            }
            Operator::Else => self.translate_else(),
            Operator::End => self.translate_end(),
            Operator::Br { relative_depth } => {
                self.branch_to(relative_depth as usize);
                self.reachable = false;
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop();
                self.branch_if(cond, relative_depth as usize);
            }
            Operator::BrTable { ref targets } => {
                let index = self.pop();
                let depths = targets
                    .targets()
                    .collect::<std::result::Result<Vec<u32>, _>>()?;
                let default = targets.default();
                self.translate_br_table(index, &depths, default);
            }
            Operator::Return => {
                self.branch_to(self.control.len() - 1);
                self.reachable = false;
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `br_table`: Cranelift jump tables carry no arguments, so targets
    /// that take values get an edge block each that passes them on.
    fn translate_br_table(&mut self, index: ir::Value, depths: &[u32], default: u32) {
        let mut edges: HashMap<u32, ir::Block> = HashMap::new();
        let mut edge = |t: &mut Self, depth: u32| -> ir::Block {
            if let Some(b) = edges.get(&depth) {
                return *b;
            }
            let b = t.builder.create_block();
            edges.insert(depth, b);
            b
        };
        let default_block = edge(self, default);
        let table: Vec<ir::BlockCall> = depths
            .iter()
            .map(|d| {
                let b = edge(self, *d);
                self.builder.func.dfg.block_call(b, &[])
            })
            .collect();
        let default_call = self.builder.func.dfg.block_call(default_block, &[]);
        let jt = self
            .builder
            .create_jump_table(JumpTableData::new(default_call, &table));
        self.builder.ins().br_table(index, jt);
        let mut edges: Vec<(u32, ir::Block)> = edges.into_iter().collect();
        edges.sort();
        for (depth, block) in edges {
            self.builder.seal_block(block);
            self.builder.switch_to_block(block);
            self.branch_to(depth as usize);
        }
        self.reachable = false;
    }

    fn translate_else(&mut self) {
        let frame = self.control.last_mut().expect("else inside if");
        let FrameKind::If { else_block, .. } = frame.kind else {
            unreachable!("validated else follows if")
        };
        frame.kind = FrameKind::If {
            else_block,
            else_seen: true,
        };
        if self.reachable {
            self.branch_to(0);
        }
        let frame = self.control.last().expect("frame");
        let (height, born) = (frame.height, frame.born_reachable);
        if born {
            self.enter_block(else_block, height);
        }
        self.reachable = born;
    }

    pub(super) fn translate_end(&mut self) {
        self.close_frame(Some(usize::MAX));
    }

    /// `delegate N`: the `try` ends like a block; what escapes its body
    /// goes to the handlers of the N-th label outside it (the caller's
    /// past the function's).
    pub(super) fn translate_delegate(&mut self, relative_depth: u32) {
        // Frames outside the try: depth 0 is the innermost of them.
        let outside = self.control.len() - 1;
        self.close_frame(outside.checked_sub(1 + relative_depth as usize));
    }

    /// Ends the innermost frame; a legacy `try`'s uncaught exceptions go
    /// to the scopes whose frame is at most `outermost`.
    fn close_frame(&mut self, outermost: Option<usize>) {
        if self.reachable {
            self.fall_through();
        }
        let mut frame = self.control.pop().expect("end closes a frame");
        self.leave_handler_scope(self.control.len());
        if let FrameKind::Try(state) = frame.kind {
            self.finish_try(state, outermost);
        }
        if let FrameKind::If {
            else_block,
            else_seen: false,
        } = frame.kind
            && frame.born_reachable
        {
            // `if` without `else`: the false edge passes the params through.
            self.builder.switch_to_block(else_block);
            let params = self.builder.block_params(else_block).to_vec();
            self.builder.ins().jump(frame.next, &block_args(&params));
            frame.exit_reachable = true;
        }
        self.finish_end(frame);
    }

    fn finish_end(&mut self, frame: Frame) {
        if let FrameKind::Loop(header) = frame.kind {
            self.builder.seal_block(header);
        }
        self.stack.truncate(frame.height);
        if frame.exit_reachable {
            self.builder.seal_block(frame.next);
            self.enter_block(frame.next, frame.height);
            self.reachable = true;
        } else {
            self.reachable = false;
        }
        if self.control.is_empty() {
            // The function's own frame: its exit block returns.
            if self.reachable {
                let results = self.stack.clone();
                self.fuel_save();
                self.builder.ins().return_(&results);
            }
            self.reachable = false;
        }
    }

    /// Skips code after a branch or trap, tracking nesting so the matching
    /// `else`/`end` makes code reachable again.
    pub(super) fn unreachable_operator(&mut self, op: &Operator) -> Result<()> {
        match *op {
            Operator::Block { .. }
            | Operator::Loop { .. }
            | Operator::If { .. }
            | Operator::TryTable { .. }
            | Operator::Try { .. } => {
                let next = self.builder.create_block();
                let kind = match op {
                    Operator::If { .. } => FrameKind::If {
                        else_block: next,
                        else_seen: false,
                    },
                    _ => FrameKind::Block,
                };
                self.control.push(Frame {
                    kind,
                    next,
                    height: self.stack.len(),
                    num_params: 0,
                    num_results: 0,
                    exit_reachable: false,
                    born_reachable: false,
                });
            }
            Operator::Else => self.translate_else(),
            Operator::End => self.translate_end(),
            Operator::Catch { tag_index } => self.translate_catch(Some(tag_index)),
            Operator::CatchAll => self.translate_catch(None),
            Operator::Delegate { relative_depth } => self.translate_delegate(relative_depth),
            _ => {}
        }
        Ok(())
    }
}
