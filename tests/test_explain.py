"""explain(): the backward pass as a derivation.

Seeds 003 and 001 are pinned as rendered text (the derivations they write by hand); every op in
the registry is explained and checked against autograd; fan-out, freed graphs, non-elementwise
graphs and the size guards have their own tests.
"""

import time

import numpy as np
import pytest
import sympy
from op_samples import SAMPLES, Const

import autodiff_lab as torch
from autodiff_lab import symbolic
from autodiff_lab.autograd.engine import _topological_order
from autodiff_lab.explanation import Explanation, explain
from autodiff_lab.ops import REGISTRY, apply

SEED_003 = """\
explain: the backward pass of out w.r.t. x
forward:  y = 3x + 2;  z = 2y²;  out = mean(z)
tensors up to 2×3: formulas are per element (a name stands for one element: x for x_i)

steps (reverse topological order, as the engine runs them):
 1. MeanBackward0   out = mean(z)
      upstream  ∂out/∂out           = 1   (backward() starts from 1)
      local     ∂out/∂z             = 1/6 = 0.1667 (every element)
      sends     ∂out/∂out · ∂out/∂z = 1 · 1/6 = 1/6 = 0.1667 (every element)   → z (MulBackward0)
 2. MulBackward0    z = 2b   [z = 2y²]
      upstream  ∂out/∂z         = 1/6 = 0.1667 (every element)
      local     ∂z/∂b           = 2 (every element)
      sends     ∂out/∂z · ∂z/∂b = 1/6 · 2 = 1/3 = 0.3333 (every element)   → b (PowBackward0)
 3. PowBackward0    b = y²
      upstream  ∂out/∂b         = 1/3 = 0.3333 (every element)
      local     ∂b/∂y           = 2y = [[10, 16, 22], [22, 16, 10]]
      sends     ∂out/∂b · ∂b/∂y = 1/3 · 2y = 2y/3   → y (AddBackward0)
                                = [[3.3333, 5.3333, 7.3333], [7.3333, 5.3333, 3.3333]]
 4. AddBackward0    y = a + 2   [y = 3x + 2]
      upstream  ∂out/∂y         = 2y/3 = [[3.3333, 5.3333, 7.3333], [7.3333, 5.3333, 3.3333]]
      local     ∂y/∂a           = 1 (every element)
      sends     ∂out/∂y · ∂y/∂a = 2y/3 · 1 = 2y/3   → a (MulBackward0)
                                = [[3.3333, 5.3333, 7.3333], [7.3333, 5.3333, 3.3333]]
 5. MulBackward0    a = 3x
      upstream  ∂out/∂a         = 2y/3 = [[3.3333, 5.3333, 7.3333], [7.3333, 5.3333, 3.3333]]
      local     ∂a/∂x           = 3 (every element)
      sends     ∂out/∂a · ∂a/∂x = 2y/3 · 3 = 2y   → x (AccumulateGrad)
                                = [[10, 16, 22], [22, 16, 10]]
 6. AccumulateGrad  x.grad += ∂out/∂x
      upstream  ∂out/∂x = 2y = [[10, 16, 22], [22, 16, 10]]

chain rule: ∂out/∂x = Σ over paths from x to out of Π local partials (1 path)
  1. x → a → y → b → z → out   ∂out/∂z · ∂z/∂b · ∂b/∂y · ∂y/∂a · ∂a/∂x = 1/6 · 2 · 2y · 1 · 3 = 2(3x + 2)
                                                                       = [[10, 16, 22], [22, 16, 10]]
result: ∂out/∂x = 2(3x + 2) = [[10, 16, 22], [22, 16, 10]]   ✓ autograd.grad agrees
"""

