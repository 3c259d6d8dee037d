"""rules_table(): generated from the op registry, and right: each rule's vjp is ḡ times the
sympy.diff of its forward formula; the text, LaTeX and HTML views; the filter."""

import pytest
import sympy

import autodiff_lab
from autodiff_lab import rules_table
from autodiff_lab.ops.base import REGISTRY
from autodiff_lab.rules import G

# A point inside every rule's domain (asin/acos need |x| < 1, log and sqrt x > 0) and away
# from every kink (relu at 0, clamp's bounds a < x < b, max at x = y).
POINT = {"x": 0.37, "y": 0.61, "n": 2.5, "c": 1.3, "a": -0.5, "b": 0.8}
TABLE = rules_table()


def _at(expr, symbols):
    values = {s: POINT[s.name] for s in expr.free_symbols if s.name in POINT}
    values.update({s: sympy.true for s in expr.free_symbols if s.name == "condition"})
    values[G] = 1.7
    return complex(sympy.N(expr.subs(values))).real


def test_the_table_covers_the_differentiable_elementwise_ops_of_the_registry():
    names = [rule.op for rule in TABLE]
    expected = [n for n, op in REGISTRY.items() if op.sym is not None and op.sym_elementwise
                and op.differentiable and n not in ("FloorDivide", "RemainderOfScalar")]
    assert names == expected + ["Dot", "Mv", "Mm", "Addmm"]
    assert {"Add", "Mul", "Div", "Pow", "Exp", "Log", "Tanh", "Sigmoid", "Relu", "Gelu"} <= \
        set(names)
    assert [rule.node for rule in TABLE][:4] == ["AddBackward0", "SubBackward0",
                                                 "RsubBackward1", "MulBackward0"]


ELEMENTWISE = [r for r in TABLE.rules if r.category != "linalg"]
MATRIX = [r for r in TABLE.rules if r.category == "linalg"]


@pytest.mark.parametrize("rule", ELEMENTWISE, ids=[r.op for r in ELEMENTWISE])
def test_each_vjp_is_the_upstream_gradient_times_sympy_diff(rule):
    for x, partial, vjp in zip(rule.inputs, rule.partials, rule.vjps):
        if x.name == "condition":
            continue  # where's boolean condition has no gradient
        derivative = sympy.diff(rule.forward, x)  # independently of the table's own column
        assert _at(partial, [x]) == pytest.approx(_at(derivative, [x]), rel=1e-12, abs=1e-12)
        if vjp is not None:
            assert _at(vjp, [x]) == pytest.approx(1.7 * _at(derivative, [x]), rel=1e-3,
                                                  abs=1e-9), (rule.op, x, vjp)


@pytest.mark.parametrize("rule", MATRIX, ids=[r.op for r in MATRIX])
def test_each_matrix_rule_gives_what_backward_computes(rule):
    import numpy as np
    r = np.random.default_rng(0)
    values = [r.normal(size=m.shape) for m in rule.inputs]
    args = [autodiff_lab.tensor(v if v.shape[1] > 1 else v[:, 0], dtype=autodiff_lab.float64,
                                requires_grad=True) for v in values]
    op = {"Dot": autodiff_lab.dot, "Mv": autodiff_lab.mv, "Mm": autodiff_lab.mm,
          "Addmm": autodiff_lab.addmm}[rule.op]
    out = op(*args)
    g = r.normal(size=tuple(out.shape))
    out.backward(autodiff_lab.tensor(g, dtype=autodiff_lab.float64))
    numbers = {m: sympy.Matrix(v) for m, v in zip(rule.inputs, values)}
    if g.ndim:
        numbers[sympy.MatrixSymbol("ḡ", g.shape[0], g.shape[1] if g.ndim == 2 else 1)] = \
            sympy.Matrix(g.reshape(g.shape[0], -1))
    else:
        numbers[G] = float(g)
    for x, t, vjp in zip(rule.inputs, args, rule.vjps):
        value = vjp.subs(numbers)
        value = np.array(sympy.Matrix(value.doit()).tolist(), dtype=float)
        assert np.allclose(value.reshape(t.shape), t.grad.numpy(), rtol=1e-12), (rule.op, x)
    assert str(rules_table("Mm")) == (
        "op  node         f(x)  input  ∂f/∂input  vjp: input receives\n"
        "Mm  MmBackward0  a·b   a      —          ḡ·bᵀ\n"
        "                       b      —          aᵀ·ḡ")


def test_only_rules_written_for_numpy_arrays_lack_a_symbolic_vjp():
    missing = {(rule.op, x.name) for rule in TABLE for x, v in zip(rule.inputs, rule.vjps)
               if v is None}
    # A constant second operand (a Python number) gets no gradient; where's mask none at all.
    assert missing == {("FmodScalar", "y"), ("RemainderScalar", "y"), ("Where", "condition")}


def test_exact_rows_as_text():
    assert str(rules_table("Mul")) == (
        "op   node          f(x)  input  ∂f/∂input  vjp: input receives\n"
        "Mul  MulBackward0  x·y   x      y          y·ḡ\n"
        "                         y      x          x·ḡ")
    assert str(rules_table("relu")).splitlines()[1] == (
        "Relu  ReluBackward0  (x if x > 0 else 0)  x      (1 if x > 0 else 0)  "
        "ḡ·(1 if x > 0 else 0)")
    assert str(rules_table("Log2")).splitlines()[1] == (
        "Log2  Log2Backward0  log(x)/log(2)  x      1/(x·log(2))  1.443ḡ/x")


def test_filters_by_op_node_or_category():
    assert [r.op for r in rules_table("exp")] == ["Exp"]
    assert [r.op for r in rules_table("TanhBackward0")] == ["Tanh"]
    assert [r.op for r in rules_table("sin")] == ["Sin"]
    assert [r.op for r in rules_table("sinh")] == ["Sinh"]
    assert [r.op for r in rules_table("expm")] == ["Expm1"]  # part of a name
    assert [r.op for r in rules_table("activations")] == [
        "Erf", "LeakyRelu", "Elu", "Gelu", "Silu", "Softplus", "LeakyReluInplace", "EluInplace"]
    with pytest.raises(ValueError) as info:
        rules_table("conv2d")
    assert str(info.value) == ("rules_table: no op, node or category matches 'conv2d'; try "
                               "rules_table() for all of them")


def test_latex_and_html_views():
    latex = rules_table("Div").to_latex()
    assert latex.splitlines()[3] == (r"\text{Div} & \text{DivBackward0} & \frac{x}{y} & x & "
                                     r"\frac{1}{y} & \frac{\bar{g}}{y} \\")
    assert latex.splitlines()[4] == (r" &  &  & y & - \frac{x}{y^{2}} & "
                                     r"- \frac{x \bar{g}}{y^{2}} \\")
    assert rules_table("Div")._repr_latex_() == f"$\\displaystyle {latex}$"
    page = rules_table("Tanh")._repr_html_()
    assert page.startswith("<table><tr><th>op</th><th>node</th><th>f</th>")
    assert "<td style='text-align:left'><code>TanhBackward0</code></td>" in page
    assert r"<td style='text-align:left'>$\bar{g} \left(1 - \tanh^{2}{\left(x \right)}\right)$" \
        in page


def test_the_table_is_the_package_function_and_prints_every_rule():
    assert autodiff_lab.rules_table is rules_table
    lines = str(TABLE).splitlines()
    assert len(lines) == 1 + sum(len(rule.inputs) for rule in TABLE)
