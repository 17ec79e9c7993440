//! Interruption checks, compiled in only on request (`waot compile
//! --fuel`, `--epoch-interruption`): fuel counted per operator the way
//! Wasmtime counts it, and epoch deadlines, both read from the runtime
//! limits block the VM context points to (`vmctx::runtime_limits`).
//!
//! Fuel: the block holds the fuel consumed as a negative number counting
//! up. A function keeps it in a variable: each operator adds its cost to a
//! count known at compile time, which is added to the variable where
//! control flow leaves straight-line code; the variable is written back
//! before calls, throws, traps and returns, and read again after calls
//! and in exception landing pads. Function entries (which cost 1) and loop
//! headers trap with "all fuel consumed" when it is not negative.
//!
//! Epoch: function entries and loop headers trap with "interrupted" when
//! the current epoch has reached the block's deadline.

use super::{Translator, trap_code, vmctx_flags};
use cranelift_codegen::ir::{InstBuilder, InstructionData, Opcode, Value, condcodes::IntCC, types};
use waot_format::traps::TrapKind;
use waot_format::vmctx::{self, runtime_limits};
use wasmparser::Operator;

/// Fuel an operator costs: Wasmtime's default table (nothing for `nop`,
/// `drop` and the structured control operators that generate no code, 1
/// for everything else).
fn cost(op: &Operator) -> i64 {
    match op {
        Operator::Nop
        | Operator::Drop
        | Operator::Block { .. }
        | Operator::Loop { .. }
        | Operator::Unreachable
        | Operator::Return
        | Operator::Else
        | Operator::End => 0,
        // The legacy encoding, which Wasmtime does not run: its structure
        // costs what `block`, `else` and `end` cost.
        Operator::Try { .. }
        | Operator::Catch { .. }
        | Operator::CatchAll
        | Operator::Delegate { .. } => 0,
        _ => 1,
    }
}

/// Fuel a function entry costs (as Wasmtime 49 counts it: an empty
/// function needs 2 units of fuel to run).
const ENTRY_COST: i64 = 1;

/// Operators whose work grows with an operand (the top of the stack):
/// they also cost 1 per byte, element, page or table slot it asks for, as
/// Wasmtime counts them. A constant amount up to
/// [`SMALL_PROPORTIONAL_COST`] is charged with the operator, whatever
/// happens (a grow that fails included); any other after the operation.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proportional {
    /// `memory.fill`, `.copy`, `.init`, `table.fill`, `.copy`, `.init`:
    /// charged after the work.
    Bulk,
    /// `memory.grow`, `table.grow`: charged only when the growth succeeds.
    Grow,
}

fn proportional(op: &Operator) -> Option<Proportional> {
    match op {
        Operator::MemoryFill { .. }
        | Operator::MemoryCopy { .. }
        | Operator::MemoryInit { .. }
        | Operator::TableFill { .. }
        | Operator::TableCopy { .. }
        | Operator::TableInit { .. } => Some(Proportional::Bulk),
        Operator::MemoryGrow { .. } | Operator::TableGrow { .. } => Some(Proportional::Grow),
        _ => None,
    }
}

/// A proportional cost up to this much, known at compile time, is added
/// to the count like an operator's; a larger or unknown one is charged at
/// run time and checked at once (Wasmtime's `SMALL_BULK_OP_COST`).
const SMALL_PROPORTIONAL_COST: u64 = 128;

/// Where fuel must be accounted for around an operator.
#[derive(Clone, Copy, PartialEq, Eq)]
enum FuelPoint {
    /// Straight-line code: the cost waits in the compile-time count.
    None,
    /// Control leaves straight-line code: add the count to the variable.
    Flush,
    /// Control leaves the function, or code that reads the block runs
    /// next: add the count and write the variable back.
    Save,
}

fn fuel_point(op: &Operator) -> FuelPoint {
    match op {
        Operator::Unreachable
        | Operator::Call { .. }
        | Operator::CallIndirect { .. }
        | Operator::CallRef { .. }
        | Operator::ReturnCall { .. }
        | Operator::ReturnCallIndirect { .. }
        | Operator::ReturnCallRef { .. }
        | Operator::Throw { .. }
        | Operator::ThrowRef
        | Operator::Rethrow { .. } => FuelPoint::Save,
        Operator::Loop { .. }
        | Operator::If { .. }
        | Operator::Br { .. }
        | Operator::BrIf { .. }
        | Operator::BrTable { .. }
        | Operator::BrOnNull { .. }
        | Operator::BrOnNonNull { .. }
        | Operator::TryTable { .. }
        | Operator::Try { .. }
        | Operator::Catch { .. }
        | Operator::CatchAll
        | Operator::Delegate { .. }
        | Operator::Return
        | Operator::End
        | Operator::Else => FuelPoint::Flush,
        _ => FuelPoint::None,
    }
}

