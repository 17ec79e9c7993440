#!/bin/sh
# Builds the programs that use wasm exception handling (sjlj.wasm,
# cpp_exceptions.wasm) from their sources in testsuite/c. Debian's clang-16
# has no wasm32 libc++ and its wasi-libc no setjmp support, so this uses the
# Zig toolchain from PyPI (`ziglang` 0.17.1: clang 22, wasi-libc, libc++),
# fetched into target/zig. Its wasm libc++abi is built without exceptions,
# so the parts of libc++abi and libunwind that C++ exceptions need are built
# here from Zig's own copies of their sources, with exceptions on; the two
# tags the toolchain expects come from the `.s` files beside this script.
# The first two use the standardised exception handling (exnref); the
# `_legacy` twins clang's default, legacy encoding.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
c=$(cd "$here/.." && pwd)
root=$(cd "$c/../.." && pwd)
zigdir="$root/target/zig"
zig="$zigdir/ziglang/zig"
if [ ! -x "$zig" ]; then
    mkdir -p "$zigdir"
    python3 -m pip download -q --no-deps -d "$zigdir" ziglang==0.17.1
    python3 -m zipfile -e "$zigdir"/ziglang-0.17.1-*.whl "$zigdir"
    chmod +x "$zig"
fi
lib="$zigdir/ziglang/lib"
work="$root/target/zig/eh-objects"
mkdir -p "$work"

# build SUFFIX FLAGS: sjlj$SUFFIX.wasm and cpp_exceptions$SUFFIX.wasm with
# FLAGS, every object built with them.
build() {
    suffix=$1
    flags=$2
    # setjmp/longjmp on exceptions.
    # shellcheck disable=SC2086 # the flags are words
    "$zig" cc $flags -mllvm -wasm-enable-sjlj -Wl,--strip-debug \
        "$c/sjlj.c" "$here/c_longjmp_tag.s" -o "$c/sjlj$suffix.wasm"
    # libc++abi's exception support and libunwind's wasm unwinder.
    for f in cxa_exception cxa_personality; do
        # shellcheck disable=SC2086
        "$zig" c++ $flags -fwasm-exceptions -std=c++20 -c \
            -D_LIBCXXABI_BUILDING_LIBRARY -D_LIBCPP_BUILDING_LIBRARY \
            -DLIBCXXABI_USE_LLVM_UNWINDER -D_LIBCXXABI_HAS_NO_THREADS \
            -I"$lib/libcxxabi/include" -I"$lib/libunwind/include" -I"$lib/libcxx/src" \
            "$lib/libcxxabi/src/$f.cpp" -o "$work/$f$suffix.o"
    done
    # shellcheck disable=SC2086
    "$zig" cc $flags -fwasm-exceptions -c -D_LIBUNWIND_HAS_NO_THREADS -D_LIBUNWIND_HIDE_SYMBOLS \
        -I"$lib/libunwind/include" -I"$lib/libunwind/src" \
        "$lib/libunwind/src/Unwind-wasm.c" -o "$work/unwind$suffix.o"
    # shellcheck disable=SC2086
    "$zig" c++ $flags -fwasm-exceptions -std=c++20 -Wl,--strip-debug \
        "$c/cpp_exceptions.cpp" "$work/cxa_exception$suffix.o" "$work/cxa_personality$suffix.o" \
        "$work/unwind$suffix.o" "$here/cpp_exception_tag.s" \
        -o "$c/cpp_exceptions$suffix.wasm"
    echo "built sjlj$suffix.wasm and cpp_exceptions$suffix.wasm"
}

common="-target wasm32-wasi -mcpu=generic+exception_handling -O2"
# The standardised encoding (exnref).
build "" "$common -mllvm -wasm-use-legacy-eh=false"
# clang's default, the legacy encoding (try, catch, rethrow, delegate),
# which LLVM and Emscripten still emit unless told otherwise.
build _legacy "$common"
