"""compare: a hand-derived derivative next to the symbolic one, autograd and a finite difference.

Three ways to differentiate, side by side at one point. The symbolic row (``sympy.diff`` on the
twin) is exact and is the reference; autograd is exact too (the chain rule on numbers, up to the
rounding of the tensor's dtype); the central finite difference ``(y(x+h) − y(x−h)) / 2h`` is
an *approximation*: its truncation error shrinks like h² and its rounding error grows like 1/h,
so it can never match exactly and is judged with looser tolerances (``FD_LOOSENESS``).

The step h (the notation keeps ε for dual numbers): the two errors balance near
h ≈ ε_mach^(1/3) (ε_mach: the dtype's machine epsilon), about 6e-6 for float64 and
5e-3 for float32, so ``eps`` defaults to 1e-6 for a float64 leaf and 1e-3 for a float32 one.
y is re-evaluated from its twin in float64 either way (``lambdify``), so the float32 row shows
mostly truncation error (93.000017 for the seed's polynomial) and the float64 one rounding.
The autograd row is ``autograd.grad(y, x, retain_graph=True)``, which leaves ``x.grad`` alone;
when ``y.backward()`` has already freed the graph, or ``at=`` asks for another point, the graph
is rebuilt from ``y.sym`` with ``from_sympy`` and differentiated there.

Names in an expected expression are the leaf names of the twin (``x.name`` or the variable
bound to the leaf). For a tensor leaf the plain name stands for one element: with ``x`` of
shape 2×3, ``"2(3x+2)"`` means ``2(3x_{i,j}+2)`` for every element ``x_{i,j}``.
"""

import dataclasses
import html
import keyword
import re

import numpy as np
import sympy

from . import dtypes
from .autograd import grad, no_grad
from .symbolic.calculus import check_diff_work, diff, from_sympy, reverse_mode_grad, tidy
from .symbolic.notation import math_text, tree_size
from .symbolic.numeric import numeric, numeric_all
from .symbolic.twin import SymbolicSizeError
from .symbolic.parse import MathParseError, parse_math
from .symbolic.twin import Twin, caller_names, exact, to_sympy
from .tensor import Tensor

__all__ = ["Comparison", "Row", "compare"]

# The finite difference is an approximation, so its check is this many times looser.
FD_LOOSENESS = 10
# Symbolic reverse mode differentiates every element at once, in about a tenth of the time
# sympy.diff takes for one; compare's budget for it is that much larger.
REVERSE_MODE_SPEEDUP = 3
_OK, _BAD = "✓", "✗"
_HEADER = ["", "expression", "value", "difference", ""]
_INLINE = 6   # arrays up to this size are written out in titles and verdicts
_MAX_FORM_SIZE = 200  # tree nodes up to which elements are checked for one shared form


@dataclasses.dataclass(eq=False)
class Row:
    """One way of computing the derivative: its value at the point and how far it is off."""

    label: str
    expr: object             # a SymPy expression (per element for a tensor x), or None
    value: object            # float for a 0-d x, float64 ndarray shaped like x otherwise
    difference: object       # value − symbolic value, same type as value
    ok: bool
    rtol: float
    atol: float
    note: str = ""           # how the row was computed, shown where there is no expression

    @property
    def verdict(self):
        return _OK if self.ok else _BAD


