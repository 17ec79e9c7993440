//! Opening an artifact: map the file, check it (magic, format version,
//! checksum, unknown required sections, the signature when one is required,
//! every recorded assumption) and only then make its text executable, in
//! place, without patching it.

use crate::host::host_info;
use crate::memory::ImageSource;
use crate::pool::ImageKey;
use crate::traps::CodeMap;
use crate::type_registry::TypeIds;
use memmap2::{Mmap, MmapOptions};
use std::fs::File;
use std::io::Read;
use std::os::fd::AsFd;
use std::path::Path;
use std::sync::Arc;
use waot_format::FormatError;
use waot_format::artifact::{Artifact, Header, Prefix};
use waot_format::compat::{self, Mismatch};
use waot_format::signature::{self, PublicKey};
use waot_format::types::{FuncType, Interruption, SubType, TypeIndex};

/// How to open an artifact.
#[derive(Clone, Debug, Default)]
pub struct OpenOptions {
    /// Refuse the artifact unless it is validly signed by this key.
    pub require_signature: Option<RequiredSignature>,
    /// What to tell profilers about the code.
    pub profiling: Profiling,
    /// The interruption the host will use ([`crate::interrupt`]): an
    /// artifact whose code lacks those checks is refused before anything
    /// becomes executable, with the command that recompiles it.
    pub interruption: Interruption,
}

/// What the loader tells profilers about the code it maps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profiling {
    /// Nothing.
    #[default]
    None,
    /// Append every function body, array entry and import trampoline to
    /// `/tmp/perf-<pid>.map`, for `perf report` (see [`crate::perfmap`]).
    PerfMap,
}

/// The key an artifact must be signed with.
#[derive(Clone, Debug)]
pub struct RequiredSignature {
    /// The public key.
    pub key: PublicKey,
    /// Where it came from, for messages (`waot-run --require-signature PATH`).
    pub key_path: String,
}

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
    /// The profiling information asked for could not be written.
    Profiling(std::io::Error),
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
            OpenError::Profiling(e) => write!(
                f,
                "cannot write the perf map '{}': {e}",
                crate::perfmap::path().display()
            ),
        }
    }
}

impl std::error::Error for OpenError {}

/// The bytes an artifact is parsed from.
pub(crate) enum ArtifactBytes {
    /// A map of its file, or private memory holding it.
    Map(Mmap),
    /// The metadata of an object linked into this program.
    Static(&'static [u8]),
}

impl std::ops::Deref for ArtifactBytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            ArtifactBytes::Map(m) => m,
            ArtifactBytes::Static(s) => s,
        }
    }
}

self_cell::self_cell!(
    /// An artifact's bytes and their parse, made once when it is opened:
    /// the parse borrows from the bytes it lives beside.
    pub(crate) struct LoadedArtifact {
        owner: ArtifactBytes,
        #[covariant]
        dependent: Artifact,
    }
);

/// A checked artifact whose text is mapped executable. Cheap to clone:
/// clones share the map, which stays registered with the trap handler
/// until the last one goes.
#[derive(Clone)]
pub struct Module {
    inner: Arc<ModuleInner>,
}

struct ModuleInner {
    /// The parsed artifact and its map, shared with the trap handler.
    code: Arc<CodeMap>,
    text_start: usize,
    /// A number no other module of this process gets (memory images are
    /// named by it in pooled slots).
    id: u64,
    /// Where its memory images are mapped from.
    images: ImageFile,
    /// The canonical id of each of its types, held while it lives.
    type_ids: TypeIds,
    /// Its types with concrete heap types replaced by canonical ids, as
    /// they compare across modules.
    canonical_types: Vec<SubType>,
}

/// The file a module's memory images are mapped from, copy-on-write.
pub(crate) enum ImageFile {
    /// The artifact's own file, mapped in place (its images lie at their
    /// offsets in it).
    Artifact(File),
    /// A sealed memory file holding the images, made when first needed:
    /// the artifact was read into memory (signature, profiling) or handed
    /// over as bytes. `None` inside when the kernel has no memory files;
    /// the images are then copied.
    Memory(std::sync::OnceLock<Option<std::os::fd::OwnedFd>>),
}

/// Numbers modules.
static NEXT_MODULE_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

