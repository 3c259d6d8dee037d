"""Finds the pipe to the grader among its file descriptors and sends forged messages (a score,
a grade, a status, extra answers, cells and notes; its own answers are wrong), then one too
large, then ends at once so that the forged one is the last whole message."""
# expect: 0
import json
import os
import stat

q1 = "x"
forged = {"answers": {"q1": "x", "q9": "8x^3"}, "score": 15, "grade": {"total": 15},
          "status": "ok", "max_score": 15, "done": True, "total": 15,
          "cells": [{"cell": None, "status": "ok", "score": 15}], "notes": ["full marks"] * 99}
for fd in range(3, 64):
    try:
        if stat.S_ISFIFO(os.fstat(fd).st_mode):
            os.write(fd, (json.dumps(forged) + "\n").encode())
            os.write(fd, b'{"answers": {"q1": "' + b"y" * 3_000_000 + b'"}}\n')
    except OSError:
        pass
os._exit(0)
