//! The VM context: the one block of memory compiled code reaches through
//! its `vmctx` parameter. Its layout lives here and nowhere else; the
//! compiler emits loads at these offsets and the loader lays memory out to
//! match. Any change here changes [`crate::abi::fingerprint`].

/// Value stored at offset 0 of every VM context (`"vmcx"`), for debugging.
pub const VMCTX_MAGIC: u64 = u64::from_le_bytes(*b"waotvmcx");

/// `u64` magic ([`VMCTX_MAGIC`]).
pub const MAGIC: u32 = 0;
/// `*mut u8`: base address of memory 0.
pub const MEMORY_BASE: u32 = 8;
/// `u64`: current length of memory 0 in bytes.
pub const MEMORY_LENGTH: u32 = 16;
/// `usize`: lowest stack address wasm code may use; prologues trap with
/// "call stack exhausted" below it.
pub const STACK_LIMIT: u32 = 24;
/// `*const [fn; N]`: the builtin function table ([`crate::builtins`]).
pub const BUILTINS: u32 = 32;
/// `*mut ()`: the loader's instance; opaque to compiled code.
pub const RUNTIME_DATA: u32 = 40;
/// Start of the imported-function array.
pub const IMPORTED_FUNCS_START: u32 = 48;

/// Size of one imported-function record: `{ wasm_call: fn, vmctx: *mut u8 }`.
pub const IMPORTED_FUNC_SIZE: u32 = 16;
/// Offset of the code pointer within an imported-function record.
pub const IMPORTED_FUNC_WASM_CALL: u32 = 0;
/// Offset of the callee VM context within an imported-function record.
pub const IMPORTED_FUNC_VMCTX: u32 = 8;

/// Size of one global slot (room for a `v128`), also its alignment.
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
    /// Number of imported functions.
    pub num_imported_funcs: u32,
    /// Number of globals defined by the module.
    pub num_defined_globals: u32,
}

impl VMOffsets {
    /// Offsets for a module with these counts.
    pub fn new(num_imported_funcs: u32, num_defined_globals: u32) -> Self {
        Self {
            num_imported_funcs,
            num_defined_globals,
        }
    }

    /// Offset of imported function `index`'s record.
    pub fn imported_func(&self, index: u32) -> u32 {
        IMPORTED_FUNCS_START + index * IMPORTED_FUNC_SIZE
    }

    /// Offset of the first global slot (16-byte aligned).
    pub fn defined_globals_start(&self) -> u32 {
        let end = IMPORTED_FUNCS_START + self.num_imported_funcs * IMPORTED_FUNC_SIZE;
        end.next_multiple_of(GLOBAL_SLOT_SIZE)
    }

    /// Offset of defined global `index`'s slot.
    pub fn defined_global(&self, index: u32) -> u32 {
        self.defined_globals_start() + index * GLOBAL_SLOT_SIZE
    }

    /// Total size of the VM context in bytes.
    pub fn size(&self) -> u32 {
        self.defined_globals_start() + self.num_defined_globals * GLOBAL_SLOT_SIZE
    }
}
