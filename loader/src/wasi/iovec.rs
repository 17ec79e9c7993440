//! Guest iovec arrays: every buffer is checked before a call reads or
//! writes anything, so a bad pointer gives `EFAULT` with no data written or
//! input consumed (a retrying guest never duplicates output); reads from
//! streams are one host read, as `readv`.

use super::{Errno, Memory, WasiResult, errno};

/// Reads into the iovecs at `iovs` (all checked first, so a bad one fails
/// with `EFAULT` before any input is consumed) from `read`, buffer by
/// buffer until one is not filled; returns the byte count. For files:
/// each further read returns at once. An error after some data has been
/// read ends the call with the count read so far: the data is in guest
/// memory and consumed, so reporting the error would lose it (the next
/// call sees the error again).
pub(crate) fn read_into(
    m: &mut Memory,
    iovs: u32,
    count: u32,
    mut read: impl FnMut(&mut [u8]) -> WasiResult<usize>,
) -> WasiResult<u32> {
    let mut total = 0u32;
    for (ptr, len) in m.iovecs(iovs, count)? {
        let got = match read(m.slice_mut(ptr, len)?) {
            Ok(got) => got,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total = total.saturating_add(got as u32);
        if got < len as usize {
            break;
        }
    }
    Ok(total)
}

/// At most this much is read from a stream (stdin, a socket) in one call.
const STREAM_READ_MAX: u64 = 1 << 20;

/// Reads into the iovecs at `iovs` (all checked first) with one call of
/// `read`, as `readv` does: on stdin or a socket a second read could block
/// although data has arrived. The data is scattered over the buffers in
/// order; at most [`STREAM_READ_MAX`] bytes are read.
pub(crate) fn read_stream(
    m: &mut Memory,
    iovs: u32,
    count: u32,
    read: impl FnOnce(&mut [u8]) -> WasiResult<usize>,
) -> WasiResult<u32> {
    let list = m.iovecs(iovs, count)?;
    let total: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    let mut data = vec![0u8; total.min(STREAM_READ_MAX) as usize];
    let got = read(&mut data)?.min(data.len());
    let mut rest = &data[..got];
    for (ptr, len) in list {
        if rest.is_empty() {
            break;
        }
        let n = rest.len().min(len as usize);
        m.write(ptr, &rest[..n])?;
        rest = &rest[n..];
    }
    Ok(got as u32)
}

/// The buffers of the iovecs at `iovs`, all checked before anything is
/// written; their total must fit the 32-bit count returned (`EINVAL`
/// otherwise, as `writev` does).
pub(crate) fn buffers<'m>(m: &'m Memory, iovs: u32, count: u32) -> WasiResult<Vec<&'m [u8]>> {
    let list = m.iovecs(iovs, count)?;
    let total: u64 = list.iter().map(|&(_, len)| u64::from(len)).sum();
    if total > u64::from(u32::MAX) {
        return Err(Errno(errno::INVAL));
    }
    list.into_iter()
        .map(|(ptr, len)| m.slice(ptr, len))
        .collect()
}

/// The byte count of `bufs` (it fits: see [`buffers`]).
pub(crate) fn total_len(bufs: &[&[u8]]) -> u32 {
    bufs.iter().map(|b| b.len() as u32).sum()
}

/// Sends `bufs` with one `sendmsg`; a socket may take part of them. With
/// `MSG_NOSIGNAL`, so a peer that has gone gives the guest `EPIPE` instead
/// of raising `SIGPIPE`, which would kill an embedder that does not ignore
/// it (`writev`, which `TcpStream::write_vectored` uses, raises it).
pub(crate) fn send_vectored(stream: &std::net::TcpStream, bufs: &[&[u8]]) -> WasiResult<usize> {
    use rustix::net::{SendAncillaryBuffer, SendFlags, sendmsg};
    let slices: Vec<std::io::IoSlice> = bufs.iter().map(|b| std::io::IoSlice::new(b)).collect();
    loop {
        let mut no_control = SendAncillaryBuffer::default();
        match sendmsg(stream, &slices, &mut no_control, SendFlags::NOSIGNAL) {
            Ok(sent) => return Ok(sent),
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
    }
}
