"""The backward pass as an animation for class: one frame per node, in the engine's own order."""

import io
import os
import textwrap
from dataclasses import dataclass, field

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from ..autograd.engine import AccumulateGrad, _topological_order
from ..symbolic.notation import d
from ..symbolic.twin import Twin, caller_names
from ..tensor import Tensor
from . import labels
from .draw import _beside, _path
from .graph import node_outputs
from .layout import layered_layout

FONT = {"family": "DejaVu Sans Mono", "size": 14.0}
CHAR_W, LINE_H = 0.602, 1.3       # DejaVu Sans Mono: advance and line height, in em
PAD, MARGIN, TOP, BOTTOM = 9.0, 24.0, 56.0, 100.0   # points
MAX_WIDTH, MAX_HEIGHT = 960.0, 540.0   # a 16:9 slide, 13.33 × 7.5 in: larger graphs shrink
CAPTION, HEADING = 16.0, 18.0     # points: the caption and title read from the back of a room
COLOURS = {"waiting": ("white", "#9A9A9A"), "done": ("#E3F4EA", "#009E73"),
           "now": ("#FFE9D6", "#D55E00"), "gradient": "#D55E00", "edge": "#8C8C8C"}


@dataclass
class Step:
    """One frame: the node the engine runs, the gradient it received and what it sends on."""

    node: object
    name: str
    grad: np.ndarray
    sent: list = field(default_factory=list)     # (input name, gradient) per input reached

    @property
    def is_leaf(self):
        return isinstance(self.node, AccumulateGrad)


class BackwardAnimation:
    """Frames of a backward pass; shows itself in Jupyter as an HTML player.

    ``steps`` are the frames' contents, ``figure`` the Figure they are drawn on,
    ``draw(i)`` draws frame i, ``save_gif(path)``, ``save_frames(directory)`` and
    ``to_jshtml()`` write them out.
    """

    def __init__(self, figure, steps, draw, interval):
        self.figure, self.steps, self.interval = figure, steps, interval
        self._draw = draw
        self._animation = None

    def __len__(self):
        return len(self.steps)

    def draw(self, i):
        """Draw frame ``i`` and return the Figure (a still for a slide)."""
        self._draw(i)
        return self.figure

    @property
    def animation(self):
        """The matplotlib FuncAnimation (made on first use)."""
        if self._animation is None:
            from matplotlib.animation import FuncAnimation
            self._animation = FuncAnimation(self.figure, self._draw, frames=len(self),
                                            interval=self.interval, repeat=True)
        return self._animation

    def save_gif(self, path, fps=None, dpi=96):
        """Write an animated GIF (matplotlib's PillowWriter) and return its path."""
        from matplotlib.animation import PillowWriter
        fps = fps or 1000 / self.interval
        self.animation.save(path, writer=PillowWriter(fps=fps), dpi=dpi)
        return path

    def save_frames(self, directory, dpi=100):
        """Write each frame as ``frame_000.png``, ... into ``directory``; return the paths."""
        os.makedirs(directory, exist_ok=True)
        paths = []
        for i in range(len(self)):
            paths.append(os.path.join(directory, f"frame_{i:03d}.png"))
            self.draw(i).savefig(paths[-1], dpi=dpi)
        return paths

    def to_jshtml(self):
        """An HTML player with every frame embedded (what Jupyter shows)."""
        return self.animation.to_jshtml(default_mode="once")

    def _repr_html_(self):
        return self.to_jshtml()

    def _repr_png_(self):
        # Where HTML is not shown (a terminal, a PDF export): the last frame.
        buffer = io.BytesIO()
        self.draw(len(self) - 1).savefig(buffer, format="png")
        return buffer.getvalue()