@dataclasses.dataclass(eq=False)
class Comparison:
    """The result of :func:`compare`: ``rows``, ``ok``, a text table, HTML for Jupyter.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    >>> out = (2 * (3*x + 2)**2).mean()
    >>> c = torch.compare(out, wrt=x, expected="4(3x+2)")   # x means each element x_{i,j}
    >>> [row.verdict for row in c.rows]
    ['✗', '✓', '✓', '✓']
    >>> c.row("hand-derived").difference
    array([[10., 16., 22.],
           [22., 16., 10.]])
    >>> c.hand_minus_symbolic
    6*x_{i,j} + 4
    >>> c.to_dict()["rows"][1]["value"]
    [[10.0, 16.0, 22.0], [22.0, 16.0, 10.0]]
    """

    rows: list
    of: str                  # the name of y, as in dy/dx
    wrt: str
    point: dict              # leaf name → value (float or ndarray), wrt first
    eps: float
    rtol: float
    atol: float
    hand_minus_symbolic: object = None   # SymPy, when both are expressions

    @property
    def ok(self):
        """Whether every row agrees with the symbolic derivative within its tolerance."""
        return all(row.ok for row in self.rows)

    def row(self, label):
        """The row with this label ("hand-derived", "symbolic", "autograd", "finite difference")."""
        return next(row for row in self.rows if row.label == label)

    # ------------------------------------------------------------------ text
    def _d(self):
        """d for an ordinary derivative (one 0-d leaf), ∂ for a partial one."""
        return "d" if len(self.point) == 1 and np.ndim(self.point[self.wrt]) == 0 else "∂"

    def title(self):
        """``dy/dx at x = 2``: what is being differentiated, and where."""
        d = self._d()
        return f"{d}{self.of}/{d}{self.wrt} at {self._where()}"

    def _where(self):
        return ", ".join(f"{name} = {_inline(v)}" if np.size(v) <= _INLINE else
                         f"the current {name} ({_shape(v)})" for name, v in self.point.items())

    def verdict(self):
        """The one-line conclusion printed under the table."""
        d = self._d()
        reference = self.row("symbolic").value
        if self.ok:
            count = {3: "three", 4: "four"}.get(len(self.rows), str(len(self.rows)))
            what = (f"{d}{self.of}/{d}{self.wrt} = {_inline(reference)}"
                    if np.size(reference) <= _INLINE else
                    f"{d}{self.of}/{d}{self.wrt} ({_shape(reference)}, in the table)")
            return f"{_OK} all {count} agree: {what} at {self._where()}"
        bad = [row for row in self.rows if not row.ok]
        if len(bad) > 1:
            names = ", ".join(row.label for row in bad[:-1]) + f" and {bad[-1].label}"
            return f"{_BAD} {names} differ from the symbolic derivative at {self._where()}"
        row = bad[0]
        if np.ndim(row.value) == 0 and np.isnan(row.value):
            return (f"{_BAD} {row.label} is undefined (nan) at {self._where()}, where the "
                    f"symbolic derivative is {_num(reference)}")
        if np.ndim(row.value) == 0:
            return (f"{_BAD} {row.label} differs from the symbolic derivative by "
                    f"{_num(abs(row.difference))} at {self._where()}")
        wrong = ~_close(row.value, reference, row.rtol, row.atol)
        largest = np.max(np.abs(np.where(wrong, row.difference, 0)))
        return (f"{_BAD} {row.label} differs from the symbolic derivative at {wrong.sum()} of "
                f"{wrong.size} elements (largest difference {_num(largest)}) at {self._where()}")

    def _cells(self, show_expr, show_value, escape=str):
        """Per row: label, expression (or how it was computed), value, difference, verdict."""
        return [[escape(row.label), show_expr(row.expr) if row.expr is not None
                 else escape(row.note), show_value(row.value, 10),
                 "reference" if row.label == "symbolic" else show_value(row.difference, 3),
                 row.verdict] for row in self.rows]

    def _hint(self):
        """hand − symbolic, shown when the hand row is wrong: the missing or extra part."""
        if self.hand_minus_symbolic is not None and not self.row("hand-derived").ok:
            return self.hand_minus_symbolic
        return None

    def __str__(self):
        lines = [self.title(), _table(_HEADER, self._cells(_text, _block))]
        if self._hint() is not None:
            lines.append(f"hand − symbolic = {_text(self._hint())}")
        fd = self.row("finite difference")
        lines.append(f"finite difference is approximate (truncation ~h², rounding ~1/h): "
                     f"checked {FD_LOOSENESS}× looser, rtol={fd.rtol:g} atol={fd.atol:g}")
        lines.append(self.verdict())
        return "\n".join(lines)

    __repr__ = __str__

    # ------------------------------------------------------------------ Jupyter, graders
    def _repr_html_(self):
        def math(expr):
            return html.escape(f"${sympy.latex(expr)}$")

        def pre(value, digits):
            return f"<pre style='margin:0'>{html.escape(_block(value, digits))}</pre>"

        def tr(cells, tag="td"):
            return "<tr>" + "".join(f"<{tag}>{c}</{tag}>" for c in cells) + "</tr>"

        rows = []
        for row, cells in zip(self.rows, self._cells(math, pre, html.escape)):
            cells[-1] = f"<b style='color:{'green' if row.ok else 'red'}'>{cells[-1]}</b>"
            rows.append(tr(cells))
        d = self._d().replace("∂", r"\partial ")
        caption = rf"$\frac{{{d}{self.of}}}{{{d}{self.wrt}}}$ at {html.escape(self._where())}"
        parts = [f"<table><caption>{caption}</caption><thead>{tr(_HEADER, 'th')}</thead>",
                 f"<tbody>{''.join(rows)}</tbody></table>"]
        if self._hint() is not None:
            parts.append(f"<p>hand − symbolic = {math(self._hint())}</p>")
        parts.append(f"<p><b>{html.escape(self.verdict())}</b></p>")
        return "\n".join(parts)

    def to_dict(self):
        """Plain data for graders (JSON-serializable: floats, lists, strings, booleans)."""
        def plain(value):
            return value.tolist() if isinstance(value, np.ndarray) else float(value)

        return {
            "ok": self.ok, "of": self.of, "wrt": self.wrt,
            "point": {name: plain(v) for name, v in self.point.items()},
            "rtol": self.rtol, "atol": self.atol, "eps": self.eps,
            "rows": [{"label": row.label,
                      "expression": None if row.expr is None else str(row.expr),
                      "latex": None if row.expr is None else sympy.latex(row.expr),
                      "note": row.note, "value": plain(row.value),
                      "difference": plain(row.difference), "ok": row.ok,
                      "rtol": row.rtol, "atol": row.atol} for row in self.rows],
            "hand_minus_symbolic": (None if self.hand_minus_symbolic is None
                                    else str(self.hand_minus_symbolic)),
            "verdict": self.verdict(),
        }


