"""Random numbers bit for bit as PyTorch's CPU generator draws them (``torch.random``).

PyTorch's CPU generator is a Mersenne Twister (MT19937) seeded with the low 32 bits of the
seed. NumPy ships the same engine (``numpy.random.MT19937``); we set its 624-word state
ourselves, so ``random_raw`` hands out exactly PyTorch's stream of 32-bit words, in C. Each
distribution (``random_kernels.py``) turns those words into values with PyTorch's own recipe,
in the same precision and order of operations, so that

>>> import autodiff_lab as torch
>>> _ = torch.manual_seed(0)
>>> torch.randn(2, 3)
tensor([[ 1.5410, -0.2934, -2.1788],
        [ 0.5684, -1.0845, -1.3986]])

prints what PyTorch prints, down to the last bit of every float.
"""

import contextlib
import math
import numbers
import os
import struct

import numpy as np

from . import dtypes
from .ops.elementwise import Fill
from . import random_kernels as kernels
from .tensor import Tensor, method
from .tensor import _torch_type_name as _type_name

_N = 624  # words of MT19937 state
_DEFAULT_SEED = 67280421310721  # what torch.Generator() starts from (c10's default_rng_seed_val)
# PyTorch's CPUGeneratorImplState, byte for byte: seed, left, seeded, next, state (as uint64),
# three unused doubles of the legacy Box-Muller cache, its valid flag, the float cache.
_STATE = struct.Struct(f"<QiiQ{_N}QdddI4xf?3x")


def _key(seed):
    """MT19937's initial state for ``seed`` (init_genrand: only the low 32 bits count)."""
    key = np.empty(_N, np.uint32)
    s = seed & 0xFFFFFFFF
    for j in range(_N):
        key[j] = s
        s = (1812433253 * (s ^ (s >> 30)) + j + 1) & 0xFFFFFFFF
    return key


class Generator:
    """A source of random numbers with its own state, like ``torch.Generator``.

    >>> import autodiff_lab as torch
    >>> g = torch.Generator().manual_seed(42)
    >>> torch.rand(3, generator=g)
    tensor([0.8823, 0.9150, 0.3829])
    >>> g.initial_seed()
    42
    """

    def __init__(self, device="cpu"):
        _check_device(device)
        self._set_seed(_DEFAULT_SEED)

    def __getattr__(self, name):
        # The engine is made on the first draw: numpy.random would add a fifth to the
        # package's import time, and a session that draws no random numbers never pays it.
        if name != "_engine":
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        engine = self._engine = np.random.MT19937()
        engine.state = {"bit_generator": "MT19937", "state": {"key": _key(self._seed), "pos": _N}}
        return engine

    @property
    def device(self):
        """The CPU: ``device(type='cpu')``."""
        from .device import device
        return device("cpu")

    def __repr__(self):
        # PyTorch's text (its Generator is a C++ class), in the printing namespace.
        from .printing import NAMESPACE
        name = "torch._C.Generator" if NAMESPACE[0] == "torch" else "autodiff_lab.Generator"
        return f"<{name} object at {id(self):#x}>"

    def _set_seed(self, seed):
        self._seed = seed
        self.__dict__.pop("_engine", None)  # remade at this seed on the next draw
        self._fresh = True  # seeded and nothing drawn: PyTorch's state says next=0, not 624
        self._normal_float = None   # Box-Muller's second value, kept for the next call
        self._normal_double = None

    def manual_seed(self, seed):
        """Seed this generator (any integer in [-2**63, 2**64)); returns the generator."""
        self._set_seed(_unpack_seed(seed, "manual_seed"))
        return self

    def seed(self):
        """Seed from the operating system's entropy and return the seed used."""
        seed = int.from_bytes(os.urandom(8), "little")
        self._set_seed(seed)
        return seed

    def initial_seed(self):
        """The seed this generator was last seeded with."""
        return self._seed

    def get_state(self):
        """The whole state as a uint8 tensor in PyTorch's layout (5056 bytes)."""
        state = self._engine.state["state"]
        pos = int(state["pos"])
        nxt = (0 if self._fresh else _N) if pos == _N else pos
        left = 1 if pos == _N else _N + 1 - pos
        cached_d, cached_f = self._normal_double, self._normal_float
        raw = _STATE.pack(self._seed, left, 1, nxt, *state["key"].tolist(), 0.0,
                          0.0 if cached_d is None else cached_d, 0.0, cached_d is not None,
                          0.0 if cached_f is None else cached_f, cached_f is not None)
        return Tensor._make(np.frombuffer(raw, np.uint8).copy(), dtypes.uint8)

    def set_state(self, new_state):
        """Restore a state from :meth:`get_state` (or from ``torch.get_rng_state()``)."""
        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not dtypes.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        if new_state.numel() != _STATE.size:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE.size} but found the input "
                f"RNG state size to be {new_state.numel()}")
        fields = _STATE.unpack(new_state._data.tobytes())
        seed, left, seeded, nxt = fields[:4]
        key = np.array(fields[4:4 + _N], dtype=np.uint64).astype(np.uint32)
        normal_y, normal_valid, normal_f, normal_f_valid = fields[-5], fields[-3], *fields[-2:]
        if not (seeded and 0 < left <= _N and nxt <= _N):
            raise RuntimeError("Invalid mt19937 state")
        if left != 1 and left + nxt != _N + 1:
            # PyTorch's own states always satisfy this; NumPy's engine can only resume those.
            raise RuntimeError(
                f"Unsupported mt19937 state (left={left}, next={nxt}): autodiff_lab resumes "
                "only states that torch.get_rng_state() produces, where left + next = 625")
        self._seed = seed
        self._engine.state = {"bit_generator": "MT19937",
                              "state": {"key": key, "pos": _N if left == 1 else nxt}}
        self._fresh = left == 1 and nxt == 0
        self._normal_double = normal_y if normal_valid else None
        self._normal_float = float(np.float32(normal_f)) if normal_f_valid else None
        return self

    # ------------------------------------------------------------------ raw words
    def _random(self, n):
        """``n`` 32-bit words (CPUGeneratorImpl::random), as uint64."""
        if n:
            self._fresh = False
        return self._engine.random_raw(n)

    def _random64(self, n):
        """``n`` 64-bit words made of two 32-bit ones, high first (CPUGeneratorImpl::random64)."""
        w = self._random(2 * n).reshape(n, 2)
        return (w[:, 0] << np.uint64(32)) | w[:, 1]


