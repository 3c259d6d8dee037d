"""Unit tests for autodiff_lab.printing: exact agreement with PyTorch's tensor repr."""

import ast
import contextlib
import doctest
import importlib.util
import math
import os
import pathlib
import sys
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

PRINTING_PATH = pathlib.Path(__file__).resolve().parents[1] / "autodiff_lab" / "printing.py"


def _load_printing():
    """Import autodiff_lab.printing, or load the file alone if the package is mid-rewrite."""
    try:
        from autodiff_lab import printing
    except Exception:  # noqa: BLE001 - a half-written package __init__ can fail in any way
        spec = importlib.util.spec_from_file_location("_adl_printing_standalone", PRINTING_PATH)
        printing = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = printing
        spec.loader.exec_module(printing)
    return printing


printing = _load_printing()


def require_torch():
    """Return torch; skip without it, unless ADL_REQUIRE_TORCH=1 makes that a failure."""
    if os.environ.get("ADL_REQUIRE_TORCH") == "1":
        try:
            import torch
        except ImportError as exc:
            pytest.fail(f"ADL_REQUIRE_TORCH=1 but torch cannot be imported: {exc}")
        return torch
    return pytest.importorskip("torch")


class FakeDtype:
    def __init__(self, np_dtype):
        self.name = np.dtype(np_dtype).name  # numpy and torch agree on these names

    def __repr__(self):
        return f"{printing.NAMESPACE[0]}.{self.name}"


class FakeGradFn:
    def __init__(self, name):
        self._name = name

    def name(self):
        return self._name


class FakeTensor:
    """The attributes tensor_repr relies on, and nothing else."""

    def __init__(self, data, requires_grad=False, grad_fn=None):
        self._data = np.asarray(data)
        self.dtype = FakeDtype(self._data.dtype)
        self.grad_fn = FakeGradFn(grad_fn) if grad_fn else None
        self.requires_grad = requires_grad or grad_fn is not None
        self.is_leaf = grad_fn is None

    def __repr__(self):
        return printing.tensor_repr(self)


@contextlib.contextmanager
def printoptions(torch=None, **opts):
    """Apply the same options to both printers and always restore the defaults."""
    try:
        printing.set_printoptions(**opts)
        if torch is not None:
            torch.set_printoptions(**opts)
        yield
    finally:
        printing.set_printoptions(profile="default")
        if torch is not None:
            torch.set_printoptions(profile="default")


def both_reprs(arr, grad="none", opts=None):
    """(PyTorch's repr, our repr) for the same data."""
    torch = require_torch()
    arr = np.asarray(arr)
    ref = torch.from_numpy(arr.copy())
    grad_fn = None
    if grad == "leaf":
        ref.requires_grad_(True)
    elif grad == "nonleaf":
        ref = ref.requires_grad_(True) * 1
        grad_fn = type(ref.grad_fn).__name__
    fake = FakeTensor(arr, requires_grad=grad == "leaf", grad_fn=grad_fn)
    with printoptions(torch, **(opts or {})):
        expected = repr(ref)
        actual = repr(fake)
    return expected, actual


# ---------------------------------------------------------------- literal strings

NAN, INF = float("nan"), float("inf")


def f32(x):
    return np.asarray(x, dtype=np.float32)


def f64(x):
    return np.asarray(x, dtype=np.float64)


