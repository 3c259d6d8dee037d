"""What runs in the student's process, and the grader's reading of what it sent.

The student process (forked by :mod:`autodiff_lab.grading.forkserver` inside its sandbox) runs
the submission — a script through ``exec`` in a fresh namespace, a notebook cell by cell in one
namespace, no Jupyter kernel; an answer file is only read — with a time limit per cell and its
output captured up to a cap. After every cell it sends what it has found so far — the answers
as plain JSON (tensors with their data, shape and dtype), the cells' printed output and
status — over a pipe whose other end the grader holds.

Nothing that process says is trusted: :func:`read_messages` keeps the last complete,
size-capped JSON line, :func:`clean_message` keeps only the expected fields, each checked and
capped, and the grader scores the answers with :func:`grade` in a process that never ran
student code. What the student process reports about itself (cells, notes, stderr) is recorded
as reported and never used for a score. Nothing crosses a process boundary as pickle.
"""

import ast
import builtins
import io
import json
import math
import os
import re
import select
import signal
import sys
import time

from .assignment import CollectedAnswers, collect_answers_from_text, grade_answers
from .check import to_plain

ANSWER_CAP = 200_000      # bytes of JSON one answer may take; larger ones are refused
MESSAGE_CAP = 2_000_000   # bytes of one message from the student process
CELL_OUTPUT_CAP = 20_000  # characters of printed output kept per cell
STDOUT_CAP = 100_000      # characters of printed output kept per submission
STDERR_CAP = 10_000       # characters of warnings and tracebacks kept per submission

NOTEBOOK, SCRIPT, ANSWERS = "notebook", "script", "answers"
KINDS = {".ipynb": NOTEBOOK, ".py": SCRIPT, ".txt": ANSWERS}


class CellTimeout(BaseException):
    """Raised in the student process when a cell runs past its time limit (a BaseException, so
    a bare ``except Exception`` in student code does not swallow it)."""


class CappedText(io.TextIOBase):
    """A text stream that keeps the first ``cap`` characters and counts the rest.

    >>> out = CappedText(5)
    >>> print("hello world", file=out)
    >>> out.getvalue()
    'hello\\n… [7 more characters not kept]'
    """

    def __init__(self, cap):
        self.cap, self.parts, self.kept, self.dropped = cap, [], 0, 0

    def writable(self):
        return True

    def write(self, s):
        s = str(s)
        room = self.cap - self.kept
        if room > 0:
            self.parts.append(s[:room])
            self.kept += min(len(s), room)
        self.dropped += max(0, len(s) - max(room, 0))
        return len(s)

    def getvalue(self):
        text = "".join(self.parts)
        return text + (f"\n… [{self.dropped} more characters not kept]" if self.dropped else "")


# ---------------------------------------------------------------------------- running the code
def _error_text(error, filename):
    """'ZeroDivisionError: division by zero (line 3)', the line taken in the student's code."""
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == filename:
            line = tb.tb_lineno
        tb = tb.tb_next
    if isinstance(error, SyntaxError) and error.filename == filename:
        line, error = error.lineno, SyntaxError(error.msg)
    if isinstance(error, CellTimeout):
        return f"ran longer than {error} s and was stopped" + (f" at line {line}" if line else "")
    text = f"{type(error).__name__}: {error}"[:500]
    return text + (f" (line {line})" if line else "")


def _status_of(error):
    if isinstance(error, CellTimeout):
        return "timeout"
    if isinstance(error, MemoryError):
        return "memory"
    if isinstance(error, SystemExit):
        return "ok" if error.code in (None, 0) else "exit"
    return "error"


def strip_magics(source):
    """Notebook source as plain Python: IPython ``%magic`` and ``!shell`` lines become ``pass``.

    >>> strip_magics("%matplotlib inline\\nx = 1\\n  !pip install sympy")
    'pass\\nx = 1\\n  pass'
    """
    lines = []
    for line in source.split("\n"):
        body = line.lstrip()
        lines.append(line[:len(line) - len(body)] + "pass" if body[:1] in ("%", "!") else line)
    return "\n".join(lines)


