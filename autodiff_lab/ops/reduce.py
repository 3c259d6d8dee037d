"""Reductions: sum, mean, max/min, prod, norm, var/std, softmax and log_softmax."""

import collections

import numpy as np

from .. import dtypes
from .._lazy import sympy, sympy_function
from ..tensor import Tensor, _wrap_dim, method
from .base import Op, apply, numpy_names
from .elementwise import exp, sign, where
from .shape import cat, expand, narrow, reshape



def _return_type(name):
    """The ``(values, indices)`` pair ``max(x, dim)`` gives, printed as PyTorch prints it."""
    def __repr__(self):
        from ..printing import NAMESPACE
        return (f"{NAMESPACE[0]}.return_types.{name}(\nvalues={self.values!r},\n"
                f"indices={self.indices!r})")
    base = collections.namedtuple(name, ["values", "indices"])
    return type(name, (base,), {"__slots__": (), "__repr__": __repr__, "__str__": __repr__})


RETURN_TYPES = {name: _return_type(name) for name in ("max", "min", "sort", "topk")}


def _mapped(fn):
    """A SymPy function mapped over an object array; 0-d stays an array (NumPy would return
    a bare scalar, which has no .sum)."""
    ufunc = np.frompyfunc(fn, 1, 1)
    return lambda x: np.asarray(ufunc(x), dtype=object)


# SymPy functions mapped over object arrays, for the SymPy faces of the reductions below.
_sym_exp = _mapped(sympy_function("exp"))
_sym_log = _mapped(sympy_function("log"))
_sym_sqrt = _mapped(sympy_function("sqrt"))
_sym_abs = _mapped(sympy_function("Abs"))


def _sym_extreme(fn, x, dim, keepdim):
    """SymPy Max/Min of ``x`` along ``dim`` as an object array."""
    out = np.apply_along_axis(lambda v: fn(*v), dim, x).astype(object)
    return np.expand_dims(out, dim) if keepdim else out


