"""Random numbers against real PyTorch 2.13 CPU, bit for bit: every program below runs once
with ``torch`` and once with ``autodiff_lab`` after the same seed, and the arrays it returns
must be identical (``np.array_equal`` on the raw float bits, NaN-free), across seeds, sizes
on both sides of 16 (where PyTorch's ``normal_`` changes algorithm), dtypes, generator
objects, state round trips and interleaved calls.
"""

import math

import numpy as np
import pytest

import autodiff_lab
from conftest import outcome, require_torch

torch = require_torch()

SEEDS = [0, 1, 42, 2 ** 32 + 5, 2 ** 63 + 11]
SIZES = [(0,), (1,), (3,), (15,), (16,), (17,), (100,), (1000,), (5, 7), (4, 4, 3)]
FLOATS = ["float32", "float64"]


def _arrays(result):
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays(r)]
    if hasattr(result, "numpy"):
        return [np.asarray(result.detach().numpy())]
    return [np.asarray(result)]


def same(prog, seed=0):
    """Run ``prog(lib)`` seeded alike under both libraries and require identical arrays."""
    outs = []
    for lib in (torch, autodiff_lab):
        lib.manual_seed(seed)
        outs.append(_arrays(prog(lib)))
    ref, ours = outs
    assert len(ref) == len(ours)
    for i, (r, o) in enumerate(zip(ref, ours)):
        assert (r.dtype, r.shape) == (o.dtype, o.shape), f"result {i}"
        bits_equal = np.array_equal(r.reshape(-1).view(np.uint8), o.reshape(-1).view(np.uint8))
        where = np.flatnonzero(r.reshape(-1) != o.reshape(-1))[:5]
        assert bits_equal, f"result {i}: first differences at {where.tolist()}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", FLOATS)
def test_rand_randn_every_size(seed, dtype):
    same(lambda t: [f(*s, dtype=getattr(t, dtype)) for s in SIZES for f in (t.rand, t.randn)],
         seed)


@pytest.mark.parametrize("dtype", FLOATS)
def test_normal_fill_large_and_with_mean_std(dtype):
    # 10^5 values exercise every branch of the float32 AVX2 log/sincos (and its fused
    # multiply-adds); mean/std other than 0/1 exercise the final fma.
    same(lambda t: [t.randn(100003, dtype=getattr(t, dtype)),
                    t.empty(1000, dtype=getattr(t, dtype)).normal_(0.3, 2.5),
                    t.empty(5, dtype=getattr(t, dtype)).normal_(-1.5, 0.25)], 7)


def test_normal_cache_carries_over_between_calls():
    # Box-Muller makes two values; PyTorch keeps the second for the next small draw, and the
    # 16+ path leaves that cache alone.
    same(lambda t: [t.randn(3), t.randn(20), t.randn(1), t.randn(1, dtype=t.float64),
                    t.rand(2), t.randn(5), t.randn(2, 2)])


@pytest.mark.parametrize("dtype", FLOATS)
def test_uniform_bounds(dtype):
    same(lambda t: [t.empty(50, dtype=getattr(t, dtype)).uniform_(-0.37, 0.81),
                    t.empty(3, dtype=getattr(t, dtype)).uniform_(2, 5),
                    t.empty(20, dtype=getattr(t, dtype)).uniform_(-1 / math.sqrt(3),
                                                                  1 / math.sqrt(3))], 3)