def run_code(source, namespace, filename, timeout, echo_last):
    """Run one piece of student code in ``namespace`` with a time limit.

    Returns (status, error text or None, value of the final expression or None); with
    ``echo_last`` that value is also printed, as a notebook shows it.
    """
    def on_alarm(signum, frame):
        raise CellTimeout(f"{timeout:g}")
    signal.signal(signal.SIGALRM, on_alarm)
    value = None
    try:
        tree = ast.parse(source, filename)
        last = None
        if echo_last and tree.body and isinstance(tree.body[-1], ast.Expr):
            last = ast.Expression(tree.body.pop().value)
        signal.setitimer(signal.ITIMER_REAL, timeout)
        exec(compile(tree, filename, "exec"), namespace)  # noqa: S102 - the sandboxed student
        if last is not None:
            value = eval(compile(last, filename, "eval"), namespace)
            if value is not None and not source.rstrip().endswith(";"):
                print(repr(value))
        return "ok", None, value
    except BaseException as error:  # noqa: BLE001 - whatever the student's code raises
        status = _status_of(error)
        return status, None if status == "ok" else _error_text(error, filename), value
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def notebook_cells(text):
    """The cells of a notebook as (index, cell_type, source, tags), read as plain JSON.

    >>> notebook_cells('{"cells": [{"cell_type": "code", "source": ["x = 1; ", "x"],'
    ...                ' "metadata": {"tags": ["q1"]}}]}')
    [(0, 'code', 'x = 1; x', ['q1'])]
    """
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise ValueError(f"not a Jupyter notebook (the file is not valid JSON: {error})") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise ValueError("not a Jupyter notebook: it has no list of cells")  # noqa: TRY004
    cells = []
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict):
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        tags = (cell.get("metadata") or {}).get("tags") or []
        cells.append((index, cell.get("cell_type", "code"), source, [str(t) for t in tags]))
    return cells


class Collector:
    """What the student process has found so far, sent to the grading process after each step.

    ``wanted`` lists where each question's answer is: ``{"id", "how", "name", "kind"}`` with
    ``how`` one of key, variable, cell_tag, stdout (see :mod:`autodiff_lab.grading.assignment`).
    A tagged code cell answers with its printed output for an "output" question, else with the
    value of its last expression (printed text would carry quotes: ``'2x'``).
    """

    def __init__(self, pipe, wanted):
        self.pipe, self.wanted = pipe, wanted
        self.answers, self.cells, self.notes = {}, [], []
        self.tagged = {}  # tag → (printed text, value of the last expression) of its last cell
        self.stderr = CappedText(STDERR_CAP)
        self.printed = CappedText(STDOUT_CAP)  # everything printed, for {"stdout": true}
        self.plain_script = False  # a script without cells answers output questions whole

    def take_cell(self, tags, printed, value=None):
        for tag in tags:
            if tag in self.tagged and any(w["name"] == tag for w in self.wanted):
                self.note(f"the tag {tag!r} is on more than one cell; the last one is graded")
            self.tagged[tag] = (printed, value)

    def collect(self, namespace):
        """Each wanted answer, from the namespace or the tagged cells, as capped plain JSON."""
        for w in self.wanted:
            found, value = False, None
            if w["how"] in ("variable", "key") and w["name"].split(".")[0] in namespace:
                found, value = _resolve(namespace, w["name"], w["kind"])
            elif w["how"] in ("cell_tag", "key") and w["name"] in self.tagged:
                printed, last = self.tagged[w["name"]]
                found, value = True, printed if w["kind"] == "output" or last is None else last
            elif w["how"] == "stdout" or (w["how"] == "cell_tag" and w["kind"] == "output"
                                          and self.plain_script):
                found, value = True, self.printed.getvalue()  # all it printed
            if found:
                self.answers[w["id"]] = cap_answer(value)

    def note(self, text):
        if text not in self.notes and len(self.notes) < 50:
            self.notes.append(text)

    def send(self, done=False):
        message = {"answers": self.answers, "cells": self.cells[-200:], "notes": self.notes,
                   "stderr": self.stderr.getvalue(),
                   "stdout_chars": self.printed.kept + self.printed.dropped, "done": done}
        data = json.dumps(message, allow_nan=False).encode()
        sizes = sorted(((len(json.dumps(v)), k) for k, v in self.answers.items()), reverse=True)
        while len(data) > MESSAGE_CAP:  # refuse the largest answers until the rest fits
            message.update(cells=self.cells[-5:], stderr="")
            if sizes:
                message["answers"] = dict(message["answers"], **{sizes.pop(0)[1]: {
                    "kind": "error", "error": "the answers are too large together"}})
            else:
                message["answers"] = {}
            data = json.dumps(message, allow_nan=False).encode()
        data += b"\n"
        while data:
            data = data[os.write(self.pipe, data):]


