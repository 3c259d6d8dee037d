"""Forward-mode AD: dual numbers for the classroom, dual tensors like torch.autograd.forward_ad.

Two levels, one idea. A *dual number* ``a + bε`` with ``ε² = 0`` carries a value and a
derivative together, and every function obeys ``f(a + bε) = f(a) + f'(a)·b·ε``: evaluate
``f(Dual(x, 1))`` and the derivative falls out of the forward pass, with no graph and no
backward pass (:class:`Dual`).

*Dual tensors* do the same for tensors: inside ``with dual_level():``, ``make_dual(x, t)``
attaches a tangent ``t`` to ``x``, every op then computes its result's tangent as it runs,
and ``unpack_dual(y)`` reads ``(y, J·t)``. One forward pass gives one Jacobian-vector product,
so a full Jacobian costs one pass per *input* element; reverse mode costs one backward pass
per *output* element. That is the contrast a lesson draws.

How each op gets its tangent, generically. An op only knows its VJP, ``u ↦ Jᵀu``. The JVP
``J·t`` is recovered with the "double vjp" trick: ``u ↦ ⟨Jᵀu, t⟩ = ⟨u, J·t⟩`` is linear in
``u``, so its gradient with respect to ``u`` is exactly ``J·t``. We run the op's own ``vjp``
on a dummy cotangent ``u`` (a tensor that requires grad), take the dot product with the input
tangents and differentiate that with reverse mode. Because every ``vjp`` is written with our
differentiable ops, this works for every op in the registry with no per-op forward rule, and
the value of ``u`` never matters (the map is linear), so it is zeros.

>>> import autodiff_lab as torch
>>> import autodiff_lab.forward as fwAD
>>> x = torch.tensor([0.0, 1.0])
>>> with fwAD.dual_level():
...     y = torch.sin(fwAD.make_dual(x, torch.tensor([1.0, 1.0])))
...     fwAD.unpack_dual(y).tangent   # cos(x) · 1
tensor([1.0000, 0.5403])
"""

import collections
import functools
import math
import weakref

from .autograd import engine, grad_mode
from .ops import base
from .ops.index import Alias
from .ops.shape import Reshape
from .tensor import Tensor

__all__ = [
    "Dual",
    "UnpackedDualTensor",
    "derivative",
    "dual_level",
    "enter_dual_level",
    "exit_dual_level",
    "make_dual",
    "unpack_dual",
]


# --------------------------------------------------------------------- dual numbers
class Dual:
    """A dual number ``value + derivative·ε`` with ``ε² = 0``: forward-mode AD in one class.

    Arithmetic follows the rules of differentiation because ``ε² = 0`` drops every term past
    the first order: ``(a + bε)(c + dε) = ac + (ad + bc)ε`` is the product rule. Functions are
    methods (``x.exp()``, ``x.sin()``, ...), so NumPy's ``np.exp(x)`` works on a Dual too.

    Seed the derivative with 1 to differentiate with respect to that variable:

    >>> x = Dual(2.0, 1.0)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> y
    Dual(value=63.0, derivative=93.0)
    >>> print(y)
    63.0 + 93.0ε
    >>> Dual(0.0, 1.0).sin().cos()   # chain rule: -sin(sin 0)·cos 0 = 0
    Dual(value=1.0, derivative=-0.0)
    """

    __slots__ = ("derivative", "value")

    def __init__(self, value, derivative=0.0):
        self.value = value
        self.derivative = derivative

    def __repr__(self):
        return f"Dual(value={self.value!r}, derivative={self.derivative!r})"

    def __str__(self):
        sign = "-" if self.derivative < 0 else "+"
        return f"{self.value} {sign} {abs(self.derivative)}ε"

    # Arithmetic: each line is a rule of differentiation.
    def __add__(self, other):
        other = _lift(other)
        return Dual(self.value + other.value, self.derivative + other.derivative)

    __radd__ = __add__

    def __sub__(self, other):
        other = _lift(other)
        return Dual(self.value - other.value, self.derivative - other.derivative)

    def __rsub__(self, other):
        return _lift(other) - self

    def __mul__(self, other):
        other = _lift(other)
        return Dual(self.value * other.value,
                    self.derivative * other.value + self.value * other.derivative)

    __rmul__ = __mul__

    def __truediv__(self, other):
        other = _lift(other)
        return Dual(self.value / other.value,
                    (self.derivative * other.value - self.value * other.derivative)
                    / (other.value * other.value))

    def __rtruediv__(self, other):
        return _lift(other) / self

    def __pow__(self, other):
        if isinstance(other, Dual):
            # d(a^b) = b·a^(b-1)·da + a^b·ln(a)·db; the second term only when b moves.
            value = self.value ** other.value
            d = other.value * self.value ** (other.value - 1) * self.derivative
            if other.derivative:
                d += value * math.log(self.value) * other.derivative
            return Dual(value, d)
        if other == 0:
            return Dual(self.value ** 0, 0.0 * self.derivative)
        return Dual(self.value ** other, other * self.value ** (other - 1) * self.derivative)

    def __rpow__(self, other):
        return _lift(other) ** self

    def __neg__(self):
        return Dual(-self.value, -self.derivative)

    def __pos__(self):
        return self

    def __abs__(self):
        return self.abs()

    # Comparisons look at the value only, so ``if x > 0:`` branches as it would on numbers.
    def __lt__(self, other):
        return self.value < _lift(other).value

    def __le__(self, other):
        return self.value <= _lift(other).value

    def __gt__(self, other):
        return self.value > _lift(other).value

    def __ge__(self, other):
        return self.value >= _lift(other).value

    def __eq__(self, other):
        if isinstance(other, Dual):
            return self.value == other.value and self.derivative == other.derivative
        return self.value == other

    def __hash__(self):
        return hash((self.value, self.derivative))

    # Functions: f(a + bε) = f(a) + f'(a)·b·ε.
    def _chain(self, value, slope):
        return Dual(value, slope * self.derivative)

    def exp(self):
        e = math.exp(self.value)
        return self._chain(e, e)

    def log(self):
        return self._chain(math.log(self.value), 1 / self.value)

    def sqrt(self):
        r = math.sqrt(self.value)
        return self._chain(r, 0.5 / r)

    def sin(self):
        return self._chain(math.sin(self.value), math.cos(self.value))

    def cos(self):
        return self._chain(math.cos(self.value), -math.sin(self.value))

    def tan(self):
        t = math.tan(self.value)
        return self._chain(t, 1 + t * t)

    def tanh(self):
        t = math.tanh(self.value)
        return self._chain(t, 1 - t * t)

    def sigmoid(self):
        s = 1 / (1 + math.exp(-self.value))
        return self._chain(s, s * (1 - s))

    def relu(self):
        return self._chain(max(self.value, 0.0), 1.0 if self.value > 0 else 0.0)

    def abs(self):
        return self._chain(abs(self.value), math.copysign(1.0, self.value) if self.value else 0.0)


