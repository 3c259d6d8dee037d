"""explain(y): the backward pass as a derivation, step by step, and the chain rule per path.

The numbers come from replaying the graph's own VJP rules in the engine's order (checked against
``autograd.grad``); the formulas from each op's SymPy face, differentiated on fresh symbols.
Elementwise graphs get formulas per element: a tensor's name stands for one of its elements.
"""

import collections
import dataclasses
import html
import re

import numpy as np
import sympy

from .autograd.engine import AccumulateGrad, _match, _needed, _topological_order, output_value
from .symbolic import twin as _twin
from .symbolic.calculus import diff as _exact_diff
from .symbolic.calculus import monomial, tidy
from .symbolic.numeric import numeric
from .symbolic.notation import d as _d
from .symbolic.notation import (given_names, graph_names, number, number_sum, operand_d,
                                tree_size)
from .symbolic.notation import math_text as _math_text
from .tensor import Tensor

TEXT_WIDTH = 100          # longer rows put their numbers on a second line
MAX_DETAILED_STEPS = 40   # above this, one line per step
MAX_LISTED_STEPS = 30     # one-line steps kept at each end of a longer list
MAX_PATHS = 24            # paths listed per leaf
MAX_SYMBOLIC_NODES = 64   # above this, numbers only (formulas cost time per node and depth)
MAX_EXPR_SIZE = 300       # SymPy tree nodes a formula may have before it is dropped
MAX_TIDY_SIZE = 80        # tree nodes up to which a formula is factored/simplified for display
MAX_REDUCED_ELEMENTS = 256   # reductions of more elements get no per-element formula
MAX_FALLBACK_ELEMENTS = 256  # the exact symbolic.diff fallback: elements in the whole graph
MAX_EXACT_TEXT = 400      # longer exact formulas are not printed (they are in .total(x))
MAX_PRINTED_SIZE = 120    # SymPy tree nodes a formula may have to be printed in the text
MAX_PATH_FACTORS = 8      # longer paths print their first and last local partials

_RTOL, _ATOL = 1e-4, 1e-5       # a formula against float32 numbers


# --------------------------------------------------------------------- results
@dataclasses.dataclass
class Contribution:
    """One gradient arriving at a tensor: what one use of it sent (``step`` None: the seed 1)."""
    step: int | None
    operand: int | None
    expr: object
    value: np.ndarray


@dataclasses.dataclass
class Term:
    """One input of an op step: its local partial (per element) and the chain-rule product."""
    input: str
    receiver: str            # the node the product goes to, e.g. 'PowBackward0'
    operand: int | None      # 1, 2 where one tensor is several operands (y*y), else None
    local_label: str         # '∂z/∂b' ('∂c/∂(y, operand 1)' where y*y uses y twice)
    local: object            # SymPy expression; None where the op is not elementwise
    local_value: np.ndarray | None
    sent_label: str          # '∂out/∂z · ∂z/∂b': what this use sends is a product, not ∂out/∂b
    sent: object             # upstream · local; None where there is no per-element formula
    sent_value: np.ndarray   # what the engine sends (reduced to the input's shape)
    summed: bool = False     # the input was broadcast: the VJP sums over its copies
    vjp: str | None = None   # a matrix op's vector-Jacobian product: 'ḡ·xᵀ' (ḡ: the upstream)
    shapes: str | None = None  # its shapes: '(2×1)·(1×3) → 2×3'


@dataclasses.dataclass
class Step:
    """One node run by the engine: an op (with ``terms``) or a leaf's AccumulateGrad."""
    number: int
    node: str                # 'MulBackward0', 'AccumulateGrad'
    output: str              # the tensor whose gradient arrives here
    formula: str             # 'z = 2*b', or 'x.grad += ∂out/∂x' for a leaf
    expanded: str | None     # 'z = 2*y**2': unnamed intermediates written out
    upstream_label: str      # '∂out/∂z'
    upstream: object         # SymPy expression or None
    upstream_value: np.ndarray
    contributions: list      # one Contribution per use of the tensor: fan-out adds them
    terms: list

    @property
    def is_leaf(self):
        return self.node == "AccumulateGrad"

    def __str__(self):
        return "\n".join(_step_lines(self))


@dataclasses.dataclass
class Factor:
    """One factor of a path: the local partial along one edge (one op w.r.t. one operand)."""
    label: str               # '∂z/∂y', or '∂c/∂(y, operand 1)'
    top: str
    bottom: str
    expr: object
    value: np.ndarray
    operand: int | None = None


@dataclasses.dataclass
class Path:
    """A path from a leaf to the output; the product of its factors is its share of dy/dx."""
    route: list              # tensor names from the leaf up to the output
    factors: list
    expr: object             # the product, written in the leaves
    value: np.ndarray
    via: str = ""            # which operand, where one op uses a tensor twice (y*y)

    @property
    def text_route(self):
        return " → ".join(self.route) + (f" ({self.via})" if self.via else "")

    def __str__(self):
        return _path_text(self)


@dataclasses.dataclass
class Total:
    """dy/dx for one leaf: the formula (per element, or exact per entry) and the numbers."""
    output: str
    wrt: str
    formula: object          # SymPy expression (per element), SymPy array (exact), or None
    per_element: bool
    value: np.ndarray        # explain's numbers (the replayed VJP rules)
    autograd: np.ndarray | None
    agrees: bool | None      # None: autograd.grad could not run (backward() freed the graph)
    note: str | None = None

    def __str__(self):
        return _total_text(self)


