"""The op registry: every differentiable operation, one class each, grouped by kind."""

from . import base
from ..autograd import engine
from ..tensor import Tensor

base.Tensor = Tensor
engine._sum_to = base.sum_to
engine._array_args = base._array_args

from . import elementwise, shape, reduce, linalg, index  # noqa: E402  (order: base first)
from .base import REGISTRY, Op, apply  # noqa: E402

__all__ = ["REGISTRY", "Op", "apply", "elementwise", "shape", "reduce", "linalg", "index"]
