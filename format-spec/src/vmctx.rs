//! The VM context: the one block of memory compiled code reaches through
//! its `vmctx` parameter. Its layout lives here and nowhere else; the
//! compiler emits loads at these offsets and the loader lays memory out to
//! match. Any change here changes [`crate::abi::fingerprint`].
//!
//! ```text
//! 0   magic                    u64
//! 8   builtins                 *const [fn; N]
//! 16  runtime data             *mut () (the loader's instance)
//! 24  runtime limits           *mut VMRuntimeLimits (shared; below)
//! 32  type ids                 [u32; types]        canonical signature ids
//! ..  memories                 [*mut VMMemory; memories]   imported and defined
//! ..  memory bases             [*mut u8; memories]         copies of each base
//! ..  tables                   [*mut VMTable; tables]
//! ..  globals                  [*mut [u8; 16]; globals]
//! ..  tags                     [*const (); tags]           identity of each tag
//! ..  function references      [VMFuncRef; functions]      imported and defined
//! ..  defined global values    [[u8; 16]; defined globals] 16-aligned
//! ```
//! Memories and tables are reached through a pointer whether the module
//! defines or imports them, so instances can share them. A memory's base
//! never moves (the loader reserves its whole range), so the VM context
//! also holds a copy of each base: a memory access loads its base with one
//! load instead of two. A defined global's value lives in the VM context
//! itself (format 2.19): the module's own code reads and writes it with one
//! access at a fixed offset; imported globals are reached through their
//! pointer, and a defined global's pointer is kept too, pointing at its
//! slot, for importers and for code of ABI revision 9.

use crate::error::{FormatError, Result};
use crate::index_space::IndexSpace;
use crate::types::DefinedGlobalIndex;

/// Value stored at offset 0 of every VM context.
pub const VMCTX_MAGIC: u64 = u64::from_le_bytes(*b"waotvmcx");

/// `u64` magic ([`VMCTX_MAGIC`]).
pub const MAGIC: u32 = 0;
/// `*const [fn; N]`: the builtin function table ([`crate::builtins`]).
pub const BUILTINS: u32 = 8;
/// `*mut ()`: the loader's instance; opaque to compiled code.
pub const RUNTIME_DATA: u32 = 16;
/// `*mut VMRuntimeLimits` ([`runtime_limits`]): the limits every instance
/// that calls one another shares, so calls between instances see the same
/// stack limit, fuel and deadline.
pub const RUNTIME_LIMITS: u32 = 24;

/// The runtime limits block a VM context points to (all fields native
/// words, written by the loader; compiled code writes only the fuel).
pub mod runtime_limits {
    /// `usize`: the lowest stack address wasm code may use (prologues trap
    /// with "call stack exhausted" below it).
    pub const STACK_LIMIT: u32 = 0;
    /// `i64`: fuel consumed, counting up from minus the fuel left; code
    /// compiled with fuel adds each operator's cost and traps at a
    /// function entry or loop header when it is not negative.
    pub const FUEL_CONSUMED: u32 = 8;
    /// `u64`: the epoch at which code compiled with epoch checks traps
    /// (at a function entry or loop header).
    pub const EPOCH_DEADLINE: u32 = 16;
    /// `*const u64`: the current epoch, which another thread may advance.
    pub const EPOCH_PTR: u32 = 24;
    /// Where the fields code with interruption checks reads end (the
    /// block's size before format 2.17).
    pub const INTERRUPTION_END: u32 = 32;
    /// `usize`: where the next GC object goes (format 2.17); 0 before the
    /// heap's first allocation.
    pub const GC_NEXT: u32 = 32;
    /// `usize`: the end of the GC heap's space: an allocation that would
    /// pass it calls `gc_alloc`.
    pub const GC_LIMIT: u32 = 40;
    /// `usize`: the frame pointer of the innermost wasm-to-host trampoline,
    /// which writes it before calling the host (the collector walks the
    /// wasm frames of each host call in progress from there).
    pub const LAST_EXIT_FP: u32 = 48;
    /// Size of the fields compiled code knows (the loader's own follow).
    pub const SIZE: u32 = 56;
}
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

/// An exception object (what an `exnref` points to), allocated by the
/// `exn_new` builtin and never moved: the thrown tag's identity, then the
/// values, one 16-byte slot each (as [`VALUE_SLOT_SIZE`]).
pub mod exn {
    /// `*const ()`: the tag instance.
    pub const TAG: u32 = 0;
    /// The first value slot.
    pub const VALUES: u32 = 16;
}

