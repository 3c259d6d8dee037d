"""Grade a whole class: each submission in an OS sandbox, scored outside it, in parallel,
resumable, locally or on Dask.

One submission is one file (``alice.ipynb``, ``bob.py``, ``carol.txt``) or one folder per
student in the submissions folder. :func:`grade_submission` grades one of them and is a pure
function, files in and a JSON-ready dict out; :func:`grade_class` runs it for a class on a local
pool of threads, or hands the same function (:func:`grade_one`) to Dask distributed
(``dask="tcp://scheduler:8786"``, or ``"local"``), and streams each result into
``out/results/<student>.json`` (atomically) the moment it exists, with its fingerprint in
``out/ledger.json``; a run stopped by Ctrl-C, a crash or SIGKILL resumes where it stopped, and
trusts a saved result only when its fingerprint is the one recorded. The gradebook (CSV and
JSON, one row per student, a column per question and per mistake tag), the feedback files, the
summary with the class report and the score histogram are written from the results.

What holds a submission in (see :mod:`autodiff_lab.grading.sandbox` for the whole layout):
bubblewrap and a fresh set of namespaces per submission (PID: every process it starts dies with
it; mount: read-only Python and packages, its own copy of its files, an empty /tmp, nothing of
the class, the assignment or the out dir; network: none), a user of its own without
capabilities, and rlimits on address space (``--memory-mb``), CPU time, processes, file size
and open files. Time: the student's code runs at most ``--timeout`` seconds in all (a notebook
cell or a script is interrupted by SIGALRM, and the fork server kills the whole sandbox two
seconds later whatever the code does), each notebook cell and each graded question at most
``--question-timeout``. Output is kept up to a cap per cell, answers cross as JSON lines capped
at 200 kB per answer and 2 MB per message, never pickle.

Nothing the student's process says is trusted: the grader keeps the last whole message read
from its pipe, only the expected fields, checked and capped; it scores the answers in a fork
that never ran student code; what the process reports about its cells is recorded as reported.
No file a student can write is read back. ``sandbox=False`` (``--no-sandbox``) keeps the
protocol and the limits that need no privileges and drops the namespaces and the user; every
result and the summary say so.
"""

import atexit
import concurrent.futures
import csv
import functools
import glob
import hashlib
import io
import itertools
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time

from .assignment import load_assignment
from .release import write_json_atomic, write_text_atomic
from .forkserver import ForkServer, ForkServerError
from .sandbox import FIRST_UID, SandboxUnavailable
from .sandbox import check as sandbox_problem
from .sandbox import require as require_sandbox
from .worker import KINDS, clean_message, read_messages, run_status, wanted_answers

RESULT_CAP = 5_000_000         # bytes of JSON a worker may return
SUBMISSION_CAP = 50 * 2**20    # bytes of files one student may submit
STATUSES = ("ok", "timeout", "memory", "crashed", "error")
SANDBOX_PREFIX = "adl-grade-"  # + the runner's pid: its sandboxes, in the temporary folder
STARTUP_ALLOWANCE = 20.0      # seconds for the worker to start and load the assignment
GRADEBOOK_EVERY = 1.0        # seconds between gradebook rewrites during a run (and at its end)
DEFAULTS = {"timeout": 60.0, "question_timeout": 10.0, "memory_mb": 1024}

# What the class report says of a mistake tag: "38% dropped the chain-rule factor in Q3".
REPORT_PHRASES = {
    "missing_chain_factor": "dropped the chain-rule factor",
    "outer_not_differentiated": "kept the outer function undifferentiated (chain rule)",
    "power_rule_exponent_up": "raised the exponent instead of lowering it (power rule)",
    "power_rule_exponent_kept": "kept the exponent (power rule off by one)",
    "power_rule_missing_factor": "forgot the factor n of the power rule",
    "product_rule_fg": "wrote the product rule as f'·g'",
    "product_rule_missing_term": "dropped a term of the product rule",
    "quotient_rule_sign": "had the sign of the quotient rule wrong",
    "constant_not_dropped": "kept a constant term",
    "integrated": "integrated instead of differentiating",
    "wrong_variable": "differentiated with respect to the wrong variable",
    "sign_error": "made a sign error",
    "parse_error": "wrote an answer that could not be read",
    "needs_review": "need a manual review",
    "missing": "gave no answer",
    "grad_accumulated": "accumulated gradients without zeroing them",
    "accumulated": "let gradients add up over several backward() calls",
    "not_accumulated": "kept one backward() call's gradient where they should add up",
    "missing_mean": "left out the mean's 1/n",
    "missing_factor": "were off by a constant factor",
    "constant_factor": "were off by a constant factor",
    "plus_constant": "added a constant of integration (+ C) to a derivative",
    "float32_rounding": "computed in float32 where float64 was needed",
    "expected_mistake": "made a mistake the question anticipates",
    "mean_vs_sum": "confused mean() and sum()",
    "wrong_dtype": "had the wrong dtype",
    "requires_grad": "had the wrong requires_grad",
    "not_leaf": "replaced a leaf tensor instead of updating it in place",
    "leaf": "gave a leaf tensor where a computed one was expected",
    "transposed": "gave a transposed tensor",
    "missing_term": "left out a term",
    "extra_term": "added a term that should not be there",
    "wrong_term": "got a term wrong",
    "not_equal": "gave a wrong answer that matches no known mistake",
    "no_grad": "left no gradient",
    "wrong_values": "had wrong values",
    "wrong_shape": "had the wrong shape",
    "not_a_tensor": "gave something that is not a tensor",
    "output_mismatch": "printed something else",
    "missing_output": "printed nothing",
    "extra_output": "printed extra lines",
    "whitespace_only": "printed the right text with different spacing",
    "grader_error": "could not be graded automatically",
    "grader_timeout": "took too long to grade",
    "answer_error": "gave an answer that could not be collected (too large, or not plain data)",
}


