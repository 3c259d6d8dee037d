"""Differential tests: random expression graphs run through autodiff_lab and PyTorch must agree.

Hypothesis draws leaf shapes that broadcast against each other, values, and a chain of ops; the
same program runs once per library, and the forward values, the gradients of every leaf, the
second derivatives through ``create_graph=True`` and the grad_fn names are compared (float64).
"""

import numpy as np
from hypothesis import HealthCheck, given, settings

import autodiff_lab

from conftest import require_torch
from random_programs import BINARY, UNARY, programs, run

torch = require_torch()


def _node_name(t):
    return None if t.grad_fn is None else t.grad_fn.name()


def _arr(t):
    return np.asarray(t.detach().numpy(force=True))


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(programs())
def test_random_graphs_match_pytorch(program):
    leaves, steps, seed = program
    ours = run(autodiff_lab, leaves, steps, seed)
    ref = run(torch, leaves, steps, seed)
    for (name, a), (_, b) in zip(ours[1], ref[1]):
        assert a.shape == tuple(b.shape), name
        np.testing.assert_allclose(_arr(a), _arr(b), rtol=1e-10, atol=1e-12, err_msg=name)
        assert _node_name(a) == _node_name(b), name
    ours_loss, ref_loss = ours[2], ref[2]
    if isinstance(ref_loss, Exception):
        assert type(ours_loss) is type(ref_loss)
        assert str(ours_loss) == str(ref_loss)
        return
    np.testing.assert_allclose(ours_loss.item(), ref_loss.item(), rtol=1e-10, atol=1e-12)
    g_ours = autodiff_lab.autograd.grad(ours_loss, ours[0], create_graph=True, allow_unused=True)
    g_ref = torch.autograd.grad(ref_loss, ref[0], create_graph=True, allow_unused=True)
    assert [g is None for g in g_ours] == [g is None for g in g_ref]
    g_ours = [g for g in g_ours if g is not None]
    g_ref = [g for g in g_ref if g is not None]
    for a, b in zip(g_ours, g_ref):
        np.testing.assert_allclose(_arr(a), _arr(b), rtol=1e-9, atol=1e-11)
    # Second order: the gradient of sum(grad · 1) w.r.t. the leaves, a Hessian-vector product.
    s_ours = sum((g * g).sum() for g in g_ours)
    s_ref = sum((g * g).sum() for g in g_ref)
    # Where one library's gradient is a constant (relu's mask is not differentiated further),
    # its second derivative is zero; compare values, treating "no graph" as zeros.
    h_ours = _second_order(autodiff_lab, s_ours, ours[0])
    h_ref = _second_order(torch, s_ref, ref[0])
    for a, b, leaf in zip(h_ours, h_ref, leaves):
        a = np.zeros(leaf.shape) if a is None else _arr(a)
        b = np.zeros(leaf.shape) if b is None else _arr(b)
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def _second_order(lib, s, leaves):
    if not s.requires_grad:
        return [None] * len(leaves)
    return lib.autograd.grad(s, leaves, allow_unused=True)


def test_every_unary_op_is_exercised_on_2d_input():
    """Each table entry once, deterministically, so a failure names its op."""
    rng = np.random.default_rng(0)
    data = rng.uniform(-2, 2, size=(2, 3))
    for name, fn in {**UNARY, **{k: (lambda f: lambda lib, a: f(lib, a, a * 0.5 + 0.1))(f)
                                 for k, f in BINARY.items()}}.items():
        x1 = autodiff_lab.tensor(data, requires_grad=True)
        x2 = torch.tensor(data, requires_grad=True)
        y1, y2 = fn(autodiff_lab, x1), fn(torch, x2)
        assert y1.grad_fn.name() == y2.grad_fn.name(), name
        np.testing.assert_allclose(_arr(y1), _arr(y2), rtol=1e-12, err_msg=name)
        y1.sum().backward()
        y2.sum().backward()
        np.testing.assert_allclose(x1.grad.numpy(), x2.grad.numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=name)
