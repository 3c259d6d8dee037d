"""Errors that teach: PyTorch's exact text first, then one ``Hint:`` line naming the tensor or
op involved and the fix (SPEC §7).

Every raise site of a beginner error passes its error through :func:`add` with the function
here that words its hint; nothing runs unless the error is raised. Tensors are called by the
caller's variable names where they can be found (``name=`` first), else by the op that made
them. ``set_hints(False)`` (or ``AUTODIFF_LAB_HINTS=0`` in the environment) turns the lines off,
leaving PyTorch's text alone.

>>> import autodiff_lab as torch
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> y = x * 2
>>> y.backward()
Traceback (most recent call last):
  ...
RuntimeError: grad can be implicitly created only for scalar outputs
Hint: y has shape [2], so there is no single number to differentiate: reduce it first, e.g. y.sum().backward() or y.mean().backward(), or pass the gradient of each element, y.backward(torch.ones_like(y)).
"""

import os

__all__ = ["hints_enabled", "set_hints"]

_ENABLED = [os.environ.get("AUTODIFF_LAB_HINTS", "1").strip().lower()
            not in ("0", "false", "off", "no")]


def set_hints(enabled=True):
    """Turn the ``Hint:`` lines after PyTorch's error texts on or off (they are on unless the
    environment sets ``AUTODIFF_LAB_HINTS=0``).

    >>> import autodiff_lab as torch
    >>> torch.set_hints(False)
    >>> torch.ones(3).item()
    Traceback (most recent call last):
      ...
    RuntimeError: a Tensor with 3 elements cannot be converted to Scalar
    >>> torch.set_hints(True)
    """
    _ENABLED[0] = bool(enabled)


def hints_enabled():
    """Whether errors get a ``Hint:`` line (see :func:`set_hints`).

    >>> import autodiff_lab as torch
    >>> torch.hints_enabled()
    True
    """
    return _ENABLED[0]


def add(error, hint, *args):
    """``error`` with ``"\\nHint: " + hint(*args)`` after its text, when hints are on.

    A hint that cannot be worded (a bug here) leaves PyTorch's error as it is: the hint must
    never hide the error it explains.
    """
    if not _ENABLED[0]:
        return error
    try:
        text = hint(*args)
    except Exception:  # noqa: BLE001 - see the docstring
        return error
    if text:
        # A PEP 678 note, not part of the message: a traceback (Python's, IPython's, doctest's)
        # shows it on the line after PyTorch's text, while ``str(error)`` stays exactly
        # PyTorch's, so a tutorial's ``print(e)`` prints what PyTorch prints.
        error.add_note(f"Hint: {text}")
    return error


def text(error):
    """What a traceback shows of ``error`` after its type: its message, then its notes (the
    ``Hint:`` line).

    >>> import autodiff_lab as torch
    >>> try:
    ...     torch.ones(3).item()
    ... except RuntimeError as e:
    ...     print(str(e))
    ...     print(text(e))
    a Tensor with 3 elements cannot be converted to Scalar
    a Tensor with 3 elements cannot be converted to Scalar
    Hint: the tensor has shape [3] (3 elements), and item() reads a one-element tensor: reduce it first (t.sum().item(), t.mean().item()), pick one element (t[0].item()), or get every value with t.tolist().
    """
    return "\n".join([str(error), *getattr(error, "__notes__", ())])


def warning(message, hint, *args):
    """A warning's text with its hint line (the same rules as :func:`add`; a warning has no
    notes, so the line is part of its message)."""
    return text(add(UserWarning(message), hint, *args))


# --------------------------------------------------------------------- names
def _torch():
    from .printing import NAMESPACE
    return NAMESPACE[0]


def _caller_names(nodes=False):
    from .symbolic.twin import caller_names
    return caller_names(nodes=nodes)


def _named(t, names=None):
    """The caller's name for tensor ``t`` (its ``name=`` first), or None."""
    if t is None:
        return None
    if t._name is not None:
        return t._name
    return (_caller_names() if names is None else names).get(id(t))


def _called(t, names=None):
    """How to call ``t`` in a sentence: its name, else what made it."""
    name = _named(t, names)
    if name is not None:
        return name
    if t.grad_fn is not None:
        return f"the output of {t.grad_fn.name()}"
    return "the tensor"


