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
    /// 64-bit integer.
    I64,
    /// 32-bit float.
    F32,
    /// 64-bit float.
    F64,
}

/// Calls `$mac!` with the list of every builtin, in table order: its doc,
/// its [`Builtin`] variant, its function name and its native signature.
/// Parameter and result types are `vmctx` (the caller's VM context), `ref`
/// (a reference: `*const VMFuncRef`, externref bits or 0), `i32`, `f32`
/// and `f64`; `vmctx` and `ref` are both [`AbiType::Ptr`].
///
/// This list is the only definition of the builtins: [`Builtin`], its
/// signatures and the ABI fingerprint come from it here, the compiler
/// derives its call signatures from [`Builtin::signature`], and the loader
/// generates its builtin table from it, checking each implementation
/// against the listed signature. A builtin on one side only, or with
/// different signatures, does not compile.
#[macro_export]
macro_rules! foreach_builtin {
    ($mac:ident) => {
        $mac! {
            /// `memory_grow(vmctx, delta_pages, memory) -> i64`: old size in
            /// pages, or -1. Addresses and lengths of memory builtins are
            /// 64-bit for every memory (a 32-bit memory's are zero-extended).
            MemoryGrow memory_grow(vmctx: vmctx, delta: i64, memory: i32) -> i64;
            /// `memory_copy(vmctx, dst_mem, src_mem, dst, src, len) -> status`.
            MemoryCopy memory_copy(vmctx: vmctx, dst_mem: i32, src_mem: i32, dst: i64, src: i64, len: i64) -> i32;
            /// `memory_fill(vmctx, mem, dst, value, len) -> status`.
            MemoryFill memory_fill(vmctx: vmctx, memory: i32, dst: i64, value: i32, len: i64) -> i32;
            /// `memory_init(vmctx, mem, segment, dst, src, len) -> status`.
            MemoryInit memory_init(vmctx: vmctx, memory: i32, segment: i32, dst: i64, src: i32, len: i32) -> i32;
            /// `data_drop(vmctx, segment) -> 0`.
            DataDrop data_drop(vmctx: vmctx, segment: i32) -> i32;
            /// `table_grow(vmctx, table, init, delta) -> i64`: old size or -1
            /// (indices and lengths are 64-bit, as for memories).
            TableGrow table_grow(vmctx: vmctx, table: i32, init: ref, delta: i64) -> i64;
            /// `table_fill(vmctx, table, dst, value, len) -> status`.
            TableFill table_fill(vmctx: vmctx, table: i32, dst: i64, value: ref, len: i64) -> i32;
            /// `table_copy(vmctx, dst_table, src_table, dst, src, len) -> status`.
            TableCopy table_copy(vmctx: vmctx, dst_table: i32, src_table: i32, dst: i64, src: i64, len: i64) -> i32;
            /// `table_init(vmctx, table, segment, dst, src, len) -> status`.
            TableInit table_init(vmctx: vmctx, table: i32, segment: i32, dst: i64, src: i32, len: i32) -> i32;
            /// `elem_drop(vmctx, segment) -> 0`.
            ElemDrop elem_drop(vmctx: vmctx, segment: i32) -> i32;
            /// `exn_new(vmctx, tag, values) -> exnref`: a new exception of
            /// tag `tag` (in the caller's index space) holding the tag's
            /// parameters, copied from 16-byte slots at `values`.
            ExnNew exn_new(vmctx: vmctx, tag: i32, values: ref) -> ref;
            /// `exn_throw(vmctx, exn) -> 0`: makes `exn` the exception the
            /// trap that follows throws.
            ExnThrow exn_throw(vmctx: vmctx, exn: ref) -> i32;
            /// `atomic_wait(vmctx, timeout_ns) -> 2`: what a
            /// `memory.atomic.wait` whose value matched does on one thread:
            /// sleeps for the timeout (for ever when negative) and returns
            /// 2, "timed-out".
            AtomicWait atomic_wait(vmctx: vmctx, timeout: i64) -> i32;
            /// `floorf(x)`.
            FloorF32 floor_f32(x: f32) -> f32;
            /// `floor(x)`.
            FloorF64 floor_f64(x: f64) -> f64;
            /// `ceilf(x)`.
            CeilF32 ceil_f32(x: f32) -> f32;
            /// `ceil(x)`.
            CeilF64 ceil_f64(x: f64) -> f64;
            /// `truncf(x)`.
            TruncF32 trunc_f32(x: f32) -> f32;
            /// `trunc(x)`.
            TruncF64 trunc_f64(x: f64) -> f64;
            /// Round to nearest, ties to even (`f32.nearest`).
            NearestF32 nearest_f32(x: f32) -> f32;
            /// Round to nearest, ties to even (`f64.nearest`).
            NearestF64 nearest_f64(x: f64) -> f64;
            // GC builtins (format 2.15) come last, from
            // `Builtin::FIRST_GC` on: the GC ABI fingerprint describes
            // them, so the base fingerprint stays that of revision 7.
            /// `func_subtype(vmctx, actual, expected) -> 0/1`: whether the
            /// function type of canonical id `actual` is `expected` or
            /// declares it as a supertype, transitively (`call_indirect`
            /// through a non-final type).
            FuncSubtype func_subtype(vmctx: vmctx, actual: i32, expected: i32) -> i32;
            /// `gc_alloc(vmctx, fp, size) -> ref` (format 2.17): `size`
            /// zeroed bytes of the GC heap when the inline bump found the
            /// space full, collecting first; 0 when the heap is at its
            /// limit. `fp` is the frame pointer of the GC trampoline that
            /// calls it, whose caller is the allocating wasm frame.
            GcAlloc gc_alloc(vmctx: vmctx, fp: ref, size: i64) -> ref;
            /// `array_init_data(vmctx, array, dst, data, src, len,
            /// element_size) -> status`: copies `len` elements from data
            /// segment `data` at byte `src` into `array` from element `dst`
            /// (the caller checked the array's bounds); 1 when the segment
            /// is too short. A null `array` only checks the segment.
            ArrayInitData array_init_data(vmctx: vmctx, array: ref, dst: i32, data: i32, src: i32, len: i32, element_size: i32) -> i32;
            /// `array_init_elem(vmctx, array, dst, elem, src, len) ->
            /// status`: the same from element segment `elem`.
            ArrayInitElem array_init_elem(vmctx: vmctx, array: ref, dst: i32, elem: i32, src: i32, len: i32) -> i32;
            /// `array_copy(vmctx, dst, dst_index, src, src_index, len,
            /// element_size) -> 0`: moves elements between (or within)
            /// arrays whose bounds the caller checked.
            ArrayCopy array_copy(vmctx: vmctx, dst: ref, dst_index: i32, src: ref, src_index: i32, len: i32, element_size: i32) -> i32;
        }
    };
}

