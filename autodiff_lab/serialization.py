"""``torch.save`` / ``torch.load`` in PyTorch's own file format, safe by default.

A file is PyTorch's zip archive: ``data.pkl`` (a protocol-2 pickle whose tensors point at
storages) next to one raw little-endian ``data/<key>`` record per tensor. So files written here
load in real PyTorch, and checkpoints written by PyTorch load here.

``load`` defaults to ``weights_only=True``, as PyTorch does since 2.6: the pickle may only name
an allow-list of globals (tensors, parameters, dtypes, ``OrderedDict``, ``set``, ...), checked
before anything is called, so a file cannot run code. ``weights_only=False`` unpickles
anything (whole models) and is for files you trust.

>>> import io
>>> import autodiff_lab as torch
>>> buffer = io.BytesIO()
>>> torch.save({"w": torch.tensor([1.0, 2.0], requires_grad=True), "step": 3}, buffer)
>>> _ = buffer.seek(0)
>>> torch.load(buffer)
{'w': tensor([1., 2.], requires_grad=True), 'step': 3}
"""

import _codecs
import collections
import contextlib
import io
import os
import pickle
import sys
import zipfile

import numpy as np

from . import dtypes
from .tensor import Size, Tensor

# PyTorch's storage class names, by dtype.
_STORAGES = {"float32": "FloatStorage", "float64": "DoubleStorage", "float16": "HalfStorage",
             "int64": "LongStorage", "int32": "IntStorage", "uint8": "ByteStorage",
             "bool": "BoolStorage"}
_UNSUPPORTED_STORAGES = ("BFloat16Storage", "ComplexFloatStorage", "ComplexDoubleStorage",
                         "ShortStorage", "CharStorage")
_DTYPE_NAMES = ("float32", "float64", "float16", "int64", "int32", "uint8", "bool",
                "float", "double", "half", "long", "int")


class _Global:
    """A ``module.name`` written into the pickle as a GLOBAL, whatever is importable here."""

    _cache = {}

    def __new__(cls, module, name):
        key = (module, name)
        if key not in cls._cache:
            obj = super().__new__(cls)
            obj.module, obj.name = module, name
            cls._cache[key] = obj
        return cls._cache[key]

    def __call__(self, *args):  # the pickler insists on a callable; it is never called
        raise TypeError(f"{self.module}.{self.name} is a name written into a file")


class _StorageRef:
    """The storage of one saved tensor: its bytes go to ``data/<key>``."""

    def __init__(self, array):
        self.array = array


def _strides(shape):
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


class _Pickler(pickle._Pickler):
    """The pure-Python pickler, taught to write tensors the way ``torch.save`` writes them."""

    def __init__(self, file, protocol):
        super().__init__(file, protocol)
        self.storages = {}  # key -> contiguous array
        self._keys = {}     # id(tensor data) -> key, so a tensor saved twice is stored once

    def save(self, obj, save_persistent_id=True):
        if isinstance(obj, dtypes.dtype):
            obj = _Global("torch", obj.name)
        if isinstance(obj, _Global):
            memo = self.memo.get(id(obj))
            if memo is not None:
                self.write(self.get(memo[0]))
                return
            self.write(pickle.GLOBAL + f"{obj.module}\n{obj.name}\n".encode("utf-8"))
            self.memoize(obj)
            return
        super().save(obj, save_persistent_id)

    def reducer_override(self, obj):
        from .nn.parameter import Parameter
        if isinstance(obj, Parameter):
            plain = Tensor._make(obj._data, obj.dtype)
            return (_Global("torch._utils", "_rebuild_parameter"),
                    (plain, obj.requires_grad, collections.OrderedDict()))
        if isinstance(obj, Tensor):
            if obj.dtype.name not in _STORAGES:
                raise RuntimeError(f"cannot save a tensor of dtype {obj.dtype}")
            storage = _StorageRef(np.ascontiguousarray(obj._data))
            return (_Global("torch._utils", "_rebuild_tensor_v2"),
                    (storage, 0, tuple(obj.shape), _strides(obj.shape), obj.requires_grad,
                     collections.OrderedDict()))
        if isinstance(obj, Size):
            return (_Global("torch", "Size"), (tuple(obj),))
        if type(obj).__name__ == "device" and type(obj).__module__.startswith("autodiff_lab"):
            return (_Global("torch", "device"), (str(obj),))
        return NotImplemented

    def persistent_id(self, obj):
        if not isinstance(obj, _StorageRef):
            return None
        key = self._keys.setdefault(id(obj.array), str(len(self._keys)))
        self.storages[key] = obj.array
        dtype = dtypes.from_numpy_dtype(obj.array.dtype)
        return ("storage", _Global("torch", _STORAGES[dtype.name]), key, "cpu", obj.array.size)


