//! The runtime limits block every VM context points to
//! (`waot_format::vmctx::runtime_limits`): the stack limit, the fuel and
//! the epoch deadline, and the process-wide epoch.
//!
//! Fuel and deadlines stop only code compiled with the checks (`waot
//! compile --fuel`, `--epoch-interruption`); [`crate::Module::interruption`]
//! says which an artifact has. Each [`crate::Store`] has its own block
//! (its fuel and deadline, its engine's epoch); the functions below are
//! for instances created without a store ([`crate::instance::Instance::new`]),
//! which share their thread's block (they are not `Send`), so calls between
//! them share one stack limit, one fuel tank and one deadline.
//!
//! ```no_run
//! use waot_run::interrupt;
//! interrupt::set_fuel(1_000_000); // traps "all fuel consumed by WebAssembly"
//! interrupt::set_epoch_deadline(1); // traps "interrupted" after one tick
//! std::thread::spawn(|| {
//!     std::thread::sleep(std::time::Duration::from_secs(5));
//!     interrupt::increment_epoch();
//! });
//! ```

use std::cell::Cell;
use std::sync::atomic::{AtomicU64, Ordering};
use waot_format::vmctx::runtime_limits;

/// The epoch: advanced by [`increment_epoch`] from any thread, read by
/// compiled code at function entries and loop headers.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// Fuel consumed when no fuel was set: 2^63 operators away from running
/// out, which no program reaches.
const UNLIMITED_FUEL: i64 = i64::MIN;

/// The block compiled code reads (and whose fuel it writes): native words
/// at the offsets `runtime_limits` defines.
#[repr(C)]
pub(crate) struct VMRuntimeLimits {
    stack_limit: Cell<usize>,
    fuel_consumed: Cell<i64>,
    epoch_deadline: Cell<u64>,
    epoch_ptr: *const AtomicU64,
    gc_next: Cell<usize>,
    gc_limit: Cell<usize>,
    last_exit_fp: Cell<usize>,
    /// The GC heap whose bump pointer is above (the loader's alone; made
    /// at the first instance with GC types).
    gc_heap: std::cell::OnceCell<crate::gc::GcHeap>,
    /// The placement's GC root sources.
    roots: std::rc::Rc<crate::gc::roots::RootSources>,
}

const _: () = {
    use std::mem::{offset_of, size_of};
    assert!(offset_of!(VMRuntimeLimits, stack_limit) == runtime_limits::STACK_LIMIT as usize);
    assert!(offset_of!(VMRuntimeLimits, fuel_consumed) == runtime_limits::FUEL_CONSUMED as usize);
    assert!(offset_of!(VMRuntimeLimits, epoch_deadline) == runtime_limits::EPOCH_DEADLINE as usize);
    assert!(offset_of!(VMRuntimeLimits, epoch_ptr) == runtime_limits::EPOCH_PTR as usize);
    assert!(offset_of!(VMRuntimeLimits, gc_next) == runtime_limits::GC_NEXT as usize);
    assert!(offset_of!(VMRuntimeLimits, gc_limit) == runtime_limits::GC_LIMIT as usize);
    assert!(offset_of!(VMRuntimeLimits, last_exit_fp) == runtime_limits::LAST_EXIT_FP as usize);
    assert!(offset_of!(VMRuntimeLimits, gc_heap) == runtime_limits::SIZE as usize);
    // Compiled code reads the epoch with a plain 64-bit load.
    assert!(size_of::<AtomicU64>() == 8);
};

thread_local! {
    /// This thread's limits. Compiled code writes `fuel_consumed` through
    /// the VM context while wasm runs on this thread, which is why every
    /// field is a `Cell` (interior mutability, no references held across
    /// calls into wasm).
    static LIMITS: VMRuntimeLimits = VMRuntimeLimits::new(&EPOCH);
}

impl VMRuntimeLimits {
    /// A block with no fuel limit and no deadline, counting `epoch`
    /// (which must outlive the block).
    pub(crate) fn new(epoch: *const AtomicU64) -> VMRuntimeLimits {
        VMRuntimeLimits {
            stack_limit: Cell::new(0),
            fuel_consumed: Cell::new(UNLIMITED_FUEL),
            epoch_deadline: Cell::new(u64::MAX),
            epoch_ptr: epoch,
            gc_next: Cell::new(0),
            gc_limit: Cell::new(0),
            last_exit_fp: Cell::new(0),
            gc_heap: std::cell::OnceCell::new(),
            roots: Default::default(),
        }
    }

    /// The placement's GC root sources.
    pub(crate) fn roots(&self) -> &std::rc::Rc<crate::gc::roots::RootSources> {
        &self.roots
    }

    /// Where the next GC object goes (0 before the first).
    pub(crate) fn gc_next(&self) -> usize {
        self.gc_next.get()
    }

    /// Moves the GC bump pointer.
    pub(crate) fn set_gc_next(&self, at: usize) {
        self.gc_next.set(at);
    }