class Explanation:
    r"""The backward pass of a scalar as ordered steps, chain-rule paths and totals.

    Print it (terminal), display it (Jupyter: HTML + LaTeX), ``to_latex()`` it, or read
    ``.steps``, ``.paths(x)`` and ``.total(x)``. Made by :func:`explain`.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.explanation import explain
    >>> a = torch.tensor(3.0, requires_grad=True)
    >>> e = explain(a * a)
    >>> [s.node for s in e.steps]
    ['MulBackward0', 'AccumulateGrad']
    >>> print(e.total(a))
    ∂b/∂a = 2a = 6   ✓ autograd.grad agrees
    >>> print(e.paths("a")[0])
    a → b (a as operand 1 of b)   ∂b/∂(a, operand 1) = a = 3
    >>> print(e.to_latex())
    \begin{align*}
    \frac{\partial b}{\partial a} &= a + a \\
    &= 2 a \\
    &= 3 + 3 \\
    &= 6
    \end{align*}
    """

    def __init__(self, output, leaves, steps, forward, shape_note, paths, totals, notes,
                 tensor_names):
        self.output = output
        self.leaves = leaves          # names of the leaves explained, in forward order
        self.steps = steps
        self.forward = forward        # ['y = 3*x + 2', ...]: the named tensors
        self.notes = notes
        self._shape_note = shape_note
        self._paths = {n: p for n, p in paths.items() if not isinstance(p, str)}
        self._no_paths = {n: p for n, p in paths.items() if isinstance(p, str)}  # n → why not
        self._totals = totals         # name → Total
        self._tensor_names = tensor_names

    def _name(self, x):
        name = x if isinstance(x, str) else self._tensor_names.get(id(x))
        if name not in self._totals:
            raise ValueError(f"{name or 'that tensor'} is not one of the leaves explained "
                             f"({', '.join(self.leaves)})")
        return name

    def total(self, x):
        """dy/dx for the leaf ``x`` (a tensor or its name), as a :class:`Total`."""
        return self._totals[self._name(x)]

    def paths(self, x):
        """The paths from the leaf ``x`` to the output, each with its product of local partials.

        Their sum is dy/dx: that sum is the chain rule. Raises ValueError where a path has no
        per-element formula (a matrix op's local derivative is a Jacobian) or there are too many.
        """
        name = self._name(x)
        if name in self._no_paths:
            raise ValueError(self._no_paths[name])
        return self._paths[name]

    @property
    def agrees(self):
        """Whether every total equals autograd.grad's (None if that could not run)."""
        checks = [t.agrees for t in self._totals.values()]
        return None if None in checks else all(checks)

    def __str__(self):
        return _text(self)

    __repr__ = __str__

    def _repr_pretty_(self, p, cycle):
        p.text(str(self))

    def to_latex(self):
        """The derivation as an ``align*`` block: local partials, chain rule, result."""
        return _latex(self)

    def _repr_html_(self):
        return _html(self)


# --------------------------------------------------------------------- explain
def explain(y, wrt=None):
    """The backward pass of the scalar ``y``, step by step, as the engine runs it.

    Each op node shows its PyTorch name, what it computed, the local partial derivative of its
    output w.r.t. each input (a formula per element, and numbers), the gradient arriving from
    above and the chain-rule product it sends down; each leaf shows what ``backward()`` adds to
    its ``.grad`` (the sum over all its uses). Then dy/dx as a sum over paths of products of local
    partials, and as one formula, checked against ``autograd.grad``. ``wrt``: a leaf or a list of
    leaves (default: all of them). Nothing changes: ``.grad`` stays as it is.

    >>> import autodiff_lab as torch
    >>> from autodiff_lab.explanation import explain
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> e = explain(y)
    >>> e.total(x).formula
    8*x**3 + 3*x**2 + 6*x + 5
    >>> [(str(p.expr), p.value.item()) for p in e.paths(x)]
    [('8*x**3', 64.0), ('3*x**2', 12.0), ('6*x', 12.0), ('5', 5.0)]
    >>> print(e.steps[-1])
    11. AccumulateGrad  x.grad += ∂y/∂x
          upstream  ∂y/∂x = 5 + 6x + 3x² + 8x³ = 5 + 12 + 12 + 64
                          = 93   (x is used 4 times: the gradients add up)
    >>> e.agrees, x.grad is None
    (True, True)
    """
    return _Explainer(y, wrt, _twin.caller_names(nodes=True)).run()


_Local = collections.namedtuple("_Local", "kind rhs partials text")
_SLOTS = [sympy.Symbol(f"_u{k}_", real=True) for k in range(8)]  # an op's operands
_LOCAL_CACHE = {}  # (op, params, slots) → its formula and local partials in _SLOTS
# Matrix ops: what the output is and the VJP each input gets, with ḡ the upstream gradient and
# {k} operand k (ᵀ: transposed). These are the formulas written by hand (∂L/∂W = ḡ·xᵀ).
MATRIX_RULES = {
    "MmBackward0": ("{0}·{1}", ("ḡ·{1}ᵀ", "{0}ᵀ·ḡ")),
    "MvBackward0": ("{0}·{1}", ("ḡ·{1}ᵀ", "{0}ᵀ·ḡ")),
    "BmmBackward0": ("{0}·{1}", ("ḡ·{1}ᵀ", "{0}ᵀ·ḡ")),
    "AddmmBackward0": ("{0} + {1}·{2}", ("ḡ", "ḡ·{2}ᵀ", "{1}ᵀ·ḡ")),
    "TBackward0": ("{0}ᵀ", ("ḡᵀ",)),
}
_NO_FORMULA = _Local("structural", None, {}, None)


