//! WASI sockets on loopback: `waot-run --tcplisten 127.0.0.1:PORT` runs
//! `testsuite/c/sock_echo.wasm`, which checks the socket calls' error cases,
//! accepts one connection from this test, answers a ping read with a
//! two-buffer `readv` and echoes the rest; and `--tcplisten`'s
//! own errors. Every wait is bounded. A guest driven through the loader
//! library checks single calls: `sock_recv` with `WAITALL` on a
//! non-blocking socket; `sock_send`/`fd_write` to a closed connection give
//! `EPIPE` and no `SIGPIPE` (in a child process where SIGPIPE kills).

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};
use waot_testsuite::{bin, testsuite_dir};

const LIMIT: Duration = Duration::from_secs(30);

/// What `sock_echo` prints for a 100 000-byte exchange.
const EXPECTED: &str = "listener found after the preopened directories: yes
recv on stdin: ENOTSOCK
send on a closed descriptor: EBADF
accept on a directory: ENOTSOCK
shutdown on the listener: ENOTCONN
recv on the listener: ENOTCONN
poll on the listener: readable
accept: ok
readv of the handshake: 4 bytes, ping
shutdown: ok
close: ok
recv after close: EBADF
echoed 100000 bytes
";

fn compile(dir: &Path) -> PathBuf {
    let artifact = dir.join("sock_echo.aot");
    let status = Command::new(bin("waot"))
        .arg("compile")
        .arg(testsuite_dir().join("c/sock_echo.wasm"))
        .arg("-o")
        .arg(&artifact)
        .status()
        .unwrap();
    assert!(status.success(), "waot compile sock_echo.wasm failed");
    artifact
}

/// A loopback port that was free a moment ago.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Kills the guest if the test fails before it has finished.
struct KillOnDrop(Option<Child>);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Waits for `child` at most `LIMIT`, killing it if it runs longer.
fn finish(mut child: Child) -> Output {
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > LIMIT {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "waot-run did not finish in {LIMIT:?}; stdout:\n{}",
                String::from_utf8_lossy(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn a_preopened_listener_accepts_and_echoes_one_connection() {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    let port = free_port();
    let child = Command::new(bin("waot-run"))
        .arg("--dir")
        .arg(format!("{}::.", dir.path().display()))
        .arg("--tcplisten")
        .arg(format!("127.0.0.1:{port}"))
        .arg(&artifact)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guest = KillOnDrop(Some(child));
    let start = Instant::now();
    let mut stream = loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => break s,
            Err(_) if start.elapsed() < LIMIT => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => panic!("cannot connect to the guest: {e}"),
        }
    };
    stream.set_read_timeout(Some(LIMIT)).unwrap();
    // The guest must answer a 4-byte ping although it reads it with a
    // larger (two-buffer) readv.
    stream.write_all(b"ping").unwrap();
    let mut pong = [0u8; 4];
    stream.read_exact(&mut pong).unwrap();
    assert_eq!(&pong, b"pong");
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut writer = stream.try_clone().unwrap();
    let sent = payload.clone();
    let sender = std::thread::spawn(move || {
        writer.write_all(&sent).unwrap();
        writer.shutdown(Shutdown::Write).unwrap();
    });
    let mut echoed = Vec::new();
    stream.read_to_end(&mut echoed).unwrap();
    sender.join().unwrap();
    assert!(echoed == payload, "the echo differs from what was sent");
    let out = finish(guest.0.take().unwrap());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        EXPECTED,
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0));
}

fn run_with_tcplisten(address: &str) -> Output {
    let dir = tempfile::tempdir().unwrap();
    let artifact = compile(dir.path());
    finish(
        Command::new(bin("waot-run"))
            .arg("--tcplisten")
            .arg(address)
            .arg(&artifact)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

#[test]
fn tcplisten_needs_a_host_and_port() {
    let out = run_with_tcplisten("no-port-here");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: --tcplisten 'no-port-here' is not a HOST:PORT address\n\
         hint: write it as --tcplisten 127.0.0.1:8080\n"
    );
}

#[test]
fn tcplisten_on_a_port_in_use_fails_before_the_guest_runs() {
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = run_with_tcplisten(&address);
    assert_eq!(out.status.code(), Some(66));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!("error: cannot listen on '{address}': ")),
        "{stderr}"
    );
    assert!(stderr.contains("\nhint: choose a free port"), "{stderr}");
    assert!(out.stdout.is_empty(), "the guest must not run");
}

