"""The smaller ops tutorials reach for (rounding, inverse trig, log1p..., isnan, isclose, the
constants, int8/int16, ``new_*`` and friends) against PyTorch: values, dtypes, node names,
gradients and errors."""

import pytest

import autodiff_lab

from conftest import outcome, require_torch


def same(prog):
    torch = require_torch()
    expected = outcome(prog, torch)
    assert outcome(prog, autodiff_lab) == expected
    return expected


UNARY = ["floor", "ceil", "round", "trunc", "fix", "frac", "square", "rsqrt", "log1p", "expm1",
         "exp2", "log2", "log10", "sinh", "cosh", "asin", "arcsin", "acos", "arccos", "atan",
         "arctan", "isnan", "isinf", "isfinite"]


@pytest.mark.parametrize("name", UNARY)
def test_unary_values_and_gradients_match_torch(name):
    def prog(t):
        x = t.tensor([0.5, 1.5, 2.5, 0.3, 0.7, 3.0], dtype=t.float64, requires_grad=True)
        x = x if name not in ("asin", "arcsin", "acos", "arccos") else x / 4
        out = getattr(t, name)(x)
        if not out.requires_grad:
            return out
        return out, out.grad_fn.name(), t.autograd.grad(out.sum(), x)
    same(prog)


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("dtype", ["float32", "int64", "int32"])
def test_unary_dtypes_match_torch(name, dtype):
    values = ([1, 0, -1] if name in ("asin", "arcsin", "acos", "arccos") else
              [1, 2, 3] if name in ("rsqrt", "log1p", "log2", "log10") else [1, -2, 3])
    same(lambda t: getattr(t, name)(t.tensor(values, dtype=getattr(t, dtype))))


@pytest.mark.parametrize("name", UNARY)
def test_unary_methods_match_torch(name):
    same(lambda t: getattr(t.tensor([0.25, 0.5, 0.75]), name)())


OTHERS = {
    "atan2": lambda t: [(out, out.grad_fn.name(), t.autograd.grad(out.sum(), [y, x]))
                        for y, x in [(t.tensor([1.0, -1.0, 0.5], dtype=t.float64,
                                                requires_grad=True),
                                      t.tensor([-1.0, -1.0, 2.0], dtype=t.float64,
                                               requires_grad=True))]
                        for out in [t.atan2(y, x)]],
    "atan2_method": lambda t: t.tensor([1.0, 2.0]).atan2(t.tensor([3.0, -4.0])),
    "arctan2": lambda t: t.arctan2(t.tensor([1.0]), t.tensor([2.0])),
    "round_half_even": lambda t: t.round(t.tensor([0.5, 1.5, 2.5, -0.5, -2.5])),
    "round_decimals": lambda t: [(r, r.grad_fn.name(), t.autograd.grad(r.sum(), x))
                                 for x in [t.tensor([1.25, 2.35, -0.125], requires_grad=True)]
                                 for r in [t.round(x, decimals=1)]],
    "round_negative_decimals": lambda t: t.round(t.tensor([1234.5, -55.0]), decimals=-2),
    "frac_int": lambda t: t.frac(t.tensor([1, 2])),
    "square_int": lambda t: t.square(t.tensor([3, -2])),
    "isnan": lambda t: t.isnan(t.tensor([1.0, float("nan"), float("inf")])),
    "isinf": lambda t: t.isinf(t.tensor([1.0, float("nan"), -float("inf")])),
    "isfinite": lambda t: t.tensor([1.0, float("nan"), float("inf")]).isfinite(),
    "isclose": lambda t: t.isclose(t.tensor([1.0, 2.0, float("nan")]),
                                   t.tensor([1.0, 2.1, float("nan")])),
    "isclose_nan": lambda t: t.tensor([1.0, float("nan")]).isclose(
        t.tensor([1.0 + 1e-9, float("nan")]), equal_nan=True),
    "isclose_tolerances": lambda t: t.isclose(t.tensor([1.0, 2.0]), t.tensor([1.05, 2.5]),
                                              rtol=0, atol=0.1),
    "inplace": lambda t: [(x.floor_(), y.ceil_(), z.round_(), w.trunc_(), v.square_(),
                           u.sqrt_(), s.abs_(), q.reciprocal_())
                          for x, y, z, w, v, u, s, q in [tuple(t.tensor([1.5, -2.5])
                                                               for _ in range(5)) +
                                                         (t.tensor([2.0, 4.0]), t.tensor([-1.0]),
                                                          t.tensor([2.0, 4.0]))]],
    "inplace_math": lambda t: [(x.log_(), y.sin_(), z.cos_()) for x, y, z in
                               [(t.tensor([1.0, 2.0]), t.tensor([1.0, 2.0]),
                                 t.tensor([1.0, 2.0]))]],
    "inplace_on_leaf": lambda t: t.tensor([1.5], requires_grad=True).floor_(),
    "constants": lambda t: (t.pi, t.e, t.inf, t.nan != t.nan),
}


@pytest.mark.parametrize("name", OTHERS)
def test_other_ops_match_torch(name):
    same(OTHERS[name])