def _archive_name(f):
    if isinstance(f, (str, os.PathLike)):
        return os.path.splitext(os.path.basename(os.fspath(f)))[0] or "archive"
    return "archive"


def _write_record(zf, name, data):
    # Records start on 64-byte boundaries, as PyTorch's writer places them (mmap-able).
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    start = zf.fp.tell() + 30 + len(name.encode("utf-8")) + 4
    pad = -start % 64
    info.extra = b"FB" + pad.to_bytes(2, "little") + b"Z" * pad
    zf.writestr(info, data, compress_type=zipfile.ZIP_STORED)


def save(obj, f, pickle_module=None, pickle_protocol=2, _use_new_zipfile_serialization=True,
         _disable_byteorder_record=False):
    """Save ``obj`` (tensors, state dicts, nested dicts/lists of them, or any picklable object)
    to a path or a writable binary file, in PyTorch's zip format.

    >>> import autodiff_lab as torch
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pt")
    >>> torch.save(torch.nn.Linear(2, 1).state_dict(), path)
    >>> list(torch.load(path))
    ['weight', 'bias']
    """
    data = io.BytesIO()
    pickler = _Pickler(data, pickle_protocol)
    pickler.dump(obj)
    prefix = _archive_name(f) + "/"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zf:
        _write_record(zf, prefix + "data.pkl", data.getvalue())
        if not _disable_byteorder_record:
            _write_record(zf, prefix + "byteorder", sys.byteorder)
        for key, array in pickler.storages.items():
            _write_record(zf, f"{prefix}data/{key}", array.astype(array.dtype.newbyteorder("<"),
                                                                   copy=False).tobytes())
        _write_record(zf, prefix + "version", "3\n")
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as out:
            out.write(archive.getvalue())
    else:
        f.write(archive.getvalue())


# ---------------------------------------------------------------------- loading
def _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks,
                       metadata=None):
    """A tensor from its storage, checked to stay inside it (a hostile file cannot make us read
    memory outside the record)."""
    from .creation import from_numpy
    size, stride = tuple(int(s) for s in size), tuple(int(s) for s in stride)
    if len(size) != len(stride) or any(s < 0 for s in size + stride) or storage_offset < 0:
        raise pickle.UnpicklingError(f"invalid tensor layout: size {size}, stride {stride}")
    if all(size):
        last = storage_offset + sum((n - 1) * s for n, s in zip(size, stride))
        if last >= storage.size:
            raise pickle.UnpicklingError(
                f"tensor of size {size} and stride {stride} at offset {storage_offset} reads "
                f"past its storage of {storage.size} elements")
    view = np.lib.stride_tricks.as_strided(storage[storage_offset:] if all(size) else storage,
                                           size, [s * storage.itemsize for s in stride])
    t = from_numpy(np.array(view))
    return t.requires_grad_() if requires_grad else t


def _device(*args):
    """``torch.device(...)`` in a file: our device object where the package has one."""
    import autodiff_lab
    make = getattr(autodiff_lab, "device", None)
    return make(*args) if make is not None else str(args[0])


