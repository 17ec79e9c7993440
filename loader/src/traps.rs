//! Traps: the [`Trap`] type, the registry of loaded code the signal
//! handler consults ([`CodeMap`]: trap table, exception table, function
//! names), and [`call`], the one way the host enters wasm. Compiled code
//! is entered through an array entry, which calls the function with
//! Cranelift's `try_call`; when a trap ends the call, `signals.rs` unwinds
//! to that call's handler, which returns 1 instead of 0. A host function
//! that fails stores its error here and returns 1; the wasm-to-host
//! trampoline then traps. Nothing jumps over Rust frames: every frame
//! between the host and its call into wasm returns normally.

use crate::code::LoadedArtifact;
use crate::values::ValRaw;
use std::cell::Cell;
use std::sync::Arc;
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
    /// That function's index in the module's function index space.
    pub func_index: Option<u32>,
    /// Byte offset of the wasm instruction in the source module, if known.
    pub wasm_offset: Option<u32>,
    /// Extra detail (for host errors and unresolved imports).
    pub detail: Option<String>,
    /// Set when the guest asked to exit (WASI `proc_exit`): not an error,
    /// but it ends the call the same way.
    pub exit_status: Option<i32>,
    /// The wasm exception, when no handler caught one (kind
    /// [`TrapKind::UncaughtException`]); a host function that returns
    /// such a trap throws the exception into the calling wasm.
    pub exception: Option<crate::exceptions::Exception>,
}

impl Trap {
    /// A trap of `kind` with no location.
    pub fn new(kind: TrapKind) -> Self {
        Self {
            kind,
            function: None,
            func_index: None,
            wasm_offset: None,
            detail: None,
            exit_status: None,
            exception: None,
        }
    }

    /// The end of a call by an exception no handler caught.
    pub fn uncaught(exception: Option<crate::exceptions::Exception>) -> Self {
        Self {
            detail: exception.as_ref().map(|e| e.to_string()),
            exception,
            ..Self::new(TrapKind::UncaughtException)
        }
    }

