//! The signal side of traps: handlers for the faults compiled code raises
//! (`SIGSEGV`, `SIGBUS`, `SIGILL`, `SIGFPE`), which turn a fault at a
//! trap-table site into a resumption at the handler of the innermost call
//! into wasm (found by `traps::resume_point`) by rewriting the PC, stack
//! pointer and frame pointer in the signal context; per-architecture access
//! to those registers and to frame records; and the per-thread alternate
//! signal stack the handler runs on, so that it runs even when the fault is
//! a stack overflow. A fault that is not a wasm trap is passed on to the
//! handler installed before ours, so host bugs still crash loudly.

use std::ffi::c_void;
use std::sync::{Once, OnceLock};

const SIGNALS: [i32; 4] = [libc::SIGSEGV, libc::SIGBUS, libc::SIGILL, libc::SIGFPE];
/// The actions installed before ours, for chaining non-wasm faults.
static PREVIOUS: OnceLock<Vec<libc::sigaction>> = OnceLock::new();
static INSTALL: Once = Once::new();

/// Installs the handlers once per process.
pub(crate) fn install_handlers() {
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
    let uc = context.cast::<libc::ucontext_t>();
    // SAFETY: the kernel passes a valid ucontext_t to SA_SIGINFO handlers.
    let pc = unsafe { registers::pc(uc, signal) };
    // A trap, or the trap that follows a throw (with an exception
    // pending), at a trap-table site of registered wasm code. (The frame
    // pointer is read only then: on s390x it is loaded from the stack.)
    let exn = crate::exceptions::pending();
    if crate::traps::is_trap_site(pc)
        // SAFETY: as above; the fault is in compiled code, whose stack
        // pointer is valid.
        && let Some(to) = crate::traps::resume_point(unsafe { registers::fp(uc) }, exn)
    {
        if to.payload == 0 {
            // Back to the host (an array entry's handler): a trap, or an
            // exception no wasm handler caught, which stays pending.
            crate::traps::set_fault_pc(pc);
        } else {
            // A wasm handler caught the exception; it owns it now.
            crate::exceptions::take_pending();
        }
        // Returning from the handler resumes at the handler of the call the
        // walk found, with that call's stack and frame pointers and the
        // exception as the first payload, as Cranelift's exception ABI
        // expects (no other register is assumed preserved on that edge).
        // SAFETY: the fault is at a trap site of registered wasm code.
        unsafe { registers::resume(uc, to.pc, to.sp, to.fp, to.payload) };
        return;
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

/// Registers in a signal context, per architecture.
mod registers {
    /// The address the trap table knows the faulting instruction by. On
    /// s390x the kernel reports SIGILL and SIGFPE with the PSW address
    /// after the instruction (SIGSEGV and SIGBUS at it), and Cranelift
    /// records such traps at the instruction's last byte: one byte back.
    ///
    /// # Safety
    /// `uc` is the context the kernel passed to an `SA_SIGINFO` handler
    /// for `signal`.
    pub unsafe fn pc(uc: *const libc::ucontext_t, signal: i32) -> usize {
        let _ = signal;
        // SAFETY: the caller passes a valid context.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            return (*uc).uc_mcontext.gregs[libc::REG_RIP as usize] as usize;
            #[cfg(target_arch = "aarch64")]
            return (*uc).uc_mcontext.pc as usize;
            #[cfg(target_arch = "riscv64")]
            return (*uc).uc_mcontext.__gregs[0] as usize;
            #[cfg(target_arch = "s390x")]
            return match signal {
                libc::SIGILL | libc::SIGFPE => (*uc).uc_mcontext.psw.addr as usize - 1,
                _ => (*uc).uc_mcontext.psw.addr as usize,
            };
        }
    }

    /// The frame pointer at the fault. s390x has none: its "frame
    /// pointer" is, as in Cranelift's exception tables and Wasmtime's
    /// unwinder, the back chain the frame stored at its stack pointer,
    /// which is the caller's stack pointer.
    ///
    /// # Safety
    /// As [`pc`].
    pub unsafe fn fp(uc: *const libc::ucontext_t) -> usize {
        // SAFETY: the caller passes a valid context; on s390x its stack
        // pointer points into the interrupted thread's live stack.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            return (*uc).uc_mcontext.gregs[libc::REG_RBP as usize] as usize;
            #[cfg(target_arch = "aarch64")]
            return (*uc).uc_mcontext.regs[29] as usize;
            #[cfg(target_arch = "riscv64")]
            return (*uc).uc_mcontext.__gregs[8] as usize;
            #[cfg(target_arch = "s390x")]
            return *((*uc).uc_mcontext.gregs[15] as *const usize);
        }
    }

    /// Makes the interrupted thread continue at `pc` with stack pointer
    /// `sp`, frame pointer `fp` and `payload` in the first exception
    /// payload register (Cranelift's: rax, x0, a0, r6) when the handler
    /// returns.
    ///
    /// # Safety
    /// As [`pc`], and the values must describe a live frame of the
    /// interrupted thread that expects to be entered this way.
    pub unsafe fn resume(
        uc: *mut libc::ucontext_t,
        pc: usize,
        sp: usize,
        fp: usize,
        payload: usize,
    ) {
        // SAFETY: the caller passes a valid context and a valid frame.
        unsafe {
            #[cfg(target_arch = "x86_64")]
            {
                let gregs = &mut (*uc).uc_mcontext.gregs;
                gregs[libc::REG_RIP as usize] = pc as i64;
                gregs[libc::REG_RSP as usize] = sp as i64;
                gregs[libc::REG_RBP as usize] = fp as i64;
                gregs[libc::REG_RAX as usize] = payload as i64;
            }
            #[cfg(target_arch = "aarch64")]
            {
                let mc = &mut (*uc).uc_mcontext;
                mc.pc = pc as u64;
                mc.sp = sp as u64;
                mc.regs[29] = fp as u64;
                mc.regs[0] = payload as u64;
            }
            #[cfg(target_arch = "riscv64")]
            {
                let gregs = &mut (*uc).uc_mcontext.__gregs;
                gregs[0] = pc as u64;
                gregs[2] = sp as u64;
                gregs[8] = fp as u64;
                gregs[10] = payload as u64;
            }
            #[cfg(target_arch = "s390x")]
            {
                let mc = &mut (*uc).uc_mcontext;
                mc.psw.addr = pc as u64;
                mc.gregs[15] = sp as u64;
                mc.gregs[6] = payload as u64;
                let _ = fp;
            }
        }
    }
}