def _unpack_seed(seed, fn):
    if isinstance(seed, Tensor):
        seed = seed.item()
    if not isinstance(seed, (numbers.Integral, float)):
        raise RuntimeError(f"{fn} expected a long, but got {type(seed).__name__}")
    seed = int(seed)
    if not -2 ** 63 <= seed < 2 ** 64:
        raise ValueError("Overflow when unpacking long long")
    return seed % 2 ** 64


def _gen(generator):
    if generator is None:
        return _default
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a Generator, not {type(generator).__name__}")
    return generator


def _check_device(device):
    """Accept the CPU (``None``, ``"cpu"``, a device whose ``.type`` is ``"cpu"``) only."""
    if device is None:
        return
    kind = device if isinstance(device, str) else getattr(device, "type", None)
    if isinstance(device, int) or not isinstance(kind, str):
        raise TypeError(f"device must be a string or a torch.device, not {type(device).__name__}")
    kind = kind.split(":")[0]
    if kind == "cuda":
        raise AssertionError("Torch not compiled with CUDA enabled")
    if kind != "cpu":
        raise RuntimeError(f"autodiff_lab runs on the CPU only, but device {device!r} was "
                           "asked for. Fix: use device='cpu' or leave device out.")


def _default_float():
    """The dtype of a random float tensor created without ``dtype=`` (one place to rewire)."""
    get = getattr(dtypes, "get_default_dtype", None)
    return get() if get is not None else dtypes.DEFAULT_FLOAT


default_generator = _default = Generator()
_default.seed()  # like PyTorch's default generator: a fresh seed per process


# ---------------------------------------------------------------------- seeding, state
def manual_seed(seed):
    """Seed the default generator; returns it. ``manual_seed(0)`` then repeats PyTorch's numbers.

    >>> import autodiff_lab as torch
    >>> torch.manual_seed(0).initial_seed()
    0
    """
    return _default.manual_seed(int(seed) if isinstance(seed, (str, float)) else seed)


def seed():
    """Seed the default generator from the operating system; returns the seed."""
    return _default.seed()


def initial_seed():
    """The default generator's seed.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(7)
    >>> torch.initial_seed()
    7
    """
    return _default.initial_seed()


