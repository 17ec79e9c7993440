//! Stdio descriptors: the host process's streams or the embedder's own
//! ([`Streams`]), how `fd_fdstat_get` and `fd_filestat_get` describe them (a
//! terminal or not, with read or write rights, as Wasmtime does) and how the
//! host's stdin is read (unbuffered, so `poll_oneoff` sees pending input).

use super::fd::{Entry, Stat, filetype, rights};
use super::{WasiCtx, WasiResult};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};

/// The guest's standard streams where the embedder gives it its own
/// (`WasiCtxBuilder::stdin`, `stdout`, `stderr`); `None`: the host
/// process's. Descriptors 0–2 name them wherever `fd_renumber` moves them.
#[derive(Default)]
pub(crate) struct Streams {
    pub stdin: Option<Box<dyn Read + Send>>,
    pub stdout: Option<Box<dyn Write + Send>>,
    pub stderr: Option<Box<dyn Write + Send>>,
}

impl std::fmt::Debug for Streams {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let own = |custom: bool| {
            if custom {
                "the embedder's"
            } else {
                "the host's"
            }
        };
        f.debug_struct("Streams")
            .field("stdin", &own(self.stdin.is_some()))
            .field("stdout", &own(self.stdout.is_some()))
            .field("stderr", &own(self.stderr.is_some()))
            .finish()
    }
}

/// An output stream the host reads back: what a guest writes to it (as
/// its stdout or stderr) collects in memory; clones share the bytes
/// (Wasmtime's `MemoryOutputPipe`).
#[derive(Clone, Debug, Default)]
pub struct OutputPipe(Arc<Mutex<Vec<u8>>>);

impl OutputPipe {
    /// An empty pipe.
    pub fn new() -> OutputPipe {
        OutputPipe::default()
    }

    /// Everything written so far.
    pub fn contents(&self) -> Vec<u8> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Write for OutputPipe {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl WasiCtx {
    fn streams(&self) -> std::sync::MutexGuard<'_, Streams> {
        self.streams.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether stdin is the embedder's (always ready to poll).
    pub(crate) fn own_stdin(&self) -> bool {
        self.streams().stdin.is_some()
    }

    /// Reads the guest's stdin.
    pub(crate) fn read_stdin(&self, buf: &mut [u8]) -> WasiResult<usize> {
        match &mut self.streams().stdin {
            Some(stream) => Ok(stream.read(buf)?),
            None => read_host_stdin(buf),
        }
    }

    /// Writes all of `bufs` to the guest's stdout (`stderr` false) or
    /// stderr; the host's stdout is flushed after each write.
    pub(crate) fn write_stdio(&self, stderr: bool, bufs: &[&[u8]]) -> WasiResult<()> {
        let mut streams = self.streams();
        let own = if stderr {
            &mut streams.stderr
        } else {
            &mut streams.stdout
        };
        match own {
            Some(stream) => {
                for b in bufs {
                    stream.write_all(b)?;
                }
            }
            None if stderr => {
                let mut err = std::io::stderr().lock();
                for b in bufs {
                    err.write_all(b)?;
                }
            }
            None => {
                let mut out = std::io::stdout().lock();
                for b in bufs {
                    out.write_all(b)?;
                }
                out.flush()?;
            }
        }
        Ok(())
    }

    /// The file type of a stdio entry: see [`stdio_filetype`]; the
    /// embedder's streams are never terminals.
    pub(crate) fn stdio_filetype(&self, e: &Entry) -> u8 {
        let streams = self.streams();
        let own = match e {
            Entry::Stdin => streams.stdin.is_some(),
            Entry::Stdout => streams.stdout.is_some(),
            _ => streams.stderr.is_some(),
        };
        if own {
            filetype::UNKNOWN
        } else {
            stdio_filetype(e)
        }
    }
}

/// The file type of a stdio entry, as Wasmtime reports it: a character
/// device only when the host descriptor is a terminal, else unknown.
/// wasi-libc's `isatty` is true only for a character device without the
/// seek and tell rights, so this (and [`stdio_rights`]) decides whether a
/// guest sees a terminal (line-buffered output, interactive prompts).
fn stdio_filetype(e: &Entry) -> u8 {
    let terminal = match e {
        Entry::Stdin => rustix::termios::isatty(std::io::stdin()),
        Entry::Stdout => rustix::termios::isatty(std::io::stdout()),
        Entry::Stderr => rustix::termios::isatty(std::io::stderr()),
        _ => false,
    };
    if terminal {
        filetype::CHARACTER_DEVICE
    } else {
        filetype::UNKNOWN
    }
}

/// The rights of a stdio entry: read or write, and poll; never seek or tell.
pub(crate) fn stdio_rights(e: &Entry) -> u64 {
    let transfer = match e {
        Entry::Stdin => rights::FD_READ,
        _ => rights::FD_WRITE,
    };
    transfer | rights::POLL_FD_READWRITE
}

pub(crate) fn stdio_stat(filetype: u8) -> Stat {
    Stat {
        dev: 0,
        ino: 0,
        filetype,
        nlink: 1,
        size: 0,
        atim: 0,
        mtim: 0,
        ctim: 0,
    }
}

/// Reads from the host's descriptor 0 directly: std's `Stdin` would keep
/// input in its buffer, where `poll_oneoff` (which polls descriptor 0)
/// cannot see it. A closed stdin reads as end of input, as in std.
fn read_host_stdin(buf: &mut [u8]) -> WasiResult<usize> {
    use std::os::fd::AsFd;
    match rustix::io::read(std::io::stdin().as_fd(), buf) {
        Ok(n) => Ok(n),
        Err(rustix::io::Errno::BADF) => Ok(0),
        Err(e) => Err(std::io::Error::from(e).into()),
    }
}
