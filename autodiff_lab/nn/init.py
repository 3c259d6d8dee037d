"""``nn.init``: fill a tensor in place with the initial values PyTorch's layers use."""

import math
import warnings

from .. import creation, dtypes
from ..autograd.grad_mode import no_grad


def _fill(tensor, values):
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor, a=0.0, b=1.0):
    """Fill ``tensor`` with values drawn uniformly from ``[a, b)``.

    >>> import autodiff_lab as torch
    >>> w = torch.empty(2, 3)
    >>> uniform_(w, -0.5, 0.5).min().item() >= -0.5 and w.max().item() < 0.5
    True
    """
    u = creation.rand(tuple(tensor.shape), dtype=dtypes.float64)
    return _fill(tensor, a + (b - a) * u)


def normal_(tensor, mean=0.0, std=1.0):
    """Fill ``tensor`` with values drawn from ``N(mean, std^2)``.

    >>> import autodiff_lab as torch
    >>> normal_(torch.empty(2, 3)).shape
    torch.Size([2, 3])
    """
    return _fill(tensor, mean + std * creation.randn(tuple(tensor.shape), dtype=dtypes.float64))


def constant_(tensor, val):
    """Fill ``tensor`` with ``val``.

    >>> import autodiff_lab as torch
    >>> constant_(torch.empty(2), 0.5)
    tensor([0.5000, 0.5000])
    """
    with no_grad():
        return tensor.fill_(val)


def zeros_(tensor):
    """Fill ``tensor`` with zeros.

    >>> import autodiff_lab as torch
    >>> zeros_(torch.ones(2))
    tensor([0., 0.])
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill ``tensor`` with ones.

    >>> import autodiff_lab as torch
    >>> ones_(torch.zeros(2))
    tensor([1., 1.])
    """
    return constant_(tensor, 1.0)


def _calculate_fan_in_and_fan_out(tensor):
    if tensor.ndim < 2:
        raise ValueError("Fan in and fan out can not be computed for tensor with fewer than 2 "
                         "dimensions")
    receptive = tensor[0][0].numel() if tensor.ndim > 2 else 1
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def calculate_gain(nonlinearity, param=None):
    """The recommended scale for weights feeding ``nonlinearity`` (PyTorch's table).

    >>> calculate_gain("tanh")
    1.6666666666666667
    """
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + slope ** 2))
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He initialisation: uniform in ``±gain * sqrt(3 / fan)``.

    ``nn.Linear`` uses ``a=sqrt(5)``, which makes the bound ``1 / sqrt(in_features)``.

    >>> import autodiff_lab as torch
    >>> w = kaiming_uniform_(torch.empty(4, 9), a=5 ** 0.5)
    >>> w.abs().max().item() <= 1 / 3
    True
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=2)
        return tensor
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    bound = math.sqrt(3.0) * calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return uniform_(tensor, -bound, bound)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot initialisation: uniform in ``±gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import autodiff_lab as torch
    >>> w = xavier_uniform_(torch.empty(3, 3))
    >>> w.abs().max().item() <= 1
    True
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound)
