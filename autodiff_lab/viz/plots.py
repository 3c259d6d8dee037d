"""Plots for lessons: a function with its derivative three ways and its tangent; loss curves."""

import io

import numpy as np
import sympy
from matplotlib.figure import Figure
from matplotlib.mathtext import MathTextParser
from matplotlib.ticker import MaxNLocator

from .. import creation, dtypes, symbolic
from ..autograd.grad_mode import no_grad

# One look for every picture, sized for a slide: (font size, colour) by role.
TITLE, LABEL, TICK, LEGEND = 16, 15, 14, 14   # 14 pt and up: legible on a slide
COLORS = {"f": "black", "symbolic": "#1f77b4", "autograd": "#ff7f0e",
          "finite difference": "#2ca02c", "expected": "#d62728", "tangent": "#9467bd"}


class ShowableFigure(Figure):
    """A Figure made without pyplot that Jupyter still shows (as PNG), once, as a cell's value."""

    def _repr_png_(self):
        buffer = io.BytesIO()
        self.savefig(buffer, format="png")
        return buffer.getvalue()


def new_figure(nrows=1, ncols=1, *, figsize=(8, 5), **kw):
    """A Figure and its axes, made without pyplot: no GUI, no global state, and in Jupyter
    it shows once, as the cell's value.

    >>> fig, ax = new_figure()
    >>> fig._repr_png_()[:4] == b"\\x89PNG"
    True
    """
    fig = ShowableFigure(figsize=figsize, layout="constrained")
    return fig, fig.subplots(nrows, ncols, **kw)


def style(ax, title=None, xlabel=None, ylabel=None):
    """Title, axis labels, tick sizes and a light grid, the same on every picture."""
    if title:
        ax.set_title(title, fontsize=TITLE)
    if xlabel:
        ax.set_xlabel(xlabel, fontsize=LABEL)
    if ylabel:
        ax.set_ylabel(ylabel, fontsize=LABEL)
    ax.tick_params(labelsize=TICK)
    ax.grid(True, alpha=0.3)


def math(expr, limit=120):
    """``expr`` as mathtext ($...$) when matplotlib can typeset it and it is short, else None.

    >>> import sympy
    >>> math(8*sympy.Symbol("x")**3 + 5)
    '$8 x^{3} + 5$'
    """
    text = sympy.latex(expr)
    if len(text) > limit:
        return None
    try:
        MathTextParser("path").parse(f"${text}$")
    except ValueError:
        return None
    return f"${text}$"


def as_function(f, variables=("x",)):
    """A Python function of tensors from ``f``: itself if callable, else math text parsed by
    the safe parser (never ``eval``) into a graph builder.

    >>> fn = as_function("2x^4 + x^3 + 3x^2 + 5x + 1")
    >>> fn(creation.tensor(2.0))
    tensor(63.)
    """
    if callable(f):
        return f
    from ..symbolic.parse import parse_math
    parsed = parse_math(f, variables=list(variables))

    def fn(*ts):
        return symbolic.from_sympy(parsed, **dict(zip(variables, ts)))
    # The parsed text is the exact symbolic form; the graph from_sympy builds holds its rational
    # constants as floats, so its twin would read 1/3 as 3333333333333333/10**16.
    fn.sym = parsed
    return fn


def values(fn, *arrays):
    """``fn`` evaluated on NumPy arrays as float64 tensors, without recording a graph."""
    with no_grad(), np.errstate(all="ignore"):
        out = fn(*(creation.tensor(a, dtype=dtypes.float64) for a in arrays))
    out = np.asarray(out.numpy() if hasattr(out, "numpy") else out, dtype=float)
    return np.broadcast_to(out, np.broadcast(*arrays).shape)


def _lambdify(expr):
    """A NumPy function of x from a SymPy expression in (at most) one free symbol."""
    symbols = sorted(expr.free_symbols, key=str)
    if len(symbols) > 1:
        raise ValueError(f"expected an expression in x alone, got one in {symbols}")
    fn = sympy.lambdify(symbols or [sympy.Symbol("x")], expr, "numpy")
    return lambda xs: np.broadcast_to(np.asarray(fn(xs), dtype=float), np.shape(xs))


def autograd_derivative(fn, xs):
    """f'(x) at many points in one backward pass: the sum's gradient w.r.t. each x is f'(x)
    (for an elementwise f).

    >>> autograd_derivative(lambda x: x**2, np.array([1.0, 3.0]))
    array([2., 6.])
    """
    x = creation.tensor(np.asarray(xs, dtype=float), dtype=dtypes.float64, requires_grad=True)
    with np.errstate(all="ignore"):
        fn(x).sum().backward()
    return x.grad.numpy()


