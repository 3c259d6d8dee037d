"""Activation checkpointing, as ``torch.utils.checkpoint``: keep a segment's inputs, not its
intermediates, and run the segment again during backward to get them back.

Reverse mode keeps every intermediate a backward rule needs until backward reaches it, so the
memory of a chain grows with its depth. :func:`checkpoint` runs ``function`` without recording
(nothing inside is kept) and records one ``CheckpointFunctionBackward`` node holding only the
inputs; its backward re-runs ``function`` with recording on (restoring the random-number state
first, so dropout-like randomness repeats) and back-propagates through that fresh graph. Memory
for the segment: its inputs and output instead of all its intermediates; time: one more forward.

``use_reentrant=True`` is PyTorch's reentrant variant, with its warnings and errors.
``use_reentrant=False`` (PyTorch's recommended variant) records the segment as usual, so the
output's ``grad_fn`` is the segment's last op and ``autograd.grad`` works, then swaps each
intermediate the graph holds for an empty stand-in; the first node of the segment that backward
reaches re-runs ``function`` and fills the stand-ins in (PyTorch does the same with saved-tensor
hooks). Until then ``explain`` and the pictures cannot show the segment's intermediate values.

>>> import autodiff_lab as torch
>>> from autodiff_lab.utils.checkpoint import checkpoint
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> y = checkpoint(lambda t: torch.tanh(t) * 2, x, use_reentrant=True)
>>> y
tensor([1.5232, 1.9281], grad_fn=<CheckpointFunctionBackward>)
>>> y.sum().backward()
>>> x.grad
tensor([0.8399, 0.1413])
"""

import warnings

import numpy as np

from .. import random
from ..autograd import Function, backward, enable_grad, engine, grad_mode, no_grad
from ..autograd.engine import _is_checkpoint_valid
from ..tensor import Tensor

__all__ = ["checkpoint", "checkpoint_sequential"]


def _check_backward_validity(inputs):
    if not any(t.requires_grad for t in inputs if isinstance(t, Tensor)):
        warnings.warn("None of the inputs have requires_grad=True. Gradients will be None",
                      stacklevel=4)


def _detach_variable(inputs):
    out = []
    for t in inputs:
        if isinstance(t, Tensor):
            d = t.detach()
            d.requires_grad = t.requires_grad
            t = d
        out.append(t)
    return tuple(out)


class CheckpointFunction(Function):
    """The reentrant checkpoint: forward without recording, backward by recomputing."""

    @staticmethod
    def forward(ctx, run_function, preserve_rng_state, *args):
        _check_backward_validity(args)
        ctx.run_function = run_function
        ctx.preserve_rng_state = preserve_rng_state
        if preserve_rng_state:
            ctx.fwd_cpu_state = random.get_rng_state()
        # Non-tensor arguments are kept as they are; tensors through save_for_backward, so an
        # in-place change of an input before backward is caught by the version check.
        ctx.inputs = [None if isinstance(a, Tensor) else a for a in args]
        ctx.tensor_indices = [i for i, a in enumerate(args) if isinstance(a, Tensor)]
        ctx.save_for_backward(*[a for a in args if isinstance(a, Tensor)])
        with no_grad():
            return run_function(*args)

    @staticmethod
    def backward(ctx, *args):
        if not _is_checkpoint_valid():
            raise RuntimeError(
                "When use_reentrant=True, torch.utils.checkpoint is incompatible"
                " with .grad() or passing an `inputs` parameter to .backward()."
                " To resolve this error, you can either set use_reentrant=False,"
                " or call .backward() without passing the `inputs` argument.")
        inputs = list(ctx.inputs)
        for i, t in zip(ctx.tensor_indices, ctx.saved_tensors):
            inputs[i] = t
        with random.fork_rng(enabled=ctx.preserve_rng_state):
            if ctx.preserve_rng_state:
                random.set_rng_state(ctx.fwd_cpu_state)
            detached = _detach_variable(inputs)
            with enable_grad():
                outputs = ctx.run_function(*detached)
        if isinstance(outputs, Tensor):
            outputs = (outputs,)
        pairs = [(o, g) for o, g in zip(outputs, args)
                 if isinstance(o, Tensor) and o.requires_grad]
        if not pairs:
            raise RuntimeError("none of output has requires_grad=True,"
                               " this checkpoint() is not necessary")
        backward([o for o, _ in pairs], [g for _, g in pairs])
        grads = tuple(t.grad if isinstance(t, Tensor) else None for t in detached)
        return (None, None) + grads


def _use_reentrant(use_reentrant, warning):
    if use_reentrant is None:
        warnings.warn(warning, stacklevel=3)
        return True
    return bool(use_reentrant)


def _segment_nodes(outputs, first_seq):
    """The op nodes recorded after ``first_seq`` that the outputs depend on, in creation order."""
    found, stack = {}, [o.grad_fn for o in outputs]
    while stack:
        node = stack.pop()
        if node is None or type(node) is engine.AccumulateGrad or node._seq < first_seq \
                or id(node) in found:
            continue
        found[id(node)] = node
        stack.extend(node._next)
    return sorted(found.values(), key=lambda n: n._seq)


def _tensors(result):
    items = result if isinstance(result, (tuple, list)) else (result,)
    return [t for t in items if isinstance(t, Tensor)]


