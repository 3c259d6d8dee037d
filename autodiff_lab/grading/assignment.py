"""Assignments: a JSON file of questions, and the pure function that grades one student's answers.

The format is JSON (the standard library reads it on every Python we support; TOML needs
Python 3.11, YAML a dependency). A complete example is ``examples/assignment/assignment.json``::

    {
      "format": "autodiff-lab-assignment/1",
      "title": "Derivatives and gradients",
      "seed": 0,
      "questions": [
        {"id": "q1", "kind": "derivative", "points": 4,
         "function": "2x^4 + x^3 + 3x^2 + 5x + 1", "wrt": "x",
         "credit": {"missing_chain_factor": 0.3}},
        {"id": "q4", "kind": "grad", "points": 3, "expected": [[10, 16, 22], [22, 16, 10]],
         "dtype": "float32", "answer": {"variable": "x.grad"}},
        {"id": "q5", "kind": "output", "points": 2,
         "expected": "tensor(140., grad_fn=<MeanBackward0>)", "answer": {"cell_tag": "q5"}}
      ]
    }

Top level: ``questions`` (required, a non-empty list), ``title``, ``format`` (this version:
"autodiff-lab-assignment/1"), ``seed`` (an integer, default 0: it fixes the sample points).

Every question: ``id`` (letters, digits, ``_ . -``; unique), ``kind``, ``points`` (> 0,
default 1), ``prompt`` (text for people), ``credit`` (tag → partial credit from 0 to 1,
overriding :data:`~autodiff_lab.grading.check.CREDIT`), ``timeout`` (seconds for the symbolic
work of one answer, default 2) and ``answer``: where the student's answer is found, exactly one
of ``{"key": "q1"}`` (a line ``q1: ...`` of an answer file; the default, with the question's
id), ``{"variable": "x.grad"}`` (a name or attribute path in the namespace of the student's
script or notebook), ``{"cell_tag": "q5"}`` (the notebook cell with that tag: its printed
output) or ``{"stdout": true}`` (everything a script printed). Collecting is the worker's job
(:func:`answer_locations` says what to collect); :func:`grade_answers` receives plain values
keyed by question id, by the key, variable name or tag itself, or by it with the worker's
prefix (``key:q1``, ``var:x.grad``, ``tag:q5``, ``stdout``).

Kinds and their fields:

* ``derivative``: ``function`` (text), ``wrt`` (default "x"), ``variables`` (names the answer
  may use; default the function's), ``rtol``, ``atol``, ``samples``;
* ``expression``: ``expected`` (text), ``variables``, ``rtol``, ``atol``, ``samples``;
* ``tensor``: ``expected`` (a number or nested lists), ``shape``, ``dtype`` (e.g. "float32"),
  ``requires_grad``, ``rtol``, ``atol``;
* ``grad``: the gradient of a tensor: ``expected``, ``shape``, ``dtype``, ``rtol``, ``atol``;
* ``output``: ``expected`` (printed text), ``normalize_addresses`` (default true: ``0x7f…``
  addresses compare equal), ``whitespace`` ("trailing" (default), "all" or "exact").
"""

import difflib
import hashlib
import json
import math
import platform
import re

import numpy as np
import sympy

from ..symbolic.parse import MathParseError, parse_math
from .check import (
    CREDIT,
    Feedback,
    check_expression,
    check_grad,
    check_output,
    check_tensor,
    to_plain,
)
from .diagnose import check_derivative

__all__ = ["FORMAT", "AssignmentError", "CollectedAnswers", "answer_locations",
           "collect_answers_from_text", "grade_answers", "grade_question", "load_assignment",
           "validate_assignment", "versions"]

FORMAT = "autodiff-lab-assignment/1"
_TOP = {"format", "title", "seed", "questions"}
_COMMON = {"id", "kind", "points", "prompt", "credit", "timeout", "answer"}
_KINDS = {
    "derivative": ({"function"}, {"wrt", "variables", "rtol", "atol", "samples"}),
    "expression": ({"expected"}, {"variables", "rtol", "atol", "samples"}),
    "tensor": ({"expected"}, {"shape", "dtype", "requires_grad", "rtol", "atol"}),
    "grad": ({"expected"}, {"shape", "dtype", "rtol", "atol"}),
    "output": ({"expected"}, {"normalize_addresses", "whitespace"}),
}
_DEFAULTS = {
    "derivative": {"wrt": "x", "rtol": 1e-9, "atol": 1e-12, "samples": 20},
    "expression": {"rtol": 1e-9, "atol": 1e-12, "samples": 20},
    "tensor": {"rtol": 1e-5, "atol": 1e-8},
    "grad": {"rtol": 1e-5, "atol": 1e-8},
    "output": {"normalize_addresses": True, "whitespace": "trailing"},
}
_DTYPES = {"float16", "float32", "float64", "int32", "int64", "uint8", "bool"}
_ID = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")


