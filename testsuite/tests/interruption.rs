//! Interruption by fuel and epoch deadline (`waot compile --fuel`,
//! `--epoch-interruption`; `waot-run --fuel N`, `--timeout DURATION`):
//! fuel is counted exactly as Wasmtime counts it (the corpus in `fuel/`
//! records Wasmtime 49.0.4's minimum fuel for each export, `fuel/measure.sh`
//! re-measures it), a spinning loop stops soon after its deadline, and
//! asking to limit code compiled without the checks is refused before
//! anything runs.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use waot_format::traps::TrapKind;
use waot_format::types::Interruption;
use waot_run::{
    CallError, InstantiateError, Module, OpenError, OpenOptions, RunOptions, Val,
    instance::Instance, interrupt, linker::Linker,
};
use waot_testsuite::{bin, compile_wat, testsuite_dir};

const FUEL: Interruption = Interruption {
    fuel: true,
    epoch: false,
};
const EPOCH: Interruption = Interruption {
    fuel: false,
    epoch: true,
};
const BOTH: Interruption = Interruption {
    fuel: true,
    epoch: true,
};

/// Compiles and maps wat text with `checks`.
fn open(wat: &str, checks: Interruption) -> Arc<Module> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = compile_wat(dir.path(), "module", wat, checks);
    Arc::new(Module::open(&path).expect("opens"))
}

fn instantiate(module: &Arc<Module>) -> Result<Instance, InstantiateError> {
    Instance::new(module.clone(), &Linker::new(), &RunOptions::default())
}

/// Runs export `name` of a new instance with `fuel`; the trap kind if it
/// trapped.
fn run_with_fuel(module: &Arc<Module>, name: &str, fuel: u64) -> Result<(), TrapKind> {
    interrupt::set_fuel(fuel);
    let outcome = match instantiate(module) {
        Ok(instance) => match instance.call(name, &[]) {
            Ok(_) => Ok(()),
            Err(CallError::Trap(t)) => Err(t.kind),
            Err(e) => panic!("{name}: {e}"),
        },
        Err(InstantiateError::Trap(t)) => Err(t.kind),
        Err(e) => panic!("{name}: {e}"),
    };
    interrupt::unlimited_fuel();
    outcome
}