class _Explainer:
    """Builds one Explanation: names, per-node formulas, the numeric replay, paths, totals."""

    def __init__(self, y, wrt, caller):
        if not isinstance(y, Tensor):
            raise TypeError(f"explain(y) needs a tensor, got {type(y).__name__}")
        if y.grad_fn is None and not y.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn\n"
                "Hint: y was not computed from a tensor with requires_grad=True, so there is no "
                "backward pass to explain.")
        if y.numel() != 1:
            raise RuntimeError(
                "grad can be implicitly created only for scalar outputs\n"
                f"Hint: explain follows y.backward() of a scalar; y has shape {tuple(y.shape)}: "
                "reduce it first, e.g. explain(y.sum()).")
        self.y, self.caller, self.notes, self.y_size = y, caller, [], None
        self.root = y.grad_fn or y._grad_accumulator()
        self.order = self.full_order = _topological_order([self.root])
        self.all_accs = [n for n in self.order[::-1] if isinstance(n, AccumulateGrad)]
        # Every op is named and evaluated, also those wrt= leaves out: kept nodes read them.
        self.all_ops = [n for n in self.order[::-1] if not isinstance(n, AccumulateGrad)]
        if wrt is not None:  # only the nodes autograd.grad(y, wrt) would run
            by_leaf = {id(n.variable): n for n in self.all_accs}
            wanted = [wrt] if isinstance(wrt, Tensor) else list(wrt)
            for t in wanted:
                if id(t) not in by_leaf:
                    raise ValueError(
                        "wrt must be leaves of y's graph that require grad; "
                        f"{caller.get(id(t), 'that tensor')} is not one"
                        + (f" (it was computed by {t.grad_fn.name()})" if t.grad_fn else ""))
            needed = _needed(self.order, [by_leaf[id(t)] for t in wanted])
            self.order = [n for n in self.order if id(n) in needed]
        self.kept = {id(n) for n in self.order}
        forward = self.order[::-1]
        self.accs = [n for n in forward if isinstance(n, AccumulateGrad)]
        self.ops = [n for n in forward if not isinstance(n, AccumulateGrad)]
        self.symbolic = len(self.ops) <= MAX_SYMBOLIC_NODES
        if not self.symbolic:
            self.notes.append(
                f"{len(self.ops)} op nodes: numbers only (formulas are shown up to "
                f"{MAX_SYMBOLIC_NODES} op nodes; autodiff_lab.explanation.MAX_SYMBOLIC_NODES "
                "raises the limit, at the cost of speed).")

    def run(self):
        self._name_everything()
        self.outs = {id(n): self._out(n) for n in self.all_ops}
        self.env = self._env()
        self.info = {id(n): self._formulas(n) if self.symbolic else _NO_FORMULA
                     for n in self.ops}
        # Paths are grouped at named tensors, and at outputs without a per-element formula.
        self.named |= {id(n) for n in self.ops if self.info[id(n)].rhs is None}
        self._inline()
        steps = self._replay()
        forward = [f"{self.names[id(n)]} = {self._named_text(n)}" for n in self.ops
                   if id(n) in self.named]
        checks = self._autograd_check()
        paths = {self.names[id(a)]: self._paths(a) for a in self.accs}
        totals = {self.names[id(a)]: self._total(a, checks) for a in self.accs}
        return Explanation(self.out_name, [self.names[id(a)] for a in self.accs], steps,
                           forward, self._shape_note(), paths, totals, self.notes,
                           {id(a.variable): self.names[id(a)] for a in self.accs})

    # names --------------------------------------------------------------------
    def _name_everything(self):
        """Leaves as the twin names them; intermediates by the caller's variables, else a, b..."""
        self.names = graph_names(self.full_order, self.caller, self.y)
        given = given_names(self.all_ops, self.y)
        self.named = {id(n) for n in self.all_accs} | \
            {id(n) for n in self.all_ops
             if self.names[id(n)] in (given.get(id(n)), self.caller.get(id(n)))}
        self.out_name = self.names[id(self.root)]

    def _input_symbol(self, node, k):
        """Operand ``k`` of ``node`` as SymPy sees it: a tensor's symbol or an exact number."""
        t, (child, _) = node._inputs[k], node.next_functions[k]
        if child is not None:
            return _symbol(self.names[id(child)])
        if isinstance(t, Tensor):
            return _constant(t._data.reshape(())[()]) if t.numel() == 1 else \
                _symbol(self.names[id(t)])
        return _constant(t) if isinstance(t, (int, float, np.number)) else t

    def _env(self):
        """Symbol → current numbers, for every tensor of the graph."""
        env = {_symbol(self.names[id(a)]): a.variable._data for a in self.all_accs}
        for node in self.all_ops:
            env[_symbol(self.names[id(node)])] = self.outs[id(node)]
            for t in node._inputs:
                if id(t) in self.names:
                    env[_symbol(self.names[id(t)])] = t._data
        return env

    # numbers ------------------------------------------------------------------
    def _out(self, node):
        """A node's forward result: the saved one, or recomputed if backward() freed it."""
        return output_value(node)

    def _vjp(self, node, g):
        """What the engine's node sends to each input for the upstream ``g``."""
        if not node._freed:
            return node._apply(g, False)
        inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
        grads = node.op.vjp(g, *inputs, out=self.outs[id(node)], **node._params)
        return [None if gi is None or child is None else _match(gi, t)
                for t, gi, (child, _) in zip(node._inputs, grads, node.next_functions)]

    def _local_values(self, node):
        """The local partials as numbers: the VJP of ones, before broadcast reduction."""
        out = self.outs[id(node)]
        inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
        return node.op.vjp(np.ones(out.shape, out.dtype), *inputs, out=out, **node._params)

    # formulas -----------------------------------------------------------------
    def _formulas(self, node):
        """What one op node computes and its local partials, per element where possible."""
        out = self.outs[id(node)]
        slots = [k for k, (child, _) in enumerate(node.next_functions) if child is not None]
        if node.op.sym is not None and node.op.sym_elementwise:
            kind = "elementwise"
        elif out.size == 1 and all(t.numel() == 1 for t in node._inputs
                                   if isinstance(t, Tensor)):
            kind = "scalar"
        elif out.size == 1:
            return _Local("reduction", None, self._reduction_partials(node, slots), None)
        else:
            return _NO_FORMULA
        symbols = [self._input_symbol(node, k) for k in range(len(node._inputs))]
        # A slot symbol per operand, so y*y has two partials (y and y), not one (2*y); the
        # names also keep the operands in order when printed.
        fresh = [_SLOTS[k] if isinstance(s, sympy.Symbol) else s for k, s in enumerate(symbols)]
        try:
            key = (node.op, kind, repr(sorted(node._params.items())), repr(fresh),
                   tuple(slots))
            hash(key)
        except Exception:  # noqa: BLE001 - unhashable parameters: not cached
            key = None
        if key not in _LOCAL_CACHE:  # the same op on the same slots: differentiated once
            args = fresh if kind == "elementwise" else [_twin._as_object(f) for f in fresh]
            try:
                rhs = _twin.to_sympy(_twin.symbolic_apply(node.op, args, node._params))
            except Exception:  # noqa: BLE001 - an op without a usable SymPy face: numbers only
                return _NO_FORMULA
            # printed before operands merge: 'y·y' and 'a + a' as written
            found = (rhs, {k: sympy.diff(rhs, fresh[k]) for k in slots}, math_text(rhs))
            if key is None:
                return self._placed(kind, symbols, fresh, *found)
            if len(_LOCAL_CACHE) > 512:
                _LOCAL_CACHE.clear()
            _LOCAL_CACHE[key] = found
        return self._placed(kind, symbols, fresh, *_LOCAL_CACHE[key])

    @staticmethod
    def _placed(kind, symbols, fresh, rhs, partials, text):
        """A slot formula with the node's own operands put in."""
        back = {f: s for f, s in zip(fresh, symbols) if f in _SLOTS}
        for f, s in back.items():
            text = text.replace(f.name, str(s))
        return _Local(kind, rhs.xreplace(back),
                      {k: p.xreplace(back) for k, p in partials.items()}, text)

    def _reduction_partials(self, node, slots):
        """Per-element partials of a reduction to a scalar (mean: 1/N, sum: 1, dot: the other
        factor), kept only where one formula gives every element's number."""
        arrays, symbols = [], []
        for k, t in enumerate(node._inputs):
            if not isinstance(t, Tensor):
                arrays.append(_twin.exact(t) if isinstance(t, (int, float)) else t)
                symbols.append(None)
                continue
            if t.numel() > MAX_REDUCED_ELEMENTS:
                return {}
            arr = np.empty(t.shape, dtype=object)
            for i in np.ndindex(t.shape):
                arr[i] = sympy.Dummy(real=True)
            arrays.append(arr)
            symbols.append(self._input_symbol(node, k))
        try:
            out = _twin.to_sympy(_twin.symbolic_apply(node.op, arrays, node._params))
            numbers = self._local_values(node)
        except Exception:  # noqa: BLE001 - no SymPy face: numbers only
            return {}
        partials = {}
        for k in slots:
            shape = tuple(node._inputs[k].shape)
            first = (0,) * len(shape)
            # The first element stands for any: same-shaped operands' first elements too.
            back = {a[first]: s for a, s in zip(arrays, symbols)
                    if isinstance(s, sympy.Symbol) and a.shape == shape}
            p = sympy.diff(out, arrays[k][first]).xreplace(back)
            if any(isinstance(s, sympy.Dummy) for s in p.free_symbols):
                continue
            guess = _evaluate(p, self.env, shape)
            if guess is not None and _close(guess, numbers[k]):
                partials[k] = p
        return partials

    def _inline(self):
        """Each output written in named tensors (``named_expr``) and in leaves (``full_expr``)."""
        self.named_expr, self.full_expr = {}, {}
        for node in self.ops:
            rhs = self.info[id(node)].rhs
            sym = _symbol(self.names[id(node)])
            if rhs is None:  # no formula: the output stays a symbol of its own
                self.full_expr[sym] = sym
                continue
            self.full_expr[sym] = self._full(rhs)
            if id(node) not in self.named:
                self.named_expr[sym] = _capped(rhs.xreplace(self.named_expr)) or sym

    def _full(self, expr):
        subs = {s: self.full_expr[s] for s in expr.free_symbols if s in self.full_expr}
        if any(v is None for v in subs.values()):
            return None
        return _capped(expr.xreplace(subs))

    def _named_text(self, node):
        """What a named tensor is, in named tensors (unnamed intermediates written out)."""
        info = self.info[id(node)]
        if info.rhs is not None:
            named = info.rhs.xreplace(self.named_expr)
            return info.text if named == info.rhs else math_text(named)
        inputs = [self._input_symbol(node, k) for k in range(len(node._inputs))]
        return _call_text(node, [math_text(self.named_expr.get(s, s)) if isinstance(s, sympy.Basic)
                                 else s for s in inputs])

    # the replay ---------------------------------------------------------------
    def _replay(self):
        """Run the VJP rules in the engine's order, recording each step."""
        seed = np.ones(tuple(self.y.shape), self.y.dtype.np)
        grads = {id(self.root): seed}
        arrivals = {id(self.root): [Contribution(None, None, sympy.Integer(1), seed)]}
        self.upstream, self.local_values, self.blockers, self.leaf_values = {}, {}, {}, {}
        steps = []
        for node in self.order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            contribs = arrivals.pop(id(node))
            exprs = [c.expr for c in contribs]
            up = None if None in exprs else _capped(sympy.Add(*exprs))
            self.upstream[id(node)] = up
            name, number = self.names[id(node)], len(steps) + 1
            label = _d(self.out_name, name)
            if isinstance(node, AccumulateGrad):
                self.leaf_values[id(node)] = g
                steps.append(Step(number, "AccumulateGrad", name, f"{name}.grad += {label}",
                                  None, label, up, g, contribs, []))
                continue
            info = self.info[id(node)]
            inputs = [self._input_symbol(node, k) for k in range(len(node._inputs))]
            formula = self._matrix_formula(node) if info.kind == "structural" else None
            expanded = f"{name} = {self._named_text(node)}" \
                if id(node) in self.named and formula is None else None
            formula = formula or f"{name} = {info.text or _call_text(node, inputs)}"
            locals_ = self._local_values(node) if info.kind != "structural" else None
            self.local_values[id(node)] = locals_
            terms = []
            for k, ((child, _), gi) in enumerate(zip(node.next_functions, self._vjp(node, g))):
                if child is None or gi is None or id(child) not in self.kept:
                    continue
                terms.append(self._term(node, k, child, gi, up, locals_))
                key = id(child)
                grads[key] = gi if key not in grads else grads[key] + gi
                arrivals.setdefault(key, []).append(
                    Contribution(number, k, terms[-1].sent, gi))
            steps.append(Step(number, node.name(), name, formula,
                              expanded if expanded != formula else None, label, up, g,
                              contribs, terms))
        self.steps = steps
        return steps

    def _term(self, node, k, child, gi, up, locals_):
        info, t = self.info[id(node)], node._inputs[k]
        name, in_name = self.names[id(node)], self.names[id(child)]
        out_shape = self.outs[id(node)].shape
        local = info.partials.get(k)
        aligned = info.kind == "reduction" or tuple(t.shape) == out_shape or \
            t.numel() == int(np.prod(out_shape)) == 1
        product = _capped(up * local) if local is not None and up is not None and aligned \
            else None
        self.blockers[(id(node), k)] = (
            f"{node.name()} is not elementwise: its local derivative is a Jacobian matrix, and "
            "the chain rule multiplies matrices" if local is None else
            f"{in_name} is broadcast by {node.name()}: its gradient sums over the copies"
            if not aligned else
            "the formulas grow too long" if product is None and up is not None else None)
        local_value = None if locals_ is None or locals_[k] is None else np.asarray(locals_[k])
        operand = k + 1 if _uses(node, child) > 1 else None
        local_label = operand_d(name, in_name, operand) if operand else _d(name, in_name)
        vjp, shapes = self._matrix_vjp(node, k) if info.kind == "structural" else (None, None)
        if vjp:
            self.blockers[(id(node), k)] = (f"{node.name()} is a matrix op, whose chain rule "
                                            "multiplies matrices")
        return Term(in_name, _node_name(child), operand, local_label, local, local_value,
                    f"{_d(self.out_name, name)} · {local_label}", product, gi, not aligned,
                    vjp, shapes)

    def _matrix_vjp(self, node, k):
        """A matrix op's VJP for operand ``k`` as written by hand, and its shapes."""
        rule = MATRIX_RULES.get(node.name())
        if rule is None:
            return None, None
        names = [math_text(self._input_symbol(node, j)) for j in range(len(node._inputs))]
        shapes = [tuple(np.shape(t._data if isinstance(t, Tensor) else t))
                  for t in node._inputs]
        out = self.outs[id(node)].shape
        text = rule[1][k]
        factors = []
        for token in re.findall(r"ḡᵀ?|\{\d\}ᵀ?", text):
            shape = out if token.startswith("ḡ") else shapes[int(token[1])]
            factors.append(_shape(shape[::-1] if token.endswith("ᵀ") else shape))
        result = _shape(np.shape(node._inputs[k]._data))
        shape_text = "·".join(f"({f})" for f in factors) + f" → {result}" \
            if len(factors) > 1 else f"{factors[0]} → {result}" if factors[0] != result \
            else result
        return text.format(*names), shape_text

    def _matrix_formula(self, node):
        """'c = W·x' for a matrix op, else None."""
        rule = MATRIX_RULES.get(node.name())
        if rule is None:
            return None
        names = [math_text(self._input_symbol(node, j)) for j in range(len(node._inputs))]
        shapes = ", ".join(f"{n}: {_shape(np.shape(t._data if isinstance(t, Tensor) else t))}"
                           for n, t in zip(names, node._inputs))
        return (f"{self.names[id(node)]} = {rule[0].format(*names)}   "
                f"[{shapes} → {_shape(self.outs[id(node)].shape)}]")

    # totals -------------------------------------------------------------------
    def _autograd_check(self):
        """autograd.grad's gradients of the leaves (None if backward() already freed the graph)."""
        from .autograd import grad
        if any(n._freed for n in self.ops):
            self.notes.append(
                "backward() has freed this graph: explain recomputed the saved values from the "
                "inputs' current values; autograd.grad cannot run again to check the numbers "
                "(keep the graph with backward(retain_graph=True)).")
            return None
        # autograd.grad also fills .grad of retain_grad() tensors (as PyTorch does): undone.
        retained = [(ref(), ref()._grad) for n in self.order if getattr(n, "_retains", None)
                    for ref in n._retains if ref() is not None]
        try:
            result = grad(self.y, [a.variable for a in self.accs], retain_graph=True,
                          allow_unused=True)
        finally:
            for t, g in retained:
                t._grad = g
        return {id(a): np.zeros(tuple(a.variable.shape)) if g is None else g._data
                for a, g in zip(self.accs, result)}

    def _total(self, acc, checks):
        leaf, name = acc.variable, self.names[id(acc)]
        value = np.asarray(self.leaf_values.get(id(acc), np.zeros(tuple(leaf.shape)))) \
            .reshape(tuple(leaf.shape))  # zeros: no use of the leaf sent a gradient
        reference = None if checks is None else checks[id(acc)]
        agrees = None if reference is None else bool(
            reference.shape == value.shape and
            np.allclose(value, reference, rtol=1e-6, atol=1e-7, equal_nan=True))
        if agrees is False:
            self.notes.append(f"∂{self.out_name}/∂{name} differs from autograd.grad by "
                              f"{np.max(np.abs(value - reference)):.3g} (did a hook change it?)")
        formula, per_element, note = self._formula(acc, value)
        return Total(self.out_name, name, formula, per_element, value, reference, agrees, note)

    def _formula(self, acc, value):
        """dy/dx per element where every path has one (checked against the numbers), else
        symbolic.diff's exact entries for small graphs, else numbers only."""
        up = self.upstream.get(id(acc))
        full = None if up is None else self._full(up)
        if full is not None:
            shown = _display(full)
            guess = _evaluate(shown, self.env, value.shape)
            if guess is not None and _close(guess, value):
                return shown, True, None
        if not self.symbolic:
            return None, False, None  # said once, in the notes
        if len(self.ops) > MAX_DETAILED_STEPS or \
                sum(self.outs[id(n)].size for n in self.ops) > MAX_FALLBACK_ELEMENTS:
            return None, False, "numbers only: the graph is too large for readable formulas"
        try:
            if self.y_size is None:  # sympy.diff of a long formula is slow and unreadable
                self.y_size = _size(_twin.Twin(self.caller).of(self.y))
            if self.y_size > MAX_EXPR_SIZE:
                return None, False, (f"numbers only: the formula of {self.out_name} has more "
                                     f"than {MAX_EXPR_SIZE} terms, too long to differentiate "
                                     "readably (explanation.MAX_EXPR_SIZE)")
            exact = _exact_diff(self.y, acc.variable, simplify=False)
        except (_twin.SymbolicSizeError, NotImplementedError, TypeError, ValueError) as err:
            return None, False, f"numbers only: {err}"
        return exact, False, ("no per-element formula along every path: the exact derivative "
                              "comes from symbolic.diff")

    # paths --------------------------------------------------------------------
    def _paths(self, acc):
        """Every path from the leaf to the output with its product of local partials, one
        factor per named tensor along it; or a str saying why there are none."""
        needed = _needed(self.order, [acc])
        if self.upstream.get(id(acc)) is None:
            why = "the graph is large (numbers only)" if not self.symbolic else next(
                (self.blockers[(id(n), k)] for n in self.order
                 if id(n) in needed and not isinstance(n, AccumulateGrad)
                 for k, (c, _) in enumerate(n.next_functions)
                 if c is not None and id(c) in needed and self.blockers.get((id(n), k))),
                "the formulas grow too long")
            return f"no per-element paths: {why}; the steps show the vector-Jacobian products."
        counts = {id(self.root): 1}
        for node in self.order:
            for child, _ in node.next_functions:
                if child is not None and id(child) in needed:
                    counts[id(child)] = counts.get(id(child), 0) + counts.get(id(node), 0)
        if counts[id(acc)] > MAX_PATHS:
            return (f"{counts[id(acc)]:,} paths lead from {self.names[id(acc)]} to "
                    f"{self.out_name}: too many to list. Reverse mode never lists them: it adds "
                    "them up node by node (the steps above).")
        paths = []
        self._walk(self.root, acc, needed, [], paths)
        return paths

    def _walk(self, node, acc, needed, edges, paths):
        if node is acc:
            paths.append(self._path(edges, acc))
            return
        for k, (child, _) in enumerate(node.next_functions):
            if child is not None and id(child) in needed:
                self._walk(child, acc, needed, edges + [(node, k, child)], paths)

    def _path(self, edges, acc):
        factors, route, via = [], [self.out_name], []
        for node, k, child in edges:
            top, name = self.names[id(node)], self.names[id(child)]
            operand = k + 1 if _uses(node, child) > 1 else None
            if operand:
                via.append(f"{name} as operand {operand} of {top}")
            label = operand_d(top, name, operand) if operand else _d(top, name)
            factors.append(Factor(label, top, name,
                                  self.info[id(node)].partials[k].xreplace(self.named_expr),
                                  self.local_values[id(node)][k], operand))
            route.append(name)
        shape = tuple(acc.variable.shape)
        value = np.ones(())
        for f in factors:
            value = value * f.value
        value = np.asarray(value).reshape(shape) if np.size(value) == int(np.prod(shape)) \
            else np.broadcast_to(value, shape)
        product = sympy.Mul(*[f.expr for f in factors])
        full = self._full(product)
        return Path(route[::-1], factors, product if full is None else _display(full),
                    np.array(value), ", ".join(via[::-1]))

    def _shape_note(self):
        shapes = [tuple(a.variable.shape) for a in self.accs] + \
            [self.outs[id(n)].shape for n in self.ops]
        big = max((s for s in shapes if int(np.prod(s)) > 1), key=lambda s: int(np.prod(s)),
                  default=None)
        if big is None:
            return None
        x = self.names[id(self.accs[0])] if self.accs else "x"
        return (f"tensors up to {'×'.join(map(str, big))}: formulas are per element "
                f"(a name stands for one element: {x} for {x}_i)")


