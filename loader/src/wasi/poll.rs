//! `poll_oneoff`: clock subscriptions time out, read/write subscriptions
//! on sockets and stdin wait for the host descriptor (through the host's
//! `poll`, as Wasmtime waits for stdin), and those on files, directories,
//! stdout and stderr are reported ready at once, as on POSIX. A signal that
//! interrupts the wait does not end it early: it resumes with the time left.

use super::fd::Entry;
use super::{Errno, Memory, WasiCtx, WasiResult, errno, now, u32_arg};
use crate::values::Val;
use std::os::fd::AsFd;
use std::time::{Duration, Instant};

/// `eventtype`.
const CLOCK: u8 = 0;
const FD_READ: u8 = 1;
const FD_WRITE: u8 = 2;
/// `subclockflags.subscription_clock_abstime`.
const ABSTIME: u16 = 1;
/// `eventrwflags.fd_readwrite_hangup`.
const HANGUP: u16 = 1;
/// Sizes of `subscription` and `event`.
const SUBSCRIPTION_SIZE: u32 = 48;
const EVENT_SIZE: u32 = 32;

/// One event to report.
struct Event {
    userdata: u64,
    error: u16,
    kind: u8,
    flags: u16,
}

/// A read/write subscription on a socket or stdin, waited for with the
/// host's poll.
struct HostWait {
    userdata: u64,
    kind: u8,
    /// A duplicate of the host descriptor, so the wait does not depend
    /// on the descriptor table staying as it was.
    fd: std::os::fd::OwnedFd,
}

pub(crate) fn poll_oneoff(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (subs, events, count, nevents) =
        (u32_arg(a, 0), u32_arg(a, 1), u32_arg(a, 2), u32_arg(a, 3));
    if count == 0 {
        return Err(Errno(errno::INVAL));
    }
    m.range(
        subs,
        count
            .checked_mul(SUBSCRIPTION_SIZE)
            .ok_or(Errno(errno::FAULT))?,
    )?;
    m.range(
        events,
        count.checked_mul(EVENT_SIZE).ok_or(Errno(errno::FAULT))?,
    )?;
    m.range(nevents, 4)?;
    let mut ready = Vec::new();
    let mut waits = Vec::new();
    let mut earliest: Option<(u64, u64)> = None;
    for i in 0..count {
        let s = subs + i * SUBSCRIPTION_SIZE;
        let userdata = m.read_u64(s)?;
        let kind = m.slice(s + 8, 1)?[0];
        match kind {
            CLOCK => {
                let clock = m.read_u32(s + 16)?;
                let timeout = m.read_u64(s + 24)?;
                let flags = m.read_u16(s + 40)?;
                let now_ns = now(clock)?;
                let wait = if flags & ABSTIME != 0 {
                    timeout.saturating_sub(now_ns)
                } else {
                    timeout
                };
                if earliest.is_none_or(|(w, _)| wait < w) {
                    earliest = Some((wait, userdata));
                }
            }
            FD_READ | FD_WRITE => {
                let fd = m.read_u32(s + 16)?;
                let fds = c.fds.lock().unwrap_or_else(|e| e.into_inner());
                let duplicate = match fds.get(fd) {
                    None => {
                        ready.push(Event {
                            userdata,
                            error: errno::BADF,
                            kind,
                            flags: 0,
                        });
                        continue;
                    }
                    Some(Entry::Listener(l)) => l.inner.as_fd().try_clone_to_owned(),
                    Some(Entry::Socket(s)) => s.inner.as_fd().try_clone_to_owned(),
                    Some(Entry::Stdin) if !c.own_stdin() => {
                        std::io::stdin().as_fd().try_clone_to_owned()
                    }
                    Some(_) => {
                        ready.push(Event {
                            userdata,
                            error: errno::SUCCESS,
                            kind,
                            flags: 0,
                        });
                        continue;
                    }
                };
                waits.push(HostWait {
                    userdata,
                    kind,
                    fd: duplicate?,
                });
            }
            _ => return Err(Errno(errno::INVAL)),
        }
    }
    if !waits.is_empty() {
        // Wait only if nothing is ready yet, and no longer than the earliest
        // clock subscription.
        let timeout = if !ready.is_empty() {
            Some(Duration::ZERO)
        } else {
            earliest.map(|(wait, _)| Duration::from_nanos(wait))
        };
        let mut polled = poll_host(&waits, timeout)?;
        ready.append(&mut polled);
    }
    if ready.is_empty()
        && let Some((wait, userdata)) = earliest
    {
        if waits.is_empty() {
            std::thread::sleep(Duration::from_nanos(wait));
        }
        ready.push(Event {
            userdata,
            error: errno::SUCCESS,
            kind: CLOCK,
            flags: 0,
        });
    }
    for (i, event) in ready.iter().enumerate() {
        let e = events + i as u32 * EVENT_SIZE;
        m.write(e, &[0u8; EVENT_SIZE as usize])?;
        m.u64(e, event.userdata)?;
        m.u16(e + 8, event.error)?;
        m.u8(e + 10, event.kind)?;
        m.u16(e + 24, event.flags)?;
    }
    m.u32(nevents, ready.len() as u32)
}

/// Waits up to `timeout` (`None`: forever) for the host descriptors;
/// returns the events of those that are ready. A signal (`EINTR`) does not
/// end the wait: it resumes with the time left, so a clock subscription
/// never fires early.
fn poll_host(waits: &[HostWait], timeout: Option<Duration>) -> WasiResult<Vec<Event>> {
    use rustix::event::{PollFd, PollFlags, Timespec, poll};
    let mut pollfds: Vec<PollFd> = waits
        .iter()
        .map(|s| {
            let events = if s.kind == FD_READ {
                PollFlags::IN
            } else {
                PollFlags::OUT
            };
            PollFd::new(&s.fd, events)
        })
        .collect();
    let deadline = timeout.map(|t| Instant::now().checked_add(t));
    loop {
        // `None` (no limit) also when the deadline is too far to represent.
        let left = deadline
            .flatten()
            .map(|d| d.saturating_duration_since(Instant::now()));
        let spec = left.map(|t| Timespec {
            tv_sec: i64::try_from(t.as_secs()).unwrap_or(i64::MAX),
            tv_nsec: i64::from(t.subsec_nanos()),
        });
        match poll(&mut pollfds, spec.as_ref()) {
            Ok(_) => break,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(std::io::Error::from(e).into()),
        }
    }
    Ok(waits
        .iter()
        .zip(&pollfds)
        .map(|(s, p)| (s, p.revents()))
        .filter(|(_, revents)| !revents.is_empty())
        .map(|(s, revents)| Event {
            userdata: s.userdata,
            error: if revents.contains(PollFlags::NVAL) {
                errno::BADF
            } else {
                errno::SUCCESS
            },
            kind: s.kind,
            flags: if revents.contains(PollFlags::HUP) {
                HANGUP
            } else {
                0
            },
        })
        .collect())
}
