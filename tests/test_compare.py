"""autodiff_lab.compare: hand-derived, symbolic, autograd and finite-difference rows at one point.

The rendered tables are pinned as exact text: they are what a student reads.
"""

import json

import re

import numpy as np
import pytest
import sympy

import autodiff_lab as torch
from autodiff_lab.comparison import _text
from autodiff_lab.symbolic.parse import MathParseError

_FD_NOTE = ("finite difference is approximate (truncation ~h², rounding ~1/h): checked 10× looser, "
            "rtol=0.001 atol=1e-05")

ACCEPTANCE = f"""\
dy/dx at x = 2
┌───────────────────┬───────────────────────────────┬───────────┬────────────┬───┐
│                   │ expression                    │ value     │ difference │   │
├───────────────────┼───────────────────────────────┼───────────┼────────────┼───┤
│ hand-derived      │ 8x³ + 3x² + 6x + 5            │ 93        │ 0          │ ✓ │
│ symbolic          │ 8x³ + 3x² + 6x + 5            │ 93        │ reference  │ ✓ │
│ autograd          │ backward pass                 │ 93        │ 0          │ ✓ │
│ finite difference │ central difference, h = 0.001 │ 93.000017 │ 1.7e-05    │ ✓ │
└───────────────────┴───────────────────────────────┴───────────┴────────────┴───┘
{_FD_NOTE}
✓ all four agree: dy/dx = 93 at x = 2"""

WRONG = f"""\
dy/dx at x = 2
┌───────────────────┬───────────────────────────────┬───────────┬────────────┬───┐
│                   │ expression                    │ value     │ difference │   │
├───────────────────┼───────────────────────────────┼───────────┼────────────┼───┤
│ hand-derived      │ 8x³ + 3x² + 6x                │ 88        │ -5         │ ✗ │
│ symbolic          │ 8x³ + 3x² + 6x + 5            │ 93        │ reference  │ ✓ │
│ autograd          │ backward pass                 │ 93        │ 0          │ ✓ │
│ finite difference │ central difference, h = 0.001 │ 93.000017 │ 1.7e-05    │ ✓ │
└───────────────────┴───────────────────────────────┴───────────┴────────────┴───┘
hand − symbolic = -5
{_FD_NOTE}
✗ hand-derived differs from the symbolic derivative by 5 at x = 2"""

SEED_003 = f"""\
∂out/∂x at x = [[1, 2, 3], [3, 2, 1]]
┌───────────────────┬───────────────────────────────┬────────────────┬───────────────────────────────────┬───┐
│                   │ expression                    │ value          │ difference                        │   │
├───────────────────┼───────────────────────────────┼────────────────┼───────────────────────────────────┼───┤
│ hand-derived      │ 6xᵢ,ⱼ + 4                     │ [[10, 16, 22], │ [[0, 0, 0],                       │ ✓ │
│                   │                               │  [22, 16, 10]] │  [0, 0, 0]]                       │   │
│ symbolic          │ 6xᵢ,ⱼ + 4                     │ [[10, 16, 22], │ reference                         │ ✓ │
│                   │                               │  [22, 16, 10]] │                                   │   │
│ autograd          │ backward pass                 │ [[10, 16, 22], │ [[0, 0, 0],                       │ ✓ │
│                   │                               │  [22, 16, 10]] │  [0, 0, 0]]                       │   │
│ finite difference │ central difference, h = 0.001 │ [[10, 16, 22], │ [[-9.09e-12, 5.34e-12, 5.57e-12], │ ✓ │
│                   │                               │  [22, 16, 10]] │  [5.57e-12, 5.34e-12, 5.12e-12]]  │   │
└───────────────────┴───────────────────────────────┴────────────────┴───────────────────────────────────┴───┘
{_FD_NOTE}
✓ all four agree: ∂out/∂x = [[10, 16, 22], [22, 16, 10]] at x = [[1, 2, 3], [3, 2, 1]]"""

SEED_003_VALUES = [[10.0, 16.0, 22.0], [22.0, 16.0, 10.0]]


def _polynomial(dtype=None):
    x = torch.tensor(2.0, requires_grad=True, dtype=dtype, name="x")
    return x, 2*x**4 + x**3 + 3*x**2 + 5*x + 1