def central_difference(fn, xs, h=1e-5):
    """(f(x + h) − f(x − h)) / 2h: an approximation, with an error of order h².

    >>> central_difference(lambda x: x**3, np.array([2.0]), h=1e-3).round(6)
    array([12.000001])
    """
    xs = np.asarray(xs, dtype=float)
    return (values(fn, xs + h) - values(fn, xs - h)) / (2 * h)


def _x_leaf(x0):
    return creation.tensor(float(x0), dtype=dtypes.float64, requires_grad=True, name="x")


def plot_derivative(f, x0, *, xlim=None, expected=None, h=1e-5, num=400, ax=None):
    """f with its tangent at x0 (top) and f'(x) computed three ways (bottom): symbolic (the
    derivative of f's twin, or of the parsed text, lambdified), autograd (one backward pass over
    all the x values) and a central finite difference.

    ``f`` is a Python function of a tensor (elementwise) or math text. ``expected`` is a
    hand-derived f'(x) as text, drawn too and marked as matching or not. ``ax`` may be a pair of
    axes to draw into. Lines carry gids ("f", "tangent", "symbolic", "autograd",
    "finite difference", "expected") for tests and restyling.

    >>> fig = plot_derivative(lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1, 2.0)
    >>> top, bottom = fig.axes
    >>> [line.get_gid() for line in bottom.lines][:3]
    ['symbolic', 'autograd', 'finite difference']
    >>> fig.tangent
    {'x0': 2.0, 'f(x0)': 63.0, "f'(x0)": 93.0}
    """
    fn = as_function(f)
    x0 = float(x0)
    lo, hi = xlim if xlim is not None else (x0 - 2, x0 + 2)
    xs = np.linspace(lo, hi, num)
    x = _x_leaf(x0)
    y = fn(x)
    f0 = y.item()
    if hasattr(fn, "sym"):
        f_sym = fn.sym
        d_sym = symbolic.tidy(sympy.diff(f_sym, sympy.Symbol("x")))
    else:
        f_sym, d_sym = y.sym, symbolic.diff(y, x)
    y.backward()
    slope = x.grad.item()

    if ax is None:
        fig, (ax_f, ax_d) = new_figure(2, 1, figsize=(10, 7.5), sharex=True)
    else:
        ax_f, ax_d = ax
        fig = ax_f.figure
    fs = values(fn, xs)
    f_label = math(f_sym)
    ax_f.plot(xs, fs, color=COLORS["f"], lw=2.2, gid="f",
              label=f"$f(x)$ = {f_label}" if f_label else "$f(x)$")
    _draw_tangent(ax_f, x0, f0, slope, xs, fs)
    style(ax_f, f"$f(x)$ and its tangent at $x_0$ = {x0:.4g}", None, "$f(x)$")
    ax_f.legend(fontsize=LEGEND, loc="best")

    exact = _lambdify(d_sym)(xs)
    curves = [("symbolic", exact, {"lw": 6, "alpha": 0.35},
               f"symbolic: {math(d_sym) or 'sympy.diff'}"),
              ("autograd", autograd_derivative(fn, xs), {"lw": 2, "ls": "--"},
               "autograd (backward)"),
              ("finite difference", central_difference(fn, xs, h),
               {"lw": 0, "marker": "o", "ms": 4, "markevery": max(1, num // 25)},
               f"central difference, $h$ = {h:g}")]
    for gid, ys, kw, label in curves:
        if gid != "symbolic":
            label += f" (max error {np.nanmax(np.abs(ys - exact)):.1e})"
        ax_d.plot(xs, ys, color=COLORS[gid], gid=gid, label=label, **kw)
    if expected is not None:
        _draw_expected(ax_d, expected, xs, exact)
    ax_d.plot([x0], [slope], "o", color=COLORS["tangent"], ms=8, zorder=5)
    ax_d.annotate(f"$f'({x0:.4g})$ = {slope:.4g}", (x0, slope), xytext=(12, -18),
                  textcoords="offset points", fontsize=LABEL, color=COLORS["tangent"],
                  bbox={"boxstyle": "round", "fc": "white", "ec": "none", "alpha": 0.8})
    style(ax_d, "$f'(x)$ three ways: symbolic, autograd, finite difference", "$x$", "$f'(x)$")
    _clip_y(ax_d, exact)
    ax_d.legend(fontsize=LEGEND, loc="best")
    fig.tangent = {"x0": x0, "f(x0)": f0, "f'(x0)": slope}
    return fig


def _draw_tangent(ax, x0, f0, slope, xs, fs):
    half = (xs[-1] - xs[0]) * 0.22
    tx = np.array([x0 - half, x0 + half])
    ax.plot(tx, f0 + slope * (tx - x0), color=COLORS["tangent"], lw=2, ls="--", gid="tangent",
            label="tangent: $y = f(x_0) + f'(x_0)(x - x_0)$")
    ax.plot([x0], [f0], "o", color=COLORS["tangent"], ms=9, zorder=5)
    _clip_y(ax, fs)
    ax.set_xlim(xs[0], xs[-1])
    ax.annotate(f"$(x_0, f(x_0))$ = ({x0:.4g}, {f0:.4g})\nslope $f'(x_0)$ = {slope:.4g}", (x0, f0),
                xytext=empty_corner(ax, xs, fs), textcoords="axes fraction", fontsize=LABEL,
                color=COLORS["tangent"],
                arrowprops={"arrowstyle": "->", "color": COLORS["tangent"], "lw": 1.2},
                bbox={"boxstyle": "round", "fc": "white", "ec": COLORS["tangent"], "alpha": 0.9})


def empty_corner(ax, xs, ys, size=(0.4, 0.22)):
    """Where (in axes fractions) a box of ``size`` covers the fewest points of the curve."""
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    u, v = (np.asarray(xs) - x_lo) / (x_hi - x_lo), (np.asarray(ys) - y_lo) / (y_hi - y_lo)
    corners = [(0.03, 0.45), (0.57, 0.45), (0.03, 0.06), (0.57, 0.06), (0.3, 0.06)]
    return min(corners, key=lambda c: np.count_nonzero(
        (u > c[0] - 0.03) & (u < c[0] + size[0]) & (v > c[1] - 0.03) & (v < c[1] + size[1])))


def _clip_y(ax, ys):
    """Keep the view on the function, not on a tangent or an outlier that runs off."""
    ys = np.asarray(ys)[np.isfinite(ys)]
    if ys.size:
        lo, hi = float(ys.min()), float(ys.max())
        pad = 0.08 * (hi - lo) or 1.0
        ax.set_ylim(lo - pad, hi + pad)


def _draw_expected(ax, expected, xs, exact):
    from ..symbolic.parse import parse_math
    parsed = parse_math(expected, variables=["x"])
    ys = _lambdify(parsed)(xs)
    ok = bool(np.allclose(ys, exact, rtol=1e-6, atol=1e-9, equal_nan=True))
    ax.plot(xs, ys, color=COLORS["expected"], lw=2, ls="-.", gid="expected",
            label=f"hand-derived: {math(parsed) or expected} "
                  f"({'matches' if ok else 'does NOT match'})")


def plot_loss_curves(histories, log=True, *, ax=None, colors=None, title="Loss curves",
                     xlabel="step"):
    """One loss curve per run, on a log scale by default (symlog when a loss reaches 0; linear
    when one is negative). A run whose loss became infinite or NaN stops there, marked with ×.

    >>> fig = plot_loss_curves({"lr = 0.1": [4.0, 2.0, 1.0], "lr = 0.5": [4.0, 1.0, 0.25]})
    >>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    ['lr = 0.1', 'lr = 0.5']
    >>> fig.axes[0].get_yscale()
    'log'
    """
    if ax is None:
        fig, ax = new_figure()
    else:
        fig = ax.figure
    finite = []
    for i, (name, history) in enumerate(histories.items()):
        ys = np.asarray(history, dtype=float)
        bad = np.flatnonzero(~np.isfinite(ys))
        ys = ys[:bad[0]] if bad.size else ys
        color = colors[i] if colors is not None else None
        (line,) = ax.plot(np.arange(len(ys)), ys, marker="o", ms=3.5, lw=1.8, label=name,
                          color=color, gid=name)
        if bad.size and len(ys):
            ax.plot(len(ys) - 1, ys[-1], "x", color=line.get_color(), ms=12, mew=3)
        finite.extend(ys)
    finite = np.array(finite)
    if log and finite.size and finite.min() > 0:
        ax.set_yscale("log")
    elif log and finite.size and finite.min() == 0:  # exact convergence: linear near zero
        ax.set_yscale("symlog", linthresh=finite[finite > 0].min(initial=1.0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    style(ax, title, xlabel, "loss")
    ax.legend(fontsize=LEGEND, loc="best")
    return fig
