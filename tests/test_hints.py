"""Errors that teach (SPEC §7): PyTorch's exact text, then one Hint: line naming the tensor (the
caller's variable) or the op, and the fix; the switch that turns the lines off."""

import os
import subprocess
import sys
import warnings

import numpy as np
import pytest
from conftest import pytorch_text, require_torch

import autodiff_lab as torch
from autodiff_lab import hints, nn


def _raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001 - the error is what is checked
        return e
    raise AssertionError("no error")


def hint(fn):
    """The Hint line ``fn()``'s error ends with (PyTorch's text before it is checked elsewhere)."""
    text = hints.text(_raised(fn))
    head, sep, line = text.rpartition("\nHint: ")
    assert sep and "\n" not in line, text
    return line


def test_nonscalar_backward_names_the_tensor_and_the_reductions():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    assert hint(lambda: y.backward()) == (
        "y has shape [3], so there is no single number to differentiate: reduce it first, e.g. "
        "y.sum().backward() or y.mean().backward(), or pass the gradient of each element, "
        "y.backward(torch.ones_like(y)).")
    assert hint(lambda: torch.autograd.grad(y, x)) == (
        "y has shape [3], so there is no single number to differentiate: reduce it first, e.g. "
        "torch.autograd.grad(y.sum(), ...), or pass the gradient of each element, "
        "grad_outputs=torch.ones_like(y).")
    assert hint(lambda: (x * 3).backward()) == (
        "the output of MulBackward0 has shape [3], so there is no single number to "
        "differentiate: reduce it first, e.g. .sum().backward() or .mean().backward(), or pass "
        "the gradient of each element, .backward(gradient) with a gradient of shape [3].")


def test_second_backward_names_the_graph_it_belongs_to():
    x = torch.tensor(2.0, requires_grad=True)
    loss = (x * x).sum()
    loss.backward()
    assert hint(lambda: loss.backward()) == (
        "the values MulBackward0 (in the graph of loss) saved for backward were freed by an "
        "earlier backward(); compute loss again before each backward() (in a training loop, "
        "inside the loop), or pass retain_graph=True to the first backward() if you need the "
        "same graph twice.")


def test_modified_saved_tensors_name_the_tensor_the_node_and_the_in_place_op():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    e = x.exp()
    e.add_(1)
    assert hint(lambda: e.sum().backward()) == (
        "e, the output of ExpBackward0, was saved for the backward pass and then changed in "
        "place by add_ (now at version 1; backward needs version 0); use the out-of-place form "
        "(e = e + 1, not e += 1 or e.add_(1)), or change a copy (e.clone()).")
    b = x * 2
    m = b * b
    b.mul_(2)
    assert hint(lambda: m.sum().backward()) == (
        "b, an input of MulBackward0, was saved for the backward pass and then changed in place "
        "by mul_ (now at version 1; backward needs version 0); use the out-of-place form "
        "(b = b * 2, not b *= 2 or b.mul_(2)), or change a copy (b.clone()).")
    w = torch.ones(2)
    p = x * w
    w[0] = 5.0
    assert hint(lambda: p.sum().backward()) == (
        "w, an input of MulBackward0, was saved for the backward pass and then changed in place "
        "(now at version 1; backward needs version 0); use the out-of-place form "
        "(w = w + 1, not w += 1 or w.add_(1)), or change a copy (w.clone()).")


def test_in_place_on_a_leaf_says_no_grad():
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    assert hint(lambda: w.add_(1)) == (
        "this in-place op changes w, a leaf that requires grad, whose value autograd needs "
        "unchanged; update it under `with torch.no_grad():` (as an optimizer step does: "
        "w -= lr * w.grad), or compute a new tensor out of place (w2 = w * 2).")
    assert hint(lambda: w.__setitem__(0, 3.0)) == (
        "w[...] = ... writes into w, a leaf that requires grad, whose value autograd needs "
        "unchanged; set the values before w requires grad, or under `with torch.no_grad():`, "
        "or build a new tensor (torch.where, torch.cat) instead.")


