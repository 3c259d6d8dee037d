"""``autodiff-lab figures``: regenerate every picture in ``figures/`` from the seed examples."""

import os

import autodiff_lab as torch


# Tensors are named explicitly (name=, .name): they live in these builders' frames, which are gone
# by the time the picture looks for variable names; unnamed results get the notation's a, b, c.
def _seed_polynomial():
    x = torch.tensor(2.0, requires_grad=True, name="x")
    y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
    y.name = "y"
    y.backward(retain_graph=True)
    return y


def _seed_003():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True, name="x")
    y = 3 * x + 2
    z = 2 * y**2
    out = z.mean()
    y.name, z.name, out.name = "y", "z", "out"
    out.backward(retain_graph=True)
    return out


def _seed_001_example_3():
    x1 = torch.tensor([1.0], requires_grad=True, name="x1")
    x2 = torch.tensor([2.0], requires_grad=True, name="x2")
    y1 = (5 * x1) + (3 * x2)
    y2 = (2 * x1) + (1 * x2)
    z = y1 * y2
    y1.name, y2.name, z.name = "y1", "y2", "z"
    z.backward(retain_graph=True)
    return z


def _rnn_cell():
    torch.manual_seed(0)
    Wh = torch.randn(3, 3, requires_grad=True)
    Wx = torch.randn(3, 2, requires_grad=True)
    Wh.name, Wx.name = "Wh", "Wx"
    h = torch.randn(1, 3)
    x = torch.randn(1, 2)
    wh2h = torch.mm(Wh, h.t())
    wx2x = torch.mm(Wx, x.t())
    next_h = (wh2h + wx2x + 5).tanh()
    loss = next_h.sum()
    wh2h.name, wx2x.name, next_h.name, loss.name = "wh2h", "wx2x", "next_h", "loss"
    loss.backward(retain_graph=True)
    return loss


def _mlp_loss():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    x, target = torch.randn(5, 4), torch.randn(5, 1)
    x.name, target.name = "x", "target"
    loss = torch.nn.functional.mse_loss(model(x), target)
    loss.name = "loss"
    loss.backward()
    return loss, model


def _chain_40():
    x = torch.tensor(0.5, requires_grad=True, name="x")
    y = x
    for i in range(40):
        y = torch.sin(y) if i % 2 else y * 1.1
    y.name = "y"
    y.backward()
    return y


# Figures that go on a slide as they are: 13.33 × 7.5 in at most, text at 14 pt and up there.
SLIDE_FIGURES = ("mlp_loss_slide.png", "chain_40_slide.png", "polynomial_tangent.png",
                 "descent_1d.png", "descent_2d.png", "loss_curves.png", "backward_animation.gif")


def _figure_builders():
    """(file name, function returning its Figure or BackwardAnimation), in the order made."""
    from . import viz

    def graph(build, **options):
        return lambda: viz.draw_graph(build(), **options)

    def mlp_slide():
        loss, model = _mlp_loss()
        return viz.draw_graph(loss, size="slide", modules=[model],
                              title="A 4→8→1 MLP's loss, one box per layer")

    def square(x):
        return x ** 2

    def bowl(x, y):
        return x ** 2 + 10 * y ** 2

    def loss_curves():
        runs = {f"lr = {lr}": viz.descend(bowl, (1.5, 1.0), lr, 30).losses
                for lr in (0.02, 0.05, 0.09)}
        return viz.plot_loss_curves(runs)

    return [
        ("seed_polynomial_graph.png", graph(_seed_polynomial, direction="TB",
                                           local_derivatives=True, highlight_backward=True)),
        ("seed_polynomial_graph.svg", graph(_seed_polynomial, direction="TB",
                                           local_derivatives=True, highlight_backward=True)),
        ("seed_003_chain_rule.png", graph(_seed_003, direction="TB", symbolic=True,
                                          local_derivatives=True, highlight_backward=True)),
        ("seed_001_example_3.png", graph(_seed_001_example_3, direction="TB",
                                         highlight_backward=True)),
        ("seed_003_rnn_cell.png", graph(_rnn_cell, direction="TB", local_derivatives=True)),
        ("mlp_loss_slide.png", mlp_slide),
        ("chain_40_slide.png", graph(_chain_40, size="slide", theme="high-contrast",
                                     title="A 40-op chain, folded to fit (high-contrast theme)")),
        ("polynomial_tangent.png", lambda: viz.plot_derivative(
            lambda x: 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1, 2.0, expected="8x^3+3x^2+6x+5")),
        ("descent_1d.png", lambda: viz.plot_descent_1d(square, 1.5, lrs=(0.1, 0.95, 1.05),
                                                       steps=20)),
        ("descent_2d.png", lambda: viz.plot_descent_2d(bowl, (1.5, 1.0), lrs=(0.02, 0.09, 0.105),
                                                       steps=30)),
        ("loss_curves.png", loss_curves),
        ("backward_animation.gif", lambda: viz.animate_backward(_seed_polynomial())),
    ]


def _figure_jobs():
    """(file name, function writing it to a path), in the order they are made."""
    def job(make, gif):
        if gif:
            return lambda path: make().save_gif(path)
        return lambda path: make().savefig(path, dpi=DPI)
    return [(name, job(make, name.endswith(".gif"))) for name, make in _figure_builders()]


DPI = 96   # a 13.33 × 7.5 in figure is 1280 × 720 pixels


def make_figures(out_dir="figures", verbose=True):
    """Write every figure into ``out_dir``; returns the paths written.

    >>> import tempfile, os
    >>> paths = make_figures(tempfile.mkdtemp(), verbose=False)  # doctest: +SKIP
    """
    import matplotlib
    matplotlib.use("Agg")
    os.makedirs(out_dir, exist_ok=True)
    written = []
    for name, write in _figure_jobs():
        path = os.path.join(out_dir, name)
        write(path)
        written.append(path)
        if verbose:
            print(f"wrote {path}")
    return written
