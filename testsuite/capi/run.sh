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

# Every function wasm.h and waot.h declare (static inline helpers aside) is
# one the library defines, and it defines no other wasm_/waot_ function.
$cc -E -P -DWASM_API_EXTERN= -I"$capi/include" "$capi/include/waot.h" \
  | tr -s ' \t' '\n' | sed -n 's/^\(\(wasm\|waot\)_[a-z0-9_]*\)(.*/\1/p' | sort -u > "$work/declared"
$cc -E -P -DWASM_API_EXTERN= -I"$capi/include" "$capi/include/waot.h" \
  | sed -n 's/^static inline [^(]* \**\(wasm_[a-z0-9_]*\)(.*/\1/p' | sort -u > "$work/inline"
nm -g --defined-only "$capi/lib/libwaot_run.a" 2>/dev/null | awk '{print $3}' \
  | grep '^\(wasm\|waot\)_' | sort -u > "$work/defined"
# (waot_native_symbols is for native libraries to define, waot_native.h.)
comm -23 "$work/declared" "$work/inline" | grep -v '^waot_native_symbols$' > "$work/extern"
if ! cmp -s "$work/extern" "$work/defined"; then
  echo "FAILED: the headers and the library disagree (< declared only, > defined only):"
  diff "$work/extern" "$work/defined" || true
  failed=$((failed + 1))
else
  echo "C API: $(wc -l < "$work/extern") functions declared, all defined"
fi

for src in "$root"/testsuite/capi/wasm-c-api/*.c "$root"/testsuite/capi/own/*.c; do
  [ -e "$src" ] || continue
  dir=$(dirname "$src")
  name=$(basename "$src" .c)
  out=$work/$(basename "$dir")-$name
  mkdir -p "$out"
  # NAME.sh, if there is one, makes the guests in the work directory
  # (WAOT and SRC set); else NAME.wat is compiled with NAME.flags.
  if [ -e "$dir/$name.sh" ]; then
    (cd "$out" && WAOT="$waot" SRC="$dir" sh "$dir/$name.sh")
  else
    flags=""
    [ -e "$dir/$name.flags" ] && flags=$(cat "$dir/$name.flags")
    # shellcheck disable=SC2086
    "$waot" compile -q $flags "$dir/$name.wat" -o "$out/$name.wasm"
  fi
  # shellcheck disable=SC2086
  $cc -g -O1 $sanitize -I"$capi/include" "$src" -o "$out/$name" \
    "$capi/lib/libwaot_run.a" -lpthread -ldl -lm -lrt
  # Pointers differ from run to run: they print as PTR.
  if (cd "$out" && ASAN_OPTIONS=detect_leaks=1 "./$name") > "$out/stdout" 2>&1; then
    status=0
  else
    status=$?
  fi
  # Threads print in any order: a NAME.unordered file beside a host says
  # its lines are compared sorted.
  if [ -e "$dir/$name.unordered" ]; then order="sort"; else order="cat"; fi
  # Keys are made afresh each run: their fingerprints print as KEY.
  sed -e 's/0x[0-9a-f]\{6,\}/PTR/g; s/key [0-9a-f]\{16\}/key KEY/g' "$out/stdout" | $order > "$out/actual"
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
