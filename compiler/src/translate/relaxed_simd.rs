//! Relaxed SIMD (Wasm 3.0). Each relaxed instruction compiles to one fixed
//! choice among the results the spec allows, the same on every target and
//! in every run, and the artifact records that choice set (feature bit
//! `relaxed-simd`, whose meaning SPEC.md fixes):
//!
//! - `relaxed_swizzle`, `relaxed_trunc*`, `relaxed_laneselect`,
//!   `relaxed_min/max` and `relaxed_q15mulr_s` give what their deterministic
//!   counterparts (`swizzle`, `trunc_sat*`, `bitselect`, `min/max`,
//!   `q15mulr_sat_s`) give;
//! - `relaxed_madd`/`relaxed_nmadd` round twice (`a*b` then `+c`): unfused,
//!   so no target needs an FMA unit;
//! - `relaxed_dot_i8x16_i7x16_s` treats both operands as signed and wraps
//!   the 16-bit pair sums; the `_add_s` form sums those pairs again into
//!   32 bits and adds `c`.

use super::Translator;
use super::simd::Signedness;
use crate::error::Result;
use cranelift_codegen::ir::InstBuilder;
use cranelift_codegen::ir::types::{F32X4, F64X2, I8X16, I16X8, I32X4, I64X2};
use waot_format::types::wasm_features;
use wasmparser::Operator;

/// `relaxed_madd` or `relaxed_nmadd`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Madd {
    Plain,
    Negated,
}

impl Translator<'_, '_> {
    /// Relaxed SIMD operators. Returns false for other operators.
    pub(super) fn relaxed_simd_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        match *op {
            O::I8x16RelaxedSwizzle => self.vbinary(I8X16, |t, a, b| t.builder.ins().swizzle(a, b)),
            O::I32x4RelaxedTruncF32x4S => {
                self.vunary(F32X4, |t, a| t.builder.ins().fcvt_to_sint_sat(I32X4, a))
            }
            O::I32x4RelaxedTruncF32x4U => {
                self.vunary(F32X4, |t, a| t.builder.ins().fcvt_to_uint_sat(I32X4, a))
            }
            O::I32x4RelaxedTruncF64x2SZero => self.trunc_sat_f64x2_zero(Signedness::Signed),
            O::I32x4RelaxedTruncF64x2UZero => self.trunc_sat_f64x2_zero(Signedness::Unsigned),
            O::F32x4RelaxedMadd => self.madd(F32X4, Madd::Plain),
            O::F32x4RelaxedNmadd => self.madd(F32X4, Madd::Negated),
            O::F64x2RelaxedMadd => self.madd(F64X2, Madd::Plain),
            O::F64x2RelaxedNmadd => self.madd(F64X2, Madd::Negated),
            O::I8x16RelaxedLaneselect => self.bitselect(I8X16),
            O::I16x8RelaxedLaneselect => self.bitselect(I16X8),
            O::I32x4RelaxedLaneselect => self.bitselect(I32X4),
            O::I64x2RelaxedLaneselect => self.bitselect(I64X2),
            O::F32x4RelaxedMin => self.vbinary(F32X4, |t, a, b| t.builder.ins().fmin(a, b)),
            O::F32x4RelaxedMax => self.vbinary(F32X4, |t, a, b| t.builder.ins().fmax(a, b)),
            O::F64x2RelaxedMin => self.vbinary(F64X2, |t, a, b| t.builder.ins().fmin(a, b)),
            O::F64x2RelaxedMax => self.vbinary(F64X2, |t, a, b| t.builder.ins().fmax(a, b)),
            O::I16x8RelaxedQ15mulrS => {
                self.vbinary(I16X8, |t, a, b| t.builder.ins().sqmul_round_sat(a, b))
            }
            O::I16x8RelaxedDotI8x16I7x16S => self.vbinary(I8X16, |t, a, b| t.dot(a, b)),
            O::I32x4RelaxedDotI8x16I7x16AddS => {
                let c = self.vpop(I32X4);
                let b = self.vpop(I8X16);
                let a = self.vpop(I8X16);
                let pairs = self.dot(a, b);
                let quads = self.ext_add_pairwise(pairs, Signedness::Signed);
                let v = self.builder.ins().iadd(quads, c);
                self.vpush(v);
            }
            _ => return Ok(false),
        }
        self.env.module.uses.record(wasm_features::RELAXED_SIMD);
        Ok(true)
    }

    /// `a * b + c`, or `-(a * b) + c` when `negate`, rounded after each
    /// step.
    fn madd(&mut self, ty: cranelift_codegen::ir::Type, form: Madd) {
        let c = self.vpop(ty);
        let b = self.vpop(ty);
        let a = self.vpop(ty);
        let product = self.builder.ins().fmul(a, b);
        let product = if form == Madd::Negated {
            self.builder.ins().fneg(product)
        } else {
            product
        };
        let v = self.builder.ins().fadd(product, c);
        self.vpush(v);
    }
}