# ---------------------------------------------------------------------- compare
def compare(y, wrt, expected=None, *, at=None, rtol=1e-4, atol=1e-6, eps=None):
    """Compare a derivative worked out by hand with the symbolic, autograd and numeric ones.

    ``y`` is a scalar tensor (a loss) computed from the leaf ``wrt``. ``expected`` is the hand
    derivative: math text (parsed safely by ``parse_math``; names are leaf names, and for a
    tensor leaf its plain name means one element), a SymPy expression (or array shaped like
    ``wrt``), a callable taking the point's value (a float for a 0-d ``wrt``, otherwise a tensor of
    ``wrt``'s dtype, so it mixes with the graph's other tensors), or None for no hand row. ``at`` evaluates at another value of ``wrt`` (the
    autograd row then runs on a graph rebuilt from ``y.sym``). Each row must agree with the
    symbolic row within ``rtol``/``atol`` (the finite difference, with step ``eps``: 1e-6 for
    float64 leaves and 1e-3 for float32 ones, within 10× those).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> c = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x")
    >>> c.ok, c.row("hand-derived").value, c.row("autograd").value
    (False, 88.0, 93.0)
    >>> print(c.verdict())
    ✗ hand-derived differs from the symbolic derivative by 5 at x = 2
    >>> print(c.hand_minus_symbolic)
    -5
    """
    names = caller_names()
    _check_arguments(y, wrt, names)
    twin = Twin(names)
    _name_leaves(twin, y)
    y_array = twin.array(y)
    leaves = twin.leaves
    if not any(t is wrt for t in leaves):
        found = ", ".join(twin.name_of(t) for t in leaves) or "none"
        raise ValueError(
            f"y does not depend on {twin.name_of(wrt)}: it is not a leaf of y's graph (the "
            f"leaves of y are: {found})")
    x_name = twin.name_of(wrt)
    x_elements = twin.array(wrt)
    y_expr = y_array.flat[0]
    values = twin.values()
    if at is not None:
        at = _as_point(at, wrt, x_name)
        values.update({x_elements[i]: exact(at[i]) for i in np.ndindex(wrt.shape)})
    if eps is None:
        eps = 1e-6 if wrt.dtype is dtypes.float64 else 1e-3
    plain, generic = _names(twin, wrt)

    # simplify=False: tidying every element is slow; only the displayed form gets tidied.
    try:
        symbolic, how = diff(y, wrt, simplify=False, twin=twin), "sympy.diff of y.sym"
    except SymbolicSizeError:
        # Past sympy.diff's budget the graph's own VJP rules, run on SymPy, give the same
        # derivative (reverse mode is the chain rule) in time linear in the graph.
        try:
            check_diff_work(y_array, 1, "compare (by symbolic reverse mode)",
                            scale=REVERSE_MODE_SPEEDUP)
            symbolic = reverse_mode_grad(y, wrt, twin=twin)
        except NotImplementedError:
            raise SymbolicSizeError(
                "compare needs the symbolic derivative, but y's formula is too long for "
                "sympy.diff to finish quickly and its graph has an op symbolic reverse mode "
                "cannot follow. Use a smaller example, or raise the limit with "
                "autodiff_lab.symbolic.set_max_diff_work(n).") from None
        how = "the graph's VJP rules on y.sym (too long for sympy.diff in time)"
    symbolic = _elements(symbolic, tuple(wrt.shape))
    reference = _evaluate(symbolic, values)
    rows = []
    hand_minus_symbolic = None
    shown = tidy(_display(symbolic, generic))
    if expected is not None:
        hand, hand_value = _hand(expected, twin, wrt, plain, generic, values,
                                 _constants(y, names))
        note = f"{getattr(expected, '__name__', 'f')}({x_name})" if hand is None else ""
        rows.append(_row("hand-derived", _display(hand, generic), hand_value, reference,
                         rtol, atol, note=note))
        if isinstance(rows[0].expr, sympy.Expr) and isinstance(shown, sympy.Expr):
            hand_minus_symbolic = tidy(rows[0].expr - shown)
    rows.append(_row("symbolic", shown, reference, reference, rtol, atol, note=how))
    autograd, how = _autograd(y, wrt, at, y_expr, twin)
    rows.append(_row("autograd", None, autograd, reference, rtol, atol, note=how))
    fd = _finite_difference(y_expr, twin, x_elements, values, eps)
    rows.append(_row("finite difference", None, fd, reference, FD_LOOSENESS * rtol,
                     FD_LOOSENESS * atol, note=f"central difference, h = {eps:g}"))
    point = {x_name: _shaped(_evaluate(x_elements, values))}
    for t in leaves:
        if t is not wrt:
            point[twin.name_of(t)] = _shaped(_evaluate(twin.array(t), values))
    return Comparison(rows=rows, of=y.name or names.get(id(y), "y"), wrt=x_name, point=point,
                      eps=eps, rtol=rtol, atol=atol, hand_minus_symbolic=hand_minus_symbolic)


