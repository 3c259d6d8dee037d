"""Elementwise ops: arithmetic, powers, exp/log, trig, activations, comparisons.

Broadcasting is undone by the engine, so each rule is written for same-shaped operands.
"""

import builtins

import numpy as np

from .. import dtypes
from .._lazy import built_on_first_use, sympy, sympy_function
from ..tensor import Tensor, method
from .base import Op, apply, constant, fast_method


def _unevaluated(fn):
    """A SymPy function (``fn`` or the one named ``fn``) applied without SymPy's automatic
    evaluation, except on numbers.

    Evaluation queries assumptions through the whole argument tree, which makes twins of deep
    graphs quadratic in their depth; the calculus (diff, simplify) does not need it.
    """
    if isinstance(fn, str):
        fn = sympy_function(fn)

    def rule(x):
        return fn(x) if getattr(x, "is_Number", False) else fn(x, evaluate=False)
    rule.__name__ = getattr(fn, "__name__", "rule")
    return rule


# Below this many elements the fused in-place rules (vjp_numpy) cost more in NumPy calls than
# they save in allocations, so they hand over to the plain rule (same operations, same bits).
FUSE_FROM = 4096


# --------------------------------------------------------------------- arithmetic
class Add(Op):
    """``x + alpha * y``.

    >>> import autodiff_lab as torch
    >>> torch.tensor(2.0, requires_grad=True) + 1
    tensor(3., grad_fn=<AddBackward0>)
    """
    node_name = "AddBackward0"
    scalar_ok = True
    saves = ()

    @staticmethod
    def forward(x, y, alpha=1):
        return x + y if alpha == 1 else x + alpha * y

    @staticmethod
    def vjp(g, x, y, *, out, alpha=1):
        return g, (g if alpha == 1 else g * alpha)

    @staticmethod
    def sym(x, y, alpha=1):
        return x + alpha * y


class Sub(Op):
    """``x - alpha * y``."""
    node_name = "SubBackward0"
    scalar_ok = True
    saves = ()

    @staticmethod
    def forward(x, y, alpha=1):
        return x - y if alpha == 1 else x - alpha * y

    @staticmethod
    def vjp(g, x, y, *, out, alpha=1):
        if type(y) is float or type(y) is int:  # a constant has no gradient to make
            return g, None
        return g, (-g if alpha == 1 else -g * alpha)

    @staticmethod
    def sym(x, y, alpha=1):
        return x - alpha * y


class Rsub(Op):
    """``other - x`` for a Python number ``other`` (``1 - x``)."""
    node_name = "RsubBackward1"
    scalar_ok = True
    saves = ()

    @staticmethod
    def forward(x, other):
        return other - x

    @staticmethod
    def vjp(g, x, *, out, other):
        return (-g,)

    @staticmethod
    def sym(x, other):
        return other - x


class Mul(Op):
    """``x * y``.

    >>> import autodiff_lab as torch
    >>> torch.tensor(3.0, requires_grad=True) * 2
    tensor(6., grad_fn=<MulBackward0>)
    """
    node_name = "MulBackward0"
    scalar_ok = True
    forward = staticmethod(np.multiply)  # the ufunc itself: no Python frame per product

    @staticmethod
    def vjp(g, x, y, *, out):
        if type(y) is float or type(y) is int:  # a constant factor has no gradient to make
            return g * y, None
        return g * y, g * x

    @staticmethod
    def vjp_numpy(g, x, y, *, out):
        if type(y) is float or type(y) is int:
            return g * (constant(y, g.dtype) if type(g) is np.ndarray else y), None
        return g * y, g * x

    @staticmethod
    def sym(x, y):
        return x * y


class Div(Op):
    """``x / y`` (true division: integers give floats)."""
    node_name = "DivBackward0"
    scalar_ok = True
    to_float = True

    @staticmethod
    def forward(x, y):
        return x / y

    @staticmethod
    def vjp(g, x, y, *, out):
        if type(y) is float or type(y) is int:  # a constant divisor has no gradient to make
            return g / y, None
        return g / y, -g * x / (y * y)

    @staticmethod
    def sym(x, y):
        return x / y


@built_on_first_use
def _SymFloor():
    class floor(sympy.floor):  # the class name is how it prints
        """SymPy's floor with the derivative 0 that autograd uses (SymPy leaves it undefined)."""

        def fdiff(self, argindex=1):
            return sympy.S.Zero
    return floor


@built_on_first_use
def _SymTrunc():
    class trunc(sympy.Function):
        """Rounding toward zero, for the SymPy faces of ``fmod`` and
        ``div(rounding_mode="trunc")``; its derivative is 0, as autograd takes it."""

        @classmethod
        def eval(cls, z):
            if z.is_Number:
                return sympy.Integer(int(z))

        def fdiff(self, argindex=1):
            return sympy.S.Zero
    return trunc


def _integer_divisor_check(x, y):
    # Integer division by zero has no value: PyTorch raises where NumPy would warn and give 0.
    if np.asarray(x).dtype.kind in "iu" and np.any(np.asarray(y) == 0):
        raise RuntimeError("ZeroDivisionError")


