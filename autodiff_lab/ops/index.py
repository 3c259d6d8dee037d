"""Indexing: ``x[0]``, ``x[:, 1]``, slices, boolean masks and integer arrays, and assignment."""

import numpy as np

from ..tensor import Tensor, _wrap_dim, method
from .base import Op, apply, numpy_names
from .elementwise import where
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


@numpy_names
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


@numpy_names
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


# --------------------------------------------------------------------- gather, sort, masks
def _along(index, dim, shape):
    """The full index tuple that puts ``index`` (an array) along ``dim`` of ``shape``."""
    grids = list(np.indices(index.shape, sparse=True))
    grids[dim] = index
    return tuple(grids)


class Gather(Op):
    """``out[i][j] = x[i][index[i][j]]`` along ``dim`` (the index array is a parameter)."""
    node_name = "GatherBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dim, index):
        return np.take_along_axis(x, index, axis=dim)

    @staticmethod
    def vjp(g, x, *, out, dim, index):
        return (apply(ScatterAdd, g, dim=dim, index=index, shape=tuple(x.shape)),)


class Sort(Gather):
    """The values of ``sort``: a gather by the sorting permutation."""
    node_name = "SortBackward0"


class Topk(Gather):
    """The values of ``topk``: a gather of the ``k`` chosen indices."""
    node_name = "TopkBackward0"


class ScatterAdd(Op):
    """Zeros of ``shape`` with ``g`` added at ``index`` along ``dim`` (the adjoint of gather)."""
    node_name = "ScatterAddBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(g, dim, index, shape):
        out = np.zeros(shape, dtype=g.dtype)
        np.add.at(out, _along(index, dim, shape), g)
        return out

    @staticmethod
    def vjp(g, x, *, out, dim, index, shape):
        return (apply(Gather, g, dim=dim, index=index),)


_INDEX_DTYPE_ERRORS = {"gather": "gather(): Expected dtype int32/int64 for index",
                       "index_select": "index_select(): Expected dtype int32 or int64 for index"}

# The C++ type names PyTorch's masked_fill error prints.
_C_TYPES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
            "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char"}


def _index_array(index, name):
    if not isinstance(index, Tensor) or index.dtype.name not in ("int64", "int32"):
        raise RuntimeError(_INDEX_DTYPE_ERRORS[name])
    return index._data.astype(np.int64, copy=False)


