//! Resource limits a host sets on a store: a [`ResourceLimiter`] asked
//! before any memory or table of the store grows (and when one is
//! created), and [`StoreLimits`], the usual one.

use super::store::{Store, StoreInner, with_current};
use crate::Error;
use crate::memory::LinearMemory;
use crate::table::Table;
use waot_format::consts::WASM_PAGE_SIZE;

/// Decides whether a store's memories and tables may grow (Wasmtime's
/// trait of the same name). Sizes are bytes for memories and elements for
/// tables; `maximum` is the most the memory or table may ever have.
pub trait ResourceLimiter {
    /// Whether a memory may grow from `current` to `desired` bytes.
    /// Refusing (or an error) makes `memory.grow` return -1, or fails
    /// instantiation when a memory is created.
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, Error>;

    /// Whether a table may grow from `current` to `desired` elements.
    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> Result<bool, Error>;
}

/// A limiter that caps each memory's size and each table's length.
#[derive(Clone, Debug, Default)]
pub struct StoreLimits {
    memory_size: Option<usize>,
    table_elements: Option<usize>,
}

/// Builds [`StoreLimits`].
#[derive(Clone, Debug, Default)]
pub struct StoreLimitsBuilder(StoreLimits);

impl StoreLimitsBuilder {
    /// No limits.
    pub fn new() -> StoreLimitsBuilder {
        StoreLimitsBuilder::default()
    }

    /// No memory may have more than `bytes`.
    pub fn memory_size(mut self, bytes: usize) -> StoreLimitsBuilder {
        self.0.memory_size = Some(bytes);
        self
    }

    /// No table may have more than `elements`.
    pub fn table_elements(mut self, elements: usize) -> StoreLimitsBuilder {
        self.0.table_elements = Some(elements);
        self
    }

    /// The limits.
    pub fn build(self) -> StoreLimits {
        self.0
    }
}

impl ResourceLimiter for StoreLimits {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, Error> {
        Ok(self.memory_size.is_none_or(|limit| desired <= limit))
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, Error> {
        Ok(self.table_elements.is_none_or(|limit| desired <= limit))
    }
}

/// A growth the runtime asks the store's limiter about.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Growth {
    /// A memory, in bytes.
    Memory {
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    },
    /// A table, in elements.
    Table {
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    },
}

impl Growth {
    /// Memory `m` growing by `delta` pages.
    pub(crate) fn memory(m: &LinearMemory, delta: u64) -> Growth {
        Self::memory_from(m.byte_len(), m, m.pages().saturating_add(delta))
    }

    /// Memory `m`, just created, coming to its initial size.
    pub(crate) fn new_memory(m: &LinearMemory) -> Growth {
        Self::memory_from(0, m, m.pages())
    }

    fn memory_from(current: usize, m: &LinearMemory, pages: u64) -> Growth {
        let bytes = |pages: u64| {
            usize::try_from(pages.saturating_mul(WASM_PAGE_SIZE)).unwrap_or(usize::MAX)
        };
        Growth::Memory {
            current,
            desired: bytes(pages),
            maximum: Some(bytes(m.limit_pages())),
        }
    }

    /// Table `t` growing by `delta` elements.
    pub(crate) fn table(t: &Table, delta: u64) -> Growth {
        Self::table_from(count(t.len()), t, t.len().saturating_add(delta))
    }

    /// Table `t`, just created, coming to its initial size.
    pub(crate) fn new_table(t: &Table) -> Growth {
        Self::table_from(0, t, t.len())
    }

    fn table_from(current: usize, t: &Table, elements: u64) -> Growth {
        Growth::Table {
            current,
            desired: count(elements),
            maximum: t.max().map(count),
        }
    }
}

/// A count as a `usize`, saturating.
fn count(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// What instances of a store call to ask its limiter (type-erased: the
/// runtime below the API knows no `T`).
pub(crate) type GrowthCheck = dyn Fn(Growth) -> bool + Send + Sync;

/// The store's accessor of its limiter.
pub(crate) type LimiterAccessor<T> = Box<dyn (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send>;

impl<T> StoreInner<T> {
    /// Asks the limiter, if any. An error or a panic counts as a refusal
    /// (the runtime may be in a builtin called from wasm, where nothing
    /// may unwind), and the limiter stays in place either way.
    pub(crate) fn allows(&mut self, growth: Growth) -> bool {
        let Some(mut accessor) = self.limiter.take() else {
            return true;
        };
        let data = &mut self.data;
        let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let limiter = accessor(data);
            match growth {
                Growth::Memory {
                    current,
                    desired,
                    maximum,
                } => limiter.memory_growing(current, desired, maximum),
                Growth::Table {
                    current,
                    desired,
                    maximum,
                } => limiter.table_growing(current, desired, maximum),
            }
        }));
        self.limiter = Some(accessor);
        matches!(verdict, Ok(Ok(true)))
    }
}

impl<T: 'static> Store<T> {
    /// Asks `limiter(data)` before any memory or table of this store is
    /// created or grows, from now on:
    /// `store.limiter(|data| &mut data.limits)`.
    pub fn limiter(
        &mut self,
        limiter: impl (FnMut(&mut T) -> &mut dyn ResourceLimiter) + Send + 'static,
    ) {
        self.inner.limiter = Some(Box::new(limiter));
        let check: Box<GrowthCheck> =
            Box::new(|growth| with_current::<T, _>(|store| store.allows(growth)).unwrap_or(true));
        *self.inner.growth = Some(check);
    }
}
