"""The Tensor: a NumPy array plus autograd state, with PyTorch's attributes and semantics.

The operations themselves live in ``autodiff_lab.ops``; each op module attaches its methods and
operators here with :func:`method`, so an op's whole definition stays in one file.
"""

import numbers
import warnings
import weakref

import numpy as np

from . import device as _device
from . import dtypes, hints
from .autograd import engine, grad_mode

_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad "
    "attribute won't be populated during autograd.backward(). If you indeed want the .grad field "
    "to be populated for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you "
    "access the non-leaf Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally at "
    "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")  # PyTorch 2.13's text

# What float(x) of a tensor that requires grad warns in PyTorch 2.13 (int(x) and x.item() don't).
_SCALAR_OF_GRAD_WARNING = (
    "Converting a tensor with requires_grad=True to a scalar may lead to unexpected behavior.\n"
    "Consider using tensor.detach() first. (Triggered internally at "
    "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)")


class Size(tuple):
    """A tensor's shape: a tuple that prints like PyTorch's ``torch.Size``.

    >>> import autodiff_lab as torch
    >>> torch.zeros(2, 3).shape
    torch.Size([2, 3])
    """

    def __repr__(self):
        from .printing import NAMESPACE
        return f"{NAMESPACE[0]}.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        """The number of elements a tensor of this shape holds."""
        n = 1
        for s in self:
            n *= s
        return n


class _TensorType(type):
    """Tensor classes print as PyTorch's do (``<class 'torch.Tensor'>``), in the printing
    namespace; the class itself lives in this module."""

    def __repr__(cls):
        from .printing import NAMESPACE, public_module
        # torch.Tensor sits at the top of PyTorch's namespace; subclasses keep their module.
        module = "torch" if cls.__module__ == __name__ and NAMESPACE[0] == "torch" \
            else public_module(cls.__module__)
        return f"<class '{module}.{cls.__qualname__}'>"


class Tensor(metaclass=_TensorType):
    """A multi-dimensional array that can record operations for automatic differentiation.

    ``Tensor(data)`` makes a float32 tensor like ``torch.Tensor``; prefer
    :func:`autodiff_lab.tensor`, which infers the dtype.

    >>> import autodiff_lab as torch
    >>> torch.Tensor([[1, 2, 3], [4, 5, 6]])
    tensor([[1., 2., 3.],
            [4., 5., 6.]])
    """

    # The attributes every op touches live in slots; the rarely set ones are class defaults
    # (an instance gets its own only when one is assigned), which keeps _make cheap.
    __slots__ = ("_data", "dtype", "_requires_grad", "grad_fn", "_version_box", "__weakref__",
                 "__dict__")
    _grad = None
    _accumulator = None
    _hooks = None
    _inference = False
    _name = None
    _output_nr = 0  # which output of its grad_fn this is (a custom Function may have several)
    # NumPy must hand mixed expressions (ndarray * tensor) back to our reflected operators.
    __array_ufunc__ = None
    __array_priority__ = 1000

    def __init__(self, *args):
        default = dtypes.DEFAULT_FLOAT  # torch.Tensor follows set_default_dtype too
        if len(args) == 1 and not isinstance(args[0], numbers.Integral):
            data = _as_array(args[0], default)
        elif all(isinstance(a, numbers.Integral) for a in args):
            data = np.zeros(args, dtype=default.np)
        else:
            raise TypeError(
                f"new(): invalid data type '{type(args[0]).__name__}'")
        self._init(data, default)

    def _init(self, data, dtype):
        self._data = data
        self.dtype = dtype
        self._requires_grad = False
        self.grad_fn = None
        self._version_box = None  # made on first need (see _box)
        if grad_mode.STATE.inference:
            self._inference = True

    @classmethod
    def _make(cls, data, dtype):
        """Wrap an ndarray without copying (the engine's fast path)."""
        t = object.__new__(Tensor)
        t._data = data
        t.dtype = dtype
        t._requires_grad = False
        t.grad_fn = None
        t._version_box = None
        if grad_mode.STATE.inference:
            t._inference = True
        return t

    # ------------------------------------------------------------------ metadata
    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        """The shape, or the length of one dimension.

        >>> import autodiff_lab as torch
        >>> torch.zeros(2, 3).size(1)
        3
        """
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    def dim(self):
        return self._data.ndim

    ndimension = dim

    @property
    def ndim(self):
        return self._data.ndim

    def numel(self):
        return self._data.size

    nelement = numel

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def device(self):
        """Where the tensor lives: always the CPU.

        >>> import autodiff_lab as torch
        >>> torch.zeros(2).device
        device(type='cpu')
        """
        return _device.CPU

    is_cuda = False
    is_cpu = True
    is_mps = False

    def get_device(self):
        """-1, PyTorch's number for the CPU."""
        return -1

    def stride(self, dim=None):
        """How many elements apart neighbours along each dimension are in memory.

        >>> import autodiff_lab as torch
        >>> x = torch.zeros(2, 3)
        >>> x.stride(), x.t().stride(), x.stride(1)
        ((3, 1), (1, 3), 1)
        """
        strides = tuple(s // self._data.itemsize for s in self._data.strides)
        return strides if dim is None else strides[_wrap_dim(dim, self._data.ndim)]

    def cpu(self, memory_format=None):
        """The tensor itself: it is on the CPU already."""
        return self

    def cuda(self, device=None, non_blocking=False, memory_format=None):
        """PyTorch's error: there is no CUDA device (``.to(device)`` is the portable form)."""
        if device is None or isinstance(device, str) or isinstance(device, _device.device):
            raise AssertionError("Torch not compiled with CUDA enabled")
        raise RuntimeError(_device._NO_ACCELERATOR)

    def is_contiguous(self, memory_format=None):
        """Whether the elements lie in memory in row-major order (after ``.t()`` they don't).

        >>> import autodiff_lab as torch
        >>> x = torch.zeros(2, 3)
        >>> x.is_contiguous(), x.t().is_contiguous(), x.t().contiguous().is_contiguous()
        (True, False, True)
        """
        return bool(self._data.flags.c_contiguous)

    def is_floating_point(self):
        return self.dtype.is_floating_point

    def is_inference(self):
        return self._inference

    def element_size(self):
        return self.dtype.itemsize

    @property
    def name(self):
        """The symbol name this tensor gets in its symbolic twin (None until set)."""
        return self._name

    @name.setter
    def name(self, value):
        if value is not None and not isinstance(value, str):
            raise TypeError(f"name must be a string, not {type(value).__name__}")
        self._name = value

    @property
    def sym(self):
        """The symbolic twin: a SymPy expression (0-d) or an immutable SymPy array.

        >>> import autodiff_lab as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> (3*x + 2).sym
        3*x + 2
        """
        from .symbolic.twin import sym_of
        return sym_of(self)

    def draw(self, **kwargs):
        """The computation graph of this tensor as a matplotlib Figure (see
        :func:`autodiff_lab.viz.draw_graph` for the options).

        >>> import autodiff_lab as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> type((x * x).draw(local_derivatives=True)).__name__
        'GraphFigure'
        """
        from .viz import draw_graph  # matplotlib loads here, on first use
        return draw_graph(self, **kwargs)

    # ------------------------------------------------------------------ autograd state
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        # The attribute words its errors unlike requires_grad_(), as PyTorch's setter does.
        if self.grad_fn is not None and value:
            raise hints.add(
                RuntimeError("you can only change requires_grad flags of leaf variables."),
                hints.requires_grad_nonleaf, self, True)
        if value and not self.dtype.is_floating_point:
            raise hints.add(RuntimeError(
                "only Tensors of floating point and complex dtype can require gradients"),
                hints.integer_requires_grad, self)
        self.requires_grad_(value)

    def requires_grad_(self, requires_grad=True):
        """Start (or stop) recording operations on this leaf, in place; returns self."""
        requires_grad = bool(requires_grad)
        if self.grad_fn is not None:
            if requires_grad:
                return self
            raise hints.add(RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use "
                "a computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."), hints.requires_grad_nonleaf, self, False)
        if requires_grad and not self.dtype.is_floating_point:
            raise hints.add(
                RuntimeError("only Tensors of floating point dtype can require gradients"),
                hints.integer_requires_grad, self)
        if requires_grad and self._inference and not grad_mode.STATE.inference:
            raise RuntimeError(
                "Setting requires_grad=True on inference tensor outside InferenceMode is not "
                "allowed.")
        self._requires_grad = requires_grad
        return self

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def grad(self):
        if self.grad_fn is not None and not self._retains_grad():
            warnings.warn(hints.warning(_NON_LEAF_GRAD_WARNING, hints.nonleaf_grad, self),
                          UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor "
                    f"of size '{list(self.shape)}'. Please ensure that the gradient and the tensor "
                    "are the same size")
        self._grad = value

    def _retains_grad(self):
        node = self.grad_fn
        return bool(node is not None and node._retains and
                    any(ref() is self for ref in node._retains))

    @property
    def retains_grad(self):
        return self._retains_grad()

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward (a no-op on leaves)."""
        if self.grad_fn is None:
            if not self._requires_grad:
                raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
            return
        if not self._retains_grad():
            node = self.grad_fn
            node._retains = (node._retains or []) + [weakref.ref(self)]
            node._plain = False

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a return value replaces it.

        >>> import autodiff_lab as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> handle = x.register_hook(lambda g: g * 10)
        >>> (x * 3).backward()
        >>> x.grad
        tensor(30.)
        """
        if not self._requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is not None:
            return self.grad_fn.register_prehook(_TensorPreHook(hook, self._output_nr))
        self._hooks = (self._hooks or []) + [hook]
        return engine._RemovableHandle(self, "_hooks", hook)

    def _grad_accumulator(self):
        acc = self._accumulator
        if acc is None:
            acc = self._accumulator = engine.AccumulateGrad(self)
        return acc

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Compute the gradient of this tensor w.r.t. the graph leaves, into their ``.grad``.

        >>> import autodiff_lab as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
        >>> y.backward()
        >>> x.grad
        tensor(93.)
        """
        if gradient is None and inputs is None and not create_graph and self._requires_grad:
            # The call of almost every lesson, straight to the engine (autograd.backward,
            # below, is the reference: it checks and fills in the same way).
            if self._data.size != 1:
                from . import hints
                raise hints.add(
                    RuntimeError("grad can be implicitly created only for scalar outputs"),
                    hints.nonscalar_backward, self, "backward")
            data = self._data
            engine.run_backward((self,), (Tensor._make(np.ones(data.shape, data.dtype),
                                                       self.dtype),), retain_graph, False)
            return
        from .autograd import backward
        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self):
        """A new tensor sharing this one's data, cut from the graph."""
        t = Tensor._make(self._data, self.dtype)
        t._version_box = self._box()  # same storage, same version counter
        t._name = self._name
        return t

    def detach_(self):
        """Cut this tensor from the graph, in place; it becomes a leaf."""
        self.grad_fn = None
        self._requires_grad = False
        return self

    @property
    def data(self):
        """The same storage as a tensor that autograd does not track (nor version-check)."""
        t = Tensor._make(self._data, self.dtype)
        return t

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be a Tensor, not {type(value).__name__}")
        self._data = value._data
        self.dtype = value.dtype

    @property
    def _version(self):
        box = self._version_box
        return 0 if box is None else box[0]

    def _box(self):
        """The version counter, ``[n]``, shared with the tensors that share this storage.

        Made on first need (a save for backward, an in-place op, a detach): most results are
        never saved, and a list apiece would only feed the cyclic garbage collector.
        """
        box = self._version_box
        if box is None:
            box = self._version_box = [0]
        return box

    # ------------------------------------------------------------------ conversion
    def item(self):
        """The single value as a Python number.

        >>> import autodiff_lab as torch
        >>> torch.tensor([2.5]).item()
        2.5
        """
        if self._data.size != 1:
            raise hints.add(RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"),
                hints.not_one_element, self, "item()")
        return self._data.reshape(()).item()

    def tolist(self):
        return self._data.tolist()

    def numpy(self, *, force=False):
        """The NumPy array sharing this tensor's memory."""
        if self._requires_grad and not force:
            raise hints.add(RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."), hints.numpy_requires_grad, self)
        return self._data

    def __array__(self, dtype=None, copy=None):
        data = self.numpy()
        return data if dtype is None else data.astype(dtype)

    def __float__(self):
        if self._requires_grad:
            warnings.warn(_SCALAR_OF_GRAD_WARNING, UserWarning, stacklevel=2)
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data.reshape(()))

    def __bool__(self):
        if self._data.size != 1:
            raise hints.add(RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"),
                hints.ambiguous_bool, self)
        return bool(self._data.reshape(()))

    def _scalar(self, kind):
        if self._data.size != 1:
            raise hints.add(
                ValueError("only one element tensors can be converted to Python scalars"),
                hints.not_one_element, self, f"{kind}()")
        return self._data.reshape(()).item()

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self):
        from .printing import tensor_repr
        return tensor_repr(self)

    __str__ = __repr__

    def __hash__(self):
        return id(self)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._data.copy(), self.dtype.name, self._requires_grad))

    def __deepcopy__(self, memo):
        if self.grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the deepcopy "
                "protocol at the moment.  If you were attempting to deepcopy a module, this may "
                "be because of a torch.nn.utils.weight_norm usage, see "
                "https://github.com/pytorch/pytorch/pull/103001")
        t = type(self).__new__(type(self))
        Tensor._init(t, self._data.copy(), self.dtype)
        t._requires_grad = self._requires_grad
        if self._grad is not None:
            t._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = t
        return t

    def _repr_html_(self):
        """Jupyter's view: the PyTorch repr, then grad, grad_fn, is_leaf and the twin's LaTeX.

        >>> import autodiff_lab as torch
        >>> x = torch.tensor(2.0, requires_grad=True)
        >>> "<td>$x^{2}$</td>" in (x ** 2)._repr_html_()
        True
        """
        import html
        from .printing import tensor_repr
        rows = [("grad_fn", "None" if self.grad_fn is None else self.grad_fn.name()),
                ("is_leaf", str(self.is_leaf)), ("requires_grad", str(self._requires_grad)),
                ("grad", "None" if self._grad is None else tensor_repr(self._grad))]
        cells = "".join(f"<tr><th style='text-align:left'>{k}</th><td><pre>{html.escape(v)}"
                        f"</pre></td></tr>" for k, v in rows)
        twin = self._twin_latex()
        if twin:
            cells += f"<tr><th style='text-align:left'>sym</th><td>${twin}$</td></tr>"
        return f"<pre>{html.escape(tensor_repr(self))}</pre><table>{cells}</table>"

    def _twin_latex(self):
        # Only small graphs: a display must never be slow (the twin is built on demand).
        if self.numel() > 16 or (self.grad_fn is None and not self._requires_grad):
            return None
        import sympy
        from .symbolic import SymbolicSizeError
        try:
            latex = sympy.latex(self.sym)
        except (SymbolicSizeError, NotImplementedError):
            return None
        return latex if len(latex) <= 400 else None

    # ------------------------------------------------------------------ in-place machinery
    def _check_inplace(self, view=False):
        if self.grad_fn is None and self._requires_grad and grad_mode.STATE.grad_enabled:
            raise hints.add(RuntimeError(
                f"a {'view of a ' if view else ''}leaf Variable that requires grad is being used "
                "in an in-place operation."), hints.leaf_inplace, self, view)

    def _stand_in(self):
        """A tensor with this tensor's value and history, for the node of an in-place op on it
        to record as its input (this tensor itself then takes the new node as its history)."""
        source = Tensor._make(self._data, self.dtype)
        source.grad_fn, source._requires_grad = self.grad_fn, self._requires_grad
        if self._output_nr:  # an output of a custom Function with several outputs
            source._output_nr = self._output_nr
            del self._output_nr  # from now on output 0 of the in-place op's node
        source._accumulator = self._grad_accumulator() if self.grad_fn is None and \
            self._requires_grad else None
        if self._fw_tangent is not None:
            source._fw_tangent = self._fw_tangent
        return source

    def _inplace(self, op, *args, **params):
        """Run ``op(self, *args)`` and write the result into this tensor's storage.

        When autograd is recording, the result's node becomes this tensor's ``grad_fn`` and
        the version counter moves on, so stale saved values are caught at backward time.
        """
        from .ops.base import apply
        self._check_inplace()
        others = [a for a in args if isinstance(a, Tensor)]
        track = grad_mode.STATE.grad_enabled and op.differentiable and (
            self._requires_grad or any(a._requires_grad for a in others))
        source = self
        if track:
            source = self._stand_in()
            # The op sees the old value; copy it when the rule will read it after we overwrite.
            if op.saves is None or 0 in op.saves:
                source._data = self._data.copy()
            result = apply(op, source, *args, **params)
        else:
            with grad_mode.no_grad():
                result = apply(op, source, *args, **params)
        _write_into(self, result)
        self._box()[0] += 1
        if self._fw_tangent is not None or result._fw_tangent is not None:
            self._fw_tangent = result._fw_tangent  # forward mode: the tangent follows the value
        if track:
            self.grad_fn = result.grad_fn
            self._requires_grad = True
        return self


