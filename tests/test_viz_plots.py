"""Plots and the backward animation: each renders, and its lines, paths and frames hold the right
numbers (headless: Agg)."""

import io
import os

import matplotlib
import numpy as np
import pytest

import autodiff_lab as torch
from autodiff_lab.autograd.engine import _topological_order
from autodiff_lab.viz import (
    animate_backward,
    descend,
    plot_derivative,
    plot_descent_1d,
    plot_descent_2d,
    plot_loss_curves,
)

matplotlib.use("Agg")


def seed_poly(x):
    return 2*x**4 + x**3 + 3*x**2 + 5*x + 1


def lines_by_gid(ax):
    return {line.get_gid(): line for line in ax.lines if line.get_gid()}


def png_bytes(fig):
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


def legend_texts(ax_or_fig):
    legend = ax_or_fig.get_legend() if hasattr(ax_or_fig, "get_legend") else \
        ax_or_fig.legends[0]
    return [t.get_text() for t in legend.get_texts()]


# ----------------------------------------------------------------- function and derivative
@pytest.fixture(scope="module")
def seed_figure():
    return plot_derivative(seed_poly, 2.0, expected="8x^3 + 3x^2 + 6x + 5")


def test_derivative_three_ways_agree(seed_figure):
    lines = lines_by_gid(seed_figure.axes[1])
    xs = lines["symbolic"].get_xdata()
    exact = 8*xs**3 + 3*xs**2 + 6*xs + 5
    np.testing.assert_allclose(lines["symbolic"].get_ydata(), exact, rtol=1e-12)
    np.testing.assert_allclose(lines["autograd"].get_ydata(), exact, rtol=1e-12)
    np.testing.assert_allclose(lines["finite difference"].get_ydata(), exact, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(lines["expected"].get_ydata(), exact, rtol=1e-12)


def test_derivative_line_styles_differ(seed_figure):
    lines = lines_by_gid(seed_figure.axes[1])
    looks = {(lines[g].get_linestyle(), lines[g].get_marker(), lines[g].get_color())
             for g in ("symbolic", "autograd", "finite difference", "expected")}
    assert len(looks) == 4


def test_tangent_line_touches_with_slope_93(seed_figure):
    assert seed_figure.tangent == {"x0": 2.0, "f(x0)": 63.0, "f'(x0)": 93.0}
    (x_a, x_b), (y_a, y_b) = lines_by_gid(seed_figure.axes[0])["tangent"].get_data()
    assert (y_b - y_a) / (x_b - x_a) == pytest.approx(93.0, rel=1e-12)
    assert y_a + 93.0 * (2.0 - x_a) == pytest.approx(63.0, abs=1e-12)
    f = lines_by_gid(seed_figure.axes[0])["f"]
    np.testing.assert_allclose(f.get_ydata(), seed_poly(f.get_xdata()), rtol=1e-12)


def test_derivative_labels_and_annotation(seed_figure):
    top, bottom = seed_figure.axes
    labels = legend_texts(bottom)
    assert labels[0] == "symbolic: $8 x^{3} + 3 x^{2} + 6 x + 5$"
    assert labels[1].startswith("autograd") and labels[2].startswith("central difference")
    assert labels[3].endswith("(matches)")
    assert any("(2, 63)" in t.get_text() and "93" in t.get_text() for t in top.texts)
    assert top.get_ylabel() == "$f(x)$" and bottom.get_ylabel() == "$f'(x)$"
    assert png_bytes(seed_figure)[:8] == b"\x89PNG\r\n\x1a\n"


def test_derivative_from_text_with_a_wrong_hand_answer():
    fig = plot_derivative("sin(x) * exp(-x/3)", 1.0, xlim=(-2, 8), expected="cos(x) e^(-x/3)")
    lines = lines_by_gid(fig.axes[1])
    xs = lines["autograd"].get_xdata()
    exact = np.exp(-xs / 3) * (np.cos(xs) - np.sin(xs) / 3)
    for gid in ("symbolic", "autograd"):
        np.testing.assert_allclose(lines[gid].get_ydata(), exact, rtol=1e-9, atol=1e-12)
    assert legend_texts(fig.axes[1])[3].endswith("(does NOT match)")
    assert fig.tangent["f'(x0)"] == pytest.approx(np.exp(-1 / 3) * (np.cos(1) - np.sin(1) / 3))


def test_derivative_into_given_axes():
    from autodiff_lab.viz.plots import new_figure
    fig, axes = new_figure(1, 2)
    assert plot_derivative(lambda x: torch.tanh(x), 0.0, ax=axes) is fig
    assert fig.tangent["f'(x0)"] == 1.0


# ----------------------------------------------------------------- gradient descent
def test_descend_is_the_lesson_loop():
    t = descend(seed_poly, 2.0, lr=0.01, steps=3)
    x1 = 2.0 - 0.01 * 93.0          # P ← P − lr·∇P
    assert t.points[1].item() == pytest.approx(x1, abs=1e-12)
    d1 = 8*x1**3 + 3*x1**2 + 6*x1 + 5
    assert t.points[2].item() == pytest.approx(x1 - 0.01 * d1, abs=1e-12)
    np.testing.assert_allclose(t.losses, seed_poly(t.points[:, 0]), rtol=1e-12)
    assert len(t.points) == len(t.losses) == 4


def test_descent_1d_regimes_and_legend():
    fig = plot_descent_1d(lambda x: x**2, 2.0, lrs=(0.1, 0.95, 1.05), steps=20)
    converge, oscillate, diverge = fig.trajectories
    assert converge.points[1].item() == pytest.approx(2.0 - 0.1 * 4.0)
    assert oscillate.points[1].item() == pytest.approx(2.0 - 0.95 * 4.0)
    assert [t.status for t in fig.trajectories] == ["converges", "oscillates", "diverged"]
    assert np.all(np.diff(converge.losses) < 0) and abs(converge.points[-1].item()) < 0.05
    assert np.all(np.sign(oscillate.points[1:, 0]) != np.sign(oscillate.points[:-1, 0]))
    assert diverge.losses[-1] > 10 * diverge.losses[0]
    labels = legend_texts(fig)
    assert "lr = 1.05: diverged" in labels and "lr = 0.1: converges" in labels
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    assert lo <= oscillate.points.min() and oscillate.points.max() <= hi
    # The diverging path is drawn only until it leaves the view.
    drawn = lines_by_gid(ax)["path lr=1.05"].get_xdata()
    assert len(drawn) < len(diverge.points) and not lo <= drawn[-1] <= hi
    assert png_bytes(fig)


def test_descent_blowing_up_stops_early():
    t = descend(seed_poly, 2.0, lr=0.1, steps=50)
    assert t.status == "diverged" and len(t.points) < 10
    assert np.abs(t.points[-1]).max() > 1e6 or not np.isfinite(t.points[-1]).all()


def test_descent_2d_paths_on_contours():
    def bowl(x, y):
        return x**2 + 10*y**2
    fig = plot_descent_2d(bowl, (-4.0, 1.5), lrs=(0.02, 0.09, 0.105), steps=30)
    ax = fig.axes[0]
    t = fig.trajectories[0]
    grad0 = np.array([2 * -4.0, 20 * 1.5])
    np.testing.assert_allclose(t.points[1], np.array([-4.0, 1.5]) - 0.02 * grad0)
    # lr = 0.09 crosses the valley at every step, but its loss falls to almost nothing: it
    # converges, zig-zagging; it does not oscillate.
    assert [t.status for t in fig.trajectories] == ["converges", "converges", "diverged"]
    assert [t.zigzag for t in fig.trajectories] == [False, True, False]
    assert fig.trajectories[1].losses[-1] < 1e-3 * fig.trajectories[1].losses[0]
    assert "lr = 0.09: converges, zig-zagging" in legend_texts(ax)
    (x_lo, x_hi), (y_lo, y_hi) = ax.get_xlim(), ax.get_ylim()
    for t in fig.trajectories[:2]:
        px, py = t.points[:, 0], t.points[:, 1]
        assert np.all((x_lo <= px) & (px <= x_hi) & (y_lo <= py) & (py <= y_hi))
        np.testing.assert_allclose(lines_by_gid(ax)[f"path lr={t.lr:g}"].get_xdata(), px)
    assert ax.collections, "contours are drawn"
    assert "lr = 0.105: diverged" in legend_texts(ax)
    # The diverging run stays in the frame for its first steps, and a note says where it went.
    diverged = fig.trajectories[2]
    drawn = lines_by_gid(ax)["path lr=0.105"]
    xs, ys = drawn.get_xdata(), drawn.get_ydata()
    inside = (x_lo <= xs) & (xs <= x_hi) & (y_lo <= ys) & (ys <= y_hi)
    assert inside[:-1].all() and inside.sum() >= 4
    assert drawn.get_zorder() > lines_by_gid(ax)["path lr=0.09"].get_zorder()
    note = next(t for t in ax.texts if t.get_gid() == "divergence lr=0.105")
    far = np.abs(diverged.points[-1]).max()
    assert note.get_text() == (f"lr = 0.105 leaves the frame:\n|P| = {far:.3g} after 30 steps, "
                               f"f = {diverged.losses[-1]:.3g}")
    assert png_bytes(fig)


def test_descent_2d_from_text_rosenbrock():
    fig = plot_descent_2d("(1 - x)^2 + 100(y - x^2)^2", (-1.5, 2.0), lrs=(0.0005,), steps=5)
    t = fig.trajectories[0]
    x, y = -1.5, 2.0
    grad = np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])
    np.testing.assert_allclose(t.points[1], np.array([x, y]) - 0.0005 * grad)


