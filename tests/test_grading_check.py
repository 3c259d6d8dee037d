"""autodiff_lab.grading: parsing answers, equivalence, mistake diagnosis and the checks."""

import json
import time

import numpy as np
import pytest
import sympy

import autodiff_lab as torch
from autodiff_lab.grading import (
    EQUAL,
    NOT_EQUAL,
    UNDECIDED,
    AnswerParseError,
    Samples,
    buggy_derivatives,
    check_derivative,
    check_expression,
    check_grad,
    check_output,
    check_tensor,
    equivalent,
    guards,
    parse_answer,
    show,
)
from autodiff_lab.symbolic.parse import MathParseError

x, y = sympy.symbols("x y")
SEED_POLY = "2x^4 + x^3 + 3x^2 + 5x + 1"


# ---------------------------------------------------------------------------- parsing
def test_parse_answer_is_parse_math():
    assert parse_answer("8x³ + 3x^2 + 6x + 5") == 8*x**3 + 3*x**2 + 6*x + 5
    assert parse_answer("2(3x+2)") == 6*x + 4
    assert parse_answer(3) == 3 and parse_answer(0.1) == sympy.Rational(1, 10)
    assert parse_answer(x**2) == x**2


def test_parse_error_is_friendly_with_a_caret():
    with pytest.raises(AnswerParseError) as info:
        parse_answer("8x^3 + = 2")
    e = info.value
    assert isinstance(e, ValueError) and isinstance(e, MathParseError)
    assert e.position == 7
    text = str(e)
    assert text.startswith("Your answer could not be read: ")
    assert text.splitlines()[-1] == "  " + " " * 7 + "^"
    with pytest.raises(AnswerParseError, match="not a list"):
        parse_answer([1, 2])
    with pytest.raises(AnswerParseError, match="unknown name 'y'"):
        parse_answer("2y", ["x"])


HOSTILE = ["__import__('os').system('echo hacked')", "exec('import os')", "x.__class__",
           "lambda: 0", "open('/etc/passwd')", "9^9^9", "x^10^10", "10^(10^10)", "1e999999999",
           "(" * 5000 + "x" + ")" * 5000, "x" * 1_000_000, "x+" * 500_000 + "x",
           "1" * 1_000_000, "sin(" * 300 + "x" + ")" * 300, "2^1000^1000", "\x00x"]


