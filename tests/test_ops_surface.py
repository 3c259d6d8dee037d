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


def _grad_of(op, *shape, dtype="float64", values=None):
    """(output, its node name, d sum(output * w)/dx) for ``op`` on a fixed input."""
    def prog(t):
        x = (t.tensor(values, dtype=getattr(t, dtype)) if values is not None else
             t.arange(1.0, 1.0 + int(__import__("math").prod(shape)), dtype=getattr(t, dtype))
             .reshape(*shape) ** 1.5 % 7).requires_grad_()
        out = op(t, x)
        out = out[0] if isinstance(out, tuple) else out  # (values, indices)
        w = t.arange(out.numel(), dtype=out.dtype).reshape(out.shape) - 2.0
        return out, out.grad_fn.name(), t.autograd.grad((out * w).sum(), x)
    return prog


GRAD_OPS = {
    "flip": _grad_of(lambda t, x: x.flip(0), 2, 3),
    "flip_dims": _grad_of(lambda t, x: t.flip(x, [0, -1]), 2, 3),
    "repeat": _grad_of(lambda t, x: x.repeat(2, 1, 3), 2, 3),
    "tile": _grad_of(lambda t, x: x.tile((2,)), 2, 3),
    "tril": _grad_of(lambda t, x: x.tril(), 3, 3),
    "triu_diagonal": _grad_of(lambda t, x: t.triu(x, 1), 3, 4),
    "tril_negative": _grad_of(lambda t, x: x.tril(-1), 2, 3, 3),
    "masked_fill": _grad_of(lambda t, x: x.masked_fill(x > 3, 0.0), 2, 3),
    "masked_fill_broadcast": _grad_of(lambda t, x: x.masked_fill(t.tensor([True, False, True]),
                                                                 -1), 2, 3),
    "cumsum": _grad_of(lambda t, x: x.cumsum(1), 2, 3),
    "cumsum_dim0": _grad_of(lambda t, x: t.cumsum(x, dim=0), 3, 2),
    "amax": _grad_of(lambda t, x: x.amax(1), 2, 3),
    "amax_ties": _grad_of(lambda t, x: x.amax(), 2, 2, values=[[1.0, 3.0], [3.0, 2.0]]),
    "amin_keepdim": _grad_of(lambda t, x: t.amin(x, 0, keepdim=True), 2, 3),
    "amin_tuple": _grad_of(lambda t, x: x.amin((0, 1)), 2, 3),
    "logsumexp": _grad_of(lambda t, x: x.logsumexp(1), 2, 3),
    "logsumexp_keepdim": _grad_of(lambda t, x: t.logsumexp(x, (0, 1), keepdim=True), 2, 3),
    "gather": _grad_of(lambda t, x: x.gather(1, t.tensor([[0, 0], [2, 1]])), 2, 3),
    "index_select": _grad_of(lambda t, x: x.index_select(1, t.tensor([2, 0, 2])), 2, 3),
    "sort": _grad_of(lambda t, x: x.sort(dim=1), 2, 3),
    "sort_descending": _grad_of(lambda t, x: t.sort(x, 0, descending=True), 3, 2),
    "topk": _grad_of(lambda t, x: x.topk(2), 2, 3),
    "topk_smallest": _grad_of(lambda t, x: t.topk(x, 1, dim=0, largest=False), 2, 3),
    "outer": _grad_of(lambda t, x: t.outer(x, x), 3),
    "bmm": _grad_of(lambda t, x: t.bmm(x, x.transpose(1, 2)), 2, 2, 3),
    "movedim": _grad_of(lambda t, x: x.movedim(0, -1), 2, 3, 2),
    "float32_logsumexp": _grad_of(lambda t, x: x.logsumexp(0), 4, dtype="float32"),
}


@pytest.mark.parametrize("name", GRAD_OPS)
def test_shape_and_reduction_ops_match_torch(name):
    same(GRAD_OPS[name])


