"""Calculus on twins: diff, evaluate, symbolic reverse mode, expression swell, both directions."""

import weakref

import numpy as np
import sympy

from .. import dtypes
from ..autograd.engine import AccumulateGrad, _topological_order
from ..ops.base import sum_to
from ..tensor import Tensor
from .numeric import numeric
from .twin import LIMITS, SymbolicSizeError, Twin, _as_object, exact, to_sympy

# Symbol name → (weak tensor, index) for every leaf a twin has named, so that ``evaluate`` can
# find the current values of an expression's symbols (also of parsed text) without the graph.
_KNOWN = {}


def _remember(twin):
    for sym, (t, i) in twin.symbols.items():
        _KNOWN[str(sym)] = (weakref.ref(t), i)


def _twin_for(*tensors):
    twin = Twin()
    for t in tensors:
        twin.array(t)
    _remember(twin)
    return twin


def tidy(expr):
    """A short form of ``expr`` for display: the smallest of itself, simplify() and factor(),
    keeping only forms that use the same functions (no cosh appearing for an exp).

    >>> import sympy
    >>> x = sympy.Symbol("x")
    >>> tidy(sympy.expand((x + 1)**2 - 1))
    x*(x + 2)
    """
    if not isinstance(expr, sympy.Expr) or expr.is_number or sympy.count_ops(expr) > 60:
        return expr
    functions = _functions(expr)
    if not functions and _settled(expr):
        return expr
    # simplify() can take seconds on exp/tanh expressions; past a small size only factor().
    tries = (sympy.factor,) if functions and sympy.count_ops(expr) > 20 else \
        (sympy.simplify, sympy.factor)
    candidates = [expr] + [c for c in (f(expr) for f in tries) if _functions(c) <= functions]
    return min(candidates, key=lambda e: (sympy.count_ops(e), len(str(e))))


def monomial(expr):
    """Whether ``expr`` is a number times powers of symbols (8x³, -x/2): factor() and
    simplify() leave it as it is.

    >>> x = sympy.Symbol("x")
    >>> monomial(8*x**3), monomial(2*(x + 1))
    (True, False)
    """
    def power(e):
        return e.is_Symbol or (e.is_Pow and e.base.is_Symbol and e.exp.is_Integer
                               and e.exp > 0)
    return power(expr) or (expr.is_Mul and all(a.is_Number or power(a) for a in expr.args))


def _settled(expr):
    """Whether ``expr`` is a polynomial no form is shorter than: a monomial (8x³), or one whose
    coefficients share no factor, whose terms share no power, and which factor() leaves as it is
    (8x³ + 3x² + 6x + 5). simplify() (a second on its first call) is skipped for these."""
    if monomial(expr):
        return True
    if not expr.is_Add or not expr.is_polynomial() or any(
            not c.is_Integer for c in expr.as_coefficients_dict().values()):
        return False
    content, _ = expr.as_content_primitive()
    return content == 1 and sympy.factor_terms(expr) == expr and sympy.factor(expr) == expr


def _functions(expr):
    return {type(f) for f in expr.atoms(sympy.Function)}


def diff(y, x, simplify=True, *, twin=None):
    """The symbolic derivative of ``y`` w.r.t. the leaf ``x`` (an array shaped like ``x``;
    for a non-scalar ``y``, the Jacobian shaped ``y.shape + x.shape``).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> torch.symbolic.diff(y, x)
    8*x**3 + 3*x**2 + 6*x + 5

    ``simplify`` tidies each element for display (skipped past 36 elements, where it would be
    slow and the arrays are read as numbers anyway); ``twin`` reuses a naming of the leaves.
    """
    if twin is None:
        twin = _twin_for(y, x)
    if x.grad_fn is not None:
        raise ValueError(
            "diff(y, x) needs x to be a leaf of y's graph (a tensor created by you with "
            "requires_grad=True); got a tensor computed by " + x.grad_fn.name())
    ys, xs = twin.array(y), twin.array(x)
    check_diff_work(ys, xs.size)
    out = np.empty(ys.shape + xs.shape, dtype=object)
    simplify = simplify and out.size <= 36
    for i in np.ndindex(ys.shape):
        for j in np.ndindex(xs.shape):
            d = sympy.diff(ys[i], xs[j])
            out[i + j] = tidy(d) if simplify else d
    return to_sympy(out)