class _TensorPreHook:
    """A tensor hook on a non-leaf: runs on the gradient arriving at its grad_fn."""

    def __init__(self, fn, nr=0):
        self.fn, self.nr = fn, nr

    def __call__(self, grad_outputs):
        if grad_outputs[self.nr] is None:
            return None
        new = self.fn(grad_outputs[self.nr])
        return None if new is None else grad_outputs[:self.nr] + (new,) + \
            grad_outputs[self.nr + 1:]

    def __eq__(self, other):
        return other is self.fn or other is self

    __hash__ = object.__hash__


def _check_cast(t, result):
    """PyTorch's error when ``result`` cannot be written into ``t`` (a float into an int)."""
    if not np.can_cast(result._data.dtype, t._data.dtype, casting="same_kind"):
        raise hints.add(RuntimeError(
            f"result type {_torch_type_name(result.dtype)} can't be cast to the desired output "
            f"type {_torch_type_name(t.dtype)}"), hints.cast_inplace, t, result.dtype)


def _write_into(t, result):
    data = result._data
    _check_cast(t, result)
    if data.shape != t._data.shape:
        try:
            np.broadcast_to(data, t._data.shape)
        except ValueError:
            raise RuntimeError(
                f"output with shape {list(t._data.shape)} doesn't match the broadcast shape "
                f"{list(data.shape)}") from None
    if t._data.ndim == 0 and not t._data.flags.writeable:
        t._data = np.array(data, dtype=t._data.dtype)
    else:
        t._data[...] = data


