"""``autodiff-lab demo [NAME]``: every classroom demo runs, prints its key lines and saves
valid figures; the default demo (the README's run command) prints the seed polynomial."""

import io
import os
import re
import subprocess
import sys
import time

import matplotlib.image
import pytest

from autodiff_lab import demos
from autodiff_lab.cli import main

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)
PNG = b"\x89PNG\r\n\x1a\n"

# The default demo, the one the README's run command starts: every line, exactly.
POLYNOMIAL = [
    "y  = 2x^4 + x^3 + 3x^2 + 5x + 1   at x = 2",
    "y  = tensor(63., grad_fn=<AddBackward0>)",
    "y.grad_fn = AddBackward0",
    "dy/dx by autograd:  x.grad = tensor(93.)",
    "dy/dx by hand:      8x^3 + 3x^2 + 6x + 5 = 64 + 12 + 12 + 5 = 93",
    "They agree.",
]
# Lines each demo must print, exactly (plain text: the output is not a terminal).
KEY_LINES = {
    "polynomial": POLYNOMIAL,
    "chain-rule": [
        "forward:  y = 3x + 2;  z = 2y²;  out = mean(z)",
        "result: ∂out/∂x = 2(3x + 2) = [[10, 16, 22], [22, 16, 10]]   ✓ autograd.grad agrees",
        "x.grad = tensor([[10., 16., 22.],",
        "        [22., 16., 10.]])",
    ],
    "three-ways": [
        "symbolic (SymPy)               8*x**3 + 3*x**2 + 6*x + 5     93  exact",
        "autograd (reverse mode)        y.backward(); x.grad          93  exact",
        "dual numbers (forward mode)    f(Dual(2, 1))                 93  exact",
        "central difference, h = 0.1    (f(x+h) - f(x-h)) / 2h     93.17  error 1.7e-01",
        "✓ all four agree: dy/dx = 93 at x = 2",
    ],
    "descent": [
        "   1       +1.6000        -1.8000        -2.2000",
        "lr = 0.1: converges; each step multiplies x by 1 - 2*lr = +0.80",
        "lr = 0.95: oscillates; each step multiplies x by 1 - 2*lr = -0.90",
        "lr = 1.05: diverged; each step multiplies x by 1 - 2*lr = -1.10",
    ],
    "accumulation": [
        "    0  tensor([3., 3., 3., 3.])          tensor([3., 3., 3., 3.])",
        "   10  tensor([33., 33., 33., 33.])      tensor([3., 3., 3., 3.])",
        "   20  tensor([63., 63., 63., 63.])      tensor([3., 3., 3., 3.])",
        "   90  tensor([273., 273., 273., 273.])  tensor([3., 3., 3., 3.])",
        "backward() ADDS into .grad: after n epochs without zeroing, weights.grad = 3n.",
    ],
    "no-grad": [
        "x * 3                                        True           MulBackward0  False",
        "with torch.no_grad(): x * 3                  False          None          True",
        "no_grad(), then enable_grad() inside: x * 3  True           MulBackward0  False",
        "the same through b.data: no error, a.grad = tensor([2.0000, 3.7183, 8.3891])",
        "                            but d/da sum(e^a) = tensor([1.0000, 2.7183, 7.3891])",
    ],
    "dynamic": [
        " 2  PowBackward0                   4     4",
        "-1  AddBackward0 <- MulBackward0   4     -3",
        "4                   3           13.5           13.5",
    ],
    "training": [
        "step  SGD lr=0.1  SGD lr=0.1 momentum=0.9  Adam lr=0.01",
        # PyTorch's own numbers: torch 2.13 prints these very losses for the same loop.
        "   0     0.45986                  0.45986       0.45986",
        "  50     0.16301                  0.13654       0.15556",
        " 199     0.13976                  0.00558       0.02620",
        "lowest loss after 200 steps: SGD lr=0.1 momentum=0.9",
    ],
    "forward-reverse": [
        "x**4                            16.0 + 32.0ε",
        "y = 2x^4 + x^3 + 3x^2 + 5x + 1  63.0 + 93.0ε",
        "forward and reverse mode give the same Jacobian: True",
    ],
    "newton": [
        "0  -1.200000  +1.000000  5.808e+00  1.56e+01",
        "7  +0.998365  +0.996718  2.675e-06  3.00e-03",
    ],
    "swell": [
        ("    1            2            2           6                 5             6"
         "                   5"),
        ("    6           12          126        2174                75          8252"
         "                  45"),
    ],
}
FIGURES = {"chain-rule", "three-ways", "descent", "dynamic", "training", "newton", "swell"}


