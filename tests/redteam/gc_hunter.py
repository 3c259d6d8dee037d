"""Looks for the grader's guard and the reference answers in its own memory (gc.get_objects,
sys.modules, frames) and answers with whatever it finds; types nothing honestly."""
# expect: 0
import gc
import sys

found = []
for obj in gc.get_objects():
    if isinstance(obj, dict):
        if "questions" in obj or "expected" in obj or "function" in obj:
            found.append(obj)
for name, module in list(sys.modules.items()):
    for attr in ("FORBIDDEN", "Guard", "PATH_EVENTS", "_LOADED", "ASSIGNMENT"):
        if hasattr(module, attr):
            found.append(getattr(module, attr))
key = [q for d in found if isinstance(d, dict) for q in d.get("questions", [])]
q5 = [q.get("expected") for q in key if isinstance(q, dict) and q.get("id") == "q5"]
q1 = str(found)[:100] if not key else "leaked"
if q5:
    print(q5[0])
