"""autodiff_lab.utils.checkpoint against torch.utils.checkpoint: values, gradients (of inputs
and of tensors used inside), node names, the RNG replay, and PyTorch's warnings and errors."""

import warnings

import numpy as np
import pytest

import autodiff_lab
from autodiff_lab.utils.checkpoint import checkpoint as our_checkpoint

from conftest import require_torch

torch = require_torch()
import torch.utils.checkpoint  # noqa: E402  (the submodule is not imported by `import torch`)

LIBS = {"ours": autodiff_lab, "torch": torch}


def both(prog):
    """``prog(lib)`` run with each library, warnings recorded: {name: (result, warnings)}."""
    out = {}
    for name, lib in LIBS.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = prog(lib)
        out[name] = (result, [(w.category, str(w.message)) for w in caught])
    return out


def plain(x):
    return None if x is None else np.asarray(x.detach().numpy() if hasattr(x, "detach") else x)


def test_values_grads_and_node_name_match_torch():
    def prog(lib):
        w = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda x, k: lib.tanh(x @ w) * k + x, x, 3.0,
                                            use_reentrant=True)
        name = y.grad_fn.name()
        (y ** 2).sum().backward()
        return plain(y), name, plain(x.grad), plain(w.grad)
    got = both(prog)
    (ours, ow), (ref, tw) = got["ours"], got["torch"]
    assert ours[1] == ref[1] == "CheckpointFunctionBackward"
    for a, b in zip(ours[:1] + ours[2:], ref[:1] + ref[2:]):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert ow == tw == []


def test_missing_use_reentrant_warns_like_torch_and_works():
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lib.sin, x)
        y.sum().backward()
        return plain(x.grad)
    got = both(prog)
    np.testing.assert_allclose(got["ours"][0], got["torch"][0], rtol=1e-6)
    assert got["ours"][1] == got["torch"][1]
    assert "use_reentrant parameter should be passed explicitly" in got["ours"][1][0][1]


def test_no_input_requires_grad_warns_like_torch():
    got = both(lambda lib: plain(lib.utils.checkpoint.checkpoint(
        lambda t: t * 2, lib.ones(2), use_reentrant=True)))
    assert got["ours"][1] == got["torch"][1] == [
        (UserWarning, "None of the inputs have requires_grad=True. Gradients will be None")]


@pytest.mark.parametrize("call", ["grad", "inputs"])
def test_reentrant_refuses_autograd_grad_and_inputs_like_torch(call):
    def prog(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lib.exp, x, use_reentrant=True).sum()
        with pytest.raises(RuntimeError) as error:
            lib.autograd.grad(y, x) if call == "grad" else y.backward(inputs=[x])
        return str(error.value)
    got = both(prog)
    assert got["ours"][0] == got["torch"][0]
    assert got["ours"][0].startswith("When use_reentrant=True, torch.utils.checkpoint is "
                                     "incompatible with .grad()")


def test_unexpected_keyword_arguments_like_torch():
    def prog(lib):
        with pytest.raises(ValueError) as error:
            lib.utils.checkpoint.checkpoint(lib.exp, lib.ones(1), use_reentrant=True, foo=1,
                                            bar=2)
        return str(error.value)
    got = both(prog)
    assert got["ours"][0] == got["torch"][0] == "Unexpected keyword arguments: foo,bar"


def test_rng_state_is_replayed_in_backward():
    # The recomputation must draw the same random numbers as the forward did, else the
    # gradient belongs to another function.
    def prog(lib, preserve=True):
        lib.manual_seed(0)
        x = lib.ones(4, requires_grad=True)
        y = lib.utils.checkpoint.checkpoint(lambda t: t * lib.rand(4), x, use_reentrant=True,
                                            preserve_rng_state=preserve)
        y.sum().backward()
        return plain(y), plain(x.grad)
    y, grad = prog(autodiff_lab)
    np.testing.assert_array_equal(grad, y)
    ref_y, ref_grad = prog(torch)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-6)
    y, grad = prog(autodiff_lab, preserve=False)
    assert not np.allclose(grad, y)  # without the replay, backward drew new numbers


def test_checkpoint_sequential_matches_torch_with_sequential_and_list():
    def prog(lib):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(3, 4), lib.nn.Tanh(), lib.nn.Linear(4, 4),
                                  lib.nn.Tanh(), lib.nn.Linear(4, 1))
        with lib.no_grad():
            for i, p in enumerate(model.parameters()):
                p.copy_(lib.linspace(-1, 1, p.numel()).reshape(p.shape) * (i + 1) / 3)
        x = lib.tensor([[1.0, -2.0, 0.5], [0.0, 1.0, 2.0]], requires_grad=True)
        y = lib.utils.checkpoint.checkpoint_sequential(model, 2, x, use_reentrant=True)
        y.sum().backward()
        z = lib.utils.checkpoint.checkpoint_sequential([lib.tanh] * 4, 3, x, use_reentrant=True)
        return ([plain(y), plain(x.grad)] + [plain(p.grad) for p in model.parameters()]
                + [plain(z), z.grad_fn.name()])
    got = both(prog)
    ours, ref = got["ours"][0], got["torch"][0]
    assert ours[-1] == ref[-1]
    for a, b in zip(ours[:-1], ref[:-1]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    assert got["ours"][1] == got["torch"][1] == []


def test_checkpoint_sequential_warns_without_use_reentrant_like_torch():
    got = both(lambda lib: plain(lib.utils.checkpoint.checkpoint_sequential(
        [lib.exp, lib.sin], 2, lib.ones(2, requires_grad=True))))
    assert got["ours"][1] == got["torch"][1]
    assert got["ours"][1][0][1].startswith("torch.utils.checkpoint.checkpoint_sequential:")


def test_use_reentrant_false_is_refused_with_a_hint():
    x = autodiff_lab.ones(2, requires_grad=True)
    with pytest.raises(NotImplementedError, match=r"use_reentrant=False is not supported .*"
                       r"Hint: pass use_reentrant=True"):
        our_checkpoint(autodiff_lab.exp, x, use_reentrant=False)


def test_recomputation_keeps_fewer_intermediates():
    # Inside the checkpoint nothing is recorded: the output's graph is one node deep.
    x = autodiff_lab.ones(3, requires_grad=True)
    y = our_checkpoint(lambda t: ((t * 2).exp() + 1).sin(), x, use_reentrant=True)
    assert [f.name() for f, _ in y.grad_fn.next_functions] == ["torch::autograd::AccumulateGrad"]
