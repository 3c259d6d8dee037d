"""Every lesson notebook runs top to bottom in a real Jupyter kernel, and reads like a lesson.

Each ``lessons/*.ipynb`` is executed with nbclient in a fresh ``python3`` kernel of the running
interpreter (cwd ``lessons/``, matplotlib's inline backend), as a student's "Run all" would run
it; any error fails the test with the cell's source and traceback. Without a kernel, each
notebook is also checked for what makes it a lesson: a title, learning goals, at least two
exercises checked with ``autodiff_lab.grading``, solutions that ``autodiff-lab release`` can
strip, and no stored outputs.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from autodiff_lab.grading.release import release_notebook

ROOT = Path(__file__).resolve().parent.parent
LESSONS = ROOT / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
LESSON_NUMBERS = [f"{n:02d}" for n in range(1, 17)]

CELL_TIMEOUT = 300       # seconds for one cell: generous, a slow CI machine must not flake
NOTEBOOK_BUDGET = 120    # seconds for one whole notebook (they take well under 20 s)
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GRADING_IMPORT = re.compile(r"autodiff_lab\.grading|from\s+autodiff_lab\s+import\s+.*\bgrading\b")
GRADING_CALL = re.compile(r"\b(?:check_derivative|check_expression|check_tensor|check_grad|"
                          r"check_output|equivalent)\s*\(")
GOALS = re.compile(r"(?im)^\s*(?:#+|\*\*).*(?:goals|objectives|you will learn)")


def _read(path):
    return nbformat.read(path, as_version=4)


def _source(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


@pytest.fixture(scope="module")
def kernel_env(tmp_path_factory):
    """The environment for the kernel: the ``python3`` kernel spec pinned to this interpreter
    (first on JUPYTER_PATH, so no other Python's spec is picked up), this checkout importable,
    and the inline backend for matplotlib."""
    jupyter = tmp_path_factory.mktemp("jupyter")
    spec = jupyter / "kernels" / "python3"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}))
    env = dict(os.environ)
    env["JUPYTER_PATH"] = os.pathsep.join(filter(None, [str(jupyter), env.get("JUPYTER_PATH")]))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    env.pop("PYTHONSTARTUP", None)
    return env


def _failure(path, nb, error):
    """The failing cell's number, source and traceback (colour codes removed)."""
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                trace = ANSI.sub("", "\n".join(output.get("traceback", [])))
                return (f"{path.name}: cell {index + 1} raised "
                        f"{output.get('ename')}: {output.get('evalue')}\n"
                        f"--- cell source ---\n{_source(cell)}\n"
                        f"--- traceback ---\n{trace}")
    return f"{path.name}: {type(error).__name__}: {ANSI.sub('', str(error))}"


def test_all_sixteen_lessons_are_there():
    numbers = [p.name[:2] for p in NOTEBOOKS]
    missing = [n for n in LESSON_NUMBERS if n not in numbers]
    doubled = sorted({n for n in numbers if numbers.count(n) > 1})
    assert not missing and not doubled, f"lessons missing: {missing}, numbered twice: {doubled}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_runs_top_to_bottom(path, kernel_env):
    nb = _read(path)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(LESSONS)}}, allow_errors=False)
    start = time.perf_counter()
    try:
        client.execute(env=kernel_env)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as error:
        pytest.fail(_failure(path, nb, error), pytrace=False)
    seconds = time.perf_counter() - start
    assert seconds < NOTEBOOK_BUDGET, f"{path.name} took {seconds:.0f} s to run"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_reads_like_a_lesson(path):
    nb = _read(path)
    cells = nb.cells
    assert cells and cells[0].cell_type == "markdown" and \
        _source(cells[0]).lstrip().startswith("# "), \
        f"{path.name}: the first cell must be a markdown title ('# Lesson ...')"
    markdown = [_source(c) for c in cells if c.cell_type == "markdown"]
    assert any(GOALS.search(text) for text in markdown), \
        f"{path.name}: no learning-goals section (a heading or bold line with 'goals')"
    code = [_source(c) for c in cells if c.cell_type == "code"]
    assert any(GRADING_IMPORT.search(text) for text in code), \
        f"{path.name}: autodiff_lab.grading is never imported"
    exercises = [text for text in code if GRADING_CALL.search(text)]
    assert len(exercises) >= 2, (
        f"{path.name}: {len(exercises)} exercise cell(s) call autodiff_lab.grading; "
        "2 or more wanted")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_is_stored_clean_and_releasable(path):
    nb = _read(path)
    stale = [i + 1 for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.get("outputs") or c.get("execution_count"))]
    assert not stale, f"{path.name}: cells {stale} have stored outputs; clear them before saving"
    student = release_notebook(json.loads(path.read_text(encoding="utf-8")))
    text = json.dumps(student)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
