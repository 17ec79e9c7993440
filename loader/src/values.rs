//! Wasm values on the host side: parsing command-line arguments, printing
//! results, and the 16-byte little-endian slots of the array-call ABI.

use crate::gc::refs::word_of;
pub use crate::gc::refs::{AnyKind, AnyRef, ExternRef, HOST_VALUE_MAX};
use crate::type_registry::CanonicalTypes;
use waot_format::types::{HeapType, ValType};

/// A `funcref`: null, or a function the loader handed out. Opaque: safe
/// code cannot make one from an address, only copy one it was given.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct FuncRef(usize);

/// An `exnref`: null, or an exception object the loader handed out.
/// Opaque like [`FuncRef`].
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ExnRef(usize);

macro_rules! opaque_ref {
    ($t:ident, $what:literal) => {
        impl $t {
            /// The null reference.
            pub const NULL: $t = $t(0);

            /// Whether it is null.
            pub fn is_null(self) -> bool {
                self.0 == 0
            }

            /// The reference at `address` (0 for null), which must be
            /// one compiled code or the loader made.
            pub(crate) fn from_raw(address: usize) -> $t {
                $t(address)
            }

            /// Its address (0 for null).
            pub(crate) fn raw(self) -> usize {
                self.0
            }
        }

        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                if self.is_null() {
                    write!(f, "{}(null)", $what)
                } else {
                    write!(f, "{}(..)", $what)
                }
            }
        }
    };
}

opaque_ref!(FuncRef, "FuncRef");
opaque_ref!(ExnRef, "ExnRef");

/// A wasm value.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Val {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, as bits (NaN payloads preserved).
    F32(u32),
    /// `f64`, as bits (NaN payloads preserved).
    F64(u64),
    /// `funcref` (and typed function references).
    FuncRef(FuncRef),
    /// `externref`.
    ExternRef(ExternRef),
    /// `anyref` and the rest of its hierarchy (GC).
    AnyRef(AnyRef),
    /// `exnref`.
    ExnRef(ExnRef),
    /// `v128`: its 16 bytes as a little-endian integer.
    V128(u128),
}

impl Val {
    /// The value's type.
    pub fn ty(&self) -> ValType {
        match self {
            Val::I32(_) => ValType::I32,
            Val::I64(_) => ValType::I64,
            Val::F32(_) => ValType::F32,
            Val::F64(_) => ValType::F64,
            Val::FuncRef(_) => ValType::FuncRef,
            Val::ExternRef(_) => ValType::ExternRef,
            Val::AnyRef(_) => ValType::reference(true, HeapType::Any),
            Val::ExnRef(_) => ValType::ExnRef,
            Val::V128(_) => ValType::V128,
        }
    }

    /// Whether this value may be passed where `ty` is expected: a number of
    /// that type, or a reference of its hierarchy that is non-null when
    /// `ty` is, and for a function type (canonical id) a function of that
    /// type or of a declared subtype of it. A non-null `FuncRef` must be the address of a function
    /// reference record, as every `FuncRef` the loader hands out is.
    pub(crate) fn matches(&self, ty: ValType) -> bool {
        let Some(r) = ty.as_ref() else {
            return self.ty() == ty;
        };
        if self.ty() != ty.top_in(&CanonicalTypes) {
            return false;
        }
        // A released root matches nothing (not even as null).
        if let Val::AnyRef(AnyRef(held)) | Val::ExternRef(ExternRef(held)) = *self
            && word_of(held).is_none()
        {
            return false;
        }
        let raw = self.raw_u64();
        if raw == 0 {
            return r.nullable;
        }
        match (self, r.heap) {
            (Val::AnyRef(a), heap) => a.is_of(heap).unwrap_or(false),
            (_, HeapType::Concrete(id)) => {
                let at = raw as usize + waot_format::vmctx::func_ref::TYPE_ID as usize;
                // SAFETY: a non-null funcref points to a function reference
                // record (see above), whose type id is a `u32` at TYPE_ID.
                let actual = unsafe { std::ptr::read(at as *const u32) };
                // A function of a declared subtype is one of its supertype
                // too (GC).
                crate::type_registry::is_subtype(actual, id.0)
            }
            // The bottom types hold only null.
            (_, HeapType::NoFunc | HeapType::NoExtern | HeapType::NoExn) => false,
            _ => true,
        }
    }

    /// Whether it is a GC reference whose root scope has ended.
    pub fn is_released(&self) -> bool {
        matches!(*self, Val::AnyRef(AnyRef(held)) | Val::ExternRef(ExternRef(held)) if word_of(held).is_none())
    }

    /// A null reference of type `ty` (or zero for numbers); a typed
    /// reference is represented as the top of its hierarchy (its concrete
    /// heap type a canonical id).
    pub fn null(ty: ValType) -> Val {
        Val::from_slot(ty, &ValRaw::default())
    }

