#!/bin/sh
# Builds the binaries `make dist` installs, target/dist/waot and
# target/dist/waot-run, optimised with the guidance of a profile: an
# instrumented build (target/pgo/target) compiles and runs a training
# corpus, and LLVM's profile of those runs steers the final build (the
# `dist` profile: release with whole-program LTO). The corpus is the test
# fixtures (the C programs, the e2e, GC and codegen modules, the Go
# reactor), never the benchmark's programs, so that `make bench` measures
# programs the profile has not seen. Needs llvm-profdata of the LLVM
# version rustc was built with (installed through apt when run as root).
#
# Profile guidance changes how fast waot itself runs, never what it
# writes: an artifact is the same bytes whichever build compiled it.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cargo=${CARGO:-cargo}
work="$root/target/pgo"

llvm=$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')
profdata="llvm-profdata-$llvm"
if ! command -v "$profdata" >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        apt-get update -qq && apt-get install -y -qq "llvm-$llvm" >/dev/null
    fi
    command -v "$profdata" >/dev/null || {
        echo "error: $profdata not found (rustc is built with LLVM $llvm, and only its profile format can guide it)"
        echo "hint: sudo apt-get install llvm-$llvm, or build without a profile: make dist PGO=off"
        exit 1
    }
fi

echo "pgo: instrumented build (target/pgo/target)"
rm -rf "$work/raw" "$work/out"
mkdir -p "$work/raw" "$work/out"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-generate=$work/raw" CARGO_TARGET_DIR="$work/target" \
    "$cargo" build -q --profile dist -p waot -p waot-run
# The build scripts it ran were instrumented too; their profiles are not
# the binaries'.
rm -f "$work/raw"/*

echo "pgo: training on the test fixtures"
waot="$work/target/dist/waot"
waot_run="$work/target/dist/waot-run"
cd "$root/testsuite"
for wasm in c/*.wasm real/go_reactor/go_reactor.wasm e2e/*.wat gc/*.wat disas/*.wat; do
    "$waot" compile -q --cpu native "$wasm" -o "$work/out/$(basename "$wasm").aot"
done
for wasm in e2e/calls.wat e2e/control.wat c/printf.wasm; do
    "$waot" compile -q --bounds-checks explicit --fuel --epoch-interruption "$wasm" \
        -o "$work/out/checked-$(basename "$wasm").aot"
done
# The C programs that need no arguments, directories or natives.
for program in args_env atomics cpp_exceptions cpp_exceptions_legacy hello printf \
    qsort_malloc simd sjlj sjlj_legacy tail_state; do
    "$waot_run" "$work/out/$program.wasm.aot" >/dev/null </dev/null
done
"$waot_run" --fuel 1000000000 "$work/out/checked-printf.wasm.aot" >/dev/null </dev/null

"$profdata" merge -o "$work/merged.profdata" "$work/raw"
echo "pgo: final build (target/dist)"
cd "$root"
RUSTFLAGS="${RUSTFLAGS:-} -Cprofile-use=$work/merged.profdata" "$cargo" build --profile dist -p waot -p waot-run
