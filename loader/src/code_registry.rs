//! The code registry the signal handler reads: every loaded artifact's
//! code, published as an immutable snapshot behind an atomic pointer.
//! Readers — the handler, and trap and exception lookups — never take a
//! lock: they count themselves in, read the snapshot and count themselves
//! out. Writers (a module opened or dropped) take turns on a mutex, publish
//! a new snapshot, and free the old one once no reader is left, so a
//! thread that faults while another registers code never waits on it.

use crate::traps::CodeMap;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

/// The current snapshot (null: no code yet).
static CURRENT: AtomicPtr<Vec<Arc<CodeMap>>> = AtomicPtr::new(std::ptr::null_mut());
/// Readers between counting in and out.
static READERS: AtomicUsize = AtomicUsize::new(0);
/// Serialises writers.
static WRITER: Mutex<()> = Mutex::new(());

/// Runs `f` on the registered code. Lock- and allocation-free, so the
/// signal handler may call it (`f` must be too).
pub(crate) fn with_code<R>(f: impl FnOnce(&[Arc<CodeMap>]) -> R) -> R {
    READERS.fetch_add(1, SeqCst);
    let current = CURRENT.load(SeqCst);
    // SAFETY: a snapshot is freed only after it stopped being current and
    // READERS was seen at zero; this reader counted itself in before it
    // loaded the pointer, so the snapshot lives until it counts itself out.
    let code = unsafe { current.as_ref() }.map_or(&[][..], |v| &v[..]);
    let result = f(code);
    READERS.fetch_sub(1, SeqCst);
    result
}

/// Publishes the registered code changed by `update`.
fn publish(update: impl FnOnce(&mut Vec<Arc<CodeMap>>)) {
    let _writer = WRITER.lock().unwrap_or_else(|e| e.into_inner());
    let old = CURRENT.load(SeqCst);
    // SAFETY: only writers free snapshots, and this one holds the lock.
    let mut next = unsafe { old.as_ref() }.cloned().unwrap_or_default();
    update(&mut next);
    CURRENT.store(Box::into_raw(Box::new(next)), SeqCst);
    // A reader that loaded `old` counted itself in before that load, which
    // came before the store above: it is counted here until it is done.
    while READERS.load(SeqCst) != 0 {
        std::thread::yield_now();
    }
    if !old.is_null() {
        // SAFETY: `old` came from `Box::into_raw`, is no longer current, and
        // no reader holds it (above).
        drop(unsafe { Box::from_raw(old) });
    }
}

/// Makes `map`'s code known to the trap handler.
pub(crate) fn register(map: Arc<CodeMap>) {
    crate::signals::install_handlers();
    publish(|code| code.push(map));
}

/// Forgets `map`, whose module is going: by identity, since two modules
/// can share one text (a linked-in object opened twice).
pub(crate) fn unregister(map: &Arc<CodeMap>) {
    publish(|code| code.retain(|m| !Arc::ptr_eq(m, map)));
}