FORMS = {
    "sort_return_type": lambda t: t.tensor([[3.0, 1.0, 2.0]]).sort(),
    "sort_fields": lambda t: [(r.values, r.indices, r[1]) for r in [t.tensor([2, 3, 1]).sort()]],
    "sort_ties": lambda t: (t.tensor([1, 3, 3, 2, 1]).sort(), t.tensor([1, 3, 3, 2, 1])
                            .sort(descending=True, stable=True)),
    "argsort": lambda t: (t.tensor([3.0, 1.0, 2.0]).argsort(), t.argsort(t.tensor([[3, 1], [0, 2]]),
                                                                        dim=0, descending=True)),
    "topk_return_type": lambda t: t.topk(t.tensor([1.0, 5.0, 3.0, 4.0]), 2),
    "topk_too_many": lambda t: t.tensor([1.0, 2.0]).topk(3),
    "topk_int": lambda t: t.tensor([[4, 1, 7]]).topk(2, dim=1),
    "count_nonzero": lambda t: (t.count_nonzero(t.tensor([[0, 1], [2, 3]])),
                                t.tensor([[0.0, 1.0], [2.0, 0.0]]).count_nonzero(dim=1)),
    "nonzero": lambda t: (t.nonzero(t.tensor([[0, 1], [2, 0]])), t.tensor(3).nonzero(),
                          t.tensor(0).nonzero(), (t.tensor([0.0, 1.0, 2.0]) > 0).nonzero()),
    "nonzero_tuple": lambda t: t.nonzero(t.tensor([[0, 1], [2, 0]]), as_tuple=True),
    "unique": lambda t: (t.unique(t.tensor([3, 1, 2, 1])), t.tensor([2.5, 1.0, 2.5]).unique()),
    "unique_extras": lambda t: t.unique(t.tensor([[3, 1], [2, 1]]), return_inverse=True,
                                        return_counts=True),
    "logical_xor": lambda t: (t.logical_xor(t.tensor([True, False]), t.tensor([True, True])),
                              t.tensor([True, False]) ^ t.tensor([False, False])),
    "masked_fill_tensor": lambda t: [(out, out.grad_fn.name(), t.autograd.grad(out.sum(), [x, v]))
                                     for x, v in [(t.tensor([1.0, -2.0, 3.0], requires_grad=True),
                                                   t.tensor(5.0, requires_grad=True))]
                                     for out in [x.masked_fill(x < 2, v)]],
    "masked_fill_int": lambda t: t.tensor([1, -2, 3]).masked_fill(t.tensor([True, False, True]),
                                                                  9),
    "masked_fill_inplace": lambda t: [x for x in [t.tensor([1.0, -2.0])]
                                      if x.masked_fill_(x < 0, 0.0) is x],
    "masked_fill_float_mask": lambda t: t.ones(2).masked_fill(t.ones(2), 0.0),
    "masked_fill_tensor_1d_value": lambda t: t.ones(2).masked_fill(t.tensor([True, False]),
                                                                   t.ones(2)),
    "gather_float_index": lambda t: t.ones(2, 2).gather(1, t.ones(2, 1)),
    "flip_duplicates": lambda t: t.ones(2, 2).flip([0, 0]),
    "repeat_too_few": lambda t: t.ones(2, 2).repeat(2),
    "tril_1d": lambda t: t.ones(3).tril(),
    "bmm_2d": lambda t: t.bmm(t.ones(2, 2), t.ones(2, 2)),
    "bmm_mismatch": lambda t: t.bmm(t.ones(2, 2, 3), t.ones(2, 2, 3)),
    "cumsum_int": lambda t: (t.tensor([1, 2, 3], dtype=t.int32).cumsum(0),
                             t.tensor([True, True]).cumsum(0)),
    "moveaxis": lambda t: t.moveaxis(t.zeros(2, 3, 4), (0, 1), (2, 0)).shape,
}


@pytest.mark.parametrize("name", FORMS)
def test_other_forms_match_torch(name):
    same(FORMS[name])


@pytest.mark.parametrize("dtype", ["int64", "int32", "float64", "uint8", "float16", "float32"])
def test_masked_fill_mask_dtype_errors_match_torch(dtype):
    same(lambda t: t.ones(2).masked_fill(t.ones(2, dtype=getattr(t, dtype)), 0.0))


@pytest.mark.parametrize("dtype", ["int32", "bool", "float32"])
def test_index_dtypes_match_torch(dtype):
    same(lambda t: t.ones(2, 2).gather(1, t.ones(2, 1, dtype=getattr(t, dtype))))
    same(lambda t: t.ones(2, 2).index_select(1, t.ones(2, dtype=getattr(t, dtype))))


