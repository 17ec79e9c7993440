//! The module's index spaces: how many functions, tables, memories and
//! globals it imports and defines, and how many function types it has.
//! This is the one place that counts imports by kind; the compiler builds an
//! [`IndexSpace`] from the wasm module, the loader from the parsed artifact,
//! and both derive the VM context layout from it
//! ([`crate::vmctx::VMOffsets::new`]).

use crate::types::{DefinedFuncIndex, DefinedGlobalIndex, FuncIndex, GlobalIndex, ImportKind};

/// Number of items a module defines (not imports), by kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DefinedCounts {
    /// Defined functions.
    pub funcs: usize,
    /// Defined tables.
    pub tables: usize,
    /// Defined memories.
    pub memories: usize,
    /// Defined globals.
    pub globals: usize,
    /// Defined exception tags.
    pub tags: usize,
}

/// Counts of one kind of item: imports first, then definitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCount {
    /// Imported items (indices `0..imported`).
    pub imported: u32,
    /// Defined items (indices `imported..imported + defined`).
    pub defined: u32,
}

impl KindCount {
    /// Imported and defined items together. Counts come from `u32`s, so
    /// the sum fits a `u64`.
    pub fn total(self) -> u64 {
        u64::from(self.imported) + u64::from(self.defined)
    }
}

/// The index spaces of one module.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct IndexSpace {
    /// Function types.
    pub types: u32,
    /// Functions.
    pub funcs: KindCount,
    /// Tables.
    pub tables: KindCount,
    /// Memories.
    pub memories: KindCount,
    /// Globals.
    pub globals: KindCount,
    /// Exception tags.
    pub tags: KindCount,
}

/// A count as a `u32`; a count beyond `u32::MAX` (which no artifact or
/// wasm module can hold) saturates, so the layout built from it is refused
/// as too large instead of wrapping.
fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl IndexSpace {
    /// The index spaces of a module with `num_types` function types, these
    /// imports (in order) and `defined` items.
    pub fn new<'k>(
        num_types: usize,
        imports: impl IntoIterator<Item = &'k ImportKind>,
        defined: DefinedCounts,
    ) -> IndexSpace {
        IndexSpace::of_imports(num_types, imports).with_defined(defined)
    }

    /// The index spaces as far as the type and import sections tell: no
    /// defined items yet.
    pub fn of_imports<'k>(
        num_types: usize,
        imports: impl IntoIterator<Item = &'k ImportKind>,
    ) -> IndexSpace {
        let mut space = IndexSpace {
            types: count(num_types),
            ..IndexSpace::default()
        };
        for kind in imports {
            let of_kind = match kind {
                ImportKind::Func(_) => &mut space.funcs,
                ImportKind::Table(_) => &mut space.tables,
                ImportKind::Memory(_) => &mut space.memories,
                ImportKind::Global { .. } => &mut space.globals,
                ImportKind::Tag(_) => &mut space.tags,
            };
            of_kind.imported = of_kind.imported.saturating_add(1);
        }
        space
    }

    /// These index spaces with `defined` items after the imports.
    pub fn with_defined(self, defined: DefinedCounts) -> IndexSpace {
        IndexSpace {
            funcs: KindCount {
                defined: count(defined.funcs),
                ..self.funcs
            },
            tables: KindCount {
                defined: count(defined.tables),
                ..self.tables
            },
            memories: KindCount {
                defined: count(defined.memories),
                ..self.memories
            },
            globals: KindCount {
                defined: count(defined.globals),
                ..self.globals
            },
            tags: KindCount {
                defined: count(defined.tags),
                ..self.tags
            },
            ..self
        }
    }

    /// Whether function `f` is imported.
    pub fn is_imported_func(&self, f: FuncIndex) -> bool {
        f.0 < self.funcs.imported
    }

    /// The defined function `f` is, or `None` for an import.
    pub fn defined_func(&self, f: FuncIndex) -> Option<DefinedFuncIndex> {
        f.0.checked_sub(self.funcs.imported).map(DefinedFuncIndex)
    }

    /// The defined global `g` is, or `None` for an import.
    pub fn defined_global(&self, g: GlobalIndex) -> Option<DefinedGlobalIndex> {
        g.0.checked_sub(self.globals.imported)
            .map(DefinedGlobalIndex)
    }

    /// The function index of defined function `f`.
    pub fn func_index(&self, f: DefinedFuncIndex) -> FuncIndex {
        FuncIndex(self.funcs.imported.saturating_add(f.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{MemoryDesc, TableDesc, TypeIndex, ValType};

    #[test]
    fn imports_are_counted_by_kind_and_come_first() {
        let memory = MemoryDesc {
            min_pages: 1,
            max_pages: None,
            page_limit: None,
            shared: false,
            memory64: false,
        };
        let table = TableDesc {
            elem: ValType::FuncRef,
            min: 0,
            max: None,
            table64: false,
        };
        let imports = [
            ImportKind::Func(TypeIndex(0)),
            ImportKind::Global {
                ty: ValType::I32,
                mutable: false,
            },
            ImportKind::Func(TypeIndex(1)),
            ImportKind::Memory(memory),
            ImportKind::Table(table),
            ImportKind::Tag(TypeIndex(0)),
        ];
        let defined = DefinedCounts {
            funcs: 3,
            tables: 1,
            memories: 0,
            globals: 2,
            tags: 1,
        };
        let space = IndexSpace::new(2, &imports, defined);
        assert_eq!(space.types, 2);
        assert_eq!(
            space.tags,
            KindCount {
                imported: 1,
                defined: 1
            }
        );
        assert_eq!(
            space.funcs,
            KindCount {
                imported: 2,
                defined: 3
            }
        );
        assert_eq!(
            space.tables,
            KindCount {
                imported: 1,
                defined: 1
            }
        );
        assert_eq!(
            space.memories,
            KindCount {
                imported: 1,
                defined: 0
            }
        );
        assert_eq!(
            space.globals,
            KindCount {
                imported: 1,
                defined: 2
            }
        );
        assert!(space.is_imported_func(FuncIndex(1)));
        assert!(!space.is_imported_func(FuncIndex(2)));
        assert_eq!(space.defined_func(FuncIndex(1)), None);
        assert_eq!(space.defined_func(FuncIndex(4)), Some(DefinedFuncIndex(2)));
        assert_eq!(space.func_index(DefinedFuncIndex(0)), FuncIndex(2));
    }
}
