//! The WASI preview 1 surface: every one of the 46 `wasi_snapshot_preview1`
//! functions is defined with its exact signature (the list below is data,
//! from the preview-1 witx), and calls with several iovecs check every
//! buffer before they write or consume anything (and `path_open` its
//! result pointer before it creates anything); stdio's fdstat makes
//! wasi-libc's `isatty` true exactly on a terminal; `poll_oneoff` waits for
//! stdin and resumes a wait a signal interrupts; `fd_fdstat_set_flags`
//! refuses what it cannot honour.

use waot_run::wasi::{WasiConfig, WasiCtx, add_to_raw_linker};
use waot_run::{InstantiateError, RunOptions, Val, instance::Instance, linker::Linker};
use waot_testsuite::bin;

/// Every preview 1 function: name, parameter types, result types (`i32` =
/// `i`, `i64` = `I`).
const PREVIEW1: &[(&str, &str, &str)] = &[
    ("args_get", "ii", "i"),
    ("args_sizes_get", "ii", "i"),
    ("environ_get", "ii", "i"),
    ("environ_sizes_get", "ii", "i"),
    ("clock_res_get", "ii", "i"),
    ("clock_time_get", "iIi", "i"),
    ("fd_advise", "iIIi", "i"),
    ("fd_allocate", "iII", "i"),
    ("fd_close", "i", "i"),
    ("fd_datasync", "i", "i"),
    ("fd_fdstat_get", "ii", "i"),
    ("fd_fdstat_set_flags", "ii", "i"),
    ("fd_fdstat_set_rights", "iII", "i"),
    ("fd_filestat_get", "ii", "i"),
    ("fd_filestat_set_size", "iI", "i"),
    ("fd_filestat_set_times", "iIIi", "i"),
    ("fd_pread", "iiiIi", "i"),
    ("fd_prestat_get", "ii", "i"),
    ("fd_prestat_dir_name", "iii", "i"),
    ("fd_pwrite", "iiiIi", "i"),
    ("fd_read", "iiii", "i"),
    ("fd_readdir", "iiiIi", "i"),
    ("fd_renumber", "ii", "i"),
    ("fd_seek", "iIii", "i"),
    ("fd_sync", "i", "i"),
    ("fd_tell", "ii", "i"),
    ("fd_write", "iiii", "i"),
    ("path_create_directory", "iii", "i"),
    ("path_filestat_get", "iiiii", "i"),
    ("path_filestat_set_times", "iiiiIIi", "i"),
    ("path_link", "iiiiiii", "i"),
    ("path_open", "iiiiiIIii", "i"),
    ("path_readlink", "iiiiii", "i"),
    ("path_remove_directory", "iii", "i"),
    ("path_rename", "iiiiii", "i"),
    ("path_symlink", "iiiii", "i"),
    ("path_unlink_file", "iii", "i"),
    ("poll_oneoff", "iiii", "i"),
    ("proc_exit", "i", ""),
    ("proc_raise", "i", "i"),
    ("sched_yield", "", "i"),
    ("random_get", "ii", "i"),
    ("sock_accept", "iii", "i"),
    ("sock_recv", "iiiiii", "i"),
    ("sock_send", "iiiii", "i"),
    ("sock_shutdown", "ii", "i"),
];

fn wat_types(code: &str) -> String {
    code.chars()
        .map(|c| if c == 'I' { " i64" } else { " i32" })
        .collect()
}

/// A module importing `imports` (name, params, results) from WASI.
fn importer(imports: &[(&str, &str, &str)]) -> String {
    let mut wat = String::from("(module\n");
    for (name, params, results) in imports {
        wat += &format!(
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func (param{}) (result{})))\n",
            wat_types(params),
            wat_types(results)
        );
    }
    wat + "  (memory (export \"memory\") 1))"
}

fn wasi_linker(config: &WasiConfig) -> Linker {
    let mut linker = Linker::new();
    add_to_raw_linker(&mut linker, &WasiCtx::new(config).expect("wasi context"));
    linker
}

