# The differential tester's oracle for proposals wasmi 2.0 lacks (exception
# handling): Wasmtime (the `wasmtime` package from PyPI, which `make deps`
# installs), as a server the tester starts once per worker. One command a
# line on stdin, answers on stdout:
#   load <path> [<page limit>]  -> ok | trap <message> | error <message>
#   skip <hex name>             -> (nothing) leave this export alone: the
#                                  Python API aborts on exnref types and values
#   functions                   -> fn x<hex name> <type>... per export, then end
#   call <hex name> <arg>...    -> values <v>... | trap <message> | exception | error <message>
#   state                       -> global <hex name> <v> | memory <hex name> <sha-256 hex>, then end
# Values as the tester writes them: i32:<decimal>, i64:<decimal>,
# f32:0x<bits>, f64:0x<bits> (exact bits, NaN payloads included),
# v128:0x<the 16 bytes as a little-endian integer>, ref:null / ref:nonnull.
# A listing that fails half-way still ends with `end`. A trap is named by
# Wasmtime's TrapCode (INTEGER_DIVISION_BY_ZERO, …); `error <text>` is a
# failure the server could not turn into an outcome.
import ctypes
import hashlib
import struct
import sys

import wasmtime
from wasmtime import _ffi as ffi
from wasmtime._func import enter_wasm

config = wasmtime.Config()
config.wasm_exceptions = True
config.wasm_tail_call = True
config.wasm_threads = True
config.shared_memory = True
config.wasm_multi_value = True
config.wasm_bulk_memory = True
config.wasm_reference_types = True
config.wasm_multi_memory = True
config.wasm_memory64 = True
config.wasm_function_references = True
config.wasm_gc = True
config.max_wasm_stack = 1 << 20
engine = wasmtime.Engine(config)
store = None
instance = None
skipped = set()


def name_of(hexname):
    return bytes.fromhex(hexname.lstrip("x")).decode("utf-8")


def hexname(name):
    return name.encode("utf-8").hex()


# The C API's `wasm_valtype_kind` aborts the process on v128 (wasm.h has
# no kind for it), and the binding's `str` and `==` of a value type call
# it: v128 is recognised by Wasmtime's own type comparison first.
V128_TYPE = ffi.wasmtime_wasm_valtype_v128()


def type_name(t):
    if ffi.wasmtime_wasm_valtype_equal(t.ptr(), V128_TYPE):
        return "v128"
    return str(t)


# Values cross the C API as raw `wasmtime_val_t`s, not through the
# binding's `Val` (which has no v128, and passes f32 through a Python
# float): numbers keep their exact bits, v128 its 16 bytes (little-endian,
# as the tester's `v128:0x<u128>` reads them).
V128_BYTES = ctypes.c_uint8 * 16


def raw_arg(t, text):
    """A `wasmtime_val_t` of type `t` holding the tester's value `text`."""
    kind, _, value = text.partition(":")
    name = type_name(t)
    raw = ffi.wasmtime_val_t()
    if name == "i32":
        raw.kind = ffi.WASMTIME_I32.value
        raw.of.i32 = int(value)
    elif name == "i64":
        raw.kind = ffi.WASMTIME_I64.value
        raw.of.i64 = int(value)
    elif name == "f32":
        raw.kind = ffi.WASMTIME_F32.value
        raw.of.i32 = ctypes.c_int32(int(value, 16)).value
    elif name == "f64":
        raw.kind = ffi.WASMTIME_F64.value
        raw.of.i64 = ctypes.c_int64(int(value, 16)).value
    elif name == "v128":
        raw.kind = ffi.WASMTIME_V128.value
        raw.of.v128 = V128_BYTES(*int(value, 16).to_bytes(16, "little"))
    else:
        raw = wasmtime.Val._convert_to_raw(store, t, wasmtime.Val.ref_null(t))
    return raw


# `WASMTIME_ANYREF` of Wasmtime's C API (`val.h`), which the Python
# binding does not name.
WASMTIME_ANYREF = 7


def raw_text(raw):
    """The tester's text for a `wasmtime_val_t` (unrooting references)."""
    kind = raw.kind
    if kind == ffi.WASMTIME_I32.value:
        return "i32:%d" % raw.of.i32
    if kind == ffi.WASMTIME_I64.value:
        return "i64:%d" % raw.of.i64
    if kind == ffi.WASMTIME_F32.value:
        return "f32:%#x" % (raw.of.i32 & 0xFFFFFFFF)
    if kind == ffi.WASMTIME_F64.value:
        return "f64:%#x" % (raw.of.i64 & 0xFFFFFFFFFFFFFFFF)
    if kind == ffi.WASMTIME_V128.value:
        return "v128:%#x" % int.from_bytes(bytes(raw.of.v128), "little")
    if kind in (ffi.WASMTIME_EXTERNREF.value, WASMTIME_ANYREF):
        # The Python API reads only the host values it made (an
        # externalised i31 would look null) and not `anyref` at all; a
        # reference is null when its store id is 0.
        null = raw.of.anyref.store_id == 0
        ffi.wasmtime_val_unroot(ctypes.byref(raw))
        return "ref:null" if null else "ref:nonnull"
    value = wasmtime.Val._from_raw(store, raw).value
    return "ref:null" if value is None else "ref:nonnull"


