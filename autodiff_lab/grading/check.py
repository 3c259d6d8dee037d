"""Checks that give feedback: expressions, tensors, gradients and printed output.

Each check returns a :class:`Feedback`: ``correct`` (True, False, or None when a person must
look), ``score`` from 0 to 1, a ``message`` for the student, ``tags`` naming the mistakes found
and ``details`` for the instructor (the verdict, the counterexample, what was expected).
A tag's partial credit comes from :data:`CREDIT` unless the instructor's ``rules`` say otherwise.
"""

import dataclasses
import itertools
import json
import math
import re
import time

import numpy as np
import sympy

from ..tensor import Tensor
from .equivalence import (NOT_EQUAL, AnswerParseError, Samples, equivalent, fmt_pair,
                          parse_answer, show)

__all__ = ["CREDIT", "MISCONCEPTIONS", "Feedback", "check_expression", "check_grad", "check_output",
           "check_tensor", "to_plain"]

# Partial credit for each tag a check can give, unless an instructor's rules override it.
CREDIT = {
    # expressions and derivatives (diagnose.py)
    "parse_error": 0.0, "not_equal": 0.0, "product_rule_fg": 0.25,
    "product_rule_missing_term": 0.5, "missing_chain_factor": 0.5, "outer_not_differentiated": 0.5,
    "power_rule_exponent_up": 0.5, "power_rule_exponent_kept": 0.5,
    "power_rule_missing_factor": 0.5, "quotient_rule_sign": 0.5, "constant_not_dropped": 0.75,
    "integrated": 0.0, "wrong_variable": 0.25, "sign_error": 0.5,
    # a sum with some terms right: each right term earns its share; "terms" scales that share
    "terms": 1.0,
    # tensors and gradients
    "wrong_dtype": 0.5, "requires_grad": 0.5, "not_leaf": 0.5, "leaf": 0.5, "transposed": 0.25, "grad_accumulated": 0.25,
    "accumulated": 0.25, "missing_mean": 0.25, "not_accumulated": 0.25, "missing_factor": 0.25,
    "float32_rounding": 0.5, "expected_mistake": 0.0, "constant_factor": 0.25,
    "plus_constant": 0.75, "mean_vs_sum": 0.25, "wrong_values": 0.0, "wrong_shape": 0.0,
    "not_a_tensor": 0.0,
    "no_grad": 0.0,
    # printed output
    "whitespace_only": 0.5, "output_mismatch": 0.0, "missing_output": 0.0,
}


def credit(tag, rules=None):
    """The partial credit of ``tag``: the instructor's rule if any, else :data:`CREDIT`, else 0.

    >>> credit("missing_chain_factor"), credit("missing_chain_factor", {"missing_chain_factor": 0})
    (0.5, 0)
    """
    return (rules or {}).get(tag, CREDIT.get(tag, 0.0))


@dataclasses.dataclass
class Feedback:
    """What a check found: ``correct`` (None: undecided, for a person to review), ``score``
    (0 to 1), ``message`` (for the student), ``details`` (for the instructor), ``tags``."""

    correct: object
    score: float
    message: str
    details: dict = dataclasses.field(default_factory=dict)
    tags: list = dataclasses.field(default_factory=list)

    @property
    def needs_review(self):
        return self.correct is None

    def to_dict(self):
        """A JSON-ready dict (NumPy numbers and non-finite floats made plain)."""
        return to_plain(dataclasses.asdict(self) | {"needs_review": self.needs_review})

    def __str__(self):
        return self.message

    def __repr__(self):
        mark = "?" if self.correct is None else "✓" if self.correct else "✗"
        return f"{mark} [{self.score:.3g}] {self.message}"


