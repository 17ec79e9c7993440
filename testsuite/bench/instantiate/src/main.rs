//! `make bench`'s instantiation benchmark: how long one instantiate +
//! call + drop of a module with 1 MiB of data takes, in waot and in
//! Wasmtime (default and pooling allocators), each in a fresh store.
//!
//!     waot-instantiate-bench generate DIR          # DIR/instantiate.wasm
//!     waot-instantiate-bench ENGINE FILE FUNCTION ITERATIONS
//!
//! ENGINE is `waot` or `waot-pooling` (FILE a waot artifact) or `wasmtime`
//! or `wasmtime-pooling` (FILE the `.wasm`); FUNCTION is the export called,
//! `every` (reads a byte of every 4 KiB page of the data, writes one) or
//! `one` (reads one byte, writes one), or `-` to call nothing (any module,
//! such as a real program, whose imports then trap if called: instantiate
//! + drop). Prints the mean nanoseconds per
//! iteration over ITERATIONS after a warm-up of a tenth as many, and the
//! checksum the guest returned (the same in every engine).

use std::time::Instant;

/// Bytes of data the module's one data segment holds.
const DATA_BYTES: usize = 1 << 20;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [cmd, dir] if cmd == "generate" => generate(dir),
        [engine, file, function, iterations] => match iterations.parse::<u32>() {
            Ok(n) => run(engine, file, function, n),
            Err(e) => Err(format!("bad iteration count '{iterations}': {e}")),
        },
        _ => Err(
            "usage: waot-instantiate-bench generate DIR | ENGINE FILE FUNCTION ITERATIONS".into(),
        ),
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

/// The guest: 17 pages, 1 MiB of pseudo-random data at 64 KiB, `every`,
/// which reads one byte of every 4 KiB page of the data and writes one, and
/// `one`, which reads one byte and writes one.
fn generate(dir: &str) -> Result<(), String> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut data = String::with_capacity(DATA_BYTES * 3);
    for _ in 0..DATA_BYTES {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        data.push_str(&format!("\\{:02x}", state as u8));
    }
    let wat = format!(
        r#"(module
  (memory (export "memory") 17 17)
  (data (i32.const 65536) "{data}")
  (func (export "one") (result i32)
    (i32.store8 (i32.const 70000) (i32.const 7))
    (i32.load8_u (i32.const 600000)))
  (func (export "every") (result i32)
    (local $p i32) (local $sum i32)
    (i32.store8 (i32.const 70000) (i32.const 7))
    (local.set $p (i32.const 65536))
    (loop $pages
      (local.set $sum (i32.add (local.get $sum) (i32.load8_u (local.get $p))))
      (local.set $p (i32.add (local.get $p) (i32.const 4096)))
      (br_if $pages (i32.lt_u (local.get $p) (i32.const {end}))))
    (local.get $sum)))"#,
        end = 65536 + DATA_BYTES
    );
    let wasm = wat::parse_str(&wat).map_err(|e| e.to_string())?;
    let path = std::path::Path::new(dir).join("instantiate.wasm");
    std::fs::write(&path, wasm).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn run(engine: &str, file: &str, function: &str, iterations: u32) -> Result<(), String> {
    let function = function.to_owned();
    let mut once: Once = match engine {
        "waot" | "waot-pooling" => waot(file, function, engine == "waot-pooling")?,
        "wasmtime" | "wasmtime-pooling" => wasmtime(file, function, engine == "wasmtime-pooling")?,
        other => return Err(format!("unknown engine '{other}'")),
    };
    let mut checksum = 0;
    for _ in 0..iterations / 10 + 1 {
        checksum = once()?;
    }
    let start = Instant::now();
    for _ in 0..iterations {
        once()?;
    }
    let per = start.elapsed().as_nanos() / u128::from(iterations.max(1));
    println!("{per} ns per instantiate+call+drop (checksum {checksum})");
    Ok(())
}

type Once = Box<dyn FnMut() -> Result<i32, String>>;

fn waot(file: &str, function: String, pooling: bool) -> Result<Once, String> {
    use waot_run::{Config, Engine, InstanceAllocationStrategy, Linker, Module, Store};
    let mut config = Config::new();
    if pooling {
        config.allocation_strategy(InstanceAllocationStrategy::pooling());
    }
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let module = Module::from_file(&engine, file).map_err(|e| e.to_string())?;
    let mut linker = Linker::<()>::new(&engine);
    // A real program's imports (WASI) trap if called; `-` calls nothing.
    linker
        .define_unknown_imports_as_traps(&module)
        .map_err(|e| e.to_string())?;
    Ok(Box::new(move || {
        let mut store = Store::new(&engine, ());
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| e.to_string())?;
        if function == "-" {
            return Ok(0);
        }
        let run = instance
            .get_typed_func::<(), i32>(&mut store, &function)
            .map_err(|e| e.to_string())?;
        run.call(&mut store, ()).map_err(|e| e.to_string())
    }))
}

fn wasmtime(file: &str, function: String, pooling: bool) -> Result<Once, String> {
    use wasmtime::{
        Config, Engine, InstanceAllocationStrategy, Linker, Module, PoolingAllocationConfig, Store,
    };
    let mut config = Config::new();
    // Real programs (MicroPython) throw wasm exceptions.
    config.wasm_exceptions(true);
    if pooling {
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(
            PoolingAllocationConfig::default(),
        ));
    }
    let engine = Engine::new(&config).map_err(|e| e.to_string())?;
    let module = Module::from_file(&engine, file).map_err(|e| e.to_string())?;
    let mut linker = Linker::<()>::new(&engine);
    // A real program's imports (WASI) trap if called; `-` calls nothing.
    linker
        .define_unknown_imports_as_traps(&module)
        .map_err(|e| e.to_string())?;
    Ok(Box::new(move || {
        let mut store = Store::new(&engine, ());
        let instance = linker
            .instantiate(&mut store, &module)
            .map_err(|e| e.to_string())?;
        if function == "-" {
            return Ok(0);
        }
        let run = instance
            .get_typed_func::<(), i32>(&mut store, &function)
            .map_err(|e| e.to_string())?;
        run.call(&mut store, ()).map_err(|e| e.to_string())
    }))
}
