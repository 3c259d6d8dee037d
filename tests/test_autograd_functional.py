"""autograd.functional against PyTorch: the same values, the same printed results, the same
errors; and forward mode (jvp, forward-mode jacobian) against reverse mode."""

import numpy as np
import pytest
from conftest import require_torch

import autodiff_lab
import autodiff_lab.forward as fwAD
from autodiff_lab.autograd.functional import hessian, jacobian, jvp, vjp


# Functions written once, run with either library (they only use tensor methods).
def cubic_sin(x):            # R^n -> R
    return (x ** 3 * x.sin()).sum()


def mixing(x):               # R^n -> R^n, every output depends on x[0]
    return x.exp() * x[0] + x.tanh()


def two_in_two_out(x, y):    # (matrix, column) -> (column, scalar)
    return (x @ y).sigmoid(), (x * 2).sum()


def row_softmax(w):          # matrix -> matrix
    return w.softmax(dim=1)


def bilinear(x, y):          # two vectors -> vector
    return x * y + x.log()


def scalar(x):               # R -> R
    return x ** 4 * 2 + x ** 3 - x.exp()


def constant(x):             # ignores its input
    return x.detach() * 0 + 1


VEC = [1.0, 2.0, 3.0]
MAT = ([[1.0, 2.0], [3.0, 4.0]], [[0.5], [0.1]])
PAIR = ([1.0, 2.0], [3.0, 4.0])

CASES = [
    # name, func, inputs, v, kwargs
    ("vjp", cubic_sin, VEC, None, {}),
    ("vjp", scalar, 1.5, None, {}),
    ("vjp", mixing, VEC, [1.0, 0.5, 2.0], {}),
    ("vjp", two_in_two_out, MAT, ([[1.0], [2.0]], 1.0), {}),
    ("vjp", row_softmax, [[1.0, 2.0, 0.0], [0.5, 0.2, 0.1]], [[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]],
     {}),
    ("vjp", mixing, VEC, [1.0, 0.5, 2.0], {"create_graph": True}),
    ("vjp", constant, VEC, [1.0, 1.0, 1.0], {}),
    ("jvp", scalar, 1.5, None, {}),
    ("jvp", cubic_sin, [2.0], None, {}),
    ("jvp", mixing, VEC, [1.0, 0.5, 2.0], {}),
    ("jvp", bilinear, PAIR, ([1.0, 0.0], [0.0, 1.0]), {}),
    ("jvp", two_in_two_out, MAT, ([[1.0, 0.0], [2.0, 1.0]], [[1.0], [1.0]]), {}),
    ("jvp", row_softmax, [[1.0, 2.0, 0.0], [0.5, 0.2, 0.1]], [[1.0, 0.0, 0.0], [0.0, 2.0, 1.0]],
     {}),
    ("jvp", mixing, VEC, [1.0, 0.5, 2.0], {"create_graph": True}),
    ("jvp", constant, VEC, [1.0, 1.0, 1.0], {}),
    ("jacobian", scalar, 1.5, None, {}),
    ("jacobian", cubic_sin, VEC, None, {}),
    ("jacobian", mixing, VEC, None, {}),
    ("jacobian", two_in_two_out, MAT, None, {}),
    ("jacobian", row_softmax, [[1.0, 2.0, 0.0], [0.5, 0.2, 0.1]], None, {}),
    ("jacobian", bilinear, PAIR, None, {}),
    ("jacobian", mixing, VEC, None, {"create_graph": True}),
    ("jacobian", constant, VEC, None, {}),
    ("jacobian", mixing, VEC, None, {"strategy": "forward-mode", "vectorize": True}),
    ("jacobian", two_in_two_out, MAT, None, {"strategy": "forward-mode", "vectorize": True}),
    ("jacobian", bilinear, PAIR, None, {"strategy": "forward-mode", "vectorize": True}),
    ("hessian", scalar, 1.5, None, {}),
    ("hessian", cubic_sin, VEC, None, {}),
    ("hessian", lambda x, y: (x * y.exp()).sum(), PAIR, None, {}),
    ("hessian", lambda w: (w @ w).tanh().sum(), [[0.1, 0.2], [0.3, -0.4]], None, {}),
    ("hessian", cubic_sin, VEC, None, {"create_graph": True}),
    ("hvp", cubic_sin, VEC, [1.0, 0.5, 2.0], {}),
    ("vhp", cubic_sin, VEC, [1.0, 0.5, 2.0], {}),
    ("hvp", lambda x, y: (x * y.exp()).sum(), PAIR, ([1.0, 0.5], [2.0, 1.0]), {}),
    # misuse: the errors must read exactly as PyTorch's
    ("vjp", mixing, VEC, None, {}),
    ("vjp", mixing, VEC, [1.0, 2.0], {}),
    ("vjp", two_in_two_out, MAT, ([[1.0], [2.0]],), {}),
    ("vjp", two_in_two_out, MAT, ([[1.0], [2.0]], [1.0]), {}),
    ("vjp", constant, VEC, [1.0, 1.0, 1.0], {"strict": True}),
    ("jvp", mixing, VEC, None, {}),
    ("jvp", mixing, VEC, [1.0, 2.0], {}),
    ("jvp", bilinear, PAIR, ([1.0, 0.0],), {}),
    ("jvp", bilinear, PAIR, ([1.0, 0.0], [0.0]), {}),
    ("jvp", constant, VEC, [1.0, 1.0, 1.0], {"strict": True}),
    ("jacobian", constant, VEC, None, {"strict": True}),
    ("jacobian", cubic_sin, VEC, None, {"strategy": "sideways"}),
    ("jacobian", cubic_sin, VEC, None, {"strategy": "forward-mode", "create_graph": True}),
    ("jacobian", cubic_sin, VEC, None, {"strategy": "forward-mode", "strict": True}),
    ("jacobian", cubic_sin, VEC, None, {"vectorize": True, "strict": True}),
    ("hessian", mixing, VEC, None, {}),
    ("hessian", two_in_two_out, MAT, None, {}),
    ("hvp", cubic_sin, VEC, None, {}),
]


