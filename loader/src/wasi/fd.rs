//! WASI descriptor functions: what a descriptor can be (stdio, files,
//! preopened and opened directories, TCP listeners and connections) and
//! every `fd_*` call of preview 1.

use super::iovec::{buffers, read_into, read_stream, send_vectored, total_len};
use super::stdio::{stdio_rights, stdio_stat};
use super::{Errno, Memory, WasiCtx, WasiResult, define, errno, u32_arg, u64_arg};
use crate::linker::Linker;
use crate::values::Val;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;

/// An open file and its `fdflags`.
pub(crate) struct FileEntry {
    pub(crate) file: std::fs::File,
    pub(crate) append: bool,
    /// `fdflags.nonblock`, kept and reported as Wasmtime does: reads and
    /// writes of regular files never wait for a peer, so it changes nothing.
    pub(crate) nonblocking: bool,
}

/// An open directory; `preopen` is its guest name if it was preopened.
pub(crate) struct DirEntry {
    pub(crate) dir: cap_std::fs::Dir,
    pub(crate) preopen: Option<String>,
}

/// One slot of the descriptor table.
pub(crate) enum Entry {
    Stdin,
    Stdout,
    Stderr,
    File(FileEntry),
    Dir(DirEntry),
    /// A listening socket preopened with `--tcplisten`.
    Listener(super::sock::Listener),
    /// A connection returned by `sock_accept`.
    Socket(super::sock::Stream),
}

/// WASI file types.
pub(crate) mod filetype {
    pub const UNKNOWN: u8 = 0;
    pub const CHARACTER_DEVICE: u8 = 2;
    pub const DIRECTORY: u8 = 3;
    pub const REGULAR_FILE: u8 = 4;
    pub const SOCKET_STREAM: u8 = 6;
    pub const SYMBOLIC_LINK: u8 = 7;
}

/// `fdflags.append` and `fdflags.nonblock` (the others, dsync, rsync and
/// sync, are refused: see [`fd_fdstat_set_flags`]).
const FD_APPEND: u16 = 1;
pub(crate) const FD_NONBLOCK: u16 = 4;

/// Bits of preview 1's `rights`.
pub(crate) mod rights {
    pub const FD_READ: u64 = 1 << 1;
    pub const FD_WRITE: u64 = 1 << 6;
    pub const POLL_FD_READWRITE: u64 = 1 << 27;
}

/// Every right, bit 0 (`fd_datasync`) to bit 29 (`sock_accept`): waot does
/// not narrow the rights of files, directories and sockets below what the
/// host allows.
pub(crate) const ALL_RIGHTS: u64 = (1 << 30) - 1;

/// A WASI `filestat`.
pub(crate) struct Stat {
    pub dev: u64,
    pub ino: u64,
    pub filetype: u8,
    pub nlink: u64,
    pub size: u64,
    pub atim: u64,
    pub mtim: u64,
    pub ctim: u64,
}

/// Builds a [`Stat`] from std or cap-std metadata (same method names).
macro_rules! stat_from {
    ($m:expr) => {{
        let m = $m;
        let t = m.file_type();
        let ns = |s: i64, n: i64| {
            (s as u64)
                .wrapping_mul(1_000_000_000)
                .wrapping_add(n as u64)
        };
        crate::wasi::fd::Stat {
            dev: m.dev(),
            ino: m.ino(),
            filetype: if t.is_dir() {
                crate::wasi::fd::filetype::DIRECTORY
            } else if t.is_file() {
                crate::wasi::fd::filetype::REGULAR_FILE
            } else if t.is_symlink() {
                crate::wasi::fd::filetype::SYMBOLIC_LINK
            } else {
                crate::wasi::fd::filetype::UNKNOWN
            },
            nlink: m.nlink(),
            size: m.size(),
            atim: ns(m.atime(), m.atime_nsec()),
            mtim: ns(m.mtime(), m.mtime_nsec()),
            ctim: ns(m.ctime(), m.ctime_nsec()),
        }
    }};
}
pub(crate) use stat_from;

