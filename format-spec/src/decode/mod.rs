//! Decoders for the pieces sections are made of (lists, value and function
//! types, limits, constant expressions, globals, segments, exports, build
//! information). Every function reads through the bounds-checked [`Cursor`]
//! and returns a `FormatError` instead of panicking, and checks each value
//! against the module's own types and index spaces ([`Scope`]) so that the
//! loader may use it as it is.

use crate::error::{FormatError, Result};
use crate::reader::Cursor;
use crate::types::*;

mod const_expr;
pub(crate) use const_expr::decode_const_expr;

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

/// Reads a value type; a concrete heap type must be one of the module's
/// `num_types` types.
pub(crate) fn decode_valtype(c: &mut Cursor, num_types: usize) -> Result<ValType> {
    let at = c.offset();
    let code = c.u8()?;
    if code != REF_CODE && code != REF_NULL_CODE {
        return ValType::from_code(code).ok_or(FormatError::new("unknown value type", at));
    }
    let heap_code = c.u32()?;
    let heap = match HeapType::abstract_from_code(heap_code) {
        Some(heap) => heap,
        None if (heap_code as usize) < num_types => HeapType::Concrete(TypeIndex(heap_code)),
        None => return Err(FormatError::new("heap type index out of range", at + 1)),
    };
    Ok(ValType::reference(code == REF_NULL_CODE, heap))
}

pub(crate) fn decode_func_type(c: &mut Cursor, num_types: usize) -> Result<FuncType> {
    let n = c.count(1)?;
    let params = (0..n)
        .map(|_| decode_valtype(c, num_types))
        .collect::<Result<_>>()?;
    let n = c.count(1)?;
    let results = (0..n)
        .map(|_| decode_valtype(c, num_types))
        .collect::<Result<_>>()?;
    Ok(FuncType { params, results })
}

/// Reads `.waot.gc-types` (format 2.15): the GC ABI fingerprint, the
/// recursion groups' sizes and the types, each checked: sizes that add up
/// to the number of types, a supertype that is an earlier type of the
/// same kind and not final, heap types of the module's types.
pub(crate) fn decode_gc_types(c: &mut Cursor) -> Result<(u64, Vec<u32>, Vec<SubType>)> {
    let fingerprint = c.u64()?;
    let groups_at = c.offset();
    let n = c.count(4)?;
    let rec_groups = (0..n).map(|_| c.u32()).collect::<Result<Vec<u32>>>()?;
    let num_types = c.clone().u32()? as usize;
    let mut total = 0u64;
    for &n in &rec_groups {
        total += u64::from(n);
        if n == 0 {
            return Err(FormatError::new("an empty recursion group", groups_at));
        }
    }
    if total != num_types as u64 {
        return Err(FormatError::new(
            "the recursion groups do not add up to the number of types",
            groups_at,
        ));
    }
    let field = |c: &mut Cursor| -> Result<FieldType> {
        // A packed type's code, or a value type's first byte.
        let packed = match c.clone().u8()? {
            STORAGE_I8 => Some(StorageType::I8),
            STORAGE_I16 => Some(StorageType::I16),
            _ => None,
        };
        let storage = match packed {
            Some(p) => c.u8().map(|_| p)?,
            None => StorageType::Val(decode_valtype(c, num_types)?),
        };
        let mutable = c.bool()?;
        Ok(FieldType { storage, mutable })
    };
    let mut types: Vec<SubType> = Vec::new();
    let n = c.count(6)?;
    for i in 0..n {
        let at = c.offset();
        let is_final = c.bool()?;
        let supertype = match c.u32()? {
            u32::MAX => None,
            s if (s as usize) < i => Some(TypeIndex(s)),
            _ => {
                return Err(FormatError::new(
                    "a supertype is not an earlier type",
                    at + 1,
                ));
            }
        };
        let composite = match c.u8()? {
            0 => CompositeType::Func(decode_func_type(c, num_types)?),
            1 => {
                let n = c.count(2)?;
                CompositeType::Struct((0..n).map(|_| field(c)).collect::<Result<_>>()?)
            }
            2 => CompositeType::Array(field(c)?),
            _ => return Err(FormatError::new("unknown composite type", at + 5)),
        };
        let ty = SubType {
            is_final,
            supertype,
            composite,
        };
        if let Some(s) = supertype.map(|s| &types[s.index()])
            && (s.is_final || s.kind() != ty.kind())
        {
            return Err(FormatError::new(
                "a supertype is final or of another kind",
                at + 1,
            ));
        }
        types.push(ty);
    }
    c.finish()?;
    Ok((fingerprint, rec_groups, types))
}

