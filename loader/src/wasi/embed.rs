//! WASI for the embedder's API: a builder for the context a store's data
//! holds, and [`add_to_linker`], which links every WASI function into a
//! [`crate::Linker<T>`] that finds the context through an accessor, as
//! Wasmtime's `wasmtime_wasi::p1::add_to_linker_sync` does.

use super::stdio::Streams;
use super::{WasiConfig, WasiCtx, WasiSource};
use crate::Error;
use crate::api::store::with_current;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Builds a [`WasiCtx`]: arguments, environment, preopened directories,
/// TCP listeners and stdio (the host process's unless given others).
#[derive(Debug, Default)]
pub struct WasiCtxBuilder {
    config: WasiConfig,
    streams: Streams,
    /// Set by `build`: a builder builds one context (its streams go there).
    built: bool,
}

impl WasiCtxBuilder {
    /// No arguments, no environment, no preopens.
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder::default()
    }

    /// Appends one argument (the first is the program's name, `argv[0]`).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.config.args.push(arg.into());
        self
    }

    /// Appends arguments.
    pub fn args(&mut self, args: &[impl AsRef<str>]) -> &mut Self {
        self.config
            .args
            .extend(args.iter().map(|a| a.as_ref().to_string()));
        self
    }

    /// Sets an environment variable.
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.config.env.push((key.into(), value.into()));
        self
    }

    /// Gives the guest host directory `host` as `guest` (all file access
    /// goes through cap-std, confined to it).
    pub fn preopened_dir(
        &mut self,
        host: impl Into<PathBuf>,
        guest: impl Into<String>,
    ) -> &mut Self {
        self.config.preopens.push((host.into(), guest.into()));
        self
    }

    /// Listens on `address` (`HOST:PORT`) and gives the guest the listener
    /// as a preopened socket, numbered after the directories.
    pub fn tcp_listen(&mut self, address: impl Into<String>) -> &mut Self {
        self.config.tcp_listen.push(address.into());
        self
    }

    /// The context: an error if a directory cannot be opened or an
    /// address cannot be listened on. A builder builds one context (as in
    /// Wasmtime): a second `build` is an error.
    pub fn build(&mut self) -> Result<WasiCtx, Error> {
        if self.built {
            return Err(Error::msg(
                "this WasiCtxBuilder has built a context already (its stdio streams went to it)\nhint: make a new WasiCtxBuilder for each context",
            ));
        }
        self.built = true;
        let ctx = WasiCtx::from_config(&self.config).map_err(Error::msg)?;
        *ctx.streams.lock().unwrap_or_else(|e| e.into_inner()) = std::mem::take(&mut self.streams);
        Ok(ctx)
    }

    /// The guest reads its stdin from `stream` (for example a
    /// `std::io::Cursor` of bytes) instead of the host's.
    pub fn stdin(&mut self, stream: impl Read + Send + 'static) -> &mut Self {
        self.streams.stdin = Some(Box::new(stream));
        self
    }

    /// The guest's stdout goes to `stream` (for example an
    /// [`OutputPipe`](super::OutputPipe)) instead of the host's.
    pub fn stdout(&mut self, stream: impl Write + Send + 'static) -> &mut Self {
        self.streams.stdout = Some(Box::new(stream));
        self
    }

    /// The guest's stderr goes to `stream` instead of the host's.
    pub fn stderr(&mut self, stream: impl Write + Send + 'static) -> &mut Self {
        self.streams.stderr = Some(Box::new(stream));
        self
    }

    /// Stdin, stdout and stderr are the host process's again (the default).
    pub fn inherit_stdio(&mut self) -> &mut Self {
        self.streams = Streams::default();
        self
    }
}

/// Links every WASI preview 1 function into `linker`; each call finds its
/// context with `get` in the calling store's data:
///
/// ```no_run
/// use waot_run::wasi::{WasiCtx, WasiCtxBuilder};
/// struct Host { wasi: WasiCtx }
/// let engine = waot_run::Engine::default();
/// let mut linker = waot_run::Linker::<Host>::new(&engine);
/// waot_run::wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
/// let wasi = WasiCtxBuilder::new().arg("app").env("HOME", "/").build()?;
/// let mut store = waot_run::Store::new(&engine, Host { wasi });
/// # Ok::<(), waot_run::Error>(())
/// ```
pub fn add_to_linker<T: 'static>(
    linker: &mut crate::Linker<T>,
    get: impl Fn(&mut T) -> &mut WasiCtx + Send + Sync + 'static,
) -> Result<(), Error> {
    let source = WasiSource::Store(Arc::new(move || {
        with_current::<T, _>(|store| get(&mut store.data) as *const WasiCtx)
    }));
    super::add_all(linker.raw_mut(), &source);
    Ok(())
}