def _resolve(namespace, path, kind):
    """(found, plain value) of a name or attribute path like ``x.grad`` in the namespace."""
    head, *attributes = path.split(".")
    owner, value = None, namespace[head]
    try:
        for attribute in attributes:
            owner, value = value, getattr(value, attribute)
        if kind == "grad" and attributes[-1:] == ["grad"] and hasattr(owner, "requires_grad"):
            # the checks read a gradient from the tensor that owns it (and say why it is None)
            value = owner
        return True, cap_answer(to_plain(value))
    except AttributeError:
        return False, None
    except Exception as error:  # noqa: BLE001 - a student object that cannot be converted
        return True, {"kind": "error", "error": f"could not read {path}: "
                                                f"{type(error).__name__}: {error}"[:500]}


def cap_answer(value):
    """An answer as JSON-ready data, refused (with a reason) when it is larger than the cap.

    >>> cap_answer("x" * 10)
    'xxxxxxxxxx'
    >>> cap_answer("x" * 300_000)["error"]
    'the answer is 300002 bytes as JSON, more than the 200000 allowed'
    """
    try:
        size = len(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError, RecursionError) as error:
        return {"kind": "error", "error": f"the answer is not plain JSON data: {error}"[:300]}
    if size > ANSWER_CAP:
        return {"kind": "error", "error": f"the answer is {size} bytes as JSON, more than the "
                                          f"{ANSWER_CAP} allowed"}
    return value


def script_cells(source):
    """A script's ``# %%`` cells (the percent format of Jupytext, VS Code and Spyder) as
    (index, cell_type, source, tags), or None when it has no cell markers.

    >>> [c[1:] for c in script_cells('x = 1\\n# %% tags=["q5"]\\nprint(x)\\n')]
    [('code', 'x = 1\\n', []), ('code', 'print(x)\\n', ['q5'])]
    """
    if not re.search(r"^# %%", source, re.MULTILINE):
        return None
    cells, header, lines = [], "", []
    for line in source.splitlines(keepends=True) + ["# %%"]:
        if not line.startswith("# %%"):
            lines.append(line)
            continue
        if lines or cells or header:
            tags = re.search(r"tags\s*=\s*(\[.*?\])", header)
            try:
                tags = [str(t) for t in json.loads(tags.group(1))] if tags else []
            except ValueError:
                tags = []
            markdown = "[markdown]" in header
            text = "".join(re.sub(r"^# ?", "", x) if markdown else x for x in lines)
            cells.append((len(cells), "markdown" if markdown else "code", text, tags))
        header, lines = line, []
    return cells


def run_student(path, kind, wanted, pipe, question_timeout, run_timeout):
    """The student process (already in its sandbox): run the submission and send its answers
    on ``pipe``; never returns."""
    collector = Collector(pipe, wanted)
    sys.stdin = open(os.devnull)  # noqa: SIM115 - for the life of the process
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)  # writes that bypass sys.stdout (os.write, C code) are dropped
    os.dup2(null, 2)
    sys.stderr = collector.stderr
    sys.argv = [path]
    sys.path.insert(0, os.getcwd())
    code = 0
    try:
        if kind == ANSWERS:
            with open(path, encoding="utf-8", errors="replace") as f:
                found = collect_answers_from_text(f.read())
            collector.answers = {key: cap_answer(value) for key, value in found.items()}
            collector.notes += found.notes
        else:
            with open(path, encoding="utf-8", errors="replace") as f:
                source = f.read()
            cells = notebook_cells(source) if kind == NOTEBOOK else script_cells(source)
            if cells is None:
                run_script(source, path, collector, run_timeout)
            else:
                run_cells(cells, collector, question_timeout)
    except MemoryError:
        collector.cells.append({"cell": None, "status": "memory", "error": "MemoryError"})
    except Exception as error:  # noqa: BLE001 - a file we cannot read is the submission's fault
        collector.cells.append({"cell": None, "status": "unreadable",
                                "error": f"{type(error).__name__}: {error}"[:500]})
        code = 2
    try:
        collector.send(done=True)
    except MemoryError:
        code = 3
    except OSError:  # the grader stopped reading (a flood past its cap): nothing more to say
        code = 4
    os._exit(code)


