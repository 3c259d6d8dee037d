"""Classroom demos in the terminal, one per lesson theme: ``autodiff-lab demo [NAME]``.

In a terminal the tables and colours come from ``rich``; when the output is not a terminal (a
pipe, a file, a test) or with ``--plain``, the same content is printed as plain text, identical
on every run. A demo that draws saves its figure as ``<out>/<name>.png`` (default folder
``autodiff_lab_demo``) and prints the path; ``--show`` also opens it in a window. ``--step``
waits for Enter between the steps of a demo, so a teacher can talk over each one (only when
the input is a terminal: piped or redirected input never waits).

>>> import io
>>> run("accumulation", file=io.StringIO()) == 0
True
>>> listing().splitlines()[1].split()[:2]
['polynomial', '(default)']
"""

import dataclasses
import os
import sys
import textwrap

import numpy as np

import autodiff_lab as torch

DEFAULT = "polynomial"
OUT_DIR = "autodiff_lab_demo"


@dataclasses.dataclass
class Demo:
    name: str
    lesson: str
    summary: str
    run: object


DEMOS = {}


def demo(name, lesson, summary):
    """Register the decorated ``function(screen, out_dir)`` as the demo ``name``."""
    def register(function):
        DEMOS[name] = Demo(name, lesson, summary, function)
        return function
    return register


# --------------------------------------------------------------------- output
class Screen:
    """Where a demo writes: rich tables and colour on a terminal, plain text anywhere else.

    ``step``: :meth:`pause` waits for Enter on ``stdin`` (when it is a terminal); ``show``:
    :meth:`figure` opens each figure in a window as well as saving it.
    """

    def __init__(self, file=None, plain=None, *, step=False, show=False, stdin=None):
        self.file = file or sys.stdout
        self.stdin = stdin if stdin is not None else sys.stdin
        self.step = step and _isatty(self.stdin)
        self.show = show
        if plain is None:
            plain = not (hasattr(self.file, "isatty") and self.file.isatty())
        self.console = None
        if not plain:
            try:
                from rich.console import Console
            except ImportError:  # rich is a dependency, but a demo must never fail for colour
                Console = None
            if Console is not None:
                self.console = Console(file=self.file, highlight=False)

    def line(self, text="", style=None):
        if self.console is None:
            print(text, file=self.file)
        else:
            self.console.print(text, style=style, markup=False, soft_wrap=True)

    def title(self, text):
        if self.console is None:
            print(f"{text}\n{'=' * len(text)}", file=self.file)
        else:
            self.console.rule(f"[bold]{_escape(text)}", align="left")

    def code(self, source):
        """Code the class should read before it runs."""
        if self.console is None:
            print(textwrap.indent(source.rstrip(), "    "), file=self.file)
        else:
            from rich.syntax import Syntax
            self.console.print(Syntax(source.rstrip(), "python", theme="ansi_dark",
                                      background_color="default"))

    def table(self, columns, rows, title=None, right=()):
        """Rows of strings under ``columns``; the columns named in ``right`` align right."""
        rows = [[str(v) for v in row] for row in rows]
        if self.console is None:
            if title:
                print(title, file=self.file)
            print(_plain_table(columns, rows, right), file=self.file)
            return
        from rich import box
        from rich.table import Table
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD)
        for column in columns:
            table.add_column(column, justify="right" if column in right else "left")
        for row in rows:
            table.add_row(*(_escape(v) for v in row))
        self.console.print(table)

    def saved(self, path):
        self.line(f"figure saved: {path}", style="bold cyan")

    def pause(self):
        """Between two steps of a demo: with ``step``, wait until Enter is pressed."""
        if not self.step:
            return
        self.file.write(PROMPT)
        self.file.flush()
        if not self.stdin.readline():   # end of input: no one is left to press Enter
            self.step = False

    def figure(self, figure, out_dir, name):
        """Save ``figure`` as ``<out_dir>/<name>.png``; with ``show``, open it in a window too
        (the demo goes on when the window is closed)."""
        path = _save(self, figure, out_dir, name)
        if self.show:
            why_not = window_unavailable()
            if why_not:
                self.line(f"--show: {why_not}; the figure is only saved", style="yellow")
            else:
                self.line("figure shown in a window: close it to go on", style="bold cyan")
                try:
                    open_window(figure)
                except Exception as e:  # noqa: BLE001 - a broken GUI must not end the demo
                    self.line(f"--show: the window failed ({type(e).__name__}: {e}); the "
                              "figure is only saved", style="yellow")
        return path