/// The interruption state of the function being translated.
#[derive(Default)]
pub(crate) struct InterruptState {
    /// The runtime limits block (loaded once in the entry block).
    limits: Option<Value>,
    /// The fuel-consumed variable, when fuel is counted.
    fuel: Option<cranelift_frontend::Variable>,
    /// Cost of the operators since the last flush.
    pending: i64,
    /// Whether epoch checks are compiled in.
    epoch: bool,
    /// The delta of a `memory.grow` or `table.grow` being translated,
    /// charged after it when it succeeds.
    grow_delta: Option<Value>,
    /// The length of a bulk operation being translated, charged after it.
    bulk_length: Option<Value>,
}

impl Translator<'_, '_> {
    /// At the end of the prologue: loads the limits block and the fuel,
    /// charges the function entry, and checks fuel and epoch.
    pub(super) fn interrupt_entry(&mut self) {
        let wanted = self.env.interruption;
        if !wanted.any() {
            return;
        }
        let ptr = self.env.pointer_type();
        let limits = self.builder.ins().load(
            ptr,
            vmctx_flags().with_readonly(),
            self.vmctx,
            vmctx::RUNTIME_LIMITS as i32,
        );
        self.interrupt.limits = Some(limits);
        self.interrupt.epoch = wanted.epoch;
        if wanted.fuel {
            let var = self.builder.declare_var(types::I64);
            self.interrupt.fuel = Some(var);
            self.fuel_reload();
            self.interrupt.pending = ENTRY_COST;
        }
        self.interrupt_check();
    }

    /// Before a reachable operator: counts its cost and flushes or saves
    /// the count where control leaves straight-line code.
    pub(super) fn fuel_before_op(&mut self, op: &Operator) {
        if self.interrupt.fuel.is_none() {
            return;
        }
        self.interrupt.pending += cost(op);
        match fuel_point(op) {
            FuelPoint::None => {}
            FuelPoint::Flush => self.fuel_flush(),
            FuelPoint::Save => self.fuel_save(),
        }
        let Some(kind) = proportional(op) else {
            return;
        };
        let amount = *self.stack.last().expect("validated operand");
        match self.constant(amount) {
            Some(n) if n <= SMALL_PROPORTIONAL_COST => self.interrupt.pending += n as i64,
            // Charged after the operation, which traps first when out of
            // bounds (as Wasmtime does since its fix for huge lengths).
            _ if kind == Proportional::Bulk => self.interrupt.bulk_length = Some(amount),
            _ => self.interrupt.grow_delta = Some(amount),
        }
    }

    /// The value of `v` when an `iconst` defines it.
    fn constant(&self, v: Value) -> Option<u64> {
        let dfg = &self.builder.func.dfg;
        let inst = dfg.value_def(v).inst()?;
        match dfg.insts[inst] {
            InstructionData::UnaryImm {
                opcode: Opcode::Iconst,
                imm,
            } => {
                let bits = dfg.value_type(v).bits();
                let value = imm.bits() as u64;
                Some(if bits < 64 {
                    value & ((1 << bits) - 1)
                } else {
                    value
                })
            }
            _ => None,
        }
    }

    /// Adds the run-time amount `amount` (an `i32` or `i64`, unsigned) to
    /// the fuel variable.
    fn fuel_charge(&mut self, amount: Value) {
        let Some(var) = self.interrupt.fuel else {
            return;
        };
        self.fuel_flush();
        let amount = if self.builder.func.dfg.value_type(amount) == types::I64 {
            amount
        } else {
            self.builder.ins().uextend(types::I64, amount)
        };
        // At most 2^62 at a time: the sum never wraps, even from the
        // unlimited start (i64::MIN), and an operation that long runs out
        // of fuel anyway.
        let cap = self.builder.ins().iconst(types::I64, 1 << 62);
        let amount = self.builder.ins().umin(amount, cap);
        let fuel = self.builder.use_var(var);
        let fuel = self.builder.ins().iadd(fuel, amount);
        self.builder.def_var(var, fuel);
    }

    /// After a `memory.grow` or `table.grow` whose delta is charged at run
    /// time: charges it and checks, when the growth succeeded.
    fn fuel_after_grow(&mut self) {
        let Some(delta) = self.interrupt.grow_delta.take() else {
            return;
        };
        let result = *self.stack.last().expect("grow result");
        // Both edges carry what was counted so far.
        self.fuel_flush();
        let failed = self.builder.ins().icmp_imm_s(IntCC::Equal, result, -1);
        let grew = self.builder.create_block();
        let done = self.builder.create_block();
        self.builder.ins().brif(failed, done, &[], grew, &[]);
        self.builder.seal_block(grew);
        self.builder.switch_to_block(grew);
        self.fuel_charge(delta);
        self.interrupt_check();
        self.builder.ins().jump(done, &[]);
        self.builder.seal_block(done);
        self.builder.switch_to_block(done);
    }

