"""Gradient descent pictures: P ← P − lr·∇P on a 1-D curve and on the contours of a 2-D function."""

import itertools
from dataclasses import dataclass

import numpy as np

from .. import creation, dtypes
from ..autograd.grad_mode import no_grad
from .plots import LABEL, LEGEND, as_function, new_figure, plot_loss_curves, style, values


@dataclass
class Trajectory:
    """One run of gradient descent: the points P₀, P₁, ... and the loss at each.

    ``status`` is "converges", "oscillates" (the steps keep turning back and more than
    ``OSCILLATES`` of the starting loss is left at the end) or "diverged" (the loss grew, or P
    ran past ``limit`` and the run stopped early); ``zigzag`` says that a converging run's steps
    keep turning back (a narrow valley crossed again and again).
    """

    lr: float
    points: np.ndarray
    losses: np.ndarray
    status: str
    zigzag: bool = False

    @property
    def label(self):
        shape = ", zig-zagging" if self.zigzag and self.status == "converges" else ""
        return f"lr = {self.lr:g}: {self.status}{shape}"


def descend(f, p0, lr, steps=20, *, limit=1e6):
    """Run the lesson's loop, P ← P − lr·∇P, with autodiff_lab, and record the path.

    ``f`` takes one tensor per coordinate (``f(x)`` or ``f(x, y)``) or is math text in x (, y).

    >>> t = descend(lambda x: x**2, 3.0, lr=0.1, steps=2)
    >>> t.points.ravel().tolist(), t.status
    ([3.0, 2.4, 1.92], 'converges')
    """
    p0 = np.atleast_1d(np.asarray(p0, dtype=float))
    fn = as_function(f, ("x", "y")[:p0.size])
    P = creation.tensor(p0, dtype=dtypes.float64, requires_grad=True)
    points, losses = [p0.copy()], []
    blown = False
    with np.errstate(all="ignore"):
        for step in range(steps + 1):
            loss = fn(*(P[i] for i in range(p0.size)))
            losses.append(loss.item())
            if step == steps or blown:
                break
            loss.backward()
            with no_grad():
                P -= lr * P.grad
            P.grad.zero_()
            points.append(P.detach().numpy().copy())
            blown = not np.all(np.isfinite(points[-1])) or np.abs(points[-1]).max() > limit
    points, losses = np.array(points), np.array(losses)
    status, zigzag = _status(points, losses, blown)
    return Trajectory(float(lr), points, losses, status, zigzag)


OSCILLATES = 0.01   # a run that turns back at most steps and keeps more of its loss oscillates


def _status(points, losses, blown):
    if blown or not np.isfinite(losses[-1]) or losses[-1] > losses[0]:
        return "diverged", False
    steps = np.diff(points, axis=0)
    turns = np.sum(steps[1:] * steps[:-1], axis=1) < 0
    zigzag = bool(turns.size and turns.mean() >= 0.5)
    drop = abs(losses[-1]) / abs(losses[0]) if losses[0] != 0 else 0.0
    return ("oscillates" if zigzag and drop > OSCILLATES else "converges"), zigzag


def _view(trajectories, start, pad=0.15, reach=1.0):
    """Limits that show in full every run that did not diverge (and the start), and a
    diverging run's first steps up to ``reach`` times that size beyond it."""
    kept = [t.points for t in trajectories if t.status != "diverged"]
    pts = np.vstack(kept + [np.atleast_2d(start)])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    width = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(lo), 1.0))
    if reach:
        outer_lo, outer_hi = lo - reach * width, hi + reach * width
        for t in trajectories:
            if t.status == "diverged":
                first = t.points[:, :len(lo)]
                inside = np.all((first >= outer_lo) & (first <= outer_hi), axis=1)
                upto = first[:np.argmin(inside) if not inside.all() else len(first)]
                if len(upto) > 1:
                    lo, hi = np.minimum(lo, upto.min(axis=0)), np.maximum(hi, upto.max(axis=0))
        width = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(lo), 1.0))
    return lo - pad * width, hi + pad * width


