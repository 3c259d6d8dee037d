"""Computation-graph pictures: ``draw_graph`` (matplotlib), ``to_dot`` (Graphviz text), ``Graph``.

The graph is read from the engine (``grad_fn``, ``next_functions``, ``AccumulateGrad``) into a
small picture model of boxes and arrows with their texts; the layout (layout.py) and the drawing
(draw.py) only see that model. Arrows point the way data flows: inputs → op → output.
"""

import io
import re
from dataclasses import dataclass, field

import numpy as np

from ..autograd.engine import AccumulateGrad, _topological_order
from ..symbolic.notation import d, graph_names
from ..symbolic.twin import Twin, caller_names
from ..tensor import Tensor
from . import labels

# Okabe-Ito colours (safe for colour-blind readers); fills are light so boxes print in grey.
COLOURS = {
    "leaf": ("#DCEBF7", "#0072B2"),      # fill, border
    "op": ("#F4F4F4", "#4D4D4D"),
    "output": ("#D9F2E6", "#009E73"),
    "const": ("#EDEDED", "#9A9A9A"),
    "edge": "#4D4D4D",
    "const_edge": "#9A9A9A",
    "gradient": "#D55E00",
    "derivative": "#005A8C",
}
_ANONYMOUS = "uvwpqrs"
# A larger drawing takes matplotlib seconds to measure and lay out, and is hard to read.
MAX_NODES = 64


@dataclass
class Box:
    """One drawn node: a leaf, an op (with its output) or a constant; ``lines`` are
    ``(style, text)`` pairs, top to bottom."""

    id: str
    kind: str
    lines: list
    output: bool = False


@dataclass
class Arrow:
    """A data edge ``source → target`` into the target's input ``port`` of ``nports``."""

    source: str
    target: str
    port: int
    nports: int
    gradient: bool               # whether it leads to something that requires grad
    flows: bool = False          # whether the picture shows a gradient flowing back along it
    lines: list = field(default_factory=list)


@dataclass
class Picture:
    boxes: list
    arrows: list
    backward: bool               # draw the gradient flowing back along each arrow


def node_outputs(y, order, names):
    """Each op node's output value and, where the caller bound it to a variable, its name
    (``names`` maps id(tensor) and id(node) → variable name, as ``caller_names(nodes=True)``)."""
    if y.grad_fn is None:
        return {}, {}
    values = {id(y.grad_fn): y._data}
    out_names = {id(y.grad_fn): y.name or names.get(id(y))}
    for node in order:
        for t, (child, _) in zip(getattr(node, "_inputs", ()), node.next_functions):
            if child is not None and not isinstance(child, AccumulateGrad):
                values.setdefault(id(child), t._data)
                out_names.setdefault(id(child), t.name or names.get(id(t)) or names.get(id(child)))
    return values, out_names


def build(y, names, *, show_values=True, show_grads=True, symbolic=False,
          local_derivatives=False, highlight_backward=False):
    """The picture model of ``y``'s graph; ``names`` maps id(tensor) → variable name."""
    if not isinstance(y, Tensor):
        raise TypeError(f"draw_graph expects a Tensor, got {type(y).__name__}")
    twin = Twin(names)
    order = _topological_order([y.grad_fn]) if y.grad_fn is not None else []
    if len(order) > MAX_NODES:
        raise ValueError(
            f"the graph has {len(order)} nodes; pictures are drawn for up to {MAX_NODES} (a "
            "larger one takes seconds to draw and is hard to read). Draw a part of it (the "
            "graph of an intermediate tensor), or raise the limit with "
            "autodiff_lab.viz.graph.MAX_NODES = n.")
    values, out_names = node_outputs(y, order, names)
    # The notation's names (as explain gives them): variables, else a, b, c ...
    out_names.update({key: name for key, name in graph_names(order, names, y).items()
                      if key in values and not out_names.get(key)})
    data_order = list(reversed(order))
    for node in data_order:   # leaves are named first, in data order, so t0, t1 ... are stable
        if isinstance(node, AccumulateGrad) and node.variable is not None:
            twin.name_of(node.variable)
    arriving, sent = {}, {}
    if highlight_backward:
        arriving, sent = labels.gradient_flow(order, values, np.ones_like(y._data))
        # An arrow's own gradient is news only where a value fans out: elsewhere it equals the
        # gradient arriving at its source, which that box shows.
        uses = {}
        for node in order:
            for slot, (child, _) in enumerate(node.next_functions):
                uses.setdefault(id(child), []).append((id(node), slot))
        fan_out = {key for keys in uses.values() if len(keys) > 1 for key in keys}
        sent = {key: (g, key in fan_out) for key, g in sent.items()}
    builder = _Builder(twin, names, show_values, show_grads, symbolic, local_derivatives,
                       arriving, sent, values, out_names)
    if y.grad_fn is not None:
        builder.output = out_names.get(id(y.grad_fn))
    if y.grad_fn is None:
        box = builder.leaf_box(y, None) if y.requires_grad else builder.constant(y, ("t", id(y)))
        box.output = True
        return Picture([box], [], highlight_backward)
    for node in data_order:
        builder.add(node)
    builder.boxes[id(y.grad_fn)].output = True
    return Picture(list(builder.boxes.values()), builder.arrows, highlight_backward)