def diff_work(elements, n):
    """How much work ``sympy.diff`` of each of ``elements`` w.r.t. ``n`` symbols is: the
    formulas' distinct subexpressions (SymPy differentiates a repeated one once) times their
    nesting depth (the chain rule walks the tree once per level), times n. Counting stops past
    the limit."""
    work, cap = 0, LIMITS.max_diff_work
    for e in np.asarray(elements, dtype=object).flat:
        stack, seen, depth = [(e, 1)], set(), 0
        while stack and work + len(seen) * depth * n <= cap:
            node, level = stack.pop()
            depth = max(depth, level)
            if node in seen:
                continue
            seen.add(node)
            stack.extend((a, level + 1) for a in getattr(node, "args", ()))
        size = len(seen)
        work += size * depth * n
        if work > cap:
            break
    return work


def check_diff_work(elements, n, what="symbolic.diff", scale=1):
    """Refuse (SymbolicSizeError) where ``diff_work`` is past the limit (``scale`` times
    ``set_max_diff_work``'s), saying how to raise it."""
    limit = LIMITS.max_diff_work * scale
    if diff_work(elements, n / scale) > LIMITS.max_diff_work:
        raise SymbolicSizeError(
            f"{what} would differentiate formulas too long or too deeply nested to finish "
            f"quickly (work over {limit:,}: distinct subexpressions × nesting depth × "
            "elements differentiated by). Use a smaller example, or raise the limit with "
            "autodiff_lab.symbolic.set_max_diff_work(n).")


def values_of(*tensors):
    """The substitution map {symbol: current value} for the leaves of the given graphs."""
    return _twin_for(*tensors).values()


def evaluate(expr, *graphs):
    """Evaluate a twin (or any expression of leaf symbols) at the leaves' current values.

    The leaves come from ``graphs`` if given, else from the twins built so far. Returns a tensor
    (float32 unless a leaf is float64).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> torch.symbolic.evaluate(torch.symbolic.diff(y, x))
    tensor(93.)
    """
    arr = np.asarray(expr.tolist() if isinstance(expr, sympy.NDimArray) else expr, dtype=object)
    free = _free_symbols(arr.flat)
    if graphs:
        twin = _twin_for(*graphs)
        by_name = {str(s): v for s, v in twin.values().items()}
        values = {s: by_name[str(s)] for s in free if str(s) in by_name}
        leaves = twin.leaves
    else:
        values, leaves = {}, []
        for sym in free:
            known = _KNOWN.get(str(sym))
            t = known[0]() if known else None
            if t is None:
                raise ValueError(
                    f"no tensor is known for the symbol {sym}; pass the graph: "
                    f"evaluate(expr, y)")
            values[sym] = exact(t._data[known[1]])
            leaves.append(t)
    missing = sorted({str(s) for s in free if s not in values})
    if missing:
        raise ValueError(f"no value for the symbols {', '.join(missing)}")
    dtype = dtypes.float64 if any(t.dtype is dtypes.float64 for t in leaves) else dtypes.float32
    # float64 arithmetic over the formula, not evalf: exact nested formulas can take minutes.
    data = np.array([numeric(e, values) for e in arr.flat],
                    dtype=dtype.np).reshape(arr.shape)
    return Tensor._make(data, dtype)


def _free_symbols(exprs):
    """The symbols of ``exprs``, each shared subexpression visited once (SymPy's
    ``free_symbols`` walks the tree, which for a deep MLP's formula is far larger)."""
    seen, found = set(), set()
    stack = [sympy.sympify(e) for e in exprs]
    while stack:
        e = stack.pop()
        if e in seen:
            continue
        seen.add(e)
        if e.is_Symbol:
            found.add(e)
        else:
            stack.extend(e.args)
    return found