@pytest.mark.parametrize("text", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_answers_are_refused_fast_and_nothing_runs(text, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("student text reached eval/exec/sympify")
    monkeypatch.setattr(sympy, "sympify", forbidden)
    start = time.perf_counter()
    with pytest.raises(AnswerParseError):
        parse_answer(text)
    feedback = check_derivative(text, "x^2")
    assert time.perf_counter() - start < 1.0
    assert feedback.tags == ["parse_error"] and feedback.score == 0 and not feedback.correct


def test_big_but_legal_answers_stay_within_the_time_bound():
    for text in ["(x+1)^1000", "((x+1)^999)^999", "(x+1)^1000 * (x-1)^1000 * (x+2)^1000",
                 "exp(exp(exp(exp(x))))", "+".join(f"sin({k}x)" for k in range(1, 150))]:
        start = time.perf_counter()
        feedback = check_derivative(text, "x^2", samples=20, timeout=2.0)
        assert time.perf_counter() - start < 4.0, text
        assert feedback.correct is not True


# ---------------------------------------------------------------------------- equivalence
EQUAL_PAIRS = [
    ("2(3x+2)", "6x+4"), ("8x³+3x²+6x+5", "5 + 6x + 3x^2 + 8x^3"), ("x/x", "1"),
    ("(x^2-1)/(x-1)", "x+1"), ("sin(x)^2 + cos(x)^2", "1"), ("tan x", "sin(x)/cos(x)"),
    ("sin(2x)", "2 sin x cos x"), ("exp(x) exp(2x)", "e^(3x)"), ("sqrt(x) sqrt(x)", "x"),
    ("(x-1)^10", "x^10-10x^9+45x^8-120x^7+210x^6-252x^5+210x^4-120x^3+45x^2-10x+1"),
    ("sin(x+y)", "sin x cos y + cos x sin y"), ("tanh(x)", "(e^(2x)-1)/(e^(2x)+1)"),
    ("sigmoid(x)", "e^x/(1+e^x)"), ("log(x-100)", "log(x-100)"), ("0.5x", "x/2"),
    ("x^(1/3) x^(2/3)", "x"), ("1/(x-1) - 1/(x+1)", "2/(x^2-1)"),
]


@pytest.mark.parametrize("a, b", EQUAL_PAIRS)
def test_equal_pairs(a, b):
    v = equivalent(a, b)
    assert v.status == EQUAL, v
    assert v.counterexample is None and v.method in ("symbolic", "numeric")


NOT_EQUAL_PAIRS = [
    # (a, b, the counterexample's point, a there, b there)
    ("sqrt(x^2)", "x", {"x": -1.0}, 1.0, -1.0),
    ("8x^3+3x^2+6x", "8x^3+3x^2+6x+5", {"x": 2.0}, 88.0, 93.0),
    ("atan(x) + atan(1/x)", "pi/2", {"x": -1.0}, -np.pi / 2, np.pi / 2),
    ("abs(x)", "x", {"x": -1.0}, 1.0, -1.0),
    ("sin(x)", "x", {"x": 2.0}, np.sin(2.0), 2.0),
    ("x*y", "x+y", {"x": 2.0, "y": 3.0}, 6.0, 5.0),
    ("sqrt(2)", "1.41421356", {}, 2 ** 0.5, 1.41421356),
]


@pytest.mark.parametrize("a, b, point, va, vb", NOT_EQUAL_PAIRS)
def test_unequal_pairs_have_a_checked_counterexample(a, b, point, va, vb):
    v = equivalent(a, b)
    assert v.status == NOT_EQUAL
    c = v.counterexample
    assert c["point"] == point
    assert c["a"] == pytest.approx(va, rel=1e-12) and c["b"] == pytest.approx(vb, rel=1e-12)
    # The counterexample is real: both expressions, evaluated again, differ there.
    subs = {sympy.Symbol(k): val for k, val in point.items()}
    assert float(parse_answer(a).evalf(subs=subs)) == pytest.approx(c["a"])
    assert float(parse_answer(b).evalf(subs=subs)) == pytest.approx(c["b"])


def test_float_cancellation_is_not_a_counterexample():
    # (x-1)^20 next to its expansion: float64 loses everything near x = 1; 30 digits do not.
    expanded = sympy.expand((x - 1)**20)
    v = equivalent((x - 1)**20 + sympy.sin(x), expanded + sympy.sin(x))
    assert v.status == EQUAL


def test_tiny_differences_follow_the_tolerances():
    assert equivalent("x + 1e-13", "x").status == EQUAL
    assert equivalent("x + 1e-6", "x").status == NOT_EQUAL
    assert equivalent("x + 1e-6", "x", rtol=1e-3).status == EQUAL


def test_domain_traps():
    # Equal on the common domain x > 0, with a note that the left side is defined beyond it.
    v = equivalent("log(x^2)", "2 log(x)")
    assert v.status == EQUAL
    assert v.note == ("log(x^2) is also defined at x = -1, where 2log(x) is not; they agree "
                      "wherever both are defined")
    assert all(p["x"] > 0 for p in v.points)
    # A removable singularity: the note names it.
    v = equivalent("(x^2-1)/(x-1)", "x+1")
    assert v.status == EQUAL and "x + 1 is also defined at x = 1" in v.note
    # sqrt(x)·sqrt(x-1) at x = -1 is real in complex arithmetic, but outside both domains.
    v = equivalent("sqrt(x) sqrt(x-1)", "sqrt(x^2-x)")
    assert v.status == EQUAL and all(p["x"] >= 1 for p in v.points)
    # A domain far from the origin is found from the guards, not by luck.
    v = equivalent("log(x - 1000)", "log(x - 1000) + 1")
    assert v.status == NOT_EQUAL and v.counterexample["point"]["x"] > 1000


UNDECIDED_PAIRS = [("sqrt(x-1) + sqrt(1-x)", "0"), ("sqrt(-x^2-1)", "1"), ("log(-x^2)", "x"),
                   ("asin(x^2 + 2)", "0")]


@pytest.mark.parametrize("a, b", UNDECIDED_PAIRS)
def test_undecided_when_the_common_domain_is_too_small(a, b):
    v = equivalent(a, b)
    assert v.status == UNDECIDED and "a person should check" in v.note
    feedback = check_expression(a, b)
    assert feedback.correct is None and feedback.needs_review and feedback.tags == ["needs_review"]


def test_undecided_when_out_of_time():
    v = equivalent("sin(2x)", "2 sin x cos x", timeout=0.0)
    assert v.status == UNDECIDED and v.note == "out of time after 0 s with 0 sample points"


def test_guards_are_read_from_the_tree():
    conditions = guards(parse_answer("log(x) + sqrt(1-x) + 1/(x+2) + tan(x) + asin(x/3)"))
    assert ("positive", x) in conditions and ("nonnegative", 1 - x) in conditions
    assert ("nonzero", x + 2) in conditions and ("nonzero", sympy.cos(x)) in conditions
    assert ("unit", x / 3) in conditions


def test_same_seed_same_points_and_the_verdict_records_them():
    a = equivalent("sin(x)*y", "y*sin(x)", seed=7)
    b = equivalent("sin(x)*y", "y*sin(x)", seed=7)
    c = equivalent("sin(x)*y", "y*sin(x)", seed=8)
    assert a.points == b.points and a.points != c.points
    assert len(a.points) == 20 and a.seed == 7 and (a.rtol, a.atol) == (1e-9, 1e-12)
    assert json.loads(json.dumps(a.to_dict())) == a.to_dict()
    # Replaying a recorded point gives the recorded values.
    v = equivalent("sqrt(x^2)", "x", seed=3)
    s = Samples([parse_answer("sqrt(x^2)")], seed=3, count=20)
    assert s.as_dicts() == Samples([parse_answer("sqrt(x^2)")], seed=3, count=20).as_dicts()
    assert v.counterexample["point"] in v.points


def test_show_writes_math_as_students_type_it():
    assert show(parse_answer("8x^3 + 3x^2 + 6x + 5")) == "8x^3 + 3x^2 + 6x + 5"
    assert show(parse_answer("6x cos(3x^2)")) == "6x*cos(3x^2)"
    assert show(parse_answer("0.1x + 1/3")) == "0.1x + 1/3"
    assert show(parse_answer("6x e^(3x^2) + e^x")) == "6x*e^(3x^2) + e^x"


# ---------------------------------------------------------------------------- buggy rules
BUGGY = [
    # (function, answer, tag)
    ("x^2 sin(x)", "2x cos(x)", "product_rule_fg"),
    ("x^3 e^x", "3x^2 e^x", "product_rule_fg"),
    ("(x+1) ln(x)", "1/x", "product_rule_fg"),
    ("x^2 sin(x)", "2x sin(x)", "product_rule_missing_term"),
    ("x^2 sin(x)", "x^2 cos(x)", "product_rule_missing_term"),
    ("sin(3x^2)", "cos(3x^2)", "missing_chain_factor"),
    ("e^(x^2)", "e^(x^2)", "missing_chain_factor"),
    ("(2x+1)^5", "5(2x+1)^4", "missing_chain_factor"),
    ("sqrt(x^2+1)", "1/(2 sqrt(x^2+1))", "missing_chain_factor"),
    ("sin(x^2) + x^3", "cos(x^2) + 3x^2", "missing_chain_factor"),
    ("x^3", "3x^4", "power_rule_exponent_up"),
    ("2x^4 + x^3", "8x^5 + 3x^4", "power_rule_exponent_up"),
    (SEED_POLY, "8x^5+3x^4+6x^3+5x^2", "power_rule_exponent_up"),
    ("x^3", "3x^3", "power_rule_exponent_kept"),
    ("x^3", "x^2", "power_rule_missing_factor"),
    (SEED_POLY, "2x^3 + x^2 + 3x + 5", "power_rule_missing_factor"),
    ("x^5 - x^2", "x^4 - x", "power_rule_missing_factor"),
    ("sin(x)/x", "(x cos x + sin x)/x^2", "quotient_rule_sign"),
    ("sin(x)/x", "(sin x - x cos x)/x^2", "quotient_rule_sign"),
    ("x/(x+1)", "(2x+1)/(x+1)^2", "quotient_rule_sign"),
    (SEED_POLY, "8x^3+3x^2+6x+5+1", "constant_not_dropped"),
    ("x^2 + 7", "2x + 7", "constant_not_dropped"),
    ("sin(x) + 3", "cos(x) + 3", "constant_not_dropped"),
    ("x^3", "x^4/4", "integrated"),
    ("e^(2x)", "e^(2x)/2", "integrated"),
    ("1/x", "ln(x)", "integrated"),
    ("x^2 y", "x^2", "wrong_variable"),
    ("sin(x y)", "x cos(x y)", "wrong_variable"),
    ("x^2 + cos(x)", "2x + sin(x)", "sign_error"),
    ("cos(x)", "sin(x)", "sign_error"),
    ("sin(3x^2)", "-6x cos(3x^2)", "sign_error"),
    (SEED_POLY, "8x^3 - 3x^2 + 6x + 5", "sign_error"),
]


@pytest.mark.parametrize("function, answer, tag", BUGGY)
def test_each_buggy_rule_is_recognised(function, answer, tag):
    feedback = check_derivative(answer, function, "x")
    assert feedback.correct is False
    assert feedback.tags == [tag], feedback.message
    assert feedback.score == {"product_rule_fg": 0.25, "product_rule_missing_term": 0.5,
                              "missing_chain_factor": 0.5, "power_rule_exponent_up": 0.5,
                              "power_rule_exponent_kept": 0.5, "power_rule_missing_factor": 0.5,
                              "quotient_rule_sign": 0.5, "constant_not_dropped": 0.75,
                              "integrated": 0.0, "wrong_variable": 0.25, "sign_error": 0.5}[tag]
    assert feedback.message.startswith("Not quite. ")
    assert feedback.details["counterexample"]["point"]


def test_messages_name_the_mistake_in_plain_words():
    msg = check_derivative("cos(3x^2)", "sin(3x^2)").message
    assert msg == ("Not quite. It looks like you forgot the chain rule: multiply by the "
                   "derivative of the inner function 3x^2, which is 6x.\n"
                   "At x = 2, your answer gives 0.843854, but the derivative is 10.1262.")
    assert "with respect to y instead of x" in check_derivative("x^2", "x^2 y").message
    assert "the term 3x^2 has the wrong sign" in \
        check_derivative("8x^3 - 3x^2 + 6x + 5", SEED_POLY).message
    assert "the constant term 1 should disappear" in \
        check_derivative("8x^3+3x^2+6x+6", SEED_POLY).message


def test_instructor_rules_override_partial_credit():
    feedback = check_derivative("cos(3x^2)", "sin(3x^2)", rules={"missing_chain_factor": 0.2})
    assert feedback.score == 0.2
    assert check_derivative("8x^3+3x^2+6x", SEED_POLY, rules={"terms": 0.5}).score == 0.375


def test_buggy_derivatives_of_a_product():
    found = {(tag, d) for tag, d, _ in buggy_derivatives(x**2 * sympy.sin(x), x)}
    assert ("product_rule_fg", 2*x*sympy.cos(x)) in found
    assert ("product_rule_missing_term", 2*x*sympy.sin(x)) in found
    assert ("sign_error", -sympy.diff(x**2 * sympy.sin(x), x)) in found


# ---------------------------------------------------------------------------- term diff
TERM_DIFFS = [
    ("8x^3+3x^2+6x", ["the constant term 5 (from 5x) is missing"], ["missing_term"], 0.75),
    ("8x^3+3x^2+5", ["the term 6x (from 3x^2) is missing"], ["missing_term"], 0.75),
    ("8x^3+3x^2+6x+5+x", ["the term from 3x^2 should be 6x, not 7x"], ["wrong_term"], 0.75),
    ("8x^3+3x^2+6x+5+x^5", ["the term x^5 should not be there"], ["extra_term"], 0.8),
    ("8x^3+3x^2+3x^2+5", [("the term from 3x^2 should be 6x, not 6x^2: the power rule lowers "
                          "the exponent by one"), "the term 3x^2 (from x^3) is missing"],
     ["missing_term", "power_rule_exponent_kept"], 0.625),
    ("8x^3+6x+5", ["the term 3x^2 (from x^3) is missing"], ["missing_term"], 0.75),
    ("8x^3+3x^2+6x+4", ["the term from 5x should be 5, not 4"], ["wrong_term"], 0.75),
]


@pytest.mark.parametrize("answer, messages, tags, score", TERM_DIFFS)
def test_term_diff_messages(answer, messages, tags, score):
    feedback = check_derivative(answer, SEED_POLY)
    first = feedback.message.splitlines()[0]
    assert first == "Not quite: " + "; ".join(messages) + "."
    assert feedback.tags == tags
    assert feedback.score == pytest.approx(score)
    statuses = [t["status"] for t in feedback.details["terms"]]
    assert statuses.count("right") >= 2


def test_term_diff_of_a_product_names_the_term():
    feedback = check_derivative("x^2 cos x + 2x", "x^2 sin(x)")
    assert feedback.message.splitlines()[0] == "Not quite: the term 2x should be 2x*sin(x)."
    assert feedback.tags == ["wrong_term"] and feedback.score == 0.5


def test_term_diff_with_a_chain_rule_slip_in_one_term():
    feedback = check_derivative("cos(3x^2) + 2x", "sin(3x^2) + x^2")
    assert feedback.tags == ["missing_chain_factor"] and feedback.score == 0.5
    feedback = check_derivative("3x^2 + cos(x^2)", "x^3 + sin(x^2) + e^x")
    assert feedback.message.splitlines()[0] == (
        "Not quite: the term from sin(x^2) should be 2x*cos(x^2), not cos(x^2): multiply by "
        "the derivative of the inner function x^2, which is 2x; the term e^x (from e^x) is "
        "missing.")
    assert feedback.tags == ["missing_chain_factor", "missing_term"]
    assert feedback.score == pytest.approx((1 + 0.5) / 3)


def test_correct_answers_in_any_form():
    for answer in ["8x^3 + 3x^2 + 6x + 5", "5 + 6x + 3x² + 8x³", "x(8x^2 + 3x + 6) + 5"]:
        feedback = check_derivative(answer, SEED_POLY)
        assert feedback.correct and feedback.score == 1 and feedback.message == "Correct."
    assert check_derivative("6x cos(3x^2)", "sin(3x^2)").correct
    assert check_derivative("2x sin x + x^2 cos x", "x^2 sin(x)").correct
    assert check_derivative("2xy", "x^2 y").correct
    assert check_derivative("y^2 + 2x", "x y^2 + x^2", wrt="x").correct
    assert check_derivative("2/x", "log(x^2)").correct


def test_an_answer_nothing_explains_still_gets_a_counterexample():
    feedback = check_derivative("6x tan(3x^2)", "sin(3x^2)")
    assert feedback.tags == ["not_equal"] and feedback.score == 0
    assert feedback.message == ("Not quite.\nAt x = 2, your answer gives -7.63032, but the "
                                "derivative is 10.1262.")


def test_an_outer_function_left_undifferentiated_is_named():
    feedback = check_derivative("6x sin(3x^2)", "sin(3x^2)")
    assert feedback.tags == ["outer_not_differentiated"] and feedback.score == 0.5
    assert feedback.message == (
        "Not quite. It looks like you left the outer function as it was: the chain rule replaces "
        "sin(u) by its derivative cos(u), then multiplies by the derivative of the inner "
        "function u.\nAt x = 2, your answer gives -6.43888, but the derivative is 10.1262.")
    tanh = check_derivative("2x tanh(x^2)", "tanh(x^2)")
    assert tanh.tags == ["outer_not_differentiated"]
    assert "replaces tanh(u) by its derivative 1 - tanh(u)^2" in tanh.message
    # exp is its own derivative: keeping it is right, and the answer is marked correct
    assert check_derivative("3 exp(3x)", "exp(3x)").correct


# ---------------------------------------------------------------------------- expressions
def test_check_expression():
    assert check_expression("2(3x+2)", "6x+4").correct
    feedback = check_expression("6x+2", "6x+4")
    assert feedback.message == "Not quite. At x = 2, your answer gives 14, but the correct " \
                               "value is 16."
    assert check_expression("2y", "2x", ["x"]).tags == ["parse_error"]


# ---------------------------------------------------------------------------- tensors
SEED_GRAD = [[10, 16, 22], [22, 16, 10]]


def seed_003_x(times=1, reduce="mean"):
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    for _ in range(times):
        z = 2 * (3 * x + 2) ** 2
        getattr(z, reduce)().backward()
    return x


def test_check_grad_on_the_seed():
    assert check_grad(seed_003_x(), SEED_GRAD).correct
    assert check_grad(seed_003_x().grad, SEED_GRAD, dtype="float32").correct
    feedback = check_grad(seed_003_x(times=3), SEED_GRAD)
    assert feedback.tags == ["grad_accumulated"] and "3 times" in feedback.message
    feedback = check_grad(seed_003_x(reduce="sum"), SEED_GRAD)
    assert feedback.tags == ["mean_vs_sum"] and feedback.score == 0.25
    assert check_grad(torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True),
                      SEED_GRAD).tags == ["no_grad"]
    assert check_grad(None, [1.0]).tags == ["no_grad"]
    assert check_grad(torch.tensor([1.0]), [1.0]).correct  # a tensor without grad: the gradient


def test_check_tensor_messages():
    feedback = check_tensor([[10, 16, 22], [22, 16, 11]], SEED_GRAD)
    assert feedback.message == ("1 of 6 values differ; the largest difference is at [1, 2]: "
                                "you have 11, expected 10.")
    feedback = check_tensor(np.array(SEED_GRAD).T, SEED_GRAD)
    assert feedback.tags == ["wrong_shape", "transposed"]
    assert feedback.message.startswith("Your tensor has shape (3, 2), but shape (2, 3) was "
                                       "expected.")
    feedback = check_tensor(torch.tensor(SEED_GRAD, dtype=torch.float64), SEED_GRAD,
                            dtype="float32")
    assert feedback.tags == ["wrong_dtype"] and feedback.score == 0.5
    feedback = check_tensor(torch.tensor([1., 2.]), torch.tensor([1., 2.], requires_grad=True),
                            requires_grad=True)
    assert feedback.tags == ["requires_grad"]
    assert check_tensor(torch.tensor(93.), 93).correct
    assert check_tensor("tensor([[10., 16., 22.],\n        [22., 16., 10.]])", SEED_GRAD).correct
    assert check_tensor("[[10, 16, 22], [22, 16, 10]]", SEED_GRAD).correct
    assert check_tensor("[[nan, 16, 22], [22, 16, 10]]", SEED_GRAD).tags == ["wrong_values"]
    assert check_tensor("rm -rf /", SEED_GRAD).tags == ["not_a_tensor"]
    assert check_tensor([[1, 2], [3]], SEED_GRAD).tags == ["not_a_tensor"]
    assert check_tensor(-np.array(SEED_GRAD), SEED_GRAD).tags == ["sign_error"]


def test_tensors_cross_as_plain_json():
    from autodiff_lab.grading import to_plain
    x = seed_003_x()
    plain = json.loads(json.dumps(to_plain(x)))
    assert plain["grad"]["data"] == SEED_GRAD and plain["grad"]["dtype"] == "float32"
    assert plain["grad"]["shape"] == [2, 3] and plain["dtype"] == "float32"
    assert check_grad(plain, SEED_GRAD, dtype="float32").correct
    assert check_grad(to_plain(x.grad), SEED_GRAD, dtype="float32").correct
    assert check_tensor(to_plain(x.grad), SEED_GRAD, dtype="float32").correct
    assert to_plain({"a": [float("nan"), np.float32(1.5)]}) == {"a": ["nan", 1.5]}


# ---------------------------------------------------------------------------- printed output
def test_check_output():
    assert check_output("tensor(93.)\n\n", "tensor(93.)").correct
    assert check_output("tensor(93.)  \r\n", "tensor(93.)").correct
    assert check_output("<MulBackward0 object at 0x7fd0e7cabc40>",
                        "<MulBackward0 object at 0x15929cac0>").correct
    assert not check_output("<MulBackward0 object at 0x7fd0e7cabc40>",
                            "<MulBackward0 object at 0x15929cac0>",
                            normalize_addresses=False).correct
    feedback = check_output("a\nb\nX\n", "a\nb\nc")
    assert feedback.message == "Line 3 differs:\n  line 3: expected c\n          yours    X"
    assert feedback.details["line"] == 3
    feedback = check_output("a", "a\nb")
    assert feedback.message == "Line 2 differs:\n  line 2: expected b\n          yours    (no line)"
    feedback = check_output("1\n2 0\n3\n4\n5\n6\n7\n8", "one\n2 1\n3\n4\n5\n6\n7\n8\n9")
    assert feedback.message == "\n".join([
        "3 of 9 lines differ:",
        "  line 1: expected one", "          yours    1",
        "  line 2: expected 2 1", "          yours    2 0", "          (word 2: 0, expected 1)",
        "  line 9: expected 9", "          yours    (no line)"])
    many = check_output("\n".join("abcdefg"), "\n".join("ABCDEFG"))
    assert many.message.splitlines()[0] == "All 7 lines differ:"
    assert many.message.splitlines()[-1] == "  ... and 2 more differing lines"
    guess = check_output("False True True", "False True False",
                         expect=[{"value": "False True True", "tag": "non_leaf",
                                  "message": "q is the result of an op: not a leaf."}])
    assert (guess.tags, guess.message, guess.score) == (["non_leaf"],
                                                        "q is the result of an op: not a leaf.", 0)
    assert check_output("a\nb", "a").tags == ["output_mismatch"]
    assert check_output("", "a").tags == ["missing_output"]
    feedback = check_output("tensor([[ 5.,  8.]])", "tensor([[5., 8.]])")
    assert feedback.tags == ["whitespace_only"] and feedback.score == 0.5
    assert check_output("tensor([[ 5.,  8.]])", "tensor([[5., 8.]])", whitespace="all").correct


def test_a_verdict_is_true_only_when_equal_and_undecided_refuses_to_be_a_bool():
    from autodiff_lab.grading import equivalent
    assert bool(equivalent("2(x+1)", "2x+2")) is True
    assert bool(equivalent("x^3", "x^2")) is False
    assert not equivalent("x^3", "x^2")
    undecided = equivalent("sqrt(-x^2-1)", "1")
    assert undecided.status == "undecided"
    with pytest.raises(TypeError, match=r"undecided Verdict is unknown: read \.status"):
        bool(undecided)
    with pytest.raises(TypeError, match="read .status"):
        if undecided:
            pass


def test_a_float64_gradient_gets_the_dtype_partial_credit_after_crossing_as_json():
    import autodiff_lab as torch
    from autodiff_lab.grading import grade_answers, to_plain, validate_assignment
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], dtype=torch.float64, requires_grad=True)
    (2 * (3 * x + 2) ** 2).mean().backward()
    plain = json.loads(json.dumps(to_plain(x)))
    assert plain["grad"]["dtype"] == "float64" and plain["grad"]["shape"] == [2, 3]
    assignment = validate_assignment({"questions": [
        {"id": "q4", "kind": "grad", "points": 3, "expected": SEED_GRAD, "dtype": "float32",
         "credit": {"wrong_dtype": 0.4}, "answer": {"variable": "x.grad"}}]})
    q4 = grade_answers(assignment, {"x.grad": plain})["questions"][0]
    assert (q4["score"], q4["tags"]) == (1.2, ["wrong_dtype"])
    assert q4["message"] == ("The values are right, but the dtype is float64 and float32 was "
                             "expected.")
    plain32 = to_plain(x.detach().float().requires_grad_())
    assert plain32["grad"] is None
    right = json.loads(json.dumps(to_plain(torch.tensor(SEED_GRAD, dtype=torch.float32))))
    assert grade_answers(assignment, {"x.grad": right})["questions"][0]["score"] == 3


