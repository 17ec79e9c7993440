//! Locals and globals: `local.get/set/tee` map to Cranelift variables;
//! a global lives in a 16-byte slot: a defined global's in the VM context
//! itself, an imported one's wherever the VM context's pointer says.

use super::{Translator, ir_type, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{self, InstBuilder, Value};
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
                let (slot, ty, mutable) = self.global_slot(GlobalIndex(global_index));
                let flags = if mutable {
                    global_flags()
                } else {
                    global_flags().with_readonly().with_can_move()
                };
                let v = self.builder.ins().load(ty, flags, slot.base, slot.offset);
                let wasm_type = self.env.module.global_types[global_index as usize].0;
                self.track(v, wasm_type);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let (slot, _, _) = self.global_slot(GlobalIndex(global_index));
                let v = self.pop();
                self.builder
                    .ins()
                    .store(global_flags(), v, slot.base, slot.offset);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Where a global's slot is, its type and mutability: a defined
    /// global's at a fixed offset of the VM context (format 2.19), an
    /// imported one's behind the VM context's pointer to it.
    fn global_slot(&mut self, index: GlobalIndex) -> (GlobalSlot, ir::Type, bool) {
        let (ty, mutable) = self.env.module.global_types[index.index()];
        let slot = match self.env.module.space.defined_global(index) {
            Some(defined) => GlobalSlot {
                base: self.vmctx,
                offset: self.env.offsets.defined_global_value(defined) as i32,
            },
            None => {
                let ptr = self.env.pointer_type();
                let flags = vmctx_flags().with_readonly().with_can_move();
                let at = self.env.offsets.global(index.0) as i32;
                GlobalSlot {
                    base: self.builder.ins().load(ptr, flags, self.vmctx, at),
                    offset: 0,
                }
            }
        };
        (slot, ir_type(ty), mutable)
    }
}

/// A global's slot: `offset` bytes from `base`.
struct GlobalSlot {
    base: Value,
    offset: i32,
}

/// Memory flags for a global's value: a global slot is a `ValRaw`, which
/// holds its value little-endian on every target (SPEC.md), as the loader
/// writes it.
fn global_flags() -> ir::MemFlagsData {
    vmctx_flags().with_endianness(ir::Endianness::Little)
}
