"""The Op: one class per operation, holding its numeric forward, its VJP and its SymPy rule.

``apply`` is the single place where an op meets tensors: it promotes dtypes, runs the NumPy
forward, and records a backward node when autograd needs one. Because each rule is written with
Python operators and our own op functions, the same ``vjp`` runs on ndarrays (ordinary
backward), on Tensors (``create_graph=True``) and on SymPy objects (symbolic reverse mode).
"""

import functools

import numpy as np

from .. import dtypes, hints
from .._lazy import is_sympy
from ..autograd import anomaly, grad_mode
from ..autograd.engine import Node

REGISTRY = {}
forward_hook = None  # set by autodiff_lab.forward while a dual_level is open


class Op:
    """Base class of all differentiable operations.

    Subclasses set ``node_name`` (PyTorch's grad_fn class name) and define static methods
    ``forward(*arrays, **params)`` and ``vjp(g, *inputs, out, **params)``; ``sym`` is the SymPy
    forward rule (``None`` until the op has one).
    """

    node_name = None
    saves = None        # indices of the inputs that vjp reads; None means all of them
    saves_out = False   # whether vjp reads the forward result
    to_float = False    # integer inputs are promoted to the default float dtype first
    promotes = True     # tensor arguments are cast to a common dtype
    result_dtype = None  # a fixed result dtype (comparisons give bool)
    differentiable = True
    sym = None
    sym_elementwise = False  # sym is written for one SymPy scalar and mapped over elements
    # Optional: ``vjp`` fused with in-place NumPy operations, used by the ordinary (ndarray)
    # backward of the hottest ops; it must agree with ``vjp`` (the registry tests check).
    vjp_numpy = None
    # Whether vjp takes ``needs`` (one bool per input): expensive rules skip unneeded inputs.
    uses_needs = False
    # PyTorch's aten name (e.g. "aten::floor_divide") for an op PyTorch records with a
    # ``NotImplemented`` node: the result requires grad, but backward through it raises.
    not_implemented = None
    # Whether forward and vjp give the same bits on NumPy scalars as on 0-d arrays: then the
    # engine hands them scalars for 0-d tensors, whose arithmetic skips the ufunc machinery
    # (a 0-d ``array * 0.99`` costs seven times ``float32 * 0.99``).
    scalar_ok = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.not_implemented is not None:
            cls.node_name = "NotImplemented"
            cls.vjp = staticmethod(_no_derivative(cls.not_implemented))
        if cls.node_name is not None:
            # The grad_fn class carries PyTorch's name, so type(y.grad_fn).__name__ matches.
            cls.Node = type(cls.node_name, (Node,), {"__slots__": (), "op": cls,
                                                     "_plain_op": not cls.uses_needs,
                                                     "_scalar_ok": cls.scalar_ok})
            if cls.not_implemented is not None:
                cls.Node.name = lambda self: "torch::autograd::NotImplemented"
                # PyTorch's NotImplemented node lists only the inputs that require grad.
                cls.Node.next_functions = property(
                    lambda self: tuple((n, 0) for n in self._next if n is not None))
        REGISTRY[cls.__name__] = cls
        # The rule the ordinary (ndarray) backward calls, looked up once instead of per node.
        cls.vjp_fast = staticmethod(cls.vjp_numpy or cls.vjp)
        cls.frees_saved = cls.saves != () or cls.saves_out  # what backward() has to free

    @staticmethod
    def forward(*arrays, **params):
        raise NotImplementedError

    @staticmethod
    def vjp(g, *inputs, out, **params):
        raise NotImplementedError


def numpy_names(fn):
    """Also accept NumPy's ``axis=`` for ``dim=`` and ``keepdims=`` for ``keepdim=``, as
    PyTorch's native functions do (``A.sum(axis=0)`` in d2l and other NumPy-minded lessons)."""
    @functools.wraps(fn)
    def accepting_numpy_names(*args, **kwargs):
        if kwargs and ("axis" in kwargs or "keepdims" in kwargs):
            kwargs = {_NUMPY_NAMES.get(k, k): v for k, v in kwargs.items()}
        return fn(*args, **kwargs)
    return accepting_numpy_names


_NUMPY_NAMES = {"axis": "dim", "keepdims": "keepdim"}


def _no_derivative(aten_name):
    def vjp(g, *inputs, out, **params):
        raise RuntimeError(f"derivative for {aten_name} is not implemented")
    return vjp


def _array_args(op, args):
    """Cast the arguments to NumPy values of the dtype PyTorch would compute in."""
    if not op.promotes:
        return tuple(a._data if isinstance(a, Tensor) else a for a in args), None
    common = _common_dtype(args)
    if op.to_float and not common.is_floating_point:
        common = dtypes.DEFAULT_FLOAT
    target = common.np
    # Python numbers stay as they are next to float arrays: NumPy treats them as "weak" and
    # keeps the array's dtype, which is PyTorch's rule too, without building a NumPy scalar.
    weak_ok = target.kind == "f"
    arrays = []
    for a in args:
        if isinstance(a, Tensor):
            data = a._data
            arrays.append(data if data.dtype == target else data.astype(target))
        elif weak_ok and type(a) in (float, int):
            arrays.append(a)
        else:
            arrays.append(target.type(a))
    return tuple(arrays), common


