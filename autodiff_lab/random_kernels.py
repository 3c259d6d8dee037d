"""PyTorch's CPU distribution kernels replayed with NumPy, bit for bit.

Each function takes a :class:`autodiff_lab.random.Generator` (its 32- and 64-bit words) and a
count, and returns a flat array computed as the ATen source named in its docstring computes
it: the same words, the same precision, the same order of operations, and the fused
multiply-adds that PyTorch's AVX2 build contains.

>>> import autodiff_lab as torch
>>> g = torch.Generator().manual_seed(0)
>>> uniform(g, 2, torch.float32)
array([0.4962566, 0.7682218], dtype=float32)
"""

import math

import numpy as np

from . import dtypes

def uniform(g, n, dtype, low=0.0, high=1.0):
    """uniform_real_distribution (ATen/core/TransformationHelper.h: uniform_real).

    float32 (and float16) take the low 24 bits of one word, float64 the low 53 bits of a 64-bit
    word; the result is ``x * (to - from) + from`` in float or double, as one fused
    multiply-add (PyTorch's AVX2 build lets the compiler fuse it).
    """
    if dtype is dtypes.float16:
        # float32's recipe, rounded; a value that rounds up to ``to`` becomes ``from``
        x = uniform(g, n, dtypes.float32, low, high).astype(np.float16)
        return np.where(x == np.float16(high), np.float16(low), x)
    if dtype is dtypes.float64:
        x = (g._random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53
        return x if (low, high) == (0, 1) else _fma64(x, high - low, low)
    x = (g._random(n) & np.uint64((1 << 24) - 1)).astype(np.float32) * np.float32(2.0 ** -24)
    lo, hi = np.float32(low), np.float32(high)
    return x if (low, high) == (0, 1) else _fma32(x, hi - lo, lo)


def uniform_double(g, n):
    """uniform_real_distribution<double>(0, 1): what bernoulli, exponential, normal and
    multinomial draw from, whatever the tensor's dtype."""
    return (g._random64(n) & np.uint64((1 << 53) - 1)).astype(np.float64) * 2.0 ** -53


def normal_scalar(g, n, mean, std):
    """normal_distribution<double> (ATen/core/DistributionsHelper.h): Box-Muller on two doubles,
    one value returned and the other cached in the generator for the next draw."""
    out = np.empty(n)
    start = 0
    if n and g._normal_double is not None:
        out[0], g._normal_double, start = g._normal_double, None, 1
    pairs = (n - start + 1) // 2
    u = uniform_double(g, 2 * pairs).reshape(pairs, 2)
    r = np.sqrt(-2.0 * np.log1p(-u[:, 1]))
    theta = 2.0 * math.pi * u[:, 0]
    both = np.empty((pairs, 2))
    both[:, 0] = r * np.cos(theta)
    both[:, 1] = r * np.sin(theta)
    flat = both.reshape(-1)
    out[start:] = flat[:n - start]
    if (n - start) % 2:
        g._normal_double = float(flat[-1])
    return out if (mean, std) == (0, 1) else _fma64(out, std, mean)


def normal_fill(g, n, dtype, mean, std):
    """normal_fill (ATen/native/cpu/DistributionTemplates.h): for 16 or more contiguous values,
    uniforms for all of them, then Box-Muller in blocks of 16 (the first 8 give the radius, the
    last 8 the angle); a partial last block is redrawn as the last 16 values."""
    u = uniform(g, n, dtype)
    body = n - n % 16
    blocks = [u[:body].reshape(-1, 2, 8)]
    if n % 16:
        blocks.append(uniform(g, 16, dtype).reshape(1, 2, 8))
    outs = [(_box_muller_avx2 if dtype is dtypes.float32 else _box_muller_16)(b, mean, std)
            for b in blocks]
    out = u.copy()
    out[:body] = outs[0].reshape(-1)
    if n % 16:
        out[n - 16:] = outs[1].reshape(-1)
    return out


def _box_muller_16(block, mean, std):
    """normal_fill_16 in double precision (libm log, cos and sin, as NumPy's float64 ones)."""
    u1, u2 = 1 - block[:, 0], block[:, 1]
    radius = np.sqrt(-2 * np.log(u1))
    theta = 2.0 * math.pi * u2
    return np.stack([_fma64(radius * np.cos(theta), std, mean),
                     _fma64(radius * np.sin(theta), std, mean)], 1)


def _box_muller_avx2(block, mean, std):
    """normal_fill_16_AVX2 in float32: avx_mathfun's log256_ps and sincos256_ps, then fma."""
    f = np.float32
    u1 = f(1) - block[:, 0]
    u2 = block[:, 1]
    radius = np.sqrt(f(-2) * _log256(u1))
    theta = f(2 * math.pi) * u2
    sin, cos = _sincos256(theta)
    mean, std = f(mean), f(std)
    return np.stack([_fma32(radius * cos, std, mean), _fma32(radius * sin, std, mean)], 1)


# avx_mathfun.h (Cephes in float32, 8 lanes at a time), replayed with NumPy float32 operations
# one by one in the order the intrinsics run. IEEE add, mul and sqrt round the same everywhere;
# what NumPy cannot see is that GCC fuses each multiply feeding an add into one FMA
# (-ffp-contract=fast with -mfma in PyTorch's AVX2 kernels), so those pairs go through _fma32.
# Which pairs fuse was checked against torch 2.13 on 10^5 values (tests/test_rng_parity.py).
_f = np.float32
_LOG_P = [_f(c) for c in (7.0376836292E-2, -1.1514610310E-1, 1.1676998740E-1, -1.2420140846E-1,
                          1.4249322787E-1, -1.6668057665E-1, 2.0000714765E-1, -2.4999993993E-1,
                          3.3333331174E-1)]
_SIN_P = [_f(c) for c in (-1.9515295891E-4, 8.3321608736E-3, -1.6666654611E-1)]
_COS_P = [_f(c) for c in (2.443315711809948E-005, -1.388731625493765E-003,
                          4.166664568298827E-002)]
_DP = [_f(c) for c in (-0.78515625, -2.4187564849853515625e-4, -3.77489497744594108e-8)]


def _log256(x):
    """log256_ps: the natural log of positive float32 values."""
    one, zero = _f(1), _f(0)
    x = np.maximum(x, np.uint32(0x00800000).view(np.float32))  # no denormals
    bits = x.view(np.uint32)
    e = ((bits >> np.uint32(23)).astype(np.int32) - 0x7F).astype(np.float32) + one
    x = ((bits & np.uint32(0x807FFFFF)) | _f(0.5).view(np.uint32)).view(np.float32)
    mask = x < _f(0.707106781186547524)
    tmp = np.where(mask, x, zero)
    x = x - one
    e = e - np.where(mask, one, zero)
    x = x + tmp
    z = x * x
    y = _LOG_P[0]
    for p in _LOG_P[1:]:
        y = _fma32(y, x, p)
    y = _fma32(y * x, z, e * _f(-2.12194440e-4))
    y = y - z * _f(0.5)
    return _fma32(e, _f(0.693359375), x + y)


def _sincos256(x):
    """sincos256_ps: sine and cosine of non-negative float32 values."""
    zero, four = _f(0), np.int32(4)
    sign_sin = x.view(np.uint32) & np.uint32(0x80000000)
    x = np.abs(x)
    j = ((x * _f(1.27323954473516)).astype(np.int32) + 1) & ~np.int32(1)
    y = j.astype(np.float32)
    sign_sin = sign_sin ^ ((j & four).astype(np.uint32) << np.uint32(29))
    sign_cos = ((~(j - 2)) & four).astype(np.uint32) << np.uint32(29)
    poly = (j & 2) == 0
    for dp in _DP:  # "extended precision modular arithmetic"
        x = _fma32(y, dp, x)
    z = x * x
    c = _fma32(_fma32(_COS_P[0], z, _COS_P[1]), z, _COS_P[2]) * z
    c = _fma32(c, z, -(z * _f(0.5))) + _f(1)
    s = _fma32(_fma32(_fma32(_SIN_P[0], z, _SIN_P[1]), z, _SIN_P[2]) * z, x, x)
    sin_part2, sin_part1 = np.where(poly, s, zero), np.where(poly, zero, c)
    s, c = s - sin_part2, c - sin_part1
    sin = ((sin_part1 + sin_part2).view(np.uint32) ^ sign_sin).view(np.float32)
    cos = ((c + s).view(np.uint32) ^ sign_cos).view(np.float32)
    return sin, cos


def _two_sum(a, b):
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _round_odd(s, err):
    """``s`` moved one ulp towards ``err`` when inexact (err != 0) and its last bit is even."""
    bits = s.view(np.int64)
    nudge = (err != 0) & ((bits & 1) == 0)
    return np.where(nudge, bits + np.where((err > 0) == (s > 0), 1, -1), bits).view(np.float64)


def _fma32(a, b, c):
    """``a * b + c`` rounded once to float32, as the FMA instruction computes it.

    The float32 product is exact in float64; their float64 sum made round-to-odd rounds
    correctly to float32 (Boldo and Melquiond, IEEE Trans. Computers 57(4), 2008).
    """
    p = np.asarray(a, np.float64) * np.asarray(b, np.float64)
    s, err = _two_sum(p, np.asarray(c, np.float64))
    return _round_odd(s, err).astype(np.float32)


def _fma64(a, b, c):
    """``a * b + c`` rounded once in float64 (the product split exactly with Dekker's method,
    the three-term sum rounded correctly with round-to-odd; Boldo and Melquiond, 2008)."""
    a, b, c = np.broadcast_arrays(np.asarray(a, np.float64), np.float64(b), np.float64(c))
    p = a * b
    ah, al = _split(a)
    bh, bl = _split(b)
    e = ((ah * bh - p) + ah * bl + al * bh) + al * bl
    uh, ul = _two_sum(c, e)
    th, tl = _two_sum(p, uh)
    return th + _round_odd(*_two_sum(tl, ul))


def _split(a):
    c = 134217729.0 * a  # 2**27 + 1
    hi = c - (c - a)
    return hi, a - hi


def exponential(g, n, lambd):
    """exponential_distribution<double> (TransformationHelper.h, CPU): ``-1/lambd * log1p(-u)``."""
    return (-1.0 / lambd) * np.log1p(-uniform_double(g, n))


def dtype_max(dtype):
    """The largest value random_ may produce for ``dtype`` (floats: the last exact integer)."""
    if dtype.is_floating_point:
        return 2 ** {"float32": 24, "float64": 53, "float16": 11}[dtype.name]
    return int(np.iinfo(dtype.np).max) if dtype is not dtypes.bool else 1


def random_full(g, n, dtype):
    """uniform_int_distribution: random_() with no bounds (TransformationHelper uniform_int)."""
    if dtype is dtypes.bool:
        return (g._random(n) & np.uint64(1)).astype(bool)
    if dtype in (dtypes.int64, dtypes.float64):
        bits = g._random64(n)
    else:
        bits = g._random(n)
    return bits % np.uint64(dtype_max(dtype) + 1)


def random_from_to(g, n, dtype, low, high):
    """uniform_int_from_to_distribution: ``(word % range) + from``; a 64-bit word when the
    range needs one (int64 and float dtypes only), else a 32-bit word."""
    span = high - low
    wide = span >= 2 ** 32 and dtype in (dtypes.int64, dtypes.float32, dtypes.float64)
    bits = g._random64(n) if wide else g._random(n)
    return ((bits % np.uint64(span)) + np.uint64(low % 2 ** 64)).view(np.int64)


def multinomial_row(g, row, n):
    """multinomial_with_replacement_apply for one row (ATen/native/cpu/MultinomialKernel.cpp)."""
    bad = ~(row >= 0) | ~np.isfinite(row)
    if bad.any():
        first = row[np.argmax(bad)]
        raise RuntimeError("invalid multinomial distribution (encountering probability entry "
                           + ("< 0)" if not first >= 0 else "= infinity or NaN)"))
    cum = np.cumsum(row)  # one running sum in the row's dtype, as the kernel adds
    total = cum[-1]
    if not total > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    cum = cum / total
    cum[-1] = 1
    return np.searchsorted(cum.astype(np.float64), uniform_double(g, n), side="left")
