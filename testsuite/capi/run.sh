#!/bin/sh
# Builds each C host of testsuite/capi (the wasm-c-api project's examples,
# unchanged, and our own tests) against target/capi, with AddressSanitizer
# (leaks included), compiles its guest with waot, runs it and compares its
# output with the `.expected` file beside it. WAOT_BLESS=1 rewrites them.
#
# The examples open `NAME.wasm`: here that file is the artifact `waot
# compile NAME.wat` writes, which is all a host changes to move to waot.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
capi=$root/target/capi
waot=$root/target/debug/waot
work=$root/target/capi-tests
cc=${CC:-cc}
sanitize=${CAPI_SANITIZE:--fsanitize=address -fno-omit-frame-pointer}
mkdir -p "$work"
failed=0
count=0
for src in "$root"/testsuite/capi/wasm-c-api/*.c "$root"/testsuite/capi/own/*.c; do
  [ -e "$src" ] || continue
  dir=$(dirname "$src")
  name=$(basename "$src" .c)
  out=$work/$(basename "$dir")-$name
  mkdir -p "$out"
  "$waot" compile -q "$dir/$name.wat" -o "$out/$name.wasm"
  # shellcheck disable=SC2086
  $cc -g -O1 $sanitize -I"$capi/include" "$src" -o "$out/$name" \
    "$capi/lib/libwaot_run.a" -lpthread -ldl -lm -lrt
  # Pointers differ from run to run: print them as PTR.
  if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$name") > "$out/stdout" 2>&1; then
    status=0
  else
    status=$?
  fi
  # Threads print in any order: a NAME.unordered file beside a host says
  # its lines are compared sorted.
  if [ -e "$dir/$name.unordered" ]; then order="sort"; else order="cat"; fi
  sed -e 's/0x[0-9a-f]\{6,\}/PTR/g' "$out/stdout" | $order > "$out/actual"
  echo "exit status $status" >> "$out/actual"
  count=$((count + 1))
  if [ "${WAOT_BLESS:-0}" = 1 ]; then
    cp "$out/actual" "$dir/$name.expected"
  elif ! diff -u "$dir/$name.expected" "$out/actual"; then
    echo "FAILED: $dir/$name.c"
    failed=$((failed + 1))
  fi
done
echo "C API tests: $count run, $failed failed"
[ "$failed" = 0 ]