impl Module {
    /// Opens, checks and publishes the artifact at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Module, OpenError> {
        Self::open_with(path, &OpenOptions::default())
    }

    /// Opens, checks and publishes the artifact at `path` as `options` say.
    ///
    /// When a signature is required the file is read once into private
    /// anonymous memory, and the signature is verified on those bytes, which
    /// are then made executable: nothing another process does to the file
    /// afterwards can change what was verified. With [`Profiling::PerfMap`]
    /// it is read the same way, since `perf` names only anonymous code from
    /// its map. Otherwise the file is mapped in place, and must not be
    /// modified or truncated while the module is alive: the checks ran on
    /// the bytes as they were (use a signature, or copy the file first,
    /// when other processes may write it).
    pub fn open_with(path: impl AsRef<Path>, options: &OpenOptions) -> Result<Module, OpenError> {
        let path = path.as_ref();
        let mut file = File::open(path).map_err(OpenError::Io)?;
        // perf reads /tmp/perf-<pid>.map only for anonymous executable
        // memory: code in a file mapping it looks up in the file (and finds
        // no symbols in an artifact).
        let private =
            options.require_signature.is_some() || options.profiling == Profiling::PerfMap;
        let map = if private {
            read_private(&mut file).map_err(OpenError::Io)?
        } else {
            // The file must not change while mapped (README, "Trust"): Linux
            // shows other processes' writes through untouched private pages.
            // SAFETY: a private read-only mapping; that contract is the
            // caller's (`open_with` docs), as for every mmap-based loader.
            unsafe { MmapOptions::new().map_copy_read_only(&file) }.map_err(OpenError::Io)?
        };
        let images = if private {
            ImageFile::Memory(Default::default())
        } else {
            ImageFile::Artifact(file)
        };
        Self::from_map_in(map, &path.display().to_string(), options, images)
    }

    /// Checks and publishes an artifact already mapped; `name` is used in
    /// diagnostics.
    pub fn from_map(map: Mmap, name: &str) -> Result<Module, OpenError> {
        Self::from_map_with(map, name, &OpenOptions::default())
    }

    /// Checks and publishes an artifact already mapped, as `options` say.
    /// With a required signature, `map` must be memory no one else can
    /// write (as [`Module::open_with`] makes it).
    pub fn from_map_with(
        map: Mmap,
        name: &str,
        options: &OpenOptions,
    ) -> Result<Module, OpenError> {
        Self::from_map_in(map, name, options, ImageFile::Memory(Default::default()))
    }

    fn from_map_in(
        map: Mmap,
        name: &str,
        options: &OpenOptions,
        images: ImageFile,
    ) -> Result<Module, OpenError> {
        let source = compat::source_name_for_hints(&map, name);
        let loaded = Self::checked(ArtifactBytes::Map(map), name, &source, options)?;
        let artifact = loaded.borrow_dependent();
        if artifact.text_detached {
            return Err(OpenError::Incompatible(vec![compat::Mismatch {
                field: "detached-text",
                problem: "it is the metadata of an object (`waot compile --emit object`), whose code is linked into a program, not an artifact".into(),
                hint: format!("compile an artifact: `waot compile {source} -o {name}`"),
            }]));
        }
        let text_start = artifact.bytes.as_ptr() as usize + artifact.text_offset;
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
        Self::publish(loaded, text_start, options, images)
    }

    /// Parses `bytes` after checking, in order, the format version, the
    /// sections, the signature, and everything the code assumes of the
    /// host: what every module passes before anything runs.
    pub(crate) fn checked(
        bytes: ArtifactBytes,
        name: &str,
        source: &str,
        options: &OpenOptions,
    ) -> Result<LoadedArtifact, OpenError> {
        let host = host_info();
        let prefix = Prefix::parse(&bytes).map_err(OpenError::Corrupt)?;
        if let Some(m) = compat::check_format(&prefix, &host, source, name) {
            return Err(OpenError::Incompatible(vec![m]));
        }
        let header = Header::parse(&bytes, true).map_err(OpenError::Corrupt)?;
        if let Some(m) = compat::check_sections(&header, &host, source, name) {
            return Err(OpenError::Incompatible(vec![m]));
        }
        if let Some(required) = &options.require_signature {
            let names = signature::CheckNames {
                key_path: &required.key_path,
                artifact: name,
                source,
            };
            let verdict = signature::check(&bytes, &header, &required.key, names)
                .map_err(OpenError::Corrupt)?;
            if let Some(m) = verdict {
                return Err(OpenError::Incompatible(vec![m]));
            }
        }
        // The checksum was verified on these same bytes by `Header::parse`.
        let loaded = LoadedArtifact::try_new(bytes, |bytes| Artifact::parse_verified(bytes))
            .map_err(OpenError::Corrupt)?;
        let artifact = loaded.borrow_dependent();
        let mut mismatches = compat::check_all(artifact, &host, name);
        if mismatches.is_empty() {
            let names = compat::Names {
                artifact: name,
                source,
            };
            mismatches.extend(compat::check_interruption(
                artifact,
                options.interruption,
                &host,
                names,
            ));
        }
        if !mismatches.is_empty() {
            return Err(OpenError::Incompatible(mismatches));
        }
        Ok(loaded)
    }

    /// The module of a checked artifact whose text is executable at
    /// `text_start`: registered with the trap handler.
    pub(crate) fn publish(
        loaded: LoadedArtifact,
        text_start: usize,
        options: &OpenOptions,
        images: ImageFile,
    ) -> Result<Module, OpenError> {
        let artifact = loaded.borrow_dependent();
        let type_ids = TypeIds::of_module(&artifact.module);
        let ids = type_ids.ids();
        let canonical_types = artifact
            .module
            .types
            .iter()
            .map(|t| t.map_type_index(|k| TypeIndex(ids.get(k.index()).copied().unwrap_or(0))))
            .collect();
        let code = Arc::new(CodeMap::new(loaded, text_start));
        if options.profiling == Profiling::PerfMap {
            crate::perfmap::record(code.artifact(), text_start).map_err(OpenError::Profiling)?;
        }
        crate::code_registry::register(code.clone());
        Ok(Module {
            inner: Arc::new(ModuleInner {
                code,
                text_start,
                id: NEXT_MODULE_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                images,
                type_ids,
                canonical_types,
            }),
        })
    }

    /// The fuel and epoch checks compiled into the code.
    pub fn interruption(&self) -> Interruption {
        self.artifact().build.interruption
    }

    /// The artifact, parsed and checked once when it was opened.
    pub fn artifact(&self) -> &Artifact<'_> {
        self.inner.code.artifact()
    }

    /// The address of text offset `offset`.
    pub(crate) fn text_address(&self, offset: u32) -> usize {
        self.inner.text_start + offset as usize
    }

    /// The canonical id of each of its types, in order.
    pub(crate) fn type_ids(&self) -> &[u32] {
        self.inner.type_ids.ids()
    }

    /// The address of its wasm-to-host trampoline for the function type of
    /// canonical id `type_id`, if it has one (format 2.13).
    pub(crate) fn type_trampoline(&self, type_id: u32) -> Option<usize> {
        let ids = self.type_ids();
        self.artifact()
            .type_trampolines
            .iter()
            .find(|(t, _)| ids.get(t.index()) == Some(&type_id))
            .map(|(_, offset)| self.text_address(*offset))
    }

    /// The signature of function type `t` as it compares across modules
    /// (`None` for an index that is not a function type's).
    pub(crate) fn canonical_func_type(&self, t: TypeIndex) -> Option<&FuncType> {
        self.inner.canonical_types.get(t.index())?.as_func()
    }

    /// What names the image of memory `memory` in pooled slots.
    pub(crate) fn image_key(&self, memory: u32) -> ImageKey {
        ImageKey {
            module: self.inner.id,
            memory,
        }
    }

    /// Memory image `index` (of the artifact's `memory_images`), ready to
    /// be applied: its bytes, and the file they can be mapped from.
    pub(crate) fn memory_image(&self, index: usize) -> Option<ImageSource<'_>> {
        let artifact = self.artifact();
        let image = artifact.memory_images.get(index)?;
        let key = self.image_key(image.memory.0);
        let file = match &self.inner.images {
            ImageFile::Artifact(file) => {
                let offset = image.bytes.as_ptr() as usize - artifact.bytes.as_ptr() as usize;
                Some((file.as_fd(), offset as u64))
            }
            ImageFile::Memory(memfd) => {
                let first = artifact.memory_images.first()?.bytes.as_ptr() as usize;
                let fd = memfd.get_or_init(|| images_memfd(artifact)).as_ref();
                fd.map(|fd| (fd.as_fd(), (image.bytes.as_ptr() as usize - first) as u64))
            }
        };
        Some(ImageSource {
            key,
            memory: image.memory,
            memory_offset: image.memory_offset,
            bytes: image.bytes,
            file,
        })
    }

    /// The defined function whose body holds text offset `offset` (not
    /// an array entry or trampoline), as trap reports name them.
    pub fn function_at(&self, offset: u32) -> Option<waot_format::types::DefinedFuncIndex> {
        self.inner.code.func_at(offset)
    }
}

