"""The symbolic twin: values, derivatives and both directions agree with the numeric engine."""

import numpy as np
import pytest
import sympy
from hypothesis import HealthCheck, assume, given, settings

import autodiff_lab as torch
from autodiff_lab import symbolic

from random_programs import programs, run


def test_seed_polynomial_twin_and_derivative():
    x = torch.tensor(2.0, requires_grad=True)
    y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    X = sympy.Symbol("x", real=True)
    assert y.sym == 2*X**4 + X**3 + 3*X**2 + 5*X + 1
    d = symbolic.diff(y, x)
    assert d == 8*X**3 + 3*X**2 + 6*X + 5
    assert repr(symbolic.evaluate(d)) == "tensor(93.)"
    assert symbolic.reverse_mode_grad(y, x) == d


def test_seed_003_multi_step_gradient():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3*x + 2
    z = 2*y**2
    out = z.mean()
    d = symbolic.diff(out, x)
    assert d.shape == (2, 3)
    x01 = sympy.Symbol("x_{0,1}", real=True)
    assert d[0, 1] == 6*x01 + 4
    assert str(sympy.factor(d[0, 1])) == "2*(3*x_{0,1} + 2)"
    assert symbolic.evaluate(d).tolist() == [[10., 16., 22.], [22., 16., 10.]]
    assert symbolic.reverse_mode_grad(out, x) == d
    assert str(y.sym[1, 2]) == "3*x_{1,2} + 2"


def test_leaf_names_come_from_name_then_variable_then_counter():
    a = torch.tensor(1.0, requires_grad=True, name="alpha")
    b = torch.tensor(2.0, requires_grad=True)
    assert str((a * b).sym) == "alpha*b"
    anonymous = [torch.tensor(3.0, requires_grad=True), torch.tensor(4.0, requires_grad=True)]
    assert str((anonymous[0] + anonymous[1]).sym) == "t0 + t1"
    b.name = "beta"
    assert str((a * b).sym) == "alpha*beta"


def test_constants_are_exact_and_non_grad_tensors_are_constants():
    x = torch.tensor(0.5, requires_grad=True)
    c = torch.tensor([0.5, 2.0])
    assert str((x * 0.5 + 2.0).sym) == "x/2 + 2"
    assert str((x * c).sym) == "[x/2, 2*x]"
    assert str((x * 0.1).sym) == "x/10"  # float32 0.1 is read as the decimal it prints as


def test_twin_of_leaf_and_shapes():
    w = torch.zeros(2, 3, requires_grad=True)
    assert isinstance(w.sym, sympy.ImmutableDenseNDimArray)
    assert w.sym.shape == (2, 3)
    assert str(w.sym[1, 0]) == "w_{1,0}"
    v = torch.zeros(3, requires_grad=True)
    assert str(v.sym) == "[v_{0}, v_{1}, v_{2}]"


def test_size_guard_refuses_with_a_clear_message():
    big = torch.zeros(100, 100, requires_grad=True)
    with pytest.raises(symbolic.SymbolicSizeError) as info:
        (big * 2).sum().sym
    assert str(info.value) == (
        "the symbolic twin would need 10,000 elements for the leaf; the limit is 4,096. Use a "
        "smaller example, or raise the limit with autodiff_lab.symbolic.set_max_elements(n).")
    symbolic.set_max_elements(20000)
    try:
        assert (big[0, :3] * 2).sum().sym.func is sympy.Add
    finally:
        symbolic.set_max_elements(4096)
    with pytest.raises(ValueError):
        symbolic.set_max_elements(0)


def test_twin_survives_backward_and_does_not_touch_grads():
    x = torch.tensor(1.5, requires_grad=True)
    y = torch.exp(x) * x
    y.backward()
    assert str(y.sym) == "x*exp(x)"
    assert str(symbolic.diff(y, x)) == "(x + 1)*exp(x)"  # tidied: factored is shorter
    assert x.grad.item() == pytest.approx(np.exp(1.5) * 2.5, rel=1e-6)