def animate_backward(y, gradient=None, *, interval=1500, title=None):
    """Animate ``y.backward()``: one frame per node, in the order the engine runs them
    (reverse topological, ``engine._topological_order``). The node being processed is orange,
    with the gradient it received and, on the arrows back to its inputs, the gradient it sends
    each one (grad × local derivative); finished nodes are green; a leaf's frame shows the
    ``.grad +=`` of AccumulateGrad. Works before or after ``backward`` and leaves ``.grad``
    alone.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = x * x + 3 * x
    >>> anim = animate_backward(y)
    >>> [(s.name, s.grad.item()) for s in anim.steps]  # doctest: +NORMALIZE_WHITESPACE
    [('y (AddBackward0)', 1.0), ('b (MulBackward0)', 1.0), ('a (MulBackward0)', 1.0),
     ('x', 7.0)]
    >>> [(name, g.item()) for name, g in anim.steps[2].sent]  # x * x: x twice, 2. each
    [('x', 2.0), ('x', 2.0)]
    >>> import tempfile
    >>> anim.save_gif(os.path.join(tempfile.mkdtemp(), "backward.gif")).endswith(".gif")
    True
    """
    if not isinstance(y, Tensor) or y.grad_fn is None:
        raise ValueError("animate_backward needs a tensor computed from leaves that require "
                         "grad (it has no grad_fn, so there is no backward pass to show)")
    if gradient is None:
        if y.numel() != 1:
            raise RuntimeError("grad can be implicitly created only for scalar outputs")
        gradient = np.ones_like(y._data)
    seed = np.asarray(gradient._data if isinstance(gradient, Tensor) else gradient,
                      dtype=y._data.dtype)
    order = _topological_order([y.grad_fn])
    variables = caller_names(nodes=True)
    values, out_names = node_outputs(y, order, variables)   # names as draw_graph gives them
    names = _names(order, values, out_names, Twin(variables))
    arriving, sent = labels.gradient_flow(order, values, seed)
    steps = [Step(node, names[id(node)], arriving[id(node)],
                  [(names[id(child)], sent[(id(node), slot)])
                   for slot, (child, _) in enumerate(node.next_functions)
                   if (id(node), slot) in sent])
             for node in order if id(node) in arriving]
    scene = _Scene(order, steps, values, out_names, names, sent, title)
    return BackwardAnimation(scene.figure, steps, scene.draw, interval)


def _names(order, values, out_names, twin):
    """How the captions call each node: a leaf by its name, an op by its variable and node name,
    or by node name and value where the node name alone is ambiguous."""
    count = {}
    for node in order:
        count[node.name()] = count.get(node.name(), 0) + 1
    names = {}
    for node in reversed(order):   # data order, so unnamed leaves number t0, t1, ... stably
        if isinstance(node, AccumulateGrad):
            t = node.variable
            names[id(node)] = twin.name_of(t) if t is not None else "(freed leaf)"
        elif out_names.get(id(node)):
            names[id(node)] = f"{out_names[id(node)]} ({node.name()})"
        elif count[node.name()] > 1:
            names[id(node)] = f"{node.name()} (output {labels.format_value(values[id(node)])})"
        else:
            names[id(node)] = node.name()
    return names