def _namespace(path):
    return {"__name__": "__main__", "__file__": path, "__builtins__": builtins,
            "display": lambda *values: print(*map(repr, values), sep="\n")}


def run_script(source, path, collector, timeout):
    """A script runs once, top to bottom; whatever it defined before stopping is graded."""
    namespace = _namespace(path)
    out = CappedText(STDOUT_CAP)
    sys.stdout = out
    start = time.monotonic()
    status, error, _ = run_code(source, namespace, path, timeout, echo_last=False)
    sys.stdout = sys.__stdout__
    collector.printed, collector.plain_script = out, True
    collector.cells.append({"cell": None, "status": status, "error": error,
                            "seconds": round(time.monotonic() - start, 3)})
    collector.collect(namespace)


def run_cells(cells, collector, timeout):
    """Cells run in order in one namespace; a failing cell is recorded and the next ones run.

    Answers are found by variable name or by cell tag, never by cell position, so students
    may add, delete, duplicate or move cells.
    """
    namespace = _namespace("<notebook>")
    for index, cell_type, source, tags in cells:
        if cell_type == "markdown":
            collector.take_cell(tags, source.strip())
            continue
        if cell_type != "code" or not source.strip():
            continue
        if source.lstrip().startswith("%%"):
            collector.note(f"cell {index + 1} is a %% cell magic and was not run")
            continue
        out = CappedText(CELL_OUTPUT_CAP)
        sys.stdout = out
        start = time.monotonic()
        status, error, value = run_code(strip_magics(source), namespace, f"<cell {index + 1}>",
                                        timeout, echo_last=True)
        sys.stdout = sys.__stdout__
        collector.printed.write(out.getvalue())
        collector.cells.append({"cell": index + 1, "tags": tags, "status": status,
                                "error": error, "seconds": round(time.monotonic() - start, 3)})
        if tags:
            collector.take_cell(tags, out.getvalue(), _plain(value))
        collector.collect(namespace)
        collector.send()


def _plain(value):
    try:
        return None if value is None else cap_answer(to_plain(value))
    except Exception as error:  # noqa: BLE001 - a student object that cannot be converted
        return {"kind": "error", "error": f"{type(error).__name__}: {error}"[:500]}


# ---------------------------------------------------------------------------- the grading side
def wanted_answers(assignment):
    """Where the student's process should look for each answer (no expected values in it).

    >>> wanted_answers({"questions": [{"id": "q4", "kind": "grad",
    ...                                "answer": {"variable": "x.grad"}}]})
    [{'id': 'q4', 'kind': 'grad', 'how': 'variable', 'name': 'x.grad'}]
    """
    out = []
    for q in assignment["questions"]:
        (how, name), = q.get("answer", {"key": q["id"]}).items()
        out.append({"id": q["id"], "kind": q["kind"], "how": how, "name": name})
    return out