POLYNOMIAL = """\
explain: the backward pass of y w.r.t. x
forward:  y = 2x⁴ + x³ + 3x² + 5x + 1

steps (reverse topological order, as the engine runs them):
 1. AddBackward0    y = m + 1   [y = 2x⁴ + x³ + 3x² + 5x + 1]
      upstream  ∂y/∂y         = 1   (backward() starts from 1)
      local     ∂y/∂m         = 1
      sends     ∂y/∂y · ∂y/∂m = 1 · 1 = 1   → m (AddBackward0)
 2. AddBackward0    m = h + k
      upstream  ∂y/∂m         = 1
      local     ∂m/∂h         = 1
      sends     ∂y/∂m · ∂m/∂h = 1 · 1 = 1   → h (AddBackward0)
      local     ∂m/∂k         = 1
      sends     ∂y/∂m · ∂m/∂k = 1 · 1 = 1   → k (MulBackward0)
 3. MulBackward0    k = 5x
      upstream  ∂y/∂k         = 1
      local     ∂k/∂x         = 5
      sends     ∂y/∂k · ∂k/∂x = 1 · 5 = 5   → x (AccumulateGrad)
 4. AddBackward0    h = d + g
      upstream  ∂y/∂h         = 1
      local     ∂h/∂d         = 1
      sends     ∂y/∂h · ∂h/∂d = 1 · 1 = 1   → d (AddBackward0)
      local     ∂h/∂g         = 1
      sends     ∂y/∂h · ∂h/∂g = 1 · 1 = 1   → g (MulBackward0)
 5. MulBackward0    g = 3f
      upstream  ∂y/∂g         = 1
      local     ∂g/∂f         = 3
      sends     ∂y/∂g · ∂g/∂f = 1 · 3 = 3   → f (PowBackward0)
 6. PowBackward0    f = x²
      upstream  ∂y/∂f         = 3
      local     ∂f/∂x         = 2x = 4
      sends     ∂y/∂f · ∂f/∂x = 3 · 2x = 6x = 12   → x (AccumulateGrad)
 7. AddBackward0    d = b + c
      upstream  ∂y/∂d         = 1
      local     ∂d/∂b         = 1
      sends     ∂y/∂d · ∂d/∂b = 1 · 1 = 1   → b (MulBackward0)
      local     ∂d/∂c         = 1
      sends     ∂y/∂d · ∂d/∂c = 1 · 1 = 1   → c (PowBackward0)
 8. PowBackward0    c = x³
      upstream  ∂y/∂c         = 1
      local     ∂c/∂x         = 3x² = 12
      sends     ∂y/∂c · ∂c/∂x = 1 · 3x² = 3x² = 12   → x (AccumulateGrad)
 9. MulBackward0    b = 2a
      upstream  ∂y/∂b         = 1
      local     ∂b/∂a         = 2
      sends     ∂y/∂b · ∂b/∂a = 1 · 2 = 2   → a (PowBackward0)
10. PowBackward0    a = x⁴
      upstream  ∂y/∂a         = 2
      local     ∂a/∂x         = 4x³ = 32
      sends     ∂y/∂a · ∂a/∂x = 2 · 4x³ = 8x³ = 64   → x (AccumulateGrad)
11. AccumulateGrad  x.grad += ∂y/∂x
      upstream  ∂y/∂x = 5 + 6x + 3x² + 8x³ = 5 + 12 + 12 + 64
                      = 93   (x is used 4 times: the gradients add up)

chain rule: ∂y/∂x = Σ over paths from x to y of Π local partials (4 paths)
  1. x → a → b → d → h → m → y   ∂y/∂m · ∂m/∂h · ∂h/∂d · ∂d/∂b · ∂b/∂a · ∂a/∂x = 1 · 1 · 1 · 1 · 2 · 4x³ = 8x³
                                                                               = 64
  2. x → c → d → h → m → y       ∂y/∂m · ∂m/∂h · ∂h/∂d · ∂d/∂c · ∂c/∂x = 1 · 1 · 1 · 1 · 3x² = 3x²
                                                                       = 12
  3. x → f → g → h → m → y       ∂y/∂m · ∂m/∂h · ∂h/∂g · ∂g/∂f · ∂f/∂x = 1 · 1 · 1 · 3 · 2x = 6x
                                                                       = 12
  4. x → k → m → y               ∂y/∂m · ∂m/∂k · ∂k/∂x = 1 · 1 · 5 = 5
  sum: ∂y/∂x = path 1 + path 2 + path 3 + path 4 = 8x³ + 3x² + 6x + 5 = 64 + 12 + 12 + 5 = 93
result: ∂y/∂x = 8x³ + 3x² + 6x + 5 = 93   ✓ autograd.grad agrees
"""