#[test]
fn every_preview1_function_is_defined_with_its_signature() {
    assert_eq!(PREVIEW1.len(), 46, "preview 1 has 46 functions");
    let mut names: Vec<_> = PREVIEW1.iter().map(|f| f.0).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 46, "names are unique");
    let module = waot_testsuite::open_wat(&importer(PREVIEW1));
    let linker = wasi_linker(&WasiConfig::default());
    if let Err(e) = Instance::new(module, &linker, &RunOptions::default()) {
        panic!("linking all 46 preview 1 imports failed: {e}");
    }
}

#[test]
fn a_wrong_signature_for_a_wasi_function_is_refused() {
    // The check above is only worth something if signatures are compared.
    let module = waot_testsuite::open_wat(&importer(&[("sock_accept", "iiI", "i")]));
    let linker = wasi_linker(&WasiConfig::default());
    match Instance::new(module, &linker, &RunOptions::default()) {
        Err(InstantiateError::Link(lines)) => {
            assert!(lines.join("\n").contains("sock_accept"), "{lines:?}")
        }
        Err(e) => panic!("expected a link error, got {e}"),
        Ok(_) => panic!("a wrong sock_accept signature was accepted"),
    }
}

/// A guest that opens `data.txt` in the preopened directory (fd 3) and
/// writes, pwrites or reads through two iovecs, the second one at
/// `$second` (16 bytes), from a table at `$table`.
const IOVEC_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_pwrite" (func $pwrite (param i32 i32 i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $read (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "data.txt")
  (data (i32.const 16) "hello\n")
  ;; oflags: 9 = creat|trunc, 0 = open existing. The new fd goes to 100.
  (func (export "open") (param $oflags i32) (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (local.get $oflags)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 100)))
  (func (export "fd") (result i32) (i32.load (i32.const 100)))
  ;; iovec 0: the 6 bytes at 16 (writes) or 4 bytes at 200 (reads);
  ;; iovec 1: 16 bytes at $second. The table is at $table.
  (func $iovecs (param $table i32) (param $first i32) (param $len i32) (param $second i32)
    (i32.store (local.get $table) (local.get $first))
    (i32.store offset=4 (local.get $table) (local.get $len))
    (i32.store offset=8 (local.get $table) (local.get $second))
    (i32.store offset=12 (local.get $table) (i32.const 16)))
  (func (export "write") (param $fd i32) (param $table i32) (param $second i32) (result i32)
    (call $iovecs (i32.const 64) (i32.const 16) (i32.const 6) (local.get $second))
    (call $write (local.get $fd) (local.get $table) (i32.const 2) (i32.const 104)))
  (func (export "pwrite") (param $fd i32) (param $second i32) (result i32)
    (call $iovecs (i32.const 64) (i32.const 16) (i32.const 6) (local.get $second))
    (call $pwrite (local.get $fd) (i32.const 64) (i32.const 2) (i64.const 0) (i32.const 104)))
  (func (export "read") (param $fd i32) (param $second i32) (result i32)
    (call $iovecs (i32.const 64) (i32.const 200) (i32.const 4) (local.get $second))
    (call $read (local.get $fd) (i32.const 64) (i32.const 2) (i32.const 104)))
  (func (export "count") (result i32) (i32.load (i32.const 104)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

const EFAULT: i32 = 21;
/// 16 bytes from here run past the guest's one page.
const PAST_THE_END: i32 = 65_530;

fn call(instance: &Instance, name: &str, args: &[i32]) -> i32 {
    let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    match instance.call(name, &args).expect(name).as_slice() {
        [Val::I32(v)] => *v,
        other => panic!("{name} returned {other:?}"),
    }
}

#[test]
fn iovecs_are_all_checked_before_anything_is_written_or_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("data.txt");
    let config = WasiConfig {
        preopens: vec![(dir.path().to_path_buf(), ".".into())],
        ..Default::default()
    };
    let module = waot_testsuite::open_wat(IOVEC_GUEST);
    let instance = Instance::new(module, &wasi_linker(&config), &RunOptions::default()).unwrap();
    assert_eq!(call(&instance, "open", &[9]), 0);
    let fd = call(&instance, "fd", &[]);

    // A bad second buffer: EFAULT and nothing written (a retrying guest
    // would otherwise write "hello\n" twice).
    assert_eq!(call(&instance, "write", &[fd, 64, PAST_THE_END]), EFAULT);
    assert_eq!(std::fs::read(&file).unwrap(), b"");
    // The iovec table itself out of bounds: EFAULT, nothing written.
    assert_eq!(call(&instance, "write", &[fd, 65_532, 300]), EFAULT);
    assert_eq!(std::fs::read(&file).unwrap(), b"");
    assert_eq!(call(&instance, "pwrite", &[fd, PAST_THE_END]), EFAULT);
    assert_eq!(std::fs::read(&file).unwrap(), b"");

    // Good buffers: both written.
    assert_eq!(call(&instance, "write", &[fd, 64, 300]), 0);
    assert_eq!(call(&instance, "count", &[]), 22);
    let mut expected = b"hello\n".to_vec();
    expected.extend([0u8; 16]);
    assert_eq!(std::fs::read(&file).unwrap(), expected);

    // Reads: a bad second buffer consumes no input, so the next good read
    // starts at the beginning of the file.
    assert_eq!(call(&instance, "open", &[0]), 0);
    let reader = call(&instance, "fd", &[]);
    assert_eq!(call(&instance, "read", &[reader, PAST_THE_END]), EFAULT);
    assert_eq!(call(&instance, "read", &[reader, 300]), 0);
    assert_eq!(call(&instance, "count", &[]), 20);
    assert_eq!(call(&instance, "byte", &[200]), i32::from(b'h'));
}

/// A guest that reports stdio as wasi-libc's `isatty` sees it: fd N is a
/// terminal when `fd_fdstat_get` gives a character device without the seek
/// (bit 2) and tell (bit 5) rights. `_start` exits with bit N set for each
/// terminal; `fdstat` fills the 24-byte fdstat of a descriptor at 400.
const ISATTY_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $isatty (param $fd i32) (result i32)
    (if (call $fdstat (local.get $fd) (i32.const 400)) (then (return (i32.const 0))))
    (i32.and
      (i32.eq (i32.load8_u (i32.const 400)) (i32.const 2))
      (i64.eqz (i64.and (i64.load (i32.const 408)) (i64.const 0x24)))))
  (func (export "fdstat") (param $fd i32) (result i32)
    (call $fdstat (local.get $fd) (i32.const 400)))
  (func (export "filetype") (result i32) (i32.load8_u (i32.const 400)))
  (func (export "rights_base") (result i64) (i64.load (i32.const 408)))
  (func (export "rights_inheriting") (result i64) (i64.load (i32.const 416)))
  (func (export "_start")
    (call $exit (i32.or (call $isatty (i32.const 0))
      (i32.or (i32.shl (call $isatty (i32.const 1)) (i32.const 1))
              (i32.shl (call $isatty (i32.const 2)) (i32.const 2)))))))"#;

