"""``torch.device`` and the default device: every tensor lives on the CPU, as in a CPU build.

Code written for GPUs runs unchanged: ``device("cuda" if cuda.is_available() else "cpu")`` picks
the CPU, and asking for CUDA anyway fails with the error a CPU build of PyTorch 2.13 raises.
"""

import numbers
import re

__all__ = ["device", "set_default_device", "get_default_device"]

# The device types PyTorch's parser knows, in the order its error message lists them.
_TYPES = ("cpu", "cuda", "ipu", "xpu", "mkldnn", "opengl", "opencl", "ideep", "hip", "ve",
          "fpga", "maia", "xla", "lazy", "vulkan", "mps", "meta", "hpu", "mtia", "privateuseone")

_NO_ACCELERATOR = "Cannot access accelerator device when none is available."
_MISSING = object()
_SYNTAX = re.compile(r"[A-Za-z_]+(:(0|[1-9][0-9]*))?")  # a type, then maybe ":index"


class device:
    """Where a tensor lives: ``device("cpu")``, ``device("cuda", 0)``, ``device(type="cpu")``.

    Any device can be named, as in PyTorch; only the CPU can hold tensors.

    >>> import autodiff_lab as torch
    >>> torch.device("cpu")
    device(type='cpu')
    >>> d = torch.device("cuda:1")
    >>> str(d), d.type, d.index
    ('cuda:1', 'cuda', 1)
    >>> torch.zeros(2).device
    device(type='cpu')
    """

    __slots__ = ("_type", "_index", "_previous")

    def __init__(self, type=_MISSING, index=None):  # noqa: A002 - PyTorch's parameter names
        if isinstance(type, device) and index is None:
            self._type, self._index = type._type, type._index
            return
        if isinstance(type, numbers.Integral) and not isinstance(type, bool) and index is None:
            raise RuntimeError(_NO_ACCELERATOR)  # device(0) means "accelerator 0"
        if not isinstance(type, str):
            unmatched = ""
            if type is not _MISSING:
                unmatched = ("      didn't match because some of the arguments have invalid "
                             f"types: (!{_type_name(type)}!)\n")
            got = "" if type is _MISSING else _type_name(type)
            raise TypeError(
                f"device() received an invalid combination of arguments - got ({got}), but "
                f"expected one of:\n * (torch.device device)\n{unmatched}"
                " * (str type, int index = -1)\n")
        if index is not None and (isinstance(index, bool) or
                                  not isinstance(index, numbers.Integral)):
            raise TypeError(f"device(): argument 'index' (position 2) must be int, not "
                            f"{_type_name(index)}")
        self._type, parsed = _parse(type)
        if parsed is not None and index is not None:
            raise RuntimeError("type (string) must not include an index because index was "
                               f"passed explicitly: {type}")
        if index is not None and index < 0:
            raise RuntimeError("Device index must not be negative")
        self._index = parsed if index is None else int(index)

    @property
    def type(self):  # noqa: A003 - PyTorch's name
        """The device type, e.g. ``"cpu"`` or ``"cuda"``."""
        return self._type

    @property
    def index(self):
        """The device number, or None when the device was named without one."""
        return self._index

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __str__(self):
        return self._type if self._index is None else f"{self._type}:{self._index}"

    def __eq__(self, other):
        # Like PyTorch: a device never equals a string (compare str(d) == "cpu" instead).
        if not isinstance(other, device):
            return NotImplemented
        return (self._type, self._index) == (other._type, other._index)

    def __hash__(self):
        return hash((self._type, self._index))

    def __reduce__(self):
        return device, (str(self),)

    def __enter__(self):
        self._previous = _DEFAULT[0]
        set_default_device(self)
        return self

    def __exit__(self, *exc):
        _DEFAULT[0] = self._previous
        return False



def _type_name(value):
    return "torch.device" if isinstance(value, device) else type(value).__name__


def _parse(text):
    """``"cuda:1"`` → ``("cuda", 1)``, with PyTorch's error texts."""
    if not text:
        raise RuntimeError("Device string must not be empty")
    if not _SYNTAX.fullmatch(text):
        raise RuntimeError(f"Invalid device string: '{text}'")
    name, _, number = text.partition(":")
    if name not in _TYPES:
        raise RuntimeError(f"Expected one of {', '.join(_TYPES)} device type at start of "
                           f"device string: {text}")
    return name, int(number) if number else None


CPU = device("cpu")
_DEFAULT = [CPU]


def _unavailable(d, moving):
    """The error a CPU build of PyTorch raises for a tensor on device ``d``."""
    if d.type == "cuda":
        return AssertionError("Torch not compiled with CUDA enabled")
    if d.type == "xpu":
        return AssertionError("Torch not compiled with XPU enabled")
    if d.type == "mps":
        if moving:
            return RuntimeError("PyTorch is not linked with support for mps devices")
        return NotImplementedError(
            "Could not run 'aten::empty.memory_format' with arguments from the 'MPS' backend. "
            "This could be because the operator doesn't exist for this backend, or was omitted "
            "during the selective/custom build process (if using custom build).")
    return RuntimeError(f"autodiff_lab keeps every tensor on the CPU; it cannot use the "
                        f"'{d.type}' device")


def check(where, moving=False):
    """The CPU device for a ``device=`` argument (None: the default device), or PyTorch's error.

    ``moving`` is True for ``.to(...)``, whose error for ``mps`` differs from the creation
    functions' one.

    >>> check("cpu")
    device(type='cpu')
    >>> check("cuda")
    Traceback (most recent call last):
    AssertionError: Torch not compiled with CUDA enabled
    """
    d = _DEFAULT[0] if where is None else where if isinstance(where, device) else device(where)
    if d.type != "cpu":
        raise _unavailable(d, moving)
    return CPU


def set_default_device(device_):
    """Make ``device_`` the device the creation functions use (None: back to the CPU).

    As in a CPU build of PyTorch, naming CUDA succeeds but creating a tensor then fails.

    >>> import autodiff_lab as torch
    >>> torch.set_default_device("cpu")
    >>> torch.get_default_device()
    device(type='cpu')
    """
    _DEFAULT[0] = CPU if device_ is None else device(device_)


def get_default_device():
    """The device new tensors are created on.

    >>> import autodiff_lab as torch
    >>> torch.get_default_device()
    device(type='cpu')
    """
    d = _DEFAULT[0]
    if d.type != "cpu":
        raise _unavailable(d, False)
    return d
