//! Decoders for the pieces sections are made of (lists, value and function
//! types, limits, constant expressions, build information). Every function
//! reads through the bounds-checked [`Cursor`] and returns a `FormatError`
//! instead of panicking.

use crate::error::{FormatError, Result};
use crate::reader::Cursor;
use crate::types::*;

pub(crate) fn decode_list<'a, T>(
    c: &mut Cursor<'a>,
    min_item_size: usize,
    mut item: impl FnMut(&mut Cursor<'a>) -> Result<T>,
) -> Result<Vec<T>> {
    let n = c.count(min_item_size)?;
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(item(c)?);
    }
    c.finish()?;
    Ok(out)
}

pub(crate) fn decode_valtype(c: &mut Cursor) -> Result<ValType> {
    let at = c.offset();
    ValType::from_code(c.u8()?).ok_or(FormatError::new("unknown value type", at))
}

pub(crate) fn decode_func_type(c: &mut Cursor) -> Result<FuncType> {
    let n = c.count(1)?;
    let params = (0..n).map(|_| decode_valtype(c)).collect::<Result<_>>()?;
    let n = c.count(1)?;
    let results = (0..n).map(|_| decode_valtype(c)).collect::<Result<_>>()?;
    Ok(FuncType { params, results })
}

pub(crate) fn decode_option_u64(c: &mut Cursor) -> Result<Option<u64>> {
    Ok(if c.bool()? { Some(c.u64()?) } else { None })
}

pub(crate) fn decode_memory(c: &mut Cursor) -> Result<MemoryDesc> {
    let at = c.offset();
    let min_pages = c.u64()?;
    let max_pages = decode_option_u64(c)?;
    let page_limit = decode_option_u64(c)?;
    let shared = c.bool()?;
    let memory64 = c.bool()?;
    if max_pages.is_some_and(|max| max < min_pages) {
        return Err(FormatError::new("memory maximum is below its minimum", at));
    }
    Ok(MemoryDesc {
        min_pages,
        max_pages,
        page_limit,
        shared,
        memory64,
    })
}

pub(crate) fn decode_ref_type(c: &mut Cursor) -> Result<ValType> {
    let at = c.offset();
    match decode_valtype(c)? {
        t @ (ValType::FuncRef | ValType::ExternRef) => Ok(t),
        _ => Err(FormatError::new("expected a reference type", at)),
    }
}

pub(crate) fn decode_table(c: &mut Cursor) -> Result<TableDesc> {
    let at = c.offset();
    let elem = decode_ref_type(c)?;
    let min = c.u64()?;
    let max = decode_option_u64(c)?;
    if max.is_some_and(|max| max < min) {
        return Err(FormatError::new("table maximum is below its minimum", at));
    }
    Ok(TableDesc { elem, min, max })
}

pub(crate) fn decode_const_expr(
    c: &mut Cursor,
    num_funcs: usize,
    num_imported_globals: usize,
) -> Result<ConstExpr> {
    let at = c.offset();
    let kind = c.u8()?;
    let value = c.u64()?;
    Ok(match kind {
        0 => ConstExpr::I32(value as u32 as i32),
        1 => ConstExpr::I64(value as i64),
        2 => ConstExpr::F32(value as u32),
        3 => ConstExpr::F64(value),
        4 if (value as usize) < num_imported_globals => {
            ConstExpr::GlobalGet(GlobalIndex(value as u32))
        }
        5 => ConstExpr::RefNull,
        6 if (value as usize) < num_funcs => ConstExpr::RefFunc(FuncIndex(value as u32)),
        4 | 6 => {
            return Err(FormatError::new(
                "constant expression index out of range",
                at,
            ));
        }
        _ => return Err(FormatError::new("unknown constant expression", at)),
    })
}

pub(crate) fn decode_build_info<'a>(c: &mut Cursor<'a>) -> Result<BuildInfo<'a>> {
    let source_name = c.str()?;
    let target = c.str()?;
    let cpu_mode = match c.u8()? {
        0 => CpuMode::Baseline,
        1 => CpuMode::Native,
        _ => return Err(c.error("unknown cpu mode")),
    };
    let cpu_features = c.str()?;
    let text_align = c.u32()?;
    let bounds = match c.u8()? {
        0 => BoundsStrategy::Guard,
        1 => BoundsStrategy::Explicit,
        _ => return Err(c.error("unknown bounds strategy")),
    };
    let memory_reservation = c.u64()?;
    let memory_guard = c.u64()?;
    let stack_check = c.bool()?;
    let wasm_features = c.u64()?;
    let opt_level = c.str()?;
    let codegen = c.str()?;
    c.finish()?;
    Ok(BuildInfo {
        source_name,
        target,
        cpu_mode,
        cpu_features,
        text_align,
        bounds,
        memory_reservation,
        memory_guard,
        stack_check,
        wasm_features,
        opt_level,
        codegen,
    })
}