fn call_i64(instance: &Instance, name: &str) -> i64 {
    match instance.call(name, &[]).expect(name).as_slice() {
        [Val::I64(v)] => *v,
        other => panic!("{name} returned {other:?}"),
    }
}

#[test]
fn stdio_rights_are_read_or_write_and_poll_and_the_type_follows_the_host() {
    use std::io::IsTerminal;
    const FD_READ: i64 = 1 << 1;
    const FD_WRITE: i64 = 1 << 6;
    const POLL_FD_READWRITE: i64 = 1 << 27;
    let module = waot_testsuite::open_wat(ISATTY_GUEST);
    let linker = wasi_linker(&WasiConfig::default());
    let instance = Instance::new(module, &linker, &RunOptions::default()).unwrap();
    let terminal = [
        std::io::stdin().is_terminal(),
        std::io::stdout().is_terminal(),
        std::io::stderr().is_terminal(),
    ];
    for (fd, transfer) in [(0, FD_READ), (1, FD_WRITE), (2, FD_WRITE)] {
        assert_eq!(call(&instance, "fdstat", &[fd]), 0);
        // A character device only on a terminal (Wasmtime's rule), else
        // unknown; never seek or tell, so isatty is right either way.
        let expected_type = if terminal[fd as usize] { 2 } else { 0 };
        assert_eq!(call(&instance, "filetype", &[]), expected_type, "fd {fd}");
        assert_eq!(
            call_i64(&instance, "rights_base"),
            transfer | POLL_FD_READWRITE
        );
        assert_eq!(
            call_i64(&instance, "rights_inheriting"),
            transfer | POLL_FD_READWRITE
        );
    }
}

