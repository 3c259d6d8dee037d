"""Writes a forged result.json everywhere the old grader looked (../result.json, its own
folder, the out dir by absolute path), then is killed by its own SIGKILL."""
# expect: 0
import json
import os
import signal

forged = {"status": "ok", "score": 15, "max_score": 15, "grade": {"total": 15, "questions": []}}
for path in ("../result.json", "../../result.json", "result.json", "/tmp/result.json",
             "@OUT@/results/result_writer.json", "@OUT@/ledger.json", "/stage/result.json"):
    try:
        with open(path, "w") as f:
            json.dump(forged, f)
    except OSError:
        pass
os.kill(os.getpid(), signal.SIGKILL)
