//! Reading an artifact: every section in turn, each checked against the
//! module's own types and index spaces (through `decode`) and the text's
//! bounds, so that the loader may use what [`Artifact::parse`] returns as
//! it is.

use super::code::parse_code;
use super::*;

impl<'a> Artifact<'a> {
    /// Parses and validates a whole artifact, checksum included.
    pub fn parse(bytes: &'a [u8]) -> Result<Artifact<'a>> {
        Self::parse_inner(bytes, true)
    }

    /// Parses an artifact whose checksum was already verified by
    /// [`Artifact::parse`] on the same immutable bytes. Structure is still
    /// validated in full.
    pub fn parse_verified(bytes: &'a [u8]) -> Result<Artifact<'a>> {
        Self::parse_inner(bytes, false)
    }

    fn parse_inner(bytes: &'a [u8], verify_checksum: bool) -> Result<Artifact<'a>> {
        let head = Header::parse(bytes, verify_checksum)?;
        let signature = crate::signature::find(bytes, &head)?;
        if let Some(unknown) = head.unknown_required_section() {
            return Err(FormatError::new(
                "unknown required section (written by a newer waot)",
                unknown.header_at,
            ));
        }
        let Header {
            prefix,
            machine,
            sections,
            section_headers,
            ..
        } = head;
        let reader = SectionReader {
            bytes,
            sections: &sections,
        };

        let (abi_fingerprint, mut build, interruption_fingerprint) = parse_build(&reader, machine)?;
        let (gc_fingerprint, rec_groups, types) = parse_types(&reader)?;
        let (mut imports, imports_at) = parse_imports(&reader, &types)?;
        let mut scope = Scope {
            readable_globals: imports
                .iter()
                .filter_map(|i| match i.kind {
                    ImportKind::Global { ty, mutable } => Some((ty, mutable)),
                    _ => None,
                })
                .collect(),
            num_types: types.len(),
            types: crate::gc_types::ModuleTypes::new(&types, &rec_groups),
            type_list: types.clone(),
            ..Scope::default()
        };
        let mut funcs = decode_list(&mut reader.required(section::FUNCTIONS)?, 16, |c| {
            Ok(FuncInfo {
                ty: check_func_type(c, &types)?,
                body_offset: c.u32()?,
                body_len: c.u32()?,
                array_entry_offset: c.u32()?,
                wasm_offset: NO_WASM_OFFSET,
            })
        })?;
        let limits = reader.optional(section::INLINING_LIMITS)?;
        if let Some(mut c) = reader.optional(section::INLINING)? {
            build.inlining = parse_inlining(&mut c, limits, &mut funcs)?;
        } else if let Some(c) = limits {
            return Err(c.error("inlining limits without an inlining section"));
        }
        let imported = IndexSpace::of_imports(types.len(), imports.iter().map(|i| &i.kind));
        scope.num_funcs = imported.funcs.imported as usize + funcs.len();
        scope.func_types = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Func(t) => Some(t),
                _ => None,
            })
            .chain(funcs.iter().map(|f| f.ty))
            .collect();
        let memories = decode_list(&mut reader.required(section::MEMORIES)?, 12, decode_memory)?;
        scope.memories = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Memory(m) => Some(m.memory64),
                _ => None,
            })
            .chain(memories.iter().map(|m| m.memory64))
            .collect();
        let globals = parse_globals(&reader, &mut scope)?;
        let (tables, tables_at) = parse_tables(&reader, &mut imports, imports_at, types.len())?;
        scope.tables = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Table(t) => Some((t.elem, t.table64)),
                _ => None,
            })
            .chain(tables.iter().map(|t| (t.elem, t.table64)))
            .collect();
        let table_inits = parse_table_inits(&reader, &tables, tables_at, &scope)?;
        let tags = match reader.optional(section::TAGS)? {
            Some(mut c) => decode_list(&mut c, 4, |c| check_tag_type(c, &types))?,
            None => Vec::new(),
        };
        let index_space = imported.with_defined(DefinedCounts {
            funcs: funcs.len(),
            tables: tables.len(),
            memories: memories.len(),
            globals: globals.len(),
            tags: tags.len(),
        });
        scope.num_tags = index_space.tags.total();
        let functions_at = reader.required(section::FUNCTIONS)?.offset();
        let vm_offsets =
            VMOffsets::new(&index_space).map_err(|e| FormatError::new(e.message, functions_at))?;
        let elements = match reader.optional(section::ELEMENTS)? {
            Some(mut c) => decode_list(&mut c, 6, |c| decode_element_segment(c, &scope))?,
            None => Vec::new(),
        };
        let exports = decode_exports(&mut reader.required(section::EXPORTS)?, &scope)?;
        let func_type = |index: usize| {
            let imported = imports.iter().filter_map(|i| match i.kind {
                ImportKind::Func(t) => Some(t),
                _ => None,
            });
            let ty = imported.chain(funcs.iter().map(|f| f.ty)).nth(index)?;
            types.get(ty.index())?.as_func()
        };
        let start = match reader.optional(section::START)? {
            Some(mut c) => {
                let at = c.offset();
                let index = c.u32()?;
                let Some(ty) = func_type(index as usize) else {
                    return Err(FormatError::new("start function index out of range", at));
                };
                if !ty.params.is_empty() || !ty.results.is_empty() {
                    return Err(FormatError::new(
                        "start function's type is not [] -> []",
                        at,
                    ));
                }
                c.finish()?;
                Some(FuncIndex(index))
            }
            None => None,
        };
        let data_bytes = reader.optional(section::DATA_BYTES)?;
        let data_bytes = data_bytes.as_ref().map_or(&[][..], |c| c.rest());
        let data = decode_list(&mut reader.required(section::DATA)?, 9, |c| {
            decode_data_segment(c, &scope, data_bytes)
        })?;
        let memory_images = match reader.optional(section::MEMORY_IMAGES)? {
            Some(mut c) => crate::memory_images::decode_memory_images(
                &mut c,
                index_space.memories.imported,
                &memories,
                data_bytes,
                u64::from(build.text_align),
            )?,
            None => Vec::new(),
        };
        let names = match reader.optional(section::NAMES)? {
            Some(mut c) => decode_list(&mut c, 8, |c| {
                let at = c.offset();
                let index = c.u32()?;
                if index as usize >= scope.num_funcs {
                    return Err(FormatError::new("name function index out of range", at));
                }
                Ok((FuncIndex(index), c.str()?))
            })?,
            None => Vec::new(),
        };

        let code = parse_code(
            &reader,
            section_headers,
            build.text_align,
            &funcs,
            imported.funcs.imported as usize,
            types.len(),
            index_space.tags.total(),
        )?;

        Ok(Artifact {
            bytes,
            prefix,
            abi_fingerprint,
            interruption_fingerprint,
            gc_fingerprint,
            build,
            module: ModuleMeta {
                types,
                rec_groups,
                imports,
                memories,
                globals,
                tables,
                table_inits,
                tags,
                elements,
                exports,
                start,
                data,
                names,
            },
            funcs,
            memory_images,
            import_trampolines: code.import_trampolines,
            type_trampolines: code.type_trampolines,
            signature,
            traps: code.traps,
            handlers: code.handlers,
            stack_maps: code.stack_maps,
            text_offset: code.text.offset,
            text_len: code.text.size,
            text_detached: code.detached_hash.is_some(),
            detached_text_hash: code.detached_hash,
            sections,
            index_space,
            vm_offsets,
        })
    }
}

