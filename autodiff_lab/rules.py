"""``rules_table()``: every elementwise op's backward rule, generated from the op registry.

Each row runs the op's own faces on SymPy symbols: ``sym`` gives the forward formula ``f``,
``sympy.diff`` its local partials, and the op's ``vjp`` (the very rule backward runs) what each
input receives from the upstream gradient ``ḡ``. The matrix products (dot, mv, mm, addmm) run
their forward and vjp on arrays of matrix elements, read back as matrix products (``ḡ·bᵀ``).
Nothing in the table is written by hand.

>>> from autodiff_lab import rules_table
>>> print(rules_table("tanh"))
op    node           f(x)     input  ∂f/∂input     vjp: input receives
Tanh  TanhBackward0  tanh(x)  x      1 - tanh(x)²  ḡ·(1 - tanh(x)²)
"""

import html
import inspect
from dataclasses import dataclass

import numpy as np
import sympy

__all__ = ["Rule", "RulesTable", "rules_table"]

G = sympy.Symbol("ḡ", real=True)  # the upstream gradient, as docs/notation.md writes it
_LATEX_NAMES = {G: r"\bar{g}"}
# Values for the parameters an op's rule requires (the exponent of x**n ...).
_PARAMS = {"other": sympy.Symbol("c", real=True), "exponent": sympy.Symbol("n", real=True),
           "base": 2, "decimals": 2, "rounding_mode": "floor"}
_OP_PARAMS = {"Clamp": {"min": sympy.Symbol("a", real=True), "max": sympy.Symbol("b", real=True)}}


@dataclass(frozen=True)
class Rule:
    """One op's backward rule: ``forward`` is ``f`` of ``inputs``; per input, ``partials`` holds
    ``∂f/∂input`` (``sympy.diff`` of ``f``) and ``vjps`` what the op's ``vjp`` sends to it
    from ``ḡ`` (None where the rule sends nothing)."""

    op: str
    node: str
    category: str
    inputs: tuple
    forward: sympy.Expr
    partials: tuple
    vjps: tuple


class RulesTable:
    """The rules as text (``print``), LaTeX (``to_latex()``, ``_repr_latex_``) and HTML
    (``_repr_html_``, Jupyter's view); iterate over it for the :class:`Rule` rows."""

    def __init__(self, rules):
        self.rules = list(rules)

    def __iter__(self):
        return iter(self.rules)

    def __len__(self):
        return len(self.rules)

    def _cells(self, fmt):
        rows = []
        for r in self.rules:
            for k, (x, d, v) in enumerate(zip(r.inputs, r.partials, r.vjps)):
                head = (r.op, r.node, fmt(r.forward)) if k == 0 else ("", "", "")
                rows.append(head + (fmt(x), "—" if d is None else fmt(d),
                                    "—" if v is None else fmt(v)))
        return rows

    def __str__(self):
        from .symbolic.notation import math_text
        header = ("op", "node", "f(x)", "input", "∂f/∂input", "vjp: input receives")
        rows = [header] + self._cells(
            lambda e: math_text(_short_floats(e)).replace(".T", "ᵀ"))
        widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
        return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()
                         for row in rows)

    __repr__ = __str__

    def to_latex(self):
        r"""The table as a LaTeX ``array`` (for a paper, or ``$...$`` in Markdown).

        >>> from autodiff_lab import rules_table
        >>> print(rules_table("Sin").to_latex())
        \begin{array}{llllll}
        \text{op} & \text{node} & f & \text{input} & \partial f/\partial\,\text{input} & \text{vjp} \\
        \hline
        \text{Sin} & \text{SinBackward0} & \sin{\left(x \right)} & x & \cos{\left(x \right)} & \bar{g} \cos{\left(x \right)} \\
        \end{array}
        """
        lines = [r"\begin{array}{llllll}",
                 r"\text{op} & \text{node} & f & \text{input} & "
                 r"\partial f/\partial\,\text{input} & \text{vjp} \\", r"\hline"]
        for op, node, f, x, d, v in self._cells(_latex):
            lines.append(" & ".join((_text(op), _text(node), f, x) + tuple(
                r"\text{---}" if c == "—" else c for c in (d, v))) + r" \\")
        lines.append(r"\end{array}")
        return "\n".join(lines)

    def _repr_latex_(self):
        return f"$\\displaystyle {self.to_latex()}$"

    def _repr_html_(self):
        """Jupyter's view: an HTML table whose formulas MathJax typesets."""
        head = "".join(f"<th>{h}</th>" for h in
                       ("op", "node", "f", "input", "∂f/∂input", "vjp: input receives"))
        body = []
        for op, node, f, x, d, v in self._cells(_latex):
            cells = [html.escape(op), f"<code>{html.escape(node)}</code>"] + \
                [f"${html.escape(c)}$" if c and c != "—" else c for c in (f, x, d, v)]
            body.append("<tr>" + "".join(f"<td style='text-align:left'>{c}</td>"
                                         for c in cells) + "</tr>")
        return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _latex(expr):
    if isinstance(expr, sympy.MatrixExpr):
        return sympy.latex(expr).replace("ḡ", r"\bar{g}")
    return "" if expr == "" else sympy.latex(_short_floats(expr), symbol_names=_LATEX_NAMES)


