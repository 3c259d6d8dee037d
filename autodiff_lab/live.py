"""A live class in Jupyter: step through a backward pass, drag the point of a tangent, slide a
learning rate, each with ipywidgets; a static figure wherever widgets cannot run.

``backward_stepper(y)`` walks ``y``'s graph node by node, in the engine's order: the node of the
step stands out in the picture, the gradient drawn so far is the gradient computed so far, and
the derivation of that step (from :func:`autodiff_lab.explain`) is printed beside it.
``plot_derivative(f, x0)`` is :func:`autodiff_lab.viz.plot_derivative` with a slider for x₀;
``plot_descent(f, x0)`` is gradient descent with a slider for the learning rate.

Each returns an object that displays its widgets as a cell's value. Without ipywidgets, or
outside a running Jupyter kernel (a script, a terminal IPython, ``nbconvert`` without a
kernel), it says so once and displays a static figure of its current state instead; its
``figure`` and its setters (``show(k)``, ``x``, ``lr``) work the same either way. ``widgets=True``
builds the widgets anyway (tests do, headless), ``widgets=False`` never does.

>>> import autodiff_lab as torch
>>> from autodiff_lab import live
>>> x = torch.tensor(2.0, requires_grad=True)
>>> stepper = live.backward_stepper(x * x + x, widgets=False)
>>> len(stepper)
3
>>> print(stepper.show(1).text.splitlines()[0])
step 1 of 3: AddBackward0 sends the gradient to its inputs
>>> print(stepper.show(3).text.splitlines()[0])
step 3 of 3: the leaf collects its gradient
"""

import io
import sys

import numpy as np

from .explanation import explain
from .symbolic.notation import d as _d
from .viz.graph import COLOURS

HIGHLIGHT = COLOURS["gradient"]
IMAGE_PIXELS = 1400          # the longer side of a picture in a widget, at most
NOTICE = ("autodiff_lab.live: {why}, so this is a static figure; the sliders need ipywidgets "
          "in a running Jupyter kernel (pip install \"autodiff_lab[lab]\", then jupyter lab).")
_told = set()                # reasons already said: each is said once per process


def widgets_unavailable():
    """Why ipywidgets cannot run here (no ipywidgets, no Jupyter kernel), or None.

    >>> widgets_unavailable() in (None, "ipywidgets is not installed",
    ...                           "no Jupyter kernel is running")
    True
    """
    try:
        import ipywidgets  # noqa: F401
    except ImportError:
        return "ipywidgets is not installed"
    try:
        from IPython import get_ipython
    except ImportError:
        return "no Jupyter kernel is running"
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return "no Jupyter kernel is running"
    return None


def _png(figure):
    """The figure as PNG bytes, its longer side at most IMAGE_PIXELS."""
    width, height = figure.get_size_inches()
    dpi = min(100.0, IMAGE_PIXELS / max(width, height))
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


class _Live:
    """What the three share: widgets or the static fallback, and how each displays."""

    def __init__(self, widgets):
        why = widgets_unavailable()
        if widgets is True and why == "ipywidgets is not installed":
            raise ImportError("widgets=True needs ipywidgets: pip install ipywidgets (or "
                              "pip install \"autodiff_lab[lab]\")")
        self.live = why is None if widgets is None else bool(widgets)
        if widgets is None and why is not None and why not in _told:
            _told.add(why)
            print(NOTICE.format(why=why), file=sys.stdout)
        self.widget = self.image = self.readout = None
        self.figure = None

    def _start(self, controls):
        """Draw the first state; with widgets, lay the picture and its text out with
        ``controls`` (a list of widgets) above them."""
        self._redraw()
        if not self.live:
            return
        import ipywidgets as w
        width, height = self.figure.get_size_inches()
        self.image = w.Image(value=self._png(), format="png",
                             layout=w.Layout(max_width="100%", height="auto"))
        self.readout = w.HTML(value=self._html())
        beside = height >= width   # a tall picture gets its text beside it, a wide one below
        body = w.HBox([self.image, self.readout]) if beside else \
            w.VBox([self.image, self.readout])
        self.widget = w.VBox([w.HBox(controls), body])

    def _update(self):
        self._redraw()
        if self.live and self.image is not None:
            self.image.value = self._png()
            self.readout.value = self._html()

    def _png(self):
        return _png(self.figure)

    def _html(self):
        import html
        return ("<pre style='font-size: 14px; line-height: 1.35; margin: 0 1em'>"
                f"{html.escape(self.text)}</pre>")

    def _ipython_display_(self):
        from IPython.display import display
        if self.live:
            display(self.widget)
        else:
            display(self.figure)
            print(self.text)