def _dims(dim, ndim):
    """Normalise ``dim`` (int, tuple or None) to a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:  # PyTorch accepts dim 0 or -1 on a 0-d tensor: nothing to reduce
        _wrap_dim(dim if isinstance(dim, int) else dim[0], 0)
        return ()
    if isinstance(dim, int):
        dim = (dim,)
    return tuple(sorted(_wrap_dim(d, ndim) for d in dim))


def _kept_shape(shape, axes):
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g, x, axes, keepdim):
    """Broadcast a reduced gradient back over the reduced axes of ``x``."""
    if not keepdim:
        g = reshape(g, _kept_shape(x.shape, axes))
    return expand(g, tuple(x.shape))


class Sum(Op):
    """Sum of all elements.

    >>> import autodiff_lab as torch
    >>> torch.ones(2, 2, requires_grad=True).sum()
    tensor(4., grad_fn=<SumBackward0>)
    """
    node_name = "SumBackward0"
    saves = ()

    @staticmethod
    def forward(x):
        return x.sum()

    @staticmethod
    def vjp(g, x, *, out):
        return (expand(g, tuple(x.shape)),)


class SumDim(Op):
    """Sum over the dimensions ``dim``."""
    node_name = "SumBackward1"
    saves = ()

    @staticmethod
    def forward(x, dim, keepdim=False):
        return x.sum(axis=dim, keepdims=keepdim)

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        return (_spread(g, x, dim, keepdim),)


class Mean(Op):
    """Mean of all elements."""
    node_name = "MeanBackward0"
    saves = ()

    @staticmethod
    def forward(x):
        return x.mean()

    @staticmethod
    def vjp(g, x, *, out):
        return (expand(g / x.size if isinstance(x, np.ndarray) else g / x.numel(),
                       tuple(x.shape)),)


class MeanDim(Op):
    """Mean over the dimensions ``dim``."""
    node_name = "MeanBackward1"
    saves = ()

    @staticmethod
    def forward(x, dim, keepdim=False):
        return x.mean(axis=dim, keepdims=keepdim)

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        n = int(np.prod([x.shape[d] for d in dim]))
        return (_spread(g / n, x, dim, keepdim),)


class Max(Op):
    """Largest element; tied maxima share the gradient equally."""
    node_name = "MaxBackward1"
    saves_out = True
    forward = staticmethod(np.max)

    @staticmethod
    def sym(x):
        return sympy.Max(*np.asarray(x).flat)

    @staticmethod
    def vjp(g, x, *, out):
        mask = x == out
        return (where(mask, g / mask.sum(), 0.0),)


class Min(Max):
    """Smallest element; tied minima share the gradient equally."""
    node_name = "MinBackward1"
    forward = staticmethod(np.min)

    @staticmethod
    def sym(x):
        return sympy.Min(*np.asarray(x).flat)


class MaxDim(Op):
    """Largest value along ``dim``; the gradient goes to the index that was picked."""
    node_name = "MaxBackward0"
    pick = staticmethod(np.argmax)
    sym_fn = sympy_function("Max")

    @classmethod
    def sym(cls, x, dim, keepdim=False):
        if np.ndim(x) == 0:
            return x
        return _sym_extreme(cls.sym_fn, x, dim, keepdim)

    @classmethod
    def forward(cls, x, dim, keepdim=False):
        if x.ndim == 0:
            return x.copy()
        return np.take_along_axis(x, cls._indices(x, dim), dim) if keepdim else \
            np.take_along_axis(x, cls._indices(x, dim), dim).squeeze(dim)

    @classmethod
    def _indices(cls, x, dim):
        return np.expand_dims(cls.pick(x, axis=dim), dim)

    @classmethod
    def vjp(cls, g, x, *, out, dim, keepdim=False):
        if x.ndim == 0:
            return (g,)
        data = x._data if isinstance(x, Tensor) else x
        onehot = np.zeros(data.shape, dtype=bool)
        np.put_along_axis(onehot, cls._indices(data, dim), True, dim)
        g = _spread(g, x, (dim,), keepdim)
        return (where(onehot, g, 0.0),)


class MinDim(MaxDim):
    """Smallest value along ``dim``."""
    node_name = "MinBackward0"
    pick = staticmethod(np.argmin)
    sym_fn = sympy_function("Min")


class Prod(Op):
    """Product of all elements."""
    node_name = "ProdBackward0"

    @staticmethod
    def forward(x):
        return x.prod()

    @staticmethod
    def vjp(g, x, *, out):
        return (g * _others_product(x, None),)


class ProdDim(Op):
    """Product along ``dim``."""
    node_name = "ProdBackward1"

    @staticmethod
    def forward(x, dim, keepdim=False):
        return x.prod(axis=dim, keepdims=keepdim)

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        axes = () if dim is None else (dim,)
        return (_spread(g, x, axes, keepdim) * _others_product(x, dim),)


def _others_product(x, dim):
    """For each element, the product of the others (along ``dim``), exact even with zeros."""
    data = x._data if isinstance(x, Tensor) else x
    if (data.size if dim is None else data.shape[dim]) == 1:
        return np.ones(data.shape, dtype=data.dtype)  # the empty product: a constant
    if not (data == 0).any():
        whole = prod(x) if dim is None else prod(x, dim, keepdim=True)
        return whole / x
    if dim is None:
        return reshape(_others_product(reshape(x, (-1,)), 0), tuple(x.shape))
    if isinstance(x, Tensor):
        # Differentiable, for create_graph: the product with element i left out, for each i.
        n = x.shape[dim]
        parts = [prod(cat([narrow(x, dim, 0, i), narrow(x, dim, i + 1, n - i - 1)], dim),
                      dim, keepdim=True) for i in range(n)]
        return cat(parts, dim)
    flat = np.moveaxis(data, dim, -1)
    ones = np.ones(flat.shape[:-1] + (1,), dtype=data.dtype)
    left = np.cumprod(np.concatenate([ones, flat[..., :-1]], -1), -1)
    right = np.cumprod(np.concatenate([ones, flat[..., :0:-1]], -1), -1)[..., ::-1]
    return np.moveaxis(left * right, -1, dim)


class Norm(Op):
    """The vector p-norm over ``dim`` (all elements by default)."""
    node_name = "LinalgVectorNormBackward0"
    saves_out = True

    @staticmethod
    def forward(x, p=2, dim=None, keepdim=False):
        a = np.abs(x)
        if p == float("inf"):
            return a.max(axis=dim, keepdims=keepdim)
        if p == 1:
            return a.sum(axis=dim, keepdims=keepdim)
        if p == 2:
            return np.sqrt((a * a).sum(axis=dim, keepdims=keepdim))
        return (a ** p).sum(axis=dim, keepdims=keepdim) ** (1 / p)

    @staticmethod
    def sym(x, p=2, dim=None, keepdim=False):
        a = _sym_abs(x)
        if p == sympy.oo or p == float("inf"):
            return _sym_extreme(sympy.Max, a.reshape(-1), 0, False) if dim is None else \
                np.apply_along_axis(lambda v: sympy.Max(*v), dim[0], a)
        if p == 2:
            return _sym_sqrt(np.asarray(x * x, dtype=object).sum(axis=dim, keepdims=keepdim))
        return np.asarray(a ** p, dtype=object).sum(axis=dim, keepdims=keepdim) ** (
            sympy.Integer(1) / p)

    @staticmethod
    def vjp(g, x, *, out, p=2, dim=None, keepdim=False):
        axes = tuple(range(x.ndim)) if dim is None else dim
        g = _spread(g, x, axes, keepdim)
        out = _spread(out, x, axes, keepdim)
        if p == 1:
            return (g * sign(x),)
        if p == 2:
            return (where(out == 0, 0.0, g * x / out),)
        if p == float("inf"):
            mask = abs_(x) == out
            return (g * sign(x) * mask / _spread(mask.sum(axes, keepdim=True) if isinstance(
                mask, Tensor) else mask.sum(axes, keepdims=True), x, axes, True),)
        return (where(out == 0, 0.0, g * x * abs_(x) ** (p - 2) / out ** (p - 1)),)


def abs_(x):
    from .elementwise import abs as absolute
    return absolute(x)


class Softmax(Op):
    """``exp(x) / sum(exp(x))`` along ``dim``."""
    node_name = "SoftmaxBackward0"
    saves = ()
    saves_out = True

    @staticmethod
    def forward(x, dim):
        e = np.exp(x - x.max(axis=dim, keepdims=True))
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def sym(x, dim):
        e = _sym_exp(x)
        return e / e.sum(axis=dim, keepdims=True)

    @staticmethod
    def vjp(g, x, *, out, dim):
        return (out * (g - sum(g * out, dim, keepdim=True)),)


class LogSoftmax(Op):
    """``x - log(sum(exp(x)))`` along ``dim``, computed stably."""
    node_name = "LogSoftmaxBackward0"
    saves = ()
    saves_out = True

    @staticmethod
    def forward(x, dim):
        shifted = x - x.max(axis=dim, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def sym(x, dim):
        return x - _sym_log(_sym_exp(x).sum(axis=dim, keepdims=True))

    @staticmethod
    def vjp(g, x, *, out, dim):
        return (g - exp(out) * sum(g, dim, keepdim=True),)


# --------------------------------------------------------------------- public functions
def _float_input(input, name):
    if isinstance(input, Tensor) and not input.dtype.is_floating_point:
        raise RuntimeError(
            f"{name}(): could not infer output dtype. Input dtype must be either a floating "
            f"point or complex dtype. Got: {_short(input.dtype)}")


def _short(dtype):
    return {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte"}.get(
        dtype.name, dtype.name)


@numpy_names
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum of all elements, or over ``dim`` (an int or a tuple)."""
    if dtype is not None:
        input = input.to(dtype)
    elif isinstance(input, Tensor) and not input.dtype.is_floating_point:
        input = input.to(dtypes.int64)  # PyTorch sums integers and bools as int64
    if dim is None:
        return apply(Sum, input)
    axes = _dims(dim, np.ndim(input))
    return apply(SumDim, input, dim=axes, keepdim=keepdim)