/// Frame records of compiled code, per architecture: where a frame keeps
/// its caller's frame pointer and its return address.
pub(crate) mod frame {
    /// Offset of the caller's frame pointer from a frame pointer (s390x:
    /// the back chain at the caller's stack pointer).
    const CALLER_FP: usize = 0;
    /// Offset of the return address from a frame pointer (s390x: r14 in
    /// the register save area at the caller's stack pointer).
    #[cfg(not(target_arch = "s390x"))]
    const RETURN_ADDRESS: usize = 8;
    #[cfg(target_arch = "s390x")]
    const RETURN_ADDRESS: usize = 14 * 8;

    /// The caller's frame pointer saved in the frame record at `fp`.
    ///
    /// # Safety
    /// `fp` is the frame pointer of a live frame of compiled code.
    pub unsafe fn caller_fp(fp: usize) -> usize {
        // SAFETY: the caller guarantees a frame record at `fp`.
        unsafe { *((fp + CALLER_FP) as *const usize) }
    }

    /// The return address into the caller of the frame at `fp`.
    ///
    /// # Safety
    /// As [`caller_fp`].
    pub unsafe fn return_address(fp: usize) -> usize {
        // SAFETY: the caller guarantees a frame record at `fp`.
        unsafe { *((fp + RETURN_ADDRESS) as *const usize) }
    }
}

thread_local! {
    /// This thread's alternate signal stack, if waot had to provide one.
    static ALT_STACK: AltStack = AltStack::new();
}

/// Makes sure this thread has an alternate signal stack large enough for
/// the handler, so it runs even when the fault is a stack overflow.
pub(crate) fn ensure_alt_stack() {
    ALT_STACK.with(|_| ());
}

/// A thread's alternate signal stack. An existing one that is large enough
/// (Rust's runtime installs one per thread) is kept; otherwise one is
/// mapped, with a guard page below it, and the previous one is restored
/// when the thread ends.
struct AltStack {
    /// The mapping (guard page included) and the stack it replaced, when
    /// this is ours.
    ours: Option<(*mut c_void, usize, libc::stack_t)>,
}

impl AltStack {
    /// What the handler needs: a few frames of lookups in debug builds.
    const MIN_SIZE: usize = 64 * 1024;

    fn new() -> Self {
        // SAFETY: querying the current alternate stack into a zeroed stack_t.
        let current = unsafe {
            let mut current: libc::stack_t = std::mem::zeroed();
            libc::sigaltstack(std::ptr::null(), &mut current);
            current
        };
        if current.ss_flags & libc::SS_DISABLE == 0 && current.ss_size >= Self::MIN_SIZE {
            return Self { ours: None };
        }
        let page = rustix::param::page_size();
        let len = Self::MIN_SIZE + page;
        // SAFETY: a fresh private anonymous mapping, owned by this AltStack.
        let memory = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if memory == libc::MAP_FAILED {
            return Self { ours: None };
        }
        // SAFETY: the lowest page of our own mapping becomes the guard;
        // `stack` describes the rest, which this AltStack owns until it
        // restores `previous` in `drop`.
        unsafe {
            libc::mprotect(memory, page, libc::PROT_NONE);
            let stack = libc::stack_t {
                ss_sp: memory.cast::<u8>().add(page).cast(),
                ss_flags: 0,
                ss_size: Self::MIN_SIZE,
            };
            let mut previous: libc::stack_t = std::mem::zeroed();
            if libc::sigaltstack(&stack, &mut previous) != 0 {
                libc::munmap(memory, len);
                return Self { ours: None };
            }
            Self {
                ours: Some((memory, len, previous)),
            }
        }
    }
}

impl Drop for AltStack {
    fn drop(&mut self) {
        if let Some((memory, len, previous)) = self.ours.take() {
            // SAFETY: restoring the stack ours replaced (or disabling it)
            // before unmapping the memory that is no longer in use.
            unsafe {
                libc::sigaltstack(&previous, std::ptr::null_mut());
                libc::munmap(memory, len);
            }
        }
    }
}
