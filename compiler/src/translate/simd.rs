//! Fixed-width SIMD (`v128`): constants, lanes, shuffles and every lane-wise
//! integer and float operator, comparison and conversion, on Cranelift's
//! vector types. Every `v128` on the operand stack, in locals, globals,
//! block parameters and signatures is an `i8x16`; an operator bitcasts its
//! operands to the lane shape it works on and its result back (a bitcast
//! between vector types is free). Loads and stores are in `simd_memory.rs`,
//! relaxed SIMD in `relaxed_simd.rs`.

use super::Translator;
use super::numeric::Round;
use crate::error::Result;
use cranelift_codegen::ir::condcodes::FloatCC;
use cranelift_codegen::ir::types::I64X2;
use cranelift_codegen::ir::types::{F32X4, F64X2, I8, I8X16, I16, I16X8, I32, I32X4};
use cranelift_codegen::ir::{self, Endianness, InstBuilder, MemFlagsData, Value};
use wasmparser::Operator;

/// Which half of a vector's lanes a widening operator takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Half {
    Low,
    High,
}

/// Whether lanes are read as signed or unsigned integers.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Signedness {
    Signed,
    Unsigned,
}

/// `pmin` or `pmax`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PseudoMinMax {
    Min,
    Max,
}

/// Flags of a bitcast between vector shapes: wasm lanes are little-endian.
fn lane_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little)
}

impl Translator<'_, '_> {
    /// `v` viewed as a vector of shape `ty`.
    pub(super) fn as_lanes(&mut self, v: Value, ty: ir::Type) -> Value {
        if self.builder.func.dfg.value_type(v) == ty {
            v
        } else {
            self.builder.ins().bitcast(ty, lane_flags(), v)
        }
    }

    /// Pops a `v128` as a vector of shape `ty`.
    pub(super) fn vpop(&mut self, ty: ir::Type) -> Value {
        let v = self.pop();
        self.as_lanes(v, ty)
    }

    /// Pushes vector `v` as a `v128` (`i8x16`).
    pub(super) fn vpush(&mut self, v: Value) {
        let v = self.as_lanes(v, I8X16);
        self.push(v);
    }

    pub(super) fn vunary(&mut self, ty: ir::Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.vpop(ty);
        let v = f(self, a);
        self.vpush(v);
    }

    pub(super) fn vbinary(
        &mut self,
        ty: ir::Type,
        f: impl FnOnce(&mut Self, Value, Value) -> Value,
    ) {
        let b = self.vpop(ty);
        let a = self.vpop(ty);
        let v = f(self, a, b);
        self.vpush(v);
    }

    fn fcmp_lanes(&mut self, ty: ir::Type, cc: FloatCC) {
        self.vbinary(ty, |t, a, b| t.builder.ins().fcmp(cc, a, b));
    }

    /// Pushes a scalar derived from a vector of shape `ty`.
    fn vreduce(&mut self, ty: ir::Type, f: impl FnOnce(&mut Self, Value) -> Value) {
        let a = self.vpop(ty);
        let v = f(self, a);
        self.push(v);
    }

    fn splat(&mut self, ty: ir::Type) {
        let s = self.pop();
        let lane = ty.lane_type();
        let s = if lane == I8 || lane == I16 {
            self.builder.ins().ireduce(lane, s)
        } else {
            s
        };
        let v = self.builder.ins().splat(ty, s);
        self.vpush(v);
    }

    fn replace_lane(&mut self, ty: ir::Type, lane: u8) {
        let s = self.pop();
        let v = self.vpop(ty);
        let lane_ty = ty.lane_type();
        let s = if lane_ty == I8 || lane_ty == I16 {
            self.builder.ins().ireduce(lane_ty, s)
        } else {
            s
        };
        let v = self.builder.ins().insertlane(v, s, lane);
        self.vpush(v);
    }

    /// Extracts a lane, widening 8- and 16-bit lanes to `i32`.
    fn extract_lane(&mut self, ty: ir::Type, lane: u8, signed: bool) {
        let v = self.vpop(ty);
        let s = self.builder.ins().extractlane(v, lane);
        let s = match ty.lane_type() {
            I8 | I16 if signed => self.builder.ins().sextend(I32, s),
            I8 | I16 => self.builder.ins().uextend(I32, s),
            _ => s,
        };
        self.push(s);
    }

    /// Float rounding of every lane: one vector instruction where the
    /// target rounds natively, else the scalar builtin lane by lane.
    fn round_lanes(&mut self, ty: ir::Type, mode: Round) {
        let v = self.vpop(ty);
        let out = if self.env.native_rounding {
            let ins = self.builder.ins();
            match mode {
                Round::Floor => ins.floor(v),
                Round::Ceil => ins.ceil(v),
                Round::Trunc => ins.trunc(v),
                Round::Nearest => ins.nearest(v),
            }
        } else {
            let mut out = v;
            for lane in 0..ty.lane_count() as u8 {
                let s = self.builder.ins().extractlane(v, lane);
                let r = self.round_value(ty.lane_type(), mode, s);
                out = self.builder.ins().insertlane(out, r, lane);
            }
            out
        };
        self.vpush(out);
    }

    /// `pmin` (`b < a ? b : a`) or `pmax` (`a < b ? b : a`), bit for bit.
    fn pseudo_min_max(&mut self, ty: ir::Type, which: PseudoMinMax) {
        self.vbinary(ty, |t, a, b| {
            let (x, y) = match which {
                PseudoMinMax::Max => (a, b),
                PseudoMinMax::Min => (b, a),
            };
            let mask = t.builder.ins().fcmp(FloatCC::LessThan, x, y);
            let mask = t.as_lanes(mask, ty);
            t.builder.ins().bitselect(mask, b, a)
        });
    }

    /// Widens `a` (lanes of `from`) and multiplies lane-wise: the extended
    /// multiplies.
    pub(super) fn ext_mul(&mut self, from: ir::Type, half: Half, sign: Signedness) {
        self.vbinary(from, |t, a, b| {
            let (a, b) = (t.widen_lanes(a, half, sign), t.widen_lanes(b, half, sign));
            t.builder.ins().imul(a, b)
        });
    }

    pub(super) fn widen_lanes(&mut self, a: Value, half: Half, sign: Signedness) -> Value {
        let ins = self.builder.ins();
        match (half, sign) {
            (Half::Low, Signedness::Signed) => ins.swiden_low(a),
            (Half::High, Signedness::Signed) => ins.swiden_high(a),
            (Half::Low, Signedness::Unsigned) => ins.uwiden_low(a),
            (Half::High, Signedness::Unsigned) => ins.uwiden_high(a),
        }
    }

    /// Sums adjacent lane pairs of `a` into lanes twice as wide.
    pub(super) fn ext_add_pairwise(&mut self, a: Value, sign: Signedness) -> Value {
        let low = self.widen_lanes(a, Half::Low, sign);
        let high = self.widen_lanes(a, Half::High, sign);
        self.builder.ins().iadd_pairwise(low, high)
    }

    /// Truncates `f64x2` lanes with saturation into the low two `i32x4`
    /// lanes, zeroing the high two.
    pub(super) fn trunc_sat_f64x2_zero(&mut self, sign: Signedness) {
        self.vunary(F64X2, |t, a| {
            let c = t.builder.func.dfg.constants.insert(vec![0u8; 16].into());
            let zero = t.builder.ins().vconst(I64X2, c);
            if sign == Signedness::Signed {
                let wide = t.builder.ins().fcvt_to_sint_sat(I64X2, a);
                t.builder.ins().snarrow(wide, zero)
            } else {
                let wide = t.builder.ins().fcvt_to_uint_sat(I64X2, a);
                t.builder.ins().uunarrow(wide, zero)
            }
        });
    }

    /// Lane-wise SIMD operators. Returns false for other operators.
    pub(super) fn simd_operator(&mut self, op: &Operator) -> Result<bool> {
        Ok(self.simd_lane_operator(op)?
            || self.simd_integer_operator(op)?
            || self.simd_float_operator(op)?
            || self.simd_memory_operator(op)?
            || self.relaxed_simd_operator(op)?)
    }