def _torch_type_name(dtype):
    return dtype.legacy_name[:-len("Tensor")]  # "Float" for FloatTensor


def _rebuild(data, dtype_name, requires_grad):
    t = Tensor._make(data, getattr(dtypes, dtype_name))
    t._requires_grad = requires_grad
    return t


def _wrap_dim(dim, ndim):
    """A dimension index checked and made non-negative, with PyTorch's error text."""
    lo, hi = (-1, 0) if ndim == 0 else (-ndim, ndim - 1)
    if not lo <= dim <= hi:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{lo}, {hi}], but got {dim})")
    return dim % ndim if ndim else 0


def _as_array(data, dtype=None):
    """Convert Python data, arrays or tensors into an ndarray (floats get the default dtype)."""
    if isinstance(data, Tensor):
        arr = data._data
        return arr if dtype is None or arr.dtype == dtype.np else arr.astype(dtype.np)
    if isinstance(data, np.generic):  # a NumPy scalar keeps its dtype, as in PyTorch
        data = np.asarray(data)
    if isinstance(data, np.ndarray):
        if dtype is None:
            dtypes.from_numpy_dtype(data.dtype)  # rejects unsupported dtypes with a clear error
            return data
        return data.astype(dtype.np)
    if isinstance(data, (list, tuple)) and _contains_tensor(data):
        data = _tensors_to_lists(data)
    if dtype is not None:
        try:
            return np.array(data, dtype=dtype.np)
        except (TypeError, ValueError) as e:
            raise _creation_error(data, e) from None
    try:
        arr = np.array(data)
    except ValueError as e:
        raise _creation_error(data, e) from None
    if arr.dtype.kind == "f":
        return arr.astype(dtypes.DEFAULT_FLOAT.np)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64)
    if arr.dtype.kind == "b":
        return arr
    raise TypeError(f"new(): invalid data type '{type(data).__name__}'")


