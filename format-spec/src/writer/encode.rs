//! The byte encoding of waot's own sections (SPEC.md, "Sections"): a
//! little-endian encoder and one function per section, returning each
//! section's name, whether it is required, and its bytes.

use super::ArtifactContents;
use crate::consts::{self, section};
use crate::types::*;

/// A little-endian byte encoder.
#[derive(Default)]
pub(super) struct Encoder(pub Vec<u8>);

impl Encoder {
    pub fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    /// A value type: its code, and for a typed reference its heap type.
    fn valtype(&mut self, v: ValType) {
        self.u8(v.code());
        if let ValType::Ref(r) = v {
            self.u32(r.heap.code());
        }
    }
    fn bool(&mut self, v: bool) {
        self.u8(v as u8);
    }
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("artifact lists hold fewer than 2^32 items"));
    }
    fn blob(&mut self, bytes: &[u8]) {
        self.len(bytes.len());
        self.0.extend_from_slice(bytes);
    }
    fn str(&mut self, s: &str) {
        self.blob(s.as_bytes());
    }
    fn option_u64(&mut self, v: Option<u64>) {
        self.bool(v.is_some());
        if let Some(v) = v {
            self.u64(v);
        }
    }
    fn memory(&mut self, m: &MemoryDesc) {
        self.u64(m.min_pages);
        self.option_u64(m.max_pages);
        self.option_u64(m.page_limit);
        self.bool(m.shared);
        self.bool(m.memory64);
    }
    fn table(&mut self, t: &TableDesc) {
        self.valtype(t.elem);
        self.u64(t.min);
        self.option_u64(t.max);
    }
    fn const_expr(&mut self, e: &ConstExpr) {
        let (kind, value) = match *e {
            ConstExpr::I32(v) => (0, v as u32 as u64),
            ConstExpr::I64(v) => (1, v as u64),
            ConstExpr::F32(v) => (2, v as u64),
            ConstExpr::F64(v) => (3, v),
            ConstExpr::GlobalGet(g) => (4, g.0 as u64),
            ConstExpr::RefNull => (5, 0),
            ConstExpr::RefFunc(f) => (6, f.0 as u64),
            ConstExpr::V128(v) => {
                // Kind 8: the low 64 bits, then the high 64 bits.
                self.u8(8);
                self.u64(v as u64);
                self.u64((v >> 64) as u64);
                return;
            }
            ConstExpr::Extended(ref ops) => {
                // Kind 7: the number of operators, then each as
                // `kind: u8, value: u64`.
                self.u8(7);
                self.u64(ops.len() as u64);
                for op in ops {
                    let (kind, value) = match *op {
                        ConstOp::I32(v) => (0, v as u32 as u64),
                        ConstOp::I64(v) => (1, v as u64),
                        ConstOp::GlobalGet(g) => (4, g.0 as u64),
                        ConstOp::I32Arith(a) => (8 + arith_code(a), 0),
                        ConstOp::I64Arith(a) => (11 + arith_code(a), 0),
                        ConstOp::RefNull(h) => (14, u64::from(h.code())),
                        ConstOp::RefI31 => (15, 0),
                        ConstOp::AnyConvertExtern => (16, 0),
                        ConstOp::ExternConvertAny => (17, 0),
                        ConstOp::StructNew(t) => (18, u64::from(t.0)),
                        ConstOp::StructNewDefault(t) => (19, u64::from(t.0)),
                        ConstOp::ArrayNew(t) => (20, u64::from(t.0)),
                        ConstOp::ArrayNewDefault(t) => (21, u64::from(t.0)),
                        ConstOp::ArrayNewFixed(t, n) => (22, u64::from(t.0) | u64::from(n) << 32),
                        ConstOp::F32(bits) => (23, u64::from(bits)),
                        ConstOp::F64(bits) => (24, bits),
                        // Kind 25: the low 64 bits, then the high 64 bits.
                        ConstOp::V128(v) => (25, v as u64),
                        ConstOp::RefFunc(f) => (26, u64::from(f.0)),
                    };
                    self.u8(kind);
                    self.u64(value);
                    if let ConstOp::V128(v) = *op {
                        self.u64((v >> 64) as u64);
                    }
                }
                return;
            }
        };
        self.u8(kind);
        self.u64(value);
    }
    fn list<T>(&mut self, items: &[T], mut f: impl FnMut(&mut Self, &T)) {
        self.len(items.len());
        for item in items {
            f(self, item);
        }
    }
}

