//! Atomic memory instructions (threads proposal, Wasm 3.0): atomic loads,
//! stores, read-modify-writes and compare-exchanges of every width,
//! `memory.atomic.wait32/64`, `memory.atomic.notify` and `atomic.fence`.
//! Every access is bounds-checked as a plain one and must be naturally
//! aligned ("unaligned atomic" otherwise). waot runs wasm on one thread, so
//! `notify` wakes nobody (0) and a `wait` whose value matches sleeps for its
//! timeout (the `atomic_wait` builtin); on an unshared memory `wait` traps.

use super::{Translator, trap_code};
use crate::error::Result;
use cranelift_codegen::ir::{self, AtomicRmwOp, InstBuilder, Value, condcodes::IntCC, types};
use waot_format::builtins::Builtin;
use waot_format::traps::TrapKind;
use waot_format::types::wasm_features;
use wasmparser::{MemArg, Operator};

impl Translator<'_, '_> {
    /// Atomic operators. Returns false for other operators.
    pub(super) fn atomic_operator(&mut self, op: &Operator) -> Result<bool> {
        use AtomicRmwOp::{Add, And, Or, Sub, Xchg, Xor};
        use types::{I8, I16, I32, I64};
        match *op {
            Operator::AtomicFence { .. } => {
                self.builder.ins().fence();
            }
            Operator::MemoryAtomicNotify { memarg } => {
                let _count = self.pop();
                let index = self.pop();
                self.atomic_address(index, memarg, 4);
                // Nothing is accessed, so guard pages would not catch an
                // address out of bounds: check it.
                let wide = self.wide_index(Self::memory_of(&memarg), index);
                self.bounds_check(
                    Self::memory_of(&memarg),
                    wide,
                    memarg.offset.saturating_add(4),
                );
                let woken = self.builder.ins().iconst(I32, 0);
                self.push(woken);
            }
            Operator::MemoryAtomicWait32 { memarg } => self.wait(memarg, I32),
            Operator::MemoryAtomicWait64 { memarg } => self.wait(memarg, I64),
            Operator::I32AtomicLoad { memarg } => self.atomic_load(memarg, I32, I32),
            Operator::I64AtomicLoad { memarg } => self.atomic_load(memarg, I64, I64),
            Operator::I32AtomicLoad8U { memarg } => self.atomic_load(memarg, I8, I32),
            Operator::I32AtomicLoad16U { memarg } => self.atomic_load(memarg, I16, I32),
            Operator::I64AtomicLoad8U { memarg } => self.atomic_load(memarg, I8, I64),
            Operator::I64AtomicLoad16U { memarg } => self.atomic_load(memarg, I16, I64),
            Operator::I64AtomicLoad32U { memarg } => self.atomic_load(memarg, I32, I64),
            Operator::I32AtomicStore { memarg } => self.atomic_store(memarg, I32),
            Operator::I64AtomicStore { memarg } => self.atomic_store(memarg, I64),
            Operator::I32AtomicStore8 { memarg } | Operator::I64AtomicStore8 { memarg } => {
                self.atomic_store(memarg, I8)
            }
            Operator::I32AtomicStore16 { memarg } | Operator::I64AtomicStore16 { memarg } => {
                self.atomic_store(memarg, I16)
            }
            Operator::I64AtomicStore32 { memarg } => self.atomic_store(memarg, I32),
            Operator::I32AtomicRmwAdd { memarg } => self.rmw(memarg, I32, I32, Add),
            Operator::I64AtomicRmwAdd { memarg } => self.rmw(memarg, I64, I64, Add),
            Operator::I32AtomicRmw8AddU { memarg } => self.rmw(memarg, I8, I32, Add),
            Operator::I32AtomicRmw16AddU { memarg } => self.rmw(memarg, I16, I32, Add),
            Operator::I64AtomicRmw8AddU { memarg } => self.rmw(memarg, I8, I64, Add),
            Operator::I64AtomicRmw16AddU { memarg } => self.rmw(memarg, I16, I64, Add),
            Operator::I64AtomicRmw32AddU { memarg } => self.rmw(memarg, I32, I64, Add),
            Operator::I32AtomicRmwSub { memarg } => self.rmw(memarg, I32, I32, Sub),
            Operator::I64AtomicRmwSub { memarg } => self.rmw(memarg, I64, I64, Sub),
            Operator::I32AtomicRmw8SubU { memarg } => self.rmw(memarg, I8, I32, Sub),
            Operator::I32AtomicRmw16SubU { memarg } => self.rmw(memarg, I16, I32, Sub),
            Operator::I64AtomicRmw8SubU { memarg } => self.rmw(memarg, I8, I64, Sub),
            Operator::I64AtomicRmw16SubU { memarg } => self.rmw(memarg, I16, I64, Sub),
            Operator::I64AtomicRmw32SubU { memarg } => self.rmw(memarg, I32, I64, Sub),
            Operator::I32AtomicRmwAnd { memarg } => self.rmw(memarg, I32, I32, And),
            Operator::I64AtomicRmwAnd { memarg } => self.rmw(memarg, I64, I64, And),
            Operator::I32AtomicRmw8AndU { memarg } => self.rmw(memarg, I8, I32, And),
            Operator::I32AtomicRmw16AndU { memarg } => self.rmw(memarg, I16, I32, And),
            Operator::I64AtomicRmw8AndU { memarg } => self.rmw(memarg, I8, I64, And),
            Operator::I64AtomicRmw16AndU { memarg } => self.rmw(memarg, I16, I64, And),
            Operator::I64AtomicRmw32AndU { memarg } => self.rmw(memarg, I32, I64, And),
            Operator::I32AtomicRmwOr { memarg } => self.rmw(memarg, I32, I32, Or),
            Operator::I64AtomicRmwOr { memarg } => self.rmw(memarg, I64, I64, Or),
            Operator::I32AtomicRmw8OrU { memarg } => self.rmw(memarg, I8, I32, Or),
            Operator::I32AtomicRmw16OrU { memarg } => self.rmw(memarg, I16, I32, Or),
            Operator::I64AtomicRmw8OrU { memarg } => self.rmw(memarg, I8, I64, Or),
            Operator::I64AtomicRmw16OrU { memarg } => self.rmw(memarg, I16, I64, Or),
            Operator::I64AtomicRmw32OrU { memarg } => self.rmw(memarg, I32, I64, Or),
            Operator::I32AtomicRmwXor { memarg } => self.rmw(memarg, I32, I32, Xor),
            Operator::I64AtomicRmwXor { memarg } => self.rmw(memarg, I64, I64, Xor),
            Operator::I32AtomicRmw8XorU { memarg } => self.rmw(memarg, I8, I32, Xor),
            Operator::I32AtomicRmw16XorU { memarg } => self.rmw(memarg, I16, I32, Xor),
            Operator::I64AtomicRmw8XorU { memarg } => self.rmw(memarg, I8, I64, Xor),
            Operator::I64AtomicRmw16XorU { memarg } => self.rmw(memarg, I16, I64, Xor),
            Operator::I64AtomicRmw32XorU { memarg } => self.rmw(memarg, I32, I64, Xor),
            Operator::I32AtomicRmwXchg { memarg } => self.rmw(memarg, I32, I32, Xchg),
            Operator::I64AtomicRmwXchg { memarg } => self.rmw(memarg, I64, I64, Xchg),
            Operator::I32AtomicRmw8XchgU { memarg } => self.rmw(memarg, I8, I32, Xchg),
            Operator::I32AtomicRmw16XchgU { memarg } => self.rmw(memarg, I16, I32, Xchg),
            Operator::I64AtomicRmw8XchgU { memarg } => self.rmw(memarg, I8, I64, Xchg),
            Operator::I64AtomicRmw16XchgU { memarg } => self.rmw(memarg, I16, I64, Xchg),
            Operator::I64AtomicRmw32XchgU { memarg } => self.rmw(memarg, I32, I64, Xchg),
            Operator::I32AtomicRmwCmpxchg { memarg } => self.cmpxchg(memarg, I32, I32),
            Operator::I64AtomicRmwCmpxchg { memarg } => self.cmpxchg(memarg, I64, I64),
            Operator::I32AtomicRmw8CmpxchgU { memarg } => self.cmpxchg(memarg, I8, I32),
            Operator::I32AtomicRmw16CmpxchgU { memarg } => self.cmpxchg(memarg, I16, I32),
            Operator::I64AtomicRmw8CmpxchgU { memarg } => self.cmpxchg(memarg, I8, I64),
            Operator::I64AtomicRmw16CmpxchgU { memarg } => self.cmpxchg(memarg, I16, I64),
            Operator::I64AtomicRmw32CmpxchgU { memarg } => self.cmpxchg(memarg, I32, I64),
            _ => return Ok(false),
        }
        self.env.module.uses.record(wasm_features::THREADS);
        Ok(true)
    }

