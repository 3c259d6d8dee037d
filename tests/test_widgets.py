"""autodiff_lab.live: the widgets built headless and moved programmatically (what a click or a
drag does), and the static figure they fall back to without ipywidgets or a kernel."""

import html
import sys

import ipywidgets   # in the [lab] and [test] extras
import numpy as np
import pytest
from matplotlib.colors import to_rgba

import autodiff_lab as torch
from autodiff_lab import live
from autodiff_lab.viz.graph import COLOURS

PNG = b"\x89PNG\r\n\x1a\n"
GRADIENT = to_rgba(COLOURS["gradient"])


def _seed_003():
    """Seed 003's tensors: unpacked into the test's variables, they name the pictures."""
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3*x + 2
    z = 2*y**2
    return x, y, z, z.mean()


def _png(shown):
    return bytes(shown.image.value)


def _texts(stepper, box):
    return [t.get_text() for t in stepper.figure.axes[0].texts if t.get_gid() == f"label:{box}"]


def _lit_nodes(stepper):
    return [p.get_gid()[5:] for p in stepper.figure.axes[0].patches
            if (p.get_gid() or "").startswith("node:")
            and to_rgba(p.get_edgecolor()) == to_rgba(live.HIGHLIGHT)]


def _visible_gradients(stepper):
    """The gradient lines shown in boxes: (box, text)."""
    return [(t.get_gid()[6:], t.get_text()) for t in stepper.figure.axes[0].texts
            if (t.get_gid() or "").startswith("label:") and t.get_visible()
            and to_rgba(t.get_color()) == GRADIENT]


# --------------------------------------------------------------------- the backward stepper
def test_the_stepper_walks_the_backward_pass_node_by_node():
    x, y, z, out = _seed_003()
    stepper = live.backward_stepper(out, widgets=True)
    steps = stepper.explanation.steps
    assert [s.node for s in steps] == ["MeanBackward0", "MulBackward0", "PowBackward0",
                                       "AddBackward0", "MulBackward0", "AccumulateGrad"]
    assert isinstance(stepper.widget, ipywidgets.VBox)
    assert (stepper.slider.min, stepper.slider.max, stepper.slider.value) == (0, 6, 0)
    assert stepper.text.startswith("step 0 of 6: the forward pass; backward() starts at out "
                                   "with ∂out/∂out = 1\n\nexplain: the backward pass of out")
    assert _lit_nodes(stepper) == [] and _visible_gradients(stepper) == []
    images = [_png(stepper)]
    titles = [("MeanBackward0", "out"), ("MulBackward0", "z"), ("PowBackward0", "b"),
              ("AddBackward0", "y"), ("MulBackward0", "a"), ("x",)]
    for k in range(1, 7):
        stepper.next.click()
        assert stepper.slider.value == stepper.step == k
        box = stepper.node_of(k)
        assert tuple(_texts(stepper, box)[:len(titles[k - 1])]) == titles[k - 1]
        assert _lit_nodes(stepper) == [box]
        assert html.escape(str(steps[k - 1])) in stepper.readout.value
        assert stepper.text.startswith(f"step {k} of 6: ")
        assert _png(stepper).startswith(PNG) and _png(stepper) not in images
        images.append(_png(stepper))
        # the gradient shown so far is the gradient computed so far
        done = {stepper.node_of(j) for j in range(1, k + 1)}
        assert {b for b, _ in _visible_gradients(stepper)} == done
    assert stepper.text.splitlines()[:4] == [
        "step 6 of 6: the leaf collects its gradient", "",
        " 6. AccumulateGrad  x.grad += ∂out/∂x",
        "      upstream  ∂out/∂x = 2y = [[10, 16, 22], [22, 16, 10]]"]
    assert stepper.text.splitlines()[-1] == ("result: ∂out/∂x = 2(3x + 2) = [[10, 16, 22], "
                                             "[22, 16, 10]]   ✓ autograd.grad agrees")
    stepper.next.click()
    assert stepper.slider.value == 6                       # the end stays the end
    stepper.slider.value = 1                               # dragged back
    assert stepper.step == 1 and _png(stepper) == images[1]
    assert _visible_gradients(stepper) == [(stepper.node_of(1), "∂out/∂out = 1.")]
    stepper.back.click()
    stepper.back.click()
    assert stepper.slider.value == 0 and _png(stepper) == images[0]


def test_the_step_lights_its_node_the_edges_into_it_and_the_gradients_it_sends():
    x, y, z, out = _seed_003()
    stepper = live.backward_stepper(out, widgets=True)
    patches = stepper.figure.axes[0].patches
    before = {p.get_gid(): (to_rgba(p.get_edgecolor()), p.get_linewidth()) for p in patches}
    stepper.show(3)                                               # PowBackward0: b = y²
    box, source = stepper.node_of(3), stepper.node_of(4)
    assert (box, source) == ("PowBackward0_1", "AddBackward0_1")
    lit = {p.get_gid() for p in patches if p.get_linewidth() > before[p.get_gid()][1]}
    assert lit == {f"node:{box}", f"edge:{source}->{box}:0", f"gradient:{box}->{source}:0"}
    lit_colour = to_rgba(live.HIGHLIGHT)
    recoloured = {p.get_gid() for p in patches
                  if before[p.get_gid()][0] != to_rgba(p.get_edgecolor()) == lit_colour}
    assert recoloured == {f"node:{box}", f"edge:{source}->{box}:0"}
    shown = {p.get_gid() for p in stepper.figure.axes[0].patches
             if (p.get_gid() or "").startswith("gradient:") and p.get_visible()}
    assert shown == {f"gradient:{stepper.node_of(k)}->{stepper.node_of(k + 1)}:0"
                     for k in (1, 2, 3)}


