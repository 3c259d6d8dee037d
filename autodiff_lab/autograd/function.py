"""Custom autograd Functions: a forward and a backward written by hand, as torch.autograd.Function.

A subclass of :class:`Function` gets a backward node class named ``<Name>Backward``; each call of
``apply`` makes one such node, which is also the ``ctx`` handed to ``forward``/``setup_context``
and ``backward`` (as in PyTorch, ``y.grad_fn.saved_tensors`` is ``ctx.saved_tensors``). The node
joins the engine's graph like any op's node, so ``backward``, ``autograd.grad``, hooks,
``retain_grad``, ``create_graph=True`` and ``gradcheck`` work on it. For the symbolic twin,
``explain`` and the pictures it offers an op face (:class:`_FunctionOp`): the class's own ``sym``
rule if it has one (our extension), else an undefined SymPy function of the inputs.
"""

import functools
import inspect
import sys
import warnings

import numpy as np

from .. import hints
from .._lazy import is_sympy, mpmath, sympy
from . import anomaly, engine, grad_mode
from .engine import Node

__all__ = ["FunctionCtx", "BackwardCFunction", "FunctionMeta", "Function", "once_differentiable"]


def _is_tensor(x):
    return isinstance(x, engine._Tensor)


class FunctionCtx:
    """What ``forward``/``setup_context`` use to hand information to ``backward``.

    >>> ctx = FunctionCtx()
    >>> ctx.set_materialize_grads(False)
    >>> ctx.materialize_grads
    False
    """

    def save_for_backward(self, *tensors):
        """Keep tensors for ``backward`` (read back with ``ctx.saved_tensors``, version-checked)."""
        for i, t in enumerate(tensors):
            if not (t is None or _is_tensor(t)):
                raise TypeError(f"save_for_backward can only save variables, but argument {i} "
                                f"is of type {type(t).__name__}")
        self.to_save = tensors

    def save_for_forward(self, *tensors):
        for t in tensors:
            if not (t is None or _is_tensor(t)):
                raise AssertionError(
                    "save_for_forward expects all arguments to be tensors; you should save "
                    "non-tensors as attributes on ctx.")
        self.saved_for_forward = tensors

    def mark_dirty(self, *args):
        """Declare the inputs that ``forward`` modified in place (they must be returned)."""
        self.dirty_tensors = args

    def mark_non_differentiable(self, *args):
        """Declare outputs that get no gradient (``backward`` still receives zeros for them)."""
        self.non_differentiable = args

    def set_materialize_grads(self, value):
        """Whether missing output gradients reach ``backward`` as zeros (default) or as None."""
        self.materialize_grads = bool(value)


