"""Two call forms PyTorch's tutorials use on module functions: ``out=`` and ``torch.sin_(x)``.

``torch.matmul(a, b, out=c)`` writes the result into ``c`` and returns ``c`` (the same object,
so ``id(c)`` does not change); like PyTorch it refuses when autograd would have to record the
op, and resizes a wrongly shaped ``out`` with PyTorch's deprecation warning. ``torch.sin_(x)``
is ``x.sin_()``. :func:`install` adds both forms to the package namespace; the op modules keep
the plain functions, so the engine pays nothing for them.

>>> import autodiff_lab as torch
>>> c = torch.zeros(2)
>>> torch.mul(torch.tensor([1., 2.]), 3, out=c) is c, c
(True, tensor([3., 6.]))
>>> torch.sin_(torch.zeros(2))
tensor([0., 0.])
"""

import functools
import warnings

import numpy as np

from .autograd import grad_mode
from .tensor import Tensor, _check_cast, _write_into

# Module functions that take out= in PyTorch (and that lessons call with it).
OUT_FUNCTIONS = (
    "add sub mul div pow matmul mm bmm mv dot exp log sqrt sin cos tan tanh sigmoid abs neg "
    "clamp maximum minimum floor ceil round trunc remainder fmod floor_divide cat stack "
    "cumsum zeros ones full arange linspace eye rand randn randint randperm normal "
    "where").split()
# PyTorch's module-level in-place functions that have a Tensor method of the same name here.
INPLACE_FUNCTIONS = (
    "abs_ ceil_ clamp_ cos_ exp_ fill_ floor_ log_ neg_ reciprocal_ relu_ round_ sigmoid_ "
    "sin_ sqrt_ square_ tanh_ trunc_ detach_").split()
RESIZE_WARNING = (
    "An output with one or more elements was resized since it had shape {old}, which does not "
    "match the required output shape {new}. This behavior is deprecated, and in a future "
    "PyTorch release outputs will not be resized unless they have zero elements. You can "
    "explicitly reuse an out tensor t by resizing it, inplace, to zero elements with "
    "t.resize_(0). (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/Resize.cpp:30.)")


def with_out(fn, name):
    """``fn`` with PyTorch's ``out=`` keyword."""
    @functools.wraps(fn)
    def call(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{name}(): argument 'out' must be Tensor, not {type(out).__name__}")
        tensors = [a for a in (*args, *kwargs.values()) if isinstance(a, Tensor)]
        for group in args:
            if isinstance(group, (list, tuple)):
                tensors += [a for a in group if isinstance(a, Tensor)]
        if grad_mode.STATE.grad_enabled and any(t.requires_grad for t in (*tensors, out)):
            raise RuntimeError(
                f"{name}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad.")
        with grad_mode.no_grad():
            result = fn(*args, **kwargs)
        if out._data.shape != result._data.shape:
            _check_cast(out, result)  # before the resize, so a refused out stays as it was
            if out._data.size:
                warnings.warn(RESIZE_WARNING.format(old=list(out._data.shape),
                                                    new=list(result._data.shape)), UserWarning,
                              stacklevel=2)
            out._data = np.empty(result._data.shape, dtype=out._data.dtype)
        _write_into(out, result)
        out._box()[0] += 1
        return out
    return call


def _inplace_function(name):
    def call(input, *args, **kwargs):
        return getattr(input, name)(*args, **kwargs)
    call.__name__ = call.__qualname__ = name
    call.__doc__ = f"``torch.{name}(x, ...)`` is ``x.{name}(...)``."
    return call


def install(namespace):
    """Give the package's functions PyTorch's ``out=`` and add ``torch.<op>_`` functions."""
    for name in OUT_FUNCTIONS:
        if name in namespace:
            namespace[name] = with_out(namespace[name], name)
    for name in INPLACE_FUNCTIONS:
        if hasattr(Tensor, name) and name not in namespace:
            namespace[name] = _inplace_function(name)
