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
# f32:0x<bits>, f64:0x<bits>, ref:null / ref:nonnull; a global the binding
# cannot read (v128) is `unreadable`, which matches no value. A listing
# that fails half-way still ends with `end`. A trap is named
# by Wasmtime's TrapCode (INTEGER_DIVISION_BY_ZERO, …).
import ctypes
import hashlib
import struct
import sys

import wasmtime

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
config.max_wasm_stack = 1 << 20
engine = wasmtime.Engine(config)
store = None
instance = None
skipped = set()


def name_of(hexname):
    return bytes.fromhex(hexname.lstrip("x")).decode("utf-8")


def hexname(name):
    return name.encode("utf-8").hex()


def type_name(t):
    return str(t)


def fmt(t, v):
    t = type_name(t)
    if t == "i32":
        return "i32:%d" % v
    if t == "i64":
        return "i64:%d" % v
    if t == "f32":
        return "f32:%#x" % struct.unpack("<I", struct.pack("<f", v))[0]
    if t == "f64":
        return "f64:%#x" % struct.unpack("<Q", struct.pack("<d", v))[0]
    return "ref:null" if v is None else "ref:nonnull"


def parse(t, text):
    kind, _, value = text.partition(":")
    if kind == "i32":
        return wasmtime.Val.i32(int(value))
    if kind == "i64":
        return wasmtime.Val.i64(int(value))
    if kind == "f32":
        return wasmtime.Val.f32(struct.unpack("<f", struct.pack("<I", int(value, 16)))[0])
    if kind == "f64":
        return wasmtime.Val.f64(struct.unpack("<d", struct.pack("<Q", int(value, 16)))[0])
    return wasmtime.Val.ref_null(t)


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
            limits = {}
            if len(words) > 2:
                limits["memory_size"] = int(words[2]) * 65536
            store = wasmtime.Store(engine)
            if limits:
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
            ty = func.type(store)
            args = [parse(t, a) for t, a in zip(ty.params, words[2:])]
            try:
                result = func(store, *args)
                # One result comes back bare (None for a null reference),
                # several as a list.
                results = list(ty.results)
                if len(results) == 0:
                    values = []
                elif len(results) == 1:
                    values = [result]
                else:
                    values = result
                answer("values " + " ".join(fmt(t, v) for t, v in zip(ty.results, values)))
            except Exception as e:  # noqa: BLE001
                answer(failure(e))
        elif command == "state":
            exports = instance.exports(store)
            for export in module.exports:
                if export.name in skipped:
                    continue
                item = exports[export.name]
                if isinstance(item, wasmtime.Global):
                    try:
                        value = item.value(store)
                        if isinstance(value, wasmtime.Val):
                            value = value.value
                        content = item.type(store).content
                        text = fmt(content, value)
                    except Exception:  # noqa: BLE001
                        # The binding cannot read a v128 global: a value
                        # that equals nothing the tester compares it with.
                        text = "unreadable"
                    answer("global x%s %s" % (hexname(export.name), text))
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