impl Stat {
    pub(crate) fn write(&self, m: &mut Memory, ptr: u32) -> WasiResult {
        m.write(ptr, &[0u8; 64])?;
        m.u64(ptr, self.dev)?;
        m.u64(ptr + 8, self.ino)?;
        m.u8(ptr + 16, self.filetype)?;
        m.u64(ptr + 24, self.nlink)?;
        m.u64(ptr + 32, self.size)?;
        m.u64(ptr + 40, self.atim)?;
        m.u64(ptr + 48, self.mtim)?;
        m.u64(ptr + 56, self.ctim)
    }
}

/// Runs `f` on descriptor `fd`.
pub(crate) fn with_entry<T>(
    c: &WasiCtx,
    fd: u32,
    f: impl FnOnce(&mut Entry) -> WasiResult<T>,
) -> WasiResult<T> {
    let mut fds = c.fds.lock().unwrap_or_else(|e| e.into_inner());
    f(fds.get_mut(fd)?)
}

/// Runs `f` on the file open as `fd` (directories give `EISDIR`, stdio
/// `ESPIPE`-like errors where a file is required).
fn with_file<T>(
    c: &WasiCtx,
    fd: u32,
    f: impl FnOnce(&mut FileEntry) -> WasiResult<T>,
) -> WasiResult<T> {
    with_entry(c, fd, |e| match e {
        Entry::File(file) => f(file),
        Entry::Dir(_) => Err(Errno(errno::ISDIR)),
        _ => Err(Errno(errno::SPIPE)),
    })
}

/// Adds `entry` to the table under the next number (see `table.rs`).
pub(crate) fn insert(c: &WasiCtx, entry: Entry) -> WasiResult<u32> {
    c.fds
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(entry)
}

fn fd_read(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, n, out) = (u32_arg(a, 0), u32_arg(a, 1), u32_arg(a, 2), u32_arg(a, 3));
    m.range(out, 4)?;
    let is_stream = with_entry(c, fd, |e| Ok(matches!(e, Entry::Stdin | Entry::Socket(_))))?;
    let read = |buf: &mut [u8]| {
        with_entry(c, fd, |e| match e {
            Entry::Stdin => c.read_stdin(buf),
            Entry::File(f) => Ok(f.file.read(buf)?),
            Entry::Socket(s) => Ok(s.inner.read(buf)?),
            Entry::Dir(_) => Err(Errno(errno::ISDIR)),
            _ => Err(Errno(errno::BADF)),
        })
    };
    let total = if is_stream {
        read_stream(m, iovs, n, read)?
    } else {
        read_into(m, iovs, n, read)?
    };
    m.u32(out, total)
}

fn fd_write(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, n, out) = (u32_arg(a, 0), u32_arg(a, 1), u32_arg(a, 2), u32_arg(a, 3));
    m.range(out, 4)?;
    let bufs = buffers(m, iovs, n)?;
    let written = with_entry(c, fd, |e| match e {
        Entry::Stdout | Entry::Stderr => {
            c.write_stdio(matches!(e, Entry::Stderr), &bufs)?;
            Ok(total_len(&bufs))
        }
        Entry::File(f) => {
            if f.append {
                f.file.seek(SeekFrom::End(0))?;
            }
            for b in &bufs {
                f.file.write_all(b)?;
            }
            Ok(total_len(&bufs))
        }
        // A socket may take part of the data (non-blocking mode): report
        // what it took, as `send` does.
        Entry::Socket(s) => Ok(send_vectored(&s.inner, &bufs)? as u32),
        Entry::Dir(_) => Err(Errno(errno::ISDIR)),
        Entry::Stdin | Entry::Listener(_) => Err(Errno(errno::BADF)),
    })?;
    m.u32(out, written)
}

fn fd_pread(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, n, mut offset, out) = (
        u32_arg(a, 0),
        u32_arg(a, 1),
        u32_arg(a, 2),
        u64_arg(a, 3),
        u32_arg(a, 4),
    );
    m.range(out, 4)?;
    let total = read_into(m, iovs, n, |buf| {
        let got = with_file(c, fd, |f| Ok(f.file.read_at(buf, offset)?))?;
        offset = offset.saturating_add(got as u64);
        Ok(got)
    })?;
    m.u32(out, total)
}

fn fd_pwrite(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, iovs, n, offset, out) = (
        u32_arg(a, 0),
        u32_arg(a, 1),
        u32_arg(a, 2),
        u64_arg(a, 3),
        u32_arg(a, 4),
    );
    m.range(out, 4)?;
    let bufs = buffers(m, iovs, n)?;
    let written = with_file(c, fd, |f| {
        let mut at = offset;
        for b in &bufs {
            f.file.write_all_at(b, at)?;
            at = at.saturating_add(b.len() as u64);
        }
        Ok(total_len(&bufs))
    })?;
    m.u32(out, written)
}

