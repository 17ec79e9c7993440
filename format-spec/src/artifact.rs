//! Reading an artifact: the version record, ELF headers and section list
//! (through [`crate::header`]), then every waot section, with all
//! cross-references validated so that users of [`Artifact`] may rely on
//! indices being in range. Never panics.

pub use crate::header::{Header, Prefix, SectionEntry, checksum, seal};

use crate::consts::{self, section};
use crate::decode::*;
use crate::error::{FormatError, Result};
use crate::index_space::{DefinedCounts, IndexSpace};
use crate::reader::Cursor;
use crate::trap_table::{TrapColumns, TrapTable, Traps};
use crate::types::*;
use crate::vmctx::VMOffsets;

/// A parsed, validated artifact borrowing from its bytes.
#[derive(Clone, Debug)]
pub struct Artifact<'a> {
    /// The whole file.
    pub bytes: &'a [u8],
    /// The frozen prefix.
    pub prefix: Prefix<'a>,
    /// The ABI fingerprint the code was compiled against.
    pub abi_fingerprint: u64,
    /// The interruption ABI fingerprint its checks were compiled against
    /// (`.waot.interruption`; 0 without checks).
    pub interruption_fingerprint: u64,
    /// The GC ABI fingerprint its types and GC code were compiled against
    /// (`.waot.gc-types`; 0 without GC types).
    pub gc_fingerprint: u64,
    /// Every section with file contents, in section header order.
    pub sections: Vec<SectionEntry<'a>>,
    /// Build information.
    pub build: BuildInfo<'a>,
    /// The module's declarations.
    pub module: ModuleMeta<'a>,
    /// Defined functions.
    pub funcs: Vec<FuncInfo>,
    /// Memory images (format 2.12), by increasing memory index; empty
    /// when the writer made none.
    pub memory_images: Vec<MemoryImage<'a>>,
    /// Text offset of the wasm-to-host trampoline of each imported function.
    pub import_trampolines: Vec<u32>,
    /// Text offset of a wasm-to-host trampoline for function types
    /// (format 2.13; empty before): by strictly increasing type index.
    pub type_trampolines: Vec<(TypeIndex, u32)>,
    /// The signature section, if the artifact is signed (not verified:
    /// see [`crate::signature::check`]).
    pub signature: Option<crate::signature::SignatureRecord>,
    /// The trap table (format 2.9's compressed blocks), checked at parse;
    /// kinds.
    traps: Traps<'a>,
    /// The exception table: calls with a handler, sorted by return offset.
    pub handlers: Vec<HandlerEntry>,
    /// Stack maps (format 2.17; empty before and for code that keeps no
    /// GC reference across a call).
    pub stack_maps: crate::stack_maps::StackMaps<'a>,
    /// Absolute file offset of the text section.
    pub text_offset: usize,
    /// Length of the text section.
    pub text_len: usize,
    /// Whether the text is detached (format 2.14): this is the metadata of
    /// an object file, whose code the host program links in.
    pub text_detached: bool,
    /// The SHA-256 of the detached text ([`crate::static_record::code_hash`]).
    pub detached_text_hash: Option<[u8; 32]>,
    /// The module's index spaces.
    index_space: IndexSpace,
    /// The VM context layout of this module.
    vm_offsets: VMOffsets,
}

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
        let mut types_cursor = reader.required(section::TYPES)?;
        // Types may refer to each other: read their count first.
        let num_types = types_cursor.clone().u32()? as usize;
        let func_types = decode_list(&mut types_cursor, 8, |c| decode_func_type(c, num_types))?;
        let (gc_fingerprint, rec_groups, types) = match reader.optional(section::GC_TYPES)? {
            None => {
                let groups = vec![1; func_types.len()];
                (
                    0,
                    groups,
                    func_types.into_iter().map(SubType::func).collect(),
                )
            }
            Some(_) if !func_types.is_empty() => {
                return Err(types_cursor.error("both .waot.types and .waot.gc-types list types"));
            }
            Some(mut c) => decode_gc_types(&mut c)?,
        };
        let check_type = |c: &mut Cursor| {
            let at = c.offset();
            let t = TypeIndex(c.u32()?);
            if t.index() < types.len() {
                Ok(t)
            } else {
                Err(FormatError::new("type index out of range", at))
            }
        };
        // Functions, imports and tags name function types.
        let check_func_type = |c: &mut Cursor| {
            let at = c.offset();
            let t = check_type(c)?;
            match types[t.index()].as_func() {
                Some(_) => Ok(t),
                None => Err(FormatError::new("not a function type", at)),
            }
        };
        // A tag's type has no results (a tag's values are its parameters).
        let check_tag_type = |c: &mut Cursor| {
            let at = c.offset();
            let t = check_func_type(c)?;
            if types[t.index()]
                .as_func()
                .is_some_and(|f| f.results.is_empty())
            {
                Ok(t)
            } else {
                Err(FormatError::new("a tag's type has results", at))
            }
        };
        let mut imports_cursor = reader.required(section::IMPORTS)?;
        let imports_at = imports_cursor.offset();
        let mut imports = decode_list(&mut imports_cursor, 9, |c| {
            let module = c.str()?;
            let name = c.str()?;
            let kind = match c.u8()? {
                0 => ImportKind::Func(check_func_type(c)?),
                3 => ImportKind::Global {
                    ty: decode_valtype(c, types.len())?,
                    mutable: c.bool()?,
                },
                1 => ImportKind::Table(decode_table(c, types.len())?),
                2 => ImportKind::Memory(decode_memory(c)?),
                4 => ImportKind::Tag(check_tag_type(c)?),
                _ => return Err(c.error("unknown import kind")),
            };
            Ok(Import { module, name, kind })
        })?;
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
        let funcs = decode_list(&mut reader.required(section::FUNCTIONS)?, 16, |c| {
            Ok(FuncInfo {
                ty: check_func_type(c)?,
                body_offset: c.u32()?,
                body_len: c.u32()?,
                array_entry_offset: c.u32()?,
            })
        })?;
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
        let mut c = reader.required(section::GLOBALS)?;
        let n = c.count(11)?;
        let mut globals = Vec::with_capacity(n);
        for _ in 0..n {
            let g = decode_global(&mut c, &scope)?;
            scope.readable_globals.push((g.ty, g.mutable));
            globals.push(g);
        }
        c.finish()?;
        scope.num_globals = scope.readable_globals.len();
        let (mut tables, tables_at) = match reader.optional(section::TABLES)? {
            Some(mut c) => {
                let at = c.offset();
                (
                    decode_list(&mut c, 10, |c| decode_table(c, types.len()))?,
                    at,
                )
            }
            None => (Vec::new(), 0),
        };
        mark_table64(&reader, &mut imports, &mut tables)?;
        for i in &imports {
            if let ImportKind::Table(t) = &i.kind {
                check_table_limits(t, imports_at)?;
            }
        }
        for t in &tables {
            check_table_limits(t, tables_at)?;
        }
        scope.tables = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Table(t) => Some((t.elem, t.table64)),
                _ => None,
            })
            .chain(tables.iter().map(|t| (t.elem, t.table64)))
            .collect();
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
                        &scope,
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
        let tags = match reader.optional(section::TAGS)? {
            Some(mut c) => decode_list(&mut c, 4, check_tag_type)?,
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

        // The text: in the file, or detached (format 2.14: the metadata of
        // a `waot compile --emit object` object, whose code is linked into
        // the host program) with only its length recorded here.
        let detached = match reader.optional(section::DETACHED_TEXT)? {
            Some(mut c) => {
                let at = c.offset();
                let len = usize::try_from(c.u64()?)
                    .ok()
                    .filter(|&l| l <= u32::MAX as usize)
                    .ok_or(FormatError::new("detached text length out of range", at))?;
                let hash: [u8; 32] = c
                    .bytes(32)?
                    .try_into()
                    .map_err(|_| FormatError::new("detached text hash cut short", at))?;
                if reader.entry(section::TEXT).is_some() {
                    return Err(FormatError::new(
                        "an artifact has either a text section or a detached text, not both",
                        at,
                    ));
                }
                Some((len, hash))
            }
            None => None,
        };
        let text = match detached {
            Some((size, _)) => SectionEntry {
                name: section::TEXT,
                required: true,
                offset: 0,
                size,
                header_at: 0,
            },
            None => inline_text(
                &reader,
                &sections,
                section_headers.clone(),
                build.text_align,
            )?,
        };
        let in_text = |offset: u32, len: u32| {
            (offset as usize)
                .checked_add(len as usize)
                .is_some_and(|end| end <= text.size)
        };
        let fc = reader.required(section::FUNCTIONS)?;
        for f in &funcs {
            let entry_ok = f.array_entry_offset == crate::types::NO_ARRAY_ENTRY
                || in_text(f.array_entry_offset, 1);
            if !in_text(f.body_offset, f.body_len) || !entry_ok {
                return Err(fc.error("function code outside the text section"));
            }
        }
        let mut tc = reader.required(section::IMPORT_TRAMPOLINES)?;
        let import_trampolines = decode_list(&mut tc, 4, |c| c.u32())?;
        if import_trampolines.len() != imported.funcs.imported as usize
            || !import_trampolines.iter().all(|&o| in_text(o, 1))
        {
            return Err(tc.error("import trampolines do not match the imported functions"));
        }
        let type_trampolines = match reader.optional(section::TYPE_TRAMPOLINES)? {
            Some(mut c) => {
                let list = decode_list(&mut c, 8, |c| Ok((TypeIndex(c.u32()?), c.u32()?)))?;
                let increasing = list.windows(2).all(|w| w[0].0.0 < w[1].0.0);
                let valid = list
                    .iter()
                    .all(|(t, o)| t.index() < types.len() && in_text(*o, 1));
                if !increasing || !valid {
                    return Err(c.error(
                        "type trampolines out of order, of unknown types or outside the text",
                    ));
                }
                list
            }
            None => Vec::new(),
        };
        let trampolines =
            crate::symbols::trampoline_offsets(&import_trampolines, &type_trampolines);
        check_code_layout(&funcs, &trampolines, fc.offset())?;

        let traps = match reader.optional(section::TRAP_BLOCKS)? {
            Some(blocks) => Traps::Blocks(TrapTable::parse(blocks, text.size)?),
            None => Traps::Columns(TrapColumns::parse(
                reader.required(section::TRAPS)?,
                text.size,
            )?),
        };
        let handlers = match reader.optional(section::EXCEPTION_TABLE)? {
            Some(c) => {
                check_handlers(c, &funcs, &trampolines, index_space.tags.total(), text.size)?
            }
            None => Vec::new(),
        };
        let stack_maps = match reader.entry(section::STACK_MAPS) {
            Some(s) => crate::stack_maps::StackMaps::parse(&bytes[s.range()], s.offset, text.size)?,
            None => crate::stack_maps::StackMaps::default(),
        };

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
            import_trampolines,
            type_trampolines,
            signature,
            traps,
            handlers,
            stack_maps,
            text_offset: text.offset,
            text_len: text.size,
            text_detached: detached.is_some(),
            detached_text_hash: detached.map(|(_, hash)| hash),
            sections,
            index_space,
            vm_offsets,
        })
    }

    /// The machine code.
    pub fn text(&self) -> &'a [u8] {
        if self.text_detached {
            return &[];
        }
        &self.bytes[self.text_offset..self.text_offset + self.text_len]
    }

    /// The trap recorded for the instruction at `code_offset` in the text
    /// (a binary search of the mapped table; allocation free).
    pub fn lookup_trap(&self, code_offset: u32) -> Option<TrapEntry> {
        self.traps.lookup(code_offset)
    }

    /// The exception-table record of the call whose return address is at
    /// text offset `return_offset` (a binary search of the mapped table;
    /// allocation free, for the signal handler).
    pub fn lookup_handler(&self, return_offset: u32) -> Option<&HandlerEntry> {
        self.handlers
            .binary_search_by_key(&return_offset, |h| h.return_offset)
            .ok()
            .map(|i| &self.handlers[i])
    }

    /// All trap entries, in code order.
    pub fn trap_entries(&self) -> impl Iterator<Item = TrapEntry> + '_ {
        self.traps.entries()
    }

    /// Number of trap entries.
    pub fn trap_count(&self) -> usize {
        self.traps.len()
    }

    /// The module's index spaces (imports first).
    pub fn index_space(&self) -> IndexSpace {
        self.index_space
    }

    /// The VM context layout compiled code expects for this module.
    pub fn vm_offsets(&self) -> VMOffsets {
        self.vm_offsets
    }

    /// Number of imported functions.
    pub fn num_imported_funcs(&self) -> usize {
        self.import_trampolines.len()
    }

    /// The type of function `index` (imported or defined).
    pub fn func_type(&self, index: FuncIndex) -> Option<&FuncType> {
        let ty = self.func_type_index(index)?;
        self.module.types.get(ty.index())?.as_func()
    }

    /// The type index of every function, imported ones first, in index
    /// order.
    pub fn func_type_indices(&self) -> impl Iterator<Item = TypeIndex> + '_ {
        let imported = self.module.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        });
        imported.chain(self.funcs.iter().map(|f| f.ty))
    }

    /// The type index of function `index` (imported or defined). Linear in
    /// the number of imports: use [`Artifact::func_type_indices`] to visit
    /// every function.
    pub fn func_type_index(&self, index: FuncIndex) -> Option<TypeIndex> {
        let mut imported = self.module.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        });
        let n = self.num_imported_funcs();
        if index.index() < n {
            imported.nth(index.index())
        } else {
            self.funcs.get(index.index() - n).map(|f| f.ty)
        }
    }

    /// The name of function `index`, if the module names it.
    pub fn func_name(&self, index: FuncIndex) -> Option<&'a str> {
        self.module
            .names
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, n)| *n)
    }

    /// Every piece of code with its symbol name ([`crate::symbols`]).
    pub fn code_symbols(&self) -> Vec<crate::symbols::CodeSymbol> {
        crate::symbols::code_symbols(&crate::symbols::CodeLayout {
            funcs: &self.funcs,
            imports: &self.module.imports,
            import_trampolines: &self.import_trampolines,
            type_trampolines: &self.type_trampolines,
            names: &self.module.names,
            text_len: self.text_len,
        })
    }

    /// The defined function whose body contains `code_offset` (a binary
    /// search: bodies are in increasing order of offset).
    pub fn func_at(&self, code_offset: u32) -> Option<DefinedFuncIndex> {
        let i = self
            .funcs
            .partition_point(|f| f.body_offset <= code_offset)
            .checked_sub(1)?;
        let f = &self.funcs[i];
        (code_offset - f.body_offset < f.body_len).then_some(DefinedFuncIndex(i as u32))
    }
}

