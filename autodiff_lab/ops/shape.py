"""Shape ops: reshape/view, squeeze/unsqueeze, expand, transpose, cat/stack, clone, casts."""

import warnings

import numpy as np

from .. import device as _device
from .. import dtypes, hints
from ..tensor import Tensor, _wrap_dim, method
from .base import Op, apply, numpy_names


def _shape_args(shape):
    """Accept ``f(2, 3)`` and ``f((2, 3))`` alike, as PyTorch does."""
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape, numel):
    """Resolve one ``-1`` and check the element count, with PyTorch's error text."""
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        if known == 0 or numel % known:
            raise hints.add(RuntimeError(
                f"shape '{list(map(int, shape))}' is invalid for input of size {numel}"),
                hints.reshape_size, shape, numel)
        shape[shape.index(-1)] = numel // known
    elif known != numel:
        raise hints.add(RuntimeError(f"shape '{shape}' is invalid for input of size {numel}"),
                        hints.reshape_size, shape, numel)
    return tuple(shape)


class Reshape(Op):
    """A new shape for the same elements (PyTorch records it as a view)."""
    node_name = "ViewBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, shape):
        return x.reshape(shape)

    @staticmethod
    def vjp(g, x, *, out, shape):
        return (reshape(g, tuple(x.shape)),)


class ReshapeAlias(Reshape):
    """A reshape of a non-contiguous tensor that still needs no copy (an expand, a transpose)."""
    node_name = "ReshapeAliasBackward0"


class UnsafeView(Reshape):
    """A reshape that had to copy first (PyTorch records Clone then UnsafeView)."""
    node_name = "UnsafeViewBackward0"


class Squeeze(Op):
    """Drop size-1 dimensions (all of them, or those in ``dim``)."""
    node_name = "SqueezeBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dim=None):
        return np.squeeze(x, axis=dim)

    @staticmethod
    def vjp(g, x, *, out, dim=None):
        return (reshape(g, tuple(x.shape)),)


class SqueezeDim(Squeeze):
    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    """The squeeze matmul records after a 1-D @ 2-D product (PyTorch's name for it)."""
    node_name = "SqueezeBackward4"


class Unsqueeze(Op):
    """Insert a size-1 dimension at ``dim``."""
    node_name = "UnsqueezeBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dim):
        return np.expand_dims(x, dim)

    @staticmethod
    def vjp(g, x, *, out, dim):
        return (reshape(g, tuple(x.shape)),)


class Expand(Op):
    """Broadcast to a larger shape without copying."""
    node_name = "ExpandBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def vjp(g, x, *, out, shape):
        return (g,)  # the engine sums the broadcast dimensions back down


class Permute(Op):
    """Reorder the dimensions (``x.T`` and ``x.permute``)."""
    node_name = "PermuteBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dims):
        return np.transpose(x, dims)

    @staticmethod
    def vjp(g, x, *, out, dims):
        return (permute(g, tuple(np.argsort(dims))),)


class Transpose(Op):
    """Swap two dimensions."""
    node_name = "TransposeBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dim0, dim1):
        return np.swapaxes(x, dim0, dim1) if x.ndim else x.view()

    @staticmethod
    def vjp(g, x, *, out, dim0, dim1):
        return (transpose(g, dim0, dim1),)


class T(Op):
    """Matrix transpose of a tensor with at most 2 dimensions (``x.t()``)."""
    node_name = "TBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x):
        return x.T

    @staticmethod
    def vjp(g, x, *, out):
        return (t(g),)


class Cat(Op):
    """Join tensors along an existing dimension."""
    node_name = "CatBackward0"
    saves = ()

    @staticmethod
    def forward(*xs, dim):
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def vjp(g, *xs, out, dim):
        grads, start = [], 0
        for x in xs:
            n = x.shape[dim]
            grads.append(narrow(g, dim, start, n))
            start += n
        return tuple(grads)


class Stack(Op):
    """Join tensors along a new dimension."""
    node_name = "StackBackward0"
    saves = ()

    @staticmethod
    def forward(*xs, dim):
        return np.stack(xs, axis=dim)

    @staticmethod
    def vjp(g, *xs, out, dim):
        from .index import select
        return tuple(select(g, dim, i) for i in range(len(xs)))


class Clone(Op):
    """A copy with its own storage."""
    node_name = "CloneBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x):
        return x.copy()

    @staticmethod
    def vjp(g, x, *, out):
        return (g,)

    @staticmethod
    def sym(x):
        return x


class ToCopy(Op):
    """A cast to another dtype (``x.double()``, ``x.to(torch.float32)``)."""
    node_name = "ToCopyBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dtype):
        return x.astype(dtype.np)

    @staticmethod
    def vjp(g, x, *, out, dtype):
        return (g,)  # the engine casts the gradient back to the input's dtype

    @staticmethod
    def sym(x, dtype):
        return x


class Flip(Op):
    """The elements in reverse order along ``dims``."""
    node_name = "FlipBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, dims):
        return np.flip(x, dims).copy()

    @staticmethod
    def vjp(g, x, *, out, dims):
        return (flip(g, dims),)


class Repeat(Op):
    """``x`` tiled ``repeats[i]`` times along each dimension (new leading ones allowed)."""
    node_name = "RepeatBackward0"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, repeats):
        return np.tile(x, repeats)

    @staticmethod
    def vjp(g, x, *, out, repeats):
        # Split each dimension into (copy, element) and add the copies up.
        shape = (1,) * (len(repeats) - len(x.shape)) + tuple(x.shape)
        split = tuple(n for pair in zip(repeats, shape) for n in pair)
        summed = reshape(g, split).sum(tuple(range(0, len(split), 2)))
        return (reshape(summed, tuple(x.shape)),)


class Tril(Op):
    """The lower triangle (on and below diagonal ``diagonal``), zeros elsewhere."""
    node_name = "TrilBackward0"
    saves = ()
    promotes = False
    mask = staticmethod(np.tril)

    @classmethod
    def forward(cls, x, diagonal=0):
        return cls.mask(x, diagonal)

    @staticmethod
    def vjp(g, x, *, out, diagonal=0):
        return (tril(g, diagonal),)


class Triu(Tril):
    """The upper triangle (on and above diagonal ``diagonal``), zeros elsewhere."""
    node_name = "TriuBackward0"
    mask = staticmethod(np.triu)

    @staticmethod
    def vjp(g, x, *, out, diagonal=0):
        return (triu(g, diagonal),)


# --------------------------------------------------------------------- public functions
def reshape(input, *shape):
    """The same elements in a new shape (one dimension may be -1).

    >>> import autodiff_lab as torch
    >>> torch.arange(6).reshape(2, 3)
    tensor([[0, 1, 2],
            [3, 4, 5]])
    """
    # np.shape: in symbolic reverse mode a 0-d result may be a bare SymPy scalar.
    shape = _infer_shape(_shape_args(shape), int(np.prod(np.shape(input))))
    if not isinstance(input, Tensor):
        return input if np.shape(input) == shape else np.reshape(input, shape)
    # PyTorch records three different nodes depending on the memory layout.
    data = input._data
    if data.flags.c_contiguous or data.size == 0:
        return apply(Reshape, input, shape=shape)
    if _viewable(data, shape):
        return apply(ReshapeAlias, input, shape=shape)
    return apply(UnsafeView, clone(input), shape=shape)


def _viewable(data, shape):
    """Whether ``data`` can take ``shape`` without copying (PyTorch's view rule)."""
    if data.flags.c_contiguous or data.size == 0:
        return True
    try:
        np.reshape(data, shape, copy=False)
    except ValueError:
        return False
    return True


def view(input, *shape):
    """Like ``reshape`` but only where no copy is needed, with PyTorch's error otherwise."""
    if len(shape) == 1 and isinstance(shape[0], dtypes.dtype):
        raise NotImplementedError("view(dtype) is not supported; use .to(dtype)")
    target = _infer_shape(_shape_args(shape), input.numel())
    if not _viewable(input._data, target):
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one "
            "dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
    return apply(Reshape, input, shape=target)


def flatten(input, start_dim=0, end_dim=-1):
    """Merge dimensions ``start_dim..end_dim`` into one."""
    shape = tuple(input.shape)
    if not shape:
        return reshape(input, (1,))
    start, end = _wrap_dim(start_dim, len(shape)), _wrap_dim(end_dim, len(shape))
    if start == end:
        return input  # nothing to merge: PyTorch returns the tensor itself
    merged = int(np.prod(shape[start:end + 1]))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1:])


@numpy_names
def squeeze(input, dim=None):
    """Remove size-1 dimensions (all, or only ``dim``)."""
    if dim is None:
        return apply(Squeeze, input)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    dims = tuple(d for d in dims if input.ndim and input.shape[d] == 1)
    return apply(SqueezeDim, input, dim=dims)


@numpy_names
def unsqueeze(input, dim):
    """Insert a size-1 dimension at ``dim``."""
    return apply(Unsqueeze, input, dim=_wrap_dim(dim, np.ndim(input) + 1))