def _common_dtype(args):
    # Fast path: tensors of one dtype with scalars that cannot raise its category.
    first = None
    for a in args:
        if isinstance(a, Tensor):
            if first is None:
                first = a.dtype
            elif a.dtype is not first:
                return dtypes.result_type(*args)
        elif not (first is not None and first.is_floating_point and
                  isinstance(a, (int, float)) and not isinstance(a, bool)):
            return dtypes.result_type(*args)
    return first


def apply(op, *args, **params):
    """Run ``op`` on tensors (recording a node if needed) or on plain NumPy values.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.ops.elementwise import Mul
    >>> apply(Mul, torch.tensor(3.0, requires_grad=True), 2.0)
    tensor(6., grad_fn=<MulBackward0>)
    """
    # The fast path, for the shape of almost every call: tensors of one dtype, Python numbers
    # only next to floating tensors, no inference mode, forward mode or anomaly detection.
    # Everything else (and every error) goes through _apply_general, which is the reference.
    dtype = None
    arrays = []
    needs_grad = False
    scalars = op.scalar_ok
    for a in args:
        if isinstance(a, Tensor):  # Parameters too
            if a.dtype is not dtype:
                if dtype is not None:
                    return _apply_general(op, args, params)
                dtype = a.dtype
            data = a._data
            arrays.append(data[()] if scalars and data.ndim == 0 else data)
            if a._requires_grad:
                needs_grad = True
            if a._inference:
                return _apply_general(op, args, params)
        elif type(a) is float or type(a) is int:
            arrays.append(a)
        else:
            return _apply_general(op, args, params)
    # Integer and bool tensors take the general path: it applies to_float and the promotions.
    if dtype is None or not dtype.is_floating_point or not op.promotes \
            or forward_hook is not None or anomaly.STATE.enabled or grad_mode.STATE.inference:
        return _apply_general(op, args, params)
    try:
        out = op.forward(*arrays, **params)
    except ValueError:
        return _apply_general(op, args, params)  # raises PyTorch's broadcasting error
    return _result(op, args, params, out, dtype, needs_grad)


def _result(op, args, params, out, dtype, needs_grad):
    """The fast path's result tensor for ``out``, with its node when autograd records one."""
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    result = _new(Tensor)
    result._data = out
    result._version_box = None
    result.dtype = op.result_dtype or (dtype if out.dtype is dtype.np or out.dtype == dtype.np
                                       else dtypes.from_numpy_dtype(out.dtype))
    if needs_grad and grad_mode.STATE.grad_enabled and op.differentiable \
            and result.dtype.is_floating_point:
        node = result.grad_fn = op.Node(args, params, out)
        result._requires_grad = True
        if op.saves_out:
            node._saved_versions += (None, result._box(), 0)
    else:
        result.grad_fn = None
        result._requires_grad = False
    return result


_new = object.__new__
_NO_PARAMS = {}
_CONSTANTS = {}


def constant(value, dtype):
    """The Python number ``value`` as a NumPy scalar of ``dtype``: the value NumPy casts the
    number to next to an array of that dtype, which it combines with the array in two thirds
    of the time (no weak-scalar promotion). Cached; numbers that do not fit stay numbers.

    >>> constant(0.5, np.dtype(np.float32))
    np.float32(0.5)
    """
    key = (value, dtype)
    c = _CONSTANTS.get(key)
    if c is None:
        with np.errstate(over="ignore"):
            c = dtype.type(value)
        if not np.isfinite(c) and np.isfinite(value):
            return value  # overflows: NumPy's own handling of the number decides
        if len(_CONSTANTS) < 4096:
            _CONSTANTS[key] = c
    return c