# --------------------------------------------------------------------- the backward pass
class BackwardStepper(_Live):
    """The backward pass of a scalar, one node at a time; made by :func:`backward_stepper`.

    ``show(k)`` goes to step k (0: the forward pass, before any gradient; ``len(stepper)``: the
    last step), ``step`` is the current one, ``text`` its derivation, ``figure`` its picture,
    ``node_of(k)`` the picture's box id for step k. With widgets: ``slider``, ``back``, ``next``.
    """

    def __init__(self, y, widgets=None, **draw_options):
        super().__init__(widgets)
        from . import viz
        self.explanation = explain(y)
        self.steps = self.explanation.steps
        self._whole = str(self.explanation)
        options = {"local_derivatives": True, **draw_options, "highlight_backward": True}
        self.figure = viz.draw_graph(y, **options)
        self._read_picture()
        self.step = len(self.steps) if not self.live else 0
        controls = []
        if self.live:
            import ipywidgets as w
            self.slider = w.IntSlider(value=self.step, min=0, max=len(self.steps),
                                      description="step", continuous_update=True)
            self.back = w.Button(description="◀ back", layout=w.Layout(width="7em"))
            self.next = w.Button(description="next ▶", layout=w.Layout(width="7em"))
            self.back.on_click(lambda _: self.show(self.slider.value - 1))
            self.next.on_click(lambda _: self.show(self.slider.value + 1))
            self.slider.observe(lambda change: self._go(change["new"]), names="value")
            controls = [self.back, self.next, self.slider]
        self._start(controls)
        self._drawn = self.step

    def __len__(self):
        return len(self.steps)

    def show(self, k):
        """Go to step ``k`` (clipped to 0 … len(self)); returns the stepper."""
        k = int(min(max(k, 0), len(self.steps)))
        if self.live:
            self.slider.value = k      # its observer redraws
        self._go(k)
        return self

    def _go(self, k):
        if k == self._drawn:
            return
        self.step = k
        self._update()
        self._drawn = k

    def node_of(self, k):
        """The id of the box (``node:<id>`` in the picture) that step ``k`` (from 1) runs, or
        None where the picture has no box of its own for it."""
        return self._boxes[k - 1]

    # the picture ----------------------------------------------------------------
    def _read_picture(self):
        """Which box each step runs and when each gradient artist appears, read from the
        drawn figure: its artists' gids name boxes and edges. A step whose node has no box of
        its own (a picture that folds nodes) lights nothing."""
        ax = self.figure.axes[0]
        self._patches = {p.get_gid(): p for p in ax.patches if p.get_gid()}
        self._style = {gid: (p.get_edgecolor(), p.get_linewidth())
                       for gid, p in self._patches.items()}
        lines = {}
        for text in ax.texts:
            gid = text.get_gid() or ""
            if gid.startswith("label:"):
                lines.setdefault(gid[6:], []).append(text.get_text())
        taken, self._boxes = set(), []
        for step in self.steps:
            box = next((b for b, texts in lines.items()
                        if b not in taken and _is_box_of(step, texts)), None)
            taken.add(box)
            self._boxes.append(box)
        self._visited_at = {box: k for k, box in enumerate(self._boxes, 1) if box is not None}
        # Gradient artists appear once the gradient is there: a box's own gradient lines when
        # its step runs, an arrow back to an input (and its label) when the op sending it runs.
        gradient = np.array(_rgba(COLOURS["gradient"]))
        self._reveal = []
        for text in ax.texts:
            gid = text.get_gid() or ""
            if np.allclose(_rgba(text.get_color()), gradient):
                if gid.startswith("label:"):
                    self._reveal.append((text, self._visited_at.get(gid[6:], 0)))
                elif gid.startswith("edgetext:"):
                    self._reveal.append((text, self._sender(gid[9:], forward=True)))
        for gid, patch in self._patches.items():
            if gid.startswith("gradient:"):
                self._reveal.append((patch, self._sender(gid[9:], forward=False)))

    def _sender(self, edge, forward):
        """The step at which the gradient runs along ``source->target:port`` (``target->source``
        for a gradient arrow): when the target, the op that uses the source, runs."""
        a, b = edge.rsplit(":", 1)[0].split("->")
        return self._visited_at.get(b if forward else a, 0)

    def _redraw(self):
        k = self.step
        for artist, at in self._reveal:
            artist.set_visible(at != 0 and at <= k)
        current = self._boxes[k - 1] if k else None
        for gid, patch in self._patches.items():
            colour, width = self._style[gid]
            kind, _, rest = gid.partition(":")
            ends = rest.rsplit(":", 1)[0].split("->")
            # the node of the step, the edges into it, and the gradients it sends back
            lit = current is not None and (kind == "node" and rest == current or
                                           kind == "edge" and ends[-1] == current or
                                           kind == "gradient" and ends[0] == current)
            if kind == "edge":
                patch.set_color(HIGHLIGHT if lit else colour)
            else:
                patch.set_edgecolor(HIGHLIGHT if lit else colour)
            patch.set_linewidth(width * (2.5 if kind == "node" else 1.8) if lit else width)
        self.text = self._text(k)

    def _text(self, k):
        n = len(self.steps)
        whole = self._whole
        if k == 0:
            out, head = self.explanation.output, whole.split("\n\nsteps")[0]
            return (f"step 0 of {n}: the forward pass; backward() starts at {out} with "
                    f"{_d(out, out)} = 1\n\n{head}")
        step = self.steps[k - 1]
        what = "the leaf collects its gradient" if step.is_leaf else \
            f"{step.node} sends the gradient to its input{'s' * (len(step.terms) > 1)}"
        text = f"step {k} of {n}: {what}\n\n{step}"
        if k == n and "\nchain rule" in whole:   # the last step: the whole chain rule
            text += "\n\n" + whole[whole.index("\nchain rule") + 1:]
        return text