# ---------------------------------------------------------------------------- one submission
def find_submissions(folder):
    """``{student: path}`` for the submissions in ``folder``: notebooks, scripts and answer
    files, or one folder per student; hidden files and other files are skipped. A student is
    named by the file's stem, or by the whole file name when two files share a stem."""
    entries = [e for e in sorted(os.listdir(folder)) if not e.startswith((".", "_")) and (
        os.path.isdir(os.path.join(folder, e)) or os.path.splitext(e)[1] in KINDS)]
    stems = [e if os.path.isdir(os.path.join(folder, e)) else os.path.splitext(e)[0]
             for e in entries]
    return {stem if stems.count(stem) == 1 else entry.replace(".", "_"): os.path.join(folder, entry)
            for entry, stem in zip(entries, stems)}


def main_file(folder):
    """The file to grade in a student's folder (notebook, else script, else answer file) and a
    note when the choice was not obvious."""
    files = sorted(f for f in os.listdir(folder) if os.path.isfile(os.path.join(folder, f))
                   and not f.startswith("."))
    for suffix in KINDS:
        matches = [f for f in files if f.endswith(suffix)]
        if matches:
            note = (f"several {suffix} files; graded {matches[0]}" if len(matches) > 1 else None)
            return matches[0], note
    return None, f"no {', '.join(KINDS)} file in the folder"


def _files(path):
    """The files of a submission (a file, or a folder walked without following links)."""
    if not os.path.isdir(path):
        return [path]
    return sorted(os.path.join(root, f) for root, _, files in os.walk(path) for f in files)