def _seed_003():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True, name="x")
    y = 3*x + 2
    z = 2*y**2
    out = z.mean()
    return x, out


# ---------------------------------------------------------------------- the acceptance example
def test_acceptance_example():
    x = torch.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    c = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x+5")
    assert c.ok  # every row reads 93
    print(c)
    assert str(c) == ACCEPTANCE
    assert [r.label for r in c.rows] == ["hand-derived", "symbolic", "autograd",
                                         "finite difference"]
    assert [r.value for r in c.rows[:3]] == [93.0, 93.0, 93.0]
    assert c.rows[3].value == pytest.approx(93.0, abs=2e-5)
    assert x.grad is None  # compare never touches .grad


def test_wrong_derivation_shows_the_hand_row_off_by_5():
    x = torch.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    c = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x")
    assert not c.ok
    assert str(c) == WRONG
    hand = c.row("hand-derived")
    assert (hand.value, hand.difference, hand.ok) == (88.0, -5.0, False)
    assert all(r.ok for r in c.rows[1:])
    assert c.hand_minus_symbolic == -5
    assert c.verdict() == "✗ hand-derived differs from the symbolic derivative by 5 at x = 2"


def test_no_expected_gives_three_rows():
    x, y = _polynomial()
    c = torch.compare(y, wrt=x)
    assert [r.label for r in c.rows] == ["symbolic", "autograd", "finite difference"]
    assert c.ok and c.verdict() == "✓ all three agree: dy/dx = 93 at x = 2"
    assert "hand" not in str(c)


# ---------------------------------------------------------------------- tensor leaves (seed 003)
def _without_rounding_noise(text):
    """The finite-difference row's last digits (~1e-12) are floating-point noise: mask them."""
    return re.sub(r" +", " ", re.sub(r"-?\d\.\d\de-1\d", "<noise>", text))


def test_seed_003_tensor_plain_name_means_each_element():
    x, out = _seed_003()
    c = torch.compare(out, wrt=x, expected="2(3x+2)")
    assert c.ok
    assert _without_rounding_noise(str(c)) == _without_rounding_noise(SEED_003)
    for row in c.rows[:3]:
        assert row.value.tolist() == SEED_003_VALUES
    np.testing.assert_allclose(c.rows[3].value, SEED_003_VALUES, rtol=1e-9)
    assert str(c.rows[0].expr) == "6*x_{i,j} + 4"


def test_seed_003_wrong_factor_names_the_row_and_elements():
    x, out = _seed_003()
    c = torch.compare(out, wrt=x, expected="4(3x+2)")
    assert not c.ok
    assert [r.ok for r in c.rows] == [False, True, True, True]
    hand = c.row("hand-derived")
    assert hand.value.tolist() == [[20.0, 32.0, 44.0], [44.0, 32.0, 20.0]]
    assert hand.difference.tolist() == SEED_003_VALUES
    assert str(c.hand_minus_symbolic) == "6*x_{i,j} + 4"
    text = str(c).splitlines()
    assert text[4] == ("│ hand-derived      │ 12xᵢ,ⱼ + 8                    │ [[20, 32, 44], "
                       "│ [[10, 16, 22],                    │ ✗ │")
    assert text[-3] == "hand − symbolic = 6xᵢ,ⱼ + 4"
    assert text[-1] == ("✗ hand-derived differs from the symbolic derivative at 6 of 6 elements "
                        "(largest difference 22) at x = [[1, 2, 3], [3, 2, 1]]")


def test_one_wrong_element_is_counted():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = (x**2).sum()
    c = torch.compare(y, wrt=x, expected=sympy.Array([2, 4, 7]))
    assert c.row("hand-derived").difference.tolist() == [0.0, 0.0, 1.0]
    assert c.verdict() == ("✗ hand-derived differs from the symbolic derivative at 1 of 3 "
                           "elements (largest difference 1) at x = [1, 2, 3]")