def expand(input, *sizes):
    """Broadcast to ``sizes`` (-1 keeps a dimension), sharing memory."""
    sizes = _shape_args(sizes)
    shape = np.shape(input)  # also a bare SymPy scalar in symbolic reverse mode
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({_type_name(input)}{{{list(shape)}}}, size={list(sizes)}): the number of "
            f"sizes provided ({len(sizes)}) must be greater or equal to the number of dimensions "
            f"in the tensor ({len(shape)})")
    lead = len(sizes) - len(shape)
    target = list(sizes)
    for i, n in enumerate(shape):
        want = sizes[i + lead]
        if want == -1:
            target[i + lead] = n
        elif n != 1 and n != want:
            raise RuntimeError(
                f"The expanded size of the tensor ({want}) must match the existing size ({n}) "
                f"at non-singleton dimension {i + lead}.  Target sizes: {list(sizes)}.  "
                f"Tensor sizes: {list(shape)}")
    target = tuple(target)
    if target == shape and not isinstance(input, Tensor):
        return input
    return apply(Expand, input, shape=target)


def _type_name(x):
    return f"torch.{x.dtype.legacy_name}" if isinstance(x, Tensor) else "array"


def expand_as(input, other):
    return expand(input, tuple(other.shape))


def broadcast_to(input, shape):
    return expand(input, tuple(shape))


def permute(input, *dims):
    """Reorder dimensions."""
    dims = _shape_args(dims)
    if len(dims) != input.ndim:  # PyTorch's text names sparse_coo even for dense tensors
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{input.ndim} is not equal to len(dims) = {len(dims)}")
    dims = tuple(_wrap_dim(d, input.ndim) for d in dims)
    if len(set(dims)) != len(dims):
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(Permute, input, dims=dims)


def transpose(input, dim0, dim1):
    """Swap dimensions ``dim0`` and ``dim1``."""
    n = input.ndim
    return apply(Transpose, input, dim0=_wrap_dim(dim0, n), dim1=_wrap_dim(dim1, n))


def t(input):
    """Transpose a matrix (0-d and 1-d tensors are returned as they are)."""
    if input.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {input.ndim}D")
    return apply(T, input)


@numpy_names
def narrow(input, dim, start, length):
    from .index import getitem
    key = (slice(None),) * dim + (slice(start, start + length),)
    return getitem(input, key)