EXAMPLE_3 = """\
explain: the backward pass of z w.r.t. x1, x2
forward:  y1 = 5x1 + 3x2;  y2 = 2x1 + x2;  z = y1·y2

steps (reverse topological order, as the engine runs them):
 1. MulBackward0    z = y1·y2
      upstream  ∂z/∂z          = 1   (backward() starts from 1)
      local     ∂z/∂y1         = y2 = 4
      sends     ∂z/∂z · ∂z/∂y1 = 1 · y2 = y2 = 4   → y1 (AddBackward0)
      local     ∂z/∂y2         = y1 = 11
      sends     ∂z/∂z · ∂z/∂y2 = 1 · y1 = y1 = 11   → y2 (AddBackward0)
 2. AddBackward0    y2 = c + d   [y2 = 2x1 + x2]
      upstream  ∂z/∂y2          = y1 = 11
      local     ∂y2/∂c          = 1
      sends     ∂z/∂y2 · ∂y2/∂c = y1 · 1 = y1 = 11   → c (MulBackward0)
      local     ∂y2/∂d          = 1
      sends     ∂z/∂y2 · ∂y2/∂d = y1 · 1 = y1 = 11   → d (MulBackward0)
 3. MulBackward0    d = x2
      upstream  ∂z/∂d          = y1 = 11
      local     ∂d/∂x2         = 1
      sends     ∂z/∂d · ∂d/∂x2 = y1 · 1 = y1 = 11   → x2 (AccumulateGrad)
 4. MulBackward0    c = 2x1
      upstream  ∂z/∂c          = y1 = 11
      local     ∂c/∂x1         = 2
      sends     ∂z/∂c · ∂c/∂x1 = y1 · 2 = 2y1 = 22   → x1 (AccumulateGrad)
 5. AddBackward0    y1 = a + b   [y1 = 5x1 + 3x2]
      upstream  ∂z/∂y1          = y2 = 4
      local     ∂y1/∂a          = 1
      sends     ∂z/∂y1 · ∂y1/∂a = y2 · 1 = y2 = 4   → a (MulBackward0)
      local     ∂y1/∂b          = 1
      sends     ∂z/∂y1 · ∂y1/∂b = y2 · 1 = y2 = 4   → b (MulBackward0)
 6. MulBackward0    b = 3x2
      upstream  ∂z/∂b          = y2 = 4
      local     ∂b/∂x2         = 3
      sends     ∂z/∂b · ∂b/∂x2 = y2 · 3 = 3y2 = 12   → x2 (AccumulateGrad)
 7. AccumulateGrad  x2.grad += ∂z/∂x2
      upstream  ∂z/∂x2 = y1 + 3y2 = 11 + 12 = 23   (x2 is used 2 times: the gradients add up)
 8. MulBackward0    a = 5x1
      upstream  ∂z/∂a          = y2 = 4
      local     ∂a/∂x1         = 5
      sends     ∂z/∂a · ∂a/∂x1 = y2 · 5 = 5y2 = 20   → x1 (AccumulateGrad)
 9. AccumulateGrad  x1.grad += ∂z/∂x1
      upstream  ∂z/∂x1 = 2y1 + 5y2 = 22 + 20 = 42   (x1 is used 2 times: the gradients add up)

chain rule: ∂z/∂x1 = Σ over paths from x1 to z of Π local partials (2 paths)
  1. x1 → a → y1 → z   ∂z/∂y1 · ∂y1/∂a · ∂a/∂x1 = y2 · 1 · 5 = 5(2x1 + x2) = 20
  2. x1 → c → y2 → z   ∂z/∂y2 · ∂y2/∂c · ∂c/∂x1 = y1 · 1 · 2 = 2(5x1 + 3x2) = 22
  sum: ∂z/∂x1 = path 1 + path 2 = 5(2x1 + x2) + 2(5x1 + 3x2) = 20 + 22 = 42
result: ∂z/∂x1 = 20x1 + 11x2 = 42   ✓ autograd.grad agrees

chain rule: ∂z/∂x2 = Σ over paths from x2 to z of Π local partials (2 paths)
  1. x2 → b → y1 → z   ∂z/∂y1 · ∂y1/∂b · ∂b/∂x2 = y2 · 1 · 3 = 3(2x1 + x2) = 12
  2. x2 → d → y2 → z   ∂z/∂y2 · ∂y2/∂d · ∂d/∂x2 = y1 · 1 · 1 = 5x1 + 3x2 = 11
  sum: ∂z/∂x2 = path 1 + path 2 = 3(2x1 + x2) + (5x1 + 3x2) = 12 + 11 = 23
result: ∂z/∂x2 = 11x1 + 6x2 = 23   ✓ autograd.grad agrees
"""

