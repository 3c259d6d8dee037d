"""The symbolic twin: the SymPy expression of any tensor, built lazily from its graph.

Each op's SymPy face lives on its class (``Op.sym``). Elementwise rules are written for one SymPy
scalar and mapped over the elements; structural ops (sums, reshapes, matmul, indexing) run their
NumPy ``forward`` on object arrays of SymPy expressions, which NumPy supports as it is.
"""

import inspect
import itertools
import os

import numpy as np
import sympy

from ..tensor import Tensor
from ..autograd.engine import AccumulateGrad

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SymbolicSizeError(ValueError):
    """The graph is too large for a readable (or timely) symbolic twin."""


class _Limits:
    max_elements = 4096
    max_diff_work = 1500    # sympy.diff: distinct subexpressions × depth × elements (< 1 s)


LIMITS = _Limits()


def set_max_elements(n):
    """Set how many elements a tensor in a graph may have before the twin refuses (default 4096).

    >>> import autodiff_lab as torch
    >>> torch.symbolic.set_max_elements(4096)
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"max_elements must be a positive integer, got {n!r}")
    LIMITS.max_elements = n


def set_max_diff_work(n):
    """Set how much work ``symbolic.diff`` may take on before it refuses (default 1500: distinct
    subexpressions × nesting depth of the formula × elements differentiated by, under a second).

    >>> import autodiff_lab as torch
    >>> torch.symbolic.set_max_diff_work(1500)
    """
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"max_diff_work must be a positive integer, got {n!r}")
    LIMITS.max_diff_work = n


def exact(value):
    """A Python or NumPy number as an exact SymPy number where it is exact (2.0 → 2, 0.5 → 1/2).

    >>> exact(0.5), exact(2.0), exact(3), exact(True), exact(1 / 3), exact(np.float32(0.1))
    (1/2, 2, 3, True, 1/3, 1/10)
    """
    if isinstance(value, (bool, np.bool_)):
        return sympy.true if value else sympy.false
    if isinstance(value, (int, np.integer)):
        return sympy.Integer(int(value))
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return {True: sympy.oo, False: -sympy.oo}[bool(value > 0)] if np.isinf(value) \
                else sympy.nan
        if float(value).is_integer():
            return sympy.Integer(int(value))
        # The shortest decimal that round-trips in the value's own precision: float32 0.1 → 1/10;
        # and a simple fraction when one rounds to the same float (float(1/3) → 1/3).
        if isinstance(value, np.floating):
            decimal = sympy.Rational(np.format_float_positional(value, unique=True, trim="-"))
            eps = float(np.finfo(value.dtype).eps)
        else:
            decimal, eps = sympy.Rational(repr(value)), float(np.finfo(np.float64).eps)
        simple = decimal.limit_denominator(10**6)
        if abs(float(simple) - float(value)) <= 2 * eps * abs(float(value)):
            return simple
        return decimal
    return value


def _exact_array(data):
    out = np.empty(data.shape, dtype=object)
    for i in np.ndindex(data.shape):
        out[i] = exact(data[i])
    return out


def _exact_param(value):
    return exact(value) if isinstance(value, (float, np.floating)) else value


def is_symbolic(x):
    """Whether ``x`` is a SymPy object or an object array of them (the symbolic path of ops)."""
    return isinstance(x, sympy.Basic) or (isinstance(x, np.ndarray) and x.dtype == object)


def symbolic_apply(op, args, params):
    """Run ``op`` on SymPy values: elementwise rules mapped over elements, others on arrays."""
    params = {k: _exact_param(v) for k, v in params.items()}
    args = [_exact_param(a) for a in args]
    if op.sym is not None and op.sym_elementwise:
        arrays = [a for a in args if isinstance(a, np.ndarray)]
        if not arrays:
            return op.sym(*args, **params)
        shape = np.broadcast_shapes(*(a.shape for a in arrays))
        wide = [np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else a for a in args]
        out = np.empty(shape, dtype=object)
        for i in np.ndindex(shape):
            out[i] = op.sym(*(w[i] if isinstance(w, np.ndarray) else w for w in wide), **params)
        return out
    if op.sym is not None:
        return op.sym(*args, **params)
    return op.forward(*(_as_object(a) for a in args), **params)


def _as_object(a):
    """Scalars become 0-d object arrays so NumPy code paths keep working on SymPy values;
    object arrays multiply with :class:`SymbolicArray`'s ``@``."""
    if isinstance(a, sympy.Basic):
        arr = np.empty((), dtype=object)
        arr[()] = a
        return arr
    if isinstance(a, np.ndarray) and a.dtype == object:
        return a.view(SymbolicArray)
    return a