@numpy_names
def mean(input, dim=None, keepdim=False, *, dtype=None):
    """Mean of all elements, or over ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    _float_input(input, "mean")
    if dim is None:
        return apply(Mean, input)
    return apply(MeanDim, input, dim=_dims(dim, np.ndim(input)), keepdim=keepdim)


def _extreme(op_all, op_dim, binary, input, dim, keepdim, name):
    """``max``/``min``: of all elements, along ``dim`` (values and indices), or elementwise.

    >>> import autodiff_lab as torch
    >>> torch.max(torch.tensor([[1., 5.], [3., 2.]]), 1)
    torch.return_types.max(
    values=tensor([5., 3.]),
    indices=tensor([1, 0]))
    """
    if isinstance(dim, Tensor):
        return binary(input, dim)
    if dim is None:
        if input.numel() == 0:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument.")
        return apply(op_all, input)
    d = _wrap_dim(dim, input.ndim)
    values = apply(op_dim, input, dim=d, keepdim=keepdim)
    idx = op_dim.pick(input._data, axis=d) if input.ndim else 0
    if keepdim:
        idx = np.expand_dims(idx, d)
    indices = Tensor._make(np.asarray(idx, dtype=np.int64), dtypes.int64)
    return RETURN_TYPES[name](values, indices)


@numpy_names
def max(input, dim=None, keepdim=False):
    """Largest element; with ``dim``, ``(values, indices)``; with a tensor, elementwise."""
    from .elementwise import maximum
    return _extreme(Max, MaxDim, maximum, input, dim, keepdim, "max")


@numpy_names
def min(input, dim=None, keepdim=False):
    """Smallest element; with ``dim``, ``(values, indices)``; with a tensor, elementwise."""
    from .elementwise import minimum
    return _extreme(Min, MinDim, minimum, input, dim, keepdim, "min")


@numpy_names
def argmax(input, dim=None, keepdim=False):
    data = input._data
    if dim is None:
        return Tensor._make(np.asarray(data.argmax(), dtype=np.int64), dtypes.int64)
    idx = data.argmax(axis=_wrap_dim(dim, data.ndim))
    if keepdim:
        idx = np.expand_dims(idx, dim)
    return Tensor._make(np.asarray(idx, dtype=np.int64), dtypes.int64)


@numpy_names
def argmin(input, dim=None, keepdim=False):
    return argmax(-input, dim, keepdim)


@numpy_names
def prod(input, dim=None, keepdim=False):
    """Product of all elements, or along ``dim``."""
    if dim is None:
        return apply(Prod, input)
    d = _wrap_dim(dim, input.ndim)
    return apply(ProdDim, input, dim=d if input.ndim else None, keepdim=keepdim)


def norm(input, p="fro", dim=None, keepdim=False):
    """The vector p-norm (2 by default) of all elements or over ``dim``."""
    if p == "fro" or p is None:
        p = 2
    axes = None if dim is None else _dims(dim, input.ndim)
    return apply(Norm, input, p=p, dim=axes, keepdim=keepdim)


@numpy_names
def var(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Variance (Bessel-corrected by default), built from differentiable ops."""
    if unbiased is not None:
        correction = 1 if unbiased else 0
    centred = input - mean(input, dim, keepdim=True)
    n = input.numel() if dim is None else int(np.prod(
        [input.shape[d] for d in _dims(dim, input.ndim)]))
    return sum(centred * centred, dim, keepdim=keepdim) / (n - correction)


