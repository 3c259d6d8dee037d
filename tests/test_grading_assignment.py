"""autodiff_lab.grading assignments: the format, answer files and grade_answers."""

import copy
import json
import pathlib

import pytest

import autodiff_lab as torch
from autodiff_lab.grading import (
    FORMAT,
    AssignmentError,
    answer_locations,
    collect_answers_from_text,
    grade_answers,
    load_assignment,
    to_plain,
    validate_assignment,
)

EXAMPLE = pathlib.Path(__file__).parents[1] / "examples" / "assignment"


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(EXAMPLE / "assignment.json")


def test_the_example_loads_with_defaults_filled_in(assignment):
    assert assignment["format"] == FORMAT and assignment["seed"] == 0
    q1, q2, _q3, q4, q5 = assignment["questions"]
    assert (q1["kind"], q1["wrt"], q1["points"], q1["answer"]) == ("derivative", "x", 4,
                                                                   {"key": "q1"})
    assert q2["credit"] == {"missing_chain_factor": 0.3} and q2["rtol"] == 1e-9
    assert q4["answer"] == {"variable": "x.grad"} and q4["rtol"] == 1e-5
    assert q5["whitespace"] == "trailing" and q5["normalize_addresses"] is True
    assert len(assignment["sha256"]) == 64
    assert answer_locations(assignment) == {"keys": ["q1", "q2", "q3"],
                                            "variables": ["x.grad"], "tags": ["q5"],
                                            "stdout": False}


def test_the_example_answer_file_grades_exactly(assignment):
    with open(EXAMPLE / "answers.txt") as f:
        answers = collect_answers_from_text(f.read())
    result = grade_answers(assignment, answers)
    by_id = {q["id"]: q for q in result["questions"]}
    assert [(q["id"], q["score"], q["points"], q["tags"]) for q in result["questions"]] == [
        ("q1", 3.0, 4, ["missing_term"]), ("q2", 0.9, 3, ["missing_chain_factor"]),
        ("q3", 3.0, 3, []), ("q4", 3.0, 3, []), ("q5", 2.0, 2, [])]
    assert (result["total"], result["max_score"]) == (11.9, 15)
    assert by_id["q1"]["message"] == ("Not quite: the constant term 5 (from 5x) is missing.\n"
                                      "At x = 2, your answer gives 88, but the derivative is 93.")
    assert by_id["q2"]["message"].startswith("Not quite. It looks like you forgot the chain rule")
    assert by_id["q1"]["answer"] == "8x^3 + 3x^2 + 6x"
    assert result["needs_review"] == [] and result["notes"] == []


PERFECT = {"q1": "8x^3 + 3x^2 + 6x + 5", "q2": "6x cos(3x^2)", "q3": "2x sin x + x^2 cos x",
           "q5": "tensor(140., grad_fn=<MeanBackward0>)\n"}


def seed_003_grad():
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    (2 * (3 * x + 2) ** 2).mean().backward()
    return x.grad


def test_worker_style_answers_with_prefixes_and_plain_tensors(assignment):
    answers = {"key:" + k: v for k, v in PERFECT.items() if k != "q5"}
    answers["var:x.grad"] = to_plain(seed_003_grad())
    answers["tag:q5"] = "tensor(140., grad_fn=<MeanBackward0>)\n"
    result = grade_answers(assignment, json.loads(json.dumps(answers)))
    assert result["total"] == 15 and all(q["correct"] for q in result["questions"])


def test_mistakes_and_missing_answers(assignment):
    x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
    for _ in range(2):
        (2 * (3 * x + 2) ** 2).mean().backward()
    answers = {"q1": "8x^3 + 3x^2 + 6x + 5 + 1", "q2": "cos 3x^2 ) (",
               "x.grad": to_plain(x.grad), "q5": "tensor(140.0000, grad_fn=<MeanBackward0>)"}
    result = grade_answers(assignment, answers)
    q1, q2, q3, q4, q5 = result["questions"]
    assert (q1["score"], q1["tags"]) == (3.0, ["constant_not_dropped"])
    assert q2["tags"] == ["parse_error"] and q2["details"]["position"] == 9
    assert q2["message"].endswith("^")
    assert (q3["score"], q3["tags"]) == (0.0, ["missing"])
    assert q3["message"] == "No answer was found for q3 (looked for the key 'q3')."
    assert (q4["score"], q4["tags"]) == (0.75, ["grad_accumulated"])
    assert q5["tags"] == ["output_mismatch"] and q5["score"] == 0
    assert result["total"] == 3.75


