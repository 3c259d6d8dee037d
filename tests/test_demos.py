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
    "y  = 2x⁴ + x³ + 3x² + 5x + 1   at x = 2",
    "y  = tensor(63., grad_fn=<AddBackward0>)",
    "y.grad_fn = AddBackward0",
    "dy/dx by autograd:  x.grad = tensor(93.)",
    "dy/dx by hand:      8x³ + 3x² + 6x + 5 = 64 + 12 + 12 + 5 = 93",
    "They agree.",
]
# Lines each demo must print, exactly (plain text: the output is not a terminal).
KEY_LINES = {
    "polynomial": POLYNOMIAL,
    "chain-rule": [
        "forward:  y = 3x + 2;  z = 2y²;  out = mean(z)",
        "out = tensor(140., grad_fn=<MeanBackward0>)",
        "Backward step 1 of 6: MeanBackward0 sends the gradient to its input",
        " 3. PowBackward0    b = y²",
        "Backward step 6 of 6: the leaf collects its gradient",
        "The chain rule: the product of the local partials along the path",
        "result: ∂out/∂x = 2(3x + 2) = [[10, 16, 22], [22, 16, 10]]   ✓ autograd.grad agrees",
        "x.grad = tensor([[10., 16., 22.],",
        "        [22., 16., 10.]])",
    ],
    "three-ways": [
        # Each number shows every digit up to its error (the h = 1e-3 row once read "93").
        "symbolic (SymPy)               8x³ + 3x² + 6x + 5                 93  exact",
        "autograd (reverse mode)        y.backward(); x.grad               93  exact",
        "dual numbers (forward mode)    f(2 + ε), ε² = 0                   93  exact",
        "central difference, h = 0.1    (f(x+h) − f(x−h)) / 2h          93.17  error 1.7e-01",
        "central difference, h = 0.001  (f(x+h) − f(x−h)) / 2h      93.000017  error 1.7e-05",
        "central difference, h = 1e-05  (f(x+h) − f(x−h)) / 2h  93.0000000025  error 2.5e-09",
        "Three methods give 93 exactly; the finite difference approximates it, and pays twice:",
        "truncation ≈ h²·f‴(x)/6 = 17h² for large h, rounding ≈ ε_mach·|f(x)|/h for small h.",
        "the finite difference only within its error, so compare checks it 10× more loosely:",
        "✓ all four agree: dy/dx = 93 at x = 2",
    ],
    "descent": [
        "   1       +1.6000        -1.8000        -2.2000",
        "lr = 0.1: converges; each step multiplies x by 1 − 2·lr = +0.80",
        "lr = 0.95: oscillates; each step multiplies x by 1 − 2·lr = -0.90",
        "lr = 1.05: diverged; each step multiplies x by 1 − 2·lr = -1.10",
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
        "                            but d/da Σ eᵃ = tensor([1.0000, 2.7183, 7.3891])",
    ],
    "dynamic": [
        " 2  PowBackward0                   4     4",
        "-1  AddBackward0 <- MulBackward0   4     -3",
        "4                   3           13.5      13.5",
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
        "x⁴                           16.0 + 32.0ε",
        "y = 2x⁴ + x³ + 3x² + 5x + 1  63.0 + 93.0ε",
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


# --------------------------------------------------------------------- a teacher's pace
class _Keyboard(io.StringIO):
    """A terminal's input: each line is one press of Enter."""

    def isatty(self):
        return True


CHAIN_RULE_STEPS = [f"Backward step {k} of 6: MulBackward0 sends the gradient to its input"
                    for k in range(1, 7)]
CHAIN_RULE_STEPS[0] = CHAIN_RULE_STEPS[0].replace("MulBackward0", "MeanBackward0")
CHAIN_RULE_STEPS[2] = CHAIN_RULE_STEPS[2].replace("MulBackward0", "PowBackward0")
CHAIN_RULE_STEPS[3] = CHAIN_RULE_STEPS[3].replace("MulBackward0", "AddBackward0")
CHAIN_RULE_STEPS[5] = "Backward step 6 of 6: the leaf collects its gradient"


def test_chain_rule_is_a_section_per_backward_step_not_a_wall(tmp_path):
    lines = _run("chain-rule", tmp_path)
    headings = [i for i, line in enumerate(lines) if set(lines[i + 1:i + 2]) and
                lines[i + 1] and set(lines[i + 1]) == {"="}]
    titles = [lines[i] for i in headings]
    assert titles[1:8] == CHAIN_RULE_STEPS + [
        "The chain rule: the product of the local partials along the path"]
    sections = [b - a for a, b in zip(headings, headings[1:] + [len(lines)])]
    assert max(sections) <= 16, sections     # a screenful each


def test_step_waits_for_enter_before_each_step(tmp_path):
    keys, out = _Keyboard("\n" * 20), io.StringIO()
    assert demos.run("chain-rule", str(tmp_path), file=out, step=True, stdin=keys) == 0
    text = out.getvalue()
    parts = text.split(demos.PROMPT)
    # Enter before each backward step and before the chain rule: 7 waits, 7 lines read
    assert len(parts) == 8 and keys.getvalue()[:keys.tell()] == "\n" * 7
    assert [p.splitlines()[1] for p in parts[1:]] == CHAIN_RULE_STEPS + [
        "The chain rule: the product of the local partials along the path"]
    # what is printed is the same, only paced
    assert text.replace(demos.PROMPT, "").splitlines() == _run("chain-rule", tmp_path)


def test_step_never_waits_for_input_that_is_not_a_terminal(tmp_path):
    piped, out = io.StringIO("\n" * 20), io.StringIO()
    assert demos.run("three-ways", str(tmp_path), file=out, step=True, stdin=piped) == 0
    assert demos.PROMPT not in out.getvalue() and piped.tell() == 0
    assert out.getvalue().splitlines() == _run("three-ways", tmp_path)


def test_step_stops_waiting_at_the_end_of_input(tmp_path):
    keys, out = _Keyboard("\n"), io.StringIO()
    assert demos.run("chain-rule", str(tmp_path), file=out, step=True, stdin=keys) == 0
    assert out.getvalue().count(demos.PROMPT) == 2   # the second read finds no one there
    assert "x.grad = tensor([[10., 16., 22.]," in out.getvalue()


@pytest.mark.parametrize("name", sorted(set(demos.DEMOS) - {"polynomial"}))
def test_every_demo_but_the_one_liner_has_steps(name, tmp_path):
    out = io.StringIO()
    assert demos.run(name, str(tmp_path), file=out, step=True, stdin=_Keyboard("\n" * 20)) == 0
    assert out.getvalue().count(demos.PROMPT) >= 1


def test_step_on_the_command_line_with_piped_input_runs_through(capsys, tmp_path,
                                                                monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["demo", "accumulation", "--step"]) == 0
    out = capsys.readouterr().out
    assert demos.PROMPT not in out and "tensor([273., 273., 273., 273.])" in out


def test_show_without_a_display_says_so_and_saves(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(sys, "platform", "linux")
    import matplotlib
    matplotlib.use("Agg")
    assert main(["demo", "descent", "--show"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-2:] == [f"figure saved: {os.path.join(demos.OUT_DIR, 'descent.png')}",
                          "--show: no window can open here: there is no display (DISPLAY is "
                          "not set); the figure is only saved"]
    assert (tmp_path / demos.OUT_DIR / "descent.png").read_bytes().startswith(PNG)


FAKE_WINDOWS = '''
"""A matplotlib backend whose windows are lines in a log: what the screen would show."""
import os

from matplotlib.backend_bases import FigureManagerBase, _Backend
from matplotlib.backends.backend_agg import FigureCanvasAgg


def _log(text):
    with open(os.environ["FAKE_WINDOW_LOG"], "a", encoding="utf-8") as log:
        log.write(text + "\\n")


class FigureManager(FigureManagerBase):
    def show(self):
        w, h = self.canvas.figure.get_size_inches()
        _log(f"window {self.num}: {w:.1f} x {h:.1f} in, {len(self.canvas.figure.axes)} axes")


class FigureCanvas(FigureCanvasAgg):
    manager_class = FigureManager


@_Backend.export
class _BackendFakeWindows(_Backend):
    FigureCanvas = FigureCanvas
    FigureManager = FigureManager

    @staticmethod
    def mainloop():
        _log("mainloop: until the window is closed")
'''


def test_show_opens_each_figure_in_a_window_and_saves_it(tmp_path):
    (tmp_path / "fake_windows.py").write_text(FAKE_WINDOWS, encoding="utf-8")
    log = tmp_path / "windows.log"
    env = dict(os.environ, MPLBACKEND="module://fake_windows", FAKE_WINDOW_LOG=str(log),
               PYTHONPATH=os.pathsep.join(filter(None, [
                   os.path.abspath(ROOT), str(tmp_path), os.environ.get("PYTHONPATH")])))
    done = subprocess.run([sys.executable, "-m", "autodiff_lab.cli", "demo", "descent",
                           "--show", "--out", "figs"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    path = os.path.join("figs", "descent.png")
    assert done.stdout.splitlines()[-2:] == [f"figure saved: {path}",
                                             "figure shown in a window: close it to go on"]
    assert (tmp_path / path).read_bytes().startswith(PNG)
    assert log.read_text(encoding="utf-8").splitlines() == [
        "window 1: 13.0 x 5.5 in, 2 axes", "mainloop: until the window is closed"]


def test_show_goes_on_when_the_window_fails(tmp_path, monkeypatch):
    def broken(figure):
        raise RuntimeError("no Tk")
    monkeypatch.setattr(demos, "window_unavailable", lambda: None)
    monkeypatch.setattr(demos, "open_window", broken)
    out = io.StringIO()
    assert demos.run("descent", str(tmp_path), file=out, show=True) == 0
    assert out.getvalue().splitlines()[-2:] == [
        "figure shown in a window: close it to go on",
        "--show: the window failed (RuntimeError: no Tk); the figure is only saved"]
    assert (tmp_path / "descent.png").read_bytes().startswith(PNG)
