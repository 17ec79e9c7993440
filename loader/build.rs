//! Builds the one C file of the loader: `sigsetjmp`/`siglongjmp` wrappers,
//! which Rust cannot call directly because `sigsetjmp` returns twice.
//!
//! It calls the system C compiler directly instead of using the `cc` crate:
//! cc 1.11's compiler-family probe (`cc -?`) was seen to poison cargo's
//! cached rustc probe for the next cargo command in the same `make test`
//! run, failing CI with "failed to run `rustc` to learn about
//! target-specific information".

use std::path::PathBuf;
use std::process::Command;

fn run(command: &mut Command) {
    let status = command
        .status()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"));
    assert!(status.success(), "{command:?} failed");
}

fn main() {
    println!("cargo:rerun-if-changed=csrc/unwind.c");
    println!("cargo:rerun-if-env-changed=CC");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let object = out.join("unwind.o");
    run(Command::new(&compiler)
        .args(["-c", "-O2", "-fPIC", "-o"])
        .arg(&object)
        .arg("csrc/unwind.c"));
    run(Command::new("ar")
        .arg("crs")
        .arg(out.join("libwaot_unwind.a"))
        .arg(&object));
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=waot_unwind");
}
