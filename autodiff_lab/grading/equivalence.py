"""Whether two expressions are equal: a symbolic proof, or sampling inside the common domain.

A :class:`Verdict` has three values, never a silent guess:

* ``equal`` — proven symbolically, or the two agree at every sample point;
* ``not_equal`` — with a counterexample: the point, and both values there, confirmed at 30
  significant digits so that rounding in float64 is never mistaken for a difference;
* ``undecided`` — too few points where both are defined, or out of time: flagged for a person.

Sample points lie where *both* expressions are real and finite. Guards read from the SymPy
tree (``log u``: u > 0; ``sqrt u``: u ≥ 0; ``1/u``: u ≠ 0; ``tan u``: cos u ≠ 0; ``asin u``:
|u| ≤ 1) reject points outside the real domain even where complex arithmetic would happen to
give a real number (``sqrt(x)·sqrt(x-1)`` at x = −1), and the real roots of the guarded
quantities tell where to look (``log(x − 100)`` is sampled past 100, not on a fixed interval
that has no valid point).

Domain traps, decided: ``sqrt(x^2)`` is not ``x`` (counterexample at a negative x);
``log(x^2)`` and ``2 log x`` are equal on their common domain x > 0, and the verdict says in its
``note`` that ``log(x^2)`` is also defined at, e.g., x = −1; ``x/x`` is ``1`` (SymPy cancels it
while parsing; the two agree wherever both are defined).
"""

import dataclasses
import decimal
import functools
import math
import re
import time

import numpy as np
import sympy
from sympy.printing.precedence import PRECEDENCE
from sympy.printing.str import StrPrinter

from ..symbolic.parse import MathParseError, parse_math

__all__ = ["EQUAL", "NOT_EQUAL", "UNDECIDED", "AnswerParseError", "Samples", "Verdict",
           "equivalent", "parse_answer", "show"]

EQUAL, NOT_EQUAL, UNDECIDED = "equal", "not_equal", "undecided"

# Friendly points are tried first, so a counterexample usually reads "at x = 2".
_NICE = (2.0, -1.0, 0.5, 3.0, -2.5, 1.5, -0.5, 1.25)
_SCALES = (1.0, 3.0, 10.0, 0.1, 100.0)
_MARGIN = 1e-6            # how far from a pole or the edge of a log's domain a point must be
_SIMPLIFY_OPS = 30        # simplify() only below this many operations: it can take seconds
_EXPAND_TERMS = 5000      # expand() only when it makes at most about this many terms


class AnswerParseError(MathParseError):
    """A student's answer that could not be read; ``str()`` shows a caret under the problem.

    >>> try:
    ...     parse_answer("8x^$3")
    ... except AnswerParseError as e:
    ...     print(e)
    Your answer could not be read: unexpected character '$' at position 3
      8x^$3
         ^
    """


# The left-hand side of a derivative written as an equation: y' =, f'(x) =, dy/dx =, d/dx f =,
# ∂L/∂w =, d²y/dx² = (the right-hand side is the answer).
_LHS = re.compile(r"^\s*(?:[A-Za-z]\w*\s*['′″’]+\s*(?:\([^=()]*\))?"
                  r"|[d∂][^=/]{0,12}/\s*[d∂]\s*[A-Za-z][^=]*)\s*=(?!=)")


def without_lhs(text):
    """``text`` with a derivative's left-hand side (``y' =``, ``dy/dx =``...) blanked out, so
    that positions in error messages stay those of the text as typed.

    >>> without_lhs("dy/dx = 3x^2").strip(), without_lhs("d/dx f = 2x").strip()
    ('3x^2', '2x')
    """
    m = _LHS.match(text)
    return text if m is None else " " * m.end() + text[m.end():]


