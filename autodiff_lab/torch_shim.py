"""``import torch`` that gives autodiff_lab: a ``sys.meta_path`` alias, its IPython extension,
and the runner behind ``autodiff-lab run SCRIPT_OR_NOTEBOOK``.

The alias hands out autodiff_lab's own module objects (``torch.nn is autodiff_lab.nn``): there
is one copy of each module, so ``isinstance`` checks, module state such as the random generator,
and ``autodiff_lab.set_printoptions`` are shared by both names.

>>> TorchAliasFinder().find_spec("torch.nn.functional").loader.target
'autodiff_lab.nn.functional'
"""

import ast
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import os
import runpy
import sys
import traceback

PACKAGE = "autodiff_lab"
ALIAS = "torch"


def _target(fullname):
    """``torch.nn.functional`` -> ``autodiff_lab.nn.functional`` (None for other names)."""
    if fullname == ALIAS:
        return PACKAGE
    if fullname.startswith(ALIAS + "."):
        return PACKAGE + fullname[len(ALIAS):]
    return None


class _AliasLoader(importlib.abc.Loader):
    """Loads nothing: it returns the autodiff_lab module that is already (or now) imported."""

    def __init__(self, target):
        self.target = target

    def create_module(self, spec):
        return importlib.import_module(self.target)

    def exec_module(self, module):
        pass  # already executed once, under its own name


class TorchAliasFinder(importlib.abc.MetaPathFinder):
    """Answers imports of ``torch`` and ``torch.*`` with the matching autodiff_lab module."""

    def find_spec(self, fullname, path=None, target=None):
        name = _target(fullname)
        if name is None:
            return None
        if name not in sys.modules and importlib.util.find_spec(name) is None:
            raise ModuleNotFoundError(
                f"No module named '{fullname}': `torch` is autodiff_lab here (install_as_torch), "
                f"and autodiff_lab has no module '{name}'. Import it from the real PyTorch in a "
                "process without the shim.", name=fullname)
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(name))


def _finder():
    return next((f for f in sys.meta_path if isinstance(f, TorchAliasFinder)), None)


def _ours(module):
    return getattr(module, "__name__", "").startswith(PACKAGE)


def _torch_entries():
    """``(name, module)`` for every ``torch``/``torch.*`` entry of ``sys.modules``."""
    return [(name, module) for name, module in list(sys.modules.items())
            if _target(name) is not None and module is not None]


def _real_torch_modules():
    return sorted(name for name, module in _torch_entries() if not _ours(module))


def install():
    """Make ``import torch`` (and every ``torch.*`` submodule) give autodiff_lab's modules.

    Returns the ``autodiff_lab`` package, which is now also ``sys.modules["torch"]``. Calling it
    again does nothing. Refuses with ``RuntimeError`` when the real PyTorch is already imported,
    because two libraries under one name would mix their tensors.

    >>> import subprocess, sys
    >>> code = ("import autodiff_lab; autodiff_lab.install_as_torch(); import torch.nn as nn; "
    ...         "print(nn is autodiff_lab.nn)")
    >>> subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    'True'
    """
    real = _real_torch_modules()
    if real:
        where = getattr(sys.modules.get(real[0]), "__file__", None) or "?"
        raise RuntimeError(
            f"install_as_torch(): the real PyTorch is already imported in this process "
            f"('{real[0]}' from {where}), so `torch` cannot become autodiff_lab. Call "
            "autodiff_lab.install_as_torch() before anything imports torch: make it the first "
            "line of the script, restart the Jupyter kernel and run `%load_ext autodiff_lab` "
            "first, or run the file with `autodiff-lab run FILE`.")
    package = importlib.import_module(PACKAGE)
    if _finder() is None:
        sys.meta_path.insert(0, TorchAliasFinder())
    # Submodules imported already are aliased now; the finder answers the rest on demand.
    for name, module in list(sys.modules.items()):
        if module is not None and (name == PACKAGE or name.startswith(PACKAGE + ".")):
            sys.modules.setdefault(ALIAS + name[len(PACKAGE):], module)
    return package


