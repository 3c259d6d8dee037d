"""Shared test helpers."""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))


def require_torch():
    """The reference PyTorch: skip when missing, unless ADL_REQUIRE_TORCH=1 makes that a failure."""
    if os.environ.get("ADL_REQUIRE_TORCH") == "1":
        import torch  # noqa: F401 - must be importable in CI
        return torch
    return pytest.importorskip("torch")


# The seed lessons under tests/seeds/ are test data run by test_seeds.py, not modules to import.
collect_ignore_glob = ["seeds/*.py"]


def pytorch_text(error):
    """An error's (or warning's) text without the one ``Hint:`` line autodiff_lab may add after
    PyTorch's text (SPEC §7)."""
    head, sep, hint = str(error).rpartition("\nHint: ")
    return head if sep and "\n" not in hint else str(error)


def outcome(prog, lib):
    """What ``prog(lib)`` gives as text: the repr of its result or the error it raised, then the
    warnings it emitted; addresses normalised. Nothing else is: autodiff_lab prints ``torch.``
    where PyTorch does (dtypes, sizes), so the texts must be equal as they are.

    >>> import autodiff_lab
    >>> outcome(lambda torch: torch.ones(2).sum().backward(), autodiff_lab)
    'RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn'
    """
    import re
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            text = repr(prog(lib))
        except Exception as e:  # noqa: BLE001 - the error is the outcome
            text = f"{type(e).__name__}: {pytorch_text(e)}"
    text += "".join(f"\n{w.category.__name__}: {pytorch_text(w.message)}" for w in caught)
    return re.sub(r"0x[0-9a-fA-F]+", "0x...", text)


def numeric_grad(f, x, eps=1e-6):
    """Central differences of the scalar ``f()`` w.r.t. the array ``x`` (perturbed in place)."""
    import numpy as np
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad
