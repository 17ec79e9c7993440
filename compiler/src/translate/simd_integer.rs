//! Integer SIMD lane arithmetic: add/sub/mul (plain, saturating, extended),
//! min/max, averages, shifts, comparisons, narrowing and widening, pairwise
//! sums, the dot product and the Q15 multiply. Shapes and operand handling
//! are in `simd.rs`.

use super::Translator;
use super::simd::Half;
use super::simd::Half::{High, Low};
use super::simd::Signedness::{self, Signed, Unsigned};
use crate::error::Result;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I8X16, I16X8, I32X4, I64X2};
use cranelift_codegen::ir::{self, InstBuilder};
use wasmparser::Operator;

/// The lane shape of a same-width integer SIMD operator (the ones
/// [`Translator::simd_integer_operator`] matches after the widening ones):
/// a jump on the operator's variant, no formatting.
fn shape(op: &Operator) -> ir::Type {
    use Operator as O;
    match op {
        O::I8x16Add | O::I8x16Sub | O::I8x16Neg | O::I8x16Abs | O::I8x16Popcnt => I8X16,
        O::I8x16AddSatS | O::I8x16AddSatU | O::I8x16SubSatS | O::I8x16SubSatU => I8X16,
        O::I8x16MinS | O::I8x16MinU | O::I8x16MaxS | O::I8x16MaxU | O::I8x16AvgrU => I8X16,
        O::I8x16Shl | O::I8x16ShrS | O::I8x16ShrU | O::I8x16Eq | O::I8x16Ne => I8X16,
        O::I8x16LtS | O::I8x16LtU | O::I8x16GtS | O::I8x16GtU => I8X16,
        O::I8x16LeS | O::I8x16LeU | O::I8x16GeS | O::I8x16GeU => I8X16,
        O::I16x8Add | O::I16x8Sub | O::I16x8Mul | O::I16x8Neg | O::I16x8Abs => I16X8,
        O::I16x8AddSatS | O::I16x8AddSatU | O::I16x8SubSatS | O::I16x8SubSatU => I16X8,
        O::I16x8MinS | O::I16x8MinU | O::I16x8MaxS | O::I16x8MaxU | O::I16x8AvgrU => I16X8,
        O::I16x8Q15MulrSatS | O::I16x8Shl | O::I16x8ShrS | O::I16x8ShrU => I16X8,
        O::I16x8Eq | O::I16x8Ne | O::I16x8LtS | O::I16x8LtU | O::I16x8GtS => I16X8,
        O::I16x8GtU | O::I16x8LeS | O::I16x8LeU | O::I16x8GeS | O::I16x8GeU => I16X8,
        O::I32x4Add | O::I32x4Sub | O::I32x4Mul | O::I32x4Neg | O::I32x4Abs => I32X4,
        O::I32x4MinS | O::I32x4MinU | O::I32x4MaxS | O::I32x4MaxU => I32X4,
        O::I32x4Shl | O::I32x4ShrS | O::I32x4ShrU | O::I32x4Eq | O::I32x4Ne => I32X4,
        O::I32x4LtS | O::I32x4LtU | O::I32x4GtS | O::I32x4GtU => I32X4,
        O::I32x4LeS | O::I32x4LeU | O::I32x4GeS | O::I32x4GeU => I32X4,
        _ => I64X2,
    }
}

impl Translator<'_, '_> {
    fn icmp_vec(&mut self, ty: ir::Type, cc: IntCC) {
        self.vbinary(ty, |t, a, b| t.builder.ins().icmp(cc, a, b));
    }