def test_grad_of_a_non_leaf_warns_with_the_leaves_to_read():
    x = torch.tensor(2.0, requires_grad=True)
    w = torch.tensor(3.0, requires_grad=True)
    h = x * w
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert h.grad is None
    (message,) = [str(c.message) for c in caught]
    assert message.startswith("The .grad attribute of a Tensor that is not a leaf Tensor is "
                              "being accessed.")
    assert message.split("\nHint: ")[1] == (
        "h was computed by MulBackward0, so backward() does not keep its gradient; read x.grad "
        "or w.grad, or call h.retain_grad() before backward() to keep it.")


def test_conversions():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert hint(lambda: x.numpy()) == (
        "x requires grad (it is part of autograd's graph); x.detach().numpy() gives its values. "
        "NumPy and matplotlib (np.array(x), plt.plot(x)) call numpy() too: pass x.detach().")
    assert hint(lambda: np.array(x)) == hint(lambda: x.numpy())
    losses = torch.ones(2, 3)
    assert hint(lambda: losses.item()) == (
        "losses has shape [2, 3] (6 elements), and item() reads a one-element tensor: reduce it "
        "first (losses.sum().item(), losses.mean().item()), pick one element "
        "(losses[0].item()), or get every value with losses.tolist().")
    assert hint(lambda: float(losses)).startswith("losses has shape [2, 3] (6 elements), and "
                                                  "float() reads a one-element tensor")
    assert hint(lambda: bool(losses > 0)) == (
        "`if`, `and`, `or` and `not` need one True/False, but the tensor has 6 elements: say "
        "which you mean, t.all() or t.any() (e.g. (t > 0).all()), or test one element.")


def test_matrix_products():
    W = torch.ones(2, 3, dtype=torch.float64)
    v = torch.ones(3, 3)
    assert hint(lambda: W @ v) == (
        "W is float64 and v is float32; a matrix product needs one dtype: convert one side, "
        "e.g. W.float(), or v.double() (Python floats give float32, NumPy arrays float64).")
    A, B = torch.ones(2, 3), torch.ones(2, 3)
    assert hint(lambda: A @ B) == (
        "in A @ B the columns of A (3) must equal the rows of B (2); B.T has shape 3x2, so "
        "A @ B.T works.")
    C = torch.ones(3, 2)
    assert hint(lambda: torch.mm(C, torch.ones(3, 4))) == (
        "in C @ b the columns of C (2) must equal the rows of b (3); C.T has shape 2x3, so "
        "C.T @ b works.")


def test_linear_layers():
    layer = nn.Linear(2, 5)
    batch = torch.ones(4, 3)
    assert hint(lambda: layer(batch)) == (
        "the Linear layer's weight has shape [5, 2] (in_features=2, out_features=5), so its "
        "input needs 2 features in its last dimension, but batch has 3 (shape [4, 3]); make "
        "in_features match the data, or reshape the input.")
    data = torch.from_numpy(np.ones((4, 2)))
    assert hint(lambda: layer(data)) == (
        "data is float64 but the Linear layer's weight is float32; convert the input "
        "(data.float(); NumPy arrays give float64) or the model (model.double()).")


def test_broadcasting():
    a, b = torch.ones(2, 3), torch.ones(2, 4)
    assert hint(lambda: a + b) == (
        "a (shape [2, 3]) and b (shape [2, 4]) of + do not broadcast: sizes are compared from "
        "the last dimension and must be equal or 1; reshape one operand (.reshape, .unsqueeze, "
        "x[:, None] or .T) so that they line up.")
    bias = torch.ones(2)
    assert hint(lambda: a * bias) == (
        "a (shape [2, 3]) and bias (shape [2]) of * do not broadcast: sizes are compared from "
        "the last dimension and must be equal or 1; here bias[:, None] (shape [2, 1]) would "
        "line up with the rows.")