/// Runs the isatty guest with `waot-run`, on pipes or (through `script`)
/// on a pseudo-terminal; returns its exit code.
fn isatty_exit_code(on_pty: bool) -> i32 {
    let dir = tempfile::tempdir().unwrap();
    let wasm = wat::parse_str(ISATTY_GUEST).unwrap();
    let artifact = waot_testsuite::compile_to_file(
        &wasm,
        &waot::CompileOptions::default(),
        dir.path(),
        "isatty.aot",
    )
    .unwrap();
    let run = bin("waot-run");
    let mut cmd = if on_pty {
        // util-linux script: -q quiet, -e the child's exit code, -c command;
        // the typescript goes to /dev/null.
        let mut cmd = std::process::Command::new("script");
        cmd.arg("-qec")
            .arg(format!("'{}' '{}'", run.display(), artifact.display()))
            .arg("/dev/null");
        cmd
    } else {
        let mut cmd = std::process::Command::new(run);
        cmd.arg(&artifact);
        cmd
    };
    let out = cmd
        .stdin(std::process::Stdio::null())
        .output()
        .expect("runs");
    out.status
        .code()
        .unwrap_or_else(|| panic!("killed: {out:?}"))
}

#[test]
fn stdio_is_a_terminal_exactly_when_the_host_stdio_is_one() {
    // Pipes: no descriptor is a terminal.
    assert_eq!(isatty_exit_code(false), 0);
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped the pseudo-terminal half: util-linux `script` is not installed");
        return;
    }
    // All three on a pseudo-terminal: all three are terminals (bits 0-2).
    assert_eq!(isatty_exit_code(true), 7);
}

/// A guest that opens `made.txt` in the preopened directory (fd 3) with
/// `oflags`, writing the new descriptor to `out`.
const OPEN_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "made.txt")
  (func (export "open") (param $oflags i32) (param $out i32) (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (local.get $oflags)
      (i64.const -1) (i64.const -1) (i32.const 0) (local.get $out)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0))))"#;

#[test]
fn path_open_with_a_bad_out_pointer_creates_and_leaks_nothing() {
    const O_CREAT: i32 = 1;
    let dir = tempfile::tempdir().unwrap();
    let config = WasiConfig {
        preopens: vec![(dir.path().to_path_buf(), ".".into())],
        ..Default::default()
    };
    let module = waot_testsuite::open_wat(OPEN_GUEST);
    let instance = Instance::new(module, &wasi_linker(&config), &RunOptions::default()).unwrap();
    assert_eq!(call(&instance, "open", &[O_CREAT, 65_534]), EFAULT);
    assert!(
        !dir.path().join("made.txt").exists(),
        "path_open created the file although it failed with EFAULT"
    );
    // No descriptor leaked: the next one is 4, right after the preopen.
    assert_eq!(call(&instance, "open", &[O_CREAT, 100]), 0);
    assert_eq!(call(&instance, "load", &[100]), 4);
    assert!(dir.path().join("made.txt").exists());
}

