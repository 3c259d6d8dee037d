# ruff: noqa: E501 (the corpus keeps each answer and its exact feedback on one line)
"""The feedback corpus: for every exercise of every lesson, typical wrong answers and the exact
feedback each gets.

Each exercise's checker is the lesson's own checker cell (the same check, expected values,
tolerances and ``expect=`` misconceptions), with the lesson's values recomputed here; the wrong
answers are what students typically write or compute (a forgotten chain-rule factor, one
backward() call for a hundred, a missing 1/n, a factor off, a + C, a transposed or a
non-leaf tensor). A change to a message shows up here, answer by answer.

A code exercise (lessons 01-05 and 10-16) is checked by the lesson's own cell, read from the
notebook: the student's code replaces the cell's solution block. The other exercises' checks are
retyped with their values recomputed, and pinned to the notebook's text by a test.
"""

import ast
import contextlib
import io
import json
import math
import re
import textwrap
import warnings
from pathlib import Path

import pytest

import autodiff_lab as torch
from autodiff_lab import grading

LESSONS = Path(__file__).resolve().parent.parent / "lessons"


# --- code exercises: the lesson's own cell, read from the notebook ------------------------------
# A code exercise's answer is the student's code: it replaces the cell's "### BEGIN SOLUTION" ..
# "### END SOLUTION" block (indented like the block), and the cell runs as it is in the lesson —
# the lesson's checker, called the lesson's way — after the lesson's setup cells it needs. So the
# corpus cannot drift from the notebook's checker: there is no second copy of it.

def _cells(lesson):
    notebook = next(LESSONS.glob(f"{lesson}_*.ipynb"))
    return json.loads(notebook.read_text())["cells"]


def _code(cell):
    return "".join(line for line in cell["source"] if not line.lstrip().startswith("%"))


def _setup_cell(cells, pattern):
    for cell in cells:
        if cell["cell_type"] == "code" and re.search(pattern, _code(cell), re.M):
            return _code(cell)
    raise LookupError(f"no code cell matches {pattern!r}")


def _exercise_cell(cells, number):
    heading = re.compile(rf"(?m)^###\s*Exercise\s+{number}\b")
    start = next(i for i, c in enumerate(cells)
                 if c["cell_type"] == "markdown" and heading.search("".join(c["source"])))
    return next(_code(c) for c in cells[start:]
                if c["cell_type"] == "code" and "### BEGIN SOLUTION" in _code(c))


def _with_answer(source, answer):
    lines = source.splitlines(keepends=True)
    begin = next(i for i, line in enumerate(lines) if "### BEGIN SOLUTION" in line)
    end = next(i for i, line in enumerate(lines) if "### END SOLUTION" in line)
    indent = lines[begin][:len(lines[begin]) - len(lines[begin].lstrip())]
    body = textwrap.indent(textwrap.dedent(answer).strip("\n") + "\n", indent)
    return "".join(lines[:begin]) + body + "".join(lines[end + 1:])


_NAMESPACES = {}


def _namespace(lesson, setup):
    key = (lesson, setup)
    if key not in _NAMESPACES:
        cells, namespace = _cells(lesson), {"__name__": f"lesson_{lesson}"}
        with contextlib.redirect_stdout(io.StringIO()):
            for pattern in ("^import autodiff_lab as torch",) + setup:
                exec(compile(_setup_cell(cells, pattern), f"lesson {lesson}", "exec"), namespace)
        _NAMESPACES[key] = namespace
    return _NAMESPACES[key]


def _code_exercise(exercise, *setup):
    """The checker of a code exercise: the answer (code) runs in the lesson's own cell."""
    lesson, number = exercise.split(".")

    def check(answer):
        namespace = dict(_namespace(lesson, setup))
        source = _with_answer(_exercise_cell(_cells(lesson), number), answer)
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(source, f"lesson {lesson} exercise {number}", "exec"), namespace)
        return namespace[f"feedback_{number}"]
    return check


def _lesson06_full_grad():
    torch.manual_seed(1)
    X = torch.randn(64, 2)
    y_true = X @ torch.tensor([2.0, -1.0]) + 0.5
    w = torch.zeros(2, requires_grad=True)
    ((X @ w - y_true) ** 2).mean().backward()
    return X, y_true, w.grad.clone()


def _lesson06_ex2(divide_by):
    X, y_true, full_grad = _lesson06_full_grad()
    w = torch.zeros(2, requires_grad=True)
    for i in range(0, 64, 8):
        loss = ((X[i:i + 8] @ w - y_true[i:i + 8]) ** 2).mean() / divide_by
        loss.backward()
    return grading.check_grad(w, full_grad, rtol=1e-4, expect=[("missing_mean", 8)])


def _lesson05_ex4(v):
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (2 * (x + 2) ** 2).backward(torch.tensor(v))
    x_ref = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    (2 * (x_ref + 2) ** 2).mean().backward()
    return grading.check_grad(x, x_ref.grad, expect=[("missing_mean", 3)])


def _grad_of(values, requires_grad=True):
    """A leaf whose .grad holds ``values`` (what a student's code left there)."""
    t = torch.tensor(values, requires_grad=requires_grad)
    if requires_grad:
        t.grad = torch.tensor(values)
    return t


W05 = torch.tensor([[1., 2., 0.], [0., 1., -1.]])
U05 = torch.tensor([3., -1.])
ROW10 = torch.tensor([math.sin(1.0), 0.0, 2 * math.cos(1.0)])
MEASURED01 = (lambda f: (f(2 + 1e-3) - f(2)) / 1e-3 - 93)(lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1)

# exercise id -> a function of the student's answer giving the Feedback, as the lesson's cell
EXERCISES = {
    "01.1": lambda a: grading.check_derivative(a, "sin(x^2)"),
    "01.2a": lambda a: grading.check_derivative(a, "8x^3 + 3x^2 + 6x + 5"),
    "01.2b": lambda a: grading.check_tensor(a, MEASURED01, rtol=0.01),
    "01.3": lambda a: grading.check_tensor(a, -5, atol=1.0),
    "02.1a": lambda a: grading.check_derivative(a, "x^3 - 4x^2 + 7"),
    "02.1b": lambda a: grading.check_tensor(a, torch.tensor(3.0)),
    "02.2": lambda a: grading.check_tensor(a, torch.tensor([2., 4.])),
    "02.3": lambda a: grading.check_output(a, "False True False", expect=[
        {"value": "False True True", "tag": "non_leaf_is_leaf",
         "message": "q = p + w is the result of an op on a tensor that requires grad, so it is "
                    "not a leaf: q.is_leaf is False."},
        {"value": "False False False", "tag": "requires_grad_not_propagated",
         "message": "q = p + w depends on w, which requires grad, so q requires grad too: "
                    "q.requires_grad is True."}]),
    "03.1": lambda a: grading.check_derivative(a, "2(3x+2)^2 / 6"),
    "03.2": lambda a: grading.check_derivative(a, "sin(3x)^2"),
    "03.3": lambda a: grading.check_derivative(a, "(5x1 + 3x2)(2x1 + x2)", wrt="x2"),
    "04.1": lambda a: grading.check_tensor(a, [1.6, 1.28]),
    "04.2a": lambda a: grading.check_tensor(a, torch.tensor(1.0)),
    "04.2b": lambda a: grading.check_expression(a, "2 / (2a)", variables=["a"]),
    "04.3": lambda a: grading.check_tensor(a, 0.1),
    "05.1": lambda a: grading.check_derivative(a, "2(x + 2)^2"),
    "05.2": lambda a: grading.check_grad(_grad_of([0.5, -1.0, 2.0]) if a is None else a,
                                         torch.tensor([10., 0., 8.])),
    "05.3": lambda a: grading.check_tensor(a, W05.T @ U05),
    "05.4": _lesson05_ex4,
    "06.1": lambda a: grading.check_tensor(a, torch.full((4,), 300.), expect=[("not_accumulated", 100)]),
    "06.2": _lesson06_ex2,
    "06.3a": lambda a: grading.check_derivative(a, "x^3 + x"),
    "06.3b": lambda a: grading.check_tensor(a, torch.tensor(26.), expect=[("not_accumulated", 2)]),
    "07.1": lambda a: grading.check_tensor(a, [0.8, 1.6, 2.4], requires_grad=True, leaf=True),
    "07.2": lambda a: grading.check_derivative(a, "x*c", wrt="x"),
    "07.3": lambda a: grading.check_grad(a, torch.tensor([0., 1., 2.]).exp()),
    "08.1": lambda a: grading.check_derivative(a, "x^3"),
    "08.2": lambda a: grading.check_grad(a, 8 * 2**3 + 3 * 2**2 + 6 * 2 + 5),
    "08.3": lambda a: grading.check_derivative(a, "tanh(w*a + b)", wrt="w"),
    "09.1": lambda a: grading.check_derivative(a, "(w*x + b - t)^2", wrt="w"),
    "09.2": lambda a: grading.check_tensor(a, [-2.0, 0.5], atol=1e-3),
    "09.3": lambda a: grading.check_tensor(a, [0.8, 0.46]),
    "10.1": lambda a: grading.check_tensor(a, [3.0, 14.0]),
    "10.2": lambda a: grading.check_tensor(a, ROW10),
    "10.3": lambda a: grading.check_derivative(a, "x*exp(x)"),
    "11.1": lambda a: grading.check_derivative(a, "4x^3 - 6x"),
    "11.2": lambda a: grading.check_tensor(a, torch.tensor([[4., 2.], [2., 12.]])),
    "11.3": lambda a: grading.check_tensor(a, [3.0, -1.0], dtype=False),
    "12.1": lambda a: grading.check_derivative(a, "tanh(tanh(tanh(x)))"),
    "12.2": lambda a: grading.check_tensor(a, [2, 6, 14, 30, 62, 126, 254]),
    "12.3": lambda a: grading.check_derivative(a, "y*tanh(y)", wrt="y"),
    "01.4": _code_exercise("01.4"),
    "02.4": _code_exercise("02.4"),
    "03.4": _code_exercise("03.4"),
    "04.4": _code_exercise("04.4"),
    "05.5": _code_exercise("05.5"),
    "10.4": _code_exercise("10.4"),
    "11.4": _code_exercise("11.4", r"^def f\(x\)"),
    "12.4": _code_exercise("12.4"),
    "13.1": _code_exercise("13.1", "^class Value"),
    "13.2": _code_exercise("13.2", "^class Value"),
    "13.3": _code_exercise("13.3", "^class Value", "^RULES = ", "^def topo_order", "^def backward_assign"),
    "14.1": _code_exercise("14.1", "^def plain_run"),
    "14.2": _code_exercise("14.2", "^def plain_run"),
    "15.1": _code_exercise("15.1"),
    "15.2": _code_exercise("15.2"),
    "16.1": _code_exercise("16.1"),
    "16.2": _code_exercise("16.2"),
}