@numpy_names
def gather(input, dim, index):
    """Pick ``input`` values along ``dim`` at ``index`` (an int64 tensor of the output's shape).

    >>> import autodiff_lab as torch
    >>> torch.tensor([[1., 2.], [3., 4.]]).gather(1, torch.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    d = _wrap_dim(dim, input.ndim)
    return apply(Gather, input, dim=d, index=_index_array(index, "gather"))


@numpy_names
def index_select(input, dim, index):
    """The slices of ``input`` along ``dim`` at the positions in the 1-D ``index``.

    >>> import autodiff_lab as torch
    >>> torch.arange(6).reshape(2, 3).index_select(1, torch.tensor([2, 0]))
    tensor([[2, 0],
            [5, 3]])
    """
    d = _wrap_dim(dim, input.ndim)
    idx = _index_array(index, "index_select").reshape(-1)
    return apply(IndexSelect, input, key=(slice(None),) * d + (idx,))


class IndexSelect(_Indexing):
    node_name = "IndexSelectBackward0"


class MaskedFill(Op):
    """``value`` where ``mask`` is true, else ``x`` (``value`` a number)."""
    node_name = "MaskedFillBackward0"
    saves = (1,)
    promotes = False

    @staticmethod
    def forward(x, mask, value):
        return np.where(mask, x.dtype.type(value) if hasattr(x, "dtype") else value, x)

    @staticmethod
    def vjp(g, x, mask, *, out, value):
        return where(mask, 0.0, g), None


class MaskedFillTensor(Op):
    """``value`` (a 0-d tensor, which gets the gradient) where ``mask`` is true, else ``x``."""
    node_name = "MaskedFillBackward1"
    saves = (1,)
    promotes = False

    @staticmethod
    def forward(x, mask, value):
        return np.where(mask, value, x).astype(x.dtype, copy=False)

    @staticmethod
    def vjp(g, x, mask, value, *, out):
        return where(mask, 0.0, g), None, where(mask, g, 0.0)  # the engine sums to 0-d


def masked_fill(input, mask, value):
    """``value`` where the bool ``mask`` (broadcast to ``input``) is true, else ``input``.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([1., -2., 3.], requires_grad=True)
    >>> x.masked_fill(x < 0, 0.0)
    tensor([1., 0., 3.], grad_fn=<MaskedFillBackward0>)
    """
    if not isinstance(mask, Tensor) or mask.dtype.name != "bool":
        got = _C_TYPES[mask.dtype.name] if isinstance(mask, Tensor) else type(mask).__name__
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{got}")
    if isinstance(value, Tensor):
        if value.ndim:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but "
                               f"got tensor with {value.ndim} dimension(s).")
        return apply(MaskedFillTensor, input, mask, value.to(input.dtype))
    return apply(MaskedFill, input, mask, value=value)


def _sort_indices(data, dim, descending):
    if descending:  # stable, and ties keep their order, as PyTorch's stable sort
        flipped = np.flip(data, dim)
        order = np.flip(np.argsort(flipped, axis=dim, kind="stable"), dim)
        return data.shape[dim] - 1 - order
    return np.argsort(data, axis=dim, kind="stable")


@numpy_names
def sort(input, dim=-1, descending=False, stable=False):
    """The values sorted along ``dim`` and the indices they came from.

    >>> import autodiff_lab as torch
    >>> torch.tensor([3., 1., 2.]).sort(descending=True)
    torch.return_types.sort(
    values=tensor([3., 2., 1.]),
    indices=tensor([0, 2, 1]))
    """
    from .reduce import RETURN_TYPES
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    if input.ndim == 0:
        return RETURN_TYPES["sort"](input.clone(), _indices(np.zeros((), np.int64)))
    idx = _sort_indices(input._data, d, descending)
    return RETURN_TYPES["sort"](apply(Sort, input, dim=d, index=idx), _indices(idx))


@numpy_names
def argsort(input, dim=-1, descending=False, stable=False):
    """The indices that sort ``input`` along ``dim``."""
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    if input.ndim == 0:
        return _indices(np.zeros((), np.int64))
    return _indices(_sort_indices(input._data, d, descending))


@numpy_names
def topk(input, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (or smallest) values along ``dim`` and their indices.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1., 5., 3., 4.]).topk(2)
    torch.return_types.topk(
    values=tensor([5., 4.]),
    indices=tensor([1, 3]))
    """
    from .reduce import RETURN_TYPES
    d = _wrap_dim(dim, input.ndim) if input.ndim else 0
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    if input.ndim == 0:
        idx = np.zeros((), np.int64)
        return RETURN_TYPES["topk"](input.clone(), _indices(idx))
    idx = np.take(_sort_indices(input._data, d, largest), np.arange(k), axis=d)
    return RETURN_TYPES["topk"](apply(Topk, input, dim=d, index=idx), _indices(idx))


def _indices(idx):
    from .. import dtypes
    return Tensor._make(np.asarray(idx, dtype=np.int64), dtypes.int64)


for _name, _fn in [("gather", gather), ("index_select", index_select),
                   ("masked_fill", masked_fill), ("sort", sort), ("argsort", argsort),
                   ("topk", topk)]:
    method(_name)(_fn)
method("masked_fill_")(lambda self, mask, value: self._inplace(
    MaskedFillTensor if isinstance(value, Tensor) else MaskedFill, mask,
    *((value,) if isinstance(value, Tensor) else ()),
    **({} if isinstance(value, Tensor) else {"value": value})))


def nonzero(input, *, as_tuple=False):
    """The indices of the nonzero elements: one row per element (or one tensor per dimension).

    >>> import autodiff_lab as torch
    >>> torch.nonzero(torch.tensor([[0, 1], [2, 0]]))
    tensor([[0, 1],
            [1, 0]])
    """
    found = np.nonzero(np.atleast_1d(input._data))
    if as_tuple:
        return tuple(_indices(i) for i in found)
    rows = np.stack(found, axis=1)
    return _indices(rows if input.ndim else rows[:, :0])  # a 0-d tensor has no coordinates


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct elements, in ascending order (with the inverse map and counts if asked).

    >>> import autodiff_lab as torch
    >>> torch.unique(torch.tensor([3, 1, 2, 1]), return_counts=True)
    (tensor([1, 2, 3]), tensor([2, 1, 1]))
    """
    if dim is not None:
        raise NotImplementedError("unique(dim=...) is not supported; flatten the tensor first")
    values, inverse, counts = np.unique(input._data, return_inverse=True, return_counts=True)
    out = Tensor._make(values, input.dtype)
    extra = ([_indices(inverse.reshape(input._data.shape))] if return_inverse else []) + \
        ([_indices(counts)] if return_counts else [])
    return (out, *extra) if extra else out


method("nonzero")(nonzero)
method("unique")(unique)