class BackwardCFunction(Node, FunctionCtx):
    """The backward node of one call of a custom Function, and the ``ctx`` of that call."""

    _forward_cls = None
    to_save = None
    dirty_tensors = non_differentiable = None
    materialize_grads = True
    needs_input_grad = ()

    def __init__(self):
        # A ctx outside any graph until _record joins it (under no_grad it never does).
        self._args, self._params, self._out, self._next = (), {}, None, ()
        self._saved_versions = ()
        self._seq = -1
        self._plain = False  # always the engine's general path: backward is the user's code
        self._saved = ()
        self._replaying = False

    def __repr__(self):
        # PyTorch's text, torch.autograd.function.<Name>Backward, in the printing namespace.
        from ..printing import public_module
        return f"<{public_module(type(self).__module__)}.{type(self).__name__} object at " \
            f"{id(self):#x}>"

    @property
    def op(self):
        """The op face that the twin, explain and the pictures read (see _FunctionOp)."""
        return _FunctionOp(self)

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``, checked for in-place changes since."""
        if self._saved_versions is None and not self._replaying:
            raise hints.add(RuntimeError(engine._SECOND_BACKWARD), hints.second_backward, self)
        if self._seq < 0:  # not recorded: nothing to check
            return tuple(self.to_save or ())
        if not self._replaying:
            for t, box, version, nr in self._saved_versions:
                if box[0] != version:
                    # PyTorch names the producer: this node for a saved output, the input's
                    # grad_fn now for a saved input.
                    producer, nr = (t.grad_fn, t._output_nr) if nr is None else (self, nr)
                    raise hints.add(
                        engine.modified_error(t.dtype, t.shape, producer, nr, box[0], version),
                        hints.modified_saved, self, t, box[0], version, producer is self)
        return self._saved

    def apply(self, *grad_outputs):
        """Call the Function's ``backward`` with this ctx (what ``grad_fn.apply`` does)."""
        return self._user_backward()(self, *grad_outputs)

    def _user_backward(self):
        cls = self._forward_cls
        if cls.backward is not Function.backward and cls.vjp is not Function.vjp:
            raise RuntimeError(
                "Implementing both 'backward' and 'vjp' for a custom Function is not allowed. "
                "You should only implement one of them.")
        return cls.vjp if cls.vjp is not Function.vjp else cls.backward

    # ------------------------------------------------------------------ recording
    def _record(self, args, output):
        """Join the graph after ``forward`` ran: edges, saved versions, outputs' grad_fn."""
        outputs = output if isinstance(output, tuple) else (output,)
        out_ids = {id(o) for o in outputs if _is_tensor(o)}
        dirty = {id(t): t for t in self.dirty_tensors or ()}
        if any(key not in out_ids for key in dirty):
            raise RuntimeError(
                "Some elements marked as dirty during the forward method were not returned as "
                "output. The inputs that are modified inplace must all be outputs of the "
                "Function.")
        inputs = tuple(a for a in args if _is_tensor(a))
        record = grad_mode.STATE.grad_enabled and any(t._requires_grad for t in inputs)
        non_diff = {id(t) for t in self.non_differentiable or ()}
        input_ids = {id(t) for t in inputs}
        if record:
            self._join(args, inputs, dirty)
            if len(outputs) > 1:
                self._multi = len(outputs)
        for t in dirty.values():
            t._box()[0] += 1  # PyTorch bumps a dirty tensor's version once more
        results = []
        for k, o in enumerate(outputs):
            if _is_tensor(o):
                if id(o) in input_ids and id(o) not in dirty:
                    o = _alias(o)  # an input returned as it is: a new tensor on the same data
                if record and id(o) not in non_diff and o.dtype.is_floating_point:
                    o.grad_fn, o._requires_grad = self, True
                    if k:
                        o._output_nr = k
            results.append(o)
        if record:
            self._outs = [(o.shape, o.dtype) if _is_tensor(o) else None for o in results]
            self._nondiff = [_is_tensor(o) and o.grad_fn is not self for o in results]
            first = next((o for o in results if _is_tensor(o)), None)
            self._out = None if first is None else first._data
            self._saved = tuple(self.to_save or ())
            nrs = {id(o): k for k, o in enumerate(results) if _is_tensor(o)}
            self._saved_versions = tuple((t, t._box(), t._box()[0], nrs.get(id(t)))
                                         for t in self._saved if t is not None)
        return tuple(results) if isinstance(output, tuple) else results[0]

    def _join(self, args, inputs, dirty):
        for t in dirty.values():
            if t.grad_fn is None and t._requires_grad:
                raise RuntimeError(
                    "a leaf Variable that requires grad has been used in an in-place operation.")
        edges, nrs = [], {}
        for i, t in enumerate(inputs):
            child = t.grad_fn
            if child is None:
                if t._requires_grad:
                    child = t._accumulator or t._grad_accumulator()
            elif child._multi:
                nrs[i] = t._output_nr
            edges.append(child)
        self._args, self._next = inputs, tuple(edges)
        self._edge_nrs = nrs or None
        self._arg_is_tensor = tuple(_is_tensor(a) for a in args)
        self._seq = next(engine._SEQUENCE)
        if anomaly.STATE.enabled:
            anomaly.record_trace(self)

    # ------------------------------------------------------------------ backward
    def _apply(self, g, create_graph):
        """Run the user's ``backward`` on the gradients of the outputs; check what it returns."""
        if self._multi and type(g) is not engine.MultiGrad:
            self.op._single_output()  # not the engine: a replay that cannot tell the outputs
        grads = []
        for k, meta in enumerate(self._outs):
            gk = g.grads.get(k) if type(g) is engine.MultiGrad else g if k == 0 else None
            if meta is None:
                gk = None
            elif gk is None or self._nondiff[k]:
                gk = _zeros(*meta) if self.materialize_grads else None
            else:
                gk = engine._wrap(gk)
            grads.append(gk)
        result = self._user_backward()(self, *grads)
        return self._check(result, create_graph)

    def _check(self, result, create_graph):
        """PyTorch's checks of the gradients a custom backward returned, then broadcast
        reduction and the input dtype (engine form: arrays, or tensors with create_graph)."""
        name = self.name()
        if not isinstance(result, tuple):
            result = (result,)
        n = len(self._arg_is_tensor)
        if len(result) > n and all(r is None for r in result[n:]):
            result = result[:n]  # extra Nones are allowed, as in PyTorch
        if len(result) != n:
            raise RuntimeError(f"function {name} returned an incorrect number of gradients "
                               f"(expected {n}, got {len(result)})")
        grads = []
        for i, (gi, is_tensor) in enumerate(zip(result, self._arg_is_tensor)):
            if not is_tensor:
                if gi is not None:
                    raise RuntimeError(
                        f"function {name} returned a gradient different than None at position "
                        f"{i + 1}, but the corresponding forward input was not a Variable")
                continue
            if not (gi is None or _is_tensor(gi)):
                raise RuntimeError(f"expected Variable or None (got {type(gi).__name__})")
            grads.append(gi)
        out = []
        for k, (gi, t, child) in enumerate(zip(grads, self._args, self._next)):
            if gi is None or child is None:
                out.append(None)
                continue
            try:
                ok = np.broadcast_shapes(t.shape, gi.shape) == tuple(gi.shape)
            except ValueError:
                ok = False
            if not ok:
                raise RuntimeError(
                    f"Function {name} returned an invalid gradient at index {k} - got "
                    f"{list(gi.shape)} but expected shape compatible with {list(t.shape)}")
            out.append(engine._match(gi if create_graph else gi._data, t))
        return out

    def _release(self):
        # Only the saved tensors are freed (a later ctx.saved_tensors raises): the inputs and
        # the output stay, for the twin, explain and the pictures, which replay backward.
        self._saved_versions = None

    def _replay(self, g):
        """The user's backward on plain arrays, even after backward freed the graph (for
        explain and the pictures): the gradient arrays per tensor input."""
        self._replaying = True
        try:
            with grad_mode.no_grad():
                grads = self._apply(g, False)
        finally:
            self._replaying = False
        return grads


