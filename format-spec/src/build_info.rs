//! The build record: what the compiled code assumes about the machine and
//! the runtime (`.waot.build`) — target, CPU mode, bounds strategy,
//! interruption checks — and how calls were inlined (`.waot.inlining`).
//! Re-exported from `types`.

/// How compiled code keeps memory accesses in bounds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BoundsStrategy {
    /// Accesses rely on a virtual reservation plus guard region: an
    /// out-of-bounds access faults and the trap table turns it into a trap.
    Guard,
    /// Every access is compared against the current memory length.
    Explicit,
}

impl BoundsStrategy {
    /// The command-line spelling (`guard`, `explicit`).
    pub fn name(self) -> &'static str {
        match self {
            BoundsStrategy::Guard => "guard",
            BoundsStrategy::Explicit => "explicit",
        }
    }
}

/// Whether the code assumes a portable CPU baseline or the build machine's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CpuMode {
    /// Only features every CPU of the architecture has.
    Baseline,
    /// The features detected on the machine that compiled it.
    Native,
}

impl CpuMode {
    /// The command-line spelling (`baseline`, `native`).
    pub fn name(self) -> &'static str {
        match self {
            CpuMode::Baseline => "baseline",
            CpuMode::Native => "native",
        }
    }
}

/// Everything the compiled code assumes about the machine and runtime.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildInfo<'a> {
    /// File name of the source module (no directory), for fix-it hints.
    pub source_name: &'a str,
    /// Target triple, e.g. `x86_64-unknown-linux-gnu`.
    pub target: &'a str,
    /// Baseline or native CPU.
    pub cpu_mode: CpuMode,
    /// CPU features the code uses, comma-separated (`sse3,ssse3,…`); empty
    /// for the architecture baseline.
    pub cpu_features: &'a str,
    /// Alignment of the text section in the file (≥ the host page size).
    pub text_align: u32,
    /// How memory accesses are bounds-checked.
    pub bounds: BoundsStrategy,
    /// Bytes of address space the code assumes are reserved per memory
    /// (0 with explicit checks).
    pub memory_reservation: u64,
    /// Bytes of unmapped guard after the reservation the code relies on
    /// (0 with explicit checks).
    pub memory_guard: u64,
    /// Whether every function checks the stack limit in its prologue.
    pub stack_check: bool,
    /// Enabled wasm features ([`crate::wasm_features`] bits).
    pub wasm_features: u64,
    /// Cranelift optimisation level: `none`, `speed`, `speed_and_size`.
    pub opt_level: &'a str,
    /// Code generator and version, e.g. `cranelift 0.135.8`.
    pub codegen: &'a str,
    /// The interruption checks compiled in (`.waot.interruption`, not the
    /// build-info section's bytes).
    pub interruption: Interruption,
    /// Whether and how calls were inlined (`.waot.inlining`, not the
    /// build-info section's bytes).
    pub inlining: Inlining,
}

/// The interruption checks compiled into an artifact's code (`waot compile
/// --fuel`, `--epoch-interruption`). Code without them carries no checks
/// at all, so a loader cannot stop it by fuel or deadline.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Interruption {
    /// Every operator adds to the runtime limits' fuel counter; function
    /// entries and loop headers trap when it reaches zero (bit 0).
    pub fuel: bool,
    /// Function entries and loop headers trap when the epoch reaches the
    /// runtime limits' deadline (bit 1).
    pub epoch: bool,
}

impl Interruption {
    /// Bit of [`Interruption::fuel`] in `.waot.interruption`.
    pub const FUEL_BIT: u8 = 1;
    /// Bit of [`Interruption::epoch`] in `.waot.interruption`.
    pub const EPOCH_BIT: u8 = 2;

    /// No checks.
    pub const NONE: Interruption = Interruption {
        fuel: false,
        epoch: false,
    };

    /// Whether any check is compiled in.
    pub fn any(self) -> bool {
        self.fuel || self.epoch
    }

    /// The section's byte.
    pub fn bits(self) -> u8 {
        (if self.fuel { Self::FUEL_BIT } else { 0 })
            | (if self.epoch { Self::EPOCH_BIT } else { 0 })
    }

    /// Reads the section's byte; `None` when an unknown bit is set.
    pub fn from_bits(bits: u8) -> Option<Interruption> {
        (bits & !(Self::FUEL_BIT | Self::EPOCH_BIT) == 0).then_some(Interruption {
            fuel: bits & Self::FUEL_BIT != 0,
            epoch: bits & Self::EPOCH_BIT != 0,
        })
    }
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match (self.fuel, self.epoch) {
            (false, false) => "none",
            (true, false) => "fuel",
            (false, true) => "epoch",
            (true, true) => "fuel,epoch",
        })
    }
}

/// Inlining (format 2.18, `waot compile --inline`): direct calls to
/// defined leaf functions (no calls of their own) of at most
/// `max_callee_insts` Cranelift instructions were replaced by their
/// bodies — since format 2.19, those over `small_callee_insts` only where
/// the module has at most `max_call_sites` direct calls to them. Recorded
/// so that `waot inspect` can say so and trap messages can name the
/// inlined function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Inlining {
    /// The size limit on an inlined callee, in Cranelift IR instructions;
    /// 0: nothing was inlined.
    pub max_callee_insts: u32,
    /// Callees of at most this many instructions are inlined wherever
    /// they are called; larger ones only under [`Self::max_call_sites`].
    pub small_callee_insts: u32,
    /// The most direct call sites a callee over
    /// [`Self::small_callee_insts`] may have to be inlined.
    pub max_call_sites: u32,
}

impl Inlining {
    /// No inlining.
    pub const OFF: Inlining = Inlining {
        max_callee_insts: 0,
        small_callee_insts: 0,
        max_call_sites: 0,
    };

    /// Every leaf callee of at most `max_callee_insts` instructions,
    /// whatever its call sites: format 2.18's only kind, and what an
    /// artifact without `.waot.inlining-limits` records.
    pub const fn every_leaf(max_callee_insts: u32) -> Inlining {
        Inlining {
            max_callee_insts,
            small_callee_insts: max_callee_insts,
            max_call_sites: u32::MAX,
        }
    }

    /// Whether any call may have been inlined.
    pub fn on(self) -> bool {
        self.max_callee_insts > 0
    }

    /// Whether a callee of `insts` instructions with `call_sites` direct
    /// calls in its module is inlined.
    pub fn takes(self, insts: u32, call_sites: u32) -> bool {
        insts <= self.max_callee_insts
            && (insts <= self.small_callee_insts || call_sites <= self.max_call_sites)
    }
}

/// What `waot inspect` says: `off`, or which callees were inlined.
impl std::fmt::Display for Inlining {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        if !self.on() {
            return f.write_str("off");
        }
        let max = self.max_callee_insts;
        write!(f, "leaf callees of at most {max} IR instructions")?;
        if self.small_callee_insts < max && self.max_call_sites != u32::MAX {
            let (small, sites) = (self.small_callee_insts, self.max_call_sites);
            write!(
                f,
                ", those over {small} only with at most {sites} call sites"
            )?;
        }
        Ok(())
    }
}