fn fd_seek(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (fd, offset, whence, out) = (
        u32_arg(a, 0),
        u64_arg(a, 1) as i64,
        u32_arg(a, 2),
        u32_arg(a, 3),
    );
    let pos = match whence {
        0 => SeekFrom::Start(u64::try_from(offset).map_err(|_| Errno(errno::INVAL))?),
        1 => SeekFrom::Current(offset),
        2 => SeekFrom::End(offset),
        _ => return Err(Errno(errno::INVAL)),
    };
    let new = with_file(c, fd, |f| Ok(f.file.seek(pos)?))?;
    m.u64(out, new)
}

fn fd_tell(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let pos = with_file(c, u32_arg(a, 0), |f| Ok(f.file.stream_position()?))?;
    m.u64(u32_arg(a, 1), pos)
}

fn fd_fdstat_get(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (kind, flags, rights) = with_entry(c, u32_arg(a, 0), |e| {
        Ok(match e {
            Entry::Stdin | Entry::Stdout | Entry::Stderr => {
                (c.stdio_filetype(e), 0u16, stdio_rights(e))
            }
            Entry::File(f) => (
                filetype::REGULAR_FILE,
                (if f.append { FD_APPEND } else { 0 })
                    | (if f.nonblocking { FD_NONBLOCK } else { 0 }),
                ALL_RIGHTS,
            ),
            Entry::Dir(_) => (filetype::DIRECTORY, 0, ALL_RIGHTS),
            Entry::Listener(_) | Entry::Socket(_) => (
                filetype::SOCKET_STREAM,
                if super::sock::is_nonblocking(e)? {
                    FD_NONBLOCK
                } else {
                    0
                },
                ALL_RIGHTS,
            ),
        })
    })?;
    let ptr = u32_arg(a, 1);
    m.write(ptr, &[0u8; 24])?;
    m.u8(ptr, kind)?;
    m.u16(ptr + 2, flags)?;
    m.u64(ptr + 8, rights)?;
    m.u64(ptr + 16, rights)
}

/// `fd_fdstat_set_flags`, as in Wasmtime: the synchronized-I/O flags (and
/// bits preview 1 does not define) give `EINVAL` on any descriptor. Files
/// take `append` and `nonblock`; sockets `nonblock`. Flags a descriptor
/// cannot take give `ENOTSUP` instead of being ignored: `append` on a
/// socket, and anything on stdio (changing the host's stdio would change it
/// for every process sharing it, such as the calling shell) or a directory.
fn fd_fdstat_set_flags(c: &WasiCtx, _: &mut Memory, a: &[Val]) -> WasiResult {
    let flags = u32_arg(a, 1);
    with_entry(c, u32_arg(a, 0), |e| {
        let flags = u16::try_from(flags).map_err(|_| Errno(errno::INVAL))?;
        if flags & !(FD_APPEND | FD_NONBLOCK) != 0 {
            return Err(Errno(errno::INVAL));
        }
        match e {
            Entry::File(f) => {
                f.append = flags & FD_APPEND != 0;
                f.nonblocking = flags & FD_NONBLOCK != 0;
                Ok(())
            }
            Entry::Listener(_) | Entry::Socket(_) if flags & FD_APPEND == 0 => {
                super::sock::set_nonblocking(e, flags & FD_NONBLOCK != 0)
            }
            // Stdio is blocking and not in append mode, directories have
            // no flags: setting none is a no-op.
            Entry::Stdin | Entry::Stdout | Entry::Stderr | Entry::Dir(_) if flags == 0 => Ok(()),
            _ => Err(Errno(errno::NOTSUP)),
        }
    })
}

fn fd_filestat_get(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    use std::os::unix::fs::MetadataExt;
    let stat = with_entry(c, u32_arg(a, 0), |e| {
        Ok(match e {
            Entry::File(f) => stat_from!(f.file.metadata()?),
            Entry::Dir(d) => {
                use cap_std::fs::MetadataExt;
                stat_from!(d.dir.dir_metadata()?)
            }
            Entry::Listener(_) | Entry::Socket(_) => stdio_stat(filetype::SOCKET_STREAM),
            _ => stdio_stat(c.stdio_filetype(e)),
        })
    })?;
    stat.write(m, u32_arg(a, 1))
}