def _lift(x):
    """A plain number is a constant: its derivative is 0."""
    return x if isinstance(x, Dual) else Dual(x, 0.0)


def derivative(f, x):
    """``f'(x)`` for a function of one number, by evaluating ``f`` once on ``Dual(x, 1)``.

    >>> derivative(lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1, 2.0)
    93.0
    >>> derivative(lambda x: (x * x).sin(), 0.0)
    0.0
    """
    y = f(Dual(x, 1.0))
    return y.derivative if isinstance(y, Dual) else 0.0


# --------------------------------------------------------------------- dual tensors
class UnpackedDualTensor(collections.namedtuple("UnpackedDualTensor", ["primal", "tangent"])):
    """What :func:`unpack_dual` returns: the value and its tangent (``None`` if it has none)."""

    __slots__ = ()


class Identity(Alias):
    """The primal ``unpack_dual`` returns: a view of the same values (PyTorch's ``Identity``)."""
    node_name = "Identity"


class _State:
    level = -1           # the open dual level (only one, process-wide, as in PyTorch)
    busy = False         # computing a tangent: the ops doing that get no tangents themselves
    tangent_graph = None  # False: never record the tangents' own graph (functional.jvp)
    holders = ()         # weak references to everything given a tangent at this level


_STATE = _State()


def _get_tangent(t):
    return t._fw_tangent_value


def _set_tangent(t, tangent):
    t._fw_tangent_value = tangent
    if tangent is not None:
        _STATE.holders.append(weakref.ref(t))


# Every tensor has a forward-mode tangent slot, None unless a dual level gives it one.
Tensor._fw_tangent_value = None
Tensor._fw_tangent = property(_get_tangent, _set_tangent)


def enter_dual_level():
    """Open the forward-mode level (prefer ``with dual_level():``); returns its number, 0.

    >>> enter_dual_level()
    0
    >>> exit_dual_level()
    """
    if _STATE.level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _STATE.level, _STATE.holders = 0, []
    base.forward_hook = _propagate
    return 0


def exit_dual_level(*, level=None):
    """Close the level: every tangent made in it is deleted, as PyTorch does."""
    if level is None:
        level = _STATE.level
    if level != _STATE.level:
        raise RuntimeError(
            "Trying to exit a forward AD level that was not the last one that was created. "
            "This is not supported.")
    base.forward_hook = None
    for ref in _STATE.holders:
        holder = ref()
        if isinstance(holder, Tensor):
            holder._fw_tangent_value = None
        elif holder is not None:
            holder.metadata.pop("_fw_tangent", None)
    _STATE.level, _STATE.holders = -1, ()


