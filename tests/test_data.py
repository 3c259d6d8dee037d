"""``utils.data`` against real PyTorch: batches, collation, lengths, samplers, splits and error
texts (shuffled order is in ``test_data_shuffle_parity.py``: it needs PyTorch's generator)."""

import collections

import numpy as np
import pytest
from conftest import outcome, require_torch

import autodiff_lab


def data(torch):
    return torch.utils.data


def _xy(torch):
    return data(torch).TensorDataset(torch.arange(14.0).reshape(7, 2),
                                     torch.tensor([0, 1, 2, 0, 1, 2, 0]))


Point = collections.namedtuple("Point", ["x", "y"])


class _Pairs:
    """A dataset written without the base class: indexable with a length."""

    def __init__(self, torch, kind):
        self.torch, self.kind = torch, kind

    def __len__(self):
        return 5

    def __getitem__(self, i):
        t = self.torch
        return {
            "dict": {"x": t.tensor([float(i), -1.0]), "label": i % 2, "name": f"s{i}"},
            "numbers": (i * 0.5, i, i % 2 == 0),
            "numpy": (np.full((2,), i, dtype=np.float32), np.int64(i)),
            "namedtuple": Point(t.tensor(float(i)), i),
            "list": [t.tensor([i]), [i, i + 1]],
            "string": f"item {i}",
        }[self.kind]


def _batches(loader):
    return [b for b in loader]


PROGRAMS = {
    "tensor dataset": lambda torch: (_xy(torch)[2], len(_xy(torch))),
    "tensor dataset slice": lambda torch: _xy(torch)[1:3],
    "batches": lambda torch: _batches(data(torch).DataLoader(_xy(torch), batch_size=3)),
    "drop_last": lambda torch: _batches(data(torch).DataLoader(_xy(torch), batch_size=3,
                                                                drop_last=True)),
    "lengths": lambda torch: [len(data(torch).DataLoader(_xy(torch), batch_size=b, drop_last=d))
                              for b in (1, 2, 3, 7, 8) for d in (False, True)],
    "batch_size None": lambda torch: _batches(data(torch).DataLoader(_xy(torch),
                                                                      batch_size=None))[:2],
    "default batch size 1": lambda torch: _batches(data(torch).DataLoader(_xy(torch)))[0],
    "collate dict": lambda torch: _batches(data(torch).DataLoader(_Pairs(torch, "dict"),
                                                                   batch_size=2)),
    "collate numbers": lambda torch: _batches(data(torch).DataLoader(_Pairs(torch, "numbers"),
                                                                      batch_size=3)),
    "collate numpy": lambda torch: _batches(data(torch).DataLoader(_Pairs(torch, "numpy"),
                                                                    batch_size=2)),
    "collate namedtuple": lambda torch: _batches(data(torch).DataLoader(
        _Pairs(torch, "namedtuple"), batch_size=4)),
    "collate list": lambda torch: _batches(data(torch).DataLoader(_Pairs(torch, "list"),
                                                                   batch_size=2)),
    "collate strings": lambda torch: _batches(data(torch).DataLoader(_Pairs(torch, "string"),
                                                                      batch_size=2)),
    "no collation numpy": lambda torch: _batches(data(torch).DataLoader(
        _Pairs(torch, "numpy"), batch_size=None))[1],
    "collate_fn": lambda torch: _batches(data(torch).DataLoader(
        _xy(torch), batch_size=3, collate_fn=lambda batch: len(batch))),
    "collate requires_grad": lambda torch: data(torch).default_collate(
        [torch.ones(2, requires_grad=True), torch.zeros(2)]),
    "collate unequal lists": lambda torch: data(torch).default_collate([[1, 2], [3]]),
    "collate unequal tensors": lambda torch: data(torch).default_collate(
        [torch.ones(2), torch.ones(3)]),
    "collate object": lambda torch: data(torch).default_collate([object(), object()]),
    "sampler": lambda torch: _batches(data(torch).DataLoader(
        _xy(torch), batch_size=2, sampler=[6, 0, 3])),
    "batch_sampler": lambda torch: _batches(data(torch).DataLoader(
        _xy(torch), batch_sampler=[[1, 2], [0], [6, 5, 4]])),
    "batch sampler class": lambda torch: list(data(torch).BatchSampler(
        data(torch).SequentialSampler(range(5)), batch_size=2, drop_last=True)),
    "batch sampler length": lambda torch: [len(data(torch).BatchSampler(range(7), 3, d))
                                           for d in (False, True)],
    "sampler and shuffle": lambda torch: data(torch).DataLoader(_xy(torch), sampler=[0],
                                                                shuffle=True),
    "batch_sampler and batch_size": lambda torch: data(torch).DataLoader(
        _xy(torch), batch_size=2, batch_sampler=[[0]]),
    "batch_size None and drop_last": lambda torch: data(torch).DataLoader(
        _xy(torch), batch_size=None, drop_last=True),
    "batch_size zero": lambda torch: data(torch).DataLoader(_xy(torch), batch_size=0),
    "negative workers": lambda torch: data(torch).DataLoader(_xy(torch), num_workers=-1),
    "size mismatch": lambda torch: data(torch).TensorDataset(torch.ones(3), torch.ones(4)),
    "subset": lambda torch: [data(torch).Subset(_xy(torch), [4, 1])[i] for i in (0, 1)],
    "concat": lambda torch: (len(_xy(torch) + _xy(torch)), (_xy(torch) + _xy(torch))[8],
                             data(torch).ConcatDataset([range(3), range(5)])[-1]),
    "random split lengths": lambda torch: [len(s) for s in data(torch).random_split(
        range(10), [0.33, 0.33, 0.34])],
    "random split zero": lambda torch: [len(s) for s in data(torch).random_split(
        range(3), [0.95, 0.05])],
    "random split bad sum": lambda torch: data(torch).random_split(range(10), [3, 3]),
    "random split bad fraction": lambda torch: data(torch).random_split(range(10), [1.5, -0.5]),
    "random sampler num_samples": lambda torch: data(torch).RandomSampler(range(3),
                                                                          num_samples=0),
    "random sampler replacement": lambda torch: data(torch).RandomSampler(range(3),
                                                                          replacement=1),
    "iterable dataset": lambda torch: _batches(data(torch).DataLoader(_Count(torch),
                                                                       batch_size=3)),
    "iterable dataset shuffle": lambda torch: data(torch).DataLoader(_Count(torch),
                                                                     shuffle=True),
    "dataset getitem": lambda torch: data(torch).Dataset()[0],
    "epochs": lambda torch: [_batches(loader) for loader in
                             [data(torch).DataLoader(_xy(torch), batch_size=4)] * 2],
}


