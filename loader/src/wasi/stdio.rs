//! Stdio descriptors: how `fd_fdstat_get` and `fd_filestat_get` describe
//! them (a terminal or not, with read or write rights, as Wasmtime does)
//! and how stdin is read (unbuffered, so `poll_oneoff` sees pending input).

use super::WasiResult;
use super::fd::{Entry, Stat, filetype, rights};

/// The file type of a stdio entry, as Wasmtime reports it: a character
/// device only when the host descriptor is a terminal, else unknown.
/// wasi-libc's `isatty` is true only for a character device without the
/// seek and tell rights, so this (and [`stdio_rights`]) decides whether a
/// guest sees a terminal (line-buffered output, interactive prompts).
pub(crate) fn stdio_filetype(e: &Entry) -> u8 {
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
pub(crate) fn read_stdin(buf: &mut [u8]) -> WasiResult<usize> {
    use std::os::fd::AsFd;
    match rustix::io::read(std::io::stdin().as_fd(), buf) {
        Ok(n) => Ok(n),
        Err(rustix::io::Errno::BADF) => Ok(0),
        Err(e) => Err(std::io::Error::from(e).into()),
    }
}