def _check_arguments(y, wrt, names):
    if not isinstance(y, Tensor) or not isinstance(wrt, Tensor):
        bad = "y" if not isinstance(y, Tensor) else "wrt"
        value = y if bad == "y" else wrt
        raise TypeError(f"compare needs tensors; {bad} is a {type(value).__name__}")
    if y.numel() != 1:
        raise ValueError(
            f"compare needs a scalar y (a loss); y has shape {tuple(y.shape)}. Use y.sum() or "
            "pick an element")
    x = wrt.name or names.get(id(wrt), "wrt")
    if wrt.grad_fn is not None:
        raise ValueError(
            f"{x} is not a leaf: it was computed by {wrt.grad_fn.name()}. compare "
            "differentiates with respect to a leaf (a tensor created with requires_grad=True)")
    if not wrt.requires_grad:
        raise ValueError(
            f"{x} does not require grad, so autograd cannot differentiate with respect to it; "
            f"create it with requires_grad=True (or call {x}.requires_grad_() before building y)")


def _as_point(at, wrt, name):
    data = at._data if isinstance(at, Tensor) else at
    data = np.asarray(data, dtype=wrt.dtype.np)
    if data.shape != tuple(wrt.shape):
        raise ValueError(f"at= must have the shape of {name}, {tuple(wrt.shape)}; got "
                         f"{data.shape}")
    return data