def _text(s):
    return rf"\text{{{s}}}" if s else ""


def _short_floats(expr):
    """Floats the rules compute with (``1/log(2)`` as 1.4427 ...), shown to 4 digits."""
    if not isinstance(expr, sympy.Basic):
        return expr
    return expr.xreplace({f: sympy.Float(f, 4) for f in expr.atoms(sympy.Float)})


# --------------------------------------------------------------------- building the rows
def rules_table(match=None):
    """The backward rule of every differentiable elementwise op (arithmetic, powers, exp/log,
    trig, activations) and of the matrix products, or only those whose op name, node name or category is ``match``
    (case-insensitive: ``rules_table("exp")``, ``rules_table("ReluBackward0")``,
    ``rules_table("activations")``), else those where it is part of one (``"sin"`` gives Sin,
    Sinh and Asin).

    >>> from autodiff_lab import rules_table
    >>> table = rules_table("MulBackward0")
    >>> [(str(x), str(v)) for rule in table for x, v in zip(rule.inputs, rule.vjps)]
    [('x', 'y*ḡ'), ('y', 'x*ḡ')]
    """
    from .ops.base import REGISTRY
    ops = [(name, op, op.__module__.rsplit(".", 1)[-1], _rule) for name, op in REGISTRY.items()
           if op.sym is not None and op.sym_elementwise and op.differentiable]
    ops += [(name, REGISTRY[name], REGISTRY[name].__module__.rsplit(".", 1)[-1], _matrix_rule)
            for name in _MATRIX_SHAPES]
    if match is not None:
        want = str(match).lower()
        keys = [(entry, [s.lower() for s in (entry[0], entry[1].node_name, entry[2])])
                for entry in ops]
        ops = [entry for entry, k in keys if want in k] or \
            [entry for entry, k in keys if any(want in s for s in k)]
    rules = [rule for rule in (build(name, op, category) for name, op, category, build in ops)
             if rule is not None]
    if match is not None and not rules:
        raise ValueError(f"rules_table: no op, node or category matches {match!r}; try "
                         "rules_table() for all of them")
    return RulesTable(rules)


def _rule(name, op, category):
    signature = inspect.signature(op.vjp).parameters.values()
    names = [p.name for p in list(signature)[1:] if p.kind == p.POSITIONAL_OR_KEYWORD]
    if not names:
        return None  # a rule over *inputs (no names to show)
    params = {p.name: _PARAMS[p.name] for p in signature
              if p.kind == p.KEYWORD_ONLY and p.name != "out" and p.default is p.empty}
    params.update(_OP_PARAMS.get(name, {}))
    inputs = tuple(sympy.Symbol(n, real=True) for n in names)
    forward = op.sym(*inputs, **params)
    partials = tuple(sympy.powsimp(sympy.diff(forward, x)) for x in inputs)
    vjps = _run_vjp(op, inputs, forward, params)
    if name == "Where":  # the condition is a boolean input: no partial, no gradient
        partials = (sympy.S.Zero,) + partials[1:]
    return Rule(name, op.node_name, category, inputs, forward, partials, vjps)


# Small shapes to run the matrix rules on (the shapes of the inputs, in the vjp's order).
_MATRIX_SHAPES = {"Dot": ((3,), (3,)), "Mv": ((2, 3), (3,)), "Mm": ((2, 3), (3, 4)),
                  "Addmm": ((2, 4), (2, 3), (3, 4))}


def _matrix_rule(name, op, category):
    """A matrix op's rule, run on arrays of matrix elements and read back as a matrix
    expression: the product of (transposed) inputs and ``ḡ`` that gives every element."""
    signature = list(inspect.signature(op.vjp).parameters.values())[1:]
    names = [p.name for p in signature if p.kind == p.POSITIONAL_OR_KEYWORD]
    mats = [sympy.MatrixSymbol(n, *(shape if len(shape) == 2 else shape + (1,)))
            for n, shape in zip(names, _MATRIX_SHAPES[name])]
    arrays = [_elements(m, shape) for m, shape in zip(mats, _MATRIX_SHAPES[name])]
    out = op.forward(*arrays)
    forward = _recognise(out, mats)
    if np.ndim(out) == 0:
        g, garr = G, G
    else:
        shape = np.shape(out)
        g = sympy.MatrixSymbol("ḡ", *(shape if len(shape) == 2 else shape + (1,)))
        garr = _elements(g, shape)
    grads = op.vjp(garr, *arrays, out=out)
    vjps = tuple(None if gi is None else _recognise(gi, mats, g, target=m.shape)
                 for gi, m in zip(grads, mats))
    return Rule(name, op.node_name, category, tuple(mats), forward, (None,) * len(mats), vjps)