def _shape(t):
    return str(list(t.shape))


def _dtype(t):
    return t.dtype.name


# --------------------------------------------------------------------- backward
def nonscalar_backward(out, call="backward"):
    """``grad can be implicitly created only for scalar outputs``."""
    t = _torch()
    name = _named(out)
    what = f"{name} has shape {_shape(out)}" if name else \
        f"{_called(out)} has shape {_shape(out)}"
    head = f"{what}, so there is no single number to differentiate: reduce it first, e.g. "
    if call == "grad":
        y = name or "y"
        return (head + f"{t}.autograd.grad({y}.sum(), ...), or pass the gradient of each "
                f"element, grad_outputs={t}.ones_like({y}).")
    if name is None:
        return (head + ".sum().backward() or .mean().backward(), or pass the gradient of each "
                f"element, .backward(gradient) with a gradient of shape {_shape(out)}.")
    return (head + f"{name}.sum().backward() or {name}.mean().backward(), or pass the gradient "
            f"of each element, {name}.backward({t}.ones_like({name})).")


def gradient_shape(out, g):
    """``Mismatch in shape: grad_output[0] has a shape of ... and output[0] ...``."""
    name = _named(out)
    y = name or "the output"
    if out.numel() == 1 and not out.shape:
        return (f"{y} is a scalar, so backward() needs no gradient: call "
                f"{name or 'it'}.backward() without one (a gradient passed must have "
                f"{y}'s shape, [], e.g. {_torch()}.tensor(1.)).")
    return (f"the gradient passed to backward() holds d(loss)/d{name or '(output)'} for each "
            f"element of {y}, so it needs {y}'s shape, {_shape(out)}, not {_shape(g)}; e.g. "
            f"{_torch()}.ones_like({name or 'y'}).")


def no_graph(out):
    """``element 0 of tensors does not require grad and does not have a grad_fn``."""
    from .autograd import grad_mode
    t = _torch()
    names = _caller_names()
    name = _named(out, names) or "the output"
    if not grad_mode.STATE.grad_enabled:
        return (f"gradients are off here (inside {t}.no_grad() or {t}.inference_mode()), so "
                f"{name} recorded no graph; compute it, and call backward(), outside that block.")
    tracked = sorted({n for n, v in _caller_tensors()
                      if v.grad_fn is None and v._requires_grad and v is not out})
    if tracked:
        x = tracked[0]
        return (f"{name} has no graph: autograd recorded nothing that connects it to {x} (or "
                f"to any tensor that requires grad). Either it was computed without {x}, or "
                f"under {t}.no_grad(), from {x}.detach() or {x}.data, or through NumPy or "
                f".item(); compute it from {x} itself, with gradients on.")
    return (f"{name} was computed only from tensors that do not require grad; create the input "
            f"you differentiate with requires_grad=True, e.g. x = {t}.tensor(2.0, "
            "requires_grad=True), or call x.requires_grad_() before computing "
            f"{'it' if name == 'the output' else name}.")


def second_backward(node):
    """``Trying to backward through the graph a second time ...``."""
    name = _graph_holder(node)
    what = f"{node.name()} (in the graph of {name})" if name else node.name()
    again = name or "the output"
    return (f"the values {what} saved for backward were freed by an earlier backward(); compute "
            f"{again} again before each backward() (in a training loop, inside the loop), or "
            "pass retain_graph=True to the first backward() if you need the same graph twice.")


def modified_saved(node, saved, version, expected, output=None):
    """``one of the variables needed for gradient computation has been modified by an inplace
    operation``: ``saved`` is the tensor ``node`` saved (None: its own output)."""
    output = saved is None if output is None else output
    data = node._out if saved is None else saved._data
    name = None
    holder = saved
    for n, v in _caller_tensors():
        if v is saved or v._data is data:
            name, holder = n, v
            break
    if name is None and saved is not None:
        name = saved._name
    role = "output" if output else "input"
    what = f"{name}, {'the output' if output else 'an input'} of {node.name()}," \
        if name else f"the {role} of {node.name()}"
    by, symbol = "", "+"
    if holder is not None and holder.grad_fn is not None and holder.grad_fn is not node:
        by = f" by {_inplace_name(holder.grad_fn)}"
        symbol = _OPERATORS.get(getattr(holder.grad_fn.op, "__name__", None), "+")
    method = {"+": "add_", "-": "sub_", "*": "mul_", "/": "div_"}.get(symbol, "add_")
    x, k = name or "x", 2 if symbol in "*/" else 1
    return (f"{what} was saved for the backward pass and then changed in place{by} (now at "
            f"version {version}; backward needs version {expected}); use the out-of-place form "
            f"({x} = {x} {symbol} {k}, not {x} {symbol}= {k} or {x}.{method}({k})), or change a "
            f"copy ({x}.clone()).")


