"""gradcheck and gradgradcheck against PyTorch's: the same verdicts, the same messages (ours add
a per-element table and, for float32 inputs, a Hint line), the same warnings and errors."""

import warnings

import numpy as np
import pytest
from conftest import require_torch

import autodiff_lab
from autodiff_lab.autograd import gradcheck, gradgradcheck
from autodiff_lab.autograd.gradcheck import GradcheckError

HINT = ("Hint: gradcheck needs float64 inputs: float32 finite differences are too coarse; "
        "call .double()")


def _inputs(lib, data, dtype="float64", requires_grad=True):
    if isinstance(data, tuple):
        return tuple(_inputs(lib, d, dtype, requires_grad) for d in data)
    return lib.tensor(data, dtype=getattr(lib, dtype), requires_grad=requires_grad)


def _outcome(lib, check, func, data, dtype="float64", requires_grad=True, **kwargs):
    """(result or 'Error: message', [warning texts]) of one check, with names normalised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = repr(getattr(lib.autograd, check)(
                func, _inputs(lib, data, dtype, requires_grad), **kwargs))
        except Exception as e:  # noqa: BLE001 - the type and text are what we compare
            result = f"{type(e).__name__}: {e}"
    texts = [str(w.message) for w in caught if w.category is UserWarning]
    return result.replace("autodiff_lab.", "torch."), texts


CASES = [
    # check, func, inputs, options
    ("gradcheck", lambda x: (x ** 3 * x.sin()).sum(), [1.0, 2.0, 3.0], {}),
    ("gradcheck", lambda x: x.exp() / (1 + x * x), [[0.1, -0.3], [0.5, 2.0]], {}),
    ("gradcheck", lambda x, y: ((x @ y).tanh(), (x * 2).sum()),
     ([[1.0, 2.0], [3.0, 4.0]], [[0.3], [0.4]]), {}),
    ("gradcheck", lambda x: x.softmax(0), [1.0, 2.0, 0.5], {"check_forward_ad": True}),
    ("gradcheck", lambda x: x * x.detach(), [1.0, 2.0, 3.0], {}),
    ("gradcheck", lambda x: x * x.detach(), [1.0, 2.0, 3.0], {"raise_exception": False}),
    ("gradcheck", lambda x, y: (x * y.detach(), x + y), ([1.0, 2.0], [3.0, 4.0]), {}),
    ("gradcheck", lambda x: x * x.detach(), [1.0, 2.0],
     {"check_forward_ad": True, "check_backward_ad": False}),
    ("gradcheck", lambda x: x.detach() * 2, [1.0, 2.0], {}),
    ("gradcheck", lambda x: (x * 2).detach(), [1.0, 2.0], {}),
    ("gradcheck", lambda x: x * 2, [1.0, 2.0], {"requires_grad": False}),
    ("gradcheck", lambda x: x * 2, [1.0, 2.0],
     {"check_forward_ad": False, "check_backward_ad": False}),
    ("gradgradcheck", lambda x: x.tanh() * x, [0.5, 1.5], {}),
    ("gradgradcheck", lambda x: (x ** 3).sum(), [0.5, 1.5], {}),
    ("gradgradcheck", lambda x, y: (x * y).exp(), ([0.5, 1.5], [0.1, 0.2]), {}),
]


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_verdicts_and_messages_match_pytorch(case):
    torch = require_torch()
    check, func, data, options = case
    options = dict(options)
    ours, our_warnings = _outcome(autodiff_lab, check, func, data, **options)
    theirs, their_warnings = _outcome(torch, check, func, data, **options)
    if "mismatch for output" in theirs:
        # PyTorch's message first, unchanged; then our per-element table.
        assert ours.startswith(theirs + "\n")
        assert " entries differ (|analytical - numerical| > atol + rtol * |numerical|):" in ours
        assert HINT not in ours  # float64 inputs: nothing to hint
    else:
        assert ours == theirs
    assert our_warnings == their_warnings


def test_mismatch_table_lists_each_differing_entry():
    x = autodiff_lab.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=autodiff_lab.float64,
                            requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: (x * x.detach()).sum(1), x)
    table = str(info.value).split("\n\n", 1)[1]
    assert table == (
        "4 of 8 entries differ (|analytical - numerical| > atol + rtol * |numerical|):\n"
        "  input 0      output 0         analytical      numerical   difference\n"
        "  [0, 0]       [0]                       1              2           -1\n"
        "  [0, 1]       [0]                       2              4           -2\n"
        "  [1, 0]       [1]                       3              6           -3\n"
        "  [1, 1]       [1]                       4              8           -4")


def test_long_tables_are_cut():
    x = autodiff_lab.tensor(np.arange(1.0, 26.0), dtype=autodiff_lab.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), x)
    lines = str(info.value).split("\n\n", 1)[1].splitlines()
    assert lines[0].startswith("25 of 625 entries differ")
    assert len(lines) == 2 + 20 + 1 and lines[-1] == "  ... and 5 more"


def test_float32_inputs_warn_like_pytorch_and_get_a_hint():
    torch = require_torch()
    ours, our_warnings = _outcome(autodiff_lab, "gradcheck", lambda x: x.exp(), [1.0, 2.0, 3.0],
                                  dtype="float32")
    theirs, their_warnings = _outcome(torch, "gradcheck", lambda x: x.exp(), [1.0, 2.0, 3.0],
                                      dtype="float32")
    assert our_warnings == their_warnings == [
        ("Input #0 requires gradient and is not a double precision floating point or complex. "
        "This check will likely fail if all the inputs are not of double precision floating "
        "point or complex. ")]
    assert ours.startswith("GradcheckError: Jacobian mismatch for output 0 with respect to "
                           "input 0,\nnumerical:tensor([[")
    assert theirs.startswith("GradcheckError: Jacobian mismatch for output 0 with respect to "
                             "input 0,\nnumerical:tensor([[")
    assert ours.endswith("\n" + HINT)
    # The analytical Jacobian is exact in both libraries, so that part prints the same.
    analytical = theirs.split("analytical:")[1]
    assert ours.split("analytical:")[1].startswith(analytical)


def test_the_same_function_passes_in_float64():
    x = autodiff_lab.tensor([1.0, 2.0, 3.0], dtype=autodiff_lab.float64, requires_grad=True)
    assert gradcheck(lambda x: x.exp(), x) is True
    with pytest.warns(UserWarning, match="^Input #0 requires gradient and is not a double"):
        assert gradcheck(lambda x: x.exp(), x.float().detach().requires_grad_(),
                         raise_exception=False) is False


def test_stride_zero_inputs_are_refused_like_pytorch():
    torch = require_torch()
    texts = []
    for lib in (autodiff_lab, torch):
        x = lib.tensor([1.0, 2.0], dtype=lib.float64, requires_grad=True).expand(3, 2)
        with pytest.raises(RuntimeError) as info:
            lib.autograd.gradcheck(lambda x: x * 2, x)
        texts.append(str(info.value))
    assert texts[0] == texts[1]


def test_inputs_are_restored_after_perturbation():
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    version = x._version
    assert gradcheck(lambda x: x.sin(), x)
    assert x.tolist() == [1.0, 2.0] and x._version == version and x.grad is None


def test_outputs_aliasing_the_input_are_copied():
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    assert gradcheck(lambda x: x, x)
    assert gradcheck(lambda x: x.reshape(2, 1), x)


def test_gradgradcheck_failure_matches_pytorch():
    torch = require_torch()
    messages = []
    for lib in (autodiff_lab, torch):
        x = lib.tensor([0.5, 1.5], dtype=lib.float64, requires_grad=True)
        v = lib.tensor([1.0, -2.0], dtype=lib.float64, requires_grad=True)
        with pytest.raises(RuntimeError) as info:
            # The first derivative is right; the detach breaks the second.
            lib.autograd.gradgradcheck(lambda x: x * x.detach() / 2 + x.detach() * x / 2, x, v)
        messages.append(str(info.value).replace("autodiff_lab.", "torch."))
    assert messages[1].startswith("Jacobian mismatch for output 0 with respect to input 0,\n")
    assert messages[0].startswith(messages[1] + "\n")


def test_gradgradcheck_draws_grad_outputs_in_the_output_dtype():
    autodiff_lab.manual_seed(0)
    x = autodiff_lab.tensor([0.5, 1.5], dtype=autodiff_lab.float64, requires_grad=True)
    assert gradgradcheck(lambda x: (x.sigmoid() * x, x.sum() ** 2), x) is True
    assert gradgradcheck(lambda x: x * x.detach(), x, raise_exception=False) is False


# --------------------------------------------------------------------- explain=True (ours)
def test_explain_prints_every_entry_and_the_verdict_stays_pytorchs(capsys):
    x = autodiff_lab.tensor([0.5, 1.5], dtype=autodiff_lab.float64, requires_grad=True)
    # A step of 2^-20 and a linear function: the finite differences are exact.
    assert gradcheck(lambda x: (x * 2).sum(), x, eps=2 ** -20, explain=True) is True
    assert capsys.readouterr().out == (
        "output 0 w.r.t. input 0: analytical (backward) vs numerical (central differences, "
        "eps=9.53674e-07)\n"
        "  input  output    analytical     numerical   abs error   rel error\n"
        "  [0]    []                 2             2           0           0\n"
        "  [1]    []                 2             2           0           0\n"
        "all 2 entries agree (|analytical - numerical| <= atol + rtol * |numerical|, atol=1e-05, "
        "rtol=0.001)\n")
    assert gradcheck(lambda x: (x * x).sum(), x) is True
    assert capsys.readouterr().out == ""  # the default prints nothing, as PyTorch


def test_explain_marks_the_failing_entries_then_raises_as_usual(capsys):
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.detach(), x, explain=True)
    assert str(info.value).startswith("Jacobian mismatch for output 0 with respect to input 0,")
    assert capsys.readouterr().out.splitlines()[2:] == [
        "  [0]    [0]                1             2           1         0.5  ✗",
        "  [0]    [1]                0             0           0           -",
        "  [1]    [0]                0             0           0           -",
        "  [1]    [1]                2             4           2         0.5  ✗",
        "2 of 4 entries differ (|analytical - numerical| > atol + rtol * |numerical|, "
        "atol=1e-05, rtol=0.001)"]


def test_explain_gives_float32_inputs_the_hint_and_warns_once(capsys):
    x = autodiff_lab.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert gradcheck(lambda x: x.exp(), x, explain=True, raise_exception=False) is False
    assert [str(w.message)[:40] for w in caught] == ["Input #0 requires gradient and is not a "]
    out = capsys.readouterr().out.splitlines()
    assert out[2].startswith("  [0]    [0]          2.71828") and out[2].endswith("  ✗")
    assert out[-1] == HINT


def test_explain_covers_each_output_and_input_pair():
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64, requires_grad=True)
    y = autodiff_lab.tensor(3.0, dtype=autodiff_lab.float64, requires_grad=True)
    text = autodiff_lab.autograd.gradcheck_table(lambda x, y: (x * y, (x * x).sum()), (x, y))
    heads = [line.split(":")[0] for line in text.splitlines() if line.startswith("output")]
    assert heads == ["output 0 w.r.t. input 0", "output 0 w.r.t. input 1",
                     "output 1 w.r.t. input 0", "output 1 w.r.t. input 1"]
    assert "  []     [1]                2             2" in text  # d(x*y)[1]/dy = x[1]


def test_explain_refuses_like_pytorch_before_any_table(capsys):
    x = autodiff_lab.tensor([1.0, 2.0], dtype=autodiff_lab.float64)
    with pytest.raises(ValueError, match="^gradcheck expects at least one input tensor"):
        gradcheck(lambda x: x * 2, x, explain=True)
    assert capsys.readouterr().out == ""


def test_set_hints_false_drops_the_float32_hint_from_the_error():
    x = autodiff_lab.tensor([1.0, 2.0], requires_grad=True)
    autodiff_lab.set_hints(False)
    try:
        with pytest.warns(UserWarning), pytest.raises(GradcheckError) as info:
            gradcheck(lambda x: x.exp(), x)
    finally:
        autodiff_lab.set_hints(True)
    assert HINT not in str(info.value)
    assert " entries differ (|analytical - numerical|" in str(info.value)