class _Builder:
    """Turns engine nodes into boxes and arrows, giving each a deterministic id."""

    def __init__(self, twin, names, show_values, show_grads, symbolic, local_derivatives,
                 arriving, sent, values, out_names):
        self.twin, self.names = twin, names
        self.show_values, self.show_grads = show_values, show_grads
        self.symbolic, self.local_derivatives = symbolic, local_derivatives
        self.arriving, self.sent, self.values, self.out_names = arriving, sent, values, out_names
        self.boxes, self.arrows = {}, []
        self.used_ids, self.counts = set(), {}
        self.display = {}     # key → the name a formula uses for that box's value
        self.output = None    # the output's name, the y of ∂y/∂v

    def _id(self, base):
        base = re.sub(r"\W", "_", base) or "node"
        if base[0].isdigit():
            base = "_" + base
        ident, k = base, 1
        while ident in self.used_ids:
            k += 1
            ident = f"{base}_{k}"
        self.used_ids.add(ident)
        return ident

    def _numbered(self, base):
        self.counts[base] = self.counts.get(base, 0) + 1
        return self._id(f"{base}_{self.counts[base]}")

    def _flow_line(self, key, name):
        """The gradient arriving at a tensor: ∂y/∂name, as explain writes it."""
        g = self.arriving.get(key)
        return [] if g is None or self.output is None else \
            [("gradient", labels.format_value(g, f"{d(self.output, name)} = "))]

    def leaf_box(self, t, node):
        name = self.twin.name_of(t)
        lines = [("title", name)]
        if self.show_values:
            lines.append(("value", labels.format_value(t._data)))
        flow = self._flow_line(id(node) if node is not None else None, name)
        stored = t._grad._data if self.show_grads and t._grad is not None else None
        if flow and stored is not None and np.array_equal(stored, self.arriving.get(id(node))):
            flow = []  # what backward() stored: .grad says it, as everywhere for a leaf
        lines += flow
        if stored is not None:
            lines.append(("gradient", labels.format_value(stored, ".grad = ")))
        return Box(self._id(name), "leaf", lines)

    def constant(self, value, key):
        if isinstance(value, Tensor):
            name = value.name or self.names.get(id(value))
            lines = [("const_title", name)] if name else []
            if self.show_values or not name:
                lines.append(("const", labels.format_value(value._data)))
            box = Box(self._id(name) if name else self._numbered("const"), "const", lines)
        else:
            box = Box(self._numbered("const"), "const", [("const", labels.format_number(value))])
        self.display[key] = (name if isinstance(value, Tensor) else None) or "c"
        return box

    def add(self, node):
        if isinstance(node, AccumulateGrad):
            t = node.variable
            if t is None:   # the leaf was garbage-collected; its accumulator remains
                self.boxes[id(node)] = Box(self._numbered("freed_leaf"), "leaf",
                                           [("title", "(freed leaf)")])
            else:
                self.boxes[id(node)] = self.leaf_box(t, node)
                self.display[id(node)] = self.twin.name_of(t)
            return
        sources = []
        for slot, (t, (child, _)) in enumerate(zip(node._inputs, node.next_functions)):
            if child is not None:
                sources.append(id(child))
                continue
            key = ("t", id(t)) if isinstance(t, Tensor) else ("n", id(node), slot)
            if key not in self.boxes:
                self.boxes[key] = self.constant(t, key)
            sources.append(key)
        self.boxes[id(node)] = box = Box(self._numbered(node.name()), "op", self._op_lines(node))
        var = self.out_names.get(id(node))
        if var:
            self.display[id(node)] = var
        partials = [None] * len(sources)
        if self.local_derivatives:
            partials = labels.local_partials(node, self._slot_names(sources), self.values[id(node)],
                                             var, operands=[sources.count(k) > 1 for k in sources])
        for slot, (key, (child, _)) in enumerate(zip(sources, node.next_functions)):
            lines = [("derivative", partials[slot])] if partials[slot] else []
            g, fans_out = self.sent.get((id(node), slot), (None, False))
            if fans_out:
                lines.append(("gradient", labels.format_value(g, "← ")))
            self.arrows.append(Arrow(self.boxes[key].id, box.id, slot, len(sources),
                                     child is not None, g is not None, lines))

    def _slot_names(self, sources):
        """The symbol each input is called by in the local partials: its variable name, else
        a spare letter (one per distinct input, so ``a*a`` stays ``a·a``)."""
        taken = set(self.display.values())
        spare = iter(c for c in _ANONYMOUS if c not in taken)
        letters = {}
        for key in sources:
            if key not in self.display and key not in letters:
                letters[key] = next(spare, f"a{len(letters)}")
        return [self.display.get(key) or letters[key] for key in sources]

    def _formula(self, node):
        try:
            return labels.formula(self.twin.node(node), self.twin)
        except Exception:  # noqa: BLE001 - a missing formula (too big, no rule) is no failure
            return None

    def _op_lines(self, node):
        lines = [("title", node.name())]
        var = self.out_names.get(id(node))
        formula = self._formula(node) if self.symbolic else None
        if formula and var:
            suffix = "ᵢ" if "ᵢ" in formula else ""
            lines.append(("name", f"{var}{suffix} = {formula}"))
        elif formula or var:
            lines.append(("name", formula or var))
        for k, v in node._params.items():
            if k == "key":
                lines.append(("param", labels.shorten(labels.index_text(v))))
            elif v is not None and not isinstance(v, np.ndarray):
                text = labels.format_number(v) if isinstance(v, (int, float)) else str(v)
                lines.append(("param", labels.shorten(f"{k} = {text}")))
        if self.show_values:
            lines.append(("value", labels.format_value(self.values[id(node)])))
        return lines + self._flow_line(id(node), var)