@numpy_names
def std(input, dim=None, *, correction=1, keepdim=False, unbiased=None):
    """Standard deviation (Bessel-corrected by default)."""
    from .elementwise import sqrt
    return sqrt(var(input, dim, correction=correction, keepdim=keepdim, unbiased=unbiased))


@numpy_names
def softmax(input, dim, dtype=None):
    """Softmax along ``dim``."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(Softmax, input, dim=_wrap_dim(dim, input.ndim) if input.ndim else None)


@numpy_names
def log_softmax(input, dim, dtype=None):
    """Log-softmax along ``dim``, computed stably."""
    if dtype is not None:
        input = input.to(dtype)
    return apply(LogSoftmax, input, dim=_wrap_dim(dim, input.ndim) if input.ndim else None)


for _name, _fn in [("sum", sum), ("mean", mean), ("max", max), ("min", min), ("prod", prod),
                   ("norm", norm), ("var", var), ("std", std), ("softmax", softmax),
                   ("log_softmax", log_softmax), ("argmax", argmax), ("argmin", argmin)]:
    method(_name)(_fn)


def _same_dtype(input, other):
    from ..tensor import _torch_type_name
    if input.dtype is not other.dtype:
        raise RuntimeError(
            f"{_torch_type_name(input.dtype)} did not match {_torch_type_name(other.dtype)}")


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Whether all elements satisfy |input - other| <= atol + rtol·|other| (a Python bool).

    >>> import autodiff_lab as torch
    >>> torch.allclose(torch.tensor([1., 2.]), torch.tensor([1., 2.0000001]))
    True
    """
    _same_dtype(input, other)
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def equal(input, other):
    """Whether two tensors have the same shape and elements (a Python bool)."""
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