/// A guest that polls descriptor `$fd` for reading (userdata 1) together
/// with a relative monotonic clock of `$ns` (userdata 2); `poll_fd` returns
/// the first event's userdata (100 + errno if the call fails). `_start`
/// polls stdin with 300 ms and exits with that.
const POLL_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func $poll_fd (export "poll_fd") (param $fd i32) (param $ns i64) (result i32)
    (local $errno i32)
    (i64.store (i32.const 0) (i64.const 1))
    (i32.store8 (i32.const 8) (i32.const 1))
    (i32.store (i32.const 16) (local.get $fd))
    (i64.store (i32.const 48) (i64.const 2))
    (i32.store8 (i32.const 56) (i32.const 0))
    (i32.store (i32.const 64) (i32.const 1))
    (i64.store (i32.const 72) (local.get $ns))
    (local.set $errno (call $poll (i32.const 0) (i32.const 200) (i32.const 2) (i32.const 300)))
    (if (local.get $errno) (then (return (i32.add (i32.const 100) (local.get $errno)))))
    (i32.wrap_i64 (i64.load (i32.const 200))))
  (func (export "_start")
    (call $exit (call $poll_fd (i32.const 0) (i64.const 300000000)))))"#;

/// Runs [`POLL_GUEST`] with `waot-run`, writing `input` to its stdin (kept
/// open); returns its exit code and how long it ran.
fn poll_stdin(input: &[u8]) -> (i32, std::time::Duration) {
    use std::io::Write;
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let wasm = wat::parse_str(POLL_GUEST).unwrap();
    let artifact = waot_testsuite::compile_to_file(
        &wasm,
        &waot::CompileOptions::default(),
        dir.path(),
        "poll.aot",
    )
    .unwrap();
    let start = std::time::Instant::now();
    let mut child = std::process::Command::new(bin("waot-run"))
        .arg(&artifact)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(input).unwrap();
    let status = child.wait().unwrap();
    drop(stdin);
    (status.code().expect("exit code"), start.elapsed())
}

#[test]
fn poll_oneoff_waits_until_stdin_is_readable() {
    // Nothing to read (the pipe stays open): the clock fires, after 300 ms.
    let (first, took) = poll_stdin(b"");
    assert_eq!(first, 2, "stdin was reported readable with no input");
    assert!(took >= std::time::Duration::from_millis(300), "{took:?}");
    // Input waiting: stdin is readable.
    let (first, _) = poll_stdin(b"x\n");
    assert_eq!(first, 1);
}

extern "C" fn ignore_signal(_: libc::c_int) {}

#[test]
fn a_signal_does_not_end_a_poll_before_its_clock() {
    // A listener nobody connects to never becomes readable.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = WasiConfig {
        tcp_listen: vec![format!("127.0.0.1:{port}")],
        ..Default::default()
    };
    let module = waot_testsuite::open_wat(POLL_GUEST);
    let instance = Instance::new(module, &wasi_linker(&config), &RunOptions::default()).unwrap();
    // SAFETY: installs a handler that does nothing for SIGUSR1, which
    // nothing else in this test process uses; without SA_RESTART, so the
    // host poll fails with EINTR.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = ignore_signal as *const () as libc::sighandler_t;
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    // SAFETY: pthread_self has no preconditions.
    let target = unsafe { libc::pthread_self() };
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stop = done.clone();
    let signaller = std::thread::spawn(move || {
        while !stop.load(std::sync::atomic::Ordering::SeqCst) {
            std::thread::sleep(std::time::Duration::from_millis(20));
            if !stop.load(std::sync::atomic::Ordering::SeqCst) {
                // SAFETY: `target` is the test thread, alive until `done`
                // is set and this thread joined.
                unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
            }
        }
    });
    let start = std::time::Instant::now();
    let args = [Val::I32(3), Val::I64(300_000_000)];
    let first = instance.call("poll_fd", &args).expect("poll_fd");
    let took = start.elapsed();
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    signaller.join().unwrap();
    assert_eq!(
        first,
        vec![Val::I32(2)],
        "the clock fires, not the listener"
    );
    assert!(
        took >= std::time::Duration::from_millis(300),
        "the clock subscription fired after {took:?}, before its 300 ms"
    );
}

