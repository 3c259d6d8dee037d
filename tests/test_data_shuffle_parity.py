"""Shuffled batches are PyTorch's batches: the same permutations for the same seed, and the
generator left in the same state afterwards.

This needs PyTorch's random numbers bit for bit (``Generator``, ``randperm(generator=)``,
``Tensor.random_``: the ``rng`` work of issue 11), so it lives in its own file.
"""

import pytest
from conftest import outcome, require_torch

import autodiff_lab


def _epochs(torch, **kwargs):
    data = torch.utils.data
    ds = data.TensorDataset(torch.arange(10), torch.arange(10) * 10)
    loader = data.DataLoader(ds, batch_size=4, shuffle=True, **kwargs)
    return [[b[0].tolist() for b in loader] for _ in range(3)]


def _global_seed(torch):
    torch.manual_seed(0)
    epochs = _epochs(torch)
    return epochs, torch.rand(3).tolist()  # the global generator moved on as in PyTorch


def _own_generator(torch):
    torch.manual_seed(1)
    g = torch.Generator().manual_seed(42)
    epochs = _epochs(torch, generator=g, drop_last=True)
    return epochs, torch.rand(2).tolist(), torch.randperm(5, generator=g).tolist()


def _random_split(torch):
    data = torch.utils.data
    torch.manual_seed(3)
    a, b = data.random_split(range(12), [0.75, 0.25])
    g = torch.Generator().manual_seed(7)
    c, d, e = data.random_split(range(30), [10, 15, 5], generator=g)
    return list(a), list(b), list(c), list(d), list(e)


def _samplers(torch):
    data = torch.utils.data
    torch.manual_seed(5)
    g = torch.Generator().manual_seed(11)
    with_replacement = list(data.RandomSampler(range(7), replacement=True, num_samples=40,
                                               generator=g))
    more_than_n = list(data.RandomSampler(range(4), num_samples=10, generator=g))
    subset = list(data.SubsetRandomSampler([10, 20, 30, 40], generator=g))
    default = list(data.RandomSampler(range(6)))
    return with_replacement, more_than_n, subset, default, torch.rand(1).tolist()


def _dropout_between_batches(torch):
    """A loop that shuffles and draws other random numbers in between, like a training loop."""
    torch.manual_seed(2)
    data = torch.utils.data
    loader = data.DataLoader(data.TensorDataset(torch.arange(6.0)), batch_size=3, shuffle=True)
    seen = []
    for _ in range(2):
        for (x,) in loader:
            seen.append((x.tolist(), torch.randn(2).tolist()))
    return seen


@pytest.mark.parametrize("prog", [_global_seed, _own_generator, _random_split, _samplers,
                                  _dropout_between_batches],
                         ids=["global seed", "generator", "random_split", "samplers",
                              "interleaved draws"])
def test_shuffle_matches_torch(prog):
    torch = require_torch()
    assert outcome(prog, autodiff_lab) == outcome(prog, torch)