def _rebuild_parameter(data, requires_grad, backward_hooks):
    from .nn.parameter import Parameter
    return Parameter(data, requires_grad)


def _rebuild_parameter_with_state(data, requires_grad, backward_hooks, state):
    param = _rebuild_parameter(data, requires_grad, backward_hooks)
    param.__dict__.update(state)
    return param


class _StorageType:
    """What ``torch.FloatStorage`` and friends stand for while loading: a NumPy dtype."""

    def __init__(self, name):
        self.name = name
        dtype = next((d for d, s in _STORAGES.items() if s == name), None)
        self.np = None if dtype is None else getattr(dtypes, dtype).np


def _torch_globals():
    """What the names in a torch file mean here (the default weights-only allow-list)."""
    table = {("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor_v2,
             ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
             ("torch._utils", "_rebuild_parameter_with_state"): _rebuild_parameter_with_state,
             ("torch", "Size"): Size, ("torch", "device"): _device,
             ("collections", "OrderedDict"): collections.OrderedDict,
             ("collections", "Counter"): collections.Counter,
             ("builtins", "set"): set, ("__builtin__", "set"): set,
             ("builtins", "complex"): complex, ("__builtin__", "complex"): complex,
             ("builtins", "bytearray"): bytearray, ("__builtin__", "bytearray"): bytearray,
             ("_codecs", "encode"): _codecs.encode}
    for name in _DTYPE_NAMES:
        table[("torch", name)] = getattr(dtypes, name)
    for name in (*_STORAGES.values(), *_UNSUPPORTED_STORAGES):
        table[("torch", name)] = _StorageType(name)
    return table


_SAFE_GLOBALS = []  # added by add_safe_globals


def _qualified(obj):
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', repr(obj))}"


def add_safe_globals(safe_globals):
    """Allow these classes/functions in ``load(weights_only=True)`` files (trust needed).

    >>> import fractions
    >>> add_safe_globals([fractions.Fraction])
    >>> fractions.Fraction in get_safe_globals()
    True
    >>> clear_safe_globals()
    """
    _SAFE_GLOBALS.extend(safe_globals)


def get_safe_globals():
    """The globals added with ``add_safe_globals``."""
    return list(_SAFE_GLOBALS)


def clear_safe_globals():
    """Forget every global added with ``add_safe_globals``."""
    _SAFE_GLOBALS.clear()


@contextlib.contextmanager
def safe_globals(safe_globals):
    """``add_safe_globals`` for the duration of a ``with`` block."""
    before = list(_SAFE_GLOBALS)
    _SAFE_GLOBALS.extend(safe_globals)
    try:
        yield
    finally:
        _SAFE_GLOBALS[:] = before


def _weights_only_error(detail):
    return pickle.UnpicklingError(
        "Weights only load failed. This file can still be loaded, to do so you have two "
        "options, \x1b[1mdo those steps only if you trust the source of the checkpoint\x1b[0m. "
        "\n\t(1) In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
        "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
        "`False` will likely succeed, but it can result in arbitrary code execution. Do it only "
        "if you got the file from a trusted source.\n\t(2) Alternatively, to load with "
        "`weights_only=True` please check the recommended steps in the following error "
        f"message.\n\tWeightsUnpickler error: {detail}\n\nCheck the documentation of torch.load "
        "to learn more about types accepted by default with weights_only "
        "https://pytorch.org/docs/stable/generated/torch.load.html.")


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, records, weights_only, map_location):
        super().__init__(file, encoding="utf-8")
        self.records, self.weights_only, self.map_location = records, weights_only, map_location
        self.table = _torch_globals()
        self.loaded = {}

    def find_class(self, module, name):
        if (module, name) in self.table:
            return self.table[(module, name)]
        if self.weights_only:
            for obj in _SAFE_GLOBALS:
                if (getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)) == (
                        module, name):
                    return obj
            full = f"{module}.{name}"
            raise _weights_only_error(
                f"Unsupported global: GLOBAL {full} was not an allowed global by default. "
                f"Please use `torch.serialization.add_safe_globals([{full}])` or the "
                f"`torch.serialization.safe_globals([{full}])` context manager to allowlist this "
                "global if you trust this class/function.")
        return super().find_class(module, name)

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) == 5 and pid[0] == "storage"):
            raise pickle.UnpicklingError(f"unknown persistent id {pid!r} in a torch file")
        _, kind, key, location, numel = pid
        if not isinstance(kind, _StorageType):
            raise pickle.UnpicklingError(f"unknown storage type {kind!r}")
        if kind.np is None:
            raise RuntimeError(f"autodiff_lab cannot load a tensor stored as {kind.name}: it "
                               "has no such dtype (NumPy has no bfloat16; use float32).")
        if str(location).startswith("cuda") and self.map_location is None:
            raise RuntimeError(
                "Attempting to deserialize object on a CUDA device but torch.cuda.is_available() "
                "is False. If you are running on a CPU-only machine, please use torch.load with "
                "map_location=torch.device('cpu') to map your storages to the CPU.")
        if key not in self.loaded:
            name = f"data/{key}"
            if name not in self.records:
                raise pickle.UnpicklingError(f"the file has no record {name!r}")
            array = np.frombuffer(self.records[name], dtype=np.dtype(kind.np).newbyteorder("<"))
            if array.size != numel:
                raise pickle.UnpicklingError(f"record {name!r} holds {array.size} elements, "
                                             f"the file says {numel}")
            self.loaded[key] = array.astype(kind.np)
        return self.loaded[key]


