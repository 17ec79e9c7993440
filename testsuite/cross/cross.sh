#!/bin/sh
# waot-run for other architectures, run under qemu-user on this machine.
#   sh cross.sh build TARGET    install what is missing (apt, as root) and
#                               build target/TRIPLE/release/waot-run
#   sh cross.sh runner TARGET   print the command that runs that waot-run
#   sh cross.sh test TARGET     build, then run the e2e fixtures (both
#                               bounds modes) and the C programs compiled
#                               for TARGET under qemu, compared with this
#                               host's results
# TARGET: aarch64, riscv64 or s390x.
#
# The cross builds use Debian's second Rust toolchain, rustc-web/cargo-web
# 1.96 (the security archive's; rustup's standard library is not installed
# for other targets and cannot be fetched here), first on PATH. aarch64
# has a prebuilt standard library through multiarch
# (libstd-rust-web-dev:arm64); riscv64 and s390x build theirs from
# rust-web-src (-Z build-std, which needs RUSTC_BOOTSTRAP=1).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
action=${1:-}
arch=${2:-}
case "$arch" in
aarch64)
    triple=aarch64-unknown-linux-gnu gnu=aarch64-linux-gnu
    # qemu's -L: the multiarch root; the cross sysroot's ld.so paired with
    # the multiarch libc.so.6 hangs at the first thread start.
    qemu="qemu-aarch64 -L /"
    packages="libstd-rust-web-dev:arm64" ;;
riscv64)
    triple=riscv64gc-unknown-linux-gnu gnu=riscv64-linux-gnu
    # qemu-user shows the guest this machine's /proc/cpuinfo (no riscv
    # isa line) and qemu 7.2 has no riscv_hwprobe: the vector extension
    # the emulated CPU has is named with WAOT_CPU_FEATURES.
    qemu="qemu-riscv64 -L /usr/riscv64-linux-gnu -cpu rv64,v=true,vext_spec=v1.0,vlen=128 -E WAOT_CPU_FEATURES=v"
    packages="rust-web-src" ;;
s390x)
    triple=s390x-unknown-linux-gnu gnu=s390x-linux-gnu
    qemu="qemu-s390x -L /usr/s390x-linux-gnu"
    packages="rust-web-src" ;;
*)
    echo "error: unknown cross target '$arch'"
    echo "hint: make cross TARGET=aarch64 (or riscv64, s390x)"
    exit 2 ;;
esac
bin="$root/target/$triple/release/waot-run"

install() {
    missing=""
    for p in rustc-web cargo-web "gcc-$gnu" qemu-user $packages; do
        dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
    done
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
        echo "error: missing Debian packages:$missing"
        echo "hint: as root: apt-get install$missing"
        exit 1
    fi
    case "$packages" in *:arm64*) dpkg --add-architecture arm64 ;; esac
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

build() {
    install
    linker_var=CARGO_TARGET_$(echo "$triple" | tr a-z- A-Z_)_LINKER
    export "$linker_var=$gnu-gcc"
    cd "$root"
    if [ "$arch" = aarch64 ]; then
        PATH=/usr/bin:$PATH /usr/bin/cargo build -q --release -p waot-run --target "$triple"
    else
        PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 /usr/bin/cargo build -q --release -p waot-run \
            --target "$triple" -Z build-std=std,panic_unwind
    fi
    echo "built $bin"
}

case "$action" in
build) build ;;
runner) echo "$qemu $bin" ;;
test)
    build
    cd "$root"
    cargo build -q --workspace
    export WAOT_CROSS_TARGET="$triple" WAOT_CROSS_RUN="$qemu $bin"
    cargo test -q -p waot-testsuite --test e2e
    cargo test -q -p waot-testsuite --test c_programs ;;
*)
    echo "error: unknown action '$action'"
    echo "hint: sh testsuite/cross/cross.sh build|runner|test aarch64|riscv64|s390x"
    exit 2 ;;
esac
