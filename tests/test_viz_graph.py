"""Graph pictures: every node and edge drawn once, boxes apart, text inside, arrows the right way.

The checks read the real matplotlib figure (artists tagged with gids), not the layout's numbers.
"""

import collections
import subprocess
import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")  # headless; the pictures are made without pyplot anyway

import autodiff_lab as torch
import autodiff_lab.nn.functional as F
from autodiff_lab.autograd.engine import AccumulateGrad, _topological_order
from autodiff_lab.viz import Graph, draw_graph, to_dot

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


# --------------------------------------------------------------------- graphs
def seed_polynomial():
    x = torch.tensor(2.0, requires_grad=True, name="x")
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    y.backward()
    return y


def seed_003_multi_step():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True, name="x")
    out = (2 * (3*x + 2)**2).mean()
    out.backward()
    return out


def seed_001_example_3():
    x1 = torch.Tensor([1]).requires_grad_()
    x2 = torch.Tensor([2]).requires_grad_()
    x1.name, x2.name = "x1", "x2"
    z = ((5*x1) + (3*x2)) * ((2*x1) + (1*x2))
    z.backward()
    return z


def mlp():
    torch.manual_seed(0)
    x, target = torch.randn(4, 3), torch.randn(4, 2)
    x.name, target.name = "x", "target"
    W1 = torch.randn(3, 5, requires_grad=True)
    b1 = torch.zeros(5, requires_grad=True)
    W2 = torch.randn(5, 2, requires_grad=True)
    b2 = torch.zeros(2, requires_grad=True)
    for t, name in ((W1, "W1"), (b1, "b1"), (W2, "W2"), (b2, "b2")):
        t.name = name
    loss = F.mse_loss(torch.tanh(x @ W1 + b1) @ W2 + b2, target)
    loss.backward()
    return loss


def rnn_cell():
    torch.manual_seed(0)
    Wh = torch.randn(3, 3, requires_grad=True)
    Wx = torch.randn(3, 2, requires_grad=True)
    Wh.name, Wx.name = "Wh", "Wx"
    h, x = torch.randn(1, 3), torch.randn(1, 2)
    next_h = (torch.mm(Wh, h.t()) + torch.mm(Wx, x.t()) + 5).tanh()
    loss = next_h.sum()
    loss.backward()
    return loss


def fan_out():
    a = torch.tensor(3.0, requires_grad=True, name="a")
    b = a + a
    b.backward()
    return b


def chain_60():
    x = torch.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(30):
        y = torch.sin(y) if i % 2 else y * 1.1
    return y          # 30 ops, 15 constants and 1 leaf ...


def chain_60_nodes():
    y = chain_60()
    for _ in range(14):
        y = torch.tanh(y)
    return y          # ... and 14 more ops: 60 nodes


def many_inputs():
    parts = [torch.tensor([float(i)], requires_grad=True, name=f"p{i}") for i in range(9)]
    return torch.cat(parts).sum()


GRAPHS = {"many_inputs": many_inputs, "polynomial": seed_polynomial,
          "seed_003": seed_003_multi_step, "seed_001_ex3": seed_001_example_3, "mlp": mlp,
          "rnn_cell": rnn_cell, "fan_out": fan_out, "chain_60": chain_60_nodes}


def engine_graph(y):
    """What the picture must show, read straight from the engine: op names, leaves, constants,
    and the edges (input position by position)."""
    order = _topological_order([y.grad_fn])
    ops = [n for n in order if not isinstance(n, AccumulateGrad)]
    leaves = [n for n in order if isinstance(n, AccumulateGrad)]
    numbers = sum(1 for n in ops for t in n._inputs if not isinstance(t, torch.Tensor))
    tensors = {id(t) for n in ops for t, (c, _) in zip(n._inputs, n.next_functions)
               if c is None and isinstance(t, torch.Tensor)}
    edges = sum(len(n.next_functions) for n in ops)
    return ops, leaves, numbers + len(tensors), edges


