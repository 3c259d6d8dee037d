"""autodiff_lab: a PyTorch-shaped autodiff engine on NumPy, with a SymPy twin, for teaching.

>>> import autodiff_lab as torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
>>> y
tensor(63., grad_fn=<AddBackward0>)
>>> y.backward()
>>> x.grad
tensor(93.)
"""

from . import allocator  # first: importing it tunes malloc (large buffers reused, see module)
from . import dtypes
from .dtypes import (bool, double, dtype, float, float16, float32, float64, half, int,  # noqa: A004
                     int32, int64, long, uint8)
from .tensor import Size, Tensor
from . import ops
from .ops.elementwise import (abs, add, clamp, cos, div, eq, exp, ge, gt, le, log,  # noqa: A004
                              logical_and, logical_not, logical_or, lt, maximum, minimum, mul, ne,
                              neg, pow, reciprocal, relu, rsub, sigmoid, sign, sin, sqrt, sub, tan,
                              tanh, where)
from .ops.reduce import (allclose, argmax, argmin, equal, log_softmax, max, mean, min,  # noqa: A004
                         norm, prod,
                         softmax, std, sum, var)
from .ops.linalg import addmm, dot, matmul, mm, mv
from .ops.shape import (broadcast_to, cat, clone, expand, flatten, narrow, permute, reshape,
                        squeeze, stack, t, transpose, unsqueeze)
from .ops.index import chunk, select, split
from .creation import (arange, as_tensor, empty, empty_like, eye, from_numpy, full, full_like,
                       linspace, ones, ones_like, tensor, zeros, zeros_like)
from . import random
from .random import (Generator, bernoulli, default_generator, get_rng_state, initial_seed,
                     manual_seed, multinomial, normal, rand, rand_like, randint, randint_like,
                     randn, randn_like, randperm, seed, set_rng_state)
from .autograd.grad_mode import (enable_grad, inference_mode, is_grad_enabled,
                                 is_inference_mode_enabled, no_grad, set_grad_enabled)
from . import autograd
from .printing import get_printoptions, set_printoptions

clip = clamp
concat = concatenate = cat
swapaxes = transpose
multiply = mul
divide = div
subtract = sub
negative = neg
absolute = abs


def is_tensor(obj):
    """Whether ``obj`` is a Tensor."""
    return isinstance(obj, Tensor)


def numel(input):
    return input.numel()


def is_floating_point(input):
    return input.dtype.is_floating_point


def zero_(input):
    return input.zero_()


__version__ = "0.1.0"
from . import forward  # noqa: E402  (forward mode reads the op registry)

from . import nn, optim  # noqa: E402  (last: they build on everything above)
from .nn.modules import typename  # noqa: E402
autograd.forward_ad = forward  # PyTorch's name for it: torch.autograd.forward_ad
__import__("sys").modules[__name__ + ".autograd.forward_ad"] = forward

from . import viz  # noqa: E402  (pictures; matplotlib loads on first use)

# The teaching layer (the SymPy twin, compare, explain, grading) is imported on first use, so
# `import autodiff_lab` costs about what `import numpy` does: name -> (submodule, attribute).
# (compare and explain live in modules named apart from the functions.)
_LAZY = {"symbolic": ("symbolic", None), "expr": ("symbolic", "expr"),
         "from_sympy": ("symbolic", "from_sympy"),
         "Comparison": ("comparison", "Comparison"), "compare": ("comparison", "compare"),
         "Explanation": ("explanation", "Explanation"), "explain": ("explanation", "explain"),
         "MathParseError": ("symbolic.parse", "MathParseError"),
         "parse_math": ("symbolic.parse", "parse_math"), "grading": ("grading", None)}


def __getattr__(name):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = __import__("importlib").import_module(f"{__name__}.{module}")
    value = value if attr is None else getattr(value, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))

# The device surface of a CPU build of PyTorch (no GPU: code that checks for one picks the CPU).
from . import accelerator, backends, cuda  # noqa: E402
from .device import device, get_default_device, set_default_device  # noqa: E402
from .dtypes import get_default_dtype, set_default_dtype  # noqa: E402
from .ops.elementwise import fmod, floor_divide, remainder, true_divide  # noqa: E402
from .ops.reduce import all, any  # noqa: E402, A004
from .ops.elementwise import (acos, asin, atan, atan2, ceil, cosh, exp2, expm1, floor,  # noqa: E402
                              frac, isclose, isfinite, isinf, isnan, log1p, log2, log10, round,
                              rsqrt, sinh, square, trunc)
arcsin, arccos, arctan, arctan2, fix = asin, acos, atan, atan2, trunc
from math import e, inf, nan, pi  # noqa: E402  (PyTorch re-exports them)
from .dtypes import int8, int16, short  # noqa: E402
from .ops.shape import flip, movedim, repeat, tile, tril, triu  # noqa: E402
from .ops.reduce import amax, amin, count_nonzero, cumsum, logsumexp  # noqa: E402
from .ops.index import (argsort, gather, index_select, masked_fill, nonzero, sort,  # noqa: E402
                        topk, unique)
from .ops.linalg import bmm, outer  # noqa: E402
from .ops.elementwise import logical_xor  # noqa: E402
moveaxis = movedim
from .ops.shape import meshgrid  # noqa: E402
from .dtypes import finfo, iinfo  # noqa: E402
from . import version  # noqa: E402  (torch.version.__version__, torch.version.cuda)
# Also on first use: the `import torch` shim, torch.serialization (load, save), torch.utils.data.
_LAZY.update({"install_as_torch": ("torch_shim", "install"),
              "uninstall_as_torch": ("torch_shim", "uninstall"),
              "load_ipython_extension": ("torch_shim", "load_ipython_extension"),
              "unload_ipython_extension": ("torch_shim", "unload_ipython_extension"),
              "serialization": ("serialization", None), "load": ("serialization", "load"),
              "save": ("serialization", "save"), "utils": ("utils", None)})
from . import out_forms as _out_forms  # noqa: E402  (last: wraps the names defined above)
_out_forms.install(globals())
from .hints import hints_enabled, set_hints  # noqa: E402  (errors that teach, SPEC §7)
# On first use too (they need SymPy): every op's backward rule, and the mistake simulator.
_LAZY.update({"rules_table": ("rules", "rules_table"), "mistakes": ("mistakes", None)})