def test_float16():
    # Half follows float32's recipe and rounds (a value reaching ``to`` becomes ``from``);
    # only normal_ of 16+ values (Half arithmetic in normal_fill_16) is not replayed.
    half = "float16"
    same(lambda t: [t.rand(50, dtype=getattr(t, half)),
                    t.empty(3000, dtype=getattr(t, half)).uniform_(2, 7),
                    t.empty(3000, dtype=getattr(t, half)).uniform_(-0.37, 0.81),
                    t.empty(15, dtype=getattr(t, half)).normal_(),
                    t.empty(30, dtype=getattr(t, half)).random_(),
                    t.empty(30, dtype=getattr(t, half)).bernoulli_(0.3),
                    t.empty(30, dtype=getattr(t, half)).exponential_()], 0)


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_randint_forms_and_dtypes(seed):
    same(lambda t: [t.randint(10, (5,)), t.randint(0, 10, size=(3,)),
                    t.randint(-5, 5, (2, 3)), t.randint(low=3, high=9, size=(4,)),
                    t.randint(0, 2 ** 40, (6,)), t.randint(0, 7, (5,), dtype=t.float32),
                    t.randint(0, 2 ** 35, (3,), dtype=t.float64),
                    t.randint(0, 100, (4,), dtype=t.int32), t.randint(0, 2, (5,), dtype=t.bool),
                    t.randint(-2 ** 63, 2 ** 63 - 1, (3,))], seed)


def test_random_():
    same(lambda t: [t.empty(5, dtype=d).random_() for d in
                    (t.int64, t.int32, t.uint8, t.bool, t.float32, t.float64)] +
         [t.empty(4, dtype=t.int64).random_(7), t.empty(4, dtype=t.int64).random_(-3, 3),
          t.empty(4, dtype=t.int64).random_(5, None), t.empty(3).random_(2 ** 20),
          t.empty(2).random_(to=9),
          t.empty(3, dtype=t.int64).random_(-2 ** 63, None)], 5)


@pytest.mark.parametrize("n", [0, 1, 2, 5, 16, 17, 1000])
def test_randperm(n):
    same(lambda t: [t.randperm(n), t.randperm(n, dtype=t.float32), t.randperm(n)], n)


def test_bernoulli_exponential_normal():
    def prog(t):
        p64 = t.rand(30, dtype=t.float64)
        p32 = t.rand(2, 15)
        return [t.bernoulli(p64), t.bernoulli(p32), t.bernoulli(p32, 0.25),
                t.empty(40).bernoulli_(0.3), t.empty(7, dtype=t.int64).bernoulli_(0.5),
                t.empty(2, 15).bernoulli_(p32), t.empty(10).exponential_(),
                t.empty(20, dtype=t.float64).exponential_(2.5),
                t.normal(2.0, 3.0, size=(5,)), t.normal(t.zeros(17), 2.0),
                t.normal(t.ones(3), t.full((3,), 0.5)), t.normal(1.5, t.full((2, 2), 2.0))]
    same(prog, 11)


def test_multinomial():
    def prog(t):
        p = t.tensor([0.1, 0.6, 0.3])
        rows, rows64 = t.rand(4, 27), t.rand(3, 5, dtype=t.float64)
        g = t.Generator().manual_seed(2147483647)  # makemore's sampling loop
        return [t.multinomial(p, 4, replacement=True), t.multinomial(p, 1),
                t.multinomial(p, 3), t.multinomial(rows, 1),
                t.multinomial(rows, 10, replacement=True), t.multinomial(rows64, 5),
                t.multinomial(rows64, 7, True), p.multinomial(2),
                t.multinomial(rows[0] / rows[0].sum(), num_samples=1, replacement=True,
                              generator=g), t.tensor([0.3, 0.7]).bernoulli(),
                t.multinomial(t.tensor([0., 1., 0.]), 2)]
    same(prog, 0)


def test_like_functions():
    def prog(t):
        x = t.zeros(4, 5, dtype=t.float64)
        return [t.rand_like(x), t.randn_like(x), t.randint_like(x, 10),
                t.randint_like(x, 3, 9), t.randn_like(x, dtype=t.float32)]
    same(prog, 4)


