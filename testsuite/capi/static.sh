#!/bin/sh
# Guests linked into a C program (`waot compile --emit object`) and loaded
# from artifacts, through the example host (examples/c-host/host.c), both
# compared with the program's native build; the static one again with
# every executable mapping forbidden (seccomp); and an object of another
# runtime ABI, which must be refused with the artifact's diagnostic.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
capi=$root/target/capi
waot=$root/target/debug/waot
work=$root/target/capi-static
host=$root/examples/c-host/host.c
cc=${CC:-cc}
link="$capi/lib/libwaot_run.a -lpthread -ldl -lm -lrt"
# `make capi`'s pkg-config file says the same.
if command -v pkg-config > /dev/null; then
  link=$(PKG_CONFIG_PATH="$capi/lib/pkgconfig" pkg-config --libs waot_run)
fi
rm -rf "$work" && mkdir -p "$work"
cd "$work"
failed=0
check() { # NAME EXPECTED-FILE ACTUAL-FILE
  if cmp -s "$2" "$3"; then echo "ok: $1"; else echo "FAILED: $1"; diff "$2" "$3" | head -20; failed=$((failed + 1)); fi
}

# shellcheck disable=SC2086
$cc -O1 -I"$capi/include" "$host" $link -o host
for prog in printf qsort_malloc cpp_exceptions; do
  src=$root/testsuite/c/$prog
  case $prog in cpp_*) c++ -O2 "$src.cpp" -o "$prog-native" ;; *) $cc -O2 "$src.c" -o "$prog-native" -lm ;; esac
  "./$prog-native" > "$prog.native"
  "$waot" compile -q "$src.wasm" -o "$prog.aot"
  "$waot" compile -q --emit object --symbol guest "$src.wasm" -o "$prog.o"
  # shellcheck disable=SC2086
  $cc -O1 -DWAOT_STATIC_MODULE=guest -I"$capi/include" "$host" "$prog.o" $link -o "$prog-static"
  ./host "$prog.aot" > "$prog.dynamic"
  "./$prog-static" > "$prog.static"
  check "$prog from an artifact equals native" "$prog.native" "$prog.dynamic"
  check "$prog linked from an object equals native" "$prog.native" "$prog.static"
done

# Traps in linked code: an access past the memory, caught by the guard
# pages or by an explicit check, ends the guest as in an artifact.
for bounds in guard explicit; do
  "$waot" compile -q --bounds-checks $bounds --emit object --symbol guest \
    "$root/testsuite/capi/static/trap.wat" -o "trap-$bounds.o"
  # shellcheck disable=SC2086
  $cc -O1 -DWAOT_STATIC_MODULE=guest -I"$capi/include" "$host" "trap-$bounds.o" $link -o "trap-$bounds"
  status=0
  "./trap-$bounds" > "trap-$bounds.out" 2>&1 || status=$?
  echo "exit status $status" >> "trap-$bounds.out"
  check "a linked guest traps out of bounds ($bounds bounds checks)" \
    "$root/testsuite/capi/static/trap.expected" "trap-$bounds.out"
done

# Nothing may be mapped executable: a seccomp filter installed before main
# kills the process on an executable mmap or mprotect.
# shellcheck disable=SC2086
$cc -O1 -include "$root/testsuite/capi/static/forbid_exec.c" -DWAOT_STATIC_MODULE=guest \
  -I"$capi/include" "$host" printf.o $link -o printf-noexec
./printf-noexec > printf.noexec
check "printf linked from an object runs with executable mappings forbidden" printf.native printf.noexec
# shellcheck disable=SC2086
$cc -O1 -include "$root/testsuite/capi/static/forbid_exec.c" -I"$capi/include" "$host" $link -o host-noexec
status=0
./host-noexec printf.aot > /dev/null 2>&1 || status=$?
if [ "$status" = 159 ]; then
  echo "ok: the filter kills a host that maps an artifact's code (exit 159, SIGSYS)"
else
  echo "FAILED: the filter let a host map an artifact's code (exit $status)"; failed=$((failed + 1))
fi

# An object of another runtime ABI: refused before anything runs, with
# the artifact's diagnostic and the command that rebuilds the object.
python3 "$root/testsuite/capi/static/forge.py" abi printf.o stale.o
# shellcheck disable=SC2086
$cc -O1 -DWAOT_STATIC_MODULE=guest -I"$capi/include" "$host" stale.o $link -o printf-stale
status=0
./printf-stale > stale.out 2> stale.err || status=$?
echo "exit status $status" >> stale.err
sed -e 's/waot\(-run\)\? [0-9][0-9.]*/waot\1 VERSION/g; s/format [0-9]*\.[0-9]*/format F/g; s/ABI [0-9a-f]\{16\}/ABI FINGERPRINT/g' stale.err > stale.actual
if [ "${WAOT_BLESS:-0}" = 1 ]; then cp stale.actual "$root/testsuite/capi/static/stale.expected"; fi
check "an object of another ABI is refused with the diagnostic" "$root/testsuite/capi/static/stale.expected" stale.actual
[ ! -s stale.out ] || { echo "FAILED: the stale object's guest ran"; failed=$((failed + 1)); }

# Code that is not what the metadata was written with (one byte changed
# after linking's input was made): refused by its hash, signed or not.
"$waot" keygen -o key > /dev/null 2>&1 || true
"$waot" compile -q --sign key.key --emit object --symbol guest "$root/testsuite/c/printf.wasm" -o signed.o
python3 "$root/testsuite/capi/static/forge.py" code signed.o tampered.o
# shellcheck disable=SC2086
$cc -O1 -DWAOT_STATIC_MODULE=guest -I"$capi/include" "$host" tampered.o $link -o printf-tampered
status=0
./printf-tampered > tampered.out 2> tampered.err || status=$?
if [ "$status" = 1 ] && [ ! -s tampered.out ] && grep -q "the object's code is not the code its metadata was written with" tampered.err; then
  echo "ok: changed code in an object is refused by its hash"
else
  echo "FAILED: changed code in an object (exit $status):"; cat tampered.err; failed=$((failed + 1))
fi

# One linked module opened in two stores: dropping one leaves the other's
# traps working (the trap handler tells the two apart).
"$waot" compile -q --emit object --symbol twice "$root/testsuite/capi/static/twice.wat" -o twice.o
# shellcheck disable=SC2086
$cc -O1 -I"$capi/include" "$root/testsuite/capi/static/twice.c" twice.o $link -o twice
./twice > twice.out 2>&1 || echo "exit status $?" >> twice.out
check "a linked module opened twice, one dropped, still traps" "$root/testsuite/capi/static/twice.expected" twice.out

echo "static objects: $failed failed"
[ "$failed" = 0 ]
