//! WASI preview 1 (`wasi_snapshot_preview1`): all 46 of its functions.
//! This file holds the context (arguments, environment, the descriptor
//! table), guest-memory access, errno mapping, and the process, clock,
//! random and poll functions; `fd.rs`, `path.rs` and `sock.rs` hold the
//! rest, `stdio.rs` what is particular to stdio, `table.rs` the descriptor
//! numbering.
//!
//! File access is confined to preopened directories through cap-std: a path
//! with `..`, an absolute path or a symlink that would leave a preopen is
//! refused with `ENOTCAPABLE`, never resolved by hand.

mod embed;
mod fd;
mod iovec;
mod path;
mod poll;
mod sock;
mod stdio;
mod table;

pub use embed::{WasiCtxBuilder, add_to_linker};
pub use stdio::OutputPipe;

use crate::linker::Linker;
use crate::traps::Trap;
use crate::values::Val;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use waot_format::types::{FuncType, ValType};

/// What a WASI program sees of the world.
#[derive(Clone, Debug, Default)]
pub struct WasiConfig {
    /// `argv`, including `argv[0]`.
    pub args: Vec<String>,
    /// Environment variables.
    pub env: Vec<(String, String)>,
    /// Preopened directories: (host path, guest path).
    pub preopens: Vec<(PathBuf, String)>,
    /// TCP addresses (`HOST:PORT`) to listen on; each listener is a
    /// preopened socket numbered after the preopened directories.
    pub tcp_listen: Vec<String>,
}

/// WASI errno values (the preview 1 `errno` enum).
#[allow(missing_docs)]
pub mod errno {
    pub const SUCCESS: u16 = 0;
    pub const TOOBIG: u16 = 1;
    pub const ACCES: u16 = 2;
    pub const AGAIN: u16 = 6;
    pub const BADF: u16 = 8;
    pub const CONNABORTED: u16 = 13;
    pub const CONNREFUSED: u16 = 14;
    pub const CONNRESET: u16 = 15;
    pub const EXIST: u16 = 20;
    pub const FAULT: u16 = 21;
    pub const FBIG: u16 = 22;
    pub const ILSEQ: u16 = 25;
    pub const INTR: u16 = 27;
    pub const INVAL: u16 = 28;
    pub const IO: u16 = 29;
    pub const ISDIR: u16 = 31;
    pub const LOOP: u16 = 32;
    pub const MLINK: u16 = 34;
    pub const NAMETOOLONG: u16 = 37;
    pub const NFILE: u16 = 41;
    pub const NOENT: u16 = 44;
    pub const NOSPC: u16 = 51;
    pub const NOSYS: u16 = 52;
    pub const NOTCONN: u16 = 53;
    pub const NOTDIR: u16 = 54;
    pub const NOTEMPTY: u16 = 55;
    pub const NOTSOCK: u16 = 57;
    pub const NOTSUP: u16 = 58;
    pub const OVERFLOW: u16 = 61;
    pub const PERM: u16 = 63;
    pub const PIPE: u16 = 64;
    pub const ROFS: u16 = 69;
    pub const SPIPE: u16 = 70;
    pub const TIMEDOUT: u16 = 73;
    pub const XDEV: u16 = 75;
    pub const NOTCAPABLE: u16 = 76;
}

/// A WASI error: an errno value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Errno(pub u16);

/// Result of a WASI function body.
pub type WasiResult<T = ()> = Result<T, Errno>;

