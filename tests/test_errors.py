"""The mistakes beginners make raise PyTorch's errors, with PyTorch's types and exact texts.

Each case is a program written once against ``torch`` and the outcome PyTorch 2.13 gives for it,
as a literal: ``test_error_text`` checks autodiff_lab against the literal, ``test_torch_agrees``
checks the literal against real PyTorch (so the two libraries agree).
"""

import pytest

import autodiff_lab

from conftest import outcome, require_torch

_SECOND_BACKWARD = (
    "RuntimeError: Trying to backward through the graph a second time (or directly access saved "
    "tensors after they have already been freed). Saved intermediate values of the graph are "
    "freed when you call .backward() or autograd.grad(). Specify retain_graph=True if you need "
    "to backward through the graph a second time or if you need to access saved tensors after "
    "calling backward.")
_ANOMALY_HINT = (
    " Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False).")


def _modified(what, version, expected=0):
    return ("RuntimeError: one of the variables needed for gradient computation has been "
            f"modified by an inplace operation: {what} is at version {version}; expected version "
            f"{expected} instead.{_ANOMALY_HINT}")


def _leaf(x_requires_grad=True):
    def make(torch):
        return torch.tensor([1.0, 2.0, 3.0], requires_grad=x_requires_grad)
    return make


x3 = _leaf()


def _backward_twice(torch, f):
    y = f(x3(torch)).sum()
    y.backward()
    y.backward()


def _saved_modified(torch, forward, modify):
    x = x3(torch)
    saved, y = forward(torch, x)
    modify(saved)
    y.sum().backward()


def _inference_in_autograd(torch):
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    with torch.inference_mode():
        p = a * 2
    (p * a).sum().backward()


def _cat_sizes(torch):
    return torch.cat([torch.ones(2, 3), torch.ones(2, 4)])


