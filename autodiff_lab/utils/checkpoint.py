"""Activation checkpointing, as ``torch.utils.checkpoint``: keep a segment's inputs, not its
intermediates, and run the segment again during backward to get them back.

Reverse mode keeps every intermediate a backward rule needs until backward reaches it, so the
memory of a chain grows with its depth. :func:`checkpoint` runs ``function`` without recording
(nothing inside is kept) and records one ``CheckpointFunctionBackward`` node holding only the
inputs; its backward re-runs ``function`` with recording on (restoring the random-number state
first, so dropout-like randomness repeats) and back-propagates through that fresh graph. Memory
for the segment: its inputs and output instead of all its intermediates; time: one more forward.

This is PyTorch's reentrant variant (``use_reentrant=True``), with its warnings and errors.
``use_reentrant=False`` (PyTorch's recommended variant, built on saved-tensor hooks, which this
engine does not have) is refused with an error saying so.

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

from .. import random
from ..autograd import Function, backward, enable_grad, no_grad
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
    if not use_reentrant:
        raise NotImplementedError(
            "use_reentrant=False is not supported by autodiff_lab: it needs saved-tensor hooks, "
            "which this engine does not have. Hint: pass use_reentrant=True (recompute in "
            "backward; call .backward() without `inputs`, not autograd.grad).")
    return True


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
    if kwargs:
        raise ValueError("Unexpected keyword arguments: " + ",".join(arg for arg in kwargs))
    return CheckpointFunction.apply(function, preserve, *args)


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