SEED_003_LATEX = [
    '\\begin{align*}',
    '\\frac{\\partial out}{\\partial z} &= \\frac{1}{6} \\\\',
    '\\frac{\\partial z}{\\partial b} &= 2 \\\\',
    '\\frac{\\partial b}{\\partial y} &= 2 y \\\\',
    '\\frac{\\partial y}{\\partial a} &= 1 \\\\',
    '\\frac{\\partial a}{\\partial x} &= 3 \\\\',
    '\\frac{\\partial out}{\\partial x} &= \\frac{\\partial out}{\\partial z} \\cdot \\frac{\\partial z}{\\partial b} \\cdot \\frac{\\partial b}{\\partial y} \\cdot \\frac{\\partial y}{\\partial a} \\cdot \\frac{\\partial a}{\\partial x} \\\\',
    '&= \\frac{1}{6} \\cdot 2 \\cdot 2 y \\cdot 1 \\cdot 3 \\\\',
    '&= 2 \\left(3 x + 2\\right) \\\\',
    '&= \\begin{bmatrix}10 & 16 & 22 \\\\ 22 & 16 & 10\\end{bmatrix}',
    '\\end{align*}',
]


def seed_003():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3*x + 2
    z = 2*y**2
    out = z.mean()
    return torch.explain(out), x, out


def polynomial():
    x = torch.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    return torch.explain(y), x, y


def example_3():
    x1 = torch.Tensor([1]).requires_grad_()
    x2 = torch.Tensor([2]).requires_grad_()
    y1 = (5*x1) + (3*x2)
    y2 = (2*x1) + (1*x2)
    z = y1*y2
    return torch.explain(z), x1, x2, z


# --------------------------------------------------------------------- the seeds, pinned
def test_seed_003_text():
    e, _, _ = seed_003()
    assert str(e) + "\n" == SEED_003


def test_seed_003_latex_is_the_hand_derivation():
    e, _, _ = seed_003()
    assert e.to_latex().splitlines() == SEED_003_LATEX


def test_polynomial_text():
    e, _, _ = polynomial()
    assert str(e) + "\n" == POLYNOMIAL


def test_seed_001_example_3_text():
    e, _, _, _ = example_3()
    assert str(e) + "\n" == EXAMPLE_3


# --------------------------------------------------------------------- the seeds, as data
def test_seed_003_steps_follow_the_engine():
    e, _, out = seed_003()
    engine_order = [n.name() for n in _topological_order([out.grad_fn])]
    assert [s.node for s in e.steps] == [
        "MeanBackward0", "MulBackward0", "PowBackward0", "AddBackward0", "MulBackward0",
        "AccumulateGrad"]
    assert [s.node for s in e.steps][:-1] == engine_order[:-1]
    mean, mul, pow_ = e.steps[:3]
    assert mean.terms[0].local == sympy.Rational(1, 6)
    assert (mul.formula, mul.expanded) == ("z = 2b", "z = 2y²")
    y = sympy.Symbol("y", real=True)
    assert pow_.terms[0].local == 2*y and pow_.terms[0].sent == 2*y/3
    np.testing.assert_allclose(pow_.terms[0].local_value, [[10, 16, 22], [22, 16, 10]])
    leaf = e.steps[-1]
    assert leaf.is_leaf and leaf.upstream == 2*y


