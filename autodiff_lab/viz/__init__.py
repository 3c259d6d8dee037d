"""Pictures: computation graphs and plots, drawn with matplotlib (imported on first use only).

>>> import autodiff_lab as torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> print(torch.viz.to_dot(x * 3).splitlines()[0])
digraph autodiff_lab {
"""

import importlib

# Public name → the submodule that defines it; nothing here imports matplotlib until it is used.
_LAZY = {
    "draw_graph": "graph",
    "to_dot": "graph",
    "highlight_node": "draw",
    "Graph": "graph",
    "plot_derivative": "plots",
    "plot_loss_curves": "plots",
    "plot_descent_1d": "descent",
    "plot_descent_2d": "descent",
    "descend": "descent",
    "Trajectory": "descent",
    "animate_backward": "animate",
    "BackwardAnimation": "animate",
}

__all__ = ["Graph", "draw_graph", "highlight_node", "to_dot",
           "BackwardAnimation", "Trajectory", "animate_backward", "descend", "plot_derivative",
           "plot_descent_1d", "plot_descent_2d", "plot_loss_curves"]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