fn build_info(b: &BuildInfo) -> Vec<u8> {
    let mut e = Encoder::default();
    e.u64(crate::abi::fingerprint());
    e.str(b.source_name);
    e.str(b.target);
    e.u8(match b.cpu_mode {
        CpuMode::Baseline => 0,
        CpuMode::Native => 1,
    });
    e.str(b.cpu_features);
    e.u32(b.text_align);
    e.u8(match b.bounds {
        BoundsStrategy::Guard => 0,
        BoundsStrategy::Explicit => 1,
    });
    e.u64(b.memory_reservation);
    e.u64(b.memory_guard);
    e.bool(b.stack_check);
    e.u64(b.wasm_features);
    e.str(b.opt_level);
    e.str(b.codegen);
    e.0
}

/// The operator code of an extended constant expression's arithmetic,
/// added to 8 (i32) or 11 (i64).
fn arith_code(a: ArithOp) -> u8 {
    match a {
        ArithOp::Add => 0,
        ArithOp::Sub => 1,
        ArithOp::Mul => 2,
    }
}

/// `.waot.gc-types` (format 2.15): the GC ABI fingerprint, the recursion
/// groups' sizes, then every type: `final`, its supertype (`u32::MAX` for
/// none) and its structure (kind 0: a function's parameters and results;
/// 1: a struct's fields; 2: an array's element).
fn gc_types(module: &ModuleMeta) -> Vec<u8> {
    let mut e = Encoder::default();
    e.u64(crate::abi::gc_fingerprint());
    e.list(&module.rec_groups, |e, n| e.u32(*n));
    let field = |e: &mut Encoder, f: &FieldType| {
        match f.storage {
            StorageType::I8 => e.u8(STORAGE_I8),
            StorageType::I16 => e.u8(STORAGE_I16),
            StorageType::Val(v) => e.valtype(v),
        }
        e.bool(f.mutable);
    };
    e.list(&module.types, |e, t| {
        e.bool(t.is_final);
        e.u32(t.supertype.map_or(u32::MAX, |s| s.0));
        match &t.composite {
            CompositeType::Func(f) => {
                e.u8(0);
                e.list(&f.params, |e, v| e.valtype(*v));
                e.list(&f.results, |e, v| e.valtype(*v));
            }
            CompositeType::Struct(fields) => {
                e.u8(1);
                e.list(fields, field);
            }
            CompositeType::Array(f) => {
                e.u8(2);
                field(e, f);
            }
        }
    });
    e.0
}

/// The flags of section `id` holding `items` entries: `required` exactly
/// when a loader that skipped the section would run the module differently
/// (SPEC.md, "Which sections are required").
pub(super) fn required(name: &str, items: usize) -> bool {
    match name {
        section::NAMES
        | section::INLINING
        | section::INLINING_LIMITS
        | section::SIGNATURE
        | section::MEMORY_IMAGES
        | section::TYPE_TRAMPOLINES => false,
        section::TABLES | section::ELEMENTS | section::TAGS => items > 0,
        _ => true,
    }
}

/// One encoded section: its name and contents.
pub(super) struct Encoded {
    pub name: &'static str,
    pub required: bool,
    pub bytes: Vec<u8>,
}

