//! Numeric operators: constants, integer and float arithmetic, comparisons,
//! conversions (trapping and saturating), sign extension, reinterpretation.
//! Cranelift's integer division, remainder and float-to-int conversions
//! trap exactly where wasm requires; float rounding falls back to builtins
//! on CPUs without native rounding.

use super::Translator;
use crate::error::Result;
use cranelift_codegen::ir::{
    InstBuilder, MemFlagsData, Value,
    condcodes::{FloatCC, IntCC},
    immediates::{Ieee32, Ieee64},
    types::{self, F32, F64, I32, I64},
};
use waot_format::builtins::Builtin;
use wasmparser::Operator;

/// A float rounding mode.
#[derive(Clone, Copy)]
pub(super) enum Round {
    Floor,
    Ceil,
    Trunc,
    Nearest,
}

impl Translator<'_, '_> {
    fn unop(&mut self, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.pop();
        let v = f(self, a);
        self.push(v);
    }

    fn binop(&mut self, f: impl FnOnce(&mut Self, Value, Value) -> Value) {
        let (a, b) = self.pop2();
        let v = f(self, a, b);
        self.push(v);
    }

    fn icmp(&mut self, cc: IntCC) {
        self.binop(|t, a, b| {
            let c = t.builder.ins().icmp(cc, a, b);
            t.builder.ins().uextend(I32, c)
        });
    }

    fn fcmp(&mut self, cc: FloatCC) {
        self.binop(|t, a, b| {
            let c = t.builder.ins().fcmp(cc, a, b);
            t.builder.ins().uextend(I32, c)
        });
    }

    fn eqz(&mut self) {
        self.unop(|t, a| {
            let c = t.builder.ins().icmp_imm_u(IntCC::Equal, a, 0);
            t.builder.ins().uextend(I32, c)
        });
    }

    /// Sign-extends the low `from` bits of the top value in place.
    fn extend_low(&mut self, from: types::Type, to: types::Type) {
        self.unop(|t, a| {
            let low = t.builder.ins().ireduce(from, a);
            t.builder.ins().sextend(to, low)
        });
    }

    fn round(&mut self, ty: types::Type, mode: Round) {
        let a = self.pop();
        let v = self.round_value(ty, mode, a);
        self.push(v);
    }

    /// Rounds scalar `a` of type `ty` (`f32` or `f64`) as `mode` says.
    pub(super) fn round_value(&mut self, ty: types::Type, mode: Round, a: Value) -> Value {
        if self.env.native_rounding {
            let ins = self.builder.ins();
            match mode {
                Round::Floor => ins.floor(a),
                Round::Ceil => ins.ceil(a),
                Round::Trunc => ins.trunc(a),
                Round::Nearest => ins.nearest(a),
            }
        } else {
            let b = match (mode, ty == F32) {
                (Round::Floor, true) => Builtin::FloorF32,
                (Round::Floor, false) => Builtin::FloorF64,
                (Round::Ceil, true) => Builtin::CeilF32,
                (Round::Ceil, false) => Builtin::CeilF64,
                (Round::Trunc, true) => Builtin::TruncF32,
                (Round::Trunc, false) => Builtin::TruncF64,
                (Round::Nearest, true) => Builtin::NearestF32,
                (Round::Nearest, false) => Builtin::NearestF64,
            };
            self.call_builtin(b, &[a])[0]
        }
    }