def uninstall():
    """Undo ``install``: ``import torch`` finds the real PyTorch again (if it is installed).

    >>> import sys
    >>> uninstall()
    >>> any(isinstance(f, TorchAliasFinder) for f in sys.meta_path)
    False
    """
    finder = _finder()
    if finder is not None:
        sys.meta_path.remove(finder)
    for name, module in _torch_entries():
        if _ours(module):
            del sys.modules[name]


def load_ipython_extension(ipython):
    """``%load_ext autodiff_lab.torch_shim`` (or ``%load_ext autodiff_lab``): install the alias
    in the running kernel, so the notebook's ``import torch`` cells run on autodiff_lab."""
    install()


def unload_ipython_extension(ipython):
    """``%unload_ext autodiff_lab.torch_shim``: remove the alias again."""
    uninstall()


# ---------------------------------------------------------------------- autodiff-lab run
def _notebook_cells(path):
    """The source of each code cell of a notebook, in order."""
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            yield "".join(source) if isinstance(source, list) else source


def _strip_magics(source):
    """Drop IPython-only lines (``%matplotlib inline``, ``!pip install ...``): outside Jupyter
    they mean nothing; a ``%%`` cell magic makes the whole cell IPython-only."""
    if source.lstrip().startswith("%%"):
        return ""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def _run_cell(source, namespace, filename):
    """Run one cell as Jupyter does: the value of a final expression is printed (its repr)."""
    tree = ast.parse(source, filename)
    last = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last = ast.Expression(tree.body.pop().value)
    exec(compile(tree, filename, "exec"), namespace)
    if last is not None:
        value = eval(compile(last, filename, "eval"), namespace)
        if value is not None:
            print(repr(value))


def _display(*objs, **kwargs):
    """Jupyter's ``display``, as text: the repr of each object on its own line."""
    for obj in objs:
        print(repr(obj))


def run_notebook(path, argv=()):
    """Run a notebook's code cells top to bottom in one namespace, printing each cell's output
    (what it prints, then the repr of its final expression, as Jupyter shows it).

    As in Jupyter, the cells run in the notebook's folder, ``display`` is defined and
    ``__file__`` is not. Returns 0, or 1 after printing the traceback of the first cell that
    raised.
    """
    cells = list(_notebook_cells(path))
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "display": _display}
    sys.argv = [path, *argv]
    cwd = os.getcwd()
    os.chdir(os.path.dirname(os.path.abspath(path)))
    try:
        for index, source in enumerate(cells, 1):
            try:
                _run_cell(_strip_magics(source), namespace,
                          f"<{os.path.basename(path)} cell {index}>")
            except SystemExit:
                raise
            except BaseException:  # noqa: BLE001 - reported like a notebook cell error
                sys.stdout.flush()
                traceback.print_exc()
                print(f"autodiff-lab run: stopped at cell {index} of {path}", file=sys.stderr)
                return 1
            sys.stdout.flush()
    finally:
        os.chdir(cwd)
    return 0


def run(path, argv=()):
    """Run a script as ``__main__`` (or a notebook, top to bottom) with ``torch`` = autodiff_lab.

    Returns the exit status: 0, the script's ``sys.exit`` code, or 1 on an uncaught error (the
    traceback is printed). Figures are drawn off-screen unless ``MPLBACKEND`` says otherwise.
    """
    if not os.path.isfile(path):
        print(f"autodiff-lab run: no such file: {path}", file=sys.stderr)
        return 2
    try:
        install()
    except RuntimeError as e:
        print(f"autodiff-lab run: {e}", file=sys.stderr)
        return 2
    os.environ.setdefault("MPLBACKEND", "Agg")
    sys.path.insert(0, os.path.dirname(os.path.abspath(path)))  # its neighbours import
    if path.endswith(".ipynb"):
        return run_notebook(path, argv)
    sys.argv = [path, *argv]
    try:
        runpy.run_path(path, run_name="__main__")
    except SystemExit as e:
        code = e.code
        if code is None or isinstance(code, int):
            return code or 0
        print(code, file=sys.stderr)
        return 1
    except BaseException:  # noqa: BLE001 - the script's error, shown as Python shows it
        traceback.print_exc()
        return 1
    return 0


def command(args):
    """``autodiff-lab run FILE [ARGS...]``."""
    return run(args.file, args.args)