def test_fan_out_each_use_is_its_own_box_and_the_leaf_adds_them_up():
    x = torch.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    stepper = live.backward_stepper(y, widgets=True, direction="TB")
    boxes = [stepper.node_of(k) for k in range(1, len(stepper) + 1)]
    assert len(stepper) == 11 and len(set(boxes)) == 11
    for step, box in zip(stepper.explanation.steps, boxes):
        assert _texts(stepper, box)[0] == ("x" if step.is_leaf else step.node)
    stepper.slider.value = 11
    assert "(x is used 4 times: the gradients add up)" in stepper.text
    assert _lit_nodes(stepper) == ["x"]
    # the fan-out arrows' gradients ("← 5.") appear once the op using x has run
    labels = [t for t in stepper.figure.axes[0].texts if t.get_text().startswith("← ")]
    assert len(labels) == 4 and all(t.get_visible() for t in labels)
    stepper.slider.value = 1
    assert not any(t.get_visible() for t in labels)


def test_draw_options_reach_the_picture():
    x, y, z, out = _seed_003()
    stepper = live.backward_stepper(out, widgets=True, direction="TB", symbolic=True)
    width, height = stepper.figure.get_size_inches()
    assert height > width                                   # TB: tall
    assert isinstance(stepper.widget.children[1], ipywidgets.HBox)   # text beside it
    assert "zᵢ = 2(3xᵢ + 2)²" in _texts(stepper, stepper.node_of(2))


# --------------------------------------------------------------------- the tangent slider
def test_the_tangent_follows_the_x_slider():
    f = lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1  # noqa: E731
    s = live.plot_derivative(f, 2.0, expected="8x^3+3x^2+6x+5", widgets=True)
    assert (s.slider.min, s.slider.max, s.slider.value) == (0.0, 4.0, 2.0)
    assert s.tangent == {"x0": 2.0, "f(x0)": 63.0, "f'(x0)": 93.0}
    first, image = s.figure, _png(s)
    s.slider.value = 1.0
    assert s.x == 1.0 and s.tangent == {"x0": 1.0, "f(x0)": 12.0, "f'(x0)": 22.0}
    assert html.escape("x₀ = 1:  f(x₀) = 12,  f′(x₀) = 22") in s.readout.value
    assert s.text.splitlines()[1] == "tangent: y = 12 + 22·(x − 1)"
    tangent = next(line for line in s.figure.axes[0].lines if line.get_gid() == "tangent")
    xs, ys = tangent.get_data()
    assert np.allclose(ys, 12 + 22 * (xs - 1))
    assert _png(s).startswith(PNG) and _png(s) != image
    assert s.figure.axes[0].get_xlim() == first.axes[0].get_xlim() == (0.0, 4.0)
    s.x = 2.0                                    # back where it was: the picture is kept
    assert s.figure is first and s.slider.value == 2.0 and _png(s) == image
    with pytest.raises(ValueError, match=r"x = 5 is outside the plotted range xlim = \(0, 4\); "
                                         "pass a wider xlim= to plot_derivative"):
        s.x = 5


# --------------------------------------------------------------------- the learning rate
def test_the_descent_path_redraws_with_the_learning_rate():
    s = live.plot_descent(lambda x: x**2, 2.0, lr=0.1, widgets=True)
    assert (s.slider.min, s.slider.max, s.slider.value) == (0.01, 1.2, 0.1)
    view, image = s.xlim, _png(s)
    assert s.text == "lr = 0.1: converges; after 20 steps x = 0.02306, f = 0.0005317"
    expected = {0.95: ("oscillates", -0.9), 1.05: ("diverged", -1.1)}
    for lr, (status, factor) in expected.items():
        s.slider.value = lr
        assert s.lr == lr and s.trajectory.status == status
        points = s.trajectory.points[:, 0]
        assert np.allclose(points[1:6] / points[:5], factor)      # x ← (1 − 2·lr)·x
        assert [line.get_gid() for line in s.figure.axes[0].lines
                if (line.get_gid() or "").startswith("path")] == [f"path lr={lr:g}"]
        assert s.figure.axes[0].get_xlim() == view               # one view for every rate
        assert s.text.startswith(f"lr = {lr:g}: {status}")
        assert _png(s) != image
        image = _png(s)
    # every run on the slider that does not diverge fits the view: lr = 0.95 swings to -1.8
    assert view[0] < -1.8 and view[1] > 2.0
    with pytest.raises(ValueError, match=r"lr = 2 is outside lr_range = \(0.01, 1.2\)"):
        s.lr = 2