class _Scene:
    """The layout, fixed for all frames, and the drawing of one frame."""

    def __init__(self, order, steps, values, out_names, names, sent, title):
        self.steps, self.sent, self.values, self.out_names = steps, sent, values, out_names
        self.names = names
        self.top = out_names.get(id(order[0])) or "y"   # the output: ∂top/∂a labels a gradient
        self.title = title or "The backward pass, one node at a time"
        self.nodes = {id(n): n for n in reversed(order)}   # data order
        self.edges = [(id(child), id(node), slot, len(node.next_functions))
                      for node in self.nodes.values()
                      for slot, (child, _) in enumerate(node.next_functions) if child is not None]
        self.frames = self._box_lines()
        # Boxes and labels are sized for their fullest frame, so nothing moves between frames.
        sizes = {key: tuple(np.max([_size(f[key]) for f in self.frames], axis=0))
                 for key in self.nodes}
        # Left to right or top to bottom, whichever keeps the text larger on a 16:9 slide.
        best = None
        for direction in ("LR", "TB"):
            lay = layered_layout(list(self.nodes), self.edges, sizes, direction)
            k = min(1.0, MAX_WIDTH / (lay.width + 2 * MARGIN),
                    (MAX_HEIGHT - TOP - BOTTOM) / (lay.height + 2 * MARGIN))
            if best is None or k > best[0] + 0.02:
                best = (k, direction, lay)
        self.k, self.direction, self.layout = best
        width = self.layout.width + 2 * MARGIN
        fig_w = max(width * self.k, MAX_WIDTH)
        fig_h = (self.layout.height + 2 * MARGIN) * self.k + TOP + BOTTOM
        self.figure = Figure(figsize=(fig_w / 72, fig_h / 72), dpi=100)
        FigureCanvasAgg(self.figure)
        self.ax = self.figure.add_axes((0, BOTTOM / fig_h, 1, 1 - (TOP + BOTTOM) / fig_h))
        extra = (fig_w / self.k - width) / 2
        self.xlim = (-MARGIN - extra, self.layout.width + MARGIN + extra)
        self.ylim = (self.layout.height + MARGIN, -MARGIN)

    def _box_lines(self):
        """Per frame, per node: the (style, text) lines of its box."""
        received = {key: [] for key in self.nodes}
        received[id(self.steps[0].node)].append(self.steps[0].grad)   # the seed, dy/dy
        position = {id(s.node): i for i, s in enumerate(self.steps)}
        frames = []
        for i, step in enumerate(self.steps):
            for slot, (child, _) in enumerate(step.node.next_functions):
                if (id(step.node), slot) in self.sent:
                    received[id(child)].append(self.sent[(id(step.node), slot)])
            frames.append({key: self._lines(key, received[key], position.get(key, i + 1) <= i)
                           for key in self.nodes})
        return frames

    def _lines(self, key, parts, done):
        node = self.nodes[key]
        if isinstance(node, AccumulateGrad):
            name = self.names[key]
            lines = [("title", name)]
            if node.variable is not None:
                lines.append(("value", labels.format_value(node.variable._data, "= ")))
            prefix = f"{name}.grad += " if done else f"{d(self.top, name)} so far = "
        else:
            var = self.out_names.get(key)
            lines = [("title", node.name()),
                     ("value", labels.format_value(self.values[key], f"{var} = " if var else "= "))]
            whole = d(self.top, var) if var else "grad"
            prefix = f"{whole} = " if done else f"{whole} so far = "
        if parts:
            total = sum(parts[1:], parts[0])
            text = labels.format_value(total, prefix)
            if not done and len(parts) == 1 and np.size(total) == 1:
                # "so far" on its own line keeps the box, so the slide's text, from widening
                text = prefix.rstrip(" =") + "\n" + labels.format_value(total, "= ")
            if len(parts) > 1 and all(np.size(p) == 1 for p in parts):
                # Fan-out made visible: each path's share, then their sum.
                text = (prefix.rstrip() + "\n" +
                        " + ".join(labels.format_value(p) for p in parts) +
                        "\n= " + labels.format_value(total))
            lines.append(("grad", text))
        return lines

    # ------------------------------------------------------------------ one frame
    def draw(self, i):
        ax, k, lay, step = self.ax, self.k, self.layout, self.steps[i]
        ax.clear()
        ax.set_axis_off()
        ax.set_xlim(*self.xlim)
        ax.set_ylim(*self.ylim)
        for e, (_, target, slot, _) in enumerate(self.edges):
            path = _path(lay.routes[e], self.direction)
            ax.add_artist(FancyArrowPatch(path=path, arrowstyle="-|>", mutation_scale=12 * k,
                                         lw=1.1 * k, color=COLOURS["edge"], zorder=1))
            if target == id(step.node) and (target, slot) in self.sent:
                self._gradient_arrow(path, self.sent[(target, slot)], _middle(path))
        done = {id(s.node) for s in self.steps[:i]}
        for key, (cx, cy) in lay.centres.items():
            state = "now" if key == id(step.node) else "done" if key in done else "waiting"
            self._box(cx, cy, lay.sizes[key], self.frames[i][key], state)
        fig = self.figure
        fig.texts.clear()
        fig.legends.clear()
        height = fig.get_figheight() * 72
        fig.text(0.5, 1 - 10 / height, f"{self.title}: step {i + 1} of {len(self.steps)}",
                 ha="center", va="top", fontsize=HEADING, weight="bold")
        fig.text(0.02, (BOTTOM - 10) / height, self._caption(step), ha="left", va="top",
                 fontsize=CAPTION)
        fig.legend(handles=[Patch(fc=face, ec=edge, label=label) for label, (face, edge) in
                            (("running now", COLOURS["now"]), ("done", COLOURS["done"]),
                             ("waiting", COLOURS["waiting"]))],
                   loc="upper right", ncols=3, fontsize=14, frameon=False,
                   bbox_to_anchor=(0.99, 1 - 32 / height))
        return []

    def _box(self, cx, cy, size, lines, state):
        k, (w, h), (face, edge) = self.k, size, COLOURS[state]
        self.ax.add_artist(FancyBboxPatch(
            (cx - w / 2, cy - h / 2), w, h, boxstyle="round,pad=0,rounding_size=6", fc=face,
            ec=edge, lw=(3.0 if state == "now" else 1.3) * k, zorder=3))
        y = cy - h / 2 + PAD
        for style, text in lines:
            self.ax.text(cx, y, text, ha="center", va="top", multialignment="left", zorder=4,
                         family=FONT["family"],
                         fontsize=FONT["size"] * k, linespacing=LINE_H / 1.17,
                         weight="bold" if style in ("title", "grad") else "normal",
                         color=COLOURS["gradient"] if style == "grad" else "#1A1A1A")
            y += len(text.split("\n")) * LINE_H * FONT["size"]

    def _gradient_arrow(self, path, g, label_at):
        k = self.k
        self.ax.add_artist(FancyArrowPatch(path=_beside(path, 6.0), arrowstyle="-|>",
                                          mutation_scale=18 * k, lw=2.6 * k,
                                          color=COLOURS["gradient"], zorder=2))
        self.ax.text(*label_at, labels.format_value(g), ha="center", va="center", zorder=5,
                     family=FONT["family"], fontsize=FONT["size"] * k, weight="bold",
                     color=COLOURS["gradient"],
                     bbox={"boxstyle": "round,pad=0.25", "fc": "white", "ec": COLOURS["gradient"],
                               "lw": 1.0})

    def _caption(self, step):
        g = labels.format_value(step.grad)
        if step.is_leaf:
            text = (f"{step.name} is a leaf: AccumulateGrad adds the gradient that reached it "
                    f"into {step.name}.grad ({step.name}.grad += {g}).")
        else:
            start = (f"Start: {d(self.top, self.top)} = 1. " if step is self.steps[0] else
                     f"{step.name} now has its whole gradient ({g}). ")
            sends = "; ".join(f"{_product(step.grad, s)} to {name}" for name, s in step.sent)
            vjp = "" if step.grad.size == 1 else " (for tensors: a vector-Jacobian product)"
            text = (start + "Chain rule: it multiplies the gradient by the local derivative of "
                    f"its output with respect to each input{vjp} and sends back {sends}.")
        width = int(self.figure.get_figwidth() * 72 / (0.56 * CAPTION))
        return "\n".join(textwrap.wrap(text, width=width)[:3])


def _middle(path):
    """The point halfway along a drawn edge, where its gradient's label sits."""
    points = path.to_polygons(closed_only=False)[0]
    steps = np.hypot(*np.diff(points, axis=0).T)
    half = np.searchsorted(np.cumsum(steps), steps.sum() / 2)
    return tuple(points[min(half + 1, len(points) - 1)])


def _size(lines, pad=PAD):
    """The size in points of a box of monospaced lines."""
    rows = [row for _, text in lines for row in text.split("\n")]
    return (max(len(r) for r in rows) * CHAR_W * FONT["size"] + 2 * pad,
            len(rows) * LINE_H * FONT["size"] + 2 * pad)


def _product(g, s):
    """The gradient sent, as ``s = g × local derivative`` for scalars (the local derivative
    read back from the product the rule computed)."""
    text = labels.format_value(s)
    g, s = np.asarray(g, dtype=np.float32), np.asarray(s, dtype=np.float32)
    if g.size == 1 and s.size == 1 and g.item() != 0:
        local = np.float32(s.item() / g.item()).reshape(())
        text += f" = {labels.format_value(g.reshape(()))} × {labels.format_value(local)}"
    return text