# ---------------------------------------------------------------------- kinds of expected
def test_callable_expected_gets_a_number_or_a_tensor():
    seen = []

    def dydx(x):
        seen.append(x)
        return 8*x**3 + 3*x**2 + 6*x + 5

    x, y = _polynomial()
    c = torch.compare(y, wrt=x, expected=dydx)
    assert c.ok and c.row("hand-derived").value == 93.0 and seen == [2.0]
    assert c.row("hand-derived").expr is None
    assert str(c).splitlines()[4].startswith("│ hand-derived      │ dydx(x) ")

    x, out = _seed_003()
    c = torch.compare(out, wrt=x, expected=lambda x: 2 * (3*x + 2))
    assert c.ok and c.row("hand-derived").value.tolist() == SEED_003_VALUES
    wrong = torch.compare(out, wrt=x, expected=lambda x: 4 * (3*x + 2))
    assert not wrong.ok and wrong.hand_minus_symbolic is None


def test_callable_returning_the_wrong_shape():
    x, out = _seed_003()
    with pytest.raises(ValueError, match=r"returned shape \(2,\); the derivative has shape "
                                         r"\(2, 3\)"):
        torch.compare(out, wrt=x, expected=lambda x: [1.0, 2.0])


def test_sympy_expected_matches_symbols_by_name():
    x, y = _polynomial()
    s = sympy.Symbol("x")  # no assumptions: the twin's x is real, matched by name
    assert torch.compare(y, wrt=x, expected=8*s**3 + 3*s**2 + 6*s + 5).ok
    c = torch.compare(y, wrt=x, expected=8*s**3 + 3*s**2 + 6*s)
    assert not c.ok and c.hand_minus_symbolic == -5


def test_sympy_array_and_matrix_expected():
    x, out = _seed_003()
    assert torch.compare(out, wrt=x, expected=torch.symbolic.diff(out, x)).ok
    m = sympy.Matrix(2, 3, lambda i, j: 6 * sympy.Symbol(f"x_{{{i},{j}}}") + 4)
    c = torch.compare(out, wrt=x, expected=m)
    assert c.ok and str(c.rows[0].expr) == "6*x_{i,j} + 4"
    with pytest.raises(ValueError, match=r"has shape \(3,\); the derivative has shape \(2, 3\)"):
        torch.compare(out, wrt=x, expected=sympy.Array([1, 2, 3]))


def test_unknown_name_in_sympy_expected():
    x, y = _polynomial()
    with pytest.raises(ValueError, match="uses w, which is not a leaf of y"):
        torch.compare(y, wrt=x, expected=sympy.Symbol("w") * 2)
    with pytest.raises(TypeError, match="expected must be math text"):
        torch.compare(y, wrt=x, expected=[93])


def test_parse_errors_pass_through_with_the_caret():
    x, y = _polynomial()
    with pytest.raises(MathParseError) as caught:
        torch.compare(y, wrt=x, expected="8x^3+3x^^2")
    assert str(caught.value) == "unexpected '^' at position 8\n  8x^3+3x^^2\n          ^"
    assert caught.value.position == 8
    with pytest.raises(MathParseError, match="unknown name 'w' at position 0; expected one of: x"):
        torch.compare(y, wrt=x, expected="w")


# ---------------------------------------------------------------------- errors
def test_y_must_be_scalar():
    x, _ = _seed_003()
    with pytest.raises(ValueError) as caught:
        torch.compare(3*x + 2, wrt=x)
    assert str(caught.value) == ("compare needs a scalar y (a loss); y has shape (2, 3). Use "
                                 "y.sum() or pick an element")


def test_x_must_be_a_leaf_of_y():
    x, y = _polynomial()
    w = torch.tensor(1.0, requires_grad=True, name="w")
    with pytest.raises(ValueError) as caught:
        torch.compare(y, wrt=w)
    assert str(caught.value) == ("y does not depend on w: it is not a leaf of y's graph (the "
                                 "leaves of y are: x)")
    h = 3 * x
    with pytest.raises(ValueError, match="^h is not a leaf: it was computed by MulBackward0"):
        torch.compare((h * h), wrt=h)
    c = torch.tensor(1.0)
    with pytest.raises(ValueError, match="^c does not require grad"):
        torch.compare(y * c, wrt=c)
    with pytest.raises(TypeError, match="compare needs tensors; y is a float"):
        torch.compare(3.0, wrt=x)


