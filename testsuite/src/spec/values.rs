//! Conversions between the spec suite's `wast` values and waot values, and
//! result matching with the `nan:canonical` / `nan:arithmetic` rules.

use waot_run::{AnyKind, AnyRef, ExternRef, Val};

/// The `externref` of host value `n`.
fn host(n: u32) -> ExternRef {
    ExternRef::host(u64::from(n)).expect("a 32-bit host value fits")
}
use wast::core::{NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::{WastArg, WastRet};

/// A wast argument as a waot value.
pub fn arg(a: &WastArg) -> Result<Val, String> {
    match a {
        WastArg::Core(WastArgCore::I32(v)) => Ok(Val::I32(*v)),
        WastArg::Core(WastArgCore::I64(v)) => Ok(Val::I64(*v)),
        WastArg::Core(WastArgCore::F32(v)) => Ok(Val::F32(v.bits)),
        WastArg::Core(WastArgCore::F64(v)) => Ok(Val::F64(v.bits)),
        WastArg::Core(WastArgCore::RefNull(wast::core::HeapType::Abstract { ty, .. })) => {
            use wast::core::AbstractHeapType as H;
            Ok(match ty {
                H::Func | H::NoFunc => Val::FuncRef(waot_run::FuncRef::NULL),
                H::Extern | H::NoExtern => Val::ExternRef(ExternRef::NULL),
                H::Exn | H::NoExn => Val::ExnRef(waot_run::ExnRef::NULL),
                H::Any | H::Eq | H::I31 | H::Struct | H::Array | H::None => {
                    Val::AnyRef(AnyRef::NULL)
                }
                other => return Err(format!("unsupported argument ref.null {other:?}")),
            })
        }
        // `ref.extern N` is host value N made external; `ref.host N` the
        // host value itself, an `anyref`.
        WastArg::Core(WastArgCore::RefExtern(n)) => Ok(Val::ExternRef(host(*n))),
        WastArg::Core(WastArgCore::RefHost(n)) => Ok(Val::AnyRef(AnyRef::from_extern(host(*n)))),
        WastArg::Core(WastArgCore::V128(v)) => Ok(Val::V128(u128::from_le_bytes(v.to_le_bytes()))),
        other => Err(format!("unsupported argument {other:?}")),
    }
}

fn f32_matches(p: &NanPattern<wast::token::F32>, bits: u32) -> bool {
    let nan = (bits & 0x7f80_0000) == 0x7f80_0000 && (bits & 0x007f_ffff) != 0;
    match p {
        NanPattern::CanonicalNan => nan && (bits & 0x007f_ffff) == 0x0040_0000,
        NanPattern::ArithmeticNan => nan && (bits & 0x0040_0000) != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

fn f64_matches(p: &NanPattern<wast::token::F64>, bits: u64) -> bool {
    let exp = 0x7ff0_0000_0000_0000u64;
    let mantissa = 0x000f_ffff_ffff_ffffu64;
    let nan = (bits & exp) == exp && (bits & mantissa) != 0;
    match p {
        NanPattern::CanonicalNan => nan && (bits & mantissa) == 0x0008_0000_0000_0000,
        NanPattern::ArithmeticNan => nan && (bits & 0x0008_0000_0000_0000) != 0,
        NanPattern::Value(v) => v.bits == bits,
    }
}

/// Whether the 16 bytes of `v` match a lane pattern, each float lane by
/// the NaN rules.
fn v128_matches(p: &V128Pattern, v: u128) -> bool {
    let lanes = |bits: u32| (0..128 / bits).map(move |i| (v >> (i * bits)) & ((1u128 << bits) - 1));
    match p {
        V128Pattern::I8x16(e) => e.iter().zip(lanes(8)).all(|(e, a)| *e as u8 as u128 == a),
        V128Pattern::I16x8(e) => e.iter().zip(lanes(16)).all(|(e, a)| *e as u16 as u128 == a),
        V128Pattern::I32x4(e) => e.iter().zip(lanes(32)).all(|(e, a)| *e as u32 as u128 == a),
        V128Pattern::I64x2(e) => e.iter().zip(lanes(64)).all(|(e, a)| *e as u64 as u128 == a),
        V128Pattern::F32x4(e) => e
            .iter()
            .zip(lanes(32))
            .all(|(e, a)| f32_matches(e, a as u32)),
        V128Pattern::F64x2(e) => e
            .iter()
            .zip(lanes(64))
            .all(|(e, a)| f64_matches(e, a as u64)),
    }
}

/// Whether `actual` matches the expected result `r`.
pub fn matches(r: &WastRet, actual: &Val) -> Result<bool, String> {
    let WastRet::Core(r) = r else {
        return Err("component values".into());
    };
    core_matches(r, actual)
}

fn core_matches(r: &WastRetCore, actual: &Val) -> Result<bool, String> {
    Ok(match (r, actual) {
        (WastRetCore::I32(e), Val::I32(a)) => e == a,
        (WastRetCore::I64(e), Val::I64(a)) => e == a,
        (WastRetCore::F32(p), Val::F32(a)) => f32_matches(p, *a),
        (WastRetCore::F64(p), Val::F64(a)) => f64_matches(p, *a),
        (WastRetCore::RefNull(_), Val::FuncRef(r)) => r.is_null(),
        (WastRetCore::RefNull(_), Val::ExternRef(r)) => r.is_null(),
        (WastRetCore::RefNull(_), Val::AnyRef(r)) => r.is_null(),
        (WastRetCore::RefNull(_), Val::ExnRef(r)) => r.is_null(),
        (WastRetCore::RefExtern(None), Val::ExternRef(r)) => !r.is_null(),
        (WastRetCore::RefExtern(Some(n)), Val::ExternRef(r)) => {
            r.host_value() == Some(u64::from(*n))
        }
        (WastRetCore::RefHost(n), Val::AnyRef(r)) => r.host_value() == Some(u64::from(*n)),
        (WastRetCore::RefAny, Val::AnyRef(r)) => !r.is_null(),
        (WastRetCore::RefEq, Val::AnyRef(r)) => {
            matches!(r.kind(), AnyKind::I31 | AnyKind::Struct | AnyKind::Array)
        }
        (WastRetCore::RefI31, Val::AnyRef(r)) => r.kind() == AnyKind::I31,
        (WastRetCore::RefStruct, Val::AnyRef(r)) => r.kind() == AnyKind::Struct,
        (WastRetCore::RefArray, Val::AnyRef(r)) => r.kind() == AnyKind::Array,
        (WastRetCore::RefFunc(_), Val::FuncRef(r)) => !r.is_null(),
        (WastRetCore::V128(p), Val::V128(a)) => v128_matches(p, *a),
        (WastRetCore::V128(_), _) => false,
        (
            WastRetCore::RefNull(_)
            | WastRetCore::RefExtern(_)
            | WastRetCore::RefFunc(_)
            | WastRetCore::RefHost(_)
            | WastRetCore::RefAny
            | WastRetCore::RefEq
            | WastRetCore::RefI31
            | WastRetCore::RefStruct
            | WastRetCore::RefArray,
            _,
        ) => false,
        (WastRetCore::Either(options), a) => {
            options.iter().any(|o| core_matches(o, a).unwrap_or(false))
        }
        (
            WastRetCore::I32(_) | WastRetCore::I64(_) | WastRetCore::F32(_) | WastRetCore::F64(_),
            _,
        ) => false,
        (other, _) => return Err(format!("unsupported expected result {other:?}")),
    })
}
