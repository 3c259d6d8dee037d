"""Linear algebra: dot, mv, mm, batched matmul, and addmm (what ``F.linear`` records)."""

import numpy as np

from .. import hints
from ..tensor import Tensor, method
from .base import Op, apply
from .shape import SqueezeDims, expand, reshape, squeeze, t, transpose, unsqueeze


def _mT(x):
    return transpose(x, -1, -2)


class Dot(Op):
    """Inner product of two vectors."""
    node_name = "DotBackward0"
    forward = staticmethod(np.dot)

    @staticmethod
    def vjp(g, x, y, *, out):
        return g * y, g * x


class Mv(Op):
    """Matrix times vector."""
    node_name = "MvBackward0"
    uses_needs = True  # a matrix product per input: skip the ones nobody needs

    @staticmethod
    def forward(m, v):
        return m @ v

    @staticmethod
    def vjp(g, m, v, *, out, needs=(True, True)):
        return (unsqueeze(g, 1) * unsqueeze(v, 0) if needs[0] else None,
                t(m) @ g if needs[1] else None)


class Mm(Op):
    """Matrix product of two matrices.

    >>> import autodiff_lab as torch
    >>> torch.mm(torch.ones(2, 3, requires_grad=True), torch.ones(3, 1))
    tensor([[3.],
            [3.]], grad_fn=<MmBackward0>)
    """
    node_name = "MmBackward0"
    uses_needs = True  # a matrix product per input: skip the ones nobody needs

    @staticmethod
    def forward(a, b):
        return a @ b

    @staticmethod
    def vjp(g, a, b, *, out, needs=(True, True)):
        return g @ t(b) if needs[0] else None, t(a) @ g if needs[1] else None


class Bmm(Op):
    """Batched matrix product (broadcasting batch dimensions)."""
    node_name = "BmmBackward0"
    uses_needs = True  # a matrix product per input: skip the ones nobody needs

    @staticmethod
    def forward(a, b):
        return a @ b

    @staticmethod
    def vjp(g, a, b, *, out, needs=(True, True)):
        return g @ _mT(b) if needs[0] else None, _mT(a) @ g if needs[1] else None


class Addmm(Op):
    """``bias + x @ w`` in one node, as ``F.linear`` with a bias records it."""
    node_name = "AddmmBackward0"
    uses_needs = True  # a matrix product per input: skip the ones nobody needs
    saves = (1, 2)

    @staticmethod
    def forward(bias, x, w):
        return bias + x @ w

    @staticmethod
    def vjp(g, bias, x, w, *, out, needs=(True, True, True)):
        return g, g @ t(w) if needs[1] else None, t(x) @ g if needs[2] else None


def _check_same_dtype(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor) and a.dtype is not b.dtype:
        raise hints.add(RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {_c_name(a.dtype)} != "
            f"{_c_name(b.dtype)}"), hints.mm_dtypes, a, b)


def _c_name(dtype):
    return {"float32": "float", "float64": "double", "int64": "long int",
            "float16": "c10::Half", "int32": "int", "bool": "bool"}.get(dtype.name, dtype.name)


def dot(input, other):
    """Inner product of two 1-D tensors of equal length."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.shape[0] != other.shape[0]:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{input.shape[0]}] and src "
            f"[{other.shape[0]}] to have the same number of elements, but got {input.shape[0]} "
            f"and {other.shape[0]} elements respectively")
    _check_same_dtype(input, other)
    return apply(Dot, input, other)


def mv(input, vec):
    """Matrix-vector product."""
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(
            f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    if input.shape[1] != vec.shape[0]:
        raise RuntimeError(
            f"size mismatch, got input ({input.shape[0]}), mat ({input.shape[0]}x"
            f"{input.shape[1]}), vec ({vec.shape[0]})")
    _check_same_dtype(input, vec)
    return apply(Mv, input, vec)


def mm(input, mat2):
    """Matrix product of two 2-D tensors, with PyTorch's shape error naming both shapes."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if input.shape[1] != mat2.shape[0]:
        raise hints.add(RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({input.shape[0]}x{input.shape[1]} and "
            f"{mat2.shape[0]}x{mat2.shape[1]})"), hints.mm_shapes, input, mat2)
    _check_same_dtype(input, mat2)
    return apply(Mm, input, mat2)


