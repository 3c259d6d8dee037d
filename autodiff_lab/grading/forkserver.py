"""A warm fork server: one interpreter with NumPy, SymPy and autodiff_lab imported, forking a
sandboxed student process per submission and a clean grading process per result.

The grader starts it (inside ``bwrap``, see :mod:`autodiff_lab.grading.sandbox`) with one end
of a Unix socket and talks to it in JSON, one request at a time:

* ``{"op": "run", ...}`` with the write end of a pipe the grader owns: the fork server
  forks a *keeper* that makes new namespaces and forks the *student process*; that process
  mounts its private /proc, /tmp and home, copies the submission in, drops to its own user,
  sets its rlimits and runs the submission, sending raw values on that pipe. The fork
  server kills it when its time is up and answers ``{"wait_status", "timed_out", ...}``;
* ``{"op": "grade"}`` with a pipe to read the answers from and one to write the grade to: a
  fork that never ran student code scores them (:func:`autodiff_lab.grading.worker.grade`).

The fork server never runs student code and holds no reference answers (the grading fork reads
them from its pipe), so whatever a student process does, the next one starts from the same
clean interpreter.
"""

import ctypes
import json
import os
import re
import resource
import select
import shutil
import signal
import socket
import sys
import time

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_NOSUID, MS_NODEV, MS_REC, MS_PRIVATE = 2, 4, 0x4000, 1 << 18
MS_RDONLY, MS_REMOUNT, MS_BIND = 1, 32, 4096
PR_SET_PDEATHSIG, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 24, 38
SETUP_FAILED = 111         # the student process's exit code when its sandbox could not be made
REQUEST_CAP = 1 << 20      # bytes of one request on the socket
HOME_MB = 64               # the student's home and /tmp, each
PROCESSES = 64             # processes and threads the student's user may have
OPEN_FILES = 256
FILE_SIZE = 64 * 2**20

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _mount(source, target, fstype, flags=0, data=None):
    _check(_libc.mount(source and source.encode(), target.encode(),
                       fstype and fstype.encode(), ctypes.c_ulong(flags),
                       data and data.encode()), f"mount {target}")


def _prctl(option, value):
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def set_limits(memory_mb, cpu_seconds, processes=True):
    """The student's rlimits (lowered only, so a student cannot raise them again)."""
    cpu = max(1, int(cpu_seconds))
    limits = [(resource.RLIMIT_AS, memory_mb * 2**20), (resource.RLIMIT_CPU, cpu),
              (resource.RLIMIT_FSIZE, FILE_SIZE), (resource.RLIMIT_CORE, 0),
              (resource.RLIMIT_NOFILE, OPEN_FILES)]
    if processes:
        limits.append((resource.RLIMIT_NPROC, PROCESSES))
    for which, value in limits:
        hard = value + 1 if which == resource.RLIMIT_CPU else value  # SIGKILL a second later
        resource.setrlimit(which, (value, hard))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a huge file write fails instead of killing


def _prepare_home(uid, sub):
    """In PID 1 of the student's namespaces, as root: its own /proc, an empty /tmp and
    /dev/shm, and a small tmpfs home holding a copy of the staged submission (links stay
    links); the stage itself is then hidden."""
    from .sandbox import HOME, STAGE
    from .sandbox import python_roots
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV)
    for where in ("/tmp", "/dev/shm", HOME):
        if not os.path.isdir(where):
            continue
        # Python itself may live below the folder (a venv in a clone under /tmp): keep a handle
        # on each such root, and bind it back, read-only, over the fresh tmpfs.
        inside = [r for r in python_roots() if r.startswith(where.rstrip("/") + "/")]
        handles = [os.open(r, os.O_PATH | os.O_DIRECTORY) for r in inside]
        _mount("tmpfs", where, "tmpfs", MS_NOSUID | MS_NODEV,
               f"size={HOME_MB}m,nr_inodes=4096,mode=0755,uid={uid},gid={uid}")
        for root, handle in zip(inside, handles):
            os.makedirs(root, mode=0o755, exist_ok=True)
            _mount(f"/proc/self/fd/{handle}", root, None, MS_BIND | MS_REC)
            _mount(None, root, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
            os.close(handle)
    staged = os.path.join(STAGE, sub)
    for entry in os.listdir(staged):
        source, target = os.path.join(staged, entry), os.path.join(HOME, entry)
        if os.path.isdir(source) and not os.path.islink(source):
            shutil.copytree(source, target, symlinks=True)
        else:
            shutil.copy2(source, target, follow_symlinks=False)
    for root, dirs, files in os.walk(HOME):
        for name in [root] + [os.path.join(root, n) for n in dirs + files]:
            os.lchown(name, uid, uid)
    _mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "size=4k,mode=0755")
    return HOME