def parse_answer(text, variables=None, matrices=None):
    """A student's answer as a SymPy expression, parsed safely (nothing in it is ever run).

    Text goes through :func:`autodiff_lab.symbolic.parse.parse_math` (``matrices`` declares
    matrix names); a left-hand side ``y' =``, ``f'(x) =``, ``dy/dx =``, ``d/dx f =`` or
    ``∂L/∂w =`` is accepted and the right-hand side is the answer; an int or float is taken
    as the exact decimal it prints as; a SymPy expression is returned as it is.

    >>> parse_answer("8x³ + 3x^2 + 6x + 5")
    8*x**3 + 3*x**2 + 6*x + 5
    >>> parse_answer("f'(x) = 2x")
    2*x
    >>> parse_answer(0.25)
    1/4
    """
    if isinstance(text, (sympy.Expr, sympy.MatrixBase)):
        return text
    if isinstance(text, (int, float, np.integer, np.floating)) and not isinstance(text, bool):
        if not math.isfinite(text):
            raise AnswerParseError(f"Your answer is {text}, not a number that can be checked")
        return sympy.Rational(repr(float(text))) if isinstance(text, (float, np.floating)) \
            else sympy.Integer(int(text))
    if not isinstance(text, str):
        raise AnswerParseError(f"Your answer should be a math expression written as text, "
                               f"not a {type(text).__name__}")
    try:
        return parse_math(without_lhs(text), variables, matrices=matrices)
    except MathParseError as e:
        message = e.message.replace("not an equation", "not an equation (write the "
                                    "right-hand side alone, or start with y' = or dy/dx =)")
        raise AnswerParseError(f"Your answer could not be read: {message}", text,
                               e.position) from None


class _Printer(StrPrinter):
    """SymPy's str() with e^x for exp(x), as students write it."""

    def _print_exp(self, expr):
        arg = expr.args[0]
        simple = arg.is_Symbol or (arg.is_Integer and arg >= 0)
        return "e^" + (self._print(arg) if simple else f"({self._print(arg)})")

    def _print_Pow(self, expr, rational=False):
        if isinstance(expr.base, sympy.exp) and expr.exp != sympy.S.Half:
            return f"({self._print(expr.base)})^{self.parenthesize(expr.exp, PRECEDENCE['Pow'])}"
        return super()._print_Pow(expr, rational)


def show(expr):
    """An expression the way students type it: ``8x^3 + 3x^2 + 6x + 5``, ``6x*cos(3x^2)``.

    Fractions typed as decimals stay decimals (0.25 is 1/4 but 0.1 prints as 0.1).

    >>> show(parse_math("2x^4 + 5x + x*sin(3x^2)"))
    '2x^4 + x*sin(3x^2) + 5x'
    >>> show(parse_math("5.0000001 + x/2"))
    'x/2 + 5.0000001'
    >>> show(parse_math("x e^(-x) + e^x + (e^x)^y"))
    'x*e^(-x) + e^x + (e^x)^y'
    """
    decimals = {r: _decimal(r) for r in expr.atoms(sympy.Rational)
                if (r.q % 5 == 0 or r.q > 8) and r.q <= 10**30 and _terminates(r.q)}
    text = _Printer().doprint(expr.xreplace(decimals) if decimals else expr)
    # A number before a name or a bracket is a product without the star, as in 8x^3 or 2(x+1).
    return _JUXTAPOSE.sub(r"\1", text.replace("**", "^"))


_JUXTAPOSE = re.compile(r"(?<![\w.^])(\d+(?:\.\d+)?)\*(?=[A-Za-z(])")


def _terminates(q):
    """Whether 1/q is a finite decimal: q has no prime factors but 2 and 5."""
    for p in (2, 5):
        while q % p == 0:
            q //= p
    return q == 1


def _decimal(r):
    """A Rational with a finite decimal expansion as a Float that prints exactly those digits."""
    with decimal.localcontext() as context:
        context.prec = 80
        digits = format(decimal.Decimal(r.p) / decimal.Decimal(r.q), "f")
    return sympy.Float(digits, max(1, len(digits.lstrip("-0.").replace(".", ""))))


def _fmt(v, digits=6):
    """93.0 → '93', other numbers with ``digits`` significant digits."""
    v = float(v)
    return str(int(v)) if v.is_integer() and abs(v) < 1e15 else f"{v:.{digits}g}"


def fmt_pair(u, v):
    """Two different numbers with just enough digits to show that they differ.

    >>> fmt_pair(2 ** 0.5, 1.41421356)
    ('1.414213562', '1.41421356')
    """
    digits = next((d for d in range(6, 17) if _fmt(u, d) != _fmt(v, d)), 17)
    return _fmt(u, digits), _fmt(v, digits)


