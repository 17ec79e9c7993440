//! The last error of this thread: why the last call that returned NULL or
//! false failed, with its hint, as `waot-run` would say it
//! (`waot_error_message` in waot.h).

use crate::vec::CVec;
use std::cell::RefCell;

thread_local! {
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Records `e` as this thread's last error and returns null.
pub fn fail<T>(e: impl std::fmt::Display) -> *mut T {
    record(e);
    std::ptr::null_mut()
}

/// Records `e` as this thread's last error.
pub fn record(e: impl std::fmt::Display) {
    LAST.with(|l| *l.borrow_mut() = Some(e.to_string()));
}

/// The message and hint of this thread's last error: `false` when there
/// was none. Each vector receives a NUL-terminated string (the hint an
/// empty one when there is none) that the caller deletes.
///
/// # Safety
/// `message` and `hint` are null or valid for a write.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn waot_error_message(
    message: *mut crate::wasm_name_t,
    hint: *mut crate::wasm_name_t,
) -> bool {
    let Some(text) = LAST.with(|l| l.borrow().clone()) else {
        return false;
    };
    let (msg, h) = match text.split_once("\nhint: ") {
        Some((m, h)) => (m.to_string(), h.to_string()),
        None => (text, String::new()),
    };
    let nul = |s: String| {
        let mut bytes = s.into_bytes();
        bytes.push(0);
        CVec::from_vec(bytes)
    };
    // SAFETY: as the caller guarantees.
    unsafe {
        crate::vec::put(message, nul(msg));
        crate::vec::put(hint, nul(h));
    }
    true
}
