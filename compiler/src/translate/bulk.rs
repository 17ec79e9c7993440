//! Bulk memory: `memory.copy`, `memory.fill`, `memory.init` and
//! `data.drop`, implemented by builtins that check bounds before touching
//! memory (so an out-of-bounds operation writes nothing) and report it for
//! the trap "out of bounds memory access". Addresses and lengths reach the
//! builtins as 64-bit values whatever the memory's index type.

use super::Translator;
use crate::error::Result;
use cranelift_codegen::ir::{InstBuilder, types};
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use wasmparser::Operator;

impl Translator<'_, '_> {
    /// Bulk memory operators. Returns false for other operators.
    pub(super) fn bulk_operator(&mut self, op: &Operator) -> Result<bool> {
        let vmctx = self.vmctx;
        match *op {
            Operator::MemoryCopy { dst_mem, src_mem } => {
                let (src, len) = self.pop2();
                let dst = self.pop();
                let dst = self.wide_index(dst_mem, dst);
                let src = self.wide_index(src_mem, src);
                // The length is 64-bit only when both memories are.
                let len = if self.is_memory64(dst_mem) && self.is_memory64(src_mem) {
                    len
                } else {
                    self.builder.ins().uextend(types::I64, len)
                };
                let d = self.builder.ins().iconst(types::I32, i64::from(dst_mem));
                let s = self.builder.ins().iconst(types::I32, i64::from(src_mem));
                self.checked_builtin(
                    Builtin::MemoryCopy,
                    &[vmctx, d, s, dst, src, len],
                    TrapKind::MemoryOutOfBounds,
                );
            }
            Operator::MemoryFill { mem } => {
                let (value, len) = self.pop2();
                let dst = self.pop();
                let dst = self.wide_index(mem, dst);
                let len = self.wide_index(mem, len);
                let m = self.builder.ins().iconst(types::I32, i64::from(mem));
                self.checked_builtin(
                    Builtin::MemoryFill,
                    &[vmctx, m, dst, value, len],
                    TrapKind::MemoryOutOfBounds,
                );
            }
            Operator::MemoryInit { data_index, mem } => {
                let (src, len) = self.pop2();
                let dst = self.pop();
                let dst = self.wide_index(mem, dst);
                let m = self.builder.ins().iconst(types::I32, i64::from(mem));
                let seg = self.builder.ins().iconst(types::I32, i64::from(data_index));
                self.checked_builtin(
                    Builtin::MemoryInit,
                    &[vmctx, m, seg, dst, src, len],
                    TrapKind::MemoryOutOfBounds,
                );
            }
            Operator::DataDrop { data_index } => {
                let seg = self.builder.ins().iconst(types::I32, i64::from(data_index));
                self.call_builtin(Builtin::DataDrop, &[vmctx, seg]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }
}