# --------------------------------------------------------------------- helpers
def _symbol(name):
    return sympy.Symbol(name, real=True)


def _constant(value):
    """A number for formulas: exact where that reads well (2, 1/2, 3/10), else 6 digits."""
    number = _twin.exact(value)
    if isinstance(number, sympy.Rational) and number.q > 1000:
        return sympy.Float(float(value), 6)
    return number


def _readable(expr):
    """``expr`` for printing, long exact fractions (from float data) shown as 4 digits."""
    if isinstance(expr, sympy.NDimArray):
        return expr.applyfunc(_readable)
    long = {r: sympy.Float(r, 4) for r in expr.atoms(sympy.Rational) if r.q > 1000}
    return expr.xreplace(long) if long else expr


def _uses(node, child):
    """How many operands of ``node`` the tensor of ``child`` is (2 in y*y)."""
    return sum(1 for c, _ in node.next_functions if c is child)


def _node_name(node):
    return "AccumulateGrad" if isinstance(node, AccumulateGrad) else node.name()


def _size(expr, cap=MAX_EXPR_SIZE + 1):
    """The SymPy tree nodes of ``expr``, counted up to ``cap``."""
    return tree_size(expr, cap)


def math_text(expr):
    """The notation's math text, or a note of the size where the formula is too long to read."""
    n = _size(expr, MAX_PRINTED_SIZE + 1)
    return _math_text(expr) if n <= MAX_PRINTED_SIZE else \
        f"(a formula of more than {MAX_PRINTED_SIZE} terms)"