# --------------------------------------------------------------------- public API
def draw_graph(y, *, direction="LR", show_values=True, show_grads=True, symbolic=False,
               local_derivatives=False, highlight_backward=False, ax=None, figsize=None,
               title=None):
    """Draw the computation graph of ``y`` with matplotlib and return the Figure.

    Leaves (blue) show name, value and ``.grad``; ops show PyTorch's node name and their output;
    constants are small grey boxes; the output is green with a thick border. ``direction`` is
    "LR" (left to right) or "TB" (top to bottom). With ``ax`` the graph is drawn into those axes;
    ``figsize`` fixes the figure size (the drawing is scaled to fit).

    Options: ``show_values``, each tensor's value as PyTorch prints it (shape and dtype past 9
    elements); ``show_grads``, the leaves' ``.grad``; ``symbolic``, each op's output as a
    formula from the symbolic twin; ``local_derivatives``, ∂out/∂input on each arrow
    (``sympy.diff`` of the op's rule, and its value); ``highlight_backward``, the gradient
    flowing back along every arrow and arriving at every node, replayed with the ops' own VJP
    rules.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> y.backward()
    >>> fig = torch.viz.draw_graph(y, local_derivatives=True)
    >>> sorted({a.get_gid().split(":")[0] for a in fig.axes[0].patches})
    ['edge', 'edgelabel', 'node']
    >>> fig.savefig(io.BytesIO(), format="png")
    """
    picture = build(y, caller_names(nodes=True), show_values=show_values, show_grads=show_grads,
                    symbolic=symbolic, local_derivatives=local_derivatives,
                    highlight_backward=highlight_backward)
    from . import draw
    return draw.render(picture, direction=direction, ax=ax, figsize=figsize, title=title)


