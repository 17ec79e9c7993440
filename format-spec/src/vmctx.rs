//! The VM context: the one block of memory compiled code reaches through
//! its `vmctx` parameter. Its layout lives here and nowhere else; the
//! compiler emits loads at these offsets and the loader lays memory out to
//! match. Any change here changes [`crate::abi::fingerprint`].
//!
//! ```text
//! 0   magic                    u64
//! 8   builtins                 *const [fn; N]
//! 16  runtime data             *mut () (the loader's instance)
//! 24  stack limit pointer      *const usize (the thread's limit, shared)
//! 32  type ids                 [u32; types]        canonical signature ids
//! ..  memories                 [*mut VMMemory; memories]   imported and defined
//! ..  tables                   [*mut VMTable; tables]
//! ..  globals                  [*mut [u8; 16]; globals]
//! ..  function references      [VMFuncRef; functions]      imported and defined
//! ```
//! Memories, tables and globals are reached through a pointer whether the
//! module defines or imports them, so instances can share them.

/// Value stored at offset 0 of every VM context.
pub const VMCTX_MAGIC: u64 = u64::from_le_bytes(*b"waotvmcx");

/// `u64` magic ([`VMCTX_MAGIC`]).
pub const MAGIC: u32 = 0;
/// `*const [fn; N]`: the builtin function table ([`crate::builtins`]).
pub const BUILTINS: u32 = 8;
/// `*mut ()`: the loader's instance; opaque to compiled code.
pub const RUNTIME_DATA: u32 = 16;
/// `*const usize`: address of the lowest stack address wasm code may use
/// (prologues trap with "call stack exhausted" below it). All instances of
/// a thread share the cell, so calls between instances see the same limit.
pub const STACK_LIMIT_PTR: u32 = 24;
/// Start of the type-id array.
pub const TYPE_IDS_START: u32 = 32;

/// A memory: `{ base: *mut u8, length: u64 }` (bytes).
pub mod memory {
    /// Base address.
    pub const BASE: u32 = 0;
    /// Current length in bytes.
    pub const LENGTH: u32 = 8;
}

/// A table: `{ base: *mut usize, length: u64 }` (elements of 8 bytes).
pub mod table {
    /// Address of element 0.
    pub const BASE: u32 = 0;
    /// Current length in elements.
    pub const LENGTH: u32 = 8;
    /// Size of one element.
    pub const ELEMENT_SIZE: u32 = 8;
}

/// A function reference: what `ref.func`, tables and calls to imports use.
pub mod func_ref {
    /// Code with the wasm calling convention.
    pub const WASM_CALL: u32 = 0;
    /// Array-call entry for the host (0 when there is none).
    pub const ARRAY_CALL: u32 = 8;
    /// The callee's VM context (or host context).
    pub const VMCTX: u32 = 16;
    /// Canonical type id (`u32`).
    pub const TYPE_ID: u32 = 24;
    /// Size of one function reference.
    pub const SIZE: u32 = 32;
}

/// Size of one global slot (room for a `v128`).
pub const GLOBAL_SLOT_SIZE: u32 = 16;

/// Size of one value slot in an array call (`*mut [ValRaw]`).
pub const VALUE_SLOT_SIZE: u32 = 16;

/// Host-function context: the callee `vmctx` a wasm-to-host trampoline
/// receives when wasm calls a function the loader provides.
pub mod host_ctx {
    /// `u64` magic (`"waothost"`).
    pub const MAGIC: u32 = 0;
    /// Value of the magic field.
    pub const MAGIC_VALUE: u64 = u64::from_le_bytes(*b"waothost");
    /// `extern "C" fn(callee_vmctx, caller_vmctx, values: *mut ValRaw, count: usize)`.
    pub const ARRAY_CALL: u32 = 8;
}

/// Offsets that depend on how many items of each kind a module has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    /// Number of function types.
    pub num_types: u32,
    /// Number of memories (imported + defined).
    pub num_memories: u32,
    /// Number of tables (imported + defined).
    pub num_tables: u32,
    /// Number of globals (imported + defined).
    pub num_globals: u32,
    /// Number of functions (imported + defined).
    pub num_funcs: u32,
}

impl VMOffsets {
    /// Offset of type `index`'s canonical id.
    pub fn type_id(&self, index: u32) -> u32 {
        TYPE_IDS_START + index * 4
    }
    /// Offset of the memory pointer array.
    pub fn memories_start(&self) -> u32 {
        (TYPE_IDS_START + self.num_types * 4).next_multiple_of(8)
    }
    /// Offset of memory `index`'s pointer.
    pub fn memory(&self, index: u32) -> u32 {
        self.memories_start() + index * 8
    }
    /// Offset of table `index`'s pointer.
    pub fn table(&self, index: u32) -> u32 {
        self.memories_start() + self.num_memories * 8 + index * 8
    }
    /// Offset of global `index`'s pointer.
    pub fn global(&self, index: u32) -> u32 {
        self.table(self.num_tables) + index * 8
    }
    /// Offset of function `index`'s reference.
    pub fn func_ref(&self, index: u32) -> u32 {
        self.global(self.num_globals) + index * func_ref::SIZE
    }
    /// Total size of the VM context in bytes.
    pub fn size(&self) -> u32 {
        self.func_ref(self.num_funcs)
    }
}