def test_generator_objects_interleaved_with_the_default():
    def prog(t):
        g = t.Generator().manual_seed(123)
        h = t.Generator()  # PyTorch's default seed for a new generator
        return [t.rand(3, generator=g), t.randn(4), t.randn(20, generator=g),
                t.randint(0, 9, (4,), generator=h), t.randperm(6, generator=g),
                t.empty(3).normal_(generator=h), t.empty(2).uniform_(generator=g),
                t.bernoulli(t.full((4,), 0.5), generator=h),
                t.empty(3).exponential_(generator=g), t.rand(2),
                np.array([g.initial_seed(), h.initial_seed()], dtype=np.uint64)]
    same(prog, 9)


def test_states_match_pytorch_byte_for_byte_and_round_trip():
    def prog(t):
        states = [t.get_rng_state()]
        t.randn(3)  # leaves a cached Box-Muller value in the state
        states.append(t.get_rng_state())
        t.rand(700)  # past the 624-word block
        states.append(t.get_rng_state())
        a = t.randn(5)
        t.set_rng_state(states[2])
        b = t.randn(5)
        g = t.Generator()
        g.set_state(states[1])
        return states + [a, b, t.randn(1, generator=g), g.get_state()]
    same(prog, 2 ** 32 + 5)


def test_pytorch_state_loads_into_autodiff_lab_and_back():
    torch.manual_seed(77)
    torch.randn(5)
    state = torch.get_rng_state()
    ours = autodiff_lab.tensor(state.numpy(), dtype=autodiff_lab.uint8)
    autodiff_lab.set_rng_state(ours)
    assert np.array_equal(autodiff_lab.get_rng_state().numpy(), state.numpy())
    assert np.array_equal(autodiff_lab.randn(40).numpy(), torch.randn(40).numpy())
    assert autodiff_lab.get_rng_state().numel() == 5056


def test_fork_rng_and_the_dataloader_seed_recipe():
    def prog(t):
        with t.random.fork_rng():
            inside = t.randn(3)
        # torch.utils.data's RandomSampler without a generator seeds one like this
        seed = t.empty((), dtype=t.int64).random_()
        g = t.Generator()
        g.manual_seed(int(seed.item()))
        return [inside, t.randn(3), seed, t.randperm(10, generator=g),
                t.empty(()).normal_(), t.empty(()).uniform_()]
    same(prog, 0)


def test_seeds_and_initial_seed():
    for seed in (0, 5, -1, 2 ** 64 - 1, -2 ** 63, 2 ** 32 + 5):
        assert autodiff_lab.manual_seed(seed).initial_seed() == torch.manual_seed(seed) \
            .initial_seed() == autodiff_lab.initial_seed()
    s = autodiff_lab.seed()
    assert autodiff_lab.initial_seed() == s and 0 <= s < 2 ** 64
    g = autodiff_lab.Generator()
    assert g.manual_seed(3) is g and g.initial_seed() == 3 and g.seed() == g.initial_seed()
    assert autodiff_lab.Generator().initial_seed() == torch.Generator().initial_seed()
    assert isinstance(autodiff_lab.manual_seed(1), autodiff_lab.Generator)
    assert autodiff_lab.default_generator is autodiff_lab.manual_seed(1)


def test_nn_init_matches():
    def prog(t):
        init = t.nn.init
        return [init.uniform_(t.empty(3, 4), -0.2, 0.3), init.normal_(t.empty(20), 1.0, 0.1),
                init.xavier_uniform_(t.empty(5, 6)), init.xavier_normal_(t.empty(5, 6), 2.0),
                init.kaiming_uniform_(t.empty(8, 3)),
                init.kaiming_uniform_(t.empty(4, 7), a=math.sqrt(5)),
                init.kaiming_normal_(t.empty(4, 6), mode="fan_out", nonlinearity="relu"),
                init.kaiming_normal_(t.empty(2, 3, dtype=t.float64)),
                init.trunc_normal_(t.empty(300), std=0.02),
                init.trunc_normal_(t.empty(50), mean=0.0, std=1.0, a=-0.5, b=0.5),
                init.trunc_normal_(t.empty(40), mean=0.0, std=1.0, a=1.0, b=3.0),
                init.constant_(t.empty(2), 0.5), init.ones_(t.empty(2)), init.zeros_(t.empty(2)),
                init.uniform_(t.empty(4), generator=t.Generator().manual_seed(5))]
    same(prog, 13)
    for args in [("linear",), ("conv2d",), ("sigmoid",), ("tanh",), ("relu",),
                 ("leaky_relu",), ("leaky_relu", 0.2), ("selu",), ("leaky_relu", True),
                 ("softplus",)]:
        assert outcome(lambda t: t.nn.init.calculate_gain(*args), torch) == \
            outcome(lambda t: t.nn.init.calculate_gain(*args), autodiff_lab)