def _capped(expr):
    return expr if expr is None or _size(expr) <= MAX_EXPR_SIZE else None


def _display(expr):
    """A formula for display: factored where that keeps the chain-rule factors visible
    (2*(3*x + 2) rather than 6*x + 4), else the shortest form. ``tidy`` (which simplifies) runs
    on rational expressions only: simplify() can take seconds on exp or tanh."""
    if not isinstance(expr, sympy.Expr) or expr.is_number or _size(expr) > MAX_TIDY_SIZE \
            or monomial(expr):
        return expr
    factored = sympy.factor(expr)
    short = tidy(expr) if not expr.atoms(sympy.Function) else \
        min((expr, factored), key=sympy.count_ops)
    return factored if sympy.count_ops(factored) <= sympy.count_ops(short) + 1 else short


def _evaluate(expr, env, shape):
    """``expr`` at the numbers in ``env``, in ``shape`` (None if it cannot be evaluated)."""
    symbols = sorted(expr.free_symbols, key=str)
    if any(s not in env for s in symbols):
        return None
    try:
        out = numeric(expr, {s: env[s] for s in symbols})
        return out.reshape(shape) if out.size == int(np.prod(shape)) else \
            np.broadcast_to(out, shape)
    except Exception:  # noqa: BLE001 - a formula NumPy cannot evaluate is not shown
        return None


