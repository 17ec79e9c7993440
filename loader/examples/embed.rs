//! Embedding waot in a Rust host, as a Wasmtime user would: an engine
//! that counts fuel and has deadlines, a store holding the host's data and
//! a WASI context, host functions as typed closures, typed calls, and a
//! guest stopped by fuel and by deadline.
//!
//! `make test` runs it on `testsuite/examples/embed.wat`:
//!     waot compile --fuel --epoch-interruption testsuite/examples/embed.wat -o target/embed.aot
//!     cargo run -p waot-run --example embed -- target/embed.aot

use std::time::Duration;
use waot_run::wasi::{WasiCtx, WasiCtxBuilder};
use waot_run::{Caller, Config, Engine, Error, Linker, Module, Store};

/// What the host keeps in the store: the guest's WASI context and what the
/// guest logged.
struct Host {
    wasi: WasiCtx,
    logged: Vec<String>,
}

fn main() -> Result<(), Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "target/embed.aot".into());
    let mut config = Config::new();
    config.consume_fuel(true).epoch_interruption(true);
    let engine = Engine::new(&config)?;
    // Refused with the command that fixes it if the artifact is stale,
    // foreign, or compiled without the fuel and epoch checks.
    let module = Module::from_file(&engine, &path)?;

    let mut linker = Linker::<Host>::new(&engine);
    waot_run::wasi::add_to_linker(&mut linker, |host: &mut Host| &mut host.wasi)?;
    linker.func_wrap(
        "host",
        "log",
        |mut caller: Caller<'_, Host>, ptr: i32, len: i32| -> Result<(), Error> {
            let memory = caller
                .get_export("memory")
                .and_then(|e| e.into_memory())
                .ok_or_else(|| Error::msg("the guest exports no memory"))?;
            let bytes = memory
                .data(&caller)
                .get(ptr as u32 as usize..)
                .and_then(|b| b.get(..len as u32 as usize))
                .ok_or_else(|| Error::msg("log: pointer out of bounds"))?
                .to_vec();
            let text = String::from_utf8_lossy(&bytes).into_owned();
            caller.data_mut().logged.push(text);
            Ok(())
        },
    )?;
    linker.func_wrap("host", "scale", |n: i32, factor: i64| i64::from(n) * factor)?;

    let wasi = WasiCtxBuilder::new().arg("embed").build()?;
    let mut store = Store::new(
        &engine,
        Host {
            wasi,
            logged: Vec::new(),
        },
    );
    store.set_fuel(1_000_000)?;
    let instance = linker.instantiate(&mut store, &module)?;

    let greet = instance.get_typed_func::<(), ()>(&mut store, "greet")?;
    greet.call(&mut store, ())?;
    println!("the guest logged {:?}", store.data().logged);

    let sum = instance.get_typed_func::<i32, i64>(&mut store, "sum")?;
    println!("sum(1000) = {}", sum.call(&mut store, 1000)?);
    println!("fuel left: {}", store.get_fuel()?);

    // Out of fuel: the call fails with the trap, the store goes on.
    store.set_fuel(5_000)?;
    let error = sum.call(&mut store, 1_000_000).unwrap_err();
    println!("sum(1000000) with 5000 fuel: {error}");

    // A deadline one epoch tick away; another thread ticks.
    store.set_fuel(u64::MAX)?;
    store.set_epoch_deadline(1);
    let ticker = engine.clone();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        ticker.increment_epoch();
    });
    let spin = instance.get_typed_func::<(), ()>(&mut store, "spin")?;
    println!(
        "spin with a 100 ms deadline: {}",
        spin.call(&mut store, ()).unwrap_err()
    );
    Ok(())
}
