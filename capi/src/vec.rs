//! The standard's vectors (`wasm_X_vec_t`: a size and a pointer) and the
//! five functions each has: `new_empty`, `new_uninitialized`, `new`,
//! `copy`, `delete`. Rust allocates every vector a function returns, as a
//! boxed slice; vectors a host builds on its own stack are only read.

use std::ptr;

/// A vector of `size` elements at `data`.
#[repr(C)]
pub struct CVec<T> {
    pub size: usize,
    pub data: *mut T,
}

/// What a vector needs of its elements: a deep copy and a delete.
pub trait Element: Copy {
    /// A copy that owns what it refers to.
    ///
    /// # Safety
    /// `self` is a valid element (a live object, or null where allowed).
    unsafe fn deep_copy(&self) -> Self;
    /// Deletes what it owns.
    ///
    /// # Safety
    /// `self` is a valid element that nothing uses afterwards.
    unsafe fn delete(self);
    /// The element of a vector made by `new_uninitialized`.
    fn empty() -> Self;
}

impl Element for u8 {
    unsafe fn deep_copy(&self) -> u8 {
        *self
    }
    unsafe fn delete(self) {}
    fn empty() -> u8 {
        0
    }
}

/// Objects that vectors of pointers own.
pub trait Owned: Clone {}

impl<T: Owned> Element for *mut T {
    unsafe fn deep_copy(&self) -> *mut T {
        if self.is_null() {
            return ptr::null_mut();
        }
        // SAFETY: non-null elements are live objects of this API.
        Box::into_raw(Box::new(unsafe { (**self).clone() }))
    }
    unsafe fn delete(self) {
        if !self.is_null() {
            // SAFETY: the vector owns its non-null elements, boxed by us.
            drop(unsafe { Box::from_raw(self) });
        }
    }
    fn empty() -> *mut T {
        ptr::null_mut()
    }
}

impl<T: Element> CVec<T> {
    /// An empty vector.
    pub fn empty() -> CVec<T> {
        CVec {
            size: 0,
            data: ptr::null_mut(),
        }
    }

    /// A vector owning `items`.
    pub fn from_vec(items: Vec<T>) -> CVec<T> {
        if items.is_empty() {
            return CVec::empty();
        }
        let size = items.len();
        let data = Box::into_raw(items.into_boxed_slice()) as *mut T;
        CVec { size, data }
    }

    /// Its elements.
    ///
    /// # Safety
    /// `data` points at `size` valid elements (or `size` is 0).
    pub unsafe fn as_slice(&self) -> &[T] {
        if self.size == 0 || self.data.is_null() {
            return &[];
        }
        // SAFETY: as the caller guarantees.
        unsafe { std::slice::from_raw_parts(self.data, self.size) }
    }

    /// Its elements, mutably.
    ///
    /// # Safety
    /// As for [`CVec::as_slice`], with nothing else using them.
    pub unsafe fn as_mut_slice(&mut self) -> &mut [T] {
        if self.size == 0 || self.data.is_null() {
            return &mut [];
        }
        // SAFETY: as the caller guarantees.
        unsafe { std::slice::from_raw_parts_mut(self.data, self.size) }
    }

    /// Frees the storage (not the elements) of a vector made here.
    ///
    /// # Safety
    /// The vector was made by [`CVec::from_vec`] and is not used again.
    pub unsafe fn free_storage(&mut self) {
        if self.size != 0 && !self.data.is_null() {
            let slice = ptr::slice_from_raw_parts_mut(self.data, self.size);
            // SAFETY: `from_vec` boxed exactly this slice.
            drop(unsafe { Box::from_raw(slice) });
        }
        *self = CVec::empty();
    }

    /// Deletes the elements and the storage.
    ///
    /// # Safety
    /// As for [`CVec::free_storage`], with elements owned by the vector.
    pub unsafe fn delete(&mut self) {
        // SAFETY: the vector owns its elements.
        for item in unsafe { self.as_slice() } {
            // SAFETY: each element is deleted once.
            unsafe { item.delete() };
        }
        // SAFETY: as the caller guarantees.
        unsafe { self.free_storage() };
    }
}

/// Writes `v` to `out`, if there is an `out`.
///
/// # Safety
/// `out` is null or valid for a write.
pub unsafe fn put<T>(out: *mut CVec<T>, v: CVec<T>) {
    if let Some(out) = std::ptr::NonNull::new(out) {
        // SAFETY: as the caller guarantees; `out` may be uninitialised.
        unsafe { out.as_ptr().write(v) };
    }
}

/// Defines the five functions of vector `wasm_$name_vec_t` of `$elem`.
macro_rules! declare_vec {
    ($vec:ident, $elem:ty, $new_empty:ident, $new_uninit:ident, $new:ident, $copy:ident, $delete:ident) => {
        pub type $vec = $crate::vec::CVec<$elem>;

        /// An empty vector.
        ///
        /// # Safety
        /// `out` is valid for a write.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_empty(out: *mut $vec) {
            // SAFETY: as the caller guarantees.
            unsafe { $crate::vec::put(out, $crate::vec::CVec::empty()) }
        }

        /// A vector of `size` empty elements.
        ///
        /// # Safety
        /// `out` is valid for a write.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new_uninit(out: *mut $vec, size: usize) {
            // A size no allocation can hold gives an empty vector (and the
            // last error), never an abort.
            let mut items = Vec::new();
            if items.try_reserve_exact(size).is_err() {
                $crate::error::record(format!("cannot allocate a vector of {size} elements"));
            } else {
                items.resize(size, <$elem as $crate::vec::Element>::empty());
            }
            // SAFETY: as the caller guarantees.
            unsafe { $crate::vec::put(out, $crate::vec::CVec::from_vec(items)) }
        }

        /// A vector of the `size` elements at `data`, which it takes over.
        ///
        /// # Safety
        /// `out` is valid for a write; `data` holds `size` elements.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $new(out: *mut $vec, size: usize, data: *const $elem) {
            let items = if size == 0 || data.is_null() {
                Vec::new()
            } else {
                // SAFETY: as the caller guarantees.
                unsafe { std::slice::from_raw_parts(data, size) }.to_vec()
            };
            // SAFETY: as the caller guarantees.
            unsafe { $crate::vec::put(out, $crate::vec::CVec::from_vec(items)) }
        }

        /// A deep copy of `src`.
        ///
        /// # Safety
        /// `out` is valid for a write; `src` is a valid vector.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $copy(out: *mut $vec, src: *const $vec) {
            // SAFETY: as the caller guarantees.
            let items = match unsafe { src.as_ref() } {
                // SAFETY: a valid vector's elements are valid.
                Some(src) => unsafe { src.as_slice() }
                    .iter()
                    // SAFETY: each element is valid.
                    .map(|e| unsafe { $crate::vec::Element::deep_copy(e) })
                    .collect(),
                None => Vec::new(),
            };
            // SAFETY: as the caller guarantees.
            unsafe { $crate::vec::put(out, $crate::vec::CVec::from_vec(items)) }
        }

        /// Deletes the vector and what it owns.
        ///
        /// # Safety
        /// `v` is null or a vector this library made.
        #[unsafe(no_mangle)]
        pub unsafe extern "C" fn $delete(v: *mut $vec) {
            // SAFETY: as the caller guarantees.
            if let Some(v) = unsafe { v.as_mut() } {
                // SAFETY: as the caller guarantees.
                unsafe { v.delete() }
            }
        }
    };
}
pub(crate) use declare_vec;