def _close(a, b):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=_RTOL, atol=_ATOL,
                       equal_nan=True)


def _call_text(node, inputs):
    """'mean(z)', 'mm(W, h)', 'x[0, :2]', 'sum(a, dim=(0,), keepdim=False)'."""
    params = dict(node._params)
    if "key" in params:
        return f"{inputs[0]}[{_key_text(params.pop('key'))}]"
    name = re.sub(r"Backwards?\d*$", "", node.name()).lower()
    arguments = [str(a) for a in inputs] + [f"{k}={v!r}" for k, v in params.items()]
    return f"{name}({', '.join(arguments)})"


def _key_text(key):
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice):
            text = f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
            parts.append(text + (f":{k.step}" if k.step not in (None, 1) else ""))
        elif k is Ellipsis:
            parts.append("...")
        elif isinstance(k, (np.ndarray, Tensor)):
            parts.append("mask" if str(k.dtype).endswith("bool") else "index")
        else:
            parts.append(repr(k))
    return ", ".join(parts)


# --------------------------------------------------------------------- numbers as text
def _values(a):
    """An array on one line: [[10, 16, 22], [22, 16, 10]]; '0.1667 (every element)' if all
    equal; past 12 elements two at each end of every axis, and the shape."""
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return number(a.reshape(()))
    if np.all(a == a.flat[0]):
        return f"{number(a.flat[0])} (every element)"
    if a.size <= 12:
        return _nested(a, max(a.shape))
    return f"{_nested(a, 2)} ({'×'.join(map(str, a.shape))})"


def _shape(shape):
    """A shape as written in formulas: '2×3', '3' for a vector, '1' for a number."""
    return "×".join(map(str, shape)) or "1"


def _nested(a, edge):
    if a.ndim == 0:
        return number(a)
    items = [_nested(x, edge) for x in a] if len(a) <= 2 * edge else \
        [_nested(x, edge) for x in a[:edge]] + ["..."] + [_nested(x, edge) for x in a[-edge:]]
    return "[" + ", ".join(items) + "]"


def _paren(expr):
    """A factor's text, in parentheses where a product would misread it."""
    text = math_text(expr)
    return f"({text})" if isinstance(expr, sympy.Add) or text.startswith("-") else text


def _sum_of(exprs):
    """Terms as written: 'a + b - c', an Add in parentheses."""
    text = ""
    for i, e in enumerate(exprs):
        term = f"({math_text(e)})" if isinstance(e, sympy.Add) else math_text(e)
        text += term if i == 0 else (f" - {term[1:]}" if term.startswith("-") else f" + {term}")
    return text