def _zeros(shape, dtype):
    from ..creation import zeros
    return zeros(tuple(shape), dtype=dtype)


def _alias(t):
    a = engine._Tensor._make(t._data, t.dtype)
    a._version_box = t._box()  # same storage, same version counter
    return a


class _FunctionOp:
    """A custom Function's node seen as an op: its SymPy rule and its VJP, for the twin,
    explain, compare and the pictures (the engine itself runs the node's ``_apply``).

    ``sym`` is the Function class's own ``sym`` staticmethod (our extension) or, without one,
    an undefined SymPy function named after the class. It is applied element by element when
    the Function keeps its inputs' (broadcast) shape, else to whole arrays; a class can say
    ``sym_elementwise = False`` to get NumPy object arrays of SymPy expressions always.
    """

    promotes = False

    def __init__(self, node):
        self.node = node
        cls = node._forward_cls
        shapes = [tuple(t.shape) for t in node._args]
        out = None if node._out is None else node._out.shape
        fits = out is not None and not node._multi and \
            np.broadcast_shapes(out, *shapes) == out
        self.sym_elementwise = fits if getattr(cls, "sym_elementwise", None) is None \
            else bool(cls.sym_elementwise) and fits

    def _full_args(self, values):
        """The tensor inputs' SymPy values back among the non-tensor arguments."""
        values = iter(values)
        constants = iter(self.node._constants)
        return [next(values) if is_tensor else next(constants)
                for is_tensor in self.node._arg_is_tensor]

    def _single_output(self):
        if self.node._multi:
            raise NotImplementedError(
                f"{self.node.name()}: the symbolic twin, explain and the pictures do not "
                "follow custom Functions with several outputs yet")

    def sym(self, *values):
        self._single_output()
        node = self.node
        from ..symbolic.twin import exact
        cls = node._forward_cls
        raw = self._full_args(values)
        args = [exact(a) if isinstance(a, (int, float, np.number)) and not isinstance(a, bool)
                else a for a in raw]
        if getattr(cls, "sym", None) is not None:
            out = cls.sym(*args)
            return sympy.sympify(out) if self.sym_elementwise else _object_array(out)
        if self.sym_elementwise:
            f = opaque(cls.__name__, self._numeric(raw, args))
            return f(*[a for a in args if isinstance(a, sympy.Basic)])
        f = opaque(cls.__name__)
        # Not elementwise: every output element is a function of every input element.
        flat = [e for a in args for e in (np.asarray(a, dtype=object).reshape(-1)
                                          if isinstance(a, (np.ndarray, sympy.Basic)) else ())]
        shape = node._out.shape
        out = np.empty(shape, dtype=object)
        for i in np.ndindex(shape):
            fi = f if not i else opaque(f"{cls.__name__}_{'_'.join(map(str, i))}", None,
                                        f"{cls.__name__}_{{{','.join(map(str, i))}}}")
            out[i] = fi(*flat)
        return out

    def _numeric(self, raw, args):
        """The template that lets the opaque function compute values (see opaque)."""
        template = []
        for is_tensor, r, a in zip(self.node._arg_is_tensor, raw, args):
            template.append(("tensor", None) if is_tensor else
                            ("number", r) if isinstance(a, sympy.Basic) else ("other", r))
        template = tuple(template)
        try:
            hash(template)
        except TypeError:
            return None  # e.g. a list argument: the function stays without numbers
        return (self.node._forward_cls, template, ())

    def vjp(self, g, *inputs, out=None, **params):
        self._single_output()
        if any(_symbolic(a) for a in (g,) + inputs):
            return self._symbolic_vjp(g, inputs)
        return self.node._replay(np.asarray(g, dtype=self.node._out.dtype))

    def _symbolic_vjp(self, g, inputs):
        """Jacobian-transpose times ``g`` from the SymPy rule (symbolic reverse mode)."""
        from ..symbolic.twin import symbolic_apply
        dummies = []
        for a in inputs:
            d = np.empty(np.shape(a), dtype=object)
            for i in np.ndindex(d.shape):
                d[i] = sympy.Dummy(real=True)
            dummies.append(d)
        expr = np.asarray(symbolic_apply(self, dummies, {}), dtype=object)
        g = np.broadcast_to(np.asarray(g, dtype=object), expr.shape)
        back = {d: v for ds, a in zip(dummies, inputs)
                for d, v in zip(ds.reshape(-1), np.asarray(a, dtype=object).reshape(-1))}
        grads = []
        for ds in dummies:
            gi = np.empty(ds.shape, dtype=object)
            for j in np.ndindex(ds.shape):
                total = sympy.Add(*[g[i] * sympy.diff(expr[i], ds[j])
                                    for i in np.ndindex(expr.shape)])
                gi[j] = total.subs(back, simultaneous=True)
            grads.append(gi)
        return grads


