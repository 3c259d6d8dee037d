"""The one notation of explain, the pictures and compare: names, math as text, ∂ labels.

docs/notation.md describes it for readers. Every tensor of a graph gets one name (its ``name=``,
the caller's variable, else a, b, c ...); ``∂y/∂v`` always means the whole derivative of the
output ``y`` w.r.t. ``v`` (every path), ``∂u/∂v`` for an op ``u`` and its input ``v`` the local
partial; what one use of ``v`` sends back is written as its chain-rule product, never as ∂y/∂v.
"""

import itertools
import re

import numpy as np
import sympy
from sympy.printing.str import StrPrinter

from ..autograd.engine import AccumulateGrad
from ..tensor import Tensor
from .twin import Twin

LETTERS = "abcdfghkmnpqrsuvw"  # no e, i, j, l, o, t: Euler, indices, look-alikes, t0 names

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789ijklmn", "₀₁₂₃₄₅₆₇₈₉ᵢⱼₖₗₘₙ")


def graph_names(order, caller, output=None):
    """id → name for every node of a graph (``order``: its nodes in topological order, output
    first) and for its constant tensors of more than one element: leaves as the twin names
    them, intermediates by their ``name`` (``output``: the graph's output tensor) or the
    caller's variables (``caller``: id(tensor) and id(node) → name), the rest a, b, c ... in
    forward order.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.autograd.engine import _topological_order
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = (3 * x + 2) ** 2
    >>> names = graph_names(_topological_order([y.grad_fn]), {id(x): "x", id(y.grad_fn): "y"})
    >>> [names[id(n)] for n in _topological_order([y.grad_fn])[::-1]]
    ['x', 'a', 'b', 'y']
    """
    forward = order[::-1]
    twin = Twin(names=caller)
    names = {id(n): twin.name_of(n.variable) for n in forward
             if isinstance(n, AccumulateGrad) and n.variable is not None}
    used = set(names.values())
    ops = [n for n in forward if not isinstance(n, AccumulateGrad)]
    given = given_names(ops, output)
    for node in ops:
        name = given.get(id(node)) or caller.get(id(node))
        if name is not None and name not in used:
            names[id(node)] = name
            used.add(name)
    avoid = used | set(caller.values()) | set(given.values())
    letters = (n for n in itertools.chain(LETTERS, (f"v{i}" for i in itertools.count(1)))
               if n not in avoid)
    for node in ops:
        if id(node) not in names:
            names[id(node)] = next(letters)
        for t, (child, _) in zip(node._inputs, node.next_functions):
            if child is None and isinstance(t, Tensor) and t.numel() != 1 \
                    and id(t) not in names:  # a constant tensor: a symbol per element
                name = t.name or caller.get(id(t))
                names[id(t)] = name if name and name not in used else next(letters)
                used.add(names[id(t)])
    return names


def given_names(ops, output=None):
    """id(node) → the ``name`` given to its output tensor: a node does not know its output, but
    the nodes using it hold it (and ``output`` is the graph's own output)."""
    given = {}
    for node in ops:
        for t, (child, _) in zip(node._inputs, node.next_functions):
            if isinstance(t, Tensor) and t.name and child is not None \
                    and not isinstance(child, AccumulateGrad):
                given.setdefault(id(child), t.name)
    if output is not None and output.name and output.grad_fn is not None:
        given[id(output.grad_fn)] = output.name
    return given


def tree_size(expr, cap):
    """The SymPy tree nodes of ``expr``, counted up to ``cap`` (no recursion: chains are deep).

    >>> tree_size(sympy.Symbol("x") + 1, 100)
    3
    """
    stack, n = [expr], 0
    while stack and n < cap:
        e = stack.pop()
        n += 1
        stack.extend(getattr(e, "args", ()))
    return n


def d(top, bottom):
    """The label of a derivative: ``∂y/∂x``.

    >>> d("out", "z")
    '∂out/∂z'
    """
    return f"∂{top}/∂{bottom}"