def _is_box_of(step, texts):
    """Whether a box with these lines of text is the node of ``step``: a leaf box is titled by
    the leaf's name, an op box by the node's name, with the output's name on its next line."""
    if not texts:
        return False
    if step.is_leaf:
        return texts[0] == step.output
    return texts[0] == step.node and len(texts) > 1 and (
        texts[1] == step.output or texts[1].startswith((f"{step.output} =", f"{step.output}ᵢ =")))


def _rgba(colour):
    from matplotlib.colors import to_rgba
    return to_rgba(colour)


def backward_stepper(y, *, widgets=None, **draw_options):
    """Step through the backward pass of the scalar ``y``: buttons and a slider walk its graph
    node by node, in the order the engine runs them. The picture marks the node of the step
    and shows the gradient computed so far; beside it, that step's derivation from
    :func:`autodiff_lab.explain` (upstream gradient, local partials, what is sent on).
    ``draw_options`` go to :func:`autodiff_lab.viz.draw_graph` (``direction="TB"``,
    ``symbolic=True``, ...); ``.grad`` is not touched.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    >>> y = 3*x + 2
    >>> out = (2*y**2).mean()
    >>> stepper = backward_stepper(out, widgets=False)
    >>> print(stepper.show(3).text)  # doctest: +NORMALIZE_WHITESPACE
    step 3 of 6: PowBackward0 sends the gradient to its input
    <BLANKLINE>
     3. PowBackward0    b = y²
          upstream  ∂out/∂b         = 1/3 = 0.3333 (every element)
          local     ∂b/∂y           = 2y = [[10, 16, 22], [22, 16, 10]]
          sends     ∂out/∂b · ∂b/∂y = 1/3 · 2y = 2y/3   → y (AddBackward0)
                                    = [[3.3333, 5.3333, 7.3333], [7.3333, 5.3333, 3.3333]]
    """
    return BackwardStepper(y, widgets=widgets, **draw_options)


