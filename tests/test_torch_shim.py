"""The ``torch`` import shim, each case in a fresh interpreter: module identity (one copy of
every module), refusal when the real torch came first, ``uninstall``, ``%load_ext``, and
``autodiff-lab run`` on a script and on a notebook."""

import json
import os
import subprocess
import sys
import textwrap

import pytest
from conftest import require_torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _python(code, *args, cwd=None):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, *args] + (["-c", textwrap.dedent(code)] if code
                                                     else []),
                          capture_output=True, text=True, env=env, cwd=cwd, timeout=120)


def _run_cli(path, *args, cwd=None):
    return _python(None, "-m", "autodiff_lab.cli", "run", str(path), *args, cwd=cwd)


def test_import_torch_gives_autodiff_labs_own_modules():
    result = _python("""
        import sys
        import autodiff_lab
        assert autodiff_lab.install_as_torch() is autodiff_lab
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
        import torch.optim as optim
        from torch.autograd.functional import jacobian
        from torch.utils.data import DataLoader, TensorDataset
        import torch.autograd.forward_ad as fwAD
        print(torch is autodiff_lab, nn is autodiff_lab.nn, F is autodiff_lab.nn.functional,
              optim is autodiff_lab.optim, jacobian is autodiff_lab.autograd.functional.jacobian,
              DataLoader is autodiff_lab.utils.data.DataLoader, fwAD is autodiff_lab.forward,
              isinstance(nn.Linear(1, 1), autodiff_lab.nn.Module))
        # one copy of each module: every torch.* entry is the autodiff_lab module itself
        pairs = [(n, m) for n, m in sys.modules.items() if n == "torch" or n.startswith("torch.")]
        assert all(m is sys.modules["autodiff_lab" + n[5:]] for n, m in pairs), pairs
        assert not [m for _, m in pairs if m.__name__.startswith("torch")]  # no second tree
        print(torch.__version__ == autodiff_lab.__version__, torch.version.cuda)
        assert autodiff_lab.install_as_torch() is autodiff_lab  # a second call: nothing new
        print(sum(type(f).__name__ == "TorchAliasFinder" for f in sys.meta_path))
        try:
            import torch.distributed
        except ModuleNotFoundError as e:
            print(e)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "True True True True True True True True\n"
        "True None\n"
        "1\n"
        "No module named 'torch.distributed': `torch` is autodiff_lab here (install_as_torch), "
        "and autodiff_lab has no module 'autodiff_lab.distributed'. Import it from the real "
        "PyTorch in a process without the shim.\n")


def test_refuses_when_the_real_torch_is_imported():
    torch = require_torch()
    result = _python("""
        import torch
        import autodiff_lab
        try:
            autodiff_lab.install_as_torch()
        except RuntimeError as e:
            print(e)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"install_as_torch(): the real PyTorch is already imported in this process ('torch' "
        f"from {torch.__file__}), so `torch` cannot become autodiff_lab. Call "
        "autodiff_lab.install_as_torch() before anything imports torch: make it the first line "
        "of the script, restart the Jupyter kernel and run `%load_ext autodiff_lab` first, or "
        "run the file with `autodiff-lab run FILE`.\n")


