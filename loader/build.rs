//! Build script of the loader package: links the `waot-run` command's
//! unwinder statically.
//!
//! On Linux with glibc, Rust takes the unwinder from `libgcc_s.so.1`.
//! Loading that library and running its constructor, which probes the CPU
//! with a dozen `cpuid` instructions (each a trap to the hypervisor on a
//! virtual machine), is a tenth of a hello world's start-up. The command
//! takes the same unwinder from gcc's static `libgcc_eh.a` instead, as
//! `gcc -static-libgcc` does: pulled in whole, its definitions come before
//! the shared library's, which `--as-needed` then leaves out. That holds on
//! x86-64, where Rust links with its own `lld`; GNU ld (the cross targets'
//! linker) keeps `libgcc_s` needed whatever follows it, and there `cpuid`
//! is no cost anyway, so other targets are left as they are, and so is a
//! `crt-static` build, whose link already takes `libgcc_eh.a` (a second
//! copy would define every symbol twice). Only the binary is linked so;
//! the library crate leaves the choice to embedders. A native library
//! loaded with `--native-lib` may bring `libgcc_s` in after all: two
//! unwinders then coexist, as in any `-static-libgcc` program; each finds
//! frames through `dl_iterate_phdr`, and no exception crosses the C ABI.

fn main() {
    let var = |name| std::env::var(name).unwrap_or_default();
    let target = (
        var("CARGO_CFG_TARGET_ARCH"),
        var("CARGO_CFG_TARGET_OS"),
        var("CARGO_CFG_TARGET_ENV"),
    );
    let crt_static = var("CARGO_CFG_TARGET_FEATURE")
        .split(',')
        .any(|f| f == "crt-static");
    if target == ("x86_64".into(), "linux".into(), "gnu".into()) && !crt_static {
        println!(
            "cargo:rustc-link-arg-bins=-Wl,--push-state,--whole-archive,-Bstatic,-lgcc_eh,--pop-state"
        );
    }
    println!("cargo:rerun-if-changed=build.rs");
}
