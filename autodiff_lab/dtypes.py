"""Tensor dtypes and PyTorch's type-promotion rules on top of NumPy dtypes."""

import numpy as np

from . import printing
from .printing import NAMESPACE

# Captured before this module rebinds float, int and bool to dtypes, as PyTorch's namespace does.
_py_float, _py_int, _py_bool = float, int, bool


class dtype:
    """A tensor element type, printed as PyTorch prints it (see ``set_printoptions(namespace=)``).

    >>> import autodiff_lab as torch
    >>> torch.float64
    torch.float64
    >>> torch.float32.is_floating_point
    True
    """

    __slots__ = ("name", "np", "is_floating_point", "category", "legacy_name")

    def __init__(self, name, np_dtype, category, legacy_name):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = category == 2
        # bool < integer < floating, the order PyTorch promotes across.
        self.category = category
        self.legacy_name = legacy_name  # e.g. "FloatTensor", used in error texts

    @property
    def itemsize(self):
        return self.np.itemsize

    def __repr__(self):
        return f"{NAMESPACE[0]}.{self.name}"

    def __reduce__(self):
        return self.name


float32 = dtype("float32", np.float32, 2, "FloatTensor")
float64 = dtype("float64", np.float64, 2, "DoubleTensor")
float16 = dtype("float16", np.float16, 2, "HalfTensor")
int64 = dtype("int64", np.int64, 1, "LongTensor")
int32 = dtype("int32", np.int32, 1, "IntTensor")
int16 = dtype("int16", np.int16, 1, "ShortTensor")
int8 = dtype("int8", np.int8, 1, "CharTensor")
uint8 = dtype("uint8", np.uint8, 1, "ByteTensor")
bool = dtype("bool", np.bool_, 0, "BoolTensor")  # noqa: A001 - PyTorch's name
float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

ALL = (float32, float64, float16, int64, int32, int16, int8, uint8, bool)
_FROM_NP = {d.np: d for d in ALL}
DEFAULT_FLOAT = float32  # what Python floats become; set_default_dtype changes it
DEFAULT_INT = int64


def get_default_dtype():
    """The dtype Python floats become (float32 unless ``set_default_dtype`` changed it).

    >>> import autodiff_lab as torch
    >>> torch.get_default_dtype()
    torch.float32
    """
    return DEFAULT_FLOAT


def set_default_dtype(d):
    """Make ``d`` (a floating dtype) what ``tensor(1.)``, ``zeros``, ``rand``... create.

    Tensors of the default dtype print without a ``dtype=`` suffix, as in PyTorch.

    >>> import autodiff_lab as torch
    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.5]), torch.tensor([1.5], dtype=torch.float32)
    (tensor([1.5000]), tensor([1.5000], dtype=torch.float32))
    >>> torch.set_default_dtype(torch.float32)
    """
    global DEFAULT_FLOAT
    if not isinstance(d, dtype):
        raise TypeError("invalid dtype object: only floating-point types are supported as the "
                        "default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    DEFAULT_FLOAT = d
    printing.set_default_float(d.np)


def from_numpy_dtype(np_dtype):
    """The autodiff_lab dtype for a NumPy dtype, or a TypeError naming the supported ones."""
    try:
        return _FROM_NP[np.dtype(np_dtype)]
    except (KeyError, TypeError):
        names = ", ".join(d.name for d in ALL)
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{np.dtype(np_dtype).name}. "
            f"The only supported types are: {names}."
        ) from None


def to_dtype(obj):
    """Accept an autodiff_lab dtype, a NumPy dtype or a Python type (float, int, bool).

    As in PyTorch, ``float`` means float64 whatever the default dtype is.
    """
    if isinstance(obj, dtype):
        return obj
    if obj is _py_float:
        return float64
    if obj is _py_int:
        return DEFAULT_INT
    if obj is _py_bool:
        return bool
    return from_numpy_dtype(obj)


def scalar_dtype(value):
    """The dtype PyTorch gives a Python scalar (float → float32, int → int64)."""
    if isinstance(value, _py_bool):
        return bool
    if isinstance(value, _py_int):
        return DEFAULT_INT
    return DEFAULT_FLOAT


def promote(a, b):
    """The common dtype of two dtypes (PyTorch's promote_types)."""
    if a is b:
        return a
    if a.category != b.category:
        # A float beats any integer whatever their widths (float32 + int64 -> float32), unlike
        # NumPy's promote_types, which would widen to float64.
        return a if a.category > b.category else b
    return from_numpy_dtype(np.promote_types(a.np, b.np))


def result_type(*operands):
    """PyTorch's result type: dimensioned tensors outrank 0-d tensors, which outrank scalars.

    A lower-priority operand changes the result only when its category (bool < int < float)
    is higher, e.g. ``int64 tensor * 2.5`` is float32 but ``float32 tensor * float64 0-d`` stays
    float32.
    """
    dim_t = zero_t = scalar_t = None
    for x in operands:
        d = getattr(x, "dtype", None)
        if isinstance(d, dtype):
            if x._data.ndim:
                dim_t = d if dim_t is None else promote(dim_t, d)
            else:
                zero_t = d if zero_t is None else promote(zero_t, d)
        else:
            s = scalar_dtype(x)
            if scalar_t is None or s.category > scalar_t.category:
                scalar_t = s
    result = dim_t
    if zero_t is not None:
        if result is None:
            result = zero_t
        elif zero_t.category > result.category:
            result = zero_t
    if scalar_t is not None:
        if result is None:
            result = scalar_t
        elif scalar_t.category > result.category:
            result = DEFAULT_FLOAT if scalar_t.category == 2 else DEFAULT_INT
    return result


class finfo:
    """The limits of a floating dtype, as ``torch.finfo`` gives them.

    >>> import autodiff_lab as torch
    >>> torch.finfo(torch.float32).eps
    1.1920928955078125e-07
    >>> torch.finfo(torch.float16).max, torch.finfo(torch.float16).resolution
    (65504.0, 0.001)
    """

    def __init__(self, type=None):  # noqa: A002 - PyTorch's parameter name
        type = DEFAULT_FLOAT if type is None else type
        if not isinstance(type, dtype) or not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo "
                            "to handle 'torch.finfo'")
        info = np.finfo(type.np)
        self.bits, self.dtype = info.bits, type.name
        self.eps, self.max, self.min = _py_float(info.eps), _py_float(info.max), _py_float(info.min)
        self.tiny = self.smallest_normal = _py_float(info.tiny)
        self.resolution = 10.0 ** -info.precision  # PyTorch rounds it, NumPy keeps float16 noise

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """The limits of an integer dtype, as ``torch.iinfo`` gives them.

    >>> import autodiff_lab as torch
    >>> torch.iinfo(torch.uint8).max
    255
    """

    def __init__(self, type):  # noqa: A002 - PyTorch's parameter name
        if not isinstance(type, dtype) or type.category != 1:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        info = np.iinfo(type.np)
        self.bits, self.min, self.max, self.dtype = info.bits, _py_int(info.min), \
            _py_int(info.max), type.name

    def __repr__(self):
        return f"iinfo(min={self.min:g}, max={self.max:g}, dtype={self.dtype})"
