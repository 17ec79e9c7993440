//! WASI socket functions: `sock_accept`, `sock_recv`, `sock_send` and
//! `sock_shutdown`, on TCP listeners preopened with `--tcplisten` and on the
//! connections accepted from them. Preview 1 cannot create sockets, so
//! these are the only ones a guest can have. Any other open descriptor gives
//! `ENOTSOCK`, a closed one `EBADF`.

use super::fd::{Entry, FD_NONBLOCK, insert, with_entry};
use super::iovec::{buffers, read_into, read_stream, send_vectored};
use super::{Errno, Memory, WasiCtx, WasiResult, define, errno, u32_arg};
use crate::linker::Linker;
use crate::values::Val;
use std::io::Read;
use std::net::{Shutdown, TcpListener, TcpStream};

/// A listening socket and whether it is in non-blocking mode.
pub(crate) struct Listener {
    pub(crate) inner: TcpListener,
    pub(crate) nonblocking: bool,
}

/// An accepted connection and whether it is in non-blocking mode.
pub(crate) struct Stream {
    pub(crate) inner: TcpStream,
    pub(crate) nonblocking: bool,
}

/// `riflags`.
const RECV_PEEK: u16 = 1;
const RECV_WAITALL: u16 = 2;
/// `sdflags`.
const SHUT_RD: u32 = 1;
const SHUT_WR: u32 = 2;

/// Whether the socket `e` is non-blocking (`fd_fdstat_get`).
pub(crate) fn is_nonblocking(e: &Entry) -> WasiResult<bool> {
    match e {
        Entry::Listener(l) => Ok(l.nonblocking),
        Entry::Socket(s) => Ok(s.nonblocking),
        _ => Err(Errno(errno::NOTSOCK)),
    }
}

/// Switches the socket `e` between blocking and non-blocking mode
/// (`fd_fdstat_set_flags` with or without `fdflags.nonblock`).
pub(crate) fn set_nonblocking(e: &mut Entry, on: bool) -> WasiResult {
    match e {
        Entry::Listener(l) => {
            l.inner.set_nonblocking(on)?;
            l.nonblocking = on;
        }
        Entry::Socket(s) => {
            s.inner.set_nonblocking(on)?;
            s.nonblocking = on;
        }
        _ => return Err(Errno(errno::NOTSOCK)),
    }
    Ok(())
}

/// Runs `f` on the connection open as `fd`: a listener gives `ENOTCONN`,
/// anything else that is open `ENOTSOCK`.
fn with_stream<T>(
    c: &WasiCtx,
    fd: u32,
    f: impl FnOnce(&mut Stream) -> WasiResult<T>,
) -> WasiResult<T> {
    with_entry(c, fd, |e| match e {
        Entry::Socket(s) => f(s),
        Entry::Listener(_) => Err(Errno(errno::NOTCONN)),
        _ => Err(Errno(errno::NOTSOCK)),
    })
}

fn sock_accept(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, flags, out) = (u32_arg(a, 0), u32_arg(a, 1), u32_arg(a, 2));
    m.range(out, 4)?;
    if flags & !u32::from(FD_NONBLOCK) != 0 {
        return Err(Errno(errno::INVAL));
    }
    let nonblocking = flags & u32::from(FD_NONBLOCK) != 0;
    let stream = with_entry(c, fd, |e| match e {
        Entry::Listener(l) => Ok(l.inner.accept()?.0),
        Entry::Socket(_) => Err(Errno(errno::INVAL)),
        _ => Err(Errno(errno::NOTSOCK)),
    })?;
    stream.set_nonblocking(nonblocking)?;
    let new = insert(
        c,
        Entry::Socket(Stream {
            inner: stream,
            nonblocking,
        }),
    )?;
    m.u32(out, new)
}

fn sock_recv(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, count, flags, out_len, out_flags) = (
        u32_arg(a, 0),
        u32_arg(a, 1),
        u32_arg(a, 2),
        u32_arg(a, 3) as u16,
        u32_arg(a, 4),
        u32_arg(a, 5),
    );
    m.range(out_len, 4)?;
    m.range(out_flags, 2)?;
    if flags & !(RECV_PEEK | RECV_WAITALL) != 0 {
        return Err(Errno(errno::INVAL));
    }
    let total = if flags & RECV_PEEK != 0 {
        // Peek into the first non-empty buffer only: later ones would see
        // the same bytes again.
        let first = m.iovecs(iovs, count)?.into_iter().find(|&(_, len)| len > 0);
        match first {
            Some((ptr, len)) => {
                let buf = m.slice_mut(ptr, len)?;
                with_stream(c, fd, |s| Ok(s.inner.peek(buf)?))? as u32
            }
            None => with_stream(c, fd, |_| Ok(0))?,
        }
    } else if flags & RECV_WAITALL != 0 {
        // Fill every buffer; an error (`EAGAIN` on a non-blocking socket, a
        // reset) after some data ends the call with that data, as
        // `recv(MSG_WAITALL)` does: the bytes are consumed already.
        read_into(m, iovs, count, |buf| {
            with_stream(c, fd, |s| {
                let mut filled = 0;
                while filled < buf.len() {
                    match s.inner.read(&mut buf[filled..]) {
                        Ok(0) => break,
                        Ok(n) => filled += n,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(_) if filled > 0 => break,
                        Err(e) => return Err(e.into()),
                    }
                }
                Ok(filled)
            })
        })?
    } else {
        read_stream(m, iovs, count, |buf| {
            with_stream(c, fd, |s| Ok(s.inner.read(buf)?))
        })?
    };
    m.u32(out_len, total)?;
    m.u16(out_flags, 0)
}

fn sock_send(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, count, flags, out) = (
        u32_arg(a, 0),
        u32_arg(a, 1),
        u32_arg(a, 2),
        u32_arg(a, 3),
        u32_arg(a, 4),
    );
    m.range(out, 4)?;
    if flags != 0 {
        return Err(Errno(errno::INVAL));
    }
    let bufs = buffers(m, iovs, count)?;
    let sent = with_stream(c, fd, |s| send_vectored(&s.inner, &bufs))?;
    m.u32(out, sent as u32)
}

fn sock_shutdown(c: &WasiCtx, _: &mut Memory, a: &[Val]) -> WasiResult {
    let how = match u32_arg(a, 1) {
        SHUT_RD => Shutdown::Read,
        SHUT_WR => Shutdown::Write,
        x if x == SHUT_RD | SHUT_WR => Shutdown::Both,
        _ => return Err(Errno(errno::INVAL)),
    };
    with_stream(c, u32_arg(a, 0), |s| Ok(s.inner.shutdown(how)?))
}

/// Adds the `sock_*` functions.
pub(crate) fn add(linker: &mut Linker, ctx: &super::WasiSource) {
    define(linker, ctx, "sock_accept", "iii", sock_accept);
    define(linker, ctx, "sock_recv", "iiiiii", sock_recv);
    define(linker, ctx, "sock_send", "iiiii", sock_send);
    define(linker, ctx, "sock_shutdown", "ii", sock_shutdown);
}
