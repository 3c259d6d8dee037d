"""``nn.functional``: activations, ``linear`` and the loss functions, with PyTorch's graphs.

Each loss is one op whose node carries PyTorch's name (``MseLossBackward0``,
``NllLossBackward0``, ...). Targets, class weights and the reduction are parameters of the op,
not inputs, because PyTorch does not differentiate through them either.
"""

import warnings

import numpy as np

from .. import dtypes
from ..ops.base import Op, apply
from ..ops.elementwise import abs, clamp, exp, log, where
from ..ops.elementwise import relu as _relu
from ..ops.elementwise import sigmoid as _sigmoid
from ..ops.elementwise import tanh as _tanh
from ..ops.linalg import addmm, matmul, mm
from ..ops.reduce import log_softmax as _log_softmax
from ..ops.reduce import softmax as _softmax
from ..ops.reduce import sum
from ..ops.shape import UnsafeView, expand, reshape, unsqueeze
from ..tensor import Tensor
from .activations import elu, gelu, leaky_relu, silu, softplus  # noqa: F401  (F.gelu ...)

_REDUCTIONS = ("none", "mean", "sum")


# --------------------------------------------------------------------- helper ops
class DivScalar(Op):
    """``x / other`` for a Python number computed inside a loss (PyTorch's ``div.Scalar``).

    Unlike ``x / 2`` (``DivBackward0``), the number is a parameter, not an input of the node.

    >>> import autodiff_lab as torch
    >>> apply(DivScalar, torch.tensor(3.0, requires_grad=True), other=2)
    tensor(1.5000, grad_fn=<DivBackward1>)
    """
    node_name = "DivBackward1"
    saves = ()

    @staticmethod
    def forward(x, other):
        return x / other

    @staticmethod
    def vjp(g, x, *, out, other):
        return (g / other,)

    @staticmethod
    def sym(x, other):
        return x / other


def _check_reduction(reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _legacy_reduction(size_average, reduce, reduction):
    """Map the deprecated ``size_average``/``reduce`` pair onto ``reduction``, as PyTorch does."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(f"size_average and reduce args will be deprecated, please use "
                  f"reduction='{reduction}' instead.", UserWarning, stacklevel=3)
    return reduction


def _reduce(losses, reduction):
    if reduction == "sum":
        return losses.sum()
    return losses.mean() if reduction == "mean" else losses


def _numel(x):
    """The element count of an ndarray (ordinary backward) or a Tensor (double backward)."""
    return x.size if isinstance(x, np.ndarray) else x.numel()


def _type_name(t):
    """PyTorch's scalar type name (``Float``, ``Long``) used in its error texts."""
    return t.dtype.legacy_name[:-len("Tensor")]


def _const(t, dtype):
    """A tensor argument as a plain array of ``dtype`` (None stays None)."""
    if t is None:
        return None
    data = t._data if isinstance(t, Tensor) else np.asarray(t)
    return data.astype(dtype.np, copy=False)


# --------------------------------------------------------------------- activations
def relu(input, inplace=False):
    """``max(x, 0)`` elementwise.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.relu(torch.tensor([-1.0, 2.0], requires_grad=True))
    tensor([0., 2.], grad_fn=<ReluBackward0>)
    """
    return input.relu_() if inplace else _relu(input)


def sigmoid(input):
    """The logistic function ``1 / (1 + e^-x)``.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.sigmoid(torch.tensor(0.0))
    tensor(0.5000)
    """
    return _sigmoid(input)


def tanh(input):
    """Hyperbolic tangent.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.tanh(torch.tensor(0.5))
    tensor(0.4621)
    """
    return _tanh(input)


def _softmax_dim(name, ndim, stacklevel):
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call to "
                  "include dim=X as an argument.", UserWarning, stacklevel=stacklevel)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``exp(x) / sum(exp(x))`` along ``dim``.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([0.0900, 0.2447, 0.6652])
    """
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim, _stacklevel)
    return _softmax(input, dim, dtype=dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """``log(softmax(x))`` along ``dim``, computed stably.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.log_softmax(torch.tensor([1.0, 2.0, 3.0]), dim=0)
    tensor([-2.4076, -1.4076, -0.4076])
    """
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim, _stacklevel)
    return _log_softmax(input, dim, dtype=dtype)


# --------------------------------------------------------------------- linear
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``, recorded as PyTorch records it.

    A matrix input with a bias is one ``AddmmBackward0`` node; other ranks are folded into a
    matrix first and viewed back, as ``torch.nn.functional.linear`` does.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> x = torch.tensor([[1.0, 2.0]], requires_grad=True)
    >>> F.linear(x, torch.tensor([[3.0, 4.0]]), torch.tensor([0.5]))
    tensor([[11.5000]], grad_fn=<AddmmBackward0>)
    """
    w_t = weight.t()
    if input.ndim == 2:
        return mm(input, w_t) if bias is None else addmm(bias, input, w_t)
    if bias is None:
        if input.ndim < 2:
            return matmul(input, w_t)
        flat = mm(reshape(input, (-1, input.shape[-1])), w_t)
        return apply(UnsafeView, flat, shape=tuple(input.shape[:-1]) + (weight.shape[0],))
    flat = addmm(bias, reshape(input, (-1, input.shape[-1])), w_t)
    return reshape(flat, tuple(input.shape[:-1]) + (weight.shape[0],))


