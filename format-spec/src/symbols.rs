//! The names of the pieces of compiled code, defined once: the writer puts
//! them in the artifact's ELF symbol table (for `objdump`, `perf`,
//! debuggers) and the loader in perf map files. Function bodies are
//! `wasm[N]` or `wasm[N]::name` (N the function index, the name from the
//! wasm name section), array entries `array_entry[N]…`, import trampolines
//! `import[N]::module::name`. Control characters in wasm names are escaped
//! (`\n`, `\u{0}`): ELF strings end at NUL, map files at line ends, and
//! tools print symbols to terminals.

use crate::types::{FuncIndex, FuncInfo, Import, ImportKind, NO_ARRAY_ENTRY, TypeIndex};

/// One piece of code: its name, text offset and size in bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeSymbol {
    /// The symbol's name.
    pub name: String,
    /// Offset of its first instruction in the text.
    pub offset: u32,
    /// Its size: a body's recorded length; an array entry's or a
    /// trampoline's runs to the next piece of code (or the text's end).
    pub size: u32,
}

/// Where the code of a module is, as an artifact records it.
#[derive(Clone, Copy, Debug)]
pub struct CodeLayout<'a> {
    /// Defined functions.
    pub funcs: &'a [FuncInfo],
    /// Imports (the function imports name the trampolines).
    pub imports: &'a [Import<'a>],
    /// Text offset of each imported function's trampoline.
    pub import_trampolines: &'a [u32],
    /// Trampolines by function type (some of them imports' trampolines).
    pub type_trampolines: &'a [(TypeIndex, u32)],
    /// Function names from the wasm name section.
    pub names: &'a [(FuncIndex, &'a str)],
    /// Length of the text.
    pub text_len: usize,
}

/// Every piece of code of `layout`: each defined function's body then its
/// array entry, in function order, then the import trampolines.
pub fn code_symbols(layout: &CodeLayout) -> Vec<CodeSymbol> {
    let names: std::collections::HashMap<u32, &str> =
        layout.names.iter().map(|(f, n)| (f.0, *n)).collect();
    let label = |prefix: &str, index: u32| match names.get(&index) {
        Some(name) => format!("{prefix}[{index}]::{}", printable(name)),
        None => format!("{prefix}[{index}]"),
    };
    let mut starts: Vec<u32> = layout
        .funcs
        .iter()
        .flat_map(|f| [f.body_offset, f.array_entry_offset])
        .chain(trampoline_offsets(
            layout.import_trampolines,
            layout.type_trampolines,
        ))
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .collect();
    starts.sort_unstable();
    let text_len = u32::try_from(layout.text_len).unwrap_or(u32::MAX);
    let size_from = |start: u32| {
        let next = starts.partition_point(|&o| o <= start);
        starts
            .get(next)
            .copied()
            .unwrap_or(text_len)
            .saturating_sub(start)
    };
    let imported = layout.import_trampolines.len() as u32;
    let mut out = Vec::new();
    for (i, f) in layout.funcs.iter().enumerate() {
        let index = imported + i as u32;
        out.push(CodeSymbol {
            name: label("wasm", index),
            offset: f.body_offset,
            size: f.body_len,
        });
        if f.array_entry_offset != NO_ARRAY_ENTRY {
            out.push(CodeSymbol {
                name: label("array_entry", index),
                offset: f.array_entry_offset,
                size: size_from(f.array_entry_offset),
            });
        }
    }
    let imports = layout.imports.iter().filter_map(|i| match i.kind {
        ImportKind::Func(_) => Some((i.module, i.name)),
        _ => None,
    });
    for (i, ((module, name), &offset)) in imports.zip(layout.import_trampolines).enumerate() {
        out.push(CodeSymbol {
            name: format!("import[{i}]::{}::{}", printable(module), printable(name)),
            offset,
            size: size_from(offset),
        });
    }
    let import_offsets: std::collections::HashSet<u32> =
        layout.import_trampolines.iter().copied().collect();
    for (t, offset) in layout.type_trampolines {
        if !import_offsets.contains(offset) {
            out.push(CodeSymbol {
                name: format!("type_trampoline[{}]", t.0),
                offset: *offset,
                size: size_from(*offset),
            });
        }
    }
    out
}

/// Every trampoline's offset once: the imports', then the types' that are
/// not an import's.
pub fn trampoline_offsets(imports: &[u32], types: &[(TypeIndex, u32)]) -> Vec<u32> {
    let import_offsets: std::collections::HashSet<u32> = imports.iter().copied().collect();
    let mut out = imports.to_vec();
    out.extend(
        types
            .iter()
            .map(|(_, o)| *o)
            .filter(|o| !import_offsets.contains(o)),
    );
    out
}

/// `name` with every control character escaped.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(
            super::printable("a\0b\nc\u{1b}[31m"),
            "a\\u{0}b\\nc\\u{1b}[31m"
        );
    }
}