@dataclasses.dataclass
class Verdict:
    """The outcome of :func:`equivalent`, with all that is needed to replay it.

    ``status`` is EQUAL, NOT_EQUAL or UNDECIDED; ``method`` how it was decided ("symbolic" or
    "numeric"); ``counterexample`` ``{"point": {name: value}, "a": value, "b": value}`` for
    NOT_EQUAL; ``note`` a remark for people (a difference of domains, why it is undecided);
    ``points`` the sample points compared, ``seed``, ``rtol``, ``atol`` the settings.
    """

    status: str
    a: str
    b: str
    method: str = ""
    counterexample: dict = None
    note: str = ""
    seed: int = 0
    rtol: float = 0.0
    atol: float = 0.0
    variables: list = dataclasses.field(default_factory=list)
    points: list = dataclasses.field(default_factory=list)

    @property
    def equal(self):
        return self.status == EQUAL

    @property
    def undecided(self):
        return self.status == UNDECIDED

    def __bool__(self):
        """True for equal, False for not equal; undecided raises, so ``if equivalent(a, b):``
        never passes an answer nobody could check.

        >>> bool(equivalent("x^3", "x^2")), bool(equivalent("2(x+1)", "2x+2"))
        (False, True)
        """
        if self.status == UNDECIDED:
            raise TypeError("the truth value of an undecided Verdict is unknown: read .status "
                            "(equal, not_equal or undecided) and .note instead of bool()")
        return self.status == EQUAL

    def to_dict(self):
        """A JSON-ready dict of every field."""
        return dataclasses.asdict(self)

    def where(self):
        """The counterexample's point as text.

        >>> equivalent("x*y", "x+y").where()
        'x = 2, y = 3'
        """
        point = (self.counterexample or {}).get("point", {})
        return ", ".join(f"{k} = {_fmt(v)}" for k, v in point.items())

    def __str__(self):
        if self.status == NOT_EQUAL:
            c = self.counterexample
            at = f"at {self.where()}: " if c["point"] else ""
            return f"not equal: {at}{' ≠ '.join(fmt_pair(c['a'], c['b']))}"
        return f"{self.status.replace('_', ' ')}" + (f" ({self.note})" if self.note else "")


# ---------------------------------------------------------------------------- the domain
def guards(expr):
    """Where ``expr`` is real and finite, as (kind, quantity) conditions read from its tree.

    Kinds: "positive" (> 0), "nonnegative" (≥ 0), "nonzero" and "unit" (between −1 and 1).

    >>> guards(parse_math("log(x) + 1/(x-1) + sqrt(4-x)"))
    [('nonzero', x - 1), ('nonnegative', 4 - x), ('positive', x)]
    """
    out = []
    for node in sympy.preorder_traversal(expr):
        if not node.free_symbols:
            continue
        arg = node.args[0] if node.args else None
        if isinstance(node, sympy.log):
            out.append(("positive", arg))
        elif node.is_Pow:
            base, p = node.args
            if not base.free_symbols:
                continue
            if not p.is_number:
                out.append(("positive", base))
            elif p.is_integer:
                if p.is_negative:
                    out.append(("nonzero", base))
            else:
                # x^(1/3) is SymPy's principal root: complex for x < 0, so x ≥ 0 as for sqrt.
                out.append(("nonnegative" if p.is_positive else "positive", base))
        elif isinstance(node, (sympy.tan, sympy.sec)):
            out.append(("nonzero", sympy.cos(arg)))
        elif isinstance(node, (sympy.cot, sympy.csc)):
            out.append(("nonzero", sympy.sin(arg)))
        elif isinstance(node, (sympy.asin, sympy.acos)):
            out.append(("unit", arg))
    return list(dict.fromkeys(out))


