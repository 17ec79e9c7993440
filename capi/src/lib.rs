//! libwaot_run: the standard WebAssembly C API (`include/wasm.h`) over
//! waot-run's embedder API, and waot's additions (`include/waot.h`).
//! Modules are waot artifacts; every object is checked against its store
//! as in the Rust API, and a failed call says why in
//! `waot_error_message`.
//!
//! The C types map to Rust as follows: types are boxed Rust values
//! (`types.rs`), every reference type is one [`object::wasm_ref_t`]
//! (`object.rs`), vectors are boxed slices (`vec.rs`).

#![allow(non_camel_case_types)]

mod control;
mod error;
mod func;
mod instance;
mod items;
mod module;
mod object;
mod store;
mod trap;
mod type_fns;
mod types;
mod vec;
mod wasi;

vec::declare_vec!(
    wasm_byte_vec_t,
    u8,
    wasm_byte_vec_new_empty,
    wasm_byte_vec_new_uninitialized,
    wasm_byte_vec_new,
    wasm_byte_vec_copy,
    wasm_byte_vec_delete
);

/// A name: a byte vector.
pub type wasm_name_t = wasm_byte_vec_t;

/// The text of a C string (`None` for NULL; invalid UTF-8 replaced).
///
/// # Safety
/// `s` is null or a NUL-terminated string.
pub(crate) unsafe fn c_text(s: *const std::ffi::c_char) -> Option<String> {
    // SAFETY: as the caller guarantees.
    (!s.is_null()).then(|| {
        unsafe { std::ffi::CStr::from_ptr(s) }
            .to_string_lossy()
            .into_owned()
    })
}
