"""Every op in the registry, generically: its VJP against central finite differences, to second
order through ``create_graph=True``, and its bookkeeping (node name, broadcast reduction).

A new op needs only an entry in ``op_samples.SAMPLES``; a missing entry fails loudly.
"""

import numpy as np
import pytest

import autodiff_lab
from autodiff_lab.ops import REGISTRY, apply

from conftest import numeric_grad
from op_samples import SAMPLES, Const

DIFFERENTIABLE = sorted(name for name, op in REGISTRY.items()
                        if op.node_name is not None and op.differentiable
                        and op.not_implemented is None)  # no backward in PyTorch either


def _inputs(name, seed=0):
    args, params = SAMPLES[name](np.random.default_rng(seed))
    tensors = []
    for a in args:
        if isinstance(a, Const):
            tensors.append(autodiff_lab.tensor(a.array))
        elif isinstance(a, np.ndarray):
            tensors.append(autodiff_lab.tensor(a, dtype=autodiff_lab.float64, requires_grad=True))
        else:
            tensors.append(a)
    return tensors, params


def _forward(op, args, params):
    """The op on plain arrays, for finite differences."""
    return np.asarray(op.forward(*[a._data if isinstance(a, autodiff_lab.Tensor) else a
                                   for a in args], **params), dtype=np.float64)


def _leaves(args):
    return [a for a in args if isinstance(a, autodiff_lab.Tensor) and a.requires_grad]


def test_every_op_has_samples():
    missing = [name for name in DIFFERENTIABLE if name not in SAMPLES]
    assert not missing, f"add sample inputs for these ops to tests/op_samples.py: {missing}"


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_vjp_matches_finite_differences(name):
    op = REGISTRY[name]
    args, params = _inputs(name)
    out = apply(op, *args, **params)
    assert out.grad_fn.name() == op.node_name
    w = np.random.default_rng(1).normal(size=out.shape)
    (out * autodiff_lab.tensor(w)).sum().backward()
    for leaf in _leaves(args):
        numeric = numeric_grad(lambda: float((_forward(op, args, params) * w).sum()),
                                leaf._data)
        assert leaf.grad.shape == leaf.shape
        np.testing.assert_allclose(leaf.grad.numpy(), numeric, rtol=1e-6, atol=1e-8,
                                   err_msg=f"{name}: d/d(input of shape {tuple(leaf.shape)})")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_second_order_matches_finite_differences(name):
    """d/dx <grad(x), v>: create_graph's answer against differences of first-order grads."""
    op = REGISTRY[name]
    args, params = _inputs(name)
    leaves = _leaves(args)
    rng = np.random.default_rng(2)
    out = apply(op, *args, **params)
    w = autodiff_lab.tensor(rng.normal(size=out.shape))
    vs = [rng.normal(size=leaf.shape) for leaf in leaves]

    def first_order_dot_v():
        y = apply(op, *args, **params)
        grads = autodiff_lab.autograd.grad((y * w).sum(), leaves, allow_unused=True)
        return float(sum((g._data * v).sum() for g, v in zip(grads, vs) if g is not None))

    grads = autodiff_lab.autograd.grad((out * w).sum(), leaves, create_graph=True,
                                       allow_unused=True)
    total = sum((g * autodiff_lab.tensor(v)).sum() for g, v in zip(grads, vs) if g is not None)
    if not getattr(total, "requires_grad", False):
        analytic = [np.zeros(leaf.shape) for leaf in leaves]  # a linear op: constant gradient
    else:
        analytic = [np.zeros(leaf.shape) if g is None else g.numpy() for g, leaf in zip(
            autodiff_lab.autograd.grad(total, leaves, allow_unused=True), leaves)]
    for leaf, a in zip(leaves, analytic):
        numeric = numeric_grad(first_order_dot_v, leaf._data)
        np.testing.assert_allclose(a, numeric, rtol=1e-5, atol=1e-6,
                                   err_msg=f"{name}: second order, input {tuple(leaf.shape)}")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_float32_gradients_keep_input_dtype(name):
    op = REGISTRY[name]
    args, params = _inputs(name)
    args32 = [a.detach().float().requires_grad_(a.requires_grad)
              if isinstance(a, autodiff_lab.Tensor) and a.dtype.is_floating_point else a
              for a in args]
    if "dtype" in params:
        params = {**params, "dtype": autodiff_lab.float64}
    out = apply(op, *args32, **params)
    out.sum().backward()
    for leaf in _leaves(args32):
        assert leaf.grad.dtype is autodiff_lab.float32, name


FUSED = sorted(name for name, op in REGISTRY.items() if op.vjp_numpy is not None)


@pytest.mark.parametrize("name", FUSED)
def test_fused_numpy_vjp_agrees_with_the_rule(name):
    """The in-place fast path gives the same numbers as the readable rule, and never writes
    into its arguments."""
    op = REGISTRY[name]
    args, params = _inputs(name)
    arrays = [a._data if isinstance(a, autodiff_lab.Tensor) else a for a in args]
    out = np.asarray(op.forward(*arrays, **params))
    g = np.random.default_rng(3).normal(size=out.shape)
    before = [a.copy() for a in arrays if isinstance(a, np.ndarray)] + [g.copy(), out.copy()]
    fused = op.vjp_numpy(g, *arrays, out=out, **params)
    plain = op.vjp(g, *arrays, out=out, **params)
    for f, p in zip(fused, plain):
        np.testing.assert_allclose(f, p, rtol=1e-12, atol=1e-15, err_msg=name)
    after = [a for a in arrays if isinstance(a, np.ndarray)] + [g, out]
    for b, a in zip(before, after):
        assert np.array_equal(a, b), f"{name}.vjp_numpy modified an argument"
    # 0-d arrays too: NumPy returns scalars from 0-d arithmetic, which in-place steps reject.
    scalars = [a.reshape(-1)[0].reshape(()) if isinstance(a, np.ndarray) else a for a in arrays]
    out0 = np.asarray(op.forward(*scalars, **params))
    fused0 = op.vjp_numpy(np.ones(()), *scalars, out=out0, **params)
    plain0 = op.vjp(np.ones(()), *scalars, out=out0, **params)
    for f, p in zip(fused0, plain0):
        np.testing.assert_allclose(f, p, rtol=1e-12, err_msg=f"{name} on 0-d arrays")


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_a_result_freed_by_backward_is_recomputed_exactly(name):
    """After backward frees the graph, explain and the pictures read each op's result again
    through a stand-in: it must give back the same values, shape and dtype."""
    op = REGISTRY[name]
    args, params = _inputs(name)
    out = apply(op, *args, **params)
    expected = out.detach().numpy().copy()
    w = autodiff_lab.tensor(np.random.default_rng(1).normal(size=out.shape))
    loss = (out * w).sum()
    del out  # no variable holds the result any more: backward frees it
    loss.backward()
    mul = loss.grad_fn.next_functions[0][0]
    assert mul.name() == "MulBackward0"
    stand_in = mul._inputs[0]
    assert type(stand_in).__name__ == "_SpentTensor"
    assert stand_in.grad_fn.name() == op.node_name
    assert (tuple(stand_in.shape), stand_in.dtype) == (expected.shape, autodiff_lab.float64)
    np.testing.assert_array_equal(stand_in.detach().numpy(), expected)