CORPUS = [
    ('01.1', "cos(x^2)", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function x^2, which is 2x.\nAt x = 2, your answer gives -0.653644, but the derivative is -2.61457.'),
    ('01.1', "2x sin(x^2)", 'Not quite. It looks like you left the outer function as it was: the chain rule replaces sin(u) by its derivative cos(u), then multiplies by the derivative of the inner function u.\nAt x = 2, your answer gives -3.02721, but the derivative is -2.61457.'),
    ('01.1', "-2x cos(x^2)", 'Not quite. Check the signs: the derivative of sin is cos, and of cos is −sin.\nAt x = 2, your answer gives 2.61457, but the derivative is -2.61457.'),
    ('01.1', "2 cos(x^2)", 'Not quite.\nAt x = 2, your answer gives -1.30729, but the derivative is -2.61457.'),
    ('01.1', "cos(2x)", 'Not quite.\nAt x = 2, your answer gives -0.653644, but the derivative is -2.61457.'),
    ('01.1', "x^2 cos(x^2)", 'Not quite.\nAt x = -1, your answer gives 0.540302, but the derivative is -1.0806.'),
    ('01.1', "dy/dx = 2x cos(x^2) + C", 'Almost: “+ C” is how an antiderivative (an integral) is written; a derivative has no constant of integration: drop the + C. The rest of your answer is right.'),
    ('01.2a', "24x^2 + 6x + 6 + 5", 'Not quite. The derivative of a constant is 0: the constant term 5 should disappear.\nAt x = 2, your answer gives 119, but the derivative is 114.'),
    ('01.2a', "24x^2 + 6x", 'Not quite: the constant term 6 (from 6x) is missing.\nAt x = 2, your answer gives 108, but the derivative is 114.'),
    ('01.2a', "24x^3 + 6x^2 + 6x", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 228, but the derivative is 114.'),
    ('01.2a', "8x^2 + 3x + 6", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives 44, but the derivative is 114.'),
    ('01.2a', "2x^4 + x^3 + 3x^2 + 5x", 'Not quite. It looks like you integrated instead of differentiating: the derivative of your answer is the original function.\nAt x = 2, your answer gives 62, but the derivative is 114.'),
    ('01.2a', "12x^2 + 3x + 3", 'Not quite. Your answer is off by a factor of 2: the right answer is 2 times yours.\nAt x = 2, your answer gives 57, but the derivative is 114.'),
    ('01.2b', 114, 'Your answer is 114, but 0.057017 was expected.'),
    ('01.2b', 1e-3 * 114, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('01.2b', 1e-3 / 2 * 114 * 2, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('01.2b', -0.057, 'Your answer has the wrong sign.'),
    ('01.2b', 0.05, 'Your answer is 0.05, but 0.057017 was expected.'),
    ('01.3', -8, 'Your answer is -8, but -5 was expected.'),
    ('01.3', -2, 'Your answer is -2, but -5 was expected.'),
    ('01.3', 8, 'Your answer is 8, but -5 was expected.'),
    ('01.3', -16, 'Your answer is -16, but -5 was expected.'),
    ('01.3', 5, 'Your answer has the wrong sign.'),
    ('02.1a', "3x^2 - 8x + 7", 'Not quite. The derivative of a constant is 0: the constant term 7 should disappear.\nAt x = 2, your answer gives 3, but the derivative is -4.'),
    ('02.1a', "3x^2 - 4x", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives 4, but the derivative is -4.'),
    ('02.1a', "3x^2 + 8x", 'Not quite. Check the signs: the term -8x has the wrong sign.\nAt x = 2, your answer gives 28, but the derivative is -4.'),
    ('02.1a', "x^2 - 8x", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives -12, but the derivative is -4.'),
    ('02.1a', "3x^3 - 8x^2", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives -8, but the derivative is -4.'),
    ('02.1b', 3.0 * 2, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('02.1b', -3.0, 'Your answer has the wrong sign.'),
    ('02.1b', 7.0, 'Your answer is 7, but 3 was expected.'),
    ('02.1b', 27.0, 'Your answer is off by a factor of 9: it is 9 times the expected value.'),
    ('02.1b', 0.0, 'Your answer is 0, but 3 was expected.'),
    ('02.2', [1.0, 2.0], 'Your values are off by a factor of 2: the expected ones are 2 times yours.'),
    ('02.2', [4.0, 2.0], '2 of 2 values differ; the largest difference is at [0]: you have 4, expected 2.'),
    ('02.2', [2.0], 'Your tensor has shape (1,), but shape (2,) was expected.'),
    ('02.2', [[2.0, 4.0]], 'Your tensor has shape (1, 2), but shape (2,) was expected.'),
    ('02.2', [-2.0, -4.0], 'Every value has the wrong sign.'),
    ('02.2', [6.0, 6.0], '2 of 2 values differ; the largest difference is at [0]: you have 6, expected 2.'),
    ('02.3', "False True True", 'q = p + w is the result of an op on a tensor that requires grad, so it is not a leaf: q.is_leaf is False.'),
    ('02.3', "False False False", 'q = p + w depends on w, which requires grad, so q requires grad too: q.requires_grad is True.'),
    ('02.3', "True True False", 'Line 1 differs:\n  line 1: expected False True False\n          yours    True True False\n          (word 1: True, expected False)'),
    ('02.3', "False True", 'Line 1 differs:\n  line 1: expected False True False\n          yours    False True'),
    ('02.3', "false true false", 'Line 1 differs:\n  line 1: expected False True False\n          yours    false true false\n          (word 1: false, expected False; word 2: true, expected True; word 3: false, expected False)'),
    ('02.3', "True True True", 'Line 1 differs:\n  line 1: expected False True False\n          yours    True True True\n          (word 1: True, expected False; word 3: True, expected False)'),
    ('03.1', "2(3x+2) * 3", 'Not quite. Your answer is off by a factor of 3: it is 3 times the right answer.\nAt x = 2, your answer gives 48, but the derivative is 16.'),
    ('03.1', "(2/3)(3x+2)", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function 3x + 2, which is 3.\nAt x = 2, your answer gives 5.33333, but the derivative is 16.'),
    ('03.1', "2(3x+2)^2", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 128, but the derivative is 16.'),
    ('03.1', "4(3x+2)", 'Not quite. Your answer is off by a factor of 2: it is 2 times the right answer.\nAt x = 2, your answer gives 32, but the derivative is 16.'),
    ('03.1', "2(3x+2) + 6", 'Not quite: the term 10 should be 4.\nAt x = 2, your answer gives 22, but the derivative is 16.'),
    ('03.2', "2 sin(3x) cos(3x)", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function 3x, which is 3.\nAt x = 2, your answer gives -0.536573, but the derivative is -1.60972.'),
    ('03.2', "6 sin(3x)", 'Not quite.\nAt x = 2, your answer gives -1.67649, but the derivative is -1.60972.'),
    ('03.2', "2 sin(3x)", 'Not quite. It looks like you forgot the chain rule 2 times: multiply by the derivatives of the inner functions 3x and sin(3x), which are 3 and cos(3x).\nAt x = 2, your answer gives -0.558831, but the derivative is -1.60972.'),
    ('03.2', "-6 sin(3x) cos(3x)", 'Not quite. Check the signs: the derivative of sin is cos, and of cos is −sin.\nAt x = 2, your answer gives 1.60972, but the derivative is -1.60972.'),
    ('03.2', "6 cos(3x)^2", 'Not quite.\nAt x = 2, your answer gives 5.53156, but the derivative is -1.60972.'),
    ('03.2', "6 sin(3x) cos(x)", 'Not quite.\nAt x = 2, your answer gives 0.697667, but the derivative is -1.60972.'),
    ('03.3', "3(2x1 + x2)", "Not quite. You have only one of the two terms of the product rule, (f·g)' = f'·g + f·g'.\nAt x1 = 2, x2 = 3, your answer gives 21, but the derivative is 40."),
    ('03.3', "5x1 + 3x2", "Not quite. You have only one of the two terms of the product rule, (f·g)' = f'·g + f·g'.\nAt x1 = 2, x2 = 3, your answer gives 19, but the derivative is 40."),
    ('03.3', "5(2x1 + x2) + 2(5x1 + 3x2)", 'Not quite. It looks like you differentiated with respect to x1 instead of x2.\nAt x1 = 2, x2 = 3, your answer gives 73, but the derivative is 40.'),
    ('03.3', "3", "Not quite. It looks like you multiplied the derivatives of the factors, (f·g)' = f'·g'. The product rule is (f·g)' = f'·g + f·g'.\nAt x1 = 2, x2 = 3, your answer gives 3, but the derivative is 40."),
    ('03.3', "3(2x1 + x2) * (5x1 + 3x2)", 'Not quite.\nAt x1 = 2, x2 = 3, your answer gives 399, but the derivative is 40.'),
    ('03.3', "3(2x1 + x2) + 5x1", 'Not quite: the term 3x2 should be 6x2.\nAt x1 = 2, x2 = 3, your answer gives 31, but the derivative is 40.'),
    ('04.1', [1.6, 1.6], '1 of 2 values differ; the largest difference is at [1]: you have 1.6, expected 1.28.'),
    ('04.1', [2.4, 2.88], '2 of 2 values differ; the largest difference is at [1]: you have 2.88, expected 1.28.'),
    ('04.1', [1.8, 1.62], '2 of 2 values differ; the largest difference is at [1]: you have 1.62, expected 1.28.'),
    ('04.1', [1.28, 1.6], '2 of 2 values differ; the largest difference is at [0]: you have 1.28, expected 1.6.'),
    ('04.1', [1.6], 'Your tensor has shape (1,), but shape (2,) was expected.'),
    ('04.1', [-1.6, -1.28], 'Every value has the wrong sign.'),
    ('04.2a', 2.0, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('04.2a', 0.5, 'Your answer is off by a factor of 2: the expected value is 2 times yours.'),
    ('04.2a', 0.1, 'Your answer is off by a factor of 10: the expected value is 10 times yours.'),
    ('04.2a', -1.0, 'Your answer has the wrong sign.'),
    ('04.2a', 4.0, 'Your answer is off by a factor of 4: it is 4 times the expected value.'),
    ('04.2b', "2/a", 'Not quite. Your answer is off by a factor of 2: it is 2 times the right answer.\nAt a = 2, your answer gives 1, but the correct value is 0.5.'),
    ('04.2b', "1/(2a)", 'Not quite. Your answer is off by a factor of 2: the right answer is 2 times yours.\nAt a = 2, your answer gives 0.25, but the correct value is 0.5.'),
    ('04.2b', "a", 'Not quite. At a = 2, your answer gives 2, but the correct value is 0.5.'),
    ('04.2b', "2a", 'Not quite. At a = 2, your answer gives 4, but the correct value is 0.5.'),
    ('04.2b', "1/a + C", 'Almost: “+ C” is how an antiderivative (an integral) is written; a derivative has no constant of integration: drop the + C. The rest of your answer is right.'),
    ('04.2b', "1/b", "Your answer could not be read: unknown name 'b' at position 2; expected one of: a\n  1/b\n    ^"),
    ('04.3', 0.2, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('04.3', 1.0, 'Your answer is off by a factor of 10: it is 10 times the expected value.'),
    ('04.3', 0.01, 'Your answer is off by a factor of 10: the expected value is 10 times yours.'),
    ('04.3', 2 / 10, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('04.3', 0.05, 'Your answer is off by a factor of 2: the expected value is 2 times yours.'),
    ('05.1', "2(x + 2)", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives 8, but the derivative is 16.'),
    ('05.1', "4(x + 2)^2", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 64, but the derivative is 16.'),
    ('05.1', "4x", 'Not quite: the constant term 8 is missing.\nAt x = 2, your answer gives 8, but the derivative is 16.'),
    ('05.1', "4(x + 2) + 8", 'Not quite: the term 16 should be 8.\nAt x = 2, your answer gives 24, but the derivative is 16.'),
    ('05.1', "8(x + 2)", 'Not quite. Your answer is off by a factor of 2: it is 2 times the right answer.\nAt x = 2, your answer gives 32, but the derivative is 16.'),
    ('05.2', _grad_of([10., 12., 16.]), '2 of 3 values differ; the largest difference is at [1]: you have 12, expected 0.'),
    ('05.2', _grad_of([10., 0., 16.]), '1 of 3 values differ; the largest difference is at [2]: you have 16, expected 8.'),
    ('05.2', _grad_of([5., 0., 4.]), 'Your values are off by a factor of 2: the expected ones are 2 times yours.'),
    ('05.2', torch.tensor([0.5, -1.0, 2.0], requires_grad=True), 'The tensor has no gradient (.grad is None): call backward() on the result first.'),
    ('05.2', _grad_of([-10., 0., -8.]), 'Every value has the wrong sign.'),
    ('05.2', _grad_of([20., 0., 16.]), "Your gradient is exactly 2 times the expected one: either backward() ran 2 times without zeroing the gradient (gradients add up in .grad), or a factor 1/2 is missing (a mean's 1/n?)."),
    ('05.3', W05 @ torch.tensor([1., 2., 3.]), 'Your tensor has shape (2,), but shape (3,) was expected.'),
    ('05.3', torch.tensor([[3., 5., 1.]]), 'Your tensor has shape (1, 3), but shape (3,) was expected.'),
    ('05.3', torch.tensor([3., 5.]), 'Your tensor has shape (2,), but shape (3,) was expected.'),
    ('05.3', torch.tensor([-3., -5., -1.]), 'Every value has the wrong sign.'),
    ('05.3', torch.tensor([3., 6., 0.]), '2 of 3 values differ; the largest difference is at [1]: you have 6, expected 5.'),
    ('05.3', torch.tensor([6., 10., 2.]), 'Your values are off by a factor of 2: they are 2 times the expected ones.'),
    ('05.4', [1.0, 1.0, 1.0], "Your gradient is exactly 3 times the expected one: the mean's 1/3 is missing (divide by 3)."),
    ('05.4', [3.0, 3.0, 3.0], "Your gradient is exactly 9 times the expected one: either backward() ran 9 times without zeroing the gradient (gradients add up in .grad), or a factor 1/9 is missing (a mean's 1/n?)."),
    ('05.4', [1 / 9, 1 / 9, 1 / 9], 'Your gradient is 1/3 times the expected one: a mean() where a sum() was expected?'),
    ('05.4', [-1 / 3, -1 / 3, -1 / 3], 'Every value has the wrong sign.'),
    ('05.4', [1.0, 0.0, 0.0], '3 of 3 values differ; the largest difference is at [0]: you have 10, expected 3.33333.'),
    ('06.1', [3.0, 3.0, 3.0, 3.0], "Your answer is 1/100 of the expected one: that is what one backward() call gives, but .grad adds up every call's gradient, so after 100 calls without zeroing it holds 100 times that."),
    ('06.1', [297.0, 297.0, 297.0, 297.0], '4 of 4 values differ; the largest difference is at [0]: you have 297, expected 300.'),
    ('06.1', [1200.0, 1200.0, 1200.0, 1200.0], 'Your values are off by a factor of 4: they are 4 times the expected ones.'),
    ('06.1', [300.0], 'Your tensor has shape (1,), but shape (4,) was expected.'),
    ('06.1', [0.0, 0.0, 0.0, 0.0], '4 of 4 values differ; the largest difference is at [0]: you have 0, expected 300.'),
    ('06.1', [-300.0, -300.0, -300.0, -300.0], 'Every value has the wrong sign.'),
    ('06.2', 1, "Your gradient is exactly 8 times the expected one: the mean's 1/8 is missing (divide by 8)."),
    ('06.2', 64, 'Your values are off by a factor of 8: the expected ones are 8 times yours.'),
    ('06.2', 2, "Your gradient is exactly 4 times the expected one: either backward() ran 4 times without zeroing the gradient (gradients add up in .grad), or a factor 1/4 is missing (a mean's 1/n?)."),
    ('06.2', 1 / 8, "Your gradient is exactly 64 times the expected one: either backward() ran 64 times without zeroing the gradient (gradients add up in .grad), or a factor 1/64 is missing (a mean's 1/n?)."),
    ('06.2', -8, 'Every value has the wrong sign.'),
    ('06.3a', "3x^2", 'Not quite: the constant term 1 (from x) is missing.\nAt x = 2, your answer gives 12, but the derivative is 13.'),
    ('06.3a', "3x^2 + x", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 14, but the derivative is 13.'),
    ('06.3a', "x^2 + 1", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives 5, but the derivative is 13.'),
    ('06.3a', "3x^3 + 1", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 25, but the derivative is 13.'),
    ('06.3a', "6x^2 + 2", 'Not quite. Your answer is off by a factor of 2: it is 2 times the right answer.\nAt x = 2, your answer gives 26, but the derivative is 13.'),
    ('06.3a', "x^4/4 + x^2/2 + C", 'Not quite. It looks like you integrated instead of differentiating: the derivative of your answer is the original function. “+ C” is how an antiderivative (an integral) is written; a derivative has no constant of integration: drop the + C.\nAt x = 2, your answer gives 6, but the derivative is 13.'),
    ('06.3b', 13, "Your answer is 1/2 of the expected one: that is what one backward() call gives, but .grad adds up every call's gradient, so after 2 calls without zeroing it holds 2 times that."),
    ('06.3b', 13 * 4, 'Your answer is off by a factor of 2: it is 2 times the expected value.'),
    ('06.3b', 0, 'Your answer is 0, but 26 was expected.'),
    ('06.3b', -26, 'Your answer has the wrong sign.'),
    ('06.3b', 12, 'Your answer is 12, but 26 was expected.'),
    ('06.3b', 28, 'Your answer is 28, but 26 was expected.'),
    ('07.1', torch.tensor([0.8, 1.6, 2.4]), 'The values are right, but requires_grad is False and True was expected.'),
    ('07.1', (lambda w: w - 0.1 * (2 * w))(torch.tensor([1., 2., 3.], requires_grad=True)), 'The values are right, but it is not a leaf tensor any more: SubBackward0 computed it from another tensor, so an assignment like w = w - lr * w.grad replaced the leaf; update it in place instead, inside with torch.no_grad(): w -= lr * w.grad.'),
    ('07.1', torch.tensor([1.2, 2.4, 3.6], requires_grad=True), '3 of 3 values differ; the largest difference is at [2]: you have 3.6, expected 2.4.'),
    ('07.1', torch.tensor([0.9, 1.8, 2.7], requires_grad=True), '3 of 3 values differ; the largest difference is at [2]: you have 2.7, expected 2.4.'),
    ('07.1', torch.tensor([1., 2., 3.], requires_grad=True), '3 of 3 values differ; the largest difference is at [2]: you have 3, expected 2.4.'),
    ('07.1', torch.tensor([0.8, 1.6, 2.4, 0.0], requires_grad=True), 'Your tensor has shape (4,), but shape (3,) was expected.'),
    ('07.1', torch.tensor([-1., -2., -3.], requires_grad=True), '3 of 3 values differ; the largest difference is at [2]: you have -3, expected 2.4.'),
    ('07.2', "2x", 'Not quite.\nAt c = 2, x = 3, your answer gives 6, but the derivative is 2.'),
    ('07.2', "x", 'Not quite. It looks like you differentiated with respect to c instead of x.\nAt c = 2, x = 3, your answer gives 3, but the derivative is 2.'),
    ('07.2', "c + x", 'Not quite.\nAt c = 2, x = 3, your answer gives 5, but the derivative is 2.'),
    ('07.2', "1", 'Not quite.\nAt c = 2, your answer gives 1, but the derivative is 2.'),
    ('07.2', "2c", 'Not quite. Your answer is off by a factor of 2: it is 2 times the right answer.\nAt c = 2, your answer gives 4, but the derivative is 2.'),
    ('07.2', "x c", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt c = 2, x = 3, your answer gives 6, but the derivative is 2.'),
    ('07.3', _grad_of([0.0, 0.0, 0.0]), '3 of 3 values differ; the largest difference is at [2]: you have 0, expected 7.38906.'),
    ('07.3', torch.tensor([0., 1., 2.], requires_grad=True), 'The tensor has no gradient (.grad is None): call backward() on the result first.'),
    ('07.3', _grad_of([2.0, 2 * 2.7182817, 2 * 7.3890562]), "Your gradient is exactly 2 times the expected one: either backward() ran 2 times without zeroing the gradient (gradients add up in .grad), or a factor 1/2 is missing (a mean's 1/n?)."),
    ('07.3', _grad_of([2.0, 3.7182817, 8.3890562]), '3 of 3 values differ; the largest difference is at [2]: you have 8.38906, expected 7.38906.'),
    ('07.3', _grad_of([-1.0, -2.7182817, -7.3890562]), 'Every value has the wrong sign.'),
    ('07.3', _grad_of([[1.0, 2.7182817, 7.3890562]]), 'Your tensor has shape (1, 3), but shape (3,) was expected.'),
    ('08.1', "2", 'Not quite.\nAt x = 2, your answer gives 2, but the derivative is 12.'),
    ('08.1', "3x", 'Not quite.\nAt x = 2, your answer gives 6, but the derivative is 12.'),
    ('08.1', "x^2", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt x = 2, your answer gives 4, but the derivative is 12.'),
    ('08.1', "3x^3", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 24, but the derivative is 12.'),
    ('08.1', "x^4/4", 'Not quite. It looks like you integrated instead of differentiating: the derivative of your answer is the original function.\nAt x = 2, your answer gives 4, but the derivative is 12.'),
    ('08.1', "3x^2 + 2", 'Not quite.\nAt x = 2, your answer gives 14, but the derivative is 12.'),
    ('08.2', _grad_of(63.0), 'Your answer is 63, but 93 was expected.'),
    ('08.2', _grad_of(186.0), "Your gradient is exactly 2 times the expected one: either backward() ran 2 times without zeroing the gradient (gradients add up in .grad), or a factor 1/2 is missing (a mean's 1/n?)."),
    ('08.2', _grad_of(-93.0), 'Your answer has the wrong sign.'),
    ('08.2', _grad_of(88.0), 'Your answer is 88, but 93 was expected.'),
    ('08.2', torch.tensor(2.0, requires_grad=True), 'The tensor has no gradient (.grad is None): call backward() on the result first.'),
    ('08.2', _grad_of(31.0), 'Your answer is off by a factor of 3: the expected value is 3 times yours.'),
    ('08.3', "1 - tanh(w a + b)^2", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function a*w + b, which is a.\nAt a = 2, b = 3, w = -0.5, your answer gives 0.0706508, but the derivative is 0.141302.'),
    ('08.3', "(1 - tanh(w a + b)^2) w", 'Not quite. It looks like you differentiated with respect to a instead of w.\nAt a = 2, b = 3, w = -0.5, your answer gives -0.0353254, but the derivative is 0.141302.'),
    ('08.3', "(1 + tanh(w a + b)^2) a", 'Not quite.\nAt a = 2, b = 3, w = -0.5, your answer gives 3.8587, but the derivative is 0.141302.'),
    ('08.3', "a tanh(w a + b)^2", 'Not quite.\nAt a = 2, b = 3, w = -0.5, your answer gives 1.8587, but the derivative is 0.141302.'),
    ('08.3', "-(1 - tanh(w a + b)^2) a", 'Not quite. Check the signs: your answer is minus the derivative.\nAt a = 2, b = 3, w = -0.5, your answer gives -0.141302, but the derivative is 0.141302.'),
    ('08.3', "∂h/∂w = a(1 - tanh(w a + b))", 'Not quite.\nAt a = 2, b = 3, w = -0.5, your answer gives 0.0719448, but the derivative is 0.141302.'),
    ('09.1', "2(w x + b - t)", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function b - t + w*x, which is x.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives -1, but the derivative is 1.'),
    ('09.1', "(w x + b - t) x", 'Not quite. The power rule brings the exponent down as a factor: the derivative of x^n is n·x^(n−1); the factor n is missing.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives 0.5, but the derivative is 1.'),
    ('09.1', "2(w x + b - t) w", 'Not quite. It looks like you differentiated with respect to x instead of w.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives 0.5, but the derivative is 1.'),
    ('09.1', "2 x^2", 'Not quite.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives 2, but the derivative is 1.'),
    ('09.1', "-2(w x + b - t) x", 'Not quite. Check the signs: your answer is minus the derivative.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives -1, but the derivative is 1.'),
    ('09.1', "2x", 'Not quite.\nAt b = 2, t = 3, w = -0.5, x = -1, your answer gives -2, but the derivative is 1.'),
    ('09.2', [0.0, 0.0], '2 of 2 values differ; the largest difference is at [0]: you have 0, expected -2.'),
    ('09.2', [2.0, -0.5], 'Every value has the wrong sign.'),
    ('09.2', [-1.9, 0.5], '1 of 2 values differ; the largest difference is at [0]: you have -1.9, expected -2.'),
    ('09.2', [-2.0], 'Your tensor has shape (1,), but shape (2,) was expected.'),
    ('09.2', [0.5, -2.0], '2 of 2 values differ; the largest difference is at [0]: you have 0.5, expected -2.'),
    ('09.2', [-4.0, 1.0], 'Your values are off by a factor of 2: they are 2 times the expected ones.'),
    ('09.3', [0.8, 0.64], '1 of 2 values differ; the largest difference is at [1]: you have 0.64, expected 0.46.'),
    ('09.3', [0.8, 0.26], '1 of 2 values differ; the largest difference is at [1]: you have 0.26, expected 0.46.'),
    ('09.3', [0.8, 0.62], '1 of 2 values differ; the largest difference is at [1]: you have 0.62, expected 0.46.'),
    ('09.3', [1.2, 1.54], '2 of 2 values differ; the largest difference is at [1]: you have 1.54, expected 0.46.'),
    ('09.3', [0.46, 0.8], '2 of 2 values differ; the largest difference is at [0]: you have 0.46, expected 0.8.'),
    ('09.3', [0.8], 'Your tensor has shape (1,), but shape (2,) was expected.'),
    ('10.1', [3, 6], '1 of 2 values differ; the largest difference is at [1]: you have 6, expected 14.'),
    ('10.1', [3, 8], '1 of 2 values differ; the largest difference is at [1]: you have 8, expected 14.'),
    ('10.1', [3, 14, 8], 'Your tensor has shape (3,), but shape (2,) was expected.'),
    ('10.1', [4, 6], '2 of 2 values differ; the largest difference is at [1]: you have 6, expected 14.'),
    ('10.1', [3, 2], '1 of 2 values differ; the largest difference is at [1]: you have 2, expected 14.'),
    ('10.1', [3, 7], '1 of 2 values differ; the largest difference is at [1]: you have 7, expected 14.'),
    ('10.2', torch.tensor([3.0, 2.0, 0.0]), '3 of 3 values differ; the largest difference is at [0]: you have 3, expected 0.841471.'),
    ('10.2', torch.tensor([math.sin(1.0), 0.0, math.cos(1.0)]), '1 of 3 values differ; the largest difference is at [2]: you have 0.540302, expected 1.0806.'),
    ('10.2', torch.tensor([[math.sin(1.0), 0.0, 2 * math.cos(1.0)]]), 'Your tensor has shape (1, 3), but shape (3,) was expected.'),
    ('10.2', torch.tensor([math.sin(1.0), 2 * math.cos(1.0)]), 'Your tensor has shape (2,), but shape (3,) was expected.'),
    ('10.2', -ROW10, 'Every value has the wrong sign.'),
    ('10.2', 2 * ROW10, 'Your values are off by a factor of 2: they are 2 times the expected ones.'),
    ('10.3', "exp(x)", "Not quite. It looks like you multiplied the derivatives of the factors, (f·g)' = f'·g'. The product rule is (f·g)' = f'·g + f·g'.\nAt x = 2, your answer gives 7.38906, but the derivative is 22.1672."),
    ('10.3', "x exp(x)", "Not quite. You have only one of the two terms of the product rule, (f·g)' = f'·g + f·g'.\nAt x = 2, your answer gives 14.7781, but the derivative is 22.1672."),
    ('10.3', "exp(x) + x", 'Not quite: the term x should be x*e^x.\nAt x = 2, your answer gives 9.38906, but the derivative is 22.1672.'),
    ('10.3', "x exp(x) - exp(x)", 'Not quite. Check the signs: the term e^x has the wrong sign.\nAt x = 2, your answer gives 7.38906, but the derivative is 22.1672.'),
    ('10.3', "2exp(x)", 'Not quite.\nAt x = 2, your answer gives 14.7781, but the derivative is 22.1672.'),
    ('10.3', "(x + 1) e^x + C", 'Almost: “+ C” is how an antiderivative (an integral) is written; a derivative has no constant of integration: drop the + C. The rest of your answer is right.'),
    ('11.1', "12x^2", 'Not quite: the constant term -6 (from -6x) is missing.\nAt x = 2, your answer gives 48, but the derivative is 42.'),
    ('11.1', "12x^3 - 6x", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 84, but the derivative is 42.'),
    ('11.1', "4x^3 - 6x", 'Not quite: the term from -6x should be -6, not -6x: the power rule lowers the exponent by one; the term from 4x^3 should be 12x^2, not 4x^3.\nAt x = 2, your answer gives 20, but the derivative is 42.'),
    ('11.1', "12x - 6", 'Not quite: the term from 4x^3 should be 12x^2, not 12x.\nAt x = 2, your answer gives 18, but the derivative is 42.'),
    ('11.1', "3x^2 - 6", 'Not quite: the term from 4x^3 should be 12x^2, not 3x^2.\nAt x = 2, your answer gives 6, but the derivative is 42.'),
    ('11.1', "f''(x) = 12x^2 - 6x", 'Not quite. The power rule lowers the exponent by one: the derivative of x^n is n·x^(n−1), not n·x^n.\nAt x = 2, your answer gives 36, but the derivative is 42.'),
    ('11.2', [[4, 2], [2, 6]], '1 of 4 values differ; the largest difference is at [1, 1]: you have 6, expected 12.'),
    ('11.2', [[2, 4], [4, 12]], '3 of 4 values differ; the largest difference is at [0, 0]: you have 2, expected 4.'),
    ('11.2', [[4, 2], [3, 12]], '1 of 4 values differ; the largest difference is at [1, 0]: you have 3, expected 2.'),
    ('11.2', [[4, 2]], 'Your tensor has shape (1, 2), but shape (2, 2) was expected.'),
    ('11.2', [[8, 4], [4, 24]], 'Your values are off by a factor of 2: they are 2 times the expected ones.'),
    ('11.2', [[12, 2], [2, 4]], '2 of 4 values differ; the largest difference is at [0, 0]: you have 12, expected 4.'),
    ('11.3', [1.5, -0.5], 'Your values are off by a factor of 2: the expected ones are 2 times yours.'),
    ('11.3', [0.0, 0.0], '2 of 2 values differ; the largest difference is at [0]: you have 0, expected 3.'),
    ('11.3', [6.0, -4.0], '2 of 2 values differ; the largest difference is at [0]: you have 6, expected 3.'),
    ('11.3', [3.0, 1.0], '1 of 2 values differ; the largest difference is at [1]: you have 1, expected -1.'),
    ('11.3', [-1.0, 3.0], '2 of 2 values differ; the largest difference is at [0]: you have -1, expected 3.'),
    ('11.3', [3.0], 'Your tensor has shape (1,), but shape (2,) was expected.'),
    ('12.1', "1 - tanh(tanh(tanh(x)))^2", 'Not quite. It looks like you forgot the chain rule 2 times: multiply by the derivatives of the inner functions tanh(x) and tanh(tanh(x)), which are 1 - tanh(x)^2 and 1 - tanh(tanh(x))^2.\nAt x = 2, your answer gives 0.599568, but the derivative is 0.0187817.'),
    ('12.1', "(1 - tanh(tanh(tanh(x)))^2) (1 - tanh(tanh(x))^2)", 'Not quite. It looks like you forgot the chain rule: multiply by the derivative of the inner function tanh(x), which is 1 - tanh(x)^2.\nAt x = 2, your answer gives 0.265838, but the derivative is 0.0187817.'),
    ('12.1', "(1 - tanh(x)^2)^3", 'Not quite.\nAt x = 2, your answer gives 0.000352656, but the derivative is 0.0187817.'),
    ('12.1', "(1 - tanh(tanh(tanh(x)))^2) (1 - tanh(tanh(x))^2) (1 + tanh(x)^2)", 'Not quite.\nAt x = 2, your answer gives 0.512894, but the derivative is 0.0187817.'),
    ('12.1', "1 - tanh(x)^2", 'Not quite.\nAt x = 2, your answer gives 0.0706508, but the derivative is 0.0187817.'),
    ('12.1', "3(1 - tanh(x)^2)", 'Not quite.\nAt x = 2, your answer gives 0.211952, but the derivative is 0.0187817.'),
    ('12.2', [2 ** d for d in range(1, 8)], '6 of 7 values differ; the largest difference is at [6]: you have 128, expected 254.'),
    ('12.2', [2 * d for d in range(1, 8)], '6 of 7 values differ; the largest difference is at [6]: you have 14, expected 254.'),
    ('12.2', [2 ** (d + 1) for d in range(1, 8)], '7 of 7 values differ; the largest difference is at [0]: you have 4, expected 2.'),
    ('12.2', [2 ** d - 1 for d in range(1, 8)], 'Your values are off by a factor of 2: the expected ones are 2 times yours.'),
    ('12.2', [2 ** (d + 1) - 2 for d in range(0, 7)], '7 of 7 values differ; the largest difference is at [6]: you have 126, expected 254.'),
    ('12.2', [2 ** (d + 1) - 2 for d in range(1, 7)], 'Your tensor has shape (6,), but shape (7,) was expected.'),
    ('12.3', "tanh(y)", "Not quite. You have only one of the two terms of the product rule, (f·g)' = f'·g + f·g'.\nAt y = 2, your answer gives 0.964028, but the derivative is 1.10533."),
    ('12.3', "1 - tanh(y)^2", "Not quite. It looks like you multiplied the derivatives of the factors, (f·g)' = f'·g'. The product rule is (f·g)' = f'·g + f·g'.\nAt y = 2, your answer gives 0.0706508, but the derivative is 1.10533."),
    ('12.3', "y (1 - tanh(y)^2)", "Not quite. You have only one of the two terms of the product rule, (f·g)' = f'·g + f·g'.\nAt y = 2, your answer gives 0.141302, but the derivative is 1.10533."),
    ('12.3', "tanh(y) + (1 - tanh(y)^2)", 'Not quite: the term y*(1 - tanh(y)^2) is missing; the term 1 should not be there; the term -tanh(y)^2 should not be there.\nAt y = 2, your answer gives 1.03468, but the derivative is 1.10533.'),
    ('12.3', "tanh(y) - y (1 - tanh(y)^2)", 'Not quite. Check the signs: the term y*(1 - tanh(y)^2) has the wrong sign.\nAt y = 2, your answer gives 0.822726, but the derivative is 1.10533.'),
    ('12.3', "tanh(y) y (1 - tanh(y)^2)", 'Not quite.\nAt y = 2, your answer gives 0.136219, but the derivative is 1.10533.'),
]


# code exercises: the answer is the code a student writes between the solution markers
CORPUS += [
    ('01.4', 'return (f(x + h) - f(x)) / h', '3 of 3 values differ; the largest difference is at [1]: you have 0.539881, expected 0.540302. That is the forward difference (f(x+h) - f(x))/h, with an O(h) error: step to both sides.'),
    ('01.4', 'return (f(x) - f(x - h)) / h', '3 of 3 values differ; the largest difference is at [1]: you have 0.540723, expected 0.540302. That is the backward difference (f(x) - f(x-h))/h, with an O(h) error: step to both sides.'),
    ('01.4', 'return (f(x + h) - f(x - h)) / h', 'Your values are off by a factor of 2: they are 2 times the expected ones. x - h and x + h are 2h apart: divide by 2 * h.'),
    ('01.4', 'return (f(x + h) - f(x - h)) / 2 * h', '3 of 3 values differ; the largest difference is at [0]: you have 9.55336e-07, expected 0.955336. / 2 * h divides by 2, then multiplies by h: write / (2 * h).'),
    ('01.4', 'return f(x + h) - f(x - h)', '3 of 3 values differ; the largest difference is at [0]: you have 0.00191067, expected 0.955336. The difference f(x+h) - f(x-h) must be divided by 2 * h, the distance between the two points.'),
    ('01.4', 'return (f(x - h) - f(x + h)) / (2 * h)', 'Every value has the wrong sign.'),
    ('02.4', 'x = torch.tensor(x0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\ny.backward()', 'derivative_at returned None: end it with return x.grad.item().'),
    ('02.4', 'x = torch.tensor(x0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\nreturn x.grad.item()', "x.grad is None ('NoneType' object has no attribute 'item'): call y.backward() before reading x.grad."),
    ('02.4', 'x = torch.tensor(x0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\ny.backward()\nreturn y.item()', '3 of 3 values differ; the largest difference is at [0]: you have 63, expected 93. These are the values y(x): return x.grad, not y.'),
    ('02.4', 'x = torch.tensor(x0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\ny.backward()\nreturn x.item()', 'These are the points x0 themselves: return x.grad.'),
    ('02.4', 'x = torch.tensor(x0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\ny.backward(retain_graph=True)\ny.backward()\nreturn x.grad.item()', 'Your gradient is exactly 2 times the expected one: gradients add up in .grad, so backward() ran 2 times without zeroing the gradient (call .grad.zero_() or optimizer.zero_grad() before each backward()).'),
    ('02.4', 'x = torch.tensor(2.0, requires_grad=True)\ny = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1\ny.backward()\nreturn x.grad.item()', '2 of 3 values differ; the largest difference is at [1]: you have 93, expected -6. Every point gives 93: make the leaf from x0, not from a fixed number.'),
    ('03.4', 'x = torch.tensor(x0, requires_grad=True)\ny = x ** 2\nz = torch.sin(y)\nz.backward()\nreturn y.grad.item()', "y.grad is None ('NoneType' object has no attribute 'item'): call y.retain_grad() before backward()."),
    ('03.4', 'x = torch.tensor(x0, requires_grad=True)\ny = x ** 2\nz = torch.sin(y)\nz.backward()\ny.retain_grad()\nreturn y.grad.item()', "y.grad is None ('NoneType' object has no attribute 'item'): call y.retain_grad() before backward()."),
    ('03.4', 'x = torch.tensor(x0, requires_grad=True)\ny = x ** 2\ny.retain_grad()\nz = torch.sin(y)\nz.backward()\nreturn x.grad.item()', 'These are ∂z/∂x = cos(x²)·2x, the gradient at the leaf x: return y.grad, the gradient at y (kept by y.retain_grad()).'),
    ('03.4', 'x = torch.tensor(x0, requires_grad=True)\ny = x ** 2\ny.retain_grad()\nz = torch.sin(y)\nz.backward()\nreturn z.item()', 'These are the values z = sin(x²): return y.grad, not z.'),
    ('03.4', 'x = torch.tensor(x0, requires_grad=True)\ny = x ** 2\ny.retain_grad()\nz = torch.cos(y)\nz.backward()\nreturn y.grad.item()', '3 of 3 values differ; the largest difference is at [2]: you have 0.756802, expected -0.653644.'),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = [x.item()]\nfor _ in range(steps):\n    f(x).backward()\n    with torch.no_grad():\n        x -= lr * x.grad\n    path.append(x.item())\nreturn path', '5 of 7 values differ; the largest difference is at [5]: you have -2.19588, expected 1.21339. Your path is what you get without x.grad.zero_(): each step used the sum of all gradients so far.'),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = [x.item()]\nfor _ in range(steps):\n    f(x).backward()\n    with torch.no_grad():\n        x += lr * x.grad\n    x.grad.zero_()\n    path.append(x.item())\nreturn path', '6 of 7 values differ; the largest difference is at [6]: you have inf, expected 1.22011. You step *up* the gradient: the update is x -= lr * x.grad.'),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = [x.item()]\nfor _ in range(steps):\n    f(x).backward()\n    with torch.no_grad():\n        x -= x.grad\n    x.grad.zero_()\n    path.append(x.item())\nreturn path', '6 of 7 values differ; the largest difference is at [5]: you have nan, expected 1.21339. Your first step is the whole gradient: multiply it by the learning rate, x -= lr * x.grad.'),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = [x.item()]\nfor _ in range(steps):\n    f(x).backward()\n    x = x - lr * x.grad\n    path.append(x.item())\nreturn path', "x.grad is None after the first step (unsupported operand type(s) for *: 'float' and 'NoneType'): x = x - lr * x.grad makes x a new tensor that is not a leaf. Update the leaf in place: with torch.no_grad(): x -= lr * x.grad."),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = []\nfor _ in range(steps):\n    f(x).backward()\n    with torch.no_grad():\n        x -= lr * x.grad\n    x.grad.zero_()\n    path.append(x.item())\nreturn path', 'Your tensor has shape (6,), but shape (7,) was expected. The list needs steps + 1 values: start it with x0.'),
    ('04.4', 'x = torch.tensor(x0, requires_grad=True)\npath = [x.item()]\nfor _ in range(steps):\n    f(x).backward()\n    with torch.no_grad():\n        x -= lr * x.grad\n    x.grad.zero_()\npath.append(x.item())\nreturn path', 'Your tensor has shape (2,), but shape (7,) was expected. Append x after every step, inside the loop.'),
    ('05.5', 'x = x.detach().requires_grad_()\nf(x).sum().backward()\nreturn x.grad', 'That is the gradient of f(x).sum(), v = (1, 1, 1): pass v itself, f(x).backward(v).'),
    ('05.5', 'x = x.detach().requires_grad_()\nf(x).backward(torch.ones(3))\nreturn x.grad', 'That is the gradient of f(x).sum(), v = (1, 1, 1): pass v itself, f(x).backward(v).'),
    ('05.5', 'x = x.detach().requires_grad_()\ny = f(x)\ny.backward(v)\nreturn y.grad', 'my_vjp returned None: return x.grad, the gradient of the leaf (the result f(x) is not a leaf: its .grad stays None).'),
    ('05.5', 'x = x.detach().requires_grad_()\nf(x).backward(v)\nf(x).backward(v)\nreturn x.grad', 'Your gradient is exactly 2 times the expected one: gradients add up in .grad, so backward() ran 2 times without zeroing the gradient (call .grad.zero_() or optimizer.zero_grad() before each backward()).'),
    ('05.5', 'x = x.detach().requires_grad_()\nf(x).backward(v)\nreturn v', 'Your tensor has shape (3,), but shape (2,) was expected.'),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.derivative * b.derivative)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), math.cos(a.value) * a.derivative)', "dual_mul is wrong: that derivative is a'·b', the derivatives multiplied: the derivative of a·b is a·b' + a'·b (the product rule)."),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.value * b.derivative)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), math.cos(a.value) * a.derivative)', "dual_mul is wrong: a term is missing: the derivative of a·b is a·b' + a'·b (the product rule)."),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.value * b.derivative + a.derivative * b.value + a.derivative * b.derivative)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), math.cos(a.value) * a.derivative)', "dual_mul is wrong: ε² = 0, so the a'·b' term drops out: the derivative of a·b is a·b' + a'·b (the product rule)."),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.value * b.derivative + a.derivative * b.value)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), math.cos(a.value))', "dual_sin is wrong: the chain rule's factor a' is missing: the derivative is cos(a)·a'."),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.value * b.derivative + a.derivative * b.value)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), -math.cos(a.value) * a.derivative)', "dual_sin is wrong: check the sign: sin' = cos (it is cos' that is −sin)."),
    ('10.4', 'def dual_mul(a, b):\n    return Dual(a.value * b.value, a.value * b.derivative + a.derivative * b.value)\ndef dual_sin(a):\n    return Dual(math.sin(a.value), math.sin(a.value) * a.derivative)', "dual_sin is wrong: sin' is cos, not sin: the derivative is cos(a)·a'."),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nrows = [torch.autograd.grad(y[i], x, retain_graph=True)[0] for i in range(y.numel())]\nreturn torch.stack(rows, dim=1)', '2 of 4 values differ; the largest difference is at [0, 1]: you have 5, expected 1. That is Jᵀ: row i of J is the gradient of output i.'),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nrows = [torch.autograd.grad(y[i], x)[0] for i in range(y.numel())]\nreturn torch.stack(rows)', 'The second autograd.grad call found the graph freed by the first: pass retain_graph=True to keep it.'),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nreturn torch.autograd.grad(y.sum(), x)[0]', "Your tensor has shape (2,), but shape (2, 2) was expected. That is the gradient of y.sum(), the sum of J's rows: J needs one gradient per output."),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nrows = [torch.autograd.grad(y[i], x, retain_graph=True)[0] for i in range(y.numel())]\nreturn torch.stack(rows[::-1])', 'Your rows are in reverse order: row i of J is the gradient of output i.'),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nrows = []\nfor i in range(y.numel()):\n    y[i].backward(retain_graph=True)\n    rows.append(x.grad)\nreturn torch.stack(rows)', 'Every row is the sum of all rows, the gradient of y.sum(): x.grad added up the backward() of every output. Use torch.autograd.grad, one call per output, one row each.'),
    ('11.4', 'x = x.detach().requires_grad_()\ny = f(x)\nrows = []\nfor i in range(y.numel()):\n    y[i].backward(retain_graph=True)\n    rows.append(x.grad.clone())\nreturn torch.stack(rows)', 'Each row includes the rows before it: x.grad adds up over backward() calls. Zero it between outputs, or use torch.autograd.grad.'),
    ('12.4', 'def count(node):\n    return 0 if node is None else 1 + sum(count(c) for c, _ in node.next_functions)\n\nreturn count(t.grad_fn)', "Your answer is 1457, but 13 was expected. That is the tree's size: count each node only once."),
    ('12.4', 'seen, stack = [], [t.grad_fn]\nwhile stack:\n    node = stack.pop()\n    if node is None:\n        continue\n    seen.append(node)\n    stack.extend(child for child, _ in node.next_functions)\nreturn len(seen)', "Your answer is 1457, but 13 was expected. That is the tree's size: count each node only once."),
    ('12.4', 'seen, stack = set(), [t.grad_fn]\nwhile stack:\n    node = stack.pop()\n    if node is None or id(node) in seen:\n        continue\n    seen.add(id(node))\n    stack.extend(child for child, _ in node.next_functions)\nreturn len(seen) - 1', "Your answer is 12, but 13 was expected. One node is missing: count t.grad_fn itself and the leaf's AccumulateGrad node too."),
    ('12.4', "seen, stack = set(), [t.grad_fn]\nwhile stack:\n    node = stack.pop()\n    if node is None or id(node) in seen:\n        continue\n    if type(node).__name__ != 'AccumulateGrad':\n        seen.add(id(node))\n    stack.extend(child for child, _ in node.next_functions)\nreturn len(seen)", "Your answer is 12, but 13 was expected. One node is missing: count t.grad_fn itself and the leaf's AccumulateGrad node too."),
    ('12.4', 'return len(t.grad_fn.next_functions)', "Your answer is 2, but 13 was expected. That counts only t.grad_fn's own inputs: follow next_functions from every node you reach."),
    ('12.4', 'seen, stack = set(), [t.grad_fn]\nwhile stack:\n    node = stack.pop()\n    if node is None or id(node) in seen:\n        continue\n    seen.add(id(node))\n    stack.extend(child for child, _ in node.next_functions)\nreturn seen', 'graph_size returned a set, not a number: return the count, e.g. len(seen).'),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * a.data, g * b.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    return (g * (1 - out.data ** 2),)', "Wrong rule(s): mul_rule at [0.5, -2.0] with g = 1.7: you return [0.85, -3.4], autodiff_lab gives [-3.4, 0.85] — each parent's partial is the *other* factor: ∂(ab)/∂a = b, ∂(ab)/∂b = a"),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (b.data, a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    return (g * (1 - out.data ** 2),)', 'Wrong rule(s): mul_rule at [0.5, -2.0] with g = 1.7: you return [-2.0, 0.5], autodiff_lab gives [-3.4, 0.85] — the upstream gradient g is missing: multiply each local partial by g'),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * b.data, g * a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** out.n,)\ndef tanh_rule(out, g):\n    return (g * (1 - out.data ** 2),)', 'Wrong rule(s): pow_rule at [0.5] with g = 1.7: you return [0.6375], autodiff_lab gives [1.275] — the exponent drops by one: ∂aⁿ/∂a = n·aⁿ⁻¹'),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * b.data, g * a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    return (g * (1 - out.data ** 2),)', 'Wrong rule(s): pow_rule at [0.5] with g = 1.7: you return [0.425], autodiff_lab gives [1.275] — the factor n is missing: ∂aⁿ/∂a = n·aⁿ⁻¹'),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * b.data, g * a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    (a,) = out.parents\n    return (g * (1 - a.data ** 2),)', "Wrong rule(s): tanh_rule at [0.5] with g = 1.7: you return [1.275], autodiff_lab gives [1.336961] — 1 - a² uses the input a: tanh' = 1 - tanh(a)², and tanh(a) is out.data"),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * b.data, g * a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    return (g * (1 + out.data ** 2),)', "Wrong rule(s): tanh_rule at [0.5] with g = 1.7: you return [2.063039], autodiff_lab gives [1.336961] — check the sign: tanh' = 1 - tanh², not 1 + tanh²"),
    ('13.1', 'def mul_rule(out, g):\n    a, b = out.parents\n    return (g * b.data, g * a.data)\ndef pow_rule(out, g):\n    (a,) = out.parents\n    return (g * out.n * a.data ** (out.n - 1),)\ndef tanh_rule(out, g):\n    return g * (1 - out.data ** 2)', 'Wrong rule(s): tanh_rule returns a float: return a tuple, one gradient per parent, e.g. (g * ...,)'),
    ('13.2', 'order = []\n\ndef visit(v):\n    for p in v.parents:\n        visit(p)\n    order.append(v)\n\nvisit(root)\nreturn order', 'A node is listed more than once: remember the nodes you visited.'),
    ('13.2', 'order, seen = [], set()\n\ndef visit(v):\n    if id(v) not in seen:\n        seen.add(id(v))\n        order.append(v)\n        for p in v.parents:\n            visit(p)\n\nvisit(root)\nreturn order', 'Your list has each node before its parents, the root first: append a node after visiting its parents, and return the list as built (backward reverses it, topo_order does not).'),
    ('13.2', 'order, seen = [], set()\n\ndef visit(v):\n    if id(v) not in seen:\n        seen.add(id(v))\n        for p in v.parents:\n            visit(p)\n        order.append(v)\n\nvisit(root)\nreturn order[::-1]', 'Your list has each node before its parents, the root first: append a node after visiting its parents, and return the list as built (backward reverses it, topo_order does not).'),
    ('13.2', 'order, seen = [], set()\n\ndef visit(v):\n    if id(v) not in seen:\n        seen.add(id(v))\n        for p in v.parents:\n            if p.parents:\n                visit(p)\n        order.append(v)\n\nvisit(root)\nreturn order', "Nodes missing from the list: ['leaf', 'leaf'] (leaves are nodes too: list them)."),
    ('13.2', 'return [root] + list(root.parents)', "Nodes missing from the list: ['leaf', 'leaf', 'mul', 'add']; the root is not last."),
    ('13.3', 'order = topo_order(root)\nfor v in order:\n    v.grad = 0.0\nroot.grad = 1.0\nfor v in reversed(order):\n    if v.parents:\n        for p, gp in zip(v.parents, RULES[v.op](v, v.grad)):\n            p.grad = gp', "2 of 2 values differ; the largest difference is at [0]: you have -2.08, expected -0.367816. These are the gradients of the '=' bug: a value used more than once keeps only the last share; add with '+='."),
    ('13.3', 'order = topo_order(root)\nfor v in order:\n    v.grad = 0.0\nroot.grad = 1.0\nfor v in order:\n    if v.parents:\n        for p, gp in zip(v.parents, RULES[v.op](v, v.grad)):\n            p.grad += gp', "2 of 2 values differ; the largest difference is at [1]: you have 0, expected 0.955912. Every leaf gradient is 0: walk topo_order(root) in reverse, root first, so a node's grad is complete before its rule hands it on."),
    ('13.3', 'order = topo_order(root)\nfor v in order:\n    v.grad = 0.0\nfor v in reversed(order):\n    if v.parents:\n        for p, gp in zip(v.parents, RULES[v.op](v, v.grad)):\n            p.grad += gp', '2 of 2 values differ; the largest difference is at [1]: you have 0, expected 0.955912. root.grad is 0: set root.grad = 1.0 (∂root/∂root) before the loop.'),
    ('13.3', 'order = topo_order(root)\nfor v in order:\n    v.grad = 0.0\nroot.grad = 1.0\nfor v in reversed(order):\n    if v.parents:\n        for p, gp in zip(v.parents, RULES[v.op](v, 1.0)):\n            p.grad += gp', "2 of 2 values differ; the largest difference is at [0]: you have 2.52554, expected -0.367816. Your rules got g = 1.0: pass each node's upstream gradient, RULES[v.op](v, v.grad)."),
    ('13.3', 'order = topo_order(root)\nfor v in order:\n    v.grad = 0.0\nroot.grad = 1.0\nfor v in reversed(order):\n    if v.parents:\n        for p, gp in zip(v.parents, RULES[v.op](v, v.grad)):\n            p.grad += gp * v.grad', "2 of 2 values differ; the largest difference is at [0]: you have 4.72682, expected -0.367816. You multiply by v.grad twice: a rule's result already includes g = v.grad; add it as it is."),
    ('14.1', 'mb_per_layer = 0.8', 'That is one array of 0.8 MB; each layer keeps two: h * 1.1 and its tanh.'),
    ('14.1', 'mb_per_layer = 2', 'That is the number of arrays per layer; give the MB they take (each is 0.8 MB).'),
    ('14.1', 'mb_per_layer = 1.6e6', 'That is in bytes: give it in MB (divide by 1e6).'),
    ('14.1', 'mb_per_layer = 0.0016', 'That is in GB: give it in MB.'),
    ('14.1', 'mb_per_layer = plain[32][0]', 'That is the whole peak at depth 32: give the increase per extra layer, (peak at 32 - peak at 4) / 28.'),
    ('14.2', 'def block(h):\n    for _ in range(every):\n        h = layer(h)\n    return h\n\nh = x\nfor _ in range(depth // every):\n    h = block(h)\nreturn h', re.compile('The\\ gradient\\ is\\ right,\\ but\\ the\\ peak\\ is\\ \\d+\\.\\d\\ MB\\ against\\ \\d+\\.\\d\\ MB\\ without\\ checkpointing,\\ and\\ the\\ graph\\ has\\ no\\ CheckpointFunctionBackward\\ node:\\ run\\ each\\ block\\ inside\\ checkpoint\\(block,\\ h,\\ use_reentrant=True\\)\\.')),
    ('14.2', 'def block(h):\n    for _ in range(every):\n        h = layer(h)\n    return h\n\nh = x\nfor _ in range(depth):\n    h = checkpoint(block, h, use_reentrant=True)\nreturn h', '100000 of 100000 values differ; the largest difference is at [0]: you have 3.85511e-07, expected 0.00500863. That is the gradient of 64 layers, not 16: call checkpoint depth // every = 4 times, on a block of every = 4 layers.'),
    ('14.2', 'def block(h):\n    return layer(h)\n\nh = x\nfor _ in range(depth // every):\n    h = checkpoint(block, h, use_reentrant=True)\nreturn h', '100000 of 100000 values differ; the largest difference is at [0]: you have 0.0943476, expected 0.00500863. That is the gradient of 4 layers, not 16: call checkpoint depth // every = 4 times, on a block of every = 4 layers.'),
    ('14.2', 'def block(h):\n    for _ in range(every):\n        h = layer(h)\n    return h\n\nreturn checkpoint(block, x, use_reentrant=True)', '100000 of 100000 values differ; the largest difference is at [0]: you have 0.0943476, expected 0.00500863. That is the gradient of 4 layers, not 16: call checkpoint depth // every = 4 times, on a block of every = 4 layers.'),
    ('14.2', 'h = x\nfor _ in range(depth):\n    h = checkpoint(layer, h, use_reentrant=True)\nreturn h', 'The gradient is right, but the graph has 16 checkpoints: wrap each run of every = 4 layers in one checkpoint(...) call, 4 in all (each checkpoint keeps its input, and recomputes its layers).'),
    ('15.1', 'return g.sum(axis=tuple(range(g.ndim - len(shape))))', 'Reducing shape (3, 4) to (3, 1): you summed the extra leading axes only: also sum over each axis where shape has a 1 (keepdims=True).'),
    ('15.1', 'return g.sum(axis=0)', 'Reducing shape (3, 4) to (3, 1): Your tensor has shape (4,), but shape (3, 1) was expected.'),
    ('15.1', 'extra = g.ndim - len(shape)\ng = g.sum(axis=tuple(range(extra)))\nones = tuple(i for i, n in enumerate(shape) if n == 1)\nreturn g.sum(axis=ones)', 'Reducing shape (3, 4) to (3, 1): without keepdims=True the size-1 axes disappear: the result must keep shape (3, 1).'),
    ('15.1', 'extra = g.ndim - len(shape)\ng = g.sum(axis=tuple(range(extra)))\nones = tuple(i for i, n in enumerate(shape) if n == 1)\nreturn g.mean(axis=ones, keepdims=True)', 'Reducing shape (3, 4) to (3, 1): that is a mean: each input element was used several times, and its gradient is the sum of those uses — use sum.'),
    ('15.1', 'extra = g.ndim - len(shape)\ng = g.mean(axis=tuple(range(extra)))\nones = tuple(i for i, n in enumerate(shape) if n == 1)\nreturn g.mean(axis=ones, keepdims=True)', 'Reducing shape (3, 4) to (4,): that is a mean: each input element was used several times, and its gradient is the sum of those uses — use sum.'),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return x / out', 'Your backward is wrong (gradcheck fails too). grad_output is missing: return grad_output times the local derivative x / out.'),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return grad_output * out / x', "Your backward is wrong (gradcheck fails too). That is out / x, upside down: f'(x) = x / out."),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return grad_output * x', "Your backward is wrong (gradcheck fails too). The division by out = sqrt(x² + 1) is missing: f'(x) = x / out."),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return grad_output * 2 * x', "Your backward is wrong (gradcheck fails too). 2x is only the derivative of x² + 1, inside the root: the chain rule multiplies it by 1 / (2·sqrt(x² + 1)), so f'(x) = x / out."),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return grad_output / out', "Your backward is wrong (gradcheck fails too). The factor x is missing: f'(x) = x / out."),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x + 1)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return -grad_output * x / out', 'Your backward is wrong (gradcheck fails too). Every value has the wrong sign.'),
    ('15.2', 'class SmoothAbs(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n        out = torch.sqrt(x * x)\n        ctx.save_for_backward(x, out)\n        return out\n\n    @staticmethod\n    def backward(ctx, grad_output):\n        x, out = ctx.saved_tensors\n        return grad_output * x / torch.sqrt(x * x + 1)', 'The gradient is right here, but gradcheck fails: check the forward.'),
    ('16.1', 'for p in params:\n    p.register_hook(lambda g: g.clamp(-c, c))', 'Clipped right, but the hooks were still active after remove(): return the handles.'),
    ('16.1', 'return [p.register_hook(lambda g: g.clamp(-c, c)) for p in params[:1]]', "b's gradient: Your answer is 3.6, but 1 was expected. Register the hook on every parameter in params."),
    ('16.1', 'return [p.register_hook(lambda g: g.clamp(0, c)) for p in params]', 'Clamp to [-c, c]: your negative gradients became 0.'),
    ('16.1', 'return [p.register_hook(lambda g: g / g.abs().max() * c) for p in params]', 'That rescales the whole gradient (like clip_grad_norm_, by the largest element); the exercise clamps each element: g.clamp(-c, c).'),
    ('16.1', 'return [p.register_hook(lambda g: torch.nn.utils.clip_grad_norm_([p], c)) for p in params]', 'Your hook returned a tensor of shape (): a hook returns the new gradient, g.clamp(-c, c) (clip_grad_norm_ returns the norm).'),
    ('16.1', 'return [p.register_hook(lambda g: g) for p in params]', 'Your gradients are not clipped: the hook must return the clamped gradient, g.clamp(-c, c).'),
    ('16.2', 'norms = []\nh = torch.tensor(0.5, requires_grad=True)\nfor _ in range(depth):\n    h = torch.tanh(w * h)\n    h.register_hook(lambda g: norms.append(g.abs().item()))\nh.backward()\nreturn norms', '8 of 8 values differ; the largest difference is at [0]: you have 1, expected 0.289868. Your list is last layer first: hooks run in backward order.'),
    ('16.2', 'norms = []\nh = torch.tensor(0.5, requires_grad=True)\nfor _ in range(depth):\n    h = torch.tanh(w * h)\nh.register_hook(lambda g: norms.append(g.abs().item()))\nh.backward()\nreturn norms', "Your tensor has shape (1,), but shape (8,) was expected. Register a hook on every layer's output, inside the loop."),
    ('16.2', 'norms = []\nh = torch.tensor(0.5, requires_grad=True)\nfor _ in range(depth):\n    h.register_hook(lambda g: norms.append(g.abs().item()))\n    h = torch.tanh(w * h)\nh.backward()\nreturn norms[::-1]', "Your list starts one tensor early: put the hook on each layer's output, after h = torch.tanh(w * h)."),
    ('16.2', 'norms = []\nh = torch.tensor(0.5, requires_grad=True)\nfor _ in range(depth):\n    h = torch.tanh(w * h)\n    h.register_hook(lambda g: norms.append(g.abs().item()))\nreturn norms[::-1]', 'Your tensor has shape (0,), but shape (8,) was expected. The list is empty: run backward() so that the hooks are called.'),
    ('16.2', 'norms = []\nh = torch.tensor(0.5, requires_grad=True)\nfor _ in range(depth):\n    h = torch.tanh(w * h)\n    h.register_hook(lambda g: norms.append(g.abs().item()))\nh.backward()\nreturn norms[::-1][1:]', 'Your tensor has shape (7,), but shape (8,) was expected.'),
]


# --- the other exercises: the check is retyped above (its expected values come from earlier
# cells), so it is kept in sync with the notebook: the grading calls of each exercise's cells are
# pinned here, and a formula check (an answer string against a literal) runs from the notebook.

def _grading_calls(exercise):
    """The source of every grading.*(...) call in the cells of an exercise (to the next heading)."""
    lesson, number = exercise.split(".")
    number = re.match(r"\d+", number).group()
    cells = _cells(lesson)
    heading = re.compile(rf"(?m)^###\s*Exercise\s+{number}\b")
    start = next(i for i, c in enumerate(cells)
                 if c["cell_type"] == "markdown" and heading.search("".join(c["source"])))
    calls = []
    for cell in cells[start + 1:]:
        if cell["cell_type"] == "markdown" and re.search(r"(?m)^#{2,3} ", "".join(cell["source"])):
            break
        if cell["cell_type"] == "code":
            source = _code(cell)
            calls += [ast.get_source_segment(source, node) for node in ast.walk(ast.parse(source))
                      if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                      and isinstance(node.func.value, ast.Name) and node.func.value.id == "grading"]
    return calls


NOTEBOOK_CHECKS = {
    '01.1': ['grading.check_derivative(answer_1, "sin(x^2)")'],
    '01.2a': ['grading.check_tensor(predicted_error, measured_error, rtol=0.01)', 'grading.check_derivative(answer_2a, "8x^3 + 3x^2 + 6x + 5")', 'grading.check_derivative(answer_2a, "8x^3 + 3x^2 + 6x + 5")'],
    '01.2b': ['grading.check_tensor(predicted_error, measured_error, rtol=0.01)', 'grading.check_derivative(answer_2a, "8x^3 + 3x^2 + 6x + 5")', 'grading.check_derivative(answer_2a, "8x^3 + 3x^2 + 6x + 5")'],
    '01.3': ['grading.check_tensor(k, best_k, atol=1.0)'],
    '02.1a': ['grading.check_derivative(answer_1a, "x^3 - 4x^2 + 7")', 'grading.check_tensor(answer_1b, x.grad)'],
    '02.1b': ['grading.check_derivative(answer_1a, "x^3 - 4x^2 + 7")', 'grading.check_tensor(answer_1b, x.grad)'],
    '02.2': ['grading.check_tensor(predicted_grad, t2.grad)'],
    '02.3': ['grading.check_output(prediction, printed, expect=[\n    {"value": "False True True", "tag": "non_leaf_is_leaf",\n     "message": "q = p + w is the result of an op on a tensor that requires grad, so it is "\n                "not a leaf: q.is_leaf is False."},\n    {"value": "False False False", "tag": "requires_grad_not_propagated",\n     "message": "q = p + w depends on w, which requires grad, so q requires grad too: "\n                "q.requires_grad is True."}])'],
    '03.1': ['grading.check_derivative(answer_1, "2(3x+2)^2 / 6")'],
    '03.2': ['grading.check_derivative(answer_2, "sin(3x)^2")'],
    '03.3': ['grading.check_derivative(answer_3, "(5x1 + 3x2)(2x1 + x2)", wrt="x2")'],
    '04.1': ['grading.check_tensor([x_1, x_2], path[1:])'],
    '04.2a': ['grading.check_tensor(lr_limit, 2 / d2f)', 'grading.check_expression(answer_2b, "2 / (2a)", variables=["a"])'],
    '04.2b': ['grading.check_tensor(lr_limit, 2 / d2f)', 'grading.check_expression(answer_2b, "2 / (2a)", variables=["a"])'],
    '04.3': ['grading.check_tensor(lr_limit_bowl, 0.1)'],
    '05.1': ['grading.check_derivative(answer_1, "2(x + 2)^2")'],
    '05.2': ['grading.check_grad(x, answer_2)'],
    '05.3': ['grading.check_tensor(answer_3, expected_3)'],
    '05.4': ['grading.check_grad(x, x_ref.grad, expect=[("missing_mean", 3)])'],
    '06.1': ['grading.check_tensor(answer_1, weights.grad, expect=[("not_accumulated", 100)])'],
    '06.2': ['grading.check_grad(w, full_grad, rtol=1e-4, expect=[("missing_mean", 8)])'],
    '06.3a': ['grading.check_tensor(answer_3b, x.grad, expect=[("not_accumulated", 2)])', 'grading.check_derivative(answer_3a, "x^3 + x")', 'grading.check_derivative(answer_3a, "x^3 + x")'],
    '06.3b': ['grading.check_tensor(answer_3b, x.grad, expect=[("not_accumulated", 2)])', 'grading.check_derivative(answer_3a, "x^3 + x")', 'grading.check_derivative(answer_3a, "x^3 + x")'],
    '07.1': ['grading.check_tensor(w, [0.8, 1.6, 2.4], requires_grad=True, leaf=True)'],
    '07.2': ['grading.check_derivative(answer_2, "x*c", wrt="x")'],
    '07.3': ['grading.check_grad(x, x.detach().exp())'],
    '08.1': ['grading.check_derivative(answer_1, "x^3")'],
    '08.2': ['grading.check_grad(x, 8 * 2**3 + 3 * 2**2 + 6 * 2 + 5)'],
    '08.3': ['grading.check_derivative(answer_3, "tanh(w*a + b)", wrt="w")'],
    '09.1': ['grading.check_derivative(answer_1, "(w*x + b - t)^2", wrt="w")'],
    '09.2': ['grading.check_tensor([model_2.weight.item(), model_2.bias.item()], [-2.0, 0.5],\n                                  atol=1e-3)'],
    '09.3': ['grading.check_tensor(answer_3, trajectory)'],
    '10.1': ['grading.check_tensor(answer_1, [product.value, product.derivative])'],
    '10.2': ['grading.check_tensor(row, jacobian(f, x)[1])'],
    '10.3': ['grading.check_derivative(answer_3, "x*exp(x)")'],
    '11.1': ['grading.check_derivative(answer_1, "4x^3 - 6x")'],
    '11.2': ['grading.check_tensor(answer_2, hessian(lambda P: P[0] ** 2 * P[1] + P[1] ** 3,\n                                                    torch.tensor([1.0, 2.0])))'],
    '11.3': ['grading.check_tensor(P1, [3.0, -1.0], dtype=False)'],
    '12.1': ['grading.check_derivative(answer_1, "tanh(tanh(tanh(x)))")'],
    '12.2': ['grading.check_tensor([forward_size(d) for d in depths],\n                                  [row["function"] for row in chain_2.values()])'],
    '12.3': ['grading.check_derivative(answer_3, "y*tanh(y)", wrt="y")'],
}


def test_retyped_checks_are_the_notebooks_checks():
    """A lesson that changes a check makes this fail: update EXERCISES (and the corpus) with it."""
    for exercise, calls in NOTEBOOK_CHECKS.items():
        assert _grading_calls(exercise) == calls, exercise
    retyped = {e for e, f in EXERCISES.items() if not f.__qualname__.startswith("_code_exercise")}
    assert set(NOTEBOOK_CHECKS) == retyped


FORMULA_CALL = re.compile(r"grading\.check_(?:derivative|expression)\((answer_\w+),")


def _formula_call(exercise):
    """The notebook's own check of a formula exercise (answer_<id> against literals), or None."""
    variable = "answer_" + exercise.split(".")[1]
    return next((call for call in NOTEBOOK_CHECKS.get(exercise, [])
                 if FORMULA_CALL.match(call) and FORMULA_CALL.match(call).group(1) == variable),
                None)


FORMULA_CORPUS = [c for c in CORPUS if _formula_call(c[0])]


@pytest.mark.parametrize("exercise, answer, message", FORMULA_CORPUS,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(FORMULA_CORPUS)])
def test_formula_answer_gets_its_feedback_from_the_notebooks_own_call(exercise, answer, message):
    # the call is the lesson's own text (string literals only), evaluated with the answer bound
    feedback = eval(_formula_call(exercise),
                    {"grading": grading, "answer_" + exercise.split(".")[1]: answer})
    assert feedback.message == message


@pytest.mark.parametrize("exercise, answer, message", CORPUS,
                         ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(CORPUS)])
def test_wrong_answer_gets_its_feedback(exercise, answer, message):
    feedback = EXERCISES[exercise](answer)
    assert feedback.correct is False
    if isinstance(message, re.Pattern):     # a measured number (peak memory) in the message
        assert message.fullmatch(feedback.message), feedback.message
    else:
        assert feedback.message == message


def test_every_exercise_of_every_lesson_has_five_wrong_answers():
    counts = {}
    for exercise, _, _ in CORPUS:
        counts[exercise] = counts.get(exercise, 0) + 1
    assert set(counts) == set(EXERCISES)
    assert min(counts.values()) >= 5
    for notebook in sorted(LESSONS.glob("*.ipynb")):
        lesson = notebook.name[:2]
        cells = json.loads(notebook.read_text())["cells"]
        headings = {int(n) for c in cells if c["cell_type"] == "markdown"
                    for n in re.findall(r"(?m)^###\s*Exercise\s+(\d+)", "".join(c["source"]))}
        numbers = {int(re.match(r"\d+", e.split(".")[1]).group()) for e in EXERCISES
                   if e.startswith(lesson + ".")}
        assert headings and headings <= numbers, (notebook.name, headings, numbers)