    /// The native address of an atomic access of `size` bytes: trapping
    /// with "unaligned atomic" unless the effective address is a multiple
    /// of `size` (checked first, as the reference interpreter and Wasmtime
    /// do), then bounds-checked like any access.
    fn atomic_address(&mut self, index: Value, memarg: MemArg, size: u32) -> Value {
        if size > 1 {
            let wide = self.wide_index(Self::memory_of(&memarg), index);
            let effective = self.builder.ins().iadd_imm_u(wide, memarg.offset as i64);
            let low = self
                .builder
                .ins()
                .band_imm_u(effective, i64::from(size - 1));
            self.builder
                .ins()
                .trapnz(low, trap_code(TrapKind::UnalignedAtomic));
        }
        self.address(index, memarg, size).0
    }

    fn atomic_flags() -> ir::MemFlagsData {
        ir::MemFlagsData::new().with_endianness(ir::Endianness::Little)
    }

    fn atomic_load(&mut self, memarg: MemArg, mem_ty: ir::Type, result_ty: ir::Type) {
        let index = self.pop();
        let addr = self.atomic_address(index, memarg, mem_ty.bytes());
        let v = self
            .builder
            .ins()
            .atomic_load(mem_ty, Self::atomic_flags(), addr);
        let v = self.widen(v, mem_ty, result_ty);
        self.push(v);
    }