def _graph_holder(node, limit=2000):
    """The caller's name for the newest tensor whose graph contains ``node`` (the output that
    backward was called on, most likely), or None."""
    best = None
    for name, v in _caller_tensors():
        if v.grad_fn is not None and (
                best is None or v.grad_fn._seq > best[1]._seq) and _reaches(v.grad_fn, node,
                                                                          limit):
            best = (name, v.grad_fn)
    return None if best is None else best[0]


def _reaches(start, node, limit):
    stack, seen = [start], set()
    while stack and len(seen) < limit:
        current = stack.pop()
        if current is node:
            return True
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        stack.extend(getattr(current, "_next", ()))
    return False


def _inplace_name(node):
    op = getattr(node, "op", None)
    if getattr(op, "__name__", None) is None:
        return f"an in-place op recorded as {node.name()}"
    if op.__name__ in ("CopySlices", "IndexPut"):
        return "an indexed assignment (x[...] = ...)"
    return f"{op.__name__.lower()}_"


def leaf_inplace(t, view):
    """``a leaf Variable that requires grad is being used in an in-place operation.``"""
    torch = _torch()
    x = _named(t) or "x"
    if view:
        return (f"{x}[...] = ... writes into {x}, a leaf that requires grad, whose value autograd "
                f"needs unchanged; set the values before {x} requires grad, or under `with "
                f"{torch}.no_grad():`, or build a new tensor ({torch}.where, {torch}.cat) "
                "instead.")
    return (f"this in-place op changes {x}, a leaf that requires grad, whose value autograd "
            f"needs unchanged; update it under `with {torch}.no_grad():` (as an optimizer step "
            f"does: {x} -= lr * {x}.grad), or compute a new tensor out of place "
            f"({x}2 = {x} * 2).")


def not_differentiated(t):
    """``One of the differentiated Tensors does not require grad``."""
    x = _named(t) or "the input"
    return (f"{x} does not require grad, so it has no gradient: create it with "
            f"requires_grad=True (or call .requires_grad_() on it) before computing the output.")


def unused_input(t):
    """``The differentiated Tensor at index ... appears to not have been used in the graph``."""
    x = _named(t) or "that input"
    return (f"the output was not computed from {x} (or only from {x}.detach() or {x}.data); "
            f"differentiate with respect to the inputs it depends on, or pass allow_unused=True "
            "to get None for this one.")


# --------------------------------------------------------------------- tensor state
def nonleaf_grad(t):
    """The warning for ``.grad`` of a non-leaf tensor."""
    names = _caller_names()
    y = _named(t, names) or "this tensor"
    leaves = _leaf_names(t, names)
    where = " or ".join(f"{n}.grad" for n in leaves) if leaves else \
        ".grad of the leaf you created with requires_grad=True"
    return (f"{y} was computed by {t.grad_fn.name()}, so backward() does not keep its gradient; "
            f"read {where}, or call {'y' if y == 'this tensor' else y}.retain_grad() before "
            "backward() to keep it.")


def _leaf_names(t, names, limit=500):
    from .autograd.engine import AccumulateGrad
    found, stack, seen = [], [t.grad_fn], set()
    while stack and len(seen) < limit:
        node = stack.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            leaf = node.variable
            name = _named(leaf, names) if leaf is not None else None
            if name and name not in found:
                found.append(name)
        else:
            stack.extend(reversed(node._next))
    return found[:3]


