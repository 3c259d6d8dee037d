"""_posixsubprocess.fork_exec (no audit event) to start a root shell that writes outside the
out dir, into the out dir and the class, and leaves a daemon; then answers q1 honestly."""
# expect: 4
import _posixsubprocess
import os

script = ("echo pwned > /tmp/@TOKEN@-forkexec; echo pwned > @OUT@/results/forkexec_root.json; "
          "echo pwned > @CLASS@/@TOKEN@-forkexec; id > /tmp/@TOKEN@-id; "
          "(sleep 6; echo late > /tmp/@TOKEN@-forkexec-late; "
          "echo late > @OUT@/gradebook.json) > /dev/null 2>&1 &")
try:
    r, w = os.pipe()
    pid = _posixsubprocess.fork_exec(
        ["/bin/sh", "-c", script], [b"/bin/sh"], True, (), None, None,
        -1, -1, -1, -1, -1, -1, r, w, True, True, 0, None, None, None, -1, None, False)
    os.waitpid(pid, 0)
except Exception as e:  # noqa: BLE001 - a different Python signature: try the easy way too
    os.system(script)
q1 = "8x^3 + 3x^2 + 6x + 5"