/// Offset of `e_machine` in the ELF file header.
const E_MACHINE: usize = 18;

/// The largest frame offset an exception-table record may hold: Cranelift
/// limits frames to 128 MiB.
const MAX_FRAME_OFFSET: u32 = 128 << 20;

/// Reads and checks the exception table (format 2.2): records sorted by
/// strictly increasing return offset; each call and its handlers inside
/// the same piece of code (an array entry for the records that catch
/// traps, a function body for the others); tags in range; the frame
/// offset a multiple of 8 and at most [`MAX_FRAME_OFFSET`], the VM
/// context's slot inside the frame.
fn check_handlers(
    mut c: Cursor<'_>,
    funcs: &[FuncInfo],
    import_trampolines: &[u32],
    num_tags: u64,
    text_len: usize,
) -> Result<Vec<HandlerEntry>> {
    let mut starts: Vec<u32> = funcs
        .iter()
        .flat_map(|f| [f.body_offset, f.array_entry_offset])
        .chain(import_trampolines.iter().copied())
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .collect();
    starts.sort_unstable();
    let mut entries: Vec<u32> = funcs
        .iter()
        .map(|f| f.array_entry_offset)
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .collect();
    entries.sort_unstable();
    // The piece of code (by its start) holding text offset `o`.
    let piece = |o: u32| {
        starts
            .partition_point(|&s| s <= o)
            .checked_sub(1)
            .map(|i| starts[i])
    };
    let is_body = |p: u32| funcs.iter().any(|f| f.body_offset == p);
    let mut previous = None;
    decode_list(&mut c, 17, |c| {
        let at = c.offset();
        let return_offset = c.u32()?;
        let frame_offset = c.u32()?;
        let vmctx_sp_offset = match c.u32()? {
            u32::MAX => None,
            o => Some(o),
        };
        let catches_traps = c.bool()?;
        let count = c.count(8)?;
        let mut handlers = Vec::with_capacity(count);
        for _ in 0..count {
            let tag = match c.u32()? {
                u32::MAX => None,
                t if u64::from(t) < num_tags => Some(TagIndex(t)),
                _ => return Err(c.error("exception handler tag out of range")),
            };
            handlers.push((tag, c.u32()?));
        }
        let call = return_offset.checked_sub(1).and_then(piece);
        let right_piece = call.is_some_and(|p| {
            if catches_traps {
                entries.binary_search(&p).is_ok()
            } else {
                is_body(p)
            }
        });
        let ok = previous.is_none_or(|p| p < return_offset)
            && return_offset as usize <= text_len
            && right_piece
            && !handlers.is_empty()
            && handlers
                .iter()
                .all(|&(_, h)| (h as usize) < text_len && piece(h) == call)
            && (!catches_traps || handlers == [(None, handlers[0].1)])
            && frame_offset.is_multiple_of(8)
            && frame_offset <= MAX_FRAME_OFFSET
            && vmctx_sp_offset.is_none_or(|o| o.is_multiple_of(8) && o < frame_offset)
            && (vmctx_sp_offset.is_some() || handlers.iter().all(|(t, _)| t.is_none()));
        if !ok {
            return Err(FormatError::new(
                "exception table record is out of order or does not match the code",
                at,
            ));
        }
        previous = Some(return_offset);
        Ok(HandlerEntry {
            return_offset,
            frame_offset,
            vmctx_sp_offset,
            catches_traps,
            handlers,
        })
    })
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

struct SectionReader<'s, 'a> {
    bytes: &'a [u8],
    sections: &'s [SectionEntry<'a>],
}

impl<'a> SectionReader<'_, 'a> {
    fn entry(&self, name: &str) -> Option<SectionEntry<'a>> {
        self.sections.iter().copied().find(|s| s.name == name)
    }
    fn optional(&self, name: &str) -> Result<Option<Cursor<'a>>> {
        Ok(self
            .entry(name)
            .map(|s| Cursor::new(&self.bytes[s.range()], s.offset)))
    }
    fn required(&self, name: &str) -> Result<Cursor<'a>> {
        self.optional(name)?.ok_or(FormatError::new(
            "missing required section",
            consts::VERSION_RECORD_OFFSET,
        ))
    }
}

/// The text section of an artifact that holds its code: aligned as
/// recorded, and alone in its pages (the loader makes them executable).
fn inline_text<'a>(
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
