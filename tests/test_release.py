"""Releasing the student version of an instructor notebook."""

import json
import os

import pytest

from autodiff_lab import cli
from autodiff_lab.grading.release import ReleaseError, release, release_notebook

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "examples", "assignment", "assignment.json")


def cell(kind, source, tags=(), **extra):
    out = {"cell_type": kind, "id": f"id-{abs(hash(source)) % 10**6}",
           "metadata": {"tags": list(tags)} if tags else {},
           "source": source.splitlines(keepends=True)}
    if kind == "code":
        out.update(execution_count=7, outputs=[{"output_type": "stream", "name": "stdout",
                                                "text": ["solution output\n"]}])
    return out | extra


def notebook(*cells):
    return {"cells": list(cells), "metadata": {"kernelspec": {"name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5}


INSTRUCTOR = notebook(
    cell("markdown", "# Homework 1\nDifferentiate, then check with autograd."),
    cell("code", "import autodiff_lab as torch"),
    cell("markdown", "**Q1.** Differentiate 2x^4 + x^3 + 3x^2 + 5x + 1.\n\n"
                     "<!-- BEGIN SOLUTION -->\nThe power rule, term by term.\n"
                     "<!-- END SOLUTION -->\n"),
    cell("code", "### BEGIN SOLUTION\nq1 = \"8x^3 + 3x^2 + 6x + 5\"\n### END SOLUTION\n"),
    cell("code", "def answers():\n    ### BEGIN SOLUTION\n    return (\"6x cos(3x^2)\",\n"
                 "            \"2x sin(x) + x^2 cos(x)\")\n    ### END SOLUTION\n\n\n"
                 "q2, q3 = answers()\n"),
    cell("code", "x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)\n"
                 "### BEGIN SOLUTION\nout = (2 * (3 * x + 2) ** 2).mean()\nout.backward()\n"
                 "### END SOLUTION\n"),
    cell("code", "print(out)", ["q5"]),
    cell("code", "assert q1.replace(' ', '') == '8x^3+3x^2+6x+5'", ["hidden-check"]),
)


def test_solutions_hidden_checks_and_outputs_go():
    student = release_notebook(INSTRUCTOR)
    sources = ["".join(c["source"]) for c in student["cells"]]
    assert len(student["cells"]) == len(INSTRUCTOR["cells"]) - 1  # the hidden check is gone
    assert not any("hidden-check" in c["metadata"].get("tags", []) for c in student["cells"])
    assert sources[2] == "**Q1.** Differentiate 2x^4 + x^3 + 3x^2 + 5x + 1.\n\n...\n"
    assert sources[3] == 'raise NotImplementedError("your answer here")\n'
    assert sources[4] == ('def answers():\n    raise NotImplementedError("your answer here")\n'
                          '\n\nq2, q3 = answers()\n')
    assert "8x^3" not in json.dumps(student) and "cos(3x^2)" not in json.dumps(student)
    assert all(c["outputs"] == [] and c["execution_count"] is None
               for c in student["cells"] if c["cell_type"] == "code")
    assert student["cells"][6]["metadata"]["tags"] == ["q5"]  # answer tags stay
    assert INSTRUCTOR["cells"][3]["outputs"]  # the input is untouched


def test_release_is_idempotent(tmp_path):
    source, once, twice = tmp_path / "hw.ipynb", tmp_path / "s1.ipynb", tmp_path / "s2.ipynb"
    source.write_text(json.dumps(INSTRUCTOR))
    assert cli.main(["release", str(source), "--out", str(once)]) == 0
    assert cli.main(["release", str(once), "--out", str(twice)]) == 0
    assert once.read_bytes() == twice.read_bytes()
    assert release_notebook(json.loads(once.read_text())) == json.loads(once.read_text())
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]


@pytest.mark.parametrize("source, kind, message", [
    ("### BEGIN SOLUTION\nx = 1\n", "code",
     "cell 2 (code, id 'broken'): the solution block opened on line 1 is never closed"),
    ("x = 1\n### END SOLUTION\n", "code",
     "cell 2 (code, id 'broken'): line 2 '### END SOLUTION' has no matching"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n", "code",
     "line 2 opens a solution block inside the one opened on line 1"),
    ("<!-- BEGIN SOLUTION -->\nsecret\n", "markdown", "cell 2 (markdown, id 'broken')"),
    ("### BEGIN SOLUTION\nsecret\n### END SOLUTION\n", "markdown",
     "line 1 still mentions a solution marker"),
])
def test_unbalanced_markers_name_the_cell(source, kind, message):
    nb = notebook(cell("markdown", "intro"), cell(kind, source) | {"id": "broken"})
    with pytest.raises(ReleaseError) as caught:
        release_notebook(nb)
    assert message in str(caught.value)


def test_the_command_reports_errors_and_refuses_to_overwrite(tmp_path, capsys):
    source = tmp_path / "hw.ipynb"
    source.write_text(json.dumps(notebook(cell("code", "### BEGIN SOLUTION\n", ["q1"]))))
    assert cli.main(["release", str(source), "--out", str(tmp_path / "s.ipynb")]) == 1
    assert "cell 1 (code, id" in capsys.readouterr().err
    assert not (tmp_path / "s.ipynb").exists()
    with pytest.raises(ReleaseError, match="overwrite"):
        release(str(source), str(source))
    (tmp_path / "bad.ipynb").write_text("{not json")
    assert cli.main(["release", str(tmp_path / "bad.ipynb"), "--out", str(tmp_path / "o")]) == 1


def test_the_instructor_version_grades_full_and_the_student_version_zero(tmp_path):
    from autodiff_lab.grading.runner import grade_submission
    instructor, student = tmp_path / "instructor.ipynb", tmp_path / "student.ipynb"
    instructor.write_text(json.dumps(INSTRUCTOR))
    release(str(instructor), str(student))
    full = grade_submission(ASSIGNMENT, str(instructor), timeout=20, question_timeout=5)
    assert (full["status"], full["score"]) == ("ok", 15.0)
    blank = grade_submission(ASSIGNMENT, str(student), timeout=20, question_timeout=5)
    assert (blank["status"], blank["score"]) == ("ok", 0.0)
    errors = [c["error"] for c in blank["run"]["cells"] if c["status"] == "error"]
    assert any("NotImplementedError: your answer here" in e for e in errors)