LITERALS = [
    (FakeTensor(f32([[1, 2, 3], [4, 5, 6]]), requires_grad=True),
     "tensor([[1., 2., 3.],\n        [4., 5., 6.]], requires_grad=True)"),
    (FakeTensor(f32(217 / 6), grad_fn="MeanBackward0"),
     "tensor(36.1667, grad_fn=<MeanBackward0>)"),
    (FakeTensor(f32([[7, 8, 9], [10, 11, 12]])),
     "tensor([[ 7.,  8.,  9.],\n        [10., 11., 12.]])"),
    (FakeTensor(f32(63)), "tensor(63.)"),
    (FakeTensor(f32([])), "tensor([])"),
    (FakeTensor(np.zeros((0, 3), np.float32)), "tensor([], size=(0, 3))"),
    (FakeTensor(np.zeros(0, np.int64)), "tensor([], dtype=torch.int64)"),
    (FakeTensor(np.zeros((2, 0), bool)), "tensor([], size=(2, 0), dtype=torch.bool)"),
    (FakeTensor(f32([1e-5, 1e5])), "tensor([1.0000e-05, 1.0000e+05])"),
    (FakeTensor(f64([1, 2])), "tensor([1., 2.], dtype=torch.float64)"),
    (FakeTensor(np.array([True, False])), "tensor([ True, False])"),
    (FakeTensor(np.array([1, -20], np.int32)), "tensor([  1, -20], dtype=torch.int32)"),
    # Non-finite values and -0. do not count towards the column width.
    (FakeTensor(f32([1, NAN, -INF])), "tensor([1., nan, -inf])"),
    (FakeTensor(f32([-0.0, 1.5])), "tensor([-0.0000, 1.5000])"),
    (FakeTensor(f32([100.5, NAN])), "tensor([100.5000,      nan])"),
    # float32(1e-4) is just below 1e-4, which switches to scientific notation.
    (FakeTensor(f32([1e-4])), "tensor([1.0000e-04])"),
    (FakeTensor(f64([1e-4])), "tensor([0.0001], dtype=torch.float64)"),
    (FakeTensor(np.arange(8, dtype=np.float32).reshape(2, 2, 2)),
     "tensor([[[0., 1.],\n         [2., 3.]],\n\n        [[4., 5.],\n         [6., 7.]]])"),
    (FakeTensor(np.arange(2000).reshape(40, 50)),
     "tensor([[   0,    1,    2,  ...,   47,   48,   49],\n"
     "        [  50,   51,   52,  ...,   97,   98,   99],\n"
     "        [ 100,  101,  102,  ...,  147,  148,  149],\n"
     "        ...,\n"
     "        [1850, 1851, 1852,  ..., 1897, 1898, 1899],\n"
     "        [1900, 1901, 1902,  ..., 1947, 1948, 1949],\n"
     "        [1950, 1951, 1952,  ..., 1997, 1998, 1999]])"),
    # Exactly 80 characters: PyTorch's text stays on one line.
    (FakeTensor(np.arange(4) * 1.5 + 1000),
     "tensor([1000.0000, 1001.5000, 1003.0000, 1004.5000], dtype=torch.float64)"),
    (FakeTensor(np.arange(5) * 1.5 + 1000),
     "tensor([1000.0000, 1001.5000, 1003.0000, 1004.5000, 1006.0000],\n"
     "       dtype=torch.float64)"),
]


@pytest.mark.parametrize("fake, expected", LITERALS, ids=[e for _, e in LITERALS])
def test_literal_reprs(fake, expected):
    assert repr(fake) == expected


def test_literal_reprs_with_options():
    with printoptions(threshold=5):
        assert repr(FakeTensor(np.arange(10))) == "tensor([0, 1, 2,  ..., 7, 8, 9])"
    with printoptions(edgeitems=0):
        assert repr(FakeTensor(f32([0, 1, 2]))) == "tensor([0., 1., 2.], size=(3,))"
        assert repr(FakeTensor(np.zeros((2, 1000), np.float32))) == (
            "tensor([...], size=(2, 1000))"
        )
    with printoptions(precision=2):
        assert repr(FakeTensor(f32([1 / 3]))) == "tensor([0.33])"
    with printoptions(sci_mode=True):
        assert repr(FakeTensor(f32([1.0, 2.0]))) == "tensor([1.0000e+00, 2.0000e+00])"
        # No non-zero finite value: the formatter never consults sci_mode.
        assert repr(FakeTensor(f32([0.0, NAN]))) == "tensor([0., nan])"


# ---------------------------------------------------------------- print options


def test_printoptions_semantics():
    try:
        assert printing.get_printoptions() == {
            "precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80, "sci_mode": None,
        }
        printing.set_printoptions(profile="short", linewidth=100, sci_mode=True)
        assert printing.get_printoptions() == {
            "precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 100, "sci_mode": True,
        }
        # Like PyTorch, any call that omits sci_mode resets it to automatic.
        printing.set_printoptions(precision=3)
        assert printing.get_printoptions()["sci_mode"] is None
        printing.set_printoptions(profile="full")
        assert printing.get_printoptions()["threshold"] == math.inf
        saved = printing.get_printoptions()
        printing.set_printoptions(profile="default")
        printing.set_printoptions(**saved)
        assert printing.get_printoptions() == saved
    finally:
        printing.set_printoptions(profile="default")