/// Offset of `e_machine` in the ELF file header.
const E_MACHINE: usize = 18;

/// The build record (`.waot.build-info`) with the ABI fingerprint before
/// it, and the interruption checks with their fingerprint (0 without);
/// the recorded target must be the ELF file's `machine`.
fn parse_build<'a>(
    reader: &SectionReader<'_, 'a>,
    machine: u16,
) -> Result<(u64, BuildInfo<'a>, u64)> {
    let mut c = reader.required(section::BUILD_INFO)?;
    let abi_fingerprint = c.u64()?;
    let mut build = decode_build_info(&mut c)?;
    let mut interruption_fingerprint = 0;
    if let Some(mut c) = reader.optional(section::INTERRUPTION)? {
        let at = c.offset();
        build.interruption = Interruption::from_bits(c.u8()?)
            .ok_or_else(|| FormatError::new("unknown interruption check", at))?;
        interruption_fingerprint = c.u64()?;
        c.finish()?;
    }
    if crate::target::target(build.target).is_some_and(|t| t.elf_machine != machine) {
        return Err(FormatError::new(
            "the elf machine differs from the recorded target",
            E_MACHINE,
        ));
    }
    Ok((abi_fingerprint, build, interruption_fingerprint))
}

/// `.waot.inlining` (format 2.18): the callee size limit, and where each
/// defined function's body starts in the module, strictly increasing (the
/// code section lists bodies in order), into `funcs`; with
/// `.waot.inlining-limits` (format 2.19), if present, the small-callee
/// size and the call-site limit of larger callees (absent: every leaf
/// callee under the limit was taken).
fn parse_inlining(
    c: &mut Cursor,
    limits: Option<Cursor>,
    funcs: &mut [FuncInfo],
) -> Result<Inlining> {
    let at = c.offset();
    let max_callee_insts = c.u32()?;
    if max_callee_insts == 0 {
        return Err(FormatError::new(
            "inlining recorded with a size limit of 0",
            at,
        ));
    }
    let at = c.offset();
    let offsets = decode_list(c, 4, |c| c.u32())?;
    if offsets.len() != funcs.len() {
        return Err(FormatError::new(
            "inlining lists a wasm offset for a different number of functions",
            at,
        ));
    }
    if offsets.windows(2).any(|w| w[0] >= w[1]) {
        return Err(FormatError::new(
            "function wasm offsets do not strictly increase",
            at,
        ));
    }
    for (f, o) in funcs.iter_mut().zip(offsets) {
        f.wasm_offset = o;
    }
    let Some(mut c) = limits else {
        return Ok(Inlining::every_leaf(max_callee_insts));
    };
    let at = c.offset();
    let small_callee_insts = c.u32()?;
    if small_callee_insts > max_callee_insts {
        return Err(FormatError::new(
            "inlining's small-callee size exceeds its size limit",
            at,
        ));
    }
    let max_call_sites = c.u32()?;
    c.finish()?;
    Ok(Inlining {
        max_callee_insts,
        small_callee_insts,
        max_call_sites,
    })
}