PROMPT = "[Enter: next step] "


def _isatty(stream):
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def window_unavailable():
    """Why matplotlib cannot open a window here, or None when it can.

    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> window_unavailable()[:12]
    'no window ca'
    """
    import matplotlib
    backend = matplotlib.get_backend().lower()
    if backend not in ("agg", "cairo", "pdf", "pgf", "ps", "svg", "template") and \
            "inline" not in backend:
        return None
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        return "no window can open here: there is no display (DISPLAY is not set)"
    return (f"no window can open here: matplotlib's backend {backend!r} draws no windows "
            "(install tkinter or PyQt, or set MPLBACKEND=TkAgg)")


def open_window(figure):
    """Show ``figure`` in a window of matplotlib's interactive backend, until it is closed."""
    from matplotlib import pyplot
    pyplot.figure(figure)     # pyplot adopts the figure (matplotlib 3.10+) and its backend
    try:
        pyplot.show()
    finally:
        pyplot.close(figure)


def _escape(text):
    from rich.markup import escape
    return escape(text)


def _plain_table(columns, rows, right=()):
    """A table as aligned text, two spaces between columns and dashes under the header.

    >>> print(_plain_table(["n", "name"], [["1", "one"], ["10", "ten"]], right=("n",)))
     n  name
    --  ----
     1  one
    10  ten
    """
    widths = [max(len(str(r[i])) for r in [columns, *rows]) for i in range(len(columns))]

    def fmt(row):
        return "  ".join(v.rjust(w) if c in right else v.ljust(w)
                         for v, w, c in zip(row, widths, columns)).rstrip()
    return "\n".join([fmt(columns), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def _save(screen, figure, out_dir, name):
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.png")
    figure.savefig(path, dpi=110)
    screen.saved(path)
    return path


def _run_shown(screen, source, namespace, filename):
    """Show ``source`` to the class, then run it. It runs from a file name outside the package,
    so that ``explain`` and ``draw_graph`` find its variable names (y, z, out) for their labels."""
    screen.code(source)
    exec(compile(source, filename, "exec"), namespace)  # noqa: S102 - the demo's own code
    return namespace


def _num(value, digits=6):
    return f"{value:.{digits}g}"


# --------------------------------------------------------------------- the demos
@demo("polynomial", "02", "(default) seed 003's polynomial at x = 2: autograd and the hand "
      "derivative agree")
def polynomial(screen, out_dir):
    x = torch.tensor(2.0, requires_grad=True)
    y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
    y.backward()
    screen.line("y  = 2x⁴ + x³ + 3x² + 5x + 1   at x = 2", style="bold")
    # repr, not str: f"{t}" of a 0-d tensor formats its number (63.0), as in PyTorch
    screen.line(f"y  = {y!r}")
    screen.line(f"y.grad_fn = {y.grad_fn.name()}")
    screen.line(f"dy/dx by autograd:  x.grad = {x.grad!r}")
    by_hand = 8 * 2**3 + 3 * 2**2 + 6 * 2 + 5
    screen.line(f"dy/dx by hand:      8x³ + 3x² + 6x + 5 = 64 + 12 + 12 + 5 = {by_hand}")
    agree = x.grad.item() == by_hand
    screen.line("They agree." if agree else "They DISAGREE.", style="bold green" if agree
                else "bold red")


SEED_003 = """\
x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
y = 3*x + 2
z = 2*y**2
out = z.mean()
"""


@demo("chain-rule", "03", "the backward pass of seed 003 (out = mean(2(3x + 2)²)), node by "
      "node")
def chain_rule(screen, out_dir):
    screen.title("The chain rule, node by node: seed 003's two layers")
    ns = _run_shown(screen, SEED_003, {"torch": torch}, "<seed 003>")
    screen.line()
    _run_shown(screen, "explanation = torch.explain(out)\n", ns, "<seed 003>")
    explanation = ns["explanation"]
    screen.line()
    text = str(explanation)
    screen.line(text[:text.index("\n\nsteps")])    # what is explained, the forward pass
    screen.line(f"out = {ns['out']!r}")
    steps = explanation.steps
    for step in steps:
        screen.pause()
        screen.line()
        kind = "the leaf collects its gradient" if step.is_leaf else \
            f"{step.node} sends the gradient to its input"
        screen.title(f"Backward step {step.number} of {len(steps)}: {kind}")
        screen.line(str(step))
    screen.pause()
    screen.line()
    screen.title("The chain rule: the product of the local partials along the path")
    screen.line(text[text.index("chain rule:"):])
    screen.line()
    _run_shown(screen, "out.backward()\n"
               "graph = torch.viz.draw_graph(out, direction='TB', local_derivatives=True,\n"
               "                             highlight_backward=True)\n", ns, "<seed 003>")
    screen.line(f"x.grad = {ns['x'].grad}", style="bold")
    screen.figure(ns["graph"], out_dir, "chain-rule")


POLY = "2*x**4 + x**3 + 3*x**2 + 5*x + 1"
POLY_TEXT = "2x⁴ + x³ + 3x² + 5x + 1"


@demo("three-ways", "01", "symbolic vs finite differences vs autograd: only the finite "
      "difference approximates")
def three_ways(screen, out_dir):
    import sympy

    from .symbolic.notation import math_text
    screen.title(f"Three ways to differentiate y = {POLY_TEXT} at x = 2")
    x = torch.tensor(2.0, dtype=torch.float64, requires_grad=True, name="x")
    y = torch.expr(POLY, x=x)
    symbolic = torch.symbolic.diff(y, x)
    exact = torch.symbolic.evaluate(symbolic, y).item()
    y.backward()
    dual = torch.forward.derivative(lambda t: 2*t**4 + t**3 + 3*t**2 + 5*t + 1, 2.0)
    rows = [["symbolic (SymPy)", math_text(symbolic), _num(exact), "exact"],
            ["autograd (reverse mode)", "y.backward(); x.grad", _num(x.grad.item()), "exact"],
            ["dual numbers (forward mode)", "f(2 + ε), ε² = 0", _num(dual), "exact"]]
    f = sympy.lambdify(sympy.Symbol("x"), sympy.sympify(POLY))
    for h in (1e-1, 1e-3, 1e-5):
        fd = (f(2 + h) - f(2 - h)) / (2 * h)
        # every digit up to the error, so the number shows what the error column says
        rows.append([f"central difference, h = {h:g}", "(f(x+h) − f(x−h)) / 2h", _num(fd, 12),
                     f"error {abs(fd - exact):.1e}"])
    screen.table(["method", "how", "dy/dx", "accuracy"], rows, right=("dy/dx",))
    screen.line()
    screen.line("Three methods give 93 exactly; the finite difference approximates it, and pays "
                "twice:")
    screen.line("truncation ≈ h²·f‴(x)/6 = 17h² for large h, rounding ≈ ε_mach·|f(x)|/h for "
                "small h.")
    screen.line("Autograd is not an approximation: it applies the same chain rule as the "
                "symbolic derivative, to numbers.")
    screen.pause()
    screen.line()
    screen.line("compare() checks a hand derivation against all of them. The exact rows must "
                "match to float precision;")
    screen.line("the finite difference only within its error, so compare checks it 10× more "
                "loosely:")
    xt = torch.tensor(2.0, requires_grad=True, name="x")
    screen.line(str(torch.compare(torch.expr(POLY, x=xt), wrt=xt, expected="8x^3+3x^2+6x+5")))
    figure = torch.viz.plot_derivative(lambda t: 2*t**4 + t**3 + 3*t**2 + 5*t + 1, 2.0,
                                       expected="8x^3+3x^2+6x+5")
    screen.figure(figure, out_dir, "three-ways")


@demo("descent", "04", "gradient descent P ← P − lr·∇P on f(x) = x²: converge, oscillate, "
      "diverge")
def descent(screen, out_dir):
    screen.title("Gradient descent on f(x) = x² from x₀ = 2:  x ← x − lr·f′(x)")
    lrs = (0.1, 0.95, 1.05)
    runs = [torch.viz.descend(lambda x: x**2, 2.0, lr=lr, steps=20) for lr in lrs]
    rows = [[str(k)] + [f"{r.points[k, 0]:+.4f}" for r in runs] for k in range(9)]
    screen.table(["step"] + [f"x (lr = {lr:g})" for lr in lrs], rows,
                 right=("step", *(f"x (lr = {lr:g})" for lr in lrs)))
    screen.pause()
    screen.line()
    for r in runs:
        screen.line(f"lr = {r.lr:g}: {r.status}; each step multiplies x by 1 − 2·lr = "
                    f"{1 - 2 * r.lr:+.2f}")
    screen.figure(torch.viz.plot_descent_1d(lambda x: x**2, 2.0, lrs=lrs), out_dir, "descent")


@demo("accumulation", "06", "seed 004's bug: .grad adds up (3, 33, 63, ...) until it is zeroed")
def accumulation(screen, out_dir):
    from . import grading
    screen.title("Gradients accumulate: seed 004's dummy training, with and without zero_()")
    screen.code("weights = torch.ones(4, requires_grad=True)\nfor epoch in range(100):\n"
                "    model_output = (weights*3).sum()\n    model_output.backward()\n"
                "    weights.grad.zero_()          # only in the right-hand column")
    forgot = torch.ones(4, requires_grad=True)
    zeroed = torch.ones(4, requires_grad=True)
    rows = []
    for epoch in range(100):
        (forgot * 3).sum().backward()
        (zeroed * 3).sum().backward()
        if epoch % 10 == 0:
            rows.append([str(epoch), str(forgot.grad), str(zeroed.grad)])
        zeroed.grad.zero_()
    screen.table(["epoch", "without zero_()", "with zero_()"], rows, right=("epoch",))
    screen.pause()
    screen.line()
    screen.line("backward() ADDS into .grad: after n epochs without zeroing, weights.grad = 3n.")
    feedback = grading.check_grad(forgot, [3.0, 3.0, 3.0, 3.0])
    screen.line(f"grading.check_grad on the left column: {feedback.message}", style="yellow")


@demo("no-grad", "07", "who requires grad: no_grad, enable_grad, detach, inference_mode, "
      "and the .data trap")
def no_grad(screen, out_dir):
    screen.title("Turning gradients off")
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)

    @torch.no_grad()
    def times_three(t):
        return t * 3

    def nested():
        with torch.no_grad(), torch.enable_grad():  # the innermost mode wins
            return x * 3

    def inference():
        with torch.inference_mode():
            return x * 3

    def under_no_grad():
        with torch.no_grad():
            return x * 3

    cases = [("x * 3", lambda: x * 3),
             ("with torch.no_grad(): x * 3", under_no_grad),
             ("@torch.no_grad() def f(t): t * 3", lambda: times_three(x)),
             ("no_grad(), then enable_grad() inside: x * 3", nested),
             ("with torch.inference_mode(): x * 3", inference),
             ("x.detach()", x.detach),
             ("x.detach() * 3", lambda: x.detach() * 3)]
    rows = []
    for text, make in cases:
        t = make()
        rows.append([text, str(t.requires_grad), t.grad_fn.name() if t.grad_fn else "None",
                     str(t.is_leaf)])
    screen.table(["expression (x requires grad)", "requires_grad", "grad_fn", "is_leaf"], rows)
    screen.pause()
    screen.line()
    screen.line("The version counter: exp saves its output for backward, (eˣ)′ = eˣ.",
                style="bold")
    a = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    b = a.exp()
    b.add_(1)
    try:
        b.sum().backward()
    except RuntimeError as e:
        screen.line(f"b = a.exp(); b.add_(1); b.sum().backward()  ->  RuntimeError: "
                    f"{str(e).split(',')[0]}, ...", style="red")
    a = torch.tensor([0.0, 1.0, 2.0], requires_grad=True)
    b = a.exp()
    b.data.add_(1)
    b.sum().backward()
    screen.line(f"the same through b.data: no error, a.grad = {a.grad}", style="red")
    screen.line(f"                            but d/da Σ eᵃ = {a.detach().exp()}")
    screen.line("detach() shares the version counter, so autograd catches it; .data does not.")


def _branch(x):
    if x > 0:
        return x ** 2
    return -3 * x + 1


def _nodes(y):
    """The op names of y's graph from the output down, the leaves' AccumulateGrad left out.

    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> _nodes(-3 * x + 1)
    ['AddBackward0', 'MulBackward0']
    """
    names, node = [], y.grad_fn
    seen, stack = set(), [node]
    while stack:
        node = stack.pop(0)
        # PyTorch names the leaf node "torch::autograd::AccumulateGrad"
        if node is None or id(node) in seen or node.name().endswith("AccumulateGrad"):
            continue
        seen.add(id(node))
        names.append(node.name())
        stack.extend(child for child, _ in node.next_functions)
    return names


@demo("dynamic", "08", "define-by-run: an if and a for loop record a different graph per input")
def dynamic(screen, out_dir):
    from matplotlib.figure import Figure
    screen.title("Dynamic graphs: the graph is the path the code took")
    screen.code("def f(x):\n    if x > 0:\n        return x ** 2\n    return -3 * x + 1")
    rows, graphs = [], []
    for value in (2.0, -1.0):
        x = torch.tensor(value, requires_grad=True, name="x")
        y = _branch(x)
        y.backward()
        graphs.append((y, f"x = {value:g}: dy/dx = {x.grad.item():g}"))
        rows.append([f"{value:g}", " <- ".join(_nodes(y)), f"{y.item():g}", f"{x.grad.item():g}"])
    screen.table(["x", "graph recorded (output first)", "f(x)", "dy/dx"], rows, right=("x",))
    screen.pause()
    screen.line()
    screen.code("def power(x, n):\n    y = x\n    for _ in range(n - 1):\n        y = y * x\n"
                "    return y")
    rows = []
    for n in range(1, 6):
        x = torch.tensor(1.5, requires_grad=True)
        y = x
        for _ in range(n - 1):
            y = y * x
        if n > 1:
            y.backward()
        rows.append([str(n), str(len(_nodes(y)) if n > 1 else 0),
                     f"{x.grad.item() if n > 1 else 1.0:g}", f"{n * 1.5 ** (n - 1):g}"])
    screen.table(["n", "MulBackward0 nodes", "x.grad at 1.5", "n·1.5ⁿ⁻¹"], rows,
                 right=("n", "MulBackward0 nodes", "x.grad at 1.5", "n·1.5ⁿ⁻¹"))
    # Each graph gets the share of the width its own drawing needs: both at the same scale.
    sizes = [torch.viz.draw_graph(y).get_size_inches() for y, _ in graphs]
    figure = Figure(figsize=(sum(w for w, _ in sizes) + 1, max(h for _, h in sizes) + 0.6),
                    layout="constrained")
    axes = figure.subplots(1, len(graphs), width_ratios=[w for w, _ in sizes])
    for ax, (y, title) in zip(axes, graphs):
        torch.viz.draw_graph(y, ax=ax, title=title)
    screen.figure(figure, out_dir, "dynamic")


@demo("training", "09", "a tiny network fits sin(3x): SGD vs SGD with momentum vs Adam")
def training(screen, out_dir):
    nn = torch.nn
    screen.title("A training loop: zero_grad, forward, loss, backward, step")
    x = torch.linspace(-1, 1, 64).unsqueeze(1)
    target = torch.sin(3 * x)
    histories = {}
    for label, make in [("SGD lr=0.1", lambda p: torch.optim.SGD(p, lr=0.1)),
                        ("SGD lr=0.1 momentum=0.9",
                         lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
                        ("Adam lr=0.01", lambda p: torch.optim.Adam(p, lr=0.01))]:
        torch.manual_seed(0)
        model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
        optimizer = make(model.parameters())
        losses = []
        for _ in range(200):
            optimizer.zero_grad()
            loss = nn.functional.mse_loss(model(x), target)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        histories[label] = losses
    steps = (0, 50, 100, 150, 199)
    screen.table(["step", *histories], [[str(s), *(f"{h[s]:.5f}" for h in histories.values())]
                                        for s in steps], right=("step", *histories))
    best = min(histories, key=lambda k: histories[k][-1])
    screen.pause()
    screen.line()
    screen.line(f"lowest loss after 200 steps: {best}", style="bold")
    screen.figure(torch.viz.plot_loss_curves(histories), out_dir, "training")


@demo("forward-reverse", "10", "dual numbers by hand, and the cost of a Jacobian: n forward "
      "or m backward passes")
def forward_reverse(screen, out_dir):
    import time

    from .autograd.functional import jacobian
    from .forward import Dual
    screen.title("Forward mode: dual numbers a + bε with ε² = 0")
    x = Dual(2.0, 1.0)
    rows = [[name, str(v)] for name, v in [("x", x), ("x²", x**2), ("x³", x**3),
                                           ("x⁴", x**4),
                                           (f"y = {POLY_TEXT}",
                                            2*x**4 + x**3 + 3*x**2 + 5*x + 1)]]
    screen.table(["value", "dual number (value + derivative·ε)"], rows)
    screen.pause()
    screen.line()
    screen.title("A full Jacobian of tanh(W·x), W of shape m×n")
    torch.manual_seed(0)
    rows, agree = [], True
    for n, m in [(2, 64), (16, 16), (64, 2)]:
        W = torch.randn(m, n)
        x = torch.randn(n)
        results = []
        for strategy in ("forward-mode", "reverse-mode"):
            start = time.perf_counter()
            J = jacobian(lambda v, W=W: torch.tanh(W @ v), x, strategy=strategy)
            results.append((J, (time.perf_counter() - start) * 1e3))
        (j_fwd, t_fwd), (j_rev, t_rev) = results
        agree = agree and (j_fwd - j_rev).abs().max().item() < 1e-5
        rows.append([str(n), str(m), str(n), str(m), f"{t_fwd:.2f}", f"{t_rev:.2f}"])
    columns = ["n inputs", "m outputs", "forward passes", "backward passes", "forward ms",
               "reverse ms"]
    screen.table(columns, rows, right=columns)
    screen.line()
    screen.line(f"forward and reverse mode give the same Jacobian: {agree}")
    screen.line("One forward pass gives a column J·v; one backward pass gives a row uᵀ·J. "
                "A loss has m = 1: reverse mode.")


def _banana(P):
    return (1 - P[0]) ** 2 + 5 * (P[1] - P[0] ** 2) ** 2


@demo("newton", "11", "Newton's method with autograd's Hessian vs gradient descent on a "
      "banana valley")
def newton(screen, out_dir):
    from matplotlib.figure import Figure

    from .autograd.functional import hessian, jacobian
    screen.title("Newton's method P ← P − H⁻¹·∇f, f = (1 − x)² + 5(y − x²)²")
    P = torch.tensor([-1.2, 1.0], dtype=torch.float64)
    path, rows = [P.numpy()], []
    for k in range(8):
        g, H = jacobian(_banana, P), hessian(_banana, P)
        rows.append([str(k), f"{P[0].item():+.6f}", f"{P[1].item():+.6f}",
                     f"{_banana(P).item():.3e}", f"{g.norm().item():.2e}"])
        P = P - torch.tensor(np.linalg.solve(H.numpy(), g.numpy()))
        path.append(P.numpy())
    columns = ["k", "x", "y", "f(P)", "|∇f|"]
    screen.table(columns, rows, right=columns)
    gd = torch.viz.descend(lambda x, y: (1 - x) ** 2 + 5 * (y - x ** 2) ** 2, (-1.2, 1.0),
                           lr=0.02, steps=200)
    screen.pause()
    screen.line()
    screen.line(f"gradient descent, lr = 0.02, after 200 steps: f = {gd.losses[-1]:.3e}")
    screen.line(f"Newton after 8 steps:                         f = {_banana(P).item():.3e}")
    path = np.array(path)
    figure = Figure(figsize=(7, 5), layout="constrained")
    ax = figure.subplots()
    gx, gy = np.meshgrid(np.linspace(-1.6, 1.6, 200), np.linspace(-0.8, 1.8, 200))
    ax.contour(gx, gy, np.log10((1 - gx) ** 2 + 5 * (gy - gx ** 2) ** 2 + 1e-3), levels=25,
               cmap="Blues_r", linewidths=0.8)
    ax.plot(*gd.points.T, ".-", color="#ff7f0e", ms=3, lw=1, label="gradient descent, 200 steps")
    ax.plot(*path.T, "o-", color="#d62728", lw=2, label="Newton, 8 steps")
    ax.plot(1, 1, "k*", ms=14, label="minimum (1, 1)")
    ax.set_title("Newton's method vs gradient descent")
    ax.legend(loc="upper right")
    screen.figure(figure, out_dir, "newton")


@demo("swell", "12", "expression swell: formula sizes explode with depth, the graph does not")
def swell(screen, out_dir):
    import sympy
    from matplotlib.figure import Figure
    screen.title("Expression swell: y ← y·tanh(y), repeated d times")
    columns = ["depth", "graph nodes", "count_ops f", "sympy.diff", "sympy.diff + cse",
               "reverse mode", "reverse mode + cse"]
    rows, table = [], []
    for depth in range(1, 7):
        x = torch.tensor(0.5, requires_grad=True, name="x")
        y = x
        for _ in range(depth):
            y = y * torch.tanh(y)
        sizes = torch.symbolic.expression_sizes(y, x)
        table.append(sizes)
        rows.append([str(depth), str(len(_nodes(y))), str(sympy.count_ops(y.sym)),
                     *(str(v) for v in sizes.values())])
    screen.table(columns, rows, right=columns)
    screen.pause()
    screen.line()
    screen.line("Written as a tree, every reuse of y is a copy: the formulas double per level.")
    screen.line("cse writes each shared piece once; autograd never writes the formula at all: "
                "it runs the chain rule on the graph, with numbers.")
    figure = Figure(figsize=(7, 4.5), layout="constrained")
    ax = figure.subplots()
    depths = range(1, len(table) + 1)
    for key in table[0]:
        ax.semilogy(depths, [s[key] for s in table], "o-" if "cse" not in key else "o--",
                    label=key)
    ax.semilogy(depths, [2 * d for d in depths], "k:", label="graph nodes (2 per level)")
    ax.set_xlabel("depth d")
    ax.set_ylabel("count_ops")
    ax.set_title("size of the derivative of y ← y·tanh(y), d times")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    screen.figure(figure, out_dir, "swell")


# --------------------------------------------------------------------- entry points
def listing():
    """The demos, one line each, for ``autodiff-lab demo --list``."""
    lines = ["autodiff-lab demo NAME   (lesson numbers in lessons/)"]
    for d in DEMOS.values():
        lines.append(f"  {d.name:16s}  {d.summary}   [lesson {d.lesson}]")
    return "\n".join(lines)


def run(name=DEFAULT, out_dir=OUT_DIR, *, file=None, plain=None, step=False, show=False,
        stdin=None):
    """Run the demo ``name``, writing to ``file`` (default stdout) and saving figures in
    ``out_dir``; ``step`` waits for Enter on ``stdin`` (default sys.stdin, only when it is a
    terminal) between steps, ``show`` opens the figures in windows too. Returns 0, or 2 for an
    unknown name (after saying which names exist)."""
    screen = Screen(file, plain, step=step, show=show, stdin=stdin)
    if name not in DEMOS:
        screen.line(f"autodiff-lab demo: no demo named {name!r}; choose one of: "
                    f"{', '.join(DEMOS)}")
        return 2
    if not show:   # no window: draw off screen, whatever backend the user's config names
        import matplotlib
        matplotlib.use("Agg")
    DEMOS[name].run(screen, out_dir)
    return 0


def command(args):
    """``autodiff-lab demo [NAME] [--list] [--out DIR] [--plain] [--step] [--show]``."""
    if getattr(args, "list", False):
        print(listing())
        return 0
    return run(getattr(args, "name", None) or DEFAULT, getattr(args, "out", None) or OUT_DIR,
               plain=True if getattr(args, "plain", False) else None,
               step=getattr(args, "step", False), show=getattr(args, "show", False))
