# Runs a WASI module under Wasmtime (PyPI `wasmtime`, exceptions enabled), for
# comparison: unknown imports trap; the guest's argv follows `--`.
import sys, wasmtime
args = sys.argv[1:]
sep = args.index('--')
opts, argv = args[:sep], args[sep+1:]
cfg = wasmtime.Config()
cfg.wasm_exceptions = True
engine = wasmtime.Engine(cfg)
store = wasmtime.Store(engine)
w = wasmtime.WasiConfig()
w.argv = argv
w.inherit_stdout(); w.inherit_stderr()
store.set_wasi(w)
linker = wasmtime.Linker(engine)
linker.define_wasi()
module = wasmtime.Module.from_file(engine, opts[0])
linker.define_unknown_imports_as_traps(module)
inst = linker.instantiate(store, module)
try:
    inst.exports(store)['_start'](store); code = 0
except wasmtime.ExitTrap as e:
    code = e.code
sys.exit(code)