def _breakpoints(conditions, symbol):
    """Real roots of the guarded quantities that depend on ``symbol`` alone: the domain's edges."""
    roots = []
    for _, g in conditions:
        if g.free_symbols != {symbol} or sympy.count_ops(g) > 50:
            continue
        for part in sympy.fraction(sympy.together(g)):
            try:
                poly = sympy.Poly(part, symbol)
            except sympy.PolynomialError:
                continue
            if 0 < poly.degree() <= 12:
                r = np.roots([float(c) for c in poly.all_coeffs()])
                roots += [float(v.real) for v in r if abs(v.imag) < 1e-9 and abs(v.real) < 1e6]
    return sorted(set(np.round(roots, 12)))[:12]


@functools.lru_cache(maxsize=1024)
def _compiled(expr, symbols):
    return sympy.lambdify(symbols, expr, modules="numpy", dummify=True)


def _evaluate(expr, symbols, columns, n):
    """``expr`` at n points as complex128; NaN where it cannot be evaluated."""
    try:
        with np.errstate(all="ignore"):
            v = _compiled(expr, symbols)(*columns)
            return np.array(np.broadcast_to(np.asarray(v, dtype=complex), (n,)))
    except (TypeError, ValueError, ZeroDivisionError, OverflowError, AttributeError, NameError):
        return np.full(n, np.nan, dtype=complex)


def _holds(kind, g):
    with np.errstate(all="ignore"):
        real = np.isfinite(g) & (np.abs(g.imag) <= 1e-12 * np.maximum(1, np.abs(g.real)))
        x = g.real
        test = {"positive": x > _MARGIN, "nonnegative": x >= 0,
                "nonzero": np.abs(x) > _MARGIN, "unit": np.abs(x) <= 1}[kind]
    return real & test


class Samples:
    """Points where every one of ``exprs`` is real and finite, and their values there.

    ``points`` is an (n, len(symbols)) float array; :meth:`of` evaluates any expression at them
    (NaN where it is undefined). Friendly points (2, −1, 0.5, ... and points beside the domain's
    edges) come first, then random ones from ``numpy.random.default_rng(seed)`` at several
    scales and both signs, until ``count`` points are found or ``max_tries`` were drawn.

    >>> s = Samples([parse_math("log(x - 100)")], seed=0, count=2)
    >>> s.symbols, s.points[:, 0].tolist()
    ((x,), [100.5, 102.0])
    """

    def __init__(self, exprs, symbols=None, *, seed=0, count=20, max_tries=2000, deadline=None):
        self.exprs = list(exprs)
        if symbols is None:
            symbols = set().union(*(e.free_symbols for e in self.exprs))
        self.symbols = tuple(sorted(symbols, key=sympy.default_sort_key))
        self.conditions = [guards(e) for e in self.exprs]
        everything = [c for conds in self.conditions for c in conds]
        self.breaks = [_breakpoints(everything, s) for s in self.symbols]
        self.seed, self.rng = seed, np.random.default_rng(seed)
        self.rejected = np.empty((0, len(self.symbols)))
        self.points = np.empty((0, len(self.symbols)))
        self.values = [np.empty(0) for _ in self.exprs]
        self._fill(count, max_tries, deadline)

    def _candidates(self, first, n):
        """The friendly points first, then random draws rounded to three significant digits."""
        if first:
            columns = [list(_NICE) + [v for p in b for v in (p + 0.5, p + 2.0, p - 0.5, p - 2.0)]
                       for b in self.breaks]
            size = max(map(len, columns), default=1)
            # Symbol i starts 3 places further along, so x and y do not take the same values.
            return np.array([[c[(k + 3 * i) % len(c)] for i, c in enumerate(columns)]
                             for k in range(size)], dtype=float).reshape(size, -1)
        cols = []
        for b in self.breaks:
            v = self.rng.standard_normal(n) * self.rng.choice(_SCALES, n)
            if b:
                offset = self.rng.exponential(1.0, n) * self.rng.choice((0.1, 1.0, 10.0), n)
                v = np.where(self.rng.random(n) < 0.5,
                             self.rng.choice(b, n) + offset * self.rng.choice((-1, 1), n), v)
            cols.append([float(f"{x:.3g}") for x in v])
        return np.array(cols, dtype=float).T.reshape(n, -1)

    def defined(self, expr, conditions, candidates):
        """Real parts of ``expr`` at the candidates, and where it is real, finite and guarded."""
        n = len(candidates)
        columns = [candidates[:, j].astype(complex) for j in range(len(self.symbols))]
        v = _evaluate(expr, self.symbols, columns, n)
        with np.errstate(all="ignore"):
            ok = np.isfinite(v) & (np.abs(v.imag) <= 1e-9 * np.maximum(1, np.abs(v.real)))
        for kind, g in conditions:
            ok &= _holds(kind, _evaluate(g, self.symbols, columns, n))
        return v.real, ok

    def _fill(self, count, max_tries, deadline):
        tried, first, seen = 0, True, set()
        points, values, rejected = [], [[] for _ in self.exprs], []
        while len(points) < count and tried < max_tries:
            if deadline is not None and time.perf_counter() > deadline:
                break
            if self.symbols:
                batch = self._candidates(first, max(2 * count, 16))
            else:
                batch = np.empty((1, 0))
            tried += len(batch)
            results = [self.defined(e, c, batch) for e, c in zip(self.exprs, self.conditions)]
            ok = np.logical_and.reduce([r[1] for r in results])
            for k in np.flatnonzero(ok):
                # Rounded draws repeat near a narrow domain: one point counts once.
                if len(points) < count and tuple(batch[k]) not in seen:
                    seen.add(tuple(batch[k]))
                    points.append(batch[k])
                    for i, (v, _) in enumerate(results):
                        values[i].append(v[k])
            rejected.extend(batch[~ok])
            if not self.symbols:
                break
            first = False
        shape = (len(points), len(self.symbols))
        self.points = np.array(points, dtype=float).reshape(shape)
        self.rejected = np.array(rejected[:200], dtype=float).reshape(
            min(len(rejected), 200), len(self.symbols))
        self.values = [np.array(v, dtype=float) for v in values]

    def of(self, expr):
        """``expr`` at the sample points: a float array, NaN where it is not defined."""
        if expr in self.exprs:
            return self.values[self.exprs.index(expr)]
        v, ok = self.defined(expr, guards(expr), self.points)
        return np.where(ok, v, np.nan)

    def as_dicts(self):
        """The points as a list of {name: value}, for the record."""
        names = [str(s) for s in self.symbols]
        return [dict(zip(names, map(float, p))) for p in self.points]