def _creation_error(data, error):
    if isinstance(data, (list, tuple)):
        lengths = _ragged(data)
        if lengths:
            dim, expected, got = lengths
            return ValueError(
                f"expected sequence of length {expected} at dim {dim} (got {got})")
    return TypeError(f"can't build a tensor from {type(data).__name__}: {error}")


def _ragged(data, dim=1):
    """The first place a nested list has rows of different lengths."""
    if not data or not isinstance(data[0], (list, tuple)):
        return None
    expected = len(data[0])
    for row in data[1:]:
        if isinstance(row, (list, tuple)) and len(row) != expected:
            return dim, expected, len(row)
    for row in data:
        found = _ragged(row, dim + 1)
        if found:
            return found
    return None


def _contains_tensor(data):
    return any(isinstance(x, Tensor) or (isinstance(x, (list, tuple)) and _contains_tensor(x))
               for x in data)


def _tensors_to_lists(data):
    return [x.tolist() if isinstance(x, Tensor) else
            _tensors_to_lists(x) if isinstance(x, (list, tuple)) else x for x in data]


def method(*names):
    """Attach a function to Tensor under the given names (used by the op modules)."""
    def attach(fn):
        for name in names:
            setattr(Tensor, name, fn)
        return fn
    return attach


class _SpentTensor(Tensor):
    """An intermediate that a node dropped when ``backward()`` freed the graph.

    It keeps the tensor's history (``grad_fn``) and name but not its values, so the memory
    goes back as in PyTorch; explain, draw_graph and the twin, which may still ask for a
    value afterwards, get it recomputed from the graph's leaves
    (:func:`autodiff_lab.autograd.engine.output_value`), and the dtype and shape with it.
    """

    __slots__ = ()

    @property
    def _data(self):
        return engine.output_value(self.grad_fn)

    @property
    def dtype(self):
        return dtypes.from_numpy_dtype(self._data.dtype)

    @classmethod
    def _of(cls, t, node):
        """The stand-in for ``t`` (None: unknown), the output of ``node`` when it was used."""
        s = object.__new__(cls)
        s._requires_grad = True
        s.grad_fn = node
        s._version_box = None if t is None else t._version_box
        if t is not None and t._name is not None:
            s._name = t._name
        return s


engine._Tensor = Tensor
engine._SpentTensor = _SpentTensor
