//! Traps: signal handlers turn faults in compiled wasm code into wasm traps
//! by looking the faulting PC up in the artifact's trap table, then jump
//! back to the host's entry point (`waot_catch` in `csrc/unwind.c`). A fault
//! whose PC is not in a trap table is not a wasm trap: it is passed on to the
//! previous handler, so host bugs still crash loudly.

use crate::code::LoadedArtifact;
use std::cell::Cell;
use std::ffi::c_void;
use std::sync::{Arc, Once, OnceLock, RwLock};
use waot_format::artifact::Artifact;
use waot_format::traps::TrapKind;
use waot_format::types::{DefinedFuncIndex, FuncIndex, TrapEntry};

/// A wasm trap: why, and where if known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Trap {
    /// The trap kind.
    pub kind: TrapKind,
    /// The function it happened in, if known.
    pub function: Option<String>,
    /// Byte offset of the wasm instruction in the source module, if known.
    pub wasm_offset: Option<u32>,
    /// Extra detail (for host errors and unresolved imports).
    pub detail: Option<String>,
    /// Set when the guest asked to exit (WASI `proc_exit`): not an error,
    /// but it ends the call the same way.
    pub exit_status: Option<i32>,
}

impl Trap {
    /// A trap of `kind` with no location.
    pub fn new(kind: TrapKind) -> Self {
        Self {
            kind,
            function: None,
            wasm_offset: None,
            detail: None,
            exit_status: None,
        }
    }

    /// The guest's request to exit with `status`.
    pub fn exit(status: i32) -> Self {
        Self {
            exit_status: Some(status),
            detail: Some(format!("exit with status {status}")),
            ..Self::new(TrapKind::HostError)
        }
    }

    /// A host function's error.
    pub fn host(message: impl Into<String>) -> Self {
        Self {
            detail: Some(message.into()),
            ..Self::new(TrapKind::HostError)
        }
    }
}

impl std::fmt::Display for Trap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.kind.message())?;
        if let Some(d) = &self.detail {
            write!(f, ": {d}")?;
        }
        match (&self.function, self.wasm_offset) {
            (Some(func), Some(off)) => write!(f, " (in {func}, at wasm offset {off:#x})"),
            (Some(func), None) => write!(f, " (in {func})"),
            (None, Some(off)) => write!(f, " (at wasm offset {off:#x})"),
            (None, None) => Ok(()),
        }
    }
}

impl std::error::Error for Trap {}

/// The code of one loaded artifact, as the signal handler sees it: the
/// parsed artifact itself, so traps are looked up in the mapped trap table
/// (nothing is copied), and the map stays alive as long as it is registered.
pub struct CodeMap {
    /// The artifact, parsed once when it was opened.
    loaded: LoadedArtifact,
    /// Address of the first byte of text.
    pub start: usize,
    /// Length of the text.
    pub len: usize,
    /// Defined functions in the order of their bodies in the text (the
    /// reader checked that bodies do not overlap).
    by_address: Vec<DefinedFuncIndex>,
}

impl CodeMap {
    /// The code of `loaded`, whose text starts at address `start`.
    pub(crate) fn new(loaded: LoadedArtifact, start: usize) -> CodeMap {
        let artifact = loaded.borrow_dependent();
        let len = artifact.text_len;
        let mut by_address: Vec<DefinedFuncIndex> = (0..artifact.funcs.len() as u32)
            .map(DefinedFuncIndex)
            .collect();
        by_address.sort_by_key(|f| artifact.funcs[f.index()].body_offset);
        CodeMap {
            loaded,
            start,
            len,
            by_address,
        }
    }