def _names(twin, wrt):
    """What plain leaf names stand for: ``plain`` maps a name to the leaf's symbol (0-d) or to
    its "any element" symbol x_{i,j} (tensor leaves shaped like ``wrt``); ``generic`` maps each
    such x_{i,j} to the leaf's element symbols."""
    plain, generic = {}, {}
    index = ",".join("ijklmn"[:wrt.ndim])
    for t in twin.leaves:
        name, elements = twin.name_of(t), twin.array(t)
        if t.ndim == 0:
            plain[name] = elements[()]
        elif tuple(t.shape) == tuple(wrt.shape):
            plain[name] = sympy.Symbol(f"{name}_{{{index}}}", real=True)
            generic[plain[name]] = elements
    return plain, generic


def _elements(value, shape):
    """A SymPy value (expression, array or matrix) as an object array of ``shape``."""
    out = np.empty(shape, dtype=object)
    if isinstance(value, (sympy.NDimArray, sympy.MatrixBase)):
        flat = [value[i] for i in np.ndindex(*map(int, value.shape))]
        if len(flat) != out.size:
            raise ValueError(f"the expected derivative has shape "
                             f"{tuple(map(int, value.shape))}; the derivative has shape {shape}")
        out.reshape(-1)[:] = flat
    else:
        out[...] = sympy.sympify(value)
    return out


def _display(elements, generic):
    """One expression for all elements when they share a form (6x_{i,j} + 4), else the array."""
    if elements is None or elements.ndim == 0:
        return None if elements is None else elements[()]
    if not generic or any(_size(e) > _MAX_FORM_SIZE for e in elements.flat):
        return to_sympy(elements)  # long elements: a shared form would not be read anyway
    forms = {elements[i].xreplace({leaf[i]: g for g, leaf in generic.items()})
             for i in np.ndindex(elements.shape)}
    return forms.pop() if len(forms) == 1 else to_sympy(elements)


def _name_leaves(twin, y):
    """Unnamed leaves get t0, t1 ... in forward order, as explain and the pictures give them."""
    from .autograd.engine import AccumulateGrad, _topological_order
    for node in _topological_order([y.grad_fn])[::-1] if y.grad_fn is not None else []:
        if isinstance(node, AccumulateGrad) and node.variable is not None:
            twin.name_of(node.variable)


def _constants(y, names):
    """Named constant tensors (vectors, matrices) of y's graph: name → tensor."""
    from .autograd.engine import _topological_order
    found = {}
    for node in _topological_order([y.grad_fn]) if y.grad_fn is not None else []:
        for t, (child, _) in zip(getattr(node, "_inputs", ()), node.next_functions):
            if child is None and isinstance(t, Tensor) and 1 <= t.ndim <= 2:
                name = t.name or names.get(id(t))
                if name:
                    found.setdefault(name, t)
    return found


def _matrix_answer(text, twin, constants, error):
    """A hand answer in matrices (``(1 - tanh(W x)^2) x^T``): leaves and named constants of one
    or two dimensions are matrices; a constant's entries are its values. Re-raises ``error``
    (the per-element reading's) where the text is no matrix answer either."""
    shapes = {twin.name_of(t): tuple(t.shape) for t in twin.leaves if 1 <= t.ndim <= 2}
    shapes.update({n: tuple(t.shape) for n, t in constants.items() if n not in shapes})
    typeable = {n: s for n, s in shapes.items() if re.fullmatch(r"[A-Za-z]+[0-9]*", n)}
    try:
        parsed = parse_math(text, matrices=typeable)
    except MathParseError as matrix_error:  # a shape mistake is news; an unknown name is not
        raise (error if "unknown name" in str(matrix_error) else matrix_error) from None
    if not isinstance(parsed, sympy.MatrixBase):
        raise error
    values = {}
    for name, t in constants.items():
        if name in typeable and name not in {twin.name_of(leaf) for leaf in twin.leaves}:
            data = t._data.reshape(typeable[name] if t.ndim == 2 else (-1, 1))
            for (i, j), v in np.ndenumerate(data):
                index = f"{i},{j}" if t.ndim == 2 else f"{i}"
                values[sympy.Symbol(f"{name}_{{{index}}}", real=True)] = exact(v)
    return parsed.xreplace(values)


