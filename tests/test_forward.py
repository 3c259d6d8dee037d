"""Forward mode: the Dual number class, dual tensors against torch.autograd.forward_ad, and every
op's tangent (derived generically from its VJP) against reverse mode and finite differences."""

import math
import warnings

import numpy as np
import pytest
from conftest import require_torch
from op_samples import SAMPLES, Const

import autodiff_lab
import autodiff_lab.forward as fwAD
from autodiff_lab.forward import Dual, derivative
from autodiff_lab.ops import REGISTRY, apply

DIFFERENTIABLE = sorted(name for name, op in REGISTRY.items()
                        if op.node_name is not None and op.differentiable
                        and op.not_implemented is None)  # no backward in PyTorch either


# --------------------------------------------------------------------- Dual numbers
def test_dual_polynomial_gives_the_seed_derivative():
    y = 2 * Dual(2.0, 1.0) ** 4 + Dual(2.0, 1.0) ** 3 + 3 * Dual(2.0, 1.0) ** 2 \
        + 5 * Dual(2.0, 1.0) + 1
    assert (y.value, y.derivative) == (63.0, 93.0)
    assert derivative(lambda x: 2*x**4 + x**3 + 3*x**2 + 5*x + 1, 2.0) == 93.0
    assert str(y) == "63.0 + 93.0ε"
    assert repr(Dual(1.0, -2.0)) == "Dual(value=1.0, derivative=-2.0)"
    assert str(Dual(1.0, -2.0)) == "1.0 - 2.0ε"


@pytest.mark.parametrize("name, f, df", [
    ("exp", math.exp, math.exp),
    ("log", math.log, lambda a: 1 / a),
    ("sqrt", math.sqrt, lambda a: 0.5 / math.sqrt(a)),
    ("sin", math.sin, math.cos),
    ("cos", math.cos, lambda a: -math.sin(a)),
    ("tan", math.tan, lambda a: 1 + math.tan(a) ** 2),
    ("tanh", math.tanh, lambda a: 1 - math.tanh(a) ** 2),
    ("sigmoid", lambda a: 1 / (1 + math.exp(-a)),
     lambda a: (1 / (1 + math.exp(-a))) * (1 - 1 / (1 + math.exp(-a)))),
    ("relu", lambda a: max(a, 0.0), lambda a: 1.0),
    ("abs", abs, lambda a: 1.0),
])
def test_dual_functions_follow_f_of_a_plus_b_eps(name, f, df):
    a, b = 0.7, 3.0
    y = getattr(Dual(a, b), name)()
    assert y.value == f(a)
    assert y.derivative == df(a) * b


def test_dual_arithmetic_rules():
    x, y = Dual(3.0, 1.0), Dual(2.0, 0.5)
    assert (x * y) == Dual(6.0, 1.0 * 2.0 + 3.0 * 0.5)               # product rule
    assert (x / y) == Dual(1.5, (1.0 * 2.0 - 3.0 * 0.5) / 4.0)       # quotient rule
    assert (x - y) == Dual(1.0, 0.5) and (1 - x) == Dual(-2.0, -1.0)
    assert (2 / x) == Dual(2 / 3, -2 / 9)
    assert (2 ** x) == Dual(8.0, 8.0 * math.log(2))
    assert (x ** y) == Dual(9.0, 2.0 * 3.0 * 1.0 + 9.0 * math.log(3.0) * 0.5)
    assert (x ** 0) == Dual(1.0, 0.0)
    assert -x == Dual(-3.0, -1.0) and +x is x and abs(-x) == Dual(3.0, 1.0)
    assert x > 2 and x >= 3 and x < 4 and x <= 3 and x == 3.0
    assert hash(Dual(1.0, 2.0)) == hash(Dual(1.0, 2.0))