    /// Every numeric operator. Returns false for other operators.
    pub(super) fn numeric_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        match *op {
            O::I32Const { value } => {
                let v = self.builder.ins().iconst(I32, i64::from(value));
                self.push(v);
            }
            O::I64Const { value } => {
                let v = self.builder.ins().iconst(I64, value);
                self.push(v);
            }
            O::F32Const { value } => {
                let v = self.builder.ins().f32const(Ieee32::with_bits(value.bits()));
                self.push(v);
            }
            O::F64Const { value } => {
                let v = self.builder.ins().f64const(Ieee64::with_bits(value.bits()));
                self.push(v);
            }
            O::I32Eqz | O::I64Eqz => self.eqz(),
            O::I32Eq | O::I64Eq => self.icmp(IntCC::Equal),
            O::I32Ne | O::I64Ne => self.icmp(IntCC::NotEqual),
            O::I32LtS | O::I64LtS => self.icmp(IntCC::SignedLessThan),
            O::I32LtU | O::I64LtU => self.icmp(IntCC::UnsignedLessThan),
            O::I32GtS | O::I64GtS => self.icmp(IntCC::SignedGreaterThan),
            O::I32GtU | O::I64GtU => self.icmp(IntCC::UnsignedGreaterThan),
            O::I32LeS | O::I64LeS => self.icmp(IntCC::SignedLessThanOrEqual),
            O::I32LeU | O::I64LeU => self.icmp(IntCC::UnsignedLessThanOrEqual),
            O::I32GeS | O::I64GeS => self.icmp(IntCC::SignedGreaterThanOrEqual),
            O::I32GeU | O::I64GeU => self.icmp(IntCC::UnsignedGreaterThanOrEqual),
            O::F32Eq | O::F64Eq => self.fcmp(FloatCC::Equal),
            O::F32Ne | O::F64Ne => self.fcmp(FloatCC::NotEqual),
            O::F32Lt | O::F64Lt => self.fcmp(FloatCC::LessThan),
            O::F32Gt | O::F64Gt => self.fcmp(FloatCC::GreaterThan),
            O::F32Le | O::F64Le => self.fcmp(FloatCC::LessThanOrEqual),
            O::F32Ge | O::F64Ge => self.fcmp(FloatCC::GreaterThanOrEqual),
            O::I32Clz | O::I64Clz => self.unop(|t, a| t.builder.ins().clz(a)),
            O::I32Ctz | O::I64Ctz => self.unop(|t, a| t.builder.ins().ctz(a)),
            O::I32Popcnt | O::I64Popcnt => self.unop(|t, a| t.builder.ins().popcnt(a)),
            O::I32Add | O::I64Add => self.binop(|t, a, b| t.builder.ins().iadd(a, b)),
            O::I32Sub | O::I64Sub => self.binop(|t, a, b| t.builder.ins().isub(a, b)),
            O::I32Mul | O::I64Mul => self.binop(|t, a, b| t.builder.ins().imul(a, b)),
            O::I32DivS | O::I64DivS => self.binop(|t, a, b| t.builder.ins().sdiv(a, b)),
            O::I32DivU | O::I64DivU => self.binop(|t, a, b| t.builder.ins().udiv(a, b)),
            O::I32RemS | O::I64RemS => self.binop(|t, a, b| t.builder.ins().srem(a, b)),
            O::I32RemU | O::I64RemU => self.binop(|t, a, b| t.builder.ins().urem(a, b)),
            O::I32And | O::I64And => self.binop(|t, a, b| t.builder.ins().band(a, b)),
            O::I32Or | O::I64Or => self.binop(|t, a, b| t.builder.ins().bor(a, b)),
            O::I32Xor | O::I64Xor => self.binop(|t, a, b| t.builder.ins().bxor(a, b)),
            O::I32Shl | O::I64Shl => self.binop(|t, a, b| t.builder.ins().ishl(a, b)),
            O::I32ShrS | O::I64ShrS => self.binop(|t, a, b| t.builder.ins().sshr(a, b)),
            O::I32ShrU | O::I64ShrU => self.binop(|t, a, b| t.builder.ins().ushr(a, b)),
            O::I32Rotl | O::I64Rotl => self.binop(|t, a, b| t.builder.ins().rotl(a, b)),
            O::I32Rotr | O::I64Rotr => self.binop(|t, a, b| t.builder.ins().rotr(a, b)),
            O::F32Abs | O::F64Abs => self.unop(|t, a| t.builder.ins().fabs(a)),
            O::F32Neg | O::F64Neg => self.unop(|t, a| t.builder.ins().fneg(a)),
            O::F32Sqrt | O::F64Sqrt => self.unop(|t, a| t.builder.ins().sqrt(a)),
            O::F32Ceil => self.round(F32, Round::Ceil),
            O::F64Ceil => self.round(F64, Round::Ceil),
            O::F32Floor => self.round(F32, Round::Floor),
            O::F64Floor => self.round(F64, Round::Floor),
            O::F32Trunc => self.round(F32, Round::Trunc),
            O::F64Trunc => self.round(F64, Round::Trunc),
            O::F32Nearest => self.round(F32, Round::Nearest),
            O::F64Nearest => self.round(F64, Round::Nearest),
            O::F32Add | O::F64Add => self.binop(|t, a, b| t.builder.ins().fadd(a, b)),
            O::F32Sub | O::F64Sub => self.binop(|t, a, b| t.builder.ins().fsub(a, b)),
            O::F32Mul | O::F64Mul => self.binop(|t, a, b| t.builder.ins().fmul(a, b)),
            O::F32Div | O::F64Div => self.binop(|t, a, b| t.builder.ins().fdiv(a, b)),
            O::F32Min | O::F64Min => self.binop(|t, a, b| t.builder.ins().fmin(a, b)),
            O::F32Max | O::F64Max => self.binop(|t, a, b| t.builder.ins().fmax(a, b)),
            O::F32Copysign | O::F64Copysign => {
                self.binop(|t, a, b| t.builder.ins().fcopysign(a, b))
            }
            O::I32WrapI64 => self.unop(|t, a| t.builder.ins().ireduce(I32, a)),
            O::I64ExtendI32S => self.unop(|t, a| t.builder.ins().sextend(I64, a)),
            O::I64ExtendI32U => self.unop(|t, a| t.builder.ins().uextend(I64, a)),
            O::I32TruncF32S | O::I32TruncF64S => {
                self.unop(|t, a| t.builder.ins().fcvt_to_sint(I32, a))
            }
            O::I32TruncF32U | O::I32TruncF64U => {
                self.unop(|t, a| t.builder.ins().fcvt_to_uint(I32, a))
            }
            O::I64TruncF32S | O::I64TruncF64S => {
                self.unop(|t, a| t.builder.ins().fcvt_to_sint(I64, a))
            }
            O::I64TruncF32U | O::I64TruncF64U => {
                self.unop(|t, a| t.builder.ins().fcvt_to_uint(I64, a))
            }
            O::I32TruncSatF32S | O::I32TruncSatF64S => {
                self.unop(|t, a| t.builder.ins().fcvt_to_sint_sat(I32, a))
            }
            O::I32TruncSatF32U | O::I32TruncSatF64U => {
                self.unop(|t, a| t.builder.ins().fcvt_to_uint_sat(I32, a))
            }
            O::I64TruncSatF32S | O::I64TruncSatF64S => {
                self.unop(|t, a| t.builder.ins().fcvt_to_sint_sat(I64, a))
            }
            O::I64TruncSatF32U | O::I64TruncSatF64U => {
                self.unop(|t, a| t.builder.ins().fcvt_to_uint_sat(I64, a))
            }
            O::F32ConvertI32S | O::F32ConvertI64S => {
                self.unop(|t, a| t.builder.ins().fcvt_from_sint(F32, a))
            }
            O::F32ConvertI32U | O::F32ConvertI64U => {
                self.unop(|t, a| t.builder.ins().fcvt_from_uint(F32, a))
            }
            O::F64ConvertI32S | O::F64ConvertI64S => {
                self.unop(|t, a| t.builder.ins().fcvt_from_sint(F64, a))
            }
            O::F64ConvertI32U | O::F64ConvertI64U => {
                self.unop(|t, a| t.builder.ins().fcvt_from_uint(F64, a))
            }
            O::F32DemoteF64 => self.unop(|t, a| t.builder.ins().fdemote(F32, a)),
            O::F64PromoteF32 => self.unop(|t, a| t.builder.ins().fpromote(F64, a)),
            O::I32ReinterpretF32 => {
                self.unop(|t, a| t.builder.ins().bitcast(I32, MemFlagsData::new(), a))
            }
            O::I64ReinterpretF64 => {
                self.unop(|t, a| t.builder.ins().bitcast(I64, MemFlagsData::new(), a))
            }
            O::F32ReinterpretI32 => {
                self.unop(|t, a| t.builder.ins().bitcast(F32, MemFlagsData::new(), a))
            }
            O::F64ReinterpretI64 => {
                self.unop(|t, a| t.builder.ins().bitcast(F64, MemFlagsData::new(), a))
            }
            O::I32Extend8S => self.extend_low(types::I8, I32),
            O::I32Extend16S => self.extend_low(types::I16, I32),
            O::I64Extend8S => self.extend_low(types::I8, I64),
            O::I64Extend16S => self.extend_low(types::I16, I64),
            O::I64Extend32S => self.extend_low(I32, I64),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
