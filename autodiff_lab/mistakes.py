"""A simulator of the mistakes beginners make with autograd, for lessons.

Each function reproduces one mistake on a tiny example: it runs the code it shows (with
``import autodiff_lab as torch``), records what really happens (PyTorch's error, with its
``Hint:`` line, or the wrong number), runs the fix the same way, and explains why. The result
prints as text and shows as HTML in Jupyter; ``list()`` is the catalogue.

>>> from autodiff_lab import mistakes
>>> m = mistakes.forgot_zero_grad()
>>> m.happened
'tensor(72.)'
>>> m.fixed
'tensor(24.)'
"""

import contextlib
import html
import io
import textwrap
import traceback
import warnings

__all__ = ["Mistake", "list", "forgot_zero_grad", "backward_twice", "data_edit",
           "inplace_on_saved", "nonscalar_backward", "grad_of_nonleaf", "inplace_on_leaf"]


class Mistake:
    """One mistake, reproduced: ``code`` and what it gave (``happened``: printed output, the
    warning or the error text), ``why``, and the ``fix`` with what it gives (``fixed``)."""

    def __init__(self, name, title, code, why, fix):
        self.name, self.title, self.why = name, title, why
        self.code, self.fix = code.strip("\n"), fix.strip("\n")
        self.happened = _run(self.code)
        self.fixed = _run(self.fix)

    def __repr__(self):
        indent = lambda text: textwrap.indent(text, "    ")  # noqa: E731
        return (f"Mistake: {self.title}  (mistakes.{self.name}())\n\n{indent(self.code)}\n\n"
                f"What happens:\n{indent(self.happened)}\n\n"
                f"Why: {textwrap.fill(self.why, 96, subsequent_indent='     ')}\n\n"
                f"The fix:\n{indent(self.fix)}\n\nwhich gives:\n{indent(self.fixed)}")

    __str__ = __repr__

    def _repr_html_(self):
        pre = lambda text: f"<pre>{html.escape(text)}</pre>"  # noqa: E731
        return (f"<div><h4>Mistake: {html.escape(self.title)}</h4>{pre(self.code)}"
                f"<p><b>What happens:</b></p>{pre(self.happened)}"
                f"<p><b>Why:</b> {html.escape(self.why)}</p>"
                f"<p><b>The fix:</b></p>{pre(self.fix)}<p>which gives:</p>{pre(self.fixed)}</div>")


def _run(code):
    """What running ``code`` (our own snippets, never a user's text) shows: its printed lines,
    its warnings and its error, as a notebook would show them."""
    import autodiff_lab
    out = io.StringIO()
    shown = []
    with contextlib.redirect_stdout(out), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(compile(code, "<mistake>", "exec"), {"torch": autodiff_lab})  # noqa: S102
        except Exception as e:  # noqa: BLE001 - the error is what the lesson shows
            shown.append("".join(traceback.format_exception_only(e)).rstrip("\n"))
    lines = [out.getvalue().rstrip("\n")] if out.getvalue() else []
    lines += [f"{w.category.__name__}: {w.message}" for w in caught]
    return "\n".join(lines + shown)


class Catalogue:
    """Every mistake the simulator knows, one line each (``mistakes.list()``)."""

    def __init__(self, entries):
        self.entries = entries

    def __iter__(self):
        return iter(self.entries)

    def __len__(self):
        return len(self.entries)

    def __repr__(self):
        width = max(len(name) for name, _ in self.entries) + 2
        return "\n".join(f"mistakes.{(name + '()').ljust(width + 2)}{title}"
                         for name, title in self.entries)

    def _repr_html_(self):
        rows = "".join(f"<tr><td><code>mistakes.{name}()</code></td><td>{html.escape(t)}</td>"
                       "</tr>" for name, t in self.entries)
        return f"<table>{rows}</table>"


def list():  # noqa: A001 - the catalogue's name in lessons: mistakes.list()
    """The catalogue of mistakes, each reproduced by ``mistakes.NAME()``.

    >>> from autodiff_lab import mistakes
    >>> print(mistakes.list())
    mistakes.forgot_zero_grad()    forgetting to zero the gradient between steps
    mistakes.backward_twice()      calling backward() twice on one graph
    mistakes.data_edit()           editing .data after the forward pass
    mistakes.inplace_on_saved()    changing in place a tensor saved for backward
    mistakes.nonscalar_backward()  backward() of a tensor with several elements
    mistakes.grad_of_nonleaf()     reading .grad of an intermediate tensor
    mistakes.inplace_on_leaf()     updating a weight in place with autograd on
    """
    return Catalogue([(fn.__name__, fn.title) for fn in _ALL])


def _mistake(title):
    def register(fn):
        fn.title = title
        _ALL.append(fn)
        return fn
    return register


_ALL = []


@_mistake("forgetting to zero the gradient between steps")
def forgot_zero_grad():
    """``backward()`` adds into ``.grad``: three steps without zeroing give 3 × the gradient."""
    return Mistake("forgot_zero_grad", forgot_zero_grad.title, """
w = torch.tensor(3.0, requires_grad=True)
for step in range(3):
    loss = (2 * w) ** 2        # d loss/dw = 8w = 24 at w = 3
    loss.backward()            # adds 24 to w.grad: nothing resets it
print(w.grad)
""", "backward() accumulates: it adds this step's gradient to whatever .grad already holds "
         "(so that a loss built from several parts, or a batch split in pieces, can add up its "
         "gradients). After three steps w.grad holds 24 + 24 + 24. An optimizer step would then "
         "move w three times too far.", """
w = torch.tensor(3.0, requires_grad=True)
for step in range(3):
    w.grad = None              # or optimizer.zero_grad() at the start of every step
    loss = (2 * w) ** 2
    loss.backward()
print(w.grad)
""")


