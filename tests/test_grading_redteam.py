"""A class out to cheat (tests/redteam/), graded by the CLI in the OS sandbox: every attacker
gets only the points it typed honestly, nothing outside the out dir changes, no process
outlives the run, and a run killed with SIGKILL resumes to the same gradebook."""

import glob
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

from autodiff_lab.grading import runner, sandbox

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ASSIGNMENT = os.path.join(ROOT, "examples", "assignment", "assignment.json")
REDTEAM = os.path.join(ROOT, "tests", "redteam")
ODD_NAME = "$(touch @TOKEN@) o'brien; rm -rf ~"

pytestmark = pytest.mark.skipif(sandbox.check() is not None,
                                reason=f"no OS sandbox here: {sandbox.check()}")


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def make_class(folder, out, port, token):
    """The red-team class with every placeholder filled in; {student: expected score}."""
    folder.mkdir()
    fill = {"@OUT@": out, "@CLASS@": str(folder), "@ASSIGNMENT@": ASSIGNMENT,
            "@TOKEN@": token, "@PORT@": str(port)}
    expected = {}
    for template in sorted(os.listdir(REDTEAM)):
        if not template.endswith(".in"):
            continue
        name = template[:-3]
        with open(os.path.join(REDTEAM, template), encoding="utf-8") as f:
            text = f.read()
        for key, value in fill.items():
            text = text.replace(key, value)
        (folder / name).write_text(text, encoding="utf-8")
        found = re.search(r"^# expect: (\S+)$", text, re.MULTILINE)
        expected[os.path.splitext(name)[0]] = float(found.group(1)) if found else 15.0
    # A folder whose answer file is a link to the honest classmate, and one to the key.
    (folder / "linker").mkdir()
    os.symlink(str(folder / "honest.txt"), folder / "linker" / "answers.txt")
    (folder / "keylinker").mkdir()
    os.symlink(ASSIGNMENT, folder / "keylinker" / "answers.txt")
    expected["linker"] = expected["keylinker"] = 0.0
    # A file name that is a shell injection, answering q1 honestly.
    odd = ODD_NAME.replace("@TOKEN@", token)
    (folder / (odd + ".py")).write_text('q1 = "8x^3 + 3x^2 + 6x + 5"\n')
    expected[odd] = 4.0
    return expected


def command(folder, out):
    return [sys.executable, "-m", "autodiff_lab.cli", "grade", ASSIGNMENT, str(folder),
            "--out", out, "--jobs", "2", "--timeout", "3", "--question-timeout", "1",
            "--memory-mb", "768"]


def environment():
    return dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))


def snapshot(*roots):
    """Every file under ``roots`` with a hash of its contents (links by their target)."""
    seen = {}
    for root in roots:
        for path in [root] + glob.glob(os.path.join(glob.escape(root), "**"), recursive=True):
            if os.path.islink(path):
                seen[path] = "link:" + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    seen[path] = hashlib.sha256(f.read()).hexdigest()
    return seen


