"""``torch.nn.utils``: gradient clipping and parameters as one flat vector.

>>> import autodiff_lab as torch
>>> w = torch.nn.Parameter(torch.tensor([3.0, 4.0]))
>>> (w * w).sum().backward()          # grad = [6, 8], norm 10
>>> clip_grad_norm_([w], max_norm=1.0)
tensor(10.)
>>> w.grad
tensor([0.6000, 0.8000])
"""

import math
import types
import warnings

import numpy as np

from ..autograd.grad_mode import no_grad
from ..creation import tensor
from ..ops.shape import cat, reshape
from ..tensor import Tensor


def _as_list(parameters, warn_empty_generator=False):
    if isinstance(parameters, Tensor):
        return [parameters]
    is_generator = isinstance(parameters, types.GeneratorType)
    parameters = list(parameters)
    if warn_empty_generator and is_generator and not parameters:
        warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                      UserWarning, stacklevel=3)
    return parameters


def _vector_norm(data, norm_type):
    a = np.abs(data.astype(np.float64, copy=False)).reshape(-1)
    if norm_type == math.inf:
        value = a.max(initial=0.0)
    elif norm_type == -math.inf:
        value = a.min(initial=math.inf)
    elif norm_type == 0:
        value = float(np.count_nonzero(a))
    else:
        value = (a ** norm_type).sum() ** (1 / norm_type)
    return np.asarray(value, dtype=data.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of all ``tensors`` taken together as one vector.

    >>> import autodiff_lab as torch
    >>> get_total_norm([torch.tensor([3.0]), torch.tensor([4.0])])
    tensor(5.)
    """
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if not tensors:
        return tensor(0.0)
    norms = np.stack([_vector_norm(t._data, norm_type) for t in tensors])
    total = Tensor._make(_vector_norm(norms, norm_type), tensors[0].dtype)
    if error_if_nonfinite and not np.isfinite(total._data):
        raise RuntimeError(
            f"The total norm of order {norm_type} for gradients from `parameters` is "
            "non-finite, so it cannot be clipped. To disable this error and scale the gradients "
            "by the non-finite norm anyway, set `error_if_nonfinite=False`")
    return total


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by ``max_norm / (total_norm + 1e-6)`` when that is below 1."""
    grads = [p.grad for p in _as_list(parameters) if p.grad is not None]
    if not grads:
        return
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Rescale the gradients so that their total norm is at most ``max_norm``; returns the
    total norm before clipping (a tensor), as PyTorch does."""
    parameters = _as_list(parameters, warn_empty_generator=True)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``.

    >>> import autodiff_lab as torch
    >>> w = torch.nn.Parameter(torch.tensor([3.0, -4.0]))
    >>> (w * w).sum().backward()
    >>> clip_grad_value_([w], 5.0)
    >>> w.grad
    tensor([ 5., -5.])
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _as_list(parameters):
            if p.grad is not None:
                p.grad.clamp_(min=-clip_value, max=clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened into one vector (part of the graph, like PyTorch's).

    >>> import autodiff_lab as torch
    >>> parameters_to_vector(torch.nn.Linear(2, 1).parameters()).shape
    torch.Size([3])
    """
    return cat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive slices of ``vec`` into the parameters (the inverse of the above).

    >>> import autodiff_lab as torch
    >>> layer = torch.nn.Linear(2, 1)
    >>> vector_to_parameters(torch.tensor([1.0, 2.0, 3.0]), layer.parameters())
    >>> layer.bias
    Parameter containing:
    tensor([3.], requires_grad=True)
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {type(vec).__name__}")
    pointer = 0
    for param in parameters:
        n = param.numel()
        param.data = reshape(vec[pointer:pointer + n], tuple(param.shape)).data
        pointer += n
