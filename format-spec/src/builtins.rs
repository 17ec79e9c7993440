//! Runtime builtins: functions the loader implements and compiled code
//! calls through the table at [`crate::vmctx::BUILTINS`], so the text needs
//! no relocations. The order of [`Builtin::ALL`] is the table order.

/// A type in a builtin's native signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AbiType {
    /// A pointer (the VM context, a reference).
    Ptr,
    /// 32-bit integer.
    I32,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

/// One builtin. Those that can fail return 0 on success and 1 when an
/// access is out of bounds; compiled code turns 1 into the trap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// `memory_grow(vmctx, delta_pages: i32, memory: i32) -> i32`: old size
    /// in pages, or -1.
    MemoryGrow,
    /// `memory_copy(vmctx, dst_mem, src_mem, dst, src, len) -> status`.
    MemoryCopy,
    /// `memory_fill(vmctx, mem, dst, value, len) -> status`.
    MemoryFill,
    /// `memory_init(vmctx, mem, segment, dst, src, len) -> status`.
    MemoryInit,
    /// `data_drop(vmctx, segment) -> 0`.
    DataDrop,
    /// `table_grow(vmctx, table, init: ref, delta) -> i32`: old size or -1.
    TableGrow,
    /// `table_fill(vmctx, table, dst, value: ref, len) -> status`.
    TableFill,
    /// `table_copy(vmctx, dst_table, src_table, dst, src, len) -> status`.
    TableCopy,
    /// `table_init(vmctx, table, segment, dst, src, len) -> status`.
    TableInit,
    /// `elem_drop(vmctx, segment) -> 0`.
    ElemDrop,
    /// `floorf(x)`.
    FloorF32,
    /// `floor(x)`.
    FloorF64,
    /// `ceilf(x)`.
    CeilF32,
    /// `ceil(x)`.
    CeilF64,
    /// `truncf(x)`.
    TruncF32,
    /// `trunc(x)`.
    TruncF64,
    /// Round to nearest, ties to even (`f32.nearest`).
    NearestF32,
    /// Round to nearest, ties to even (`f64.nearest`).
    NearestF64,
}

impl Builtin {
    /// Every builtin, in table order.
    pub const ALL: [Builtin; 18] = [
        Builtin::MemoryGrow,
        Builtin::MemoryCopy,
        Builtin::MemoryFill,
        Builtin::MemoryInit,
        Builtin::DataDrop,
        Builtin::TableGrow,
        Builtin::TableFill,
        Builtin::TableCopy,
        Builtin::TableInit,
        Builtin::ElemDrop,
        Builtin::FloorF32,
        Builtin::FloorF64,
        Builtin::CeilF32,
        Builtin::CeilF64,
        Builtin::TruncF32,
        Builtin::TruncF64,
        Builtin::NearestF32,
        Builtin::NearestF64,
    ];

    /// The slot of this builtin in the table.
    pub fn index(self) -> u32 {
        Self::ALL.iter().position(|b| *b == self).unwrap_or(0) as u32
    }

    /// Offset of this builtin's pointer from the table start.
    pub fn table_offset(self) -> u32 {
        self.index() * 8
    }

    /// A stable name, part of the ABI fingerprint.
    pub fn name(self) -> &'static str {
        match self {
            Builtin::MemoryGrow => "memory_grow",
            Builtin::MemoryCopy => "memory_copy",
            Builtin::MemoryFill => "memory_fill",
            Builtin::MemoryInit => "memory_init",
            Builtin::DataDrop => "data_drop",
            Builtin::TableGrow => "table_grow",
            Builtin::TableFill => "table_fill",
            Builtin::TableCopy => "table_copy",
            Builtin::TableInit => "table_init",
            Builtin::ElemDrop => "elem_drop",
            Builtin::FloorF32 => "floor_f32",
            Builtin::FloorF64 => "floor_f64",
            Builtin::CeilF32 => "ceil_f32",
            Builtin::CeilF64 => "ceil_f64",
            Builtin::TruncF32 => "trunc_f32",
            Builtin::TruncF64 => "trunc_f64",
            Builtin::NearestF32 => "nearest_f32",
            Builtin::NearestF64 => "nearest_f64",
        }
    }

    /// Parameter and result types of the native signature (C calling
    /// convention of the target).
    pub fn signature(self) -> (&'static [AbiType], &'static [AbiType]) {
        use AbiType::*;
        match self {
            Builtin::MemoryGrow => (&[Ptr, I32, I32], &[I32]),
            Builtin::MemoryCopy | Builtin::MemoryInit | Builtin::TableCopy | Builtin::TableInit => {
                (&[Ptr, I32, I32, I32, I32, I32], &[I32])
            }
            Builtin::MemoryFill => (&[Ptr, I32, I32, I32, I32], &[I32]),
            Builtin::DataDrop | Builtin::ElemDrop => (&[Ptr, I32], &[I32]),
            Builtin::TableGrow => (&[Ptr, I32, Ptr, I32], &[I32]),
            Builtin::TableFill => (&[Ptr, I32, I32, Ptr, I32], &[I32]),
            Builtin::FloorF32 | Builtin::CeilF32 | Builtin::TruncF32 | Builtin::NearestF32 => {
                (&[F32], &[F32])
            }
            Builtin::FloorF64 | Builtin::CeilF64 | Builtin::TruncF64 | Builtin::NearestF64 => {
                (&[F64], &[F64])
            }
        }
    }
}