impl From<std::io::Error> for Errno {
    fn from(e: std::io::Error) -> Errno {
        use std::io::ErrorKind as K;
        if let Some(code) = e.raw_os_error() {
            return Errno(match code {
                libc::ENOENT => errno::NOENT,
                libc::EACCES => errno::ACCES,
                libc::EPERM => errno::PERM,
                libc::EEXIST => errno::EXIST,
                libc::ENOTDIR => errno::NOTDIR,
                libc::EISDIR => errno::ISDIR,
                libc::ENOTEMPTY => errno::NOTEMPTY,
                libc::EINVAL => errno::INVAL,
                libc::ELOOP => errno::LOOP,
                libc::EBADF => errno::BADF,
                libc::ENAMETOOLONG => errno::NAMETOOLONG,
                libc::EXDEV => errno::XDEV,
                libc::ENOSPC => errno::NOSPC,
                libc::EROFS => errno::ROFS,
                libc::EMLINK => errno::MLINK,
                libc::ESPIPE => errno::SPIPE,
                libc::EFBIG => errno::FBIG,
                libc::EAGAIN => errno::AGAIN,
                libc::EINTR => errno::INTR,
                libc::E2BIG => errno::TOOBIG,
                libc::EOVERFLOW => errno::OVERFLOW,
                libc::ENOSYS => errno::NOSYS,
                libc::ENOTSUP => errno::NOTSUP,
                libc::ECONNABORTED => errno::CONNABORTED,
                libc::ECONNREFUSED => errno::CONNREFUSED,
                libc::ECONNRESET => errno::CONNRESET,
                libc::ENOTCONN => errno::NOTCONN,
                libc::ENOTSOCK => errno::NOTSOCK,
                libc::EPIPE => errno::PIPE,
                libc::ETIMEDOUT => errno::TIMEDOUT,
                _ => errno::IO,
            });
        }
        Errno(match e.kind() {
            K::NotFound => errno::NOENT,
            // cap-std reports a path that would leave the sandbox this way.
            K::PermissionDenied => errno::NOTCAPABLE,
            K::AlreadyExists => errno::EXIST,
            K::InvalidInput => errno::INVAL,
            _ => errno::IO,
        })
    }
}

/// Checked access to the guest's linear memory.
pub(crate) struct Memory<'a>(pub(crate) &'a mut [u8]);

