"""The README's tour runs as printed, and its commands are the ones CI runs."""

import contextlib
import io
import os
import re

ROOT = os.path.join(os.path.dirname(__file__), os.pardir)


def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        return f.read()


def test_tour_runs_and_prints_what_its_comments_say(tmp_path, monkeypatch):
    import matplotlib
    matplotlib.use("Agg")
    block = re.search(r"## A five-minute tour\n\n```python\n(.*?)```", _readme(), re.S).group(1)
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[:4] == ["tensor(63., grad_fn=<AddBackward0>)", "tensor(93.)",
                         "2*x**4 + x**3 + 3*x**2 + 5*x + 1", "8*x**3 + 3*x**2 + 6*x + 5"]
    assert "✓ all four agree: dy/dx = 93 at x = 2" in lines
    assert ("result: ∂out/∂x = 2(3x + 2) = [[10, 16, 22], [22, 16, 10]]   "
            "✓ autograd.grad agrees") in lines
    assert lines[-2].startswith("Not quite. It looks like you forgot the chain rule")
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")


def test_the_two_commands_are_marked_for_ci():
    text = _readme()
    run = re.search(r"<!-- run-command -->\n```\n(.*)\n```\n<!-- /run-command -->", text).group(1)
    test = re.search(r"<!-- test-command -->\n```\n(.*)\n```\n<!-- /test-command -->",
                     text).group(1)
    assert run == "pip install -e . && autodiff-lab demo"
    assert test == 'pip install -e ".[test]" && python -m pytest'
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as f:
        assert "<!-- test-command -->" in f.read()