method("allclose")(allclose)
method("equal")(equal)



class All(Op):
    """Whether every element is nonzero, over ``dim`` (all of them when ``dim`` is empty).

    >>> import autodiff_lab as torch
    >>> torch.tensor([[1., 0.], [2., 3.]]).all(dim=1)
    tensor([False,  True])
    """
    differentiable = False
    promotes = False
    reduce = staticmethod(np.all)

    @classmethod
    def forward(cls, x, dim, keepdim=False):
        out = cls.reduce(x, axis=dim, keepdims=keepdim)
        # uint8 stays uint8 (PyTorch's rule from before bool existed); everything else is bool.
        return out.astype(np.uint8) if x.dtype == np.uint8 else out

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        return (None,)


class Any(All):
    """Whether any element is nonzero, over ``dim``."""
    reduce = staticmethod(np.any)


@numpy_names
def all(input, dim=None, keepdim=False):
    """``True`` where every element (along ``dim``, an int or a tuple) is nonzero.

    >>> import autodiff_lab as torch
    >>> torch.all(torch.tensor([True, False])), torch.all(torch.tensor([[1, 2]]), dim=0)
    (tensor(False), tensor([True, True]))
    """
    return apply(All, input, dim=_dims(dim, input.ndim), keepdim=keepdim)


@numpy_names
def any(input, dim=None, keepdim=False):
    """``True`` where any element (along ``dim``, an int or a tuple) is nonzero.

    >>> import autodiff_lab as torch
    >>> torch.tensor([[0., 0.], [0., 3.]]).any(1, keepdim=True)
    tensor([[False],
            [ True]])
    """
    return apply(Any, input, dim=_dims(dim, input.ndim), keepdim=keepdim)


method("all")(all)
method("any")(any)


class Cumsum(Op):
    """Running sums along ``dim``."""
    node_name = "CumsumBackward0"
    saves = ()

    @staticmethod
    def forward(x, dim):
        out = np.cumsum(x, axis=dim)
        # Integers and bools add up in int64, as PyTorch's do.
        return out.astype(np.int64) if out.dtype.kind in "iub" else out

    @staticmethod
    def vjp(g, x, *, out, dim):
        from .shape import flip
        return (flip(cumsum(flip(g, dim), dim), dim),)