# --------------------------------------------------------------------- mean squared error
class MseLoss(Op):
    """``(x - y)^2``, averaged, summed or kept elementwise.

    >>> import autodiff_lab as torch
    >>> mse_loss(torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 4.0]))
    tensor(2., grad_fn=<MseLossBackward0>)
    """
    node_name = "MseLossBackward0"

    @staticmethod
    def forward(x, y, reduction="mean"):
        d = x - y
        return _reduce(d * d, reduction)

    @staticmethod
    def vjp(g, x, y, *, out, reduction="mean"):
        norm = 2 / _numel(x) if reduction == "mean" else 2
        gx = norm * (x - y) * g
        return gx, -gx


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean squared error between ``input`` and ``target``.

    A target that only broadcasts to the input's shape gives PyTorch's ``UserWarning``.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.mse_loss(torch.tensor([1.0, 2.0, 3.0]), torch.tensor([1.0, 2.0, 5.0]))
    tensor(1.3333)
    """
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=2)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        weighted = (input - target) ** 2 * weight
        _check_reduction(reduction)
        if reduction == "none":
            return weighted
        return sum(weighted) if reduction == "sum" else sum(weighted) / sum(weight)
    _check_reduction(reduction)
    if not (input.dtype.is_floating_point or target.dtype.is_floating_point):
        raise NotImplementedError(f"\"mse_cpu\" not implemented for '{_type_name(input)}'")
    return apply(MseLoss, input, target, reduction=reduction)


def _broadcast(a, b):
    """Expand two tensors to their common shape, recording ``ExpandBackward0`` only if needed."""
    if a.shape == b.shape:
        return a, b
    try:
        shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape))
    except ValueError:
        a.detach() - b.detach()  # raises PyTorch's error naming both sizes
        raise
    return (a if a.shape == shape else expand(a, shape)), (b if b.shape == shape else
                                                          expand(b, shape))


# --------------------------------------------------------------------- negative log likelihood
def _nll_weights(target, weight, ignore_index):
    """Per-sample class weights (0 where the target is ignored) and targets safe to index with."""
    valid = target != ignore_index
    safe = np.where(valid, target, 0)
    return weight[safe] * valid, safe


def _class_mask(shape, safe, valid):
    """A boolean mask of ``shape`` that is True at each sample's target class."""
    if len(shape) == 1:
        return (np.arange(shape[0]) == safe.reshape(-1)) & valid.reshape(-1)
    classes = np.arange(shape[1]).reshape((1, -1) + (1,) * (len(shape) - 2))
    return (classes == np.expand_dims(safe, 1)) & np.expand_dims(valid, 1)


class NllLoss(Op):
    """``-logp[target]`` per sample, weighted; ``mean`` divides by the total weight.

    ``weight`` is an array of class weights (ones when none are given).

    >>> import autodiff_lab as torch
    >>> logp = torch.tensor([[-0.5, -1.0], [-2.0, -0.1]], requires_grad=True)
    >>> nll_loss(logp, torch.tensor([0, 1]))
    tensor(0.3000, grad_fn=<NllLossBackward0>)
    """
    node_name = "NllLossBackward0"
    saves = ()

    @staticmethod
    def forward(logp, *, target, weight, reduction, ignore_index):
        w, safe = _nll_weights(target, weight, ignore_index)
        if logp.ndim == 1:
            picked = logp[safe.reshape(-1)].reshape(safe.shape)
        else:
            picked = np.take_along_axis(logp, np.expand_dims(safe, 1), 1).squeeze(1)
        losses = -picked * w
        if reduction == "none":
            return losses
        total = losses.sum()
        if reduction == "sum":
            return total
        with np.errstate(invalid="ignore"):  # every target ignored: 0/0 is nan, as in PyTorch
            return total / w.sum()

    @staticmethod
    def vjp(g, logp, *, out, target, weight, reduction, ignore_index):
        w, safe = _nll_weights(target, weight, ignore_index)
        with np.errstate(invalid="ignore", divide="ignore"):
            coef = -w / w.sum() if reduction == "mean" else -w
        mask = _class_mask(tuple(logp.shape), safe, target != ignore_index)
        gt = g * coef
        return (where(mask, gt if logp.ndim == 1 else unsqueeze(gt, 1), 0.0),)