# ---------------------------------------------------------------------------- diagnoses (issue 12)
def test_a_forgotten_chain_factor_is_not_called_the_wrong_variable():
    # 1 - tanh(wa + b)^2 is also d/db, but the mistake is the chain-rule factor a.
    feedback = check_derivative("1 - tanh(w a + b)^2", "tanh(w*a + b)", wrt="w")
    assert feedback.tags == ["missing_chain_factor"]
    assert feedback.message.splitlines()[0] == (
        "Not quite. It looks like you forgot the chain rule: multiply by the derivative of the "
        "inner function a*w + b, which is a.")
    assert check_derivative("(1 - tanh(w a + b)^2) w", "tanh(w*a + b)", wrt="w").tags == \
        ["wrong_variable"]


def test_a_factor_off_is_named_with_its_factor():
    feedback = check_expression("4(3x+2)", "12(3x+2)")
    assert (feedback.tags, feedback.score) == (["constant_factor"], 0.25)
    assert feedback.message == ("Not quite. Your answer is off by a factor of 3: the right answer "
                                "is 3 times yours.\nAt x = 2, your answer gives 32, but the "
                                "correct value is 96.")
    assert check_derivative("12x^2 + 3x + 3", "8x^3 + 3x^2 + 6x + 5").message.splitlines()[0] \
        == "Not quite. Your answer is off by a factor of 2: the right answer is 2 times yours."
    assert check_derivative("e^(2x)/2", "e^(2x)").tags == ["integrated"]  # not "a factor of 4"