    /// Integer lane operators. Returns false for other operators.
    pub(super) fn simd_integer_operator(&mut self, op: &Operator) -> Result<bool> {
        use IntCC::*;
        use Operator as O;
        if self.simd_widening_operator(op)? {
            return Ok(true);
        }
        let ty = shape(op);
        match *op {
            O::I8x16Add | O::I16x8Add | O::I32x4Add | O::I64x2Add => {
                self.vbinary(ty, |t, a, b| t.builder.ins().iadd(a, b))
            }
            O::I8x16Sub | O::I16x8Sub | O::I32x4Sub | O::I64x2Sub => {
                self.vbinary(ty, |t, a, b| t.builder.ins().isub(a, b))
            }
            O::I16x8Mul | O::I32x4Mul | O::I64x2Mul => {
                self.vbinary(ty, |t, a, b| t.builder.ins().imul(a, b))
            }
            O::I8x16Neg | O::I16x8Neg | O::I32x4Neg | O::I64x2Neg => {
                self.vunary(ty, |t, a| t.builder.ins().ineg(a))
            }
            O::I8x16Abs | O::I16x8Abs | O::I32x4Abs | O::I64x2Abs => {
                self.vunary(ty, |t, a| t.builder.ins().iabs(a))
            }
            O::I8x16Popcnt => self.vunary(ty, |t, a| t.builder.ins().popcnt(a)),
            O::I8x16AddSatS | O::I16x8AddSatS => {
                self.vbinary(ty, |t, a, b| t.builder.ins().sadd_sat(a, b))
            }
            O::I8x16AddSatU | O::I16x8AddSatU => {
                self.vbinary(ty, |t, a, b| t.builder.ins().uadd_sat(a, b))
            }
            O::I8x16SubSatS | O::I16x8SubSatS => {
                self.vbinary(ty, |t, a, b| t.builder.ins().ssub_sat(a, b))
            }
            O::I8x16SubSatU | O::I16x8SubSatU => {
                self.vbinary(ty, |t, a, b| t.builder.ins().usub_sat(a, b))
            }
            O::I8x16MinS | O::I16x8MinS | O::I32x4MinS => {
                self.vbinary(ty, |t, a, b| t.builder.ins().smin(a, b))
            }
            O::I8x16MinU | O::I16x8MinU | O::I32x4MinU => {
                self.vbinary(ty, |t, a, b| t.builder.ins().umin(a, b))
            }
            O::I8x16MaxS | O::I16x8MaxS | O::I32x4MaxS => {
                self.vbinary(ty, |t, a, b| t.builder.ins().smax(a, b))
            }
            O::I8x16MaxU | O::I16x8MaxU | O::I32x4MaxU => {
                self.vbinary(ty, |t, a, b| t.builder.ins().umax(a, b))
            }
            O::I8x16AvgrU | O::I16x8AvgrU => {
                self.vbinary(ty, |t, a, b| t.builder.ins().avg_round(a, b))
            }
            O::I16x8Q15MulrSatS => {
                self.vbinary(ty, |t, a, b| t.builder.ins().sqmul_round_sat(a, b))
            }
            O::I8x16Shl | O::I16x8Shl | O::I32x4Shl | O::I64x2Shl => {
                self.vshift(ty, |t, a, n| t.builder.ins().ishl(a, n))
            }
            O::I8x16ShrS | O::I16x8ShrS | O::I32x4ShrS | O::I64x2ShrS => {
                self.vshift(ty, |t, a, n| t.builder.ins().sshr(a, n))
            }
            O::I8x16ShrU | O::I16x8ShrU | O::I32x4ShrU | O::I64x2ShrU => {
                self.vshift(ty, |t, a, n| t.builder.ins().ushr(a, n))
            }
            O::I8x16Eq | O::I16x8Eq | O::I32x4Eq | O::I64x2Eq => self.icmp_vec(ty, Equal),
            O::I8x16Ne | O::I16x8Ne | O::I32x4Ne | O::I64x2Ne => self.icmp_vec(ty, NotEqual),
            O::I8x16LtS | O::I16x8LtS | O::I32x4LtS | O::I64x2LtS => {
                self.icmp_vec(ty, SignedLessThan)
            }
            O::I8x16LtU | O::I16x8LtU | O::I32x4LtU => self.icmp_vec(ty, UnsignedLessThan),
            O::I8x16GtS | O::I16x8GtS | O::I32x4GtS | O::I64x2GtS => {
                self.icmp_vec(ty, SignedGreaterThan)
            }
            O::I8x16GtU | O::I16x8GtU | O::I32x4GtU => self.icmp_vec(ty, UnsignedGreaterThan),
            O::I8x16LeS | O::I16x8LeS | O::I32x4LeS | O::I64x2LeS => {
                self.icmp_vec(ty, SignedLessThanOrEqual)
            }
            O::I8x16LeU | O::I16x8LeU | O::I32x4LeU => self.icmp_vec(ty, UnsignedLessThanOrEqual),
            O::I8x16GeS | O::I16x8GeS | O::I32x4GeS | O::I64x2GeS => {
                self.icmp_vec(ty, SignedGreaterThanOrEqual)
            }
            O::I8x16GeU | O::I16x8GeU | O::I32x4GeU => {
                self.icmp_vec(ty, UnsignedGreaterThanOrEqual)
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// A vector shift by an `i32` count, which both wasm and Cranelift take
    /// modulo the lane width.
    fn vshift(
        &mut self,
        ty: ir::Type,
        f: impl FnOnce(&mut Self, ir::Value, ir::Value) -> ir::Value,
    ) {
        let count = self.pop();
        let a = self.vpop(ty);
        let v = f(self, a, count);
        self.vpush(v);
    }

    /// Operators whose result lanes differ in width from their inputs.
    fn simd_widening_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        match *op {
            O::I8x16NarrowI16x8S => self.vbinary(I16X8, |t, a, b| t.builder.ins().snarrow(a, b)),
            O::I8x16NarrowI16x8U => self.vbinary(I16X8, |t, a, b| t.builder.ins().unarrow(a, b)),
            O::I16x8NarrowI32x4S => self.vbinary(I32X4, |t, a, b| t.builder.ins().snarrow(a, b)),
            O::I16x8NarrowI32x4U => self.vbinary(I32X4, |t, a, b| t.builder.ins().unarrow(a, b)),
            O::I16x8ExtendLowI8x16S => self.extend(I8X16, Low, Signed),
            O::I16x8ExtendHighI8x16S => self.extend(I8X16, High, Signed),
            O::I16x8ExtendLowI8x16U => self.extend(I8X16, Low, Unsigned),
            O::I16x8ExtendHighI8x16U => self.extend(I8X16, High, Unsigned),
            O::I32x4ExtendLowI16x8S => self.extend(I16X8, Low, Signed),
            O::I32x4ExtendHighI16x8S => self.extend(I16X8, High, Signed),
            O::I32x4ExtendLowI16x8U => self.extend(I16X8, Low, Unsigned),
            O::I32x4ExtendHighI16x8U => self.extend(I16X8, High, Unsigned),
            O::I64x2ExtendLowI32x4S => self.extend(I32X4, Low, Signed),
            O::I64x2ExtendHighI32x4S => self.extend(I32X4, High, Signed),
            O::I64x2ExtendLowI32x4U => self.extend(I32X4, Low, Unsigned),
            O::I64x2ExtendHighI32x4U => self.extend(I32X4, High, Unsigned),
            O::I16x8ExtAddPairwiseI8x16S => {
                self.vunary(I8X16, |t, a| t.ext_add_pairwise(a, Signed))
            }
            O::I16x8ExtAddPairwiseI8x16U => {
                self.vunary(I8X16, |t, a| t.ext_add_pairwise(a, Unsigned))
            }
            O::I32x4ExtAddPairwiseI16x8S => {
                self.vunary(I16X8, |t, a| t.ext_add_pairwise(a, Signed))
            }
            O::I32x4ExtAddPairwiseI16x8U => {
                self.vunary(I16X8, |t, a| t.ext_add_pairwise(a, Unsigned))
            }
            O::I16x8ExtMulLowI8x16S => self.ext_mul(I8X16, Low, Signed),
            O::I16x8ExtMulHighI8x16S => self.ext_mul(I8X16, High, Signed),
            O::I16x8ExtMulLowI8x16U => self.ext_mul(I8X16, Low, Unsigned),
            O::I16x8ExtMulHighI8x16U => self.ext_mul(I8X16, High, Unsigned),
            O::I32x4ExtMulLowI16x8S => self.ext_mul(I16X8, Low, Signed),
            O::I32x4ExtMulHighI16x8S => self.ext_mul(I16X8, High, Signed),
            O::I32x4ExtMulLowI16x8U => self.ext_mul(I16X8, Low, Unsigned),
            O::I32x4ExtMulHighI16x8U => self.ext_mul(I16X8, High, Unsigned),
            O::I64x2ExtMulLowI32x4S => self.ext_mul(I32X4, Low, Signed),
            O::I64x2ExtMulHighI32x4S => self.ext_mul(I32X4, High, Signed),
            O::I64x2ExtMulLowI32x4U => self.ext_mul(I32X4, Low, Unsigned),
            O::I64x2ExtMulHighI32x4U => self.ext_mul(I32X4, High, Unsigned),
            O::I32x4DotI16x8S => self.vbinary(I16X8, |t, a, b| t.dot(a, b)),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Widens the low or high half of a vector of shape `from`.
    fn extend(&mut self, from: ir::Type, half: Half, sign: Signedness) {
        self.vunary(from, |t, a| t.widen_lanes(a, half, sign));
    }

    /// Signed products of lanes, adjacent pairs summed into lanes twice as
    /// wide (wrapping): `i32x4.dot_i16x8_s` and the relaxed `i8x16` dot.
    pub(super) fn dot(&mut self, a: ir::Value, b: ir::Value) -> ir::Value {
        let (al, bl) = (
            self.widen_lanes(a, Low, Signed),
            self.widen_lanes(b, Low, Signed),
        );
        let low = self.builder.ins().imul(al, bl);
        let (ah, bh) = (
            self.widen_lanes(a, High, Signed),
            self.widen_lanes(b, High, Signed),
        );
        let high = self.builder.ins().imul(ah, bh);
        self.builder.ins().iadd_pairwise(low, high)
    }
}
