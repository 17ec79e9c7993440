//! Opening an artifact: map the file, check it (magic, format version,
//! checksum, every recorded assumption) and only then make its text
//! executable, in place, without copying or patching it.

use crate::host::host_info;
use crate::traps::{self, CodeMap};
use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use waot_format::FormatError;
use waot_format::artifact::{Artifact, Prefix};
use waot_format::compat::{self, Mismatch};

/// Why an artifact could not be opened.
#[derive(Debug)]
pub enum OpenError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The file is not a valid artifact (truncated, corrupted, not ours).
    Corrupt(FormatError),
    /// The artifact is valid but cannot run on this host.
    Incompatible(Vec<Mismatch>),
    /// Making the text executable failed.
    Map(String),
}

impl std::fmt::Display for OpenError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OpenError::Io(e) => write!(f, "{e}"),
            OpenError::Corrupt(e) => write!(f, "not a valid waot artifact: {e}"),
            OpenError::Incompatible(list) => {
                let lines: Vec<String> = list.iter().map(|m| m.to_string()).collect();
                write!(f, "{}", lines.join("\n"))
            }
            OpenError::Map(e) => write!(f, "cannot map code: {e}"),
        }
    }
}

impl std::error::Error for OpenError {}

/// A checked artifact whose text is mapped executable.
pub struct Module {
    map: Mmap,
    code: Arc<CodeMap>,
    text_start: usize,
}

impl Module {
    /// Opens, checks and publishes the artifact at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Module, OpenError> {
        let path = path.as_ref();
        let file = File::open(path).map_err(OpenError::Io)?;
        // SAFETY: the file is mapped private and read-only. If another process
        // truncates it while mapped, reads can fault (SIGBUS); that is the
        // accepted risk of every mmap-based loader and is documented.
        let map = unsafe { MmapOptions::new().map_copy_read_only(&file) }.map_err(OpenError::Io)?;
        Self::from_map(map, &path.display().to_string())
    }

    /// Checks and publishes an artifact already mapped; `name` is used in
    /// diagnostics.
    pub fn from_map(map: Mmap, name: &str) -> Result<Module, OpenError> {
        let host = host_info();
        let prefix = Prefix::parse(&map).map_err(OpenError::Corrupt)?;
        let source = compat::source_name_for_hints(&map, name);
        if let Some(m) = compat::check_format(&prefix, &host, &source, name) {
            return Err(OpenError::Incompatible(vec![m]));
        }
        let artifact = Artifact::parse(&map).map_err(OpenError::Corrupt)?;
        let mismatches = compat::check_all(&artifact, &host, name);
        if !mismatches.is_empty() {
            return Err(OpenError::Incompatible(mismatches));
        }
        let text_start = map.as_ptr() as usize + artifact.text_offset;
        let text_len = artifact.text_len;
        if text_len > 0 {
            // The text starts on a page boundary (check_page_size compared the
            // recorded alignment with the host page size) and nothing writes
            // through the map; every other page stays read-only.
            // SAFETY: [text_start, text_start + text_len) lies inside `map`.
            unsafe {
                rustix::mm::mprotect(
                    text_start as *mut _,
                    text_len,
                    rustix::mm::MprotectFlags::READ | rustix::mm::MprotectFlags::EXEC,
                )
            }
            .map_err(|e| OpenError::Map(e.to_string()))?;
        }
        let n_imported = artifact.num_imported_funcs() as u32;
        let funcs = artifact
            .funcs
            .iter()
            .enumerate()
            .map(|(i, f)| {
                let index = waot_format::types::FuncIndex(i as u32 + n_imported);
                let name = artifact
                    .func_name(index)
                    .map(str::to_string)
                    .unwrap_or_else(|| format!("func {}", index.0));
                (f.body_offset, f.body_offset + f.body_len, name)
            })
            .collect();
        let code = Arc::new(CodeMap {
            start: text_start,
            len: text_len,
            traps: artifact.trap_entries().collect(),
            funcs,
        });
        traps::register(code.clone());
        drop(artifact);
        Ok(Module {
            map,
            code,
            text_start,
        })
    }

    /// The parsed artifact (parsing is cheap and never fails once opened).
    pub fn artifact(&self) -> Artifact<'_> {
        Artifact::parse_verified(&self.map)
            .expect("artifact was validated when opened and is immutable")
    }

    /// The address of text offset `offset`.
    pub fn text_address(&self, offset: u32) -> usize {
        self.text_start + offset as usize
    }

    /// The code map registered with the trap handler.
    pub fn code_map(&self) -> &CodeMap {
        &self.code
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        traps::unregister(self.text_start);
    }
}
