"""Grading a class: the synthetic class end to end, interrupted runs, atomic files, size caps."""

import glob
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest

from autodiff_lab.grading import runner, worker

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "examples", "assignment", "assignment.json")
CLASS = os.path.join(ROOT, "examples", "class")


def load(path):
    """A JSON file's contents."""
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


EXPECTED = load(os.path.join(CLASS, "expected_gradebook.json"))
QUESTIONS = ("q1", "q2", "q3", "q4", "q5")

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the worker forks (POSIX only)")


def grade_command(submissions, out, *extra):
    options = EXPECTED["options"]
    return [sys.executable, "-m", "autodiff_lab.cli", "grade", ASSIGNMENT, submissions,
            "--out", out, "--jobs", str(options["jobs"]), "--timeout", str(options["timeout"]),
            "--question-timeout", str(options["question_timeout"]),
            "--memory-mb", str(options["memory_mb"]), *extra]


def environment():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def outcome(row):
    return {"status": row["status"], "score": row["score"],
            "questions": {q: row[q] for q in QUESTIONS},
            "tags": sorted(k for k, v in row.items() if ":" in k and v)}


def expected(student):
    e = EXPECTED["students"][student]
    return {k: e[k] for k in ("status", "score", "questions", "tags")}


def leftovers(out):
    return [p for p in glob.glob(os.path.join(out, "**", "*"), recursive=True) if ".tmp" in p]


