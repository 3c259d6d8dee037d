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


@pytest.mark.parametrize("how", ["backward", "grad", "double"])
def test_non_reentrant_matches_torch(how):
    # use_reentrant=False: grad_fn is the segment's last op, autograd.grad and keyword
    # arguments work, tensors used inside get gradients, random numbers are replayed.
    def prog(lib):
        lib.manual_seed(0)
        w = lib.tensor([[0.5, -1.0], [2.0, 0.25]], requires_grad=True)
        x = lib.tensor([[1.0, 2.0], [3.0, -1.0]], requires_grad=True)

        def f(x, k=1.0):
            h = lib.tanh(x @ w)
            return h * h * k + x * lib.rand(2, 2)
        y = lib.utils.checkpoint.checkpoint(f, x, use_reentrant=False, k=3.0)
        loss = (y ** 2).sum()
        if how == "backward":
            loss.backward()
            grads = [x.grad, w.grad]
        else:
            grads = list(lib.autograd.grad(loss, [x, w], create_graph=how == "double"))
            if how == "double":
                grads.append(lib.autograd.grad(grads[0].sum(), x)[0])
        return [y.grad_fn.name()] + [plain(t) for t in [y] + grads]
    got = both(prog)
    ours, ref = got["ours"][0], got["torch"][0]
    assert ours[0] == ref[0] == "AddBackward0"
    for a, b in zip(ours[1:], ref[1:]):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert got["ours"][1] == got["torch"][1] == []


def test_non_reentrant_frees_the_segment_until_backward():
    x = autodiff_lab.ones(1000, dtype=autodiff_lab.float64, requires_grad=True)

    def block(h):
        for _ in range(4):
            h = autodiff_lab.tanh(h * 1.1)
        return h
    y = our_checkpoint(block, x, use_reentrant=False)
    node, held = y.grad_fn, 0
    while node is not None and hasattr(node, "_args"):
        held += sum(a._data.size for a in node._args if isinstance(a, autodiff_lab.Tensor))
        held += 0 if node._out is None else node._out.size
        node = node._next[0]
    assert held == 1000  # only the segment's input x; every intermediate is a stand-in
    y.sum().backward()
    ref = autodiff_lab.ones(1000, dtype=autodiff_lab.float64, requires_grad=True)
    block(ref).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ref.grad.numpy(), rtol=1e-12)


def test_recomputation_keeps_fewer_intermediates():
    # Inside the checkpoint nothing is recorded: the output's graph is one node deep.
    x = autodiff_lab.ones(3, requires_grad=True)
    y = our_checkpoint(lambda t: ((t * 2).exp() + 1).sin(), x, use_reentrant=True)
    assert [f.name() for f, _ in y.grad_fn.next_functions] == ["torch::autograd::AccumulateGrad"]