#[test]
fn fuel_is_counted_as_wasmtime_counts_it() {
    let dir = testsuite_dir().join("fuel");
    let mut wats: Vec<_> = std::fs::read_dir(&dir)
        .expect("fuel corpus")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "wat"))
        .collect();
    wats.sort();
    assert!(wats.len() >= 4, "the corpus in {}", dir.display());
    let differences = std::fs::read_to_string(dir.join("differences.txt")).expect("differences");
    let instantiation = |file: &str| -> u64 {
        differences
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| match l.split_whitespace().collect::<Vec<_>>()[..] {
                [module, "instantiation", n] if module == file => n.parse::<u64>().ok(),
                _ => None,
            })
            .sum()
    };
    let mut checked = 0;
    let mut wrong = Vec::new();
    for wat in &wats {
        let text = std::fs::read_to_string(wat).expect("read wat");
        let module = open(&text, FUEL);
        let expected = std::fs::read_to_string(wat.with_extension("fuel")).expect("read .fuel");
        for line in expected
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        {
            let (name, fuel) = line.rsplit_once(' ').expect("`name fuel`");
            let file = wat.file_name().unwrap().to_string_lossy();
            let fuel: u64 = fuel.parse::<u64>().expect("a number") - instantiation(&file);
            if let Err(kind) = run_with_fuel(&module, name, fuel) {
                wrong.push(format!(
                    "{file} {name}: {kind} with {fuel} fuel, Wasmtime's minimum"
                ));
            }
            if fuel > 0 {
                let less = run_with_fuel(&module, name, fuel - 1);
                if less != Err(TrapKind::OutOfFuel) {
                    wrong.push(format!(
                        "{file} {name}: {less:?} with {} fuel, below Wasmtime's minimum",
                        fuel - 1
                    ));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} exports checked");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn fuel_is_shared_by_calls_between_instances() {
    let callee = open(r#"(module (func (export "g") i32.const 1 drop))"#, FUEL);
    let caller = open(
        r#"(module (import "a" "g" (func $g)) (func (export "f") call $g call $g))"#,
        FUEL,
    );
    let a = instantiate(&callee).expect("instantiates");
    let mut linker = Linker::new();
    linker.instance("a", &a);
    let b = Instance::new(caller, &linker, &RunOptions::default()).expect("instantiates");
    interrupt::set_fuel(1000);
    b.call("f", &[]).expect("runs");
    // f: entry 1, two calls 2; g twice: entry 1 and i32.const 1.
    assert_eq!(interrupt::fuel(), 1000 - 3 - 2 * 2);
    interrupt::unlimited_fuel();
}

#[test]
fn fuel_survives_exceptions_caught_from_callees() {
    let module = open(
        r#"(module
          (tag $e (param i32))
          (func $thrower (param i32) local.get 0 throw $e)
          (func (export "catch") (result i32)
            (block $h (result i32)
              (try_table (catch $e $h) i32.const 7 call $thrower)
              i32.const 0)
            i32.const 1
            i32.add))"#,
        FUEL,
    );
    let instance = instantiate(&module).expect("instantiates");
    interrupt::set_fuel(1000);
    assert_eq!(
        instance.call("catch", &[]).expect("runs"),
        vec![Val::I32(8)]
    );
    let left = interrupt::fuel();
    // catch: entry, try_table, i32.const, call; thrower: entry, local.get,
    // throw; then i32.const, i32.add.
    assert_eq!(left, 1000 - 9);
    interrupt::unlimited_fuel();
}

#[test]
fn a_deadline_stops_a_spinning_loop_within_50ms() {
    let module = open(r#"(module (func (export "spin") (loop br 0)))"#, EPOCH);
    let instance = instantiate(&module).expect("instantiates");
    interrupt::set_epoch_deadline(1);
    let ticker = std::thread::spawn(|| {
        std::thread::sleep(Duration::from_millis(100));
        let ticked = Instant::now();
        interrupt::increment_epoch();
        ticked
    });
    let outcome = instance.call("spin", &[]);
    let stopped = Instant::now();
    let ticked = ticker.join().expect("ticker");
    interrupt::no_epoch_deadline();
    match outcome {
        Err(CallError::Trap(t)) => assert_eq!(t.kind, TrapKind::Interrupted),
        other => panic!("spin: {other:?}"),
    }
    let late = stopped.saturating_duration_since(ticked);
    assert!(
        late < Duration::from_millis(50),
        "stopped {late:?} after the tick"
    );
}

#[test]
fn limits_on_code_without_checks_are_refused_when_opened() {
    let wat = r#"(module (func (export "f")))"#;
    let dir = tempfile::tempdir().unwrap();
    let plain = compile_wat(dir.path(), "plain", wat, Interruption::NONE);
    let fuel = compile_wat(dir.path(), "fuel", wat, FUEL);
    let open = |path: &Path, wanted: Interruption| {
        let options = OpenOptions {
            interruption: wanted,
            ..Default::default()
        };
        Module::open_with(path, &options)
    };
    for (path, wanted) in [
        (&plain, FUEL),
        (&plain, EPOCH),
        (&fuel, EPOCH),
        (&fuel, BOTH),
    ] {
        match open(path, wanted) {
            Err(OpenError::Incompatible(list)) => {
                assert_eq!(list.len(), 1);
                assert_eq!(list[0].field, "interruption");
                assert!(list[0].hint.contains("--epoch-interruption") == wanted.epoch);
            }
            Err(e) => panic!("{wanted}: {e}"),
            Ok(_) => panic!("{} opened for {wanted}", path.display()),
        }
    }
    assert!(open(&fuel, FUEL).is_ok());
    assert!(open(&plain, Interruption::NONE).is_ok());
    let module = open(&fuel, Interruption::NONE).expect("opens");
    assert_eq!(module.interruption(), FUEL);
    // Without a fuel limit the code runs as long as it needs.
    let instance = instantiate(&Arc::new(module)).expect("instantiates");
    instance.call("f", &[]).expect("runs");
}

/// Runs `waot-run ARGS` in `dir`: exit code, stderr, wall time.
fn waot_run(dir: &Path, args: &[&str]) -> (Option<i32>, String, Duration) {
    let started = Instant::now();
    let out = Command::new(bin("waot-run"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("run waot-run");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        started.elapsed(),
    )
}

#[test]
fn waot_run_stops_by_fuel_and_by_timeout() {
    // Cross-built and run under qemu (`cross.sh lib`) the binary next to
    // the test is the target's; `cross.sh test` runs these flags there.
    if std::env::var_os("WAOT_CROSS_LIB").is_some() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wat = r#"(module (func (export "spin") (loop br 0)) (func (export "nothing")))"#;
    compile_wat(dir.path(), "spin", wat, BOTH);
    let (code, stderr, _) = waot_run(
        dir.path(),
        &["--fuel", "1000", "--invoke", "spin", "spin.aot"],
    );
    assert_eq!(code, Some(134), "{stderr}");
    assert!(
        stderr.starts_with("error: wasm trap: all fuel consumed by WebAssembly"),
        "{stderr}"
    );
    let (code, stderr, _) = waot_run(
        dir.path(),
        &["--fuel", "1000", "--invoke", "nothing", "spin.aot"],
    );
    assert_eq!(code, Some(0), "{stderr}");

    // A process that does nothing, for the start-up and exit time.
    let (_, _, baseline) = waot_run(
        dir.path(),
        &["--timeout", "5s", "--invoke", "nothing", "spin.aot"],
    );
    let timeout = Duration::from_millis(300);
    let (code, stderr, took) = waot_run(
        dir.path(),
        &["--timeout", "300ms", "--invoke", "spin", "spin.aot"],
    );
    assert_eq!(code, Some(124), "{stderr}");
    assert!(
        stderr.starts_with("error: wasm trap: interrupted"),
        "{stderr}"
    );
    assert!(took >= timeout, "stopped after {took:?}");
    let late = took - timeout;
    assert!(
        late < baseline + Duration::from_millis(50),
        "stopped {late:?} after the deadline (start-up and exit take {baseline:?})"
    );
}
