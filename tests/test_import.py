"""`import autodiff_lab` is the numeric engine only: SymPy, mpmath and matplotlib load on the
first use of the twin or the pictures, each case in a fresh interpreter."""

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HEAVY = ("sympy", "mpmath", "matplotlib")


def _python(code):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_numeric_work_imports_neither_sympy_nor_matplotlib():
    out = _python(f"""
        import sys
        import autodiff_lab as torch
        heavy = {HEAVY!r}
        print([m for m in heavy if m in sys.modules])
        x = torch.tensor([1.], requires_grad=True)
        x.exp().sum().backward()
        print(x.grad)
        _ = torch.manual_seed(0)
        model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.GELU(), torch.nn.Linear(3, 1))
        opt = torch.optim.Adam(model.parameters())
        loss = torch.nn.functional.mse_loss(model(torch.randn(4, 2)), torch.zeros(4, 1))
        loss.backward()
        opt.step()
        print(loss.grad_fn, torch.floor(x), (x > 0).any())
        print([m for m in heavy if m in sys.modules])
        y = x.exp().sum()
        print(y.sym)
        print([m for m in heavy if m in sys.modules])
    """)
    assert out.splitlines() == [
        "[]", "tensor([2.7183])",
        "<MseLossBackward0 object at " + out.split("<MseLossBackward0 object at ")[1].split(">")[0]
        + "> tensor([1.], grad_fn=<FloorBackward0>) tensor(True)",
        "[]", "exp(x_{0})", "['sympy', 'mpmath']"]


def test_teaching_names_load_on_first_use():
    out = _python("""
        import sys
        import autodiff_lab as torch
        print("sympy" in sys.modules, "explain" in dir(torch))
        x = torch.tensor(2.0, requires_grad=True, name="x")
        y = torch.floor(x) + torch.fmod(x, 1.5) + x ** 2
        print(y.sym, torch.compare(x ** 2 + x, wrt=x, expected="2x+1").ok)
        print("sympy" in sys.modules, "matplotlib" in sys.modules)
        from autodiff_lab import parse_math, MathParseError, symbolic, grading, save
        print(parse_math("x^2"), MathParseError.__name__, symbolic.diff(x ** 3, x))
        print(torch.viz.to_dot(y).splitlines()[0], "matplotlib" in sys.modules)
    """)
    assert out.splitlines() == [
        "False True",
        "x**2 + x + floor(x) - 3*trunc(2*x/3)/2 True",
        "True False",
        "x**2 MathParseError 3*x**2",
        "digraph autodiff_lab { False"]


def test_unknown_name_is_an_attribute_error():
    out = _python("""
        import autodiff_lab as torch
        try:
            torch.no_such_thing
        except AttributeError as e:
            print(e)
    """)
    assert out == "module 'autodiff_lab' has no attribute 'no_such_thing'\n"
