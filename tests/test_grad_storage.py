""".grad arrays are stored without copies only when nothing else can see them.

The engine keeps a fresh gradient array as ``.grad`` when it was handed to that leaf alone;
every case below would corrupt a user's tensor or another leaf's gradient if it got that wrong.
"""

import numpy as np

import autodiff_lab as torch


def test_two_leaves_fed_by_one_add_do_not_share_a_grad():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0, 1.0]
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())


def test_the_callers_gradient_is_never_stored_as_grad():
    v = torch.tensor([1.0, 2.0, 3.0])
    x = torch.ones(3, requires_grad=True)
    (x + 0).backward(v)
    x.grad.zero_()
    assert v.tolist() == [1.0, 2.0, 3.0]
    w = torch.tensor([4.0, 5.0])
    leaf = torch.ones(2, requires_grad=True)
    leaf.backward(w)
    leaf.grad.add_(1)
    assert w.tolist() == [4.0, 5.0]


def test_a_tensor_returned_by_a_hook_stays_the_users():
    keep = torch.tensor([5.0, 5.0, 5.0])
    x = torch.ones(3, requires_grad=True)
    y = x + 0
    y.register_hook(lambda g: keep)
    (y + 0).sum().backward()
    x.grad.zero_()
    assert keep.tolist() == [5.0, 5.0, 5.0]


def test_retained_and_leaf_grads_are_independent():
    x = torch.ones(3, requires_grad=True)
    y = x * 2
    y.retain_grad()
    y.sum().backward()
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0, 1.0]
    assert x.grad.tolist() == [0.0, 0.0, 0.0]


def test_fresh_gradients_are_stored_without_a_copy_and_still_accumulate():
    x = torch.ones(4, requires_grad=True)
    (x * 3).sum().backward()
    first = x.grad
    (x * 3).sum().backward()
    assert x.grad is first and x.grad.tolist() == [6.0, 6.0, 6.0, 6.0]