def reverse_mode_grad(y, x, *, twin=None):
    """The gradient of scalar ``y`` w.r.t. leaf ``x`` by running the graph's VJP rules on SymPy.

    This is exactly what ``backward`` computes, as a formula: compare it with :func:`diff` to
    see that reverse mode is the chain rule, not an approximation.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(0.5, requires_grad=True)
    >>> torch.symbolic.reverse_mode_grad(torch.tanh(x) ** 2, x)
    2*(1 - tanh(x)**2)*tanh(x)

    ``twin`` reuses a naming of the leaves (as :func:`diff`'s).
    """
    if twin is None:
        twin = _twin_for(y, x)
    else:
        twin.array(y), twin.array(x)
    if y.grad_fn is None:
        raise ValueError("reverse_mode_grad needs y to be computed from x (y has no grad_fn)")
    leaf_grads = {}
    grads = {id(y.grad_fn): np.full(tuple(y.shape), sympy.Integer(1), dtype=object)}
    for node in _topological_order([y.grad_fn]):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if isinstance(node, AccumulateGrad):
            key = id(node.variable)
            leaf_grads[key] = g if key not in leaf_grads else leaf_grads[key] + g
            continue
        inputs = [twin._memo[id(child)] if child is not None and
                  not isinstance(child, AccumulateGrad) else
                  twin.array(child.variable) if child is not None else
                  (twin.array(t) if isinstance(t, Tensor) else t)
                  for t, (child, _) in zip(node._inputs, node.next_functions)]
        params = {k: exact(v) if isinstance(v, float) else v for k, v in node._params.items()}
        inputs = [_as_object(a) if isinstance(a, np.ndarray) else a for a in inputs]
        try:
            grad_inputs = node.op.vjp(_as_object(g), *inputs, out=twin._memo[id(node)],
                                      **params)
        except TypeError as e:
            raise NotImplementedError(
                f"symbolic reverse mode cannot follow {node.name()}: its backward rule compares "
                f"values ({e}); use symbolic.diff for piecewise functions") from None
        for (child, _), gi, t in zip(node.next_functions, grad_inputs, node._inputs):
            if child is None or gi is None:
                continue
            gi = sum_to(np.asarray(gi, dtype=object), tuple(t.shape))
            key = id(child)
            grads[key] = gi if key not in grads else grads[key] + gi
    g = leaf_grads.get(id(x))
    if g is None:
        return to_sympy(np.zeros(tuple(x.shape), dtype=object) + sympy.Integer(0))
    return to_sympy(g)


def expression_sizes(y, x):
    """Expression swell in numbers: operation counts of ``sympy.diff``'s gradient and of the
    reverse-mode one, each with and without common-subexpression elimination.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(0.5, requires_grad=True)
    >>> sizes = torch.symbolic.expression_sizes(torch.tanh(torch.tanh(x)), x)
    >>> sorted(sizes)
    ['reverse mode', 'reverse mode + cse', 'sympy.diff', 'sympy.diff + cse']
    """
    return {
        "sympy.diff": _ops(diff(y, x, simplify=False)),
        "sympy.diff + cse": _cse_ops(diff(y, x, simplify=False)),
        "reverse mode": _ops(reverse_mode_grad(y, x)),
        "reverse mode + cse": _cse_ops(reverse_mode_grad(y, x)),
    }


def _flat(expr):
    return list(expr) if isinstance(expr, sympy.NDimArray) else [expr]


def _ops(expr):
    return int(sum(sympy.count_ops(e) for e in _flat(expr)))


def _cse_ops(expr):
    replacements, reduced = sympy.cse(_flat(expr))
    return int(sum(sympy.count_ops(e) for _, e in replacements) +
               sum(sympy.count_ops(e) for e in reduced))


