"""Custom ``autograd.Function``: each program run under autodiff_lab and PyTorch.

Programs are written once as ``def prog(torch): ...`` and return what they observed (reprs,
names, flags, gradients, errors); ``test_parity`` compares autodiff_lab's outcome with
PyTorch's and with the literal PyTorch 2.13 gave, ``test_expected`` checks the literal alone
(so it runs where PyTorch is not installed). The symbolic side (``.sym``, explain, pictures,
compare), which PyTorch does not have, is tested at the end.
"""

import math
import warnings

import numpy as np
import pytest
import sympy

import autodiff_lab

from autodiff_lab.autograd.gradcheck import GradcheckError
from conftest import outcome, pytorch_text, require_torch

PROGRAMS = {}


def program(expected):
    """Register ``prog(torch)`` with the outcome PyTorch 2.13 gives for it."""
    def register(prog):
        PROGRAMS[prog.__name__] = (prog, expected)
        return prog
    return register


def attempt(f):
    """``f()``'s repr, or its error as 'Type: text' (for programs that try several mistakes)."""
    try:
        return repr(f())
    except Exception as e:  # noqa: BLE001 - the error is the observation
        return f"{type(e).__name__}: {pytorch_text(e)}"


def legendre(torch):
    """The PyTorch tutorial's P3(x) = (5x³ - 3x)/2, with its hand-written derivative."""
    class LegendrePolynomial3(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)
    return LegendrePolynomial3


def my_exp(torch):
    """exp, saving its output for backward (so double backward goes through it again)."""
    class MyExp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad_output):
            result, = ctx.saved_tensors
            return grad_output * result
    return MyExp


