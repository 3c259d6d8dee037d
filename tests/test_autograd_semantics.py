"""Autograd semantics, program by program, against PyTorch.

Each program is written once as ``def prog(torch): ...`` and returns what it observed (reprs,
names, flags, values). ``test_parity`` runs it under autodiff_lab and PyTorch and compares the
two outcomes (reprs, errors and warnings, addresses normalised); ``test_expected`` pins the
outcome as a literal, so it is checked even where PyTorch is not installed.
"""

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import autodiff_lab

from conftest import outcome, require_torch

PROGRAMS = {}


def program(expected):
    """Register ``prog(torch)`` with the outcome PyTorch 2.13 gives for it."""
    def register(prog):
        PROGRAMS[prog.__name__] = (prog, expected)
        return prog
    return register


def names(node, depth=0):
    """The backward graph below ``node`` as indented names (PyTorch's ``next_functions``)."""
    if node is None:
        return ["  " * depth + "None"]
    lines = ["  " * depth + node.name()]
    for child, _ in node.next_functions:
        lines += names(child, depth + 1)
    return lines


def leaf(torch, *values):
    return torch.tensor(list(values), requires_grad=True)


# --------------------------------------------------------------------- accumulation
@program("[tensor([2., 4.]), tensor([4., 8.]), tensor([ 6., 12.]), tensor([0., 0.]), None, "
         "tensor([2., 4.])]")
def accumulation(torch):
    x = leaf(torch, 1.0, 2.0)
    seen = []
    for _ in range(3):  # a new graph each time; the gradients add up in x.grad
        (x * x).sum().backward()
        seen.append(x.grad.clone())
    seen.append(x.grad.zero_())
    x.grad = None
    seen.append(x.grad)
    (x * x).sum().backward()
    return seen + [x.grad]


