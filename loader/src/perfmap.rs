//! `perf` map files (`waot-run --profile perfmap`): one line per piece of
//! compiled code, `START SIZE name` in hex without `0x`, written to
//! `/tmp/perf-<pid>.map`, where `perf report` looks for the symbols of
//! code it cannot find in an ELF file. Function bodies are
//! `wasm[N]::name` (N the function index, name from the wasm name
//! section) or `wasm[N]`; array entries `array-to-wasm[N]`; import
//! trampolines `wasm-to-host[module.name]`.

use std::fmt::Write as _;
use std::fs::File;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Mutex;
use waot_format::artifact::Artifact;
use waot_format::types::{FuncIndex, ImportKind, NO_ARRAY_ENTRY};

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

/// The perf map lines of `artifact`'s code at `text_start`.
fn lines(artifact: &Artifact<'_>, text_start: usize) -> String {
    let n_imported = artifact.num_imported_funcs();
    let mut names: Vec<Option<&str>> = vec![None; n_imported + artifact.funcs.len()];
    for &(index, name) in &artifact.names {
        if let Some(slot) = names.get_mut(index.index()) {
            *slot = Some(name);
        }
    }
    // Array entries and trampolines have no recorded length: each runs to
    // the next piece of code (or the end of the text).
    let mut starts: Vec<u32> = artifact
        .funcs
        .iter()
        .flat_map(|f| [f.body_offset, f.array_entry_offset])
        .filter(|&o| o != NO_ARRAY_ENTRY)
        .chain(artifact.import_trampolines.iter().copied())
        .collect();
    starts.sort_unstable();
    let text_len = artifact.text_len as u32;
    let size_from = |offset: u32| {
        let next = starts.partition_point(|&s| s <= offset);
        starts.get(next).copied().unwrap_or(text_len) - offset
    };
    let mut out = String::new();
    let mut line = |offset: u32, size: u32, name: std::fmt::Arguments<'_>| {
        let start = text_start + offset as usize;
        let _ = write!(out, "{start:x} {size:x} ");
        let name = name.to_string();
        // One symbol per line: a hostile name cannot start another one.
        out.extend(name.chars().map(|c| if c.is_control() { '?' } else { c }));
        out.push('\n');
    };
    for (i, f) in artifact.funcs.iter().enumerate() {
        let index = FuncIndex((n_imported + i) as u32);
        match names[index.index()] {
            Some(name) => line(
                f.body_offset,
                f.body_len,
                format_args!("wasm[{}]::{name}", index.0),
            ),
            None => line(f.body_offset, f.body_len, format_args!("wasm[{}]", index.0)),
        }
        if f.array_entry_offset != NO_ARRAY_ENTRY {
            line(
                f.array_entry_offset,
                size_from(f.array_entry_offset),
                format_args!("array-to-wasm[{}]", index.0),
            );
        }
    }
    let imported_funcs = artifact
        .imports
        .iter()
        .filter(|i| matches!(i.kind, ImportKind::Func(_)));
    for (import, &offset) in imported_funcs.zip(&artifact.import_trampolines) {
        line(
            offset,
            size_from(offset),
            format_args!("wasm-to-host[{}.{}]", import.module, import.name),
        );
    }
    out
}