/// The one 64-bit word of an `anyref` or `externref` (and their
/// subtypes): 0 is null; bit 0 set, an `i31` (`(value << 1) | 1`, the
/// upper half zero); low bits `10`, a host value (`(value << 2) | 2`);
/// otherwise the 8-aligned address of a GC object ([`gc_object`]).
/// `any.convert_extern` and `extern.convert_any` keep the word.
pub mod gc_ref {
    /// The tag bit of an `i31`.
    pub const I31_TAG: u64 = 1;
    /// The low bits of a host value.
    pub const HOST_TAG: u64 = 2;
    /// The bits [`HOST_TAG`] is compared under.
    pub const HOST_MASK: u64 = 3;
    /// The low bits that are zero in an object's address.
    pub const OBJECT_MASK: u64 = 7;
}

/// A GC object (what a struct or array reference points to): 8-aligned,
/// in its store's GC heap; a header, then a struct's fields (at the
/// offsets of `gc_types::StructLayout`) or an array's length and
/// elements. Every field is little-endian, like value slots.
pub mod gc_object {
    /// `u32`: bit [`ARRAY_BIT`] for an array; bit 0 is the collector's.
    pub const INFO: u32 = 0;
    /// Set in [`INFO`] for an array.
    pub const ARRAY_BIT: u32 = 1 << 1;
    /// `u32`: the canonical type id.
    pub const TYPE_ID: u32 = 4;
    /// A struct's first field (the header's size).
    pub const STRUCT_FIELDS: u32 = 8;
    /// `u32`: an array's length.
    pub const ARRAY_LENGTH: u32 = 8;
    /// An array's first element.
    pub const ARRAY_ELEMENTS: u32 = 16;
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

/// Offsets that depend on how many items of each kind a module has. Built
/// only by [`VMOffsets::new`], from the module's [`IndexSpace`], by the
/// compiler and the loader alike.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VMOffsets {
    memories_start: u32,
    memory_bases_start: u32,
    tables_start: u32,
    globals_start: u32,
    tags_start: u32,
    func_refs_start: u32,
    defined_global_values_start: u32,
    size: u32,
}

/// Largest VM context: every offset must fit the signed 32-bit
/// displacement of a load in compiled code.
pub const MAX_SIZE: u32 = i32::MAX as u32;

