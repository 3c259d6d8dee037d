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


TENSOR_SURFACE = {
    "stride": lambda t: [(x.stride(), x.t().stride(), x.stride(1), x.stride(-2),
                          x.expand(4, 2, 3).stride(), x[:, 1].stride(), t.zeros(()).stride())
                         for x in [t.zeros(2, 3)]],
    "new_zeros": lambda t: (t.zeros(2).new_zeros(2), t.zeros(1).new_zeros((2, 1)),
                            t.zeros(1).new_zeros(size=(2,)), t.tensor([1]).new_zeros(2)),
    "new_ones": lambda t: (t.zeros(1, dtype=t.float64).new_ones(2),
                           t.zeros(1).new_ones(1, dtype=t.int64, requires_grad=False)),
    "new_empty": lambda t: (t.zeros(1, dtype=t.int32).new_empty((2,)).shape,
                            t.zeros(1, dtype=t.int32).new_empty(2).dtype),
    "new_full": lambda t: (t.zeros(1).new_full((1,), 2), t.tensor([1]).new_full((2,), 2.7)),
    "new_tensor": lambda t: (t.tensor([1.0]).new_tensor([1, 2]), t.tensor([1]).new_tensor([1.5]),
                             t.zeros(1).new_tensor(3, requires_grad=True)),
    "new_grad": lambda t: t.ones(1, requires_grad=True).new_zeros(2),
    "new_device": lambda t: t.ones(1).new_zeros(2, device="cpu"),
    "new_cuda": lambda t: t.ones(1).new_zeros(2, device="cuda"),
    "new_no_size": lambda t: t.ones(1).new_zeros(),
    "type_as": lambda t: (t.ones(1).type_as(t.tensor([1])), t.tensor([2]).type_as(t.ones(1))),
    "int16": lambda t: (t.ones((2, 3), dtype=t.int16), t.int16, t.short,
                        t.ones(1, dtype=t.int16).type(), t.ones(1).short()),
    "int8": lambda t: (t.tensor([1, -2], dtype=t.int8), t.int8, t.ones(1).char().type()),
    "byte": lambda t: (t.ones(2).byte(), t.ones(1).byte().type()),
    "small_int_promotion": lambda t: (
        (t.ones(1, dtype=t.int8) + t.ones(1, dtype=t.uint8)).dtype,
        (t.ones(1, dtype=t.int16) * t.ones(1, dtype=t.int64)).dtype,
        (t.ones(1, dtype=t.int16) * 2.5).dtype, (t.ones(1, dtype=t.int8) // 2).dtype),
    "small_int_cast": lambda t: t.tensor([1.7, -2.7]).to(t.int16),
    "numel": lambda t: (t.numel(t.zeros(2, 3)), t.zeros(2, 3).nelement()),
    "max_dim_tuple": lambda t: [(v, i) for v, i in [t.max(t.tensor([[1.0, 5.0], [3.0, 2.0]]), 1)]],
    "max_fields": lambda t: [(r.values, r.indices, r[0], len(r))
                             for r in [t.tensor([[1, 5], [3, 2]]).max(dim=0)]],
    "argmax_dim": lambda t: t.tensor([[1.0, 5.0], [3.0, 2.0]]).argmax(dim=1),
    "sum_item": lambda t: t.tensor([[1.0, 5.0], [3.0, 2.0]]).sum().item(),
    "view_minus_one": lambda t: t.arange(8).view(-1, 4),
    "size_dim": lambda t: (t.zeros(2, 3).size(1), t.zeros(2, 3).size(-1), t.zeros(2, 3).shape[0]),
    "clamp_min": lambda t: (t.clamp(t.tensor([-1.0, 2.0]), min=0), t.tensor([-1, 2]).clamp(max=1)),
    "casts": lambda t: (t.tensor([1.7, -0.2]).long(), t.tensor([1.7, 0.0]).int(),
                        t.tensor([1.7, 0.0]).bool(), t.tensor([1, 2]).float(), t.float, t.double,
                        t.long, t.half),
}


@pytest.mark.parametrize("name", TENSOR_SURFACE)
def test_tensor_surface_matches_torch(name):
    same(TENSOR_SURFACE[name])