    /// A trap that throws `exception` into the wasm that called the host
    /// function returning it.
    pub fn throw(exception: crate::exceptions::Exception) -> Self {
        Self::uncaught(Some(exception))
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
}

impl CodeMap {
    /// The code of `loaded`, whose text starts at address `start`.
    pub(crate) fn new(loaded: LoadedArtifact, start: usize) -> CodeMap {
        let len = loaded.borrow_dependent().text_len;
        CodeMap { loaded, start, len }
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

    /// Where the call whose return address is `return_address` resumes,
    /// when its frame pointer was `fp`: for a trap (`exn` 0) only an array
    /// entry's handler; for exception `exn` the first handler whose tag
    /// matches (tags are resolved through the calling frame's VM context).
    /// Allocation free.
    fn handler_for(&self, return_address: usize, fp: usize, exn: usize) -> Option<Resume> {
        let entry = self
            .artifact()
            .lookup_handler(self.offset_of(return_address)?)?;
        let sp = fp.checked_sub(entry.frame_offset as usize)?;
        let resume = |offset: u32, payload: usize| Resume {
            pc: self.start + offset as usize,
            sp,
            fp,
            payload,
        };
        if entry.catches_traps {
            return Some(resume(entry.handlers.first()?.1, 0));
        }
        if exn == 0 {
            return None;
        }
        // SAFETY: `exn` is the live exception this thread is throwing.
        let thrown = unsafe { crate::exceptions::tag_identity(exn) };
        let offsets = self.artifact().vm_offsets();
        for &(tag, offset) in &entry.handlers {
            let matches = match (tag, entry.vmctx_sp_offset) {
                (None, _) => true,
                (Some(tag), Some(at)) => {
                    // The exception table says the calling frame keeps its
                    // VM context at this offset from its stack pointer at
                    // the call; the VM context holds each tag's identity.
                    // SAFETY: both reads are inside that live frame and VM context.
                    unsafe {
                        let vmctx = *((sp + at as usize) as *const usize);
                        *((vmctx + offsets.tag(tag.0) as usize) as *const usize) == thrown
                    }
                }
                (Some(_), None) => false,
            };
            if matches {
                return Some(resume(offset, exn));
            }
        }
        None
    }

    /// The defined function whose body contains text offset `offset`
    /// (a binary search: bodies are in text order).
    pub fn func_at(&self, offset: u32) -> Option<DefinedFuncIndex> {
        self.artifact().func_at(offset)
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
        // In an inlined body the code is the caller's, the wasm offset the
        // callee's: the offset names the function (artifacts that inline
        // record where bodies start).
        let func = self
            .artifact()
            .func_at_wasm_offset(entry.wasm_offset)
            .or_else(|| self.func_at(self.offset_of(pc)?));
        let imported = self.artifact().num_imported_funcs() as u32;
        Some(Trap {
            kind: TrapKind::from_code(entry.kind)?,
            function: func.map(|f| self.func_display_name(f)),
            func_index: func.map(|f| f.0 + imported),
            wasm_offset: (entry.wasm_offset != u32::MAX).then_some(entry.wasm_offset),
            detail: None,
            exit_status: None,
            exception: None,
        })
    }
}

/// The trap for a fault at `pc`, with names (allocates: not for the
/// signal handler).
fn lookup(pc: usize) -> Option<Trap> {
    crate::code_registry::with_code(|code| {
        code.iter().find(|m| m.offset_of(pc).is_some())?.trap_at(pc)
    })
}

/// Whether `pc` is a trapping instruction of registered code. Allocation
/// free, so the signal handler may call it.
pub(crate) fn is_trap_site(pc: usize) -> bool {
    crate::code_registry::with_code(|code| code.iter().any(|m| m.trap_entry_at(pc).is_some()))
}

/// Where execution resumes after a trap or throw: the handler's address,
/// the stack and frame pointers its call had, and the payload (the
/// exception, or 0 for a trap).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Resume {
    pub pc: usize,
    pub sp: usize,
    pub fp: usize,
    pub payload: usize,
}

/// Where a trap (`exn` 0) or the throw of exception `exn` whose innermost
/// frame pointer is `fp` resumes: the handler of the innermost call into
/// wasm from the host, or for an exception the innermost wasm handler that
/// catches it. Walks the frame-pointer chain of compiled code (every waot
/// function keeps frame pointers) and looks each return address up in the
/// exception tables; gives up when a return address leaves registered
/// code. Allocation free, for the signal handler.
pub(crate) fn resume_point(fp: usize, exn: usize) -> Option<Resume> {
    crate::code_registry::with_code(|code| resume_in(code, fp, exn))
}

fn resume_in(code: &[Arc<CodeMap>], fp: usize, exn: usize) -> Option<Resume> {
    walk_frames(code, fp, |map, return_address, caller_fp| {
        map.handler_for(return_address, caller_fp, exn)
    })
}

/// Walks the frame-pointer chain of compiled code from `fp`, calling
/// `visit` with each frame's return address, its caller's frame pointer
/// and the code the return address lies in, until `visit` answers or a
/// return address leaves registered code. Allocation free when `visit`
/// is, for the signal handler.
fn walk_frames<R>(
    code: &[Arc<CodeMap>],
    mut fp: usize,
    mut visit: impl FnMut(&CodeMap, usize, usize) -> Option<R>,
) -> Option<R> {
    use crate::signals::frame;
    // Far more frames than any wasm stack can hold; a bound, not a limit.
    for _ in 0..(1 << 24) {
        if fp == 0 || !fp.is_multiple_of(std::mem::size_of::<usize>()) {
            return None;
        }
        // `fp` is the frame pointer of a frame of compiled wasm code (the
        // fault's or a trampoline's, or one reached through the chain from
        // it, whose return address was in registered code), which keeps
        // its caller's frame pointer and its return address at the frame
        // record.
        // SAFETY: reading that live frame record.
        let (caller_fp, return_address) =
            unsafe { (frame::caller_fp(fp), frame::return_address(fp)) };
        let map = code
            .iter()
            .find(|m| m.offset_of(return_address).is_some())?;
        if let Some(answer) = visit(map, return_address, caller_fp) {
            return Some(answer);
        }
        fp = caller_fp;
    }
    None
}

/// Calls `f` with every stack slot that holds a GC reference in the wasm
/// frames reached from `start`, the frame pointer of a trampoline (the GC
/// allocator's, or a wasm-to-host one) whose caller is wasm code: each
/// frame's return address names its caller's stack map, whose slots are at
/// the caller's frame pointer minus the map's frame size. Stops where a
/// return address leaves registered code (the host, below an array entry).
pub(crate) fn for_each_stack_slot(start: usize, mut f: impl FnMut(&mut u64)) {
    crate::code_registry::with_code(|code| {
        walk_frames(code, start, |map, return_address, caller_fp| {
            let offset = map.offset_of(return_address)?;
            let (frame_size, slots) = map.artifact().stack_maps.lookup(offset)?;
            let sp = caller_fp.wrapping_sub(frame_size as usize);
            for s in slots {
                // SAFETY: the stack map names 8-byte slots inside the live
                // frame of the caller, which keeps references there across
                // the call it is in.
                f(unsafe { &mut *((sp + s as usize) as *mut u64) });
            }
            None::<()>
        })
    });
}

thread_local! {
    /// The error a host function returned, for the call it ends.
    static LAST_TRAP: Cell<Option<Trap>> = const { Cell::new(None) };
    /// The PC of the fault that ended the innermost call (0: none).
    static LAST_FAULT_PC: Cell<usize> = const { Cell::new(0) };
}

/// Records the PC of a fault the signal handler is unwinding from.
pub(crate) fn set_fault_pc(pc: usize) {
    LAST_FAULT_PC.with(|p| p.set(pc));
}

/// Records the error of a host function that is about to return 1; a
/// wasm exception it throws becomes the thread's pending exception, which
/// wasm handlers may catch.
pub(crate) fn set_host_trap(trap: Trap) {
    match &trap.exception {
        Some(e) => crate::exceptions::set_pending(e.address),
        None => LAST_TRAP.with(|t| t.set(Some(trap))),
    }
}

/// The array-call convention: `(callee_vmctx, caller_vmctx, values,
/// count) -> status` (0 returned, 1 trapped).
pub(crate) type ArrayCall = extern "C" fn(usize, usize, *mut ValRaw, usize) -> u32;

/// Calls `entry` and turns a trap inside it into `Err`.
///
/// # Safety
/// `entry` must be an array-call function (an array entry in published
/// text, or a host function's array call) and `values` must hold `count`
/// slots, at least as many as the callee's parameters and results.
pub(crate) unsafe fn call(
    entry: usize,
    callee_vmctx: usize,
    caller_vmctx: usize,
    values: *mut ValRaw,
    count: usize,
) -> Result<(), Trap> {
    crate::signals::install_handlers();
    crate::signals::ensure_alt_stack();
    // SAFETY: the caller guarantees `entry` has this signature.
    let f: ArrayCall = unsafe { std::mem::transmute(entry) };
    if f(callee_vmctx, caller_vmctx, values, count) == 0 {
        return Ok(());
    }
    let pc = LAST_FAULT_PC.with(|p| p.replace(0));
    let raised = LAST_TRAP.with(|t| t.take());
    let exn = crate::exceptions::take_pending();
    if exn != 0 {
        // SAFETY: the pending exception was just thrown by code of an
        // instance whose arena (its store's or this thread's) is alive.
        let exception = unsafe { crate::exceptions::Exception::from_address(exn) };
        return Err(Trap::uncaught(Some(exception)));
    }
    Err(match raised {
        Some(trap) => trap,
        None => lookup(pc).unwrap_or_else(|| Trap::new(TrapKind::HostError)),
    })
}