# --------------------------------------------------------------------- one number on a slider
class _Slider(_Live):
    """A picture of one number (x₀, lr) on a slider: moving it, or setting the number, redraws.
    Subclasses give ``_check`` (the number, or a ValueError saying the range) and ``_redraw``."""

    def _begin(self, description, value, lo, hi):
        self._value = value
        controls = []
        if self.live:
            import ipywidgets as w
            self.slider = w.FloatSlider(value=value, min=lo, max=hi, step=(hi - lo) / 200,
                                        description=description, readout_format=".3g",
                                        continuous_update=False,
                                        layout=w.Layout(width="32em"))
            self.slider.observe(lambda change: self._move(change["new"]), names="value")
            controls = [self.slider]
        self._start(controls)
        self._drawn = value

    def _set(self, value):
        value = self._check(value)
        if self.live:
            self.slider.value = value    # its observer redraws
        self._move(value)

    def _move(self, value):
        if value == self._drawn:
            return
        self._value = float(value)
        self._update()
        self._drawn = self._value


# --------------------------------------------------------------------- a tangent that moves
class DerivativeSlider(_Slider):
    """:func:`autodiff_lab.viz.plot_derivative` with x₀ on a slider; made by
    :func:`plot_derivative`. ``x`` is the point (set it to move the tangent), ``tangent`` its
    numbers, ``figure`` the picture. With widgets: ``slider``."""

    def __init__(self, f, x0, *, xlim=None, expected=None, widgets=None):
        super().__init__(widgets)
        self.f, self.expected = f, expected
        self.xlim = tuple(float(v) for v in (xlim if xlim is not None else (x0 - 2, x0 + 2)))
        self._cache = {}
        self._begin("x₀", self._check(x0), *self.xlim)

    x = property(lambda self: self._value, _Slider._set, doc="the point of the tangent")

    def _check(self, value):
        value, (lo, hi) = float(value), self.xlim
        if not lo <= value <= hi:
            raise ValueError(f"x = {value:g} is outside the plotted range xlim = ({lo:g}, "
                             f"{hi:g}); pass a wider xlim= to plot_derivative")
        return value

    def _redraw(self):
        from . import viz
        if self._value not in self._cache:
            if len(self._cache) >= 32:   # a slider has many stops: keep the last pictures
                self._cache.pop(next(iter(self._cache)))
            self._cache[self._value] = [viz.plot_derivative(
                self.f, self._value, xlim=self.xlim, expected=self.expected), None]
        self.figure = self._cache[self._value][0]
        self.tangent = dict(self.figure.tangent)
        x0, f0, slope = (self.tangent[k] for k in ("x0", "f(x0)", "f'(x0)"))
        self.text = (f"x₀ = {x0:.4g}:  f(x₀) = {f0:.6g},  f′(x₀) = {slope:.6g}\n"
                     f"tangent: y = {f0:.6g} + {slope:.6g}·(x − {x0:.4g})")

    def _png(self):
        entry = self._cache[self._value]
        if entry[1] is None:
            entry[1] = _png(entry[0])
        return entry[1]


def plot_derivative(f, x0, *, xlim=None, expected=None, widgets=None):
    """f with its tangent at x₀ and f′ three ways (:func:`autodiff_lab.viz.plot_derivative`),
    x₀ on a slider over ``xlim`` (default x₀ ± 2): the tangent and the marked slope follow it.
    ``f``: a function of a tensor, or math text; ``expected``: a hand-derived f′ as text.

    >>> s = plot_derivative(lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1, 2.0, widgets=False)
    >>> s.x = 1.0
    >>> print(s.text)
    x₀ = 1:  f(x₀) = 12,  f′(x₀) = 22
    tangent: y = 12 + 22·(x − 1)
    """
    return DerivativeSlider(f, x0, xlim=xlim, expected=expected, widgets=widgets)




