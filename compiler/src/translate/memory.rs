//! Linear memory: loads and stores of every width, `memory.size` and
//! `memory.grow`. With guard pages the access itself faults when out of
//! bounds (recorded in the trap table); with explicit checks the effective
//! address is compared with the current length first. Both trap with
//! "out of bounds memory access". Wasm memory is little-endian everywhere.

use super::{Translator, trap_code, vmctx_flags};
use crate::error::Result;
use cranelift_codegen::ir::{
    self, Endianness, InstBuilder, MemFlagsData, Value, condcodes::IntCC, types,
};
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use waot_format::types::{BoundsStrategy, MemoryIndex};
use waot_format::vmctx;
use wasmparser::{MemArg, MemArgTarget, Operator};

/// How a load widens its result.
#[derive(Clone, Copy)]
enum Widen {
    None,
    Signed,
    Unsigned,
}

impl Translator<'_, '_> {
    /// Loads, stores, `memory.size`, `memory.grow`. Returns false for other
    /// operators.
    pub(super) fn memory_operator(&mut self, op: &Operator) -> Result<bool> {
        use Widen::{None, Signed, Unsigned};
        use types::{F32, F64, I8, I16, I32, I64};
        match *op {
            Operator::I32Load { memarg } => self.load(memarg, I32, I32, None),
            Operator::I64Load { memarg } => self.load(memarg, I64, I64, None),
            Operator::F32Load { memarg } => self.load(memarg, F32, F32, None),
            Operator::F64Load { memarg } => self.load(memarg, F64, F64, None),
            Operator::I32Load8S { memarg } => self.load(memarg, I8, I32, Signed),
            Operator::I32Load8U { memarg } => self.load(memarg, I8, I32, Unsigned),
            Operator::I32Load16S { memarg } => self.load(memarg, I16, I32, Signed),
            Operator::I32Load16U { memarg } => self.load(memarg, I16, I32, Unsigned),
            Operator::I64Load8S { memarg } => self.load(memarg, I8, I64, Signed),
            Operator::I64Load8U { memarg } => self.load(memarg, I8, I64, Unsigned),
            Operator::I64Load16S { memarg } => self.load(memarg, I16, I64, Signed),
            Operator::I64Load16U { memarg } => self.load(memarg, I16, I64, Unsigned),
            Operator::I64Load32S { memarg } => self.load(memarg, I32, I64, Signed),
            Operator::I64Load32U { memarg } => self.load(memarg, I32, I64, Unsigned),
            Operator::I32Store { memarg } | Operator::I64Store { memarg } => {
                self.store(memarg, Option::None)
            }
            Operator::F32Store { memarg } | Operator::F64Store { memarg } => {
                self.store(memarg, Option::None)
            }
            Operator::I32Store8 { memarg } | Operator::I64Store8 { memarg } => {
                self.store(memarg, Some(I8))
            }
            Operator::I32Store16 { memarg } | Operator::I64Store16 { memarg } => {
                self.store(memarg, Some(I16))
            }
            Operator::I64Store32 { memarg } => self.store(memarg, Some(I32)),
            Operator::MemorySize { mem } => {
                let len = self.memory_length(mem);
                let pages = self.builder.ins().ushr_imm_u(len, 16);
                let pages = if self.is_memory64(mem) {
                    pages
                } else {
                    self.builder.ins().ireduce(I32, pages)
                };
                self.push(pages);
            }
            Operator::MemoryGrow { mem } => {
                let delta = self.pop();
                let delta = self.wide_index(mem, delta);
                let index = self.builder.ins().iconst(I32, i64::from(mem));
                let vmctx = self.vmctx;
                let old = self.call_builtin(Builtin::MemoryGrow, &[vmctx, delta, index])[0];
                // -1 stays -1 when narrowed.
                let old = if self.is_memory64(mem) {
                    old
                } else {
                    self.builder.ins().ireduce(I32, old)
                };
                self.push(old);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The memory an access reads or writes.
    pub(super) fn memory_of(memarg: &MemArg) -> u32 {
        match memarg.target {
            MemArgTarget::Memory(m) => m,
            // GC arrays as `memarg` targets (multibyte-array-access) are
            // refused by validation before translation.
            MemArgTarget::Array(_) => unreachable!("validation refuses array memargs"),
        }
    }

    /// Whether memory `mem` is 64-bit indexed (memory64).
    pub(super) fn is_memory64(&self, mem: u32) -> bool {
        self.env.module.memory(MemoryIndex(mem)).memory64
    }

    /// Whether memory `mem` is shared (threads).
    pub(super) fn is_shared_memory(&self, mem: u32) -> bool {
        self.env.module.memory(MemoryIndex(mem)).shared
    }

    /// An address (or length) operand of memory `mem` as a 64-bit value:
    /// zero-extended for a 32-bit memory.
    pub(super) fn wide_index(&mut self, mem: u32, index: Value) -> Value {
        if self.is_memory64(mem) {
            index
        } else {
            self.builder.ins().uextend(types::I64, index)
        }
    }

    /// The address of memory `mem`'s `{ base, length }` record.
    fn memory_definition(&mut self, mem: u32) -> Value {
        let ptr = self.env.pointer_type();
        let flags = vmctx_flags().with_readonly().with_can_move();
        let at = self.env.offsets.memory(mem) as i32;
        self.builder.ins().load(ptr, flags, self.vmctx, at)
    }

    /// Traps with "out of bounds memory access" unless `index + end` (a
    /// 64-bit index, the access's offset plus size) is at most memory
    /// `mem`'s length: the explicit check, which instructions that access
    /// no memory (`memory.atomic.notify`) need with guard pages too. A
    /// 64-bit index plus `end` may wrap: that traps too.
    pub(super) fn bounds_check(&mut self, mem: u32, index: Value, end: u64) {
        let len = self.memory_length(mem);
        let code = trap_code(TrapKind::MemoryOutOfBounds);
        let last = if self.is_memory64(mem) {
            let end = self.builder.ins().iconst(types::I64, end as i64);
            self.builder.ins().uadd_overflow_trap(index, end, code)
        } else {
            self.builder.ins().iadd_imm_u(index, end as i64)
        };
        let oob = self
            .builder
            .ins()
            .icmp(IntCC::UnsignedGreaterThan, last, len);
        self.builder.ins().trapnz(oob, code);
    }

    fn memory_length(&mut self, mem: u32) -> Value {
        let def = self.memory_definition(mem);
        let at = vmctx::memory::LENGTH as i32;
        self.builder.ins().load(types::I64, vmctx_flags(), def, at)
    }

    /// The native address of `index + memarg.offset` for an access of
    /// `size` bytes, with the flags the access must carry.
    pub(super) fn address(
        &mut self,
        index: Value,
        memarg: MemArg,
        size: u32,
    ) -> (Value, MemFlagsData) {
        let ptr = self.env.pointer_type();
        let mem = Self::memory_of(&memarg);
        let index = self.wide_index(mem, index);
        // A 32-bit index plus an offset below the guard stays inside the
        // reservation; a 64-bit index can reach anywhere, so it is checked.
        let end = memarg.offset.saturating_add(u64::from(size));
        let guarded = self.env.bounds == BoundsStrategy::Guard
            && !self.is_memory64(mem)
            && end <= self.env.memory_guard;
        let little = MemFlagsData::new().with_endianness(Endianness::Little);
        let flags = if guarded {
            little
        } else {
            self.bounds_check(mem, index, end);
            little.with_notrap()
        };
        // Guard-page memories never move, so their base may be hoisted.
        let base_flags = match self.env.bounds {
            BoundsStrategy::Guard => vmctx_flags().with_readonly().with_can_move(),
            BoundsStrategy::Explicit => vmctx_flags(),
        };
        // The VM context's copy of the base: one load, not two.
        let at = self.env.offsets.memory_base(mem) as i32;
        let base = self.builder.ins().load(ptr, base_flags, self.vmctx, at);
        let addr = self.builder.ins().iadd(base, index);
        let addr = if memarg.offset == 0 {
            addr
        } else {
            self.builder.ins().iadd_imm_u(addr, memarg.offset as i64)
        };
        (addr, flags)
    }

    fn load(&mut self, memarg: MemArg, mem_ty: ir::Type, result_ty: ir::Type, extend: Widen) {
        let index = self.pop();
        let (addr, flags) = self.address(index, memarg, mem_ty.bytes());
        // A narrow load widens in the same instruction (`movzx`/`movsx` on
        // x86-64): a separate `uextend` after a `load.i8` costs one more.
        let ins = self.builder.ins();
        let v = match (extend, mem_ty.bits()) {
            (Widen::None, _) => ins.load(mem_ty, flags, addr, 0),
            (Widen::Unsigned, 8) => ins.uload8(result_ty, flags, addr, 0),
            (Widen::Signed, 8) => ins.sload8(result_ty, flags, addr, 0),
            (Widen::Unsigned, 16) => ins.uload16(result_ty, flags, addr, 0),
            (Widen::Signed, 16) => ins.sload16(result_ty, flags, addr, 0),
            (Widen::Unsigned, 32) => ins.uload32(flags, addr, 0),
            (Widen::Signed, 32) => ins.sload32(flags, addr, 0),
            (_, bits) => unreachable!("no {bits}-bit widening load in wasm"),
        };
        self.push(v);
    }

    /// Stores the top value, narrowed to `narrow` if given (in the store
    /// instruction itself, as `istore8` and its kin do).
    fn store(&mut self, memarg: MemArg, narrow: Option<ir::Type>) {
        let value = self.pop();
        let index = self.pop();
        let stored = narrow.unwrap_or_else(|| self.builder.func.dfg.value_type(value));
        let (addr, flags) = self.address(index, memarg, stored.bytes());
        let ins = self.builder.ins();
        match narrow.map(|t| t.bits()) {
            None => ins.store(flags, value, addr, 0),
            Some(8) => ins.istore8(flags, value, addr, 0),
            Some(16) => ins.istore16(flags, value, addr, 0),
            Some(32) => ins.istore32(flags, value, addr, 0),
            Some(bits) => unreachable!("no {bits}-bit narrowing store in wasm"),
        };
    }
}