    /// Constants, lanes, shuffles, bitwise operators and tests.
    fn simd_lane_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        match *op {
            O::V128Const { value } => {
                let c = self
                    .builder
                    .func
                    .dfg
                    .constants
                    .insert(value.bytes().to_vec().into());
                let v = self.builder.ins().vconst(I8X16, c);
                self.push(v);
            }
            O::I8x16Shuffle { lanes } => {
                let mask = self.builder.func.dfg.immediates.push(lanes.to_vec().into());
                self.vbinary(I8X16, |t, a, b| t.builder.ins().shuffle(a, b, mask));
            }
            O::I8x16Swizzle => self.vbinary(I8X16, |t, a, b| t.builder.ins().swizzle(a, b)),
            O::I8x16Splat => self.splat(I8X16),
            O::I16x8Splat => self.splat(I16X8),
            O::I32x4Splat => self.splat(I32X4),
            O::I64x2Splat => self.splat(I64X2),
            O::F32x4Splat => self.splat(F32X4),
            O::F64x2Splat => self.splat(F64X2),
            O::I8x16ExtractLaneS { lane } => self.extract_lane(I8X16, lane, true),
            O::I8x16ExtractLaneU { lane } => self.extract_lane(I8X16, lane, false),
            O::I16x8ExtractLaneS { lane } => self.extract_lane(I16X8, lane, true),
            O::I16x8ExtractLaneU { lane } => self.extract_lane(I16X8, lane, false),
            O::I32x4ExtractLane { lane } => self.extract_lane(I32X4, lane, false),
            O::I64x2ExtractLane { lane } => self.extract_lane(I64X2, lane, false),
            O::F32x4ExtractLane { lane } => self.extract_lane(F32X4, lane, false),
            O::F64x2ExtractLane { lane } => self.extract_lane(F64X2, lane, false),
            O::I8x16ReplaceLane { lane } => self.replace_lane(I8X16, lane),
            O::I16x8ReplaceLane { lane } => self.replace_lane(I16X8, lane),
            O::I32x4ReplaceLane { lane } => self.replace_lane(I32X4, lane),
            O::I64x2ReplaceLane { lane } => self.replace_lane(I64X2, lane),
            O::F32x4ReplaceLane { lane } => self.replace_lane(F32X4, lane),
            O::F64x2ReplaceLane { lane } => self.replace_lane(F64X2, lane),
            O::V128Not => self.vunary(I8X16, |t, a| t.builder.ins().bnot(a)),
            O::V128And => self.vbinary(I8X16, |t, a, b| t.builder.ins().band(a, b)),
            O::V128AndNot => self.vbinary(I8X16, |t, a, b| t.builder.ins().band_not(a, b)),
            O::V128Or => self.vbinary(I8X16, |t, a, b| t.builder.ins().bor(a, b)),
            O::V128Xor => self.vbinary(I8X16, |t, a, b| t.builder.ins().bxor(a, b)),
            O::V128Bitselect => self.bitselect(I8X16),
            O::V128AnyTrue => self.vreduce(I8X16, |t, a| {
                let b = t.builder.ins().vany_true(a);
                t.builder.ins().uextend(I32, b)
            }),
            O::I8x16AllTrue => self.all_true(I8X16),
            O::I16x8AllTrue => self.all_true(I16X8),
            O::I32x4AllTrue => self.all_true(I32X4),
            O::I64x2AllTrue => self.all_true(I64X2),
            O::I8x16Bitmask => self.bitmask(I8X16),
            O::I16x8Bitmask => self.bitmask(I16X8),
            O::I32x4Bitmask => self.bitmask(I32X4),
            O::I64x2Bitmask => self.bitmask(I64X2),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `v128.bitselect` and the relaxed lane selects: bits of `a` where the
    /// mask is 1, of `b` where it is 0.
    pub(super) fn bitselect(&mut self, ty: ir::Type) {
        let mask = self.vpop(ty);
        let b = self.vpop(ty);
        let a = self.vpop(ty);
        let v = self.builder.ins().bitselect(mask, a, b);
        self.vpush(v);
    }

    fn all_true(&mut self, ty: ir::Type) {
        self.vreduce(ty, |t, a| {
            let b = t.builder.ins().vall_true(a);
            t.builder.ins().uextend(I32, b)
        });
    }

    fn bitmask(&mut self, ty: ir::Type) {
        self.vreduce(ty, |t, a| t.builder.ins().vhigh_bits(I32, a));
    }

    /// Float lane arithmetic, comparisons and conversions.
    fn simd_float_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        let ty = match op {
            O::F32x4Ceil | O::F32x4Floor | O::F32x4Trunc | O::F32x4Nearest => F32X4,
            O::F32x4Abs | O::F32x4Neg | O::F32x4Sqrt | O::F32x4Add | O::F32x4Sub => F32X4,
            O::F32x4Mul | O::F32x4Div | O::F32x4Min | O::F32x4Max => F32X4,
            O::F32x4Eq | O::F32x4Ne | O::F32x4Lt | O::F32x4Gt | O::F32x4Le | O::F32x4Ge => F32X4,
            _ => F64X2,
        };
        match *op {
            O::F32x4Ceil | O::F64x2Ceil => self.round_lanes(ty, Round::Ceil),
            O::F32x4Floor | O::F64x2Floor => self.round_lanes(ty, Round::Floor),
            O::F32x4Trunc | O::F64x2Trunc => self.round_lanes(ty, Round::Trunc),
            O::F32x4Nearest | O::F64x2Nearest => self.round_lanes(ty, Round::Nearest),
            O::F32x4Abs | O::F64x2Abs => self.vunary(ty, |t, a| t.builder.ins().fabs(a)),
            O::F32x4Neg | O::F64x2Neg => self.vunary(ty, |t, a| t.builder.ins().fneg(a)),
            O::F32x4Sqrt | O::F64x2Sqrt => self.vunary(ty, |t, a| t.builder.ins().sqrt(a)),
            O::F32x4Add | O::F64x2Add => self.vbinary(ty, |t, a, b| t.builder.ins().fadd(a, b)),
            O::F32x4Sub | O::F64x2Sub => self.vbinary(ty, |t, a, b| t.builder.ins().fsub(a, b)),
            O::F32x4Mul | O::F64x2Mul => self.vbinary(ty, |t, a, b| t.builder.ins().fmul(a, b)),
            O::F32x4Div | O::F64x2Div => self.vbinary(ty, |t, a, b| t.builder.ins().fdiv(a, b)),
            O::F32x4Min | O::F64x2Min => self.vbinary(ty, |t, a, b| t.builder.ins().fmin(a, b)),
            O::F32x4Max | O::F64x2Max => self.vbinary(ty, |t, a, b| t.builder.ins().fmax(a, b)),
            O::F32x4PMin => self.pseudo_min_max(F32X4, PseudoMinMax::Min),
            O::F32x4PMax => self.pseudo_min_max(F32X4, PseudoMinMax::Max),
            O::F64x2PMin => self.pseudo_min_max(F64X2, PseudoMinMax::Min),
            O::F64x2PMax => self.pseudo_min_max(F64X2, PseudoMinMax::Max),
            O::F32x4Eq | O::F64x2Eq => self.fcmp_lanes(ty, FloatCC::Equal),
            O::F32x4Ne | O::F64x2Ne => self.fcmp_lanes(ty, FloatCC::NotEqual),
            O::F32x4Lt | O::F64x2Lt => self.fcmp_lanes(ty, FloatCC::LessThan),
            O::F32x4Gt | O::F64x2Gt => self.fcmp_lanes(ty, FloatCC::GreaterThan),
            O::F32x4Le | O::F64x2Le => self.fcmp_lanes(ty, FloatCC::LessThanOrEqual),
            O::F32x4Ge | O::F64x2Ge => self.fcmp_lanes(ty, FloatCC::GreaterThanOrEqual),
            O::I32x4TruncSatF32x4S => {
                self.vunary(F32X4, |t, a| t.builder.ins().fcvt_to_sint_sat(I32X4, a))
            }
            O::I32x4TruncSatF32x4U => {
                self.vunary(F32X4, |t, a| t.builder.ins().fcvt_to_uint_sat(I32X4, a))
            }
            O::I32x4TruncSatF64x2SZero => self.trunc_sat_f64x2_zero(Signedness::Signed),
            O::I32x4TruncSatF64x2UZero => self.trunc_sat_f64x2_zero(Signedness::Unsigned),
            O::F32x4ConvertI32x4S => {
                self.vunary(I32X4, |t, a| t.builder.ins().fcvt_from_sint(F32X4, a))
            }
            O::F32x4ConvertI32x4U => {
                self.vunary(I32X4, |t, a| t.builder.ins().fcvt_from_uint(F32X4, a))
            }
            O::F64x2ConvertLowI32x4S => self.vunary(I32X4, |t, a| {
                let wide = t.builder.ins().swiden_low(a);
                t.builder.ins().fcvt_from_sint(F64X2, wide)
            }),
            O::F64x2ConvertLowI32x4U => self.vunary(I32X4, |t, a| {
                let wide = t.builder.ins().uwiden_low(a);
                t.builder.ins().fcvt_from_uint(F64X2, wide)
            }),
            O::F32x4DemoteF64x2Zero => self.vunary(F64X2, |t, a| t.builder.ins().fvdemote(a)),
            O::F64x2PromoteLowF32x4 => self.vunary(F32X4, |t, a| t.builder.ins().fvpromote_low(a)),
            _ => return Ok(false),
        }
        Ok(true)
    }
}
