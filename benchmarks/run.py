"""Run every workload on every installed engine in this one process; write RESULTS.md.

    pip install -r benchmarks/requirements.txt
    python benchmarks/run.py            # all workloads, ~5 minutes
    python benchmarks/run.py W1 W5      # a selection (printed; RESULTS.md is left alone)
    python benchmarks/run.py --check    # also exit 1 when a ratio misses its target
    python benchmarks/run.py --help

Times are medians over repeats of forward + backward (W4: a whole SGD step), taken in several
rounds that alternate the engines (so a slow spell of the machine hits them all) and keeping
each engine's best round; ratios are to PyTorch CPU eager measured in the same run. Peak memory
is measured in a fresh process per engine (the peak resident size above the size before the
first iteration), because PyTorch's allocator is invisible to tracemalloc. "import" times
``import autodiff_lab`` against ``import numpy`` alone in fresh interpreters, alternating.
A complete run rewrites only the engine part of RESULTS.md (everything before its first
``## `` section, which other scripts own: benchmarks/grading.py writes the grading one).
"""

import argparse
import gc
import importlib
import importlib.metadata
import json
import os
import platform
import statistics
import subprocess
import sys
import time

# NumPy's BLAS with one thread, as PyTorch runs here: like for like, and a loaded machine
# does not turn two spinning BLAS threads into a hundredfold slowdown (set before numpy loads).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import workloads as W

WORKLOADS = {
    "W1": ("seed polynomial, 0-d", {"autodiff_lab": W.w1_torchlike, "torch": W.w1_torchlike,
                                    "mygrad": W.w1_mygrad, "autograd": W.w1_autograd,
                                    "micrograd": W.w1_micrograd, "numpy": W.w1_numpy}),
    "W2": ("2,000-op chain, 0-d", {"autodiff_lab": W.w2_torchlike, "torch": W.w2_torchlike,
                                   "mygrad": W.w2_mygrad, "autograd": W.w2_autograd,
                                   "micrograd": W.w2_micrograd, "numpy": W.w2_numpy}),
    "W3": ("2,000-op chain, 3x3", {"autodiff_lab": W.w3_torchlike, "torch": W.w3_torchlike,
                                   "mygrad": W.w3_mygrad, "autograd": W.w3_autograd,
                                   "numpy": W.w3_numpy}),
    "W4": ("MLP step 256x784-256-10", {"autodiff_lab": W.w4_torchlike, "torch": W.w4_torchlike,
                                       "mygrad": W.w4_mygrad, "autograd": W.w4_autograd,
                                       "numpy": W.w4_numpy}),
    "W5": ("(tanh(a*b+c)**2).mean(), 1e6", {"autodiff_lab": W.w5_torchlike,
                                            "torch": W.w5_torchlike, "mygrad": W.w5_mygrad,
                                            "autograd": W.w5_autograd, "numpy": W.w5_numpy}),
    "W6": ("micrograd MLP(3,[16,16,1]), 32", {"autodiff_lab": W.w6_torchlike,
                                              "torch": W.w6_torchlike, "mygrad": W.w6_mygrad,
                                              "autograd": W.w6_autograd,
                                              "micrograd": W.w6_micrograd,
                                              "numpy": W.w6_numpy}),
}
ENGINES = ["autodiff_lab", "torch", "mygrad", "autograd", "micrograd", "numpy"]


def load_engine(name):
    """The module a builder receives, or None when the engine is not installed."""
    try:
        if name == "micrograd":
            module = importlib.import_module("micrograd.engine")
            return module.Value
        module = importlib.import_module(name)
    except ImportError:
        return None
    if name == "torch":
        module.set_num_threads(1)  # NumPy's elementwise work is single-threaded too
    return module


def time_it(fn, min_seconds=0.2, repeats=7):
    """Median seconds per call, over ``repeats`` samples of enough calls to last min_seconds."""
    fn()  # warm-up (and first-call imports)
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < min_seconds / repeats or n == 0:
        fn()
        n += 1
    samples = []
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        samples.append((time.perf_counter() - t0) / n)
    return statistics.median(samples)


def _status_kib(field):
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise LookupError(field)


