#!/bin/sh
# waot-run for other architectures, run under qemu-user on this machine.
#   sh cross.sh build TARGET    install what is missing (apt, as root) and
#                               build target/TRIPLE/release/waot-run
#   sh cross.sh runner TARGET   print the command that runs that waot-run
#   sh cross.sh lib TARGET      the library-level tests that need no host
#                               binary (exceptions across the host
#                               boundary, unwinding, imports, GC objects
#                               through the API and compaction), cross-
#                               built and run under qemu by cargo
#   sh cross.sh spec TARGET [guard|explicit] [PREFIX]
#                               build waot-testsuite for TARGET and run the
#                               official spec suite (or its files whose
#                               path starts with PREFIX, e.g. gc/) under
#                               qemu, one file a process (a whole-suite
#                               process grows qemu past this machine's
#                               memory), two at a time; the environment
#                               reaches the guest (WAOT_GC_STRESS=1)
#   sh cross.sh static TARGET   guests linked from `waot compile --emit
#                               object` objects into the example C host
#                               with a cross-built libwaot_run.a
#   sh cross.sh test TARGET     build, then run the e2e fixtures (both
#                               bounds modes), the C programs and the Go
#                               reactor compiled for TARGET under qemu,
#                               compared with this host's results
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
    packages="libstd-rust-web-dev:arm64 libc6-dev-arm64-cross" ;;
riscv64)
    triple=riscv64gc-unknown-linux-gnu gnu=riscv64-linux-gnu
    # qemu-user shows the guest this machine's /proc/cpuinfo (no riscv
    # isa line) and qemu 7.2 has no riscv_hwprobe: the vector extension
    # the emulated CPU has is named with WAOT_CPU_FEATURES.
    qemu_cpu="qemu-riscv64 -L /usr/riscv64-linux-gnu -cpu rv64,v=true,vext_spec=v1.0,vlen=128"
    qemu="$qemu_cpu -E WAOT_CPU_FEATURES=v"
    packages="rust-web-src libc6-dev-riscv64-cross" ;;
s390x)
    triple=s390x-unknown-linux-gnu gnu=s390x-linux-gnu
    qemu="qemu-s390x -L /usr/s390x-linux-gnu"
    packages="rust-web-src libc6-dev-s390x-cross" ;;
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
    # (the libc6-dev cross packages are only recommended by the cross gcc,
    # and images often install no recommendations)
    case "$packages" in *:arm64*) dpkg --add-architecture arm64 ;; esac
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
}

# Cargo with the target's linker and qemu as its runner.
target_cargo() {
    install
    upper=$(echo "$triple" | tr a-z- A-Z_)
    export "CARGO_TARGET_${upper}_LINKER=$gnu-gcc" "CARGO_TARGET_${upper}_RUNNER=$qemu"
    cd "$root"
    if [ "$arch" = aarch64 ]; then
        PATH=/usr/bin:$PATH /usr/bin/cargo "$@" --target "$triple"
    else
        PATH=/usr/bin:$PATH RUSTC_BOOTSTRAP=1 /usr/bin/cargo "$@" --target "$triple" -Z build-std=std,panic_unwind
    fi
}

build() {
    target_cargo build -q --release -p waot-run
    echo "built $bin"
}

# The spec suite: the runner itself cross-built (the compiler runs on the
# emulated CPU too, as on a device), one process per file.
spec() {
    target_cargo build -q --release -p waot-testsuite --bin waot-testsuite
    cargo build -q -p waot-testsuite
    runner="$root/target/$triple/release/waot-testsuite"
    out="$root/target/cross-spec/$arch-${bounds:-guard}"
    rm -rf "$out" && mkdir -p "$out"
    "$root/target/debug/waot-testsuite" spec --list | grep "^${prefix:-}" > "$out/files"
    export qemu runner out bounds
    # shellcheck disable=SC2016 # expanded by the inner shell
    xargs -P 2 -I FILE sh -c '$qemu "$runner" spec FILE --exact --bounds-checks ${bounds:-guard} \
        > "$out/$(echo FILE | tr / _).log" 2>&1 || true' < "$out/files"
    # Each log ends with `N passed, N failed`; a process that died has no
    # such line and counts as one failure.
    passed=0 failed=0 expected=0
    while read -r file; do
        log="$out/$(echo "$file" | tr / _).log"
        last=$(tail -n 1 "$log")
        case "$last" in
        *" passed, "*" failed")
            p=${last%% passed*} f=${last#*passed, } f=${f%% failed*}
            e=$(sed -n 's/^set [^:]*: [0-9]* passed, [0-9]* failed, \([0-9]*\) expected failures$/\1/p' "$log")
            passed=$((passed + p)) failed=$((failed + f)) expected=$((expected + ${e:-0}))
            [ "$f" = 0 ] || grep -E "FAIL|^[a-z0-9-]+/" "$log" | grep -v " 0 failed" ;;
        *)
            failed=$((failed + 1))
            echo "$file: the runner died: $(tail -n 2 "$log" | tr '\n' ' ')" ;;
        esac
    done < "$out/files"
    echo "spec on $arch (${bounds:-guard}, $(wc -l < "$out/files") files): $expected expected failures"
    echo "$passed passed, $failed failed"
    [ "$failed" = 0 ]
}

