//! Locals and globals: `local.get/set/tee` map to Cranelift variables;
//! globals live in 16-byte slots of the VM context.

use super::{Translator, ir_type, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::InstBuilder;
use waot_format::types::GlobalIndex;
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// `local.*` and `global.*`. Returns false for other operators.
    pub(super) fn variable_operator(&mut self, op: &Operator) -> Result<bool> {
        match *op {
            Operator::LocalGet { local_index } => {
                let v = self.builder.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.builder.def_var(self.locals[local_index as usize], v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().expect("validated tee has an operand");
                self.builder.def_var(self.locals[local_index as usize], v);
            }
            Operator::GlobalGet { global_index } => {
                let (offset, ty, mutable) = self.global_slot(GlobalIndex(global_index));
                let flags = if mutable {
                    vmctx_flags()
                } else {
                    vmctx_flags().with_readonly().with_can_move()
                };
                let v = self
                    .builder
                    .ins()
                    .load(ty, flags, self.vmctx, offset as i32);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let (offset, _, _) = self.global_slot(GlobalIndex(global_index));
                let v = self.pop();
                self.builder
                    .ins()
                    .store(vmctx_flags(), v, self.vmctx, offset as i32);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// VM context offset, type and mutability of a (defined) global.
    fn global_slot(&self, index: GlobalIndex) -> (u32, cranelift_codegen::ir::Type, bool) {
        let g = &self.env.module.globals[index.index()];
        (
            self.env.offsets.defined_global(index.0),
            ir_type(g.ty),
            g.mutable,
        )
    }
}
