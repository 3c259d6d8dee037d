"""Checking a derivative, and naming the mistake when it is wrong.

A wrong answer is compared with the derivatives a student would get by making one known mistake
(a *buggy rule*) while differentiating the reference function: the product rule as f'·g', the
chain rule without the inner factor or with the outer function left as it was, the power rule as n·x^(n+1), n·x^n or without the factor n,
the quotient rule with the wrong sign, a constant kept, integrating instead, the wrong variable,
a sign error. Each buggy rule is the ordinary textbook differentiation of :class:`Student` with
one rule changed, applied everywhere or at one place. For a sum, a term-level diff says which
terms are right, missing, extra or wrong ("the constant term 5 (from 5x) is missing").
"""

import itertools
import time

import numpy as np
import sympy

from ..symbolic.parse import parse_math
from ..symbolic.parse import _function_depth
from .check import (PLUS_C_MESSAGE, Feedback, check_matrix, constant_factor,
                    counterexample_sentence, credit, factor_message, parse_feedback,
                    undecided_feedback, without_constant)
from .equivalence import (
    AnswerParseError,
    Samples,
    close,
    equivalent,
    expansion_terms,
    parse_answer,
    show,
    without_lhs,
)

__all__ = ["BUGGY_RULES", "Student", "buggy_derivatives", "check_derivative", "term_diff"]

# Tag → what the student is told, most specific first: the first rule that matches is named.
BUGGY_RULES = {
    "wrong_variable": "It looks like you differentiated with respect to {var} instead of {wrt}.",
    "product_rule_fg": "It looks like you multiplied the derivatives of the factors, "
                       "(f·g)' = f'·g'. The product rule is (f·g)' = f'·g + f·g'.",
    "product_rule_missing_term": "You have only one of the two terms of the product rule, "
                                 "(f·g)' = f'·g + f·g'.",
    "quotient_rule_sign": "Check the signs in the quotient rule: (f/g)' = (f'·g − f·g')/g².",
    "missing_chain_factor": "It looks like you forgot the chain rule: multiply by the "
                            "derivative of the inner function {inner}, which is {inner_d}.",
    "outer_not_differentiated": "It looks like you left the outer function as it was: the "
                                "chain rule replaces {outer} by its derivative {outer_d}, "
                                "then multiplies by the derivative of the inner function u.",
    "power_rule_exponent_up": "The power rule lowers the exponent by one: the derivative of "
                              "x^n is n·x^(n−1), not n·x^(n+1).",
    "power_rule_exponent_kept": "The power rule lowers the exponent by one: the derivative of "
                                "x^n is n·x^(n−1), not n·x^n.",
    "power_rule_missing_factor": "The power rule brings the exponent down as a factor: the "
                                 "derivative of x^n is n·x^(n−1); the factor n is missing.",
    "constant_not_dropped": "The derivative of a constant is 0: the constant term {term} "
                            "should disappear.",
    "sign_error": "Check the signs: {detail}.",
    "integrated": "It looks like you integrated instead of differentiating: the derivative of "
                  "your answer is the original function.",
}
# The same mistakes, said of one term of a sum.
_TERM_HINTS = {
    "product_rule_fg": "use the product rule (f·g)' = f'·g + f·g'",
    "product_rule_missing_term": "the product rule (f·g)' = f'·g + f·g' has two terms",
    "quotient_rule_sign": "the quotient rule is (f/g)' = (f'·g − f·g')/g²",
    "missing_chain_factor": "multiply by the derivative of the inner function {inner}, "
                            "which is {inner_d}",
    "outer_not_differentiated": "differentiate the outer function too: the derivative of "
                                "{outer} is {outer_d}",
    "power_rule_exponent_up": "the power rule lowers the exponent by one",
    "power_rule_exponent_kept": "the power rule lowers the exponent by one",
    "power_rule_missing_factor": "the power rule brings the exponent down as a factor",
    "constant_not_dropped": "the derivative of a constant is 0",
    "sign_error": "check the sign",
}
_U = sympy.Symbol("u")  # the inner function, in what is said of an outer one: sin(u) → cos(u)
_MAX_SITES = 6   # a mistake made at one place is tried at each of up to this many places
_MAX_TERMS = 12  # sums longer than this get no term-level diff


