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
from ..symbolic.twin import Twin, caller_modules, caller_names
from ..tensor import Tensor
from . import fold, labels

# Okabe-Ito colours (safe for colour-blind readers); fills are light so boxes print in grey.
COLOURS = {
    "leaf": ("#DCEBF7", "#0072B2"),      # fill, border
    "op": ("#F4F4F4", "#4D4D4D"),
    "output": ("#D9F2E6", "#009E73"),
    "const": ("#EDEDED", "#9A9A9A"),
    "fold": ("#FDF1D6", "#B07800"),      # a module, chain or subgraph drawn as one box
    "edge": "#4D4D4D",
    "const_edge": "#9A9A9A",
    "gradient": "#D55E00",
    "derivative": "#005A8C",
}
_ANONYMOUS = "uvwpqrs"
# Past this many boxes a picture folds (modules, chains, subgraphs; see fold.py): about what a
# 16:9 slide holds with text that reads from the back of the room.
MAX_NODES = 24


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
    folded: list = field(default_factory=list)    # one line per fold, what it hides
    nodes: int = 0               # boxes the graph has unfolded
    ids: dict = field(default_factory=dict)       # id(engine node) → the id of its box

    def summary(self):
        """What was folded, as the picture's legend says it ('' when nothing was)."""
        if not self.folded:
            return ""
        shown = len(self.boxes)
        return (f"{self.nodes} nodes drawn as {shown} boxes; folded: "
                + "; ".join(self.folded) + ". Open with expand= or max_nodes=None.")


def node_outputs(y, order, names):
    """Each op node's output value and its name: the tensor's ``name``, else the caller's
    variable (``names`` maps id(tensor) and id(node) → variable name, as
    ``caller_names(nodes=True)``), else the notation's a, b, c ... as explain gives them."""
    if y.grad_fn is None:
        return {}, {}
    values = {id(y.grad_fn): y._data}
    out_names = {id(y.grad_fn): y.name or names.get(id(y))}
    for node in order:
        for t, (child, _) in zip(getattr(node, "_inputs", ()), node.next_functions):
            if child is not None and not isinstance(child, AccumulateGrad):
                values.setdefault(id(child), t._data)
                out_names.setdefault(id(child), t.name or names.get(id(t)) or names.get(id(child)))
    out_names.update({key: name for key, name in graph_names(order, names, y).items()
                      if key in values and not out_names.get(key)})
    return values, out_names