def to_dot(y, *, direction="LR", show_values=True, show_grads=True, symbolic=False,
           local_derivatives=False, highlight_backward=False, title=None):
    """The graph of ``y`` as Graphviz DOT text (render it with ``dot -Tpng``), same labels as
    :func:`draw_graph`; node ids come from names (``x``, ``MulBackward0_1``), so the text is
    stable from run to run.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> print(torch.viz.to_dot(x * x, show_values=False))
    digraph autodiff_lab {
      rankdir=LR;
      node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];
      edge [fontname="DejaVu Sans", fontsize=10];
      x [label="x", fillcolor="#DCEBF7", color="#0072B2"];
      MulBackward0_1 [label="MulBackward0\\na", fillcolor="#D9F2E6", color="#009E73", penwidth=2.5];
      x -> MulBackward0_1;
      x -> MulBackward0_1;
    }
    """
    picture = build(y, caller_names(nodes=True), show_values=show_values, show_grads=show_grads,
                    symbolic=symbolic, local_derivatives=local_derivatives,
                    highlight_backward=highlight_backward)
    return dot_text(picture, direction, title)


def dot_text(picture, direction="LR", title=None):
    """DOT text of a picture model (see :func:`to_dot`)."""
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB', got {direction!r}")
    out = ["digraph autodiff_lab {", f"  rankdir={direction};"]
    if title:
        out.append(f'  label="{_escape(title)}"; labelloc=t;')
    out.append('  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];')
    out.append('  edge [fontname="DejaVu Sans", fontsize=10];')
    for box in picture.boxes:
        fill, border = COLOURS["output" if box.output else box.kind]
        attrs = [f'label="{_escape(_text(box.lines))}"', f'fillcolor="{fill}"', f'color="{border}"']
        if box.kind == "const":
            attrs.append("fontsize=9")
        if box.output:
            attrs.append("penwidth=2.5")
        out.append(f"  {box.id}{_attrs(attrs)};")
    for arrow in picture.arrows:
        attrs = [] if arrow.gradient else [f'color="{COLOURS["const_edge"]}"']
        derivative = [line for line in arrow.lines if line[0] == "derivative"]
        if derivative:
            attrs.append(f'label="{_escape(_text(derivative))}"')
        out.append(f"  {arrow.source} -> {arrow.target}{_attrs(attrs)};")
        if arrow.flows:
            flow = [line for line in arrow.lines if line[0] == "gradient"]
            attrs = ["style=dashed", "constraint=false", f'color="{COLOURS["gradient"]}"']
            if flow:
                attrs += [f'fontcolor="{COLOURS["gradient"]}"', f'label="{_escape(_text(flow))}"']
            out.append(f"  {arrow.target} -> {arrow.source}{_attrs(attrs)};")
    out.append("}")
    return "\n".join(out)


def _attrs(attrs):
    return f" [{', '.join(attrs)}]" if attrs else ""


def _text(lines):
    return "\n".join(text for _, text in lines)


def _escape(text):
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Graph:
    """A graph picture that displays itself in Jupyter (PNG, or SVG with ``format="svg"``).

    Takes the options of :func:`draw_graph`; ``.figure`` is the matplotlib Figure (drawn on
    first use), ``.dot`` the DOT text, ``.savefig(path)`` writes a file.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> g = torch.viz.Graph(x * x, local_derivatives=True)
    >>> g._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n", g._repr_svg_() is None
    (True, True)
    """

    def __init__(self, y, format="png", **options):
        if format not in ("png", "svg"):
            raise ValueError(f"format must be 'png' or 'svg', got {format!r}")
        self.tensor, self.format = y, format
        self._draw_options = {k: options.pop(k) for k in ("ax", "figsize") if k in options}
        self.direction = options.pop("direction", "LR")
        self.title = options.pop("title", None)
        # Names are read now, from the caller's variables: at display time they are out of reach.
        self.picture = build(y, caller_names(nodes=True), **options)
        self._figure = None

    @property
    def figure(self):
        if self._figure is None:
            from . import draw
            self._figure = draw.render(self.picture, direction=self.direction,
                                       title=self.title, **self._draw_options)
        return self._figure

    @property
    def dot(self):
        return dot_text(self.picture, self.direction, self.title)

    def savefig(self, path, **kwargs):
        """Write the picture to ``path`` (format from the extension, as ``Figure.savefig``)."""
        self.figure.savefig(path, **kwargs)

    def _image(self, fmt):
        buffer = io.BytesIO()
        self.figure.savefig(buffer, format=fmt)
        return buffer.getvalue()

    def _repr_png_(self):
        return self._image("png") if self.format == "png" else None

    def _repr_svg_(self):
        return self._image("svg").decode() if self.format == "svg" else None
