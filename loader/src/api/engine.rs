//! `Engine` and `Config`: what is shared by every store of an embedder —
//! the checks its artifacts must carry, the default stack budget and the
//! epoch that deadlines count, and where instances' memories come from.

use crate::pool::MemoryPool;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use waot_format::types::Interruption;

/// How an [`Engine`] runs code, with Wasmtime's names.
#[derive(Clone, Debug)]
pub struct Config {
    pub(crate) interruption: Interruption,
    /// The key every module must be signed with, if any.
    pub(crate) signature: Option<crate::code::RequiredSignature>,
    pub(crate) max_wasm_stack: usize,
    pub(crate) allocation: InstanceAllocationStrategy,
    pub(crate) max_gc_heap: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            interruption: Interruption::NONE,
            signature: None,
            max_wasm_stack: 1 << 20,
            allocation: InstanceAllocationStrategy::OnDemand,
            max_gc_heap: crate::gc::DEFAULT_MAX_GC_HEAP,
        }
    }
}

/// Where instances' memories come from (Wasmtime's name and choices).
#[derive(Clone, Debug, Default)]
pub enum InstanceAllocationStrategy {
    /// Each memory reserves its address space when it is created and
    /// gives it back when it goes.
    #[default]
    OnDemand,
    /// Memories take reservations from a pool the engine keeps: no
    /// reservation is mapped or unmapped per instance, and a reservation
    /// last used for the same module keeps its memory image mapped.
    Pooling(PoolingAllocationConfig),
}

impl InstanceAllocationStrategy {
    /// Pooling with the default limits.
    pub fn pooling() -> InstanceAllocationStrategy {
        InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default())
    }
}

/// The pooling allocator's limits.
#[derive(Clone, Debug)]
pub struct PoolingAllocationConfig {
    total_memories: u32,
}

impl Default for PoolingAllocationConfig {
    fn default() -> Self {
        PoolingAllocationConfig {
            total_memories: 1000,
        }
    }
}

impl PoolingAllocationConfig {
    /// The defaults: at most 1000 memories at once.
    pub fn new() -> PoolingAllocationConfig {
        PoolingAllocationConfig::default()
    }

    /// How many memories may exist at once in all the engine's stores
    /// (each holds a reservation of address space while it is pooled);
    /// instantiating one more fails.
    pub fn total_memories(&mut self, count: u32) -> &mut PoolingAllocationConfig {
        self.total_memories = count;
        self
    }
}

impl Config {
    /// The defaults: no fuel, no epoch deadlines, 1 MiB of wasm stack.
    pub fn new() -> Config {
        Config::default()
    }

    /// Stores count fuel ([`crate::Store::set_fuel`]): every module must be
    /// compiled with `waot compile --fuel`, or [`crate::Module::from_file`]
    /// refuses it with the command that recompiles it.
    pub fn consume_fuel(&mut self, enable: bool) -> &mut Config {
        self.interruption.fuel = enable;
        self
    }

    /// Stores have epoch deadlines ([`crate::Store::set_epoch_deadline`]):
    /// every module must be compiled with `waot compile
    /// --epoch-interruption`.
    pub fn epoch_interruption(&mut self, enable: bool) -> &mut Config {
        self.interruption.epoch = enable;
        self
    }