@numpy_names
def cumsum(input, dim, *, dtype=None):
    """Running sums along ``dim``.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1., 2., 3.], requires_grad=True).cumsum(0)
    tensor([1., 3., 6.], grad_fn=<CumsumBackward0>)
    """
    if dtype is not None:
        input = input.to(dtype)
    return apply(Cumsum, input, dim=_wrap_dim(dim, np.ndim(input)) if np.ndim(input) else None)


class Amax(Op):
    """The largest value over ``dim``; tied maxima share the gradient equally."""
    node_name = "AmaxBackward0"
    saves_out = True
    pick = staticmethod(np.max)

    @classmethod
    def forward(cls, x, dim, keepdim=False):
        return cls.pick(x, axis=dim, keepdims=keepdim)

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        if not keepdim:
            out = reshape(out, _kept_shape(x.shape, dim))
            g = reshape(g, _kept_shape(x.shape, dim))
        hit = x == out
        return (g * hit / sum(hit, dim, keepdim=True),)


class Amin(Amax):
    """The smallest value over ``dim``; tied minima share the gradient equally."""
    node_name = "AminBackward0"
    pick = staticmethod(np.min)


@numpy_names
def amax(input, dim=(), keepdim=False):
    """The largest value over ``dim`` (all dimensions by default), without indices.

    >>> import autodiff_lab as torch
    >>> torch.tensor([[1., 5.], [3., 2.]]).amax(1)
    tensor([5., 3.])
    """
    return apply(Amax, input, dim=_dims(_all_if_empty(dim), np.ndim(input)), keepdim=keepdim)


@numpy_names
def amin(input, dim=(), keepdim=False):
    """The smallest value over ``dim`` (all dimensions by default), without indices."""
    return apply(Amin, input, dim=_dims(_all_if_empty(dim), np.ndim(input)), keepdim=keepdim)


def _all_if_empty(dim):
    return None if isinstance(dim, (tuple, list)) and not dim else dim


class Logsumexp(Op):
    """``log(sum(exp(x)))`` over ``dim``, computed stably."""
    node_name = "LogsumexpBackward0"
    saves_out = True
    to_float = True

    @staticmethod
    def forward(x, dim, keepdim=False):
        m = np.max(x, axis=dim, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)
        out = np.log(np.sum(np.exp(x - m), axis=dim, keepdims=True)) + m
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def vjp(g, x, *, out, dim, keepdim=False):
        if not keepdim:
            out = reshape(out, _kept_shape(x.shape, dim))
            g = reshape(g, _kept_shape(x.shape, dim))
        return (g * exp(x - out),)


@numpy_names
def logsumexp(input, dim, keepdim=False):
    """``log(sum(exp(input)))`` over ``dim`` without overflow.

    >>> import autodiff_lab as torch
    >>> torch.tensor([1000., 1000.]).logsumexp(0)
    tensor(1000.6932)
    """
    return apply(Logsumexp, input, dim=_dims(dim, np.ndim(input)), keepdim=keepdim)


@numpy_names
def count_nonzero(input, dim=None):
    """How many elements are nonzero (over ``dim``), as int64.

    >>> import autodiff_lab as torch
    >>> torch.count_nonzero(torch.tensor([[0, 1], [2, 3]]), dim=0)
    tensor([1, 2])
    """
    axes = _dims(dim, input.ndim)
    return Tensor._make(np.asarray(np.count_nonzero(input._data, axis=axes), dtype=np.int64),
                        dtypes.int64)


for _name, _fn in [("cumsum", cumsum), ("amax", amax), ("amin", amin),
                   ("logsumexp", logsumexp), ("count_nonzero", count_nonzero)]:
    method(_name)(_fn)
