//! `perf` map files (`waot-run --profile perfmap`): one line per piece of
//! compiled code, `START SIZE name` in hex without `0x`, written to
//! `/tmp/perf-<pid>.map`, where `perf report` looks for the symbols of
//! code it cannot find in an ELF file (anonymous memory: with
//! `--require-signature` or this flag, the artifact is read into private
//! memory). The names are the artifact's symbol names
//! (`waot_format::symbols`).

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use waot_format::artifact::Artifact;

/// The perf map of this process, opened by the first module opened with
/// profiling and appended to by the next ones.
static PERF_MAP: Mutex<Option<File>> = Mutex::new(None);

/// Where this process's perf map lives.
pub fn path() -> PathBuf {
    PathBuf::from(format!("/tmp/perf-{}.map", std::process::id()))
}

/// Creates the map file afresh: a stale file of an earlier process with
/// the same pid is removed first, and the new file is created exclusively
/// without following symlinks, so nothing planted in `/tmp` is written to.
fn create() -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = path();
    match std::fs::remove_file(&path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .custom_flags(libc::O_NOFOLLOW)
        .mode(0o644)
        .open(path)
}

/// Appends the code of `artifact`, whose text starts at address
/// `text_start`, to this process's perf map.
pub(crate) fn record(artifact: &Artifact<'_>, text_start: usize) -> std::io::Result<()> {
    let lines = lines(artifact, text_start);
    let mut map = PERF_MAP.lock().unwrap_or_else(|e| e.into_inner());
    let file = match &mut *map {
        Some(file) => file,
        empty => empty.insert(create()?),
    };
    file.write_all(lines.as_bytes())?;
    file.flush()
}

/// The perf map lines of `artifact`'s code at `text_start`: the same names
/// as the artifact's ELF symbols.
fn lines(artifact: &Artifact<'_>, text_start: usize) -> String {
    let mut out = String::new();
    for symbol in artifact.code_symbols() {
        let start = text_start + symbol.offset as usize;
        // Names have their control characters escaped: one symbol a line.
        let _ = writeln!(out, "{start:x} {:x} {}", symbol.size, symbol.name);
    }
    out
}