@pytest.mark.parametrize("answer", ["y' = 8x^3 + 3x^2 + 6x + 5", "dy/dx = 8x^3+3x^2+6x+5",
                                    "f'(x) = 8x³ + 3x² + 6x + 5", "d/dx f = 8x^3+3x^2+6x+5",
                                    "d/dx (2x^4 + x^3 + 3x^2 + 5x + 1) = 8x^3+3x^2+6x+5",
                                    "y′ = 8x^3 + 3x^2 + 6x + 5"])
def test_derivative_prefixes_are_accepted(answer):
    assert check_derivative(answer, "2x^4 + x^3 + 3x^2 + 5x + 1").correct


def test_a_prefix_keeps_error_positions_and_an_equation_is_explained():
    feedback = check_derivative("dy/dx = 8x^$3", "2x^4")
    assert feedback.details["position"] == 11 and feedback.message.splitlines()[1:] == [
        "  dy/dx = 8x^$3", "             ^"]
    assert check_expression("y = 8x^3", "8x^3").message.splitlines()[0] == (
        "Your answer could not be read: unexpected character '=' at position 2; an answer is an "
        "expression, not an equation (write the right-hand side alone, or start with y' = or "
        "dy/dx =)")


def test_plus_c_is_an_antiderivative_graded_on_the_rest():
    right = check_derivative("8x^3 + 3x^2 + 6x + 5 + C", "2x^4 + x^3 + 3x^2 + 5x + 1")
    assert (right.correct, right.score, right.tags) == (False, 0.75, ["plus_constant"])
    assert right.message == ("Almost: “+ C” is how an antiderivative (an integral) is written; a "
                             "derivative has no constant of integration: drop the + C. The rest "
                             "of your answer is right.")
    accepted = check_derivative("2x + C", "x^2", rules={"plus_constant": 1.0})
    assert accepted.score == 1.0 and accepted.correct is False
    integrated = check_derivative("x^4/4 + x^2/2 + C", "x^3 + x")
    assert integrated.tags == ["integrated", "plus_constant"] and integrated.score == 0.0
    # C declared as a name of the function is a name, not a constant of integration
    assert check_derivative("C", "C x").correct
    assert check_expression("1/a + C", "2/(2a)", variables=["a"]).tags == ["plus_constant"]