    fn atomic_store(&mut self, memarg: MemArg, mem_ty: ir::Type) {
        let value = self.pop();
        let index = self.pop();
        let value = self.narrow(value, mem_ty);
        let addr = self.atomic_address(index, memarg, mem_ty.bytes());
        self.builder
            .ins()
            .atomic_store(Self::atomic_flags(), value, addr);
    }

    fn rmw(&mut self, memarg: MemArg, mem_ty: ir::Type, result_ty: ir::Type, op: AtomicRmwOp) {
        let value = self.pop();
        let index = self.pop();
        let value = self.narrow(value, mem_ty);
        let addr = self.atomic_address(index, memarg, mem_ty.bytes());
        let old = self
            .builder
            .ins()
            .atomic_rmw(mem_ty, Self::atomic_flags(), op, addr, value);
        let old = self.widen(old, mem_ty, result_ty);
        self.push(old);
    }

    fn cmpxchg(&mut self, memarg: MemArg, mem_ty: ir::Type, result_ty: ir::Type) {
        let replacement = self.pop();
        let expected = self.pop();
        let index = self.pop();
        let expected = self.narrow(expected, mem_ty);
        let replacement = self.narrow(replacement, mem_ty);
        let addr = self.atomic_address(index, memarg, mem_ty.bytes());
        let old = self
            .builder
            .ins()
            .atomic_cas(Self::atomic_flags(), addr, expected, replacement);
        let old = self.widen(old, mem_ty, result_ty);
        self.push(old);
    }

    /// `memory.atomic.wait32/64`: 1 ("not-equal") when the value differs,
    /// else the builtin sleeps for the timeout and returns 2 ("timed-out");
    /// on an unshared memory it traps.
    fn wait(&mut self, memarg: MemArg, ty: ir::Type) {
        let timeout = self.pop();
        let expected = self.pop();
        let index = self.pop();
        let addr = self.atomic_address(index, memarg, ty.bytes());
        if !self.is_shared_memory(Self::memory_of(&memarg)) {
            let wide = self.wide_index(Self::memory_of(&memarg), index);
            let end = memarg.offset.saturating_add(u64::from(ty.bytes()));
            self.bounds_check(Self::memory_of(&memarg), wide, end);
            self.trap(TrapKind::ExpectedSharedMemory);
            return;
        }
        let current = self
            .builder
            .ins()
            .atomic_load(ty, Self::atomic_flags(), addr);
        let differs = self.builder.ins().icmp(IntCC::NotEqual, current, expected);
        let not_equal = self.builder.create_block();
        let equal = self.builder.create_block();
        let done = self.builder.create_block();
        let result = self.builder.append_block_param(done, types::I32);
        self.builder.ins().brif(differs, not_equal, &[], equal, &[]);
        self.builder.seal_block(not_equal);
        self.builder.seal_block(equal);
        self.builder.switch_to_block(not_equal);
        let one = self.builder.ins().iconst(types::I32, 1);
        self.builder.ins().jump(done, &[ir::BlockArg::Value(one)]);
        self.builder.switch_to_block(equal);
        let vmctx = self.vmctx;
        let timed_out = self.call_builtin(Builtin::AtomicWait, &[vmctx, timeout])[0];
        self.builder
            .ins()
            .jump(done, &[ir::BlockArg::Value(timed_out)]);
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
        self.push(result);
    }

    fn narrow(&mut self, v: Value, to: ir::Type) -> Value {
        if self.builder.func.dfg.value_type(v) == to {
            v
        } else {
            self.builder.ins().ireduce(to, v)
        }
    }

    fn widen(&mut self, v: Value, from: ir::Type, to: ir::Type) -> Value {
        if from == to {
            v
        } else {
            self.builder.ins().uextend(to, v)
        }
    }
}
