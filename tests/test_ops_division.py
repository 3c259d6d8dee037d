"""``// % floor_divide remainder fmod div(rounding_mode=) all any`` against PyTorch: values,
dtypes, node names, gradients and errors, each program run with both libraries."""

import itertools

import pytest

import autodiff_lab

from conftest import outcome, require_torch


def same(prog):
    torch = require_torch()
    expected = outcome(prog, torch)
    assert outcome(prog, autodiff_lab) == expected
    return expected


DIVISIONS = {
    "floordiv": lambda a, b: a // b,
    "mod": lambda a, b: a % b,
    "floor_divide": lambda a, b, t=None: a.floor_divide(b),
    "remainder": lambda a, b: a.remainder(b),
    "fmod": lambda a, b: a.fmod(b),
    "div_floor": lambda a, b: a.div(b, rounding_mode="floor"),
    "div_trunc": lambda a, b: a.div(b, rounding_mode="trunc"),
    "div_none": lambda a, b: a.div(b, rounding_mode=None),
    "true_divide": lambda a, b: a.true_divide(b),
}

LEFT = {
    "float32": lambda t: t.tensor([5.5, -5.5, 7.0, -7.0, 0.0, 3.0]),
    "float64": lambda t: t.tensor([5.5, -5.5, 7.0, -7.0, 0.0, 3.0], dtype=t.float64),
    "int64": lambda t: t.tensor([7, -7, 6, -6, 0, 3]),
    "int32": lambda t: t.tensor([7, -7, 6, -6, 0, 3], dtype=t.int32),
}

RIGHT = {
    "int": lambda t: 2,
    "negative_int": lambda t: -3,
    "float": lambda t: 2.5,
    "float64_tensor": lambda t: t.tensor([2.0, 2.0, -3.0, -3.0, 1.5, 4.0], dtype=t.float64),
    "int64_tensor": lambda t: t.tensor([2, 2, -3, -3, 5, 4]),
    "float32_0d": lambda t: t.tensor(-2.5),
    "int32_tensor": lambda t: t.tensor([2, 2, -3, -3, 5, 4], dtype=t.int32),
}


@pytest.mark.parametrize("op, left, right",
                         list(itertools.product(DIVISIONS, LEFT, RIGHT)))
def test_values_and_dtypes_match_torch(op, left, right):
    same(lambda t: DIVISIONS[op](LEFT[left](t), RIGHT[right](t)))


# True division is left out: NumPy warns on x / 0 and silencing it costs Div more than the op.
@pytest.mark.parametrize("op", [op for op in DIVISIONS if op not in ("div_none", "true_divide")])
@pytest.mark.parametrize("left", ["float32", "int64"])
def test_division_by_zero_matches_torch(op, left):
    same(lambda t: DIVISIONS[op](LEFT[left](t), 0))
    same(lambda t: DIVISIONS[op](LEFT[left](t), t.zeros(6, dtype=LEFT[left](t).dtype)))