/// The initialisers of defined tables (format 2.7), by strictly
/// increasing table index; every table of non-nullable references has one.
fn parse_table_inits(
    reader: &SectionReader,
    tables: &[TableDesc],
    tables_at: usize,
    scope: &Scope,
) -> Result<Vec<(u32, ConstExpr)>> {
    let table_inits = match reader.optional(section::TABLE_INITS)? {
        Some(mut c) => {
            let mut last: Option<u32> = None;
            decode_list(&mut c, 13, |c| {
                let at = c.offset();
                let table = c.u32()?;
                let Some(desc) = tables.get(table as usize) else {
                    return Err(FormatError::new("initialised table index out of range", at));
                };
                if last.is_some_and(|l| table <= l) {
                    return Err(FormatError::new(
                        "initialised table indices are not strictly increasing",
                        at,
                    ));
                }
                last = Some(table);
                let init = decode_const_expr(
                    c,
                    scope,
                    desc.elem,
                    "table initialiser's type differs from the table's element type",
                )?;
                Ok((table, init))
            })?
        }
        None => Vec::new(),
    };
    let non_nullable_without_init = tables.iter().enumerate().any(|(i, t)| {
        t.elem.as_ref().is_some_and(|r| !r.nullable)
            && !table_inits.iter().any(|(table, _)| *table as usize == i)
    });
    if non_nullable_without_init {
        return Err(FormatError::new(
            "a table of non-nullable references has no initialiser",
            tables_at,
        ));
    }
    Ok(table_inits)
}