    /// Modules must be signed with the key in the public key file at
    /// `path` (`waot keygen`, `waot compile --sign`), as `waot-run
    /// --require-signature` asks: an error if the file is no such key.
    pub fn require_signature(
        &mut self,
        path: impl AsRef<std::path::Path>,
    ) -> Result<&mut Config, crate::Error> {
        let path = path.as_ref();
        let shown = path.display();
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::Error::msg(format!("cannot read public key '{shown}': {e}")))?;
        let key = waot_format::signature::PublicKey::from_pem(&text).map_err(|e| {
            crate::Error::msg(format!(
                "'{shown}' is not a public key: {e}\nhint: pass the .pub file of `waot keygen`"
            ))
        })?;
        self.signature = Some(crate::code::RequiredSignature {
            key,
            key_path: shown.to_string(),
        });
        Ok(self)
    }

    /// Where instances' memories come from (default: on demand).
    pub fn allocation_strategy(&mut self, strategy: InstanceAllocationStrategy) -> &mut Config {
        self.allocation = strategy;
        self
    }

    /// Bytes of native stack wasm code may use before it traps with "call
    /// stack exhausted" (default 1 MiB).
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Config {
        self.max_wasm_stack = bytes;
        self
    }

    /// Bytes each store's GC heap may hold at once (default 1 GiB, at
    /// least 64 bytes and at most [`crate::LARGEST_GC_HEAP`], 32 GiB,
    /// values beyond are taken as those): an allocation that does not fit
    /// even after a collection traps with "gc heap out of memory". The
    /// heap reserves this much address space; only what it uses is
    /// resident.
    pub fn max_gc_heap(&mut self, bytes: usize) -> &mut Config {
        self.max_gc_heap = bytes;
        self
    }
}

/// The process-wide part of an embedding: configuration and the epoch.
/// Cheap to clone; clones share everything.
#[derive(Clone, Debug)]
pub struct Engine {
    inner: Arc<EngineInner>,
}

#[derive(Debug)]
struct EngineInner {
    config: Config,
    /// Read by compiled code through each store's runtime limits block,
    /// which points at it; boxed in the `Arc`, so it never moves.
    epoch: AtomicU64,
    /// The pooling allocator's memories, when it is chosen.
    pool: Option<Arc<MemoryPool>>,
}

impl Default for Engine {
    fn default() -> Engine {
        Engine::new(&Config::default()).expect("the default configuration is valid")
    }
}

impl Engine {
    /// An engine for `config`.
    pub fn new(config: &Config) -> Result<Engine, crate::Error> {
        if config.max_wasm_stack == 0 {
            return Err(crate::Error::msg("max_wasm_stack must be at least 1 byte"));
        }
        Ok(Engine {
            inner: Arc::new(EngineInner {
                config: config.clone(),
                epoch: AtomicU64::new(0),
                pool: match &config.allocation {
                    InstanceAllocationStrategy::OnDemand => None,
                    InstanceAllocationStrategy::Pooling(p) => {
                        Some(Arc::new(MemoryPool::new(p.total_memories as usize)))
                    }
                },
            }),
        })
    }

    /// Advances this engine's epoch by one tick, from any thread: code
    /// compiled with `--epoch-interruption` in a store whose deadline has
    /// come traps with "interrupted" at its next function entry or loop
    /// header.
    pub fn increment_epoch(&self) {
        self.inner.epoch.fetch_add(1, Ordering::Release);
    }

    /// The current epoch.
    pub(crate) fn current_epoch(&self) -> u64 {
        self.inner.epoch.load(Ordering::Acquire)
    }

    /// The address compiled code reads the epoch from.
    pub(crate) fn epoch_ptr(&self) -> *const AtomicU64 {
        &self.inner.epoch
    }

    /// The pool memories come from, with the pooling allocator.
    /// How modules are opened for this engine: with the checks its fuel
    /// and deadlines need, and the signature it requires.
    pub(crate) fn open_options(&self) -> crate::code::OpenOptions {
        let config = self.config();
        crate::code::OpenOptions {
            interruption: config.interruption,
            require_signature: config.signature.clone(),
            ..crate::code::OpenOptions::default()
        }
    }

    pub(crate) fn memory_pool(&self) -> Option<&Arc<MemoryPool>> {
        self.inner.pool.as_ref()
    }

    /// Its configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Whether two handles name the same engine.
    pub fn same(a: &Engine, b: &Engine) -> bool {
        Arc::ptr_eq(&a.inner, &b.inner)
    }
}
