//! Constant expressions: the single-operator forms (kinds 0–6), the
//! extended ones (kind 7: arithmetic, `global.get`, and the GC operators
//! of formats 2.16 and 2.17), each checked on a type stack against the
//! module's types and globals ([`Scope`]) so that the loader may evaluate
//! it as it is.

use super::*;

/// Reads a constant expression that must produce a value of type
/// `expected`; `type_error` says what is wrong otherwise.
pub(crate) fn decode_const_expr(
    c: &mut Cursor,
    scope: &Scope,
    expected: ValType,
    type_error: &'static str,
) -> Result<ConstExpr> {
    let at = c.offset();
    let kind = c.u8()?;
    let value = c.u64()?;
    let low32 = u32::try_from(value)
        .map_err(|_| FormatError::new("constant expression has unused bits set", at + 1));
    let index_error = FormatError::new("constant expression index out of range", at + 1);
    let (expr, ty) = match kind {
        0 => (ConstExpr::I32(low32? as i32), ValType::I32),
        1 => (ConstExpr::I64(value as i64), ValType::I64),
        2 => (ConstExpr::F32(low32?), ValType::F32),
        3 => (ConstExpr::F64(value), ValType::F64),
        4 => {
            let index = usize::try_from(value).map_err(|_| index_error)?;
            let &(ty, mutable) = scope.readable_globals.get(index).ok_or(index_error)?;
            if mutable {
                return Err(FormatError::new(
                    "constant expression reads a mutable global",
                    at + 1,
                ));
            }
            (ConstExpr::GlobalGet(GlobalIndex(index as u32)), ty)
        }
        5 if value != 0 => {
            return Err(FormatError::new(
                "constant expression has unused bits set",
                at + 1,
            ));
        }
        5 if expected.as_ref().is_some_and(|r| r.nullable) => (ConstExpr::RefNull, expected),
        5 => (ConstExpr::RefNull, ValType::FuncRef),
        6 => {
            let index = usize::try_from(value)
                .ok()
                .filter(|&i| i < scope.num_funcs)
                .ok_or(index_error)?;
            let ty = scope.func_types.get(index).ok_or(index_error)?;
            (
                ConstExpr::RefFunc(FuncIndex(index as u32)),
                ValType::reference(false, HeapType::Concrete(*ty)),
            )
        }
        7 => decode_extended(c, scope, value, at)?,
        8 => {
            let high = c.u64()?;
            (
                ConstExpr::V128(u128::from(value) | u128::from(high) << 64),
                ValType::V128,
            )
        }
        _ => return Err(FormatError::new("unknown constant expression", at)),
    };
    if !scope.is_subtype(ty, expected) {
        return Err(FormatError::new(type_error, at));
    }
    Ok(expr)
}

/// A GC allocation of an extended constant expression (kinds 18 to 22,
/// format 2.17): `struct.new`, `struct.new_default`, `array.new`,
/// `array.new_default`, `array.new_fixed`, whose `value` is the type index
/// (and for `array.new_fixed` the count in its high half). Pops and checks
/// the operands; `None` when a type or operand is wrong.
fn decode_allocation(
    kind: u8,
    value: u64,
    scope: &Scope,
    stack: &mut Vec<ValType>,
) -> Option<(ConstOp, ValType)> {
    use crate::gc_types::{CompositeType, StorageType};
    let t = TypeIndex(u32::try_from(value & 0xffff_ffff).ok()?);
    let count = u32::try_from(value >> 32).ok()?;
    if kind != 22 && count != 0 {
        return None;
    }
    let composite = &scope.type_list.get(t.index())?.composite;
    let unpacked = |s: StorageType| match s {
        StorageType::Val(v) => v,
        _ => ValType::I32,
    };
    let mut pop = |expected: ValType| {
        let v = stack.pop()?;
        scope.is_subtype(v, expected).then_some(())
    };
    let op = match (kind, composite) {
        (18, CompositeType::Struct(fields)) => {
            for f in fields.iter().rev() {
                pop(unpacked(f.storage))?;
            }
            ConstOp::StructNew(t)
        }
        (19, CompositeType::Struct(fields)) => {
            fields
                .iter()
                .all(|f| f.storage.defaultable())
                .then_some(())?;
            ConstOp::StructNewDefault(t)
        }
        (20, CompositeType::Array(e)) => {
            pop(ValType::I32)?;
            pop(unpacked(e.storage))?;
            ConstOp::ArrayNew(t)
        }
        (21, CompositeType::Array(e)) => {
            e.storage.defaultable().then_some(())?;
            pop(ValType::I32)?;
            ConstOp::ArrayNewDefault(t)
        }
        (22, CompositeType::Array(e)) => {
            for _ in 0..count {
                pop(unpacked(e.storage))?;
            }
            ConstOp::ArrayNewFixed(t, count)
        }
        _ => return None,
    };
    Some((op, ValType::reference(false, HeapType::Concrete(t))))
}