def _merge(parts, value):
    """Formula texts followed by the numbers, saying nothing twice."""
    parts = [p for i, p in enumerate(parts) if p not in parts[:i]]
    if value is None:
        return parts
    numbers = _values(value)
    if parts and (numbers == parts[-1] or numbers.startswith(parts[-1] + " (")):
        return parts[:-1] + [numbers]
    return parts + [numbers]


# --------------------------------------------------------------------- text
def _step_lines(step):
    """A step as aligned rows: the node and what it computed, then one row per quantity."""
    head = f"{step.number:2d}. {step.node:<15s} {step.formula}"
    if step.expanded:
        head += f"   [{step.expanded}]"
    rows = [("upstream", step.upstream_label, _upstream_parts(step), "")]
    if any(t.vjp for t in step.terms):
        rows[0] = ("upstream", f"ḡ = {step.upstream_label}", rows[0][2], "")
    for term in step.terms:
        to = f"→ {term.input} ({term.receiver})"
        if term.vjp:
            rows.append(("sends", term.vjp, [_values(term.sent_value)],
                         f"{term.shapes}   {to}"))
            continue
        if term.local is None and term.local_value is None:
            rows.append(("sends", term.sent_label,
                         ["a vector-Jacobian product", _values(term.sent_value)], to))
            continue
        rows.append(("local", term.local_label,
                     _merge([math_text(term.local)] if term.local is not None else [],
                            term.local_value), ""))
        if term.sent is not None:
            parts = [f"{_paren(step.upstream)} · {_paren(term.local)}", math_text(term.sent)]
        else:
            parts = ["summed over the broadcast copies" if term.summed else
                     "element by element"]
        rows.append(("sends", term.sent_label, _merge(parts, term.sent_value), to))
    width = max(len(label) for _, label, _, _ in rows)
    lines = [head]
    for key, label, parts, tail in rows:
        lines.extend(_wrapped(f"      {key:<9s} {label:<{width}s} = ", parts, tail))
    return lines


def _wrapped(lead, parts, tail=""):
    """``lead`` and ``parts`` joined by ' = ' (and the ``tail``); past TEXT_WIDTH the last part
    (the numbers) goes on a line of its own, its '=' under the first one."""
    tail = f"   {tail}" if tail else ""
    line = lead + " = ".join(parts) + tail
    if len(line) <= TEXT_WIDTH or len(parts) < 2:
        return [line]
    indent = len(lead) - 2 if lead.endswith(" = ") else len(lead) + len(parts[0]) + 1
    return [lead + " = ".join(parts[:-1]) + tail, " " * indent + f"= {parts[-1]}"]


def _upstream_parts(step):
    contribs = step.contributions
    if contribs[0].step is None:
        return ["1   (backward() starts from 1)"]
    if len(contribs) == 1:
        return _merge([] if step.upstream is None else [math_text(step.upstream)],
                      step.upstream_value)
    parts = []
    if step.upstream is not None:
        parts.append(_sum_of([c.expr for c in contribs]))
        if len(sympy.Add.make_args(step.upstream)) != len(contribs):  # like terms combined
            parts.append(math_text(step.upstream))
    if all(np.size(c.value) == 1 for c in contribs):
        parts.append(number_sum(np.asarray(c.value).reshape(()) for c in contribs))
    parts = _merge(parts, step.upstream_value)
    parts[-1] += f"   ({step.output} is used {len(contribs)} times: the gradients add up)"
    return parts


def _compact_line(step):
    return (f"{step.number:4d}. {step.node:<15s} {step.formula:<28s} "
            f"{step.upstream_label} = {_values(step.upstream_value)}")


def _path_text(path, width=0, lead=""):
    factors = path.factors
    if len(factors) > MAX_PATH_FACTORS:  # a long chain: its ends show the pattern
        labels = (" · ".join(f.label for f in factors[:3]) + " · … · " +
                  " · ".join(f.label for f in factors[-2:]) +
                  f" ({len(factors)} local partials)")
        parts = [labels]
    else:
        labels = " · ".join(f.label for f in factors) or _d(path.route[-1], path.route[0])
        parts = [labels, " · ".join(_paren(f.expr) if len(factors) > 1 else math_text(f.expr)
                                    for f in factors)]
    return "\n".join(_wrapped(f"{lead}{_route_text(path, width)}   ",
                              _merge(parts + [math_text(path.expr)], path.value)))


def _route_text(path, width):
    """The route, its middle cut where a chain is long."""
    if len(path.route) <= MAX_PATH_FACTORS + 1:
        return f"{path.text_route:<{width}s}"
    route = path.route[:3] + ["…"] + path.route[-2:]
    return " → ".join(route) + (f" ({path.via})" if path.via else "")


def _sum_text(head, paths, total):
    """The total as the sum of the paths' terms: 'path 1 + path 2', their formulas, numbers."""
    parts = [head, " + ".join(f"path {i}" for i in range(1, len(paths) + 1)),
             _sum_of([p.expr for p in paths])]
    if all(p.value.size == 1 for p in paths):
        parts.append(number_sum(p.value.reshape(()) for p in paths))
    return " = ".join(_merge(parts, total.value))


def _total_text(total):
    check = {True: "   ✓ autograd.grad agrees", False: "   ✗ autograd.grad differs",
             None: ""}[total.agrees]
    formula = [math_text(total.formula)] if total.formula is not None and total.per_element \
        else []
    text = " = ".join(_merge([_d(total.output, total.wrt)] + formula, total.value)) + check
    if total.formula is not None and not total.per_element:
        exact = math_text(_readable(total.formula))
        text += "\n    exact: " + (exact if len(exact) <= MAX_EXACT_TEXT else
                                   f"{len(exact):,} characters: see .total({total.wrt!r})")
    return text


