"""The activation ops behind ``F.leaky_relu elu gelu silu softplus`` (and their modules).

Each is one op with PyTorch's node name (``LeakyReluBackward0``, ``GeluBackward0``, ...); the
rules are written with our own ops, so second derivatives come from the same code.
"""

import math

import numpy as np

from .._lazy import sympy
from ..ops.base import Op, apply
from ..ops.elementwise import exp, sigmoid, tanh, where

_erf_f64 = np.vectorize(math.erf, otypes=[np.float64])
_SQRT1_2 = math.sqrt(0.5)
_SQRT_2_PI = math.sqrt(2 / math.pi)  # the tanh approximation's constant
_INV_SQRT_2PI = 1 / math.sqrt(2 * math.pi)


def _same_dtype(value, x):
    """A float64 result back in the input's dtype (NumPy scalars from 0-d arrays included)."""
    return np.asarray(value, dtype=x.dtype) if hasattr(x, "dtype") else value


class Erf(Op):
    """The error function ``2/sqrt(pi) * integral_0^x e^(-t^2) dt``, as ``torch.erf``.

    >>> import autodiff_lab as torch
    >>> apply(Erf, torch.tensor(0.5, requires_grad=True))
    tensor(0.5205, grad_fn=<ErfBackward0>)
    """
    node_name = "ErfBackward0"
    to_float = True

    @staticmethod
    def forward(x):
        return _same_dtype(_erf_f64(x), x)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (2 / math.sqrt(math.pi)) * exp(-(x * x)),)

    @staticmethod
    def sym(x):
        return sympy.erf(x)


class LeakyRelu(Op):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import autodiff_lab as torch
    >>> apply(LeakyRelu, torch.tensor([-2.0, 3.0], requires_grad=True), negative_slope=0.1)
    tensor([-0.2000,  3.0000], grad_fn=<LeakyReluBackward0>)
    """
    node_name = "LeakyReluBackward0"

    @staticmethod
    def forward(x, negative_slope=0.01):
        return np.where(x > 0, x, x * x.dtype.type(negative_slope))

    @staticmethod
    def vjp(g, x, *, out, negative_slope=0.01):
        return (where(x > 0, g, g * negative_slope),)

    @staticmethod
    def sym(x, negative_slope=0.01):
        return sympy.Piecewise((x, x > 0), (sympy.nsimplify(negative_slope) * x, True))


class Elu(Op):
    """``x`` where positive, ``alpha * (e^x - 1)`` elsewhere.

    >>> import autodiff_lab as torch
    >>> apply(Elu, torch.tensor([-1.0, 2.0], requires_grad=True), alpha=1.0)
    tensor([-0.6321,  2.0000], grad_fn=<EluBackward0>)
    """
    node_name = "EluBackward0"

    @staticmethod
    def forward(x, alpha=1.0):
        return np.where(x > 0, x, x.dtype.type(alpha) * np.expm1(np.minimum(x, 0)))

    @staticmethod
    def vjp(g, x, *, out, alpha=1.0):
        return (where(x > 0, g, g * alpha * exp(where(x > 0, 0.0, x))),)

    @staticmethod
    def sym(x, alpha=1.0):
        return sympy.Piecewise((x, x > 0), (sympy.nsimplify(alpha) * (sympy.exp(x) - 1), True))


class Gelu(Op):
    """``x * Phi(x)`` (``Phi`` the standard normal CDF), or its tanh approximation
    ``x/2 * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))`` with ``approximate="tanh"``.

    >>> import autodiff_lab as torch
    >>> apply(Gelu, torch.tensor([-1.0, 1.0], requires_grad=True), approximate="none")
    tensor([-0.1587,  0.8413], grad_fn=<GeluBackward0>)
    """
    node_name = "GeluBackward0"

    @staticmethod
    def forward(x, approximate="none"):
        if approximate == "tanh":
            inner = x.dtype.type(_SQRT_2_PI) * (x + x.dtype.type(0.044715) * x * x * x)
            return x.dtype.type(0.5) * x * (1 + np.tanh(inner))
        return _same_dtype(x * 0.5 * (1 + _erf_f64(x * _SQRT1_2)), x)

    @staticmethod
    def vjp(g, x, *, out, approximate="none"):
        if approximate == "tanh":
            inner = _SQRT_2_PI * (x + 0.044715 * x * x * x)
            t = tanh(inner)
            d_inner = _SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
            return (g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * d_inner),)
        cdf = 0.5 * (1 + apply(Erf, x * _SQRT1_2))
        pdf = _INV_SQRT_2PI * exp(-0.5 * x * x)
        return (g * (cdf + x * pdf),)

    @staticmethod
    def sym(x, approximate="none"):
        if approximate == "tanh":
            return x / 2 * (1 + sympy.tanh(sympy.sqrt(2 / sympy.pi)
                                           * (x + sympy.Rational(44715, 10**6) * x**3)))
        return x / 2 * (1 + sympy.erf(x / sympy.sqrt(2)))


class Silu(Op):
    """``x * sigmoid(x)`` (also called swish).

    >>> import autodiff_lab as torch
    >>> apply(Silu, torch.tensor([-1.0, 1.0], requires_grad=True))
    tensor([-0.2689,  0.7311], grad_fn=<SiluBackward0>)
    """
    node_name = "SiluBackward0"

    @staticmethod
    def forward(x):
        e = np.exp(-np.abs(x))  # split by sign so that exp never overflows
        return x * np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    @staticmethod
    def vjp(g, x, *, out):
        s = sigmoid(x)
        return (g * s * (1 + x * (1 - s)),)

    @staticmethod
    def sym(x):
        return x / (1 + sympy.exp(-x))


class Softplus(Op):
    """``log(1 + e^(beta x)) / beta``, and ``x`` itself where ``beta x > threshold``.

    >>> import autodiff_lab as torch
    >>> apply(Softplus, torch.tensor([0.0, 30.0], requires_grad=True), beta=1.0, threshold=20.0)
    tensor([ 0.6931, 30.0000], grad_fn=<SoftplusBackward0>)
    """
    node_name = "SoftplusBackward0"

    @staticmethod
    def forward(x, beta=1.0, threshold=20.0):
        bx = x * x.dtype.type(beta)
        with np.errstate(over="ignore"):
            soft = np.log1p(np.exp(np.minimum(bx, threshold))) / x.dtype.type(beta)
        return np.where(bx > threshold, x, soft)

    @staticmethod
    def vjp(g, x, *, out, beta=1.0, threshold=20.0):
        return (where(x * beta > threshold, g, g * sigmoid(x * beta)),)

    @staticmethod
    def sym(x, beta=1.0, threshold=20.0):
        b = sympy.nsimplify(beta)
        return sympy.Piecewise((x, b * x > sympy.nsimplify(threshold)),
                               (sympy.log(1 + sympy.exp(b * x)) / b, True))


class LeakyReluInplace(LeakyRelu):
    """``leaky_relu(x, inplace=True)``: the same rule; PyTorch names the node apart."""
    node_name = "LeakyReluBackward1"


class EluInplace(Elu):
    """``elu(x, inplace=True)``: the same rule; PyTorch names the node apart."""
    node_name = "EluBackward1"


# Every rule above is elementwise: the twin maps its SymPy face over the elements.
for _op in (Erf, LeakyRelu, Elu, Gelu, Silu, Softplus, LeakyReluInplace, EluInplace):
    _op.sym_elementwise = True


def _floating(input, kernel):
    """PyTorch's error for an integer input to an activation kernel."""
    if not input.dtype.is_floating_point:
        name = input.dtype.legacy_name[:-len("Tensor")]
        raise NotImplementedError(f'"{kernel}" not implemented for \'{name}\'')