def _memory_child(engine, key):
    """In a fresh process: MiB of peak resident memory above the size before the first of
    three iterations of ``key`` on ``engine`` (inputs and imports are in the baseline)."""
    fn = WORKLOADS[key][1][engine](load_engine(engine))
    gc.collect()
    with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
        f.write("5")  # reset the peak (VmHWM) to the current size
    base = _status_kib("VmRSS")
    for _ in range(3):
        fn()
    print((_status_kib("VmHWM") - base) / 1024)


def _fresh_process(*args, check=True):
    """This script run again in a new Python process with ``args`` (its child modes)."""
    return subprocess.run([sys.executable, os.path.abspath(__file__), *args],
                          capture_output=True, text=True, check=check)


def _last_line(done):
    return done.stdout.splitlines()[-1]


def peak_memory(engine, key):
    """Peak extra MiB of ``key`` on ``engine``, measured in a fresh process (None if the
    platform has no /proc to read it from)."""
    if not os.path.exists("/proc/self/clear_refs"):
        return None
    done = _fresh_process("--memory-child", engine, key, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    return float(_last_line(done))


def _twin_build_times():
    """Seconds to build the symbolic twin of a tanh chain of n nodes, n = 100 ... 10,000."""
    import autodiff_lab as torch
    torch.tensor(0.5, requires_grad=True).tanh().sym  # SymPy loads on first use: not timed
    out = {}
    for n in (100, 1000, 10000):
        x = torch.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(n):
            y = torch.tanh(y)
        gc.collect()
        t0 = time.perf_counter()
        torch.symbolic.Twin(names={}).array(y)
        out[n] = time.perf_counter() - t0
    return out


def twin_build_times(rounds):
    """W7: twin build times, each the best of ``rounds`` fresh processes."""
    best = {}
    for _ in range(rounds):
        for n, t in json.loads(_last_line(_fresh_process("--twin-child", "build"))).items():
            best[int(n)] = min(t, best.get(int(n), t))
    return best


def _twin_child(mode):
    """In a fresh process: W1-W3 times with no twin ever built ("plain") or while twins of
    other graphs are alive ("used"), as JSON."""
    if mode == "build":
        print(json.dumps(_twin_build_times()))
        return None
    import autodiff_lab as torch
    kept = None
    if mode == "used":
        x = torch.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(300):
            y = torch.tanh(y * 0.99 + 0.01)
        kept = (y.sym, torch.symbolic.diff(torch.sin(x) * x, x))
    times = {key: time_it(WORKLOADS[key][1]["autodiff_lab"](torch)) for key in ("W1", "W2", "W3")}
    print(json.dumps(times))
    return kept


def twin_overhead(rounds):
    """W7: W1-W3 on autodiff_lab in fresh processes that never build a twin, alternating
    with processes where twins of other graphs are alive; the best of each. The numeric path
    has no symbolic code, so the ratio should be 1 within noise."""
    best = {"plain": {}, "used": {}}
    for _ in range(max(rounds, 5)):
        for mode, times in best.items():
            for key, t in json.loads(_last_line(_fresh_process("--twin-child", mode))).items():
                times[key] = min(t, times.get(key, t))
    return {key: (best["plain"][key], best["used"][key]) for key in best["plain"]}


# × PyTorch (issue 15; issue 7 set 1.0 and 1.2), peak memory × PyTorch's, import × NumPy's.
TARGETS = {"W1": 0.7, "W2": 0.7, "W3": 0.7, "W4": 1.0, "W5": 1.0, "memory": 1.5, "import": 1.5}
IMPORT_CODE = "import time; t = time.perf_counter(); import {}; print(time.perf_counter() - t)"


def import_times(rounds):
    """Seconds of ``import numpy`` and of ``import autodiff_lab``, each in fresh interpreters
    (alternating, so a slow spell of the machine hits both), with bytecode caches as an
    installed package has them: the medians, and the median of the paired ratios."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = os.pathsep.join([os.path.dirname(HERE)] + [
        p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    times = {"numpy": [], "autodiff_lab": []}
    for i in range(max(3 * rounds, 9) + 1):
        for name, samples in times.items():
            done = subprocess.run([sys.executable, "-c", IMPORT_CODE.format(name)], env=env,
                                  capture_output=True, text=True, check=True)
            if i:  # the first round writes the bytecode caches
                samples.append(float(done.stdout))
    ratio = statistics.median(a / b for a, b in zip(times["autodiff_lab"], times["numpy"]))
    return statistics.median(times["numpy"]), statistics.median(times["autodiff_lab"]), ratio


def _target(key, ratio):
    if key not in TARGETS:
        return "—"
    if ratio is None:
        return f"≤ {TARGETS[key]}"
    # Judged on the ratio as printed (two decimals): 1.004 reads, and counts, as parity.
    return f"≤ {TARGETS[key]} {'met' if round(ratio, 2) <= TARGETS[key] else 'NOT met'}"


def _version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "(version unknown)"


def _fmt(seconds):
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def main(selected, rounds, check=False):
    """Run ``selected``; with ``check``, return 1 when a measured ratio misses its target."""
    sys.setrecursionlimit(20000)  # micrograd sorts its graph recursively (W2 is 2,000 deep)
    imports = import_times(rounds) if "import" in selected else None
    engines = {name: load_engine(name) for name in ENGINES}
    rows = []
    for key in (k for k in selected if k in WORKLOADS):
        title, builders = WORKLOADS[key]
        runs = {name: builders[name](engines[name]) for name in ENGINES
                if engines[name] is not None and name in builders}
        times = {name: None for name in ENGINES}
        for _ in range(rounds):
            for name, fn in runs.items():
                t = time_it(fn)
                times[name] = t if times[name] is None else min(times[name], t)
        for name in runs:
            print(f"{key} {name:13s} {_fmt(times[name])}", file=sys.stderr)
        rows.append((key, title, times))
    memory = {}
    for key in ("W4", "W5"):
        if key in selected:
            memory[key] = {name: peak_memory(name, key)
                           for name in ("autodiff_lab", "torch", "mygrad", "numpy")
                           if engines[name] is not None}
    twin = (twin_build_times(rounds), twin_overhead(rounds)) if "W7" in selected else None
    complete = set(selected) >= set(WORKLOADS) | {"W7", "import"}
    ratios = write_results(rows, memory, twin, engines, imports, complete)
    missed = [f"{key} {ratio:.2f} > {TARGETS[key]}" for key, ratio in ratios
              if ratio is not None and round(ratio, 2) > TARGETS[key]]
    if check and missed:
        print("ratio check failed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


def write_results(rows, memory, twin, engines, imports=None, complete=True):
    """Print the tables; a complete run also writes them to RESULTS.md (a selection leaves
    the last complete run's file as it is). Returns the (target key, ratio) pairs measured."""
    ratios = []
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
             f"{platform.release()}; Python {platform.python_version()}, NumPy {np.__version__}"
             + "".join(f", {n} {_version(n)}" for n, m in engines.items()
                       if m is not None and n not in ("numpy", "micrograd"))
             + ". Load average at the end: "
             + " ".join(f"{v:.1f}" for v in os.getloadavg())
             + f" on {os.cpu_count()} cores (other programs share the machine).",
             ("PyTorch runs with one thread, like NumPy's elementwise kernels and (set by "
              "this script) its BLAS. "
              "Median time per iteration (forward + backward); "
              "the last column is autodiff_lab / PyTorch (below 1 means faster).")]
    if rows:
        lines += ["", "| workload | " + " | ".join(ENGINES) + " | autodiff_lab / torch | target |",
                  "|---|" + "---|" * (len(ENGINES) + 2)]
    for key, title, times in rows:
        ratio = (times["autodiff_lab"] / times["torch"]
                 if times.get("torch") and times.get("autodiff_lab") else None)
        if key in TARGETS:
            ratios.append((key, ratio))
        lines.append(f"| {key} {title} | " + " | ".join(_fmt(times[e]) for e in ENGINES) +
                     f" | {'—' if ratio is None else f'{ratio:.2f}'} | {_target(key, ratio)} |")
    if imports:
        numpy_s, ours_s, ratio = imports
        ratios.append(("import", ratio))
        lines += ["", ("`import autodiff_lab` against `import numpy` alone (which it includes): "
                       "seconds inside a fresh interpreter, with bytecode caches, alternating; "
                       "medians and the median of the paired ratios. SymPy, mpmath and "
                       "matplotlib load on the first use of the twin, compare, explain or the "
                       "pictures:"), "",
                  "| import | numpy | autodiff_lab | autodiff_lab / numpy | target |",
                  "|---|---|---|---|---|",
                  f"| fresh process | {_fmt(numpy_s)} | {_fmt(ours_s)} | {ratio:.2f} | "
                  f"{_target('import', ratio)} |"]
    if memory:
        names = list(next(iter(memory.values())))
        lines += ["", ("Peak memory of an iteration (MiB above the resident size before it, in a "
                       "fresh process per engine; three iterations, the highest peak):"), "",
                  "| workload | " + " | ".join(names) + " | autodiff_lab / torch | target |",
                  "|---|" + "---|" * (len(names) + 2)]
        for key, peaks in memory.items():
            ratio = (peaks["autodiff_lab"] / peaks["torch"]
                     if peaks.get("torch") and peaks.get("autodiff_lab") is not None else None)
            if ratio is not None:
                ratios.append(("memory", ratio))
            lines.append(f"| {key} | " + " | ".join("—" if v is None else f"{v:.1f}"
                                                    for v in peaks.values())
                         + f" | {'—' if ratio is None else f'{ratio:.2f}'} | "
                         f"{_target('memory', ratio)} |")
    if twin:
        builds, overhead = twin
        lines += ["", "W7 symbolic twin build time for a tanh chain of n nodes:", "",
                  "| n | seconds | per node |", "|---|---|---|"]
        lines += [f"| {n:,} | {t:.3f} | {_fmt(t / n)} |" for n, t in builds.items()]
        lines += ["", ("W7 what the twin costs W1-W3 (target: under 5% when unused). Unused, it "
                       "costs nothing by construction: no op does symbolic work, a twin is built "
                       "from the finished graph only when `.sym` is read, so the first column is "
                       "the engine as it runs. The second column measures the same after twins of "
                       "other graphs were built and kept alive (more live objects for Python's "
                       "collector). Fresh processes, alternating, best of each:"), "",
                  "| workload | twin never used | twins built and alive | ratio |",
                  "|---|---|---|---|"]
        lines += [f"| {key} | {_fmt(a)} | {_fmt(b)} | {b / a:.2f} |"
                  for key, (a, b) in overhead.items()]
    if complete:
        write_section("\n".join(lines) + "\n")
    print("\n".join(lines))
    return ratios


def write_section(text, path=os.path.join(HERE, "RESULTS.md")):
    """Replace the engine part of RESULTS.md (all before the first ``## `` section) by
    ``text``, keeping the sections other scripts write."""
    try:
        with open(path, encoding="utf-8") as f:
            old = f.read()
    except FileNotFoundError:
        old = ""
    rest = old[old.find("\n## ") + 1:] if "\n## " in old else ""
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + ("\n" + rest if rest else ""))


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Time W1-W7 on autodiff_lab, PyTorch, MyGrad, HIPS autograd, micrograd and "
                    "NumPy in one process, and the package's import against NumPy's; a "
                    "complete run writes the engine part of benchmarks/RESULTS.md.")
    parser.add_argument("workloads", nargs="*", metavar="W",
                        help="workloads to run (default: all of W1-W7 and import)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="timing rounds alternating the engines; the best counts (default 3)")
    parser.add_argument("--check", action="store_true",
                        help="exit with status 1 when a measured ratio misses its target")
    parser.add_argument("--memory-child", nargs=2, metavar=("ENGINE", "W"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--twin-child", choices=("plain", "used", "build"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    unknown = [w for w in args.workloads if w not in WORKLOADS and w not in ("W7", "import")]
    if unknown:
        parser.error(f"unknown workload {', '.join(unknown)}; choose from "
                     f"{', '.join(list(WORKLOADS) + ['W7', 'import'])}")
    return args


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    if arguments.memory_child:
        _memory_child(*arguments.memory_child)
    elif arguments.twin_child:
        _twin_child(arguments.twin_child)
    else:
        sys.exit(main(arguments.workloads or list(WORKLOADS) + ["W7", "import"],
                      arguments.rounds, arguments.check))