def test_no_graph():
    x = torch.tensor(2.0, requires_grad=True)
    with torch.no_grad():
        y = x * 2
    assert hint(lambda: y.backward()) == (
        "y has no graph: autograd recorded nothing that connects it to x (or to any tensor "
        "that requires grad). Either it was computed without x, or under torch.no_grad(), from "
        "x.detach() or x.data, or through NumPy or .item(); compute it from x itself, with "
        "gradients on.")
    with torch.no_grad():
        assert hint(lambda: y.backward()) == (
            "gradients are off here (inside torch.no_grad() or torch.inference_mode()), so y "
            "recorded no graph; compute it, and call backward(), outside that block.")


def test_no_graph_without_any_tensor_requiring_grad():
    code = ("import autodiff_lab as torch\nz = torch.ones(3).sum()\n"
            "try:\n    z.backward()\nexcept RuntimeError as e:\n    print(e)\n    print(*e.__notes__)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, AUTODIFF_LAB_HINTS="1"), check=True).stdout
    assert out.splitlines()[1] == (
        "Hint: z was computed only from tensors that do not require grad; create the input you "
        "differentiate with requires_grad=True, e.g. x = torch.tensor(2.0, requires_grad=True), "
        "or call x.requires_grad_() before computing z.")


def test_requires_grad_mistakes():
    n = torch.tensor([1, 2])
    assert hint(lambda: n.requires_grad_()) == (
        "n has dtype int64 (integers), and gradients need floating point: create it from "
        "floats (1. instead of 1) or with dtype=torch.float32, or use n.float().")
    assert hint(lambda: torch.tensor([1, 2], requires_grad=True)) == (
        "the values are integers (int64), and gradients need floating point: write them as "
        "floats (1. instead of 1), or pass dtype=torch.float32.")
    x = torch.tensor([1.0], requires_grad=True)
    y = x * 2
    assert hint(lambda: setattr(y, "requires_grad", True)) == (
        "y was computed by MulBackward0 and already requires grad (gradients flow through it); "
        "to read its gradient call y.retain_grad() before backward(), or make a new leaf with "
        "y.detach().requires_grad_().")
    assert hint(lambda: y.requires_grad_(False)) == (
        "y was computed by MulBackward0; use y.detach() for the same values outside the graph.")
    steps = torch.ones(2, dtype=torch.int64)
    assert hint(lambda: steps.add_(0.5)) == (
        "steps holds int64 values, so an in-place op cannot store a float32 result in it; use "
        "the out-of-place form (steps = steps + ...) or convert it first "
        "(steps = steps.float()).")


def test_autograd_grad_inputs():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    c = torch.ones(2)
    u = torch.ones(2, requires_grad=True)
    assert hint(lambda: torch.autograd.grad((x * 2).sum(), c)) == (
        "c does not require grad, so it has no gradient: create it with requires_grad=True (or "
        "call .requires_grad_() on it) before computing the output.")
    assert hint(lambda: torch.autograd.grad((x * 2).sum(), [x, u])) == (
        "the output was not computed from u (or only from u.detach() or u.data); differentiate "
        "with respect to the inputs it depends on, or pass allow_unused=True to get None for "
        "this one.")


def test_name_given_with_name_wins_over_the_variable():
    x = torch.tensor([1.0, 2.0], requires_grad=True, name="weights")
    assert hint(lambda: x.numpy()).startswith("weights requires grad")


def test_pytorchs_text_comes_first_unchanged():
    torch_ref = require_torch()
    for lib_prog in (lambda t: (t.tensor([1.0, 2.0], requires_grad=True) * 2).backward(),
                     lambda t: t.ones(2, 3) @ t.ones(2, 3),
                     lambda t: t.ones(2, 3) + t.ones(2, 4),
                     lambda t: t.tensor([1.0], requires_grad=True).numpy(),
                     lambda t: t.ones(3).item()):
        ours, theirs = _raised(lambda: lib_prog(torch)), _raised(lambda: lib_prog(torch_ref))
        assert type(ours) is type(theirs)
        assert str(ours) == str(theirs)      # what print(e) shows is exactly PyTorch's
        assert hints.text(ours).startswith(str(theirs) + "\nHint: ")   # the traceback's note


def test_set_hints_turns_the_lines_off():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    assert torch.hints_enabled() is True
    torch.set_hints(False)
    try:
        assert torch.hints_enabled() is False
        error = _raised(lambda: (x * 2).backward())
        assert hints.text(error) == "grad can be implicitly created only for scalar outputs"
        assert not hasattr(error, "__notes__")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            (x * 2).grad  # noqa: B018 - the access is the point
        assert "Hint" not in str(caught[0].message)
    finally:
        torch.set_hints(True)


def test_the_environment_variable_turns_them_off():
    code = ("import autodiff_lab as torch\ntry:\n    torch.ones(3).item()\n"
            "except RuntimeError as e:\n    print(repr(str(e)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, AUTODIFF_LAB_HINTS="0"), check=True).stdout
    assert out == "'a Tensor with 3 elements cannot be converted to Scalar'\n"


def test_a_hint_that_fails_never_hides_the_error(monkeypatch):
    def broken(*args):
        raise KeyError("bug")
    monkeypatch.setattr(hints, "not_one_element", broken)
    error = _raised(lambda: torch.ones(3).item())
    assert type(error) is RuntimeError
    assert str(error) == "a Tensor with 3 elements cannot be converted to Scalar"


def test_hints_cost_nothing_until_an_error(monkeypatch):
    calls = []
    monkeypatch.setattr(hints, "_caller_tensors", lambda: calls.append(1) or [])
    monkeypatch.setattr(hints, "_caller_names", lambda nodes=False: calls.append(1) or {})
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    loss = ((x @ x) * 2 + x.sum()).exp()
    loss.backward()
    x.retain_grad()
    assert calls == []
    with pytest.raises(RuntimeError):
        loss.backward()
    assert calls


def test_the_readme_example_is_what_autodiff_lab_prints():
    import re
    readme = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")
    with open(readme, encoding="utf-8") as f:
        block = re.search(r"<!-- hints-example -->\n```\n(.*?)```", f.read(), re.S).group(1)
    lines = block.splitlines()
    namespace = {"torch": torch}
    for line in lines[:2]:
        exec(line.removeprefix(">>> "), namespace)
    error = _raised(lambda: exec(lines[2].removeprefix(">>> "), namespace))
    assert f"{type(error).__name__}: {hints.text(error)}" == "\n".join(lines[3:])


def test_reshape_sizes():
    x = torch.ones(2, 3)
    assert hint(lambda: x.reshape(4, 2)) == (
        "the tensor has 6 elements but a shape of [4, 2] holds 8: the sizes must multiply to 6 "
        "(let one be inferred with -1, e.g. reshape(-1, 2)).")
    assert hint(lambda: x.reshape(4, 4)).endswith("(let one be inferred with -1, e.g. "
                                                  "reshape(-1)).")
    assert hint(lambda: x.view(-1, 4)) == (
        "the tensor has 6 elements, and no whole size for the -1 makes 4 × (that size) = 6; the "
        "sizes you give must divide 6.")


def test_gradients_of_the_wrong_shape():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    assert hint(lambda: y.backward(torch.ones(2))) == (
        "the gradient passed to backward() holds d(loss)/dy for each element of y, so it needs "
        "y's shape, [3], not [2]; e.g. torch.ones_like(y).")
    loss = y.sum()
    assert hint(lambda: loss.backward(torch.ones(3))) == (
        "loss is a scalar, so backward() needs no gradient: call loss.backward() without one "
        "(a gradient passed must have loss's shape, [], e.g. torch.tensor(1.)).")