CASES = {
    # ------------------------------------------------------------------ backward
    "backward without grad": (
        lambda torch: torch.ones(3).sum().backward(),
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    "backward of a no_grad result": (
        lambda torch: _no_grad_result(torch).sum().backward(),
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    "backward of a detached result": (
        lambda torch: (x3(torch) * 2).detach().sum().backward(),
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    "non-scalar backward": (
        lambda torch: (x3(torch) * 2).backward(),
        "RuntimeError: grad can be implicitly created only for scalar outputs"),
    "backward twice (mul)": (lambda torch: _backward_twice(torch, lambda x: x * x),
                             _SECOND_BACKWARD),
    "backward twice (exp)": (lambda torch: _backward_twice(torch, lambda x: x.exp()),
                             _SECOND_BACKWARD),
    "backward twice (pow)": (lambda torch: _backward_twice(torch, lambda x: x ** 2),
                             _SECOND_BACKWARD),
    "backward twice, nothing saved, is allowed": (
        lambda torch: _backward_twice(torch, lambda x: x + 1), "None"),
    "backward after autograd.grad": (
        lambda torch: _grad_then_backward(torch),
        _SECOND_BACKWARD),
    "gradient of the wrong shape": (
        lambda torch: (x3(torch) * 2).backward(torch.ones(2)),
        "RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([2]) and "
        "output[0] has a shape of torch.Size([3])."),
    "gradient for a scalar of the wrong shape": (
        lambda torch: (x3(torch) * 2).sum().backward(torch.ones(3)),
        "RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([3]) and "
        "output[0] has a shape of torch.Size([])."),
    "gradient with an extra dimension": (
        lambda torch: (x3(torch) * 2).backward(torch.ones(3, 1)),
        "RuntimeError: Mismatch in shape: grad_output[0] has a shape of torch.Size([3, 1]) and "
        "output[0] has a shape of torch.Size([3])."),
    "backward with empty inputs": (
        lambda torch: (x3(torch) * 2).sum().backward(inputs=[]),
        "RuntimeError: `inputs` argument to `backward()` cannot be empty."),
    "backward with an input that does not require grad": (
        lambda torch: (x3(torch) * 2).sum().backward(inputs=[torch.ones(3)]),
        "RuntimeError: can't retain_grad on Tensor that has requires_grad=False"),
    "autograd.backward with too few gradients": (
        lambda torch: torch.autograd.backward([x3(torch).sum(), x3(torch).sum()],
                                              [torch.tensor(1.0)]),
        "RuntimeError: got 2 tensors and 1 gradients"),
    # ------------------------------------------------------------------ autograd.grad
    "autograd.grad unused input": (
        lambda torch: _grad_unused(torch),
        "RuntimeError: The differentiated Tensor at index 1 appears to not have been used in "
        "the graph. Set allow_unused=True if this is the desired behavior."),
    "autograd.grad allow_unused": (
        lambda torch: _grad_unused(torch, allow_unused=True), "(tensor([2., 2., 2.]), None)"),
    "autograd.grad materialize_grads": (
        lambda torch: _grad_unused(torch, materialize_grads=True),
        "(tensor([2., 2., 2.]), tensor([0., 0., 0.]))"),
    "autograd.grad input without grad": (
        lambda torch: torch.autograd.grad((x3(torch) * 2).sum(), torch.ones(3)),
        "RuntimeError: One of the differentiated Tensors does not require grad"),
    "autograd.grad output without grad": (
        lambda torch: torch.autograd.grad(torch.ones(3).sum(), torch.ones(3)),
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn"),
    # ------------------------------------------------------------------ requires_grad
    "requires_grad_(False) on a non-leaf": (
        lambda torch: (x3(torch) * 2).requires_grad_(False),
        "RuntimeError: you can only change requires_grad flags of leaf variables. If you want to "
        "use a computed variable in a subgraph that doesn't require differentiation use "
        "var_no_grad = var.detach()."),
    "requires_grad_() on a non-leaf is allowed": (
        lambda torch: (x3(torch) * 2).requires_grad_(),
        "tensor([2., 4., 6.], grad_fn=<MulBackward0>)"),
    "requires_grad = False on a non-leaf": (
        lambda torch: setattr(x3(torch) * 2, "requires_grad", False),
        "RuntimeError: you can only change requires_grad flags of leaf variables. If you want to "
        "use a computed variable in a subgraph that doesn't require differentiation use "
        "var_no_grad = var.detach()."),
    "requires_grad = True on a non-leaf": (
        lambda torch: setattr(x3(torch) * 2, "requires_grad", True),
        "RuntimeError: you can only change requires_grad flags of leaf variables."),
    "int tensor created with requires_grad": (
        lambda torch: torch.tensor([1, 2], requires_grad=True),
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"),
    "inference tensor saved for backward": (
        lambda torch: _inference_in_autograd(torch),
        "RuntimeError: Inference tensors cannot be saved for backward. Please do not use Tensors "
        "created in inference mode in computation tracked by autograd. To work around this, you "
        "can make a clone to get a normal tensor and use it in autograd, or use "
        "`torch.no_grad()` instead of `torch.inference_mode()`."),
    "allclose with different dtypes": (
        lambda torch: torch.allclose(torch.tensor([1.0, 2.0]), torch.tensor([1, 2])),
        "RuntimeError: Float did not match Long"),
    "int ones created with requires_grad": (
        lambda torch: torch.ones(2, dtype=torch.int64, requires_grad=True),
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"),
    "int arange created with requires_grad": (
        lambda torch: torch.arange(3, requires_grad=True),
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients"),
    "requires_grad_() on an int tensor": (
        lambda torch: torch.tensor([1, 2]).requires_grad_(),
        "RuntimeError: only Tensors of floating point dtype can require gradients"),
    "requires_grad = True on an int tensor": (
        lambda torch: setattr(torch.tensor([1, 2]), "requires_grad", True),
        "RuntimeError: only Tensors of floating point and complex dtype can require gradients"),
    "requires_grad_(False) on an int tensor is allowed": (
        lambda torch: torch.tensor([1, 2]).requires_grad_(False), "tensor([1, 2])"),
    "retain_grad without grad": (
        lambda torch: torch.ones(3).retain_grad(),
        "RuntimeError: can't retain_grad on Tensor that has requires_grad=False"),
    "hook on a tensor without grad": (
        lambda torch: torch.ones(3).register_hook(lambda g: g),
        "RuntimeError: cannot register a hook on a tensor that doesn't require gradient"),
    "assigning a grad of the wrong size": (
        lambda torch: setattr(x3(torch), "grad", torch.ones(2)),
        "RuntimeError: attempting to assign a gradient of size '[2]' to a tensor of size '[3]'. "
        "Please ensure that the gradient and the tensor are the same size"),
    "assigning a number as grad": (
        lambda torch: setattr(x3(torch), "grad", 3),
        "TypeError: assigned grad expected to be a Tensor or None but got grad of type int"),
    # ------------------------------------------------------------------ in-place
    "add_ on a leaf requiring grad": (
        lambda torch: x3(torch).add_(1),
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "+= on a leaf requiring grad": (
        lambda torch: _iadd(x3(torch)),
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "zero_ on a leaf requiring grad": (
        lambda torch: x3(torch).zero_(),
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "x[0] = 5 on a leaf requiring grad (a view)": (
        lambda torch: x3(torch).__setitem__(0, 5.0),
        "RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "x[1:] = 5 on a leaf requiring grad (a view)": (
        lambda torch: x3(torch).__setitem__(slice(1, None), 5.0),
        "RuntimeError: a view of a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "x[:] = 5 on a leaf requiring grad": (
        lambda torch: x3(torch).__setitem__(slice(None), 5.0),
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "x[mask] = 0 on a leaf requiring grad": (
        lambda torch: x3(torch).__setitem__(torch.tensor([True, False, True]), 0.0),
        "RuntimeError: a leaf Variable that requires grad is being used in an in-place "
        "operation."),
    "in-place on a leaf under no_grad is allowed": (
        lambda torch: _add_under_no_grad(torch), "tensor([2., 3., 4.], requires_grad=True)"),
    "saved exp output modified": (
        lambda torch: _saved_modified(torch, _exp, lambda s: s.add_(1)),
        _modified("[torch.FloatTensor [3]], which is output 0 of Exp,", 1)),
    "saved mul input modified": (
        lambda torch: _saved_modified(torch, _mul_by_self, lambda s: s.mul_(2)),
        _modified("[torch.FloatTensor [3]], which is output 0 of Mul,", 1)),
    "saved mul input modified by +=": (
        lambda torch: _saved_modified(torch, _pow_of_copy, _iadd),
        _modified("[torch.FloatTensor [3]], which is output 0 of Add,", 1)),
    "saved sigmoid output modified": (
        lambda torch: _saved_modified(torch, _sigmoid, lambda s: s.mul_(2)),
        _modified("[torch.FloatTensor [3]], which is output 0 of Sigmoid,", 1)),
    "saved leaf without grad modified": (
        lambda torch: _saved_modified(torch, _times_weight, lambda w: w.add_(1)),
        _modified("[torch.FloatTensor [3]]", 1)),
    "saved leaf modified twice through detach": (
        lambda torch: _saved_modified(torch, _square_detached, lambda d: d.zero_().add_(1)),
        _modified("[torch.FloatTensor [3]]", 2)),
    "saved leaf modified through .data is not detected": (
        lambda torch: _data_edit(torch), "tensor([ 4.,  8., 12.])"),
    "tanh output saved, its input modified is allowed": (
        lambda torch: _saved_modified(torch, _tanh_of_clone, lambda b: b.add_(1)), "None"),
    # ------------------------------------------------------------------ shapes
    "mm shape mismatch": (
        lambda torch: torch.mm(torch.ones(2, 3), torch.ones(2, 3)),
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    "@ shape mismatch": (
        lambda torch: torch.ones(2, 3) @ torch.ones(2, 3),
        "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)"),
    "mm of a vector": (
        lambda torch: torch.mm(torch.ones(3), torch.ones(3, 3)),
        "RuntimeError: self must be a matrix"),
    "matrix @ vector mismatch": (
        lambda torch: torch.ones(2, 3) @ torch.ones(4),
        "RuntimeError: size mismatch, got input (2), mat (2x3), vec (4)"),
    "dot length mismatch": (
        lambda torch: torch.ones(3) @ torch.ones(4),
        "RuntimeError: inconsistent tensor size, expected tensor [3] and src [4] to have the same "
        "number of elements, but got 3 and 4 elements respectively"),
    "mm dtype mismatch": (
        lambda torch: torch.ones(2, 3, dtype=torch.float64).mm(torch.ones(3, 3)),
        "RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float"),
    "broadcasting mismatch": (
        lambda torch: torch.ones(2, 3) + torch.ones(2, 4),
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at "
        "non-singleton dimension 1"),
    "broadcasting mismatch, 1-d": (
        lambda torch: torch.ones(3) * torch.ones(4),
        "RuntimeError: The size of tensor a (3) must match the size of tensor b (4) at "
        "non-singleton dimension 0"),
    "view of a non-contiguous tensor": (
        lambda torch: torch.ones(2, 3).t().view(6),
        "RuntimeError: view size is not compatible with input tensor's size and stride (at least "
        "one dimension spans across two contiguous subspaces). Use .reshape(...) instead."),
    "reshape to a wrong size": (
        lambda torch: torch.ones(2, 3).reshape(4),
        "RuntimeError: shape '[4]' is invalid for input of size 6"),
    "view with -1 to a wrong size": (
        lambda torch: torch.ones(2, 3).view(-1, 4),
        "RuntimeError: shape '[-1, 4]' is invalid for input of size 6"),
    "reshape with two -1": (
        lambda torch: torch.ones(2, 3).reshape(-1, -1),
        "RuntimeError: only one dimension can be inferred"),
    "expand mismatch": (
        lambda torch: torch.ones(2, 3).expand(4, 3),
        "RuntimeError: The expanded size of the tensor (4) must match the existing size (2) at "
        "non-singleton dimension 0.  Target sizes: [4, 3].  Tensor sizes: [2, 3]"),
    "expand to fewer dimensions": (
        lambda torch: torch.ones(2, 3).expand(3),
        "RuntimeError: expand(torch.FloatTensor{[2, 3]}, size=[3]): the number of sizes "
        "provided (1) must be greater or equal to the number of dimensions in the tensor (2)"),
    "cat size mismatch": (
        _cat_sizes,
        "RuntimeError: Sizes of tensors must match except in dimension 0. Expected size 3 but "
        "got size 4 for tensor number 1 in the list."),
    "cat dimension mismatch": (
        lambda torch: torch.cat([torch.ones(2, 3), torch.ones(3)]),
        "RuntimeError: Tensors must have same number of dimensions: got 2 and 1"),
    "cat of nothing": (
        lambda torch: torch.cat([]),
        "ValueError: torch.cat(): expected a non-empty list of Tensors"),
    "stack size mismatch": (
        lambda torch: torch.stack([torch.ones(2, 3), torch.ones(3, 2)]),
        "RuntimeError: stack expects each tensor to be equal size, but got [2, 3] at entry 0 and "
        "[3, 2] at entry 1"),
    "stack of nothing": (
        lambda torch: torch.stack([]), "RuntimeError: stack expects a non-empty TensorList"),
    "permute with too few dims": (
        lambda torch: torch.ones(2, 3).permute(0),
        "RuntimeError: permute(sparse_coo): number of dimensions in the tensor input does not "
        "match the length of the desired ordering of dimensions i.e. input.dim() = 2 is not "
        "equal to len(dims) = 1"),
    "permute with a repeated dim": (
        lambda torch: torch.ones(2, 3).permute(0, 0),
        "RuntimeError: permute(): duplicate dims are not allowed."),
    "t() of a 3-d tensor": (
        lambda torch: torch.ones(2, 2, 2).t(),
        "RuntimeError: t() expects a tensor with <= 2 dimensions, but self is 3D"),
    # ------------------------------------------------------------------ indices and dims
    "integer to a negative power": (
        lambda torch: torch.tensor([1, 2]) ** -1,
        "RuntimeError: Integers to negative integer powers are not allowed."),
    "chunk of a 0-d tensor": (
        lambda torch: torch.chunk(torch.tensor(1.0), 2, 0),
        "RuntimeError: chunk expects at least a 1-dimensional tensor"),
    "chunk into 0 pieces": (
        lambda torch: torch.ones(3).chunk(0),
        "RuntimeError: chunk expects `chunks` to be greater than 0, got: 0"),
    "split of a 0-d tensor": (
        lambda torch: torch.tensor(1.0).split([1]),
        "RuntimeError: split expects at least a 1-dimensional tensor"),
    "split into pieces of size 0": (
        lambda torch: torch.ones(3).split(0),
        "RuntimeError: split_size can only be 0 if dimension size is 0, but got dimension size "
        "of 3"),
    "split into pieces of negative size": (
        lambda torch: torch.ones(3).split(-1),
        "RuntimeError: split expects split_size be non-negative, but got split_size=-1"),
    "index out of range": (
        lambda torch: torch.ones(3)[3],
        "IndexError: index 3 is out of bounds for dimension 0 with size 3"),
    "column index out of range": (
        lambda torch: torch.ones(2, 3)[:, 5],
        "IndexError: index 5 is out of bounds for dimension 1 with size 3"),
    "tensor index out of range": (
        lambda torch: torch.ones(3)[torch.tensor([0, 7])],
        "IndexError: index 7 is out of bounds for dimension 0 with size 3"),
    "too many indices": (
        lambda torch: torch.ones(3)[0, 0],
        "IndexError: too many indices for tensor of dimension 1"),
    "float tensor as index": (
        lambda torch: torch.ones(3)[torch.tensor([0.0])],
        "IndexError: tensors used as indices must be long, int, byte or bool tensors"),
    "sum over a missing dim": (
        lambda torch: torch.ones(2, 3).sum(2),
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "size of a missing dim": (
        lambda torch: torch.ones(2, 3).size(-3),
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got -3)"),
    "unsqueeze past the end": (
        lambda torch: torch.ones(2, 3).unsqueeze(3),
        "IndexError: Dimension out of range (expected to be in range of [-3, 2], but got 3)"),
    "softmax over a missing dim": (
        lambda torch: torch.ones(2, 3).softmax(dim=2),
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    "cat over a missing dim": (
        lambda torch: torch.cat([torch.ones(2, 3), torch.ones(2, 3)], dim=2),
        "IndexError: Dimension out of range (expected to be in range of [-2, 1], but got 2)"),
    # ------------------------------------------------------------------ conversions
    "numpy() of a tensor requiring grad": (
        lambda torch: x3(torch).numpy(),
        "RuntimeError: Can't call numpy() on Tensor that requires grad. Use "
        "tensor.detach().numpy() instead."),
    "numpy() of a result requiring grad": (
        lambda torch: (x3(torch) * 2).numpy(),
        "RuntimeError: Can't call numpy() on Tensor that requires grad. Use "
        "tensor.detach().numpy() instead."),
    "item() of several elements": (
        lambda torch: torch.ones(3).item(),
        "RuntimeError: a Tensor with 3 elements cannot be converted to Scalar"),
    "float() of several elements": (
        lambda torch: float(torch.ones(3)),
        "ValueError: only one element tensors can be converted to Python scalars"),
    "if on several elements": (
        lambda torch: bool(torch.ones(2)),
        "RuntimeError: Boolean value of Tensor with more than one value is ambiguous"),
    "len() of a 0-d tensor": (
        lambda torch: len(torch.tensor(1.0)),
        "TypeError: len() of a 0-d tensor"),
    "ragged nested list": (
        lambda torch: torch.tensor([[1, 2], [3]]),
        "ValueError: expected sequence of length 2 at dim 1 (got 1)"),
    "mean of an int tensor": (
        lambda torch: torch.tensor([1, 2]).mean(),
        "RuntimeError: mean(): could not infer output dtype. Input dtype must be either a "
        "floating point or complex dtype. Got: Long"),
    "mean over a dim of an int tensor": (
        lambda torch: torch.arange(4).mean(0),
        "RuntimeError: mean(): could not infer output dtype. Input dtype must be either a "
        "floating point or complex dtype. Got: Long"),
    "in-place float into an int tensor": (
        lambda torch: torch.ones(3, dtype=torch.int64).add_(1.5),
        "RuntimeError: result type Float can't be cast to the desired output type Long"),
    "in-place result of a larger shape": (
        lambda torch: torch.ones(3).add_(torch.ones(2, 3)),
        "RuntimeError: output with shape [3] doesn't match the broadcast shape [2, 3]"),
    # ------------------------------------------------------------------ warnings
    "grad of a non-leaf": (
        lambda torch: (x3(torch) * 2).grad,
        "None\nUserWarning: The .grad attribute of a Tensor that is not a leaf Tensor is being "
        "accessed. Its .grad attribute won't be populated during autograd.backward(). If you "
        "indeed want the .grad field to be populated for a non-leaf Tensor, use .retain_grad() "
        "on the non-leaf Tensor. If you access the non-leaf Tensor by mistake, make sure you "
        "access the leaf Tensor instead. See github.com/pytorch/pytorch/pull/30531 for more "
        "information. (Triggered internally at "
        "/__w/pytorch/pytorch/build/aten/src/ATen/core/TensorBody.h:493.)"),
    "grad of a non-leaf after retain_grad": (
        lambda torch: _retained(torch).grad, "tensor([1., 1., 1.])"),
    "float() of a tensor requiring grad": (
        lambda torch: float(torch.tensor(2.0, requires_grad=True)),
        "2.0\nUserWarning: Converting a tensor with requires_grad=True to a scalar may lead to "
        "unexpected behavior.\nConsider using tensor.detach() first. (Triggered internally at "
        "/__w/pytorch/pytorch/torch/csrc/autograd/generated/python_variable_methods.cpp:822.)"),
    "item() of a tensor requiring grad does not warn": (
        lambda torch: torch.tensor(2.0, requires_grad=True).item(), "2.0"),
}


def _no_grad_result(torch):
    with torch.no_grad():
        return x3(torch) * 2


def _grad_then_backward(torch):
    x = x3(torch)
    y = (x * x).sum()
    torch.autograd.grad(y, x)
    y.backward()


def _grad_unused(torch, **kwargs):
    x, y = x3(torch), x3(torch)
    return torch.autograd.grad((x * 2).sum(), [x, y], **kwargs)


def _iadd(t):
    t += 1
    return t


def _add_under_no_grad(torch):
    x = x3(torch)
    with torch.no_grad():
        x.add_(1)
    return x


def _exp(torch, x):
    y = x.exp()
    return y, y


def _mul_by_self(torch, x):
    b = x * 2
    return b, b * b


def _pow_of_copy(torch, x):
    b = x * 1
    return b, b ** 2


def _sigmoid(torch, x):
    b = x.sigmoid()
    return b, b


def _times_weight(torch, x):
    w = torch.ones(3)
    return w, x * w


def _square_detached(torch, x):
    return x.detach(), x * x


def _tanh_of_clone(torch, x):
    b = x.clone()
    return b, b.tanh()


def _data_edit(torch):
    x = x3(torch)
    y = (x * x).sum()
    x.data.mul_(2)  # .data skips the version check: silently 2 * (new x), not 2 * x
    y.backward()
    return x.grad


def _retained(torch):
    y = x3(torch) * 2
    y.retain_grad()
    y.sum().backward()
    return y


@pytest.mark.parametrize("case", list(CASES))
def test_error_text(case):
    prog, expected = CASES[case]
    assert outcome(prog, autodiff_lab) == expected


@pytest.mark.parametrize("case", list(CASES))
def test_torch_agrees(case):
    torch = require_torch()
    prog, expected = CASES[case]
    assert outcome(prog, torch) == expected


def test_warnings_point_at_the_users_line():
    import warnings
    x = autodiff_lab.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y.grad  # noqa: B018 - the access is the point
        float(x.sum())
    assert [(w.category, w.filename, w.lineno) for w in caught] == [
        (UserWarning, __file__, caught[0].lineno), (UserWarning, __file__, caught[0].lineno + 1)]
    assert caught[0].lineno == test_warnings_point_at_the_users_line.__code__.co_firstlineno + 6