def close(u, v, rtol, atol):
    """Elementwise |u − v| ≤ atol + rtol·max(|u|, |v|) (symmetric, unlike numpy.isclose).

    >>> close(np.array([1.0, 1.0]), np.array([1.0 + 1e-12, 1.1]), 1e-9, 0).tolist()
    [True, False]
    """
    with np.errstate(all="ignore"):
        return np.abs(u - v) <= atol + rtol * np.maximum(np.abs(u), np.abs(v))


# ---------------------------------------------------------------------------- the proof
def expansion_terms(e):
    """About how many terms expand() would make of ``e``: a product of sums multiplies out."""
    if e.is_Add:
        return sum(expansion_terms(t) for t in e.args)
    if e.is_Mul:
        return math.prod(expansion_terms(f) for f in e.args)
    if e.is_Pow and e.exp.is_Integer and e.exp > 1:
        k = expansion_terms(e.base)
        return 1 if k == 1 else math.comb(min(int(e.exp), 10**4) + k - 1, k - 1)
    return 1 + sum(expansion_terms(a) - 1 for a in e.args)


def _proven_zero(d, symbols, deadline):
    """Whether ``d`` is identically zero by a bounded symbolic computation (False: not proven)."""
    if d == 0:
        return True
    if expansion_terms(d) > _EXPAND_TERMS:
        return False
    if symbols and d.is_rational_function(*symbols):
        return sympy.cancel(sympy.together(d)) == 0
    if sympy.expand(d) == 0:
        return True
    if sympy.count_ops(d) > _SIMPLIFY_OPS or time.perf_counter() > deadline:
        return False
    return sympy.simplify(d) == 0


# ---------------------------------------------------------------------------- the verdict
def _precise(expr, symbols, point):
    """``expr`` at ``point`` with 30 significant digits: the judge of a float64 disagreement."""
    subs = {s: sympy.Rational(repr(float(v))) for s, v in zip(symbols, point)}
    try:
        v = complex(expr.evalf(30, subs=subs))
    except (TypeError, ValueError):
        return math.nan
    return v.real if abs(v.imag) <= 1e-20 * max(1.0, abs(v.real)) else math.nan


