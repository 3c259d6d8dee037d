"""Formulas evaluated as numbers: float64 NumPy over the expression's shared nodes, never evalf.

``evalf`` of an exact nested expression (20 nested tanh at an exact 3/10) chases precision and
can run for minutes; ``lambdify`` prints the whole tree as Python source first. This walks the
expression once as a graph (a subexpression used twice is computed once), with no recursion, so
deep chains neither hang nor overflow the stack.
"""

import numpy as np
import sympy
from sympy.functions.elementary.piecewise import ExprCondPair

_FUNCTIONS = {
    sympy.exp: np.exp, sympy.log: np.log, sympy.sin: np.sin, sympy.cos: np.cos,
    sympy.tan: np.tan, sympy.tanh: np.tanh, sympy.sinh: np.sinh, sympy.cosh: np.cosh,
    sympy.asin: np.arcsin, sympy.acos: np.arccos, sympy.atan: np.arctan, sympy.Abs: np.abs,
    sympy.sign: np.sign, sympy.floor: np.floor, sympy.ceiling: np.ceil,
    sympy.re: np.real, sympy.im: np.imag,
}
_RELATIONS = {
    sympy.StrictGreaterThan: np.greater, sympy.StrictLessThan: np.less,
    sympy.GreaterThan: np.greater_equal, sympy.LessThan: np.less_equal,
    sympy.Equality: np.equal, sympy.Unequality: np.not_equal,
}


def numeric(expr, values):
    """``expr`` as a float64 array, with ``values`` (Symbol → number or array) for its symbols.

    Where the result is not real (log of a negative number) it is NaN.

    >>> x = sympy.Symbol("x")
    >>> numeric(8*x**3 + 3*x**2 + 6*x + 5, {x: 2})
    array(93.)
    >>> h = a = sympy.Symbol("a", real=True)
    >>> for _ in range(20):
    ...     h = sympy.tanh(sympy.Rational(11, 10) * h + sympy.Rational(1, 10))
    >>> float(numeric(sympy.diff(h, a), {a: sympy.Rational(3, 10)}))  # doctest: +ELLIPSIS
    4.305704891163...e-05
    """
    return numeric_all([expr], values)[0]


def numeric_all(exprs, values):
    """:func:`numeric` of several expressions, walking the subexpressions they share once (the
    elements of a gradient repeat most of their formula).

    >>> x = sympy.Symbol("x")
    >>> numeric_all([x**2, x**2 + 1], {x: 3})
    [array(9.), array(10.)]
    """
    memo = {}
    exprs = [sympy.sympify(e) for e in exprs]
    with np.errstate(all="ignore"):
        for expr in exprs:
            stack = [(expr, False)]
            while stack:
                e, ready = stack.pop()
                if e in memo:
                    continue
                if not e.args:
                    memo[e] = _atom(e, values)
                    continue
                if not ready:
                    stack.append((e, True))
                    stack.extend((a, False) for a in e.args if a not in memo)
                    continue
                memo[e] = _apply(e, [memo[a] for a in e.args], values)
    return [_real(memo[e]) for e in exprs]


def _real(out):
    out = np.asarray(out)
    if np.iscomplexobj(out):
        out = np.where(np.abs(out.imag) <= 1e-12 * np.maximum(1, np.abs(out.real)),
                       out.real, np.nan)
    return np.asarray(out, dtype=np.float64)


def _atom(e, values):
    if e in values:
        v = values[e]
        return np.asarray(float(v) if isinstance(v, sympy.Basic) else v, dtype=np.float64)
    if e.is_Symbol:
        raise KeyError(f"no value for the symbol {e}")
    if e is sympy.true or e is sympy.false:
        return np.asarray(bool(e))
    if e is sympy.nan:
        return np.asarray(np.nan)
    if e is sympy.zoo:
        return np.asarray(np.inf)
    return np.asarray(complex(e) if e.is_real is False else float(e))


def _apply(e, args, values):
    if e.is_Add:
        return sum(args[1:], args[0])
    if e.is_Mul:
        out = args[0]
        for a in args[1:]:
            out = out * a
        return out
    if e.is_Pow:
        base, exponent = args
        if np.all(np.asarray(exponent) == np.round(exponent)):
            exponent = np.asarray(exponent).astype(np.int64) if np.ndim(exponent) else \
                int(exponent)
            if np.all(np.asarray(exponent) >= 0):
                return np.power(base, exponent)
            # 1/0 is undefined (SymPy's zoo), not +inf: NaN, as where the formula is not real.
            return np.where(np.asarray(base) == 0, np.nan,
                            1.0 / np.power(base, -np.asarray(exponent)))
        return np.power(np.asarray(base, dtype=np.complex128), exponent) \
            if np.any(np.asarray(base) < 0) else np.power(base, exponent)
    fn = _FUNCTIONS.get(e.func)
    if fn is not None:
        x = args[0]
        if e.func in (sympy.log, sympy.asin, sympy.acos) and np.any(np.real(x) < 0):
            x = np.asarray(x, dtype=np.complex128)
        return fn(x)
    if e.func in _RELATIONS:
        return _RELATIONS[e.func](*args)
    if isinstance(e, (sympy.And, sympy.Or, sympy.Not)):
        op = {sympy.And: np.logical_and, sympy.Or: np.logical_or}.get(e.func)
        return np.logical_not(args[0]) if e.func is sympy.Not else \
            _fold(op, args)
    if e.func in (sympy.Max, sympy.Min):
        return _fold(np.maximum if e.func is sympy.Max else np.minimum, args)
    if isinstance(e, sympy.Piecewise):
        exprs, conds = [p[0] for p in args], [p[1] for p in args]
        shape = np.broadcast(*exprs, *conds).shape
        return np.select([np.broadcast_to(np.asarray(c, dtype=bool), shape) for c in conds],
                         [np.broadcast_to(x, shape) for x in exprs], default=np.nan)
    if isinstance(e, sympy.Heaviside):
        x = args[0]
        half = args[1] if len(args) > 1 else 0.5
        return np.where(x > 0, 1.0, np.where(x < 0, 0.0, half))
    if isinstance(e, ExprCondPair):
        return args
    # Anything else: SymPy's own numeric printer, for this one node.
    symbols = sorted(e.free_symbols, key=str)
    fn = sympy.lambdify(symbols, e, "numpy")
    return np.asarray(fn(*[np.asarray(values[s], dtype=np.float64) for s in symbols]))


def _fold(op, args):
    out = args[0]
    for a in args[1:]:
        out = op(out, a)
    return out