def _floor_divide(x, y):
    _integer_divisor_check(x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.floor_divide(x, y)


def _trunc_divide(x, y):
    _integer_divisor_check(x, y)
    if np.asarray(x).dtype.kind in "iu":
        q = np.floor_divide(x, y)
        return q + ((np.remainder(x, y) != 0) & ((np.asarray(x) < 0) != (np.asarray(y) < 0)))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.trunc(x / y)


class DivRounding(Op):
    """``div(x, y, rounding_mode="floor" | "trunc")``: a step function, so its gradient is 0.

    >>> import autodiff_lab as torch
    >>> torch.div(torch.tensor([5.5, -5.5], requires_grad=True), 2, rounding_mode="trunc")
    tensor([ 2., -2.], grad_fn=<DivBackward2>)
    """
    node_name = "DivBackward2"
    saves = ()

    @staticmethod
    def forward(x, y, rounding_mode):
        return (_floor_divide if rounding_mode == "floor" else _trunc_divide)(x, y)

    @staticmethod
    def vjp(g, x, y, *, out, rounding_mode):
        if type(y) is float or type(y) is int:
            return g * 0, None
        return g * 0, g * 0

    @staticmethod
    def sym(x, y, rounding_mode):
        return (_SymFloor if rounding_mode == "floor" else _SymTrunc)(x / y)


class DivNoRounding(Div):
    """``div(x, y, rounding_mode=None)``: true division, recorded as PyTorch records the call
    that names a rounding mode."""
    node_name = "DivBackward2"


class FloorDivide(Op):
    """``x // y``, rounded toward minus infinity. PyTorch has no derivative for it: the
    result requires grad, but backward through it raises.

    >>> import autodiff_lab as torch
    >>> torch.tensor([5.5, -5.5], requires_grad=True) // 2
    tensor([ 2., -3.], grad_fn=<NotImplemented>)
    """
    not_implemented = "aten::floor_divide"
    forward = staticmethod(_floor_divide)

    @staticmethod
    def sym(x, y):
        return _SymFloor(x / y)


def _python_remainder(x, y):
    # PyTorch's formula rather than np.remainder: an exact zero keeps the sign of x.
    m = np.fmod(x, y)
    return np.where((m != 0) & ((np.asarray(y) < 0) != (m < 0)), m + y, m)


class Fmod(Op):
    """C's ``fmod`` (the sign of the dividend): ``x - y * trunc(x / y)``.

    >>> import autodiff_lab as torch
    >>> torch.fmod(torch.tensor([5.5, -5.5], requires_grad=True), 2)
    tensor([ 1.5000, -1.5000], grad_fn=<FmodBackward0>)
    """
    node_name = "FmodBackward1"
    rounding, sym_rounding = "trunc", _SymTrunc  # how the quotient is rounded
    rest = staticmethod(np.fmod)

    @classmethod
    def forward(cls, x, y):
        _integer_divisor_check(x, y)
        with np.errstate(divide="ignore", invalid="ignore"):
            return cls.rest(x, y)

    @classmethod
    def vjp(cls, g, x, y, *, out):
        return g, -g * div(x, y, rounding_mode=cls.rounding)

    @classmethod
    def sym(cls, x, y):
        return x - y * cls.sym_rounding(x / y)


class Remainder(Fmod):
    """``x % y`` as Python computes it (the sign of the divisor): ``x - y * floor(x / y)``.

    >>> import autodiff_lab as torch
    >>> torch.tensor([5.5, -5.5], requires_grad=True) % 2
    tensor([1.5000, 0.5000], grad_fn=<RemainderBackward0>)
    """
    node_name = "RemainderBackward1"
    rounding, sym_rounding = "floor", _SymFloor
    rest = staticmethod(_python_remainder)


def _constant_divisor(g, x, y, *, out):
    return g, None  # a number divisor gets no gradient, and x's is g whatever the rounding


class FmodScalar(Fmod):
    """``fmod(x, number)``."""
    node_name = "FmodBackward0"
    saves = ()
    vjp = staticmethod(_constant_divisor)


class RemainderScalar(Remainder):
    """``x % number``."""
    node_name = "RemainderBackward0"
    saves = ()
    vjp = staticmethod(_constant_divisor)


class RemainderOfScalar(Remainder):
    """``number % x``: PyTorch has no derivative for it."""
    not_implemented = "aten::remainder"


class Reciprocal(Op):
    """``1 / x``."""
    node_name = "ReciprocalBackward0"
    scalar_ok = True
    saves = ()
    saves_out = True
    to_float = True

    @staticmethod
    def forward(x):
        return 1 / x

    @staticmethod
    def vjp(g, x, *, out):
        return (-g * out * out,)

    @staticmethod
    def sym(x):
        return 1 / x


class Neg(Op):
    """``-x``."""
    node_name = "NegBackward0"
    scalar_ok = True
    saves = ()
    forward = staticmethod(np.negative)

    @staticmethod
    def vjp(g, x, *, out):
        return (-g,)

    @staticmethod
    def sym(x):
        return -x


def _scalar_power(x, exponent):
    """``x ** exponent`` for a NumPy scalar, with the bits of the 0-d array path: on arrays
    NumPy squares, roots and inverts exactly, on scalars it calls pow() for all of them."""
    if exponent == 2:
        return x * x
    if type(exponent) is int and exponent > 2:
        return x ** exponent  # pow() either way
    return np.asarray(x) ** exponent


class Pow(Op):
    """``x ** exponent`` for a Python number exponent (the power rule).

    >>> import autodiff_lab as torch
    >>> torch.tensor(2.0, requires_grad=True) ** 3
    tensor(8., grad_fn=<PowBackward0>)
    """
    node_name = "PowBackward0"
    scalar_ok = True

    @staticmethod
    def forward(x, exponent):
        if isinstance(x, np.generic):  # a 0-d value (scalar_ok)
            return _scalar_power(x, exponent)
        return x ** exponent

    @staticmethod
    def vjp(g, x, *, out, exponent):
        if exponent == 0:
            return (g * 0,)
        if exponent == 2:  # the common square, without computing x ** 1
            return (g * (2 * x),)
        if isinstance(x, np.generic):
            return (g * (exponent * _scalar_power(x, exponent - 1)),)
        return (g * (exponent * x ** (exponent - 1)),)

    @staticmethod
    def vjp_numpy(g, x, *, out, exponent):
        if exponent == 0:
            return (g * 0,)
        if x.size < FUSE_FROM:
            return Pow.vjp(g, x, out=out, exponent=exponent)
        d = np.empty_like(x)  # out= keeps 0-d results arrays, so the in-place steps work
        if exponent == 2:
            np.multiply(x, 2, out=d)
        else:
            np.power(x, exponent - 1, out=d)
            d *= exponent
        d *= g
        return (d,)

    @staticmethod
    def sym(x, exponent):
        return x ** sympy.nsimplify(exponent)


class PowTensor(Op):
    """``x ** y`` with a tensor exponent."""
    node_name = "PowBackward1"

    @staticmethod
    def forward(x, y):
        return x ** y

    @staticmethod
    def vjp(g, x, y, *, out):
        gx = g * y * x ** (y - 1)
        # d/dy x**y = x**y log x, taken as 0 where x == 0 (PyTorch's convention).
        gy = where((x == 0) & (y >= 0), 0.0, g * out * log(x))
        return gx, gy

    @staticmethod
    def sym(x, y):
        return x ** y


class RPow(Op):
    """``base ** x`` for a Python number base."""
    node_name = "PowBackward2"
    saves = ()
    saves_out = True
    to_float = True

    @staticmethod
    def forward(x, base):
        return np.power(x.dtype.type(base), x)

    @staticmethod
    def vjp(g, x, *, out, base):
        return (g * out * float(np.log(base)),)

    @staticmethod
    def sym(x, base):
        return sympy.nsimplify(base) ** x


# --------------------------------------------------------------------- functions
class Exp(Op):
    """``e ** x``."""
    node_name = "ExpBackward0"
    scalar_ok = True
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.exp)
    sym = staticmethod(_unevaluated("exp"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * out,)


class Log(Op):
    """Natural logarithm."""
    node_name = "LogBackward0"
    scalar_ok = True
    to_float = True
    forward = staticmethod(np.log)
    sym = staticmethod(_unevaluated("log"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / x,)


class Sqrt(Op):
    """Square root."""
    node_name = "SqrtBackward0"
    scalar_ok = True
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.sqrt)
    sym = staticmethod(_unevaluated(lambda x, evaluate=True: sympy.Pow(
        x, sympy.Rational(1, 2), evaluate=evaluate)))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / (2 * out),)