class Student:
    """Differentiates ``x`` by the textbook rules, making the mistake ``bug`` at every place it
    can (``site=None``) or only at the ``site``-th one; ``variant`` picks between forms of one
    mistake (0/1: the product rule's first or second term; + or swapped in the quotient rule).
    After :meth:`d`, ``sites`` is how many places the mistake could be made and ``hits`` what
    was there.

    >>> x = sympy.Symbol("x")
    >>> Student(x, "missing_chain_factor").d(sympy.sin(3*x**2))
    cos(3*x**2)
    >>> Student(x, "power_rule_exponent_up").d(2*x**4 + x**3)
    8*x**5 + 3*x**4
    """

    def __init__(self, x, bug=None, site=None, variant=0):
        self.x, self.bug, self.site, self.variant = x, bug, site, variant
        self.sites, self.hits = 0, []

    def slip(self, bug, **info):
        """Whether to make the mistake ``bug`` here (``info`` says where, for the message)."""
        if bug != self.bug:
            return False
        self.sites += 1
        if self.site is None or self.site == self.sites - 1:
            self.hits.append(info)
            return True
        return False

    def d(self, e):
        x = self.x
        if not e.has(x):
            return sympy.S.Zero
        if e == x:
            # x is x^1 to a student who raises the exponent or keeps it: 5x → 5x^2 or 5x.
            if self.slip("power_rule_exponent_up"):
                return x**2
            return x if self.slip("power_rule_exponent_kept") else sympy.S.One
        if e.is_Add:
            out = [self.d(t) for t in e.args]
            constants = [t for t in e.args if not t.has(x)]
            if constants and self.slip("constant_not_dropped", term=show(sympy.Add(*constants))):
                out += constants
            return sympy.Add(*out)
        if e.is_Mul:
            return self.product(e)
        if e.is_Pow:
            return self.power(e)
        if isinstance(e, sympy.Function) and len(e.args) == 1:
            u = e.args[0]
            t = sympy.Dummy("t")
            outer = sympy.diff(e.func(t), t).subs(t, u)
            if u != x and self.slip("outer_not_differentiated", outer=show(e.func(_U)),
                                    outer_d=show(sympy.diff(e.func(_U), _U))):
                outer = e
            if e.func in (sympy.sin, sympy.cos) and self.slip(
                    "sign_error", detail="the derivative of sin is cos, and of cos is −sin"):
                outer = -outer
            return outer * self.chain(u)
        return sympy.diff(e, x)

    def chain(self, u):
        """The inner derivative u', or 1 for a student who forgets it."""
        if u == self.x:
            return sympy.S.One
        du = self.d(u)
        if self.slip("missing_chain_factor", inner=show(u), inner_d=show(du)):
            return sympy.S.One
        return du

    def product(self, e):
        x = self.x
        c, rest = e.as_independent(x, as_Add=False)
        if c != 1:
            return c * self.d(rest)
        factors = sympy.Mul.make_args(rest)
        below = [f for f in factors if f.is_Pow and f.exp.is_number and f.exp.is_negative]
        above = [f for f in factors if f not in below]
        if below and above:
            f, g = sympy.Mul(*above), sympy.Mul(*[b.base ** -b.exp for b in below])
            df, dg = self.d(f), self.d(g)
            if self.slip("quotient_rule_sign"):
                return (df * g + f * dg if self.variant == 0 else f * dg - df * g) / g**2
            return (df * g - f * dg) / g**2
        ds = [self.d(f) for f in factors]
        if self.slip("product_rule_fg"):
            return sympy.Mul(*ds)
        terms = [sympy.Mul(*factors[:i], ds[i], *factors[i + 1:]) for i in range(len(factors))]
        if self.slip("product_rule_missing_term"):
            return terms[0] if self.variant == 0 else terms[-1]
        return sympy.Add(*terms)

    def power(self, e):
        base, n = e.args
        if n.has(self.x):
            if base.has(self.x):
                return sympy.diff(e, self.x)
            return e * sympy.log(base) * self.chain(n)
        inner = self.chain(base)
        if self.slip("power_rule_exponent_up"):
            return n * base ** (n + 1) * inner
        if self.slip("power_rule_exponent_kept"):
            return n * base ** n * inner
        if self.slip("power_rule_missing_factor"):
            return base ** (n - 1) * inner
        return n * base ** (n - 1) * inner