@pytest.mark.parametrize("calls", [
    [{"profile": "short"}],
    [{"profile": "full"}, {"precision": 6}],
    [{"sci_mode": False, "linewidth": 50}, {"edgeitems": 1}],
    [{"profile": "nonsense", "threshold": 7}],
    [{"precision": 1, "sci_mode": True}],
])
def test_printoptions_match_torch(calls):
    torch = require_torch()
    try:
        for kwargs in calls:
            printing.set_printoptions(**kwargs)
            torch.set_printoptions(**kwargs)
        assert printing.get_printoptions() == torch._tensor_str.get_printoptions()
    finally:
        printing.set_printoptions(profile="default")
        torch.set_printoptions(profile="default")


# ---------------------------------------------------------------- table vs torch

_rng = np.random.default_rng(1234)


def _randn(*shape, scale=1.0, dtype=np.float32):
    return (_rng.standard_normal(shape) * scale).astype(dtype)


CASES = {
    # 0-d
    "0d_int_valued": (f32(63.0), "none", None),
    "0d_mean": (f32(217 / 6), "nonleaf", None),
    "0d_f64": (f64(3.14159), "leaf", None),
    "0d_neg_zero": (f32(-0.0), "none", None),
    "0d_nan": (f32(NAN), "none", None),
    "0d_neg_inf": (f64(-INF), "none", None),
    "0d_tiny": (f32(1e-5), "none", None),
    "0d_huge": (f64(1e10), "none", None),
    "0d_int64": (np.array(-7), "none", None),
    "0d_int32": (np.array(7, np.int32), "none", None),
    "0d_bool": (np.array(True), "none", None),
    "0d_f16": (np.array(0.1, np.float16), "none", None),
    # 1-d
    "1d_int_valued_f32": (f32([1, 2]), "none", None),
    "1d_int_valued_f64": (f64([1, 2, -3]), "leaf", None),
    "1d_fractional": (f32([1.5, 2.25, -0.125]), "none", None),
    "1d_sci_small_big": (f32([1e-5, 1e5]), "none", None),
    "1d_ratio_1000": (f32([1.5, 1500]), "none", None),
    "1d_ratio_above_1000": (f32([1.5, 1501.5]), "none", None),
    "1d_1e8": (f64([1e8, 1]), "none", None),
    "1d_above_1e8": (f64([1.5e8, 1]), "none", None),
    "1d_1e-4_f32": (f32([1e-4, 1e-3]), "none", None),
    "1d_1e-4_f64": (f64([1e-4, 1e-3]), "none", None),
    "1d_nonfinite": (f32([NAN, INF, -INF]), "none", None),
    "1d_nan_wide": (f64([100.5, NAN, -INF]), "none", None),
    "1d_neg_zero": (f32([-0.0, 0.0, 1.0]), "none", None),
    "1d_neg_zero_frac": (f32([-0.0, 2.5]), "none", None),
    "1d_all_zero": (f64([0.0, -0.0, 0.0]), "none", None),
    "1d_mixed_magnitudes": (f32([1e-3, 1.0, 123456.7, -42.0]), "none", None),
    "1d_negative": (f32([-1.25, -1000.5, 3.0]), "none", None),
    "1d_int64": (np.array([-5, 10, 1000]), "none", None),
    "1d_int32": (np.array([-5, 10, 1000], np.int32), "none", None),
    "1d_uint8": (np.array([0, 200, 7], np.uint8), "none", None),
    "1d_bool": (np.array([True, False, True]), "none", None),
    "1d_f16": (np.array([0.1, 65504, -2.5], np.float16), "leaf", None),
    "1d_wrap_f32": (_randn(30), "none", None),
    "1d_wrap_f64": (_randn(30, dtype=np.float64), "nonleaf", None),
    "1d_wrap_ints": (np.arange(100) * 37 - 1000, "none", None),
    "1d_wrap_sci": (_randn(25, scale=1e9), "none", None),
    "1d_1000_no_summary": (_randn(1000), "none", None),
    "1d_1001_summary": (_randn(1001), "none", None),
    "1d_2000_summary": (_randn(2000), "none", None),
    "1d_2000_summary_f64": (_randn(2000, dtype=np.float64), "leaf", None),
    "1d_2000_int": (np.arange(2000), "none", None),
    "1d_2000_bool": (np.arange(2000) % 3 == 0, "none", None),
    # 2-d
    "2d_int_valued_leaf": (f32([[1, 2, 3], [4, 5, 6]]), "leaf", None),
    "2d_padded": (f32([[7, 8, 9], [10, 11, 12]]), "none", None),
    "2d_f64": (_randn(2, 3, dtype=np.float64), "none", None),
    "2d_1x1": (f32([[5.5]]), "none", None),
    "2d_5x1": (_randn(5, 1), "none", None),
    "2d_1x5": (_randn(1, 5), "nonleaf", None),
    "2d_int": (np.arange(-6, 6).reshape(3, 4), "none", None),
    "2d_int32": (np.arange(-6, 6, dtype=np.int32).reshape(4, 3), "none", None),
    "2d_bool": (np.eye(3, dtype=bool), "none", None),
    "2d_wide_rows": (_randn(4, 30), "none", None),
    "2d_wide_rows_f64": (_randn(4, 30, dtype=np.float64), "none", None),
    "2d_40x40": (_randn(40, 40), "none", None),
    "2d_40x40_f64": (_randn(40, 40, dtype=np.float64), "nonleaf", None),
    "2d_3x400": (_randn(3, 400), "none", None),
    "2d_3x400_f64": (_randn(3, 400, dtype=np.float64), "none", None),
    "2d_400x3": (_randn(400, 3), "none", None),
    "2d_sci_nan": (np.where(np.eye(4) > 0, NAN, _randn(4, 4, scale=1e-6)), "none", None),
    # 3-d and 4-d
    "3d_small": (_randn(2, 3, 4), "none", None),
    "3d_int_valued": (np.arange(24, dtype=np.float64).reshape(2, 3, 4), "none", None),
    "3d_int": (np.arange(24).reshape(4, 3, 2), "none", None),
    "3d_summary": (_randn(20, 20, 20), "none", None),
    "3d_summary_2x30x30": (_randn(2, 30, 30, dtype=np.float64), "leaf", None),
    "4d_small": (_randn(2, 2, 2, 2), "none", None),
    "4d_1x1x1x1": (f32([[[[2.0]]]]), "none", None),
    "4d_summary": (_randn(4, 5, 6, 10), "nonleaf", None),
    "4d_summary_int": (np.arange(7 * 7 * 7 * 7).reshape(7, 7, 7, 7), "none", None),
    # empty
    "empty_f32": (f32([]), "none", None),
    "empty_f64": (f64([]), "none", None),
    "empty_int64": (np.zeros(0, np.int64), "none", None),
    "empty_int32": (np.zeros(0, np.int32), "none", None),
    "empty_bool": (np.zeros(0, bool), "none", None),
    "empty_0x3": (np.zeros((0, 3), np.float32), "none", None),
    "empty_2x0x3_int": (np.zeros((2, 0, 3), np.int64), "none", None),
    "empty_leaf": (f32([]), "leaf", None),
    "empty_2x0_f64_nonleaf": (np.zeros((2, 0)), "nonleaf", None),
    # print options
    "opt_precision_2": (_randn(5), "none", {"precision": 2}),
    "opt_precision_8": (_randn(5, dtype=np.float64), "none", {"precision": 8}),
    "opt_precision_0": (_randn(5, scale=10), "none", {"precision": 0}),
    "opt_threshold_5": (np.arange(10), "none", {"threshold": 5}),
    "opt_threshold_5_2d": (_randn(4, 4), "none", {"threshold": 5}),
    "opt_edgeitems_1": (_randn(10, 10, 10), "none", {"edgeitems": 1}),
    "opt_edgeitems_0_summary": (_randn(30, 40), "none", {"edgeitems": 0}),
    "opt_edgeitems_0_1d_summary": (_randn(2000), "none", {"edgeitems": 0}),
    "opt_edgeitems_0_small": (_randn(2, 3), "leaf", {"edgeitems": 0}),
    "opt_linewidth_40": (_randn(3, 12), "none", {"linewidth": 40}),
    "opt_linewidth_120": (_randn(3, 30, dtype=np.float64), "nonleaf", {"linewidth": 120}),
    "opt_linewidth_5": (_randn(6), "leaf", {"linewidth": 5}),
    "opt_profile_short": (_randn(40, 40), "none", {"profile": "short"}),
    "opt_profile_full": (_randn(2000), "none", {"profile": "full"}),
    "opt_sci_true": (f32([1.0, 2.5]), "none", {"sci_mode": True}),
    "opt_sci_false": (f32([1e-5, 1e5]), "none", {"sci_mode": False}),
    "opt_sci_true_int_valued": (f32([1.0, 20.0, NAN]), "none", {"sci_mode": True}),
    "opt_sci_true_zeros": (f32([0.0, -0.0]), "none", {"sci_mode": True}),
}