def test_seed_003_total_and_path():
    e, x, out = seed_003()
    total = e.total(x)
    assert str(total.formula) == "2*(3*x + 2)" and total.per_element and total.agrees
    np.testing.assert_array_equal(total.value, [[10, 16, 22], [22, 16, 10]])
    (path,) = e.paths(x)
    # A factor per edge: every local partial, named as the steps name the tensors.
    assert [f.label for f in path.factors] == ["∂out/∂z", "∂z/∂b", "∂b/∂y", "∂y/∂a", "∂a/∂x"]
    assert [str(f.expr) for f in path.factors] == ["1/6", "2", "2*y", "1", "3"]
    assert str(path.expr) == "2*(3*x + 2)"
    assert x.grad is None  # explain changes nothing
    out.backward()
    np.testing.assert_array_equal(x.grad.numpy(), total.value)


def test_polynomial_fan_out_adds_64_12_12_5():
    e, x, _ = polynomial()
    assert [p.value.item() for p in e.paths(x)] == [64, 12, 12, 5]
    leaf = e.steps[-1]
    assert [c.value.item() for c in leaf.contributions] == [5, 12, 12, 64]  # engine order
    assert leaf.upstream_value.item() == 93
    assert e.total(x).formula == sympy.sympify("8*x**3 + 3*x**2 + 6*x + 5",
                                               locals={"x": sympy.Symbol("x", real=True)})


def test_seed_001_example_3_grads():
    e, x1, x2, _ = example_3()
    assert e.leaves == ["x1", "x2"]
    assert e.total(x1).value.tolist() == [42] and e.total("x2").value.tolist() == [23]
    assert str(e.total(x1).formula) == "20*x1 + 11*x2"
    assert [p.value.item() for p in e.paths(x1)] == [20, 22]
    assert [p.route for p in e.paths(x2)] == [["x2", "b", "y1", "z"], ["x2", "d", "y2", "z"]]
    assert e.agrees is True


# --------------------------------------------------------------------- fan-out
def test_a_plus_a_shows_both_uses():
    a = torch.tensor(3.0, requires_grad=True)
    b = a + a
    e = torch.explain(b)
    assert e.steps[0].formula == "b = a + a"
    assert [t.operand for t in e.steps[0].terms] == [1, 2]
    assert len(e.steps[1].contributions) == 2 and e.total(a).value.item() == 2
    assert [p.via for p in e.paths(a)] == ["a as operand 1 of b", "a as operand 2 of b"]
    assert "a.grad += ∂b/∂a" in str(e) and "(a is used 2 times: the gradients add up)" in str(e)


def test_seed_004_y_times_y():
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x + 2
    z = y*y*2
    z = z.mean()
    e = torch.explain(z)
    assert " a = y·y" in str(e)
    # y is two operands of a: each has its own local partial (y), and they add up to 4y/3.
    mul = e.steps[2]
    assert [(t.local_label, str(t.local)) for t in mul.terms] == [
        ("∂a/∂(y, operand 1)", "y"), ("∂a/∂(y, operand 2)", "y")]
    assert [t.sent_label for t in mul.terms] == ["∂z/∂a · ∂a/∂(y, operand 1)",
                                                 "∂z/∂a · ∂a/∂(y, operand 2)"]
    assert "      upstream  ∂z/∂y         = 2y/3 + 2y/3 = 4y/3" in str(e)
    assert str(e.total(x).formula) == "4*(x + 2)/3"
    np.testing.assert_allclose(e.total(x).value, 4 * (x.detach().numpy() + 2) / 3, rtol=1e-6)