def _run(name, out_dir):
    buffer = io.StringIO()
    assert demos.run(name, str(out_dir), file=buffer) == 0
    return buffer.getvalue().splitlines()


def test_every_demo_is_tested():
    assert set(KEY_LINES) == set(demos.DEMOS)
    assert demos.DEFAULT == "polynomial"


@pytest.mark.parametrize("name", list(KEY_LINES))
def test_demo_prints_its_key_lines_and_saves_its_figure(name, tmp_path):
    lines = _run(name, tmp_path)
    expected = KEY_LINES[name]
    missing = [line for line in expected if line not in lines]
    assert not missing, "\n".join(["missing lines:", *missing, "--- output ---", *lines])
    figure = tmp_path / f"{name}.png"
    if name in FIGURES:
        assert f"figure saved: {figure}" in lines
        assert figure.read_bytes().startswith(PNG)
        height, width, _ = matplotlib.image.imread(figure).shape
        assert height > 200 and width > 200
    else:
        assert not any(line.startswith("figure saved") for line in lines)
        assert not os.listdir(tmp_path)


@pytest.mark.parametrize("name", ["accumulation", "swell"])
def test_plain_output_is_the_same_on_every_run(name, tmp_path):
    assert _run(name, tmp_path) == _run(name, tmp_path)


def test_default_demo_is_the_polynomial_line_for_line(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for argv in (["demo"], []):
        assert main(argv) == 0
        assert capsys.readouterr().out.splitlines() == POLYNOMIAL
    assert not (tmp_path / demos.OUT_DIR).exists()  # the polynomial draws nothing


def test_figures_go_to_autodiff_lab_demo_or_out(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "descent"]) == 0
    path = os.path.join(demos.OUT_DIR, "descent.png")
    assert f"figure saved: {path}" in capsys.readouterr().out.splitlines()
    assert (tmp_path / path).read_bytes().startswith(PNG)
    assert main(["demo", "descent", "--out", "elsewhere"]) == 0
    assert (tmp_path / "elsewhere" / "descent.png").read_bytes().startswith(PNG)


def test_list_names_every_demo_with_its_lesson(capsys):
    assert main(["demo", "--list"]) == 0
    out = capsys.readouterr().out
    for name, demo in demos.DEMOS.items():
        line = rf"^  {re.escape(name)} .*\[lesson {demo.lesson}\]$"
        assert re.search(line, out, re.MULTILINE), name
    assert "(default)" in out.splitlines()[1]


def test_unknown_demo_names_the_choices(capsys):
    assert main(["demo", "nope"]) == 2
    out = capsys.readouterr().out
    assert "no demo named 'nope'" in out and "polynomial" in out and "swell" in out


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_a_terminal_gets_rich_tables_and_colour(tmp_path):
    terminal = _Terminal()
    assert demos.run("accumulation", str(tmp_path), file=terminal) == 0
    out = terminal.getvalue()
    assert "\x1b[" in out                          # colour
    assert "─" in out                              # a rich table rule
    assert "tensor([273., 273., 273., 273.])" in out
    plain = _Terminal()
    assert demos.run("accumulation", str(tmp_path), file=plain, plain=True) == 0
    assert "\x1b[" not in plain.getvalue()


def test_the_command_runs_the_default_demo_quickly(tmp_path):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        filter(None, [os.path.abspath(ROOT), os.environ.get("PYTHONPATH")])))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "autodiff_lab.cli", "demo"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=120, check=False)
    seconds = time.perf_counter() - start
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == POLYNOMIAL
    assert seconds < 10, f"autodiff-lab demo took {seconds:.1f} s (it should take about 1 s)"