@pytest.mark.parametrize("arr, grad, opts", list(CASES.values()), ids=list(CASES))
def test_matches_torch_table(arr, grad, opts):
    expected, actual = both_reprs(arr, grad, opts)
    assert actual == expected


@pytest.mark.parametrize("n", range(1, 15))
@pytest.mark.parametrize("dtype", [np.float64, np.int32, np.float16])
def test_dtype_suffix_wrapping_matches_torch(n, dtype):
    # Row lengths around the 80-column limit exercise where the suffix goes.
    arr = (np.arange(n) * 1.5 + 1000).astype(dtype)
    grad = "nonleaf" if dtype != np.int32 else "none"
    expected, actual = both_reprs(arr, grad)
    assert actual == expected


# ---------------------------------------------------------------- hypothesis vs torch

FLOAT_KINDS = ["small_int", "int", "tiny", "huge", "normal", "loguniform", "rounded",
               "zeros", "border"]
DTYPES = [np.float32, np.float32, np.float64, np.float64, np.float16,
          np.int64, np.int32, np.bool_]


def _small_shape():
    return st.lists(st.integers(0, 5), max_size=4).map(tuple)


@st.composite
def _big_shape(draw):
    # More than 1000 elements so summarization kicks in, but cheap to build.
    ndim = draw(st.integers(1, 4))
    limit = {1: 5000, 2: 200, 3: 30, 4: 12}[ndim]
    dims = [draw(st.integers(1, limit)) for _ in range(ndim)]
    rest = math.prod(dims[1:])
    if rest * dims[0] <= 1000:
        dims[0] = 1000 // rest + 1 + draw(st.integers(0, 3))
    return tuple(dims)