class SymbolicArray(np.ndarray):
    """An object array of SymPy values whose ``@`` adds each dot product in one ``sympy.Add``.

    NumPy's object matmul adds the products one at a time, and SymPy re-sorts the growing sum
    at every step; the result is the same expression.

    >>> a = np.array([[sympy.Symbol("u"), 2]], dtype=object).view(SymbolicArray)
    >>> a @ np.array([[3], [sympy.Symbol("v")]], dtype=object)
    SymbolicArray([[3*u + 2*v]], dtype=object)
    """

    def __matmul__(self, other):
        return _matmul(self, other)

    def __rmatmul__(self, other):
        return _matmul(other, self)


def _matmul(a, b):
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    left = a[None, :] if a.ndim == 1 else a
    right = b[:, None] if b.ndim == 1 else b
    if left.ndim != 2 or right.ndim != 2 or left.shape[1] != right.shape[0]:
        return np.matmul(a, b).view(SymbolicArray)  # batches, and NumPy's shape errors
    out = np.empty((left.shape[0], right.shape[1]), dtype=object)
    for i in range(left.shape[0]):
        for j in range(right.shape[1]):
            out[i, j] = sympy.Add(*[left[i, k] * right[k, j] for k in range(left.shape[1])])
    if a.ndim == 1:
        out = out[0]
    if b.ndim == 1:
        out = out[..., 0]
    return out[()] if out.ndim == 0 else out.view(SymbolicArray)


# --------------------------------------------------------------------- naming
def caller_names(skip_package=True, nodes=False):
    """Map id(tensor) → variable name over the frames of the code that called into us; with
    ``nodes``, also id(t.grad_fn) → the name (a node does not know its output tensor, so this is
    how intermediates get their names). The parameters of a Module found there are named as
    its ``named_parameters()`` names them (``0.weight``), unless a variable names them first.

    >>> import autodiff_lab as torch
    >>> model = torch.nn.Linear(2, 1)
    >>> b = model.bias
    >>> names = caller_names()
    >>> names[id(model.weight)], names[id(model.bias)]
    ('weight', 'b')
    """
    names, modules = {}, []
    for name, value in _caller_values(skip_package):
        if isinstance(value, Tensor):
            names.setdefault(id(value), name)
            if nodes and value.grad_fn is not None:
                names.setdefault(id(value.grad_fn), name)
        elif _is_module(value) and value not in modules:
            modules.append(value)
    for module in modules:
        for name, p in module.named_parameters():
            names.setdefault(id(p), name)
    return names


def caller_modules(skip_package=True):
    """The nn.Module objects bound to variables in the frames of the code that called into us,
    innermost frame first."""
    found = []
    for _, value in _caller_values(skip_package):
        if _is_module(value) and value not in found:
            found.append(value)
    return found


def _is_module(value):
    from ..nn.modules import Module
    return isinstance(value, Module)


def _caller_values(skip_package):
    """(variable name, value) over the frames outside the package, innermost first."""
    frame = inspect.currentframe()
    try:
        while frame is not None:
            filename = os.path.abspath(frame.f_code.co_filename)
            if not (skip_package and filename.startswith(_PACKAGE_DIR)):
                for scope in (frame.f_locals, frame.f_globals):
                    for name, value in list(scope.items()):
                        if name.isidentifier() and not name.startswith("_"):
                            yield name, value
            frame = frame.f_back
    finally:
        del frame