def call(func, words):
    """Calls `func` with the tester's values `words`; its results' texts."""
    ty = func.type(store)
    params = list(ty.params)
    results = list(ty.results)
    if len(words) != len(params):
        raise ValueError("%d arguments for %d parameters" % (len(words), len(params)))
    args = (ffi.wasmtime_val_t * max(len(params), 1))()
    for i, (t, text) in enumerate(zip(params, words)):
        args[i] = raw_arg(t, text)
    out = (ffi.wasmtime_val_t * max(len(results), 1))()
    try:
        with enter_wasm(store) as trap:
            error = ffi.wasmtime_func_call(
                store._context(), ctypes.byref(func._func), args, len(params), out, len(results), trap
            )
            if error:
                raise wasmtime.WasmtimeError._from_ptr(error)
    finally:
        for i in range(len(params)):
            ffi.wasmtime_val_unroot(ctypes.byref(args[i]))
    return [raw_text(out[i]) for i in range(len(results))]


def global_text(item):
    """The tester's text for a global's current value."""
    raw = ffi.wasmtime_val_t()
    ffi.wasmtime_global_get(store._context(), ctypes.byref(item._global), ctypes.byref(raw))
    return raw_text(raw)


def failure(e):
    """`trap <TrapCode name>`, `exception` or `error <text>`."""
    text = str(e)
    code = getattr(e, "trap_code", None)
    if code is not None and code.name == "UNCAUGHT_EXCEPTION":
        return "exception"
    if code is not None:
        return "trap " + code.name
    if "thrown Wasm exception" in text:
        return "exception"
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return "error " + (lines[-1] if lines else "")


def answer(line):
    sys.stdout.write(line + "\n")


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    command = words[0]
    try:
        if command == "skip":
            skipped.add(name_of(words[1]) if len(words) > 1 else "")
            continue
        if command == "load":
            skipped = set()
            # Tables grow as far as waot's default lets them (10,000,000
            # elements), not until the machine runs out of memory.
            limits = {"table_elements": 10_000_000}
            if len(words) > 2:
                limits["memory_size"] = int(words[2]) * 65536
            store = wasmtime.Store(engine)
            store.set_limits(**limits)
            module = wasmtime.Module.from_file(engine, words[1])
            try:
                instance = wasmtime.Instance(store, module, [])
                answer("ok")
            except Exception as e:  # noqa: BLE001
                instance = None
                answer(failure(e))
        elif command == "functions":
            exports = instance.exports(store)
            for export in module.exports:
                if export.name in skipped:
                    continue
                item = exports[export.name]
                if isinstance(item, wasmtime.Func):
                    params = [type_name(p) for p in item.type(store).params]
                    answer("fn x%s %s" % (hexname(export.name), " ".join(params)))
            answer("end")
        elif command == "call":
            func = instance.exports(store)[name_of(words[1])]
            try:
                answer(" ".join(["values"] + call(func, words[2:])))
            except Exception as e:  # noqa: BLE001
                answer(failure(e))
        elif command == "state":
            exports = instance.exports(store)
            for export in module.exports:
                if export.name in skipped:
                    continue
                item = exports[export.name]
                if isinstance(item, wasmtime.Global):
                    answer("global x%s %s" % (hexname(export.name), global_text(item)))
                elif isinstance(item, wasmtime.Memory):
                    data = bytes(item.read(store, 0, item.data_len(store)))
                    answer("memory x%s %s" % (hexname(export.name), hashlib.sha256(data).hexdigest()))
                elif isinstance(item, wasmtime.SharedMemory):
                    data = ctypes.string_at(item.data_ptr(), item.data_len())
                    answer("memory x%s %s" % (hexname(export.name), hashlib.sha256(data).hexdigest()))
            answer("end")
        else:
            answer("error unknown command")
    except Exception as e:  # noqa: BLE001
        answer("error " + str(e).splitlines()[0] if str(e) else "error")
        # A listing the tester reads up to `end` must still end.
        if command in ("functions", "state"):
            answer("end")
    sys.stdout.flush()
