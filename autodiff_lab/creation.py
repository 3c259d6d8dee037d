"""Tensor creation: tensor, zeros, ones, arange, linspace, eye (random ones: ``random.py``)."""

import numpy as np

from . import device as _device
from . import dtypes, hints
from .tensor import Tensor, _as_array, method


def _new(data, dtype=None, requires_grad=False):
    t = Tensor._make(data, dtype or dtypes.from_numpy_dtype(data.dtype))
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise hints.add(RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients"),
                hints.integer_requires_grad)
        t._requires_grad = True
    return t


def _float_dtype(dtype):
    return dtypes.DEFAULT_FLOAT if dtype is None else dtypes.to_dtype(dtype)


def tensor(data, dtype=None, device=None, requires_grad=False, name=None):
    """A new tensor holding a copy of ``data``; Python floats get the default dtype (float32),
    ints int64.

    ``name`` labels the tensor in its symbolic twin and in pictures.

    >>> import autodiff_lab as torch
    >>> torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    tensor([[1., 2., 3.],
            [3., 2., 1.]], requires_grad=True)
    >>> torch.tensor([1, 2]).dtype
    torch.int64
    """
    _device.check(device, moving=True)
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
    t = _new(np.array(_as_array(data, dtype), copy=True), dtype, requires_grad)
    t._name = name
    return t


def as_tensor(data, dtype=None, device=None):
    """Like ``tensor`` but shares memory with a NumPy array or tensor when it can."""
    _device.check(device, moving=True)
    if isinstance(data, Tensor) and (dtype is None or dtypes.to_dtype(dtype) is data.dtype):
        return data
    if dtype is not None:
        dtype = dtypes.to_dtype(dtype)
    return _new(_as_array(data, dtype), dtype)


def from_numpy(ndarray):
    """A tensor sharing memory with ``ndarray`` (float64 arrays stay float64)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(ndarray).__name__})")
    return _new(ndarray, dtypes.from_numpy_dtype(ndarray.dtype))


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (int, np.integer)):
            raise TypeError(
                f"{type(s).__name__!r} object cannot be interpreted as an integer")
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _sized(fn, size, kwargs):
    """The shape from ``f(2, 3)``, ``f((2, 3))`` or ``f(size=(2, 3))``, with PyTorch's errors."""
    keyword = kwargs.pop("size", None)
    for name in kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{name}'")
    if keyword is not None:
        if size:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        if not isinstance(keyword, (tuple, list)):
            raise TypeError(f"{fn}(): argument 'size' must be tuple of ints, not "
                            f"{type(keyword).__name__}")
        size = (keyword,)
    elif not size:
        raise TypeError(f'{fn}() missing 1 required positional arguments: "size"')
    return _size(size)


def _filled(fill, shape, dtype, device, requires_grad):
    _device.check(device)
    dtype = _float_dtype(dtype)
    return _new(fill(shape, dtype=dtype.np), dtype, requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """A tensor of zeros (the default float dtype unless ``dtype`` says otherwise).

    >>> import autodiff_lab as torch
    >>> torch.zeros(size=(1, 2))
    tensor([[0., 0.]])
    """
    return _filled(np.zeros, _sized("zeros", size, kwargs), dtype, device,
                   requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """A tensor of ones.

    >>> import autodiff_lab as torch
    >>> torch.ones(2, 2, requires_grad=True)
    tensor([[1., 1.],
            [1., 1.]], requires_grad=True)
    """
    return _filled(np.ones, _sized("ones", size, kwargs), dtype, device,
                   requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False, **kwargs):
    """Like ``zeros`` (NumPy has no cheaper uninitialised memory worth exposing to students)."""
    return _filled(np.zeros, _sized("empty", size, kwargs), dtype, device,
                   requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` (its dtype inferred from the value).

    >>> import autodiff_lab as torch
    >>> torch.full(size=(2,), fill_value=7)
    tensor([7, 7])
    """
    _device.check(device)
    dtype = dtypes.to_dtype(dtype) if dtype is not None else dtypes.scalar_dtype(fill_value)
    return _new(np.full(_size((size,)), fill_value, dtype=dtype.np), dtype, requires_grad)


def _new_method(fn, fill):
    def new(self, *size, dtype=None, device=None, requires_grad=False, **kwargs):
        shape = _sized(fn, size, kwargs)
        return _filled(fill, shape, self.dtype if dtype is None else dtype, device,
                       requires_grad)
    new.__name__ = fn
    new.__doc__ = (f"Like ``torch.{fn[4:]}`` with this tensor's dtype (and device) unless "
                   "given.")
    return new


method("new_zeros")(_new_method("new_zeros", np.zeros))
method("new_ones")(_new_method("new_ones", np.ones))
method("new_empty")(_new_method("new_empty", np.zeros))


@method("new_full")
def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value`` of this tensor's dtype unless ``dtype`` is given.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1, 2]).new_full((2,), 2.7)
    tensor([2, 2])
    """
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype, device=device,
                requires_grad=requires_grad)


@method("new_tensor")
def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype unless ``dtype`` is given.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1.0]).new_tensor([1, 2])
    tensor([1., 2.])
    """
    return tensor(data, dtype=self.dtype if dtype is None else dtype, device=device,
                  requires_grad=requires_grad)


def _like(input, dtype, device=None):
    _device.check(device)
    return tuple(input.shape), (dtypes.to_dtype(dtype) if dtype is not None else input.dtype)


def zeros_like(input, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype, device)
    return _new(np.zeros(shape, dtype=dtype.np), dtype, requires_grad)


def ones_like(input, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype, device)
    return _new(np.ones(shape, dtype=dtype.np), dtype, requires_grad)


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):
    shape, dtype = _like(input, dtype, device)
    return _new(np.full(shape, fill_value, dtype=dtype.np), dtype, requires_grad)


def empty_like(input, dtype=None, device=None, requires_grad=False):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """Values from ``start`` up to (not including) ``end``; integers unless any is a float.

    >>> import autodiff_lab as torch
    >>> torch.arange(3)
    tensor([0, 1, 2])
    """
    _device.check(device)
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_float = any(isinstance(v, float) for v in (start, end, step))
        dtype = dtypes.DEFAULT_FLOAT if is_float else dtypes.DEFAULT_INT
    dtype = dtypes.to_dtype(dtype)
    data = np.arange(start, end, step, dtype=np.float64).astype(dtype.np)
    return _new(data, dtype, requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    _device.check(device)
    dtype = _float_dtype(dtype)
    return _new(np.linspace(start, end, steps).astype(dtype.np), dtype, requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The identity matrix (``n`` by ``m``)."""
    _device.check(device)
    dtype = _float_dtype(dtype)
    return _new(np.eye(n, m, dtype=dtype.np), dtype, requires_grad)