def get_rng_state():
    """The default generator's state, a uint8 tensor laid out as ``torch.get_rng_state()``'s.

    >>> import autodiff_lab as torch
    >>> state = torch.get_rng_state()
    >>> a = torch.rand(2)
    >>> torch.set_rng_state(state)
    >>> torch.equal(torch.rand(2), a)
    True
    """
    return _default.get_state()


def set_rng_state(new_state):
    """Restore the default generator's state (from :func:`get_rng_state` or real PyTorch's)."""
    _default.set_state(new_state)


@contextlib.contextmanager
def fork_rng(devices=None, enabled=True, _caller="fork_rng", _devices_kw="devices",
             device_type="cuda"):
    """Run a block and put the default generator's state back afterwards (``torch.random``).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> with torch.random.fork_rng():
    ...     _ = torch.rand(5)
    >>> torch.rand(1)
    tensor([0.4963])
    """
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


# ---------------------------------------------------------------------- argument handling
def _shape(args, size, fn):
    """PyTorch's size forms: ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])``, ``f(size=(2, 3))``."""
    if size is not None:
        if args:
            raise TypeError(f"{fn}() got multiple values for argument 'size'")
        args = (size,)
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for s in args:
        if not isinstance(s, numbers.Integral) or isinstance(s, bool):
            raise TypeError(f"{fn}(): argument 'size' (position 1) must be tuple of ints, "
                            f"not {type(s).__name__}")
    shape = tuple(int(s) for s in args)
    for s in shape:
        if s < 0:
            raise RuntimeError(
                f"Trying to create tensor with negative dimension {s}: {list(shape)}")
    return shape


def _empty(shape, dtype, device):
    _check_device(device)
    return Tensor._make(np.empty(shape, dtype=dtype.np), dtype)


def _finish(t, requires_grad):
    return t.requires_grad_() if requires_grad else t


def _float_dtype(dtype):
    return _default_float() if dtype is None else dtypes.to_dtype(dtype)


def _num(x):
    """A number as PyTorch's C++ messages print it (``-1``, ``0.5``)."""
    return f"{x:g}" if isinstance(x, float) else str(x)


def _not_implemented(kernel, dtype):
    return NotImplementedError(f'"{kernel}" not implemented for \'{_type_name(dtype)}\'')


def _precision(dtype):
    """The normal_ recipe a dtype follows: float64's, or float32's (float16 is drawn as float32
    and rounded, which is not PyTorch's Half arithmetic: close, not bit for bit)."""
    return dtypes.float64 if dtype is dtypes.float64 else dtypes.float32


def _write(t, flat):
    """Store ``flat`` in ``t`` in memory order, the order PyTorch's CPU kernels fill in."""
    data = t._data
    values = np.asarray(flat).astype(data.dtype, copy=False)
    if data.ndim == 0 and not data.flags.writeable:
        t._data = values.reshape(())
        return t
    # TensorIterator walks the dimension with the smallest stride fastest (a transposed view
    # is filled column by column); a stable sort keeps C order among equal strides.
    order = sorted(range(data.ndim), key=lambda d: -abs(data.strides[d]))
    view = data.transpose(order)
    view[...] = values.reshape(view.shape)
    return t


def _sample_inplace(t, node_op, values):
    """Write freshly drawn values into ``t`` as PyTorch's in-place samplers do: an error for a
    leaf that requires grad, the version counter bumped, a ``<Name>Backward`` node (zero
    gradient) when ``t`` is part of a graph."""
    from .autograd import grad_mode
    t._check_inplace()
    if grad_mode.STATE.grad_enabled and t._requires_grad:
        array = np.empty_like(t._data)
        _write(Tensor._make(array, t.dtype), values)
        return t._inplace(node_op, value=array)
    _write(t, values)
    t._box()[0] += 1
    return t


# ---------------------------------------------------------------------- in-place samplers
def uniform_(self, from_=0, to=1, *, generator=None, **kwargs):
    """Fill with values uniform in ``[from, to)`` (``Tensor.uniform_``).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(3).uniform_(-1, 1)
    tensor([-0.0075,  0.5364, -0.8230])
    """
    from_ = kwargs.pop("from", from_)
    _no_extra(kwargs, "uniform_")
    if not self.dtype.is_floating_point:
        raise _not_implemented("check_uniform_bounds", self.dtype)
    if from_ > to:
        raise RuntimeError(f"uniform_ expects to return a [from, to) range, but found "
                           f"from={_num(from_)} > to={_num(to)}")
    values = kernels.uniform(_gen(generator), self.numel(), self.dtype, from_, to)
    return _sample_inplace(self, UniformFill, values)