@_mistake("calling backward() twice on one graph")
def backward_twice():
    """The second ``backward()`` finds the saved values freed and raises PyTorch's error."""
    return Mistake("backward_twice", backward_twice.title, """
x = torch.tensor(2.0, requires_grad=True)
y = x * x
y.backward()
y.backward()
""", "To save memory, backward() frees the values each op saved for its derivative (here "
         "MulBackward0 kept both factors). A second backward() through the same graph has "
         "nothing left to multiply by. Usually the real fix is to build the graph again, as a "
         "training loop does by computing the loss inside the loop.", """
x = torch.tensor(2.0, requires_grad=True)
y = x * x
y.backward(retain_graph=True)  # keep the saved values for a second pass
y.backward()
print(x.grad)                  # 4 + 4: the two passes accumulate
""")


@_mistake("editing .data after the forward pass")
def data_edit():
    """``.data`` skips the version check: the gradient comes out wrong, silently."""
    return Mistake("data_edit", data_edit.title, """
x = torch.tensor(2.0, requires_grad=True)
y = x * x                      # dy/dx = 2x = 4 at x = 2
x.data.mul_(10)                # x is now 20; autograd is not told
y.backward()
print(x.grad)
""", "MulBackward0 saved x itself to compute ḡ·x for each factor. Changing x through .data "
         "bypasses the version counter that would have raised an error, so backward multiplies "
         "by the new value: 2 · 20 = 40 instead of 4, with no warning. Change values with "
         "autograd's knowledge (under torch.no_grad(), after backward), never through .data "
         "in between.", """
x = torch.tensor(2.0, requires_grad=True)
y = x * x
y.backward()                   # first the gradient at x = 2 ...
with torch.no_grad():
    x.mul_(10)                 # ... then change x (as an optimizer step does)
print(x.grad)
""")


@_mistake("changing in place a tensor saved for backward")
def inplace_on_saved():
    """An in-place op on a saved value: the version counter catches it at backward time."""
    return Mistake("inplace_on_saved", inplace_on_saved.title, """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()                    # ExpBackward0 saves its output y: d exp(x)/dx = exp(x)
y.add_(1)                      # changes y in place
y.sum().backward()
""", "exp's derivative is its own output, so ExpBackward0 keeps y for the backward pass. "
         "add_ overwrote it; every tensor counts its in-place changes (its version), and "
         "backward refuses a saved value whose version moved, rather than compute a wrong "
         "gradient. The out-of-place form makes a new tensor and leaves the saved one alone.", """
x = torch.tensor([1.0, 2.0], requires_grad=True)
y = x.exp()
z = y + 1                      # a new tensor: y stays as it was saved
z.sum().backward()
print(x.grad)                  # exp(x)
""")


@_mistake("backward() of a tensor with several elements")
def nonscalar_backward():
    """``backward()`` needs a scalar: a vector output raises PyTorch's error."""
    return Mistake("nonscalar_backward", nonscalar_backward.title, """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
y.backward()
""", "backward() computes the gradient of one number (a loss) with respect to the leaves. "
         "For a vector y there is a Jacobian, not a gradient; backward(gradient=v) computes the "
         "vector-Jacobian product vᵀJ, and y.sum() is the same as v = ones.", """
x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
y = x * 2
y.sum().backward()             # or y.backward(torch.ones_like(y))
print(x.grad)
""")


@_mistake("reading .grad of an intermediate tensor")
def grad_of_nonleaf():
    """``.grad`` of a non-leaf is None (with PyTorch's warning) unless ``retain_grad()``."""
    return Mistake("grad_of_nonleaf", grad_of_nonleaf.title, """
x = torch.tensor(2.0, requires_grad=True)
y = x * 3
z = y * y
z.backward()
print(y.grad)                  # dz/dy = 2y = 12 is what was wanted
""", "backward() stores gradients only in the leaves (tensors you created with "
         "requires_grad=True); an intermediate's gradient passes through and is dropped, to "
         "save memory. Ask for it before backward with retain_grad().", """
x = torch.tensor(2.0, requires_grad=True)
y = x * 3
y.retain_grad()                # keep y's gradient this time
z = y * y
z.backward()
print(y.grad, x.grad)
""")


@_mistake("updating a weight in place with autograd on")
def inplace_on_leaf():
    """A gradient-descent step written without ``no_grad`` raises PyTorch's error."""
    return Mistake("inplace_on_leaf", inplace_on_leaf.title, """
w = torch.tensor(1.0, requires_grad=True)
loss = (w - 3) ** 2
loss.backward()
w -= 0.1 * w.grad              # the update, recorded by autograd
""", "With autograd on, every op on w is recorded as part of a graph, and changing a leaf "
         "in place would rewrite the value the graph starts from. An update step is not part "
         "of the model: run it under torch.no_grad() (optimizer.step() does).", """
w = torch.tensor(1.0, requires_grad=True)
loss = (w - 3) ** 2
loss.backward()
with torch.no_grad():
    w -= 0.1 * w.grad
print(w)
""")