def _checkpoint_without_reentrant(function, preserve, args, kwargs):
    state = random.get_rng_state() if preserve else None
    first = next(engine._SEQUENCE)
    result = function(*args, **kwargs)
    nodes = _segment_nodes(_tensors(result), first)
    if not nodes or not grad_mode.STATE.grad_enabled or any(
            type(getattr(n, "_args", None)) is not tuple or n.op is None for n in nodes):
        return result  # nothing recorded, or a node kind whose saved values we leave alone
    inside = {id(n) for n in nodes}
    stand_ins = []  # (stand-in, node position, input slot)
    for k, node in enumerate(nodes):
        node._out = None
        args_k, swap = list(node._args), {}
        for i, t in enumerate(args_k):
            if isinstance(t, Tensor) and t.grad_fn is not None and id(t.grad_fn) in inside:
                if id(t) not in swap:
                    s = Tensor._make(np.empty(0, t.dtype.np), t.dtype)
                    s.grad_fn, s._requires_grad = t.grad_fn, True
                    s._version_box, s._output_nr = t._version_box, t._output_nr
                    swap[id(t)] = s
                args_k[i] = swap[id(t)]
                stand_ins.append((swap[id(t)], k, i))
        node._args = tuple(args_k)
        saved = node._saved_versions
        node._saved_versions = tuple(swap.get(id(x), x) for x in saved)

    done = []

    def recompute(grad_outputs):
        if done:  # the first node of the segment that backward reaches refills them all
            return None
        done.append(True)
        with random.fork_rng(enabled=preserve):
            if preserve:
                random.set_rng_state(state)
            again_first = next(engine._SEQUENCE)
            with enable_grad():
                again = function(*args, **kwargs)
        redo = _segment_nodes(_tensors(again), again_first)
        if [type(n) for n in redo] != [type(n) for n in nodes]:
            raise RuntimeError(
                "torch.utils.checkpoint: Recomputed values have different metadata than during "
                "the forward pass: the checkpointed function must run the same operations "
                "when it is run again.")
        for node, new in zip(nodes, redo):
            if node._out is None and not node._freed:
                node._out = new._out
        for s, k, i in stand_ins:
            s._data = redo[k]._args[i]._data
        stand_ins.clear()  # from here the graph alone holds them, and backward frees them
        return None

    for node in nodes:
        node.register_prehook(recompute)
    return result


def checkpoint(function, *args, use_reentrant=None, **kwargs):
    """``function(*args)``, with its intermediates recomputed in backward instead of kept.

    ``use_reentrant`` should be passed (PyTorch warns when it is not, and then uses ``True``);
    ``preserve_rng_state=False`` skips restoring the random state before the recomputation.

    >>> import autodiff_lab as torch
    >>> w = torch.tensor(3.0, requires_grad=True)
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = checkpoint(lambda x: torch.sin(w * x) * x, x, use_reentrant=True)
    >>> y.backward()
    >>> x.grad, w.grad        # w is used inside: its gradient arrives too
    (tensor(5.4816), tensor(3.8407))
    """
    use_reentrant = _use_reentrant(use_reentrant, (
        "torch.utils.checkpoint: the use_reentrant parameter should be "
        "passed explicitly. Starting in PyTorch 2.9, calling checkpoint "
        "without use_reentrant will raise an exception. use_reentrant=False is "
        "recommended, but if you need to preserve the current default "
        "behavior, you can pass use_reentrant=True. Refer to docs for more "
        "details on the differences between the two variants."))
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs and use_reentrant:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    if use_reentrant:
        return CheckpointFunction.apply(function, preserve, *args)
    return _checkpoint_without_reentrant(function, preserve, args, kwargs)


def checkpoint_sequential(functions, segments, input, use_reentrant=None, **kwargs):
    """Run ``functions`` (a list, or an ``nn.Sequential``) on ``input`` in ``segments`` pieces,
    each but the last checkpointed: only the segment boundaries are kept for backward.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([0.5, -1.0], requires_grad=True)
    >>> layers = [torch.tanh] * 6
    >>> y = checkpoint_sequential(layers, 3, x, use_reentrant=True)
    >>> y.sum().backward()
    >>> x.grad
    tensor([0.3443, 0.0775])
    """
    use_reentrant = _use_reentrant(use_reentrant, (
        "torch.utils.checkpoint.checkpoint_sequential: the use_reentrant "
        "parameter should be passed explicitly. "
        "In version 2.9 we will raise an exception if use_reentrant "
        "is not passed. use_reentrant=False is "
        "recommended, but if you need to preserve the current default "
        "behavior, you can pass use_reentrant=True. Refer to docs for more "
        "details on the differences between the two variants."))
    preserve = kwargs.pop("preserve_rng_state", True)
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))

    def run_function(start, end, functions):
        def forward(input):
            for j in range(start, end + 1):
                input = functions[j](input)
            return input
        return forward

    from ..nn import Sequential
    if isinstance(functions, Sequential):
        functions = list(functions.children())
    segment_size = len(functions) // segments
    end = -1  # the last segment is not checkpointed: backward needs its graph at once
    for start in range(0, segment_size * (segments - 1), segment_size):
        end = start + segment_size - 1
        input = checkpoint(run_function(start, end, functions), input,
                           use_reentrant=use_reentrant, preserve_rng_state=preserve)
    return run_function(end + 1, len(functions) - 1, functions)(input)