# --------------------------------------------------------------------- reading a figure
class Drawn:
    """The artists of a drawn graph, by kind and id, with extents in display pixels."""

    def __init__(self, fig):
        fig.canvas.draw()
        self.fig, self.renderer = fig, fig.canvas.get_renderer()
        ax = fig.axes[0]
        self.ax = ax
        self.patches = collections.defaultdict(list)
        for p in ax.patches:
            kind, _, key = (p.get_gid() or "").partition(":")
            self.patches[kind].append((key, p))
        self.texts = collections.defaultdict(list)
        for t in ax.texts:
            kind, _, key = (t.get_gid() or "").partition(":")
            self.texts[(kind, key)].append(t)
        self.nodes = dict(self.patches["node"])

    def extent(self, artist):
        return artist.get_window_extent(self.renderer)

    def label(self, node_id):
        return "\n".join(t.get_text() for t in self.texts[("label", node_id)])

    def all_text(self):
        return "\n".join(t.get_text() for t in self.ax.texts)

    def ends(self, arrow):
        """Start of the shaft and tip of the head of an arrow, in display pixels."""
        path = arrow.get_path()
        points = arrow.get_transform().transform(path.vertices)
        start = points[0]
        # The head is the closed polygon after the last MOVETO; its tip is the vertex farthest
        # from the middle of its base.
        last_move = max(i for i, c in enumerate(path.codes) if c == path.MOVETO)
        head = points[last_move:][path.codes[last_move:] != path.CLOSEPOLY][:3]
        base = (head[0] + head[2]) / 2
        tip = head[np.argmax(np.hypot(*(head - base).T))]
        return start, tip


def _inside(point, box, tol=1.5):
    return box.x0 - tol <= point[0] <= box.x1 + tol and box.y0 - tol <= point[1] <= box.y1 + tol


def _overlap(a, b, tol=0.5):
    return (min(a.x1, b.x1) - max(a.x0, b.x0) > tol) and (min(a.y1, b.y1) - max(a.y0, b.y0) > tol)


def check_picture(fig, y):
    """The geometric promises of a picture, for any graph."""
    drawn = Drawn(fig)
    ops, leaves, constants, edges = engine_graph(y)
    ids = [key for key, _ in drawn.patches["node"]]
    # Every node once: op boxes carry PyTorch's names, one per engine node.
    assert len(ids) == len(set(ids)) == len(ops) + len(leaves) + constants
    titles = collections.Counter(drawn.texts[("label", i)][0].get_text() for i in ids)
    for name, count in collections.Counter(n.name() for n in ops).items():
        assert titles[name] == count
    # Boxes (nodes and edge labels) never overlap.
    boxes = [(k, drawn.extent(p)) for k, p in drawn.patches["node"] + drawn.patches["edgelabel"]]
    for i, (ka, a) in enumerate(boxes):
        for kb, b in boxes[i + 1:]:
            assert not _overlap(a, b), (ka, kb)
    # Every line of text lies inside its box.
    for kind, owner in (("label", "node"), ("edgetext", "edgelabel")):
        owners = dict(drawn.patches[owner])
        for (text_kind, key), texts in drawn.texts.items():
            if text_kind != kind:
                continue
            box = drawn.extent(owners[key])
            for t in texts:
                e = drawn.extent(t)
                assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1, (key, t.get_text())
                assert box.y0 - 1 <= e.y0 and e.y1 <= box.y1 + 1, (key, t.get_text())
    # Every edge once, from its input's box to its consumer's box.
    arrows = drawn.patches["edge"]
    assert len(arrows) == len({k for k, _ in arrows}) == edges
    for key, arrow in arrows:
        source, rest = key.split("->")
        target = rest.rsplit(":", 1)[0]
        start, tip = drawn.ends(arrow)
        assert _inside(start, drawn.extent(drawn.nodes[source])), key
        assert _inside(tip, drawn.extent(drawn.nodes[target]), tol=3.0), key
        assert not _inside(tip, drawn.extent(drawn.nodes[source]), tol=0), key
    return drawn