    /// The artifact this code comes from.
    pub fn artifact(&self) -> &Artifact<'_> {
        self.loaded.borrow_dependent()
    }

    /// The text offset of `pc`, if `pc` lies in this code.
    fn offset_of(&self, pc: usize) -> Option<u32> {
        let offset = pc.checked_sub(self.start)?;
        if offset >= self.len {
            return None;
        }
        u32::try_from(offset).ok()
    }

    /// The trap recorded for the instruction at `pc`. Allocation free (a
    /// binary search in the mapped trap table), so the signal handler may
    /// call it.
    fn trap_entry_at(&self, pc: usize) -> Option<TrapEntry> {
        self.artifact().lookup_trap(self.offset_of(pc)?)
    }

    /// The defined function whose body contains text offset `offset`
    /// (binary search over the bodies in text order).
    pub fn func_at(&self, offset: u32) -> Option<DefinedFuncIndex> {
        let funcs = &self.artifact().funcs;
        let after = self
            .by_address
            .partition_point(|f| funcs[f.index()].body_offset <= offset);
        let candidate = *self.by_address.get(after.checked_sub(1)?)?;
        let body = &funcs[candidate.index()];
        (offset - body.body_offset < body.body_len).then_some(candidate)
    }

    /// The display name of defined function `func`: its name in the wasm
    /// name section, or `func N`.
    pub fn func_display_name(&self, func: DefinedFuncIndex) -> String {
        let artifact = self.artifact();
        let index = FuncIndex(func.0 + artifact.num_imported_funcs() as u32);
        artifact
            .func_name(index)
            .map_or_else(|| format!("func {}", index.0), str::to_string)
    }

    fn trap_at(&self, pc: usize) -> Option<Trap> {
        let entry = self.trap_entry_at(pc)?;
        let function = self
            .func_at(self.offset_of(pc)?)
            .map(|f| self.func_display_name(f));
        Some(Trap {
            kind: TrapKind::from_code(entry.kind)?,
            function,
            wasm_offset: (entry.wasm_offset != u32::MAX).then_some(entry.wasm_offset),
            detail: None,
            exit_status: None,
        })
    }
}

static CODE: RwLock<Vec<Arc<CodeMap>>> = RwLock::new(Vec::new());

/// Makes `map`'s code known to the trap handler.
pub fn register(map: Arc<CodeMap>) {
    install_handlers();
    CODE.write().unwrap_or_else(|e| e.into_inner()).push(map);
}

/// Forgets code that is about to be unmapped.
pub fn unregister(start: usize) {
    CODE.write()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|m| m.start != start);
}

/// The trap for a fault at `pc`, with names (allocates: not for the
/// signal handler).
fn lookup(pc: usize) -> Option<Trap> {
    let code = CODE.read().ok()?;
    code.iter().find(|m| m.offset_of(pc).is_some())?.trap_at(pc)
}

/// Whether `pc` is a trapping instruction of registered code. Allocation
/// free, so the signal handler may call it.
fn is_trap_site(pc: usize) -> bool {
    let Ok(code) = CODE.read() else { return false };
    code.iter().any(|m| m.trap_entry_at(pc).is_some())
}

thread_local! {
    /// The innermost `waot_catch` jump buffer of this thread, or null.
    static JMP_BUF: Cell<*mut c_void> = const { Cell::new(std::ptr::null_mut()) };
    /// The trap a host function raised to end the innermost call.
    static LAST_TRAP: Cell<Option<Trap>> = const { Cell::new(None) };
    /// The PC of the fault that ended the innermost call (0: none).
    static LAST_FAULT_PC: Cell<usize> = const { Cell::new(0) };
    /// This thread's signal stack.
    static ALT_STACK: AltStack = AltStack::new();
}

unsafe extern "C" {
    fn waot_catch(
        slot: *mut *mut c_void,
        body: extern "C" fn(*mut c_void),
        data: *mut c_void,
    ) -> i32;
    fn waot_unwind(buf: *mut c_void) -> !;
}

/// Runs `body(data)` and turns a trap inside it into `Err`.
///
/// # Safety
/// `body` must not hold values with destructors on its frames while it runs
/// wasm code or calls [`raise`]: a trap jumps over those frames.
pub unsafe fn catch(body: extern "C" fn(*mut c_void), data: *mut c_void) -> Result<(), Trap> {
    install_handlers();
    ALT_STACK.with(|_| ());
    let slot = JMP_BUF.with(|c| c.as_ptr());
    // SAFETY: `slot` is this thread's jump-buffer cell and outlives the call;
    // the caller guarantees `body` is safe to jump out of.
    let trapped = unsafe { waot_catch(slot, body, data) };
    if trapped == 0 {
        return Ok(());
    }
    let pc = LAST_FAULT_PC.with(|p| p.replace(0));
    let raised = LAST_TRAP.with(|t| t.take());
    Err(match (pc, raised) {
        (0, Some(trap)) => trap,
        (pc, _) => lookup(pc).unwrap_or_else(|| Trap::new(TrapKind::HostError)),
    })
}