class Twin:
    """Builds and remembers the twins of the tensors of one or more graphs, with one naming.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> Twin().of(2*x**4 + x**3 + 3*x**2 + 5*x + 1)
    2*x**4 + x**3 + 3*x**2 + 5*x + 1
    """

    def __init__(self, names=None):
        self._caller_names = caller_names() if names is None else names
        self._memo = {}          # id(node) → twin of its output (object array)
        self._leaves = {}        # id(leaf) → (leaf, twin array)
        self._leaf_names = {}    # id(leaf) → name
        self._used_names = set()
        self._counter = itertools.count()
        self.symbols = {}        # Symbol → (tensor, index)

    # leaves ---------------------------------------------------------------
    def name_of(self, leaf):
        """The display name of a leaf: its ``name``, its variable name, or t0, t1, ..."""
        if id(leaf) not in self._leaf_names:
            name = leaf.name or self._caller_names.get(id(leaf))
            if name is None or name in self._used_names:
                name = next(f"t{i}" for i in self._counter if f"t{i}" not in self._used_names)
            self._used_names.add(name)
            self._leaf_names[id(leaf)] = name
        return self._leaf_names[id(leaf)]

    def leaf(self, t):
        """The twin of a leaf: a Symbol for a 0-d tensor, element symbols x_{i,j} otherwise."""
        if id(t) in self._leaves:
            return self._leaves[id(t)][1]
        _check_size(t.numel(), "the leaf")
        name = self.name_of(t)
        arr = np.empty(t.shape, dtype=object)
        for i in np.ndindex(t.shape):
            sym = sympy.Symbol(name if not i else f"{name}_{{{','.join(map(str, i))}}}",
                               real=True)
            arr[i] = sym
            self.symbols[sym] = (t, i)
        self._leaves[id(t)] = (t, arr)
        return arr

    @property
    def leaves(self):
        """The leaf tensors met so far, in the order they were named."""
        return [t for t, _ in self._leaves.values()]

    # graph ----------------------------------------------------------------
    def array(self, t):
        """The twin of ``t`` as an object array (0-d for a scalar)."""
        if t.grad_fn is None:
            if t.requires_grad or t.name is not None:
                return self.leaf(t)
            _check_size(t.numel(), "a constant")
            return _exact_array(t._data)
        return self.node(t.grad_fn)

    def node(self, node):
        """The twin of a node's output, building its inputs first (iteratively, no recursion)."""
        stack = [node]
        while stack:
            current = stack[-1]
            if id(current) in self._memo:
                stack.pop()
                continue
            pending = [child for child, _ in current.next_functions
                       if child is not None and not isinstance(child, AccumulateGrad)
                       and id(child) not in self._memo]
            if pending:
                stack.extend(pending)
                continue
            stack.pop()
            self._memo[id(current)] = self._build(current)
        return self._memo[id(node)]

    def _build(self, node):
        op = node.op
        if op.sym is None and op.sym_elementwise:
            raise NotImplementedError(f"{node.name()} has no SymPy rule yet")
        args = []
        for t, (child, _) in zip(node._inputs, node.next_functions):
            if child is None:
                args.append(_exact_array(t._data) if isinstance(t, Tensor) else t)
            elif isinstance(child, AccumulateGrad):
                args.append(self.leaf(child.variable))
            else:
                args.append(self._memo[id(child)])
        out = symbolic_apply(op, args, node._params)
        out = np.asarray(out, dtype=object) if not isinstance(out, np.ndarray) else out
        _check_size(out.size, node.name())
        return out

    def of(self, t):
        """The twin of ``t``: a SymPy expression (0-d) or an immutable SymPy array."""
        return to_sympy(self.array(t))

    def values(self):
        """Substitution map from every leaf symbol to its tensor's current value (exact)."""
        return {sym: exact(t._data[i]) for sym, (t, i) in self.symbols.items()}


def _check_size(n, what):
    if n > LIMITS.max_elements:
        raise SymbolicSizeError(
            f"the symbolic twin would need {n:,} elements for {what}; the limit is "
            f"{LIMITS.max_elements:,}. Use a smaller example, or raise the limit with "
            "autodiff_lab.symbolic.set_max_elements(n).")


def to_sympy(arr):
    """An object array as a SymPy value: the element itself for 0-d, else an immutable array."""
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 0:
        return arr[()]
    return sympy.ImmutableDenseNDimArray(arr.tolist(), arr.shape)


def sym_of(t):
    """``t.sym``: the twin of one tensor, leaves named from the caller's variables."""
    return Twin().of(t)