# --------------------------------------------------------------------- the learning rate
class DescentSlider(_Slider):
    """Gradient descent P ← P − lr·∇f with lr on a slider; made by :func:`plot_descent`.
    ``lr`` is the learning rate (set it to redraw the path), ``trajectory`` the run
    (:class:`autodiff_lab.viz.Trajectory`), ``figure`` the picture. With widgets: ``slider``."""

    def __init__(self, f, p0, lr, *, lr_range, steps, xlim, ylim, widgets):
        super().__init__(widgets)
        from .viz import descend
        self.f, self.steps = f, steps
        self.p0 = np.atleast_1d(np.asarray(p0, dtype=float))
        if self.p0.size not in (1, 2):
            raise ValueError(f"plot_descent draws 1-D curves and 2-D contours; p0 has "
                             f"{self.p0.size} coordinates")
        lo, hi = (float(v) for v in lr_range)
        if not 0 < lo < hi:
            raise ValueError(f"lr_range must be (low, high) with 0 < low < high, got {lr_range}")
        self.lr_range = (lo, hi)
        # One view for every rate on the slider, so that paths can be compared as it moves.
        runs = [descend(f, self.p0, r, steps) for r in np.linspace(lo, hi, 12)]
        view = _view([r.points for r in runs if r.status != "diverged"], self.p0)
        self.xlim = tuple(xlim) if xlim is not None else view[0]
        self.ylim = tuple(ylim) if ylim is not None else \
            view[1] if self.p0.size == 2 else None
        self._begin("lr", self._check(lr), lo, hi)

    lr = property(lambda self: self._value, _Slider._set, doc="the learning rate")

    def _check(self, lr):
        lr, (lo, hi) = float(lr), self.lr_range
        if not lo <= lr <= hi:
            raise ValueError(f"lr = {lr:g} is outside lr_range = ({lo:g}, {hi:g}); pass a "
                             "wider lr_range= to plot_descent")
        return lr

    def _redraw(self):
        from . import viz
        if self.p0.size == 1:
            self.figure = viz.plot_descent_1d(self.f, self.p0.item(), lrs=(self._value,),
                                              steps=self.steps, xlim=self.xlim)
        else:
            self.figure = viz.plot_descent_2d(self.f, tuple(self.p0), lrs=(self._value,),
                                              steps=self.steps, xlim=self.xlim,
                                              ylim=self.ylim)
        t = self.trajectory = self.figure.trajectories[0]
        last = ", ".join(f"{v:.4g}" for v in t.points[-1])
        name = "x" if self.p0.size == 1 else "P"
        self.text = (f"lr = {t.lr:.3g}: {t.status}; after {len(t.points) - 1} steps "
                     f"{name} = {last if self.p0.size == 1 else f'({last})'}, "
                     f"f = {t.losses[-1]:.4g}")


def _view(paths, start, pad=0.15):
    """Per coordinate, limits (lo, hi) that hold every path and the start, padded."""
    points = np.vstack([*paths, np.atleast_2d(start)])
    lo, hi = points.min(axis=0), points.max(axis=0)
    width = np.where(hi - lo > 0, hi - lo, np.maximum(np.abs(lo), 1.0))
    return [(float(a), float(b)) for a, b in zip(lo - pad * width, hi + pad * width)]


def plot_descent(f, p0, lr=0.1, *, lr_range=(0.01, 1.2), steps=20, xlim=None, ylim=None,
                 widgets=None):
    """Gradient descent on ``f`` from ``p0`` with the learning rate on a slider over
    ``lr_range``: the path redraws as it moves (:func:`autodiff_lab.viz.plot_descent_1d` for
    a number ``p0``, :func:`~autodiff_lab.viz.plot_descent_2d` for a pair). The view is the
    same for every rate on the slider (every run that does not diverge fits).

    >>> s = plot_descent(lambda x: x**2, 2.0, lr=0.1, widgets=False)
    >>> print(s.text)
    lr = 0.1: converges; after 20 steps x = 0.02306, f = 0.0005317
    >>> s.lr = 1.05
    >>> s.trajectory.status
    'diverged'
    """
    return DescentSlider(f, p0, lr, lr_range=lr_range, steps=steps, xlim=xlim, ylim=ylim,
                         widgets=widgets)
