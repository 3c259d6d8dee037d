"""Indexing: ``x[0]``, ``x[:, 1]``, slices, boolean masks and integer arrays, and assignment."""

import numpy as np

from ..tensor import Tensor, _wrap_dim, method
from .base import Op, apply
from .shape import Clone, unsqueeze


class _Indexing(Op):
    """``x[key]``; the gradient is scattered back into zeros of ``x``'s shape."""
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, key):
        return x[key]

    @staticmethod
    def vjp(g, x, *, out, key):
        return (apply(IndexScatter, g, key=key, shape=tuple(x.shape)),)

    @staticmethod
    def sym(x, key):
        return x[key]


class Select(_Indexing):
    node_name = "SelectBackward0"


class Slice(_Indexing):
    node_name = "SliceBackward0"


class Index(_Indexing):
    node_name = "IndexBackward0"


class Alias(Clone):
    """``x[...]`` or ``x[:]``: the same elements, a new view (a clone's rules, without a copy)."""
    node_name = "AliasBackward0"

    @staticmethod
    def forward(x):
        return x.view()


class IndexScatter(Op):
    """Zeros of ``shape`` with ``g`` added at ``key`` (the adjoint of indexing)."""
    node_name = "IndexPutBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(g, key, shape):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, key, g)
        return out

    @staticmethod
    def vjp(g, src, *, out, key, shape):
        return (apply(Index, g, key=key),)


class IndexPut(Op):
    """``x`` with ``x[key] = value`` (what ``x[mask] = 0`` records)."""
    node_name = "IndexPutBackward0"
    saves = ()

    @staticmethod
    def forward(x, value, key):
        out = x.copy()
        out[key] = value
        return out

    @staticmethod
    def vjp(g, x, value, *, out, key):
        kept = apply(IndexPut, g, 0.0, key=key)
        return kept, apply(Index, g, key=key)


class CopySlices(IndexPut):
    """``x[key] = value`` through a view of ``x`` (an int, None or partial slice in the key)."""
    node_name = "CopySlices"


def _normalise_key(key):
    """Tensors inside an index become ndarrays; the key becomes a tuple."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if k.dtype.is_floating_point:
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors")
            k = k._data
        elif isinstance(k, list):
            k = np.asarray(k)
        out.append(k)
    return tuple(out)


def _is_advanced(k):
    return isinstance(k, np.ndarray) and k.ndim > 0


def getitem(input, key):
    """PyTorch's indexing, recorded as PyTorch records it (Select, Slice, Unsqueeze, Index).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
    >>> x[:, 1]
    tensor([2., 4.], grad_fn=<SelectBackward0>)
    """
    key = _normalise_key(key)
    if any(_is_advanced(k) for k in key):
        return _advanced(input, key)
    if input.ndim == 0 and key and key[0] is not None and key[0] is not Ellipsis:
        if isinstance(key[0], slice):
            raise IndexError("slice() cannot be applied to a 0-dim tensor.")
        raise IndexError(
            "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
            "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number")
    key = _expand_ellipsis(key, input.ndim)
    result, dim = input, 0
    for k in key:
        if k is None:
            result = unsqueeze(result, dim)
            dim += 1
            continue
        if dim >= result.ndim:
            raise IndexError(f"too many indices for tensor of dimension {input.ndim}")
        if isinstance(k, slice):
            size = result.shape[dim]
            if k.step is not None and k.step <= 0:
                raise ValueError("step must be greater than zero")
            if k.indices(size) != (0, size, 1):
                result = apply(Slice, result, key=(slice(None),) * dim + (k,))
            dim += 1
        else:
            result = select(result, dim, int(k))
    if result is input:  # only full slices: PyTorch still returns a view
        return apply(Alias, input)
    return result


def _expand_ellipsis(key, ndim):
    """Replace ``...`` by as many full slices as the dimensions it stands for."""
    if not any(k is Ellipsis for k in key):
        return key
    real = sum(1 for k in key if k is not None and k is not Ellipsis)
    i = next(i for i, k in enumerate(key) if k is Ellipsis)
    return key[:i] + (slice(None),) * (ndim - real) + key[i + 1:]


def _advanced(input, key):
    for k in key:
        if isinstance(k, np.ndarray) and k.dtype == bool:
            continue
        if isinstance(k, np.ndarray):
            dim = key.index(k) if any(k is q for q in key) else 0
            size = input.shape[dim] if dim < input.ndim else 0
            bad = k[(k >= size) | (k < -size)]
            if bad.size:
                raise IndexError(
                    f"index {int(bad.flat[0])} is out of bounds for dimension {dim} with size "
                    f"{size}")
    return apply(Index, input, key=key)


def select(input, dim, index):
    """The slice at ``index`` along ``dim``, removing that dimension."""
    d = _wrap_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(
            f"index {index} is out of bounds for dimension {d} with size {size}")
    key = (slice(None),) * d + (index % size,)
    return apply(Select, input, key=key)


@method("__setitem__")
def setitem(input, key, value):
    """``x[key] = value`` in place, recorded like PyTorch's index_put_."""
    key = _normalise_key(key)
    view = _writes_through_a_view(key, input.shape)
    input._check_inplace(view=view)
    input._inplace(CopySlices if view else IndexPut, value, key=key)


def _writes_through_a_view(key, shape):
    """Whether PyTorch assigns into a view of x for ``x[key] = value``: an int, None or a partial
    slice in the key makes one (a full slice, ``...`` and tensor indices do not)."""
    dim = 0
    for k in _expand_ellipsis(key, len(shape)):
        if k is None or isinstance(k, (int, np.integer)) or (
                isinstance(k, np.ndarray) and k.ndim == 0 and k.dtype != bool):
            return True
        if isinstance(k, slice):
            if dim < len(shape) and k.indices(shape[dim]) != (0, shape[dim], 1):
                return True
        dim += k.ndim if isinstance(k, np.ndarray) and k.dtype == bool else 1
    return False


method("__getitem__")(getitem)
method("select")(select)


class SplitPart(_Indexing):
    """One piece of ``x.split(n)`` / ``x.chunk(k)`` (PyTorch shares one node among the pieces;
    here each piece has its own, with the same name)."""
    node_name = "SplitBackward0"


class SplitWithSizesPart(_Indexing):
    """One piece of ``x.split([sizes])``."""
    node_name = "SplitWithSizesBackward0"


def split(input, split_size_or_sections, dim=0):
    """Pieces of ``split_size`` along ``dim`` (the last may be smaller), or of the given sizes.

    >>> import autodiff_lab as torch
    >>> torch.arange(5.).split(2)
    (tensor([0., 1.]), tensor([2., 3.]), tensor([4.]))
    """
    if input.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _wrap_dim(dim, input.ndim)
    n = input.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(
                f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and n != 0:
            raise RuntimeError(
                "split_size can only be 0 if dimension size is 0, but got dimension size of "
                f"{n}")
        sizes = [size] * (n // size) + ([n % size] if n % size else []) if n else [0]
        op = SplitPart
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {n} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
        op = SplitWithSizesPart
    pieces, start = [], 0
    for size in sizes:
        key = (slice(None),) * d + (slice(start, start + size),)
        pieces.append(apply(op, input, key=key))
        start += size
    return tuple(pieces)


def chunk(input, chunks, dim=0):
    """``chunks`` nearly equal pieces along ``dim`` (PyTorch's sizes: ceil(n / chunks))."""
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    n = input.shape[_wrap_dim(dim, input.ndim)]
    return split(input, max(1, -(-n // chunks)), dim)


method("split")(split)
method("chunk")(chunk)
