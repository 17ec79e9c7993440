//! The types of what a module imports and exports, as an embedder sees
//! them before instantiating: [`ExternType`], [`ImportType`] and
//! [`ExportType`], from [`Module::imports`] and [`Module::exports`].

use crate::Module;
use waot_format::types::{
    ExportKind, FuncIndex, FuncType, ImportKind, MemoryDesc, TableDesc, ValType,
};

/// A global's type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GlobalType {
    /// The value type.
    pub content: ValType,
    /// Whether it can be set.
    pub mutable: bool,
}

/// The type of an import or export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExternType {
    /// A function.
    Func(FuncType),
    /// A global.
    Global(GlobalType),
    /// A table: element type and limits.
    Table(TableDesc),
    /// A linear memory: limits in pages.
    Memory(MemoryDesc),
    /// An exception tag with these parameters.
    Tag(FuncType),
}

/// One import of a module.
#[derive(Clone, Debug)]
pub struct ImportType<'m> {
    /// The module name it is imported from.
    pub module: &'m str,
    /// The field name.
    pub name: &'m str,
    /// Its type.
    pub ty: ExternType,
}

/// One export of a module.
#[derive(Clone, Debug)]
pub struct ExportType<'m> {
    /// The export's name.
    pub name: &'m str,
    /// Its type.
    pub ty: ExternType,
}

impl Module {
    /// A type of the module's type section (empty if the artifact's index
    /// is out of range, which its reader has ruled out).
    fn func_type_at(&self, index: usize) -> FuncType {
        self.artifact()
            .module
            .types
            .get(index)
            .and_then(|t| t.as_func())
            .cloned()
            .unwrap_or(FuncType {
                params: Vec::new(),
                results: Vec::new(),
            })
    }

    /// Its imports, in order.
    pub fn imports(&self) -> Vec<ImportType<'_>> {
        self.artifact()
            .module
            .imports
            .iter()
            .map(|i| ImportType {
                module: i.module,
                name: i.name,
                ty: match &i.kind {
                    ImportKind::Func(t) => ExternType::Func(self.func_type_at(t.index())),
                    ImportKind::Tag(t) => ExternType::Tag(self.func_type_at(t.index())),
                    ImportKind::Global { ty, mutable } => ExternType::Global(GlobalType {
                        content: *ty,
                        mutable: *mutable,
                    }),
                    ImportKind::Memory(m) => ExternType::Memory(*m),
                    ImportKind::Table(t) => ExternType::Table(*t),
                },
            })
            .collect()
    }

    /// Its exports, in order.
    pub fn exports(&self) -> Vec<ExportType<'_>> {
        let a = self.artifact();
        let imports = self.imports();
        // Imported items come first in each index space.
        let imported = |pick: fn(&ExternType) -> bool| -> Vec<ExternType> {
            imports
                .iter()
                .map(|i| &i.ty)
                .filter(|t| pick(t))
                .cloned()
                .collect()
        };
        let memories = imported(|t| matches!(t, ExternType::Memory(_)));
        let tables = imported(|t| matches!(t, ExternType::Table(_)));
        let globals = imported(|t| matches!(t, ExternType::Global(_)));
        let tags = imported(|t| matches!(t, ExternType::Tag(_)));
        let nth =
            |list: &[ExternType], index: usize, defined: &dyn Fn(usize) -> Option<ExternType>| {
                list.get(index)
                    .cloned()
                    .or_else(|| defined(index - list.len()))
            };
        a.module
            .exports
            .iter()
            .filter_map(|e| {
                let index = e.index as usize;
                let ty = match e.kind {
                    ExportKind::Func => ExternType::Func(a.func_type(FuncIndex(e.index))?.clone()),
                    ExportKind::Memory => nth(&memories, index, &|i| {
                        a.module.memories.get(i).map(|m| ExternType::Memory(*m))
                    })?,
                    ExportKind::Table => nth(&tables, index, &|i| {
                        a.module.tables.get(i).map(|t| ExternType::Table(*t))
                    })?,
                    ExportKind::Global => nth(&globals, index, &|i| {
                        a.module.globals.get(i).map(|g| {
                            ExternType::Global(GlobalType {
                                content: g.ty,
                                mutable: g.mutable,
                            })
                        })
                    })?,
                    ExportKind::Tag => nth(&tags, index, &|i| {
                        a.module
                            .tags
                            .get(i)
                            .map(|t| ExternType::Tag(self.func_type_at(t.index())))
                    })?,
                };
                Some(ExportType { name: e.name, ty })
            })
            .collect()
    }

    /// The artifact's bytes, as `Module::from_bytes` takes them back.
    pub fn serialize(&self) -> Vec<u8> {
        self.artifact().bytes.to_vec()
    }
}