def _text(e):
    lines = [f"explain: the backward pass of {e.output} w.r.t. {', '.join(e.leaves)}"]
    if e.forward:
        shown = e.forward if len(e.forward) <= 8 else \
            e.forward[:4] + [f"... ({len(e.forward) - 7} more)"] + e.forward[-3:]
        lines.append("forward:  " + ";  ".join(shown))
    if e._shape_note:
        lines.append(e._shape_note)
    lines += ["", "steps (reverse topological order, as the engine runs them):"]
    if len(e.steps) <= MAX_DETAILED_STEPS:
        for step in e.steps:
            lines.extend(_step_lines(step))
    else:
        cut = len(e.steps) - 2 * MAX_LISTED_STEPS
        for i, step in enumerate(e.steps):
            if cut <= 0 or i < MAX_LISTED_STEPS or i >= len(e.steps) - MAX_LISTED_STEPS:
                lines.append(_compact_line(step))
            elif i == MAX_LISTED_STEPS:
                lines.append(f"   ... {cut} more steps (see .steps) ...")
    unlisted = {}  # leaves without paths, grouped by the reason, which is said once
    for name in e.leaves:
        total, paths = e._totals[name], e._no_paths.get(name) or e._paths[name]
        if isinstance(paths, str):
            unlisted.setdefault(paths, []).append(name)
            continue
        head = _d(e.output, name)
        count = f"{len(paths)} path{'s' * (len(paths) != 1)}"
        lines += ["", (f"chain rule: {head} = Σ over paths from {name} to {e.output} of Π local "
                       f"partials ({count})")]
        width = max(len(p.text_route) for p in paths)
        lines += [_path_text(p, width, f"  {i}. ") for i, p in enumerate(paths, 1)]
        if len(paths) > 1:
            lines.append("  sum: " + _sum_text(head, paths, total))
        lines.append(f"result: {total}")
    for reason, names in unlisted.items():
        lines += ["", f"chain rule for {', '.join(_d(e.output, n) for n in names)}: {reason}"]
        lines += [f"result: {e._totals[n]}" for n in names]
        notes = [e._totals[n].note for n in names if e._totals[n].note]
        lines += [f"  ({n})" for i, n in enumerate(notes) if n not in notes[:i]]
    lines += [f"note: {n}" for n in e.notes]
    return "\n".join(lines)


# --------------------------------------------------------------------- LaTeX and HTML
def _tex_d(top, bottom, operand=None):
    top, bottom = sympy.latex(_symbol(top)), sympy.latex(_symbol(bottom))
    if operand:
        bottom = fr"({bottom},\ \text{{operand {operand}}})"
    return fr"\frac{{\partial {top}}}{{\partial {bottom}}}"


def _tex_factor(expr):
    text = sympy.latex(expr)
    return fr"\left({text}\right)" if isinstance(expr, sympy.Add) or text.startswith("-") \
        else text


def _tex_values(a):
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return number(a.reshape(()))
    if a.ndim > 2 or a.size > 36:
        return r"\text{" + _values(a) + "}"
    rows = [" & ".join(number(v) for v in row) for row in a.reshape(-1, a.shape[-1])]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _latex_rows(e, name):
    """One leaf's derivation as a hand-written one: the local partials, the chain rule with
    them filled in, the simplified formula, the numbers."""
    total, paths = e._totals[name], e._no_paths.get(name) or e._paths[name]
    rows, rhs = [], []
    if not isinstance(paths, str):
        if any(len(p.factors) > 1 for p in paths):
            seen = {}
            for p in paths:
                for f in p.factors:
                    seen.setdefault((f.top, f.bottom, f.operand), set()).add(f.expr)
            rows = [f"{_tex_d(*key)} &= {sympy.latex(next(iter(exprs)))}"
                    for key, exprs in seen.items() if len(exprs) == 1]
            rhs.append(" + ".join(r" \cdot ".join(_tex_d(f.top, f.bottom, f.operand)
                                                   for f in p.factors) for p in paths))
            rhs.append(" + ".join(r" \cdot ".join(_tex_factor(f.expr) for f in p.factors)
                                  for p in paths))
        else:
            rhs.append(" + ".join(_tex_factor(p.expr) for p in paths))
    if total.formula is not None and total.per_element:
        rhs.append(sympy.latex(total.formula))
    if not isinstance(paths, str) and len(paths) > 1 and all(p.value.size == 1 for p in paths):
        rhs.append(number_sum(p.value.reshape(()) for p in paths))
    rhs.append(_tex_values(total.value))
    rhs = [r for i, r in enumerate(rhs) if r not in rhs[:i]]
    return rows + [f"{_tex_d(e.output, name)} &= {rhs[0]}"] + [f"&= {r}" for r in rhs[1:]]


def _latex(e):
    rows = []
    for name in e.leaves:
        rows += [r for r in _latex_rows(e, name) if r.startswith("&") or r not in rows]
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _html(e):
    esc = html.escape

    def math(label, expr, value):
        tex = label + ("" if expr is None else f" = {sympy.latex(expr)}")
        return f"${tex}$" + ("" if value is None else f" = <code>{esc(_values(value))}</code>")

    out = [f"<div><p><b>explain</b>: the backward pass of <code>{esc(e.output)}</code> w.r.t. "
           + ", ".join(f"<code>{esc(n)}</code>" for n in e.leaves) + "</p>"]
    if e.forward:
        out.append("<p>forward: " + "; ".join(f"<code>{esc(f)}</code>" for f in e.forward[:20])
                   + "</p>")
    if e._shape_note:
        out.append(f"<p><i>{esc(e._shape_note)}</i></p>")
    out.append("<table><tr><th>#</th><th>node</th><th>computes</th><th>upstream</th>"
               "<th>local partials</th><th>sends</th></tr>")
    for step in e.steps[:2 * MAX_DETAILED_STEPS]:
        local = "<br>".join(math(_tex_d(step.output, t.input, t.operand), t.local,
                                 t.local_value) for t in step.terms if not t.vjp)
        # What one use sends is a product (a term of the total), or a matrix op's VJP.
        sends = "<br>".join(
            f"<code>{esc(t.vjp)}</code> ({esc(t.shapes)}) = <code>{esc(_values(t.sent_value))}"
            "</code>" if t.vjp else
            math(_tex_d(e.output, step.output) + r" \cdot " +
                 _tex_d(step.output, t.input, t.operand), t.sent, t.sent_value)
            for t in step.terms)
        up = math(_tex_d(e.output, step.output), step.upstream, step.upstream_value)
        out.append(f"<tr><td>{step.number}</td><td><code>{esc(step.node)}</code></td>"
                   f"<td><code>{esc(step.formula)}</code></td><td>{up}</td><td>{local}</td>"
                   f"<td>{sends}</td></tr>")
    out.append("</table>")
    if len(e.steps) > 2 * MAX_DETAILED_STEPS:
        out.append(f"<p>... {len(e.steps) - 2 * MAX_DETAILED_STEPS} more steps (see "
                   "<code>.steps</code>)</p>")
    aligned = e.to_latex().replace("{align*}", "{aligned}")  # MathJax wants aligned in $$
    out.append(f"<p>$${aligned}$$</p>")
    out += [f"<p>{esc(str(e._totals[n]))}</p>".replace("\n", "<br>") for n in e.leaves]
    out += [f"<p><i>note: {esc(n)}</i></p>" for n in e.notes]
    return "\n".join(out) + "</div>"
