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