/// A guest driven call by call through the loader library: the listener
/// from `WasiConfig::tcp_listen` is descriptor 3.
const CONN_GUEST: &str = r#"(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv"
    (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Accepts a connection with fdflags $flags; the new descriptor is at 100.
  (func (export "accept") (param $flags i32) (result i32)
    (call $accept (i32.const 3) (local.get $flags) (i32.const 100)))
  (func (export "conn") (result i32) (i32.load (i32.const 100)))
  ;; Receives into two 8-byte buffers at 200 and 208 with riflags $flags;
  ;; the count goes to 104.
  (func (export "recv") (param $fd i32) (param $flags i32) (result i32)
    (i32.store (i32.const 64) (i32.const 200))
    (i32.store (i32.const 68) (i32.const 8))
    (i32.store (i32.const 72) (i32.const 208))
    (i32.store (i32.const 76) (i32.const 8))
    (call $recv (local.get $fd) (i32.const 64) (i32.const 2) (local.get $flags)
      (i32.const 104) (i32.const 108)))
  ;; Sends (or fd_writes) the 4 bytes at 300; the count goes to 104.
  (func (export "send") (param $fd i32) (result i32)
    (i32.store (i32.const 80) (i32.const 300))
    (i32.store (i32.const 84) (i32.const 4))
    (call $send (local.get $fd) (i32.const 80) (i32.const 1) (i32.const 0) (i32.const 104)))
  (func (export "write") (param $fd i32) (result i32)
    (i32.store (i32.const 80) (i32.const 300))
    (i32.store (i32.const 84) (i32.const 4))
    (call $write (local.get $fd) (i32.const 80) (i32.const 1) (i32.const 104)))
  (func (export "count") (result i32) (i32.load (i32.const 104)))
  (func (export "byte") (param i32) (result i32) (i32.load8_u (local.get 0))))"#;

const FD_NONBLOCK: i32 = 4;
const RECV_WAITALL: i32 = 2;
const EAGAIN: i32 = 6;

/// Instantiates [`CONN_GUEST`] listening on a free loopback port; returns
/// it with the port.
fn conn_guest() -> (waot_run::instance::Instance, u16) {
    use waot_run::wasi::{WasiConfig, WasiCtx, add_to_raw_linker};
    let port = free_port();
    let config = WasiConfig {
        tcp_listen: vec![format!("127.0.0.1:{port}")],
        ..Default::default()
    };
    let mut linker = waot_run::linker::Linker::new();
    add_to_raw_linker(&mut linker, &WasiCtx::new(&config).expect("wasi context"));
    let module = waot_testsuite::open_wat(CONN_GUEST);
    let instance =
        waot_run::instance::Instance::new(module, &linker, &waot_run::RunOptions::default())
            .unwrap();
    (instance, port)
}

fn call(instance: &waot_run::instance::Instance, name: &str, args: &[i32]) -> i32 {
    use waot_run::Val;
    let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
    match instance.call(name, &args).expect(name).as_slice() {
        [Val::I32(v)] => *v,
        other => panic!("{name} returned {other:?}"),
    }
}

#[test]
fn recv_waitall_on_a_nonblocking_socket_returns_the_bytes_it_consumed() {
    let (guest, port) = conn_guest();
    let mut client = TcpStream::connect(("127.0.0.1", port)).unwrap();
    assert_eq!(call(&guest, "accept", &[FD_NONBLOCK]), 0);
    let conn = call(&guest, "conn", &[]);
    // Nothing sent yet: EAGAIN, nothing consumed.
    assert_eq!(call(&guest, "recv", &[conn, RECV_WAITALL]), EAGAIN);
    // 11 of the 16 bytes asked for: the first buffer fills, the second
    // read of the 8-byte buffer runs dry (EAGAIN after 3 bytes). The guest
    // must be told about all 11 bytes, which have left the socket.
    client.write_all(b"hello world").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(call(&guest, "recv", &[conn, RECV_WAITALL]), 0);
    assert_eq!(call(&guest, "count", &[]), 11);
    let got: Vec<u8> = (200..211)
        .map(|i| call(&guest, "byte", &[i]) as u8)
        .collect();
    assert_eq!(got, b"hello world");
    // Data that arrives later is still delivered in order.
    client.write_all(b"!").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(call(&guest, "recv", &[conn, RECV_WAITALL]), 0);
    assert_eq!(call(&guest, "count", &[]), 1);
    assert_eq!(call(&guest, "byte", &[200]), i32::from(b'!'));
}

/// Set in the child process of
/// [`a_write_to_a_closed_connection_gives_epipe_and_no_sigpipe`].
const SIGPIPE_CHILD: &str = "WAOT_TEST_SIGPIPE_CHILD";
const EPIPE: i32 = 64;

/// In the child: `sock_send` and `fd_write` to a connection the client has
/// closed, with SIGPIPE at its default action (kill), as in an embedder
/// that does not ignore it; prints the errno each call ends with.
fn write_to_a_closed_connection() {
    // SAFETY: setting a signal disposition; this child runs this one test
    // on one thread, and no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    for export in ["send", "write"] {
        let (guest, port) = conn_guest();
        let client = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert_eq!(call(&guest, "accept", &[0]), 0);
        let conn = call(&guest, "conn", &[]);
        drop(client);
        // The first write after the close may still be taken (the peer
        // answers it with a reset); a later one fails.
        let mut result = 0;
        for _ in 0..200 {
            result = call(&guest, export, &[conn]);
            if result != 0 {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        println!("{export}: errno {result}");
    }
}

#[test]
fn a_write_to_a_closed_connection_gives_epipe_and_no_sigpipe() {
    if std::env::var_os(SIGPIPE_CHILD).is_some() {
        write_to_a_closed_connection();
        return;
    }
    // The test harness ignores SIGPIPE, so the check runs in a child
    // process (this test binary again, running only this test) that
    // restores the default action.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_write_to_a_closed_connection_gives_epipe_and_no_sigpipe",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SIGPIPE_CHILD, "1")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the child test process failed or was killed ({:?}): {stdout}{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("send: errno {EPIPE}\n")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("write: errno {EPIPE}\n")),
        "{stdout}"
    );
}
