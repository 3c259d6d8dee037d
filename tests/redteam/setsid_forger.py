"""A child that calls setsid and double-forks (out of the process group), waits for the
grader to exit, then rewrites its own result and the gradebook with full marks."""
# expect: 0
import json
import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for _ in range(40):
            time.sleep(0.25)
            for path in ("@OUT@/results/setsid_forger.json", "@OUT@/gradebook.json",
                         "/tmp/@TOKEN@-setsid"):
                try:
                    with open(path, "w") as f:
                        json.dump({"student": "setsid_forger", "status": "ok", "score": 15}, f)
                except OSError:
                    pass
        os._exit(0)
    os._exit(0)
q1 = "x"
