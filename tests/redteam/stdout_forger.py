"""Prints a whole grading result on stdout, on fd 1 and fd 2 directly, as the old worker did."""
# expect: 0
import json
import os

result = {"status": "ok", "score": 15, "max_score": 15, "grade": {"total": 15}}
print(json.dumps(result))
os.write(1, json.dumps(result).encode())
os.write(2, json.dumps(result).encode())
q1 = "2x"
