"""Teaching calls (T1-T6): how long a student waits for the twin, diff, compare, explain, a
picture and a grader's check, next to the floor of a plain SymPy ``diff`` + ``lambdify``.

T1 ``y.sym``, T2 ``symbolic.diff(y, x)``, T3 ``compare(y, wrt=x)`` (printed), T4
``explain(y)`` (printed), T5 ``draw_graph(y)`` saved as PNG, T6
``grading.check_derivative`` of the right answer, each on (a) the seed polynomial
2x⁴ + x³ + 3x² + 5x + 1 at x = 2, (b) a 40-op chain (13 steps of W2's ``tanh(0.99·y + 0.01)``
and a sum) and (c) the loss of a 4→8→1 MLP (tanh) on 5 samples, x = the first weight W1.
Targets: 50 ms for (a), 300 ms for (b) and (c).

Each time is the *first* call in a warm process: a fresh interpreter imports everything, makes
the same call once on an unrelated small graph (so lazy imports and SymPy's start-up are paid),
builds the workload, then times one call. The floor is SymPy alone in the same situation: the
derivative of ``y.sym`` w.r.t. every element of x by ``sympy.diff``, then ``lambdify`` and one
evaluation. Every cell is the best of ``--repeats`` fresh processes.

    python benchmarks/teaching.py                # prints the table (~3 minutes)
    python benchmarks/teaching.py T3 T4 --on a   # a selection
    python benchmarks/teaching.py --write        # and replaces its section of RESULTS.md
    python benchmarks/teaching.py --check        # exit status 1 if a target is missed
"""

import argparse
import gc
import io
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEADING = "## Teaching calls (T1-T6)"
CALLS = {"T1": "y.sym", "T2": "symbolic.diff", "T3": "compare", "T4": "explain",
         "T5": "draw_graph → PNG", "T6": "check_derivative"}
WORKLOADS = {"a": "seed polynomial", "b": "40-op chain", "c": "4→8→1 MLP loss"}
TARGETS = {"a": 0.050, "b": 0.300, "c": 0.300}  # seconds (issue 15)


# --------------------------------------------------------------------- the workloads
def build(torch, key):
    """(y, x) of workload ``key``, leaves named."""
    if key == "a":
        x = torch.tensor(2.0, requires_grad=True, name="x")
        return 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1, x
    if key == "b":
        x = torch.tensor(0.5, requires_grad=True, name="x")
        y = x
        for _ in range(13):  # 3 ops a step, and the sum: 40 op nodes
            y = (y * 0.99 + 0.01).tanh()
        return y.sum(), x
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    for (name, p), label in zip(net.named_parameters(), ("W1", "b1", "W2", "b2")):
        p.name = label
    X, Y = torch.randn(5, 4), torch.randn(5, 1)
    return torch.nn.functional.mse_loss(net(X), Y), net[0].weight


def _plain(expr):
    """``expr`` with assumption-free symbols: what a grader types or parses."""
    import sympy
    return expr.xreplace({s: sympy.Symbol(s.name) for s in expr.free_symbols})


def _call(torch, key, y, x):
    """The zero-argument teaching call ``key`` on (y, x); set-up work done here, untimed."""
    import sympy
    if key == "T1":
        return lambda: y.sym
    if key == "T2":
        return lambda: torch.symbolic.diff(y, x)
    if key == "T3":
        return lambda: str(torch.compare(y, wrt=x))
    if key == "T4":
        return lambda: str(torch.explain(y))
    if key == "T5":
        def draw():
            import matplotlib.pyplot as plt
            fig = torch.viz.draw_graph(y)
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)
        return draw
    from autodiff_lab.grading import check_derivative
    twin = torch.symbolic.Twin(names={})
    function = _plain(twin.of(y))
    wrt = str(twin.array(x).flat[0])
    answer = sympy.diff(function, sympy.Symbol(wrt))
    return lambda: check_derivative(answer, function, wrt=wrt)


def _warm_up(torch, key):
    """The same call once on an unrelated small graph: imports and SymPy's start-up."""
    w = torch.tensor(0.7, requires_grad=True, name="w")
    _call(torch, key, torch.sin(w) * w + 1, w)()


def _child(call, workload):
    """In a fresh process: seconds of the first ``call`` on ``workload``, and its outcome."""
    sys.setrecursionlimit(10000)
    import autodiff_lab as torch
    import autodiff_lab.grading  # noqa: F401  (imports are not what is timed)
    _warm_up(torch, call)
    y, x = build(torch, workload)
    fn = _call(torch, call, y, x)
    print("set up", flush=True)  # a timeout after this line is the call's, not the set-up's
    gc.collect()
    start = time.perf_counter()
    try:
        fn()
        outcome = "answer"
    except Exception as e:  # noqa: BLE001 - a refusal (SymbolicSizeError...) is reported
        outcome = f"refuses: {type(e).__name__}"
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": outcome}))


def _floor_child(workload):
    """In a fresh process: SymPy's own diff of y.sym w.r.t. every element of x, lambdify and
    one evaluation (after the same on an unrelated expression)."""
    import numpy as np
    import sympy

    import autodiff_lab as torch
    w = sympy.Symbol("w", real=True)
    sympy.lambdify([w], [sympy.diff(sympy.sin(w) * w + 1, w)])(0.7)
    y, x = build(torch, workload)
    twin = torch.symbolic.Twin(names={})
    expr, xs = twin.of(y), list(twin.array(x).flat)
    values = twin.values()
    symbols = list(values)
    point = [float(values[s]) for s in symbols]
    gc.collect()
    start = time.perf_counter()
    derivative = [sympy.diff(expr, s) for s in xs]
    np.asarray(sympy.lambdify(symbols, derivative)(*point))
    print(json.dumps({"seconds": time.perf_counter() - start, "outcome": "answer"}))