class AssignmentError(ValueError):
    """An assignment file that cannot be used; ``problems`` lists every problem found.

    >>> try:
    ...     validate_assignment({"questions": [{"id": "q1", "kind": "derivative",
    ...                                         "fuction": "x^2"}]}, "hw.json")
    ... except AssignmentError as e:
    ...     print(e)
    hw.json has 2 problems:
      - questions[0] (q1): unknown key 'fuction' (did you mean 'function'?)
      - questions[0] (q1): 'function' is required for a derivative question
    """

    def __init__(self, source, problems):
        self.source, self.problems = source, list(problems)
        n = len(self.problems)
        lines = "\n".join("  - " + p.replace("\n", "\n    ") for p in self.problems)
        super().__init__(f"{source} has {n} problem{'s' if n > 1 else ''}:\n{lines}")


def load_assignment(path):
    """Read and check an assignment file; the validated assignment (a plain dict, defaults
    filled in) or an :class:`AssignmentError` that says exactly what is wrong and where.

    >>> import pathlib
    >>> here = pathlib.Path(__file__).parents[2] / "examples" / "assignment" / "assignment.json"
    >>> [q["id"] for q in load_assignment(here)["questions"]]
    ['q1', 'q2', 'q3', 'q4', 'q5']
    """
    name = str(path)
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise AssignmentError(name, [f"cannot be read: {e.strerror or e}"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        problem = f"line {e.lineno}, column {e.colno}: {e.msg} (the file must be JSON)"
        raise AssignmentError(name, [problem]) from None
    return validate_assignment(data, name)


def _unknown(keys, allowed, where):
    out = []
    for key in sorted(set(keys) - allowed, key=str):
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else \
            f" (allowed: {', '.join(sorted(allowed))})"
        out.append(f"{where}unknown key '{key}'{hint}")
    return out


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_field(key, value, kind):
    """The problem with one field's value, or None."""
    if key in ("function", "expected") and kind in ("derivative", "expression"):
        if not isinstance(value, str):
            return f"'{key}' must be text like \"x^2 sin(x)\""
        return None
    if key == "expected" and kind == "output":
        return None if isinstance(value, str) else "'expected' must be the printed text"
    if key == "expected":
        try:
            data = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            return "'expected' must be a number or nested lists of numbers of equal lengths"
        return None if data.dtype != object else "'expected' must be rectangular"
    if key in ("points", "timeout"):
        return None if _is_number(value) and value > 0 else f"'{key}' must be a positive number"
    if key in ("rtol", "atol"):
        return None if _is_number(value) and value >= 0 else f"'{key}' must be a number ≥ 0"
    if key == "samples":
        return None if isinstance(value, int) and not isinstance(value, bool) \
            and 4 <= value <= 1000 else "'samples' must be a whole number from 4 to 1000"
    if key in ("prompt", "whitespace", "wrt", "dtype"):
        if not isinstance(value, str):
            return f"'{key}' must be text"
        allowed = {"whitespace": {"trailing", "all", "exact"}, "dtype": _DTYPES}.get(key)
        if allowed and value not in allowed:
            return f"'{key}' must be one of {', '.join(sorted(allowed))}, not {value!r}"
        if key == "wrt" and not re.fullmatch(r"[A-Za-z]+[0-9]*", value):
            return f"'wrt' must be a variable name like x, not {value!r}"
        return None
    if key == "variables":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        return None if ok else "'variables' must be a list of names like [\"x\", \"y\"]"
    if key == "shape":
        ok = isinstance(value, list) and all(isinstance(v, int) and v >= 0 for v in value)
        return None if ok else "'shape' must be a list of whole numbers like [2, 3]"
    if key in ("requires_grad", "normalize_addresses"):
        return None if isinstance(value, bool) else f"'{key}' must be true or false"
    if key == "credit":
        if not isinstance(value, dict):
            return "'credit' must be an object like {\"missing_chain_factor\": 0.5}"
        for tag, c in value.items():
            if tag not in CREDIT:
                close = difflib.get_close_matches(tag, sorted(CREDIT), n=1)
                return f"'credit' names an unknown mistake '{tag}'" + (
                    f" (did you mean '{close[0]}'?)" if close else "")
            if not (_is_number(c) and 0 <= c <= 1):
                return f"'credit' for '{tag}' must be a number from 0 to 1"
        return None
    if key == "answer":
        where = {"key", "variable", "cell_tag", "stdout"}
        if not isinstance(value, dict) or len(value) != 1 or not set(value) <= where:
            return ("'answer' must be one of {\"key\": ...}, {\"variable\": ...}, "
                    "{\"cell_tag\": ...}, {\"stdout\": true}")
        (how, name), = value.items()
        if how == "stdout":
            return None if name is True else "'answer' stdout must be true"
        if not isinstance(name, str) or not name:
            return f"'answer' {how} must be non-empty text"
        if how == "variable" and not _NAME.fullmatch(name):
            return f"'answer' variable {name!r} must be a name or attribute path like x.grad"
        return None
    return None


def _question(q, i, problems):
    """One validated question with its defaults, problems appended to ``problems``."""
    if not isinstance(q, dict):
        problems.append(f"questions[{i}] must be an object")
        return None
    qid = q.get("id")
    where = f"questions[{i}] ({qid}): " if isinstance(qid, str) else f"questions[{i}]: "
    before = len(problems)
    if not isinstance(qid, str) or not _ID.fullmatch(qid):
        problems.append(f"{where}'id' must be text of letters, digits, '_', '.' or '-' "
                        f"(at most 64)")
    kind = q.get("kind")
    if kind not in _KINDS:
        problems.append(f"{where}'kind' must be one of {', '.join(_KINDS)}, not {kind!r}")
        return None
    required, optional = _KINDS[kind]
    problems += _unknown(q, _COMMON | required | optional, where)
    problems += [f"{where}'{key}' is required for {'an' if kind[0] in 'aeiou' else 'a'} "
                 f"{kind} question" for key in sorted(required - set(q))]
    for key, value in q.items():
        problem = _check_field(key, value, kind)
        if problem:
            problems.append(where + problem)
    if len(problems) > before:
        return None
    out = {"points": 1, "credit": {}, "timeout": 2.0, "answer": {"key": qid}}
    out |= _DEFAULTS[kind] | q
    for key in ("function", "expected") if kind in ("derivative", "expression") else ():
        if key in q:
            try:
                parse_math(q[key], q.get("variables"))
            except MathParseError as e:
                problems.append(f"{where}'{key}' could not be read: {e}")
    if kind in ("tensor", "grad") and "shape" in q:
        actual = list(np.shape(q["expected"]))
        if actual != q["shape"]:
            problems.append(f"{where}'shape' is {q['shape']} but 'expected' has shape {actual}")
    return out


def validate_assignment(data, source="<assignment>"):
    """Check an assignment already read from JSON (a dict); the validated copy with defaults.

    >>> validate_assignment({"questions": [{"id": "q1", "kind": "expression",
    ...                                     "expected": "6x+4"}]})["questions"][0]["answer"]
    {'key': 'q1'}
    """
    if not isinstance(data, dict):
        raise AssignmentError(source, ["the file must hold one JSON object with 'questions'"])
    problems = _unknown(data, _TOP, "")
    if data.get("format", FORMAT) != FORMAT:
        problems.append(f"'format' is {data['format']!r}; this version reads {FORMAT!r}")
    seed = data.get("seed", 0)
    if not isinstance(seed, int) or isinstance(seed, bool) or not 0 <= seed < 2**32:
        problems.append("'seed' must be a whole number from 0 to 2^32 - 1")
    if not isinstance(data.get("title", ""), str):
        problems.append("'title' must be text")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        problems.append("'questions' must be a non-empty list")
        questions = []
    out = [_question(q, i, problems) for i, q in enumerate(questions)]
    ids = [q.get("id") for q in questions if isinstance(q, dict)]
    problems += [f"the id '{qid}' is used by more than one question"
                 for qid in sorted({i for i in ids if isinstance(i, str) and ids.count(i) > 1})]
    if problems:
        raise AssignmentError(source, problems)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return {"format": FORMAT, "title": data.get("title", ""), "seed": seed, "questions": out,
            "sha256": hashlib.sha256(canonical.encode()).hexdigest()}


# ---------------------------------------------------------------------------- answer files
class CollectedAnswers(dict):
    """Answers read from an answer file (key → text), with ``notes`` about how it was read."""

    def __init__(self, *args, notes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.notes = list(notes)


_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_.\-]*)\s*:(.*)")


def collect_answers_from_text(text):
    """Answers from a plain answer file: one ``key: answer`` per line.

    Blank lines and ``#`` comments are skipped; indented lines continue the answer above (for
    printed output, which may span lines; ``key: |`` starts such a block). A key answered
    twice keeps its last answer, with a note.

    >>> answers = collect_answers_from_text('''
    ... # my homework
    ... q1: 8x^3 + 3x^2 + 6x   # not sure
    ... q5: |
    ...     tensor(140., grad_fn=<MeanBackward0>)
    ... q1: 8x^3 + 3x^2 + 6x + 5
    ... ''')
    >>> dict(answers)
    {'q1': '8x^3 + 3x^2 + 6x + 5', 'q5': 'tensor(140., grad_fn=<MeanBackward0>)'}
    >>> answers.notes
    ['q1 is answered more than once (lines 3 and 6): the last answer, on line 6, is graded']
    """
    answers, lines_of, notes, block = {}, {}, [], None

    def finish(key, first, rest):
        rest = _dedent(rest)
        if first is None:
            return rest
        # A comment after a one-line answer is the student's; printed output keeps its '#'.
        return first + "\n" + rest if rest else re.sub(r"\s+#.*$", "", first)

    for number, line in enumerate(text.removeprefix("\ufeff").splitlines(), 1):
        if block is not None and (line.startswith((" ", "\t")) or not line.strip()):
            block[2].append(line)
            continue
        if block is not None:
            answers[block[0]] = finish(*block)
            block = None
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _KEY_LINE.fullmatch(stripped)
        if not match:
            notes.append(f"line {number} was skipped: expected 'key: answer', like 'q1: 2x'")
            continue
        key, value = match.group(1), match.group(2).strip()
        if key in lines_of:
            notes.append(f"{key} is answered more than once (lines {lines_of[key]} and "
                         f"{number}): the last answer, on line {number}, is graded")
        lines_of[key] = number
        block = (key, None if value in ("|", "") else value, [])
    if block is not None:
        answers[block[0]] = finish(*block)
    return CollectedAnswers(answers, notes=notes)


def _dedent(lines):
    while lines and not lines[-1].strip():
        lines.pop()
    indent = min((len(x) - len(x.lstrip()) for x in lines if x.strip()), default=0)
    return "\n".join(x[indent:] for x in lines)


# ---------------------------------------------------------------------------- grading
_PREFIX = {"key": "key:", "variable": "var:", "cell_tag": "tag:"}


def answer_locations(assignment):
    """What a worker must collect: {"keys": [...], "variables": [...], "tags": [...],
    "stdout": bool}.

    >>> a = validate_assignment({"questions": [{"id": "q1", "kind": "grad", "expected": 1,
    ...                                         "answer": {"variable": "x.grad"}}]})
    >>> answer_locations(a)
    {'keys': [], 'variables': ['x.grad'], 'tags': [], 'stdout': False}
    """
    out = {"keys": [], "variables": [], "tags": [], "stdout": False}
    for q in assignment["questions"]:
        (how, name), = q["answer"].items()
        if how == "stdout":
            out["stdout"] = True
        else:
            group = out[{"key": "keys", "variable": "variables", "cell_tag": "tags"}[how]]
            group += [name] if name not in group else []
    return out


def _lookup(answers, q):
    """(found, value, what was looked for) for question ``q`` in the answers."""
    (how, name), = q["answer"].items()
    if how == "stdout":
        keys, looked = ["stdout", q["id"]], "printed output"
    else:
        keys, looked = [q["id"], name, _PREFIX[how] + name], f"{how.replace('_', ' ')} '{name}'"
    for key in keys:
        if key in answers:
            return True, answers[key], looked
    # A student's "Q1:" answers q1.
    folded = {str(k).lower(): k for k in answers}
    for key in keys:
        if key.lower() in folded:
            return True, answers[folded[key.lower()]], looked
    return False, None, looked


def _check(q, value, seed):
    kind, rules = q["kind"], q["credit"]
    if kind == "derivative":
        return check_derivative(value, q["function"], q["wrt"], variables=q.get("variables"),
                                rules=rules, seed=seed, rtol=q["rtol"], atol=q["atol"],
                                samples=q["samples"], timeout=q["timeout"])
    if kind == "expression":
        return check_expression(value, q["expected"], q.get("variables"), rtol=q["rtol"],
                                atol=q["atol"], samples=q["samples"], seed=seed,
                                timeout=q["timeout"], rules=rules)
    if kind == "output":
        return check_output(value, q["expected"], q["normalize_addresses"],
                            whitespace=q["whitespace"], rules=rules)
    expected = np.asarray(q["expected"], dtype=float)
    common = {"dtype": q.get("dtype", False), "rtol": q["rtol"], "atol": q["atol"],
              "rules": rules}
    if kind == "grad":
        return check_grad(value, expected, **common)
    return check_tensor(value, expected, requires_grad=q.get("requires_grad"), **common)


def versions():
    """The versions that decide a grade: Python, NumPy, SymPy and autodiff_lab.

    >>> sorted(versions())
    ['autodiff_lab', 'numpy', 'python', 'sympy']
    """
    from .. import __version__
    return {"python": platform.python_version(), "numpy": np.__version__,
            "sympy": sympy.__version__, "autodiff_lab": __version__}


def grade_question(q, answers, seed=0):
    """One validated question graded against the answers: a JSON-ready dict.

    >>> q = validate_assignment({"questions": [{"id": "q1", "kind": "output",
    ...                                         "expected": "tensor(93.)"}]})["questions"][0]
    >>> r = grade_question(q, {"q1": "tensor(93.)"})
    >>> r["score"], r["correct"], r["message"]
    (1.0, True, 'Correct.')
    """
    found, value, looked = _lookup(answers, q)
    if not found or (value is None and q["kind"] != "grad"):
        feedback = Feedback(False, 0.0, f"No answer was found for {q['id']} (looked for the "
                            f"{looked}).", {}, ["missing"])
    elif isinstance(value, dict) and value.get("kind") == "error":
        feedback = Feedback(False, 0.0, f"Your answer to {q['id']} could not be collected: "
                            f"{value.get('error', 'unknown error')}.", {}, ["answer_error"])
    else:
        try:
            feedback = _check(q, value, seed)
        except Exception as e:  # noqa: BLE001 - one broken check must not lose the others
            feedback = Feedback(None, 0.0, "This answer could not be graded automatically, so "
                                "your instructor will look at it.",
                                {"error": f"{type(e).__name__}: {e}"[:2000]}, ["grader_error"])
    result = feedback.to_dict()
    answer = to_plain(value)
    if isinstance(answer, str) and len(answer) > 2000:
        answer = answer[:2000] + "…"
    return {"id": q["id"], "kind": q["kind"], "points": q["points"],
            "score": round(q["points"] * result["score"], 6), "correct": result["correct"],
            "needs_review": result["needs_review"], "tags": result["tags"],
            "message": result["message"], "answer": answer, "details": result["details"]}


def grade_answers(assignment, answers):
    """Grade one student's answers: a pure function from plain values to a JSON-ready dict.

    ``assignment`` is what :func:`load_assignment` returns (or a dict to validate);
    ``answers`` maps question ids (or answer keys, variable names, cell tags) to plain values:
    text, numbers, nested lists, tensors as :func:`~autodiff_lab.grading.check.to_plain`
    makes them, printed text. The result has, per question, the score, the points, the tags,
    the student's message and the details, then the total, the questions for a person to
    review, the notes, and what a replay needs: the seed (sample points and tolerances are in
    each question's details), the assignment's hash and the versions. Same input, same output.

    >>> a = validate_assignment({"questions": [
    ...     {"id": "q1", "kind": "derivative", "function": "sin(3x^2)", "points": 2}]})
    >>> r = grade_answers(a, {"q1": "cos(3x^2)"})
    >>> r["total"], r["max_score"], r["questions"][0]["tags"]
    (1.0, 2, ['missing_chain_factor'])
    """
    if "sha256" not in assignment:
        assignment = validate_assignment(assignment)
    seed = assignment["seed"]
    questions = [grade_question(q, answers, seed) for q in assignment["questions"]]
    return {
        "title": assignment["title"],
        "total": round(sum(q["score"] for q in questions), 6),
        "max_score": sum(q["points"] for q in questions),
        "questions": questions,
        "needs_review": [q["id"] for q in questions if q["needs_review"]],
        "notes": list(getattr(answers, "notes", [])),
        "replay": {"seed": seed, "assignment_sha256": assignment["sha256"],
                   "format": assignment["format"], "versions": versions()},
    }