def _read_archive(f):
    if isinstance(f, (str, os.PathLike)):
        with open(f, "rb") as fh:
            raw = fh.read()
    else:
        raw = f.read()
    if not zipfile.is_zipfile(io.BytesIO(raw)):
        raise RuntimeError(
            "autodiff_lab.load reads the zip format that torch.save writes (PyTorch 1.6 and "
            "later, and autodiff_lab.save); this file is not one. Re-save it with a recent "
            "PyTorch, or load it there.")
    with zipfile.ZipFile(io.BytesIO(raw)) as zf:
        names = zf.namelist()
        pkl = next((n for n in names if n == "data.pkl" or n.endswith("/data.pkl")), None)
        if pkl is None:
            raise RuntimeError("this zip file has no data.pkl: it was not written by torch.save")
        prefix = pkl[:-len("data.pkl")]
        records = {n[len(prefix):]: zf.read(n) for n in names if n.startswith(prefix)}
    order = records.get("byteorder", b"little").decode()
    if order != "little":
        raise RuntimeError(f"this file was written on a {order}-endian machine; "
                           "autodiff_lab reads little-endian files only")
    return records


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load what ``save`` (ours or PyTorch's) wrote, from a path or a readable binary file.

    ``weights_only`` (default True) refuses any global outside the allow-list with PyTorch's
    error text, before calling anything; pass ``weights_only=False`` only for trusted files.
    Every tensor lands on the CPU (``map_location`` is accepted for compatibility).

    >>> import io
    >>> import autodiff_lab as torch
    >>> buffer = io.BytesIO()
    >>> torch.save(torch.nn.Linear(1, 1), buffer)
    >>> _ = buffer.seek(0)
    >>> torch.load(buffer)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
      ...
    _pickle.UnpicklingError: Weights only load failed. ...
    >>> _ = buffer.seek(0)
    >>> torch.load(buffer, weights_only=False)
    Linear(in_features=1, out_features=1, bias=True)
    """
    if weights_only is None:
        weights_only = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0") in ("0", "")
    records = _read_archive(f)
    unpickler = _Unpickler(io.BytesIO(records["data.pkl"]), records, weights_only,
                           map_location)
    return unpickler.load()