# --------------------------------------------------------------------- SymPy → numeric graph
def from_sympy(expr, **tensors):
    """Build the numeric graph of a SymPy expression, with tensors (or numbers) for its symbols.

    Numbers become leaves that require grad, named after their symbol. A tensor ``x`` also
    stands for the element symbols ``x_{i,j}`` of its twin, so ``from_sympy(y.sym, x=x)``
    rebuilds ``y`` (an array expression gives a tensor of its shape). The leaves are returned in
    ``result.variables``.

    >>> import autodiff_lab as torch, sympy
    >>> x = sympy.Symbol("x")
    >>> y = torch.from_sympy(2*x**4 + x**3 + 3*x**2 + 5*x + 1, x=2.0)
    >>> y
    tensor(63., grad_fn=<AddBackward0>)
    >>> y.backward(); y.variables["x"].grad
    tensor(93.)
    """
    from .. import creation
    from ..ops.shape import reshape, stack
    leaves, symbols = {}, {}
    for name, value in tensors.items():
        if not isinstance(value, Tensor):
            value = creation.tensor(float(value), requires_grad=True, name=name)
        leaves[name] = symbols[name] = value
        for i in np.ndindex(tuple(value.shape)):
            if i:
                symbols[f"{name}_{{{','.join(map(str, i))}}}"] = (value, i)
    elements = list(expr) if isinstance(expr, sympy.NDimArray) else [sympy.sympify(expr)]
    names = {str(s) for e in elements for s in sympy.sympify(e).free_symbols}
    unknown = sorted(names - set(symbols))
    if unknown:
        raise ValueError(
            f"no value given for {', '.join(unknown)}; pass them as keyword arguments, e.g. "
            f"from_sympy(expr, {unknown[0]}=1.0)")
    built = [_tensor(_build(sympy.sympify(e), symbols)) for e in elements]
    if isinstance(expr, sympy.NDimArray):
        result = reshape(stack(built), tuple(expr.shape))
    else:
        result = built[0]
    result.variables = leaves
    return result


def _build(e, leaves):
    from ..ops import elementwise as el
    if e.is_Symbol:
        leaf = leaves[str(e)]
        if isinstance(leaf, tuple):  # an element symbol x_{i,j}: select it from its tensor
            tensor, index = leaf
            return tensor[index]
        return leaf
    if e.is_Number:
        return int(e) if e.is_Integer else float(e)
    if e in (sympy.E,):
        return float(sympy.E)
    if e is sympy.pi:
        return float(sympy.pi)
    args = [_build(a, leaves) for a in e.args]
    if e.is_Add:
        return _fold(el.add, args)
    if e.is_Mul:
        return _fold(el.mul, args)
    if e.is_Pow:
        base, exponent = args
        if isinstance(base, Tensor) or isinstance(exponent, Tensor):
            if exponent == 0.5:
                return el.sqrt(base)
            return el.pow(base, exponent)
        return float(base) ** float(exponent)
    unary = {sympy.exp: el.exp, sympy.log: el.log, sympy.sin: el.sin, sympy.cos: el.cos,
             sympy.tan: el.tan, sympy.tanh: el.tanh, sympy.Abs: el.abs, sympy.sign: el.sign}
    if e.func in unary and len(args) == 1:
        return unary[e.func](_tensor(args[0]))
    if e.func in (sympy.Max, sympy.Min):
        fn = el.maximum if e.func is sympy.Max else el.minimum
        return _fold(lambda a, b: fn(_tensor(a), _tensor(b)), args)
    if hasattr(e.func, "_rebuild"):  # a custom autograd.Function (see autograd/function.py)
        return e.func._rebuild([_tensor(a) for a in args])
    raise ValueError(f"from_sympy does not know how to build {e.func.__name__} (in {e})")


def _fold(fn, args):
    result = args[0]
    for a in args[1:]:
        if not isinstance(result, Tensor) and not isinstance(a, Tensor):
            result = fn(_tensor(result), a)
        else:
            result = fn(result, a) if isinstance(result, Tensor) else fn(a, result)
    return result


def _tensor(v):
    from .. import creation
    return v if isinstance(v, Tensor) else creation.tensor(float(v))


def expr(text, **values):
    """Parse math text safely and build its numeric graph; ``values`` give the variables.

    >>> import autodiff_lab as torch
    >>> y = torch.expr("2x^4 + x^3 + 3x^2 + 5x + 1", x=2.0)
    >>> y
    tensor(63., grad_fn=<AddBackward0>)
    """
    from .parse import parse_math
    parsed = parse_math(text, variables=list(values))
    return from_sympy(parsed, **values)