/// Ends the innermost wasm call with `trap` (used by host functions).
/// Returns only if no wasm call is active on this thread.
pub fn raise(trap: Trap) {
    let buf = JMP_BUF.with(|c| c.get());
    if buf.is_null() {
        return;
    }
    LAST_FAULT_PC.with(|p| p.set(0));
    LAST_TRAP.with(|t| t.set(Some(trap)));
    // SAFETY: `buf` is the live jump buffer of the innermost `waot_catch` on
    // this thread; the frames between here and there hold no destructors.
    unsafe { waot_unwind(buf) }
}

const SIGNALS: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
/// The actions installed before ours, for chaining non-wasm faults.
static PREVIOUS: OnceLock<Vec<libc::sigaction>> = OnceLock::new();
static INSTALL: Once = Once::new();

fn install_handlers() {
    INSTALL.call_once(|| {
        let previous = SIGNALS
            .iter()
            .map(|signal| {
                // SAFETY: querying the current action (null new action) into a
                // zeroed, valid sigaction.
                unsafe {
                    let mut old: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(*signal, std::ptr::null(), &mut old);
                    old
                }
            })
            .collect();
        let _ = PREVIOUS.set(previous);
        for signal in SIGNALS {
            // SAFETY: a zeroed sigaction is valid; we fill in our handler and
            // flags. PREVIOUS is set before the handler can run.
            unsafe {
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = handler as *const () as usize;
                action.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK | libc::SA_NODEFER;
                libc::sigemptyset(&mut action.sa_mask);
                libc::sigaction(signal, &action, std::ptr::null_mut());
            }
        }
    });
}

extern "C" fn handler(signal: i32, info: *mut libc::siginfo_t, context: *mut c_void) {
    let buf = JMP_BUF.with(|c| c.get());
    let pc = pc(context);
    if !buf.is_null() && is_trap_site(pc) {
        LAST_FAULT_PC.with(|p| p.set(pc));
        // SAFETY: the fault happened in registered wasm code running inside
        // `waot_catch` on this thread; jumping back is how traps end calls.
        unsafe { waot_unwind(buf) }
    }
    // Not a wasm trap: hand the signal to whoever had it before.
    let Some(i) = SIGNALS.iter().position(|s| *s == signal) else {
        return;
    };
    let Some(previous) = PREVIOUS.get().and_then(|p| p.get(i)) else {
        return;
    };
    // SAFETY: calling the previous handler with the same arguments is what
    // chaining means; resetting to a default disposition makes the fault
    // re-occur with it when we return.
    unsafe {
        let action = previous.sa_sigaction;
        if action == libc::SIG_DFL || action == libc::SIG_IGN {
            libc::sigaction(signal, previous, std::ptr::null_mut());
        } else if previous.sa_flags & libc::SA_SIGINFO != 0 {
            let f: extern "C" fn(i32, *mut libc::siginfo_t, *mut c_void) =
                std::mem::transmute(action);
            f(signal, info, context);
        } else {
            let f: extern "C" fn(i32) = std::mem::transmute(action);
            f(signal);
        }
    }
}

/// The faulting instruction's address from a signal context.
fn pc(context: *mut c_void) -> usize {
    let uc = context as *const libc::ucontext_t;
    // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        return (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
        #[cfg(target_arch = "aarch64")]
        return (*uc).uc_mcontext.pc as usize;
        #[cfg(target_arch = "riscv64")]
        return (*uc).uc_mcontext.__gregs[0] as usize;
        #[cfg(target_arch = "s390x")]
        return (*uc).uc_mcontext.psw.addr as usize;
    }
}

/// A per-thread alternate signal stack, so the handler runs even when the
/// fault is a stack overflow.
struct AltStack {
    memory: Vec<u8>,
}

impl AltStack {
    const SIZE: usize = 64 * 1024;

    fn new() -> Self {
        let mut memory = vec![0u8; Self::SIZE];
        let stack = libc::stack_t {
            ss_sp: memory.as_mut_ptr().cast(),
            ss_flags: 0,
            ss_size: Self::SIZE,
        };
        // SAFETY: `stack` describes memory owned by this AltStack, which
        // disables the alternate stack before freeing it.
        unsafe { libc::sigaltstack(&stack, std::ptr::null_mut()) };
        Self { memory }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        let disable = libc::stack_t {
            ss_sp: std::ptr::null_mut(),
            ss_flags: libc::SS_DISABLE,
            ss_size: 0,
        };
        // SAFETY: disabling the alternate stack before its memory is freed.
        unsafe { libc::sigaltstack(&disable, std::ptr::null_mut()) };
        let _ = self.memory.len();
    }
}