_STUDENT_BUGS = ["product_rule_fg", "product_rule_missing_term", "quotient_rule_sign",
                 "missing_chain_factor", "outer_not_differentiated", "power_rule_exponent_up", "power_rule_exponent_kept",
                 "power_rule_missing_factor", "constant_not_dropped", "sign_error"]
_VARIANTS = {"product_rule_missing_term": 2, "quotient_rule_sign": 2}


def buggy_derivatives(f, x, *, single_sites=True):
    """(tag, buggy derivative, info) for each mistake that can be made differentiating ``f``.

    >>> x = sympy.Symbol("x")
    >>> [(tag, d) for tag, d, _ in buggy_derivatives(x**2 * sympy.sin(x), x)][:2]
    [('product_rule_fg', 2*x*cos(x)), ('product_rule_missing_term', 2*x*sin(x))]
    """
    out = []
    for bug in _STUDENT_BUGS:
        for variant in range(_VARIANTS.get(bug, 1)):
            everywhere = Student(x, bug, variant=variant)
            d = everywhere.d(f)
            if not everywhere.sites:
                continue
            info = everywhere.hits[0]
            if bug == "missing_chain_factor" and len(everywhere.hits) > 1:
                info = {"count": len(everywhere.hits),
                        "inner": _and([h["inner"] for h in everywhere.hits]),
                        "inner_d": _and([h["inner_d"] for h in everywhere.hits])}
            out.append((bug, d, info))
            if single_sites and 1 < everywhere.sites <= _MAX_SITES:
                for site in range(everywhere.sites):
                    once = Student(x, bug, site, variant)
                    out.append((bug, once.d(f), once.hits[0]))
    right = sympy.diff(f, x)
    out.append(("sign_error", -right, {"detail": "your answer is minus the derivative"}))
    if single_sites and right.is_Add and len(right.args) <= 8:
        out += [("sign_error", right - 2 * t, {"detail": f"the term {show(t)} has the wrong sign"})
                for t in right.args]
    return out


def _and(items):
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


_CHAIN_FACTORS = ("It looks like you forgot the chain rule {count} times: multiply by the "
                  "derivatives of the inner functions {inner}, which are {inner_d}.")