def test_descent_on_a_2d_bowl_keeps_its_view():
    s = live.plot_descent(lambda x, y: x**2 + 10*y**2, (-4.0, 1.5), lr=0.02,
                          lr_range=(0.005, 0.11), steps=30, widgets=True)
    assert s.trajectory.status == "converges" and s.text.startswith("lr = 0.02: converges; "
                                                                   "after 30 steps P = (")
    limits = s.figure.axes[0].get_xlim(), s.figure.axes[0].get_ylim()
    s.lr = 0.105
    assert s.trajectory.status == "diverged"
    assert (s.figure.axes[0].get_xlim(), s.figure.axes[0].get_ylim()) == limits


def test_descent_refuses_what_it_cannot_draw():
    with pytest.raises(ValueError, match="plot_descent draws 1-D curves and 2-D contours; p0 "
                                         "has 3 coordinates"):
        live.plot_descent(lambda x, y, z: x, (1.0, 2.0, 3.0), widgets=False)
    with pytest.raises(ValueError, match=r"lr_range must be \(low, high\) with 0 < low < high"):
        live.plot_descent(lambda x: x**2, 2.0, lr_range=(0.5, 0.1), widgets=False)


# --------------------------------------------------------------------- without widgets
@pytest.fixture
def untold(monkeypatch):
    monkeypatch.setattr(live, "_told", set())


def test_outside_a_kernel_a_static_figure_said_once(capsys, untold):
    assert live.widgets_unavailable() == "no Jupyter kernel is running"   # pytest is no kernel
    x, y, z, out = _seed_003()
    first = live.backward_stepper(out)
    live.plot_descent(lambda x: x**2, 2.0)
    out = capsys.readouterr().out
    assert out == live.NOTICE.format(why="no Jupyter kernel is running") + "\n"
    assert out.startswith("autodiff_lab.live: no Jupyter kernel is running, so this is a "
                          "static figure; the sliders need ipywidgets in a running Jupyter "
                          "kernel (pip install \"autodiff_lab[lab]\", then jupyter lab).")
    assert first.widget is None and first.step == len(first) == 6   # the whole pass
    assert len(_visible_gradients(first)) == 6
    first.show(2)                                    # a teacher's script can still step
    assert _lit_nodes(first) == [first.node_of(2)] and first.text.startswith("step 2 of 6")
    first._ipython_display_()                        # what Jupyter would show: figure, text
    shown = capsys.readouterr().out
    assert shown.endswith(first.text + "\n") and "Figure" in shown


def test_without_ipywidgets_a_static_figure_and_a_clear_error(capsys, untold, monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)      # as if not installed
    assert live.widgets_unavailable() == "ipywidgets is not installed"
    s = live.plot_derivative(lambda x: x**3, 1.0, xlim=(-1, 2))
    assert s.widget is None and s.tangent == {"x0": 1.0, "f(x0)": 1.0, "f'(x0)": 3.0}
    assert capsys.readouterr().out.startswith("autodiff_lab.live: ipywidgets is not "
                                              "installed, so this is a static figure")
    with pytest.raises(ImportError, match=r"widgets=True needs ipywidgets: pip install "
                                          "ipywidgets"):
        live.plot_derivative(lambda x: x**3, 1.0, widgets=True)


def test_in_a_kernel_the_widgets_come_by_themselves(capsys, untold, monkeypatch):
    class Kernel:
        kernel = object()
    import IPython
    monkeypatch.setattr(IPython, "get_ipython", lambda: Kernel())
    assert live.widgets_unavailable() is None
    x, y, z, out = _seed_003()
    stepper = live.backward_stepper(out)
    assert isinstance(stepper.widget, ipywidgets.VBox) and stepper.step == 0
    assert capsys.readouterr().out == ""


def test_a_real_kernel_displays_the_widgets():
    import nbclient
    import nbformat
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(
        "import autodiff_lab as torch\nfrom autodiff_lab import live\n"
        "x = torch.tensor(2.0, requires_grad=True)\ny = x * x + x\n"
        "stepper = live.backward_stepper(y)\nstepper"),
        nbformat.v4.new_code_cell("print(stepper.show(3).text.splitlines()[0])")]
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    first, second = (cell.outputs for cell in nb.cells)
    assert [o.output_type for o in first] == ["display_data"]       # no notice: it is live
    assert "application/vnd.jupyter.widget-view+json" in first[0].data
    assert second[0].text == "step 3 of 3: the leaf collects its gradient\n"


def test_a_step_without_a_box_of_its_own_lights_nothing_and_still_reads(monkeypatch):
    # as where a picture folds nodes into one box: the leaf's step finds no box here
    is_box_of = live._is_box_of
    monkeypatch.setattr(live, "_is_box_of", lambda step, texts: not step.is_leaf
                        and is_box_of(step, texts))
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x + x
    stepper = live.backward_stepper(y, widgets=True)
    assert stepper.node_of(2) == "MulBackward0_1" and stepper.node_of(3) is None
    stepper.slider.value = 3
    assert _lit_nodes(stepper) == []
    assert stepper.text.startswith("step 3 of 3: the leaf collects its gradient")
