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


class Identity(Module):
    """Returns its input unchanged (any constructor arguments are ignored, as in PyTorch).

    >>> import autodiff_lab as torch
    >>> x = torch.ones(2)
    >>> Identity(54, unused="argument")(x) is x
    True
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size`` (the inverse of ``Flatten``).

    >>> import autodiff_lab as torch
    >>> Unflatten(1, (2, 3))(torch.zeros(4, 6)).shape
    torch.Size([4, 2, 3])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        if not isinstance(unflattened_size, (tuple, list)):
            raise TypeError("unflattened_size must be a tuple of ints, but found type "
                            f"{type(unflattened_size).__name__}")
        for idx, elem in enumerate(unflattened_size):
            if not isinstance(elem, int):
                raise TypeError("unflattened_size must be tuple of ints, but found element of "
                                f"type {type(elem).__name__} at pos {idx}")
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        dim = self.dim + input.ndim if self.dim < 0 else self.dim
        sizes = list(self.unflattened_size)
        known = math.prod(s for s in sizes if s != -1)
        if -1 in sizes and known:
            sizes[sizes.index(-1)] = input.shape[dim] // known
        if math.prod(sizes) != input.shape[dim]:
            raise RuntimeError(f"unflatten: Provided sizes {list(self.unflattened_size)} don't "
                               f"multiply up to the size of dim {self.dim} ({input.shape[dim]}) "
                               "in the input tensor")
        return input.reshape(tuple(input.shape[:dim]) + tuple(sizes)
                             + tuple(input.shape[dim + 1:]))

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


def _inplace_repr(inplace):
    return ", inplace=True" if inplace else ""


class LeakyReLU(Module):
    """``x`` where positive, ``negative_slope * x`` elsewhere, as a layer.

    >>> import autodiff_lab as torch
    >>> LeakyReLU(0.1)(torch.tensor([-1.0, 1.0]))
    tensor([-0.1000,  1.0000])
    """

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return F.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self.inplace)


class ELU(Module):
    """The exponential linear unit as a layer.

    >>> import autodiff_lab as torch
    >>> ELU()(torch.tensor([-1.0, 1.0]))
    tensor([-0.6321,  1.0000])
    """

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return F.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace)


class GELU(Module):
    """The Gaussian error linear unit as a layer (``approximate="tanh"`` for the tanh form).

    >>> import autodiff_lab as torch
    >>> GELU()(torch.tensor([1.0]))
    tensor([0.8413])
    >>> GELU("tanh")
    GELU(approximate='tanh')
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class SiLU(Module):
    """``x * sigmoid(x)`` as a layer.

    >>> import autodiff_lab as torch
    >>> SiLU()(torch.tensor([1.0]))
    tensor([0.7311])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Softplus(Module):
    """``log(1 + e^(beta x)) / beta`` as a layer.

    >>> import autodiff_lab as torch
    >>> Softplus()
    Softplus(beta=1.0, threshold=20.0)
    """

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return F.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


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