def test_undecided_answers_are_flagged_not_marked():
    a = validate_assignment({"questions": [
        {"id": "q1", "kind": "expression", "expected": "sqrt(x-1) + sqrt(1-x)", "points": 2}]})
    result = grade_answers(a, {"q1": "0"})
    q = result["questions"][0]
    assert q["needs_review"] and q["correct"] is None and q["tags"] == ["needs_review"]
    assert result["needs_review"] == ["q1"]


def test_a_failing_check_never_loses_the_other_questions(assignment, monkeypatch):
    from autodiff_lab.grading import assignment as module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")
    monkeypatch.setattr(module, "check_output", broken)
    result = grade_answers(assignment, PERFECT | {"x.grad": seed_003_grad().tolist()})
    q5 = result["questions"][-1]
    assert q5["needs_review"] and q5["tags"] == ["grader_error"]
    assert q5["details"]["error"] == "RuntimeError: boom"
    assert result["total"] == 13 and result["needs_review"] == ["q5"]


def test_collected_errors_from_the_worker(assignment):
    answers = PERFECT | {"var:x.grad": {"kind": "error", "error": "the answer is too large"}}
    q4 = grade_answers(assignment, answers)["questions"][3]
    assert q4["tags"] == ["answer_error"]
    assert q4["message"] == "Your answer to q4 could not be collected: the answer is too large."


def test_grading_is_pure_deterministic_and_replayable(assignment):
    answers = PERFECT | {"q1": "8x^3 + 6x + 5", "x.grad": [[10, 16, 22], [22, 16, 10]]}
    frozen = copy.deepcopy(answers)
    first, second = grade_answers(assignment, answers), grade_answers(assignment, answers)
    assert answers == frozen
    assert first == second
    text = json.dumps(first, allow_nan=False)
    assert json.loads(text) == first
    replay = first["replay"]
    assert replay["seed"] == 0 and replay["assignment_sha256"] == assignment["sha256"]
    assert set(replay["versions"]) == {"python", "numpy", "sympy", "autodiff_lab"}
    verdict = first["questions"][0]["details"]["verdict"]
    assert len(verdict["points"]) == 20 and verdict["seed"] == 0
    assert (verdict["rtol"], verdict["atol"]) == (1e-9, 1e-12)
    # Another seed gives other sample points and the same grade.
    other = grade_answers(dict(assignment, seed=5), answers)
    assert other["questions"][0]["details"]["verdict"]["points"] != verdict["points"]
    assert other["total"] == first["total"]


def test_warnings_never_cost_points(assignment):
    # Only stdout is compared; warnings are stderr, which the worker keeps apart.
    answers = PERFECT | {"x.grad": [[10, 16, 22], [22, 16, 10]]}
    result = grade_answers(assignment, answers)
    assert result["total"] == result["max_score"]


# ---------------------------------------------------------------------------- answer files
def test_answer_files_are_read_tolerantly():
    text = """
# Homework 3, Ada

Q1 : 8x^3 + 3x^2   # the rest I don't know
q2:cos(3x^2)
this line is not an answer
q4: [[10, 16, 22],
     [22, 16, 10]]
q5: |
  tensor([[ 5.,  8., 11.],
          [11.,  8.,  5.]], grad_fn=<AddBackward0>)

q2: 6x cos(3x^2)
"""
    answers = collect_answers_from_text(text)
    assert dict(answers) == {
        "Q1": "8x^3 + 3x^2", "q2": "6x cos(3x^2)", "q4": "[[10, 16, 22],\n[22, 16, 10]]",
        "q5": "tensor([[ 5.,  8., 11.],\n        [11.,  8.,  5.]], grad_fn=<AddBackward0>)"}
    assert answers.notes == [
        "line 6 was skipped: expected 'key: answer', like 'q1: 2x'",
        "q2 is answered more than once (lines 5 and 13): the last answer, on line 13, is graded"]
    a = validate_assignment({"questions": [
        {"id": "q1", "kind": "derivative", "function": "2x^4 + x^3"},
        {"id": "q4", "kind": "tensor", "expected": [[10, 16, 22], [22, 16, 10]]}]})
    result = grade_answers(a, answers)
    assert [q["score"] for q in result["questions"]] == [1.0, 1.0]
    assert result["notes"] == answers.notes