def operand_d(top, bottom, operand):
    """The local partial w.r.t. one operand where a tensor is several (``y*y``).

    >>> operand_d("c", "y", 1)
    '∂c/∂(y, operand 1)'
    """
    return f"∂{top}/∂({bottom}, operand {operand})"


def math_text(expr):
    """A SymPy expression as one line of math for students: ``2x⁴ + 3(x + 1)²``, ``w·tanh(u)``,
    never Python's ``**`` or ``*``.

    >>> x = sympy.Symbol("x")
    >>> math_text(2*x**4 + x**3 + 5*x + 1)
    '2x⁴ + x³ + 5x + 1'
    >>> math_text(2*(3*sympy.Symbol("x_{0,1}") + 2)**2 * sympy.tanh(x))
    '2(3x₀,₁ + 2)²·tanh(x)'
    >>> math_text(6*sympy.Symbol("x_{i,j}") + 4)
    '6xᵢ,ⱼ + 4'
    >>> math_text(sympy.Rational(-3661337, 5000000) * x + sympy.Rational(1, 6))
    '1/6 - 0.7323x'
    >>> math_text(sympy.exp(-x) / (1 + sympy.exp(-x))**2), math_text(x**sympy.Rational(1, 2))
    ('exp(-x)/(1 + exp(-x))²', '√x')
    """
    # Exact constants read from random data (-3661337/5000000) print as 4-digit decimals.
    expr = sympy.sympify(expr)
    expr = expr.xreplace({q: sympy.Float(q, 4) for q in expr.atoms(sympy.Rational)
                          if q.q > 1000})
    s = _Printer().doprint(expr)
    s = re.sub(r"_\{([\dijklmn,]+)\}", lambda m: m.group(1).translate(_SUBSCRIPT), s)
    s = re.sub(r"\*\*\((-?\d+)\)|\*\*(\d+)(?![.\d])",
               lambda m: (m.group(1) or m.group(2)).translate(_SUPERSCRIPT), s)
    s = s.replace("**", "^")
    # A number times a plain name or a bracket reads best as juxtaposition: 2x, 3(x + 1).
    s = re.sub(r"(?<![\w.])(\d+(?:\.\d+)?)\*(?=\(|[^\W\d]\w*(?![\w(]))", r"\1", s)
    return s.replace("*", "·")


class _Printer(StrPrinter):
    """SymPy's str printer, with square roots as √ and cases read as words."""

    def _print_Piecewise(self, expr):
        parts = [self._print(e) if c == sympy.true else
                 f"{self._print(e)} if {self._print(c)} else" for e, c in expr.args]
        return "(" + " ".join(parts) + ")"

    def _print_Pow(self, expr, rational=False):
        if expr.exp in (sympy.S.Half, -sympy.S.Half):
            base = self._print(expr.base)
            root = f"√{base}" if expr.base.is_Atom else f"√({base})"
            return root if expr.exp > 0 else f"1/{root}"
        return super()._print_Pow(expr, rational)


def number(v):
    """A number as one reads it: 93, 0.1667, 1.2346e-05.

    >>> number(93.0), number(1 / 6), number(-1.2345678e-5)
    ('93', '0.1667', '-1.2346e-05')
    """
    v = float(v)
    if not np.isfinite(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if abs(v) < 1e-4 or abs(v) >= 1e8:
        return f"{v:.4e}"
    return f"{v:.4f}".rstrip("0").rstrip(".")


def number_sum(values):
    """Numbers added up as written by hand: ``0.7311 - 1.3133``, never ``+ -``.

    >>> number_sum([0.7311, -1.3133, 2])
    '0.7311 - 1.3133 + 2'
    """
    text = ""
    for i, v in enumerate(values):
        n = number(v)
        text += n if i == 0 else (f" - {n[1:]}" if n.startswith("-") else f" + {n}")
    return text