_OPAQUE = {}


def opaque(name, numeric=None, shown=None):
    """An unevaluated SymPy function ``name`` whose derivative is the function ``name'``
    (``name_k'`` for argument k of several), so chain-rule products stay readable.

    ``shown`` is how it prints (``name`` itself must be a Python identifier, for
    ``lambdify``). ``numeric`` = (Function class, argument template, derivative path) gives
    it numbers: its values come from the Function's forward, its derivatives' from its
    backward, so ``evalf`` and ``lambdify`` (hence ``compare``) can evaluate a twin with it.

    >>> x = sympy.Symbol("x")
    >>> f = opaque("P3")
    >>> f(3 * x).diff(x)
    3*P3'(3*x)
    """
    shown = shown or name
    key = (name, numeric)
    if key not in _OPAQUE:
        def fdiff(self, argindex=1):
            deeper = None if numeric is None else numeric[:2] + (numeric[2] + (argindex - 1,),)
            mark = "'" if len(self.args) == 1 else f"_{argindex}'"
            return opaque(f"{name}_d{argindex}", deeper, shown + mark)(*self.args)

        def text(self, printer):
            return f"{shown}({', '.join(printer._print(a) for a in self.args)})"

        def latex(self, printer):
            args = ", ".join(printer._print(a) for a in self.args)
            return rf"\operatorname{{{shown}}}{{\left({args}\right)}}"
        attrs = {"fdiff": fdiff, "_sympystr": text, "_latex": latex}
        if numeric is not None:
            attrs["_imp_"] = staticmethod(lambda *values: _numeric_value(numeric, values))
            attrs["_eval_evalf"] = _eval_evalf
            if not numeric[2]:  # from_sympy rebuilds the Function itself in a graph
                attrs["_rebuild"] = staticmethod(
                    lambda args: numeric[0].apply(*_fill(numeric[1], args, lambda a: a)[0]))
        _OPAQUE[key] = type(name, (sympy.Function,), attrs)
    return _OPAQUE[key]


