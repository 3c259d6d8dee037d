"""Tensor ``repr`` that reproduces PyTorch's ``torch/_tensor_str.py`` output exactly."""

import dataclasses
import math
from typing import Any, Optional

import numpy as np

__all__ = ["tensor_repr", "set_printoptions", "get_printoptions", "PRINT_OPTS"]

# The module name printed before dtypes and sizes: "torch" (PyTorch's exact text, so a notebook's
# output diffs equal to PyTorch's) or "autodiff_lab" (set_printoptions(namespace=...)).
NAMESPACE = ["torch"]


def public_module(module):
    """A module path as the reader sees it, in the printing namespace: by default
    ``autodiff_lab.nn.parameter`` reads ``torch.nn.parameter``, as PyTorch prints it.

    >>> public_module("autodiff_lab.autograd.function"), public_module("__main__")
    ('torch.autograd.function', '__main__')
    """
    if module == "autodiff_lab" or module.startswith("autodiff_lab."):
        return NAMESPACE[0] + module[len("autodiff_lab"):]
    return module


@dataclasses.dataclass
class _PrintOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: Optional[bool] = None


PRINT_OPTS = _PrintOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}

# Dtypes PyTorch leaves out of the repr: the default float dtype (first), int64 and bool.
_IMPLICIT_DTYPES = [np.dtype(np.float32), np.dtype(np.int64), np.dtype(np.bool_)]


def set_default_float(np_dtype):
    """Called by ``set_default_dtype``: tensors of the new default print without ``dtype=``."""
    _IMPLICIT_DTYPES[0] = np.dtype(np_dtype)


def set_printoptions(
    precision=None,
    threshold=None,
    edgeitems=None,
    linewidth=None,
    profile=None,
    sci_mode=None,
    namespace=None,
):
    """Set printing options, with the semantics of ``torch.set_printoptions``.

    ``profile`` ("default", "short" or "full") is applied first and explicit
    arguments override it. As in PyTorch, ``sci_mode`` is always assigned, so
    any call without ``sci_mode`` resets it to automatic (None), and an unknown
    profile name is silently ignored.

    ``namespace`` (our extension) is the module name printed in ``dtype=torch.float64``,
    ``torch.Size([2])`` and ``torch.float64``: "torch" (the default, PyTorch's text) or
    "autodiff_lab". It stays until set again.

    >>> import autodiff_lab as torch
    >>> torch.set_printoptions(namespace="autodiff_lab")
    >>> torch.tensor([1.5], dtype=torch.float64)
    tensor([1.5000], dtype=autodiff_lab.float64)
    >>> torch.set_printoptions(namespace="torch")
    >>> torch.zeros(2, 3).shape
    torch.Size([2, 3])
    """
    if namespace is not None:
        if namespace not in ("torch", "autodiff_lab"):
            raise ValueError(
                f"namespace must be 'torch' or 'autodiff_lab', not {namespace!r}")
        NAMESPACE[0] = namespace
    if profile in _PROFILES:
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    if precision is not None:
        PRINT_OPTS.precision = precision
    if threshold is not None:
        PRINT_OPTS.threshold = threshold
    if edgeitems is not None:
        PRINT_OPTS.edgeitems = edgeitems
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict[str, Any]:
    """Return the current options as a dict usable as ``set_printoptions(**opts)``.

    The keys are PyTorch's; the namespace is left out so the dict equals PyTorch's.
    """
    return dataclasses.asdict(PRINT_OPTS)


class _Formatter:
    """Pick one width and notation for every element that will be printed."""

    def __init__(self, data):
        self.floating = data.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = data.reshape(-1)
        if not self.floating:
            self.max_width = max([1] + [len(str(v)) for v in flat.tolist()])
            return
        # Zeros and non-finite values never influence notation or width, so
        # e.g. "nan" may end up wider than the column (PyTorch does the same).
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return
        self.int_mode = bool(np.all(values == np.ceil(values)))
        # PyTorch compares in float64: float32(1e-4) < 1e-4 selects sci mode.
        magnitudes = np.abs(values).astype(np.float64)
        lo, hi = float(magnitudes.min()), float(magnitudes.max())
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        precision = PRINT_OPTS.precision
        if self.sci_mode:
            spec, extra = f".{precision}e", 0
        elif self.int_mode:
            spec, extra = ".0f", 1  # room for the trailing "." of "3."
        else:
            spec, extra = f".{precision}f", 0
        widest = max(len(format(v, spec)) for v in values.tolist())
        self.max_width = max(self.max_width, widest + extra)

    def format(self, value):
        """Format one Python scalar, right-aligned to the common width."""
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if not (math.isinf(value) or math.isnan(value)):
                text += "."
        else:
            text = f"{value:.{PRINT_OPTS.precision}f}"
        return text.rjust(self.max_width)