    /// The raw 64-bit payload (references and integers; the low half of a
    /// `v128`).
    pub(crate) fn raw_u64(&self) -> u64 {
        match *self {
            Val::I32(v) => v as u32 as u64,
            Val::I64(v) => v as u64,
            Val::F32(v) => v as u64,
            Val::F64(v) => v,
            Val::FuncRef(v) => v.raw() as u64,
            Val::ExternRef(v) => v.raw(),
            Val::AnyRef(v) => v.raw(),
            Val::ExnRef(v) => v.raw() as u64,
            Val::V128(v) => v as u64,
        }
    }

    /// Parses a command-line argument as a value of type `ty`. Integers
    /// accept the full signed and unsigned range (and `0x` hex); floats
    /// accept decimal, `inf`, `-inf` and `nan`.
    pub fn parse(ty: ValType, text: &str) -> Result<Val, String> {
        let bad = || format!("'{text}' is not a valid {ty}");
        let int = |bits: u32| -> Result<u64, String> {
            let (neg, digits) = match text.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, text.strip_prefix('+').unwrap_or(text)),
            };
            let magnitude = match digits
                .strip_prefix("0x")
                .or_else(|| digits.strip_prefix("0X"))
            {
                Some(hex) => u128::from_str_radix(&hex.replace('_', ""), 16),
                None => digits.replace('_', "").parse::<u128>(),
            }
            .map_err(|_| bad())?;
            let max_unsigned = (1u128 << bits) - 1;
            let max_negative = 1u128 << (bits - 1);
            if (neg && magnitude > max_negative) || (!neg && magnitude > max_unsigned) {
                return Err(format!("'{text}' is out of range for {ty}"));
            }
            let v = if neg {
                magnitude.wrapping_neg()
            } else {
                magnitude
            };
            Ok((v & max_unsigned) as u64)
        };
        // NaN and infinity bits are written out: converting a NaN between
        // f64 and f32, or negating it arithmetically, may lose its sign
        // (RISC-V's fcvt returns the positive canonical NaN), and `-nan`
        // must stay negative on every host.
        let special = |text: &str| -> Option<(u32, u64)> {
            Some(match text.to_ascii_lowercase().as_str() {
                "nan" | "+nan" => (0x7fc0_0000, 0x7ff8_0000_0000_0000),
                "-nan" => (0xffc0_0000, 0xfff8_0000_0000_0000),
                "inf" | "+inf" | "infinity" | "+infinity" => (0x7f80_0000, 0x7ff0_0000_0000_0000),
                "-inf" | "-infinity" => (0xff80_0000, 0xfff0_0000_0000_0000),
                _ => return None,
            })
        };
        Ok(match ty {
            ValType::I32 => Val::I32(int(32)? as u32 as i32),
            ValType::I64 => Val::I64(int(64)? as i64),
            ValType::F32 => Val::F32(match special(text) {
                Some((bits, _)) => bits,
                None => text.parse::<f32>().map_err(|_| bad())?.to_bits(),
            }),
            ValType::F64 => Val::F64(match special(text) {
                Some((_, bits)) => bits,
                None => text.parse::<f64>().map_err(|_| bad())?.to_bits(),
            }),
            ValType::V128 => {
                let hex = text
                    .strip_prefix("0x")
                    .or_else(|| text.strip_prefix("0X"))
                    .ok_or_else(|| {
                        format!("'{text}' is not a valid v128 (give 0x and 32 hex digits)")
                    })?;
                Val::V128(u128::from_str_radix(&hex.replace('_', ""), 16).map_err(|_| bad())?)
            }
            other => {
                return Err(format!(
                    "arguments of type {other} cannot be given on the command line"
                ));
            }
        })
    }

    /// Writes the value into a 16-byte slot.
    pub(crate) fn to_slot(self) -> ValRaw {
        let mut raw = [0u8; 16];
        match self {
            Val::I32(v) => raw[..4].copy_from_slice(&v.to_le_bytes()),
            Val::I64(v) => raw[..8].copy_from_slice(&v.to_le_bytes()),
            Val::F32(v) => raw[..4].copy_from_slice(&v.to_le_bytes()),
            Val::F64(v) => raw[..8].copy_from_slice(&v.to_le_bytes()),
            Val::FuncRef(v) => raw[..8].copy_from_slice(&(v.raw() as u64).to_le_bytes()),
            Val::ExternRef(v) => raw[..8].copy_from_slice(&v.raw().to_le_bytes()),
            Val::AnyRef(v) => raw[..8].copy_from_slice(&v.raw().to_le_bytes()),
            Val::ExnRef(v) => raw[..8].copy_from_slice(&(v.raw() as u64).to_le_bytes()),
            Val::V128(v) => raw = v.to_le_bytes(),
        }
        ValRaw(raw)
    }

    /// Reads a value of type `ty` (its concrete heap type a canonical id)
    /// from a slot, a typed reference as the top of its hierarchy.
    pub(crate) fn from_slot(ty: ValType, slot: &ValRaw) -> Val {
        let b = &slot.0;
        let w4 = [b[0], b[1], b[2], b[3]];
        let w8 = [b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]];
        match ty.top_in(&CanonicalTypes) {
            ValType::I32 => Val::I32(i32::from_le_bytes(w4)),
            ValType::F32 => Val::F32(u32::from_le_bytes(w4)),
            ValType::F64 => Val::F64(u64::from_le_bytes(w8)),
            // The only typed top: `anyref`.
            ValType::Ref(_) => Val::AnyRef(AnyRef::from_raw(u64::from_le_bytes(w8))),
            ValType::FuncRef => Val::FuncRef(FuncRef::from_raw(u64::from_le_bytes(w8) as usize)),
            ValType::ExternRef => Val::ExternRef(ExternRef::from_raw(u64::from_le_bytes(w8))),
            ValType::ExnRef => Val::ExnRef(ExnRef::from_raw(u64::from_le_bytes(w8) as usize)),
            ValType::V128 => Val::V128(u128::from_le_bytes(*b)),
            ValType::I64 => Val::I64(i64::from_le_bytes(w8)),
        }
    }
}