    /// Sets where the inline allocation stops.
    pub(crate) fn set_gc_limit(&self, at: usize) {
        self.gc_limit.set(at);
    }

    /// Takes the frame pointer the last wasm-to-host trampoline left (0
    /// when the host was not called through one since).
    pub(crate) fn take_exit_fp(&self) -> usize {
        self.last_exit_fp.replace(0)
    }

    /// The GC heap, made with spaces of at most `max_bytes` if there was
    /// none.
    pub(crate) fn gc_heap(&self, max_bytes: usize) -> &crate::gc::GcHeap {
        self.gc_heap
            .get_or_init(|| crate::gc::GcHeap::new(max_bytes))
    }

    /// The GC heap, if one was made.
    pub(crate) fn existing_gc_heap(&self) -> Option<&crate::gc::GcHeap> {
        self.gc_heap.get()
    }

    /// The stack limit of the outermost active wasm call (0 when none).
    pub(crate) fn stack_limit(&self) -> usize {
        self.stack_limit.get()
    }

    /// Sets the stack limit (0 when the outermost wasm call returns).
    pub(crate) fn set_stack_limit(&self, limit: usize) {
        self.stack_limit.set(limit);
    }

    /// Gives the code `fuel` units (saturating at 2^63).
    pub(crate) fn set_fuel(&self, fuel: u64) {
        let consumed = i64::try_from(fuel).map_or(i64::MIN, |f| -f);
        self.fuel_consumed.set(consumed);
    }

    /// The fuel left (0 once it has run out).
    pub(crate) fn fuel(&self) -> u64 {
        let consumed = self.fuel_consumed.get();
        if consumed >= 0 {
            0
        } else {
            consumed.unsigned_abs()
        }
    }

    /// Removes the fuel limit.
    pub(crate) fn unlimited_fuel(&self) {
        self.fuel_consumed.set(UNLIMITED_FUEL);
    }

    /// Code with epoch checks traps once the epoch reaches `deadline`.
    pub(crate) fn set_epoch_deadline(&self, deadline: u64) {
        self.epoch_deadline.set(deadline);
    }
}

/// The address of this thread's block, for VM contexts created on it.
pub(crate) fn limits_ptr() -> *const VMRuntimeLimits {
    LIMITS.with(|l| l as *const VMRuntimeLimits)
}

/// This thread's GC root sources (for globals and tables made without a
/// store).
pub(crate) fn thread_roots() -> std::rc::Rc<crate::gc::roots::RootSources> {
    LIMITS.with(|l| l.roots.clone())
}

/// Gives code compiled with `--fuel` on this thread `fuel` units to run
/// (Wasmtime's count: 1 per operator but `nop`, `drop` and the control
/// operators that generate no code, 1 per function entry). It traps
/// with "all fuel consumed by WebAssembly" at the function entry or loop
/// header where the fuel has run out.
pub fn set_fuel(fuel: u64) {
    LIMITS.with(|l| l.set_fuel(fuel));
}

/// The fuel this thread has left (0 once it has run out; `u64::MAX / 2`
/// and more when none was set).
pub fn fuel() -> u64 {
    LIMITS.with(|l| l.fuel())
}

/// Lets code on this thread run without a fuel limit (the default).
pub fn unlimited_fuel() {
    LIMITS.with(|l| l.unlimited_fuel());
}

/// Code compiled with `--epoch-interruption` on this thread traps with
/// "interrupted" once the epoch has advanced `ticks` beyond its current
/// value (at a function entry or loop header).
pub fn set_epoch_deadline(ticks: u64) {
    let deadline = current_epoch().saturating_add(ticks);
    LIMITS.with(|l| l.set_epoch_deadline(deadline));
}

/// Removes this thread's epoch deadline (the default).
pub fn no_epoch_deadline() {
    LIMITS.with(|l| l.epoch_deadline.set(u64::MAX));
}

/// Advances the process-wide epoch by one tick; callable from any thread
/// (a timer thread, a signal-free watchdog).
pub fn increment_epoch() {
    EPOCH.fetch_add(1, Ordering::Release);
}

/// The process-wide epoch.
pub fn current_epoch() -> u64 {
    EPOCH.load(Ordering::Acquire)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuel_round_trips_and_saturates() {
        set_fuel(1234);
        assert_eq!(fuel(), 1234);
        set_fuel(u64::MAX);
        assert_eq!(fuel(), 1 << 63);
        unlimited_fuel();
        assert_eq!(fuel(), 1 << 63);
        LIMITS.with(|l| l.fuel_consumed.set(5));
        assert_eq!(fuel(), 0);
    }

    #[test]
    fn deadline_counts_from_the_current_epoch() {
        let now = current_epoch();
        set_epoch_deadline(3);
        assert!(LIMITS.with(|l| l.epoch_deadline.get()) >= now + 3);
        no_epoch_deadline();
        assert_eq!(LIMITS.with(|l| l.epoch_deadline.get()), u64::MAX);
    }
}
