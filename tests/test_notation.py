"""One notation (docs/notation.md) in explain, the pictures and compare: the outputs issue 12
found wrong, each reproduced and pinned."""

import pytest

import autodiff_lab as torch
from autodiff_lab.symbolic.notation import math_text, number_sum
from autodiff_lab.symbolic.twin import caller_names
from autodiff_lab.viz.graph import build


def test_a_use_is_written_as_its_product_and_only_the_total_is_df_da():
    # It printed "∂f/∂a = b*cos(g) = 1.0806", then "∂f/∂a = c = 1.6487", then "∂f/∂a = 3.5537".
    a = torch.tensor(0.5, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    f = a * torch.exp(a) + torch.sin(a * b)
    text = str(torch.explain(f))
    lines = text.splitlines()
    sends = [line.split("=")[0].split()[1:] for line in lines if "→ a (" in line]
    assert sends == [["∂f/∂g", "·", "∂g/∂a"], ["∂f/∂d", "·", "∂d/∂a"], ["∂f/∂c", "·", "∂c/∂a"]]
    # ∂f/∂a is said where it is the whole derivative: the leaf, the sum of the paths, the result.
    said = [line.strip() for line in lines if "∂f/∂a =" in line]
    assert len(said) == 4
    assert said[0].startswith("upstream  ∂f/∂a = b·cos(g) + c + a·exp(a) = 1.0806 + 1.6487")
    assert said[1].startswith("chain rule: ∂f/∂a = Σ over paths from a to f of Π local")
    assert said[2].startswith("sum: ∂f/∂a = path 1 + path 2 + path 3 = exp(a) + a·exp(a)")
    assert said[3] == "result: ∂f/∂a = a·exp(a) + b·cos(a·b) + exp(a) = 3.5537   ✓ autograd.grad agrees"
    assert "  1. a → d → f       ∂f/∂d · ∂d/∂a = 1 · exp(a) = exp(a) = 1.6487" in lines


def test_one_tensor_used_twice_has_a_partial_per_operand():
    # It printed "∂z/∂y = 2*y/3" for one use, then "upstream ∂z/∂y = 4*y/3" for the total.
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = x + 2
    z = (y * y * 2).mean()
    text = str(torch.explain(z))
    assert "∂z/∂y =" not in text.split("upstream  ∂z/∂y")[0]
    assert "local     ∂a/∂(y, operand 1)         = y = [2.5, 1, 4]" in text
    assert "upstream  ∂z/∂y         = 2y/3 + 2y/3 = 4y/3" in text


def test_no_python_syntax_for_students():
    # It printed Python's ** next to ∂, and "0.7311 + -1.3133".
    x = torch.tensor(1.0, requires_grad=True)
    s = torch.sigmoid(x) + torch.log(torch.sigmoid(-2 * x))
    texts = [str(torch.explain(s)), str(torch.compare(s, wrt=x))]
    for text in texts:
        assert "**" not in text and "+ -" not in text and "*" not in text
        assert "sqrt(" not in text
    assert "= 0.1966 - 1.7616 = -1.565" in texts[0]
    assert number_sum([0.7311, -1.3133]) == "0.7311 - 1.3133"
    assert math_text(x.sym ** 3 / 2) == "x³/2"


def test_the_picture_and_explain_name_the_same_tensors_the_same():
    # The figure's edges said ∂/∂u, ∂/∂v with u, v defined nowhere; explain said a, b, c.
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    y = 3 * x + 2
    z = 2 * y ** 2
    out = z.mean()
    e = torch.explain(out)
    explained = {t.local_label for s in e.steps for t in s.terms}
    picture = build(out, caller_names(nodes=True), local_derivatives=True)
    drawn = {text.split(" = ")[0] for arrow in picture.arrows
             for _, text in arrow.lines if text.startswith("∂")}
    assert drawn == explained == {"∂out/∂z", "∂z/∂b", "∂b/∂y", "∂y/∂a", "∂a/∂x"}
    boxes = {line for box in picture.boxes for _, line in box.lines}
    assert {"a", "b", "y", "z"} <= boxes  # the boxes say which tensor is a and b


def test_leaves_say_grad_the_same_way_in_every_picture():
    # Leaves said "grad =" in some figures and ".grad =" in others.
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x + 3 * x
    y.backward(retain_graph=True)
    for options in ({}, {"highlight_backward": True}, {"local_derivatives": True}):
        picture = build(y, caller_names(nodes=True), **options)
        leaf = next(box for box in picture.boxes if box.kind == "leaf")
        assert leaf.lines[-1] == ("gradient", ".grad = 7.")
        assert not any(text.startswith("grad =") for b in picture.boxes for _, text in b.lines)
    arriving = build(y, caller_names(nodes=True), highlight_backward=True)
    ops = [line for box in arriving.boxes if box.kind == "op" for _, line in box.lines
           if line.startswith("∂")]
    assert ops == ["∂y/∂a = 1.", "∂y/∂b = 1.", "∂y/∂y = 1."]  # what arrives at a, b and y


def test_the_finite_difference_step_is_h_and_epsilon_is_left_to_dual_numbers():
    # ε meant three things: compare's step, machine epsilon, the dual unit. compare's step is h.
    x = torch.tensor(2.0, requires_grad=True)
    text = str(torch.compare(x ** 3, wrt=x))
    assert "ε" not in text
    assert "central difference, h = 0.001" in text and "(truncation ~h², rounding ~1/h)" in text


@pytest.mark.parametrize("expr, text", [
    ("x**(-2)", "x⁻²"), ("2*x*y", "2x·y"), ("exp(-x)/(1 + exp(-x))**2", "exp(-x)/(1 + exp(-x))²"),
])
def test_math_text(expr, text):
    import sympy
    assert math_text(sympy.sympify(expr)) == text


def test_jupyter_html_labels_a_use_as_a_product_and_matrix_ops_by_their_vjp():
    W = torch.tensor([[0.5, -1.0, 2.0], [2.0, 0.25, 1.0]], requires_grad=True)
    x = torch.tensor([[1.0], [2.0], [3.0]], requires_grad=True)
    loss = torch.mm(W, x).tanh().sum()
    html = torch.explain(loss)._repr_html_()
    assert r"\frac{\partial loss}{\partial b} \cdot \frac{\partial b}{\partial a}" in html
    assert "<code>ḡ·xᵀ</code> ((2×1)·(1×3) → 2×3)" in html
    assert "<code>Wᵀ·ḡ</code> ((3×2)·(2×1) → 3×1)" in html


def test_unnamed_parameters_have_one_name_in_explain_compare_and_the_picture():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1))
    loss = net(torch.ones(4, 2)).sum()
    e = torch.explain(loss)
    name = next(n for n in e.leaves if e.total(n).value.shape == (3, 2))
    # no variable names it, but net does: its named_parameters() name, everywhere
    c = torch.compare(loss, wrt=net[0].weight)
    picture = build(loss, caller_names(nodes=True))
    leaf_titles = [box.lines[0][1] for box in picture.boxes if box.kind == "leaf"]
    assert c.wrt == name == "0.weight" and leaf_titles[0] == "0.weight"