def _run(op, input, inplace, kernel, inplace_op=None, **params):
    _floating(input, kernel)
    if inplace:
        return input._inplace(inplace_op or op, **params)
    return apply(op, input, **params)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where positive, ``negative_slope * x`` elsewhere.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.leaky_relu(torch.tensor([-1.0, 2.0]))
    tensor([-0.0100,  2.0000])
    """
    return _run(LeakyRelu, input, inplace, "leaky_relu_cpu", LeakyReluInplace,
                negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    """The exponential linear unit: ``x`` where positive, ``alpha * (e^x - 1)`` elsewhere.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.elu(torch.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.0000])
    """
    return _run(Elu, input, inplace, "elu_cpu", EluInplace, alpha=alpha)


def gelu(input, approximate="none"):
    """The Gaussian error linear unit ``x * Phi(x)``; ``approximate="tanh"`` for the tanh form.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.gelu(torch.tensor([-1.0, 1.0])), F.gelu(torch.tensor([1.0]), approximate="tanh")
    (tensor([-0.1587,  0.8413]), tensor([0.8412]))
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _run(Gelu, input, False, "GeluKernelImpl", approximate=approximate)


def silu(input, inplace=False):
    """``x * sigmoid(x)``.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.silu(torch.tensor([1.0]))
    tensor([0.7311])
    """
    return _run(Silu, input, inplace, "silu_cpu")


def softplus(input, beta=1.0, threshold=20.0):
    """A smooth ReLU: ``log(1 + e^(beta x)) / beta`` (linear above ``threshold``).

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.softplus(torch.tensor([0.0, 1.0]))
    tensor([0.6931, 1.3133])
    """
    return _run(Softplus, input, False, "softplus_cpu", beta=beta, threshold=threshold)