impl VMOffsets {
    /// The layout for a module with these index spaces. Fails (offset 0)
    /// when the VM context would exceed [`MAX_SIZE`] bytes; no valid wasm
    /// module comes near that.
    pub fn new(space: &IndexSpace) -> Result<VMOffsets> {
        let too_large = FormatError::new("index spaces too large for a vm context", 0);
        let pointer = 8;
        let memories_start =
            (u64::from(TYPE_IDS_START) + u64::from(space.types) * 4).next_multiple_of(pointer);
        let memory_bases_start = memories_start + space.memories.total() * pointer;
        let tables_start = memory_bases_start + space.memories.total() * pointer;
        let globals_start = tables_start + space.tables.total() * pointer;
        let tags_start = globals_start + space.globals.total() * pointer;
        let func_refs_start = tags_start + space.tags.total() * pointer;
        let func_refs_end = func_refs_start + space.funcs.total() * u64::from(func_ref::SIZE);
        // Padded to a slot only when there are slots, so a module without
        // defined globals has the layout it had before format 2.19.
        let defined_global_values_start = if space.globals.defined == 0 {
            func_refs_end
        } else {
            func_refs_end.next_multiple_of(u64::from(GLOBAL_SLOT_SIZE))
        };
        let size = defined_global_values_start
            + u64::from(space.globals.defined) * u64::from(GLOBAL_SLOT_SIZE);
        if size > u64::from(MAX_SIZE) {
            return Err(too_large);
        }
        // Every start is at most `size`, so none of these casts truncates.
        Ok(VMOffsets {
            memories_start: memories_start as u32,
            memory_bases_start: memory_bases_start as u32,
            tables_start: tables_start as u32,
            globals_start: globals_start as u32,
            tags_start: tags_start as u32,
            func_refs_start: func_refs_start as u32,
            defined_global_values_start: defined_global_values_start as u32,
            size: size as u32,
        })
    }
    /// Offset of type `index`'s canonical id.
    pub fn type_id(&self, index: u32) -> u32 {
        TYPE_IDS_START + index * 4
    }
    /// Offset of the memory pointer array.
    pub fn memories_start(&self) -> u32 {
        self.memories_start
    }
    /// Offset of memory `index`'s pointer.
    pub fn memory(&self, index: u32) -> u32 {
        self.memories_start + index * 8
    }
    /// Offset of the copy of memory `index`'s base address, which never
    /// changes while the memory lives (format 2.8).
    pub fn memory_base(&self, index: u32) -> u32 {
        self.memory_bases_start + index * 8
    }
    /// Offset of table `index`'s pointer.
    pub fn table(&self, index: u32) -> u32 {
        self.tables_start + index * 8
    }
    /// Offset of global `index`'s pointer (to its slot: a defined
    /// global's [`Self::defined_global_value`], an imported one's in the
    /// instance or host that defines it).
    pub fn global(&self, index: u32) -> u32 {
        self.globals_start + index * 8
    }
    /// Offset of the 16-byte value slot of the module's defined global
    /// `index` (format 2.19).
    pub fn defined_global_value(&self, index: DefinedGlobalIndex) -> u32 {
        self.defined_global_values_start + index.0 * GLOBAL_SLOT_SIZE
    }
    /// The slot of tag `index` (imports first): the address of the tag
    /// instance, which is the tag's identity.
    pub fn tag(&self, index: u32) -> u32 {
        self.tags_start + index * 8
    }
    /// Offset of function `index`'s reference.
    pub fn func_ref(&self, index: u32) -> u32 {
        self.func_refs_start + index * func_ref::SIZE
    }
    /// Total size of the VM context in bytes.
    pub fn size(&self) -> u32 {
        self.size
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index_space::KindCount;

    fn space(types: u32, memories: u32, tables: u32, globals: u32, funcs: u32) -> IndexSpace {
        let imported = |n| KindCount {
            imported: n,
            defined: 0,
        };
        IndexSpace {
            types,
            memories: imported(memories),
            tables: imported(tables),
            globals: imported(globals),
            funcs: imported(funcs),
            tags: imported(0),
        }
    }

    #[test]
    fn regions_follow_each_other_in_the_documented_order() {
        // 3 type ids (12 bytes) end at 44, padded to 48.
        let o = VMOffsets::new(&space(3, 1, 2, 1, 2)).unwrap();
        assert_eq!(o.type_id(2), 40);
        assert_eq!(o.memory(0), 48);
        assert_eq!(o.memory_base(0), 56);
        assert_eq!(o.table(0), 64);
        assert_eq!(o.table(1), 72);
        assert_eq!(o.global(0), 80);
        assert_eq!(o.func_ref(0), 88);
        assert_eq!(o.func_ref(1), 120);
        assert_eq!(o.size(), 152);
    }

    #[test]
    fn defined_global_values_follow_the_function_references_16_aligned() {
        let space = IndexSpace {
            types: 1,
            globals: KindCount {
                imported: 1,
                defined: 2,
            },
            funcs: KindCount {
                imported: 0,
                defined: 1,
            },
            ..IndexSpace::default()
        };
        // Type id at 32, padded to 40; three global pointers end at 64;
        // one function reference ends at 96.
        let o = VMOffsets::new(&space).unwrap();
        assert_eq!(o.global(2), 56);
        assert_eq!(o.func_ref(0), 64);
        assert_eq!(o.defined_global_value(DefinedGlobalIndex(0)), 96);
        assert_eq!(o.defined_global_value(DefinedGlobalIndex(1)), 112);
        assert_eq!(o.size(), 128);
        // Without the type id the function references end at 88, on
        // 8 but not 16: the slots start at 96.
        let padded = VMOffsets::new(&IndexSpace { types: 0, ..space }).unwrap();
        assert_eq!(padded.func_ref(0), 56);
        assert_eq!(padded.defined_global_value(DefinedGlobalIndex(0)), 96);
        assert_eq!(padded.size(), 128);
    }

    #[test]
    fn imported_and_defined_items_share_one_region() {
        let split = IndexSpace {
            types: 1,
            funcs: KindCount {
                imported: 1,
                defined: 2,
            },
            ..IndexSpace::default()
        };
        let o = VMOffsets::new(&split).unwrap();
        assert_eq!(o, VMOffsets::new(&space(1, 0, 0, 0, 3)).unwrap());
        assert_eq!(o.size(), 40 + 3 * 32);
        // Imported globals have no value slot here.
        let globals = |imported, defined| IndexSpace {
            globals: KindCount { imported, defined },
            ..IndexSpace::default()
        };
        let all_imported = VMOffsets::new(&globals(2, 0)).unwrap();
        assert_eq!(all_imported.size(), 32 + 2 * 8);
        assert_eq!(
            VMOffsets::new(&globals(1, 1)).unwrap().size(),
            32 + 2 * 8 + 16
        );
    }

    #[test]
    fn a_layout_beyond_32_bit_displacements_is_refused() {
        let huge = space(u32::MAX, u32::MAX, u32::MAX, u32::MAX, u32::MAX);
        assert!(VMOffsets::new(&huge).is_err());
        let just_too_large = space(0, 0, 0, 0, MAX_SIZE / func_ref::SIZE);
        assert!(VMOffsets::new(&just_too_large).is_err());
        assert!(VMOffsets::new(&space(0, 0, 0, 0, 1_000_000)).is_ok());
    }
}
