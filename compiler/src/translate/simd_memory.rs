//! SIMD memory access: `v128.load`/`store`, the widening loads, splat and
//! zero-extending loads, and single-lane loads and stores. Addresses and
//! bounds checks are the scalar ones (`memory.rs`), so every form follows
//! the module's bounds mode.

use super::Translator;
use crate::error::Result;
use cranelift_codegen::ir::types::{I8X16, I16X8, I32X4, I64X2};
use cranelift_codegen::ir::{self, InstBuilder};
use wasmparser::{MemArg, Operator};

/// How a 64-bit load widens into a vector.
#[derive(Clone, Copy)]
enum Widening {
    I8x8S,
    I8x8U,
    I16x4S,
    I16x4U,
    I32x2S,
    I32x2U,
}

/// Where a scalar load puts its value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scalar {
    /// In every lane.
    Splat,
    /// In lane 0, the other lanes zero.
    Zero,
}

impl Translator<'_, '_> {
    /// SIMD loads and stores. Returns false for other operators.
    pub(super) fn simd_memory_operator(&mut self, op: &Operator) -> Result<bool> {
        use Operator as O;
        match *op {
            O::V128Load { memarg } => {
                let index = self.pop();
                let (addr, flags) = self.address(index, memarg, 16);
                let v = self.builder.ins().load(I8X16, flags, addr, 0);
                self.push(v);
            }
            O::V128Store { memarg } => {
                let v = self.vpop(I8X16);
                let index = self.pop();
                let (addr, flags) = self.address(index, memarg, 16);
                self.builder.ins().store(flags, v, addr, 0);
            }
            O::V128Load8x8S { memarg } => self.load_widening(memarg, Widening::I8x8S),
            O::V128Load8x8U { memarg } => self.load_widening(memarg, Widening::I8x8U),
            O::V128Load16x4S { memarg } => self.load_widening(memarg, Widening::I16x4S),
            O::V128Load16x4U { memarg } => self.load_widening(memarg, Widening::I16x4U),
            O::V128Load32x2S { memarg } => self.load_widening(memarg, Widening::I32x2S),
            O::V128Load32x2U { memarg } => self.load_widening(memarg, Widening::I32x2U),
            O::V128Load8Splat { memarg } => self.load_scalar(memarg, I8X16, Scalar::Splat),
            O::V128Load16Splat { memarg } => self.load_scalar(memarg, I16X8, Scalar::Splat),
            O::V128Load32Splat { memarg } => self.load_scalar(memarg, I32X4, Scalar::Splat),
            O::V128Load64Splat { memarg } => self.load_scalar(memarg, I64X2, Scalar::Splat),
            O::V128Load32Zero { memarg } => self.load_scalar(memarg, I32X4, Scalar::Zero),
            O::V128Load64Zero { memarg } => self.load_scalar(memarg, I64X2, Scalar::Zero),
            O::V128Load8Lane { memarg, lane } => self.load_lane(memarg, I8X16, lane),
            O::V128Load16Lane { memarg, lane } => self.load_lane(memarg, I16X8, lane),
            O::V128Load32Lane { memarg, lane } => self.load_lane(memarg, I32X4, lane),
            O::V128Load64Lane { memarg, lane } => self.load_lane(memarg, I64X2, lane),
            O::V128Store8Lane { memarg, lane } => self.store_lane(memarg, I8X16, lane),
            O::V128Store16Lane { memarg, lane } => self.store_lane(memarg, I16X8, lane),
            O::V128Store32Lane { memarg, lane } => self.store_lane(memarg, I32X4, lane),
            O::V128Store64Lane { memarg, lane } => self.store_lane(memarg, I64X2, lane),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Loads 8 bytes and widens each of their lanes to twice its width.
    fn load_widening(&mut self, memarg: MemArg, how: Widening) {
        let index = self.pop();
        let (addr, flags) = self.address(index, memarg, 8);
        let ins = self.builder.ins();
        let v = match how {
            Widening::I8x8S => ins.sload8x8(flags, addr, 0),
            Widening::I8x8U => ins.uload8x8(flags, addr, 0),
            Widening::I16x4S => ins.sload16x4(flags, addr, 0),
            Widening::I16x4U => ins.uload16x4(flags, addr, 0),
            Widening::I32x2S => ins.sload32x2(flags, addr, 0),
            Widening::I32x2U => ins.uload32x2(flags, addr, 0),
        };
        self.vpush(v);
    }

    /// Loads one scalar lane and fills the vector as `fill` says.
    fn load_scalar(&mut self, memarg: MemArg, ty: ir::Type, fill: Scalar) {
        let lane = ty.lane_type();
        let index = self.pop();
        let (addr, flags) = self.address(index, memarg, lane.bytes());
        let s = self.builder.ins().load(lane, flags, addr, 0);
        let v = if fill == Scalar::Splat {
            self.builder.ins().splat(ty, s)
        } else {
            self.builder.ins().scalar_to_vector(ty, s)
        };
        self.vpush(v);
    }

    fn load_lane(&mut self, memarg: MemArg, ty: ir::Type, lane: u8) {
        let v = self.vpop(ty);
        let index = self.pop();
        let lane_ty = ty.lane_type();
        let (addr, flags) = self.address(index, memarg, lane_ty.bytes());
        let s = self.builder.ins().load(lane_ty, flags, addr, 0);
        let v = self.builder.ins().insertlane(v, s, lane);
        self.vpush(v);
    }

    fn store_lane(&mut self, memarg: MemArg, ty: ir::Type, lane: u8) {
        let v = self.vpop(ty);
        let index = self.pop();
        let lane_ty = ty.lane_type();
        let (addr, flags) = self.address(index, memarg, lane_ty.bytes());
        let s = self.builder.ins().extractlane(v, lane);
        self.builder.ins().store(flags, s, addr, 0);
    }
}
