"""Layers: ``Linear`` (with PyTorch's initialisation) and the activation modules."""

import math

from ..creation import empty
from ..ops.shape import flatten
from . import functional as F
from . import init
from .modules import Module
from .parameter import Parameter


class Linear(Module):
    """``y = x W^T + b``, with PyTorch's initialisation ``U(-1/sqrt(in), 1/sqrt(in))``.

    >>> import autodiff_lab as torch
    >>> layer = Linear(3, 1)
    >>> layer
    Linear(in_features=3, out_features=1, bias=True)
    >>> layer(torch.ones(2, 3)).grad_fn.name()
    'AddmmBackward0'
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(empty((out_features, in_features), dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh weights the way ``torch.nn.Linear`` does, in its order (weight, then
        bias), so that after ``manual_seed`` the values are PyTorch's.

        >>> layer = Linear(4, 1)
        >>> layer.reset_parameters()
        >>> layer.bias.abs().item() <= 0.5
        True
        """
        # kaiming_uniform_ with a=sqrt(5) gives the bound 1/sqrt(in_features), as for the bias.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class ReLU(Module):
    """``max(x, 0)`` as a layer.

    >>> import autodiff_lab as torch
    >>> ReLU()(torch.tensor([-1.0, 1.0]))
    tensor([0., 1.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Tanh(Module):
    """Hyperbolic tangent as a layer.

    >>> import autodiff_lab as torch
    >>> Tanh()(torch.tensor([0.5]))
    tensor([0.4621])
    """

    def forward(self, input):
        return F.tanh(input)


class Sigmoid(Module):
    """The logistic function as a layer.

    >>> import autodiff_lab as torch
    >>> Sigmoid()(torch.tensor([0.0]))
    tensor([0.5000])
    """

    def forward(self, input):
        return F.sigmoid(input)


class Softmax(Module):
    """Softmax along ``dim`` as a layer.

    >>> import autodiff_lab as torch
    >>> Softmax(dim=0)(torch.tensor([0.0, 0.0]))
    tensor([0.5000, 0.5000])
    """

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return F.softmax(input, self.dim, _stacklevel=5)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """Log-softmax along ``dim`` as a layer.

    >>> import autodiff_lab as torch
    >>> LogSoftmax(dim=0)(torch.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """

    def forward(self, input):
        return F.log_softmax(input, self.dim, _stacklevel=5)


class Flatten(Module):
    """Merge dimensions ``start_dim..end_dim`` (all but the batch dimension by default).

    >>> import autodiff_lab as torch
    >>> Flatten()(torch.zeros(2, 3, 4)).shape
    torch.Size([2, 12])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Dropout(Module):
    """Zero each element with probability ``p`` while training, scaling the rest by
    ``1 / (1 - p)``; the identity in ``eval()`` mode. The masks are PyTorch's.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> drop = Dropout(p=0.5)
    >>> drop
    Dropout(p=0.5, inplace=False)
    >>> drop(torch.ones(6))
    tensor([0., 0., 2., 0., 0., 0.])
    >>> drop.eval()(torch.ones(2))
    tensor([1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        F._check_dropout_p(p)
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