# ---------------------------------------------------------------------- precision, point, grad
def test_float32_and_float64():
    rows = {}
    for dtype in (torch.float32, torch.float64):
        x = torch.tensor(0.1, dtype=dtype, requires_grad=True)
        y = torch.exp(3*x) * torch.sin(x)
        c = torch.compare(y, wrt=x, expected="3e^(3x) sin x + e^(3x) cos x")
        assert c.ok
        rows[dtype.name] = c
    c32, c64 = rows["float32"], rows["float64"]
    assert (c32.eps, c64.eps) == (1e-3, 1e-6)
    exact = float(sympy.N(sympy.diff(sympy.exp(3*sympy.Symbol("x")) * sympy.sin(sympy.Symbol("x")),
                                     sympy.Symbol("x")).subs("x", sympy.Rational(1, 10)), 30))
    for c in (c32, c64):  # both evaluate symbolically at the same point, x = 1/10 exactly
        # float64 arithmetic over the formula (never evalf, which hangs on nested formulas):
        # within an ulp or two of the exact value.
        assert c.row("symbolic").value == pytest.approx(exact, rel=4e-16, abs=0)
        assert c.row("hand-derived").difference == 0
    # float32 autograd carries float32 rounding (and x = float32(0.1)); float64 is near exact
    assert c32.row("autograd").value == float(np.float32(c32.row("autograd").value))
    assert 1e-8 < abs(c32.row("autograd").difference) < 1e-6
    assert abs(c64.row("autograd").difference) < 1e-14
    # a bigger step means more truncation error (~h²), visible in the FD row
    assert 1e-6 < c32.row("finite difference").difference < 1e-5
    assert abs(c64.row("finite difference").difference) < 1e-9
    assert c32.row("finite difference").rtol == 1e-3 and c32.row("autograd").rtol == 1e-4


def test_grad_is_not_disturbed_and_a_freed_graph_is_rebuilt():
    x, y = _polynomial()
    y.backward()
    assert x.grad.item() == 93.0
    c = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x+5")
    assert c.ok and x.grad.item() == 93.0
    assert c.row("autograd").note == "backward pass on y rebuilt from y.sym"


def test_at_another_point():
    x, y = _polynomial()
    c = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x+5", at=3.0)
    assert c.ok and [r.value for r in c.rows[:3]] == [266.0, 266.0, 266.0]
    assert c.title() == "dy/dx at x = 3" and x.item() == 2.0
    x, out = _seed_003()
    c = torch.compare(out, wrt=x, at=[[0.0, 0, 0], [1, 1, 1]])
    assert c.row("autograd").value.tolist() == [[4.0, 4.0, 4.0], [10.0, 10.0, 10.0]]
    with pytest.raises(ValueError, match=r"at= must have the shape of x, \(2, 3\); got \(\)"):
        torch.compare(out, wrt=x, at=1.0)


def test_a_kink_makes_the_rows_disagree():
    # relu at 0: the twin takes PyTorch's convention (derivative 0 there), so symbolic and
    # autograd agree; the symmetric finite difference reads 1/2. Not a bug in any row: the
    # derivative does not exist at a kink.
    z = torch.tensor(0.0, requires_grad=True)
    c = torch.compare(torch.relu(z), wrt=z)
    assert [r.value for r in c.rows] == [0.0, 0.0, 0.5]
    assert [r.ok for r in c.rows] == [True, True, False]
    assert c.verdict() == "✗ finite difference differs from the symbolic derivative by 0.5 at z = 0"