class Sin(Op):
    node_name = "SinBackward0"
    scalar_ok = True
    to_float = True
    forward = staticmethod(np.sin)
    sym = staticmethod(_unevaluated("sin"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * cos(x),)


class Cos(Op):
    node_name = "CosBackward0"
    scalar_ok = True
    to_float = True
    forward = staticmethod(np.cos)
    sym = staticmethod(_unevaluated("cos"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * -sin(x),)


class Tan(Op):
    node_name = "TanBackward0"
    scalar_ok = True
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.tan)
    sym = staticmethod(_unevaluated("tan"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (1 + out * out),)


class Tanh(Op):
    """Hyperbolic tangent.

    >>> import autodiff_lab as torch
    >>> torch.tanh(torch.tensor(0.5, requires_grad=True))
    tensor(0.4621, grad_fn=<TanhBackward0>)
    """
    node_name = "TanhBackward0"
    scalar_ok = True
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.tanh)
    sym = staticmethod(_unevaluated("tanh"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (1 - out * out),)

    @staticmethod
    def vjp_numpy(g, x, *, out):
        if type(out) is not np.ndarray:  # a NumPy scalar (scalar_ok)
            return Tanh.vjp(g, x, out=out)
        if out.size < FUSE_FROM:
            return (g * (constant(1, out.dtype) - out * out),)
        d = np.multiply(out, out, out=np.empty_like(out))
        np.subtract(1, d, out=d)
        d *= g
        return (d,)


class Sigmoid(Op):
    """The logistic function ``1 / (1 + e^-x)``."""
    node_name = "SigmoidBackward0"
    saves = ()
    saves_out = True
    to_float = True

    @staticmethod
    def forward(x):
        # Split by sign so that exp never overflows.
        e = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * out * (1 - out),)

    @staticmethod
    def vjp_numpy(g, x, *, out):
        d = np.subtract(1, out, out=np.empty_like(out))
        d *= out
        d *= g
        return (d,)

    @staticmethod
    def sym(x):
        return 1 / (1 + sympy.exp(-x))


class Relu(Op):
    """``max(x, 0)``."""
    node_name = "ReluBackward0"
    saves = ()
    saves_out = True

    @staticmethod
    def forward(x):
        return np.maximum(x, x.dtype.type(0))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (out > 0),)

    @staticmethod
    def sym(x):
        # Piecewise rather than Max(x, 0): its derivative at 0 is 0, PyTorch's choice, where
        # Max's Heaviside(0) would be 1/2.
        return sympy.Piecewise((x, x > 0), (0, True))