/// A sealed memory file holding the artifact's memory images at their
/// distances from the first (page-aligned, as they are in the artifact);
/// `None` when the kernel cannot make one.
fn images_memfd(artifact: &Artifact) -> Option<std::os::fd::OwnedFd> {
    use rustix::fs::{MemfdFlags, SealFlags};
    let first = artifact.memory_images.first()?.bytes.as_ptr() as usize;
    let last = artifact.memory_images.last()?.bytes;
    let len = last.as_ptr() as usize + last.len() - first;
    // SAFETY: [first, first + len) lies inside `.rodata.wasm` of the mapped
    // artifact: the images are in it, in increasing order.
    let bytes = unsafe { std::slice::from_raw_parts(first as *const u8, len) };
    let fd = rustix::fs::memfd_create(
        "waot-memory-images",
        MemfdFlags::CLOEXEC | MemfdFlags::ALLOW_SEALING,
    )
    .ok()?;
    let mut file = File::from(fd);
    std::io::Write::write_all(&mut file, bytes).ok()?;
    let seals = SealFlags::SHRINK | SealFlags::GROW | SealFlags::WRITE | SealFlags::SEAL;
    rustix::fs::fcntl_add_seals(&file, seals).ok()?;
    Some(file.into())
}

/// Reads all of `file` into fresh private anonymous memory, read-only.
fn read_private(file: &mut File) -> std::io::Result<Mmap> {
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| std::io::Error::other("file too large to load"))?;
    let mut memory = MmapOptions::new().len(len).map_anon()?;
    file.read_exact(&mut memory)?;
    memory.make_read_only()
}

impl Drop for ModuleInner {
    fn drop(&mut self) {
        crate::code_registry::unregister(&self.code);
    }
}