/// A guest that sets a descriptor's fdflags (`set`) and reads them back
/// (`flags`); `made.txt` in the preopened directory (fd 3) is opened with
/// `open`, its descriptor at 100.
const FLAGS_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "fd_fdstat_set_flags" (func $set (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "made.txt")
  (func (export "open") (result i32)
    (call $open (i32.const 3) (i32.const 0) (i32.const 0) (i32.const 8) (i32.const 1)
      (i64.const -1) (i64.const -1) (i32.const 0) (i32.const 100)))
  (func (export "fd") (result i32) (i32.load (i32.const 100)))
  (func (export "set") (param $fd i32) (param $flags i32) (result i32)
    (call $set (local.get $fd) (local.get $flags)))
  (func (export "flags") (param $fd i32) (result i32)
    (drop (call $get (local.get $fd) (i32.const 400)))
    (i32.load16_u (i32.const 402))))"#;

#[test]
fn fdstat_set_flags_honours_what_it_can_and_refuses_the_rest() {
    const APPEND: i32 = 1;
    const DSYNC: i32 = 2;
    const NONBLOCK: i32 = 4;
    const SYNC: i32 = 16;
    const EINVAL: i32 = 28;
    const ENOTSUP: i32 = 58;
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = WasiConfig {
        preopens: vec![(dir.path().to_path_buf(), ".".into())],
        tcp_listen: vec![format!("127.0.0.1:{port}")],
        ..Default::default()
    };
    let module = waot_testsuite::open_wat(FLAGS_GUEST);
    let instance = Instance::new(module, &wasi_linker(&config), &RunOptions::default()).unwrap();
    let listener = 4;
    assert_eq!(call(&instance, "open", &[]), 0);
    let file = call(&instance, "fd", &[]);

    // A file keeps append and nonblock and reports them.
    assert_eq!(call(&instance, "set", &[file, APPEND | NONBLOCK]), 0);
    assert_eq!(call(&instance, "flags", &[file]), APPEND | NONBLOCK);
    // Synchronized I/O is refused (as in Wasmtime), leaving the flags.
    assert_eq!(call(&instance, "set", &[file, SYNC]), EINVAL);
    assert_eq!(call(&instance, "set", &[file, APPEND | DSYNC]), EINVAL);
    assert_eq!(call(&instance, "flags", &[file]), APPEND | NONBLOCK);
    assert_eq!(call(&instance, "set", &[file, 0]), 0);
    assert_eq!(call(&instance, "flags", &[file]), 0);

    // Stdio: nothing can be set (it would change the host's stdio); no
    // flags is a no-op.
    for fd in 0..3 {
        assert_eq!(call(&instance, "set", &[fd, NONBLOCK]), ENOTSUP, "fd {fd}");
        assert_eq!(call(&instance, "set", &[fd, APPEND]), ENOTSUP, "fd {fd}");
        assert_eq!(call(&instance, "set", &[fd, SYNC]), EINVAL, "fd {fd}");
        assert_eq!(call(&instance, "set", &[fd, 0]), 0, "fd {fd}");
        assert_eq!(call(&instance, "flags", &[fd]), 0, "fd {fd}");
    }

    // A socket takes nonblock, not append or sync.
    assert_eq!(call(&instance, "set", &[listener, NONBLOCK]), 0);
    assert_eq!(call(&instance, "flags", &[listener]), NONBLOCK);
    assert_eq!(
        call(&instance, "set", &[listener, APPEND | NONBLOCK]),
        ENOTSUP
    );
    assert_eq!(call(&instance, "set", &[listener, SYNC]), EINVAL);
    assert_eq!(call(&instance, "flags", &[listener]), NONBLOCK);
    // A directory has no flags to set.
    assert_eq!(call(&instance, "set", &[3, NONBLOCK]), ENOTSUP);
    assert_eq!(call(&instance, "set", &[3, 0]), 0);
}
