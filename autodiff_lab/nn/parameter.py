"""``nn.Parameter``: a leaf tensor that a Module registers as one of its weights."""

from .. import creation
from ..tensor import Tensor


class Parameter(Tensor):
    """A tensor that requires grad by default and that Modules collect in ``parameters()``.

    It shares storage with ``data``; results of operations on it are plain tensors.

    >>> import autodiff_lab as torch
    >>> torch.nn.Parameter(torch.tensor([1.0, 2.0]))
    Parameter containing:
    tensor([1., 2.], requires_grad=True)
    """

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = creation.empty(0)
        # PyTorch calls data.detach() first, so a list fails with AttributeError as it does there.
        data = data.detach()
        if requires_grad and not data.dtype.is_floating_point:
            raise RuntimeError(
                "Only Tensors of floating point and complex dtype can require gradients")
        self._init(data._data, data.dtype)
        self._version_box = data._version_box
        self._requires_grad = bool(requires_grad)

    def __reduce_ex__(self, protocol):
        # Pickled (and copied) as a Parameter, not as the plain tensor Tensor would give.
        return (type(self), (self.detach(), self._requires_grad))

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__