class Abs(Op):
    node_name = "AbsBackward0"
    forward = staticmethod(np.abs)
    sym = staticmethod(_unevaluated("Abs"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * sign(x),)


class Sign(Op):
    node_name = "SignBackward0"
    forward = staticmethod(np.sign)
    sym = staticmethod(_unevaluated("sign"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * 0,)


class Clamp(Op):
    """Clip into ``[min, max]`` (Python number bounds; either may be None)."""
    node_name = "ClampBackward1"

    @staticmethod
    def forward(x, min=None, max=None):
        return np.clip(x, min, max)

    @staticmethod
    def vjp(g, x, *, out, min=None, max=None):
        if min is not None and max is not None:
            inside = (x >= min) & (x <= max)
        else:
            inside = x >= min if min is not None else x <= max
        return (g * inside,)

    @staticmethod
    def sym(x, min=None, max=None):
        # Piecewise with closed inner bounds: the derivative at a bound is 1, as in PyTorch.
        pieces = []
        if min is not None:
            pieces.append((sympy.nsimplify(min), x < min))
        if max is not None:
            pieces.append((sympy.nsimplify(max), x > max))
        return sympy.Piecewise(*pieces, (x, True))


class Maximum(Op):
    """Elementwise larger of two tensors; ties share the gradient equally."""
    node_name = "MaximumBackward0"
    forward = staticmethod(np.maximum)
    sym = staticmethod(sympy_function("Max"))

    @staticmethod
    def vjp(g, x, y, *, out):
        half = g / 2
        return (where(x == y, half, where(x > y, g, 0.0)),
                where(x == y, half, where(y > x, g, 0.0)))


class Minimum(Op):
    """Elementwise smaller of two tensors; ties share the gradient equally."""
    node_name = "MinimumBackward0"
    forward = staticmethod(np.minimum)
    sym = staticmethod(sympy_function("Min"))

    @staticmethod
    def vjp(g, x, y, *, out):
        half = g / 2
        return (where(x == y, half, where(x < y, g, 0.0)),
                where(x == y, half, where(y < x, g, 0.0)))


class Where(Op):
    """``x`` where ``condition`` holds, else ``y``."""
    node_name = "WhereBackward0"
    saves = (0,)
    promotes = False

    @staticmethod
    def forward(condition, x, y):
        return np.where(condition, x, y)

    @staticmethod
    def vjp(g, condition, x, y, *, out):
        return None, where(condition, g, 0.0), where(condition, 0.0, g)

    @staticmethod
    def sym(condition, x, y):
        return sympy.Piecewise((x, condition), (y, True))


# --------------------------------------------------------------------- more functions
def _log_base(base):
    return lambda x: sympy.log(x) / sympy.log(base)


class Rsqrt(Op):
    """``1 / sqrt(x)``."""
    node_name = "RsqrtBackward0"
    saves = ()
    saves_out = True
    to_float = True

    @staticmethod
    def forward(x):
        with np.errstate(divide="ignore", invalid="ignore"):
            return 1 / np.sqrt(x)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (-0.5 * out * out * out),)

    @staticmethod
    def sym(x):
        return x ** sympy.Rational(-1, 2)


class Log1p(Op):
    """``log(1 + x)``, accurate for small ``x``."""
    node_name = "Log1PBackward0"
    to_float = True
    forward = staticmethod(np.log1p)

    @staticmethod
    def vjp(g, x, *, out):
        return (g / (1 + x),)

    @staticmethod
    def sym(x):
        return sympy.log(1 + x)


class Expm1(Op):
    """``exp(x) - 1``, accurate for small ``x``."""
    node_name = "Expm1Backward0"
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.expm1)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * (out + 1),)

    @staticmethod
    def sym(x):
        return sympy.exp(x) - 1


class Exp2(Op):
    """``2 ** x``."""
    node_name = "Exp2Backward0"
    saves = ()
    saves_out = True
    to_float = True
    forward = staticmethod(np.exp2)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * out * float(np.log(2)),)

    @staticmethod
    def sym(x):
        return 2 ** x


class Log2(Op):
    """Logarithm to base 2."""
    node_name = "Log2Backward0"
    to_float = True
    forward = staticmethod(np.log2)
    sym = staticmethod(_log_base(2))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / (x * float(np.log(2))),)


class Log10(Op):
    """Logarithm to base 10."""
    node_name = "Log10Backward0"
    to_float = True
    forward = staticmethod(np.log10)
    sym = staticmethod(_log_base(10))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / (x * float(np.log(10))),)