def two_outputs(torch, materialize=True):
    class Two(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(materialize)
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            ctx.seen.append((g1, g2))
            return (0 if g1 is None else g1 * 2) + (0 if g2 is None else g2 * 3)
    return Two


def leaf(torch, *values, dtype=None):
    return torch.tensor(list(values), requires_grad=True, dtype=dtype)


# --------------------------------------------------------------------- the node
@program("[tensor([-0.4375, 17.0000], grad_fn=<LegendrePolynomial3Backward>), "
         "'<torch.autograd.function.LegendrePolynomial3Backward object at 0x...>', "
         "'LegendrePolynomial3Backward', 'LegendrePolynomial3Backward', "
         "((<AccumulateGrad object at 0x...>, 0),), True, (True,), True, False, "
         "tensor([ 0.3750, 28.5000]), tensor(17.), tensor([-0.4375, 17.0000])]")
def legendre_node(torch):
    x = leaf(torch, 0.5, 2.0)
    y = legendre(torch).apply(x)
    node = y.grad_fn
    seen = [y, repr(node), node.name(), type(node).__name__, node.next_functions,
            node.next_functions[0][0].variable is x, node.needs_input_grad,
            isinstance(node, torch.autograd.function.FunctionCtx), y.is_leaf]
    y.sum().backward()
    seen.append(x.grad)
    seen.append(legendre(torch).apply(torch.tensor(2.0)))  # no input requires grad: no node
    with torch.no_grad():
        seen.append(legendre(torch).apply(x))
    return seen


@program('[(tensor([2.7183, 7.3891], grad_fn=<MyExpBackward>),), True, tensor([2.7183, 7.3891], '
         'grad_fn=<MulBackward0>), tensor([2.7183, 7.3891], grad_fn=<MulBackward0>), '
         'tensor([2.7183, 7.3891])]')
def my_exp_double_backward(torch):
    x = leaf(torch, 1.0, 2.0)
    y = my_exp(torch).apply(x)
    saved = y.grad_fn.saved_tensors  # the saved output, whose history is the node itself
    g, = torch.autograd.grad(y.sum(), x, create_graph=True)
    g2, = torch.autograd.grad(g.sum(), x, create_graph=True)
    g3, = torch.autograd.grad(g2.sum(), x)  # third order: through the node's backward again
    return [saved, saved[0].grad_fn is y.grad_fn, g, g2, g3]


@program("[tensor(9., grad_fn=<SquareBackward>), 'setup_context', 1, tensor(9., "
         'grad_fn=<SquareBackward>), tensor(6., grad_fn=<MulBackward0>), tensor(2.), tensor(9., '
         'grad_fn=<ScaleBackward>), tensor(6., grad_fn=<ScaleBackward>), (tensor(3., '
         'requires_grad=True), 3.0), (tensor(3., requires_grad=True), 2.0)]')
def setup_context_style(torch):
    class Square(torch.autograd.Function):
        @staticmethod
        def forward(x):
            return x ** 2

        @staticmethod
        def setup_context(ctx, inputs, output):
            seen.extend(["setup_context", len(inputs), output])
            ctx.save_for_backward(inputs[0])

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return g * 2 * x

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(x, scale=2.0):
            return x * scale

        @staticmethod
        def setup_context(ctx, inputs, output):
            bound.append(inputs)

        @staticmethod
        def backward(ctx, g):
            return g * 2, None
    seen, bound = [], []
    x = torch.tensor(3.0, requires_grad=True)
    y = Square.apply(x)
    gx, = torch.autograd.grad(y, x, create_graph=True)
    gx.backward()
    return [y] + seen + [gx, x.grad, Scale.apply(x, scale=3.0), Scale.apply(x)] + bound


@program("['fwd', (True, False, False), False, ((<AccumulateGrad object at 0x...>, 0), (None, "
         "0)), 'bwd', (True, False, False), tensor([1., 1.]), 'fwd', (False, False, False), "
         "False, tensor([3., 3.]), 'fwd', (True, False, False), False, tensor([3., 6.]), 3]")
def needs_input_grad_and_constants(torch):
    class Affine(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a, k, b):
            seen.extend(["fwd", ctx.needs_input_grad, torch.is_grad_enabled()])
            ctx.k = k  # arbitrary attributes on ctx
            return a * k + b

        @staticmethod
        def backward(ctx, g):
            seen.extend(["bwd", ctx.needs_input_grad])
            return g, None, None
    seen = []
    z = leaf(torch, 1.0, 2.0)
    y = Affine.apply(z, 2.0, torch.ones(2))
    seen.append(y.grad_fn.next_functions)
    y.sum().backward()
    seen.append(z.grad)
    seen.append(Affine.apply(torch.ones(2), 2.0, torch.ones(2)))
    with torch.no_grad():
        y = Affine.apply(z, 3.0, torch.zeros(2))
    seen += [y, y.grad_fn is None and 3]
    return seen


# --------------------------------------------------------------------- ctx features
@program('[tensor([6., 2., 4.], grad_fn=<DoubleAndArgmaxBackward>), tensor(0), tensor([1., 0., '
         '1.]), False, False, None, True, tensor(0), tensor([0., 0., 0.]), tensor([2., 4., 6.])]')
def mark_non_differentiable(torch):
    class DoubleAndArgmax(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            where, mask = x.argmax(), (x > 1.5).float()
            ctx.mark_non_differentiable(where, mask)
            return x * 2, where, mask

        @staticmethod
        def backward(ctx, g, g_where, g_mask):
            seen.extend([g_where, g_mask])  # materialized as zeros, of the outputs' dtypes
            return g * 2
    seen = []
    a = leaf(torch, 3.0, 1.0, 2.0)
    doubled, where, mask = DoubleAndArgmax.apply(a)
    result = [doubled, where, mask, where.requires_grad, mask.requires_grad, mask.grad_fn,
              mask.is_leaf]
    (doubled * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
    return result + seen + [a.grad]


@program("[True, ((<torch.autograd.function.TwoBackward object at 0x...>, 0), "
         "(<torch.autograd.function.TwoBackward object at 0x...>, 1)), "
         "[(tensor([0., 0.]), tensor([1., 1.]))], tensor([3., 3.]), "
         "[(None, tensor([1., 1.]))], tensor([3., 3.]), "
         "(tensor([10., 10.]),), (tensor([3., 6.]), tensor([2., 4.]))]")
def multiple_outputs(torch):
    Two = two_outputs(torch)
    x = leaf(torch, 1.0, 2.0)
    p, q = Two.apply(x)
    p.grad_fn.seen = []
    result = [p.grad_fn is q.grad_fn, (p + q).grad_fn.next_functions]
    q.sum().backward()
    result += [p.grad_fn.seen, x.grad]
    x.grad = None
    p, q = two_outputs(torch, materialize=False).apply(x)
    p.grad_fn.seen = []
    q.sum().backward()
    result += [p.grad_fn.seen, x.grad]
    p, q = Two.apply(x)
    p.grad_fn.seen = []
    result.append(torch.autograd.grad((q * 10).sum(), q))
    result.append(torch.autograd.grad((p * q).sum(), [p, q]))
    return result


@program("['hook p', tensor([1., 1.]), 'hook q', tensor([1., 1.]), 'node prehook', "
         "(tensor([1., 1.]), tensor([10., 10.])), 'node hook', (tensor([32., 32.]),), "
         "tensor([32., 32.]), tensor([10., 10.]), tensor([1., 1.])]")
def hooks_and_retain_grad_on_outputs(torch):
    Two = two_outputs(torch)
    x = leaf(torch, 1.0, 2.0)
    p, q = Two.apply(x)
    p.grad_fn.seen = []
    seen = []
    p.register_hook(lambda g: seen.extend(["hook p", g]))
    q.register_hook(lambda g: seen.extend(["hook q", g]) or g * 10)
    p.retain_grad()
    q.retain_grad()
    p.grad_fn.register_prehook(lambda go: seen.extend(["node prehook", go]))
    p.grad_fn.register_hook(lambda gi, go: seen.extend(["node hook", gi]))
    (p.sum() + q.sum()).backward()
    return seen + [x.grad, q.grad, p.grad]


@program('[((<torch.autograd.function.TwoBackward object at 0x...>, 1), (None, 0)), tensor([1., '
         '1.]), tensor([8., 8.])]')
def in_place_on_a_second_output(torch):
    Two = two_outputs(torch)
    x = leaf(torch, 0.5, 1.0)
    p, q = Two.apply(x)
    p.grad_fn.seen = []
    q.mul_(2)  # q becomes output 0 of MulBackward0, which takes output 1 of TwoBackward
    seen = [q.grad_fn.next_functions]
    q.register_hook(lambda g: seen.append(g))
    (p + q).sum().backward()
    return seen + [x.grad]


@program("[RuntimeError('a leaf Variable that requires grad has been used in an in-place "
         "operation.'), True, tensor([4., 8.], grad_fn=<DoubleInPlaceBackward>), 2, "
         "'<torch.autograd.function.DoubleInPlaceBackward object at 0x...>', tensor([2., 2.]), "
         "RuntimeError('Some elements marked as dirty during the forward method were not "
         "returned as output. The inputs that are modified inplace must all be outputs of the "
         "Function.'), False, tensor([2., 4.], grad_fn=<IdentityBackward>), "
         "'<MulBackward0 object at 0x...>', tensor([5., 5.]), False, False]")
def mark_dirty_and_aliases(torch):
    class DoubleInPlace(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 2

    class DirtyNotReturned(DoubleInPlace):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x * 1

    class Identity(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x

        @staticmethod
        def backward(ctx, g):
            return g * 5
    a = leaf(torch, 1.0, 2.0)
    seen = []
    for f in (lambda: DoubleInPlace.apply(a),):
        try:
            f()
        except RuntimeError as e:
            seen.append(e)
    b = a * 1
    c = DoubleInPlace.apply(b)
    seen += [c is b, c, b._version, repr(b.grad_fn)]
    c.sum().backward()
    seen.append(a.grad)
    try:
        DirtyNotReturned.apply(a * 1)
    except RuntimeError as e:
        seen.append(e)
    b = a * 1
    c = Identity.apply(b)  # an input returned as it is becomes a new tensor
    seen += [c is b, c, repr(b.grad_fn)]
    a.grad = None
    c.sum().backward()
    seen.append(a.grad)
    with torch.no_grad():
        c = Identity.apply(a)
    return seen + [c is a, c.requires_grad]


@program("[tensor([2., 4.], grad_fn=<Error>), '<Error object at 0x...>', "
         "'RuntimeError: trying to differentiate twice a function that was marked with "
         "@once_differentiable', False, tensor(6.), False]")
def once_differentiable(torch):
    once = torch.autograd.function.once_differentiable

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 2

        @staticmethod
        @once
        def backward(ctx, g):
            x, = ctx.saved_tensors
            seen.append(torch.is_grad_enabled())
            return g * 2 * x
    seen = []
    x = leaf(torch, 1.0, 2.0)
    v = torch.ones(2, requires_grad=True)
    gx, = torch.autograd.grad(Square.apply(x), x, v, create_graph=True)
    result = [gx, repr(gx.grad_fn), attempt(lambda: gx.sum().backward())]
    s = torch.tensor(3.0, requires_grad=True)
    g, = torch.autograd.grad(Square.apply(s), s)  # once is all it takes here
    return result + seen[:1] + [g, g.requires_grad]


@program("[tensor([1., 1.]), torch.float32, tensor(6., grad_fn=<MulBackward0>), "
         "'<torch.autograd.function.SquareBackward object at 0x...>', tensor(6.)]")
def gradient_dtype_and_direct_apply(torch):
    class Doubled(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g.double()  # cast back to the input's dtype

    class Square(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            return 2 * x * g
    a = leaf(torch, 1.0, 2.0)
    Doubled.apply(a).sum().backward()
    x = torch.tensor(3.0, requires_grad=True)
    y = Square.apply(x)
    direct = y.grad_fn.apply(torch.tensor(1.0))  # grad_fn.apply calls backward itself
    y.backward()
    return [a.grad, a.grad.dtype, direct, repr(y.grad_fn), x.grad]


# --------------------------------------------------------------------- saved tensors
@program("['RuntimeError: one of the variables needed for gradient computation has been "
         "modified by an inplace operation: [torch.FloatTensor [2]], which is output 0 of "
         "MyExp, is at version 1; expected version 0 instead. Hint: enable anomaly detection "
         "to find the operation that failed to compute its gradient, with "
         "torch.autograd.set_detect_anomaly(True, check_nan=False).', 'RuntimeError: one of "
         "the variables needed for gradient computation has been modified by an inplace "
         "operation: [torch.FloatTensor [2]], which is output 0 of Add, is at version 1; "
         "expected version 0 instead. Hint: enable anomaly detection to find the operation "
         "that failed to compute its gradient, with torch.autograd.set_detect_anomaly(True, "
         "check_nan=False).', 'RuntimeError: one of the variables needed for gradient "
         "computation has been modified by an inplace operation: [torch.FloatTensor [2]] is "
         "at version 1; expected version 0 instead. Hint: enable anomaly detection to find "
         "the operation that failed to compute its gradient, with "
         "torch.autograd.set_detect_anomaly(True, check_nan=False).']")
def saved_tensor_modified_in_place(torch):
    class SaveSecond(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            ctx.save_for_backward(w)
            return x * w

        @staticmethod
        def backward(ctx, g):
            w, = ctx.saved_tensors
            return g * w, None
    x = leaf(torch, 1.0, 2.0)
    y = my_exp(torch).apply(x)
    y.mul_(2)  # the saved output
    first = attempt(lambda: y.sum().backward())
    h = x * 1
    y = legendre(torch).apply(h)
    h.add_(1)  # a saved input, itself the output of an op
    second = attempt(lambda: y.sum().backward())
    w = torch.tensor([1.0, 2.0])
    y = SaveSecond.apply(x, w)
    w.add_(1)  # a saved tensor that needs no grad
    return [first, second, attempt(lambda: y.sum().backward())]


@program("['RuntimeError: Trying to backward through the graph a second time (or directly access "
         'saved tensors after they have already been freed). Saved intermediate values of the '
         'graph are freed when you call .backward() or autograd.grad(). Specify '
         'retain_graph=True if you need to backward through the graph a second time or if you '
         "need to access saved tensors after calling backward.', 'RuntimeError: Trying to "
         'backward through the graph a second time (or directly access saved tensors after they '
         'have already been freed). Saved intermediate values of the graph are freed when you '
         'call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward '
         'through the graph a second time or if you need to access saved tensors after calling '
         "backward.', (tensor([1., 2.], grad_fn=<MulBackward0>),), tensor([12., 57.]), "
         'tensor([6., 6.])]')
def saved_tensors_after_backward(torch):
    x = leaf(torch, 1.0, 2.0)
    y = legendre(torch).apply(x * 1)
    y.sum().backward()
    result = [attempt(lambda: y.grad_fn.saved_tensors), attempt(lambda: y.sum().backward())]
    y = legendre(torch).apply(x * 1)
    result.append(y.grad_fn.saved_tensors)
    x.grad = None
    y.sum().backward(retain_graph=True)
    y.sum().backward()  # kept by retain_graph: runs again
    result.append(x.grad)

    class NoSaves(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 3

        @staticmethod
        def backward(ctx, g):
            return g * 3
    x.grad = None
    y = NoSaves.apply(x)
    y.sum().backward()
    y.sum().backward()  # nothing saved, nothing freed: PyTorch runs it again too
    return result + [x.grad]


# --------------------------------------------------------------------- mistakes
@program("['RuntimeError: function TwoInputsBackward returned an incorrect number of "
         "gradients (expected 2, got 1)', 'RuntimeError: function ThreeGradsBackward returned "
         "an incorrect number of gradients (expected 1, got 3)', 'None', 'RuntimeError: "
         "function ConstantGradBackward returned a gradient different than None at position 2, "
         "but the corresponding forward input was not a Variable', 'RuntimeError: Function "
         "WrongShapeBackward returned an invalid gradient at index 0 - got [3] but expected "
         "shape compatible with [2]', 'RuntimeError: Function ScalarGradBackward returned an "
         "invalid gradient at index 0 - got [] but expected shape compatible with [2]', "
         "'None', 'RuntimeError: expected Variable or None (got float)', 'RuntimeError: "
         "function KeywordBackward returned an incorrect number of gradients (expected 2, got "
         "1)']")
def wrong_gradients(torch):
    def fn(forward, backward):
        return type(forward.__name__, (torch.autograd.Function,), {
            "forward": staticmethod(forward), "backward": staticmethod(backward)})

    def TwoInputs(ctx, a, b):
        return a * b

    def ThreeGrads(ctx, a):
        return a * 2

    def ExtraNones(ctx, a):
        return a * 2

    def ConstantGrad(ctx, a, k):
        return a * k

    def WrongShape(ctx, a):
        return a.sum()

    def ScalarGrad(ctx, a):
        return a * 2

    def Broadcast(ctx, a):
        return a * 2

    def FloatGrad(ctx, a):
        return a * 2

    def Keyword(ctx, a, scale=1.0):
        return a * scale
    a = leaf(torch, 1.0, 2.0)
    b = leaf(torch, 3.0, 4.0)
    cases = [
        lambda: fn(TwoInputs, lambda ctx, g: g).apply(a, b).sum().backward(),
        lambda: fn(ThreeGrads, lambda ctx, g: (g, g, g)).apply(a).sum().backward(),
        lambda: fn(ExtraNones, lambda ctx, g: (g, None, None)).apply(a).sum().backward(),
        lambda: fn(ConstantGrad, lambda ctx, g: (g, g)).apply(a, 2.0).sum().backward(),
        lambda: fn(WrongShape, lambda ctx, g: g.expand(3)).apply(a).backward(),
        lambda: fn(ScalarGrad, lambda ctx, g: g.sum()).apply(a).sum().backward(),
        lambda: fn(Broadcast, lambda ctx, g: g.reshape(1, 2)).apply(a).sum().backward(),
        lambda: fn(FloatGrad, lambda ctx, g: 3.0).apply(a).sum().backward(),
        lambda: fn(Keyword, lambda ctx, g: g).apply(a, scale=a).sum().backward(),
    ]
    return [attempt(case) for case in cases]


@program('["AttributeError: \'NoneType\' object has no attribute \'save_for_backward\'", '
         "'RuntimeError: Legacy autograd function with non-static forward method is deprecated. "
         'Please use new-style autograd function with static forward method. (Example: '
         "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)', "
         "'NotImplementedError: You must implement either the backward or vjp method for your "
         "custom autograd.Function to use it with backward mode AD.', 'NotImplementedError: You "
         "must implement the forward function for custom autograd.Function.', 'TypeError: "
         "save_for_backward can only save variables, but argument 1 is of type int', "
         '"RuntimeError: Implementing both \'backward\' and \'vjp\' for a custom Function is not '
         'allowed. You should only implement one of them.", \'None\']\nDeprecationWarning: '
         "<class 'test_autograd_function.wrong_usage.<locals>.Both'> should not be instantiated. "
         'Methods on autograd functions are all static, so you should invoke them on the class '
         'itself. Instantiating an autograd function will raise an error in a future version of '
         'PyTorch.')
def wrong_usage(torch):
    P3 = legendre(torch)

    class NoBackward(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

    class NoForward(torch.autograd.Function):
        pass

    class SavesNumber(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a, 3)
            return a * 2

    class Both(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, g):
            return g

        @staticmethod
        def vjp(ctx, g):
            return g
    a = leaf(torch, 1.0, 2.0)
    return [attempt(lambda: P3.forward(None, a)),  # forward called directly, without apply
            attempt(lambda: Both()(a)),            # the old style: an instance called
            attempt(lambda: NoBackward.apply(a).sum().backward()),
            attempt(lambda: NoForward.apply(a)),
            attempt(lambda: SavesNumber.apply(a)),
            attempt(lambda: Both.apply(a).sum().backward()),
            attempt(lambda: None)]


@program("[True, True]")
def gradcheck_and_gradgradcheck(torch):
    x = torch.tensor([0.3, -1.2, 2.0], dtype=torch.float64, requires_grad=True)
    return [torch.autograd.gradcheck(legendre(torch).apply, (x,)),
            torch.autograd.gradgradcheck(my_exp(torch).apply, (x,))]


def test_gradcheck_catches_a_wrong_backward():
    WrongP3 = wrong_backward(legendre(autodiff_lab))
    x = autodiff_lab.tensor([0.3, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    with pytest.raises(GradcheckError,
                       match="Jacobian mismatch for output 0 with respect to input 0"):
        autodiff_lab.autograd.gradcheck(WrongP3.apply, (x,))


def forward_mode_jvp(torch):
    fwAD = torch.autograd.forward_ad

    class ExpWithJvp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, i):
            result = i.exp()
            ctx.result = result
            return result

        @staticmethod
        def backward(ctx, g):
            return g * ctx.result

        @staticmethod
        def jvp(ctx, t):
            return t * ctx.result
    with fwAD.dual_level():
        x = fwAD.make_dual(torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.5]))
        return [fwAD.unpack_dual(ExpWithJvp.apply(x)),
                attempt(lambda: legendre(torch).apply(x))]


_JVP = ("[UnpackedDualTensor(primal=tensor([2.7183, 7.3891]), tangent=tensor([2.7183, "
        "3.6945])), 'NotImplementedError: You must implement the jvp function for custom "
        "autograd.Function to use it with forward mode AD.']")


def test_forward_mode_jvp():
    assert repr(forward_mode_jvp(autodiff_lab)) == _JVP


def test_forward_mode_jvp_parity():
    torch = require_torch()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit, inside make_dual
        assert repr(forward_mode_jvp(torch)) == _JVP


def test_anomaly_mode_names_the_custom_node():
    class NanBackward(autodiff_lab.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * float("nan")
    x = autodiff_lab.tensor([1.0, 2.0], requires_grad=True)
    with pytest.warns(UserWarning, match="Anomaly Detection has been enabled"):
        anomaly = autodiff_lab.autograd.detect_anomaly()
    with anomaly, pytest.warns(UserWarning, match="Error detected in NanBackwardBackward"):
        y = NanBackward.apply(x).sum()
        with pytest.raises(RuntimeError, match="^Function 'NanBackwardBackward' returned nan "
                                               "values in its 0th output.$"):
            y.backward()


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_expected(name):
    prog, expected = PROGRAMS[name]
    assert outcome(prog, autodiff_lab) == expected


@pytest.mark.parametrize("name", list(PROGRAMS))
def test_parity(name):
    torch = require_torch()
    prog, expected = PROGRAMS[name]
    assert outcome(prog, autodiff_lab) == outcome(prog, torch) == expected


# --------------------------------------------------------------------- the tutorial
def fit_legendre(torch, steps=300):
    """The training loop of PyTorch's custom-Function tutorial (y = a + b·P3(c + d·x) fitted
    to sin on [-π, π], plain gradient descent), written here in our own words: the printed
    losses and the final coefficients."""
    P3 = legendre(torch).apply
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float)
    y = torch.sin(x)
    a, b, c, d = (torch.full((), v, dtype=torch.float, requires_grad=True)
                  for v in (0.0, -1.0, 0.0, 0.3))
    losses = []
    for t in range(steps):
        loss = (a + b * P3(c + d * x) - y).pow(2).sum()
        if t % 100 == 99:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= 5e-6 * p.grad
                p.grad = None
    return losses, [p.item() for p in (a, b, c, d)]


def test_tutorial_training_loop():
    losses, coefficients = fit_legendre(autodiff_lab)
    # PyTorch 2.13 prints these (float32; the sums over 2000 points differ in rounding order)
    np.testing.assert_allclose(losses, [209.95834350585938, 144.66018676757812,
                                        100.70249938964844], rtol=1e-6)
    np.testing.assert_allclose(coefficients, [-5.682655457306396e-10, -1.5471197366714478,
                                              -7.536725410428602e-11, 0.24978573620319366],
                               rtol=1e-6, atol=1e-8)


def test_tutorial_training_loop_parity():
    torch = require_torch()
    ours, theirs = fit_legendre(autodiff_lab), fit_legendre(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-6)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-5, atol=1e-8)


# --------------------------------------------------------------------- the symbolic side
def with_sym(cls):
    """The same Function with our extension: a SymPy rule for its output."""
    return type(cls.__name__, (cls,), {"sym": staticmethod(lambda x: (5 * x ** 3 - 3 * x) / 2)})


def wrong_backward(cls):
    """The same Function with the classic mistake in backward: the "- 1" forgotten."""
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        return grad_output * 1.5 * 5 * input ** 2
    return type(cls.__name__, (cls,), {"backward": staticmethod(backward)})


def p3_graph(cls):
    x = autodiff_lab.tensor(0.5, requires_grad=True, name="x")
    return x, 2 * cls.apply(3 * x)


def test_twin_of_a_function_without_sym_is_an_opaque_function():
    x, y = p3_graph(legendre(autodiff_lab))
    assert str(y.sym) == "2*LegendrePolynomial3(3*x)"
    assert isinstance(y.sym.args[1], sympy.Function)
    d = autodiff_lab.symbolic.diff(y, x)
    assert str(d) == "6*LegendrePolynomial3'(3*x)"
    # Its numbers come from the Function itself: forward for the value, backward for P3'.
    assert float(y.sym.subs(sympy.Symbol("x", real=True), 0.5).evalf()) == 12.375
    assert float(d.subs(sympy.Symbol("x", real=True), 0.5).evalf()) == 92.25
    assert str(autodiff_lab.symbolic.reverse_mode_grad(y, x)) == "6*LegendrePolynomial3'(3*x)"
    v = autodiff_lab.tensor([0.5, 2.0], requires_grad=True, name="v")
    assert str(legendre(autodiff_lab).apply(v).sym) == \
        "[LegendrePolynomial3(v_{0,}), LegendrePolynomial3(v_{1,})]".replace(",}", "}")


def test_twin_of_a_function_with_sym_is_its_expression():
    x, y = p3_graph(with_sym(legendre(autodiff_lab)))
    s = sympy.Symbol("x", real=True)
    assert y.sym == 135 * s ** 3 - 9 * s
    assert autodiff_lab.symbolic.diff(y, x) == 405 * s ** 2 - 9
    assert sympy.expand(autodiff_lab.symbolic.reverse_mode_grad(y, x)) == 405 * s ** 2 - 9


def test_twin_keeps_constant_arguments_and_non_elementwise_functions():
    torch = autodiff_lab

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, k):
            ctx.k = k
            return x * k

        @staticmethod
        def backward(ctx, g):
            return g * ctx.k, None

    class Total(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.n = x.shape[0]
            return x.sum()

        @staticmethod
        def backward(ctx, g):
            return g.expand(ctx.n)

    class Normalize(torch.autograd.Function):
        sym_elementwise = False  # its sym is written for whole arrays

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x / x.sum()

        @staticmethod
        def backward(ctx, g):
            x, = ctx.saved_tensors
            s = x.sum()
            return g / s - (g * x).sum() / s ** 2

        @staticmethod
        def sym(x):
            return x / x.sum()
    x = torch.tensor(0.5, requires_grad=True, name="x")
    y = Scale.apply(x, 2.5) ** 2
    assert str(y.sym) == "Scale(x, 5/2)**2"
    assert str(torch.symbolic.diff(y, x)) == "2*Scale(x, 5/2)*Scale_1'(x, 5/2)"
    assert torch.compare(y, wrt=x, expected="12.5x").ok
    v = torch.tensor([1.0, 2.0], requires_grad=True, name="v")
    assert str(Total.apply(v * v).sym) == "Total(v_{0}**2, v_{1}**2)"
    assert str(Normalize.apply(v).sym) == "[v_{0}/(v_{0} + v_{1}), v_{1}/(v_{0} + v_{1})]"


def test_explain_shows_the_custom_node_and_its_local_derivative():
    x, y = p3_graph(legendre(autodiff_lab))
    text = str(autodiff_lab.explain(y))
    assert " 2. LegendrePolynomial3Backward b = LegendrePolynomial3(a)\n" in text
    assert "      local     ∂b/∂a         = LegendrePolynomial3'(a) = 15.375\n" in text
    assert "result: ∂y/∂x = 6LegendrePolynomial3'(3x) = 92.25   ✓ autograd.grad agrees" \
        in text
    x, y = p3_graph(with_sym(legendre(autodiff_lab)))
    y.backward()  # explain replays the Function's backward after the graph was freed
    text = str(autodiff_lab.explain(y))
    assert "      local     ∂b/∂a         = 15a²/2 - 3/2 = 15.375\n" in text
    assert "result: ∂y/∂x = 9(45x² - 1) = 92.25\n" in text


def test_pictures_draw_the_custom_node():
    x, y = p3_graph(legendre(autodiff_lab))
    dot = autodiff_lab.viz.to_dot(y)
    assert 'LegendrePolynomial3Backward_1 [label="LegendrePolynomial3Backward\\nb\\n6.1875"' in dot
    assert "MulBackward0_1 -> LegendrePolynomial3Backward_1;" in dot
    assert "LegendrePolynomial3Backward_1 -> MulBackward0_2;" in dot
    from autodiff_lab.viz.graph import build
    for cls in (legendre(autodiff_lab), with_sym(legendre(autodiff_lab))):
        x, y = p3_graph(cls)
        picture = build(y, {}, symbolic=True, local_derivatives=True, highlight_backward=True)
        box = next(b for b in picture.boxes if "LegendrePolynomial3Backward" in str(b))
        arrows = [a for a in picture.arrows if a.target == box.id]
        lines = str(box) + str(arrows)
        assert ("LegendrePolynomial3(" if cls.sym is None else "5") in lines
        assert "15.375" in lines  # the local derivative's value, from the Function's backward
        assert type(y.draw(local_derivatives=True)).__name__ == "GraphFigure"


@pytest.mark.parametrize("sym", [False, True])
def test_compare_on_a_custom_function(sym):
    P3 = legendre(autodiff_lab)
    P3 = with_sym(P3) if sym else P3
    x, y = p3_graph(P3)
    c = autodiff_lab.compare(y, wrt=x, expected="405x^2 - 9")
    assert c.ok
    assert [row.value for row in c.rows[:3]] == [92.25, 92.25, 92.25]
    y.backward()  # freed: the autograd row runs on y rebuilt from y.sym, P3 included
    assert autodiff_lab.compare(y, wrt=x).row("autograd").value == 92.25


@pytest.mark.parametrize("sym", [False, True])
def test_compare_catches_a_wrong_backward(sym):
    P3 = wrong_backward(legendre(autodiff_lab))
    P3 = with_sym(P3) if sym else P3
    x, y = p3_graph(P3)
    c = autodiff_lab.compare(y, wrt=x)
    assert not c.ok
    # With a sym rule the symbolic row is right and autograd is wrong; without one, the
    # symbolic row uses the (wrong) backward too, and the finite difference tells.
    assert c.row("finite difference").value == pytest.approx(92.25, rel=1e-4)
    assert c.row("autograd").value == 101.25
    assert c.row("symbolic").value == (92.25 if sym else 101.25)


def test_several_outputs_are_refused_by_the_twin_and_explain():
    Two = two_outputs(autodiff_lab)
    x = autodiff_lab.tensor(0.5, requires_grad=True)
    p, q = Two.apply(x)
    message = "TwoBackward: the symbolic twin, explain and the pictures do not follow custom " \
              "Functions with several outputs yet"
    with pytest.raises(NotImplementedError, match=message):
        q.sym
    with pytest.raises(NotImplementedError, match=message):
        autodiff_lab.explain(p * q)
    p.grad_fn.seen = []
    (p * q).backward()  # the engine itself is not affected
    assert x.grad.item() == 6.0


def fit_two_layer_relu(torch, steps=100):
    """PyTorch's other custom-Function lesson, in our words: a two-layer net whose ReLU is a
    Function (its backward clones the gradient and zeroes it where the input was negative),
    on fixed data from NumPy so that both libraries start from the same weights."""
    class MyReLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return input.clamp(min=0)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            grad_input = grad_output.clone()
            grad_input[input < 0] = 0
            return grad_input
    rng = np.random.default_rng(0)
    x, y, w1, w2 = (torch.from_numpy(rng.standard_normal(shape).astype(np.float32))
                    for shape in ((16, 50), (16, 5), (50, 20), (20, 5)))
    w1.requires_grad_()
    w2.requires_grad_()
    losses = []
    for t in range(steps):
        loss = (MyReLU.apply(x.mm(w1)).mm(w2) - y).pow(2).sum()
        if t % 25 == 24:
            losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for w in (w1, w2):
                w -= 1e-4 * w.grad
                w.grad.zero_()
    return losses


def test_two_layer_relu_lesson():
    # PyTorch 2.13's losses (float32 matmuls: rounding order differs)
    np.testing.assert_allclose(fit_two_layer_relu(autodiff_lab), [
        507.2151794433594, 165.25572204589844, 76.7714614868164, 44.501617431640625], rtol=1e-5)


def test_two_layer_relu_lesson_parity():
    torch = require_torch()
    np.testing.assert_allclose(fit_two_layer_relu(autodiff_lab), fit_two_layer_relu(torch),
                               rtol=1e-5)