# ----------------------------------------------------------------- loss curves
def test_loss_curves():
    fig = plot_loss_curves({"a": [4.0, 2.0, 1.0], "b": [4.0, 8.0, float("inf")]})
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and legend_texts(ax) == ["a", "b"]
    assert list(lines_by_gid(ax)["b"].get_ydata()) == [4.0, 8.0]   # stops where it blew up
    assert plot_loss_curves({"a": [1.0, 0.0]}).axes[0].get_yscale() == "symlog"
    assert plot_loss_curves({"a": [1.0, 0.5]}, log=False).axes[0].get_yscale() == "linear"


# ----------------------------------------------------------------- backward animation
@pytest.fixture(scope="module")
def seed_animation():
    x = torch.tensor(2.0, requires_grad=True)
    y = seed_poly(x)
    y.backward(retain_graph=True)
    return animate_backward(y), y, x


def test_animation_follows_the_engine(seed_animation):
    anim, y, x = seed_animation
    order = _topological_order([y.grad_fn])
    assert len(anim) == len(order) == 11
    assert [s.node for s in anim.steps] == order
    assert anim.steps[0].grad.item() == 1.0
    assert anim.steps[-1].name == "x" and anim.steps[-1].grad.item() == 93.0
    assert sum(g.item() for s in anim.steps for name, g in s.sent if name == "x") == 93.0
    assert x.grad.item() == 93.0   # the animation replays; it does not touch .grad