def _eval_evalf(self, prec):
    if not all(a.is_number for a in self.args):
        return None
    try:
        value = float(self._imp_(*[float(a) for a in self.args]))
    except (TypeError, ValueError, RuntimeError):
        return None  # not real, or the backward is not differentiable that many times
    return sympy.Float(value, mpmath.libmp.prec_to_dps(prec))


def _numeric_value(numeric, values):
    """A custom Function (or a derivative of it) at float64 values, elementwise: forward for
    the value, backward (``create_graph`` for higher orders) for each derivative in ``path``."""
    from .. import dtypes
    from . import grad as autograd_grad
    cls, template, path = numeric
    values = np.broadcast_arrays(*[np.asarray(v, dtype=np.float64) for v in values])
    args, basic = _fill(template, values, lambda v: engine._Tensor._make(
        np.array(v), dtypes.float64).requires_grad_())
    with grad_mode.enable_grad():
        y = cls.apply(*args)
        for k in path:
            if basic[k] is None:
                raise ValueError("no derivative with respect to a constant argument")
            from ..creation import ones_like
            y, = autograd_grad(y, basic[k], ones_like(y), create_graph=True)
    return y._data


def _fill(template, values, make):
    """The Function's arguments from the values of its SymPy arguments (``make`` turns one
    into a tensor); also the tensors per SymPy argument (None for a constant)."""
    values = iter(values)
    args, basic = [], []
    for kind, value in template:
        if kind == "tensor":
            args.append(make(next(values)))
            basic.append(args[-1])
        else:
            if kind == "number":
                next(values)
                basic.append(None)
            args.append(value)
    return args, basic


def _symbolic(x):
    return is_sympy(x) or (isinstance(x, np.ndarray) and x.dtype == object)


def _object_array(x):
    if isinstance(x, sympy.NDimArray):
        return np.array(x.tolist(), dtype=object).reshape(x.shape)
    arr = np.empty(np.shape(x), dtype=object)
    arr[...] = x if isinstance(x, np.ndarray) else sympy.sympify(x)
    return arr


class FunctionMeta(type):
    """Gives each Function subclass its backward node class, ``<Name>Backward``."""

    def __init__(cls, name, bases, attrs):
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {
            "_forward_cls": cls, "__module__": __name__, "__qualname__": name + "Backward"})
        super().__init__(name, bases, attrs)