/// The [`AbiType`] of a type token of [`foreach_builtin`].
macro_rules! abi_type {
    (vmctx) => {
        AbiType::Ptr
    };
    (ref) => {
        AbiType::Ptr
    };
    (i32) => {
        AbiType::I32
    };
    (i64) => {
        AbiType::I64
    };
    (f32) => {
        AbiType::F32
    };
    (f64) => {
        AbiType::F64
    };
}

macro_rules! declare_builtins {
    ($(
        $(#[$doc:meta])*
        $variant:ident $name:ident ( $($param:ident : $param_ty:tt),* ) -> $result_ty:tt;
    )*) => {
        /// One builtin. Those that can fail return 0 on success and 1 when
        /// an access is out of bounds; compiled code turns 1 into the trap.
        /// The discriminant is the slot in the table.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u32)]
        pub enum Builtin {
            $( $(#[$doc])* $variant, )*
        }

        impl Builtin {
            /// Number of builtins (slots in the table).
            pub const COUNT: usize = [$(Builtin::$variant),*].len();

            /// Every builtin, in table order.
            pub const ALL: [Builtin; Builtin::COUNT] = [$(Builtin::$variant),*];

            /// A stable name, part of the ABI fingerprint.
            pub fn name(self) -> &'static str {
                match self {
                    $( Builtin::$variant => stringify!($name), )*
                }
            }

            /// Parameter and result types of the native signature (C
            /// calling convention of the target).
            pub fn signature(self) -> (&'static [AbiType], &'static [AbiType]) {
                match self {
                    $( Builtin::$variant => (
                        &[$(abi_type!($param_ty)),*],
                        &[abi_type!($result_ty)],
                    ), )*
                }
            }
        }
    };
}

crate::foreach_builtin!(declare_builtins);

impl Builtin {
    /// The first builtin only GC code calls; it and those after it are
    /// described by [`crate::abi::gc_description`], the ones before by the
    /// base fingerprint.
    pub const FIRST_GC: Builtin = Builtin::FuncSubtype;

    /// Whether only code of modules with GC types calls this builtin.
    pub fn is_gc(self) -> bool {
        self.index() >= Builtin::FIRST_GC.index()
    }

    /// The slot of this builtin in the table.
    pub fn index(self) -> u32 {
        self as u32
    }

    /// Offset of this builtin's pointer from the table start.
    pub fn table_offset(self) -> u32 {
        self.index() * 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_order_is_the_list_order() {
        for (slot, b) in Builtin::ALL.iter().enumerate() {
            assert_eq!(b.index() as usize, slot);
            assert_eq!(b.table_offset() as usize, slot * 8);
        }
        assert_eq!(Builtin::ALL[0].name(), "memory_grow");
        let first_gc = Builtin::FIRST_GC.index() as usize;
        assert_eq!(Builtin::ALL[first_gc - 1].name(), "nearest_f64");
    }

    #[test]
    fn signatures_come_from_the_list() {
        use AbiType::*;
        assert_eq!(
            Builtin::TableGrow.signature(),
            (&[Ptr, I32, Ptr, I64][..], &[I64][..])
        );
        assert_eq!(Builtin::CeilF32.signature(), (&[F32][..], &[F32][..]));
    }
}