def test_dual_works_with_numpy_functions_and_branches():
    def f(x):
        return np.exp(x) if x > 0 else np.sin(x)
    assert derivative(f, 0.5) == math.exp(0.5)
    assert derivative(f, -0.5) == math.cos(-0.5)
    assert derivative(lambda x: 4.0, 1.0) == 0.0
    with pytest.raises(TypeError):
        math.exp(Dual(1.0, 1.0))  # no silent float conversion that would drop the derivative


# --------------------------------------------------------------------- dual tensors vs PyTorch
def _dual_program(torch, fwAD):
    """A forward-AD session, printed; run once with PyTorch and once with autodiff_lab."""
    lines = []
    x = torch.tensor([1., 2.], requires_grad=True)
    with fwAD.dual_level() as level:
        lines.append(repr(level))
        d = fwAD.make_dual(x, torch.tensor([1., 0.]))
        lines.append(repr(d))
        y = d.sin() * 2
        lines.append(repr(fwAD.unpack_dual(y).primal.detach()))
        lines.append(repr(fwAD.unpack_dual(y).tangent.detach()))
        lines.append(repr(fwAD.unpack_dual(x)))
        p = fwAD.make_dual(torch.tensor(2.), torch.tensor(1.))
        lines += [repr(p), repr(p * 3), repr((p * 3).sum()), repr(p ** 3 - p)]
        z = fwAD.make_dual(torch.tensor([1., 2.]), torch.tensor([1., 1.]))
        lines += [repr(z.reshape(2, 1)), repr(z[0]), repr(z.detach()), repr(z.clone()),
                  repr(z > 1), repr(torch.ones(2) * z), repr(z @ z), repr(z.softmax(0))]
        with torch.no_grad():
            lines.append(repr(z.exp()))           # tangents ignore no_grad
        with torch.inference_mode():
            lines.append(repr(z.exp()))           # ... but not inference mode
        w = torch.ones(2)
        w.add_(z)                                 # an in-place op takes the tangent along
        lines.append(repr(w))
        w = torch.ones(2)
        w[0] = z[1]
        lines.append(repr(w))
        z.mul_(3)
        lines.append(repr(z))
        lines.append(repr(fwAD.unpack_dual(torch.tensor(3.))))
    lines.append(repr(fwAD.unpack_dual(y)))        # the level is gone, and so is the tangent
    lines.append(repr(p))
    return "\n".join(lines)


def test_dual_tensors_print_and_compute_like_pytorch():
    torch = require_torch()
    import torch.autograd.forward_ad as torch_fwAD
    expected = _dual_program(torch, torch_fwAD)
    got = _dual_program(autodiff_lab, fwAD)
    assert got.replace("autodiff_lab.", "torch.") == expected


def _errors(torch, fwAD):
    out = []

    def record(f):
        try:
            f()
            out.append("no error")
        except Exception as e:  # noqa: BLE001 - the error type and text are what we compare
            out.append(f"{type(e).__name__}: {e}")

    record(lambda: fwAD.make_dual(torch.tensor(1.), torch.tensor(1.)))
    with fwAD.dual_level():
        record(lambda: fwAD.make_dual(torch.tensor(1.), torch.tensor([1., 2.])))
        record(lambda: fwAD.make_dual(torch.tensor([[1., 2.]]), torch.tensor([1., 2.])))
        record(lambda: fwAD.make_dual(torch.tensor(1.), torch.tensor(1)))
        record(lambda: fwAD.dual_level().__enter__())
        record(lambda: fwAD.exit_dual_level(level=3))
    return out


def test_dual_errors_match_pytorch():
    torch = require_torch()
    import torch.autograd.forward_ad as torch_fwAD
    assert _errors(autodiff_lab, fwAD) == _errors(torch, torch_fwAD)
    with pytest.raises(ValueError, match="^Expected primal to be floating point or complex, "
                                         "but got: torch.int64$"), fwAD.dual_level():
        fwAD.make_dual(autodiff_lab.tensor(1), autodiff_lab.tensor(1.0))