def _hand(expected, twin, wrt, plain, generic, values, constants=None):
    """The hand row: its elements (None for a callable) and their values at the point."""
    shape = tuple(wrt.shape)
    if callable(expected) and not isinstance(expected, sympy.Basic):
        point = _evaluate(twin.array(wrt), values)
        # The leaf's own dtype: a hand lambda mixes it with the graph's other tensors
        # (W @ x of float32 with a float64 copy fails: "expected m1 and m2 to have the same dtype").
        arg = float(point) if wrt.ndim == 0 else Tensor._make(point.astype(wrt.dtype.np),
                                                                wrt.dtype)
        with no_grad():
            result = expected(arg)
        result = np.asarray(result._data if isinstance(result, Tensor) else result, np.float64)
        try:
            return None, np.broadcast_to(result, shape)
        except ValueError:
            raise ValueError(f"the expected function returned shape {result.shape}; the "
                             f"derivative has shape {shape}") from None
    if isinstance(expected, str):
        typeable = {name: s for name, s in plain.items()
                    if re.fullmatch(r"[A-Za-z]+[0-9]*", name) and not keyword.iskeyword(name)}
        try:
            expected = parse_math(expected, variables=typeable)
        except MathParseError as error:  # perhaps matrices: W^T g, g x^T
            if wrt.ndim == 0:
                raise
            expected = _matrix_answer(expected, twin, constants or {}, error)
    elif isinstance(expected, (int, float)):
        expected = exact(expected)
    elif not isinstance(expected, (sympy.Basic, sympy.NDimArray, sympy.MatrixBase)):
        raise TypeError("expected must be math text, a SymPy expression, a callable or None; "
                        f"got {type(expected).__name__}")
    # SymPy input may spell the symbols without assumptions: match them by name.
    by_name = {**{str(s): s for s in [*twin.symbols, *generic]}, **plain}
    elements = _elements(expected, shape)
    for i in np.ndindex(shape):
        unknown = sorted(str(s) for s in elements[i].free_symbols if str(s) not in by_name)
        if unknown:
            raise ValueError(
                f"the expected derivative uses {', '.join(unknown)}, which is not a leaf of y "
                f"(a tensor leaf's plain name needs the shape of {twin.name_of(wrt)}); the "
                "leaves are: " + ", ".join(twin.name_of(t) for t in twin.leaves))
        e = elements[i].xreplace({s: by_name[str(s)] for s in elements[i].free_symbols})
        elements[i] = e.xreplace({g: leaf[i] for g, leaf in generic.items()})
    return elements, _evaluate(elements, values)


def _evaluate(elements, values):
    """float64 evaluation at the point (NaN where not real): arithmetic over the formula's
    nodes, never evalf, which can take minutes on exact nested formulas."""
    flat = numeric_all(list(elements.flat), values)
    return np.array(flat, dtype=np.float64).reshape(elements.shape)


def _autograd(y, wrt, at, y_expr, twin):
    """autograd.grad on y's own graph (``.grad`` untouched), or on one rebuilt from the twin."""
    if at is None:
        try:
            g = grad(y, wrt, retain_graph=True)[0]
            return g._data, "backward pass"
        except RuntimeError as e:
            if "backward through the graph a second time" not in str(e):
                raise
            # y.backward() freed y's graph; the same function, rebuilt, gives the same gradient.
            at = wrt._data
    x = Tensor._make(np.array(at, dtype=wrt.dtype.np), wrt.dtype).requires_grad_()
    rebuilt = from_sympy(y_expr, **{twin.name_of(t): x if t is wrt else t for t in twin.leaves})
    return grad(rebuilt, x)[0]._data, "backward pass on y rebuilt from y.sym"