def _Count(torch):
    class Count(torch.utils.data.IterableDataset):
        def __iter__(self):
            return iter(torch.arange(7.0))
    return Count()


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_outcome_matches_torch(name):
    torch = require_torch()
    assert outcome(PROGRAMS[name], autodiff_lab) == outcome(PROGRAMS[name], torch)


def test_a_training_epoch_reads_like_the_tutorial():
    torch = autodiff_lab
    from autodiff_lab.utils.data import DataLoader, TensorDataset
    x = torch.linspace(-1, 1, 20).reshape(20, 1)
    loader = DataLoader(TensorDataset(x, 3 * x + 1), batch_size=8)
    model = torch.nn.Linear(1, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.5)
    sizes = []
    for _ in range(60):
        for xb, yb in loader:
            sizes.append(len(xb))
            opt.zero_grad()
            torch.nn.functional.mse_loss(model(xb), yb).backward()
            opt.step()
    assert sizes[:3] == [8, 8, 4]
    np.testing.assert_allclose([model.weight.item(), model.bias.item()], [3.0, 1.0], atol=1e-3)


def test_literal_outcomes():
    """A few outcomes spelled out, so they hold (and read) without torch installed."""
    assert outcome(PROGRAMS["batches"], autodiff_lab).startswith(
        "[[tensor([[0., 1.],\n        [2., 3.],\n        [4., 5.]]), tensor([0, 1, 2])], ")
    assert outcome(PROGRAMS["size mismatch"], autodiff_lab) == (
        "AssertionError: Size mismatch between tensors")
    assert outcome(PROGRAMS["lengths"], autodiff_lab) == "[7, 7, 4, 3, 3, 2, 1, 1, 1, 0]"


def test_torch_submodule_paths_name_the_same_module():
    from autodiff_lab.utils.data.dataloader import default_collate
    from autodiff_lab.utils.data.dataset import Dataset
    from autodiff_lab.utils.data.sampler import SubsetRandomSampler
    data = autodiff_lab.utils.data
    assert (default_collate, Dataset, SubsetRandomSampler) == (
        data.default_collate, data.Dataset, data.SubsetRandomSampler)