def png_size(data):
    assert data[:8] == PNG_MAGIC
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# --------------------------------------------------------------------- tests
@pytest.mark.parametrize("name", list(GRAPHS))
def test_every_node_and_edge_drawn_once_without_overlaps(name, tmp_path):
    y = GRAPHS[name]()
    fig = draw_graph(y, max_nodes=None)
    check_picture(fig, y)
    fig.savefig(tmp_path / "g.png")
    data = (tmp_path / "g.png").read_bytes()
    width, height = png_size(data)
    assert len(data) > 5000
    assert 150 <= width <= 8000 and 60 <= height <= 8000


@pytest.mark.parametrize("name", ["polynomial", "seed_003", "fan_out", "rnn_cell"])
def test_backward_and_local_derivatives_keep_the_picture_clean(name):
    y = GRAPHS[name]()
    fig = draw_graph(y, highlight_backward=True, local_derivatives=True, symbolic=True,
                     direction="TB")
    drawn = check_picture(fig, y)
    # One dashed return arrow per edge that carries a gradient, pointing back to the input.
    _, _, _, edges = engine_graph(y)
    back = drawn.patches["gradient"]
    constants_edges = sum(1 for k, _ in drawn.patches["edge"] if k.startswith("const"))
    assert len(back) == edges - constants_edges
    for key, arrow in back:
        target, rest = key.split("->")
        source = rest.rsplit(":", 1)[0]
        start, tip = drawn.ends(arrow)
        assert _inside(start, drawn.extent(drawn.nodes[target]), tol=6)
        assert _inside(tip, drawn.extent(drawn.nodes[source]), tol=7)


def test_polynomial_labels_show_names_values_and_grad():
    drawn = Drawn(draw_graph(seed_polynomial()))
    assert drawn.label("x").splitlines() == ["x", "2.", ".grad = 93."]
    text = drawn.all_text()
    assert text.count("PowBackward0") == 3 and text.count("MulBackward0") == 3
    assert text.count("AddBackward0") == 4 and "exponent = 4" in text
    # constants 2, 3, 5, 1 as small grey boxes
    constants = [drawn.label(k) for k, _ in drawn.patches["node"] if k.startswith("const")]
    assert sorted(constants) == ["1", "2", "3", "5"]


def test_polynomial_local_derivatives_and_gradient_flow():
    drawn = Drawn(draw_graph(seed_polynomial(), local_derivatives=True, highlight_backward=True))
    edge_text = "\n".join(t.get_text() for (kind, _), ts in drawn.texts.items()
                          if kind == "edgetext" for t in ts)
    # Every edge names its two ends as explain names them (the output here is unbound: n).
    assert "∂a/∂x = 4x³\n= 32." in edge_text and "∂k/∂x = 5" in edge_text
    assert "∂/∂" not in edge_text
    # x fans out to four ops: each arrow says what it sends back, and x adds them up: 93.
    assert sorted(line for line in edge_text.splitlines() if line.startswith("←")) == \
        ["← 12.", "← 12.", "← 5.", "← 64."]
    assert drawn.label("x").splitlines() == ["x", "2.", ".grad = 93."]


def test_seed_003_symbolic_and_gradients():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3*x + 2
    z = 2*y**2
    out = z.mean()
    out.backward()
    drawn = Drawn(draw_graph(out, symbolic=True, local_derivatives=True,
                             highlight_backward=True))
    text = drawn.all_text()
    assert "yᵢ = 3xᵢ + 2" in text and "zᵢ = 2(3xᵢ + 2)²" in text
    assert "∂out/∂z = 1/6 (each)" in text and "∂b/∂y = 2y" in text
    assert ".grad = [[10., 16., 22.],\n         [22., 16., 10.]]" in drawn.label("x")