pub(crate) fn decode_option_u64(c: &mut Cursor) -> Result<Option<u64>> {
    Ok(if c.bool()? { Some(c.u64()?) } else { None })
}

/// Pages a 32-bit memory can have (4 GiB).
const MAX_PAGES_32: u64 = 1 << 16;
/// Pages a 64-bit memory can have (2^64 bytes).
const MAX_PAGES_64: u64 = 1 << 48;
/// Elements a 32-bit table can have (its limits are `u32`s in wasm).
const MAX_TABLE_ELEMENTS: u64 = u32::MAX as u64;

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
    let most = if memory64 { MAX_PAGES_64 } else { MAX_PAGES_32 };
    if min_pages > most || max_pages.is_some_and(|max| max > most) {
        return Err(FormatError::new(
            "memory limits exceed the pages its index type can address",
            at,
        ));
    }
    if shared && max_pages.is_none() {
        return Err(FormatError::new("shared memory has no maximum", at));
    }
    Ok(MemoryDesc {
        min_pages,
        max_pages,
        page_limit,
        shared,
        memory64,
    })
}

pub(crate) fn decode_ref_type(c: &mut Cursor, num_types: usize) -> Result<ValType> {
    let at = c.offset();
    match decode_valtype(c, num_types)? {
        t if t.is_ref() => Ok(t),
        _ => Err(FormatError::new("expected a reference type", at)),
    }
}

pub(crate) fn decode_table(c: &mut Cursor, num_types: usize) -> Result<TableDesc> {
    let at = c.offset();
    let elem = decode_ref_type(c, num_types)?;
    let min = c.u64()?;
    let max = decode_option_u64(c)?;
    if max.is_some_and(|max| max < min) {
        return Err(FormatError::new("table maximum is below its minimum", at));
    }
    // 64-bit tables are marked afterwards (`.waot.table64`); their
    // limits may then exceed this.
    Ok(TableDesc {
        elem,
        min,
        max,
        table64: false,
    })
}

/// Checks a table's limits once its index type is known.
pub(crate) fn check_table_limits(t: &TableDesc, at: usize) -> Result<()> {
    let too_many = |n: u64| !t.table64 && n > MAX_TABLE_ELEMENTS;
    if too_many(t.min) || t.max.is_some_and(too_many) {
        return Err(FormatError::new("table limits exceed 2^32-1 elements", at));
    }
    Ok(())
}

/// The module's index spaces (imports first), as far as they are known
/// when a section is decoded: indices and constant expressions are checked
/// against them.
#[derive(Default)]
pub(crate) struct Scope {
    /// Functions, imported and defined.
    pub num_funcs: usize,
    /// The type of each function, imported and defined.
    pub func_types: Vec<TypeIndex>,
    /// Types.
    pub num_types: usize,
    /// The types, for subtyping.
    pub types: crate::gc_types::ModuleTypes,
    /// The types themselves (struct fields and array elements, for the
    /// operands of allocations in constant expressions).
    pub type_list: Vec<SubType>,
    /// Type and mutability of the globals a constant expression may read:
    /// the imported ones, then (format 2.15, Wasm 3.0) each defined global
    /// once its own initialiser is read, so that an initialiser reads the
    /// globals before it and segments read every global.
    pub readable_globals: Vec<(ValType, bool)>,
    /// Element type and 64-bit indexing of each table.
    pub tables: Vec<(ValType, bool)>,
    /// Whether each memory is 64-bit.
    pub memories: Vec<bool>,
    /// Globals, imported and defined.
    pub num_globals: usize,
    /// Exception tags, imported and defined.
    pub num_tags: u64,
}

impl Scope {
    /// The heap type an artifact encodes as `code`: an abstract one, or a
    /// type index of the module.
    pub(crate) fn heap_type(&self, code: u32) -> Option<HeapType> {
        HeapType::abstract_from_code(code).or_else(|| {
            (usize::try_from(code).ok()? < self.num_types)
                .then_some(HeapType::Concrete(TypeIndex(code)))
        })
    }