def _elements(m, shape):
    arr = np.empty(shape, dtype=object)
    for i in np.ndindex(shape):
        arr[i] = m[i if len(i) == 2 else (i[0], 0)]
    return arr


def _recognise(values, mats, g=None, target=None):
    """The simplest product of ``mats``, their transposes and ``g`` whose elements are
    ``values`` (summed to ``target``'s shape, as the engine reduces a broadcast gradient)."""
    values = np.asarray(values, dtype=object)
    if target is not None and values.size != target[0] * target[1]:
        values = values.sum(axis=tuple(range(values.ndim - len(target))))
    flat = [sympy.expand(v) for v in values.reshape(-1)]
    factors = [m for x in mats + ([g] if isinstance(g, sympy.MatrixSymbol) else [])
               for m in (x, x.T)]
    scalar = g if isinstance(g, sympy.Symbol) else sympy.S.One
    products = [scalar * p * q for p in factors for q in factors if p.shape[1] == q.shape[0]]
    candidates = [scalar * f for f in factors] + products + \
        [f + c for f in factors for c in products if f.shape == c.shape]
    for c in candidates:
        explicit = c.as_explicit() if hasattr(c, "as_explicit") else c
        if getattr(explicit, "shape", None) is None or \
                explicit.shape[0] * explicit.shape[1] != len(flat):
            continue
        if all(sympy.expand(a - b) == 0 for a, b in zip(explicit.reshape(len(flat), 1), flat)):
            return c
    raise NotImplementedError("no matrix form found")  # a new rule the table cannot read


def _run_vjp(op, inputs, forward, params):
    """The op's vjp on SymPy values; rules written with comparisons (relu's ``g * (out > 0)``)
    run on :class:`_Indicator` values, whose comparisons are 0/1 Piecewise factors."""
    try:
        grads = op.vjp(G, *inputs, out=forward, **params)
    except TypeError:
        try:
            grads = op.vjp(_Indicator(G), *map(_Indicator, inputs), out=_Indicator(forward),
                           **params)
        except TypeError:  # a rule written for NumPy arrays only: shown as —
            return (None,) * len(inputs)
    return tuple(None if gi is None else sympy.sympify(_unwrap(gi)) for gi in grads)


def _unwrap(v):
    if isinstance(v, _Indicator):
        return v.expr
    if isinstance(v, np.ndarray):
        return v.item()
    return v


class _Indicator:
    """A SymPy value whose comparisons give ``Piecewise((1, cond), (0, True))``, so a rule
    that multiplies by a mask (``g * (x > 0)``) runs symbolically."""

    def __init__(self, expr):
        self.expr = expr.expr if isinstance(expr, _Indicator) else sympy.sympify(expr)

    def _cond(self):
        return self.expr.args[0][1] if isinstance(self.expr, sympy.Piecewise) else None

    def _binary(fn):
        def method(self, other):
            return _Indicator(fn(self.expr, _unwrap(other)))
        return method

    __add__ = _binary(lambda a, b: a + b)
    __radd__ = _binary(lambda a, b: b + a)
    __sub__ = _binary(lambda a, b: a - b)
    __rsub__ = _binary(lambda a, b: b - a)
    __mul__ = _binary(lambda a, b: a * b)
    __rmul__ = _binary(lambda a, b: b * a)
    __truediv__ = _binary(lambda a, b: a / b)

    def _compare(relation):
        def method(self, other):
            other = _unwrap(other)
            if isinstance(self.expr, sympy.Piecewise):  # compare branch by branch
                return _Indicator(sympy.piecewise_fold(sympy.Piecewise(*[
                    (sympy.Piecewise((1, relation(e, other)), (0, True)), c)
                    for e, c in self.expr.args])))
            return _Indicator(sympy.Piecewise((1, relation(self.expr, other)), (0, True)))
        return method

    __gt__ = _compare(lambda a, b: a > b)
    __ge__ = _compare(lambda a, b: a >= b)
    __lt__ = _compare(lambda a, b: a < b)
    __le__ = _compare(lambda a, b: a <= b)

    def __and__(self, other):
        return _Indicator(sympy.Piecewise((1, sympy.And(self._cond(), other._cond())),
                                          (0, True)))

    def __neg__(self):
        return _Indicator(-self.expr)