# ---------------------------------------------------------------------------- matching
def _same(u, v, rtol, atol):
    """Whether two value vectors agree where both are defined (at at least half the points)."""
    both = np.isfinite(u) & np.isfinite(v)
    return both.sum() >= max(1, len(u) // 2) and bool(np.all(close(u[both], v[both], rtol, atol)))


def _subset(values, unused, target, rtol, atol):
    """The smallest set of unused terms (up to 3) whose values add up to ``target``."""
    for size in (1, 2, 3):
        for combo in itertools.combinations(sorted(unused), size):
            if _same(sum(values[j] for j in combo), target, rtol, atol):
                return combo
    return None


def _hint(tag, info):
    return _TERM_HINTS.get(tag, "").format(**info)


def term_diff(answer, f, x, samples, *, rtol=1e-9, atol=1e-12, rules=None):
    """Which terms of ``answer`` (a wrong derivative of ``f``) are right, missing, extra, wrong.

    Returns ``(entries, score, messages)``; each entry a dict with "status" ("right",
    "missing", "extra", "wrong"), the terms involved and a "tag" when a buggy rule explains a
    wrong term; ``score`` the share of right terms (a tagged wrong term earns its credit),
    scaled by the "terms" rule; ``messages`` in plain words. Empty when no term is right or
    explained by a buggy rule.

    >>> x = sympy.Symbol("x")
    >>> f, answer = 2*x**4 + x**3 + 3*x**2 + 5*x + 1, 8*x**3 + 3*x**2 + 6*x
    >>> s = Samples([answer, sympy.diff(f, x)], [x])
    >>> term_diff(answer, f, x, s)[1:]
    (0.75, ['the constant term 5 (from 5x) is missing'])
    """
    # The pieces to find: each term's derivative, labelled with the term it comes from; for a
    # function that is not a sum (x^2·sin x), the terms of its derivative, unlabelled.
    sources = [t for t in f.as_ordered_terms() if t.has(x)] if f.is_Add else []
    if len(sources) >= 2:
        pieces = [(f_i, sympy.diff(f_i, x)) for f_i in sources]
    else:
        # the terms of the derivative as the rules give them (x²·sin x: two terms), not the
        # terms of its expansion, which no student writes
        pieces = [(None, d) for d in sympy.Add.make_args(sympy.diff(f, x))]
    constants = [t for t in sympy.Add.make_args(f) if not t.has(x)]
    terms = _terms(answer)
    if len(pieces) < 2 or len(terms) > _MAX_TERMS:
        return [], 0.0, []
    values = [samples.of(t) for t in terms]
    unused, entries, missing = set(range(len(terms))), [], []

    def entry(status, f_i, d_i, hit=(), **more):
        out = {"status": status, "source": show(f_i) if f_i is not None else None,
               "expected": show(d_i), "constant": bool(d_i.is_number)}
        if hit:
            out["actual"] = show(sympy.Add(*[terms[j] for j in hit]))
        return out | more

    for f_i, d_i in pieces:
        hit = _subset(values, unused, samples.of(d_i), rtol, atol)
        if hit:
            unused -= set(hit)
            entries.append(entry("right", f_i, d_i, hit))
        else:
            missing.append((f_i, d_i))
    for f_i, d_i in [m for m in missing if m[0] is not None]:
        for tag, wrong, info in buggy_derivatives(f_i, x, single_sites=False):
            hit = _subset(values, unused, samples.of(wrong), rtol, atol)
            if hit:
                unused -= set(hit)
                missing.remove((f_i, d_i))
                entries.append(entry("wrong", f_i, d_i, hit, tag=tag, hint=_hint(tag, info)))
                break
    if not entries:  # nothing recognisable: a list of every term as missing would not help
        return [], 0.0, []
    extras = sorted(unused)
    for j in [j for j in extras if any(_same(values[j], samples.of(c), rtol, atol)
                                       for c in constants)]:
        extras.remove(j)
        entries.append({"status": "extra", "actual": show(terms[j]),
                        "tag": "constant_not_dropped",
                        "hint": _TERM_HINTS["constant_not_dropped"]})
    if len(missing) == 1 and len(extras) == 1:
        entries.append(entry("wrong", *missing.pop(), (extras.pop(),)))
    entries += [entry("missing", f_i, d_i) for f_i, d_i in missing]
    entries += [{"status": "extra", "actual": show(terms[j])} for j in extras]
    earned = sum(1.0 if e["status"] == "right" else credit(e["tag"], rules)
                 if e["status"] == "wrong" and "tag" in e else 0.0 for e in entries)
    score = credit("terms", rules) * earned / len(entries)
    return entries, score, [_say(e) for e in entries if e["status"] != "right"]


def _terms(expr):
    """The terms of ``expr`` with products multiplied out (when that stays small)."""
    if expansion_terms(expr) <= 200:
        expr = sympy.expand(expr, power_exp=False, power_base=False, log=False)
    return list(sympy.Add.make_args(expr))


def _say(entry):
    """One entry of the term diff in plain words."""
    status, source = entry["status"], entry.get("source")
    origin = f" (from {source})" if source else ""
    if status == "missing":
        what = "the constant term" if entry["constant"] else "the term"
        return f"{what} {entry['expected']}{origin} is missing"
    if status == "extra":
        if entry.get("tag") == "constant_not_dropped":
            return f"the constant {entry['actual']} should not be there: {entry['hint']}"
        return f"the term {entry['actual']} should not be there"
    if source:
        text = f"the term from {source} should be {entry['expected']}, not {entry['actual']}"
    else:
        text = f"the term {entry['actual']} should be {entry['expected']}"
    return text + (f": {entry['hint']}" if entry.get("hint") else "")


def _integrated(answer, f, x, samples, rtol, atol):
    return _same(samples.of(sympy.diff(answer, x)), samples.of(f), rtol, atol)


def diagnose(answer, f, x, samples, *, rtol=1e-9, atol=1e-12, rules=None):
    """The mistake behind a wrong derivative ``answer`` of ``f``: (tags, score, message, info).

    Whole-answer buggy rules first (the first that matches is named; integrating is tried last,
    as ∫cos = sin is more often a sign slip); otherwise the term diff.

    >>> x = sympy.Symbol("x")
    >>> f, answer = x**2 * sympy.sin(x), 2*x*sympy.cos(x)
    >>> diagnose(answer, f, x, Samples([answer, sympy.diff(f, x)]))[:2]
    (['product_rule_fg'], 0.25)
    """
    mine = samples.of(answer)
    candidates = buggy_derivatives(f, x)
    # Buggy rules before the wrong variable: 1 - tanh(wa + b)^2 for d/dw is the chain-rule
    # factor a forgotten, though it is also d/db.
    for tag, template in BUGGY_RULES.items():
        for bug, d, info in candidates:
            if bug == tag and _same(mine, samples.of(d), rtol, atol):
                template = _CHAIN_FACTORS if "count" in info else template
                return [tag], credit(tag, rules), template.format(**info), \
                    {"buggy_derivative": show(d)}
    for var in sorted(f.free_symbols - {x}, key=str):
        if _same(mine, samples.of(sympy.diff(f, var)), rtol, atol):
            tag = "wrong_variable"
            return [tag], credit(tag, rules), BUGGY_RULES[tag].format(var=var, wrt=x), {}
    if _integrated(answer, f, x, samples, rtol, atol):
        return ["integrated"], credit("integrated", rules), BUGGY_RULES["integrated"], {}
    k = constant_factor(answer, sympy.diff(f, x), samples)
    if k is not None:
        return ["constant_factor"], credit("constant_factor", rules), factor_message(k), \
            {"factor": show(k)}
    entries, score, messages = term_diff(answer, f, x, samples, rtol=rtol, atol=atol,
                                         rules=rules)
    if not entries:
        return [], 0.0, "", {}
    tags = sorted({e.get("tag") or f"{e['status']}_term" for e in entries
                   if e["status"] != "right"})
    return tags, score, "; ".join(messages) + ".", {"terms": entries}


MAX_NESTING = 4  # functions nested deeper than this are refused (SymPy's cost is exponential)


def check_derivative(answer, function, wrt="x", *, variables=None, matrices=None, rules=None,
                     seed=0, rtol=1e-9, atol=1e-12, samples=20, timeout=2.0,
                     max_nesting=None):
    """Whether ``answer`` is the derivative of ``function`` with respect to ``wrt``, and if not,
    which mistake was made, with partial credit (``rules``: tag → credit, overriding
    :data:`~autodiff_lab.grading.check.CREDIT`).

    ``function`` is text or SymPy; the answer may use the names in ``variables`` (default: the
    function's own names and ``wrt``), may start with ``y' =``, ``dy/dx =``, ``f'(x) =`` or
    ``d/dx f =``, and is named "off by a factor of k" when it is k times the derivative. A
    trailing ``+ C`` is an antiderivative's constant: the answer is graded without it but never
    marked correct (tag "plus_constant", credit 0.75: give it 1.0 in ``rules`` to accept it).

    ``matrices`` (name → shape) declares matrix names: ``function`` is then a scalar such as
    ``g^T W x`` or ``sum(tanh(W x))``, ``wrt`` may be a matrix name, and the answer is the
    gradient, shaped like ``wrt`` (``W^T g``, ``g x^T``).

    A function whose functions nest deeper than ``max_nesting`` (default :data:`MAX_NESTING`,
    4) is refused at once, flagged for review: SymPy's work grows exponentially with the
    nesting and would overrun ``timeout``.

    >>> check_derivative("8x^3 + 3x^2 + 6x + 5", "2x^4 + x^3 + 3x^2 + 5x + 1")
    ✓ [1] Correct.
    >>> print(check_derivative("8x^3 + 3x^2 + 6x", "2x^4 + x^3 + 3x^2 + 5x + 1"))
    Not quite: the constant term 5 (from 5x) is missing.
    At x = 2, your answer gives 88, but the derivative is 93.
    >>> check_derivative("cos(3x^2)", "sin(3x^2)").tags
    ['missing_chain_factor']
    >>> check_derivative("dy/dx = x^3/4 + C", "x^4/4").tags
    ['power_rule_missing_factor', 'plus_constant']
    >>> check_derivative("g x^T", "g^T W x", "W", matrices={"W": (2, 3), "g": (2,), "x": (3,)})
    ✓ [1] Correct.
    """
    deadline = time.perf_counter() + timeout
    # The instructor's function: a typo in it is their error (MathParseError), not the student's.
    f = parse_math(function, variables, matrices=matrices) if isinstance(function, str) \
        else parse_answer(function)
    if isinstance(f, sympy.MatrixBase):
        if f.shape != (1, 1):
            raise ValueError(f"check_derivative() needs a scalar function; this one is "
                             f"{'×'.join(map(str, f.shape))}: take its sum(...) or a product "
                             f"like g^T f")
        f = f[0]
    limit = MAX_NESTING if max_nesting is None else max_nesting
    depth = _function_depth(f)
    if depth > limit:
        return Feedback(None, 0.0, f"This derivative could not be checked automatically, so "
                        f"your instructor will look at it: the function nests functions "
                        f"{depth} deep, and check_derivative checks at most {limit} levels "
                        f"within its time limit (raise max_nesting= to try anyway, or compare "
                        f"values with check_tensor).",
                        # show() would rebuild f, and SymPy's evaluation is what takes so long
                        {"nesting": depth, "max_nesting": limit,
                         "function": function if isinstance(function, str) else None},
                        ["needs_review", "too_large"])
    if matrices and wrt in matrices:
        return _check_matrix_derivative(answer, f, wrt, variables, matrices, rules=rules,
                                        seed=seed, rtol=rtol, atol=atol, samples=samples,
                                        timeout=timeout)
    x = sympy.Symbol(wrt)
    names = variables if variables is not None or matrices else sorted(
        {str(s) for s in f.free_symbols} | {wrt})
    right = sympy.diff(f, x)
    answer, plus_c = without_constant(answer, names)
    try:
        mine = parse_answer(answer, names, matrices)
    except AnswerParseError as e:
        return parse_feedback(e, rules)
    verdict = equivalent(mine, right, names, rtol=rtol, atol=atol, samples=samples, seed=seed,
                         timeout=timeout)
    details = {"verdict": verdict.to_dict(), "counterexample": verdict.counterexample,
               "expected": show(right), "function": show(f), "wrt": wrt}
    if verdict.equal:
        if plus_c:
            return Feedback(False, credit("plus_constant", rules), f"Almost: {PLUS_C_MESSAGE} "
                            "The rest of your answer is right.", details, ["plus_constant"])
        return Feedback(True, 1.0, "Correct.", details)
    if verdict.undecided:
        return undecided_feedback(verdict)
    example = counterexample_sentence(verdict, theirs="the derivative")
    if time.perf_counter() > deadline:  # no time left to look for the mistake
        return Feedback(False, credit("not_equal", rules), f"Not quite.\n{example}",
                        details | {"tags": []}, ["not_equal"])
    # Every name of f is sampled, so that d/dy of f can be evaluated at the same points.
    points = Samples([mine, right], f.free_symbols | mine.free_symbols | {x}, seed=seed,
                     count=samples)
    tags, score, message, info = diagnose(mine, f, x, points, rtol=rtol, atol=atol, rules=rules)
    if plus_c:
        if "integrated" in tags:
            message = BUGGY_RULES["integrated"] + " " + PLUS_C_MESSAGE
        else:
            message = PLUS_C_MESSAGE + (" " + message[0].upper() + message[1:] if message
                                        else "")
        tags = tags + ["plus_constant"] if tags else ["plus_constant"]
        score = min(float(score), credit("plus_constant", rules)) if tags != ["plus_constant"] \
            else credit("not_equal", rules)
    # "Not quite: the term ..." but "Not quite. It looks like ..."
    lead = "Not quite: " if message[:1].islower() else "Not quite. "
    message = f"{lead}{message}\n{example}".replace(" \n", "\n")
    return Feedback(False, float(score) if tags else credit("not_equal", rules), message,
                    details | info | {"tags": tags}, tags or ["not_equal"])


def _check_matrix_derivative(answer, f, wrt, variables, matrices, *, rules, seed, rtol, atol,
                             samples, timeout):
    """The gradient of the scalar ``f`` with respect to the matrix ``wrt``, against ``answer``."""
    entries = parse_math(wrt, variables, matrices=matrices)
    right = entries.applyfunc(lambda e: sympy.diff(f, e))
    try:
        mine = parse_answer(without_lhs(answer) if isinstance(answer, str) else answer,
                            variables, matrices)
    except AnswerParseError as e:
        return parse_feedback(e, rules)
    details = {"expected": str(right.tolist()), "function": show(f), "wrt": wrt}
    return check_matrix(mine, right, rtol=rtol, atol=atol, samples=samples, seed=seed,
                        timeout=timeout, rules=rules, details=details)