# Statically linked guests: objects of `waot compile --emit object` for
# TARGET linked with libwaot_run.a (waot-capi) cross-built for it into the
# example C host, run under qemu; their output must equal this host's
# waot-run's on the same programs.
static_objects() {
    target_cargo build -q --release -p waot-capi
    cd "$root"
    lib="$root/target/$triple/release/libwaot_capi.a"
    out="$root/target/cross-static/$arch"
    rm -rf "$out" && mkdir -p "$out"
    for prog in printf cpp_exceptions; do
        "$root/target/debug/waot" compile -q --target "$triple" --emit object --symbol guest \
            "testsuite/c/$prog.wasm" -o "$out/$prog.o"
        "$gnu-gcc" -O1 -DWAOT_STATIC_MODULE=guest -Icapi/include -Iloader/include examples/c-host/host.c \
            "$out/$prog.o" "$lib" -lpthread -ldl -lm -lrt -o "$out/$prog"
        "$root/target/debug/waot" compile -q "testsuite/c/$prog.wasm" -o "$out/$prog.aot"
        "$root/target/debug/waot-run" "$out/$prog.aot" > "$out/$prog.expected"
        (cd "$out" && $qemu "./$prog") > "$out/$prog.out"
        if ! cmp -s "$out/$prog.expected" "$out/$prog.out"; then
            echo "error: $arch: the statically linked $prog differs from waot-run's run"
            diff "$out/$prog.expected" "$out/$prog.out" | head -20
            exit 1
        fi
        echo "$arch: $prog linked from an object runs as waot-run runs it"
    done
}

case "$action" in
build) build ;;
static) static_objects ;;
lib) WAOT_CROSS_LIB=1 target_cargo test -q --release -p waot-testsuite --test exceptions --test unwinding \
        --test imports --test interruption --test gc_objects ;;
spec) bounds=${3:-guard} prefix=${4:-}; spec ;;
runner) echo "$qemu $bin" ;;
test)
    build
    cd "$root"
    cargo build -q --workspace
    export WAOT_CROSS_TARGET="$triple" WAOT_CROSS_RUN="$qemu $bin" WAOT_CROSS_CC="$gnu-gcc"
    cargo test -q -p waot-testsuite --test e2e
    cargo test -q -p waot-testsuite --test c_programs
    cargo test -q -p waot-testsuite --test applications go_reactor
    # Fuel and deadline through the target's waot-run.
    printf '(module (func (export "spin") (loop br 0)))' > target/cross-spin.wat
    "$root/target/debug/waot" compile -q --target "$triple" --fuel --epoch-interruption target/cross-spin.wat -o target/cross-spin.aot
    for limit in "--fuel 100000:134:all fuel consumed by WebAssembly" "--timeout 300ms:124:interrupted"; do
        flags=${limit%%:*}; rest=${limit#*:}; want=${rest%%:*}; message=${rest#*:}
        code=0
        out=$($qemu "$bin" $flags --invoke spin target/cross-spin.aot 2>&1) || code=$?
        case "$code:$out" in
        "$want:error: wasm trap: $message"*) echo "$arch: $flags stops a spinning loop (exit $code)" ;;
        *) echo "error: $arch: $flags: expected exit $want ($message), got exit $code: $out"; exit 1 ;;
        esac
    done
    if [ "$arch" = riscv64 ]; then
        # Without WAOT_CPU_FEATURES the guest sees no vector extension
        # (this machine's /proc/cpuinfo, no riscv_hwprobe in qemu 7.2): a
        # SIMD artifact must get the usual diagnostic, not run.
        "$root/target/debug/waot" compile -q --target "$triple" testsuite/e2e/simd.wat -o target/cross-simd.aot
        code=0
        out=$($qemu_cpu "$bin" --repl target/cross-simd.aot < /dev/null 2>&1) || code=$?
        case "$code:$out" in
        78:*"it uses CPU features this CPU lacks: v "*) echo "riscv64 without V: SIMD artifact refused (exit 78)" ;;
        *) echo "error: riscv64 without V: expected exit 78 naming v, got exit $code: $out"; exit 1 ;;
        esac
    fi
    static_objects ;;
*)
    echo "error: unknown action '$action'"
    echo "hint: sh testsuite/cross/cross.sh build|runner|test aarch64|riscv64|s390x"
    exit 2 ;;
esac