# --------------------------------------------------------------------- every op
DIFFERENTIABLE = sorted(name for name, op in REGISTRY.items()
                        if op.node_name is not None and op.differentiable
                        and op.not_implemented is None)  # no backward in PyTorch either


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_every_op_explained_agrees_with_autograd(name):
    args, params = SAMPLES[name](np.random.default_rng(0))
    inputs = [torch.tensor(a.array) if isinstance(a, Const) else
              torch.tensor(a, dtype=torch.float64, requires_grad=True)
              if isinstance(a, np.ndarray) else a for a in args]
    out = apply(REGISTRY[name], *inputs, **params)
    w = torch.tensor(np.random.default_rng(1).normal(size=out.shape))
    e = explain((out * w).sum())
    assert e.agrees is True
    assert name not in ("Mul", "Exp", "Tanh", "Mean") or all(
        e.total(n).per_element for n in e.leaves)
    for leaf in e.leaves:
        try:
            paths = e.paths(leaf)
        except ValueError:
            continue
        np.testing.assert_allclose(sum(p.value for p in paths), e.total(leaf).value,
                                   rtol=1e-9, atol=1e-12)
    assert str(e) and e.to_latex().startswith("\\begin{align*}") and "<table>" in e._repr_html_()


# --------------------------------------------------------------------- other graphs
def test_matrix_ops_have_no_per_element_paths():
    Wx = torch.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
    h = torch.tensor([[1.0], [2.0]])
    loss = torch.mm(Wx, h).tanh().sum()
    e = torch.explain(loss)
    with pytest.raises(ValueError, match="MmBackward0 is a matrix op, whose chain rule "
                                         "multiplies matrices"):
        e.paths(Wx)
    total = e.total(Wx)
    assert not total.per_element and isinstance(total.formula, sympy.NDimArray)
    assert e.agrees
    step = e.steps[2]
    assert step.formula == "a = Wx·h   [Wx: 2×2, h: 2×1 → 2×1]"
    assert [(t.vjp, t.shapes) for t in step.terms] == [("ḡ·hᵀ", "(2×1)·(1×2) → 2×2")]
    g = (1 - np.tanh(Wx.detach().numpy() @ h.numpy()) ** 2)
    np.testing.assert_allclose(step.terms[0].sent_value, g @ h.numpy().T, rtol=1e-6)
    assert "      upstream  ḡ = ∂loss/∂a = 1 - tanh(a)² = [[0.1807], [0.0266]]" in str(e)


def test_matrix_vjps_with_shapes_for_mm_linear_and_addmm():
    W = torch.tensor([[0.5, -1.0, 2.0], [2.0, 0.25, 1.0]], requires_grad=True)
    x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    L = torch.mm(W, x).sum()
    lines = str(torch.explain(L)).splitlines()
    assert " 2. MmBackward0     a = W·x   [W: 2×3, x: 3×1 → 2×1]" in lines
    assert lines[lines.index(" 2. MmBackward0     a = W·x   [W: 2×3, x: 3×1 → 2×1]"):][1:4] == [
        "      upstream  ḡ = ∂L/∂a = 1 (every element)",
        "      sends     ḡ·xᵀ      = [[1, 2, 3], [1, 2, 3]]   (2×1)·(1×3) → 2×3   "
        "→ W (AccumulateGrad)",
        "      sends     Wᵀ·ḡ      = [[2.5], [-0.75], [3]]   (3×2)·(2×1) → 3×1   "
        "→ x (AccumulateGrad)"]
    # nn.Linear: addmm(bias, X, Wᵀ), then Wᵀ's own step transposes the gradient back.
    lin = torch.nn.Linear(3, 2)
    X = torch.ones(4, 3)
    out = lin(X).sum()
    e = torch.explain(out)
    addmm = next(s for s in e.steps if s.node == "AddmmBackward0")
    # lin's parameters are called as lin.named_parameters() calls them
    assert addmm.formula.split("   ")[1] == "[bias: 2, X: 4×3, a: 3×2 → 4×2]"
    assert [(t.vjp, t.shapes) for t in addmm.terms] == [
        ("ḡ", "4×2 → 2"), ("Xᵀ·ḡ", "(3×4)·(4×2) → 3×2")]
    t = next(s for s in e.steps if s.node == "TBackward0")
    assert [(term.vjp, term.shapes) for term in t.terms] == [("ḡᵀ", "2×3")]
    np.testing.assert_allclose(e.total(lin.weight).value, np.full((2, 3), 4.0))
    assert e.agrees


def test_broadcast_input_is_summed():
    w = torch.tensor([1., 2., 3.], requires_grad=True)
    b = torch.tensor(0.5, requires_grad=True)
    out = (w * b).sum()
    e = torch.explain(out)
    assert str(e.total(w).formula) == "b"
    assert e.total(b).value.item() == 6 and str(e.total(b).formula) == "w_{0} + w_{1} + w_{2}"
    assert "b is broadcast by MulBackward0" in str(e)


