"""Checks that give feedback: expressions, tensors, gradients and printed output.

Each check returns a :class:`Feedback`: ``correct`` (True, False, or None when a person must
look), ``score`` from 0 to 1, a ``message`` for the student, ``tags`` naming the mistakes found
and ``details`` for the instructor (the verdict, the counterexample, what was expected).
A tag's partial credit comes from :data:`CREDIT` unless the instructor's ``rules`` say otherwise.
"""

import dataclasses
import json
import math
import re

import numpy as np
import sympy

from ..tensor import Tensor
from .equivalence import NOT_EQUAL, AnswerParseError, equivalent, fmt_pair, parse_answer, show

__all__ = ["CREDIT", "Feedback", "check_expression", "check_grad", "check_output",
           "check_tensor", "to_plain"]

# Partial credit for each tag a check can give, unless an instructor's rules override it.
CREDIT = {
    # expressions and derivatives (diagnose.py)
    "parse_error": 0.0, "not_equal": 0.0, "product_rule_fg": 0.25,
    "product_rule_missing_term": 0.5, "missing_chain_factor": 0.5,
    "power_rule_exponent_up": 0.5, "power_rule_exponent_kept": 0.5,
    "power_rule_missing_factor": 0.5, "quotient_rule_sign": 0.5, "constant_not_dropped": 0.75,
    "integrated": 0.0, "wrong_variable": 0.25, "sign_error": 0.5,
    # a sum with some terms right: each right term earns its share; "terms" scales that share
    "terms": 1.0,
    # tensors and gradients
    "wrong_dtype": 0.5, "requires_grad": 0.5, "transposed": 0.25, "grad_accumulated": 0.25,
    "mean_vs_sum": 0.25, "wrong_values": 0.0, "wrong_shape": 0.0, "not_a_tensor": 0.0,
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


def check_expression(answer, expected, variables=None, *, rtol=1e-9, atol=1e-12, samples=20,
                     seed=0, timeout=2.0, rules=None):
    """Whether the student's expression ``answer`` equals ``expected``, with a counterexample.

    >>> check_expression("2(3x+2)", "6x+4")
    ✓ [1] Correct.
    >>> check_expression("6x+2", "6x+4")
    ✗ [0] Not quite. At x = 2, your answer gives 14, but the correct value is 16.
    """
    try:
        answer = parse_answer(answer, variables)
    except AnswerParseError as e:
        return parse_feedback(e, rules)
    verdict = equivalent(answer, expected, variables, rtol=rtol, atol=atol, samples=samples,
                         seed=seed, timeout=timeout)
    details = {"verdict": verdict.to_dict(), "counterexample": verdict.counterexample,
               "expected": verdict.b}
    if verdict.equal:
        return Feedback(True, 1.0, "Correct.", details)
    if verdict.undecided:
        return undecided_feedback(verdict)
    return Feedback(False, credit("not_equal", rules),
                    f"Not quite. {counterexample_sentence(verdict)}", details, ["not_equal"])


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


def _value_mistakes(got, want, rtol, atol, for_grad):
    """Tags and messages for values that are a simple transformation of the right ones."""
    def same(u):
        return u.shape == want.shape and bool(np.all(np.isclose(u, want, rtol, atol)))
    if got.ndim == 2 and got.shape != want.shape and same(got.T):
        return "transposed", "Your tensor is the transpose of the expected one."
    if got.shape != want.shape:
        return None, None
    if np.any(want != 0) and same(-got):
        return "sign_error", "Every value has the wrong sign."
    nonzero = np.abs(want) > atol
    n = want.size
    if for_grad and n > 1 and (same(got / n) or same(got * n)):
        which = "sum" if same(got / n) else "mean"
        return "mean_vs_sum", (f"Your gradient is {n if which == 'sum' else f'1/{n}'} "
                               f"times the expected one: a {which}() where a "
                               f"{'mean' if which == 'sum' else 'sum'}() was expected?")
    if for_grad and nonzero.any():
        k = round(float(np.median(got[nonzero] / want[nonzero])))
        if k >= 2 and same(got / k):
            return "grad_accumulated", (
                f"Your gradient is exactly {k} times the expected one: gradients add up in "
                f".grad, so backward() probably ran {k} times without zeroing the gradient "
                f"(call .grad.zero_() or optimizer.zero_grad() first).")
    return None, None


def check_tensor(actual, expected, *, shape=True, dtype=True, requires_grad=None, rtol=1e-5,
                 atol=1e-8, rules=None, _for_grad=False):
    """Whether a tensor (or array, nested list, number, printed tensor) has the expected values,
    shape, dtype and ``requires_grad``.

    ``expected`` may be a Tensor, an array or nested lists; its dtype is checked when it has
    one (a Tensor or array) or when ``dtype`` is a name like "float32". ``requires_grad=None``
    does not check the flag.

    >>> import autodiff_lab as torch
    >>> check_tensor(torch.tensor([[1., 2.], [3., 5.]]), [[1, 2], [3, 4]])
    ✗ [0] 1 of 4 values differ; the largest difference is at [1, 1]: you have 5, expected 4.
    >>> check_tensor(torch.tensor([1., 2.], dtype=torch.float64), [1, 2], dtype="float32")
    ✗ [0.5] The values are right, but the dtype is float64 and float32 was expected.
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
        tag, message = _value_mistakes(got, want, rtol, atol, _for_grad)
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
        tag, message = _value_mistakes(got, want, rtol, atol, _for_grad)
        if tag:
            return Feedback(False, credit(tag, rules), message, details, [tag])
        bad = np.argwhere(~ok)
        errors = np.where(ok, 0, np.abs(np.nan_to_num(got_b - want_b, nan=np.inf)))
        worst = tuple(int(i) for i in np.unravel_index(np.argmax(errors), errors.shape))
        mine, theirs = fmt_pair(got_b[worst], want_b[worst])
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
    if problems:
        return Feedback(False, min(credit(t, rules) for t in tags),
                        "The values are right, but " + " and ".join(problems) + ".", details, tags)
    return Feedback(True, 1.0, "Correct.", details)


def check_grad(tensor, expected, *, rtol=1e-5, atol=1e-8, rules=None, **kwargs):
    """Whether ``tensor.grad`` (for a tensor that requires grad, also as
    :func:`to_plain` gives it) or a gradient given directly has the expected values.

    Recognises a gradient accumulated over several backward() calls, a mean taken for a sum,
    a transposed or negated gradient, and a missing one.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    >>> for _ in range(2):
    ...     (2 * (3*x + 2)**2).mean().backward()
    >>> check_grad(x, [[10, 16, 22], [22, 16, 10]]).tags
    ['grad_accumulated']
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
    return check_tensor(grad, expected, rtol=rtol, atol=atol, rules=rules, _for_grad=True,
                        **kwargs)


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
                 rules=None):
    """Whether printed output matches, line by line, naming the first line that differs.

    >>> print(check_output("tensor(93.)\\n", "tensor(93.)"))
    Correct.
    >>> print(check_output("tensor(92.)", "tensor(93.)"))
    Line 1 differs.
      expected: tensor(93.)
      yours:    tensor(92.)
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
    for i, (mine, theirs) in enumerate(zip(got, want), 1):
        if mine != theirs:
            return Feedback(False, credit("output_mismatch", rules), f"Line {i} differs.\n"
                            f"  expected: {theirs}\n  yours:    {mine[:500]}",
                            details | {"line": i}, ["output_mismatch"])
    if len(got) < len(want):
        return Feedback(False, credit("output_mismatch", rules),
                        f"Your output stops after line {len(got)}; expected next:\n  "
                        f"{want[len(got)]}", details | {"line": len(got) + 1},
                        ["output_mismatch"])
    return Feedback(False, credit("output_mismatch", rules),
                    f"Your output has extra lines after line {len(want)}, starting:\n  "
                    f"{got[len(want)][:500]}", details | {"line": len(want) + 1},
                    ["output_mismatch"])