@numpy_names
def cat(tensors, dim=0):
    """Concatenate along ``dim``; all other dimensions must match."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, x in enumerate(tensors):
        if x.ndim == 0:
            raise RuntimeError(
                f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    ref = tensors[0]
    d = _wrap_dim(dim, ref.ndim)
    for i, x in enumerate(tensors[1:], 1):
        if x.ndim != ref.ndim:
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {ref.ndim} and {x.ndim}")
        for k in range(ref.ndim):
            if k != d and x.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {x.shape[k]} for tensor number {i} in the list.")
    return apply(Cat, *tensors, dim=d)


@numpy_names
def stack(tensors, dim=0):
    """Stack equally shaped tensors along a new dimension ``dim``."""
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    for i, x in enumerate(tensors[1:], 1):
        if x.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(tensors[0].shape)} "
                f"at entry 0 and {list(x.shape)} at entry {i}")
    return apply(Stack, *tensors, dim=_wrap_dim(dim, tensors[0].ndim + 1))


def clone(input):
    """A copy that autograd tracks (``CloneBackward0``)."""
    return apply(Clone, input)


def flip(input, dims):
    """Reverse the order of elements along ``dims`` (an int or a sequence).

    >>> import autodiff_lab as torch
    >>> torch.arange(6).reshape(2, 3).flip(1)
    tensor([[2, 1, 0],
            [5, 4, 3]])
    """
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    ndim = np.ndim(input)
    dims = tuple(_wrap_dim(d, ndim) for d in dims)
    for i, d in enumerate(dims):
        if d in dims[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return apply(Flip, input, dims=dims)


def repeat(input, *repeats):
    """Tile the tensor ``repeats[i]`` times along each dimension.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1, 2]).repeat(2, 2)
    tensor([[1, 2, 1, 2],
            [1, 2, 1, 2]])
    """
    repeats = _shape_args(repeats)
    if len(repeats) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number "
                           "of dimensions of tensor")
    return apply(Repeat, input, repeats=repeats)


def tile(input, dims):
    """Like ``repeat``, but fewer ``dims`` than dimensions repeat the last ones."""
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def movedim(input, source, destination):
    """Move dimension(s) ``source`` to position(s) ``destination`` (a permute).

    >>> import autodiff_lab as torch
    >>> torch.zeros(2, 3, 4).movedim(0, -1).shape
    torch.Size([3, 4, 2])
    """
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    n = input.ndim
    src = [_wrap_dim(d, n) for d in src]
    dst = [_wrap_dim(d, n) for d in dst]
    order = [d for d in range(n) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(input, order)


_MESHGRID_WARNING = (
    "torch.meshgrid: in an upcoming release, it will be required to pass the indexing argument. "
    "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/TensorShape.cpp:4215.)")


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-D tensors: ``indexing="ij"`` (matrix) or ``"xy"`` (Cartesian).

    >>> import autodiff_lab as torch
    >>> xs, ys = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([3, 4, 5]), indexing="xy")
    >>> xs
    tensor([[1, 2],
            [1, 2],
            [1, 2]])
    """
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(_MESHGRID_WARNING, UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors = (tensors[1], tensors[0]) + tuple(tensors[2:])
    shape = tuple(x.numel() for x in tensors)
    grids = [expand(reshape(x, tuple(-1 if i == k else 1 for i in range(len(shape)))), shape)
             for k, x in enumerate(tensors)]
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def tril(input, diagonal=0):
    """The lower triangle of a matrix (or of each matrix in a batch).

    >>> import autodiff_lab as torch
    >>> torch.ones(2, 2).tril()
    tensor([[1., 0.],
            [1., 1.]])
    """
    _check_matrix(input, "tril")
    return apply(Tril, input, diagonal=diagonal)


def triu(input, diagonal=0):
    """The upper triangle of a matrix (or of each matrix in a batch)."""
    _check_matrix(input, "triu")
    return apply(Triu, input, diagonal=diagonal)


def _check_matrix(input, name):
    if np.ndim(input) < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")


def to(input, *args, dtype=None, device=None, non_blocking=False, copy=False,
       memory_format=None):
    """Cast to a dtype and/or move to a device, as ``Tensor.to``: ``to(dtype)``,
    ``to(device, dtype)``, ``to(other_tensor)``. Only the CPU exists; the tensor itself comes
    back when nothing changes (unless ``copy=True``).

    >>> import autodiff_lab as torch
    >>> x = torch.ones(2)
    >>> x.to("cpu") is x, x.to(torch.device("cpu"), torch.float64)
    (True, tensor([1., 1.], dtype=torch.float64))
    >>> x.to("cuda")
    Traceback (most recent call last):
    AssertionError: Torch not compiled with CUDA enabled
    """
    given, args = args, list(args)
    if args and isinstance(args[0], Tensor):  # to(other, non_blocking=False, copy=False)
        dtype = args.pop(0).dtype
    elif args and isinstance(args[0], dtypes.dtype):  # to(dtype, non_blocking, copy)
        dtype = args.pop(0)
    elif args and (args[0] is None or isinstance(args[0], (str, int, _device.device))) \
            and not isinstance(args[0], bool):  # to(device, dtype, non_blocking, copy)
        device = args.pop(0)
        if args and (args[0] is None or isinstance(args[0], dtypes.dtype)):
            dtype = args.pop(0)
    if len(args) > 2 or not all(isinstance(a, bool) for a in args):
        got = ", ".join(_argument_type(a) for a in given)
        raise TypeError(f"to() received an invalid combination of arguments - got ({got}), but "
                        "expected one of:\n * (torch.device device = None, torch.dtype dtype = "
                        "None, bool non_blocking = False, bool copy = False, *, "
                        "torch.memory_format memory_format = None)\n * (torch.dtype dtype, bool "
                        "non_blocking = False, bool copy = False, *, torch.memory_format "
                        "memory_format = None)\n * (Tensor tensor, bool non_blocking = False, "
                        "bool copy = False, *, torch.memory_format memory_format = None)\n")
    if len(args) == 2:
        copy = args[1]
    if device is not None:
        _device.check(device, moving=True)
    dtype = input.dtype if dtype is None else dtypes.to_dtype(dtype)
    if dtype is input.dtype and not copy:
        return input
    return apply(ToCopy, input, dtype=dtype)


def _argument_type(a):
    if isinstance(a, dtypes.dtype):
        return "torch.dtype"
    return "torch.device" if isinstance(a, _device.device) else type(a).__name__


def contiguous(input, memory_format=None):
    """The tensor itself if its elements are in row-major order, else a row-major copy
    (``CloneBackward0``), which ``.view`` accepts.

    >>> import autodiff_lab as torch
    >>> torch.arange(6).reshape(2, 3).t().contiguous().view(6)
    tensor([0, 3, 1, 4, 2, 5])
    """
    return input if input._data.flags.c_contiguous else clone(input)


for _name, _fn in [("reshape", reshape), ("view", view), ("flatten", flatten),
                   ("squeeze", squeeze), ("unsqueeze", unsqueeze), ("expand", expand),
                   ("expand_as", expand_as), ("permute", permute), ("transpose", transpose),
                   ("swapaxes", transpose), ("t", t), ("narrow", narrow), ("clone", clone),
                   ("to", to), ("broadcast_to", broadcast_to), ("contiguous", contiguous),
                   ("flip", flip), ("repeat", repeat), ("tile", tile), ("movedim", movedim),
                   ("moveaxis", movedim), ("tril", tril), ("triu", triu)]:
    method(_name)(_fn)


@method("view_as")
def view_as(input, other):
    return view(input, tuple(other.shape))


@method("reshape_as")
def reshape_as(input, other):
    return reshape(input, tuple(other.shape))


def _T(self):
    """The tensor with its dimensions reversed (PyTorch warns unless it is a matrix)."""
    if self.ndim == 0:
        warnings.warn("Tensor.T is deprecated on 0-D tensors. This function is the identity in "
                      "these cases.", UserWarning, stacklevel=2)
    elif self.ndim != 2:
        warnings.warn(
            "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
            "deprecated and it will throw an error in a future release. Consider `x.mT` to "
            "transpose batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to "
            "reverse the dimensions of a tensor.", UserWarning, stacklevel=2)
    return apply(Permute, self, dims=tuple(range(self.ndim))[::-1])


Tensor.T = property(_T)
Tensor.mT = property(lambda self: transpose(self, -2, -1), doc="Transpose of the last two dims.")
Tensor.double = lambda self: to(self, dtypes.float64)
Tensor.float = lambda self: to(self, dtypes.float32)
Tensor.half = lambda self: to(self, dtypes.float16)
Tensor.long = lambda self: to(self, dtypes.int64)
Tensor.int = lambda self: to(self, dtypes.int32)
Tensor.bool = lambda self: to(self, dtypes.bool)
Tensor.short = lambda self: to(self, dtypes.int16)
Tensor.char = lambda self: to(self, dtypes.int8)
Tensor.byte = lambda self: to(self, dtypes.uint8)
Tensor.type_as = lambda self, other: to(self, other.dtype)


@method("type")
def _type(self, dtype=None, non_blocking=False):
    """The legacy type name (``'torch.FloatTensor'``), or a cast to ``dtype`` (also named so).

    >>> import autodiff_lab as torch
    >>> torch.ones(1).type(), torch.ones(1).type("torch.LongTensor")
    ('torch.FloatTensor', tensor([1]))
    """
    if dtype is None:
        return f"torch.{self.dtype.legacy_name}"
    if isinstance(dtype, str):
        legacy = {f"torch.{d.legacy_name}": d for d in dtypes.ALL}
        if dtype not in legacy:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = legacy[dtype]
    return to(self, dtype)


def _restride_(self, shaped):
    """In-place ``t_``/``transpose_``/``squeeze_``/``unsqueeze_``: ``self`` becomes
    ``shaped(self)`` (a view of the same storage). When autograd records, the view's node
    becomes ``self``'s ``grad_fn``, as PyTorch's in-place view ops do.

    >>> import autodiff_lab as torch
    >>> x = torch.arange(6).reshape(2, 3)
    >>> x.t_().shape, x.unsqueeze_(0).shape, x.squeeze_(0).shape
    (torch.Size([3, 2]), torch.Size([1, 3, 2]), torch.Size([3, 2]))
    """
    from ..autograd import grad_mode
    self._check_inplace()
    track = grad_mode.STATE.grad_enabled and self._requires_grad
    if track:
        result = shaped(self._stand_in())  # the node records the tensor as it was
    else:
        with grad_mode.no_grad():
            result = shaped(self)
    self._data = result._data
    if track:
        self.grad_fn = result.grad_fn
    if self._fw_tangent is not None or result._fw_tangent is not None:
        self._fw_tangent = result._fw_tangent  # forward mode: the tangent follows the view
    self._box()[0] += 1
    return self


method("t_")(lambda self: _restride_(self, t))
method("transpose_")(lambda self, dim0, dim1: _restride_(
    self, lambda x: transpose(x, dim0, dim1)))
method("squeeze_")(lambda self, *dim: _restride_(self, lambda x: squeeze(x, *dim)))
method("unsqueeze_")(lambda self, dim: _restride_(self, lambda x: unsqueeze(x, dim)))
