"""``torch.accelerator``: the device-neutral way tutorials look for a GPU; there is none here.

>>> import autodiff_lab as torch
>>> device = torch.accelerator.current_accelerator() if torch.accelerator.is_available() else "cpu"
>>> device
'cpu'
"""

from .device import _NO_ACCELERATOR

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index"]


def is_available():
    """False: no accelerator (CUDA, MPS, XPU, ...) is present."""
    return False


def current_accelerator(check_available=False):
    """None: no accelerator is present (PyTorch's answer on a CPU-only machine)."""
    return None


def device_count():
    """0: no accelerator is present."""
    return 0


def current_device_index():
    raise RuntimeError(_NO_ACCELERATOR)
