"""Grading: safe answer parsing, equivalence with counterexamples, mistake diagnosis, checks
for tensors, gradients and printed output, and an assignment format for instructors.

>>> from autodiff_lab import grading
>>> feedback = grading.check_derivative("cos(3x^2)", "sin(3x^2)")
>>> feedback.correct, feedback.score, feedback.tags
(False, 0.5, ['missing_chain_factor'])
>>> feedback.details["counterexample"]["point"]
{'x': 2.0}

Class grading (each submission in an OS sandbox, scored outside it) lives in ``runner.py``,
``sandbox.py`` and ``forkserver.py``; everything here is pure: values in, verdicts and
JSON-ready results out.
"""

from .assignment import (FORMAT, AssignmentError, CollectedAnswers, answer_locations,
                         collect_answers_from_text, grade_answers, grade_question,
                         load_assignment, validate_assignment, versions)
from .check import (CREDIT, Feedback, check_expression, check_grad, check_output, check_tensor,
                    credit, normalize_output, to_plain)
from .diagnose import BUGGY_RULES, Student, buggy_derivatives, check_derivative, term_diff
from .equivalence import (EQUAL, NOT_EQUAL, UNDECIDED, AnswerParseError, Samples, Verdict,
                          equivalent, guards, parse_answer, show)

__all__ = ["BUGGY_RULES", "CREDIT", "EQUAL", "FORMAT", "NOT_EQUAL", "UNDECIDED",
           "AnswerParseError", "AssignmentError", "CollectedAnswers", "Feedback", "Samples",
           "Student", "Verdict", "answer_locations", "buggy_derivatives", "check_derivative",
           "check_expression", "check_grad", "check_output", "check_tensor",
           "collect_answers_from_text", "credit", "equivalent", "grade_answers",
           "grade_question", "guards", "load_assignment", "normalize_output", "parse_answer",
           "show", "term_diff", "to_plain", "validate_assignment", "versions"]
