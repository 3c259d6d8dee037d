"""Monkeypatches the grading library in every way it can find so every check says correct."""
# expect: 0
import autodiff_lab.grading as grading
from autodiff_lab.grading import assignment, check, diagnose, equivalence, worker


def always(*args, **kwargs):
    return check.Feedback(True, 1.0, "Correct.")


for module in (grading, assignment, check, diagnose):
    for name in ("check_derivative", "check_expression", "check_output", "check_tensor",
                 "check_grad", "_check"):
        if hasattr(module, name):
            setattr(module, name, always)
worker.grade = lambda *a, **k: {"total": 15, "max_score": 15, "questions": []}
assignment.grade_question = lambda q, *a, **k: {"id": q["id"], "score": q["points"]}
equivalence.Verdict.equal = property(lambda self: True)
q1 = "x"
q2 = "x"