def fast_method(op, fallback, param=None):
    """``fallback`` (the op's module function, ``tanh`` or ``mul``) as a Tensor method taking
    ``self`` (``fallback`` of one argument) or ``self, other``, with apply's common case
    spelled out: a floating tensor with a Python number or a tensor of its dtype, outside
    inference, forward and anomaly modes. Operators and methods are most of what a lesson
    runs, and the generic call costs a third of a 0-d op; every other case, and every error,
    goes to ``fallback``. ``param`` names the keyword a number ``other`` is passed as
    (``exponent`` for ``x ** 3``); then a tensor ``other`` always takes the fallback.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.ops.elementwise import Mul, mul
    >>> fast_method(Mul, mul)(torch.tensor(3.0, requires_grad=True), 2.0)
    tensor(6., grad_fn=<MulBackward0>)
    """
    forward = op.forward
    scalars = op.scalar_ok

    def unary(self):
        dtype = self.dtype
        if not dtype.is_floating_point or self._inference or forward_hook is not None \
                or anomaly.STATE.enabled or grad_mode.STATE.inference:
            return fallback(self)
        x = self._data
        return _result(op, (self,), _NO_PARAMS, forward(x[()] if scalars and x.ndim == 0 else x),
                       dtype, self._requires_grad)

    def binary(self, other):
        dtype = self.dtype
        kind = type(other)
        if kind is float or kind is int:
            y = other
            needs_grad = self._requires_grad
        elif param is None and isinstance(other, Tensor) and other.dtype is dtype \
                and not other._inference:
            y = other._data
            if scalars and y.ndim == 0:
                y = y[()]
            needs_grad = self._requires_grad or other._requires_grad
        else:
            return fallback(self, other)
        if not dtype.is_floating_point or self._inference or forward_hook is not None \
                or anomaly.STATE.enabled or grad_mode.STATE.inference:
            return fallback(self, other)
        x = self._data
        if x.ndim == 0 and scalars:
            x = x[()]
        elif y is other and param is None:
            y = constant(y, x.dtype)
        try:
            out = forward(x, y)
        except ValueError:
            return fallback(self, other)  # raises PyTorch's broadcasting error
        if param is None:
            return _result(op, (self, other), _NO_PARAMS, out, dtype, needs_grad)
        return _result(op, (self,), {param: other}, out, dtype, needs_grad)
    binary.__name__ = unary.__name__ = fallback.__name__
    binary.__doc__ = unary.__doc__ = fallback.__doc__
    return unary if fallback.__code__.co_argcount == 1 else binary


def _apply_general(op, args, params):
    """apply() for every case: mixed dtypes, arrays, inference mode, forward mode, anomaly."""
    has_tensor = needs_grad = has_array = inference_input = False
    for a in args:
        if isinstance(a, Tensor):
            has_tensor = True
            if a._requires_grad:
                needs_grad = True
            if a._inference:
                inference_input = True
        elif isinstance(a, np.ndarray):
            has_array = True
    if not has_tensor:
        return _apply_untracked(op, args, params)
    if has_array:  # an ndarray next to a tensor is a constant tensor
        args = tuple(Tensor._make(a, dtypes.from_numpy_dtype(a.dtype))
                     if isinstance(a, np.ndarray) else a for a in args)
    arrays, common = _array_args(op, args)
    try:
        out = op.forward(*arrays, **params)
    except ValueError as e:
        error = _broadcast_error(args)
        raise e if error is None else hints.add(error, hints.broadcast, op, args)
    if type(out) is not np.ndarray:
        out = np.asarray(out)
    dtype = op.result_dtype or (
        common if common is not None and out.dtype == common.np
        else dtypes.from_numpy_dtype(out.dtype))
    result = Tensor._make(out, dtype)
    if needs_grad and op.differentiable and dtype.is_floating_point and \
            grad_mode.STATE.grad_enabled:
        if inference_input and not grad_mode.STATE.inference:
            raise RuntimeError(
                "Inference tensors cannot be saved for backward. Please do not use Tensors "
                "created in inference mode in computation tracked by autograd. To work around "
                "this, you can make a clone to get a normal tensor and use it in autograd, or "
                "use `torch.no_grad()` instead of `torch.inference_mode()`.")
        node = result.grad_fn = op.Node(args, params, out)
        result._requires_grad = True
        if op.saves_out:
            node._saved_versions += (None, result._box(), 0)
        if anomaly.STATE.enabled:
            anomaly.record_trace(node)
    if forward_hook is not None:  # inside a forward-mode dual_level: the result's tangent
        forward_hook(op, args, params, result)
    return result


def _broadcast_error(args):
    """PyTorch's text for operands whose shapes do not broadcast, naming both sizes."""
    shapes = [tuple(a.shape) for a in args if hasattr(a, "shape")]
    if len(shapes) < 2:
        return None
    a, b = shapes[0], shapes[1]
    for i in range(1, min(len(a), len(b)) + 1):
        if a[-i] != b[-i] and a[-i] != 1 and b[-i] != 1:
            dim = max(len(a), len(b)) - i
            return RuntimeError(
                f"The size of tensor a ({a[-i]}) must match the size of tensor b ({b[-i]}) at "
                f"non-singleton dimension {dim}")
    return None


def _apply_untracked(op, args, params):
    """Plain values: SymPy values take the symbolic path, everything else the NumPy forward."""
    for a in args:
        if is_sympy(a) or (isinstance(a, np.ndarray) and a.dtype == object):
            from ..symbolic.twin import symbolic_apply
            return symbolic_apply(op, args, params)
    return op.forward(*args, **params)


def sum_to(g, shape):
    """Sum a broadcast gradient back down to ``shape`` (works on ndarrays and Tensors)."""
    if tuple(g.shape) == tuple(shape):
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and g.shape[i + lead] != 1)
    if axes:
        g = g.sum(axes)
    return g.reshape(tuple(shape))


class _Placeholder:
    pass


# Filled in by the package once tensor.py is importable; a module global keeps the hot path a
# plain global lookup.
Tensor = _Placeholder