/// The time to set for one of `fd/path_filestat_set_times`' fields.
pub(crate) fn time_spec(
    time: u64,
    flags: u32,
    set: u32,
    now: u32,
) -> WasiResult<Option<cap_fs_ext::SystemTimeSpec>> {
    if flags & set != 0 && flags & now != 0 {
        return Err(Errno(errno::INVAL));
    }
    Ok(if flags & now != 0 {
        Some(cap_fs_ext::SystemTimeSpec::SymbolicNow)
    } else if flags & set != 0 {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_nanos(time);
        Some(cap_fs_ext::SystemTimeSpec::Absolute(
            cap_std::time::SystemTime::from_std(t),
        ))
    } else {
        None
    })
}

fn fd_filestat_set_times(c: &WasiCtx, _: &mut Memory, a: &[Val]) -> WasiResult {
    let flags = u32_arg(a, 3);
    let atime = time_spec(u64_arg(a, 1), flags, 1, 2)?;
    let mtime = time_spec(u64_arg(a, 2), flags, 4, 8)?;
    with_entry(c, u32_arg(a, 0), |e| match e {
        Entry::File(f) => {
            let resolve = |spec: Option<cap_fs_ext::SystemTimeSpec>| match spec {
                Some(cap_fs_ext::SystemTimeSpec::SymbolicNow) => Some(std::time::SystemTime::now()),
                Some(cap_fs_ext::SystemTimeSpec::Absolute(t)) => Some(t.into_std()),
                None => None,
            };
            let mut times = std::fs::FileTimes::new();
            if let Some(t) = resolve(atime) {
                times = times.set_accessed(t);
            }
            if let Some(t) = resolve(mtime) {
                times = times.set_modified(t);
            }
            Ok(f.file.set_times(times)?)
        }
        Entry::Dir(d) => Ok(cap_fs_ext::DirExt::set_times(&d.dir, ".", atime, mtime)?),
        _ => Err(Errno(errno::BADF)),
    })
}