def test_uninstall_gives_the_real_torch_back():
    require_torch()
    result = _python("""
        import sys
        import autodiff_lab
        autodiff_lab.install_as_torch()
        import torch.nn
        autodiff_lab.uninstall_as_torch()
        print(sorted(n for n in sys.modules if n == "torch" or n.startswith("torch.")))
        import torch
        print(torch is autodiff_lab, hasattr(torch, "cuda"), autodiff_lab.nn.Linear.__module__)
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "[]\nFalse True autodiff_lab.nn.layers\n"


@pytest.mark.parametrize("extension", ["autodiff_lab", "autodiff_lab.torch_shim"])
def test_ipython_extension(extension):
    pytest.importorskip("IPython")
    result = _python(f"""
        from IPython.core.interactiveshell import InteractiveShell
        ip = InteractiveShell.instance()
        ip.run_line_magic("load_ext", "{extension}")
        ip.run_cell("import torch, autodiff_lab; print(torch is autodiff_lab)")
        ip.run_line_magic("unload_ext", "{extension}")
        ip.run_cell("import sys; print('torch' in sys.modules)")
        """)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "True\nFalse\n"


# --------------------------------------------------------------------- autodiff-lab run
LESSON = '''\
import sys
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset

print(__name__, sys.argv[1:])
x = torch.tensor(2.0, requires_grad=True)
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
y.backward()
print(y, x.grad)

model = nn.Sequential(nn.Linear(2, 1))
with torch.no_grad():
    model[0].weight.copy_(torch.tensor([[0.5, -0.25]]))
    model[0].bias.fill_(0.1)
print(model)
data = TensorDataset(torch.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]),
                     torch.tensor([[1.0], [2.0], [3.0]]))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
loss_fn = nn.L1Loss()
for xb, yb in DataLoader(data, batch_size=2):
    opt.zero_grad()
    loss = loss_fn(model(xb), yb)
    loss.backward()
    opt.step()
    print(loss)
torch.save(model.state_dict(), "weights.pt")
print(torch.load("weights.pt"))
'''


def test_run_a_script_prints_what_pytorch_prints(tmp_path):
    torch_available = True
    try:
        require_torch()
    except pytest.skip.Exception:
        torch_available = False
    (tmp_path / "lesson.py").write_text(LESSON)
    ours = _run_cli(tmp_path / "lesson.py", "--epochs", "2", cwd=tmp_path)
    assert ours.returncode == 0, ours.stderr
    assert ours.stdout.startswith(
        "__main__ ['--epochs', '2']\ntensor(63., grad_fn=<AddBackward0>) tensor(93.)\n"
        "Sequential(\n  (0): Linear(in_features=2, out_features=1, bias=True)\n)\n"
        "tensor(1.1500, grad_fn=<MeanBackward0>)\n")
    if torch_available:
        theirs = _python(None, str(tmp_path / "lesson.py"), "--epochs", "2", cwd=tmp_path)
        assert theirs.returncode == 0, theirs.stderr
        assert ours.stdout == theirs.stdout


def test_run_reports_exit_codes_and_errors(tmp_path):
    (tmp_path / "exits.py").write_text("import sys\nprint('bye')\nsys.exit(3)\n")
    (tmp_path / "fails.py").write_text("import torch\ntorch.ones(2).sum().backward()\n")
    exits = _run_cli(tmp_path / "exits.py")
    assert (exits.returncode, exits.stdout) == (3, "bye\n")
    fails = _run_cli(tmp_path / "fails.py")
    assert fails.returncode == 1
    # PyTorch's text, then autodiff_lab's Hint line (SPEC §7).
    assert fails.stderr.splitlines()[-2] == (
        "RuntimeError: element 0 of tensors does not require grad and does not have a grad_fn")
    assert fails.stderr.splitlines()[-1].startswith("Hint: the output was computed only from "
                                                    "tensors that do not require grad;")
    missing = _run_cli(tmp_path / "missing.py")
    assert (missing.returncode, missing.stderr) == (
        2, f"autodiff-lab run: no such file: {tmp_path / 'missing.py'}\n")


def _notebook(cells):
    return {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
            "cells": [{"cell_type": kind, "metadata": {}, "source": source,
                       **({"outputs": [], "execution_count": None} if kind == "code" else {})}
                      for kind, source in cells]}


def test_run_a_notebook_top_to_bottom(tmp_path):
    nb = _notebook([
        ("markdown", "# Lesson"),
        ("code", ["%matplotlib inline\n", "import torch\n", "from torch.autograd.functional "
                  "import jacobian\n", "x = torch.tensor(2.0, requires_grad=True)"]),
        ("code", "y = x ** 3\ny.backward()\nprint('grad:', x.grad)\ny"),
        ("code", "!pip install nothing\njacobian(lambda t: t ** 2, torch.tensor([1.0, 2.0]))"),
        ("code", "%%timeit\nthis cell is IPython-only"),
        ("code", "z = 1  # a final statement prints nothing"),
        ("code", "import os\ndisplay(os.path.exists('lesson.ipynb'), '__file__' in globals())"),
        ("code", "None"),
        ("code", "print(torch.__name__)\nraise ValueError('stop here')"),
        ("code", "print('never runs')"),
    ])
    (tmp_path / "lesson.ipynb").write_text(json.dumps(nb))
    result = _run_cli(tmp_path / "lesson.ipynb", cwd=ROOT)  # cells run in the notebook's folder
    assert result.returncode == 1
    assert result.stdout == ("grad: tensor(12.)\n"
                             "tensor(8., grad_fn=<PowBackward0>)\n"
                             "tensor([[2., 0.],\n        [0., 4.]])\n"
                             "True\nFalse\n"
                             "autodiff_lab\n")
    lines = result.stderr.splitlines()
    assert lines[-2:] == ["ValueError: stop here",
                          f"autodiff-lab run: stopped at cell 8 of {tmp_path / 'lesson.ipynb'}"]
    assert 'File "<lesson.ipynb cell 8>", line 2, in <module>' in result.stderr
