"""Run every workload on every installed engine in this one process; write RESULTS.md.

    pip install -r benchmarks/requirements.txt
    python benchmarks/run.py            # all workloads, ~3 minutes
    python benchmarks/run.py W1 W5      # a selection

Times are medians over repeats of forward + backward (W4: a whole SGD step); ratios are to
PyTorch CPU eager measured in the same run.
"""

import gc
import importlib
import os
import platform
import statistics
import sys
import time
import tracemalloc

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import workloads as W  # noqa: E402

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


def peak_memory(fn):
    """Peak Python-tracked memory (NumPy allocations included) of one call, in MiB."""
    fn()
    gc.collect()
    tracemalloc.start()
    fn()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def twin_build_times():
    """W7: seconds to build the symbolic twin of a tanh chain of n nodes."""
    import autodiff_lab as torch
    out = {}
    for n in (100, 1000, 10000):
        x = torch.tensor(0.5, requires_grad=True)
        y = x
        for _ in range(n):
            y = torch.tanh(y)
        t0 = time.perf_counter()
        torch.symbolic.Twin(names={}).array(y)
        out[n] = time.perf_counter() - t0
    return out


def _fmt(seconds):
    if seconds is None:
        return "—"
    for unit, scale in (("s", 1), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds * 1e9:.3g} ns"


def main(selected):
    sys.setrecursionlimit(20000)  # micrograd sorts its graph recursively (W2 is 2,000 deep)
    engines = {name: load_engine(name) for name in ENGINES}
    rows = []
    for key in (k for k in selected if k in WORKLOADS):
        title, builders = WORKLOADS[key]
        times = {}
        for name in ENGINES:
            module = engines[name]
            if module is None or name not in builders:
                times[name] = None
                continue
            times[name] = time_it(builders[name](module))
            print(f"{key} {name:13s} {_fmt(times[name])}", file=sys.stderr)
        rows.append((key, title, times))
    memory = {}
    for key in ("W4", "W5"):
        if key in selected:
            memory[key] = {name: peak_memory(WORKLOADS[key][1][name](engines[name]))
                           for name in ("autodiff_lab", "torch", "numpy") if engines[name]}
    twin = twin_build_times() if "W7" in selected else None
    write_results(rows, memory, twin, engines)


def write_results(rows, memory, twin, engines):
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, {platform.system()} "
             f"{platform.release()}; Python {platform.python_version()}, NumPy {np.__version__}"
             + "".join(f", {n} {getattr(m, '__version__', '')}" for n, m in engines.items()
                       if m is not None and n not in ("numpy", "micrograd")),
             "PyTorch runs with one thread, like NumPy's elementwise kernels. "
             "Median time per iteration (forward + backward); "
             "the last column is autodiff_lab / PyTorch (below 1 means faster).", "",
             "| workload | " + " | ".join(ENGINES) + " | autodiff_lab / torch |",
             "|---|" + "---|" * (len(ENGINES) + 1)]
    for key, title, times in rows:
        ratio = (times["autodiff_lab"] / times["torch"]
                 if times.get("torch") and times.get("autodiff_lab") else None)
        lines.append(f"| {key} {title} | " + " | ".join(_fmt(times[e]) for e in ENGINES) +
                     f" | {'—' if ratio is None else f'{ratio:.2f}'} |")
    if memory:
        lines += ["", "Peak traced memory of one iteration (MiB, tracemalloc):", "",
                  "| workload | " + " | ".join(next(iter(memory.values()))) + " |",
                  "|---|" + "---|" * len(next(iter(memory.values())))]
        for key, peaks in memory.items():
            lines.append(f"| {key} | " + " | ".join(f"{v:.1f}" for v in peaks.values()) + " |")
        lines.append("")
        lines.append("tracemalloc sees NumPy's buffers but not PyTorch's C++ allocator, so the "
                     "torch column undercounts; compare autodiff_lab with the NumPy floor.")
    if twin:
        lines += ["", "W7 symbolic twin build time for a tanh chain of n nodes:", "",
                  "| n | seconds | per node |", "|---|---|---|"]
        lines += [f"| {n:,} | {t:.3f} | {_fmt(t / n)} |" for n, t in twin.items()]
    with open(os.path.join(HERE, "RESULTS.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:] or list(WORKLOADS) + ["W7"])