fn fd_readdir(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    use cap_std::fs::MetadataExt;
    let (fd, buf, len, cookie, out) = (
        u32_arg(a, 0),
        u32_arg(a, 1),
        u32_arg(a, 2),
        u64_arg(a, 3),
        u32_arg(a, 4),
    );
    // Entries in a stable order (".", "..", then by name), so a cookie is an
    // index that stays valid across calls.
    let entries = with_entry(c, fd, |e| {
        let Entry::Dir(d) = e else {
            return Err(Errno(errno::NOTDIR));
        };
        // ".." gets the directory's own inode number, as in Wasmtime: an
        // inode of 0 makes wasi-libc's readdir stat the entry, and ".." of
        // an opened directory cannot be stat'ed from inside the sandbox, so
        // readdir (and scandir, yosys's temp-dir cleanup) failed.
        let own = d.dir.dir_metadata()?;
        let mut list = vec![
            (".".to_string(), own.ino(), filetype::DIRECTORY),
            ("..".to_string(), own.ino(), filetype::DIRECTORY),
        ];
        let mut named = Vec::new();
        for entry in d.dir.entries()? {
            let entry = entry?;
            let t = entry.file_type()?;
            let kind = if t.is_dir() {
                filetype::DIRECTORY
            } else if t.is_file() {
                filetype::REGULAR_FILE
            } else if t.is_symlink() {
                filetype::SYMBOLIC_LINK
            } else {
                filetype::UNKNOWN
            };
            let ino = entry.metadata()?.ino();
            named.push((entry.file_name().to_string_lossy().into_owned(), ino, kind));
        }
        named.sort();
        list.extend(named);
        Ok(list)
    })?;
    let mut bytes = Vec::new();
    for (i, (name, ino, kind)) in entries.iter().enumerate().skip(cookie as usize) {
        let mut header = [0u8; 24];
        header[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        header[8..16].copy_from_slice(&ino.to_le_bytes());
        header[16..20].copy_from_slice(&(name.len() as u32).to_le_bytes());
        header[20] = *kind;
        bytes.extend_from_slice(&header);
        bytes.extend_from_slice(name.as_bytes());
        if bytes.len() >= len as usize {
            break;
        }
    }
    let used = bytes.len().min(len as usize);
    m.write(buf, &bytes[..used])?;
    m.u32(out, used as u32)
}

fn fd_prestat_get(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let name_len = with_entry(c, u32_arg(a, 0), |e| match e {
        Entry::Dir(DirEntry {
            preopen: Some(name),
            ..
        }) => Ok(name.len() as u32),
        _ => Err(Errno(errno::BADF)),
    })?;
    let ptr = u32_arg(a, 1);
    m.write(ptr, &[0u8; 8])?;
    m.u32(ptr + 4, name_len)
}

fn fd_prestat_dir_name(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let name = with_entry(c, u32_arg(a, 0), |e| match e {
        Entry::Dir(DirEntry {
            preopen: Some(name),
            ..
        }) => Ok(name.clone()),
        _ => Err(Errno(errno::BADF)),
    })?;
    let len = u32_arg(a, 2) as usize;
    if len < name.len() {
        return Err(Errno(errno::NAMETOOLONG));
    }
    m.write(u32_arg(a, 1), name.as_bytes())
}

/// Adds the `fd_*` functions.
pub(crate) fn add(linker: &mut Linker, ctx: &super::WasiSource) {
    define(linker, ctx, "fd_read", "iiii", fd_read);
    define(linker, ctx, "fd_write", "iiii", fd_write);
    define(linker, ctx, "fd_pread", "iiiIi", fd_pread);
    define(linker, ctx, "fd_pwrite", "iiiIi", fd_pwrite);
    define(linker, ctx, "fd_seek", "iIii", fd_seek);
    define(linker, ctx, "fd_tell", "ii", fd_tell);
    define(linker, ctx, "fd_close", "i", |c, _, a| {
        let mut fds = c.fds.lock().unwrap_or_else(|e| e.into_inner());
        fds.remove(u32_arg(a, 0)).map(drop)
    });
    define(linker, ctx, "fd_sync", "i", |c, _, a| {
        with_file(c, u32_arg(a, 0), |f| Ok(f.file.sync_all()?))
    });
    define(linker, ctx, "fd_datasync", "i", |c, _, a| {
        with_file(c, u32_arg(a, 0), |f| Ok(f.file.sync_data()?))
    });
    define(linker, ctx, "fd_advise", "iIIi", |c, _, a| {
        with_entry(c, u32_arg(a, 0), |_| Ok(()))
    });
    define(linker, ctx, "fd_allocate", "iII", |c, _, a| {
        let end = u64_arg(a, 1)
            .checked_add(u64_arg(a, 2))
            .ok_or(Errno(errno::FBIG))?;
        with_file(c, u32_arg(a, 0), |f| {
            if f.file.metadata()?.len() < end {
                f.file.set_len(end)?;
            }
            Ok(())
        })
    });
    define(linker, ctx, "fd_fdstat_get", "ii", fd_fdstat_get);
    define(
        linker,
        ctx,
        "fd_fdstat_set_flags",
        "ii",
        fd_fdstat_set_flags,
    );
    define(linker, ctx, "fd_fdstat_set_rights", "iII", |c, _, a| {
        with_entry(c, u32_arg(a, 0), |_| Ok(()))
    });
    define(linker, ctx, "fd_filestat_get", "ii", fd_filestat_get);
    define(linker, ctx, "fd_filestat_set_size", "iI", |c, _, a| {
        with_file(c, u32_arg(a, 0), |f| Ok(f.file.set_len(u64_arg(a, 1))?))
    });
    define(
        linker,
        ctx,
        "fd_filestat_set_times",
        "iIIi",
        fd_filestat_set_times,
    );
    define(linker, ctx, "fd_readdir", "iiiIi", fd_readdir);
    define(linker, ctx, "fd_renumber", "ii", |c, _, a| {
        let mut fds = c.fds.lock().unwrap_or_else(|e| e.into_inner());
        fds.renumber(u32_arg(a, 0), u32_arg(a, 1))
    });
    define(linker, ctx, "fd_prestat_get", "ii", fd_prestat_get);
    define(
        linker,
        ctx,
        "fd_prestat_dir_name",
        "iii",
        fd_prestat_dir_name,
    );
}