def test_from_sympy_and_expr_round_trip():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    out = (2 * (3 * x + 2) ** 2).mean()
    rebuilt = torch.from_sympy(out.sym, x=x)
    assert rebuilt.item() == out.item() == 140.0
    (g1,) = torch.autograd.grad(out, x)
    (g2,) = torch.autograd.grad(rebuilt, x)
    assert g1.tolist() == g2.tolist() == [[10., 16., 22.], [22., 16., 10.]]
    X = sympy.Symbol("x")
    y = torch.from_sympy(sympy.sin(X) * X, x=0.5)
    y.backward()
    assert y.variables["x"].grad.item() == pytest.approx(np.cos(0.5) * 0.5 + np.sin(0.5), 1e-6)
    with pytest.raises(ValueError, match="no value given for y"):
        torch.from_sympy(X + sympy.Symbol("y"), x=1.0)


def test_expression_swell_numbers():
    z = torch.tensor(0.3, requires_grad=True)
    f = torch.tanh(torch.tanh(torch.tanh(z)))
    assert symbolic.expression_sizes(f, z) == {
        "sympy.diff": 14, "sympy.diff + cse": 11, "reverse mode": 14, "reverse mode + cse": 11}


def test_reverse_mode_refuses_piecewise_rules_clearly():
    x = torch.tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(NotImplementedError, match="cannot follow ReluBackward0"):
        symbolic.reverse_mode_grad(torch.relu(x).sum(), x)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_twin_matches_numeric_forward_and_gradients(program):
    leaves, steps, seed = program
    # Nudge values off ties and kinks (max of equal values, relu at 0), where the symbolic
    # derivative (Heaviside(0) = 1/2) and autograd's choice of subgradient legitimately differ.
    rng = np.random.default_rng(seed)
    leaves = [leaf + rng.uniform(0.001, 0.01, leaf.shape) for leaf in leaves]
    xs, trace, loss = run(torch, leaves, steps, seed)
    if isinstance(loss, Exception):
        return
    twin = symbolic.Twin(names={})
    value = symbolic.evaluate(twin.of(loss), loss)
    assert value.item() == pytest.approx(loss.item(), rel=1e-9, abs=1e-9)
    # This checks values, not speed: diff's time budget (set_max_diff_work) is lifted here.
    limit, symbolic.twin.LIMITS.max_diff_work = symbolic.twin.LIMITS.max_diff_work, 10**9
    try:
        _gradients_agree(loss, xs)
    finally:
        symbolic.twin.LIMITS.max_diff_work = limit


def _gradients_agree(loss, xs):
    grads = torch.autograd.grad(loss, xs, allow_unused=True)
    for x, g in zip(xs, grads):
        expected = np.zeros(tuple(x.shape)) if g is None else g.numpy()
        derivative = symbolic.diff(loss, x, simplify=False)
        # Some ties are structural (maximum(abs(x), x) for every x > 0), so no nudge avoids
        # them; there SymPy's Heaviside(0) = 1/2 over a flattened 3-way Max sums to 3/2.
        assume(not at_a_tie(derivative, loss, x))
        d = symbolic.evaluate(derivative, loss, x)
        np.testing.assert_allclose(d.numpy(), expected, rtol=1e-7, atol=1e-9)


def at_a_tie(derivative, *graphs):
    """Whether some Heaviside or sign in ``derivative`` is evaluated exactly at its step."""
    steps = set()
    for element in sympy.Array(derivative).tolist() if isinstance(
            derivative, sympy.NDimArray) else [derivative]:
        for e in sympy.flatten([element]):
            steps |= {a.args[0] for a in e.atoms(sympy.Heaviside, sympy.sign)}
    return any(abs(symbolic.evaluate(arg, *graphs).item()) < 1e-12 for arg in steps)
