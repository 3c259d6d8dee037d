"""Every example of the five seed lessons appears in some lesson notebook (SPEC §4).

A seed cell (``tests/seeds/seed_NNN.py``, already with ``import autodiff_lab as torch`` for
``import torch``) counts as covered when its top-level statements appear, consecutively and in
order, in the code cells of one ``lessons/*.ipynb``. A lesson may spread one seed cell over
several notebook cells and put its own cells between seed cells, but the seed's statements
themselves stay together and unchanged. Statements are compared as ``ast.unparse`` prints
them, so whitespace, comments and quote style do not matter; notebook cells are read through
IPython's transformer first, so ``%matplotlib inline`` is fine. Cells that only import are
skipped.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from test_seeds import SEED_NAMES, load_seed

LESSONS = Path(__file__).resolve().parent.parent / "lessons"
NOTEBOOKS = sorted(LESSONS.glob("*.ipynb"))
TORCH_IMPORT = re.compile(r"^\s*(?:import\s+torch\b|from\s+torch\b)", re.MULTILINE)


def statements(code):
    """The top-level statements of ``code``, normalised by ``ast.unparse``."""
    tree = ast.parse(TransformerManager().transform_cell(code))
    return [ast.unparse(node) for node in tree.body]


def only_imports(code):
    return all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in ast.parse(code).body)


def lesson_statements(path):
    """Every statement of a notebook's code cells, in order, with the (1-based) cell number."""
    stream = []
    for number, cell in enumerate(nbformat.read(path, as_version=4).cells, 1):
        if cell.cell_type == "code":
            stream += [(s, number) for s in statements(cell.source)]
    return stream


@pytest.fixture(scope="module")
def lessons():
    return {path.name: lesson_statements(path) for path in NOTEBOOKS}


def closest(wanted, lessons):
    """(matched, lesson, cell, found) for the longest run of ``wanted``'s first statements
    found in a lesson; ``found`` is the lesson's statement where the next one was expected."""
    best = (0, None, None, None)
    for name, stream in lessons.items():
        for i in range(len(stream)):
            k = 0
            while k < len(wanted) and i + k < len(stream) and stream[i + k][0] == wanted[k]:
                k += 1
            if k > best[0]:
                found = stream[i + k][0] if i + k < len(stream) else "(end of notebook)"
                best = (k, name, stream[i][1], found)
    return best


def missing_report(name, cell, wanted, lessons):
    """Which seed cell is missing, and how close the nearest lesson came."""
    head = f"  {name} {cell.label} ({len(wanted)} statement(s), from `{wanted[0].splitlines()[0]}`)"
    matched, lesson, number, found = closest(wanted, lessons)
    if not matched:
        return f"{head}: in no lesson"
    return (f"{head}: closest is lessons/{lesson}, cell {number}: the first {matched} "
            f"statement(s) match, then the seed has `{wanted[matched].splitlines()[0]}` where "
            f"the lesson has `{found.splitlines()[0]}`")


def contains(stream, wanted):
    n = len(wanted)
    return any([s for s, _ in stream[i:i + n]] == wanted for i in range(len(stream) - n + 1))


def test_lessons_exist():
    assert NOTEBOOKS, f"no notebooks in {LESSONS}"


def test_every_seed_example_is_in_a_lesson(lessons):
    missing, total = [], 0
    for name in SEED_NAMES:
        for cell in load_seed(name):
            if only_imports(cell.code):
                continue
            total += 1
            wanted = statements(cell.code)
            if not any(contains(stream, wanted) for stream in lessons.values()):
                missing.append(missing_report(name, cell, wanted, lessons))
    if missing:
        pytest.fail(f"{len(missing)} of {total} seed cells appear in no lesson (searched "
                    f"{', '.join(lessons) or 'nothing'}); put each one, unchanged, in the lesson "
                    f"that teaches it:\n" + "\n".join(missing), pytrace=False)


def test_coverage_check_fails_for_a_changed_example(lessons):
    """The check is not vacuous: a seed cell with one statement changed is not found."""
    (cell,) = [c for c in load_seed("seed_003") if c.label == "In [11]"]
    wanted = statements(cell.code)
    assert any(contains(stream, wanted) for stream in lessons.values())
    changed = wanted[:-1] + ["print(x.grad * 2)"]
    assert not any(contains(stream, changed) for stream in lessons.values())
    assert "the first 1 statement(s) match" in missing_report("seed_003", cell, changed, lessons)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_lesson_uses_autodiff_lab_not_torch(path):
    """The seeds' code runs with ``import autodiff_lab as torch``; a lesson never needs PyTorch."""
    code = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    assert any("import autodiff_lab as torch" in text for text in code), path.name
    bad = [text.strip().splitlines()[0] for text in code if TORCH_IMPORT.search(text)]
    assert not bad, f"{path.name} imports PyTorch itself: {bad}"
