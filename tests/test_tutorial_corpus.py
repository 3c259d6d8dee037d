"""Public beginner PyTorch lessons run unchanged on autodiff_lab and print what PyTorch prints.

Every script in ``tests/tutorials/`` (see its README: each names the lesson it follows) runs
in a fresh interpreter twice: with the real PyTorch, and through ``autodiff-lab run``, where
``import torch`` is autodiff_lab. The outputs must match: the text exactly (memory addresses
aside) and every number to 1e-6 relative, since NumPy and PyTorch's kernels sum in different
orders. "Relative" is to the line's largest number: a coefficient that training drives to
zero (1e-12 under one engine, 1e-9 under the other) is noise on the scale of its neighbours.
"""

import concurrent.futures
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import require_torch

CORPUS = Path(__file__).resolve().parent / "tutorials"
SCRIPTS = sorted(CORPUS.glob("[0-9][0-9]_*.py"))
NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _run(command, cwd):
    # Hints on, as a student has them: they are notes on the error, so a tutorial that prints
    # an error (print(e)) prints PyTorch's text alone.
    env = dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
               AUTODIFF_LAB_HINTS="1")
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    return done.returncode, done.stdout, done.stderr


def _outputs(script, tmp_path):
    """(returncode, stdout, stderr) under PyTorch and under autodiff_lab, run side by side."""
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        reference = pool.submit(_run, [sys.executable, str(script)], tmp_path)
        ours = pool.submit(_run, [sys.executable, "-m", "autodiff_lab.cli", "run", str(script)],
                           tmp_path)
        return reference.result(), ours.result()


def differences(expected, got, rel=1e-6):
    """Where ``got`` differs from ``expected``: text outside numbers exactly (addresses
    normalised), numbers to ``rel`` of the line's largest number; one message per differing
    line.

    >>> differences("loss 0.5000001 at 0x7f12", "loss 0.5 at 0x55aa")
    []
    >>> differences("y = 1e-12 + 1.5 x", "y = 1e-09 + 1.5 x")
    []
    >>> differences("tensor([1., 2.])", "tensor([1., 3.])")
    ["line 1: expected 'tensor([1., 2.])', got 'tensor([1., 3.])'"]
    """
    want, have = expected.splitlines(), got.splitlines()
    problems = []
    for i in range(max(len(want), len(have))):
        a = want[i] if i < len(want) else "<missing line>"
        b = have[i] if i < len(have) else "<missing line>"
        if not _same_line(a, b, rel):
            problems.append(f"line {i + 1}: expected {a!r}, got {b!r}")
    return problems


def _same_line(a, b, rel):
    a, b = ADDRESS.sub("0x...", a), ADDRESS.sub("0x...", b)
    if NUMBER.sub("#", a) != NUMBER.sub("#", b):
        return False
    want, have = NUMBER.findall(a), NUMBER.findall(b)
    scale = max((abs(float(x)) for x in want + have), default=0.0)
    return all(x == y or abs(float(x) - float(y)) <= rel * scale for x, y in zip(want, have))


def test_the_corpus_is_big_enough_and_names_its_sources():
    assert len(SCRIPTS) >= 25
    for script in SCRIPTS:
        first = script.read_text().splitlines()[0]
        assert first.startswith("# After: "), f"{script.name} does not name the lesson it follows"


@pytest.mark.parametrize("script", SCRIPTS, ids=[s.stem for s in SCRIPTS])
def test_lesson_prints_what_pytorch_prints(script, tmp_path):
    require_torch()
    (ref_rc, ref_out, ref_err), (rc, out, err) = _outputs(script, tmp_path)
    assert ref_rc == 0, f"the lesson fails under PyTorch itself:\n{ref_err[-3000:]}"
    assert rc == 0, f"the lesson fails on autodiff_lab:\n{err[-3000:]}"
    problems = differences(ref_out, out)
    assert not problems, "\n".join(problems[:15])