class NllLoss2d(NllLoss):
    """``NllLoss`` on images: class scores of shape (N, C, H, W), targets (N, H, W).

    >>> import autodiff_lab as torch
    >>> logp = torch.zeros(1, 2, 1, 2, requires_grad=True)
    >>> nll_loss(logp, torch.tensor([[[0, 1]]]), reduction="sum")
    tensor(0., grad_fn=<NllLoss2DBackward0>)
    """
    node_name = "NllLoss2DBackward0"


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """The negative log likelihood of the target classes, given log-probabilities.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.nll_loss(torch.tensor([[-0.5, -1.0], [-2.0, -0.1]]), torch.tensor([0, 1]))
    tensor(0.3000)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    _check_nll(input, target, weight, ignore_index)
    w = np.ones(input.shape[1 if input.ndim > 1 else 0], input.dtype.np) if weight is None \
        else _const(weight, input.dtype)
    params = {"weight": w, "reduction": reduction, "ignore_index": ignore_index}
    if input.ndim <= 2:
        return apply(NllLoss, input, target=target._data, **params)
    if input.ndim == 4:
        return apply(NllLoss2d, input, target=target._data, **params)
    # Other ranks go through the 2-d loss on an (N, C, 1, rest) view, as in PyTorch.
    n, c = input.shape[:2]
    out = apply(NllLoss2d, reshape(input, (n, c, 1, -1)), target=target._data.reshape(n, 1, -1),
                **params)
    return reshape(out, (n,) + tuple(input.shape[2:])) if reduction == "none" else out


def _check_nll(input, target, weight, ignore_index):
    """PyTorch's checks and error texts for class-index targets, in PyTorch's order."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1 and (target.ndim == 0 or input.shape[0] != target.shape[0]):
        raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                         f"batch_size ({target.shape[0] if target.ndim else 0}).")
    n_classes = input.shape[1 if input.ndim > 1 else 0]
    if input.ndim <= 2:
        if target.ndim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        if input.ndim == 1 and target.ndim == 1 and target.shape[0] != 1:
            raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                             f"{target.shape[0]}")
    elif input.ndim == 4:
        if target.ndim != 3:
            raise RuntimeError("only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {target.ndim}")
        if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
    elif tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {[input.shape[0]] + list(input.shape[2:])}, "
                           f"got {list(target.shape)}")
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {n_classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {_type_name(target)}")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"nll_loss_out_frame\" not implemented for '{_type_name(input)}'")
    if weight is not None and weight.dtype is not input.dtype:
        raise RuntimeError(f"expected scalar type {_type_name(input)} but found "
                           f"{_type_name(weight)}")
    t = target._data
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].flat[0]} is out of bounds.")


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross entropy between logits and class indices (or class probabilities).

    Class indices record ``NllLossBackward0`` over ``LogSoftmaxBackward0``, as PyTorch does;
    a target shaped like the input holds class probabilities.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> logits = torch.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
    >>> F.cross_entropy(logits, torch.tensor([0]))
    tensor(0.2413, grad_fn=<NllLossBackward0>)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if label_smoothing > 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                           f"{label_smoothing:g}")
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_type_name(target)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        if label_smoothing > 0:
            target = target * (1 - label_smoothing) + label_smoothing / input.shape[class_dim]
        return _soft_cross_entropy(input, target, weight, reduction, class_dim)
    if input.ndim >= 1 and not input.dtype.is_floating_point:
        raise NotImplementedError(
            f"\"log_softmax_lastdim_kernel_impl\" not implemented for '{_type_name(input)}'")
    logp = _log_softmax(input, class_dim)
    nll = nll_loss(logp, target, weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing <= 0:
        return nll
    return _smoothed(logp, target, weight, ignore_index, reduction, class_dim, nll,
                     label_smoothing)


def _smoothed(logp, target, weight, ignore_index, reduction, class_dim, nll, label_smoothing):
    """``(1 - eps) * nll + eps / C * (-sum of log-probabilities)``, PyTorch's composition."""
    n_classes = logp.shape[class_dim]
    if weight is not None:
        shape = [1] * logp.ndim
        shape[class_dim] = n_classes
        smooth = -sum(logp * reshape(weight, tuple(shape)), class_dim)
    else:
        smooth = -sum(logp, class_dim)
    ignored = target._data == ignore_index
    smooth = where(Tensor._make(ignored, dtypes.bool), 0.0, smooth)
    if reduction == "mean":
        if weight is not None:
            kept = target._data[~ignored].reshape(-1)
            smooth = sum(smooth) / sum(weight[Tensor._make(kept, dtypes.int64)])
        else:
            smooth = sum(smooth) / int((~ignored).sum())
    elif reduction == "sum":
        smooth = sum(smooth)
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / n_classes)


