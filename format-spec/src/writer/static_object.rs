//! The relocatable object `waot compile --emit object` writes, for hosts
//! that link their guest's code in (nothing is mapped executable at run
//! time): the code in its own text section, the artifact's metadata with a
//! detached text (format 2.14) as read-only data, and one global symbol,
//! a `waot_static_module_t` record pointing at both, which
//! `waot_module_new_static` (waot.h) checks like an artifact. The text has
//! no relocations (calls were resolved when it was laid out); the record's
//! two pointers are the object's only ones.
//! The record's layout is in [`crate::static_record`].

use crate::symbols::CodeSymbol;
use object::write::{Relocation, Symbol, SymbolSection};
use object::{
    FileFlags, RelocationEncoding, RelocationFlags, RelocationKind, SectionKind, SymbolFlags,
    SymbolKind, SymbolScope, elf,
};

use crate::static_record::{LAYOUT, MAGIC, META_AT, RECORD_SIZE, TEXT_ALIGN, TEXT_AT};

/// What goes into the object.
pub struct StaticObject<'a> {
    /// The target triple (one of [`crate::target::TARGETS`]).
    pub target: &'a str,
    /// The global symbol of the record (a C identifier).
    pub symbol: &'a str,
    /// The metadata: an artifact written with a detached text.
    pub meta: &'a [u8],
    /// The code.
    pub text: &'a [u8],
    /// The pieces of code, named as in artifacts (local symbols for
    /// debuggers and `perf`).
    pub code_symbols: Vec<CodeSymbol>,
}

/// Whether `name` can be the record's symbol: a C identifier.
pub fn is_c_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// Writes the object.
///
/// # Panics
/// If `o.target` is not one of waot's targets or `o.symbol` is not a C
/// identifier (the compiler checks both first).
pub fn static_object(o: &StaticObject) -> Vec<u8> {
    assert!(is_c_identifier(o.symbol), "the symbol is a C identifier");
    let target = crate::target::TARGETS
        .iter()
        .find(|t| t.triple == o.target)
        .expect("a target of waot");
    let mut obj = super::elf_object(target);
    if target.elf_machine == elf::EM_RISCV {
        // RV64GC Linux objects: compressed instructions, double-float ABI;
        // the linker refuses to mix float ABIs.
        obj.flags = FileFlags::Elf {
            os_abi: elf::ELFOSABI_NONE,
            abi_version: 0,
            e_flags: elf::EF_RISCV_RVC | elf::EF_RISCV_FLOAT_ABI_DOUBLE,
        };
    }
    let name = |prefix: &str| format!("{prefix}.waot.{}", o.symbol).into_bytes();
    let text = obj.add_section(Vec::new(), name(".text"), SectionKind::Text);
    obj.section_mut(text).set_data(o.text, TEXT_ALIGN);
    let meta = obj.add_section(Vec::new(), name(".rodata"), SectionKind::ReadOnlyData);
    obj.section_mut(meta).set_data(o.meta, 16);
    let record = obj.add_section(
        Vec::new(),
        name(".data.rel.ro"),
        SectionKind::ReadOnlyDataWithRel,
    );
    let u32_bytes = |v: u32| {
        if target.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u64_bytes = |v: u64| {
        if target.big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut bytes = Vec::with_capacity(RECORD_SIZE);
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&u32_bytes(LAYOUT));
    bytes.extend_from_slice(&u32_bytes(0));
    bytes.extend_from_slice(&u64_bytes(0));
    bytes.extend_from_slice(&u64_bytes(o.meta.len() as u64));
    bytes.extend_from_slice(&u64_bytes(0));
    bytes.extend_from_slice(&u64_bytes(o.text.len() as u64));
    obj.section_mut(record).set_data(bytes, 8);
    for (at, section) in [(META_AT, meta), (TEXT_AT, text)] {
        let symbol = obj.section_symbol(section);
        obj.add_relocation(
            record,
            Relocation {
                offset: at,
                symbol,
                addend: 0,
                flags: RelocationFlags::Generic {
                    kind: RelocationKind::Absolute,
                    encoding: RelocationEncoding::Generic,
                    size: 64,
                },
            },
        )
        .expect("an absolute 64-bit relocation exists on every waot target");
    }
    // No executable stack: without this note GNU ld would give the whole
    // program one.
    let note = obj.add_section(
        Vec::new(),
        b".note.GNU-stack".to_vec(),
        SectionKind::Elf(elf::SHT_PROGBITS),
    );
    obj.section_mut(note).flags = object::SectionFlags::Elf { sh_flags: 0 };
    obj.add_symbol(Symbol {
        name: o.symbol.as_bytes().to_vec(),
        value: 0,
        size: RECORD_SIZE as u64,
        kind: SymbolKind::Data,
        scope: SymbolScope::Dynamic,
        weak: false,
        section: SymbolSection::Section(record),
        flags: SymbolFlags::None,
    });
    for s in &o.code_symbols {
        obj.add_symbol(Symbol {
            name: format!("{}::{}", o.symbol, s.name).into_bytes(),
            value: u64::from(s.offset),
            size: u64::from(s.size),
            kind: SymbolKind::Text,
            scope: SymbolScope::Compilation,
            weak: false,
            section: SymbolSection::Section(text),
            flags: SymbolFlags::None,
        });
    }
    obj.write()
        .expect("object writes every ELF64 object waot builds")
}
