"""The operating-system sandbox a submission runs in: bubblewrap around a warm fork server.

Nothing in the student's process is trusted. The layout, from the grader down:

* the **grader** (the ``autodiff-lab grade`` process, or a Dask worker) owns the results, the
  gradebook and the assignment, and starts one fork server per job (the first started
  by bwrap, the others forked from it: one interpreter pays the imports);
* the **fork server** (:mod:`autodiff_lab.grading.forkserver`) runs inside ``bwrap``: its own
  PID, network, IPC and UTS namespaces, a root made of read-only binds of /usr, the Python
  installation, its site-packages and this package only (not /work, /home, the class, the
  assignment or the out dir), a private /dev, /proc and /tmp. It imports NumPy, SymPy and
  autodiff_lab once and never runs student code;
* for each submission it forks a **student process** that unshares new PID, mount, IPC,
  UTS and network namespaces (every descendant dies with it, ``setsid`` or not; its network
  has not even a loopback that is up, so two submissions of sibling fork servers, forked
  from one interpreter for two jobs, each with a user of its own, never meet), mounts its own
  /proc, an empty /tmp and a small tmpfs home holding a copy of that student's files, drops to
  an unprivileged user of its own (no capabilities, ``no_new_privs``), sets rlimits on
  address space, CPU time, processes, file size and open files, and only then runs the
  submission. It reports raw values (answers, tensors with dtype and shape, printed output)
  as size-capped JSON lines on a pipe whose other end the grader holds;
* the grader reads that pipe, asks the fork server for a fresh **grading process** (a fork
  that never ran student code) to score the answers, with a time limit per question, and
  writes the result itself. No file the student can write is ever read back.

``bwrap`` needs root here (the fork server keeps the capabilities to make namespaces for each
submission and to change user); without it ``grade`` refuses notebooks and scripts unless the
instructor passes ``--no-sandbox``.
"""

import functools
import os
import shutil
import subprocess
import sys

PACKAGE = "bubblewrap"            # the Debian/Ubuntu/Fedora package that has ``bwrap``
MOUNT_POINT = "/opt/autodiff_lab"  # where the package's source is bound inside the sandbox
STAGE = "/stage"                   # where the grader's copy of one submission is bound (read-only)
HOME = "/home/student"             # the student's working folder (a tmpfs, a copy of STAGE)
FIRST_UID = 61000                  # the student users: one per fork server, none of them in use

_ETC = ("/etc/ld.so.cache", "/etc/localtime", "/etc/nsswitch.conf", "/etc/passwd",
        "/etc/group", "/etc/alternatives")


class SandboxUnavailable(RuntimeError):
    """No OS sandbox here: the message says what to install or how to run instead."""


def package_dir():
    """The folder holding the ``autodiff_lab`` package (bound read-only into the sandbox)."""
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@functools.lru_cache(maxsize=1)
def python_roots():
    """The folders the sandboxed interpreter needs: its prefixes (a venv and the Python it was
    made from) and every site-packages folder, deduplicated, outside /usr."""
    import site
    import sysconfig
    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix,
             os.path.dirname(os.path.realpath(sys.executable))}
    roots |= set(site.getsitepackages()) | {sysconfig.get_paths()["purelib"],
                                            sysconfig.get_paths()["platlib"]}
    numpy_dir = os.path.dirname(os.path.dirname(os.path.realpath(
        __import__("numpy").__file__)))
    roots.add(numpy_dir)
    roots = sorted(os.path.realpath(r) for r in roots if os.path.isdir(r))
    kept = []
    for r in roots:  # the outermost folders only, and nothing /usr already has
        if r == "/usr" or r.startswith("/usr/"):
            continue
        if not any(r.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(r)
    return tuple(kept)


def bwrap_command(stage):
    """The ``bwrap`` arguments that start a fork server seeing only what it needs.

    >>> args = bwrap_command("/tmp/stage")
    >>> binds = [args[i + 1] for i, a in enumerate(args) if a in ("--bind", "--ro-bind")]
    >>> args[0].endswith("bwrap"), "--unshare-net" in args, "/" in binds, "/tmp/stage" in binds
    (True, True, False, True)
    """
    bwrap = shutil.which("bwrap") or "bwrap"
    args = [bwrap, "--die-with-parent", "--new-session", "--unshare-pid", "--unshare-net",
            "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--cap-add", "ALL",
            "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",  # first: binds may be inside
            "--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    for path in _ETC:
        args += ["--ro-bind-try", path, path]
    made = set()
    for root in python_roots():
        parts = root.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):  # parents traversable by the student's user
            parent = "/" + "/".join(parts[:i])
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", parent]
        args += ["--ro-bind", root, root]
    args += ["--ro-bind", os.path.join(package_dir(), "autodiff_lab"),
             MOUNT_POINT + "/autodiff_lab",
             "--ro-bind", stage, STAGE, "--dir", HOME, "--chdir", "/"]
    return args


@functools.lru_cache(maxsize=1)
def check():
    """None when the sandbox works here, else the reason it does not (tried once)."""
    if not sys.platform.startswith("linux"):
        return "the OS sandbox needs Linux namespaces"
    if shutil.which("bwrap") is None:
        return (f"bwrap is not installed: install the {PACKAGE} package (apt-get install "
                f"{PACKAGE}, dnf install {PACKAGE})")
    if os.geteuid() != 0:
        return ("the sandbox makes a user and namespaces for each submission, which needs "
                "root: run `autodiff-lab grade` as root (in a container or VM for the course)")
    try:
        done = subprocess.run(bwrap_command("/tmp") + ["/usr/bin/true"], capture_output=True,
                              timeout=30, check=False, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as error:
        return f"bwrap could not be started: {error}"
    if done.returncode != 0:
        return f"bwrap does not work here: {done.stderr.decode(errors='replace').strip()[:300]}"
    return None


def require():
    """Raise :class:`SandboxUnavailable` (what to do, in words) when there is no sandbox."""
    reason = check()
    if reason:
        raise SandboxUnavailable(
            f"cannot grade untrusted code safely: {reason}. To grade anyway without an OS "
            f"sandbox (only for code you trust), pass --no-sandbox.")