class Sinh(Op):
    node_name = "SinhBackward0"
    to_float = True
    forward = staticmethod(np.sinh)
    sym = staticmethod(_unevaluated("sinh"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * cosh(x),)


class Cosh(Op):
    node_name = "CoshBackward0"
    to_float = True
    forward = staticmethod(np.cosh)
    sym = staticmethod(_unevaluated("cosh"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g * sinh(x),)


class Asin(Op):
    node_name = "AsinBackward0"
    to_float = True
    forward = staticmethod(np.arcsin)
    sym = staticmethod(_unevaluated("asin"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / sqrt(1 - x * x),)


class Acos(Op):
    node_name = "AcosBackward0"
    to_float = True
    forward = staticmethod(np.arccos)
    sym = staticmethod(_unevaluated("acos"))

    @staticmethod
    def vjp(g, x, *, out):
        return (-g / sqrt(1 - x * x),)


class Atan(Op):
    node_name = "AtanBackward0"
    to_float = True
    forward = staticmethod(np.arctan)
    sym = staticmethod(_unevaluated("atan"))

    @staticmethod
    def vjp(g, x, *, out):
        return (g / (1 + x * x),)


class Atan2(Op):
    """The angle of the point ``(other, input)``: ``atan(input / other)`` in the right quadrant."""
    node_name = "Atan2Backward0"
    to_float = True
    forward = staticmethod(np.arctan2)
    sym = staticmethod(sympy_function("atan2"))

    @staticmethod
    def vjp(g, y, x, *, out):
        scale = g / (x * x + y * y)
        return scale * x, -scale * y


@built_on_first_use
def _SymCeiling():
    class ceiling(sympy.ceiling):
        """SymPy's ceiling with the derivative 0 that autograd uses."""

        def fdiff(self, argindex=1):
            return sympy.S.Zero
    return ceiling


@built_on_first_use
def _SymRound():
    class round(sympy.Function):  # noqa: A001
        """Rounding half to even (PyTorch's and NumPy's rule), with derivative 0."""

        @classmethod
        def eval(cls, z):
            if z.is_Number:
                return sympy.Integer(builtins.round(float(z)))

        def fdiff(self, argindex=1):
            return sympy.S.Zero
    return round


def _rounding(np_fn):
    # Integers are already whole: PyTorch gives a copy of the same dtype.
    return lambda x: x.copy() if np.asarray(x).dtype.kind in "iub" else np_fn(x)


class Floor(Op):
    """Round toward minus infinity; a step function, so its gradient is 0."""
    node_name = "FloorBackward0"
    saves = ()
    forward = staticmethod(_rounding(np.floor))
    sym = staticmethod(_SymFloor)

    @staticmethod
    def vjp(g, x, *, out):
        return (g * 0,)


class Ceil(Floor):
    """Round toward plus infinity; gradient 0."""
    node_name = "CeilBackward0"
    forward = staticmethod(_rounding(np.ceil))
    sym = staticmethod(_SymCeiling)


class Trunc(Floor):
    """Round toward zero; gradient 0."""
    node_name = "TruncBackward0"
    forward = staticmethod(_rounding(np.trunc))
    sym = staticmethod(_SymTrunc)


class Round(Floor):
    """Round to the nearest integer, halves to even; gradient 0."""
    node_name = "RoundBackward0"
    forward = staticmethod(_rounding(np.rint))
    sym = staticmethod(_SymRound)


class RoundDecimals(Op):
    """Round to ``decimals`` decimal places (``x * 10**d`` rounded, divided back, as PyTorch)."""
    node_name = "RoundBackward1"
    saves = ()

    @staticmethod
    def forward(x, decimals):
        scale = x.dtype.type(10.0 ** decimals)
        return np.rint(x * scale) / scale

    @staticmethod
    def vjp(g, x, *, out, decimals):
        return (g * 0,)

    @staticmethod
    def sym(x, decimals):
        scale = sympy.Integer(10) ** decimals
        return _SymRound(x * scale) / scale


class Frac(Op):
    """The fractional part ``x - trunc(x)``; its gradient is 1."""
    node_name = "FracBackward0"
    saves = ()

    @staticmethod
    def forward(x):
        return x - np.trunc(x)

    @staticmethod
    def vjp(g, x, *, out):
        return (g,)

    @staticmethod
    def sym(x):
        return x - _SymTrunc(x)


# --------------------------------------------------------------------- comparisons
class _Compare(Op):
    differentiable = False
    result_dtype = dtypes.bool

    @staticmethod
    def vjp(g, x, y, *, out):
        return None, None


def _comparison(name, np_fn, sym_fn):
    return type(name, (_Compare,), {"forward": staticmethod(np_fn),
                                    "sym": staticmethod(sym_fn)})


Eq = _comparison("Eq", np.equal, sympy_function("Eq"))
Ne = _comparison("Ne", np.not_equal, sympy_function("Ne"))
Lt = _comparison("Lt", np.less, sympy_function("Lt"))
Le = _comparison("Le", np.less_equal, sympy_function("Le"))
Gt = _comparison("Gt", np.greater, sympy_function("Gt"))
Ge = _comparison("Ge", np.greater_equal, sympy_function("Ge"))
LogicalAnd = _comparison("LogicalAnd", np.logical_and, sympy_function("And"))
LogicalOr = _comparison("LogicalOr", np.logical_or, sympy_function("Or"))
LogicalXor = _comparison("LogicalXor", np.logical_xor, sympy_function("Xor"))


class _Predicate(Op):
    """A test of each element (no gradient)."""
    differentiable = False
    result_dtype = dtypes.bool

    @staticmethod
    def vjp(g, x, *, out):
        return (None,)


IsNan = type("IsNan", (_Predicate,), {"forward": staticmethod(np.isnan)})
IsInf = type("IsInf", (_Predicate,), {"forward": staticmethod(np.isinf)})
IsFinite = type("IsFinite", (_Predicate,), {"forward": staticmethod(np.isfinite)})


# --------------------------------------------------------------------- public functions
def add(input, other, *, alpha=1):
    """``input + alpha * other``, broadcasting."""
    if alpha == 1:
        return apply(Add, input, other)
    return apply(Add, input, other, alpha=alpha)


def sub(input, other, *, alpha=1):
    """``input - alpha * other``, broadcasting."""
    if alpha == 1:
        return apply(Sub, input, other)
    return apply(Sub, input, other, alpha=alpha)


def rsub(input, other):
    """``other - input`` (what ``1 - x`` computes)."""
    if isinstance(other, Tensor):
        return sub(other, input)
    return apply(Rsub, input, other=other)


def mul(input, other):
    """``input * other``, broadcasting."""
    return apply(Mul, input, other)


_NO_MODE = object()  # div(x, y) and div(x, y, rounding_mode=None) record different nodes


def div(input, other, *, rounding_mode=_NO_MODE):
    """``input / other``; integers divide to floats as in PyTorch. ``rounding_mode="floor"``
    rounds toward minus infinity, ``"trunc"`` toward zero (integers then stay integers).

    >>> import autodiff_lab as torch
    >>> torch.div(torch.tensor([7, -7]), 2, rounding_mode="floor")
    tensor([ 3, -4])
    """
    if rounding_mode is _NO_MODE:
        return apply(Div, input, other)
    if rounding_mode is None:
        return apply(DivNoRounding, input, other)
    if rounding_mode not in ("floor", "trunc"):
        raise RuntimeError("div expected rounding_mode to be one of None, 'trunc', or 'floor' "
                           f"but found '{rounding_mode}'")
    _check_not_bool(input, other, "div_floor_cpu" if rounding_mode == "floor"
                    else "div_trunc_cpu")
    return apply(DivRounding, input, other, rounding_mode=rounding_mode)


def true_divide(input, other):
    """``input / other`` (PyTorch's older name for ``div``)."""
    return apply(Div, input, other)


def floor_divide(input, other):
    """``input // other``: the quotient rounded toward minus infinity.

    >>> import autodiff_lab as torch
    >>> torch.floor_divide(torch.tensor([7, -7]), 2)
    tensor([ 3, -4])
    """
    _check_not_bool(input, other, "div_floor_cpu")
    return apply(FloorDivide, input, other)


def remainder(input, other):
    """``input % other`` with the sign of ``other``, as Python's ``%``.

    >>> import autodiff_lab as torch
    >>> torch.remainder(torch.tensor([7, -7]), 3)
    tensor([1, 2])
    """
    if not isinstance(input, Tensor):
        return apply(RemainderOfScalar, input, other)
    if isinstance(other, Tensor):
        return apply(Remainder, input, other)
    return apply(RemainderScalar, input, other)


def fmod(input, other):
    """The remainder of ``input / other`` with the sign of ``input``, as C's ``fmod``.

    >>> import autodiff_lab as torch
    >>> torch.fmod(torch.tensor([7, -7]), 3)
    tensor([ 1, -1])
    """
    return apply(Fmod if isinstance(other, Tensor) else FmodScalar, input, other)


def _check_not_bool(input, other, kernel):
    if all(getattr(a, "dtype", None) is dtypes.bool for a in (input, other)):
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def reciprocal(input):
    return apply(Reciprocal, input)


def neg(input):
    return apply(Neg, input)


def pow(input, exponent):
    """``input ** exponent``; the exponent may be a number or a tensor (also a number base)."""
    if isinstance(exponent, Tensor) or isinstance(exponent, np.ndarray):
        return apply(PowTensor, input, exponent)
    if not isinstance(input, Tensor):
        return apply(RPow, exponent, base=input)
    if isinstance(exponent, float) and not input.dtype.is_floating_point:
        input = input.to(dtypes.DEFAULT_FLOAT)  # a float exponent promotes, as a float operand
    elif isinstance(exponent, int) and exponent < 0 and not input.dtype.is_floating_point:
        raise RuntimeError("Integers to negative integer powers are not allowed.")
    return apply(Pow, input, exponent=exponent)


def exp(input):
    return apply(Exp, input)


def log(input):
    return apply(Log, input)


def sqrt(input):
    return apply(Sqrt, input)


def sin(input):
    return apply(Sin, input)


def cos(input):
    return apply(Cos, input)


def tan(input):
    return apply(Tan, input)


def tanh(input):
    return apply(Tanh, input)


def sigmoid(input):
    return apply(Sigmoid, input)


def relu(input):
    return apply(Relu, input)


def abs(input):
    return apply(Abs, input)


def sign(input):
    return apply(Sign, input)


def clamp(input, min=None, max=None):
    """Clip into ``[min, max]``; bounds may be numbers or tensors."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        result = input
        if min is not None:
            result = maximum(result, min)
        if max is not None:
            result = minimum(result, max)
        return result
    return apply(Clamp, input, min=min, max=max)


def maximum(input, other):
    return apply(Maximum, input, other)


def minimum(input, other):
    return apply(Minimum, input, other)


def where(condition, input, other):
    """``input`` where ``condition`` is true, else ``other`` (broadcasting)."""
    if isinstance(input, Tensor) or isinstance(other, Tensor):
        common = dtypes.result_type(input, other)
        input = _as_dtype(input, common)
        other = _as_dtype(other, common)
    return apply(Where, condition, input, other)


def _as_dtype(x, dtype):
    if isinstance(x, Tensor):
        return x if x.dtype is dtype else x.to(dtype)
    return x


def eq(input, other):
    return apply(Eq, input, other)


def ne(input, other):
    return apply(Ne, input, other)


def lt(input, other):
    return apply(Lt, input, other)


def le(input, other):
    return apply(Le, input, other)


def gt(input, other):
    return apply(Gt, input, other)


def ge(input, other):
    return apply(Ge, input, other)


def logical_and(input, other):
    return apply(LogicalAnd, input, other)


def logical_or(input, other):
    return apply(LogicalOr, input, other)


def logical_xor(input, other):
    return apply(LogicalXor, input, other)


def logical_not(input):
    return apply(Eq, input, False)


def square(input):
    """``input ** 2`` (PyTorch records it as ``PowBackward0``)."""
    return pow(input, 2)


def rsqrt(input):
    return apply(Rsqrt, input)


def log1p(input):
    return apply(Log1p, input)


def expm1(input):
    return apply(Expm1, input)


def exp2(input):
    return apply(Exp2, input)


def log2(input):
    return apply(Log2, input)


def log10(input):
    return apply(Log10, input)


def sinh(input):
    return apply(Sinh, input)


def cosh(input):
    return apply(Cosh, input)


def asin(input):
    return apply(Asin, input)


def acos(input):
    return apply(Acos, input)


def atan(input):
    return apply(Atan, input)


def atan2(input, other):
    """The angle of the point ``(other, input)`` in radians, in ``(-pi, pi]``.

    >>> import autodiff_lab as torch
    >>> torch.atan2(torch.tensor([1., -1.]), torch.tensor([-1., -1.]))
    tensor([ 2.3562, -2.3562])
    """
    return apply(Atan2, input, other)


def floor(input):
    return apply(Floor, input)


def ceil(input):
    return apply(Ceil, input)


def trunc(input):
    return apply(Trunc, input)


def round(input, *, decimals=0):
    """Round half to even (``decimals`` places if given).

    >>> import autodiff_lab as torch
    >>> torch.round(torch.tensor([0.5, 1.5, 2.5])), torch.round(torch.tensor([1.25]), decimals=1)
    (tensor([0., 2., 2.]), tensor([1.2000]))
    """
    if decimals == 0:
        return apply(Round, input)
    return apply(RoundDecimals, input, decimals=decimals)


def frac(input):
    """The fractional part, ``input - trunc(input)``."""
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f'"frac_cpu" not implemented for \'{_type_word(input.dtype)}\'')
    return apply(Frac, input)


def _type_word(dtype):
    from ..tensor import _torch_type_name
    return _torch_type_name(dtype)


def isnan(input):
    return apply(IsNan, input)


def isinf(input):
    return apply(IsInf, input)


def isfinite(input):
    return apply(IsFinite, input)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """Elementwise ``|input - other| <= atol + rtol * |other|`` as a bool tensor.

    >>> import autodiff_lab as torch
    >>> torch.isclose(torch.tensor([1., 2.]), torch.tensor([1., 2.1]))
    tensor([ True, False])
    """
    a = input._data if isinstance(input, Tensor) else np.asarray(input)
    b = other._data if isinstance(other, Tensor) else np.asarray(other)
    return Tensor._make(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan),
                        dtypes.bool)


# --------------------------------------------------------------------- Tensor methods
method("add", "__add__", "__radd__")(add)
method("sub", "__sub__")(sub)
method("__rsub__")(rsub)
method("mul", "__mul__", "__rmul__", "multiply")(mul)
method("div", "__truediv__", "divide")(div)
method("true_divide")(true_divide)
method("floor_divide", "__floordiv__")(floor_divide)
method("__rfloordiv__")(lambda input, other: floor_divide(other, input))
method("remainder", "__mod__")(remainder)
method("__rmod__")(lambda input, other: remainder(other, input))
method("fmod")(fmod)
method("reciprocal")(reciprocal)
method("neg", "__neg__", "negative")(neg)
method("pow", "__pow__")(pow)
for _name, _fn in [("exp", exp), ("log", log), ("sqrt", sqrt), ("sin", sin), ("cos", cos),
                   ("tan", tan), ("tanh", tanh), ("sigmoid", sigmoid), ("relu", relu),
                   ("abs", abs), ("__abs__", abs), ("sign", sign), ("clamp", clamp),
                   ("clip", clamp), ("maximum", maximum), ("minimum", minimum),
                   ("eq", eq), ("__eq__", eq), ("ne", ne), ("__ne__", ne), ("lt", lt),
                   ("__lt__", lt), ("le", le), ("__le__", le), ("gt", gt), ("__gt__", gt),
                   ("ge", ge), ("__ge__", ge), ("logical_and", logical_and),
                   ("__and__", logical_and), ("logical_or", logical_or), ("__or__", logical_or),
                   ("logical_xor", logical_xor), ("__xor__", logical_xor),
                   ("logical_not", logical_not), ("__invert__", logical_not)]:
    method(_name)(_fn)
# The operators and the hottest methods skip the module function's layers (see fast_method).
for _names, _op, _fn in [(("__add__", "__radd__"), Add, add), (("__sub__",), Sub, sub),
                         (("__mul__", "__rmul__"), Mul, mul), (("__truediv__",), Div, div),
                         (("__neg__",), Neg, neg), (("exp",), Exp, exp), (("log",), Log, log),
                         (("sqrt",), Sqrt, sqrt), (("sin",), Sin, sin), (("cos",), Cos, cos),
                         (("tan",), Tan, tan), (("tanh",), Tanh, tanh)]:
    method(*_names)(fast_method(_op, _fn))
method("__pow__")(fast_method(Pow, pow, param="exponent"))


@method("__rtruediv__")
def _rtruediv(input, other):
    # PyTorch computes number / x as reciprocal(x) * number (MulBackward0 over Reciprocal).
    return mul(reciprocal(input), other)


@method("__rpow__")
def _rpow(input, other):
    return apply(RPow, input, base=other)


@method("__pos__")
def _pos(input):
    return input


@method("where")
def _where_method(input, condition, other):
    return where(condition, input, other)


def _inplace_method(op_fn_name, op, **fixed):
    def inplace(self, other, **params):
        return self._inplace(op, other, **fixed, **params)
    inplace.__name__ = op_fn_name
    inplace.__doc__ = f"In-place ``{op_fn_name[:-1]}``: writes into this tensor and returns it."
    return inplace


method("add_")(_inplace_method("add_", Add))
method("sub_")(_inplace_method("sub_", Sub))
method("mul_")(_inplace_method("mul_", Mul))


@method("div_")
def _div_(self, other, *, rounding_mode=_NO_MODE):
    """In-place ``div`` (``rounding_mode`` as for ``div``): writes into this tensor."""
    if rounding_mode is _NO_MODE:
        return self._inplace(Div, other)
    if rounding_mode is None:
        return self._inplace(DivNoRounding, other)
    div(self.detach(), other, rounding_mode=rounding_mode)  # PyTorch's errors for a bad mode
    return self._inplace(DivRounding, other, rounding_mode=rounding_mode)



method("pow_")(lambda self, exponent: self._inplace(Pow, exponent=exponent))
method("clamp_")(lambda self, min=None, max=None: self._inplace(Clamp, min=min, max=max))
method("exp_")(lambda self: self._inplace(Exp))
method("neg_")(lambda self: self._inplace(Neg))
method("relu_")(lambda self: self._inplace(Relu))
method("sigmoid_")(lambda self: self._inplace(Sigmoid))
method("tanh_")(lambda self: self._inplace(Tanh))
method("__iadd__")(_inplace_method("__iadd__", Add))
method("__isub__")(_inplace_method("__isub__", Sub))
method("__imul__")(_inplace_method("__imul__", Mul))
method("__itruediv__")(_inplace_method("__itruediv__", Div))
method("floor_divide_", "__ifloordiv__")(lambda self, other: self._inplace(FloorDivide, other))
method("remainder_", "__imod__")(lambda self, other: self._inplace(
    Remainder if isinstance(other, Tensor) else RemainderScalar, other))
method("fmod_")(lambda self, other: self._inplace(
    Fmod if isinstance(other, Tensor) else FmodScalar, other))


for _name, _fn in [("square", square), ("rsqrt", rsqrt), ("log1p", log1p), ("expm1", expm1),
                   ("exp2", exp2), ("log2", log2), ("log10", log10), ("sinh", sinh),
                   ("cosh", cosh), ("asin", asin), ("arcsin", asin), ("acos", acos),
                   ("arccos", acos), ("atan", atan), ("arctan", atan), ("atan2", atan2),
                   ("arctan2", atan2), ("floor", floor), ("ceil", ceil), ("trunc", trunc),
                   ("fix", trunc), ("round", round), ("frac", frac), ("isnan", isnan),
                   ("isinf", isinf), ("isfinite", isfinite), ("isclose", isclose)]:
    method(_name)(_fn)
for _name, _op in [("abs_", Abs), ("sqrt_", Sqrt), ("log_", Log), ("sin_", Sin), ("cos_", Cos),
                   ("floor_", Floor), ("ceil_", Ceil), ("trunc_", Trunc), ("round_", Round),
                   ("reciprocal_", Reciprocal)]:
    method(_name)(lambda self, _op=_op: self._inplace(_op))
method("square_")(lambda self: self._inplace(Pow, exponent=2))


class Fill(Op):
    """Every element set to ``value`` (``x.fill_(v)``); nothing flows back to ``x``."""
    node_name = "FillBackward2"  # PyTorch's name for fill_ with a number
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, value):
        return np.full_like(x, value)

    @staticmethod
    def vjp(g, x, *, out, value):
        return (g * 0,)


class Zero(Fill):
    node_name = "ZeroBackward0"


class Copy(Op):
    """``x.copy_(src)``: ``x`` takes ``src``'s values (broadcast, cast to ``x``'s dtype)."""
    node_name = "CopyBackwards"
    saves = ()
    promotes = False

    @staticmethod
    def forward(x, src):
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def vjp(g, x, src, *, out):
        return g * 0, g


method("fill_")(lambda self, value: self._inplace(Fill, value=_number(value)))
method("zero_")(lambda self: self._inplace(Zero, value=0))
method("copy_")(lambda self, src, non_blocking=False: self._inplace(Copy, src))


def _number(value):
    return value.item() if isinstance(value, Tensor) else value


# Every rule above is elementwise: its SymPy face is written for one scalar and mapped over the
# elements by the symbolic twin.
for _op in list(globals().values()):
    if isinstance(_op, type) and issubclass(_op, Op) and _op.__module__ == __name__:
        _op.sym_elementwise = _op.sym is not None