/// Reads the `count` operators of an extended constant expression (kind 7)
/// and checks them on a type stack: `i32.const`, `i64.const`, `global.get`
/// of an immutable imported global, and the `add`, `sub`, `mul` of i32 (8,
/// 9, 10) and i64 (11, 12, 13), leaving exactly one value.
fn decode_extended(
    c: &mut Cursor,
    scope: &Scope,
    count: u64,
    at: usize,
) -> Result<(ConstExpr, ValType)> {
    let count = usize::try_from(count)
        .ok()
        .filter(|&n| n.saturating_mul(9) <= c.rest().len())
        .ok_or(FormatError::new("count larger than its section", at + 1))?;
    let mut ops = Vec::with_capacity(count);
    let mut stack: Vec<ValType> = Vec::new();
    let arith = |code: u8| match code {
        0 => ArithOp::Add,
        1 => ArithOp::Sub,
        _ => ArithOp::Mul,
    };
    for _ in 0..count {
        let op_at = c.offset();
        let kind = c.u8()?;
        let value = c.u64()?;
        let bad = |message| FormatError::new(message, op_at);
        let operand_error = || bad("constant expression operands have the wrong types");
        let unused = || bad("constant expression has unused bits set");
        // Each operator: what it is, what it pops (checked) and pushes.
        let (op, push) = match kind {
            0 => {
                let v = u32::try_from(value).map_err(|_| unused())?;
                (ConstOp::I32(v as i32), ValType::I32)
            }
            1 => (ConstOp::I64(value as i64), ValType::I64),
            4 => {
                let index = usize::try_from(value).unwrap_or(usize::MAX);
                let &(ty, mutable) = scope
                    .readable_globals
                    .get(index)
                    .ok_or(bad("constant expression index out of range"))?;
                if mutable {
                    return Err(bad("constant expression reads a mutable global"));
                }
                (ConstOp::GlobalGet(GlobalIndex(index as u32)), ty)
            }
            8..=13 if value == 0 => {
                let (t, op) = match kind {
                    8..=10 => (ValType::I32, ConstOp::I32Arith(arith(kind - 8))),
                    _ => (ValType::I64, ConstOp::I64Arith(arith(kind - 11))),
                };
                let b = stack.pop();
                let a = stack.pop();
                if a != Some(t) || b != Some(t) {
                    return Err(operand_error());
                }
                (op, t)
            }
            14 => {
                let code = u32::try_from(value).map_err(|_| unused())?;
                let heap = scope.heap_type(code).ok_or(bad("unknown heap type"))?;
                (ConstOp::RefNull(heap), ValType::reference(true, heap))
            }
            15 if value == 0 => {
                if stack.pop() != Some(ValType::I32) {
                    return Err(operand_error());
                }
                (ConstOp::RefI31, ValType::reference(false, HeapType::I31))
            }
            16 | 17 if value == 0 => {
                // The same reference in the other hierarchy, nullable as
                // its operand.
                let (from, to, op) = match kind {
                    16 => (HeapType::Extern, HeapType::Any, ConstOp::AnyConvertExtern),
                    _ => (HeapType::Any, HeapType::Extern, ConstOp::ExternConvertAny),
                };
                let operand = stack.pop().and_then(ValType::as_ref);
                let nullable = match operand {
                    Some(r) if r.heap.top_in(&scope.types) == from => r.nullable,
                    _ => return Err(operand_error()),
                };
                (op, ValType::reference(nullable, to))
            }
            18..=22 => {
                decode_allocation(kind, value, scope, &mut stack).ok_or_else(operand_error)?
            }
            23 => {
                let v = u32::try_from(value).map_err(|_| unused())?;
                (ConstOp::F32(v), ValType::F32)
            }
            24 => (ConstOp::F64(value), ValType::F64),
            26 => {
                let index = usize::try_from(value)
                    .ok()
                    .filter(|&i| i < scope.num_funcs)
                    .ok_or(bad("constant expression index out of range"))?;
                let ty = scope
                    .func_types
                    .get(index)
                    .ok_or(bad("constant expression index out of range"))?;
                (
                    ConstOp::RefFunc(FuncIndex(index as u32)),
                    ValType::reference(false, HeapType::Concrete(*ty)),
                )
            }
            25 => {
                let high = c.u64()?;
                (
                    ConstOp::V128(u128::from(value) | u128::from(high) << 64),
                    ValType::V128,
                )
            }
            _ => return Err(bad("unknown constant expression operator")),
        };
        stack.push(push);
        ops.push(op);
    }
    match stack.as_slice() {
        [ty] => Ok((ConstExpr::Extended(ops), *ty)),
        _ => Err(FormatError::new(
            "constant expression does not leave exactly one value",
            at,
        )),
    }
}