/// Encodes waot's metadata sections, in file order (the version record,
/// the checksum, the data bytes, the text and the signature are the
/// container's), and the contents of `.rodata.wasm`.
pub(super) fn sections(c: &ArtifactContents) -> (Vec<Encoded>, Vec<u8>) {
    let mut out = vec![(section::BUILD_INFO, build_info(&c.build))];
    let extended = |e: &ConstExpr| matches!(e, ConstExpr::Extended(_));
    let uses_extended = c.module.globals.iter().any(|g| extended(&g.init))
        || c.module
            .data
            .iter()
            .any(|d| d.active.as_ref().is_some_and(|(_, e)| extended(e)))
        || c.module.elements.iter().any(|s| {
            s.items.iter().any(extended)
                || matches!(&s.mode, ElementMode::Active { offset, .. } if extended(offset))
        });
    if uses_extended {
        out.push((section::EXTENDED_CONST, Vec::new()));
    }
    if c.build.wasm_features & crate::types::wasm_features::SIMD != 0 {
        out.push((section::SIMD, Vec::new()));
    }
    if c.build.wasm_features & crate::types::wasm_features::FUNCTION_REFERENCES != 0 {
        out.push((section::FUNCTION_REFERENCES, Vec::new()));
    }
    if c.build.interruption.any() {
        let mut e = Encoder::default();
        e.u8(c.build.interruption.bits());
        e.u64(crate::abi::interruption_fingerprint());
        out.push((section::INTERRUPTION, e.0));
    }
    if c.build.inlining.on() {
        let mut e = Encoder::default();
        e.u32(c.build.inlining.max_callee_insts);
        e.list(c.funcs, |e, f| e.u32(f.wasm_offset));
        out.push((section::INLINING, e.0));
        let limits = c.build.inlining;
        if limits != Inlining::every_leaf(limits.max_callee_insts) {
            let mut e = Encoder::default();
            e.u32(limits.small_callee_insts);
            e.u32(limits.max_call_sites);
            out.push((section::INLINING_LIMITS, e.0));
        }
    }
    let mut e = Encoder::default();
    if c.module.has_gc_types() || c.build.wasm_features & crate::types::wasm_features::GC != 0 {
        // `.waot.types` stays empty: a loader without GC refuses the
        // required `.waot.gc-types` by name.
        e.len(0);
        out.push((section::TYPES, e.0));
        out.push((section::GC_TYPES, gc_types(c.module)));
    } else {
        e.list(&c.module.types, |e, t| {
            let t = t.as_func().expect("plain function types");
            e.list(&t.params, |e, v| e.valtype(*v));
            e.list(&t.results, |e, v| e.valtype(*v));
        });
        out.push((section::TYPES, e.0));
    }
    let mut e = Encoder::default();
    e.list(&c.module.imports, |e, i| {
        e.str(i.module);
        e.str(i.name);
        match &i.kind {
            ImportKind::Func(t) => {
                e.u8(0);
                e.u32(t.0);
            }
            ImportKind::Table(t) => {
                e.u8(1);
                e.table(t);
            }
            ImportKind::Memory(m) => {
                e.u8(2);
                e.memory(m);
            }
            ImportKind::Global { ty, mutable } => {
                e.u8(3);
                e.valtype(*ty);
                e.bool(*mutable);
            }
            ImportKind::Tag(t) => {
                e.u8(4);
                e.u32(t.0);
            }
        }
    });
    out.push((section::IMPORTS, e.0));
    let mut e = Encoder::default();
    e.list(c.funcs, |e, f| {
        e.u32(f.ty.0);
        e.u32(f.body_offset);
        e.u32(f.body_len);
        e.u32(f.array_entry_offset);
    });
    out.push((section::FUNCTIONS, e.0));
    let mut e = Encoder::default();
    e.list(&c.module.memories, |e, m| e.memory(m));
    out.push((section::MEMORIES, e.0));
    let mut e = Encoder::default();
    e.list(&c.module.globals, |e, g| {
        e.valtype(g.ty);
        e.bool(g.mutable);
        e.const_expr(&g.init);
    });
    out.push((section::GLOBALS, e.0));
    let mut e = Encoder::default();
    e.list(&c.module.tables, |e, t| e.table(t));
    out.push((section::TABLES, e.0));
    let imported_tables = c.module.imports.iter().filter_map(|i| match &i.kind {
        ImportKind::Table(t) => Some(t),
        _ => None,
    });
    let table64: Vec<u32> = imported_tables
        .chain(&c.module.tables)
        .enumerate()
        .filter(|(_, t)| t.table64)
        .map(|(i, _)| i as u32)
        .collect();
    if !table64.is_empty() {
        let mut e = Encoder::default();
        e.list(&table64, |e, i| e.u32(*i));
        out.push((section::TABLE64, e.0));
    }
    if !c.module.table_inits.is_empty() {
        let mut e = Encoder::default();
        e.list(&c.module.table_inits, |e, (table, init)| {
            e.u32(*table);
            e.const_expr(init);
        });
        out.push((section::TABLE_INITS, e.0));
    }
    let mut e = Encoder::default();
    e.list(&c.module.tags, |e, t| e.u32(t.0));
    out.push((section::TAGS, e.0));
    let mut e = Encoder::default();
    e.list(&c.module.elements, |e, seg| {
        match &seg.mode {
            ElementMode::Passive => e.u8(0),
            ElementMode::Active { table, offset } => {
                e.u8(1);
                e.u32(table.0);
                e.const_expr(offset);
            }
            ElementMode::Declarative => e.u8(2),
        }
        e.valtype(seg.elem);
        e.list(&seg.items, |e, item| e.const_expr(item));
    });
    out.push((section::ELEMENTS, e.0));
    let mut e = Encoder::default();
    e.list(&c.module.exports, |e, x| {
        e.str(x.name);
        e.u8(match x.kind {
            ExportKind::Func => 0,
            ExportKind::Table => 1,
            ExportKind::Memory => 2,
            ExportKind::Global => 3,
            ExportKind::Tag => 4,
        });
        e.u32(x.index);
    });
    out.push((section::EXPORTS, e.0));
    if let Some(start) = c.module.start {
        out.push((section::START, start.0.to_le_bytes().to_vec()));
    }
    let layout = super::images::layout(c, u64::from(c.build.text_align));
    let mut e = Encoder::default();
    let mut spans = layout.spans.iter();
    e.list(&c.module.data, |e, d| {
        match &d.active {
            None => e.u8(0),
            Some((memory, offset)) => {
                e.u8(1);
                e.u32(memory.0);
                e.const_expr(offset);
            }
        }
        let (start, len) = spans.next().copied().unwrap_or_default();
        e.len(start);
        e.len(len);
    });
    out.push((section::DATA, e.0));
    if !layout.images.is_empty() {
        let mut e = Encoder::default();
        e.list(&layout.images, |e, image| {
            e.u32(image.memory);
            e.u64(image.memory_offset);
            e.u64(image.start);
            e.u64(image.len);
        });
        out.push((section::MEMORY_IMAGES, e.0));
    }
    let mut e = Encoder::default();
    e.list(&c.module.names, |e, (f, n)| {
        e.u32(f.0);
        e.str(n);
    });
    out.push((section::NAMES, e.0));
    let mut e = Encoder::default();
    e.list(c.import_trampolines, |e, o| e.u32(*o));
    out.push((section::IMPORT_TRAMPOLINES, e.0));
    if !c.type_trampolines.is_empty() {
        let mut e = Encoder::default();
        e.list(c.type_trampolines, |e, (t, o)| {
            e.u32(t.0);
            e.u32(*o);
        });
        out.push((section::TYPE_TRAMPOLINES, e.0));
    }
    // The compiler lays code out in order, so its traps come sorted: only
    // other writers (tests) pay for a sorted copy.
    let sorted = c
        .traps
        .windows(2)
        .all(|w| w[0].code_offset < w[1].code_offset);
    let traps = if sorted {
        std::borrow::Cow::Borrowed(c.traps)
    } else {
        let mut traps = c.traps.to_vec();
        traps.sort_by_key(|t| t.code_offset);
        traps.dedup_by_key(|t| t.code_offset);
        std::borrow::Cow::Owned(traps)
    };
    out.push((section::TRAP_BLOCKS, trap_table(&traps)));
    let mut handlers = c.handlers.to_vec();
    handlers.sort_by_key(|h| h.return_offset);
    let mut e = Encoder::default();
    e.list(&handlers, |e, h| {
        e.u32(h.return_offset);
        e.u32(h.frame_offset);
        e.u32(h.vmctx_sp_offset.unwrap_or(u32::MAX));
        e.bool(h.catches_traps);
        e.list(&h.handlers, |e, (tag, offset)| {
            e.u32(tag.map_or(u32::MAX, |t| t.0));
            e.u32(*offset);
        });
    });
    out.push((section::EXCEPTION_TABLE, e.0));
    if !c.stack_maps.is_empty() {
        out.push((
            section::STACK_MAPS,
            crate::stack_maps::encode(&c.stack_maps),
        ));
    }
    let item_count = |name: &str| match name {
        section::TABLES => c.module.tables.len(),
        section::TAGS => c.module.tags.len(),
        section::ELEMENTS => c.module.elements.len(),
        _ => 1,
    };
    let encoded = out
        .into_iter()
        .map(|(name, bytes)| Encoded {
            name,
            required: required(name, item_count(name)),
            bytes,
        })
        .collect();
    (encoded, layout.bytes)
}

