//! Reading an artifact: the header and section table (through
//! [`crate::header`]), then every section, with all cross-references
//! validated so that users of [`Artifact`] may rely on indices being in
//! range. Never panics.

pub use crate::header::{Header, Prefix, SectionEntry, checksum};

use crate::consts::{self, section};
use crate::decode::*;
use crate::error::{FormatError, Result};
use crate::index_space::{DefinedCounts, IndexSpace};
use crate::reader::Cursor;
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
    /// The section table.
    pub sections: Vec<SectionEntry>,
    /// Build information.
    pub build: BuildInfo<'a>,
    /// Function types.
    pub types: Vec<FuncType>,
    /// Imports.
    pub imports: Vec<Import<'a>>,
    /// Defined functions.
    pub funcs: Vec<FuncInfo>,
    /// Defined memories.
    pub memories: Vec<MemoryDesc>,
    /// Defined globals.
    pub globals: Vec<GlobalDesc>,
    /// Defined tables.
    pub tables: Vec<TableDesc>,
    /// Element segments.
    pub elements: Vec<ElementSegment>,
    /// Exports.
    pub exports: Vec<Export<'a>>,
    /// The start function.
    pub start: Option<FuncIndex>,
    /// Data segments.
    pub data: Vec<DataSegment<'a>>,
    /// Function names.
    pub names: Vec<(FuncIndex, &'a str)>,
    /// Text offset of the wasm-to-host trampoline of each imported function.
    pub import_trampolines: Vec<u32>,
    /// The signature section, if the artifact is signed (not verified:
    /// see [`crate::signature::check`]).
    pub signature: Option<crate::signature::SignatureRecord>,
    /// The raw trap table (sorted records of [`consts::TRAP_ENTRY_SIZE`]).
    trap_records: &'a [u8],
    /// Absolute file offset of the text section.
    pub text_offset: usize,
    /// Length of the text section.
    pub text_len: usize,
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
        let Header {
            prefix,
            abi_fingerprint,
            sections,
        } = head;
        if let Some(at) = sections
            .iter()
            .position(|s| !section::is_known(s.id) && s.flags & consts::SECTION_FLAG_REQUIRED != 0)
        {
            return Err(FormatError::new(
                "unknown required section (written by a newer waot)",
                consts::HEADER_SIZE + at * consts::SECTION_ENTRY_SIZE,
            ));
        }
        let reader = SectionReader {
            bytes,
            sections: &sections,
        };

        let build = decode_build_info(&mut reader.required(section::BUILD_INFO)?)?;
        let types = decode_list(&mut reader.required(section::TYPES)?, 8, decode_func_type)?;
        let check_type = |c: &mut Cursor| {
            let at = c.offset();
            let t = TypeIndex(c.u32()?);
            if t.index() < types.len() {
                Ok(t)
            } else {
                Err(FormatError::new("type index out of range", at))
            }
        };
        let imports = decode_list(&mut reader.required(section::IMPORTS)?, 9, |c| {
            let module = c.str()?;
            let name = c.str()?;
            let kind = match c.u8()? {
                0 => ImportKind::Func(check_type(c)?),
                3 => ImportKind::Global {
                    ty: decode_valtype(c)?,
                    mutable: c.bool()?,
                },
                1 => ImportKind::Table(decode_table(c)?),
                2 => ImportKind::Memory(decode_memory(c)?),
                _ => return Err(c.error("unknown import kind")),
            };
            Ok(Import { module, name, kind })
        })?;
        let mut scope = Scope {
            imported_globals: imports
                .iter()
                .filter_map(|i| match i.kind {
                    ImportKind::Global { ty, mutable } => Some((ty, mutable)),
                    _ => None,
                })
                .collect(),
            ..Scope::default()
        };
        let funcs = decode_list(&mut reader.required(section::FUNCTIONS)?, 16, |c| {
            Ok(FuncInfo {
                ty: check_type(c)?,
                body_offset: c.u32()?,
                body_len: c.u32()?,
                array_entry_offset: c.u32()?,
            })
        })?;
        let imported = IndexSpace::of_imports(types.len(), imports.iter().map(|i| &i.kind));
        scope.num_funcs = imported.funcs.imported as usize + funcs.len();
        let memories = decode_list(&mut reader.required(section::MEMORIES)?, 12, decode_memory)?;
        scope.memories = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Memory(m) => Some(m.memory64),
                _ => None,
            })
            .chain(memories.iter().map(|m| m.memory64))
            .collect();
        let globals = decode_list(&mut reader.required(section::GLOBALS)?, 11, |c| {
            decode_global(c, &scope)
        })?;
        scope.num_globals = scope.imported_globals.len() + globals.len();
        let tables = match reader.optional(section::TABLES)? {
            Some(mut c) => decode_list(&mut c, 10, decode_table)?,
            None => Vec::new(),
        };
        scope.tables = imports
            .iter()
            .filter_map(|i| match i.kind {
                ImportKind::Table(t) => Some(t.elem),
                _ => None,
            })
            .chain(tables.iter().map(|t| t.elem))
            .collect();
        let index_space = imported.with_defined(DefinedCounts {
            funcs: funcs.len(),
            tables: tables.len(),
            memories: memories.len(),
            globals: globals.len(),
        });
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
            types.get(ty.index())
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
        let data = decode_list(&mut reader.required(section::DATA)?, 5, |c| {
            decode_data_segment(c, &scope)
        })?;
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

        let text = reader.entry(section::TEXT).ok_or(FormatError::new(
            "missing text section",
            consts::HEADER_SIZE,
        ))?;
        let align = build.text_align as usize;
        if !align.is_power_of_two() || text.offset % align != 0 {
            return Err(FormatError::new(
                "text section is not aligned to the recorded text alignment",
                text.offset,
            ));
        }
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
        check_code_layout(&funcs, &import_trampolines, fc.offset())?;

        let traps = reader.entry(section::TRAPS).ok_or(FormatError::new(
            "missing traps section",
            consts::HEADER_SIZE,
        ))?;
        let trap_records = &bytes[traps.offset..traps.offset + traps.size];
        if !trap_records.len().is_multiple_of(consts::TRAP_ENTRY_SIZE) {
            return Err(FormatError::new(
                "trap table size is not a multiple of its record size",
                traps.offset,
            ));
        }
        let mut previous = None;
        for (i, record) in trap_records
            .chunks_exact(consts::TRAP_ENTRY_SIZE)
            .enumerate()
        {
            let entry = trap_record(record);
            let at = traps.offset + i * consts::TRAP_ENTRY_SIZE;
            if previous.is_some_and(|p| p >= entry.code_offset)
                || entry.code_offset as usize >= text.size
            {
                return Err(FormatError::new(
                    "trap table is not sorted or points outside the text",
                    at,
                ));
            }
            if crate::traps::TrapKind::from_code(entry.kind).is_none() {
                return Err(FormatError::new("unknown trap kind", at));
            }
            previous = Some(entry.code_offset);
        }

        Ok(Artifact {
            bytes,
            prefix,
            abi_fingerprint,
            build,
            types,
            imports,
            funcs,
            memories,
            globals,
            tables,
            elements,
            exports,
            start,
            data,
            names,
            import_trampolines,
            signature,
            trap_records,
            text_offset: text.offset,
            text_len: text.size,
            sections,
            index_space,
            vm_offsets,
        })
    }

    /// The machine code.
    pub fn text(&self) -> &'a [u8] {
        &self.bytes[self.text_offset..self.text_offset + self.text_len]
    }

    /// The trap recorded for the instruction at `code_offset` in the text.
    pub fn lookup_trap(&self, code_offset: u32) -> Option<TrapEntry> {
        let records = self.trap_records.chunks_exact(consts::TRAP_ENTRY_SIZE);
        let n = records.len();
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = (lo + hi) / 2;
            let at = mid * consts::TRAP_ENTRY_SIZE;
            let entry = trap_record(&self.trap_records[at..at + consts::TRAP_ENTRY_SIZE]);
            match entry.code_offset.cmp(&code_offset) {
                std::cmp::Ordering::Equal => return Some(entry),
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
            }
        }
        None
    }

    /// All trap entries, in code order.
    pub fn trap_entries(&self) -> impl Iterator<Item = TrapEntry> + '_ {
        self.trap_records
            .chunks_exact(consts::TRAP_ENTRY_SIZE)
            .map(trap_record)
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
        self.types.get(ty.index())
    }

    /// The type index of every function, imported ones first, in index
    /// order.
    pub fn func_type_indices(&self) -> impl Iterator<Item = TypeIndex> + '_ {
        let imported = self.imports.iter().filter_map(|i| match i.kind {
            ImportKind::Func(t) => Some(t),
            _ => None,
        });
        imported.chain(self.funcs.iter().map(|f| f.ty))
    }

    /// The type index of function `index` (imported or defined). Linear in
    /// the number of imports: use [`Artifact::func_type_indices`] to visit
    /// every function.
    pub fn func_type_index(&self, index: FuncIndex) -> Option<TypeIndex> {
        let mut imported = self.imports.iter().filter_map(|i| match i.kind {
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
        self.names
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, n)| *n)
    }

    /// The defined function whose body contains `code_offset`.
    pub fn func_at(&self, code_offset: u32) -> Option<DefinedFuncIndex> {
        self.funcs
            .iter()
            .position(|f| code_offset >= f.body_offset && code_offset - f.body_offset < f.body_len)
            .map(|i| DefinedFuncIndex(i as u32))
    }
}

fn trap_record(record: &[u8]) -> TrapEntry {
    let word =
        |i: usize| u32::from_le_bytes([record[i], record[i + 1], record[i + 2], record[i + 3]]);
    TrapEntry {
        code_offset: word(0),
        wasm_offset: word(4),
        kind: word(8),
    }
}

struct SectionReader<'s, 'a> {
    bytes: &'a [u8],
    sections: &'s [SectionEntry],
}

impl<'a> SectionReader<'_, 'a> {
    fn entry(&self, id: u32) -> Option<SectionEntry> {
        self.sections.iter().copied().find(|s| s.id == id)
    }
    fn optional(&self, id: u32) -> Result<Option<Cursor<'a>>> {
        Ok(self
            .entry(id)
            .map(|s| Cursor::new(&self.bytes[s.offset..s.offset + s.size], s.offset)))
    }
    fn required(&self, id: u32) -> Result<Cursor<'a>> {
        self.optional(id)?.ok_or(FormatError::new(
            "missing required section",
            consts::HEADER_SIZE,
        ))
    }
}