def _domain_note(a, b, samples):
    """Where one expression is defined and the other is not, said in words (or "")."""
    probe = list(samples.rejected)
    for j, edges in enumerate(samples.breaks):
        for p in edges:
            row = samples.points[0].copy() if len(samples.points) else np.ones(len(samples.symbols))
            row[j] = p
            probe.append(row)
    if not probe or not samples.symbols:
        return ""
    probe = np.array(probe, dtype=float)
    _, ok_a = samples.defined(a, samples.conditions[0], probe)
    _, ok_b = samples.defined(b, samples.conditions[1], probe)
    for ok, (this, other) in ((ok_a & ~ok_b, (a, b)), (ok_b & ~ok_a, (b, a))):
        if ok.any():
            point = probe[np.flatnonzero(ok)[0]]
            where = ", ".join(f"{s} = {_fmt(v)}" for s, v in zip(samples.symbols, point))
            return (f"{show(this)} is also defined at {where}, where {show(other)} is not; "
                    f"they agree wherever both are defined")
    return ""


def equivalent(a, b, variables=None, *, rtol=1e-9, atol=1e-12, samples=20, seed=0,
               timeout=2.0):
    """Whether ``a`` (by convention the answer) equals ``b`` (the reference), as a Verdict.

    ``a`` and ``b`` are text (parsed with :func:`parse_answer`, restricted to ``variables``
    if given), numbers or SymPy expressions. Both are compared at ``samples`` points where both
    are defined; a disagreement in float64 is confirmed at 30 digits before it becomes a
    counterexample, and agreement everywhere is promoted to a proof when a bounded symbolic
    simplification finds ``a − b = 0``. Fewer than half the points, or running past
    ``timeout`` seconds, gives UNDECIDED. Deterministic: the same ``seed`` gives the same points.

    >>> v = equivalent("sqrt(x^2)", "x")
    >>> v.status, v.where(), v.counterexample["a"], v.counterexample["b"]
    ('not_equal', 'x = -1', 1.0, -1.0)
    >>> equivalent("2(3x+2)", "6x + 4").method
    'symbolic'
    >>> print(equivalent("log(x^2)", "2 log(x)").note)
    log(x^2) is also defined at x = -1, where 2log(x) is not; they agree wherever both are defined
    >>> equivalent("sqrt(x-1) + sqrt(1-x)", "0").status
    'undecided'
    """
    deadline = time.perf_counter() + timeout
    a, b = parse_answer(a, variables), parse_answer(b, variables)
    names = sorted(a.free_symbols | b.free_symbols, key=sympy.default_sort_key)
    verdict = Verdict(UNDECIDED, show(a), show(b), seed=seed, rtol=rtol, atol=atol,
                      variables=[str(s) for s in names])
    s = Samples([a, b], names, seed=seed, count=samples, deadline=deadline)
    verdict.points = s.as_dicts()
    va, vb = s.values
    for k in np.flatnonzero(~close(va, vb, rtol, atol))[:10]:
        pa, pb = _precise(a, s.symbols, s.points[k]), _precise(b, s.symbols, s.points[k])
        if not (math.isnan(pa) or math.isnan(pb) or close(pa, pb, rtol, atol)):
            verdict.status, verdict.method = NOT_EQUAL, "numeric"
            verdict.counterexample = {"point": verdict.points[k], "a": pa, "b": pb}
            return verdict
    enough = len(s.points) >= (1 if not names else max(2, samples // 2))
    if _proven_zero(a - b, names, deadline):
        verdict.status, verdict.method = EQUAL, "symbolic"
    elif enough:
        verdict.status, verdict.method = EQUAL, "numeric"
    elif time.perf_counter() > deadline:
        verdict.note = f"out of time after {timeout:g} s with {len(s.points)} sample points"
        return verdict
    else:
        verdict.note = (f"both are defined at only {len(s.points)} of the points tried; "
                        f"a person should check this answer")
        return verdict
    verdict.note = _domain_note(a, b, s)
    return verdict