class Function(FunctionCtx, metaclass=FunctionMeta):
    """Base class of custom autograd Functions: subclass it with static ``forward`` and
    ``backward`` methods, and call the class method ``apply``.

    ``forward(ctx, *args)`` runs without recording (as in PyTorch) and may stash tensors with
    ``ctx.save_for_backward``; ``backward(ctx, *grad_outputs)`` returns one gradient per
    argument of ``forward`` (None for non-tensors). Or write ``forward(*args)`` and
    ``setup_context(ctx, inputs, output)``. Our extension: a static ``sym(*inputs)`` gives the
    SymPy expression of the output from the inputs' SymPy expressions, for ``.sym``,
    ``explain`` and the pictures (without it a custom Function shows as ``Name(x)``).

    >>> import autodiff_lab as torch
    >>> class MyExp(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         result = x.exp()
    ...         ctx.save_for_backward(result)
    ...         return result
    ...     @staticmethod
    ...     def backward(ctx, grad_output):
    ...         result, = ctx.saved_tensors
    ...         return grad_output * result
    >>> x = torch.tensor(1.0, requires_grad=True)
    >>> y = MyExp.apply(x)
    >>> y
    tensor(2.7183, grad_fn=<MyExpBackward>)
    >>> y.backward()
    >>> x.grad
    tensor(2.7183)
    >>> y.sym
    MyExp(x)
    """

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{self.__class__} should not be instantiated. Methods on autograd functions are "
            "all static, so you should invoke them on the class itself. Instantiating an "
            "autograd function will raise an error in a future version of PyTorch.",
            DeprecationWarning, stacklevel=2)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)")

    sym = None
    sym_elementwise = None  # None: elementwise when the output keeps the inputs' shape

    @staticmethod
    def forward(*args, **kwargs):
        """Compute the output (override; ``forward(ctx, ...)`` or with ``setup_context``)."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def setup_context(ctx, inputs, output):
        """Fill ``ctx`` from the inputs and the output, for a ``forward`` without ``ctx``."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        """One gradient per input from one gradient per output (override)."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD.")

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD.")

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the Function on ``args`` and record its backward node when autograd needs it."""
        setup = cls.setup_context is not Function.setup_context
        if setup:
            bound = inspect.signature(cls.forward).bind(*args, **kwargs)
            bound.apply_defaults()
            args, kwargs = bound.args, bound.kwargs
        ctx = cls._backward_cls()
        inputs = args + tuple(kwargs.values())  # PyTorch counts keyword arguments as inputs
        ctx.needs_input_grad = tuple(_is_tensor(a) and a._requires_grad for a in inputs)
        ctx._constants = tuple(a for a in inputs if not _is_tensor(a))
        # Inside a forward-mode dual_level the ops in forward and jvp must not make tangents
        # of their own: the Function's jvp alone gives the outputs theirs.
        dual = sys.modules.get("autodiff_lab.forward")
        dual = dual._STATE if dual is not None and dual._STATE.level >= 0 else None
        busy = dual and dual.busy
        tangents = [a._fw_tangent if _is_tensor(a) else None for a in inputs]
        try:
            if dual:
                dual.busy = True
            with grad_mode.no_grad():
                if setup:
                    output = cls.forward(*args, **kwargs)
                    cls.setup_context(ctx, args, output)
                else:
                    output = cls.forward(ctx, *args, **kwargs)
            result = ctx._record(inputs, output)
            if dual and not busy and any(t is not None for t in tangents):
                with grad_mode.no_grad():
                    tangents = cls.jvp(ctx, *tangents)
            else:
                tangents = None
        finally:
            if dual:
                dual.busy = busy
        if tangents is not None:
            outs = result if isinstance(result, tuple) else (result,)
            tangents = tangents if isinstance(tangents, tuple) else (tangents,)
            for o, t in zip(outs, tangents):
                if _is_tensor(o) and t is not None:
                    o._fw_tangent = t
        return result


def once_differentiable(fn):
    """Mark a ``backward`` as not differentiable: it runs without recording, and a second
    derivative through it raises PyTorch's error.

    >>> import autodiff_lab as torch
    >>> class Square(torch.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x * x
    ...     @staticmethod
    ...     @once_differentiable
    ...     def backward(ctx, g):
    ...         x, = ctx.saved_tensors
    ...         return 2 * x * g
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> v = torch.tensor(1.0, requires_grad=True)
    >>> gx, = torch.autograd.grad(Square.apply(x), x, v, create_graph=True)
    >>> gx
    tensor(6., grad_fn=<Error>)
    >>> gx.backward()
    Traceback (most recent call last):
    ...
    RuntimeError: trying to differentiate twice a function that was marked with @once_differentiable
    """
    @functools.wraps(fn)
    def wrapper(ctx, *args):
        with grad_mode.no_grad():
            outputs = fn(ctx, *args)
        if not grad_mode.STATE.grad_enabled or \
                not any(_is_tensor(a) and a._requires_grad for a in args):
            return outputs
        # Outputs that "require grad" through a node whose backward raises (PyTorch's
        # DelayedError): only a second derivative reaches it.
        outs = outputs if isinstance(outputs, tuple) else (outputs,)
        fake = [None if o is None else o.detach().requires_grad_() for o in outs]
        return _DelayedError.apply(*fake)
    return wrapper


class _DelayedError(Function):
    @staticmethod
    def forward(ctx, *tensors):
        return tensors if len(tensors) > 1 else tensors[0]

    @staticmethod
    def backward(ctx, *grads):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable")


class _ErrorNode(_DelayedError._backward_cls):
    # PyTorch's node for it is its C++ Error node, printed <Error object at 0x...> and
    # grad_fn=<Error> (its name() is 'torch::autograd::Error'; ours is 'Error', which is what
    # the tensor repr shows).
    def __repr__(self):
        return f"<Error object at {id(self):#x}>"


_ErrorNode.__name__ = _ErrorNode.__qualname__ = "Error"
_DelayedError._backward_cls = _ErrorNode