def test_matrix_answers_over_declared_matrix_symbols():
    m = {"W": (2, 3), "x": (3,)}
    assert check_derivative("W^T (1 - tanh(W x)^2)", "sum(tanh(W x))", "x", matrices=m).correct
    assert check_derivative("(1 - tanh(W x)^2) x^T", "sum(tanh(W x))", "W", matrices=m).correct
    g = {"W": (2, 3), "g": (2,), "x": (3,)}
    assert check_derivative("W^T g", "g^T W x", "x", matrices=g).correct
    assert check_derivative("g x^T", "g^T W x", "W", matrices=g).correct
    transposed = check_derivative("x g^T", "g^T W x", "W", matrices=g)
    assert (transposed.tags, transposed.message) == (
        ["transposed"], "Your matrix is the transpose of the expected one.")
    wrong = check_derivative("W^T tanh(W x)", "sum(tanh(W x))", "x", matrices=m)
    assert wrong.tags == ["not_equal"] and wrong.message.startswith(
        "Not quite: entry [0, 0] differs. At W_{0,0} = 2, ")
    assert check_expression("g x^T", "g x^T", matrices=g).correct
    shape = check_expression("W g", "W^T g", matrices=g)
    assert shape.tags == ["parse_error"] and "inner sizes differ (3 ≠ 2)" in shape.message