def _soft_cross_entropy(input, target, weight, reduction, class_dim):
    """``-(log_softmax(x) * p).sum()``, built from ops exactly as PyTorch composes it."""
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != n_classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {n_classes} classes "
            f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    terms = _log_softmax(input, class_dim) * target
    if weight is not None:
        shape = [1] * input.ndim
        shape[class_dim] = n_classes
        terms = terms * reshape(weight, tuple(shape))
    if reduction == "none":
        return -sum(terms, class_dim)
    if reduction == "sum":
        return -sum(terms)
    return apply(DivScalar, -sum(terms), other=input.numel() // n_classes)


# --------------------------------------------------------------------- L1, Huber, smooth L1
def _size_warning(input, target):
    if target.size() != input.size():
        warnings.warn(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}). This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.", UserWarning, stacklevel=3)


def _weighted(losses, weight, reduction, mean):
    """PyTorch's Python path for an elementwise ``weight``: ``mean`` is how it averages."""
    if weight.size() != losses.size():
        raise ValueError("Weights and input must have the same size.")
    weighted = losses * weight
    if reduction == "none":
        return weighted
    if reduction == "sum":
        return sum(weighted)
    if reduction == "mean":
        return mean(weighted)
    raise ValueError(f"Invalid reduction mode: {reduction}. Expected one of 'none', 'mean', "
                     "'sum'.")


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """The mean absolute error ``|input - target|`` (``MeanBackward0`` over ``AbsBackward0``).

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.l1_loss(torch.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([1.0, 0.0, 4.0]))
    tensor(1., grad_fn=<MeanBackward0>)
    """
    _size_warning(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast(input, target)
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        return _weighted(abs(input - target), weight, reduction,
                         lambda w: sum(w) / sum(weight))
    _check_reduction(reduction)
    return _reduce(abs(input - target), reduction)


class HuberLoss(Op):
    """``d^2 / 2`` where ``|d| < delta``, else ``delta (|d| - delta/2)``, for ``d = x - y``.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([0.5, 3.0], requires_grad=True)
    >>> apply(HuberLoss, x, torch.zeros(2), reduction="none", delta=1.0)
    tensor([0.1250, 2.5000], grad_fn=<HuberLossBackward0>)
    """
    node_name = "HuberLossBackward0"

    @staticmethod
    def forward(x, y, reduction="mean", delta=1.0):
        d = x - y
        ad = np.abs(d)
        losses = np.where(ad < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)).astype(d.dtype)
        return _reduce(losses, reduction)

    @staticmethod
    def vjp(g, x, y, *, out, reduction="mean", delta=1.0):
        norm = 1 / _numel(x) if reduction == "mean" else 1
        gx = clamp(x - y, min=-delta, max=delta) * (g * norm)
        return gx, -gx


class SmoothL1Loss(Op):
    """``d^2 / (2 beta)`` where ``|d| < beta``, else ``|d| - beta/2``, for ``d = x - y``.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([0.5, 3.0], requires_grad=True)
    >>> apply(SmoothL1Loss, x, torch.zeros(2), reduction="mean", beta=1.0)
    tensor(1.3125, grad_fn=<SmoothL1LossBackward0>)
    """
    node_name = "SmoothL1LossBackward0"

    @staticmethod
    def forward(x, y, reduction="mean", beta=1.0):
        d = x - y
        ad = np.abs(d)
        losses = np.where(ad < beta, 0.5 * d * d / beta, ad - 0.5 * beta).astype(d.dtype)
        return _reduce(losses, reduction)

    @staticmethod
    def vjp(g, x, y, *, out, reduction="mean", beta=1.0):
        norm = 1 / _numel(x) if reduction == "mean" else 1
        gx = clamp((x - y) / beta, min=-1.0, max=1.0) * (g * norm)
        return gx, -gx