def build(y, names, *, show_values=True, show_grads=True, symbolic=False,
          local_derivatives=False, highlight_backward=False, max_nodes=MAX_NODES, expand=None,
          params=None, modules=None):
    """The picture model of ``y``'s graph; ``names`` maps id(tensor) → variable name,
    ``params`` (name → tensor, as ``dict(model.named_parameters())``) overrides it, and
    ``modules`` are the nn.Modules whose calls may fold into boxes (see :func:`draw_graph`)."""
    if not isinstance(y, Tensor):
        raise TypeError(f"draw_graph expects a Tensor, got {type(y).__name__}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 2):
        raise ValueError(f"max_nodes must be an int of at least 2, or None (no folding), got "
                         f"{max_nodes!r}")
    if params is not None:
        if not hasattr(params, "items"):
            raise TypeError("params must map names to tensors, like "
                            f"dict(model.named_parameters()), got {type(params).__name__}")
        names = {**names, **{id(t): name for name, t in params.items()}}
    if modules is None:
        modules = caller_modules()
    if modules:
        names = dict(names)
        for module in modules:
            for name, p in module.named_parameters():
                names.setdefault(id(p), name)
    twin = Twin(names)
    order = _topological_order([y.grad_fn]) if y.grad_fn is not None else []
    values, out_names = node_outputs(y, order, names)
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
    if y.grad_fn is None:
        box = builder.leaf_box(y, None) if y.requires_grad else builder.constant(y, ("t", id(y)))
        box.output = True
        return Picture([box], [], highlight_backward, nodes=1)
    builder.output = out_names.get(id(y.grad_fn))
    structure = _structure(data_order, id(y.grad_fn))
    folds = fold.fold(structure, max_nodes, _module_calls(modules, data_order), expand)
    for node in data_order:
        builder.add(node, folds)
    builder.boxes[builder.visible(id(y.grad_fn), folds)].output = True
    ids = {id(n): builder.boxes[builder.visible(id(n), folds)].id for n in data_order}
    seen, notes = set(), []
    for f in folds.values():
        if f.id not in seen:
            seen.add(f.id)
            notes.append(f"{f.title} ({f.summary()})" if f.kind == "module" else f.summary())
    return Picture(list(builder.boxes.values()), builder.arrows, highlight_backward, notes,
                   len(structure.keys), ids)


def _structure(data_order, output):
    """The graph's keys (nodes, and constants by use) and edges, for folding."""
    keys, kinds, edges, names, seq = [], {}, [], {}, {}
    for node in data_order:
        if isinstance(node, AccumulateGrad):
            keys.append(id(node))
            kinds[id(node)] = "leaf"
            continue
        for slot, (t, (child, _)) in enumerate(zip(node._inputs, node.next_functions)):
            if child is not None:
                edges.append((id(child), id(node), slot))
                continue
            key = _constant_key(node, slot, t)
            if key not in kinds:
                keys.append(key)
                kinds[key] = "const"
            edges.append((key, id(node), slot))
        keys.append(id(node))
        kinds[id(node)], names[id(node)], seq[id(node)] = "op", node.name(), node._seq
    return fold.Structure(keys, kinds, edges, names, seq, output)


def _constant_key(node, slot, t):
    return ("t", id(t)) if isinstance(t, Tensor) else ("n", id(node), slot)


def _module_calls(modules, data_order):
    """(qualified name, module, call ranges, keys of its parameters' accumulators) for every
    module under the outermost of ``modules``, outermost first."""
    roots = [m for m in modules if not any(m is not r and any(m is c for c in r.modules())
                                           for r in modules)]
    accumulators = {id(n.variable): id(n) for n in data_order
                    if isinstance(n, AccumulateGrad) and n.variable is not None}
    calls, seen = [], set()
    for root in roots:
        for name, module in root.named_modules():
            ranges = tuple(module.__dict__.get("_graph_calls", ()))
            if id(module) in seen or not ranges:
                continue
            seen.add(id(module))
            params = {accumulators[id(p)] for p in module.parameters() if id(p) in accumulators}
            calls.append((name, module, ranges, params))
    return calls


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
        self.fold_inputs, self.fold_leaves, self.members = {}, {}, {}

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

    def visible(self, key, folds):
        """The id of the box that shows ``key``: its own, or its fold's."""
        f = folds.get(key)
        return f.id if f is not None else key

    def add(self, node, folds=None):
        folds = folds or {}
        if id(node) in folds:
            self._folded(node, folds[id(node)], folds)
            return
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
                sources.append(self.visible(id(child), folds))
                continue
            key = _constant_key(node, slot, t)
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

    def _folded(self, node, f, folds):
        """A node inside a fold. The fold's box is made at its last member (so it follows
        every input in data order), named and valued as its output; arrows from outside into
        any member become arrows into the box, one per source."""
        if f.id not in self.members:
            self.members[f.id] = set(f.members)
            self.fold_inputs[f.id] = {}
        inputs = self.fold_inputs[f.id]
        if isinstance(node, AccumulateGrad):
            if node.variable is not None:
                self.fold_leaves.setdefault(f.id, []).append(self.twin.name_of(node.variable))
        else:
            for slot, (t, (child, _)) in enumerate(zip(node._inputs, node.next_functions)):
                key = id(child) if child is not None else _constant_key(node, slot, t)
                if key in self.members[f.id]:
                    continue
                if child is None and key not in self.boxes:
                    self.boxes[key] = self.constant(t, key)
                source = self.visible(key, folds)
                flows = (id(node), slot) in self.sent
                if source not in inputs:
                    inputs[source] = [child is not None, flows]
                else:
                    inputs[source][0] |= child is not None
                    inputs[source][1] |= flows
        if id(node) != f.members[-1]:
            return
        out = int(f.output) if not isinstance(f.output, tuple) else f.output
        var = self.out_names.get(out)
        if var:
            self.display[f.id] = var
        # A module's box says what it is by its title; the legend lists its ops.
        lines = [("title", f.title)]
        if f.kind != "module":
            lines.append(("param", labels.shorten(f.summary(), 44)))
        leaves = self.fold_leaves.get(f.id)
        if leaves:
            lines.append(("param", labels.shorten(", ".join(leaves), 44)))
        if var:
            lines.append(("name", var))
        if self.show_values and out in self.values:
            lines.append(("value", labels.format_value(self.values[out])))
        box = self.boxes[f.id] = Box(self._id(f.id), "fold", lines + self._flow_line(out, var))
        for port, (source, (gradient, flows)) in enumerate(inputs.items()):
            self.arrows.append(Arrow(self.boxes[source].id, box.id, port, len(inputs),
                                     gradient, flows))

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
_BUILD_OPTIONS = ("show_values", "show_grads", "symbolic", "local_derivatives",
                  "highlight_backward", "max_nodes", "expand", "params", "modules")


def draw_graph(y, *, direction="LR", show_values=True, show_grads=True, symbolic=False,
               local_derivatives=False, highlight_backward=False, max_nodes=MAX_NODES,
               expand=None, params=None, modules=None, size=None, theme="default",
               highlight=None, ax=None, figsize=None, title=None):
    """Draw the computation graph of ``y`` with matplotlib and return the Figure.

    Leaves (blue) show name, value and ``.grad``; ops show PyTorch's node name and their output;
    constants are small grey boxes; the output is green with a thick border. ``direction`` is
    "LR" (left to right) or "TB" (top to bottom). With ``ax`` the graph is drawn into those axes;
    ``figsize`` fixes the figure size (the drawing is scaled to fit).

    Options: ``show_values``, each tensor's value as PyTorch prints it (up to 9 elements; a
    larger one as its shape, dtype and mean); ``show_grads``, the leaves' ``.grad``;
    ``symbolic``, each op's output as a formula from the symbolic twin; ``local_derivatives``,
    ∂out/∂input on each arrow (``sympy.diff`` of the op's rule, and its value);
    ``highlight_backward``, the gradient flowing back along every arrow and arriving at every
    node, replayed with the ops' own VJP rules.

    Big graphs fold to at most ``max_nodes`` boxes (None: never), and a line under the picture
    says what was folded: first each ``nn.Module`` call becomes one box (``expand`` names the
    modules to keep open; True keeps all open, False folds all), then chains, then subgraphs.
    Parameters are named as ``named_parameters()`` names them (``0.weight``) when a Module
    bound to a variable holds them (or one of ``modules``, a list of Modules, when the model
    is not in a variable of the caller), or by ``params`` (name → tensor, as torchviz takes
    it); ``explain`` uses the same names.
    ``size``: "slide" (13.33 × 7.5 in, a 16:9 slide at 1280 × 720 px) or (width, height) in
    inches: the figure has that size and the graph folds further until its text stays at 14 pt
    or more. ``theme``: "default" or "high-contrast" (black on white, thick lines, for a
    projector). ``highlight``: the name of a node (as its box says it: ``"x"``, ``"b"``,
    ``"MulBackward0_2"``) drawn with a thick orange border.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> y.backward()
    >>> fig = torch.viz.draw_graph(y, local_derivatives=True)
    >>> sorted({a.get_gid().split(":")[0] for a in fig.axes[0].patches})
    ['edge', 'edgelabel', 'node']
    >>> fig.savefig(io.BytesIO(), format="svg")
    """
    names = caller_names(nodes=True)
    options = dict(show_values=show_values, show_grads=show_grads, symbolic=symbolic,
                   local_derivatives=local_derivatives, highlight_backward=highlight_backward,
                   max_nodes=max_nodes, expand=expand, params=params,
                   modules=caller_modules() if modules is None else list(modules))
    from . import draw
    return draw.render_graph(y, names, options, direction=direction, ax=ax, figsize=figsize,
                             title=title, size=size, theme=theme, highlight=highlight)


def to_dot(y, *, direction="LR", show_values=True, show_grads=True, symbolic=False,
           local_derivatives=False, highlight_backward=False, max_nodes=MAX_NODES, expand=None,
           params=None, modules=None, title=None):
    """The graph of ``y`` as Graphviz DOT text (render it with ``dot -Tpng``), same labels and
    folding as :func:`draw_graph`; node ids come from names (``x``, ``MulBackward0_1``), so the
    text is stable from run to run.

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
                    highlight_backward=highlight_backward, max_nodes=max_nodes, expand=expand,
                    params=params, modules=modules)
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
        unknown = set(options) - set(_BUILD_OPTIONS) - {"ax", "figsize", "direction", "title",
                                                         "size", "theme", "highlight"}
        if unknown:
            raise TypeError(f"Graph() got an unexpected keyword argument {sorted(unknown)[0]!r}")
        self._draw_options = {k: v for k, v in options.items() if k not in _BUILD_OPTIONS}
        self.direction = self._draw_options.setdefault("direction", "LR")
        self.title = self._draw_options.setdefault("title", None)
        # Names are read now, from the caller's variables: at display time they are out of reach.
        self._names = caller_names(nodes=True)
        self._build_options = {k: v for k, v in options.items() if k in _BUILD_OPTIONS}
        if "modules" not in self._build_options:
            self._build_options["modules"] = caller_modules()
        self.picture = build(y, self._names, **self._build_options)
        self._figure = None

    @property
    def figure(self):
        if self._figure is None:
            from . import draw
            self._figure = draw.render_graph(self.tensor, self._names, self._build_options,
                                             picture=self.picture, **self._draw_options)
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