class dual_level:
    """Context manager (and decorator) inside which dual tensors carry tangents.

    >>> import autodiff_lab as torch
    >>> with dual_level():
    ...     y = make_dual(torch.tensor(3.0), torch.tensor(1.0)) ** 2
    ...     unpack_dual(y)
    UnpackedDualTensor(primal=tensor(9.), tangent=tensor(6.))
    >>> unpack_dual(y).tangent is None   # tangents are deleted when the level closes
    True
    """

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False

    def __call__(self, func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with dual_level():
                return func(*args, **kwargs)
        return wrapper


class _tangent_graph:
    """Whether tangents record their own graph: ``True`` follows PyTorch (when anything
    involved requires grad), ``False`` never (faster; nobody will differentiate them)."""

    def __init__(self, record):
        self.record = None if record else False

    def __enter__(self):
        self.saved, _STATE.tangent_graph = _STATE.tangent_graph, self.record

    def __exit__(self, *exc):
        _STATE.tangent_graph = self.saved
        return False


def make_dual(tensor, tangent, *, level=None):
    """A new tensor aliasing ``tensor``'s values, carrying ``tangent`` as its forward gradient.

    >>> import autodiff_lab as torch
    >>> with dual_level():
    ...     x = make_dual(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))
    ...     unpack_dual((x * x).sum()).tangent      # d/dx₀ of x₀² + x₁²
    tensor(2.)
    """
    if (_STATE.level if level is None else level) < 0:
        raise RuntimeError(
            "Trying to create a dual Tensor for forward AD but no level exists, make sure to "
            "enter_dual_level() first.")
    if not tensor.dtype.is_floating_point:
        raise ValueError(
            f"Expected primal to be floating point or complex, but got: {tensor.dtype}")
    if not tangent.dtype.is_floating_point:
        raise ValueError(
            f"Expected tangent to be floating point or complex, but got: {tangent.dtype}")
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original "
            f"Tensor, this is not supported. Tensor is of size {list(tensor.shape)} while the "
            f"given forward gradient is of size {list(tangent.shape)}.")
    dual = _alias(Reshape, tensor, shape=tuple(tensor.shape))  # PyTorch's make_dual is a view
    dual._fw_tangent = tangent
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)`` of a dual tensor; the tangent is None outside a level or if unset.

    >>> import autodiff_lab as torch
    >>> unpack_dual(torch.tensor(1.0))
    UnpackedDualTensor(primal=tensor(1.), tangent=None)
    """
    if (_STATE.level if level is None else level) < 0:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(Identity, tensor), tensor._fw_tangent)


def _alias(op, tensor, **params):
    """A view of ``tensor`` (differentiable in reverse mode) with no tangent of its own."""
    busy, _STATE.busy = _STATE.busy, True
    try:
        return base.apply(op, tensor, **params)
    finally:
        _STATE.busy = busy


def _propagate(op, args, params, result):
    """The hook ``ops.base.apply`` calls inside a dual level: give ``result`` its tangent."""
    if _STATE.busy or not result.dtype.is_floating_point or not op.differentiable \
            or grad_mode.STATE.inference:
        return
    tangents = [a._fw_tangent if isinstance(a, Tensor) else None for a in args]
    if all(t is None for t in tangents):
        return
    _STATE.busy = True
    try:
        tangent = _op_jvp(op, args, params, result, tangents)
    finally:
        _STATE.busy = False
    result._fw_tangent = tangent
    if result.grad_fn is not None:
        # A create_graph backward rebuilds this result from its node; the tangent goes along.
        result.grad_fn.metadata["_fw_tangent"] = tangent
        _STATE.holders.append(weakref.ref(result.grad_fn))


def _op_jvp(op, args, params, out, tangents):
    """``Σᵢ Jᵢ·tᵢ`` for one op application: the gradient w.r.t. ``u`` of ``Σᵢ ⟨vjpᵢ(u), tᵢ⟩``."""
    from .autograd import grad
    from .creation import zeros_like
    # Record the tangent's own graph only when someone may differentiate it (as PyTorch does).
    graph = _STATE.tangent_graph is not False and grad_mode.STATE.grad_enabled and any(
        t is not None and t.requires_grad for t in [*tangents, *args] if isinstance(t, Tensor))
    if not graph:
        args = tuple(a.detach() if isinstance(a, Tensor) else a for a in args)
        out = out.detach()
    with grad_mode.enable_grad():
        u = zeros_like(out, requires_grad=True)
        # vjpᵢ(u) = Jᵢᵀu; seeding its backward pass with tᵢ gives ∂⟨Jᵢᵀu, tᵢ⟩/∂u = Jᵢ·tᵢ.
        pairs = [(engine._match(gx, x), tx)
                 for x, gx, tx in zip(args, op.vjp(u, *args, out=out, **params), tangents)
                 if tx is not None and isinstance(gx, Tensor) and gx.requires_grad]
        jt = grad([g for g, _ in pairs], u, [t for _, t in pairs], create_graph=graph,
                  allow_unused=True)[0] if pairs else None
    return zeros_like(out) if jt is None else jt
