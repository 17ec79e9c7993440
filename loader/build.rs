//! Builds the one C file of the loader: `sigsetjmp`/`siglongjmp` wrappers,
//! which Rust cannot call directly because `sigsetjmp` returns twice.

fn main() {
    println!("cargo:rerun-if-changed=csrc/unwind.c");
    cc::Build::new()
        .file("csrc/unwind.c")
        .compile("waot_unwind");
}