def test_deeply_nested_functions_are_refused_within_the_time_bound():
    f = "x"
    for _ in range(20):
        f = f"tanh(1.1*{f} + 0.1)"
    start = time.perf_counter()
    feedback = check_derivative("1", f)
    assert time.perf_counter() - start < 2.0
    assert feedback.needs_review and feedback.tags == ["needs_review", "too_large"]
    assert feedback.message == (
        "This derivative could not be checked automatically, so your instructor will look at "
        "it: the function nests functions 20 deep, and check_derivative checks at most 4 levels "
        "within its time limit (raise max_nesting= to try anyway, or compare values with "
        "check_tensor).")
    assert feedback.details["max_nesting"] == 4


def test_expect_names_the_misconception_of_the_exercise():
    # lesson 06, exercise 2: a gradient 8 times too large is a missing 1/8, not 8 backward()s
    grad = torch.tensor([1., 2.], requires_grad=True)
    grad.grad = torch.tensor([8., 16.])
    missing = check_grad(grad, [1., 2.], expect=[("missing_mean", 8)])
    assert (missing.tags, missing.message) == (["missing_mean"], "Your gradient is exactly 8 "
                                               "times the expected one: the mean's 1/8 is "
                                               "missing (divide by 8).")
    assert check_grad(grad, [1., 2.], expect=["accumulated"]).message.startswith(
        "Your gradient is exactly 8 times the expected one: gradients add up in .grad, so "
        "backward() ran 8 times")
    # without expect=, both causes are named
    assert check_grad(grad, [1., 2.]).message == (
        "Your gradient is exactly 8 times the expected one: either backward() ran 8 times "
        "without zeroing the gradient (gradients add up in .grad), or a factor 1/8 is missing "
        "(a mean's 1/n?).")
    # a factor that is not the exercise's falls back to the neutral default
    assert check_grad(grad, [2., 4.], expect=[("missing_mean", 8)]).tags == ["grad_accumulated"]
    # lesson 06, exercise 1: 3 for 300
    one = check_tensor([3., 3.], [300., 300.], expect=[("not_accumulated", 100)])
    assert one.message == ("Your answer is 1/100 of the expected one: that is what one "
                           "backward() call gives, but .grad adds up every call's gradient, so "
                           "after 100 calls without zeroing it holds 100 times that.")
    anticipated = check_tensor(297, 300, expect=[{"value": 297, "tag": "off_by_one",
                                                  "message": "The loop ran 100 times."}])
    assert (anticipated.tags, anticipated.message) == (["off_by_one"], "The loop ran 100 times.")
    with pytest.raises(ValueError, match="unknown misconception 'accumulate' in expect="):
        check_tensor([2.], [1.], expect=["accumulate"])