/// The imports, and where their section starts (for table limit errors).
fn parse_imports<'a>(
    reader: &SectionReader<'_, 'a>,
    types: &[SubType],
) -> Result<(Vec<Import<'a>>, usize)> {
    let mut imports_cursor = reader.required(section::IMPORTS)?;
    let imports_at = imports_cursor.offset();
    let imports = decode_list(&mut imports_cursor, 9, |c| {
        let module = c.str()?;
        let name = c.str()?;
        let kind = match c.u8()? {
            0 => ImportKind::Func(check_func_type(c, types)?),
            3 => ImportKind::Global {
                ty: decode_valtype(c, types.len())?,
                mutable: c.bool()?,
            },
            1 => ImportKind::Table(decode_table(c, types.len())?),
            2 => ImportKind::Memory(decode_memory(c)?),
            4 => ImportKind::Tag(check_tag_type(c, types)?),
            _ => return Err(c.error("unknown import kind")),
        };
        Ok(Import { module, name, kind })
    })?;
    Ok((imports, imports_at))
}

/// The defined tables and where their section starts; marks the 64-bit
/// ones (imported too) and checks every table's limits.
fn parse_tables(
    reader: &SectionReader,
    imports: &mut [Import],
    imports_at: usize,
    num_types: usize,
) -> Result<(Vec<TableDesc>, usize)> {
    let (mut tables, tables_at) = match reader.optional(section::TABLES)? {
        Some(mut c) => {
            let at = c.offset();
            (decode_list(&mut c, 10, |c| decode_table(c, num_types))?, at)
        }
        None => (Vec::new(), 0),
    };
    mark_table64(reader, imports, &mut tables)?;
    for i in imports.iter() {
        if let ImportKind::Table(t) = &i.kind {
            check_table_limits(t, imports_at)?;
        }
    }
    for t in &tables {
        check_table_limits(t, tables_at)?;
    }
    Ok((tables, tables_at))
}

/// The defined globals, each readable by the initialisers after it (and
/// by segments) once read.
fn parse_globals(reader: &SectionReader, scope: &mut Scope) -> Result<Vec<GlobalDesc>> {
    let mut c = reader.required(section::GLOBALS)?;
    let n = c.count(11)?;
    let mut globals = Vec::with_capacity(n);
    for _ in 0..n {
        let g = decode_global(&mut c, scope)?;
        scope.readable_globals.push((g.ty, g.mutable));
        globals.push(g);
    }
    c.finish()?;
    scope.num_globals = scope.readable_globals.len();
    Ok(globals)
}

/// The module's types: from `.waot.types` (function types, each its own
/// recursion group) or `.waot.gc-types` (format 2.15), never both; with
/// the GC fingerprint (0 without GC types) and the recursion groups' sizes.
fn parse_types(reader: &SectionReader) -> Result<(u64, Vec<u32>, Vec<SubType>)> {
    let mut types_cursor = reader.required(section::TYPES)?;
    // Types may refer to each other: read their count first.
    let num_types = types_cursor.clone().u32()? as usize;
    let func_types = decode_list(&mut types_cursor, 8, |c| decode_func_type(c, num_types))?;
    match reader.optional(section::GC_TYPES)? {
        None => {
            let groups = vec![1; func_types.len()];
            Ok((
                0,
                groups,
                func_types.into_iter().map(SubType::func).collect(),
            ))
        }
        Some(_) if !func_types.is_empty() => {
            Err(types_cursor.error("both .waot.types and .waot.gc-types list types"))
        }
        Some(mut c) => decode_gc_types(&mut c),
    }
}

/// Reads a type index of `types`.
fn check_type(c: &mut Cursor, types: &[SubType]) -> Result<TypeIndex> {
    let at = c.offset();
    let t = TypeIndex(c.u32()?);
    if t.index() < types.len() {
        Ok(t)
    } else {
        Err(FormatError::new("type index out of range", at))
    }
}

/// Reads the index of a function type (what functions, imports and tags
/// name).
fn check_func_type(c: &mut Cursor, types: &[SubType]) -> Result<TypeIndex> {
    let at = c.offset();
    let t = check_type(c, types)?;
    match types[t.index()].as_func() {
        Some(_) => Ok(t),
        None => Err(FormatError::new("not a function type", at)),
    }
}