SCALAR_LEFT = {
    "rfloordiv_int": lambda t: 7 // t.tensor([2, 3, -2]),
    "rfloordiv_float": lambda t: 7.5 // t.tensor([2.0, 3.0, -2.0]),
    "rmod_int": lambda t: 7 % t.tensor([2, 3, -2]),
    "rmod_float_of_int": lambda t: 7.5 % t.tensor([2, 3]),
    "remainder_scalar_first": lambda t: t.remainder(7, t.tensor([2.0, -3.0])),
    "bool_floordiv": lambda t: t.tensor([True]) // t.tensor([True]),
    "bool_div_floor": lambda t: t.div(t.tensor([True]), t.tensor([True]), rounding_mode="floor"),
    "bool_div_trunc": lambda t: t.div(t.tensor([True]), t.tensor([True]), rounding_mode="trunc"),
    "bad_mode": lambda t: t.div(t.ones(2), 2, rounding_mode="round"),
    "module_functions": lambda t: (t.floor_divide(t.tensor([7, -7]), 2), t.remainder(
        t.tensor([7, -7]), 3), t.fmod(t.tensor([7, -7]), 3), t.true_divide(t.tensor([7]), 2)),
    "broadcast": lambda t: t.arange(6.0).reshape(2, 3) % t.tensor([4.0, -4.0, 2.5]),
    "negative_zero": lambda t: (t.tensor([-0.5, 0.5]) // 1, t.tensor([-0.5]) // -1),
    "inplace": lambda t: [(x.floor_divide_(2), y.remainder_(3), z.fmod_(-2))
                          for x, y, z in [(t.tensor([7, -7]), t.tensor([7., -7.]),
                                           t.tensor([7, -7]))]],
    "inplace_div_modes": lambda t: [(x.div_(2, rounding_mode="floor"),
                                     y.div_(2, rounding_mode="trunc"),
                                     z.div_(2, rounding_mode=None), w.div_(2))
                                    for x, y, z, w in [tuple(t.tensor([7.0, -7.0])
                                                             for _ in range(4))]],
    "inplace_div_int_floor": lambda t: t.tensor([7, -7]).div_(2, rounding_mode="floor"),
    "inplace_div_int_true": lambda t: t.tensor([7, -7]).div_(2),
    "inplace_div_bad_mode": lambda t: t.tensor([7.0]).div_(2, rounding_mode="up"),
    "inplace_div_grad": lambda t: [(y, y.grad_fn.name()) for x in [t.tensor([7.0, -7.0],
                                                                          requires_grad=True)]
                                   for y in [(x * 1).div_(2, rounding_mode="floor")]],
    "inplace_operators": lambda t: [(x, y) for x, y in [(t.tensor([7, -7]), t.tensor([7., -7.]))]
                                    if x.__ifloordiv__(2) is x and y.__imod__(3) is y],
}


@pytest.mark.parametrize("name", SCALAR_LEFT)
def test_other_forms_match_torch(name):
    same(SCALAR_LEFT[name])


def _grads(make):
    """The output, its node name and the gradients of every input that requires grad."""
    def prog(t):
        x = t.tensor([5.5, -5.5, 7.0, -7.25], dtype=t.float64, requires_grad=True)
        y = t.tensor([2.0, 2.0, -3.0, 1.5], dtype=t.float64, requires_grad=True)
        out, inputs = make(t, x, y)
        grads = t.autograd.grad(out.sum(), inputs, allow_unused=True)
        return out, out.grad_fn.name(), grads
    return prog


GRADS = {
    "remainder_tensor": lambda t, x, y: (x % y, [x, y]),
    "remainder_scalar": lambda t, x, y: (x % 2, [x]),
    "fmod_tensor": lambda t, x, y: (t.fmod(x, y), [x, y]),
    "fmod_scalar": lambda t, x, y: (t.fmod(x, -2.0), [x]),
    "div_floor_tensor": lambda t, x, y: (t.div(x, y, rounding_mode="floor"), [x, y]),
    "div_trunc_scalar": lambda t, x, y: (t.div(x, 2, rounding_mode="trunc"), [x]),
    "div_none": lambda t, x, y: (t.div(x, y, rounding_mode=None), [x, y]),
    "div_default": lambda t, x, y: (t.div(x, y), [x, y]),
    "remainder_broadcast": lambda t, x, y: (x.reshape(2, 2) % y[:2], [x, y]),
}


@pytest.mark.parametrize("name", GRADS)
def test_gradients_match_torch(name):
    same(_grads(GRADS[name]))


def test_second_order_matches_torch():
    def prog(t):
        x = t.tensor([5.5, -5.5, 7.0], dtype=t.float64, requires_grad=True)
        y = t.tensor([2.0, 2.0, -3.0], dtype=t.float64, requires_grad=True)
        gx, gy = t.autograd.grad((x % y * x).sum(), [x, y], create_graph=True)
        return gx, gy, t.autograd.grad((gx * gy).sum(), [x, y])
    same(prog)


NOT_IMPLEMENTED = {
    "floordiv": lambda t, x: x // 2,
    "floordiv_tensor": lambda t, x: x // t.tensor([2.0, 3.0]),
    "rfloordiv": lambda t, x: 2 // x,
    "floor_divide": lambda t, x: t.floor_divide(x, 2),
    "rmod": lambda t, x: 7 % x,
}


@pytest.mark.parametrize("name", NOT_IMPLEMENTED)
def test_ops_without_derivative_match_torch(name):
    def prog(t):
        x = t.tensor([5.5, -5.5], requires_grad=True)
        out = NOT_IMPLEMENTED[name](t, x)
        return out, out.requires_grad, out.is_leaf, out.grad_fn.name(), out.grad_fn, \
            out.grad_fn.next_functions
    same(prog)
    same(lambda t: NOT_IMPLEMENTED[name](t, t.tensor([5.5, -5.5], requires_grad=True))
         .sum().backward())


def _under_no_grad(t):
    with t.no_grad():
        return (t.tensor([5.5], requires_grad=True) // 2).grad_fn, t.tensor([5.5]) // 2


def test_ops_without_derivative_record_nothing_without_grad():
    same(_under_no_grad)
    same(lambda t: (t.tensor([5.5]) // 2).requires_grad)
    assert autodiff_lab.is_grad_enabled()


REDUCTIONS = {
    "all": lambda t: t.tensor([1, 0, 2]).all(),
    "any": lambda t: t.tensor([0, 0, 2]).any(),
    "all_dim": lambda t: t.tensor([[1.0, 0.0], [2.0, 3.0]]).all(dim=1),
    "any_dim_keepdim": lambda t: t.tensor([[1.0, 0.0], [0.0, 0.0]]).any(1, keepdim=True),
    "all_function": lambda t: t.all(t.tensor([True, False]), dim=0),
    "any_function_positional": lambda t: t.any(t.tensor([[0.0, 1.0]]), 0, True),
    "all_tuple_dim": lambda t: t.tensor([[1.0, 0.0]]).all(dim=(0, 1)),
    "any_negative_dim": lambda t: t.tensor([[1.0, 0.0], [0.0, 0.0]]).any(-1),
    "all_uint8": lambda t: t.all(t.tensor([[0, 1]], dtype=t.uint8), dim=1),
    "any_uint8": lambda t: t.any(t.tensor([[0, 0]], dtype=t.uint8)),
    "empty": lambda t: (t.tensor([]).all(), t.tensor([]).any()),
    "nan_is_true": lambda t: t.tensor([float("nan")]).all(),
    "requires_grad": lambda t: t.tensor([1.0, 2.0], requires_grad=True).all(),
    "zero_d": lambda t: (t.tensor(1.0).any(dim=0), t.tensor(0).all()),
    "bad_dim": lambda t: t.tensor([[1.0, 0.0]]).any(dim=2),
    "comparison": lambda t: ((t.arange(4) < 2).all(), (t.arange(4) < 2).any()),
    "tutorial_assert": lambda t: bool((t.ones(3) > 0).all()),
}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_all_any_match_torch(name):
    same(REDUCTIONS[name])