def _values(rng, kind, n):
    if kind == "small_int":
        return rng.integers(-9, 10, n).astype(float)
    if kind == "int":
        return rng.integers(-10**6, 10**6, n).astype(float)
    if kind == "tiny":
        return rng.standard_normal(n) * 1e-6
    if kind == "huge":
        return rng.standard_normal(n) * 1e10
    if kind == "normal":
        return rng.standard_normal(n) * rng.choice([1.0, 10.0, 100.0])
    if kind == "loguniform":
        return rng.choice([-1.0, 1.0], n) * 10.0 ** rng.uniform(-12, 12, n)
    if kind == "rounded":
        return np.round(rng.standard_normal(n) * 100, rng.integers(0, 4))
    if kind == "zeros":
        return np.where(rng.random(n) < 0.5, -0.0, 0.0)
    # Values right at the notation switches (1e-4, 1e8, ratio 1000).
    border = [1e-4, 9.9999e-5, 1.0001e-4, 1e8, 1.0001e8, 1000.0, 1.0, 0.001, 1000.5]
    return rng.choice([-1.0, 1.0], n) * rng.choice(border, n)


@st.composite
def tensor_cases(draw, allow_big=True):
    big = allow_big and draw(st.integers(0, 7)) == 0
    shape = draw(_big_shape()) if big else draw(_small_shape())
    dtype = np.dtype(draw(st.sampled_from(DTYPES)))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n = math.prod(shape)
    if dtype == np.bool_:
        arr = rng.random(n) < 0.5
    elif dtype.kind == "i":
        bound = draw(st.sampled_from([10, 1000, 2**31 - 1]))
        arr = rng.integers(-bound, bound, n)
    else:
        arr = _values(rng, draw(st.sampled_from(FLOAT_KINDS)), n)
        special = draw(st.sampled_from([0.0, 0.0, 0.05, 0.3]))
        mask = rng.random(n) < special
        arr[mask] = rng.choice([NAN, INF, -INF, -0.0], mask.sum())
    with np.errstate(over="ignore"):  # huge values legitimately become inf in float16
        arr = arr.astype(dtype).reshape(shape)
    grad = draw(st.sampled_from(["none", "leaf", "nonleaf"])) if dtype.kind == "f" else "none"
    return arr, grad


@settings(max_examples=400, deadline=None)
@given(tensor_cases())
def test_matches_torch_hypothesis(case):
    arr, grad = case
    expected, actual = both_reprs(arr, grad)
    assert actual == expected