def test_animation_frames_show_the_numbers(seed_animation, tmp_path):
    anim = seed_animation[0]
    paths = anim.save_frames(tmp_path / "frames", dpi=40)
    assert len(paths) == len(anim)
    for p in paths:
        with open(p, "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    fig = anim.draw(len(anim) - 1)
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "x.grad +=\n5. + 12. + 12. + 64.\n= 93." in texts
    assert "step 11 of 11" in fig.texts[0].get_text()
    fig = anim.draw(4)   # MulBackward0 of 3x²: sends 1 × 3 to x²
    assert "3. = 1. × 3." in fig.texts[1].get_text()


def test_animation_gif_and_html(tmp_path):
    a = torch.tensor(1.5, requires_grad=True)
    b = torch.tensor(-2.0, requires_grad=True)
    loss = torch.tanh(a * b + a) * b
    anim = animate_backward(loss, interval=500)
    path = anim.save_gif(str(tmp_path / "backward.gif"), dpi=50)
    with open(path, "rb") as f:
        head = f.read(6)
    assert head == b"GIF89a"
    assert 5_000 < os.path.getsize(path) < 5_000_000
    from PIL import Image
    with Image.open(path) as im:
        assert im.n_frames == len(anim) == 6
    html = anim._repr_html_()
    assert "<script" in html and html.count("data:image/png;base64") == len(anim)


def test_animation_of_tensors_and_errors():
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([1.0, -1.0], requires_grad=True)
    anim = animate_backward(torch.tanh(W @ v).sum())
    assert [s.name for s in anim.steps][-2:] in (["W", "v"], ["v", "W"])
    assert anim._repr_png_()[:4] == b"\x89PNG"
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        animate_backward(W * 2)
    with pytest.raises(ValueError, match="no grad_fn"):
        animate_backward(torch.tensor(1.0))