INFO = {
    "meshgrid_ij": lambda t: [(a, b, a.grad_fn.name(),
                               type(a.grad_fn.next_functions[0][0]).__name__)
                              for a, b in [t.meshgrid(t.tensor([1.0, 2.0], requires_grad=True),
                                                      t.tensor([3.0, 4.0, 5.0]), indexing="ij")]],
    "meshgrid_xy": lambda t: t.meshgrid(t.tensor([1, 2]), t.tensor([3, 4, 5]), indexing="xy"),
    "meshgrid_list_three": lambda t: [g.shape for g in t.meshgrid(
        [t.zeros(2), t.zeros(3), t.zeros(4)], indexing="xy")],
    "meshgrid_warns": lambda t: t.meshgrid(t.tensor([1, 2]), t.tensor([3])),
    "meshgrid_bad": lambda t: t.meshgrid(t.tensor([1, 2]), indexing="yx"),
    "meshgrid_grad": lambda t: [t.autograd.grad((a * b).sum(), [x, y]) for x, y in [
        (t.tensor([1.0, 2.0], requires_grad=True), t.tensor([3.0, 4.0, 5.0], requires_grad=True))]
                                for a, b in [t.meshgrid(x, y, indexing="xy")]],
    "finfo": lambda t: [t.finfo(d) for d in (t.float32, t.float64, t.float16)] + [t.finfo()],
    "finfo_fields": lambda t: [(f.bits, f.eps, f.max, f.min, f.tiny, f.smallest_normal,
                                f.resolution, f.dtype) for f in [t.finfo(t.float32)]],
    "finfo_int": lambda t: t.finfo(t.int64),
    "iinfo": lambda t: [t.iinfo(d) for d in (t.int64, t.int32, t.int16, t.int8, t.uint8)],
    "iinfo_fields": lambda t: [(i.bits, i.min, i.max, i.dtype) for i in [t.iinfo(t.int32)]],
    "iinfo_float": lambda t: t.iinfo(t.float32),
}


@pytest.mark.parametrize("name", INFO)
def test_meshgrid_and_type_info_match_torch(name):
    same(INFO[name])


NUMPY_NAMES = {  # d2l's linear-algebra chapter and other NumPy-minded lessons
    "sum_axis": lambda t, A: (A.sum(axis=0), A.sum(axis=[0, 1]), t.sum(A, axis=1)),
    "sum_keepdims": lambda t, A: A.sum(axis=1, keepdims=True),
    "mean_axis": lambda t, A: (A.mean(axis=0), A.mean(axis=0, keepdims=True)),
    "cumsum_axis": lambda t, A: A.cumsum(axis=0),
    "max_axis": lambda t, A: (A.max(axis=1), t.min(A, axis=0, keepdims=True)),
    "arg_axis": lambda t, A: (A.argmax(axis=1), A.argmin(axis=0)),
    "stats_axis": lambda t, A: (A.std(axis=0), A.var(axis=0, keepdims=True), A.prod(axis=0)),
    "softmax_axis": lambda t, A: (A.softmax(axis=1), A.log_softmax(axis=0)),
    "cat_stack_axis": lambda t, A: (t.cat((A, A), axis=0).shape, t.stack([A, A], axis=1).shape),
    "squeeze_axis": lambda t, A: (A.unsqueeze(axis=0).shape, A.squeeze(axis=0).shape),
    "all_any_axis": lambda t, A: (A.any(axis=0), t.all(A, axis=1, keepdims=True)),
    "amax_axis": lambda t, A: (A.amax(axis=0), A.amin(axis=1), A.logsumexp(axis=0)),
    "count_axis": lambda t, A: A.count_nonzero(axis=0),
    "sort_axis": lambda t, A: (A.sort(axis=0), A.argsort(axis=1), A.topk(1, axis=0)),
    "gather_axis": lambda t, A: (A.gather(axis=1, index=t.tensor([[0], [1]])),
                                 A.index_select(axis=1, index=t.tensor([0]))),
    "select_axis": lambda t, A: (A.select(axis=0, index=1), A.narrow(axis=0, start=0, length=1),
                                 A.chunk(2, axis=1)),
    "grad_through_axis": lambda t, A: [t.autograd.grad(x.sum(axis=1, keepdims=True).sum(), x)
                                       for x in [A.clone().requires_grad_()]],
}


@pytest.mark.parametrize("name", NUMPY_NAMES)
def test_numpy_argument_names_match_torch(name):
    same(lambda t: NUMPY_NAMES[name](t, t.arange(6.0).reshape(2, 3)))