@program("[tensor([3., 3.]), tensor([6., 6.]), tensor([2., 2.])]")
def retain_graph_twice(torch):
    x = leaf(torch, 1.0, 2.0)
    y = (3 * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.clone()
    y.backward()
    w = leaf(torch, 5.0, 7.0)
    (w + w).sum().backward()  # one tensor used twice: both paths count
    return [first, x.grad, w.grad]


@program("[tensor([2., 2.]), True]")
def zero_grad_keeps_the_tensor(torch):
    x = leaf(torch, 1.0, 2.0)
    (2 * x).sum().backward()
    g = x.grad
    g.zero_()
    (2 * x).sum().backward()
    return [x.grad, x.grad is g]


# --------------------------------------------------------------------- retain_grad, hooks
@program("['AddBackward0', 'CosBackward0', 'SubBackward0', 'AddBackward0', 'TanhBackward0', "
         "'MulBackward0', 'SinBackward0', 'AddBackward0', 'ExpBackward0', 'MulBackward0', "
         "'AccumulateGrad', 'AccumulateGrad']")
def execution_order(torch):
    # Backward runs a node once all its gradient has arrived, the most recently made first
    # (PyTorch's sequence numbers), here seen through a pre-hook on every node, leaves too.
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    w = torch.tensor([3.0, 4.0], requires_grad=True)
    a = x * w
    b = x.exp()
    c = (a + 1).sin()
    d = b * c + a.tanh() + (b - x).cos()
    ran, nodes, stack = [], [], [d.grad_fn]
    while stack:
        node = stack.pop()
        if node is None or node in nodes:
            continue
        nodes.append(node)
        node.register_prehook(lambda g, n=node: ran.append(n.name().split("::")[-1]))
        stack.extend(child for child, _ in node.next_functions)
    d.sum().backward()
    return ran


@program("[tensor([4., 8.]), True, False, True, False, tensor([ 8., 16.])]")
def retain_grad(torch):
    x = leaf(torch, 1.0, 2.0)
    y = x * 2
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    x.retain_grad()  # a no-op on a leaf
    return [y.grad, y.retains_grad, x.retains_grad, x.is_leaf, y.is_leaf, x.grad]


@program("[tensor([20., 20.]), [tensor([2., 2.])], tensor([22., 22.])]")
def hooks_on_a_leaf(torch):
    x = leaf(torch, 1.0, 2.0)
    seen = []
    h = x.register_hook(lambda g: g * 10)  # the returned tensor replaces the gradient
    x.register_hook(lambda g: seen.append(g))  # returning None keeps it
    (2 * x).sum().backward()
    first = x.grad.clone()
    h.remove()
    seen.clear()
    (2 * x).sum().backward()
    return [first, seen, x.grad]


@program("[tensor([18., 18.]), tensor([6., 6.]), tensor([2., 2.])]")
def hooks_on_a_non_leaf(torch):
    x = leaf(torch, 1.0, 2.0)
    y = x * 3
    y.retain_grad()
    y.register_hook(lambda g: g * 2)
    y.register_hook(lambda g: g * 3)  # hooks chain, in order
    y.sum().backward()  # y.grad is what the hooks made of it (retain_grad runs last)
    w = leaf(torch, 1.0, 1.0)
    v = w * 1
    v.register_hook(lambda g: g * 2)
    v.sum().backward()
    return [x.grad, y.grad, w.grad]


@program("[tensor([5., 5.]), None, tensor([1., 2.]), None, True]")
def backward_inputs(torch):
    x, w = leaf(torch, 1.0, 2.0), leaf(torch, 5.0, 5.0)
    (x * w).sum().backward(inputs=[x])  # only x is accumulated
    u = leaf(torch, 1.0, 2.0)
    y = u * 1
    (y * y).sum().backward(inputs=[y])  # stops at the non-leaf y, and retains its grad
    return [x.grad, w.grad, y.grad / 2, u.grad, y.retains_grad]


# --------------------------------------------------------------------- higher order
@program("[(tensor(12., grad_fn=<MulBackward0>),), (tensor(12., grad_fn=<MulBackward0>),), "
         "(tensor(6.),), tensor(12., grad_fn=<CopyBackwards>), "
         "tensor(24., grad_fn=<AddBackward0>)]")
def higher_order_with_create_graph(torch):
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 3
    d1 = torch.autograd.grad(y, x, create_graph=True)
    d2 = torch.autograd.grad(d1[0], x, create_graph=True)
    d3 = torch.autograd.grad(d2[0], x)
    with warnings.catch_warnings():
        # PyTorch warns once per process (test_create_graph_warning_is_shown_once checks it).
        warnings.simplefilter("ignore")
        y.backward(create_graph=True, retain_graph=True)  # x.grad gets a history: a copy
        first = x.grad
        y.backward(create_graph=True)  # and then a sum
    second = x.grad
    x.grad = None  # breaks the reference cycle PyTorch warns about
    return [d1, d2, d3, first, second]


@program("[tensor(4.), tensor(2.)]")
def second_derivative_by_backward(torch):
    x = torch.tensor(1.0, requires_grad=True)
    y = x ** 2 * 2
    (dx,) = torch.autograd.grad(y, x, create_graph=True)
    dx.backward()
    return [dx.detach(), x.grad / 2]


@program("[(tensor(3.),), tensor(3.), True]")
def autograd_grad_leaves_grad_alone(torch):
    x = torch.tensor(1.0, requires_grad=True)
    y = x * 3
    g = torch.autograd.grad(y, x, retain_graph=True)
    none_yet = x.grad is None
    y.backward()
    return [g, x.grad, none_yet]


# --------------------------------------------------------------------- detach and .data
@program("[tensor([0., 2.]), False, True, None, 1, 1, tensor([5., 2.], requires_grad=True), 1]")
def detach_shares_storage_and_version(torch):
    x = leaf(torch, 1.0, 2.0)
    d = x.detach()
    d[0] = 0.0
    before = x.clone().detach()
    v_detach = x._version
    x.data[0] = 5.0  # .data has a version counter of its own
    return [before, d.requires_grad, d.is_leaf, d.grad_fn, v_detach, d._version, x, x._version]


@program("[True, None, False, tensor([2., 4.]), tensor([10.,  1.])]")
def detach_in_place(torch):
    x = leaf(torch, 1.0, 2.0)
    y = x * 2
    y.detach_()
    w = leaf(torch, 1.0, 1.0)
    (w * torch.tensor([10.0, 1.0])).sum().backward()
    return [y.is_leaf, y.grad_fn, y.requires_grad, y, w.grad]


# --------------------------------------------------------------------- in-place on non-leaves
@program("['AddBackward0', 'SubBackward0', 'MulBackward0', 'DivBackward0', 'ZeroBackward0', "
         "'FillBackward2', 'CopyBackwards', 'AddBackward0', 'SubBackward0', 'MulBackward0', "
         "'DivBackward0', 'CopySlices', 'CopySlices', 'IndexPutBackward0']")
def in_place_grad_fn_names(torch):
    seen = []
    for op in (lambda t: t.add_(1), lambda t: t.sub_(1), lambda t: t.mul_(2),
               lambda t: t.div_(2), lambda t: t.zero_(), lambda t: t.fill_(3.0),
               lambda t: t.copy_(torch.ones(2))):
        # type().__name__: PyTorch's name() of C++ nodes reads "torch::autograd::CopyBackwards"
        seen.append(type(op(leaf(torch, 1.0, 2.0) * 1).grad_fn).__name__)
    for op in ("__iadd__", "__isub__", "__imul__", "__itruediv__"):
        y = leaf(torch, 1.0, 2.0) * 1
        y = getattr(y, op)(2)
        seen.append(y.grad_fn.name())
    for key in (0, slice(1, None), torch.tensor([True, False])):
        y = leaf(torch, 1.0, 2.0) * 1
        y[key] = 5.0
        seen.append(type(y.grad_fn).__name__)
    return seen


@program("[tensor([2., 2.]), tensor([-2., -2.]), tensor([6., 6.]), tensor([1., 1.]), "
         "tensor([0., 0.]), tensor([0., 0.]), tensor([0., 0.]), tensor([2., 2.]), "
         "tensor([0., 1.])]")
def in_place_gradients(torch):
    grads = []
    for op in (lambda t: t.add_(1), lambda t: t.sub_(1).neg(), lambda t: t.mul_(3),
               lambda t: t.div_(2), lambda t: t.zero_(), lambda t: t.fill_(3.0),
               lambda t: t.copy_(torch.ones(2))):
        x = leaf(torch, 1.0, 2.0)
        y = x * 2
        op(y).sum().backward()
        grads.append(x.grad)
    x, s = leaf(torch, 0.0, 0.0), leaf(torch, 1.0, 2.0)
    y = x * 1
    y.copy_(s * 2)  # the gradient flows to the source of a copy
    y.sum().backward()
    z = leaf(torch, 1.0, 2.0)
    v = z * 1
    v[0] = 7.0  # nothing flows back to an overwritten element
    v.sum().backward()
    return grads[:6] + [x.grad, s.grad, z.grad]


@program("[tensor([2., 3.], grad_fn=<AddBackward0>), tensor([2., 3.], requires_grad=True), "
         "1, False]")
def plus_equals(torch):
    x = leaf(torch, 1.0, 2.0)
    y = x * 1
    y += 1  # a non-leaf: recorded
    with torch.no_grad():
        x += 1  # a leaf, under no_grad: allowed, still a leaf, no history
    return [y, x, x._version, x.grad_fn is not None]


@program("[0, 1, 2, 3, 4, 4, 5, 5]")
def version_counter(torch):
    x = torch.ones(3)
    v = [x._version]
    x.add_(1)
    v.append(x._version)
    x[0] = 2.0
    v.append(x._version)
    x.zero_()
    v.append(x._version)
    x.detach().mul_(2)  # shared with the detached tensor
    v.append(x._version)
    x.data.add_(1)  # but not with .data
    v.append(x._version)
    x += 1
    v.append(x._version)
    x.clone().add_(1)
    v.append(x._version)
    return v


# --------------------------------------------------------------------- grad modes
@program("[False, True, False, True, False, True, True, False, True]")
def grad_mode_context_managers(torch):
    x = leaf(torch, 1.0)
    seen = []
    with torch.no_grad():
        seen.append((x * 2).requires_grad)
        with torch.enable_grad():
            seen.append((x * 2).requires_grad)
            with torch.set_grad_enabled(False):
                seen.append(torch.is_grad_enabled())
            seen.append(torch.is_grad_enabled())
        seen.append(torch.is_grad_enabled())
    seen.append(torch.is_grad_enabled())
    with torch.set_grad_enabled(True):
        seen.append((x * 2).requires_grad)
    torch.set_grad_enabled(False)  # as a plain call, it switches until switched back
    seen.append(torch.is_grad_enabled())
    torch.set_grad_enabled(True)
    seen.append(torch.is_grad_enabled())
    return seen


@program("[False, False, False, True, False, True, True]")
def grad_mode_decorators(torch):
    x = leaf(torch, 1.0)

    @torch.no_grad
    def bare(t):
        return (t * 2).requires_grad

    @torch.no_grad()
    def called(t):
        return (t * 2).requires_grad

    @torch.set_grad_enabled(False)
    def switched(t):
        return (t * 2).requires_grad

    @torch.enable_grad()
    def enabled(t):
        return (t * 2).requires_grad

    seen = [bare(x), called(x), switched(x), torch.is_grad_enabled()]
    with torch.no_grad():
        seen += [torch.is_grad_enabled(), enabled(x), bare.__name__ == "bare"]
    return seen


@program("[True, False, True, False, True, True]")
def grad_mode_restored_after_errors_and_in_generators(torch):
    @torch.no_grad()
    def gen():
        for _ in range(2):
            yield torch.is_grad_enabled()

    seen = []
    for inside in gen():  # no_grad inside the generator only, not between its yields
        seen += [torch.is_grad_enabled(), inside]
    try:
        with torch.no_grad():
            raise ValueError
    except ValueError:
        seen.append(torch.is_grad_enabled())

    @torch.no_grad()
    def fails():
        raise RuntimeError

    try:
        fails()
    except RuntimeError:
        seen.append(torch.is_grad_enabled())
    return seen


@program("[False, True, False, False, True, True, False, True]")
def inference_mode(torch):
    x = leaf(torch, 1.0)
    with torch.inference_mode():
        y = x * 2
        seen = [y.requires_grad, y.is_inference(), torch.is_grad_enabled()]

    @torch.inference_mode
    def bare():
        return torch.is_grad_enabled()

    @torch.inference_mode()
    def called():
        return torch.ones(1).is_inference()

    seen += [bare(), called(), torch.is_grad_enabled()]
    with torch.inference_mode(False):
        seen += [torch.ones(1).is_inference(), (x * 2).requires_grad]
    return seen


# --------------------------------------------------------------------- the graph
@program("[['SumBackward0', '  AddBackward0', '    MulBackward0', "
         "'      torch::autograd::AccumulateGrad', '      None', "
         "'    torch::autograd::AccumulateGrad'], True, True, 0, "
         "'<AccumulateGrad object at 0x...>', (), "
         "'((<MulBackward0 object at 0x...>, 0),)']")
def next_functions(torch):
    a, c = leaf(torch, 1.0, 2.0), leaf(torch, 3.0, 4.0)
    b = torch.tensor([5.0, 6.0])
    y = (a * b + c).sum()
    mul = y.grad_fn.next_functions[0][0].next_functions[0][0]
    acc, index = mul.next_functions[0]
    return [names(y.grad_fn), acc.variable is a, acc is mul.next_functions[0][0], index,
            repr(acc), acc.next_functions, repr((a * 2).sum().grad_fn.next_functions)]


@program("[((<AccumulateGrad object at 0x...>, 0), (<AccumulateGrad object at 0x...>, 0)), "
         "True]")
def one_tensor_used_twice(torch):
    a = leaf(torch, 1.0)
    edges = (a * a).grad_fn.next_functions
    return [edges, edges[0][0] is edges[1][0]]  # two edges to the one AccumulateGrad


@program("[(True, None, False), (True, None, True), (False, 'MulBackward0', True), "
         "(True, None, False), (True, None, False), (False, 'SumBackward0', True)]")
def leaves_and_requires_grad(torch):
    plain = torch.ones(2)
    x = torch.ones(2, requires_grad=True)
    seen = []
    for t in (plain, x, x * plain, plain * 2, (x * 2).detach(), (plain + x).sum()):
        seen.append((t.is_leaf, None if t.grad_fn is None else t.grad_fn.name(),
                     t.requires_grad))
    return seen


# --------------------------------------------------------------------- dtypes
@program("[torch.float32, torch.float32, torch.float64, torch.float32, torch.bool, "
         "torch.int64, torch.float64, torch.float64, torch.int64, torch.bool, "
         "tensor([0.5000, 1.0000]), tensor([ True, False])]")
def dtype_promotion(torch):
    i = torch.tensor([1, 2])
    f = torch.tensor([1.0, 2.0])
    return [(i * 2.5).dtype, (f * torch.tensor(2.0, dtype=torch.float64)).dtype,
            (f * torch.tensor([2.0], dtype=torch.float64)).dtype, (i / i).dtype,
            (f > 1).dtype, (i + 1).dtype, (i * torch.tensor(2.5, dtype=torch.float64)).dtype,
            (f.double() * 2).dtype, i.sum().dtype, (i == i).dtype,
            i / 2, f < 1.5]


@program("[torch.float32, torch.float32, tensor([1., 4.]), torch.float64]")
def float_tensor_with_int_tensor(torch):
    f = torch.tensor([1.0, 2.0])
    i = torch.tensor([1, 2])
    # float32 and int64 tensors give float32 (the float category wins; NumPy would say float64)
    return [(f + i).dtype, (i * f).dtype, f * i, (f.double() + i).dtype]


@program("[tensor([2.5000, 5.0000], grad_fn=<MulBackward0>), torch.float64, tensor([2.5000], "
         "dtype=torch.float64)]")
def gradient_dtype_follows_the_input(torch):
    f = torch.tensor([1.0, 2.0], requires_grad=True)
    d = torch.tensor([2.5], dtype=torch.float64, requires_grad=True)
    y = f * 2.5
    (f * d).sum().backward()
    return [y, (f * d).dtype, f.grad[:1].double()]


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_expected(name):
    prog, expected = PROGRAMS[name]
    assert outcome(prog, autodiff_lab) == expected


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_parity(name):
    torch = require_torch()
    prog, expected = PROGRAMS[name]
    assert outcome(prog, autodiff_lab) == outcome(prog, torch) == expected


_CREATE_GRAPH_TWICE = """
import warnings
import {lib} as torch
x = torch.tensor([1.0, 2.0], requires_grad=True)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    (x ** 3).sum().backward(create_graph=True)
    torch.autograd.backward((x ** 3).sum(), create_graph=True, inputs=[x])
print(len(caught), caught[0].category.__name__, caught[0].message)
print(x.grad)
"""


def _fresh_process(lib):
    # A warning shown once per process needs a process of its own.
    done = subprocess.run([sys.executable, "-c", _CREATE_GRAPH_TWICE.format(lib=lib)],
                          capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_create_graph_warning_is_shown_once():
    assert _fresh_process("autodiff_lab") == (
        "1 UserWarning Using backward() with create_graph=True will create a reference cycle "
        "between the parameter and its gradient which can cause a memory leak. We recommend "
        "using autograd.grad when creating the graph to avoid this. If you have to use this "
        "function, make sure to reset the .grad fields of your parameters to None after use to "
        "break the cycle and avoid the leak. (Triggered internally at "
        "/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)\n"
        "tensor([ 6., 24.], grad_fn=<AddBackward0>)\n")


def test_create_graph_warning_parity():
    require_torch()
    assert _fresh_process("autodiff_lab") == _fresh_process("torch")