def _digest(path):
    """A fingerprint of a file or folder's contents, to know when a submission changed."""
    h = hashlib.sha256()
    for p in _files(path):
        h.update(f"{os.path.relpath(p, path)}\0{os.lstat(p).st_size}\0".encode())
        if os.path.islink(p) or not os.path.isfile(p):  # never follow a link out of the folder
            h.update(b"link:" + os.fsencode(os.readlink(p) if os.path.islink(p) else ""))
            continue
        with open(p, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()[:16]


def _folder_size(path):
    return sum(os.path.getsize(p) for p in _files(path) if os.path.isfile(p)
               and not os.path.islink(p))


def _failure(status, message, **extra):
    return {"status": status, "message": message, "grade": None, "run": {}, **extra}


def _enforced(sandboxed, uid):
    """What holds the student's process in, as recorded in each result (``sandboxed`` None:
    an answer file graded where there is no sandbox, read and never run)."""
    label = {True: "bubblewrap", False: "none (--no-sandbox)",
             None: "none (an answer file, read, not run)"}[sandboxed]
    sandboxed = bool(sandboxed)
    return {"sandbox": label, "user": uid if sandboxed else None, "pid_namespace": sandboxed,
            "mount_namespace": sandboxed, "network_namespace": sandboxed,
            "memory": True, "cpu_time": True, "file_size": True, "open_files": True,
            "processes": sandboxed}


def grade_submission(assignment, submission, *, timeout=DEFAULTS["timeout"],
                     question_timeout=DEFAULTS["question_timeout"],
                     memory_mb=DEFAULTS["memory_mb"], student=None, sandbox=True):
    """Grade one submission (a file, or a student's folder) against the assignment file: the
    submission runs in the OS sandbox of a warm fork server of this thread (see
    :mod:`autodiff_lab.grading.sandbox`), the grade is computed outside it. A pure function of
    the files and the limits: a JSON-ready dict, whatever the submission does.

    The result always has ``student``, ``status`` (one of ok, timeout, memory, crashed,
    error), ``message``, ``score``, ``max_score``, ``grade`` (the checks' per-question result,
    or None when nothing could be graded), ``run`` (cells, notes and stderr, as the student's
    process reported them), ``limits`` and ``sandbox``.
    """
    assignment = os.path.abspath(assignment)
    submission = os.path.abspath(submission)
    student = student or os.path.splitext(os.path.basename(submission))[0]
    limits = {"timeout": timeout, "question_timeout": question_timeout, "memory_mb": memory_mb}
    start = time.monotonic()
    result, uid = _grade_one(assignment, submission, limits, sandbox)
    sandbox = result.pop("sandboxed", sandbox)
    result.update(student=student, submission=os.path.basename(submission),
                  digest=_digest(submission), assignment_digest=_digest(assignment),
                  seconds=round(time.monotonic() - start, 2))
    result["limits"] = limits | {"enforced": _enforced(sandbox, uid)}
    result["sandbox"] = result["limits"]["enforced"]["sandbox"]
    result["score"] = result["grade"]["total"] if result.get("grade") else 0.0
    result["max_score"] = _facts(assignment)[2]
    return result


@functools.lru_cache(maxsize=8)
def _loaded(assignment, mtime):
    """The validated assignment, its answer locations and its total points, read once."""
    loaded = load_assignment(assignment)
    return loaded, wanted_answers(loaded), sum(q["points"] for q in loaded["questions"])


def _facts(assignment):
    return _loaded(assignment, os.stat(assignment).st_mtime_ns)


_IDLE = []          # warm fork servers waiting for the next submission
_SERVERS = []       # every fork server this process started and has not closed
_SERVERS_LOCK = threading.Lock()
_SLOTS = itertools.count()
_CLOSING = threading.Event()  # set while an interrupted run stops its fork servers
_LAUNCHER = []      # the one long-lived thread that starts fork servers (see _launch)


def _launch(start):
    """Run ``start`` (a Popen) in one thread that lives as long as this process: a fork
    server dies with the thread that started it (PR_SET_PDEATHSIG), and job threads end."""
    with _SERVERS_LOCK:
        if not _LAUNCHER:
            _LAUNCHER.append(concurrent.futures.ThreadPoolExecutor(
                1, thread_name_prefix="adl-fork-server-launcher"))
    return _LAUNCHER[0].submit(start).result()


def _acquire(sandboxed, assignment=None, parent=None):
    """A warm fork server (idle, alive) for running submissions, or with ``assignment`` (the
    loaded dict) for grading that assignment; a new one when none is idle (a grader is forked
    from ``parent``, a student fork server the caller holds, when given)."""
    sandboxed = bool(sandboxed)
    role = ("student", sandboxed) if assignment is None else (
        "grader", assignment["sha256"], sandboxed)
    with _SERVERS_LOCK:
        for server in list(_IDLE):
            if server.role == role and server.process.poll() is None:
                _IDLE.remove(server)
                return server
        slot = next(_SLOTS)
    if assignment is not None:  # forked from a student fork server: no interpreter to start
        held = parent or _acquire(sandboxed)
        try:
            server = held.spawn()
        finally:
            if parent is None:
                _release(held)
        _track(server)
        try:
            server.load(assignment, DEFAULTS["question_timeout"])
        except ForkServerError:
            _drop(server)
            raise
        return server
    uid = FIRST_UID + (os.getpid() * 16 + slot) % 4000
    return _track(ForkServer(sandboxed, uid=uid, prefix=SANDBOX_PREFIX, launch=_launch))


def _release(server):
    with _SERVERS_LOCK:
        if server in _SERVERS and server.process.poll() is None:
            _IDLE.append(server)
            return
    _drop(server)


def _drop(server):
    server.close()
    with _SERVERS_LOCK:
        for pool in (_SERVERS, _IDLE):
            if server in pool:
                pool.remove(server)


def close_servers():
    """Stop every fork server of this process and everything under it (an interrupted run;
    at exit); a finished run keeps them warm for the next one."""
    with _SERVERS_LOCK:
        servers = list(_SERVERS)
    for server in servers:
        _drop(server)


def _stop_everything():
    """An interrupted run: every fork server, and everything in its sandboxes, ends now."""
    _CLOSING.set()
    close_servers()


atexit.register(close_servers)


def _grade_one(assignment, submission, limits, sandboxed):
    if _folder_size(submission) > SUBMISSION_CAP:
        return _failure("error", f"the submission is larger than "
                                 f"{SUBMISSION_CAP // 2**20} MiB"), None
    if os.path.isdir(submission):
        main, note = main_file(submission)
        if main is None:
            return _failure("error", note), None
    else:
        main, note = os.path.basename(submission), None
    kind = KINDS[os.path.splitext(main)[1]]
    if sandboxed and sandbox_problem():
        if _has_code(submission):
            return _failure("error", f"not run: {SandboxUnavailable.__name__}: cannot grade "
                                     f"untrusted code safely: {sandbox_problem()}"), None
        sandboxed = None  # answer files are only read, never run
    loaded, wanted, _ = _facts(assignment)
    facts = None
    for attempt in (1, 2):  # a fork server that died is replaced once
        server = _acquire(sandboxed)
        try:
            server.stage_submission(submission)
            (message, _), facts = server.run(
                main, kind, wanted, run_timeout=limits["timeout"],
                question_timeout=limits["question_timeout"], memory_mb=limits["memory_mb"],
                read_messages=read_messages)
            break
        except ForkServerError as error:
            _drop(server)
            if attempt == 2 or _CLOSING.is_set():  # no new sandbox for a run that is stopping
                return _failure("error", f"the sandbox failed: {error}"), server.uid
        finally:
            shutil.rmtree(os.path.join(server.stage, server.sub), ignore_errors=True)
    try:
        return _score(server, loaded, wanted, message, facts, kind, note, limits, sandboxed)
    finally:
        _release(server)


def _score(server, loaded, wanted, message, facts, kind, note, limits, sandboxed):
    """The result of one run: its status from the fork server's facts, its grade computed by
    a clean grading fork from the raw values the student's process sent."""
    raw = clean_message(message, wanted)
    status, text = _run_status(raw, facts, limits["timeout"])
    result = {"status": status, "message": text, "kind": kind, "grade": None,
              "sandboxed": sandboxed,
              "run": {k: raw[k] for k in ("cells", "notes", "stderr", "stdout_chars")}}
    if note:
        result["run"]["notes"].insert(0, note)
    if status == "error":
        return result, server.uid
    # The grading fork server holds the assignment; no submission ever forks from it.
    payload = {"answers": raw["answers"], "notes": raw["notes"],
               "question_timeout": limits["question_timeout"]}
    grader = None
    try:
        grader = _acquire(sandboxed, loaded, parent=server)
        grade, _ = grader.grade(payload, limits["question_timeout"] * len(wanted) + 10,
                                max(limits["memory_mb"], 1024))
        _release(grader)
    except ForkServerError as error:
        if grader is not None:
            _drop(grader)
        grade = None
        result["message"] = f"the grading process failed: {error}"
    if grade is None:
        result["status"] = "error"
        result["message"] = result["message"] or "the grading process failed or ran out of time"
    result["grade"] = grade
    return result, server.uid


def _run_status(raw, facts, run_timeout):
    """(status, message) from the fork server's account (the exit, the time limit) and the
    student process's report (which cell failed how): a label, never a score."""
    if facts.get("setup_error"):
        return "error", f"the sandbox could not be set up: {facts['setup_error']}"
    if facts["wait_status"] is None:
        return "timeout", f"stopped after {run_timeout:g} s; nothing was reported"
    exit_status = os.waitstatus_to_exitcode(facts["wait_status"])
    return run_status(raw, exit_status, facts["timed_out"], run_timeout)


def remove_stale_sandboxes():
    """Remove the sandbox folders left behind by grading runs that were killed."""
    pattern = os.path.join(glob.escape(tempfile.gettempdir()), SANDBOX_PREFIX + "*-*")
    for folder in glob.glob(pattern):
        owner = os.path.basename(folder)[len(SANDBOX_PREFIX):].partition("-")[0]
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError):
            pass