def leftover_processes(grader_pid, token):
    """Processes of this grading run still alive: its fork servers (named by their stage
    folder), anything running as one of its students' users, anything carrying the token."""
    uids = {sandbox.FIRST_UID + (grader_pid * 16 + slot) % 4000 for slot in range(16)}
    found = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            with open(status, encoding="utf-8") as f:
                text = f.read()
            with open(status[:-6] + "cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        uid = int(re.search(r"^Uid:\s+(\d+)", text, re.MULTILINE).group(1))
        if "Z" in re.search(r"^State:\s+(\S)", text, re.MULTILINE).group(1):
            continue
        if (uid in uids or f"{runner.SANDBOX_PREFIX}{grader_pid}-" in cmdline
                or token in cmdline):
            found.append((status.split("/")[2], uid, cmdline[:200]))
    return found


def wait_for_no_leftovers(grader_pid, token, seconds=10):
    deadline = time.monotonic() + seconds
    while leftover_processes(grader_pid, token) and time.monotonic() < deadline:
        time.sleep(0.1)
    return leftover_processes(grader_pid, token)


class Listener:
    """A TCP server on 127.0.0.1 of the grader's machine, counting what reaches it."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.connections, self.stop = 0, threading.Event()
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.server.accept()
                self.connections += 1
                conn.close()
            except OSError:
                pass

    def close(self):
        self.stop.set()
        self.thread.join()
        self.server.close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The red-team class graded once by the CLI (the attackers know every path), with what
    was outside the out dir before, and the TCP listener they tried to reach."""
    tmp_path = tmp_path_factory.mktemp("redteam")
    token = f"redteam{os.getpid()}x{time.time_ns() % 10**6}"
    out = str(tmp_path / "out")
    listener = Listener()
    folder = tmp_path / "class"
    expected = make_class(folder, out, listener.port, token)
    outside = [str(folder), ASSIGNMENT, REDTEAM, os.path.join(ROOT, "autodiff_lab")]
    before = snapshot(*outside)
    started = time.monotonic()
    grader = subprocess.Popen(command(folder, out), env=environment(), cwd=str(tmp_path),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _, err = grader.communicate(timeout=180)
    seconds = time.monotonic() - started
    try:
        yield {"tmp_path": tmp_path, "token": token, "out": out, "folder": folder,
               "expected": expected, "outside": outside, "before": before, "err": err,
               "returncode": grader.returncode, "pid": grader.pid, "started": started,
               "seconds": seconds, "listener": listener}
    finally:
        listener.close()


def test_a_hostile_class_gets_only_what_it_typed(graded):
    out, token, expected = graded["out"], graded["token"], graded["expected"]
    assert graded["returncode"] == 0, graded["err"]
    assert len(expected) >= 20
    rows = {r["student"]: r for r in load(os.path.join(out, "gradebook.json"))}
    assert sorted(rows) == sorted(expected)
    # Every attacker scores only what it typed honestly.
    assert {s: rows[s]["score"] for s in rows} == expected, graded["err"]
    assert {r["sandbox"] for r in rows.values()} == {"bubblewrap"}
    # Late writers (a setsid daemon, a background shell) had ~6 s more to try: the run is
    # over, and nothing they wrote appears anywhere.
    gradebook = load(os.path.join(out, "gradebook.json"))
    assert wait_for_no_leftovers(graded["pid"], token) == []
    time.sleep(max(0.0, 7 - (time.monotonic() - graded["started"])))
    assert load(os.path.join(out, "gradebook.json")) == gradebook
    assert snapshot(*graded["outside"]) == graded["before"]
    assert not glob.glob(f"/tmp/*{token}*") and not glob.glob(f"/usr/*{token}*")
    assert not [p for p in snapshot(out) if (token in p and "$(touch" not in p)
                or "result.json" in p]
    assert not os.path.exists(graded["tmp_path"] / token)  # the odd name ran in no shell
    assert graded["listener"].connections == 0
    for name in rows:
        result = load(os.path.join(out, "results", name + ".json"))
        assert result["score"] == expected[name]
        assert result["limits"]["enforced"]["user"] >= sandbox.FIRST_UID
    # What they reported about themselves is recorded, never believed.
    forger = load(os.path.join(out, "results", "pipe_forger.json"))
    assert forger["grade"]["total"] == 0.0 and forger["run"]["notes"] == ["full marks"] * 50
    assert "q9" not in json.dumps(forger["grade"]["questions"])
    writer = load(os.path.join(out, "results", "result_writer.json"))
    assert writer["status"] == "crashed" and "signal 9" in writer["message"]
    key_reader = load(os.path.join(out, "results", "key_reader.json"))
    assert key_reader["grade"]["questions"][1]["tags"] == ["missing"]
    floaty = load(os.path.join(out, "results", "float64_grad.json"))
    q4 = floaty["grade"]["questions"][3]
    assert q4["tags"] == ["wrong_dtype"] and q4["score"] == 1.5
    assert "dtype is float64 and float32 was expected" in q4["message"]
    # The summary speaks to people, not in tags.
    with open(os.path.join(out, "summary.md"), encoding="utf-8") as f:
        summary = f.read()
    assert "had the wrong dtype in q4" in summary
    report = summary.split("## Class report")[1].split("##")[0]
    assert "_" not in report and "'" not in report
    assert graded["seconds"] < 60


def ledger_size(out):
    try:
        return len(load(os.path.join(out, runner.LEDGER)))
    except (OSError, ValueError):
        return 0


def test_a_run_killed_with_sigkill_resumes_to_the_same_gradebook(graded):
    clean = load(os.path.join(graded["out"], "gradebook.json"))
    clean_files = snapshot(graded["out"])
    out = str(graded["tmp_path"] / "again")
    grader = subprocess.Popen(command(graded["folder"], out), env=environment(),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while ledger_size(out) < 6 and time.monotonic() < deadline and grader.poll() is None:
        time.sleep(0.02)
    grader.send_signal(signal.SIGKILL)
    grader.wait()
    assert 6 <= ledger_size(out) < len(clean)
    # Its fork servers and every student process died with it.
    assert wait_for_no_leftovers(grader.pid, graded["token"]) == []
    # A result whose file does not match the grader's record is graded again.
    ledger = load(os.path.join(out, runner.LEDGER))
    victim = next(s for s in sorted(ledger) if s != "honest")
    forged_path = os.path.join(out, "results", victim + ".json")
    forged = load(forged_path) | {"score": 15.0}
    with open(forged_path, "w", encoding="utf-8") as f:
        json.dump(forged, f)
    again = subprocess.run(command(graded["folder"], out), env=environment(),
                           capture_output=True, text=True, timeout=180, check=False)
    assert again.returncode == 0, again.stderr
    assert load(os.path.join(out, "gradebook.json")) == clean
    assert load(forged_path)["score"] == graded["expected"][victim]
    assert [p for p in glob.glob(os.path.join(out, "**"), recursive=True) if ".tmp" in p] == []
    # The attackers knew the first out dir by name: it did not change meanwhile.
    assert snapshot(graded["out"]) == clean_files


def test_no_sandbox_is_refused_for_code_unless_asked_and_then_said_loudly(tmp_path,
                                                                          monkeypatch):
    folder = tmp_path / "class"
    folder.mkdir()
    shutil.copy(os.path.join(REDTEAM, "honest.txt.in"), folder / "honest.txt")
    (folder / "max.py").write_text('q1 = "8x^3 + 3x^2 + 6x + 5"\n')
    monkeypatch.setattr(sandbox, "check", lambda: "bwrap is not installed: install the "
                        "bubblewrap package (apt-get install bubblewrap, dnf install bubblewrap)")
    monkeypatch.setattr(runner, "sandbox_problem", sandbox.check)
    with pytest.raises(sandbox.SandboxUnavailable, match=r"install the bubblewrap package.*"
                                                         r"--no-sandbox"):
        runner.grade_class(ASSIGNMENT, str(folder), str(tmp_path / "out"), jobs=1,
                           progress=False)
    rows = runner.grade_class(ASSIGNMENT, str(folder), str(tmp_path / "out"), jobs=1,
                              progress=False, sandbox=False, timeout=10)
    assert [(r["student"], r["score"], r["sandbox"]) for r in rows] == [
        ("honest", 15.0, "none (--no-sandbox)"), ("max", 4.0, "none (--no-sandbox)")]
    result = load(tmp_path / "out" / "results" / "max.json")
    assert result["limits"]["enforced"]["pid_namespace"] is False
    summary = (tmp_path / "out" / "summary.md").read_text()
    assert "**WARNING: 2 of 2 submissions ran WITHOUT the OS sandbox (--no-sandbox)" in summary
    # Answer files alone are only read, never run: graded without a sandbox, and said so.
    os.remove(folder / "max.py")
    rows = runner.grade_class(ASSIGNMENT, str(folder), str(tmp_path / "out2"), jobs=1,
                              progress=False, timeout=10)
    assert [(r["student"], r["score"]) for r in rows] == [("honest", 15.0)]
    assert rows[0]["sandbox"] == "none (an answer file, read, not run)"


MEET = '''import socket, time
q1 = "8x^3 + 3x^2 + 6x + 5"
met = False
end = time.monotonic() + 2.5
while not met and time.monotonic() < end:
    try:
        s = socket.socket(socket.AF_UNIX)
        if {listen}:
            s.bind("\\0adl-meet")
            s.listen()
            s.settimeout(end - time.monotonic())
            s.accept()
        else:
            s.connect("\\0adl-meet")
        met = True
    except OSError:
        time.sleep(0.05)
if met:
    q2 = "6x cos(3x^2)"
'''


def test_two_submissions_running_at_once_never_meet(tmp_path):
    """Two jobs' fork servers are forked from one interpreter, in one bwrap: each submission
    still has a network namespace (no shared abstract socket or loopback) and a user of its
    own, so a listener and a talker running side by side find nobody (q2 only if they met)."""
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "listener.py").write_text(MEET.format(listen=True), encoding="utf-8")
    (folder / "talker.py").write_text(MEET.format(listen=False), encoding="utf-8")
    out = str(tmp_path / "out")
    options = {"jobs": 2, "timeout": 5, "question_timeout": 3, "memory_mb": 768,
               "progress": False, "resume": False}
    runner.grade_class(ASSIGNMENT, str(folder), out, **options)  # fork servers now warm
    start = time.monotonic()
    rows = runner.grade_class(ASSIGNMENT, str(folder), out, **options)
    assert [(r["student"], r["status"], r["score"]) for r in rows] == [
        ("listener", "ok", 4.0), ("talker", "ok", 4.0)]
    results = [load(os.path.join(out, "results", s + ".json")) for s in ("listener", "talker")]
    users = {r["limits"]["enforced"]["user"] for r in results}
    assert len(users) == 2 and all(u >= sandbox.FIRST_UID for u in users)
    # Side by side, not one after the other: each waited its 2.5 s at the same time.
    assert all(r["seconds"] >= 2.5 for r in results)
    assert time.monotonic() - start < sum(r["seconds"] for r in results)