def _finite_difference(y_expr, twin, x_elements, values, eps):
    """Central differences of y, all elements at once: y is rebuilt from its twin in float64."""
    symbols = list(twin.symbols)
    n = x_elements.size
    args = np.repeat(np.array([float(values[s]) for s in symbols])[:, None], 2 * n, axis=1)
    position = {s: k for k, s in enumerate(symbols)}
    rows = [position[s] for s in x_elements.flat]
    args[rows, np.arange(0, 2 * n, 2)] += eps
    args[rows, np.arange(1, 2 * n, 2)] -= eps
    out = np.broadcast_to(numeric(y_expr, dict(zip(symbols, args))), (2 * n,))
    return ((out[0::2] - out[1::2]) / (2 * eps)).reshape(x_elements.shape)


def _size(expr, cap=_MAX_FORM_SIZE + 1):
    """SymPy tree nodes of ``expr``, counted up to ``cap``."""
    return tree_size(expr, cap)


def _row(label, expr, value, reference, rtol, atol, note=""):
    close = _close(value, reference, rtol, atol)
    return Row(label, expr, _shaped(value), _shaped(np.subtract(value, reference)),
               bool(np.all(close)), rtol, atol, note)


def _close(value, reference, rtol, atol):
    return np.isclose(value, reference, rtol=rtol, atol=atol, equal_nan=True)


def _shaped(value):
    """A Python float for 0-d values, the array otherwise."""
    value = np.array(value, dtype=np.float64)  # a copy: rows never alias a tensor's data
    return float(value) if value.ndim == 0 else value


# ---------------------------------------------------------------------- formatting
def _num(v, digits=10):
    """93.0 → "93"; other floats with ``digits`` significant digits."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return f"{v:.{digits}g}"


def _block(value, digits=10):
    """A number, or an array laid out like NumPy's (one line per row)."""
    if np.ndim(value) == 0:
        return _num(value, digits)
    # Fewer digits per element keep arrays narrow; differences show what the digits hide.
    return np.array2string(np.asarray(value), separator=", ", threshold=36, edgeitems=2,
                           max_line_width=1000,
                           formatter={"float_kind": lambda v: _num(v, min(digits, 6))})


def _shape(value):
    return "×".join(map(str, np.shape(value)))


def _inline(value):
    return re.sub(r"\n\s*", " ", _block(value))


def _text(expr):
    """A short one-line form for terminals (the notation's math text): 8x³ + 3x² + 6x + 5,
    2·exp(x); an array too long for one line shows its first element and its shape."""
    if isinstance(expr, sympy.NDimArray) and _size(expr) > _MAX_FORM_SIZE // 4:
        first = expr[(0,) * expr.rank()]
        shape = "×".join(map(str, expr.shape))
        return f"{shape} array; [{', '.join('0' * expr.rank())}]: {_short(first, 40)}"
    return _short(expr, 60)


def _short(expr, limit):
    s = math_text(expr) if _size(expr) <= _MAX_FORM_SIZE else f"(a formula of more than " \
        f"{_MAX_FORM_SIZE} terms)"
    return s if len(s) <= limit else s[:limit - 1] + "…"


def _table(header, rows):
    """A box-drawn table; cells may hold several lines."""
    cells = [[str(c).split("\n") for c in row] for row in [header, *rows]]
    widths = [max(len(line) for row in cells for line in row[k]) for k in range(len(header))]

    def rule(left, middle, right):
        return left + middle.join("─" * (w + 2) for w in widths) + right

    def lines(row):
        height = max(len(c) for c in row)
        return ["│" + "│".join(f" {(c[h] if h < len(c) else ''):<{w}} "
                               for c, w in zip(row, widths)) + "│" for h in range(height)]

    out = [rule("┌", "┬", "┐"), *lines(cells[0]), rule("├", "┼", "┤")]
    for row in cells[1:]:
        out += lines(row)
    out.append(rule("└", "┴", "┘"))
    return "\n".join(out)