def test_dual_level_api():
    t = autodiff_lab.tensor([1.0, 2.0])
    assert fwAD.enter_dual_level() == 0
    dual = fwAD.make_dual(t, autodiff_lab.ones(2))
    fwAD.exit_dual_level()
    assert fwAD.unpack_dual(dual).tangent is None
    assert fwAD.unpack_dual(dual) == (dual, None)
    assert fwAD.UnpackedDualTensor._fields == ("primal", "tangent")

    @fwAD.dual_level()
    def tangent_of_square(x, v):
        return fwAD.unpack_dual(fwAD.make_dual(x, v) ** 2).tangent

    assert tangent_of_square(t, autodiff_lab.ones(2)).tolist() == [2.0, 4.0]
    assert autodiff_lab.autograd.forward_ad is fwAD
    # An error inside the level still closes it.
    with pytest.raises(RuntimeError, match="^boom$"), fwAD.dual_level():
        raise RuntimeError("boom")
    with fwAD.dual_level():
        pass


def test_forward_over_reverse_gives_hessian_vector_products_like_pytorch():
    torch = require_torch()
    import torch.autograd.forward_ad as torch_fwAD

    def hvp(lib, fw):
        x = lib.tensor([0.3, 1.2, 2.0], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.0, 0.5, -2.0], dtype=lib.float64)
        with fw.dual_level():
            d = fw.make_dual(x, v)
            y = (d.exp() * d.tanh() + d.sigmoid() * d.sqrt().sum() + d.softmax(0)).sum()
            (g,) = lib.autograd.grad(y, d, create_graph=True)
            return fw.unpack_dual(g).tangent.detach().numpy()

    np.testing.assert_allclose(hvp(autodiff_lab, fwAD), hvp(torch, torch_fwAD),
                               rtol=1e-12, atol=1e-12)


def test_reverse_over_forward_differentiates_the_tangent():
    torch = require_torch()
    import torch.autograd.forward_ad as torch_fwAD

    def grad_of_jvp(lib, fw):
        x = lib.tensor([0.3, -1.2], dtype=lib.float64, requires_grad=True)
        with fw.dual_level():
            d = fw.make_dual(x, lib.tensor([1.0, 2.0], dtype=lib.float64))
            tangent = fw.unpack_dual((d.sin() * d * d).sum()).tangent
        return lib.autograd.grad(tangent, x)[0].numpy()

    np.testing.assert_allclose(grad_of_jvp(autodiff_lab, fwAD), grad_of_jvp(torch, torch_fwAD),
                               rtol=1e-12, atol=1e-12)


# --------------------------------------------------------------------- every op, generically
def _sample(name, seed=0):
    if name not in SAMPLES:
        pytest.fail(f"{name} has no sample inputs, so its forward mode is untested: add an entry "
                    "to SAMPLES in tests/op_samples.py")
    args, params = SAMPLES[name](np.random.default_rng(seed))
    tensors = [autodiff_lab.tensor(a.array) if isinstance(a, Const) else
               autodiff_lab.tensor(a, dtype=autodiff_lab.float64, requires_grad=True)
               if isinstance(a, np.ndarray) else a for a in args]
    return tensors, params


def _leaf_positions(args):
    return [i for i, a in enumerate(args)
            if isinstance(a, autodiff_lab.Tensor) and a.requires_grad]


