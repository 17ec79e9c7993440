//! Runs a WASI command (an artifact compiled with `waot compile
//! --epoch-interruption`) under a deadline from a Rust host:
//!
//!     cargo run -p waot-run --example wasi_deadline -- app.aot 2000 [ARGS...]
//!
//! stops the guest 2000 ms after it starts and prints what happened. Its
//! imports that WASI does not provide trap when called.

use std::time::{Duration, Instant};
use waot_run::wasi::{WasiCtx, WasiCtxBuilder};
use waot_run::{Config, Engine, Error, Linker, Module, Store};

struct Host {
    wasi: WasiCtx,
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path, millis, guest_args @ ..] = &args[..] else {
        return Err(Error::msg(
            "usage: wasi_deadline ARTIFACT MILLISECONDS [ARGS...]",
        ));
    };
    let millis: u64 = millis
        .parse()
        .map_err(|_| Error::msg(format!("'{millis}' is not a number of milliseconds")))?;
    let mut config = Config::new();
    config.epoch_interruption(true);
    let engine = Engine::new(&config)?;
    let module = Module::from_file(&engine, path)?;
    let mut linker = Linker::<Host>::new(&engine);
    waot_run::wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
    linker.define_unknown_imports_as_traps(&module)?;
    let wasi = WasiCtxBuilder::new()
        .arg(path.as_str())
        .args(guest_args)
        .build()?;
    let mut store = Store::new(&engine, Host { wasi });
    store.set_epoch_deadline(1);
    let ticker = engine.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(millis));
        ticker.increment_epoch();
    });
    let started = Instant::now();
    let instance = linker.instantiate(&mut store, &module)?;
    let start = instance.get_typed_func::<(), ()>(&mut store, "_start")?;
    let outcome = start.call(&mut store, ());
    let took = started.elapsed();
    match outcome {
        Ok(()) => eprintln!("finished in {took:?}"),
        Err(e) if e.exit_status().is_some() => eprintln!("{e} after {took:?}"),
        Err(e) => eprintln!("stopped after {took:?}: {e}"),
    }
    Ok(())
}