impl std::fmt::Display for Val {
    /// Integers in signed decimal; floats in shortest round-trip form,
    /// `inf`, `-inf`, `nan` (or `nan:0x…` for a non-canonical payload).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Val::I32(v) => write!(f, "{v}"),
            Val::I64(v) => write!(f, "{v}"),
            Val::ExternRef(r) if r.is_null() => write!(f, "null"),
            Val::AnyRef(r) if r.is_null() => write!(f, "null"),
            Val::FuncRef(r) if r.is_null() => write!(f, "null"),
            Val::ExnRef(r) if r.is_null() => write!(f, "null"),
            Val::ExnRef(_) => write!(f, "exnref"),
            Val::FuncRef(_) => write!(f, "funcref"),
            Val::ExternRef(r) => match r.host_value() {
                Some(h) => write!(f, "externref {h}"),
                None => write!(f, "externref ({})", AnyRef::from_extern(r).describe()),
            },
            Val::AnyRef(r) => write!(f, "anyref {}", r.describe()),
            Val::V128(v) => write!(f, "{v:#034x}"),
            Val::F32(bits) => {
                let v = f32::from_bits(bits);
                float(
                    f,
                    v.is_nan(),
                    v.is_sign_negative(),
                    u64::from(bits & 0x7f_ffff),
                    0x40_0000,
                    &format!("{v:?}"),
                )
            }
            Val::F64(bits) => {
                let v = f64::from_bits(bits);
                float(
                    f,
                    v.is_nan(),
                    v.is_sign_negative(),
                    bits & ((1 << 52) - 1),
                    1 << 51,
                    &format!("{v:?}"),
                )
            }
        }
    }
}

fn float(
    f: &mut std::fmt::Formatter<'_>,
    nan: bool,
    negative: bool,
    payload: u64,
    canonical: u64,
    shortest: &str,
) -> std::fmt::Result {
    if nan {
        let sign = if negative { "-" } else { "" };
        if payload == canonical {
            write!(f, "{sign}nan")
        } else {
            write!(f, "{sign}nan:{payload:#x}")
        }
    } else {
        write!(f, "{shortest}")
    }
}

/// One 16-byte value slot of the array-call ABI.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C, align(16))]
pub(crate) struct ValRaw(pub(crate) [u8; 16]);

impl ValRaw {
    /// A slot holding `v` in its low 8 bytes, little-endian.
    pub(crate) fn from_u64(v: u64) -> ValRaw {
        let mut raw = [0u8; 16];
        raw[..8].copy_from_slice(&v.to_le_bytes());
        ValRaw(raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signs and bits of special floats do not depend on how the host
    /// converts or negates NaNs (a riscv64 build once read `-nan` as
    /// `nan`: its f64-to-f32 conversion returns the canonical NaN).
    #[test]
    fn special_float_arguments_have_exact_bits() {
        let f32_bits = |t: &str| match Val::parse(ValType::F32, t) {
            Ok(Val::F32(b)) => b,
            other => panic!("{t}: {other:?}"),
        };
        let f64_bits = |t: &str| match Val::parse(ValType::F64, t) {
            Ok(Val::F64(b)) => b,
            other => panic!("{t}: {other:?}"),
        };
        assert_eq!(f32_bits("-nan"), 0xffc0_0000);
        assert_eq!(f32_bits("NaN"), 0x7fc0_0000);
        assert_eq!(f32_bits("-inf"), 0xff80_0000);
        assert_eq!(f32_bits("-0"), 0x8000_0000);
        assert_eq!(f64_bits("-nan"), 0xfff8_0000_0000_0000);
        assert_eq!(f64_bits("+infinity"), 0x7ff0_0000_0000_0000);
        assert_eq!(f64_bits("1.5"), 1.5f64.to_bits());
        assert!(Val::parse(ValType::F32, "nan:0x1").is_err());
    }
}