def _with(args, positions, values):
    args = list(args)
    for i, v in zip(positions, values):
        args[i] = v
    return args


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_op_tangent_equals_reverse_mode_jacobian_product(name):
    """J·t from the dual-number pass equals J·t assembled from reverse-mode rows of J, and
    the directional finite difference along t."""
    op = REGISTRY[name]
    args, params = _sample(name)
    pos = _leaf_positions(args)
    rng = np.random.default_rng(1)
    tangents = [rng.normal(size=args[i].shape) for i in pos]
    with fwAD.dual_level():
        duals = [fwAD.make_dual(args[i], autodiff_lab.tensor(t, dtype=autodiff_lab.float64))
                 for i, t in zip(pos, tangents)]
        out = apply(op, *_with(args, pos, duals), **params)
        tangent = fwAD.unpack_dual(out).tangent
    assert tangent is not None and tangent.shape == out.shape, name
    assert tangent.dtype is out.dtype, name

    jac = autodiff_lab.autograd.functional.jacobian(
        lambda *xs: apply(op, *_with(args, pos, xs), **params), tuple(args[i] for i in pos))
    jt = sum(np.tensordot(j.numpy(), t, axes=t.ndim) for j, t in zip(jac, tangents))
    np.testing.assert_allclose(tangent.detach().numpy(), jt, rtol=1e-12, atol=1e-12, err_msg=name)

    def at(step):
        moved = [autodiff_lab.tensor(args[i]._data + step * t) for i, t in zip(pos, tangents)]
        return apply(op, *_with(args, pos, moved), **params).numpy()
    numeric = (at(1e-6) - at(-1e-6)) / 2e-6
    np.testing.assert_allclose(tangent.detach().numpy(), numeric, rtol=1e-6, atol=1e-8,
                               err_msg=name)


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_op_forward_over_reverse_equals_reverse_over_reverse(name):
    """Tangents flow through a create_graph backward (saved inputs and saved outputs alike):
    the tangent of ∇⟨w, op(x)⟩ is H·t, which reverse-over-reverse computes as ∇⟨∇⟨w, op⟩, t⟩."""
    op = REGISTRY[name]
    args, params = _sample(name)
    pos = _leaf_positions(args)
    rng = np.random.default_rng(2)
    tangents = [autodiff_lab.tensor(rng.normal(size=args[i].shape)) for i in pos]
    w = autodiff_lab.tensor(rng.normal(size=apply(op, *args, **params).shape))
    leaves = [args[i] for i in pos]

    with fwAD.dual_level():
        duals = [fwAD.make_dual(x, t) for x, t in zip(leaves, tangents)]
        out = apply(op, *_with(args, pos, duals), **params)
        grads = autodiff_lab.autograd.grad((out * w).sum(), duals, create_graph=True,
                                           allow_unused=True)
        forward = [np.zeros(x.shape) if g is None or fwAD.unpack_dual(g).tangent is None
                   else fwAD.unpack_dual(g).tangent.detach().numpy()
                   for g, x in zip(grads, leaves)]

    grads = autodiff_lab.autograd.grad((apply(op, *args, **params) * w).sum(), leaves,
                                       create_graph=True, allow_unused=True)
    total = sum((g * t).sum() for g, t in zip(grads, tangents) if g is not None)
    if isinstance(total, autodiff_lab.Tensor) and total.requires_grad:
        second = autodiff_lab.autograd.grad(total, leaves, allow_unused=True)
        reverse = [np.zeros(x.shape) if g is None else g.numpy() for g, x in zip(second, leaves)]
    else:
        reverse = [np.zeros(x.shape) for x in leaves]  # linear op: the gradient is constant
    for f, r in zip(forward, reverse):
        np.testing.assert_allclose(f, r, rtol=1e-10, atol=1e-12, err_msg=name)


def test_tangents_follow_broadcasting_and_mixed_dtypes():
    x = autodiff_lab.tensor([[1.0], [2.0]], dtype=autodiff_lab.float64)
    b = autodiff_lab.tensor([1.0, 2.0, 3.0])  # float32, broadcast against x
    with fwAD.dual_level():
        y = fwAD.make_dual(x, autodiff_lab.ones(2, 1, dtype=autodiff_lab.float64)) * b
        tangent = fwAD.unpack_dual(y).tangent
    assert tangent.dtype is autodiff_lab.float64 and tangent.shape == (2, 3)
    assert tangent.tolist() == [[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]


def test_no_tangent_means_no_overhead_path():
    with fwAD.dual_level():
        y = autodiff_lab.tensor([1.0, 2.0]).exp()
        assert fwAD.unpack_dual(y).tangent is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert autodiff_lab.ops.base.forward_hook is None