def requires_grad_nonleaf(t, value):
    """``you can only change requires_grad flags of leaf variables.``"""
    y = _named(t) or "y"
    made = f"{_named(t)} was computed by {t.grad_fn.name()}" if _named(t) else \
        f"the output of {t.grad_fn.name()} is not a leaf"
    if value:
        return (f"{made} and already requires grad (gradients flow through it); to read its "
                f"gradient call {y}.retain_grad() before backward(), or make a new leaf with "
                f"{y}.detach().requires_grad_().")
    return f"{made}; use {y}.detach() for the same values outside the graph."


def integer_requires_grad(t=None):
    """``only Tensors of floating point dtype can require gradients``."""
    torch = _torch()
    if t is None:
        return ("the values are integers (int64), and gradients need floating point: write them "
                f"as floats (1. instead of 1), or pass dtype={torch}.float32.")
    x = _named(t) or "the tensor"
    return (f"{x} has dtype {_dtype(t)} (integers), and gradients need floating point: create it "
            f"from floats (1. instead of 1) or with dtype={torch}.float32, or use "
            f"{_named(t) or 'x'}.float().")


def numpy_requires_grad(t):
    """``Can't call numpy() on Tensor that requires grad.``"""
    x = _named(t)
    if x is None:
        return ("the tensor is part of autograd's graph; .detach().numpy() gives its values. "
                "NumPy and matplotlib (np.array(t), plt.plot(t)) call numpy() too: pass "
                "t.detach().")
    return (f"{x} requires grad (it is part of autograd's graph); {x}.detach().numpy() gives its "
            f"values. NumPy and matplotlib (np.array({x}), plt.plot({x})) call numpy() too: pass "
            f"{x}.detach().")


def not_one_element(t, call):
    """``item()``/``float()`` of a tensor with several elements."""
    x = _named(t) or "the tensor"
    n = _named(t) or "t"
    return (f"{x} has shape {_shape(t)} ({t.numel()} elements), and {call} reads a one-element "
            f"tensor: reduce it first ({n}.sum().item(), {n}.mean().item()), pick one element "
            f"({n}[0].item()), or get every value with {n}.tolist().")


def ambiguous_bool(t):
    """``Boolean value of Tensor with more than one value is ambiguous``."""
    x = _named(t) or "the tensor"
    n = _named(t) or "t"
    return (f"`if`, `and`, `or` and `not` need one True/False, but {x} has {t.numel()} "
            f"elements: say which you mean, {n}.all() or {n}.any() (e.g. ({n} > 0).all()), or "
            "test one element.")


def cast_inplace(t, result_dtype):
    """``result type Float can't be cast to the desired output type Long``."""
    x = _named(t) or "x"
    return (f"{_named(t) or 'the tensor'} holds {_dtype(t)} values, so an in-place op cannot "
            f"store a {result_dtype.name} result in it; use the out-of-place form "
            f"({x} = {x} + ...) or convert it first ({x} = {x}.float()).")


# --------------------------------------------------------------------- ops
def reshape_size(shape, numel):
    """``shape '[4]' is invalid for input of size 6``."""
    known = 1
    for s in shape:
        if s != -1:
            known *= s
    if -1 in shape:
        return (f"the tensor has {numel} elements, and no whole size for the -1 makes "
                f"{known} × (that size) = {numel}; the sizes you give must divide {numel}.")
    rest = 1
    for s in shape[1:]:
        rest *= s
    example = ["-1"] + [str(s) for s in shape[1:]] if rest and numel % rest == 0 else ["-1"]
    return (f"the tensor has {numel} elements but a shape of {list(shape)} holds {known}: the "
            f"sizes must multiply to {numel} (let one be inferred with -1, e.g. "
            f"reshape({', '.join(example)})).")


def mm_dtypes(a, b):
    """``expected m1 and m2 to have the same dtype`` (and addmm's ``... must have the same
    dtype``)."""
    names = _caller_names()
    if _linear_weight(b) is not None:
        x = _named(a, names) or "the input"
        return (f"{x} is {_dtype(a)} but the Linear layer's weight is {_dtype(b)}; convert the "
                f"input ({_named(a, names) or 'x'}.float(); NumPy arrays give float64) or the "
                "model (model.double()).")
    first = _named(a, names) or "the first matrix"
    second = _named(b, names) or "the second"
    wide, narrow = (a, b) if a.dtype.itemsize >= b.dtype.itemsize else (b, a)
    fix = f"{_named(wide, names) or 'the ' + _dtype(wide) + ' one'}.to({_dtype(narrow)})"
    if wide.dtype.name == "float64" and narrow.dtype.name == "float32":
        fix = (f"{_named(wide, names) or 'the float64 one'}.float(), or "
               f"{_named(narrow, names) or 'the float32 one'}.double()")
    return (f"{first} is {_dtype(a)} and {second} is {_dtype(b)}; a matrix product needs one "
            f"dtype: convert one side, e.g. {fix} (Python floats give float32, NumPy arrays "
            "float64).")


