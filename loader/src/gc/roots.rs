//! Where the collector finds references: the wasm frames of this thread
//! (from the frame that called the allocator, and from each wasm-to-host
//! trampoline still on the stack), the globals, tables, passive element
//! segments and exceptions of the heap's placement (a store, or a
//! thread's storeless instances) that may hold GC objects, and the host's
//! roots. A collection leaves alone every word that is not an object of
//! its own heap.

use crate::exceptions::ExnArena;
use crate::table::VMTableDefinition;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Mutex;

/// Something whose slots may hold GC references.
#[derive(Clone, Copy)]
pub(crate) enum RootSource {
    /// A global's value slot (its first 8 bytes, little-endian).
    Global(*mut u64),
    /// A table's definition: every element is a reference word.
    Table(*const VMTableDefinition),
    /// A passive element segment's items.
    Segment(*const RefCell<Vec<usize>>),
}

/// The root sources of one placement, shared by its limits block and the
/// registrations (so a registration outliving its store stays harmless).
#[derive(Default)]
pub(crate) struct RootSources {
    /// Registered sources; `None` where one was deregistered.
    sources: RefCell<Vec<Option<RootSource>>>,
    /// The placement's exception arena (null until an instance is placed).
    arena: Cell<*const ExnArena>,
}

impl RootSources {
    /// Records the placement's exception arena, which outlives it.
    pub(crate) fn set_arena(&self, arena: *const ExnArena) {
        self.arena.set(arena);
    }

    /// Registers `source` until the returned value is dropped.
    pub(crate) fn register(self: &Rc<Self>, source: RootSource) -> Registered {
        let mut s = self.sources.borrow_mut();
        let index = match s.iter().position(Option::is_none) {
            Some(free) => {
                s[free] = Some(source);
                free
            }
            None => {
                s.push(Some(source));
                s.len() - 1
            }
        };
        Registered {
            sources: self.clone(),
            index,
        }
    }

    /// Calls `f` with every registered source, and with the arena.
    pub(crate) fn for_each(&self, mut f: impl FnMut(RootSource), arena: impl FnOnce(&ExnArena)) {
        let sources: Vec<RootSource> = self.sources.borrow().iter().flatten().copied().collect();
        for s in sources {
            f(s);
        }
        // SAFETY: the arena outlives the placement whose sources these are.
        if let Some(a) = unsafe { self.arena.get().as_ref() } {
            arena(a);
        }
    }
}

/// A registration, deregistered when dropped.
pub(crate) struct Registered {
    sources: Rc<RootSources>,
    index: usize,
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Some(slot) = self.sources.sources.borrow_mut().get_mut(self.index) {
            *slot = None;
        }
    }
}

thread_local! {
    /// Frame pointers of the wasm-to-host trampolines of the host calls
    /// in progress on this thread, innermost last.
    static EXITS: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
    /// The host roots this thread made, in order, for scopes to release.
    static MADE: RefCell<Vec<HostRoot>> = const { RefCell::new(Vec::new()) };
}

/// Notes a host call's wasm-to-host trampoline frame (0 when its code
/// records none) until [`leave_host`].
pub(crate) fn enter_host(exit_fp: usize) {
    EXITS.with(|e| e.borrow_mut().push(exit_fp));
}

/// Ends what the matching [`enter_host`] began.
pub(crate) fn leave_host() {
    EXITS.with(|e| e.borrow_mut().pop());
}

/// The frame pointers the walk starts from: the allocator's caller's
/// trampoline first, then the host calls' exits, innermost first.
pub(crate) fn walk_starts(innermost: Option<usize>) -> Vec<usize> {
    let mut starts: Vec<usize> = innermost.into_iter().collect();
    EXITS.with(|e| starts.extend(e.borrow().iter().rev().filter(|&&fp| fp != 0)));
    starts
}

/// The host's roots, for every thread: a store may move between threads
/// with the references it handed out. Each slot holds a word and a
/// generation; a free slot is reused with the next generation.
struct HostRoots {
    slots: Vec<(u64, u32)>,
    free: Vec<u32>,
}

static HOST_ROOTS: Mutex<HostRoots> = Mutex::new(HostRoots {
    slots: Vec::new(),
    free: Vec::new(),
});

fn host_roots<R>(f: impl FnOnce(&mut HostRoots) -> R) -> R {
    f(&mut HOST_ROOTS.lock().unwrap_or_else(|e| e.into_inner()))
}

/// A rooted host reference: a slot of the host roots and its generation
/// when it was rooted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct HostRoot {
    index: u32,
    generation: u32,
}

/// The generation bits a handle keeps.
const GENERATION_MASK: u32 = (1 << 29) - 1;

impl HostRoot {
    /// 61 bits: the generation above the index.
    pub(crate) fn to_bits(self) -> u64 {
        (u64::from(self.generation) << 32) | u64::from(self.index)
    }

    /// The root [`HostRoot::to_bits`] made `bits` of.
    pub(crate) fn from_bits(bits: u64) -> HostRoot {
        HostRoot {
            index: bits as u32,
            generation: (bits >> 32) as u32 & GENERATION_MASK,
        }
    }
}

/// Roots `word` (a GC object) for the host until the innermost scope of
/// this thread ends ([`RootScope`]; a host function's call is one).
pub(crate) fn root(word: u64) -> HostRoot {
    let root = host_roots(|r| match r.free.pop() {
        Some(index) => {
            let slot = &mut r.slots[index as usize];
            slot.0 = word;
            HostRoot {
                index,
                generation: slot.1,
            }
        }
        None => {
            r.slots.push((word, 0));
            HostRoot {
                index: (r.slots.len() - 1) as u32,
                generation: 0,
            }
        }
    });
    MADE.with(|m| m.borrow_mut().push(root));
    root
}

/// The object `root` holds now (objects move); `None` once released.
pub(crate) fn rooted(root: HostRoot) -> Option<u64> {
    host_roots(|r| {
        let (word, generation) = *r.slots.get(root.index as usize)?;
        (generation == root.generation).then_some(word)
    })
}

/// Calls `f` with each host root's word (released ones hold 0).
pub(crate) fn for_each_host_root(mut f: impl FnMut(&mut u64)) {
    host_roots(|r| r.slots.iter_mut().for_each(|slot| f(&mut slot.0)));
}

/// A scope of host roots: every GC reference the host receives while it
/// lives on this thread (results of calls, values of globals, tables and
/// fields) is released when it is dropped; using one afterwards is an
/// error, never a dangling object. Without a scope, such references stay
/// rooted as long as the thread runs; each host function call has its
/// own.
#[must_use = "the scope ends when this is dropped"]
pub struct RootScope {
    mark: usize,
    // Scopes end on the thread that began them.
    _not_send: std::marker::PhantomData<*const ()>,
}

impl RootScope {
    /// A scope starting now.
    pub fn new() -> RootScope {
        RootScope {
            mark: MADE.with(|m| m.borrow().len()),
            _not_send: std::marker::PhantomData,
        }
    }
}

impl Default for RootScope {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for RootScope {
    fn drop(&mut self) {
        let released: Vec<HostRoot> = MADE.with(|m| {
            let mut m = m.borrow_mut();
            let at = self.mark.min(m.len());
            m.split_off(at)
        });
        host_roots(|r| {
            for root in released {
                let slot = &mut r.slots[root.index as usize];
                if slot.1 == root.generation {
                    *slot = (0, (slot.1 + 1) & GENERATION_MASK);
                    r.free.push(root.index);
                }
            }
        });
    }
}