def plot_descent_1d(f, x0, lrs=(0.1, 0.95, 1.05), steps=20, *, xlim=None, ax=None):
    """The curve f(x) with the path of gradient descent for each learning rate (left) and f at
    each step (right, same vertical scale). The default rates show, on f(x) = x², a run that
    converges, one that oscillates and one that diverges. The runs are in ``fig.trajectories``.

    >>> fig = plot_descent_1d(lambda x: x**2, 2.0)
    >>> [t.status for t in fig.trajectories]
    ['converges', 'oscillates', 'diverged']
    >>> fig.trajectories[0].points[1].item()  # x1 = x0 − lr·f'(x0) = 2 − 0.1·4
    1.6
    """
    trajectories = [descend(f, x0, lr, steps) for lr in lrs]
    colors = COLORS[:len(trajectories)]
    if ax is None:
        fig, (ax, ax_loss) = new_figure(1, 2, figsize=(13, 5.5), width_ratios=(1.3, 1))
    else:
        fig, ax_loss = ax.figure, None
    (lo,), (hi,) = _view(trajectories, x0) if xlim is None else ([xlim[0]], [xlim[1]])
    xs = np.linspace(lo, hi, 400)
    fs = values(as_function(f), xs)
    ax.plot(xs, fs, color="black", lw=2, label="$f(x)$", zorder=1)
    for color, t in zip(colors, trajectories):
        path = _inside(np.column_stack([t.points[:, 0], t.losses]), [lo], [hi], t)
        ax.plot(path[:, 0], path[:, 1], "-o", color=color, lw=1.4, ms=5, alpha=0.85,
                label=t.label, gid=f"path lr={t.lr:g}", zorder=3)
        _arrows(ax, path[:4], color)
    ax.plot([x0], [trajectories[0].losses[0]], "o", color="black", ms=10, mfc="white", mew=2,
            zorder=4, label=f"start $x_0$ = {x0:g}")
    ax.set_xlim(lo, hi)
    pad = 0.08 * (np.nanmax(fs) - np.nanmin(fs)) or 1.0
    ax.set_ylim(np.nanmin(fs) - pad, np.nanmax(fs) + pad)
    style(ax, r"Gradient descent: $x \leftarrow x - \mathrm{lr}\cdot f'(x)$", "$x$", "$f(x)$")
    if ax_loss is None:
        ax.legend(fontsize=LEGEND, loc="best")
    else:
        plot_loss_curves({t.label: t.losses for t in trajectories}, log=False, ax=ax_loss,
                         colors=colors, title="$f(x_k)$ at each step $k$")
        ax_loss.set_ylim(ax.get_ylim())
        ax_loss.set_ylabel("$f(x_k)$", fontsize=LABEL)
        ax_loss.get_legend().remove()
        # One legend for both panels, below them, where it covers no path.
        fig.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=5,
                   fontsize=LEGEND + 1)
    fig.trajectories = trajectories
    return fig