def _convert(lib, data):
    if data is None:
        return None
    if isinstance(data, tuple):
        return tuple(_convert(lib, d) for d in data)
    return lib.tensor(data, dtype=lib.float64)


def _run(lib, name, func, inputs, v, kwargs):
    """The printed result (or error) of one call, with the library's name normalised."""
    args = (func, _convert(lib, inputs)) + (() if v is None else (_convert(lib, v),))
    try:
        result = repr(getattr(lib.autograd.functional, name)(*args, **kwargs))
    except Exception as e:  # noqa: BLE001 - the error type and text are part of the contract
        result = f"{type(e).__name__}: {e}"
    return result.replace("autodiff_lab.", "torch.")


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1].__name__}-{i}"
                                             for i, c in enumerate(CASES)])
def test_same_printed_result_as_pytorch(case):
    torch = require_torch()
    ours, theirs = _run(autodiff_lab, *case), _run(torch, *case)
    if "can only be None" in theirs:  # PyTorch's text, then our one teaching line
        ours, hint = ours.split("\nHint: ")
        assert hint.startswith("the ") and "pass v" in hint and "\n" not in hint
    assert ours == theirs


def test_v_none_hints_name_the_shape_to_pass():
    x = autodiff_lab.ones(2, 3)
    with pytest.raises(RuntimeError) as info:
        vjp(lambda x: x * 2, x)
    assert str(info.value).splitlines()[1] == (
        "Hint: the output has shape [2, 3]; pass v of that shape, e.g. v=torch.ones(2, 3), or "
        "call jacobian() for the whole matrix.")
    with pytest.raises(RuntimeError) as info:
        jvp(lambda x, y: x * y, (autodiff_lab.ones(3), autodiff_lab.ones(1)))
    assert str(info.value).splitlines()[1] == (
        "Hint: the inputs have shapes [3] and [1]; pass v as a tuple of tensors of those shapes, "
        "or call jacobian() for the whole matrix.")
    with pytest.raises(RuntimeError) as info:
        autodiff_lab.autograd.functional.hvp(lambda x: x.sum(), x)
    assert str(info.value).endswith("or call hessian() for the whole matrix.")


def test_hessian_forward_over_reverse_matches_pytorch_values():
    torch = require_torch()
    for func, inputs in [(cubic_sin, VEC), (lambda x, y: (x * y.exp()).sum(), PAIR),
                         (lambda w: (w @ w).tanh().sum(), [[0.1, 0.2], [0.3, -0.4]])]:
        ours = hessian(func, _convert(autodiff_lab, inputs),
                       outer_jacobian_strategy="forward-mode")
        theirs = torch.autograd.functional.hessian(
            func, _convert(torch, inputs), outer_jacobian_strategy="forward-mode", vectorize=True)
        np.testing.assert_allclose(_flat(ours), _flat(theirs), rtol=1e-12, atol=1e-12)
        # ... and equals the reverse-over-reverse Hessian.
        reverse = hessian(func, _convert(autodiff_lab, inputs))
        np.testing.assert_allclose(_flat(ours), _flat(reverse), rtol=1e-12, atol=1e-12)


def _flat(result):
    if isinstance(result, (tuple, list)):
        return np.concatenate([_flat(r) for r in result])
    return result.detach().numpy().reshape(-1)