def test_the_example_class_grades_to_the_expected_gradebook(tmp_path):
    out = str(tmp_path / "out")
    # A private temporary folder, so other programs' sandboxes cannot blur the check below.
    private = tmp_path / "tmp"
    private.mkdir()
    done = subprocess.run(grade_command(CLASS, out), env=dict(environment(), TMPDIR=str(private)),
                          capture_output=True, text=True, timeout=240, check=False)
    assert done.returncode == 0, done.stderr
    rows = load(os.path.join(out, "gradebook.json"))
    if os.environ.get("ADL_UPDATE_EXPECTED") == "1":
        update_expected(rows)
    assert [r["student"] for r in rows] == sorted(EXPECTED["students"])
    assert len(rows) >= 30
    for row in rows:
        assert outcome(row) == expected(row["student"]), row["student"]
    # Every kind of failure is recorded and the run went on.
    statuses = {r["student"]: r["status"] for r in rows}
    assert {statuses[s] for s in ("abe", "rex")} == {"timeout"}
    assert {statuses[s] for s in ("fox", "sam")} == {"memory"}
    assert statuses["quinn"] == "crashed" and statuses["cal"] == "error"
    # The hostile ones ran in the OS sandbox: nothing of the class or the grader to be seen.
    assert {r["sandbox"] for r in rows} == {"bubblewrap"}
    uma = load(os.path.join(out, "results", "uma.json"))
    seen = uma["grade"]["questions"][4]["answer"]
    assert "'read a classmate': 'refused: FileNotFoundError'" in seen
    # /tmp is empty but for the way to Python itself when it lives there (a clone under /tmp).
    from autodiff_lab.grading.sandbox import python_roots
    python_in_tmp = sorted({r.split("/")[2] for r in python_roots() if r.startswith("/tmp/")})
    assert "'list the parent folder': \"['student']\"" in seen
    assert f"'list /tmp': {str(python_in_tmp)!r}" in seen
    assert not os.path.exists("/tmp/uma-was-here")
    assert uma["limits"]["enforced"]["pid_namespace"] is True
    assert uma["limits"]["enforced"]["user"] not in (0, None)
    # Warnings on stderr are kept for the instructor and cost nothing.
    bea = load(os.path.join(out, "results", "bea.json"))
    assert "UserWarning: deprecated thing" in bea["run"]["stderr"]
    assert bea["score"] == 12.0
    # The CSV has the same rows, a column per question and per mistake tag.
    header, *lines = read(os.path.join(out, "gradebook.csv")).splitlines()
    assert len(lines) == len(rows)
    assert {"q1", "q5", "q2:missing_chain_factor", "q4:grad_accumulated"} <= set(header.split(","))
    # Reports: feedback per student, summary with the class report, a histogram.
    assert sorted(os.listdir(os.path.join(out, "feedback"))) == sorted(
        s + ".md" for s in EXPECTED["students"])
    ben = read(os.path.join(out, "feedback", "ben.md"))
    assert "**Score: 12.9 / 15**" in ben and "chain rule" in ben
    summary = read(os.path.join(out, "summary.md"))
    assert "dropped the chain-rule factor in q2" in summary and "median" in summary
    with open(os.path.join(out, "histogram.png"), "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    # Each result records what a replay needs.
    ada = load(os.path.join(out, "results", "ada.json"))
    assert ada["grade"]["replay"]["seed"] == 0 and "sympy" in ada["grade"]["replay"]["versions"]
    assert ada["limits"]["enforced"]["memory"] is True
    assert leftovers(out) == []
    assert os.listdir(private) == []  # every sandbox folder was removed


def update_expected(rows):
    """After a deliberate change to the checks: ADL_UPDATE_EXPECTED=1 rewrites the expected
    outcomes (each student's 'why' stays) and the table in EXPECTED.md; review the diff."""
    for row in rows:
        EXPECTED["students"][row["student"]].update(outcome(row))
    with open(os.path.join(CLASS, "expected_gradebook.json"), "w", encoding="utf-8") as f:
        json.dump(EXPECTED, f, indent=1, ensure_ascii=False)
        f.write("\n")
    path = os.path.join(CLASS, "EXPECTED.md")
    head = read(path).split("| student |")[0]
    table = ["| student | file | status | score | q1 q2 q3 q4 q5 | what it does |",
             "|---|---|---|---|---|---|"]
    for name, e in EXPECTED["students"].items():
        file = next(f + "/" * os.path.isdir(os.path.join(CLASS, f)) for f in os.listdir(CLASS)
                    if os.path.splitext(f)[0] == name)
        scores = " ".join(f"{v:g}" for v in e["questions"].values())
        table.append(f"| {name} | {file} | {e['status']} | {e['score']:g} | {scores} | "
                     f"{e['why']} |")
    with open(path, "w", encoding="utf-8") as f:
        f.write(head + "\n".join(table) + "\n")


FAST = ["ada", "ben", "cleo", "dan", "eve", "jon"]


def running_until(process, out, n_results, seen):
    """Wait for ``n_results`` results, reading the gradebook as often as possible meanwhile:
    it must always parse (it is only ever replaced whole)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        path = os.path.join(out, "gradebook.json")
        if os.path.exists(path):
            seen.append(len(load(path)))
        ledger = os.path.join(out, runner.LEDGER)  # results count once the grader recorded them
        if os.path.exists(ledger) and len(load(ledger)) >= n_results:
            return
        time.sleep(0.02)
    raise AssertionError("the grading run did not produce results in time")


def test_an_interrupted_run_resumes_to_the_same_gradebook(tmp_path):
    submissions = tmp_path / "class"
    submissions.mkdir()
    for name in FAST:
        shutil.copy(os.path.join(CLASS, name + ".txt"), submissions)
    out = str(tmp_path / "out")
    seen = []
    command = grade_command(str(submissions), out)
    command[command.index("--jobs") + 1] = "1"

    # Ctrl-C: finished results are kept, the gradebook is written, exit code 130.
    first = subprocess.Popen(command, env=environment(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    running_until(first, out, 2, seen)
    first.send_signal(signal.SIGINT)
    _, err = first.communicate(timeout=30)
    assert first.returncode == 130, err
    assert "run the same command again" in err
    graded = load(os.path.join(out, "gradebook.json"))
    assert 2 <= len(graded) < len(FAST)
    kept = {r["student"]: os.stat(os.path.join(out, "results", r["student"] + ".json")).st_mtime_ns
            for r in graded}

    # SIGKILL: nothing can be saved then, but what was written is whole.
    second = subprocess.Popen(command, env=environment(), stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    running_until(second, out, len(graded) + 1, seen)
    second.kill()
    second.wait()

    # The last run grades only the rest.
    third = subprocess.run(command, env=environment(), capture_output=True, text=True,
                           timeout=120, check=False)
    assert third.returncode == 0, third.stderr
    rows = load(os.path.join(out, "gradebook.json"))
    assert [r["student"] for r in rows] == FAST
    for row in rows:
        assert outcome(row) == expected(row["student"]), row["student"]
    for student, mtime in kept.items():  # graded once, never again
        assert os.stat(os.path.join(out, "results", student + ".json")).st_mtime_ns == mtime
    assert seen and min(seen) >= 1
    assert leftovers(out) == []



def test_a_changed_submission_is_graded_again_and_no_resume_regrades(tmp_path):
    out = str(tmp_path / "out")
    (tmp_path / "class").mkdir()
    answers = tmp_path / "class" / "ada.txt"
    answers.write_text("q1: 8x^3 + 3x^2 + 6x + 5\n")
    result = os.path.join(out, "results", "ada.json")

    def grade(**options):
        return runner.grade_class(ASSIGNMENT, str(tmp_path / "class"), out, jobs=1,
                                  timeout=10, progress=False, **options)
    assert grade()[0]["q1"] == 4
    first = os.stat(result).st_mtime_ns
    grade()
    assert os.stat(result).st_mtime_ns == first  # unchanged: not graded again
    grade(resume=False)
    assert os.stat(result).st_mtime_ns != first
    answers.write_text("q1: 8x^3\n")
    assert grade()[0]["q1"] < 4


def test_what_the_student_process_sends_is_checked_field_by_field():
    wanted = [{"id": "q1"}, {"id": "q4"}]
    forged = {"answers": {"q1": "2x", "q9": "extra", "q4": {"kind": "tensor", "data": [1.0]}},
              "score": 15, "grade": {"total": 15}, "status": "ok", "done": True,
              "cells": [{"cell": 1, "status": "ok", "error": None, "seconds": 0.1,
                         "tags": ["q5"], "score": 99},
                        {"cell": "1; rm", "status": "pwned"}, "junk"],
              "notes": ["n"] * 80, "stderr": "x" * 50_000, "stdout_chars": "many"}
    clean = worker.clean_message(forged, wanted)
    assert sorted(clean) == ["answers", "cells", "done", "notes", "stderr", "stdout_chars"]
    assert clean["answers"] == {"q1": "2x", "q4": {"kind": "tensor", "data": [1.0]}}
    assert clean["cells"] == [{"cell": 1, "tags": ["q5"], "status": "ok", "error": None,
                               "seconds": 0.1}]
    assert len(clean["notes"]) == 50 and len(clean["stderr"]) <= worker.STDERR_CAP + 100
    assert clean["stdout_chars"] == 0 and clean["done"] is True
    assert worker.clean_message("not a dict", wanted)["answers"] == {}
    deep = json.loads("[" * 50 + "]" * 50)
    assert worker.cap_answer(float("nan"))["kind"] == "error"
    assert worker.cap_answer(deep) == deep


def test_only_the_last_whole_message_under_the_cap_counts():
    read, write = os.pipe()
    lines = [b'{"answers": {"q1": "first"}}', b"not json", b"[" * 100_000 + b"]" * 100_000,
             b'{"answers": {"q1": "' + b"x" * (worker.MESSAGE_CAP + 2000) + b'"}}',
             b'{"answers": {"q1": "second"}}', b'{"answers": {"q1": "cut off']
    sender = threading.Thread(target=lambda: (os.write(write, b"\n".join(lines)),
                                              os.close(write)))
    sender.start()
    last, timed_out = worker.read_messages(read, time.monotonic() + 10)
    sender.join()
    os.close(read)
    assert last == {"answers": {"q1": "second"}} and timed_out is False


def test_answers_over_the_cap_are_refused_and_messages_stay_under_it():
    assert worker.cap_answer("x" * (worker.ANSWER_CAP + 10))["kind"] == "error"
    read, write = os.pipe()
    collector = worker.Collector(write, [])
    collector.answers = {f"q{i:02}": "x" * (worker.ANSWER_CAP - 100 - i) for i in range(20)}
    sender = threading.Thread(target=lambda: (collector.send(done=True), os.close(write)))
    sender.start()
    with os.fdopen(read, "rb") as pipe:
        data = pipe.read()
    sender.join()
    assert len(data) <= worker.MESSAGE_CAP + 1
    answers = json.loads(data)["answers"]
    assert answers["q00"]["kind"] == "error" and answers["q19"].startswith("xxx")


def test_finding_submissions(tmp_path):
    for name in ("alice.ipynb", "bob.py", "carol.txt", "README.md", ".hidden.py"):
        (tmp_path / name).write_text("")
    (tmp_path / "dave").mkdir()
    (tmp_path / "dave" / "hw.ipynb").write_text("")
    (tmp_path / "dave" / "helpers.py").write_text("")
    (tmp_path / "erin.py").write_text("")
    (tmp_path / "erin.txt").write_text("")
    found = runner.find_submissions(str(tmp_path))
    assert sorted(found) == ["alice", "bob", "carol", "dave", "erin_py", "erin_txt"]
    assert runner.main_file(str(tmp_path / "dave")) == ("hw.ipynb", None)


def test_every_mistake_tag_a_check_can_give_has_words_for_people():
    from autodiff_lab.grading import check, runner
    untold = sorted(set(check.CREDIT) - {"terms"} - set(runner.REPORT_PHRASES))
    assert untold == []
    results = [{"grade": {"questions": [{"id": "q1", "tags": ["missing_mean"]},
                                        {"id": "q2", "tags": ["plus_constant"]}]}},
               {"grade": {"questions": [{"id": "q1", "tags": ["missing_mean"]}]}}]
    assert runner.class_report(results) == [
        "100% left out the mean's 1/n in q1 (2 of 2)",
        "50% added a constant of integration (+ C) to a derivative in q2 (1 of 2)"]