@st.composite
def print_options(draw):
    opts = {}
    if draw(st.booleans()):
        opts["profile"] = draw(st.sampled_from(["default", "short", "full"]))
    if draw(st.booleans()):
        opts["precision"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        opts["threshold"] = draw(st.sampled_from([0, 1, 5, 20, 100, 1000]))
    if draw(st.booleans()):
        opts["edgeitems"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        opts["linewidth"] = draw(st.integers(1, 160))
    opts["sci_mode"] = draw(st.sampled_from([None, True, False]))
    return opts


@settings(max_examples=300, deadline=None)
@given(tensor_cases(allow_big=False), print_options())
def test_matches_torch_with_printoptions(case, opts):
    arr, grad = case
    expected, actual = both_reprs(arr, grad, opts)
    assert actual == expected


# ---------------------------------------------------------------- performance & hygiene


def test_large_tensor_is_summarized_before_formatting(monkeypatch):
    seen = []

    class RecordingFormatter(printing._Formatter):
        def __init__(self, data):
            seen.append(data.size)
            super().__init__(data)

    monkeypatch.setattr(printing, "_Formatter", RecordingFormatter)
    big = FakeTensor(np.random.default_rng(0).standard_normal((1000, 1000)).astype(np.float32))
    start = time.perf_counter()
    text = repr(big)
    assert time.perf_counter() - start < 0.5
    assert seen == [36]  # only the 6 x 6 edge items were ever formatted
    assert text.count("\n") == 6 and "...," in text


def test_docstring_examples():
    assert doctest.testmod(printing).failed == 0


def test_printing_does_not_import_torch():
    tree = ast.parse(PRINTING_PATH.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert "torch" not in imported


# ---------------------------------------------------------------- namespace (torch. by default)


def _namespace_programs():
    return {
        "dtypes": lambda t: [t.float64, t.float32, t.int64, t.bool, t.float16, t.int32, t.uint8],
        "dtype_str": lambda t: (str(t.float64), f"{t.int64}"),
        "size": lambda t: (t.zeros(2, 3).shape, t.zeros(()).shape, t.zeros(4).size()),
        "size_str": lambda t: str(t.zeros(2, 3).shape),
        "device": lambda t: (t.zeros(1).device, t.device("cuda", 1)),
        "float64_tensor": lambda t: t.tensor([[1.5, 2.0], [3.0, 4.0]], dtype=t.float64,
                                             requires_grad=True),
        "int32_tensor": lambda t: t.arange(3, dtype=t.int32),
        "wrapped_suffix": lambda t: t.arange(5, dtype=t.float64) * 1.5 + 1000,
        "max_dim": lambda t: t.max(t.tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True), 1),
        "min_keepdim": lambda t: t.tensor([[1.0, 5.0], [3.0, 2.0]]).min(dim=0, keepdim=True),
        "max_str": lambda t: str(t.tensor([[1, 5], [3, 2]]).max(1)),
    }


@pytest.mark.parametrize("name", list(_namespace_programs()))
def test_reprs_equal_pytorch_text(name):
    """The text itself, not normalised: a notebook's output diffs equal to PyTorch's."""
    import autodiff_lab
    torch = require_torch()
    prog = _namespace_programs()[name]
    assert repr(prog(autodiff_lab)) == repr(prog(torch))


def test_namespace_option_prints_our_name():
    import autodiff_lab
    torch = require_torch()
    try:
        autodiff_lab.set_printoptions(namespace="autodiff_lab")
        for name, prog in _namespace_programs().items():
            expected = repr(prog(torch)).replace("torch.", "autodiff_lab.")
            assert repr(prog(autodiff_lab)) == expected, name
        # Other options leave the namespace alone; profile="default" too.
        autodiff_lab.set_printoptions(precision=2)
        autodiff_lab.set_printoptions(profile="default")
        assert repr(autodiff_lab.float64) == "autodiff_lab.float64"
        assert "namespace" not in autodiff_lab.get_printoptions()
    finally:
        autodiff_lab.set_printoptions(namespace="torch")
    assert repr(autodiff_lab.zeros(1).shape) == "torch.Size([1])"


def test_namespace_option_rejects_other_names():
    with pytest.raises(ValueError, match="namespace must be 'torch' or 'autodiff_lab', not 'tf'"):
        printing.set_printoptions(namespace="tf")
    assert printing.NAMESPACE[0] == "torch"