def _summarized_data(data):
    """Keep only the edge items along every axis: all the formatter needs to see."""
    edge = PRINT_OPTS.edgeitems
    if data.ndim >= 2 and not edge:
        return data[(slice(0, 0),) * data.ndim]
    for axis, size in enumerate(data.shape):
        if size > 2 * edge:
            keep = np.r_[0:edge, size - edge : size]
            data = np.take(data, keep, axis=axis)
    return data


def _vector_str(data, indent, summarize, formatter):
    # Each element also takes ", " of the row.
    element_length = formatter.max_width + 2
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / element_length))
    edge = PRINT_OPTS.edgeitems
    if summarize and not edge:
        items = ["..."]
    elif summarize and data.shape[0] > 2 * edge:
        # " ..." joined with ", " gives PyTorch's double space before "...".
        items = (
            [formatter.format(v) for v in data[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in data[-edge:].tolist()]
        )
    else:
        items = [formatter.format(v) for v in data.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(data, indent, summarize, formatter):
    if data.ndim == 0:
        return formatter.format(data.item())
    if data.ndim == 1:
        return _vector_str(data, indent, summarize, formatter)
    size, edge = data.shape[0], PRINT_OPTS.edgeitems
    if summarize and size > 2 * edge:
        rows = (
            [_nested_str(data[i], indent + 1, summarize, formatter) for i in range(edge)]
            + ["..."]
            + [
                _nested_str(data[i], indent + 1, summarize, formatter)
                for i in range(size - edge, size)
            ]
        )
    else:
        rows = [_nested_str(row, indent + 1, summarize, formatter) for row in data]
    # Blocks of a k-d tensor are separated by k - 1 newlines (blank lines for 3-d+).
    separator = "," + "\n" * (data.ndim - 1) + " " * (indent + 1)
    return "[" + separator.join(rows) + "]"


def _tensor_str(data, indent):
    if data.size == 0:
        return "[]"
    summarize = data.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized_data(data) if summarize else data)
    return _nested_str(data, indent, summarize, formatter)


def _measured_len(suffix):
    # With namespace="autodiff_lab" the text is PyTorch's with torch. -> autodiff_lab., so line
    # breaks are decided on the length PyTorch's own "dtype=torch.x" has.
    if suffix.startswith("dtype="):
        return len("dtype=torch.") + len(suffix.rsplit(".", 1)[-1])
    return len(suffix)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    # PyTorch's measure is 2 more than the real length of the last line; kept
    # verbatim since it decides where suffixes wrap.
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        suffix_len = _measured_len(suffix)
        if last_line_len + suffix_len + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + suffix_len
        else:
            parts.append(", " + suffix)
            last_line_len += suffix_len + 2
    parts.append(")")
    return "".join(parts)


def _grad_fn_name(grad_fn):
    name = getattr(grad_fn, "name", None)
    # The last part of a C++ name, as PyTorch prints "torch::autograd::NotImplemented".
    return (name() if callable(name) else type(grad_fn).__name__).rsplit("::", 1)[-1]


def tensor_repr(t) -> str:
    """Return ``repr`` of a tensor-like ``t`` exactly as PyTorch would print it.

    ``t`` needs ``_data`` (ndarray), ``dtype``, ``requires_grad`` and
    ``grad_fn``; as in PyTorch, a ``grad_fn`` wins over ``requires_grad=True``.

    >>> from types import SimpleNamespace
    >>> t = SimpleNamespace(_data=np.array([[1.0, 2.0], [3.0, 4.5]]),
    ...                     dtype="torch.float64", requires_grad=True,
    ...                     is_leaf=True, grad_fn=None)
    >>> print(tensor_repr(t))
    tensor([[1.0000, 2.0000],
            [3.0000, 4.5000]], dtype=torch.float64, requires_grad=True)
    """
    data = np.asarray(t._data)
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    dtype_suffix = f"dtype={t.dtype}"
    if data.size == 0:
        # Shape (0,) is implied by "[]"; any other empty shape is spelled out.
        if data.ndim != 1:
            suffixes.append(f"size={tuple(data.shape)}")
        # With no elements to show, only the default float dtype goes unstated.
        if data.dtype != _IMPLICIT_DTYPES[0]:
            suffixes.append(dtype_suffix)
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(data.shape)}")
        if data.dtype not in _IMPLICIT_DTYPES:
            suffixes.append(dtype_suffix)
        body = _tensor_str(data, indent)
    grad_fn = getattr(t, "grad_fn", None)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{_grad_fn_name(grad_fn)}>")
    elif getattr(t, "requires_grad", False):
        suffixes.append("requires_grad=True")
    tangent = getattr(t, "_fw_tangent", None)  # a dual tensor's tangent (autodiff_lab.forward)
    if tangent is not None:
        suffixes.append(f"tangent={tangent}")
    return _add_suffixes(prefix + body, suffixes, indent)