def test_linear_default_initialisation():
    same(lambda t: [p for m in (t.nn.Linear(3, 2), t.nn.Linear(20, 7),
                                t.nn.Linear(5, 1, bias=False),
                                t.nn.Linear(4, 4, dtype=t.float64))
                    for p in m.parameters()], 0)
    same(lambda t: [t.randn(5, 2)] + list(
        t.nn.Sequential(t.nn.Linear(2, 8), t.nn.Tanh(), t.nn.Linear(8, 1)).parameters()), 42)


def test_dropout_masks():
    def prog(t):
        F = t.nn.functional
        x = t.randn(4, 25, requires_grad=True)
        y = F.dropout(x, 0.3)
        y.sum().backward()
        drop = t.nn.Dropout(0.5)
        return [y, x.grad, F.dropout(t.ones(7, dtype=t.float64), 0.1), drop(t.ones(3, 3)),
                drop.eval()(t.ones(3)), F.dropout(t.ones(5), 0.5, training=False),
                F.dropout(t.ones(4), 1.0), F.dropout(t.ones(40), 0.8, inplace=True),
                F.dropout(t.ones(3), 0.0)]
    same(prog, 21)


def test_dropout_graph_and_reprs():
    for prog in [lambda t: t.nn.functional.dropout(t.ones(3, requires_grad=True), 0.5).grad_fn,
                 lambda t: t.nn.functional.dropout(t.ones(3, requires_grad=True), 1.0),
                 lambda t: t.nn.Dropout(0.2), lambda t: t.nn.Dropout(p=0.1, inplace=True),
                 lambda t: t.nn.Dropout(1.2),
                 lambda t: t.nn.functional.dropout(t.ones(3), -0.1)]:
        assert outcome(prog, autodiff_lab) == outcome(prog, torch)
    x = autodiff_lab.ones(3)
    assert autodiff_lab.nn.functional.dropout(x, 0.0) is x


def test_views_fill_in_memory_order():
    # PyTorch's kernels walk memory order: a transposed view fills column by column; normal_
    # takes the scalar path for a non-contiguous view even of 16+ elements.
    def prog(t):
        out = []
        for fill in (lambda v: v.uniform_(), lambda v: v.normal_(), lambda v: v.random_(9),
                     lambda v: v.bernoulli_(0.5), lambda v: v.exponential_()):
            base = t.zeros(4, 5)
            fill(base.t())
            fill(base.t()[:2])
            big = t.zeros(6, 8)
            fill(big.t())
            out += [base, big]
        return out
    same(prog, 8)


def test_inplace_samplers_in_graphs():
    names = ["uniform_", "normal_", "random_", "bernoulli_", "exponential_"]
    for name in names:
        def prog(t, name=name):
            y = t.ones(3, requires_grad=True) * 2
            getattr(y, name)()
            return y.grad_fn
        assert outcome(prog, autodiff_lab) == outcome(prog, torch)

        def leaf(t, name=name):
            return getattr(t.ones(3, requires_grad=True), name)()
        assert outcome(leaf, autodiff_lab) == outcome(leaf, torch)
    x = autodiff_lab.ones(2, requires_grad=True)
    y = x * 3
    y.normal_()
    (y * x).sum().backward()  # d/dx of (fresh values * x) is the fresh values
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())
    with autodiff_lab.no_grad():
        w = autodiff_lab.ones(3, requires_grad=True)
        v = w._version
        assert w.uniform_() is w and w._version == v + 1 and w.requires_grad