def matmul(input, other):
    """``input @ other`` with NumPy/PyTorch matmul semantics for 1-D, 2-D and batched inputs."""
    if not isinstance(input, Tensor) or not isinstance(other, Tensor):
        if isinstance(input, np.ndarray) and isinstance(other, np.ndarray):
            return input @ other
        raise TypeError(
            f"matmul(): argument 'other' must be Tensor, not {type(other).__name__}")
    a, b = input.ndim, other.ndim
    if a == 0 or b == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a}D and {b}D")
    if a == 1 and b == 1:
        return dot(input, other)
    if a == 2 and b == 1:
        return mv(input, other)
    if a == 2 and b == 2:
        return mm(input, other)
    if a == 1 and b == 2:
        if input.shape[0] != other.shape[0]:
            raise hints.add(RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied (1x{input.shape[0]} and "
                f"{other.shape[0]}x{other.shape[1]})"), hints.mm_shapes, input, other)
        return apply(SqueezeDims, mm(unsqueeze(input, 0), other), dim=(0,))
    if input.shape[-1] != other.shape[-2 if b > 1 else 0]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"{list(input.shape[:-2]) + [input.shape[-1]]} but got: {list(other.shape)}.")
    _check_same_dtype(input, other)
    if b == 1:
        return squeeze(apply(Bmm, input, unsqueeze(other, 1)), -1)
    if a == 1:
        return squeeze(apply(Bmm, unsqueeze(input, 0), other), -2)
    return apply(Bmm, input, other)


def addmm(input, mat1, mat2):
    """``input + mat1 @ mat2``."""
    # PyTorch's checks in PyTorch's order: the bias broadcast, the dtypes, then the shapes.
    if mat1.ndim == 2 and mat2.ndim == 2:
        out_shape = (mat1.shape[0], mat2.shape[1])
        if tuple(input.shape) not in (out_shape, out_shape[1:]):
            expand(input.detach(), out_shape)  # raises PyTorch's text if the bias can't broadcast
    for name, a in (("self", input), ("mat1", mat1)):
        if a.dtype is not mat2.dtype:
            raise hints.add(RuntimeError(
                f"{name} and mat2 must have the same dtype, but got "
                f"{a.dtype.legacy_name[:-6]} and {mat2.dtype.legacy_name[:-6]}"),
                hints.mm_dtypes, a, mat2)
    if mat1.ndim != 2 or mat2.ndim != 2 or mat1.shape[1] != mat2.shape[0]:
        mm(mat1, mat2)  # raises the shape error with PyTorch's text (and its hint)
    return apply(Addmm, input, mat1, mat2)


def bmm(input, mat2):
    """Batched matrix product of two 3-D tensors (``b×n×m @ b×m×p``).

    >>> import autodiff_lab as torch
    >>> torch.bmm(torch.ones(2, 1, 3), torch.ones(2, 3, 1)).shape
    torch.Size([2, 1, 1])
    """
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{input.shape[0]}, {input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}].")
    _check_same_dtype(input, mat2)
    return apply(Bmm, input, mat2)


def outer(input, vec2):
    """The outer product of two vectors, as PyTorch computes it (a broadcast product).

    >>> import autodiff_lab as torch
    >>> torch.outer(torch.tensor([1., 2.]), torch.tensor([1., 10.]))
    tensor([[ 1., 10.],
            [ 2., 20.]])
    """
    return reshape(input, (-1, 1)) * vec2


method("bmm")(bmm)
method("outer")(outer)
method("dot")(dot)
method("mv")(mv)
method("mm")(mm)
method("matmul", "__matmul__")(matmul)
method("addmm")(addmm)


@method("__rmatmul__")
def _rmatmul(input, other):
    return matmul(other, input)