# ---------------------------------------------------------------------------- a whole class
LEDGER = "ledger.json"  # the grader's record of each saved result's fingerprint


def fingerprint(data):
    """The fingerprint of a saved result: SHA-256 of its file's bytes."""
    return hashlib.sha256(data).hexdigest()


def _result_bytes(result):
    return (json.dumps(result, indent=1, allow_nan=False, ensure_ascii=False) + "\n").encode()


def _read_ledger(out):
    try:
        with open(os.path.join(out, LEDGER), encoding="utf-8") as f:
            ledger = json.load(f)
        return ledger if isinstance(ledger, dict) else {}
    except (OSError, ValueError):
        return {}


_LEDGER_LOCK = threading.Lock()


def write_result(out, result):
    """Save one student's result as soon as it exists: ``out/results/<student>.json`` and their
    feedback ``out/feedback/<student>.md``, each written atomically, then the result's
    fingerprint in ``out/ledger.json``, the grader's own record that a resumed run checks."""
    for sub in ("results", "feedback"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    data = _result_bytes(result)
    path = os.path.join(out, "results", result["student"] + ".json")
    tmp = f"{path}.tmp{os.getpid()}"
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    write_text_atomic(os.path.join(out, "feedback", result["student"] + ".md"), feedback(result))
    with _LEDGER_LOCK:
        ledger = _read_ledger(out)
        ledger[result["student"]] = fingerprint(data)
        write_json_atomic(os.path.join(out, LEDGER), dict(sorted(ledger.items())), indent=1)


def load_results(out, students, assignment, submissions):
    """Results already on disk for these students, still valid: the file's fingerprint is the
    one the grader recorded, and it was graded from the same assignment and the same files."""
    done = {}
    ledger = _read_ledger(out)
    assignment_digest = _digest(assignment)
    for student in students:
        path = os.path.join(out, "results", student + ".json")
        try:
            with open(path, "rb") as f:
                data = f.read()
            if ledger.get(student) != fingerprint(data):
                continue
            result = json.loads(data)
        except (OSError, ValueError):
            continue
        if (isinstance(result, dict) and result.get("assignment_digest") == assignment_digest
                and result.get("digest") == _digest(submissions[student])):
            done[student] = result
    return done


class Progress:
    """A progress bar from ``rich`` when it is installed, else one line rewritten on stderr."""

    def __init__(self, total, done):
        self.total, self.done = total, done
        try:
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bar
            self.bar = Bar(TextColumn("grading"), BarColumn(), MofNCompleteColumn(),
                           TimeRemainingColumn(), TextColumn("{task.description}"),
                           transient=False)
            self.task = self.bar.add_task("", total=total, completed=done)
        except ImportError:
            self.bar = None

    def __enter__(self):
        if self.bar:
            self.bar.start()
        return self

    def __exit__(self, *exc):
        if self.bar:
            self.bar.stop()
        elif sys.stderr.isatty():
            sys.stderr.write("\n")

    def advance(self, result):
        self.done += 1
        text = f"{result['student']}: {result['status']}"
        if self.bar:
            self.bar.update(self.task, advance=1, description=text)
        elif sys.stderr.isatty():
            sys.stderr.write(f"\rgrading [{self.done}/{self.total}] {text}\033[K")
        else:
            sys.stderr.write(f"grading [{self.done}/{self.total}] {text}\n")


def grade_one(assignment, submission, student, options):
    """:func:`grade_submission` that never raises (one odd submission never stops the class):
    the function the local pool and Dask both run, so both give the same results."""
    try:
        return grade_submission(assignment, submission, student=student, **options)
    except Exception as error:  # noqa: BLE001
        return _failure("error", f"could not be graded: {type(error).__name__}: {error}",
                        student=student, score=0.0, max_score=None)


def _local_results(assignment, submissions, todo, jobs, options, stopping):
    """Results as they finish, from a thread per job, each with its own fork server."""
    def one(student):
        if stopping.is_set():
            return None
        result = grade_one(assignment, submissions[student], student, options)
        return None if stopping.is_set() else result
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = [pool.submit(one, s) for s in todo]
        for future in concurrent.futures.as_completed(futures):
            result = future.result()
            if result is not None:
                yield result
    finally:
        stopping.set()
        pool.shutdown(wait=True, cancel_futures=True)


def _dask_results(address, assignment, submissions, todo, jobs, options, stopping):
    """Results as they finish, from Dask distributed: ``address`` is a scheduler
    (``tcp://host:8786``) whose workers have autodiff_lab and see the same files, or "local"
    for a LocalCluster in this process (threads, one fork server each)."""
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise RuntimeError("grading on Dask needs the distributed package: pip install "
                           "'autodiff_lab[cluster]'") from None
    cluster = None
    if address == "local":
        cluster = LocalCluster(n_workers=1, threads_per_worker=jobs, processes=False,
                               protocol="tcp://", host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)
    else:
        client = Client(address, timeout=30)
    try:
        futures = [client.submit(grade_one, assignment, submissions[s], s, options,
                                 key=f"grade-{s}-{_digest(submissions[s])}")
                   for s in todo]
        for future in as_completed(futures):
            if stopping.is_set():
                break
            try:
                yield future.result()
            except Exception as error:  # noqa: BLE001 - a worker lost: recorded, the run goes on
                student = todo[futures.index(future)]
                yield _failure("error", f"could not be graded: {type(error).__name__}: "
                                        f"{error}", student=student, score=0.0, max_score=None)
    finally:
        client.cancel(futures) if "futures" in locals() else None
        client.close()
        if cluster is not None:
            cluster.close()


def grade_class(assignment, submissions_dir, out, *, jobs=None, timeout=DEFAULTS["timeout"],
                question_timeout=DEFAULTS["question_timeout"], memory_mb=DEFAULTS["memory_mb"],
                resume=True, progress=True, sandbox=True, dask=None):
    """Grade every submission in ``submissions_dir``; returns the gradebook rows.

    ``sandbox=False`` runs code without the OS sandbox (each result says so); ``dask`` is a
    Dask scheduler address, or "local" for a local cluster, instead of the local pool.
    Raises :class:`~autodiff_lab.grading.sandbox.SandboxUnavailable` when code would run
    without a sandbox that was asked for, and KeyboardInterrupt after saving what was
    finished when the run is interrupted.
    """
    submissions = find_submissions(submissions_dir)
    _CLOSING.clear()
    if sandbox and dask in (None, "local") and any(
            _has_code(path) for path in submissions.values()):
        require_sandbox()
    os.makedirs(os.path.join(out, "results"), exist_ok=True)
    for stale in glob.glob(os.path.join(glob.escape(out), "**", "*.tmp*"), recursive=True):
        os.remove(stale)  # half-written by a run that was killed: never shown, now gone
    remove_stale_sandboxes()
    results = load_results(out, submissions, assignment, submissions) if resume else {}
    # Code first: a submission that loops until its limit starts early instead of last.
    todo = sorted((s for s in submissions if s not in results),
                  key=lambda s: not _has_code(submissions[s]))
    jobs = jobs or os.cpu_count() or 1
    warming = _prewarm(assignment, todo if dask is None else [], jobs, sandbox)
    options = {"timeout": timeout, "question_timeout": question_timeout,
               "memory_mb": memory_mb, "sandbox": sandbox}
    stopping = threading.Event()
    bar = Progress(len(submissions), len(results)) if progress else None
    if dask is None:
        stream = _local_results(assignment, submissions, todo, jobs, options, stopping)
    else:
        stream = _dask_results(dask, assignment, submissions, todo, jobs, options, stopping)
    try:
        warming.wait()
        with bar or _Null():
            written = 0.0
            for result in stream:
                write_result(out, result)
                results[result["student"]] = result
                if time.monotonic() - written > GRADEBOOK_EVERY:  # not O(class) per result
                    write_gradebook(out, [results[s] for s in sorted(results)])
                    written = time.monotonic()
                if bar:
                    bar.advance(result)
    except BaseException:
        stopping.set()
        _stop_everything()
        stream.close()
        # A result saved just before the interruption, but not yet added: the gradebook lists
        # every result on disk, so it matches what a resumed run starts from.
        results.update({s: r for s, r in load_results(out, todo, assignment, submissions).items()
                        if s not in results})
        write_gradebook(out, [results[s] for s in sorted(results)])
        raise
    rows = write_gradebook(out, [results[s] for s in sorted(results)])
    write_reports(out, [results[s] for s in sorted(results)], assignment)
    return rows


def _prewarm(assignment, todo, jobs, sandbox):
    """Start the fork servers of every job before the first submission (each was otherwise
    started by a job's first submission), then their graders while the first submissions
    run, and import matplotlib for the histogram, in the background. One interpreter is
    started: the other jobs' fork servers are forked from it, each with a user and a stage
    folder of its own, and the graders from one grader. Returns an event set once the fork
    servers wait for submissions (or could not be started: each job then starts its own)."""
    ready = threading.Event()
    if not todo:
        ready.set()
        return ready
    threading.Thread(target=_import_matplotlib, daemon=True).start()
    sandboxed = bool(sandbox) and not sandbox_problem()
    loaded = _facts(os.path.abspath(assignment))[0]
    n = min(jobs, len(todo))

    def warm():
        made, grader = [], None
        try:
            first = _acquire(sandboxed)
            made.append(first)
            made += [_track(first.spawn(*_new_user())) for _ in range(n - 1)]
            grader = _track(first.spawn())  # loaded below, while submissions run
        except ForkServerError:
            pass  # each job starts its own, and a submission that cannot run records why
        finally:
            for server in made:
                _release(server)
            ready.set()
        if grader is None:
            return
        try:
            grader.load(loaded, DEFAULTS["question_timeout"])
        except ForkServerError:
            _drop(grader)  # never idle: unloaded, it would pass for a student fork server
            return
        made = [grader]
        try:
            made += [_track(grader.spawn()) for _ in range(n - 1)]
        except ForkServerError:
            pass
        finally:
            for server in made:
                _release(server)
    threading.Thread(target=warm, daemon=True, name="adl-prewarm").start()
    return ready


def _new_user():
    """(uid, stage folder) for a new student fork server: neither used by another."""
    slot = next(_SLOTS)
    return FIRST_UID + (os.getpid() * 16 + slot) % 4000, f"sub{slot}"


def _track(server):
    with _SERVERS_LOCK:
        _SERVERS.append(server)
    return server


def _import_matplotlib():
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot  # noqa: F401 - for histogram(), at the end of the run
    except Exception:  # noqa: BLE001 - histogram() says what is wrong
        pass


def _has_code(path):
    """Whether a submission has a notebook or script (what an answer file does not have)."""
    return any(os.path.splitext(p)[1] in (".py", ".ipynb") for p in _files(path))


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------------------- reports
def gradebook_rows(results):
    """One row per student: status, total, a column per question and per (question, tag)."""
    questions, tags = [], []
    for result in results:
        for q in (result.get("grade") or {}).get("questions", []):
            if q["id"] not in questions:
                questions.append(q["id"])
            tags += [f"{q['id']}:{t}" for t in q.get("tags", []) if f"{q['id']}:{t}" not in tags]
    tags.sort()
    rows = []
    for result in results:
        grade = result.get("grade") or {}
        by_id = {q["id"]: q for q in grade.get("questions", [])}
        row = {"student": result["student"], "status": result["status"],
               "score": result.get("score", 0.0), "max_score": result.get("max_score"),
               "needs_review": sum(1 for q in by_id.values() if q.get("needs_review")),
               "sandbox": result.get("sandbox", "")}
        row.update({q: by_id[q]["score"] if q in by_id else 0.0 for q in questions})
        for t in tags:  # "question:tag" columns
            question, _, tag = t.partition(":")
            row[t] = int(tag in by_id.get(question, {}).get("tags", []))
        row["message"] = result.get("message", "")
        rows.append(row)
    return rows


def write_gradebook(out, results):
    """``gradebook.json`` and ``gradebook.csv``, each replaced in one step (never half written)."""
    rows = gradebook_rows(results)
    write_json_atomic(os.path.join(out, "gradebook.json"), rows, indent=1, allow_nan=False)
    text = io.StringIO()
    if rows:
        writer = csv.DictWriter(text, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    write_text_atomic(os.path.join(out, "gradebook.csv"), text.getvalue())
    return rows


def feedback(result):
    """A student's feedback as Markdown: the score, then each question's score and message."""
    grade = result.get("grade") or {}
    lines = [f"# Feedback for {result['student']}", ""]
    total, most = result.get("score", 0.0), result.get("max_score")
    lines.append(f"**Score: {total:g}" + (f" / {most:g}**" if most is not None else "**"))
    message = result.get("message") or ""
    if result["status"] != "ok" or message:
        lines += ["", f"Status: {result['status']}. {message[:1].upper()}{message[1:]}".rstrip()]
    for q in grade.get("questions", []):
        lines += ["", f"## {q['id']}: {q['score']:g} / {q['points']:g}", "",
                  q.get("message", "").strip() or "(no message)"]
    run = result.get("run") or {}
    problems = [c for c in run.get("cells", []) if c.get("status") not in ("ok", None)
                and (c.get("error") or "") not in message]
    if problems or run.get("notes"):
        lines += ["", "## While running your code", ""]
        for c in problems:
            where = f"cell {c['cell']}" if c.get("cell") else "your code"
            lines.append(f"- {where}: {c['status']}: {c.get('error') or ''}".rstrip(": "))
        lines += [f"- {n}" for n in run.get("notes", [])]
    return "\n".join(lines) + "\n"


def class_report(results):
    """Sentences like '38% dropped the chain-rule factor in Q3', most common first."""
    graded = [r for r in results if r.get("grade")]
    if not graded:
        return []
    counts = {}
    for r in graded:
        for q in r["grade"].get("questions", []):
            for tag in q.get("tags", []):
                counts[(q["id"], tag)] = counts.get((q["id"], tag), 0) + 1
    lines = []
    absent = ("missing", "missing_output")  # no answer at all: after the mistakes
    for (qid, tag), n in sorted(counts.items(), key=lambda kv: (kv[0][1] in absent, -kv[1],
                                                                 kv[0])):
        what = REPORT_PHRASES.get(tag, f"made the mistake “{tag.replace('_', ' ')}”")
        lines.append(f"{round(100 * n / len(graded))}% {what} in {qid} ({n} of {len(graded)})")
    return lines


def summary(results, title="the assignment"):
    """The class summary as Markdown: statuses, mean and median, per-question stats, report."""
    scores = [r.get("score", 0.0) for r in results]
    most = next((r["max_score"] for r in results if r.get("max_score")), None)
    lines = [f"# Grading summary: {title}", ""]
    unsandboxed = [r["student"] for r in results if r.get("sandbox", "").startswith("none (--")]
    if unsandboxed:
        lines += [f"**WARNING: {len(unsandboxed)} of {len(results)} submissions ran WITHOUT the "
                  f"OS sandbox (--no-sandbox): their code could read the reference answers and "
                  f"other students' files and change any file this user can write; do not "
                  f"trust their scores unless you trust their code.**", ""]
    lines.append(f"{len(results)} submissions.")
    counts = {s: sum(r["status"] == s for r in results) for s in STATUSES}
    lines.append("Status: " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + ".")
    if scores:
        lines.append(f"Mean {statistics.mean(scores):.2f}, median {statistics.median(scores):g}"
                     + (f" out of {most:g}." if most is not None else "."))
    rows = gradebook_rows(results)
    questions = [k for k in (rows[0] if rows else {}) if k not in (
        "student", "status", "score", "max_score", "needs_review", "sandbox", "message")
        and ":" not in k]
    if questions:
        lines += ["", "| question | points | mean | full marks | zero | needs review |",
                  "|---|---|---|---|---|---|"]
        for qid in questions:
            graded = [q for r in results for q in (r.get("grade") or {}).get("questions", [])
                      if q["id"] == qid]
            points = graded[0]["points"] if graded else 0
            values = [row[qid] for row in rows]
            lines.append(f"| {qid} | {points:g} | {statistics.mean(values):.2f} | "
                         f"{sum(v >= points for v in values)} | {sum(v == 0 for v in values)} | "
                         f"{sum(bool(q.get('needs_review')) for q in graded)} |")
    report = class_report(results)
    if report:
        lines += ["", "## Class report", ""] + [f"- {line}" for line in report]
    failures = [r for r in results if r["status"] != "ok"]
    if failures:
        lines += ["", "## Submissions that did not run cleanly", ""]
        lines += [f"- {r['student']}: {r['status']}: {r.get('message', '')}" for r in failures]
    return "\n".join(lines) + "\n"


def histogram(results, path):
    """A PNG histogram of the total scores."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    scores = [r.get("score", 0.0) for r in results]
    most = next((r["max_score"] for r in results if r.get("max_score")), None)
    fig, ax = plt.subplots(figsize=(6, 3.5), dpi=100)
    top = most if most else max(scores + [1.0])
    ax.hist(scores, bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#4477aa",
            edgecolor="white")
    ax.set_xlabel("score" + (f" (out of {most:g})" if most else ""))
    ax.set_ylabel("students")
    ax.set_title(f"Scores of {len(scores)} submissions")
    fig.tight_layout()
    tmp = path + ".tmp.png"
    fig.savefig(tmp)
    plt.close(fig)
    os.replace(tmp, path)


def write_reports(out, results, assignment):
    """summary.md and histogram.png from the results."""
    try:
        with open(assignment, encoding="utf-8") as f:
            title = json.load(f).get("title") or os.path.basename(assignment)
    except (OSError, ValueError, AttributeError):
        title = os.path.basename(assignment)
    write_text_atomic(os.path.join(out, "summary.md"), summary(results, title))
    histogram(results, os.path.join(out, "histogram.png"))


def command(args):
    """``autodiff-lab grade ASSIGNMENT SUBMISSIONS --out DIR``: exit 0 when the class is graded,
    1 when the assignment is unusable, 130 when interrupted (rerun to continue)."""
    from .assignment import AssignmentError
    try:
        load_assignment(args.assignment)
    except AssignmentError as e:
        print(f"autodiff-lab grade: {e}", file=sys.stderr)
        return 1
    if not os.path.isdir(args.submissions):
        print(f"autodiff-lab grade: {args.submissions} is not a folder", file=sys.stderr)
        return 1
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)  # a polite kill saves finished work like Ctrl-C
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started ignoring it
    sandbox = not getattr(args, "no_sandbox", False)
    dask = getattr(args, "scheduler", None) or ("local" if getattr(args, "dask", False) else None)
    if not sandbox:
        print("autodiff-lab grade: WARNING: --no-sandbox: students' code runs WITHOUT the OS "
              "sandbox, as this user; every result records it", file=sys.stderr)
    try:
        rows = grade_class(args.assignment, args.submissions, args.out, jobs=args.jobs,
                           timeout=args.timeout, question_timeout=args.question_timeout,
                           memory_mb=args.memory_mb, resume=args.resume, sandbox=sandbox,
                           dask=dask)
    except SandboxUnavailable as e:
        print(f"autodiff-lab grade: {e}", file=sys.stderr)
        return 1
    except RuntimeError as e:
        if "distributed" not in str(e):
            raise
        print(f"autodiff-lab grade: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"\ninterrupted: finished results are in {args.out}/results; run the same "
              f"command again to grade the rest", file=sys.stderr)
        return 130
    failed = sum(row["status"] != "ok" for row in rows)
    print(f"graded {len(rows)} submissions ({failed} did not run cleanly): "
          f"{os.path.join(args.out, 'gradebook.csv')}, {os.path.join(args.out, 'summary.md')}")
    return 0