impl Memory<'_> {
    pub(crate) fn range(&self, ptr: u32, len: u32) -> WasiResult<std::ops::Range<usize>> {
        let start = ptr as usize;
        let end = start
            .checked_add(len as usize)
            .filter(|&e| e <= self.0.len())
            .ok_or(Errno(errno::FAULT))?;
        Ok(start..end)
    }
    pub(crate) fn slice(&self, ptr: u32, len: u32) -> WasiResult<&[u8]> {
        let r = self.range(ptr, len)?;
        Ok(&self.0[r])
    }
    pub(crate) fn slice_mut(&mut self, ptr: u32, len: u32) -> WasiResult<&mut [u8]> {
        let r = self.range(ptr, len)?;
        Ok(&mut self.0[r])
    }
    pub(crate) fn write(&mut self, ptr: u32, bytes: &[u8]) -> WasiResult {
        self.slice_mut(ptr, bytes.len() as u32)?
            .copy_from_slice(bytes);
        Ok(())
    }
    pub(crate) fn u8(&mut self, ptr: u32, v: u8) -> WasiResult {
        self.write(ptr, &[v])
    }
    pub(crate) fn u16(&mut self, ptr: u32, v: u16) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn u32(&mut self, ptr: u32, v: u32) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn u64(&mut self, ptr: u32, v: u64) -> WasiResult {
        self.write(ptr, &v.to_le_bytes())
    }
    pub(crate) fn read_u32(&self, ptr: u32) -> WasiResult<u32> {
        let b = self.slice(ptr, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }
    pub(crate) fn read_u64(&self, ptr: u32) -> WasiResult<u64> {
        let b = self.slice(ptr, 8)?;
        Ok(u64::from_le_bytes([
            b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
        ]))
    }
    pub(crate) fn read_u16(&self, ptr: u32) -> WasiResult<u16> {
        let b = self.slice(ptr, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }
    /// A guest string (UTF-8, as WASI paths are).
    pub(crate) fn str(&self, ptr: u32, len: u32) -> WasiResult<String> {
        String::from_utf8(self.slice(ptr, len)?.to_vec()).map_err(|_| Errno(errno::ILSEQ))
    }
    /// The (ptr, len) pairs of an iovec array, each checked to lie in
    /// memory, so a call can fail with `EFAULT` before it reads or writes
    /// anything (a guest that retries must not see data consumed or written
    /// twice).
    pub(crate) fn iovecs(&self, ptr: u32, count: u32) -> WasiResult<Vec<(u32, u32)>> {
        let size = count.checked_mul(8).ok_or(Errno(errno::FAULT))?;
        self.range(ptr, size)?;
        let list = (0..count)
            .map(|i| Ok((self.read_u32(ptr + i * 8)?, self.read_u32(ptr + i * 8 + 4)?)))
            .collect::<WasiResult<Vec<_>>>()?;
        for &(buf, len) in &list {
            self.range(buf, len)?;
        }
        Ok(list)
    }
}

/// The shared state of a WASI instance.
pub struct WasiCtx {
    args: Vec<String>,
    env: Vec<String>,
    fds: Mutex<table::Table>,
    /// Stdin, stdout and stderr: the host's unless the embedder gave its own.
    streams: Mutex<stdio::Streams>,
}

impl WasiCtx {
    /// Builds the context: stdio on 0–2, then the preopened directories,
    /// then the TCP listeners. Listeners come after the directories because
    /// wasi-libc looks for preopened directories from 3 up and stops at the
    /// first descriptor that is not one.
    pub fn new(config: &WasiConfig) -> Result<Arc<WasiCtx>, String> {
        Self::from_config(config).map(Arc::new)
    }

    /// As [`WasiCtx::new`], unshared (a store's data holds it).
    pub(crate) fn from_config(config: &WasiConfig) -> Result<WasiCtx, String> {
        let mut fds = table::Table::default();
        fds.insert_at(0, fd::Entry::Stdin);
        fds.insert_at(1, fd::Entry::Stdout);
        fds.insert_at(2, fd::Entry::Stderr);
        let mut next = 3;
        for (host, guest) in &config.preopens {
            let dir = cap_std::fs::Dir::open_ambient_dir(host, cap_std::ambient_authority())
                .map_err(|e| format!("cannot preopen directory '{}': {e}", host.display()))?;
            fds.insert_at(
                next,
                fd::Entry::Dir(fd::DirEntry {
                    dir,
                    preopen: Some(guest.clone()),
                }),
            );
            next += 1;
        }
        for address in &config.tcp_listen {
            let listener = std::net::TcpListener::bind(address)
                .map_err(|e| {
                    format!(
                        "cannot listen on '{address}': {e}\nhint: choose a free port (or check the address belongs to this host)"
                    )
                })?;
            fds.insert_at(
                next,
                fd::Entry::Listener(sock::Listener {
                    inner: listener,
                    nonblocking: false,
                }),
            );
            next += 1;
        }
        Ok(WasiCtx {
            args: config.args.clone(),
            env: config.env.iter().map(|(k, v)| format!("{k}={v}")).collect(),
            fds: Mutex::new(fds),
            streams: Mutex::default(),
        })
    }
}

/// The WASI import module name.
pub const MODULE: &str = "wasi_snapshot_preview1";

/// Signature shorthand: `n` i32 parameters (and one i64 where `I` appears).
fn sig(params: &str) -> FuncType {
    let params = params
        .chars()
        .map(|c| match c {
            'I' => ValType::I64,
            _ => ValType::I32,
        })
        .collect();
    FuncType {
        params,
        results: vec![ValType::I32],
    }
}

/// Argument `i` as an unsigned 32-bit value.
pub(crate) fn u32_arg(args: &[Val], i: usize) -> u32 {
    match args.get(i) {
        Some(Val::I32(v)) => *v as u32,
        _ => 0,
    }
}

/// Argument `i` as a 64-bit value.
pub(crate) fn u64_arg(args: &[Val], i: usize) -> u64 {
    match args.get(i) {
        Some(Val::I64(v)) => *v as u64,
        Some(Val::I32(v)) => *v as u32 as u64,
        _ => 0,
    }
}

/// The body of a WASI function: context, memory, arguments.
type Body = fn(&WasiCtx, &mut Memory, &[Val]) -> WasiResult;

/// Where WASI functions find their context.
#[derive(Clone)]
pub(crate) enum WasiSource {
    /// One context shared by every caller ([`add_to_raw_linker`]).
    Shared(Arc<WasiCtx>),
    /// The calling store's, through the embedder's accessor
    /// ([`add_to_linker`]): `None` outside a call from such a store.
    Store(Arc<dyn Fn() -> Option<*const WasiCtx> + Send + Sync>),
}

impl WasiSource {
    /// The context for the call in progress.
    fn get(&self) -> Option<*const WasiCtx> {
        match self {
            WasiSource::Shared(ctx) => Some(Arc::as_ptr(ctx)),
            WasiSource::Store(get) => get(),
        }
    }
}

/// Defines one WASI function in `linker`.
fn define(linker: &mut Linker, ctx: &WasiSource, name: &str, params: &str, body: Body) {
    let ctx = ctx.clone();
    linker.func(MODULE, name, sig(params), move |caller, args| {
        let ctx = ctx.get().ok_or_else(|| {
            Trap::host("a WASI function was called outside the store that holds its context")
        })?;
        // SAFETY: a shared context lives in the Arc this closure holds; a
        // store's lives in the store's data, which the call into wasm now
        // in progress borrows exclusively and which nothing else touches
        // until this host call returns.
        let ctx = unsafe { &*ctx };
        let mut memory = Memory(caller.memory());
        let code = match body(ctx, &mut memory, args) {
            Ok(()) => errno::SUCCESS,
            Err(Errno(e)) => e,
        };
        Ok(vec![Val::I32(i32::from(code))])
    });
}

/// Writes a list of strings the way `args_get`/`environ_get` return them.
fn write_strings(memory: &mut Memory, list: &[String], ptrs: u32, buf: u32) -> WasiResult {
    // Hostile pointers near 4 GiB must give EFAULT, not an overflow.
    let fault = Errno(errno::FAULT);
    let mut at = buf;
    for (i, s) in list.iter().enumerate() {
        let slot = (i as u32)
            .checked_mul(4)
            .and_then(|o| ptrs.checked_add(o))
            .ok_or(fault)?;
        memory.u32(slot, at)?;
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(0);
        memory.write(at, &bytes)?;
        at = at.checked_add(bytes.len() as u32).ok_or(fault)?;
    }
    Ok(())
}

fn sizes(memory: &mut Memory, list: &[String], count: u32, size: u32) -> WasiResult {
    memory.u32(count, list.len() as u32)?;
    memory.u32(size, list.iter().map(|s| s.len() as u32 + 1).sum())
}

/// Nanoseconds on `clock`.
pub(crate) fn now(clock: u32) -> WasiResult<u64> {
    let id = match clock {
        0 => rustix::time::ClockId::Realtime,
        1 => rustix::time::ClockId::Monotonic,
        2 => rustix::time::ClockId::ProcessCPUTime,
        3 => rustix::time::ClockId::ThreadCPUTime,
        _ => return Err(Errno(errno::INVAL)),
    };
    let t = rustix::time::clock_gettime(id);
    Ok(t.tv_sec as u64 * 1_000_000_000 + t.tv_nsec as u64)
}

/// Adds every WASI function to the raw `linker` ([`crate::linker::Linker`]),
/// all sharing `ctx`. With the embedder's [`crate::Linker<T>`], use
/// [`add_to_linker`], which finds the context in each store's data.
pub fn add_to_raw_linker(linker: &mut Linker, ctx: &Arc<WasiCtx>) {
    add_all(linker, &WasiSource::Shared(ctx.clone()));
}

/// Adds every WASI function to `linker`, finding the context in `ctx`.
pub(crate) fn add_all(linker: &mut Linker, ctx: &WasiSource) {
    define(linker, ctx, "args_get", "ii", |c, m, a| {
        write_strings(m, &c.args, u32_arg(a, 0), u32_arg(a, 1))
    });
    define(linker, ctx, "args_sizes_get", "ii", |c, m, a| {
        sizes(m, &c.args, u32_arg(a, 0), u32_arg(a, 1))
    });
    define(linker, ctx, "environ_get", "ii", |c, m, a| {
        write_strings(m, &c.env, u32_arg(a, 0), u32_arg(a, 1))
    });
    define(linker, ctx, "environ_sizes_get", "ii", |c, m, a| {
        sizes(m, &c.env, u32_arg(a, 0), u32_arg(a, 1))
    });
    define(linker, ctx, "clock_res_get", "ii", |_, m, a| {
        now(u32_arg(a, 0))?;
        m.u64(u32_arg(a, 1), 1)
    });
    define(linker, ctx, "clock_time_get", "iIi", |_, m, a| {
        m.u64(u32_arg(a, 2), now(u32_arg(a, 0))?)
    });
    define(linker, ctx, "random_get", "ii", |_, m, a| {
        let buf = m.slice_mut(u32_arg(a, 0), u32_arg(a, 1))?;
        let mut filled = 0;
        while filled < buf.len() {
            filled +=
                rustix::rand::getrandom(&mut buf[filled..], rustix::rand::GetRandomFlags::empty())
                    .map_err(|_| Errno(errno::IO))?;
        }
        Ok(())
    });
    define(linker, ctx, "sched_yield", "", |_, _, _| {
        std::thread::yield_now();
        Ok(())
    });
    define(linker, ctx, "poll_oneoff", "iiii", poll::poll_oneoff);
    define(linker, ctx, "proc_raise", "i", |_, _, _| {
        Err(Errno(errno::NOSYS))
    });
    linker.func(
        MODULE,
        "proc_exit",
        FuncType {
            params: vec![ValType::I32],
            results: vec![],
        },
        |_, args| Err(Trap::exit(u32_arg(args, 0) as i32)),
    );
    fd::add(linker, ctx);
    path::add(linker, ctx);
    sock::add(linker, ctx);
}
