"""``nn.init``: fill a tensor in place with the initial values PyTorch's layers use."""

import math
import warnings

from ..autograd.grad_mode import no_grad


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill ``tensor`` with values drawn uniformly from ``[a, b)`` (PyTorch's numbers).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> uniform_(torch.empty(3), -0.5, 0.5)
    tensor([-0.0037,  0.2682, -0.4115])
    """
    with no_grad():
        return tensor.uniform_(a, b, generator=generator)


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill ``tensor`` with values drawn from ``N(mean, std^2)`` (PyTorch's numbers).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> normal_(torch.empty(3), 0.0, 0.1)
    tensor([ 0.1541, -0.0293, -0.2179])
    """
    with no_grad():
        return tensor.normal_(mean, std, generator=generator)


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """Fill ``tensor`` from ``N(mean, std^2)`` truncated to ``[a, b]``, as torch 2.13 draws it.

    When most of the mass lies inside ``[a, b]`` (the usual case), out-of-range values are
    redrawn from fresh normal tensors until none is left, which repeats PyTorch bit for bit.
    Otherwise uniform proposals are accepted by comparing ``log(u)`` with the log density in
    float32; PyTorch's vectorised ``log`` may round differently in the last bit, which can
    change an accept/reject decision on an exact tie (never seen in the tests).

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> trunc_normal_(torch.empty(4), std=0.02, a=-0.04, b=0.04)
    tensor([ 0.0308, -0.0059,  0.0081,  0.0114])
    """
    from ..ops.elementwise import where

    def norm_cdf(x):
        return (1.0 + math.erf(x / math.sqrt(2.0))) / 2.0

    if (mean < a - 2 * std) or (mean > b + 2 * std):
        warnings.warn("mean is more than 2 std from [a, b] in nn.init.trunc_normal_. "
                      "The distribution of values may be incorrect.", stacklevel=2)
    with no_grad():
        p = norm_cdf((b - mean) / std) - norm_cdf((a - mean) / std)
        lo, hi = (float(tensor.dtype.np.type(v)) for v in (a, b))
        if p > 0.3:
            result = tensor.normal_(mean, std, generator=generator)
            while True:
                mask = (result < lo) | (result > hi)
                if not bool(mask._data.any()):
                    break
                fresh = _empty_like(result).normal_(mean, std, generator=generator)
                result = where(mask, fresh, result)
            if result is not tensor:
                tensor.copy_(result)
            return tensor
        mode = max(a, min(mean, b))
        log_peak = -0.5 * ((mode - mean) / std) ** 2
        candidates, accept = _empty_like(tensor), _empty_like(tensor)

        def log_density_gap(c):
            return ((c - mean) / std) ** 2 * -0.5 - log_peak

        tensor.uniform_(a, b, generator=generator)
        gap = log_density_gap(tensor)
        pending = accept.uniform_(generator=generator).log() > gap
        result = tensor
        while bool(pending._data.any()):
            candidates.uniform_(a, b, generator=generator)
            result = where(pending, candidates, result)
            gap = log_density_gap(candidates)
            pending = where(pending, accept.uniform_(generator=generator).log() > gap, pending)
        if result is not tensor:
            tensor.copy_(result)
        return tensor


def _empty_like(t):
    from ..creation import empty
    return empty(tuple(t.shape), dtype=t.dtype)


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
    receptive = math.prod(tensor.shape[2:])
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower()
    valid_modes = ["fan_in", "fan_out"]
    if mode not in valid_modes:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid_modes}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def calculate_gain(nonlinearity, param=None):
    """The recommended scale for weights feeding ``nonlinearity`` (PyTorch's table).

    >>> calculate_gain("tanh")
    1.6666666666666667
    >>> calculate_gain("leaky_relu", 0.2)
    1.3867504905630728
    """
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif not isinstance(param, bool) and isinstance(param, (int, float)):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _kaiming_std(tensor, a, mode, nonlinearity):
    """PyTorch's std for He initialisation, computed in its order (bounds must round alike)."""
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: uniform in ``±sqrt(3) * gain / sqrt(fan)``.

    ``nn.Linear`` uses ``a=sqrt(5)``, which makes the bound ``1 / sqrt(in_features)``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> kaiming_uniform_(torch.empty(2, 9), a=5 ** 0.5)
    tensor([[-0.0025,  0.1788, -0.2743, -0.2453, -0.1284,  0.0894, -0.0066,  0.2643,
             -0.0296],
            [ 0.0882, -0.1007, -0.0655, -0.3184, -0.2208, -0.1374,  0.0123,  0.1318,
              0.2000]])
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    bound = math.sqrt(3.0) * _kaiming_std(tensor, a, mode, nonlinearity)
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """He initialisation: normal with std ``gain / sqrt(fan)``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> kaiming_normal_(torch.empty(1, 2), nonlinearity="relu")
    tensor([[ 1.5410, -0.2934]])
    """
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=2)
        return tensor
    return normal_(tensor, 0, _kaiming_std(tensor, a, mode, nonlinearity), generator)


def _xavier_std(tensor, gain):
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return gain * math.sqrt(2.0 / float(fan_in + fan_out))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: uniform in ``±gain * sqrt(6 / (fan_in + fan_out))``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> xavier_uniform_(torch.empty(2, 2))
    tensor([[-0.0092,  0.6570],
            [-1.0080, -0.9013]])
    """
    a = math.sqrt(3.0) * _xavier_std(tensor, gain)
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """Glorot initialisation: normal with std ``gain * sqrt(2 / (fan_in + fan_out))``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> xavier_normal_(torch.empty(2, 2))
    tensor([[ 1.0896, -0.2075],
            [-1.5406,  0.4019]])
    """
    return normal_(tensor, 0.0, _xavier_std(tensor, gain), generator)
