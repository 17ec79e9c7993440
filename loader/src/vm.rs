//! The allocation behind a VM context: zeroed, 16-byte aligned, with typed
//! reads and writes at the offsets `waot_format::vmctx` defines.

use crate::values::ValRaw;
use waot_format::vmctx;

// A global's slot and an array call's value slot are both one `ValRaw`.
const _: () = {
    assert!(std::mem::size_of::<ValRaw>() == vmctx::VALUE_SLOT_SIZE as usize);
    assert!(std::mem::size_of::<ValRaw>() == vmctx::GLOBAL_SLOT_SIZE as usize);
};

/// The VM context allocation: 16-byte aligned, zeroed, freed on drop.
pub(crate) struct VMContext {
    pub(crate) ptr: *mut u8,
    layout: std::alloc::Layout,
}

impl VMContext {
    pub(crate) fn new(size: usize) -> VMContext {
        let layout = std::alloc::Layout::from_size_align(size.max(16), 16).expect("vmctx layout");
        // SAFETY: the layout has a non-zero size.
        let ptr = unsafe { std::alloc::alloc_zeroed(layout) };
        if ptr.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        VMContext { ptr, layout }
    }

    pub(crate) fn write<T>(&self, offset: u32, value: T) {
        // SAFETY: every offset comes from VMOffsets for this module, lies
        // inside the allocation and is aligned for T (8 for pointers and
        // words, 4 for type ids; the base is 16-aligned).
        unsafe { (self.ptr.add(offset as usize) as *mut T).write(value) }
    }

    /// The address of the 16-byte value slot at `offset` (a defined
    /// global's, `VMOffsets::defined_global_value`).
    pub(crate) fn slot(&self, offset: u32) -> *mut ValRaw {
        assert!(offset as usize + std::mem::size_of::<ValRaw>() <= self.layout.size());
        // SAFETY: in bounds, as just checked.
        unsafe { self.ptr.add(offset as usize).cast() }
    }

    pub(crate) fn read<T: Copy>(&self, offset: u32) -> T {
        // SAFETY: as in `write`.
        unsafe { (self.ptr.add(offset as usize) as *const T).read() }
    }
}

impl Drop for VMContext {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { std::alloc::dealloc(self.ptr, self.layout) }
    }
}
