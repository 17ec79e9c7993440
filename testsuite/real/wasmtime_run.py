# Runs a WASI module under Wasmtime (PyPI `wasmtime`, exceptions and threads
# enabled), for comparison:
#   python3 wasmtime_run.py MODULE.wasm [HOST::GUEST]... -- ARGV...
# preopens each HOST directory as GUEST; unknown imports trap.
import sys, wasmtime
args = sys.argv[1:]
sep = args.index('--')
opts, argv = args[:sep], args[sep+1:]
cfg = wasmtime.Config()
cfg.wasm_exceptions = True
cfg.wasm_threads = True
cfg.shared_memory = True
engine = wasmtime.Engine(cfg)
store = wasmtime.Store(engine)
w = wasmtime.WasiConfig()
w.argv = argv
w.inherit_stdout(); w.inherit_stderr()
for o in opts[1:]:
    host, guest = o.split('::')
    w.preopen_dir(host, guest)
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