def mm_shapes(a, b, op="@"):
    """``mat1 and mat2 shapes cannot be multiplied (AxB and CxD)``."""
    names = _caller_names()
    layer = _linear_weight(b)
    if layer is not None:
        x = _named(a, names) or "the input"
        return (f"the Linear layer's weight has shape {_shape(layer)} (in_features="
                f"{layer.shape[1]}, out_features={layer.shape[0]}), so its input needs "
                f"{layer.shape[1]} features in its last dimension, but {x} has {a.shape[-1]} "
                f"(shape {_shape(a)}); make in_features match the data, or reshape the input.")
    left, right = _named(a, names) or "a", _named(b, names) or "b"
    (n, k), (k2, m) = a.shape[-2:] if a.ndim > 1 else (1, a.shape[0]), b.shape[:2]
    head = (f"in {left} {op} {right} the columns of {left} ({k}) must equal the rows of "
            f"{right} ({k2})")
    if k == m:
        return head + f"; {right}.T has shape {m}x{k2}, so {left} {op} {right}.T works."
    if n == k2 and a.ndim == 2:
        return head + f"; {left}.T has shape {k}x{n}, so {left}.T {op} {right} works."
    return head + "; transpose or reshape one of them so the inner sizes agree."


def _linear_weight(w_t):
    """The Parameter ``w`` when ``w_t`` is ``w.t()`` inside F.linear, else None."""
    from .nn.parameter import Parameter
    node = w_t.grad_fn
    if node is None or node.name() != "TBackward0":
        return None
    source = node._inputs[0]
    return source if isinstance(source, Parameter) else None


_OPERATORS = {"Add": "+", "Sub": "-", "Mul": "*", "Div": "/", "DivNoRounding": "/",
              "Pow": "**", "PowTensor": "**"}


def broadcast(op, args):
    """``The size of tensor a (3) must match the size of tensor b (4) at non-singleton
    dimension 1``."""
    from .tensor import Tensor
    tensors = [a for a in args if isinstance(a, Tensor)]
    if len(tensors) < 2:
        return None
    a, b = tensors[:2]
    names = _caller_names()
    left = _named(a, names)
    right = _named(b, names)
    symbol = _OPERATORS.get(op.__name__) or op.__name__.lower()
    fix = "reshape one operand (.reshape, .unsqueeze, x[:, None] or .T) so that they line up"
    for row, vec, vname in ((a, b, right), (b, a, left)):
        if vec.ndim == 1 and row.ndim == 2 and vec.shape[0] == row.shape[0] != row.shape[1]:
            fix = (f"here {vname or 'the 1-d operand'}[:, None] (shape [{vec.shape[0]}, 1]) "
                   "would line up with the rows")
    return (f"{left or 'the left operand'} (shape {_shape(a)}) and {right or 'the right operand'} "
            f"(shape {_shape(b)}) of {symbol} do not broadcast: sizes are compared from the last "
            f"dimension and must be equal or 1; {fix}.")


# --------------------------------------------------------------------- frames
def _caller_tensors():
    """(name, tensor) for the tensor variables of the frames outside the package, innermost
    first."""
    import inspect
    from .symbolic.twin import _PACKAGE_DIR
    from .tensor import Tensor
    found = []
    frame = inspect.currentframe()
    try:
        while frame is not None:
            if not os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR):
                for scope in (frame.f_locals, frame.f_globals):
                    found.extend((n, v) for n, v in list(scope.items())
                                 if isinstance(v, Tensor) and n.isidentifier()
                                 and not n.startswith("_"))
            frame = frame.f_back
    finally:
        del frame
    return found
