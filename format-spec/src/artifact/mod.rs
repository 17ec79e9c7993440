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

    /// The defined function whose wasm body holds `wasm_offset`, when the
    /// artifact records where bodies start (it does when it inlines: a
    /// trap in an inlined body then names the inlined function, not the
    /// one whose code it lies in). `None` for a trap entry's unknown
    /// offset, `u32::MAX`.
    pub fn func_at_wasm_offset(&self, wasm_offset: u32) -> Option<DefinedFuncIndex> {
        if !self.build.inlining.on() || wasm_offset == u32::MAX {
            return None;
        }
        let i = self.funcs.partition_point(|f| f.wasm_offset <= wasm_offset);
        Some(DefinedFuncIndex(i.checked_sub(1)? as u32))
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

mod code;
mod parse;