def read_messages(pipe, deadline, total_cap=100 * MESSAGE_CAP):
    """The last complete message on ``pipe`` (JSON lines from the student process) and whether
    the deadline came first; a message past the cap is dropped, the previous one stands, and
    reading stops after ``total_cap`` bytes in all."""
    parts, size, skipping, last, timed_out, total = [], 0, False, None, False, 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        ready, _, _ = select.select([pipe], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(pipe, 1 << 16)
        if not chunk:
            break
        total += len(chunk)
        while chunk:
            head, newline, chunk = chunk.partition(b"\n")
            if not skipping:
                parts.append(head)
                size += len(head)
                skipping = size > MESSAGE_CAP  # too long: dropped up to its end
            if not newline:
                break
            if not skipping:
                try:
                    last = json.loads(b"".join(parts))
                except (ValueError, RecursionError):
                    pass
            parts, size, skipping = [], 0, False
        if total > total_cap:
            break
    return last, timed_out


CELL_STATUSES = ("ok", "error", "timeout", "memory", "exit", "unreadable")


def clean_message(message, wanted):
    """What the grader keeps of a student process's message: the wanted answers (plain JSON,
    each capped), and its own account of the run, each field checked and capped; anything
    else is dropped.

    >>> clean_message({"answers": {"q1": "2x", "q9": 1}, "score": 15, "done": True},
    ...               [{"id": "q1"}])["answers"]
    {'q1': '2x'}
    """
    if not isinstance(message, dict):
        return {"answers": {}, "cells": [], "notes": [], "stderr": "", "stdout_chars": 0,
                "done": False}
    answers = message.get("answers")
    answers = answers if isinstance(answers, dict) else {}
    ids = {w["id"] for w in wanted}
    cells = []
    for c in message.get("cells") if isinstance(message.get("cells"), list) else []:
        if not isinstance(c, dict) or c.get("status") not in CELL_STATUSES:
            continue
        cell = c.get("cell")
        seconds = c.get("seconds")
        cells.append({"cell": cell if isinstance(cell, int) and not isinstance(cell, bool)
                      else None,
                      "tags": [str(t)[:100] for t in c.get("tags") or []
                               if isinstance(t, str)][:20],
                      "status": c["status"], "error": str(c["error"])[:500]
                      if c.get("error") is not None else None,
                      "seconds": seconds if isinstance(seconds, (int, float))
                      and not isinstance(seconds, bool) else None})
    notes = message.get("notes") if isinstance(message.get("notes"), list) else []
    stderr = message.get("stderr")
    chars = message.get("stdout_chars")
    return {"answers": {k: cap_answer(v) for k, v in answers.items() if k in ids},
            "cells": cells[-200:], "notes": [str(n)[:500] for n in notes][:50],
            "stderr": stderr[:STDERR_CAP + 100] if isinstance(stderr, str) else "",
            "stdout_chars": chars if isinstance(chars, int) and not isinstance(chars, bool)
            else 0, "done": message.get("done") is True}


def run_status(message, exit_status, timed_out, run_timeout):
    """(status, message) of the student's run: ok, timeout, memory, crashed or error."""
    cells = (message or {}).get("cells", [])
    bad = {}
    for c in cells:
        bad.setdefault(c["status"], c)

    def where(c):
        return f"cell {c['cell']}" if c.get("cell") else "the script"
    if "unreadable" in bad:
        return "error", f"the submission could not be read: {bad['unreadable']['error']}"
    if "memory" in bad:
        return "memory", (f"{where(bad['memory'])} ran out of memory; the answers made before "
                          f"or elsewhere still count")
    if timed_out:
        return "timeout", (f"stopped after {run_timeout:g} s; answers from the cells that "
                           f"finished are graded")
    if "timeout" in bad:
        return "timeout", f"{where(bad['timeout'])} {bad['timeout']['error']}"
    signal_number = -exit_status if exit_status < 0 else None
    if signal_number == signal.SIGXCPU:
        return "timeout", "the CPU-time limit was reached"
    if signal_number:
        return "crashed", f"the program was killed by signal {signal_number}"
    if "exit" in bad:
        return "crashed", f"{where(bad['exit'])} ended the program: {bad['exit']['error']}"
    if message is None or not message.get("done"):
        return "crashed", f"the program stopped with exit code {exit_status} before finishing"
    if "error" in bad and bad["error"].get("cell") is None:
        return "crashed", f"the script stopped with {bad['error']['error']}"
    return "ok", ""


def grade(assignment, answers, notes, question_timeout):
    """``grade_answers`` one question at a time, each with a time limit, merged into one
    result of the same shape; a question out of time is left for a person to review."""
    def on_alarm(signum, frame):
        raise CellTimeout()
    signal.signal(signal.SIGALRM, on_alarm)
    answers = CollectedAnswers(answers, notes=notes)
    parts = []
    for q in assignment["questions"]:
        try:
            signal.setitimer(signal.ITIMER_REAL, question_timeout)
            parts.append(grade_answers(assignment | {"questions": [q]}, answers))
        except CellTimeout:
            parts.append({"max_score": q["points"], "needs_review": [q["id"]], "questions": [{
                "id": q["id"], "kind": q["kind"], "points": q["points"], "score": 0.0,
                "correct": None, "needs_review": True, "tags": ["grader_timeout"],
                "answer": answers.get(q["id"]), "details": {},
                "message": f"Grading this answer took longer than {question_timeout:g} s, so "
                           f"your instructor will look at it."}]})
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    merged = next((p for p in parts if "replay" in p), parts[0]).copy()
    for key in ("questions", "needs_review"):
        merged[key] = [x for p in parts for x in p[key]]
    merged["max_score"] = sum(p["max_score"] for p in parts)
    merged["total"] = round(sum(q["score"] for q in merged["questions"]), 6)
    return merged


def _finite(value):
    """``value`` with NaN and infinities as the strings "nan", "inf", "-inf" (strict JSON)."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else "inf" if value > 0 else "-inf"
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value