ERRORS = [
    lambda t: t.randn(2, device="cuda"),
    lambda t: t.rand(2, device=t.device("cuda")) if hasattr(t, "device") and callable(
        t.device) else t.rand(2, device="cuda"),
    lambda t: t.randn(2, device="cpu").shape,
    lambda t: t.randint(5, 5, (2,)),
    lambda t: t.randint(5, 3, (2,)),
    lambda t: t.randn(2.5),
    lambda t: t.randn(-1),
    lambda t: t.rand(2, dtype=t.int64),
    lambda t: t.randn(2, dtype=t.int64),
    lambda t: t.randperm(-1),
    lambda t: t.bernoulli(t.tensor([0.5, 2.0])),
    lambda t: t.empty(3).bernoulli_(1.5),
    lambda t: t.empty(3).uniform_(2, 1),
    lambda t: t.empty(3).normal_(0, -1),
    lambda t: t.normal(0., -1.5, size=(2,)),
    lambda t: t.empty(3).exponential_(-1),
    lambda t: t.empty(3).exponential_(0),
    lambda t: t.empty(2, dtype=t.int64).normal_(),
    lambda t: t.empty(2, dtype=t.int64).uniform_(),
    lambda t: t.empty(2, dtype=t.int64).exponential_(),
    lambda t: t.set_rng_state(t.zeros(10, dtype=t.uint8)),
    lambda t: t.set_rng_state(t.zeros(5056)),
    lambda t: t.set_rng_state([1, 2]),
    lambda t: t.manual_seed(2 ** 64),
    lambda t: t.manual_seed(-2 ** 63 - 1),
    lambda t: t.Generator().manual_seed("3"),
    lambda t: t.randn(size=(2, 3)).shape,
    lambda t: t.rand([2, 3]).shape,
    lambda t: t.randn(()).shape,
    lambda t: t.randperm(0),
    lambda t: t.get_rng_state().dtype,
    lambda t: t.multinomial(t.tensor([0.1, 0.5, 0.4]), 5),
    lambda t: t.multinomial(t.tensor([0.1, 0.5]), 0),
    lambda t: t.multinomial(t.tensor([-0.1, 1.0]), 1),
    lambda t: t.multinomial(t.tensor([-0.1, 1.0]), 2, replacement=True),
    lambda t: t.multinomial(t.tensor([0., 0.]), 1),
    lambda t: t.multinomial(t.tensor([0., 0.]), 2, True),
    lambda t: t.multinomial(t.ones(2, 2, 2), 1),
    lambda t: t.multinomial(t.tensor([1, 2]), 1),
    lambda t: t.multinomial(t.tensor([1., float("inf")]), 2, True),
    lambda t: t.multinomial(t.tensor([1., float("nan")]), 2, True),
]


@pytest.mark.parametrize("i", range(len(ERRORS)))
def test_errors_and_forms_as_pytorch(i):
    assert outcome(ERRORS[i], autodiff_lab) == outcome(ERRORS[i], torch)


def test_requires_grad_and_repr():
    autodiff_lab.manual_seed(0)
    torch.manual_seed(0)
    assert repr(autodiff_lab.randn(2, requires_grad=True)) == \
        repr(torch.randn(2, requires_grad=True))
    assert repr(autodiff_lab.manual_seed(0).get_state()[:3]).startswith("tensor([0, 0, 0]")


def test_speed_of_a_million_normals():
    import time
    start = time.perf_counter()
    autodiff_lab.randn(10 ** 6)
    autodiff_lab.rand(10 ** 6, dtype=autodiff_lab.float64)
    assert time.perf_counter() - start < 3.0


def test_generator_prints_and_reports_its_device_as_pytorch():
    torch = require_torch()

    def prog(lib):
        g = lib.Generator()
        return repr(g), g.device
    assert outcome(prog, autodiff_lab) == outcome(prog, torch)
