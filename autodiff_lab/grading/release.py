"""Make the student version of an instructor notebook: solutions out, hidden checks out, no outputs.

In code cells the lines from ``### BEGIN SOLUTION`` to ``### END SOLUTION`` (markers included)
become one ``raise NotImplementedError("your answer here")`` at the marker's indentation; in
markdown cells a ``<!-- BEGIN SOLUTION -->`` ... ``<!-- END SOLUTION -->`` block becomes ``...``.
Cells tagged ``hidden-check`` are removed and every output is cleared. Releasing a released
notebook changes nothing, so the command is safe to rerun.

>>> cell = {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 3,
...         "source": ["def f(x):\\n", "    ### BEGIN SOLUTION\\n", "    return 2 * x\\n",
...                    "    ### END SOLUTION"]}
>>> nb = release_notebook({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
>>> print("".join(nb["cells"][0]["source"]))
def f(x):
    raise NotImplementedError("your answer here")
>>> nb["cells"][0]["execution_count"] is None
True
"""

import copy
import json
import os
import re
import threading

CODE_STUB = 'raise NotImplementedError("your answer here")'
MARKDOWN_STUB = "..."
HIDDEN_TAG = "hidden-check"

# (begin, end, stub) per cell type; a marker stands alone on its line, indentation allowed.
MARKERS = {
    "code": ("### BEGIN SOLUTION", "### END SOLUTION", CODE_STUB),
    "markdown": ("<!-- BEGIN SOLUTION -->", "<!-- END SOLUTION -->", MARKDOWN_STUB),
}
LEFTOVER = re.compile(r"(BEGIN|END) SOLUTION")


class ReleaseError(ValueError):
    """An instructor notebook whose solution markers cannot be released safely."""


def _cell_name(index, cell):
    """How an error names a cell: its number, its id and its tags, which survive reordering."""
    name = f"cell {index + 1} ({cell.get('cell_type', '?')}"
    if cell.get("id"):
        name += f", id {cell['id']!r}"
    tags = cell.get("metadata", {}).get("tags") or []
    if tags:
        name += f", tags {', '.join(tags)}"
    return name + ")"


def strip_solutions(lines, cell_type, where="cell"):
    """The lines of one cell with each solution block replaced by its stub.

    >>> strip_solutions(["x = 1\\n", "### BEGIN SOLUTION\\n", "y = 2\\n", "### END SOLUTION\\n"],
    ...                 "code")
    ['x = 1\\n', 'raise NotImplementedError("your answer here")\\n']
    >>> strip_solutions(["### END SOLUTION\\n"], "code", "cell 2 (code)")
    Traceback (most recent call last):
    ...
    autodiff_lab.grading.release.ReleaseError: cell 2 (code): line 1 '### END SOLUTION' has no \
matching '### BEGIN SOLUTION' before it
    """
    begin, end, stub = MARKERS[cell_type]
    out, opened = [], None
    for number, line in enumerate(lines, 1):
        text = line.strip()
        if text == begin and opened is not None:
            raise ReleaseError(f"{where}: line {number} opens a solution block inside the one "
                               f"opened on line {opened}; close it first with {end!r}")
        if text == begin:
            opened = number
            out.append(line[:len(line) - len(line.lstrip())] + stub + "\n")
        elif text == end:
            if opened is None:
                raise ReleaseError(f"{where}: line {number} {end!r} has no matching "
                                   f"{begin!r} before it")
            opened = None
        elif opened is None:
            out.append(line)
    if opened is not None:
        raise ReleaseError(f"{where}: the solution block opened on line {opened} is never closed "
                           f"(no {end!r} after it)")
    if out and lines and not lines[-1].endswith("\n") and out[-1].endswith("\n"):
        out[-1] = out[-1][:-1]  # keep the cell's own last-line convention, for idempotence
    return out


def release_notebook(notebook):
    """The student version of a notebook given as parsed JSON (the input is left unchanged)."""
    student = copy.deepcopy(notebook)
    cells = []
    for index, cell in enumerate(student.get("cells", [])):
        if HIDDEN_TAG in (cell.get("metadata", {}).get("tags") or []):
            continue
        where = _cell_name(index, cell)
        source = cell.get("source", "")
        lines = source.splitlines(keepends=True) if isinstance(source, str) else list(source)
        if cell.get("cell_type") in MARKERS:
            lines = strip_solutions(lines, cell["cell_type"], where)
        leftover = next((n for n, line in enumerate(lines, 1) if LEFTOVER.search(line)), None)
        if leftover:
            raise ReleaseError(f"{where}: line {leftover} still mentions a solution marker "
                               f"({lines[leftover - 1].strip()!r}); a code cell takes "
                               f"'### BEGIN SOLUTION', a markdown cell '<!-- BEGIN SOLUTION -->', "
                               f"each alone on its line")
        cell["source"] = lines
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
        cells.append(cell)
    student["cells"] = cells
    return student


def write_text_atomic(path, text):
    """Write text to a temporary file beside ``path``, then rename it over ``path`` in one
    step, so that a reader never sees a half-written file (the grading run's files, too)."""
    path = os.fspath(path)
    tmp = f"{path}.tmp-{os.getpid()}-{threading.get_ident()}"
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def write_json_atomic(path, data, **dump_options):
    """:func:`write_text_atomic` for JSON, ending with a newline."""
    write_text_atomic(path, json.dumps(data, **dump_options) + "\n")


def release(instructor_path, student_path):
    """Read an instructor notebook, write its student version; returns the number of cells kept."""
    if os.path.abspath(instructor_path) == os.path.abspath(student_path):
        raise ReleaseError("the student notebook would overwrite the instructor notebook; "
                           "choose another --out")
    with open(instructor_path, encoding="utf-8") as f:
        try:
            notebook = json.load(f)
        except json.JSONDecodeError as e:
            raise ReleaseError(f"{instructor_path} is not a notebook (invalid JSON: {e})") from None
    student = release_notebook(notebook)
    write_json_atomic(student_path, student, indent=1, ensure_ascii=False)
    return len(student["cells"])


def command(args):
    """``autodiff-lab release NOTEBOOK --out STUDENT_NOTEBOOK``."""
    import sys
    try:
        kept = release(args.notebook, args.out)
    except (ReleaseError, OSError) as e:
        print(f"autodiff-lab release: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.out} ({kept} cells)")
    return 0