/// Reads a tag's type: a function type without results (a tag's values
/// are its parameters).
fn check_tag_type(c: &mut Cursor, types: &[SubType]) -> Result<TypeIndex> {
    let at = c.offset();
    let t = check_func_type(c, types)?;
    if types[t.index()]
        .as_func()
        .is_some_and(|f| f.results.is_empty())
    {
        Ok(t)
    } else {
        Err(FormatError::new("a tag's type has results", at))
    }
}

/// Marks the tables `.waot.table64` lists (indices in the table index
/// space, imports first, strictly increasing) as 64-bit.
fn mark_table64(
    reader: &SectionReader,
    imports: &mut [Import],
    tables: &mut [TableDesc],
) -> Result<()> {
    let Some(mut c) = reader.optional(section::TABLE64)? else {
        return Ok(());
    };
    let at = c.offset();
    let indices = decode_list(&mut c, 4, |c| c.u32())?;
    let mut all: Vec<&mut TableDesc> = imports
        .iter_mut()
        .filter_map(|i| match &mut i.kind {
            ImportKind::Table(t) => Some(t),
            _ => None,
        })
        .chain(tables.iter_mut())
        .collect();
    if indices.windows(2).any(|w| w[0] >= w[1]) {
        return Err(FormatError::new(
            "64-bit table indices are not strictly increasing",
            at,
        ));
    }
    for i in indices {
        let Some(t) = all.get_mut(i as usize) else {
            return Err(FormatError::new("64-bit table index out of range", at));
        };
        t.table64 = true;
    }
    Ok(())
}

pub(super) struct SectionReader<'s, 'a> {
    pub(super) bytes: &'a [u8],
    pub(super) sections: &'s [SectionEntry<'a>],
}

impl<'a> SectionReader<'_, 'a> {
    pub(super) fn entry(&self, name: &str) -> Option<SectionEntry<'a>> {
        self.sections.iter().copied().find(|s| s.name == name)
    }
    pub(super) fn optional(&self, name: &str) -> Result<Option<Cursor<'a>>> {
        Ok(self
            .entry(name)
            .map(|s| Cursor::new(&self.bytes[s.range()], s.offset)))
    }
    pub(super) fn required(&self, name: &str) -> Result<Cursor<'a>> {
        self.optional(name)?.ok_or(FormatError::new(
            "missing required section",
            consts::VERSION_RECORD_OFFSET,
        ))
    }
}

/// The text section of an artifact that holds its code: aligned as
/// recorded, and alone in its pages (the loader makes them executable).
pub(super) fn inline_text<'a>(
    reader: &SectionReader<'_, 'a>,
    sections: &[SectionEntry<'a>],
    section_headers: std::ops::Range<usize>,
    text_align: u32,
) -> Result<SectionEntry<'a>> {
    let text = reader.entry(section::TEXT).ok_or(FormatError::new(
        "missing text section",
        consts::VERSION_RECORD_OFFSET,
    ))?;
    let align = text_align as usize;
    if !align.is_power_of_two() || text.offset % align != 0 {
        return Err(FormatError::new(
            "text section is not aligned to the recorded text alignment",
            text.header_at,
        ));
    }
    // The loader makes whole pages executable: they must hold nothing
    // but code (padding aside), never bytes of another section.
    let text_pages = text.offset..(text.offset + text.size).next_multiple_of(align);
    let shares_a_page = |r: std::ops::Range<usize>| {
        !r.is_empty() && r.start < text_pages.end && text_pages.start < r.end
    };
    if let Some(other) = sections
        .iter()
        .find(|s| s.name != section::TEXT && shares_a_page(s.range()))
    {
        return Err(FormatError::new(
            "a section shares a page with the text",
            other.header_at,
        ));
    }
    if shares_a_page(section_headers) {
        return Err(FormatError::new(
            "the section headers share a page with the text",
            text.header_at,
        ));
    }
    Ok(text)
}