def _fresh(*args, timeout=30):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    try:
        done = subprocess.run([sys.executable, os.path.abspath(__file__), *args], env=env,
                              capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        set_up = "set up" in (e.stdout or b"").decode() if isinstance(e.stdout, bytes) \
            else "set up" in (e.stdout or "")
        return {"seconds": float(timeout), "outcome": f"over {timeout} s, stopped"
                + ("" if set_up else " in the set-up")}
    if done.returncode != 0:
        raise RuntimeError(f"teaching.py {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


def measure(calls, workloads, repeats, timeout):
    """{(call, workload): (best seconds, outcome)} and {workload: floor seconds}."""
    times, floors = {}, {}
    for _ in range(repeats):  # rounds over every cell: a slow spell hits them all
        for w in workloads:
            t = _fresh("--floor-child", w, timeout=timeout)["seconds"]
            floors[w] = min(t, floors.get(w, t))
            for c in calls:
                if times.get((c, w), (0, ""))[1].startswith("over"):
                    continue  # it ran out of time once: not again
                r = _fresh("--child", c, w, timeout=timeout)
                best = times.get((c, w))
                if best is None or r["seconds"] < best[0]:
                    times[(c, w)] = (r["seconds"], r["outcome"])
                print(f"{c} {w} {r['seconds'] * 1e3:8.1f} ms  {r['outcome']}", file=sys.stderr)
    return times, floors


def _ms(seconds):
    return f"{seconds * 1e3:.0f} ms" if seconds >= 0.0095 else f"{seconds * 1e3:.1f} ms"


def table(times, floors, repeats):
    """The section of RESULTS.md, as Markdown; and whether every target is met."""
    load = " ".join(f"{v:.1f}" for v in os.getloadavg())
    lines = [HEADING, "",
             ("First call in a warm process (fresh interpreter, everything imported, the same "
              "call made once on an unrelated small graph), best of "
              f"{repeats} processes. Floor: plain SymPy on the same `y.sym`, `diff` w.r.t. every "
              "element of x, `lambdify` and one evaluation. (a) seed polynomial at x = 2; "
              "(b) 40-op chain, 13 × `tanh(0.99·y + 0.01)` and a sum; (c) 4→8→1 MLP (tanh) "
              "loss on 5 samples, x = W1 (8×4). `python benchmarks/teaching.py --write`. "
              f"Load average at the end: {load} on {os.cpu_count()} cores."), "",
             "| call | workload | autodiff_lab | floor (SymPy) | / floor | target |",
             "|---|---|---|---|---|---|"]
    met = True
    for (c, w), (seconds, outcome) in times.items():
        ok = seconds <= TARGETS[w] and outcome == "answer"  # a quick refusal is no answer
        met &= ok
        note = "" if outcome == "answer" else f" ({outcome})"
        lines.append(f"| {c} {CALLS[c]} | ({w}) {WORKLOADS[w]} | {_ms(seconds)}{note} | "
                     f"{_ms(floors[w])} | {seconds / floors[w]:.2f} | "
                     f"≤ {TARGETS[w] * 1e3:.0f} ms {'met' if ok else 'NOT met'} |")
    notes = []
    if any(o.startswith("refuses") for (c, _), (_, o) in times.items() if c == "T2"):
        notes.append(
            "T2 refusals are immediate (`SymbolicSizeError` naming "
            "`autodiff_lab.symbolic.set_max_diff_work(n)`): those formulas are too deep or too "
            "long for `sympy.diff` to finish in time, as the floor shows; `compare` and "
            "`explain` give the same derivatives through the graph's own VJP rules.")
    if any(o.endswith("in the set-up") for (c, _), (_, o) in times.items() if c == "T6"):
        notes.append(
            "T6 takes the function in assumption-free symbols (as `parse_math` reads text); SymPy "
            "builds nested `tanh` of such symbols exponentially slowly (`parse_math` of the "
            "chain's text: 4.8 s at 7 levels, 72 s at 9): the 13-level set-up outlasts the timeout.")
    for note in notes:
        lines += ["", note]
    return "\n".join(lines) + "\n", met


def write(text):
    """Replace (or append) the teaching section of RESULTS.md, leaving the rest as it is."""
    path = os.path.join(ROOT, "benchmarks", "RESULTS.md")
    with open(path, encoding="utf-8") as f:
        results = f.read()
    head, found, rest = results.partition(HEADING)
    tail = rest[rest.find("\n## ") + 1:] if found and "\n## " in rest else ""
    body = head.rstrip() + "\n\n" + text + ("\n" + tail if tail else "")
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("calls", nargs="*", metavar="T", help="T1 ... T6 (default: all)")
    parser.add_argument("--on", nargs="+", choices=list(WORKLOADS), default=list(WORKLOADS),
                        help="workloads (default: a b c)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per cell")
    parser.add_argument("--timeout", type=int, default=30,
                        help="seconds a process may take before it is stopped (default 30)")
    parser.add_argument("--write", action="store_true", help="replace RESULTS.md's section")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--floor-child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(*args.child)
    if args.floor_child:
        return _floor_child(args.floor_child)
    unknown = [c for c in args.calls if c not in CALLS]
    if unknown:
        parser.error(f"unknown call {', '.join(unknown)}; choose from {', '.join(CALLS)}")
    text, met = table(*measure(args.calls or list(CALLS), args.on, args.repeats,
                                   args.timeout), args.repeats)
    print(text)
    if args.write:
        write(text)
    if args.check and not met:
        sys.exit(1)


if __name__ == "__main__":
    main()
