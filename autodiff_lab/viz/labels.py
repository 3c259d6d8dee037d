"""The words and numbers of a graph picture: values, formulas, local partials, gradient flow.

No matplotlib here: the same texts label the matplotlib figure and the Graphviz DOT output.
"""


import numpy as np
import sympy

from ..autograd.engine import AccumulateGrad, _match
from ..printing import _tensor_str
from ..symbolic.calculus import tidy
from ..symbolic.notation import d, math_text, operand_d
from ..symbolic.twin import exact
from ..tensor import Tensor

MAX_SHOWN = 9      # tensors with more elements show their shape and mean instead of values,
MAX_LINES, MAX_WIDTH = 3, 44   # and so do those whose values take more lines or characters
MAX_CHARS = 34     # formulas longer than this are cut with "…"
MAX_JACOBIAN = 4096


def format_value(data, prefix=""):
    """A tensor's value by one rule, in every picture: in full as PyTorch prints it (without
    ``tensor(``) when it has up to ``MAX_SHOWN`` elements that print in up to ``MAX_LINES``
    lines of up to ``MAX_WIDTH`` characters, else as its shape, dtype and mean.

    >>> print(format_value(np.array([[1., 2., 3.], [3., 2., 1.]], dtype=np.float32), "= "))
    = [[1., 2., 3.],
       [3., 2., 1.]]
    >>> print(format_value(np.arange(12, dtype=np.float32).reshape(4, 3)))
    4×3 float32
    mean 5.5
    """
    data = np.asarray(data)
    # The rule reads the value alone (not its prefix), so x and x.grad show alike.
    bare = None if data.size > MAX_SHOWN else _tensor_str(data, 0)
    if bare is not None and bare.count("\n") < MAX_LINES and \
            max(len(row) for row in bare.split("\n")) <= MAX_WIDTH:
        return prefix + _tensor_str(data, len(prefix))
    # Shapes as explain writes them (5×8); a vector keeps the tuple, (8,).
    shape = "×".join(map(str, data.shape)) if data.ndim > 1 else str(tuple(data.shape))
    text = f"{prefix}{shape} {data.dtype}"
    if data.dtype.kind in "fiub" and data.size:
        with np.errstate(all="ignore"):
            mean = float(np.mean(data, dtype=np.float64))
        text += "\n" + " " * len(prefix) + f"mean {mean:.4g}"
    return text


def format_number(value):
    """A Python number as it was written: ``2``, ``0.5``.

    >>> format_number(2), format_number(2.0), format_number(0.5)
    ('2', '2.', '0.5')
    """
    if isinstance(value, float) and value.is_integer():
        return f"{value:.0f}."
    return repr(value) if isinstance(value, (int, float)) else str(value)


def plain(expr):
    """A SymPy expression as short Unicode text (the notation's ``math_text``).

    >>> plain(2*sympy.Symbol("x")**4 + 1)
    '2x⁴ + 1'
    """
    return math_text(expr)


def index_text(key):
    """An indexing key as it is written between brackets.

    >>> index_text((slice(None), 2)), index_text((slice(1, 3),)), index_text(np.array([0, 2]))
    ('[:, 2]', '[1:3]', '[[0, 2]]')
    """
    def one(k):
        if isinstance(k, slice):
            text = ":".join("" if v is None else str(v) for v in (k.start, k.stop, k.step))
            return text[:-1] if text.endswith(":") and k.step is None else text
        if k is Ellipsis:
            return "..."
        return str(k.tolist()) if isinstance(k, np.ndarray) else str(k)
    return "[" + ", ".join(one(k) for k in (key if isinstance(key, tuple) else (key,))) + "]"


def shorten(text, limit=MAX_CHARS):
    """Cut ``text`` to ``limit`` characters with an ellipsis.

    >>> shorten("abcdef", 4)
    'abc…'
    """
    return text if len(text) <= limit else text[:limit - 1] + "…"


def formula(arr, twin):
    """The twin of a node's output as one short line: a scalar formula, or the formula of every
    element written once with the index ``i`` (``3xᵢ + 2``); None when neither fits."""
    arr = np.asarray(arr, dtype=object)
    if arr.ndim == 0:
        return shorten(plain(arr[()]))
    if arr.size > 64:
        return None
    first = None
    for idx in np.ndindex(arr.shape):
        e = sympy.sympify(arr[idx])
        generic = {}
        for s in e.free_symbols:
            t, j = twin.symbols.get(s, (None, None))
            if t is not None and _same_element(j, idx, t.shape):
                generic[s] = sympy.Symbol(twin.name_of(t) + "ᵢ")
        e = e.xreplace(generic)
        if first is None:
            first = e
        elif e != first:
            return None
    return shorten(plain(first))


def _same_element(j, idx, shape):
    """Whether element ``j`` of a tensor of ``shape`` is the one broadcast to element ``idx``."""
    if not j or len(j) > len(idx):
        return False
    tail = idx[len(idx) - len(j):]
    return all(a == b or n == 1 for a, b, n in zip(j, tail, shape))