def normal_(self, mean=0, std=1, *, generator=None):
    """Fill with normal values of mean ``mean`` and standard deviation ``std``.

    16 or more elements take PyTorch's vectorised path (normal_fill), fewer its scalar
    Box-Muller, exactly as PyTorch does, so every size gives PyTorch's numbers.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(3).normal_(10, 2)
    tensor([13.0820,  9.4131,  5.6424])
    """
    if not self.dtype.is_floating_point:
        raise _not_implemented("normal_kernel_cpu", self.dtype)
    if std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    g, n = _gen(generator), self.numel()
    contiguous = self._data.flags.c_contiguous
    if n >= 16 and contiguous:
        values = kernels.normal_fill(g, n, _precision(self.dtype), mean, std)
    else:
        values = kernels.normal_scalar(g, n, mean, std)
    return _sample_inplace(self, NormalFill, values)


def random_(self, *args, generator=None, **kwargs):
    """Fill with integers: ``random_(to)`` in ``[0, to)``, ``random_(from, to)``
    (``to=None``: up to the dtype's maximum), or ``random_()`` over the dtype's whole range
    (floats: the integers their mantissa holds).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(4, dtype=torch.int64).random_(10)
    tensor([4, 9, 3, 0])
    """
    if len(args) > 2:
        raise TypeError(f"random_() takes at most 2 arguments ({len(args)} given)")
    if len(args) == 1 and "to" not in kwargs and "from" not in kwargs:
        args = (0, args[0])
    bounds = dict(zip(("from", "to"), args))
    for key in list(kwargs):
        if key in ("from", "to"):
            bounds[key] = kwargs.pop(key)
    _no_extra(kwargs, "random_")
    g, n, dtype = _gen(generator), self.numel(), self.dtype
    explicit = bool(bounds)
    from_, to = bounds.get("from", 0), bounds.get("to")
    if to is None and explicit:
        to = kernels.dtype_max(dtype) + 1
    if explicit and from_ >= to:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got "
                           f"from={from_} >= to={to}")
    if not explicit:
        values = kernels.random_full(g, n, dtype)
    elif to - from_ == 2 ** 64:  # the whole int64 range
        values = g._random64(n).view(np.int64)
    else:
        values = kernels.random_from_to(g, n, dtype, int(from_), int(to))
    return _sample_inplace(self, RandomFill, values)


def bernoulli_(self, p=0.5, *, generator=None):
    """Fill with 1 (probability ``p``, a number or a tensor of probabilities) or 0.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(6).bernoulli_(0.5)
    tensor([0., 0., 1., 0., 0., 0.])
    """
    g, n = _gen(generator), self.numel()
    if isinstance(p, Tensor):
        probs = np.broadcast_to(p._data, self.shape)
        if np.any((probs < 0) | (probs > 1)):
            raise RuntimeError(
                "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this error "
                "message be improved?  If so, please report an enhancement request to PyTorch.)")
        if p.dtype is dtypes.float64:
            values = kernels.uniform_double(g, n) < probs.reshape(-1)
        else:
            values = kernels.uniform(g, n, dtypes.float32) < probs.reshape(-1).astype(np.float32)
    else:
        if not 0 <= p <= 1:
            raise RuntimeError(f"bernoulli_ expects p to be in [0, 1], but got p={_num(p)}")
        values = kernels.uniform_double(g, n) < p
    return _sample_inplace(self, BernoulliFill, values)


def exponential_(self, lambd=1, *, generator=None):
    """Fill with exponential values of rate ``lambd``: ``-1 / lambd * log1p(-u)`` for a uniform
    double ``u`` (torch 2.13's CPU transformation).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.empty(3).exponential_()
    tensor([3.5083, 1.2304, 0.6150])
    """
    if not self.dtype.is_floating_point:
        raise RuntimeError(
            "Exponential distribution is a continuous probability distribution. dtype must be "
            f"a floating point but you specified {_type_name(self.dtype)}")
    if not lambd > 0:
        raise RuntimeError(f"exponential_ expects lambda > 0.0, but found lambda={_num(lambd)}")
    values = kernels.exponential(_gen(generator), self.numel(), lambd)
    return _sample_inplace(self, ExponentialFill, values)