    /// Subtyping within the module.
    pub(crate) fn is_subtype(&self, a: ValType, b: ValType) -> bool {
        a.is_subtype_in(b, &self.types)
    }
}

pub(crate) fn decode_global(c: &mut Cursor, scope: &Scope) -> Result<GlobalDesc> {
    let ty = decode_valtype(c, scope.num_types)?;
    let mutable = c.bool()?;
    let init = decode_const_expr(
        c,
        scope,
        ty,
        "global initialiser's type differs from the global's declared type",
    )?;
    Ok(GlobalDesc { ty, mutable, init })
}

/// An active segment's offset: an `i64` constant expression into a 64-bit
/// table or memory, else an `i32` one; each refusal names its kind.
fn decode_segment_offset(
    c: &mut Cursor,
    scope: &Scope,
    index64: bool,
    not_i32: &'static str,
    not_i64: &'static str,
) -> Result<ConstExpr> {
    if index64 {
        decode_const_expr(c, scope, ValType::I64, not_i64)
    } else {
        decode_const_expr(c, scope, ValType::I32, not_i32)
    }
}

pub(crate) fn decode_element_segment(c: &mut Cursor, scope: &Scope) -> Result<ElementSegment> {
    let at = c.offset();
    let (mode, table_elem) = match c.u8()? {
        0 => (ElementMode::Passive, None),
        1 => {
            let table = c.u32()?;
            let Some(&(table_elem, table64)) = scope.tables.get(table as usize) else {
                return Err(FormatError::new(
                    "element segment table index out of range",
                    at + 1,
                ));
            };
            let offset = decode_segment_offset(
                c,
                scope,
                table64,
                "element segment offset is not an i32 constant or immutable i32 global",
                "element segment offset of a 64-bit table is not an i64 constant or immutable i64 global",
            )?;
            let mode = ElementMode::Active {
                table: TableIndex(table),
                offset,
            };
            (mode, Some(table_elem))
        }
        2 => (ElementMode::Declarative, None),
        _ => return Err(FormatError::new("unknown element segment mode", at)),
    };
    let elem_at = c.offset();
    let elem = decode_ref_type(c, scope.num_types)?;
    let n = c.count(9)?;
    let items: Vec<ConstExpr> = (0..n)
        .map(|_| {
            decode_const_expr(
                c,
                scope,
                elem,
                "element item's type differs from the segment's element type",
            )
        })
        .collect::<Result<_>>()?;
    // A `funcref` segment of function indices only (wasm's `elem func`
    // form) holds `(ref func)` values, which a table of `(ref func)` takes.
    let functions_only =
        elem == ValType::FuncRef && items.iter().all(|e| matches!(e, ConstExpr::RefFunc(_)));
    let effective = if functions_only {
        ValType::reference(false, HeapType::Func)
    } else {
        elem
    };
    if table_elem.is_some_and(|t| !scope.is_subtype(effective, t)) {
        return Err(FormatError::new(
            "element segment type differs from its table's element type",
            elem_at,
        ));
    }
    Ok(ElementSegment { mode, elem, items })
}

/// Reads a data segment's descriptor; its bytes are the range it names of
/// `data_bytes` (the `.rodata.wasm` section).
pub(crate) fn decode_data_segment<'a>(
    c: &mut Cursor<'a>,
    scope: &Scope,
    data_bytes: &'a [u8],
) -> Result<DataSegment<'a>> {
    let at = c.offset();
    let active = match c.u8()? {
        0 => None,
        1 => {
            let memory = c.u32()?;
            let Some(&memory64) = scope.memories.get(memory as usize) else {
                return Err(FormatError::new(
                    "data segment memory index out of range",
                    at + 1,
                ));
            };
            let offset = decode_segment_offset(
                c,
                scope,
                memory64,
                "data segment offset is not an i32 constant or immutable i32 global",
                "data segment offset of a 64-bit memory is not an i64 constant or immutable i64 global",
            )?;
            Some((MemoryIndex(memory), offset))
        }
        _ => return Err(FormatError::new("unknown data segment mode", at)),
    };
    let at = c.offset();
    let start = c.u32()? as usize;
    let len = c.u32()? as usize;
    let bytes = start
        .checked_add(len)
        .and_then(|end| data_bytes.get(start..end))
        .ok_or(FormatError::new(
            "data segment bytes lie outside the .rodata.wasm section",
            at,
        ))?;
    Ok(DataSegment { active, bytes })
}