def test_wrt_picks_leaves_and_checks_them():
    p = torch.tensor(2.0, requires_grad=True)
    q = torch.tensor(3.0, requires_grad=True)
    f = p*q + q.exp()
    e = torch.explain(f, wrt=q)
    assert e.leaves == ["q"] and str(e.total(q).formula) == "p + exp(q)"
    with pytest.raises(ValueError, match="f is not one"):
        torch.explain(f, wrt=f)


def test_errors_name_the_fix():
    with pytest.raises(RuntimeError, match="does not require grad") as info:
        torch.explain(torch.ones(3).sum())
    assert "\nHint: " in str(info.value)
    with pytest.raises(RuntimeError, match="only for scalar outputs"):
        torch.explain(torch.ones(3, requires_grad=True) * 2)


def test_after_backward_the_graph_is_recomputed():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward()
    e = torch.explain(y)
    assert e.agrees is None and "backward() has freed this graph" in str(e)
    np.testing.assert_array_equal(e.total(x).value, [2, 4])
    np.testing.assert_array_equal(x.grad.numpy(), [2, 4])  # not accumulated again


def test_retained_grads_and_leaf_grads_are_left_alone():
    x = torch.tensor(2.0, requires_grad=True)
    a = x * 3
    a.retain_grad()
    y = a * a
    torch.explain(y)
    assert a.grad is None and x.grad is None
    y.backward()
    assert a.grad.item() == 12 and x.grad.item() == 36


def test_unnamed_tensors_get_letters_and_leaves_t_names():
    def f(t):
        return (t.sin() * t).sum()
    e = explain(f(torch.tensor([0.5, 1.0], requires_grad=True)))
    assert e.leaves == ["t0"] and e.output == "c"
    assert e.forward == ["c = sum(t0·sin(t0))"]
    assert str(e.total("t0").formula) == "t0*cos(t0) + sin(t0)"


# --------------------------------------------------------------------- size
def test_large_graph_is_summarized_quickly():
    x = torch.tensor([0.3, -0.2], requires_grad=True)
    v = x
    for _ in range(250):
        v = torch.tanh(v) * 1.01
    start = time.perf_counter()
    e = torch.explain(v.sum())
    text = str(e)
    assert time.perf_counter() - start < 5
    assert len(text.splitlines()) < 80 and "more steps (see .steps)" in text
    assert len(e.steps) == 502 and e.agrees


def test_many_paths_are_counted_not_listed():
    a = torch.tensor(1.0, requires_grad=True)
    v = a
    for _ in range(30):
        v = v + v
    e = torch.explain(v)
    assert "1,073,741,824 paths" in str(e)
    with pytest.raises(ValueError, match="too many to list"):
        e.paths(a)
    assert e.total(a).value.item() == 2 ** 30 and e.agrees


def test_size_guard_falls_back_to_numbers():
    W = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = torch.tensor([1.0, -1.0])
    loss = torch.mv(W, v).sum()
    symbolic.set_max_elements(2)
    try:
        e = torch.explain(loss)
    finally:
        symbolic.set_max_elements(4096)
    assert e.total(W).formula is None and "the symbolic twin would need" in str(e)
    np.testing.assert_array_equal(e.total(W).value, [[1, -1], [1, -1]])


def test_explanation_renders_in_jupyter():
    e, _, _ = seed_003()
    page = e._repr_html_()
    assert isinstance(e, Explanation)
    assert r"$\frac{\partial out}{\partial z} = \frac{1}{6}$" in page
    assert r"\begin{aligned}" in page and "<td><code>MeanBackward0</code></td>" in page


def test_wrt_one_leaf_when_another_sits_behind_an_op():
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    e = explain(a * (3 * b), wrt=a)
    assert e.agrees
    (result,) = [line for line in str(e).splitlines() if line.startswith("result:")]
    assert result == "result: ∂d/∂a = c = 6   ✓ autograd.grad agrees"
