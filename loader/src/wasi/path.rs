//! WASI path functions. Every path is resolved by cap-std relative to a
//! directory descriptor, so nothing escapes the preopened directories:
//! `..` past the root, absolute paths and symlinks pointing out fail with
//! `ENOTCAPABLE` (or `EPERM`/`EACCES` from the host), never resolved by hand.

use super::fd::{
    DirEntry, Entry, FD_NONBLOCK, FileEntry, insert, stat_from, time_spec, with_entry,
};
use super::{Errno, Memory, WasiCtx, WasiResult, define, errno, u32_arg, u64_arg};
use crate::linker::Linker;
use crate::values::Val;
use cap_fs_ext::{DirExt, FollowSymlinks, OpenOptionsFollowExt};
use cap_std::fs::{Dir, MetadataExt};

/// `lookupflags.symlink_follow`.
const SYMLINK_FOLLOW: u32 = 1;
/// `oflags`.
const O_CREAT: u32 = 1;
const O_DIRECTORY: u32 = 2;
const O_EXCL: u32 = 4;
const O_TRUNC: u32 = 8;
/// `rights.fd_read`, `rights.fd_write`.
const RIGHT_READ: u64 = 1 << 1;
const RIGHT_WRITE: u64 = 1 << 6;
/// `fdflags.append`.
const FD_APPEND: u32 = 1;

/// A clone of the directory open as `fd`.
fn dir(c: &WasiCtx, fd: u32) -> WasiResult<Dir> {
    with_entry(c, fd, |e| match e {
        Entry::Dir(d) => Ok(d.dir.try_clone()?),
        _ => Err(Errno(errno::NOTDIR)),
    })
}

/// The directory and guest path of a `(fd, path, path_len)` triple.
fn target(c: &WasiCtx, m: &Memory, a: &[Val], fd: usize, path: usize) -> WasiResult<(Dir, String)> {
    Ok((
        dir(c, u32_arg(a, fd))?,
        m.str(u32_arg(a, path), u32_arg(a, path + 1))?,
    ))
}

fn path_open(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (oflags, rights, fdflags, out) =
        (u32_arg(a, 4), u64_arg(a, 5), u32_arg(a, 7), u32_arg(a, 8));
    // Check where the descriptor goes before opening (or creating) anything:
    // a bad pointer found afterwards would leave the file created and its
    // descriptor open with no number the guest knows.
    m.range(out, 4)?;
    let (d, path) = target(c, m, a, 0, 2)?;
    let follow = u32_arg(a, 1) & SYMLINK_FOLLOW != 0;
    let write = rights & RIGHT_WRITE != 0;
    let wants_dir = oflags & O_DIRECTORY != 0
        || (oflags & (O_CREAT | O_TRUNC) == 0
            && !write
            && d.metadata(&path).is_ok_and(|m| m.is_dir()));
    let entry = if wants_dir {
        if oflags & (O_CREAT | O_TRUNC | O_EXCL) != 0 {
            return Err(Errno(errno::INVAL));
        }
        let opened = if follow {
            d.open_dir(&path)?
        } else {
            d.open_dir_nofollow(&path)?
        };
        Entry::Dir(DirEntry {
            dir: opened,
            preopen: None,
        })
    } else {
        let mut options = cap_std::fs::OpenOptions::new();
        options
            .read(rights & RIGHT_READ != 0 || !write)
            .write(write)
            .append(fdflags & FD_APPEND != 0)
            .truncate(oflags & O_TRUNC != 0)
            .follow(if follow {
                FollowSymlinks::Yes
            } else {
                FollowSymlinks::No
            });
        if oflags & O_EXCL != 0 {
            options.create_new(true);
        } else if oflags & O_CREAT != 0 {
            options.create(true);
        }
        let file = d.open_with(&path, &options)?.into_std();
        Entry::File(FileEntry {
            file,
            append: fdflags & FD_APPEND != 0,
            nonblocking: fdflags & u32::from(FD_NONBLOCK) != 0,
        })
    };
    let fd = insert(c, entry)?;
    m.u32(out, fd)
}

fn path_filestat_get(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (d, path) = target(c, m, a, 0, 2)?;
    let meta = if u32_arg(a, 1) & SYMLINK_FOLLOW != 0 {
        d.metadata(&path)?
    } else {
        d.symlink_metadata(&path)?
    };
    stat_from!(meta).write(m, u32_arg(a, 4))
}

fn path_filestat_set_times(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (d, path) = target(c, m, a, 0, 2)?;
    let flags = u32_arg(a, 6);
    let atime = time_spec(u64_arg(a, 4), flags, 1, 2)?;
    let mtime = time_spec(u64_arg(a, 5), flags, 4, 8)?;
    if u32_arg(a, 1) & SYMLINK_FOLLOW != 0 {
        Ok(d.set_times(&path, atime, mtime)?)
    } else {
        Ok(d.set_symlink_times(&path, atime, mtime)?)
    }
}

fn path_readlink(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (d, path) = target(c, m, a, 0, 1)?;
    let link = d.read_link_contents(&path)?;
    let bytes = link.to_string_lossy().into_owned().into_bytes();
    let n = bytes.len().min(u32_arg(a, 4) as usize);
    m.write(u32_arg(a, 3), &bytes[..n])?;
    m.u32(u32_arg(a, 5), n as u32)
}

fn path_rename(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (from_dir, from) = target(c, m, a, 0, 1)?;
    let (to_dir, to) = target(c, m, a, 3, 4)?;
    Ok(from_dir.rename(&from, &to_dir, &to)?)
}

fn path_link(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let (from_dir, from) = target(c, m, a, 0, 2)?;
    let (to_dir, to) = target(c, m, a, 4, 5)?;
    Ok(from_dir.hard_link(&from, &to_dir, &to)?)
}

fn path_symlink(c: &WasiCtx, m: &mut Memory, a: &[Val]) -> WasiResult {
    let original = m.str(u32_arg(a, 0), u32_arg(a, 1))?;
    let (d, link) = target(c, m, a, 2, 3)?;
    Ok(d.symlink(&original, &link)?)
}

/// Adds the `path_*` functions.
pub(crate) fn add(linker: &mut Linker, ctx: &super::WasiSource) {
    define(linker, ctx, "path_open", "iiiiiIIii", path_open);
    define(linker, ctx, "path_create_directory", "iii", |c, m, a| {
        let (d, path) = target(c, m, a, 0, 1)?;
        Ok(d.create_dir(&path)?)
    });
    define(linker, ctx, "path_remove_directory", "iii", |c, m, a| {
        let (d, path) = target(c, m, a, 0, 1)?;
        Ok(d.remove_dir(&path)?)
    });
    define(linker, ctx, "path_unlink_file", "iii", |c, m, a| {
        let (d, path) = target(c, m, a, 0, 1)?;
        Ok(d.remove_file_or_symlink(&path)?)
    });
    define(linker, ctx, "path_rename", "iiiiii", path_rename);
    define(linker, ctx, "path_filestat_get", "iiiii", path_filestat_get);
    define(
        linker,
        ctx,
        "path_filestat_set_times",
        "iiiiIIi",
        path_filestat_set_times,
    );
    define(linker, ctx, "path_readlink", "iiiiii", path_readlink);
    define(linker, ctx, "path_symlink", "iiiii", path_symlink);
    define(linker, ctx, "path_link", "iiiiiii", path_link);
}