def to_plain(value, _depth=0):
    """``value`` as plain JSON data: Tensors and arrays as dicts with their data, shape and dtype,
    SymPy as text, NaN and infinities as the strings "nan", "inf", "-inf".

    For carrying a student's values from their process to the grader as JSON, never pickle.

    >>> import autodiff_lab as torch
    >>> plain = to_plain(torch.tensor([1.5, 2.0], requires_grad=True))
    >>> plain["kind"], plain["data"], plain["dtype"], plain["requires_grad"], plain["grad"]
    ('tensor', [1.5, 2.0], 'float32', True, None)
    """
    if _depth > 50:
        return "…"
    if isinstance(value, Tensor):
        grad = value.grad if value.is_leaf else None
        return {"kind": "tensor", "data": to_plain(value.detach().numpy().tolist(), _depth + 1),
                "shape": list(value.shape), "dtype": _dtype_name(value.dtype),
                "requires_grad": bool(value.requires_grad),
                "grad": None if grad is None else to_plain(grad, _depth + 1)}
    if isinstance(value, np.ndarray):
        return {"kind": "array", "data": to_plain(value.tolist(), _depth + 1),
                "shape": list(value.shape), "dtype": _dtype_name(value.dtype)}
    if isinstance(value, (bool, np.bool_)) or value is None:
        return None if value is None else bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else ("nan" if math.isnan(v) else "inf" if v > 0 else "-inf")
    if isinstance(value, complex):
        return {"kind": "complex", "real": to_plain(value.real), "imag": to_plain(value.imag)}
    if isinstance(value, str):
        return value
    if isinstance(value, sympy.Basic):
        return show(value)
    if isinstance(value, dict):
        return {str(k): to_plain(v, _depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_plain(v, _depth + 1) for v in value]
    return {"kind": "repr", "repr": repr(value)[:1000]}


def _dtype_name(dtype):
    return str(dtype).rpartition(".")[2]


# ---------------------------------------------------------------------------- expressions
def counterexample_sentence(verdict, yours="your answer", theirs="the correct value"):
    """The counterexample of a NOT_EQUAL verdict in words ('' for any other verdict).

    >>> counterexample_sentence(equivalent("x^2", "2x"))
    'At x = -1, your answer gives 1, but the correct value is -2.'
    """
    if verdict.status != NOT_EQUAL:
        return ""
    a, b = fmt_pair(verdict.counterexample["a"], verdict.counterexample["b"])
    where = f"At {verdict.where()}, " if verdict.counterexample["point"] else ""
    text = f"{where}{yours} gives {a}, but {theirs} is {b}."
    return text[0].upper() + text[1:]


def parse_feedback(error, rules=None):
    """The Feedback for an answer that could not be read, the caret under the problem.

    >>> parse_feedback(AnswerParseError("Your answer could not be read: empty answer")).tags
    ['parse_error']
    """
    return Feedback(False, credit("parse_error", rules), str(error),
                    {"error": error.message, "position": error.position}, ["parse_error"])


def undecided_feedback(verdict):
    """The Feedback for an answer the checker could not decide: no score, flagged for a person.

    >>> undecided_feedback(equivalent("sqrt(-x^2-1)", "1")).needs_review
    True
    """
    return Feedback(None, 0.0, "Your answer could not be checked automatically, so your "
                    "instructor will look at it.", {"verdict": verdict.to_dict()},
                    ["needs_review"])


_PLUS_C = re.compile(r"\s*\+\s*C\s*$")
PLUS_C_MESSAGE = ("“+ C” is how an antiderivative (an integral) is written; a derivative has no "
                  "constant of integration: drop the + C.")


def without_constant(text, names):
    """(``text`` without a trailing ``+ C``, whether it had one), when C is not one of
    ``names``; positions in ``text`` stay as typed.

    >>> without_constant("x^3/3 + C", ["x"])
    ('x^3/3    ', True)
    """
    if not isinstance(text, str) or (names is not None and "C" in {str(n) for n in names}):
        return text, False
    m = _PLUS_C.search(text)
    if m is None or not text[:m.start()].strip():
        return text, False
    return text[:m.start()] + " " * (m.end() - m.start()), True


def constant_factor(a, b, samples):
    """k when ``a`` is k·``b`` at every sample point, for a simple fraction k ≠ 0, 1, −1.

    >>> from .equivalence import Samples
    >>> e, f = parse_answer("4(3x+2)"), parse_answer("12(3x+2)")
    >>> constant_factor(e, f, Samples([e, f]))
    1/3
    """
    u, v = samples.of(a), samples.of(b)
    ok = np.isfinite(u) & np.isfinite(v) & (np.abs(v) > 1e-12)
    if ok.sum() < max(2, len(u) // 2):
        return None
    r = u[ok] / v[ok]
    k = float(np.median(r))
    if not np.all(np.abs(r - k) <= 1e-9 * max(1.0, abs(k))) or abs(k) < 1e-12:
        return None
    q = sympy.Rational(k).limit_denominator(100)
    if abs(float(q) - k) > 1e-9 * max(1.0, abs(k)) or q in (0, 1, -1):
        return None
    return q


def factor_message(k):
    """How an answer k times the right one is off, in words.

    >>> factor_message(sympy.Rational(1, 3))
    'Your answer is off by a factor of 3: the right answer is 3 times yours.'
    """
    big = 1 / k if abs(k) < 1 else k
    sign = " and has the wrong sign" if k < 0 else ""
    shown = show(abs(big))
    if abs(k) < 1:
        return f"Your answer is off by a factor of {shown}{sign}: the right answer is " \
               f"{shown} times yours."
    return f"Your answer is off by a factor of {shown}{sign}: it is {shown} times the right answer."


def _is_matrix(value):
    return isinstance(value, sympy.MatrixBase)


def check_matrix(answer, expected, *, rtol=1e-9, atol=1e-12, samples=20, seed=0, timeout=2.0,
                 rules=None, details=None):
    """Whether two matrices of SymPy expressions are equal, entry by entry, with the first
    entry that differs and a point where it does.

    >>> from autodiff_lab.symbolic import parse_math
    >>> shapes = {"W": (2, 3), "g": (2, 1)}
    >>> check_matrix(parse_math("W^T g", matrices=shapes), parse_math("(g^T W)^T", matrices=shapes))
    ✓ [1] Correct.
    """
    details = dict(details or {})
    if not _is_matrix(answer) or not _is_matrix(expected) or answer.shape != expected.shape:
        def shape(m):
            return "a scalar" if not _is_matrix(m) else "×".join(map(str, m.shape))
        if _is_matrix(answer) and _is_matrix(expected) and answer.T.shape == expected.shape and \
                all(equivalent(u, v, rtol=rtol, atol=atol, samples=samples, seed=seed,
                               timeout=timeout).equal for u, v in zip(answer.T, expected)):
            return Feedback(False, credit("transposed", rules), "Your matrix is the transpose "
                            "of the expected one.", details, ["transposed"])
        return Feedback(False, credit("wrong_shape", rules), f"Your answer is {shape(answer)}, "
                        f"but {shape(expected)} was expected.", details, ["wrong_shape"])
    deadline = time.perf_counter() + timeout
    for index in itertools.product(range(answer.rows), range(answer.cols)):
        left = max(0.1, deadline - time.perf_counter())
        verdict = equivalent(answer[index], expected[index], rtol=rtol, atol=atol,
                             samples=samples, seed=seed, timeout=left)
        if verdict.undecided:
            return undecided_feedback(verdict)
        if not verdict.equal:
            where = "[" + ", ".join(map(str, index)) + "]"
            return Feedback(False, credit("not_equal", rules),
                            f"Not quite: entry {where} differs. "
                            f"{counterexample_sentence(verdict)}",
                            details | {"entry": list(index), "verdict": verdict.to_dict()},
                            ["not_equal"])
    return Feedback(True, 1.0, "Correct.", details)


def check_expression(answer, expected, variables=None, *, matrices=None, rtol=1e-9, atol=1e-12,
                     samples=20, seed=0, timeout=2.0, rules=None):
    """Whether the student's expression ``answer`` equals ``expected``, with a counterexample.

    A constant factor off is named; ``y' =``, ``dy/dx =`` in front are accepted; a trailing
    ``+ C`` (C not a declared name) is graded without it but never marked correct: tag
    "plus_constant" (credit 0.75 unless ``rules`` say otherwise). ``matrices`` declares matrix
    names with their shapes, as for :func:`~autodiff_lab.symbolic.parse.parse_math`.

    >>> check_expression("2(3x+2)", "6x+4")
    ✓ [1] Correct.
    >>> check_expression("6x+2", "6x+4")
    ✗ [0] Not quite. At x = 2, your answer gives 14, but the correct value is 16.
    >>> print(check_expression("4(3x+2)", "12(3x+2)"))
    Not quite. Your answer is off by a factor of 3: the right answer is 3 times yours.
    At x = 2, your answer gives 32, but the correct value is 96.
    >>> check_expression("W^T g", "(g^T W)^T", matrices={"W": (2, 3), "g": (2, 1)})
    ✓ [1] Correct.
    """
    names = variables
    if names is None and isinstance(expected, str):
        try:
            names = sorted(str(v) for v in parse_answer(expected, None, matrices).free_symbols)
        except AnswerParseError:
            names = None
    answer, plus_c = without_constant(answer, names if names is not None else ())
    try:
        answer = parse_answer(answer, variables, matrices)
    except AnswerParseError as e:
        return parse_feedback(e, rules)
    if matrices or _is_matrix(answer):
        expected = parse_answer(expected, variables, matrices) if isinstance(expected, str) \
            else expected
    if _is_matrix(answer) or _is_matrix(expected):
        return check_matrix(answer, expected, rtol=rtol, atol=atol, samples=samples, seed=seed,
                            timeout=timeout, rules=rules)
    verdict = equivalent(answer, expected, variables, rtol=rtol, atol=atol, samples=samples,
                         seed=seed, timeout=timeout)
    details = {"verdict": verdict.to_dict(), "counterexample": verdict.counterexample,
               "expected": verdict.b}
    if verdict.equal:
        if plus_c:
            return Feedback(False, credit("plus_constant", rules), f"Almost: {PLUS_C_MESSAGE} "
                            "The rest of your answer is right.", details, ["plus_constant"])
        return Feedback(True, 1.0, "Correct.", details)
    if verdict.undecided:
        return undecided_feedback(verdict)
    reference = parse_answer(expected, variables, matrices)
    k = constant_factor(answer, reference, Samples([answer, reference], seed=seed,
                                                    count=samples))
    tags, lead = ["not_equal"], "Not quite."
    if k is not None:
        tags, lead = ["constant_factor"], f"Not quite. {factor_message(k)}\n"
    if plus_c:
        lead += (" " if lead.endswith(".") else "") + PLUS_C_MESSAGE + ("\n" if k is None else "")
        tags.append("plus_constant")
    lead = lead if lead.endswith("\n") else lead + " "
    return Feedback(False, credit(tags[0], rules), f"{lead}{counterexample_sentence(verdict)}",
                    details, tags)


# ---------------------------------------------------------------------------- tensors
_TENSOR_TEXT = re.compile(r"^\s*tensor\((.*?)(?:,\s*(?:requires_grad|grad_fn|dtype)=[^\]]*)?\)\s*$",
                          re.DOTALL)


def _array(value):
    """An answer as (float ndarray, dtype name or None, requires_grad or None), or an error."""
    if isinstance(value, Tensor):
        return value.detach().numpy(), _dtype_name(value.dtype), value.requires_grad
    if isinstance(value, np.ndarray):
        return value, _dtype_name(value.dtype), None
    if isinstance(value, dict) and value.get("kind") in ("tensor", "array"):
        return _floats(value["data"]), value.get("dtype"), value.get("requires_grad")
    if isinstance(value, str):
        # Printed tensors and nested lists: tensor([[10., 16.]]) → [[10.0, 16.0]], read as JSON.
        if len(value) > 100_000:
            raise ValueError("the answer is too long to be a tensor")
        text = _TENSOR_TEXT.sub(r"\1", value)
        text = re.sub(r"(?<=\d)\.(?!\d)", ".0", text).replace("(", "[").replace(")", "]")
        try:
            value = json.loads(re.sub(r"\bnan\b", "NaN", text))
        except ValueError:
            raise ValueError("it could not be read as numbers in brackets like [[1, 2], [3, 4]]") \
                from None
    return _floats(value), None, None


def _floats(data):
    data = [_floats(v) for v in data] if isinstance(data, list) else data
    if isinstance(data, str) and data in ("nan", "inf", "-inf"):
        return float(data)
    try:
        return np.asarray(data, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("it is not a rectangular array of numbers") from None


def _where(index):
    return "" if not index else "[" + ", ".join(map(str, index)) + "]"


def _shape_text(shape):
    return "(" + ", ".join(map(str, shape)) + ("," if len(shape) == 1 else "") + ")"


# The misconceptions a lesson can name with ``expect=``: each is recognised from the ratio of
# the answer to the expected values (k a whole number from 2 to 10,000).
MISCONCEPTIONS = {
    # answer = k × expected
    "accumulated": ("up", "Your gradient is exactly {k} times the expected one: gradients add "
                    "up in .grad, so backward() ran {k} times without zeroing the gradient "
                    "(call .grad.zero_() or optimizer.zero_grad() before each backward())."),
    "missing_mean": ("up", "Your gradient is exactly {k} times the expected one: the mean's "
                     "1/{k} is missing (divide by {k})."),
    # answer = expected / k
    "not_accumulated": ("down", "Your answer is 1/{k} of the expected one: that is what one "
                        "backward() call gives, but .grad adds up every call's gradient, so "
                        "after {k} calls without zeroing it holds {k} times that."),
    # answer = k × expected or expected / k
    "missing_factor": ("both", "Off by a factor of {k}: {relation}."),
}


def _nice(k):
    return 2 <= k <= 100 or k in (1000, 10_000)


def _ratio(got, want, rtol, atol):
    """k when ``got`` is k × ``want`` (k > 1) or ``want`` / k, as (k, "up"/"down"); else None.

    Held to at most 0.1% whatever the check's own tolerance: with ``atol=1`` a -8 for -5 is
    not "a factor of 2" off."""
    rtol, atol = min(rtol, 1e-3), min(atol, 1e-8)
    nonzero = (np.abs(want) > atol) & (np.abs(got) > atol)
    if got.shape != want.shape or not nonzero.any() or np.any(nonzero != (np.abs(want) > atol)):
        return None
    r = float(np.median(got[nonzero] / want[nonzero]))
    for k, way in ((round(r), "up"), (round(1 / r) if r else 0, "down")):
        if _nice(k):
            scaled = got / k if way == "up" else got * k
            if bool(np.all(np.isclose(scaled, want, rtol, atol))):
                return k, way
    return None


def _expected_answer(got, expect, rtol, atol):
    """The (tag, message) of an anticipated answer in ``expect`` that ``got`` equals."""
    for item in expect or ():
        if isinstance(item, dict) and "value" in item:
            try:
                value = _array(item["value"])[0]
            except ValueError:
                continue
            if value.shape == got.shape and bool(np.all(np.isclose(got, value, rtol, atol))):
                return item.get("tag", "expected_mistake"), item["message"]
    return None, None


def _value_mistakes(got, want, rtol, atol, for_grad, expect=None):
    """Tags and messages for values that are a simple transformation of the right ones: the
    lesson's own misconceptions (``expect``) first, then the usual ones."""
    def same(u):
        return u.shape == want.shape and bool(np.all(np.isclose(u, want, rtol, atol)))
    tag, message = _expected_answer(got, expect, rtol, atol)
    if tag:
        return tag, message
    if got.ndim == 2 and got.shape != want.shape and same(got.T):
        return "transposed", "Your tensor is the transpose of the expected one."
    if got.shape != want.shape:
        return None, None
    if np.any(want != 0) and same(-got):
        return "sign_error", ("Your answer has the wrong sign." if want.size == 1 else
                              "Every value has the wrong sign.")
    ratio = _ratio(got, want, rtol, atol)
    # "missing_mean" (any factor) or ("missing_mean", 8) (that factor only)
    names = [(e, None) if isinstance(e, str) else tuple(e) for e in expect or ()
             if isinstance(e, (str, tuple, list))]
    unknown = [e for e, _ in names if e not in MISCONCEPTIONS]
    if unknown:
        raise ValueError(f"unknown misconception {unknown[0]!r} in expect=: use one of "
                         f"{', '.join(MISCONCEPTIONS)}, or a dict with 'value' and 'message'")
    one = want.size == 1
    if ratio:
        k, way = ratio
        for name, factor in names:
            direction, template = MISCONCEPTIONS[name]
            if direction in (way, "both") and factor in (None, k):
                return name, template.format(k=k, relation=_relation(k, way, one))
    n = want.size
    if for_grad and n > 1 and (same(got / n) or same(got * n)):
        which = "sum" if same(got / n) else "mean"
        return "mean_vs_sum", (f"Your gradient is {n if which == 'sum' else f'1/{n}'} "
                               f"times the expected one: a {which}() where a "
                               f"{'mean' if which == 'sum' else 'sum'}() was expected?")
    if ratio and for_grad and ratio[1] == "up":
        k = ratio[0]
        return "grad_accumulated", (
            f"Your gradient is exactly {k} times the expected one: either backward() ran {k} "
            f"times without zeroing the gradient (gradients add up in .grad), or a factor "
            f"1/{k} is missing (a mean's 1/n?).")
    if ratio:
        k, way = ratio
        what = "Your answer is" if one else "Your values are"
        return "missing_factor", f"{what} off by a factor of {k}: {_relation(k, way, one)}."
    return None, None


def _relation(k, way, one):
    if one:
        return f"it is {k} times the expected value" if way == "up" else \
            f"the expected value is {k} times yours"
    return f"they are {k} times the expected ones" if way == "up" else \
        f"the expected ones are {k} times yours"


def _float32_rounding(got, want, got_dtype, want_dtype):
    """Whether the values agree as closely as float32 arithmetic can, where float64 was due."""
    return (got_dtype in ("float32", "float16") and want_dtype == "float64" and
            bool(np.all(np.isclose(got, want, rtol=1e-5 if got_dtype == "float32" else 1e-2,
                                   atol=1e-6))))


def check_tensor(actual, expected, *, shape=True, dtype=True, requires_grad=None, leaf=None,
                 rtol=1e-5, atol=1e-8, rules=None, expect=None, _for_grad=False):
    """Whether a tensor (or array, nested list, number, printed tensor) has the expected values,
    shape, dtype and ``requires_grad``.

    ``expected`` may be a Tensor, an array or nested lists; its dtype is checked when it has
    one (a Tensor or array) or when ``dtype`` is a name like "float32". ``requires_grad=None``
    does not check the flag; ``leaf=True`` checks that a Tensor answer is still a leaf (an
    in-place update, not ``w = w - lr * w.grad``), ``leaf=False`` that it is not.

    ``expect`` names the mistakes the exercise invites, tried first: names from
    :data:`MISCONCEPTIONS` ("accumulated", "missing_mean", "not_accumulated",
    "missing_factor"), recognised from the ratio of the answer to the expected values, and
    dicts ``{"value": ..., "message": ..., "tag": ...}`` for one anticipated wrong answer.
    A name may carry its factor, ``("missing_mean", 8)``, to name that factor only. Without
    ``expect``, an answer k times the right one is named by its factor.

    >>> check_tensor([3., 3.], [300., 300.], expect=["not_accumulated"]).tags
    ['not_accumulated']

    >>> import autodiff_lab as torch
    >>> check_tensor(torch.tensor([[1., 2.], [3., 5.]]), [[1, 2], [3, 4]])
    ✗ [0] 1 of 4 values differ; the largest difference is at [1, 1]: you have 5, expected 4.
    >>> check_tensor(torch.tensor([1., 2.], dtype=torch.float64), [1, 2], dtype="float32")
    ✗ [0.5] The values are right, but the dtype is float64 and float32 was expected.
    >>> w = torch.tensor([1., 2.], requires_grad=True)
    >>> w = w - 0.5 * w
    >>> print(check_tensor(w, [0.5, 1.], leaf=True).message)
    The values are right, but it is not a leaf tensor any more: SubBackward0 computed it from another tensor, so an assignment like w = w - lr * w.grad replaced the leaf; update it in place instead, inside with torch.no_grad(): w -= lr * w.grad.
    """
    try:
        got, got_dtype, got_flag = _array(actual)
    except ValueError as e:
        return Feedback(False, credit("not_a_tensor", rules), f"Your answer is not a tensor: {e}.",
                        {"answer": to_plain(actual)}, ["not_a_tensor"])
    want, want_dtype, _ = _array(expected)
    want_dtype = dtype if isinstance(dtype, str) else want_dtype if dtype else None
    details = {"expected": to_plain(want), "actual": to_plain(got), "rtol": rtol, "atol": atol}
    if shape and got.shape != want.shape:
        tag, message = _value_mistakes(got, want, rtol, atol, _for_grad, expect)
        tags = [tag] if tag else []
        message = message or ""
        return Feedback(False, credit(tag or "wrong_shape", rules),
                        f"Your tensor has shape {_shape_text(got.shape)}, but shape "
                        f"{_shape_text(want.shape)} was expected. {message}".strip(),
                        details, ["wrong_shape"] + tags)
    try:
        got_b, want_b = np.broadcast_arrays(got, want)
    except ValueError:
        return Feedback(False, credit("wrong_shape", rules),
                        f"Your tensor has shape {_shape_text(got.shape)}, which "
                        f"does not fit shape {_shape_text(want.shape)}.", details, ["wrong_shape"])
    ok = np.isclose(got_b, want_b, rtol=rtol, atol=atol)
    if not ok.all():
        tag, message = _value_mistakes(got, want, rtol, atol, _for_grad, expect)
        if tag:
            return Feedback(False, credit(tag, rules), message, details, [tag])
        if got.shape == want.shape and _float32_rounding(got, want, got_dtype, want_dtype):
            return Feedback(False, credit("float32_rounding", rules),
                            f"Your values agree with the expected ones only to about "
                            f"{'7' if got_dtype == 'float32' else '3'} digits, as {got_dtype} "
                            f"arithmetic does, and {want_dtype} was expected: compute in "
                            f"{want_dtype} (dtype=torch.{want_dtype}).", details,
                            ["float32_rounding"])
        bad = np.argwhere(~ok)
        errors = np.where(ok, 0, np.abs(np.nan_to_num(got_b - want_b, nan=np.inf)))
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape))
        mine, theirs = fmt_pair(got_b[worst], want_b[worst])
        if ok.size == 1:
            return Feedback(False, credit("wrong_values", rules),
                            f"Your answer is {mine}, but {theirs} was expected.",
                            details | {"wrong": 1}, ["wrong_values"])
        return Feedback(False, credit("wrong_values", rules),
                        f"{len(bad)} of {ok.size} values differ; the largest "
                        f"difference is at {_where(worst) or 'the value'}: you have {mine}, "
                        f"expected {theirs}.", details | {"wrong": len(bad)}, ["wrong_values"])
    problems, tags = [], []
    if want_dtype and got_dtype and got_dtype != want_dtype:
        problems.append(f"the dtype is {got_dtype} and {want_dtype} was expected")
        tags.append("wrong_dtype")
    if requires_grad is not None and got_flag is not None and bool(got_flag) != requires_grad:
        problems.append(f"requires_grad is {bool(got_flag)} and {requires_grad} was expected")
        tags.append("requires_grad")
    if leaf is not None and isinstance(actual, Tensor) and actual.is_leaf != leaf:
        if leaf:
            problems.append(f"it is not a leaf tensor any more: {actual.grad_fn.name()} computed "
                            f"it from another tensor, so an assignment like w = w - lr * w.grad "
                            f"replaced the leaf; update it in place instead, inside "
                            f"with torch.no_grad(): w -= lr * w.grad")
            tags.append("not_leaf")
        else:
            problems.append("it is a leaf tensor, and one computed from other tensors was "
                            "expected")
            tags.append("leaf")
    if problems:
        return Feedback(False, min(credit(t, rules) for t in tags),
                        "The values are right, but " + " and ".join(problems) + ".", details, tags)
    return Feedback(True, 1.0, "Correct.", details)


def check_grad(tensor, expected, *, rtol=1e-5, atol=1e-8, rules=None, expect=None, **kwargs):
    """Whether ``tensor.grad`` (for a tensor that requires grad, also as
    :func:`to_plain` gives it) or a gradient given directly has the expected values.

    Recognises a gradient k times the right one, a mean taken for a sum, a transposed or
    negated gradient, and a missing one; ``expect`` (as for :func:`check_tensor`) says which
    mistake the exercise invites, so that a gradient 8 times too large is named as
    "accumulated" (backward() ran 8 times) or "missing_mean" (the mean's 1/8 is missing).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    >>> for _ in range(2):
    ...     (2 * (3*x + 2)**2).mean().backward()
    >>> check_grad(x, [[10, 16, 22], [22, 16, 10]]).tags
    ['grad_accumulated']
    >>> print(check_grad(x, [[10, 16, 22], [22, 16, 10]], expect=["missing_mean"]))
    Your gradient is exactly 2 times the expected one: the mean's 1/2 is missing (divide by 2).
    """
    # A tensor that requires grad is checked through its .grad; anything else (x.grad itself,
    # an array, nested lists) is the gradient.
    grad = tensor
    if isinstance(tensor, Tensor) and tensor.requires_grad:
        grad = tensor.grad
        if grad is None:
            hint = ("call backward() on the result first" if tensor.is_leaf else
                    "it is not a leaf: call .retain_grad() on it before backward(), or check "
                    "the gradient of a leaf")
            return Feedback(False, credit("no_grad", rules),
                            f"The tensor has no gradient (.grad is None): {hint}.", {}, ["no_grad"])
    elif isinstance(tensor, dict) and tensor.get("kind") == "tensor" and tensor.get(
            "requires_grad"):
        grad = tensor["grad"]
    if grad is None:
        return Feedback(False, credit("no_grad", rules), "There is no gradient (.grad is None): "
                        "call backward() first.", {}, ["no_grad"])
    return check_tensor(grad, expected, rtol=rtol, atol=atol, rules=rules, expect=expect,
                        _for_grad=True, **kwargs)


# ---------------------------------------------------------------------------- printed output
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def normalize_output(text, normalize_addresses=True, whitespace="trailing"):
    """Printed text as lines for comparison: Windows line ends, trailing blank lines and (by
    ``whitespace``) trailing spaces ("trailing"), all spaces and blank lines ("all") or nothing
    ("exact") ignored; memory addresses ``0x7fd0...`` made equal.

    >>> normalize_output("<MulBackward0 object at 0x7fd0e7cabc40>  \\n\\n")
    ['<MulBackward0 object at 0x…>']
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if normalize_addresses:
        text = _ADDRESS.sub("0x…", text)
    if whitespace == "exact":
        return text.split("\n")
    lines = [line.rstrip() for line in text.split("\n")]
    if whitespace == "all":
        lines = ["".join(line.split()) for line in lines if line.strip()]
    while lines and not lines[-1]:
        lines.pop()
    while whitespace != "exact" and lines and not lines[0]:
        lines.pop(0)
    return lines


def check_output(printed_text, expected_text, normalize_addresses=True, *, whitespace="trailing",
                 rules=None, expect=None):
    """Whether printed output matches, line by line, showing each differing line as expected
    and as printed (and, for lines of words, which words differ). ``expect``: anticipated wrong
    outputs, ``{"value": text, "message": ..., "tag": ...}``, named by their own message.

    >>> print(check_output("tensor(93.)\\n", "tensor(93.)"))
    Correct.
    >>> print(check_output("tensor(92.)", "tensor(93.)"))
    Line 1 differs:
      line 1: expected tensor(93.)
              yours    tensor(92.)
    >>> print(check_output("True True False", "False True False"))
    Line 1 differs:
      line 1: expected False True False
              yours    True True False
              (word 1: True, expected False)
    """
    if printed_text is None:
        printed_text = ""
    if not isinstance(printed_text, str):
        printed_text = str(printed_text)
    got = normalize_output(printed_text, normalize_addresses, whitespace)
    want = normalize_output(expected_text, normalize_addresses, whitespace)
    details = {"expected": "\n".join(want), "actual": "\n".join(got)[:10_000],
               "whitespace": whitespace, "normalize_addresses": normalize_addresses}
    if got == want:
        return Feedback(True, 1.0, "Correct.", details)
    if not got:
        return Feedback(False, credit("missing_output", rules), "Nothing was printed.", details,
                        ["missing_output"])
    if whitespace != "all" and (normalize_output(printed_text, normalize_addresses, "all")
                                == normalize_output(expected_text, normalize_addresses, "all")):
        return Feedback(False, credit("whitespace_only", rules), "The output is right except "
                        "for spaces or blank lines.", details, ["whitespace_only"])
    for item in expect or ():
        if isinstance(item, dict) and "value" in item and got == normalize_output(
                str(item["value"]), normalize_addresses, whitespace):
            tag = item.get("tag", "expected_mistake")
            return Feedback(False, credit(tag, rules), item["message"], details, [tag])
    return Feedback(False, credit("output_mismatch", rules), _line_diff(got, want),
                    details | {"line": _first_difference(got, want)}, ["output_mismatch"])


_MAX_SHOWN_LINES = 5


def _first_difference(got, want):
    return next(i for i in range(1, max(len(got), len(want)) + 1)
                if i > len(got) or i > len(want) or got[i - 1] != want[i - 1])


def _line_diff(got, want):
    """Every differing line (up to five) with the expected and the printed text one above the
    other; for lines of the same words, which words differ."""
    size = max(len(got), len(want))
    bad = [i for i in range(size) if i >= len(got) or i >= len(want) or got[i] != want[i]]
    if len(bad) == 1:
        head = f"Line {bad[0] + 1} differs"
    elif len(bad) == size:
        head = f"All {size} lines differ"
    else:
        head = f"{len(bad)} of {size} lines differ"
    out = [head + ":"]
    for i in bad[:_MAX_SHOWN_LINES]:
        theirs = want[i] if i < len(want) else None
        mine = got[i] if i < len(got) else None
        label = f"  line {i + 1}: "
        pad = " " * len(label)
        out.append(f"{label}expected {theirs if theirs is not None else '(no line)'}")
        out.append(f"{pad}yours    {mine[:500] if mine is not None else '(no line)'}")
        if mine is not None and theirs is not None:
            words, expected_words = mine.split(), theirs.split()
            if len(words) == len(expected_words) > 1:
                wrong = [(k, w, e) for k, (w, e) in enumerate(zip(words, expected_words), 1)
                         if w != e]
                if len(wrong) <= 3:
                    out.append(pad + "(" + "; ".join(f"word {k}: {w}, expected {e}"
                                                     for k, w, e in wrong) + ")")
    if len(bad) > _MAX_SHOWN_LINES:
        out.append(f"  ... and {len(bad) - _MAX_SHOWN_LINES} more differing lines")
    return "\n".join(out)