/// Reads the exports: each index in range for its kind, names unique.
pub(crate) fn decode_exports<'a>(c: &mut Cursor<'a>, scope: &Scope) -> Result<Vec<Export<'a>>> {
    let mut seen = std::collections::HashSet::new();
    decode_list(c, 9, |c| {
        let at = c.offset();
        let name = c.str()?;
        if !seen.insert(name) {
            return Err(FormatError::new("duplicate export name", at));
        }
        let kind_at = c.offset();
        let (kind, limit) = match c.u8()? {
            0 => (ExportKind::Func, scope.num_funcs),
            1 => (ExportKind::Table, scope.tables.len()),
            2 => (ExportKind::Memory, scope.memories.len()),
            3 => (ExportKind::Global, scope.num_globals),
            4 => (
                ExportKind::Tag,
                usize::try_from(scope.num_tags).unwrap_or(usize::MAX),
            ),
            _ => return Err(FormatError::new("unknown export kind", kind_at)),
        };
        let index_at = c.offset();
        let index = c.u32()?;
        if index as usize >= limit {
            return Err(FormatError::new("export index out of range", index_at));
        }
        Ok(Export { name, kind, index })
    })
}

/// Function bodies do not overlap, and every array entry and trampoline
/// starts outside every body, at an address no other entry point uses.
/// (Where each piece of code ends is known only for bodies; only the code
/// itself, covered by a signature, could vouch for more.)
pub(crate) fn check_code_layout(funcs: &[FuncInfo], trampolines: &[u32], at: usize) -> Result<()> {
    let aligned = |o: u32| o.is_multiple_of(crate::consts::CODE_ALIGN);
    let entry_points = funcs
        .iter()
        .flat_map(|f| [f.body_offset, f.array_entry_offset])
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .chain(trampolines.iter().copied());
    if !entry_points.into_iter().all(aligned) {
        return Err(FormatError::new(
            "a function body, array entry or trampoline is not aligned to 16 bytes",
            at,
        ));
    }
    // Bodies come in increasing order of offset (so a lookup by address
    // is a binary search) and do not overlap.
    let bodies: Vec<(u32, u32)> = funcs
        .iter()
        .map(|f| {
            (
                f.body_offset,
                f.body_offset.saturating_add(f.body_len.max(1)),
            )
        })
        .collect();
    if bodies.windows(2).any(|w| w[0].1 > w[1].0) {
        return Err(FormatError::new(
            "function bodies overlap or are not in increasing order of offset",
            at,
        ));
    }
    let mut entries: Vec<u32> = funcs
        .iter()
        .map(|f| f.array_entry_offset)
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .chain(trampolines.iter().copied())
        .collect();
    let inside_a_body = |o: u32| {
        let i = bodies.partition_point(|&(start, _)| start <= o);
        i > 0 && o < bodies[i - 1].1
    };
    if entries.iter().any(|&o| inside_a_body(o)) {
        return Err(FormatError::new(
            "an array entry or trampoline starts inside a function body",
            at,
        ));
    }
    entries.sort_unstable();
    if entries.windows(2).any(|w| w[0] == w[1]) {
        return Err(FormatError::new(
            "two array entries or trampolines start at the same offset",
            at,
        ));
    }
    Ok(())
}

pub(crate) fn decode_build_info<'a>(c: &mut Cursor<'a>) -> Result<BuildInfo<'a>> {
    let source_name = c.text()?;
    let target = c.text()?;
    let cpu_mode = match c.u8()? {
        0 => CpuMode::Baseline,
        1 => CpuMode::Native,
        _ => return Err(c.error("unknown cpu mode")),
    };
    let cpu_features = c.text()?;
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
    let opt_level = c.text()?;
    let codegen = c.text()?;
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
        interruption: Interruption::NONE,
        inlining: Inlining::OFF,
    })
}
