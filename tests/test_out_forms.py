"""``out=`` on module functions, ``torch.sin_(x)``-style in-place functions, in-place view
ops (``t_ transpose_ squeeze_ unsqueeze_``) and how tensor classes print, against PyTorch."""

import pytest

import autodiff_lab
from conftest import outcome, require_torch


def _out_keeps_identity(torch):
    a, b = torch.tensor([[1., 2.], [3., 4.]]), torch.tensor([[0., 1.], [1., 0.]])
    c = torch.zeros(2, 2)
    d = torch.matmul(a, b, out=c)
    return d is c, c, torch.add(a, 1, out=c), torch.cat([a, b], out=torch.empty(4, 2))


def _out_refuses_autograd(torch):
    a = torch.ones(2, requires_grad=True)
    return torch.mul(a, a, out=torch.empty(2))


def _out_is_fine_under_no_grad(torch):
    a = torch.ones(2, requires_grad=True)
    with torch.no_grad():
        return torch.mul(a, 3, out=torch.empty(2))


def _out_resizes_with_a_warning(torch):
    c = torch.empty(3)
    return torch.mul(torch.ones(2), 2, out=c), c.shape, torch.cumsum(torch.ones(3), 0, out=torch.empty(0))


def _out_cast_error(torch):
    return torch.add(torch.ones(2), 0.5, out=torch.zeros(2, dtype=torch.int64))


def _out_of_random_functions(torch):
    torch.manual_seed(3)
    c = torch.zeros(2, 3)
    torch.rand(2, 3, out=c)
    d = torch.zeros(4)
    torch.randn(4, out=d)
    return c, d, torch.arange(3, out=torch.empty(3, dtype=torch.int64))


def _inplace_functions(torch):
    x = torch.tensor([0.0, 1.5, -2.0])
    return torch.sin_(x), x, torch.abs_(torch.tensor([-1., 2.])), torch.relu_(
        torch.tensor([-1., 2.])), torch.exp_(torch.zeros(2)), torch.clamp_(torch.arange(4.), 1, 2)


def _inplace_function_on_leaf(torch):
    return torch.sin_(torch.ones(2, requires_grad=True))


def _inplace_views(torch):
    x = torch.arange(6.).reshape(2, 3)
    shapes = [x.t_().shape, x.unsqueeze_(0).shape, x.squeeze_(0).shape,
              x.transpose_(0, 1).shape]
    return shapes, x, x.is_contiguous()


def _inplace_view_gradients(torch):
    x = torch.tensor([[1., 2., 3.]], requires_grad=True)
    y = x * torch.tensor([[1., 10., 100.]])
    y.t_()
    (y * torch.tensor([[1.], [2.], [3.]])).sum().backward()
    return y.shape, x.grad


def _inplace_view_carries_the_tangent(torch):
    fwad = torch.autograd.forward_ad
    with fwad.dual_level():
        x = fwad.make_dual(torch.ones(2, 3), torch.arange(6.).reshape(2, 3))
        y = x * 2
        y.t_()
        return fwad.unpack_dual(y).tangent


def _inplace_view_on_leaf(torch):
    return torch.ones(2, 2, requires_grad=True).t_()


def _class_names(torch):
    return repr(type(torch.ones(1))), repr(torch.nn.Parameter), repr(torch.Tensor)


PROGRAMS = [_out_keeps_identity, _out_refuses_autograd, _out_is_fine_under_no_grad,
            _out_resizes_with_a_warning, _out_cast_error, _out_of_random_functions,
            _inplace_functions, _inplace_function_on_leaf, _inplace_views,
            _inplace_view_on_leaf, _class_names]


@pytest.mark.parametrize("prog", PROGRAMS, ids=[p.__name__.strip("_") for p in PROGRAMS])
def test_matches_pytorch(prog):
    torch = require_torch()
    assert outcome(prog, autodiff_lab) == outcome(prog, torch)


def test_inplace_view_keeps_the_gradient_path():
    torch = require_torch()
    ours, theirs = outcome(_inplace_view_gradients, autodiff_lab), outcome(
        _inplace_view_gradients, torch)
    assert ours == theirs == "(torch.Size([3, 1]), tensor([[  1.,  20., 300.]]))"


def test_inplace_view_carries_the_forward_mode_tangent():
    torch = require_torch()
    # Values only: torch's first forward_ad call warns about its own internals (torch.jit).
    ours = _inplace_view_carries_the_tangent(autodiff_lab)
    assert repr(ours) == repr(_inplace_view_carries_the_tangent(torch)) == (
        "tensor([[ 0.,  6.],\n        [ 2.,  8.],\n        [ 4., 10.]])")


def test_pinned_texts_without_torch():
    assert outcome(_out_refuses_autograd, autodiff_lab) == (
        "RuntimeError: mul(): functions with out=... arguments don't support automatic "
        "differentiation, but one of the arguments requires grad.")
    assert outcome(_class_names, autodiff_lab) == (
        "(\"<class 'torch.Tensor'>\", \"<class 'torch.nn.parameter.Parameter'>\", "
        "\"<class 'torch.Tensor'>\")")


def test_class_names_follow_the_namespace_option():
    autodiff_lab.set_printoptions(namespace="autodiff_lab")
    try:
        assert repr(autodiff_lab.Tensor) == "<class 'autodiff_lab.tensor.Tensor'>"
    finally:
        autodiff_lab.set_printoptions(namespace="torch")
    assert repr(autodiff_lab.Tensor) == "<class 'torch.Tensor'>"
