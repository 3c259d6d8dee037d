"""``torch.cuda`` as a CPU build of PyTorch has it: no GPU, so code can test for one.

>>> import autodiff_lab as torch
>>> torch.cuda.is_available(), torch.cuda.device_count()
(False, 0)
"""

__all__ = ["is_available", "device_count", "manual_seed", "manual_seed_all", "seed", "seed_all",
           "is_initialized", "current_device", "get_device_name", "synchronize", "empty_cache"]


def _not_compiled():
    return AssertionError("Torch not compiled with CUDA enabled")


def is_available():
    """False: there is no CUDA device."""
    return False


def device_count():
    """0: there is no CUDA device."""
    return 0


def is_initialized():
    return False


def manual_seed(seed):
    """Does nothing, as in PyTorch without a GPU (``torch.manual_seed`` seeds the CPU)."""


def manual_seed_all(seed):
    """Does nothing, as in PyTorch without a GPU."""


def seed():
    """Does nothing, as in PyTorch without a GPU."""


def seed_all():
    """Does nothing, as in PyTorch without a GPU."""


def empty_cache():
    """Does nothing: there is no CUDA memory to free."""


def current_device():
    raise _not_compiled()


def get_device_name(device=None):
    raise _not_compiled()


def synchronize(device=None):
    raise _not_compiled()