    /// After an operator: a call may have consumed fuel, so the variable is
    /// read again; a loop header checks fuel and epoch.
    pub(super) fn interrupt_after_op(&mut self, op: &Operator, was_reachable: bool) {
        if !was_reachable || self.interrupt.limits.is_none() {
            return;
        }
        match op {
            Operator::Call { .. } | Operator::CallIndirect { .. } | Operator::CallRef { .. }
                if self.reachable =>
            {
                self.fuel_reload()
            }
            Operator::Loop { .. } => self.interrupt_check(),
            Operator::MemoryGrow { .. } | Operator::TableGrow { .. } => self.fuel_after_grow(),
            _ if self.interrupt.bulk_length.is_some() => {
                let length = self.interrupt.bulk_length.take().expect("a bulk length");
                self.fuel_charge(length);
                self.interrupt_check();
            }
            _ => {}
        }
    }

    /// Forgets the pending count (code that ends in a trap).
    pub(super) fn interrupt_discard_pending(&mut self) {
        self.interrupt.pending = 0;
    }

    /// Adds the pending count to the fuel variable.
    fn fuel_flush(&mut self) {
        let Some(var) = self.interrupt.fuel else {
            return;
        };
        let pending = std::mem::take(&mut self.interrupt.pending);
        if pending != 0 {
            let fuel = self.builder.use_var(var);
            let fuel = self.builder.ins().iadd_imm_s(fuel, pending);
            self.builder.def_var(var, fuel);
        }
    }

    /// Flushes, then writes the fuel variable to the limits block (before
    /// anything that may read it: a call, a throw, a trap, a return).
    pub(super) fn fuel_save(&mut self) {
        let (Some(var), Some(limits)) = (self.interrupt.fuel, self.interrupt.limits) else {
            return;
        };
        self.fuel_flush();
        let fuel = self.builder.use_var(var);
        self.builder.ins().store(
            vmctx_flags(),
            fuel,
            limits,
            runtime_limits::FUEL_CONSUMED as i32,
        );
    }

    /// Reads the fuel consumed from the limits block into the variable
    /// (after a call, in an exception landing pad).
    pub(super) fn fuel_reload(&mut self) {
        let (Some(var), Some(limits)) = (self.interrupt.fuel, self.interrupt.limits) else {
            return;
        };
        let fuel = self.builder.ins().load(
            types::I64,
            vmctx_flags(),
            limits,
            runtime_limits::FUEL_CONSUMED as i32,
        );
        self.builder.def_var(var, fuel);
    }

    /// Traps when fuel has run out or the epoch deadline has passed.
    fn interrupt_check(&mut self) {
        if self.interrupt.fuel.is_some() {
            self.fuel_flush();
            let var = self.interrupt.fuel.expect("fuel variable");
            let fuel = self.builder.use_var(var);
            let out = self
                .builder
                .ins()
                .icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
            self.trap_when(out, TrapKind::OutOfFuel);
        }
        if self.interrupt.epoch {
            let limits = self.interrupt.limits.expect("limits block");
            let ptr = self.env.pointer_type();
            let epoch_ptr = self.builder.ins().load(
                ptr,
                vmctx_flags(),
                limits,
                runtime_limits::EPOCH_PTR as i32,
            );
            // Another thread advances the epoch while this code runs: an
            // atomic load, which Cranelift never merges with an earlier
            // one (a plain load in a loop without stores would be read
            // once, at the function entry).
            let epoch = self
                .builder
                .ins()
                .atomic_load(types::I64, vmctx_flags(), epoch_ptr);
            let deadline = self.builder.ins().load(
                types::I64,
                vmctx_flags(),
                limits,
                runtime_limits::EPOCH_DEADLINE as i32,
            );
            let reached =
                self.builder
                    .ins()
                    .icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
            self.trap_when(reached, TrapKind::Interrupted);
        }
    }

    /// Branches to a cold block that saves the fuel and traps with `kind`
    /// when `cond` is set; translation goes on in the other edge.
    fn trap_when(&mut self, cond: Value, kind: TrapKind) {
        let stop = self.builder.create_block();
        let go_on = self.builder.create_block();
        self.builder.set_cold_block(stop);
        self.builder.ins().brif(cond, stop, &[], go_on, &[]);
        self.builder.seal_block(stop);
        self.builder.switch_to_block(stop);
        self.fuel_save();
        self.builder.ins().trap(trap_code(kind));
        self.builder.seal_block(go_on);
        self.builder.switch_to_block(go_on);
    }
}