@pytest.mark.parametrize("func, inputs", [(cubic_sin, VEC), (mixing, VEC), (two_in_two_out, MAT),
                                          (row_softmax, [[1.0, 2.0, 0.0], [0.5, 0.2, 0.1]]),
                                          (bilinear, PAIR), (scalar, 1.5)])
def test_forward_and_reverse_jacobians_agree(func, inputs):
    x = _convert(autodiff_lab, inputs)
    forward = jacobian(func, x, strategy="forward-mode")
    reverse = jacobian(func, x)
    np.testing.assert_allclose(_flat(forward), _flat(reverse), rtol=1e-13, atol=1e-14)


def test_forward_mode_costs_a_pass_per_input_reverse_a_pass_per_output():
    """The lesson's point: R^2 -> R^5 needs 2 forward passes but 5 backward passes."""
    calls, backward_passes = [], []
    x = autodiff_lab.tensor([0.5, -1.0], dtype=autodiff_lab.float64)
    weights = autodiff_lab.arange(1.0, 6.0, dtype=autodiff_lab.float64)

    def wide(x):
        calls.append(1)
        return (x[0] * weights).sin() + x[1] ** 2

    forward = jacobian(wide, x, strategy="forward-mode")
    assert len(calls) == 2 and forward.shape == (5, 2)
    calls.clear()
    original = autodiff_lab.autograd.grad

    def counting_grad(*args, **kwargs):
        backward_passes.append(1)
        return original(*args, **kwargs)

    autodiff_lab.autograd.grad = counting_grad
    try:
        reverse = jacobian(wide, x)
    finally:
        autodiff_lab.autograd.grad = original
    assert len(calls) == 1 and len(backward_passes) == 5
    assert np.array_equal(forward.numpy(), reverse.numpy())


def test_jvp_runs_func_once_on_dual_inputs():
    seen = []
    x = autodiff_lab.tensor([1.0, 2.0])
    v = autodiff_lab.tensor([0.5, -1.0])

    def f(x):
        seen.append(fwAD.unpack_dual(x).tangent)
        return x * x

    out, tangent = jvp(f, x, v)
    assert len(seen) == 1 and seen[0] is not None and seen[0].tolist() == [0.5, -1.0]
    assert out.tolist() == [1.0, 4.0] and tangent.tolist() == [1.0, -4.0]
    assert not out.requires_grad and not tangent.requires_grad


def test_jvp_of_a_gradient_is_a_hessian_vector_product():
    """Forward-over-reverse inside jvp: func itself runs a create_graph backward."""
    x = autodiff_lab.tensor([0.3, 1.2, 2.0], dtype=autodiff_lab.float64)
    v = autodiff_lab.tensor([1.0, 0.5, -2.0], dtype=autodiff_lab.float64)

    def gradient(x):
        return autodiff_lab.autograd.grad(cubic_sin(x), x, create_graph=True)[0]

    _, hv = jvp(gradient, x, v)
    h = hessian(cubic_sin, x)
    np.testing.assert_allclose(hv.numpy(), h.numpy() @ v.numpy(), rtol=1e-12, atol=1e-12)


def test_create_graph_results_are_differentiable():
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    _, tangent = jvp(lambda x: x ** 3, x, autodiff_lab.ones(2, dtype=autodiff_lab.float64),
                     create_graph=True)
    assert tangent.tolist() == [3.0, 12.0]
    (g,) = autodiff_lab.autograd.grad(tangent.sum(), x)
    assert g.tolist() == [6.0, 12.0]           # d/dx of 3x²
    jac = jacobian(lambda x: x ** 3, x, create_graph=True)
    (g,) = autodiff_lab.autograd.grad(jac.sum(), x)
    assert g.tolist() == [6.0, 12.0]


def test_inputs_are_not_modified_and_grad_mode_is_restored():
    x = autodiff_lab.tensor([1.0, 2.0], requires_grad=True)
    with autodiff_lab.no_grad():
        jac = jacobian(lambda x: x * x, x)
        _, t = jvp(lambda x: x * x, x, autodiff_lab.ones(2))
        assert not autodiff_lab.is_grad_enabled()
    assert jac.tolist() == [[2.0, 0.0], [0.0, 4.0]] and t.tolist() == [2.0, 4.0]
    assert x.grad is None and x.is_leaf
    assert autodiff_lab.ops.base.forward_hook is None


def test_non_tensor_inputs_are_refused_like_pytorch():
    torch = require_torch()
    for lib in (autodiff_lab, torch):
        with pytest.raises(TypeError) as info:
            lib.autograd.functional.jacobian(lambda x: x, (lib.tensor(1.0), 2.0))
        assert str(info.value) == (
            "The inputs given to jacobian must be either a Tensor or a tuple of Tensors but the "
            "value at index 1 has type <class 'float'>.")