def _drop_privileges(uid, memory_mb, cpu_seconds):
    """In the student process: no way back (its own user, no capabilities, no_new_privs),
    death with its parent, and the rlimits."""
    for cap in range(64):  # capabilities no process of this user can ever get back
        if _libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0:
            break
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if 0 in os.getresuid() or 0 in os.getresgid():
        raise OSError("the student process is still root")
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # after setuid, which clears it
    set_limits(memory_mb, cpu_seconds)


def _student_env(home):
    return {"PATH": "/usr/bin:/bin", "HOME": home, "TMPDIR": "/tmp", "LANG": "C.UTF-8",
            "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp", "PYTHONDONTWRITEBYTECODE": "1",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def _keeper(request, answers_w, report_w, sandboxed, stage):
    """The fork server's child: new namespaces, and their PID 1 (:func:`_init`); it reports
    that pid on ``report_w`` (a pipe the student process never has) and waits."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    _close_all_but(answers_w, report_w)  # the socket to the grader above all
    if sandboxed:
        # A network namespace of its own: two submissions of sibling fork servers (one
        # bwrap) may run at once, and must not meet on a loopback or an abstract socket.
        _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC
                             | CLONE_NEWUTS | CLONE_NEWNET), "unshare")
        _mount(None, "/", None, MS_REC | MS_PRIVATE)
    pid = os.fork()
    if pid == 0:
        _init(request, answers_w, report_w, sandboxed, stage)
    os.close(answers_w)
    os.write(report_w, (json.dumps({"pid": pid}) + "\n").encode())
    os.waitpid(pid, 0)
    if not sandboxed:  # no PID namespace: what the student started is found by its session
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
    os._exit(0)


def _init(request, answers_w, report_w, sandboxed, stage):
    """PID 1 of the student's namespaces: root, never runs student code. It prepares the home,
    forks the student process, reaps orphans, and when the student process ends reports its
    wait status and exits, which ends every process left in the namespace."""
    from . import worker

    def report(**facts):
        os.write(report_w, (json.dumps(facts) + "\n").encode())
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    cpu = request["run_timeout"] + 2
    try:
        sub = request.get("sub", "sub")
        if not re.fullmatch(r"sub[0-9]*", sub):
            raise ValueError(f"bad stage folder {sub!r}")
        if sandboxed:
            home = _prepare_home(request["uid"], sub)
        else:
            os.setsid()
            home = os.path.join(stage, sub)
    except BaseException as error:  # noqa: BLE001 - said to the grader, then stop
        report(setup_error=f"{type(error).__name__}: {error}"[:500])
        os._exit(SETUP_FAILED)
    setup_r, setup_w = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(setup_r)
        os.close(report_w)
        try:
            os.chdir(home)
            if sandboxed:
                _drop_privileges(request["uid"], request["memory_mb"], cpu)
            else:
                set_limits(request["memory_mb"], cpu, processes=False)
            os.environ.clear()
            os.environ.update(_student_env(home))
        except BaseException as error:  # noqa: BLE001 - said to the grader, then stop
            os.write(setup_w, f"{type(error).__name__}: {error}"[:500].encode())
            os._exit(SETUP_FAILED)
        os.close(setup_w)
        try:
            worker.run_student(request["main"], request["kind"], request["wanted"],
                               answers_w, request["question_timeout"], request["run_timeout"])
        finally:
            os._exit(1)  # whatever escaped, never back into the fork server's request loop
    os.close(setup_w)
    os.close(answers_w)
    problem = b""
    while chunk := os.read(setup_r, 4096):
        problem += chunk
    status = None
    while status is None:
        try:
            pid, wait_status = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        if pid == child:
            status = wait_status
    report(wait_status=status, setup_error=problem.decode(errors="replace"))
    os._exit(0)


def _close_all_but(*keep):
    """Close every file descriptor above 2 except ``keep``."""
    low = 3
    for fd in sorted(keep) + [1 << 16]:
        os.closerange(low, fd)
        low = fd + 1


def _wait(pid, deadline, on_line=None, report_r=None):
    """Wait for child ``pid`` to end until ``deadline``, passing each JSON line read from
    ``report_r`` meanwhile to ``on_line``; returns (timed out, the bytes after the last line)."""
    pidfd = os.pidfd_open(pid)
    buffer, timed_out = b"", False
    try:
        watched = [pidfd] + ([report_r] if report_r is not None else [])
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                timed_out = True
                break
            ready, _, _ = select.select(watched, [], [], left)
            if report_r in ready:
                chunk = os.read(report_r, 65536)
                if not chunk:
                    watched.remove(report_r)
                buffer += chunk
                *lines, buffer = buffer.split(b"\n")
                for line in lines:
                    on_line(json.loads(line))
            if pidfd in ready:
                break
    finally:
        os.close(pidfd)
    return timed_out, buffer


def _run(request, fds, sandboxed, stage):
    answers_w, = fds
    report_r, report_w = os.pipe()
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(report_r)
        _keeper(request, answers_w, report_w, sandboxed, stage)
    os.close(answers_w)
    os.close(report_w)
    seen = {}
    deadline = start + request["run_timeout"] + request.get("startup", 5.0)
    timed_out, rest = _wait(pid, deadline, seen.update, report_r)
    if timed_out:
        if "pid" in seen:
            _kill(seen["pid"])  # the student's PID 1: its whole namespace goes with it
            if not sandboxed:
                _kill(-seen["pid"])
        _kill(pid)
    _, keeper_status = os.waitpid(pid, 0)
    rest += _read_all(report_r)
    os.close(report_r)
    for line in rest.split(b"\n"):
        if line.strip():
            seen.update(json.loads(line))
    return {"op": "done", "wait_status": seen.get("wait_status"), "timed_out": timed_out,
            "setup_error": seen.get("setup_error") or "", "keeper_status": keeper_status,
            "seconds": round(time.monotonic() - start, 3)}


def _read_all(fd):
    data = b""
    while True:
        ready, _, _ = select.select([fd], [], [], 0)
        if not ready:
            return data
        chunk = os.read(fd, 65536)
        if not chunk:
            return data
        data += chunk


def _kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _grading_child(request, in_r, out_w):
    """A fresh fork scores one submission's answers: payload in, grade out, both JSON."""
    from .worker import _finite, grade
    _close_all_but(in_r, out_w)
    set_limits(request.get("memory_mb", 1024), request["timeout"] + 1, processes=False)
    data = b""
    while chunk := os.read(in_r, 1 << 20):
        data += chunk
    payload = json.loads(data)
    result = grade(payload.get("assignment") or _LOADED["assignment"], payload["answers"],
                   payload["notes"], payload["question_timeout"])
    data = json.dumps(_finite(result), allow_nan=False).encode()
    while data:
        data = data[os.write(out_w, data):]
    os._exit(0)


_LOADED = {}  # a grading fork server's assignment (such a server never runs a submission)


def _load(request, fds):
    """Make this fork server a grader of one assignment: read it from the pipe, grade made-up
    answers once so SymPy's caches hold its reference answers, and refuse to run submissions
    from now on (they would fork with the reference answers in memory)."""
    import gc

    from .worker import grade
    in_r, = fds
    data = b""
    while chunk := os.read(in_r, 1 << 20):
        data += chunk
    os.close(in_r)
    assignment = json.loads(data)
    _LOADED["assignment"] = assignment
    made_up = {"derivative": "x", "expression": "x", "output": "x"}
    answers = {q["id"]: made_up.get(q["kind"], [[0.0]]) for q in assignment["questions"]}
    try:
        grade(assignment, answers, [], request.get("question_timeout", 10.0))
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    gc.collect()
    gc.freeze()
    return {"op": "done"}


def _grade(request, fds):
    in_r, out_w = fds
    start = time.monotonic()
    pid = os.fork()
    if pid == 0:
        _grading_child(request, in_r, out_w)
    os.close(in_r)
    os.close(out_w)
    timed_out, _ = _wait(pid, start + request["timeout"])
    if timed_out:
        _kill(pid)
    _, status = os.waitpid(pid, 0)
    return {"op": "done", "wait_status": status, "timed_out": timed_out,
            "seconds": round(time.monotonic() - start, 3)}


def warm_up():
    """Grade made-up answers to made-up questions of every kind once, so that each grading
    fork starts with SymPy's lazy imports done and its caches warm (no real reference answer
    is ever in the fork server)."""
    from .assignment import grade_answers, validate_assignment
    questions = validate_assignment({"questions": [
        {"id": "w1", "kind": "derivative", "function": "3x^3 sin(2x) + exp(x)/x + log(x^2+1)"},
        {"id": "w2", "kind": "expression", "expected": "x^2 + 1"},
        {"id": "w3", "kind": "grad", "expected": [1, 2], "dtype": "float32"},
        {"id": "w4", "kind": "output", "expected": "tensor(1.)"},
        {"id": "w5", "kind": "tensor", "expected": [1, 2]}]})
    grade_answers(questions, {"w1": "9x^2 sin(2x) + cos(x)", "w2": "x^2 + 2", "w3": {
        "kind": "tensor", "data": [1, 2], "shape": [2], "dtype": "float64"},
        "w4": "tensor(2.)", "w5": "[[1, 2]]"})


def serve(fd, sandboxed, stage):
    """The fork server: imports and warm-up once, then requests until the grader hangs up."""
    import numpy  # noqa: F401 - imported once here, so no submission pays for it
    import sympy  # noqa: F401

    import autodiff_lab  # noqa: F401

    from . import assignment, check, diagnose, equivalence, worker  # noqa: F401
    warm_up()
    import gc
    gc.collect()
    gc.freeze()  # forks do not walk (and so copy) the fork server's objects when they collect
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    _serve_loop(socket.socket(fileno=fd), sandboxed, stage)


def _spawn(fds, sandboxed, stage, sock):
    """A second fork server, forked from this one before it has run anything else, serving
    the socket it was given (the grader uses it to grade: no student forks from it)."""
    new, = fds
    pid = os.fork()
    if pid == 0:
        sock.close()
        try:
            _serve_loop(socket.socket(fileno=new), sandboxed, stage)
        finally:
            os._exit(0)
    os.close(new)
    return {"op": "done", "pid": pid}


def _serve_loop(sock, sandboxed, stage):
    sock.send(json.dumps({"op": "ready", "pid": os.getpid(), "uid": os.getuid()}).encode())
    while True:
        try:
            data, fds, _, _ = socket.recv_fds(sock, REQUEST_CAP, 4)
        except OSError:
            break
        if not data:
            break
        try:
            request = json.loads(data)
            if request["op"] == "run" and _LOADED:
                reply = {"op": "error", "error": "a grading fork server runs no submission"}
            elif request["op"] == "run":
                reply = _run(request, fds, sandboxed, stage)
            elif request["op"] == "load":
                reply = _load(request, fds)
            elif request["op"] == "grade":
                reply = _grade(request, fds)
            elif request["op"] == "spawn":
                reply = _spawn(fds, sandboxed, stage, sock)
            else:
                reply = {"op": "error", "error": f"unknown request {request['op']!r}"}
        except Exception as error:  # noqa: BLE001 - said to the grader, which decides
            for fd_ in fds:
                try:
                    os.close(fd_)
                except OSError:
                    pass
            reply = {"op": "error", "error": f"{type(error).__name__}: {error}"[:500]}
        sock.send(json.dumps(reply).encode())


# ---------------------------------------------------------------------------- the grader's side
class ForkServerError(RuntimeError):
    """The fork server stopped answering or failed; the grader starts a new one."""


class ForkServer:
    """The grader's handle on one fork server (one per job): :meth:`run` a submission,
    :meth:`grade` its answers, :meth:`close` at the end.

    ``sandboxed=False`` runs the fork server as a plain process (``--no-sandbox``): the same
    protocol and limits that need no privileges, but no namespaces and no other user.
    """

    def __init__(self, sandboxed=True, uid=None, prefix="adl-grade-", launch=None):
        import subprocess
        import tempfile

        from . import sandbox
        self.sandboxed, self.uid, self.owner, self.sub = sandboxed, uid, True, "sub"
        self.role = ("student", sandboxed)
        self.stage = tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-")
        os.chmod(self.stage, 0o755)
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.sock = ours
        inner_stage = sandbox.STAGE if sandboxed else self.stage
        python = [sys.executable, "-B", "-m", "autodiff_lab.grading.forkserver",
                  "--fd", str(theirs.fileno()), "--stage", inner_stage]
        env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/tmp",
               "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "MPLBACKEND": "Agg",
               "MPLCONFIGDIR": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "MKL_NUM_THREADS": "1", "PYTHONPATH": sandbox.MOUNT_POINT if sandboxed
               else sandbox.package_dir()}
        if sandboxed:
            command = sandbox.bwrap_command(self.stage) + python + ["--sandboxed"]
        else:
            command = python
        def start():
            return subprocess.Popen(command, pass_fds=[theirs.fileno()], env=env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE, start_new_session=True)
        try:
            self.process = launch(start) if launch else start()
        finally:
            theirs.close()
        try:
            hello = self._reply(120)
        except ForkServerError:
            error = b""
            if self.process.poll() is not None:
                error = self.process.stderr.read()
            self.close()
            raise ForkServerError("the fork server did not start: "
                                  + error.decode(errors="replace").strip()[-500:]) from None
        self.process.stderr.close()
        if sandboxed and hello.get("uid") != 0:
            self.close()
            raise ForkServerError("the sandboxed fork server lost its privileges")

    def _reply(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(REQUEST_CAP)
        except (OSError, socket.timeout) as error:
            raise ForkServerError(f"no answer from the fork server: {error}") from None
        if not data:
            raise ForkServerError("the fork server ended")
        reply = json.loads(data)
        if reply.get("op") == "error":
            raise ForkServerError(reply["error"])
        return reply

    def _request(self, request, fds):
        try:
            socket.send_fds(self.sock, [json.dumps(request).encode()], fds)
        except OSError as error:
            raise ForkServerError(f"the fork server is gone: {error}") from None

    def stage_submission(self, path):
        """Put a copy of one submission (a file, or a folder; links stay links) in the stage."""
        target = os.path.join(self.stage, self.sub)
        shutil.rmtree(target, ignore_errors=True)
        if os.path.isdir(path):
            shutil.copytree(path, target, symlinks=True)
        else:
            os.mkdir(target)
            shutil.copy2(path, target, follow_symlinks=False)
        return target

    def run(self, main, kind, wanted, *, run_timeout, question_timeout, memory_mb,
            read_messages):
        """Run the staged submission; ``read_messages(fd, deadline)`` reads the raw values
        from the pipe. Returns (what it read, the fork server's account of the run)."""
        answers_r, answers_w = os.pipe()
        request = {"op": "run", "main": main, "kind": kind, "wanted": wanted,
                   "run_timeout": run_timeout, "question_timeout": question_timeout,
                   "memory_mb": memory_mb, "uid": self.uid, "startup": 2.0, "sub": self.sub}
        try:
            self._request(request, [answers_w])
        finally:
            os.close(answers_w)
        try:
            read = read_messages(answers_r, time.monotonic() + run_timeout + 15)
        finally:
            os.close(answers_r)
        return read, self._reply(run_timeout + 30)

    def spawn(self, uid=None, sub=None):
        """A new fork server forked from this one (sharing its process and stage): warm at
        once, no interpreter to start. It is closed when this one is. With ``uid`` and
        ``sub`` (a folder name ``subN`` of the stage) it runs submissions of its own, as that
        user, alongside this one's."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._request({"op": "spawn"}, [theirs.fileno()])
        finally:
            theirs.close()
        self._reply(60)
        child = object.__new__(ForkServer)
        child.sandboxed, child.uid, child.role = self.sandboxed, uid or self.uid, self.role
        child.sub = sub or self.sub
        child.stage, child.process, child.sock, child.owner = self.stage, self.process, ours, False
        child._reply(60)  # its "ready"
        return child

    def load(self, assignment, question_timeout):
        """Make this fork server the grader of ``assignment`` (it runs no submission after)."""
        in_r, in_w = os.pipe()
        try:
            self._request({"op": "load", "question_timeout": question_timeout}, [in_r])
        finally:
            os.close(in_r)
        with os.fdopen(in_w, "wb") as pipe:
            pipe.write(json.dumps(assignment, allow_nan=False).encode())
        self.role = ("grader", assignment["sha256"], self.sandboxed)
        return self._reply(120)

    def grade(self, payload, timeout, memory_mb=1024):
        """The grade of one submission's answers, computed in a fresh fork; None when the
        grading process failed or ran out of time."""
        in_r, in_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            self._request({"op": "grade", "timeout": timeout, "memory_mb": memory_mb},
                          [in_r, out_w])
        finally:
            os.close(in_r)
            os.close(out_w)
        data = json.dumps(payload, allow_nan=False).encode()
        try:
            with os.fdopen(in_w, "wb") as pipe:
                pipe.write(data)
        except BrokenPipeError:
            pass
        with os.fdopen(out_r, "rb") as pipe:
            out = pipe.read()
        reply = self._reply(timeout + 30)
        if reply["timed_out"] or reply["wait_status"] != 0:
            return None, reply
        return json.loads(out), reply

    def close(self):
        """Stop the fork server and everything under it; remove its stage."""
        try:
            self.sock.close()
        except OSError:
            pass
        if not self.owner:  # a spawned one ends when its socket closes
            return
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except OSError:
                pass
        self.process.wait()
        shutil.rmtree(self.stage, ignore_errors=True)


def main(argv=None):
    import argparse
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--stage", required=True)
    parser.add_argument("--sandboxed", action="store_true")
    args = parser.parse_args(argv)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    serve(args.fd, args.sandboxed, args.stage)


if __name__ == "__main__":
    main()