def plot_descent_2d(f, p0, lrs=(0.02, 0.09, 0.105), steps=30, *, xlim=None, ylim=None,
                    levels=20, ax=None):
    """Contours of f(x, y) with the path of gradient descent for each learning rate. The default
    rates show, on the bowl f = x² + 10y², a run that converges, one that converges zig-zagging
    across the valley and one that diverges (drawn dashed, on top, in the frame for its first
    steps, with a note of how far it went). The runs are in ``fig.trajectories``.

    >>> fig = plot_descent_2d(lambda x, y: x**2 + 10*y**2, (-4.0, 1.5))
    >>> [t.label for t in fig.trajectories]
    ['lr = 0.02: converges', 'lr = 0.09: converges, zig-zagging', 'lr = 0.105: diverged']
    """
    trajectories = [descend(f, p0, lr, steps) for lr in lrs]
    if ax is None:
        fig, ax = new_figure(figsize=(8.5, 7))
    else:
        fig = ax.figure
    lo, hi = _view(trajectories, p0)
    if xlim is not None:
        lo[0], hi[0] = xlim
    if ylim is not None:
        lo[1], hi[1] = ylim
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 200), np.linspace(lo[1], hi[1], 200))
    z = values(as_function(f, ("x", "y")), gx, gy)
    # Levels at quantiles of f over the view: rings as dense in a narrow valley as in a bowl.
    lv = np.unique(np.nanquantile(z, np.linspace(0, 1, levels + 1) ** 1.5))
    ax.contourf(gx, gy, z, levels=lv, cmap="Blues_r", alpha=0.4)
    ax.contour(gx, gy, z, levels=lv, colors="#555555", linewidths=0.6, alpha=0.7)
    for color, t in zip(COLORS, trajectories):
        path = _inside(t.points, lo, hi, t)
        diverged = t.status == "diverged"
        # A diverging run on top, dashed: its first step may run along another run's.
        ax.plot(path[:, 0], path[:, 1], "--o" if diverged else "-o", color=color,
                lw=2.2 if diverged else 1.6, ms=5 if diverged else 4, label=t.label,
                gid=f"path lr={t.lr:g}", zorder=4 if diverged else 3, clip_on=True)
        _arrows(ax, path[:4], color)
        if diverged:
            _note_divergence(ax, t, path, lo, hi, color)
    ax.plot(*p0, "o", color="black", ms=10, mfc="white", mew=2,
            label=f"start $P_0$ = ({p0[0]:g}, {p0[1]:g})")
    ax.set_xlim(lo[0], hi[0])
    ax.set_ylim(lo[1], hi[1])
    style(ax, r"Gradient descent: $P \leftarrow P - \mathrm{lr}\cdot\nabla f(P)$", "$x$", "$y$")
    ax.grid(False)
    ax.legend(fontsize=LEGEND, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2)
    fig.trajectories = trajectories
    return fig


COLORS = ["#2ca02c", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2"]


def _inside(path, lo, hi, t):
    """A diverged path up to its first point outside the view: the line leaves the frame
    instead of criss-crossing it."""
    if t.status != "diverged":
        return path
    out = np.flatnonzero(np.any((path[:, :len(lo)] < lo) | (path[:, :len(lo)] > hi), axis=1))
    return path[:out[0] + 1] if out.size else path


def _note_divergence(ax, t, path, lo, hi, color):
    """Where a diverging path leaves the frame: the last point shown, and a note of how far
    it went, inside the frame."""
    last = path[-1] if len(path) < 2 or np.all((path[-1] >= lo) & (path[-1] <= hi)) \
        else path[-2]
    far = np.abs(t.points[-1]).max()
    text = (f"lr = {t.lr:g} leaves the frame:\n|P| = {far:.3g} after {len(t.points) - 1} "
            f"steps, f = {t.losses[-1]:.3g}")
    # Top right, where the runs have left (they head away from the start towards the minimum).
    where = (lo[0] + 0.97 * (hi[0] - lo[0]), lo[1] + 0.95 * (hi[1] - lo[1]))
    ax.annotate(text, xy=last, xytext=where, ha="right", va="top", fontsize=LEGEND, color=color,
                zorder=6,
                gid=f"divergence lr={t.lr:g}",
                bbox={"boxstyle": "round,pad=0.3", "fc": "white", "ec": color, "alpha": 0.9},
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.2})


def _arrows(ax, points, color):
    """Arrowheads on the first steps, so the direction of travel reads at a glance."""
    for a, b in itertools.pairwise(points):
        if np.all(np.isfinite([a, b])) and not np.allclose(a, b):
            ax.annotate("", xy=b, xytext=a, zorder=3,
                        arrowprops={"arrowstyle": "-|>", "color": color, "lw": 1.4,
                                        "mutation_scale": 14, "shrinkA": 3, "shrinkB": 3})
