"""autograd: backward, grad, grad modes, anomaly detection, gradcheck and functional helpers."""

import warnings

from .anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from .engine import run_backward
from .grad_mode import enable_grad, inference_mode, no_grad, set_grad_enabled
from .gradcheck import gradcheck, gradcheck_table, gradgradcheck
from . import functional
from . import function
from .function import Function


def _as_tuple(x):
    from ..tensor import Tensor
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _make_grads(outputs, grad_outputs, call="backward"):
    """Fill in implicit ``ones`` for scalar outputs; check explicit gradients' shapes."""
    from ..creation import ones_like
    from ..tensor import Tensor
    grads = []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if g is None:
            if out._requires_grad and out.numel() != 1:
                from .. import hints
                raise hints.add(
                    RuntimeError("grad can be implicitly created only for scalar outputs"),
                    hints.nonscalar_backward, out, call)
            g = ones_like(out)
        elif not isinstance(g, Tensor):
            from ..creation import tensor
            g = tensor(g, dtype=out.dtype)
        elif g.shape != out.shape:
            from .. import hints
            raise hints.add(RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of "
                f"torch.Size({list(g.shape)}) and output[{i}] has a shape of "
                f"torch.Size({list(out.shape)})."), hints.gradient_shape, out, g)
        grads.append(g)
    return grads


_WARNED_ONCE = {}


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate into ``.grad`` the gradients of ``tensors`` w.r.t. the graph leaves.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> torch.autograd.backward(x * x)
    >>> x.grad
    tensor(6.)
    """
    tensors = _as_tuple(tensors)
    # Extra gradients are ignored (PyTorch zips the two lists); missing ones are an error.
    grad_tensors = (_as_tuple(grad_tensors) or (None,) * len(tensors))[:len(tensors)]
    if len(grad_tensors) != len(tensors):
        raise RuntimeError(
            f"got {len(tensors)} tensors and {len(grad_tensors)} gradients")
    inputs = _as_tuple(inputs)
    if inputs is not None and len(inputs) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    grads = _make_grads(tensors, grad_tensors)
    if create_graph and not _WARNED_ONCE.get("create_graph"):
        # PyTorch warns once per process (TORCH_WARN_ONCE), with or without inputs=.
        _WARNED_ONCE["create_graph"] = True
        warnings.warn(
            "Using backward() with create_graph=True will create a reference cycle between the "
            "parameter and its gradient which can cause a memory leak. We recommend using "
            "autograd.grad when creating the graph to avoid this. If you have to use this "
            "function, make sure to reset the .grad fields of your parameters to None after use "
            "to break the cycle and avoid the leak. (Triggered internally at "
            "/__w/pytorch/pytorch/torch/csrc/autograd/engine.cpp:1307.)", UserWarning,
            stacklevel=3)
    run_backward(tensors, grads, retain_graph, create_graph, inputs=inputs)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` w.r.t. ``inputs``, returned (``.grad`` is left alone).

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> torch.autograd.grad(x ** 3, x)
    (tensor(12.),)
    """
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    grad_outputs = _as_tuple(grad_outputs) or (None,) * len(outputs)
    grads = _make_grads(outputs, grad_outputs, "grad")
    result = run_backward(outputs, grads, retain_graph, create_graph, inputs=inputs,
                          accumulate=False, allow_unused=allow_unused)
    if materialize_grads:
        from ..creation import zeros_like
        result = tuple(zeros_like(t) if g is None else g for t, g in zip(inputs, result))
    return result


__all__ = ["backward", "grad", "no_grad", "enable_grad", "set_grad_enabled", "inference_mode",
           "detect_anomaly", "set_detect_anomaly", "is_anomaly_enabled", "Function"]