/// The trap table of format 2.9 (layout: `crate::trap_table`) for traps
/// sorted by strictly increasing code offset.
pub(crate) fn trap_table(traps: &[TrapEntry]) -> Vec<u8> {
    let mut e = Encoder::default();
    e.len(traps.len());
    let mut entries = Vec::new();
    for block in traps.chunks(consts::TRAP_BLOCK_LEN) {
        e.u32(block[0].code_offset);
        e.u32(block[0].wasm_offset);
        e.u32(u32::try_from(entries.len()).expect("trap table under 4 GiB"));
        let mut previous = block[0];
        for t in block {
            assert!(
                t.kind < 1 << consts::TRAP_KIND_BITS,
                "trap kinds fit 5 bits"
            );
            let code_delta = u64::from(t.code_offset - previous.code_offset);
            let wasm_delta = i64::from(t.wasm_offset) - i64::from(previous.wasm_offset);
            let zigzag = ((wasm_delta << 1) ^ (wasm_delta >> 63)) as u64;
            let first = (code_delta << consts::TRAP_KIND_BITS) | u64::from(t.kind);
            for number in [first, zigzag] {
                leb128::write::unsigned(&mut entries, number).expect("writing to a Vec");
            }
            previous = *t;
        }
    }
    e.0.extend_from_slice(&entries);
    e.0
}