def test_several_leaves_partial_derivative():
    w = torch.tensor(0.5, requires_grad=True)
    x = torch.tensor(2.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    loss = (w*x + b - 3) ** 2
    c = torch.compare(loss, wrt=w, expected="2(wx+b-3)x")
    assert c.ok and c.row("symbolic").value == -4.0
    assert c.title() == "∂loss/∂w at w = 0.5, x = 2, b = 1"
    c = torch.compare(loss, wrt=w, expected="2(wx+b-3)")
    assert not c.ok and str(c.hand_minus_symbolic) == "-2*(x - 1)*(b + w*x - 3)"


# ---------------------------------------------------------------------- graders and Jupyter
def test_to_dict_is_json():
    x, y = _polynomial()
    d = json.loads(json.dumps(torch.compare(y, wrt=x, expected="8x^3+3x^2+6x").to_dict()))
    assert d["ok"] is False and d["of"] == "y" and d["wrt"] == "x" and d["point"] == {"x": 2.0}
    assert d["hand_minus_symbolic"] == "-5" and d["eps"] == 1e-3
    hand, symbolic = d["rows"][:2]
    assert hand == {"label": "hand-derived", "expression": "8*x**3 + 3*x**2 + 6*x",
                    "latex": "8 x^{3} + 3 x^{2} + 6 x", "note": "", "value": 88.0,
                    "difference": -5.0, "ok": False, "rtol": 1e-4, "atol": 1e-6}
    assert symbolic["value"] == 93.0 and d["rows"][3]["rtol"] == 1e-3
    assert d["verdict"] == "✗ hand-derived differs from the symbolic derivative by 5 at x = 2"
    x, out = _seed_003()
    d = json.loads(json.dumps(torch.compare(out, wrt=x, expected="2(3x+2)").to_dict()))
    assert d["rows"][2]["value"] == SEED_003_VALUES and d["point"]["x"] == [[1, 2, 3], [3, 2, 1]]


def test_html_has_latex_and_verdict():
    x, y = _polynomial()
    page = torch.compare(y, wrt=x, expected="8x^3+3x^2+6x")._repr_html_()
    assert page.startswith(r"<table><caption>$\frac{dy}{dx}$ at x = 2</caption>")
    assert "<td>$8 x^{3} + 3 x^{2} + 6 x + 5$</td>" in page
    assert "<b style='color:red'>✗</b>" in page
    assert "<p>hand − symbolic = $-5$</p>" in page
    assert page.endswith("<p><b>✗ hand-derived differs from the symbolic derivative by 5 at "
                         "x = 2</b></p>")
    z = torch.tensor(1.0, requires_grad=True)
    assert "&lt;lambda&gt;(z)" in torch.compare(z * 2, wrt=z, expected=lambda z: 2)._repr_html_()


def test_text_form_of_expressions():
    x, y = sympy.symbols("x y")
    assert _text(8*x**3 + 3*x**2 + 6*x + 5) == "8x³ + 3x² + 6x + 5"
    assert _text(2*sympy.exp(x) * y) == "2y·exp(x)"
    assert _text(sympy.Mul(2, x + 3, evaluate=False)) == "2(x + 3)"
    assert _text(x**sympy.Rational(1, 2) + x**-2) == "√x + x⁻²"  # never Python's ** or sqrt


def test_hand_undefined_at_the_point():
    x = torch.tensor(0.0, requires_grad=True)
    c = torch.compare(torch.sqrt(x*x + 1), wrt=x, expected="1/x")
    assert np.isnan(c.row("hand-derived").value) and not c.ok
    assert c.verdict() == ("✗ hand-derived is undefined (nan) at x = 0, where the symbolic "
                           "derivative is 0")


# ---------------------------------------------------------------------- matrices (issue 12)
def _matrix_loss():
    torch.manual_seed(0)
    W = torch.randn(2, 3, requires_grad=True)
    x = torch.randn(3, 1)
    return W, x, torch.tanh(W @ x).sum()


def test_a_hand_lambda_gets_the_dtype_it_expects():
    # compare handed a float64 copy: "expected m1 and m2 to have the same dtype".
    W, x, loss = _matrix_loss()
    seen = []

    def hand(W_):
        seen.append(W_.dtype)
        return (1 - torch.tanh(W_ @ x) ** 2) @ x.T

    c = torch.compare(loss, wrt=W, expected=hand)
    assert c.ok and seen == [torch.float32]
    assert c.row("hand-derived").note == "hand(W)"


def test_a_matrix_answer_in_matrix_notation():
    W, x, loss = _matrix_loss()
    c = torch.compare(loss, wrt=W, expected="(1 - tanh(W x)^2) x^T")
    assert c.ok and c.row("hand-derived").difference.tolist() == [[0, 0, 0], [0, 0, 0]]
    symbolic = [line for line in str(c).splitlines() if line.startswith("│ symbolic")][0]
    assert "│ 2×3 array; [0, 0]: " in symbolic and "**" not in symbolic
    wrong = torch.compare(loss, wrt=W, expected="(1 - tanh(W x)) x^T")
    assert not wrong.ok
    with pytest.raises(MathParseError, match="matrix product of shapes 2×1 and 3×1"):
        torch.compare(loss, wrt=W, expected="(1 - tanh(W x)^2) x")