# --------------------------------------------------------------------- local derivatives
def local_partials(node, names, out, wrt_name=None, operands=None):
    """For each input of ``node``: the text of ∂out/∂input (None where no gradient flows).

    ``names`` are the display names of the inputs, ``out`` the node's output value and
    ``wrt_name`` its name; ``operands`` marks inputs that are one tensor used twice (y*y), whose
    partials are per operand: ∂c/∂(y, operand 1). Elementwise
    ops differentiate their SymPy rule on fresh symbols with ``sympy.diff``; the others report
    their Jacobian, measured with their own VJP rule.
    """
    op = node.op
    wanted = [child is not None for child, _ in node.next_functions]
    try:
        if op.sym is not None and op.sym_elementwise:
            texts = _elementwise_partials(node, names, wanted, np.asarray(out))
        else:
            texts = _jacobian_partials(node, out, wanted)
    except Exception:  # noqa: BLE001 - a picture must not fail on an exotic rule
        return [None] * len(wanted)
    operands = operands or [False] * len(names)
    return [None if text is None else
            f"{operand_d(wrt_name or '', name, k + 1) if twice else d(wrt_name or '', name)}"
            f" = {text}" for k, (text, name, twice) in enumerate(zip(texts, names, operands))]


def _elementwise_partials(node, names, wanted, out):
    slots = [sympy.Dummy(f"s{i}", real=True) if isinstance(t, Tensor) else exact(t)
             for i, t in enumerate(node._inputs)]
    params = {k: exact(v) if isinstance(v, float) else v for k, v in node._params.items()}
    expr = node.op.sym(*slots, **params)
    shown = {s: sympy.Symbol(n, real=True) for s, n in zip(slots, names)
             if isinstance(s, sympy.Dummy)}
    texts = []
    for slot, t, want in zip(slots, node._inputs, wanted):
        if not want:
            texts.append(None)
            continue
        d = tidy(sympy.diff(expr, slot))
        text = shorten(plain(d.xreplace(shown)), 2 * MAX_CHARS)
        if d.free_symbols:
            value = _evaluate(d, slots, node._inputs, out.dtype)
            if value is not None and value.size <= MAX_SHOWN:
                text += "\n" + format_value(value, "= ")
        texts.append(text)
    return texts


def _evaluate(d, slots, inputs, dtype):
    symbols = [s for s in slots if isinstance(s, sympy.Dummy)]
    arrays = [t._data.astype(np.float64) for s, t in zip(slots, inputs)
              if isinstance(s, sympy.Dummy)]
    try:
        value = sympy.lambdify(symbols, d, "numpy")(*arrays)
    except Exception:  # noqa: BLE001 - Heaviside and friends: leave the number out
        return None
    shape = np.broadcast_shapes(*(a.shape for a in arrays))
    return np.broadcast_to(np.asarray(value, dtype=dtype), shape)


def _jacobian_partials(node, out, wanted):
    """Non-elementwise ops: one VJP per output element gives the Jacobian's rows."""
    inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
    out = np.asarray(out)
    sizes = [t._data.size if isinstance(t, Tensor) else 1 for t in node._inputs]
    if out.size * max(sizes) > MAX_JACOBIAN:
        return [f"Jacobian {out.size}×{n}" if w else None for n, w in zip(sizes, wanted)]
    rows = [[] for _ in wanted]
    for k in range(out.size):
        g = np.zeros(out.size, dtype=out.dtype)
        g[k] = 1
        grads = node.op.vjp(g.reshape(out.shape), *inputs, out=out, **node._params)
        for slot, (gi, t, w) in enumerate(zip(grads, node._inputs, wanted)):
            if w and gi is not None:
                rows[slot].append(np.asarray(_match(gi, t), dtype=np.float64).reshape(-1))
    return [_describe_jacobian(np.array(r)) if w and r else None for r, w in zip(rows, wanted)]


def _describe_jacobian(jac):
    nonzero = jac[jac != 0]
    if nonzero.size and np.all(nonzero == nonzero[0]):
        c = _rational(nonzero[0])
        return f"{c} (each)" if nonzero.size == jac.size else f"{c} or 0"
    return f"Jacobian {jac.shape[0]}×{jac.shape[1]}"


def _rational(value):
    """A float as a short fraction where it is one (0.16666667 → 1/6)."""
    r = sympy.Rational(float(value)).limit_denominator(1000)
    if abs(float(r) - value) <= 1e-6 * max(1.0, abs(value)):
        return str(r)
    return _tensor_str(np.asarray(value, dtype=np.float32), 0)


# --------------------------------------------------------------------- gradient flow
def gradient_flow(order, values, seed):
    """The backward pass replayed with the ops' VJP rules, without touching the engine.

    Returns the gradient arriving at each node (by ``id``) and the gradient sent along each
    edge (by ``(id(consumer), input position)``); works after ``backward`` freed the graph.
    """
    arriving, sent = {}, {}
    pending = {id(order[0]): seed} if order else {}
    for node in order:
        g = pending.pop(id(node), None)
        if g is None:
            continue
        arriving[id(node)] = g
        if isinstance(node, AccumulateGrad):
            continue
        grads = _replay(node, g, values[id(node)])
        for slot, (t, (child, _), gi) in enumerate(zip(node._inputs, node.next_functions, grads)):
            if child is None or gi is None:
                continue
            gi = np.asarray(_match(gi, t))
            sent[(id(node), slot)] = gi
            key = id(child)
            pending[key] = gi if key not in pending else pending[key] + gi
    return arriving, sent


def _replay(node, g, out):
    """The node's VJP on plain arrays; an empty tuple (the flow stops) if the rule fails."""
    inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
    try:
        return node.op.vjp(g, *inputs, out=out, **node._params)
    except Exception:  # noqa: BLE001 - e.g. an in-place edit changed a saved value's shape
        return ()
