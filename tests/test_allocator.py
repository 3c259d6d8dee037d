"""The process-wide malloc tuning done at import: on where glibc is, off on request."""

import os
import platform
import subprocess
import sys

import pytest

import autodiff_lab
from autodiff_lab import allocator

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"


def tuned_in_child(**env):
    done = subprocess.run(
        [sys.executable, "-c", "import autodiff_lab; print(autodiff_lab.allocator.tuned)"],
        env=dict(os.environ, PYTHONPATH=ROOT, **env), capture_output=True, text=True,
        check=True)
    return done.stdout.strip()


@pytest.mark.skipif(not GLIBC, reason="the thresholds exist only in glibc's malloc")
def test_import_raises_glibcs_thresholds():
    assert autodiff_lab.allocator.tuned is True
    assert allocator.tune() is True  # idempotent
    assert tuned_in_child() == "True"


def test_the_environment_variable_keeps_the_c_librarys_defaults():
    assert tuned_in_child(AUTODIFF_LAB_MALLOC="system") == "False"
    assert tuned_in_child(AUTODIFF_LAB_MALLOC="SYSTEM") == "False"