def _floating_loss(input, target, kernel):
    if not (input.dtype.is_floating_point or target.dtype.is_floating_point):
        raise NotImplementedError(f"\"{kernel}\" not implemented for '{_type_name(input)}'")


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """The Huber loss: squared error for small errors, linear (slope ``delta``) beyond.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.huber_loss(torch.tensor([0.5, 3.0]), torch.zeros(2))
    tensor(1.3125)
    """
    _size_warning(input, target)
    input, target = _broadcast(input, target)
    if weight is None:
        _check_reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _floating_loss(input, target, "huber_cpu")
    if weight is not None:
        if weight.size() != input.size():
            raise ValueError("Weights and input must have the same size.")
        losses = apply(HuberLoss, input, target, reduction="none", delta=delta)
        return _weighted(losses, weight, reduction, lambda w: w.mean())
    return apply(HuberLoss, input, target, reduction=reduction, delta=delta)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """Smooth L1: ``d^2 / (2 beta)`` for small errors, ``|d| - beta/2`` beyond (L1 at beta 0).

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.smooth_l1_loss(torch.tensor([0.5, 3.0]), torch.zeros(2), beta=2.0)
    tensor(1.0312)
    """
    _size_warning(input, target)
    reduction = _legacy_reduction(size_average, reduce, reduction)
    input, target = _broadcast(input, target)
    _check_reduction(reduction)
    if beta == 0.0:
        return _reduce(abs(input - target), reduction)  # PyTorch's l1_loss path
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _floating_loss(input, target, "smooth_l1_cpu")
    return apply(SmoothL1Loss, input, target, reduction=reduction, beta=beta)


# --------------------------------------------------------------------- one_hot
def one_hot(tensor, num_classes=-1):
    """Class indices as rows of zeros with a one at the index (an int64 tensor, no graph).

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.one_hot(torch.tensor([0, 2]))
    tensor([[1, 0, 0],
            [0, 0, 1]])
    """
    from ..creation import from_numpy
    if tensor.dtype is not dtypes.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    t = tensor._data
    if t.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        return from_numpy(np.zeros(t.shape + (num_classes,), np.int64))
    if t.min() < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(t.max()) + 1
    elif num_classes <= t.max():
        raise RuntimeError("Class values must be smaller than num_classes.")
    return from_numpy((t[..., None] == np.arange(num_classes)).astype(np.int64))


# --------------------------------------------------------------------- binary cross entropy
_BCE_EPS = 1e-12  # PyTorch's floor for p(1-p) in the gradient


class BinaryCrossEntropy(Op):
    """``-(y log p + (1-y) log(1-p))`` with each log clamped to ``>= -100``, as in PyTorch.

    >>> import autodiff_lab as torch
    >>> p = torch.tensor([0.5, 1.0], requires_grad=True)
    >>> binary_cross_entropy(p, torch.tensor([1.0, 0.0]), reduction="none")
    tensor([  0.6931, 100.0000], grad_fn=<BinaryCrossEntropyBackward0>)
    """
    node_name = "BinaryCrossEntropyBackward0"

    @staticmethod
    def forward(p, y, *, weight=None, reduction="mean"):
        with np.errstate(divide="ignore"):
            losses = (y - 1) * np.maximum(np.log1p(-p), -100) - y * np.maximum(np.log(p), -100)
        return _reduce(losses if weight is None else losses * weight, reduction)

    @staticmethod
    def vjp(g, p, y, *, out, weight=None, reduction="mean"):
        if weight is not None:
            g = g * weight
        if reduction == "mean":
            g = g / _numel(p)
        return (g * (p - y) / clamp((1 - p) * p, min=_BCE_EPS),
                g * (log(1 - p) - log(p)))


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """Binary cross entropy between probabilities ``input`` and ``target`` in ``[0, 1]``.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.binary_cross_entropy(torch.tensor([0.8, 0.1]), torch.tensor([1.0, 0.0]))
    tensor(0.1643)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.size() != input.size():
        raise ValueError(
            f"Using a target size ({target.size()}) that is different to the input size "
            f"({input.size()}) is deprecated. Please ensure they have the same size.")
    if target.dtype is not input.dtype:
        raise RuntimeError(
            f"Found dtype {_type_name(target)} but expected {_type_name(input)}")
    for name, t in (("input", input), ("target", target)):
        if not np.all((t._data >= 0) & (t._data <= 1)):
            raise RuntimeError(f"all elements of {name} should be between 0 and 1")
    w = None if weight is None else np.broadcast_to(_const(weight, input.dtype), input.shape)
    return apply(BinaryCrossEntropy, input, target, weight=w, reduction=reduction)


class BinaryCrossEntropyWithLogits(Op):
    """``(1-y) x + lw * softplus(-x)`` with ``lw = 1 + (pos_weight-1) y``: BCE of ``sigmoid(x)``.

    Written without ``log(sigmoid(x))``, so large logits give exact losses instead of ``inf``.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor([-200.0, 0.0], requires_grad=True)
    >>> binary_cross_entropy_with_logits(x, torch.tensor([1.0, 0.0]), reduction="none")
    tensor([200.0000,   0.6931], grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)
    """
    node_name = "BinaryCrossEntropyWithLogitsBackward0"

    @staticmethod
    def forward(x, y, *, weight=None, pos_weight=None, reduction="mean"):
        softplus = np.logaddexp(x.dtype.type(0), -x)  # -log(sigmoid(x)), stably
        lw = 1 if pos_weight is None else 1 + (pos_weight - 1) * y
        losses = (1 - y) * x + lw * softplus
        return _reduce(losses if weight is None else losses * weight, reduction)

    @staticmethod
    def vjp(g, x, y, *, out, weight=None, pos_weight=None, reduction="mean"):
        if weight is not None:
            g = g * weight
        if reduction == "mean":
            g = g / _numel(x)
        if pos_weight is None:
            return g * (_sigmoid(x) - y), -g * x
        lw = 1 + (pos_weight - 1) * y
        log_sigmoid = clamp(x, max=0) - log(1 + exp(-abs(x)))
        return (g * (lw * _sigmoid(x) - pos_weight * y),
                -g * (x + (pos_weight - 1) * log_sigmoid))


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """Binary cross entropy of ``sigmoid(input)``, computed stably from the logits.

    >>> import autodiff_lab as torch
    >>> import autodiff_lab.nn.functional as F
    >>> F.binary_cross_entropy_with_logits(torch.tensor([2.0, -1.0]), torch.tensor([1.0, 0.0]))
    tensor(0.2201)
    """
    reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction)
    if target.size() != input.size():
        raise ValueError(f"Target size ({target.size()}) must be the same as input size "
                         f"({input.size()})")
    if target.dtype is dtypes.bool:
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if not target.dtype.is_floating_point:
        raise RuntimeError(f"result type {_type_name(input)} can't be cast to the desired "
                           f"output type {_type_name(target)}")
    common = dtypes.promote(input.dtype, target.dtype)
    w = None if weight is None else np.broadcast_to(_const(weight, common), input.shape)
    pw = None if pos_weight is None else np.broadcast_to(_const(pos_weight, common),
                                                         input.shape)
    return apply(BinaryCrossEntropyWithLogits, input, target, weight=w, pos_weight=pw,
                 reduction=reduction)


def _check_dropout_p(p):
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero elements with probability ``p`` and scale the others by ``1 / (1 - p)``.

    As PyTorch's CPU kernel does: a noise tensor like ``input`` is filled by
    ``bernoulli_(1 - p)`` (one uniform double per element), divided by ``1 - p`` in
    ``input``'s dtype, and multiplied in, so the masks match PyTorch's for the same seed and
    the node is ``MulBackward0``.

    >>> import autodiff_lab as torch
    >>> _ = torch.manual_seed(0)
    >>> dropout(torch.ones(2, 4, requires_grad=True), p=0.25)
    tensor([[0.0000, 1.3333, 1.3333, 0.0000],
            [1.3333, 0.0000, 1.3333, 1.3333]], grad_fn=<MulBackward0>)
    """
    _check_dropout_p(p)
    if p == 0 or not training or input.numel() == 0:
        return input
    if p == 1:
        zero = Tensor._make(np.zeros((), dtype=input.dtype.np), input.dtype)
        return input.mul_(zero) if inplace else input * zero
    noise = Tensor._make(np.empty(input.shape, dtype=input.dtype.np), input.dtype)
    noise.bernoulli_(1 - p)
    noise._data /= input.dtype.np.type(1 - p)
    return input.mul_(noise) if inplace else input * noise