def test_factors_are_held_tight_whatever_the_tolerance():
    # with atol=1, -8 for -5 is not "a factor of 2" (-4 is within 1 of -5)
    assert check_tensor(-8, -5, atol=1.0).message == "Your answer is -8, but -5 was expected."
    assert check_tensor(0.114, 0.057017, rtol=0.01).message == (
        "Your answer is off by a factor of 2: it is 2 times the expected value.")
    assert check_tensor(114, 0.057017, rtol=0.01).tags == ["wrong_values"]


def test_float32_rounding_is_named():
    got = torch.tensor([1 / 3, 2 / 3])
    feedback = check_tensor(got, np.array([1 / 3, 2 / 3]), rtol=1e-12, atol=0)
    assert feedback.tags == ["float32_rounding"]
    assert feedback.message == (
        "Your values agree with the expected ones only to about 7 digits, as float32 arithmetic "
        "does, and float64 was expected: compute in float64 (dtype=torch.float64).")


def test_readme_feedback_examples_say_what_their_comments_say():
    import pathlib
    import re
    text = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()
    block = re.search(r"## Checking answers in a lesson\n\n.*?```python\n(.*?)```", text,
                      re.S).group(1)
    results = []
    namespace = {"_keep": results.append}
    # Each statement of the block, its value kept (the block is ours, not a student's).
    code = "\n".join(f"_keep({line.split('  #')[0]})" if line.startswith("grading") else line
                     for line in block.splitlines())
    exec(compile(code, "README.md", "exec"), namespace)
    assert [r if isinstance(r, list) else r.correct for r in results] == [
        True, ["missing_chain_factor"], ["constant_factor"], ["plus_constant"],
        ["not_accumulated"], True]
