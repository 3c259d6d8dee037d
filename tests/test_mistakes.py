"""The mistake simulator: each mistake reproduced (the exact error or the wrong number next to the
right one), the same as PyTorch shows for the same code, explained, and displayed."""

import contextlib
import io
import warnings

import pytest
from conftest import require_torch

import autodiff_lab
from autodiff_lab import mistakes

NAMES = ["forgot_zero_grad", "backward_twice", "data_edit", "inplace_on_saved",
         "nonscalar_backward", "grad_of_nonleaf", "inplace_on_leaf"]
NON_LEAF = ("UserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being "
            "accessed. Its .grad attribute won't be populated during autograd.backward(). If you "
            "indeed want the .grad field to be populated for a non-leaf Tensor, use "
            ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
            "mistake, make sure you access the leaf Tensor instead. See "
            "github.com/pytorch/pytorch/pull/30531 for more information. (Triggered internally "
            "at /__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)")

EXPECTED = {  # (what happens, what the fix gives)
    "forgot_zero_grad": ("tensor(72.)", "tensor(24.)"),
    "backward_twice": (
        "RuntimeError: Trying to backward through the graph a second time (or directly access "
        "saved tensors after they have already been freed). Saved intermediate values of the "
        "graph are freed when you call .backward() or autograd.grad(). Specify "
        "retain_graph=True if you need to backward through the graph a second time or if you "
        "need to access saved tensors after calling backward.\n"
        "Hint: the values MulBackward0 (in the graph of y) saved for backward were freed by an "
        "earlier backward(); compute y again before each backward() (in a training loop, inside "
        "the loop), or pass retain_graph=True to the first backward() if you need the same "
        "graph twice.", "tensor(8.)"),
    "data_edit": ("tensor(40.)", "tensor(4.)"),
    "inplace_on_saved": (
        "RuntimeError: one of the variables needed for gradient computation has been modified "
        "by an inplace operation: [torch.FloatTensor [2]], which is output 0 of Exp, is at "
        "version 1; expected version 0 instead. Hint: enable anomaly detection to find the "
        "operation that failed to compute its gradient, with "
        "torch.autograd.set_detect_anomaly(True, check_nan=False).\n"
        "Hint: y, the output of ExpBackward0, was saved for the backward pass and then changed "
        "in place by add_ (now at version 1; backward needs version 0); use the out-of-place "
        "form (y = y + 1, not y += 1 or y.add_(1)), or change a copy (y.clone()).",
        "tensor([2.7183, 7.3891])"),
    "nonscalar_backward": (
        "RuntimeError: grad can be implicitly created only for scalar outputs\n"
        "Hint: y has shape [3], so there is no single number to differentiate: reduce it "
        "first, e.g. y.sum().backward() or y.mean().backward(), or pass the gradient of each "
        "element, y.backward(torch.ones_like(y)).", "tensor([2., 2., 2.])"),
    "grad_of_nonleaf": (
        "None\n" + NON_LEAF + "\nHint: y was computed by MulBackward0, so backward() does not "
        "keep its gradient; read x.grad, or call y.retain_grad() before backward() to keep it.",
        "tensor(12.) tensor(36.)"),
    "inplace_on_leaf": (
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation.\nHint: this in-place op changes w, a leaf that requires grad, whose value "
        "autograd needs unchanged; update it under `with torch.no_grad():` (as an optimizer "
        "step does: w -= lr * w.grad), or compute a new tensor out of place (w2 = w * 2).",
        "tensor(1.4000, requires_grad=True)"),
}


@pytest.mark.parametrize("name", NAMES)
def test_each_mistake_shows_what_really_happens_and_the_fix(name):
    m = getattr(mistakes, name)()
    assert (m.happened, m.fixed) == EXPECTED[name]
    assert m.name == name and m.why and m.title == getattr(mistakes, name).title


def _under(torch, code):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(code, {"torch": torch})
            error = None
        except Exception as e:  # noqa: BLE001 - the outcome is compared
            error = f"{type(e).__name__}: {e}"
    lines = [out.getvalue().rstrip("\n")] if out.getvalue() else []
    return "\n".join(lines + [f"{w.category.__name__}: {w.message}" for w in caught] +
                     ([error] if error else []))


@pytest.mark.parametrize("name", NAMES)
def test_pytorch_shows_the_same_for_the_same_code(name):
    torch = require_torch()
    m = getattr(mistakes, name)()
    ours = "\n".join(line for line in m.happened.splitlines() if not line.startswith("Hint: "))
    assert ours == _under(torch, m.code).replace("autodiff_lab.", "torch.")
    assert m.fixed == _under(torch, m.fix)


def test_the_catalogue_lists_every_mistake():
    catalogue = mistakes.list()
    assert [name for name, _ in catalogue] == NAMES
    assert repr(catalogue).splitlines()[0] == (
        "mistakes.forgot_zero_grad()    forgetting to zero the gradient between steps")
    assert "<td><code>mistakes.data_edit()</code></td>" in catalogue._repr_html_()
    assert autodiff_lab.mistakes is mistakes


def test_text_and_html_views():
    m = mistakes.nonscalar_backward()
    text = repr(m)
    assert text.startswith("Mistake: backward() of a tensor with several elements  "
                           "(mistakes.nonscalar_backward())\n\n"
                           "    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n")
    assert "\n\nWhat happens:\n    RuntimeError: grad can be implicitly created only for scalar " \
           "outputs\n    Hint: y has shape [3]" in text
    assert text.endswith("\n\nwhich gives:\n    tensor([2., 2., 2.])")
    page = m._repr_html_()
    assert page.startswith("<div><h4>Mistake: backward() of a tensor with several elements</h4>")
    assert "<p><b>Why:</b> backward() computes the gradient of one number" in page


def test_without_hints_only_pytorchs_text_is_shown():
    autodiff_lab.set_hints(False)
    try:
        m = mistakes.nonscalar_backward()
    finally:
        autodiff_lab.set_hints(True)
    assert m.happened == "RuntimeError: grad can be implicitly created only for scalar outputs"