def test_fan_out_shows_both_paths_and_the_sum():
    drawn = Drawn(draw_graph(fan_out(), highlight_backward=True, local_derivatives=True))
    arrows = [k for k, _ in drawn.patches["edge"]]
    assert arrows == ["a->AddBackward0_1:0", "a->AddBackward0_1:1"]
    labels = [drawn.texts[("edgetext", k)][0].get_text() for k in arrows]
    assert labels == ["∂b/∂a = 1", "∂b/∂a = 1"] or all("∂" in s for s in labels)
    assert "grad = 2." in drawn.label("a")


def test_seed_001_example_3_grads():
    drawn = Drawn(draw_graph(seed_001_example_3()))
    assert ".grad = [42.]" in drawn.label("x1") and ".grad = [23.]" in drawn.label("x2")


def test_big_tensors_show_shape_and_dtype():
    drawn = Drawn(draw_graph(mlp()))
    W1 = next(n.variable for n in _topological_order([mlp().grad_fn])
              if isinstance(n, AccumulateGrad) and n.variable.name == "W1")
    assert f"3×5 float32\nmean {W1._data.astype(np.float64).mean():.4g}" in \
        drawn.label("W1")
    assert "[0., 0., 0., 0., 0.]" in drawn.label("b1")   # 5 elements, one line: in full
    assert drawn.label("MseLossBackward0_1").startswith("MseLossBackward0")


def test_direction_tb_points_down_and_lr_points_right():
    y = seed_003_multi_step()
    for direction, axis, sign in (("LR", 0, 1), ("TB", 1, -1)):
        drawn = Drawn(draw_graph(y, direction=direction))
        for key, arrow in drawn.patches["edge"]:
            start, tip = drawn.ends(arrow)
            assert sign * (tip[axis] - start[axis]) > 0, (direction, key)


def test_layout_is_deterministic():
    def extents():
        drawn = Drawn(draw_graph(seed_001_example_3()))
        return [(k, tuple(np.round(drawn.extent(p).bounds, 3))) for k, p in
                drawn.patches["node"]]
    assert extents() == extents()
    assert to_dot(seed_001_example_3()) == to_dot(seed_001_example_3())


def test_to_dot_exact_for_a_small_graph():
    x = torch.tensor(2.0, requires_grad=True, name="x")
    y = x * 3
    assert to_dot(y) == """\
digraph autodiff_lab {
  rankdir=LR;
  node [shape=box, style="rounded,filled", fontname="DejaVu Sans", fontsize=11];
  edge [fontname="DejaVu Sans", fontsize=10];
  x [label="x\\n2.", fillcolor="#DCEBF7", color="#0072B2"];
  const_1 [label="3", fillcolor="#EDEDED", color="#9A9A9A", fontsize=9];
  MulBackward0_1 [label="MulBackward0\\ny\\n6.", fillcolor="#D9F2E6", color="#009E73", \
penwidth=2.5];
  x -> MulBackward0_1;
  const_1 -> MulBackward0_1 [color="#9A9A9A"];
}"""


def test_to_dot_ids_come_from_names():
    dot = to_dot(seed_001_example_3(), highlight_backward=True)
    for ident in ("x1", "x2", "MulBackward0_1", "MulBackward0_5", "AddBackward0_2"):
        assert f"  {ident} [" in dot
    assert 'MulBackward0_5 -> AddBackward0_1 [style=dashed' in dot


def test_graph_displays_itself_and_saves(tmp_path):
    g = Graph(seed_polynomial())
    assert g._repr_png_()[:8] == PNG_MAGIC and g._repr_svg_() is None
    svg = Graph(seed_polynomial(), format="svg", highlight_backward=True)._repr_svg_()
    assert "<svg" in svg
    assert draw_graph(seed_polynomial())._repr_png_()[:8] == PNG_MAGIC
    g.savefig(tmp_path / "g.svg")
    assert b"<svg" in (tmp_path / "g.svg").read_bytes()
    assert g.dot.startswith("digraph")