def _no_extra(kwargs, fn):
    if kwargs:
        raise TypeError(f"{fn}() got an unexpected keyword argument '{next(iter(kwargs))}'")


class UniformFill(Fill):
    """``x.uniform_()`` inside a graph: new values, nothing flows back to the old ones."""
    node_name = "UniformBackward0"


class NormalFill(Fill):
    node_name = "NormalBackward0"


class RandomFill(Fill):
    node_name = "RandomBackward2"


class BernoulliFill(Fill):
    node_name = "BernoulliBackward2"


class ExponentialFill(Fill):
    node_name = "ExponentialBackward0"


for _fn in (uniform_, normal_, random_, bernoulli_, exponential_):
    method(_fn.__name__)(_fn)


def rand(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    """Uniform values in [0, 1), PyTorch's exact numbers for the same seed.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.rand(2, 2)
    tensor([[0.4963, 0.7682],
            [0.0885, 0.1320]])
    """
    shape = _shape(size, _size_kw(kwargs, "rand"), "rand")
    t = _empty(shape, _float_dtype(dtype), device)
    return _finish(t.uniform_(generator=generator), requires_grad)


def randn(*size, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    """Standard normal values, PyTorch's exact numbers for the same seed.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.randn(size=(3,))
    tensor([ 1.5410, -0.2934, -2.1788])
    """
    shape = _shape(size, _size_kw(kwargs, "randn"), "randn")
    t = _empty(shape, _float_dtype(dtype), device)
    return _finish(t.normal_(generator=generator), requires_grad)


def randint(*args, size=None, generator=None, dtype=None, device=None, requires_grad=False,
            low=None, high=None):
    """Integers in ``[low, high)``: ``randint(high, size)`` or ``randint(low, high, size)``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.randint(0, 10, size=(5,))
    tensor([4, 9, 3, 0, 3])
    """
    args = list(args)
    if size is None and args and isinstance(args[-1], (tuple, list)):
        size = args.pop()
    if high is None and args:
        high = args.pop()
    if low is None:
        low = args.pop() if args else 0
    if args or high is None or size is None:
        raise TypeError(
            "randint() received an invalid combination of arguments: expected "
            "randint(high, size) or randint(low, high, size), e.g. randint(0, 10, (3,))")
    t = _empty(_shape((), size, "randint"), dtypes.int64 if dtype is None else
               dtypes.to_dtype(dtype), device)
    return _finish(t.random_(low, high, generator=generator), requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False, **kwargs):
    """A random permutation of ``0 .. n-1`` (PyTorch's Fisher-Yates on 32-bit words).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.randperm(5)
    tensor([4, 0, 1, 3, 2])
    """
    _no_extra(kwargs, "randperm")
    if not isinstance(n, numbers.Integral) or isinstance(n, bool):
        raise TypeError(f"randperm(): argument 'n' (position 1) must be int, not "
                        f"{type(n).__name__}")
    n = int(n)
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    if n >= 0xFFFFFFFF // 20:
        raise RuntimeError(f"randperm(n={n}): autodiff_lab draws permutations shorter than "
                           f"{0xFFFFFFFF // 20} only (PyTorch switches algorithm there)")
    dtype = dtypes.int64 if dtype is None else dtypes.to_dtype(dtype)
    t = _empty((n,), dtype, device)
    perm = list(range(n))
    words = _gen(generator)._random(max(n - 1, 0)).tolist()
    for i, w in enumerate(words):
        z = i + w % (n - i)
        perm[i], perm[z] = perm[z], perm[i]
    _write(t, np.array(perm, dtype=np.int64))
    return _finish(t, requires_grad)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal values: ``normal(mean, std, size)`` with numbers, or elementwise means and/or
    standard deviations given as tensors (PyTorch's recipe: draw N(0, 1), scale, shift).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.normal(2.0, 3.0, size=(2,))
    tensor([6.6230, 1.1197])
    """
    if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
        if size is None:
            raise TypeError("normal(): with numbers for mean and std, give size=, e.g. "
                            "normal(0.0, 1.0, size=(3,))")
        t = _empty(_shape((), size, "normal"), _float_dtype(dtype), device)
        return _finish(t.normal_(mean, std, generator=generator), requires_grad)
    from .autograd.grad_mode import no_grad
    if isinstance(std, Tensor) and bool((std._data < 0).any()):
        raise RuntimeError("normal expects all elements of std >= 0.0")
    if not isinstance(std, Tensor) and std < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_num(std)}")
    like = mean if isinstance(mean, Tensor) else std
    shape = np.broadcast_shapes(*(a.shape for a in (mean, std) if isinstance(a, Tensor)))
    with no_grad():
        out = _empty(shape, like.dtype, device)
        if isinstance(std, Tensor):
            out.normal_(0, 1, generator=generator)
            out = out * std + mean
        else:
            out.normal_(0, std, generator=generator)
            out = out + mean
    return out


def bernoulli(input, p=None, *, generator=None):
    """0 or 1 with the probabilities in ``input`` (or the number ``p``), in ``input``'s dtype.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.bernoulli(torch.tensor([0.1, 0.5, 0.9]))
    tensor([0., 0., 1.])
    """
    out = _empty(tuple(input.shape), input.dtype, None)
    return out.bernoulli_(input if p is None else p, generator=generator)


def multinomial(input, num_samples, replacement=False, *, generator=None):
    """Indices drawn from the categories whose weights are ``input``'s last dimension.

    As PyTorch's CPU kernel: one sample, or no replacement, takes ``argmax``/``topk`` of
    ``input / q`` with ``q`` exponential (the Gumbel trick); with replacement, uniform doubles
    are looked up in the normalised float cumulative sums.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.multinomial(torch.tensor([0.1, 0.6, 0.3]), 4, replacement=True)
    tensor([2, 2, 1, 2])
    """
    if input.ndim not in (1, 2):
        raise RuntimeError("prob_dist must be 1 or 2 dim")
    if not input.dtype.is_floating_point:
        raise RuntimeError(f"multinomial only supports floating-point dtypes for input, got: "
                           f"{_type_name(input.dtype)}")
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > input.shape[-1]:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without "
                           "replacement")
    g, probs = _gen(generator), input._data.reshape(-1, input.shape[-1])
    if not replacement or num_samples == 1:
        if not (np.all(probs >= 0) and np.all(probs < np.inf)):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if np.any(probs.sum(-1) == 0):
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        q = kernels.exponential(g, probs.size, 1).astype(probs.dtype)
        keys = probs / q.reshape(probs.shape)
        picked = np.argsort(-keys, axis=-1, kind="stable")[:, :num_samples]
    else:
        picked = np.stack([kernels.multinomial_row(g, row, num_samples) for row in probs])
    shape = (num_samples,) if input.ndim == 1 else (input.shape[0], num_samples)
    return Tensor._make(picked.astype(np.int64).reshape(shape), dtypes.int64)


def _like(input, dtype):
    return tuple(input.shape), input.dtype if dtype is None else dtypes.to_dtype(dtype)


def rand_like(input, *, dtype=None, device=None, requires_grad=False, generator=None,
              memory_format=None):
    """``rand`` with ``input``'s shape and dtype."""
    shape, dtype = _like(input, dtype)
    return rand(shape, dtype=dtype, device=device, requires_grad=requires_grad,
                generator=generator)


def randn_like(input, *, dtype=None, device=None, requires_grad=False, generator=None,
               memory_format=None):
    """``randn`` with ``input``'s shape and dtype.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> torch.randn_like(torch.zeros(2))
    tensor([ 1.5410, -0.2934])
    """
    shape, dtype = _like(input, dtype)
    return randn(shape, dtype=dtype, device=device, requires_grad=requires_grad,
                 generator=generator)


def randint_like(input, low=0, high=None, *, dtype=None, device=None, requires_grad=False,
                 generator=None, memory_format=None):
    """``randint`` with ``input``'s shape and dtype: ``randint_like(x, high)`` or
    ``randint_like(x, low, high)``."""
    if high is None:
        low, high = 0, low
    shape, dtype = _like(input, dtype)
    return randint(low, high, shape, dtype=dtype, device=device, requires_grad=requires_grad,
                   generator=generator)


def _size_kw(kwargs, fn):
    size = kwargs.pop("size", None)
    for ignored in ("layout", "pin_memory"):  # one layout (strided), no pinned memory
        kwargs.pop(ignored, None)
    _no_extra(kwargs, fn)
    return size


method("multinomial")(multinomial)
method("bernoulli")(lambda self, p=None, *, generator=None: bernoulli(self, p,
                                                                     generator=generator))
