//! WASI sockets on loopback: `waot-run --tcplisten 127.0.0.1:PORT` runs
//! `testsuite/c/sock_echo.wasm`, which checks the socket calls' error cases,
//! accepts one connection from this test, answers a ping read with a
//! two-buffer `readv` and echoes the rest; and `--tcplisten`'s
//! own errors. Every wait is bounded.

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