def test_draw_into_given_axes_and_tensor_draw():
    from matplotlib.figure import Figure
    fig = Figure(figsize=(4, 3))
    ax = fig.add_subplot()
    y = seed_polynomial()
    assert draw_graph(y, ax=ax) is fig
    assert any(p.get_gid() == "node:x" for p in ax.patches)
    assert type(y.draw(title="y")).__name__ == "GraphFigure"


def test_leaf_and_constant_outputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True, name="x")
    assert Drawn(draw_graph(x)).label("x") == "x\n[1., 2.]"
    assert "[1., 2.]" in to_dot(torch.tensor([1.0, 2.0]))


def test_importing_the_package_does_not_import_matplotlib():
    code = ("import sys, autodiff_lab as t; x = t.tensor(1.0, requires_grad=True); "
            "t.viz.to_dot(x * 2); print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


# --------------------------------------------------------------------- big graphs, slides
SLIDE = (1280 / 96, 720 / 96)


def sequential_mlp():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x, target = torch.randn(5, 4), torch.randn(5, 1)
    x.name, target.name = "x", "target"
    loss = F.mse_loss(model(x), target)
    loss.backward()
    sequential_mlp.x = x
    return model, loss


def chain_40():
    x = torch.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(40):
        y = torch.sin(y) if i % 2 else y * 1.1
    return y          # 40 ops, 20 constants, 1 leaf


def wide_200():
    x = torch.tensor(0.3, requires_grad=True, name="x")
    y = None
    for i in range(25):
        w = torch.tensor(0.1 * i, requires_grad=True, name=f"w{i}")
        b = torch.tensor(-0.05 * i, requires_grad=True, name=f"b{i}")
        v = torch.tensor(1.0 + i, requires_grad=True, name=f"v{i}")
        term = torch.tanh(w * x + b) * v
        y = term if y is None else y + term
    return y          # 124 ops, 76 leaves: 200 nodes


def check_boxes(fig):
    """The promises every picture keeps, folded or not: boxes apart, each with its name on
    its first line, text inside its box, every arrow from one box to another."""
    drawn = Drawn(fig)
    boxes = [(k, drawn.extent(p)) for k, p in drawn.patches["node"] + drawn.patches["edgelabel"]]
    for i, (ka, a) in enumerate(boxes):
        for kb, b in boxes[i + 1:]:
            assert not _overlap(a, b), (ka, kb)
    for key, _ in drawn.patches["node"]:
        assert drawn.texts[("label", key)][0].get_text().strip(), key
        box = drawn.extent(drawn.nodes[key])
        for t in drawn.texts[("label", key)]:
            e = drawn.extent(t)
            assert box.x0 - 1 <= e.x0 and e.x1 <= box.x1 + 1, (key, t.get_text())
    for key, arrow in drawn.patches["edge"]:
        source, rest = key.split("->")
        start, tip = drawn.ends(arrow)
        # A thick line's head is set back by about its width, so its mitre stays in the box.
        tol = 3.0 + 1.5 * arrow.get_linewidth() * fig.dpi / 72
        assert _inside(start, drawn.extent(drawn.nodes[source])), key
        assert _inside(tip, drawn.extent(drawn.nodes[rest.rsplit(":", 1)[0]]), tol=tol), key
    return drawn


def along(arrow, step=2.0):
    """Points every ``step`` pixels along an arrow's drawn path (curves flattened)."""
    out = []
    for poly in arrow.get_path().to_polygons(arrow.get_transform(), closed_only=False):
        for a, b in zip(poly[:-1], poly[1:]):
            n = max(2, int(np.hypot(*(b - a)) / step))
            out.extend(a + (b - a) * t for t in np.linspace(0, 1, n))
    return out


def test_mlp_parameters_are_named_as_named_parameters_everywhere():
    model, loss = sequential_mlp()
    drawn = check_boxes(draw_graph(loss))
    for name in ("0.weight", "0.bias", "2.weight", "2.bias"):
        assert drawn.label("_" + name.replace(".", "_")).splitlines()[0] == name
    # explain calls them the same
    assert "w.r.t. 0.weight, 0.bias, 2.weight, 2.bias" in str(torch.explain(loss))
    # params= as torchviz takes it, over the automatic names
    drawn = Drawn(draw_graph(loss, params={"W1": model[0].weight}))
    assert drawn.label("W1").startswith("W1\n") and drawn.label("_0_bias").startswith("0.bias")
    with pytest.raises(TypeError, match=r"params must map names to tensors, like "
                       r"dict\(model.named_parameters\(\)\), got list"):
        draw_graph(loss, params=[model[0].weight])


def test_modules_fold_into_boxes_and_expand_opens_them():
    model, loss = sequential_mlp()
    fig = draw_graph(loss, expand=False)
    drawn = check_boxes(fig)
    assert drawn.label("module_0") == "0: Linear\n0.weight, 0.bias\nb\n5×8 float32\n" \
        f"mean {model[0](sequential_mlp.x).detach().numpy().astype(np.float64).mean():.4g}"
    assert drawn.label("module_2").startswith("2: Linear\n2.weight, 2.bias\nf\n5×1 float32")
    titles = sorted(drawn.texts[("label", k)][0].get_text() for k, _ in drawn.patches["node"])
    assert titles == ["0: Linear", "2: Linear", "MseLossBackward0", "TanhBackward0", "target",
                      "x"]
    assert [t.get_text().replace("\n", " ") for t in drawn.ax.texts
            if t.get_gid() == "legend"] == [
        "12 nodes drawn as 6 boxes; folded: 0: Linear (TBackward0, AddmmBackward0); 2: Linear "
        "(TBackward0, AddmmBackward0). Open with expand= or max_nodes=None."]
    arrows = sorted(k for k, _ in drawn.patches["edge"])
    assert arrows == ["TanhBackward0_1->module_2:0", "module_0->TanhBackward0_1:0",
                      "module_2->MseLossBackward0_1:0", "target->MseLossBackward0_1:1",
                      "x->module_0:0"]
    opened = Drawn(draw_graph(loss, expand=["0"]))
    ids = {k for k, _ in opened.patches["node"]}
    assert "module_2" in ids and "module_0" not in ids and "AddmmBackward0_1" in ids
    assert "_0_weight" in ids
    # the default folds only when the graph is too big: this one is not
    assert "module_0" not in {k for k, _ in Drawn(draw_graph(loss)).patches["node"]}


def test_a_40_op_chain_folds_its_middle():
    y = chain_40()
    fig = draw_graph(y)
    drawn = check_boxes(fig)
    assert len(drawn.patches["node"]) <= 24 == torch.viz.graph.MAX_NODES
    folds = [k for k, _ in drawn.patches["node"] if k.startswith("chain")]
    assert len(folds) == 1
    # 61 nodes to 24 boxes: 26 ops and their 13 constants make one box
    assert drawn.label(folds[0]).splitlines()[:2] == [
        "26 ops folded", "(SinBackward0 → MulBackward0) ×13"]
    assert fig.picture.nodes == 61 and len(fig.picture.boxes) == 23
    assert "x" in {k for k, _ in drawn.patches["node"]}
    assert len(Drawn(draw_graph(y, max_nodes=None)).patches["node"]) == 61
    with pytest.raises(ValueError, match=r"max_nodes must be an int of at least 2, or None "
                       r"\(no folding\), got 1"):
        draw_graph(y, max_nodes=1)


def test_a_200_node_graph_fits_max_nodes_and_a_slide():
    y = wide_200()
    fig = draw_graph(y)
    drawn = check_boxes(fig)
    assert fig.picture.nodes == 200 and len(fig.picture.boxes) <= 24
    assert any(k.startswith("subgraph") for k, _ in drawn.patches["node"])
    slide = draw_graph(y, size="slide")
    check_boxes(slide)
    assert tuple(slide.get_size_inches()) == pytest.approx(SLIDE)
    assert min(t.get_fontsize() for t in slide.axes[0].texts) >= 14


def test_size_slide_keeps_text_at_14_points():
    model, loss = sequential_mlp()
    fig = draw_graph(loss, size="slide")
    drawn = check_boxes(fig)
    assert tuple(fig.get_size_inches()) == pytest.approx(SLIDE)
    assert min(t.get_fontsize() for t in drawn.ax.texts) >= 14
    # the 12-node graph is too wide for 14 pt on a slide: its two Linear layers fold
    assert {"module_0", "module_2"} <= {k for k, _ in drawn.patches["node"]}
    fig = draw_graph(loss, size=(20, 8))
    assert tuple(fig.get_size_inches()) == (20, 8)
    with pytest.raises(ValueError, match=r"size must be 'slide' or \(width, height\) in inches, "
                       r"got 'huge'"):
        draw_graph(loss, size="huge")


def test_high_contrast_theme_svg_and_highlight(tmp_path):
    y = seed_polynomial()
    fig = draw_graph(y, theme="high-contrast", highlight="x")
    drawn = check_boxes(fig)
    assert matplotlib.colors.to_hex(drawn.nodes["AddBackward0_1"].get_edgecolor()) == "#000000"
    assert matplotlib.colors.to_hex(drawn.nodes["x"].get_edgecolor()) == "#b23b00"
    assert all(matplotlib.colors.to_hex(t.get_color()) == "#000000"
               for t in drawn.texts[("label", "AddBackward0_1")])
    fig.savefig(tmp_path / "g.svg")
    assert (tmp_path / "g.svg").read_bytes().startswith(b"<?xml")
    with pytest.raises(ValueError, match=r"theme must be one of \['default', 'high-contrast'\], "
                       r"got 'neon'"):
        draw_graph(y, theme="neon")
    with pytest.raises(ValueError, match=r"highlight='q' names no box of this graph; its boxes "
                       r"are AddBackward0_1, "):
        draw_graph(y, highlight="q")
    # the layout and picture stay on the figure, for widgets that highlight one node
    assert set(fig.layout.centres) == {b.id for b in fig.picture.boxes}


def test_fan_out_edges_leave_side_by_side_and_labels_sit_on_their_edge():
    drawn = Drawn(draw_graph(seed_polynomial(), direction="TB", local_derivatives=True,
                             highlight_backward=True))
    starts = sorted(drawn.ends(a)[0][0] for k, a in drawn.patches["edge"] if k.startswith("x->"))
    assert len(starts) == 4 and min(np.diff(starts)) > 5
    # Each edge label sits on its own edge, and no other edge runs through it.
    paths = {k: along(a) for k, a in drawn.patches["edge"]}
    for key, label in drawn.patches["edgelabel"]:
        box = drawn.extent(label).expanded(1.0, 1.0)
        through = {k for k, points in paths.items()
                   if any(box.x0 + 1 < x < box.x1 - 1 and box.y0 + 1 < y < box.y1 - 1
                          for x, y in points)}
        assert through == {key}, (key, through)


def test_highlight_node_walks_the_backward_pass_in_place():
    from autodiff_lab.viz import highlight_node
    y = seed_polynomial()
    fig = draw_graph(y)
    drawn = Drawn(fig)
    orange = matplotlib.colors.to_rgba("#D55E00")
    for node in _topological_order([y.grad_fn]):
        assert highlight_node(fig, node) is fig
        marked = [k for k, p in drawn.patches["node"] if p.get_edgecolor() == orange]
        assert marked == [fig.picture.ids[id(node)]] == [fig.highlighted]
    assert fig.highlighted == "x" and drawn.nodes["x"].get_linewidth() == pytest.approx(
        4.0 * fig.graph_scale)
    highlight_node(fig, "y")     # by name, as the box says it
    assert fig.highlighted == "AddBackward0_4"
    assert drawn.nodes["x"].get_edgecolor() == matplotlib.colors.to_rgba("#0072B2")