def test_empty_and_odd_answer_files():
    assert collect_answers_from_text("") == {}
    assert collect_answers_from_text("q1:\n") == {"q1": ""}
    assert collect_answers_from_text("\ufeffq1: x\r\nq2: y\r\n") == {"q1": "x", "q2": "y"}


# ---------------------------------------------------------------------------- validation
def problems(data):
    with pytest.raises(AssignmentError) as info:
        validate_assignment(data, "hw.json")
    return info.value.problems


def test_validation_says_exactly_what_is_wrong():
    assert problems([]) == ["the file must hold one JSON object with 'questions'"]
    assert problems({"questions": []}) == ["'questions' must be a non-empty list"]
    assert problems({"title": "x", "questoins": [], "questions": [{"id": "q1",
                     "kind": "expression", "expected": "x"}]}) == [
        "unknown key 'questoins' (did you mean 'questions'?)"]
    assert problems({"questions": [{"id": "q1", "kind": "derivativ", "function": "x"}]}) == [
        ("questions[0] (q1): 'kind' must be one of derivative, expression, tensor, grad, "
        "output, not 'derivativ'")]
    assert problems({"questions": [
        {"id": "q1", "kind": "derivative", "function": "x^2", "points": "3"},
        {"id": "q1", "kind": "grad", "expected": [[1, 2], [3]]},
        {"id": "q 3", "kind": "output", "expected": 5, "whitespace": "none"},
        {"id": "q4", "kind": "tensor", "expected": [1, 2], "shape": [3], "dtype": "float"},
    ]}) == [
        "questions[0] (q1): 'points' must be a positive number",
        ("questions[1] (q1): 'expected' must be a number or nested lists of numbers of equal "
        "lengths"),
        "questions[2] (q 3): 'id' must be text of letters, digits, '_', '.' or '-' (at most 64)",
        "questions[2] (q 3): 'expected' must be the printed text",
        "questions[2] (q 3): 'whitespace' must be one of all, exact, trailing, not 'none'",
        ("questions[3] (q4): 'dtype' must be one of bool, float16, float32, float64, int32, "
        "int64, uint8, not 'float'"),
        "the id 'q1' is used by more than one question"]


def test_validation_of_expressions_credits_and_answer_locations():
    found = problems({"questions": [
        {"id": "q1", "kind": "derivative", "function": "2x^4 + $"},
        {"id": "q2", "kind": "derivative", "function": "x^2", "credit": {"chain": 0.5}},
        {"id": "q3", "kind": "derivative", "function": "x^2",
         "credit": {"missing_chain_factor": 2}},
        {"id": "q4", "kind": "grad", "expected": 1, "answer": {"variable": "x grad"}},
        {"id": "q5", "kind": "grad", "expected": 1, "answer": {"file": "a.txt"}},
        {"id": "q6", "kind": "tensor", "expected": [1, 2], "shape": [3]},
    ]})
    assert found[0] == ("questions[0] (q1): 'function' could not be read: unexpected "
                        "character '$' at position 7\n  2x^4 + $\n         ^")
    assert found[1:] == [
        "questions[1] (q2): 'credit' names an unknown mistake 'chain'",
        "questions[2] (q3): 'credit' for 'missing_chain_factor' must be a number from 0 to 1",
        ("questions[3] (q4): 'answer' variable 'x grad' must be a name or attribute path like "
        "x.grad"),
        ("questions[4] (q5): 'answer' must be one of {\"key\": ...}, {\"variable\": ...}, "
        "{\"cell_tag\": ...}, {\"stdout\": true}"),
        "questions[5] (q6): 'shape' is [3] but 'expected' has shape [2]"]
    assert str(AssignmentError("hw.json", found[:1])) == (
        "hw.json has 1 problem:\n  - questions[0] (q1): 'function' could not be read: "
        "unexpected character '$' at position 7\n      2x^4 + $\n             ^")


def test_load_assignment_reports_json_and_file_errors(tmp_path):
    path = tmp_path / "hw.json"
    path.write_text('{"questions": [\n  {"id": "q1",}\n]}')
    with pytest.raises(AssignmentError) as info:
        load_assignment(path)
    (problem,) = info.value.problems
    assert problem.startswith("line 2, column 15: ") and problem.endswith("(the file must be JSON)")
    with pytest.raises(AssignmentError, match="cannot be read: No such file or directory"):
        load_assignment(tmp_path / "missing.json")
