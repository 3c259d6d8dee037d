"""explain(y): the backward pass as a derivation, step by step, and the chain rule per path.

The numbers come from replaying the graph's own VJP rules in the engine's order (and are checked
against ``autograd.grad``); the formulas come from each op's SymPy face, differentiated on fresh
symbols. Elementwise graphs get formulas per element: a tensor's name stands for one element.
"""

import dataclasses
import html
import inspect
import itertools
import os
import re

import numpy as np
import sympy

from .autograd.engine import AccumulateGrad, _match, _needed, _topological_order
from .ops import base
from .symbolic import twin as _twin
from .symbolic.calculus import diff as _exact_diff, tidy
from .tensor import Tensor

MAX_DETAILED_STEPS = 40   # above this, one line per step
TEXT_WIDTH = 100
MAX_LISTED_STEPS = 30     # above this (in one-line form), the middle steps are left out
MAX_PATHS = 24            # paths listed per leaf
MAX_SYMBOLIC_NODES = 400  # above this, numbers only
MAX_EXPR_SIZE = 300       # SymPy tree nodes a formula may have before it is dropped
MAX_TIDY_SIZE = 80        # tree nodes up to which a formula is simplified/factored for display
MAX_REDUCED_ELEMENTS = 256  # reductions with more elements get no per-element formula
MAX_FALLBACK_ELEMENTS = 256  # the exact (non-elementwise) fallback: total elements in the graph

_LETTERS = "abcdfghkmnpqrsuvw"  # no e, i, j, l, o, t (Euler, indices, look-alikes, t0 names)
_RTOL, _ATOL = 1e-4, 1e-5       # formulas vs float32 numbers


# --------------------------------------------------------------------- results
@dataclasses.dataclass
class Contribution:
    """One gradient arriving at a tensor: what one use of it sent back (``step`` None: the seed 1)."""
    step: int | None
    operand: int | None
    expr: object
    value: np.ndarray


@dataclasses.dataclass
class Term:
    """One input of an op step: the local partial (per element) and the chain-rule product sent."""
    input: str
    receiver: str            # the node the product goes to, e.g. 'PowBackward0'
    local_label: str         # '∂z/∂b'
    local: object            # SymPy expression, None where the op is not elementwise
    local_value: np.ndarray | None
    sent_label: str          # '∂out/∂b'
    sent: object             # upstream · local, None where it is not elementwise
    sent_value: np.ndarray


@dataclasses.dataclass
class Step:
    """One node run by the engine: an op (``terms``) or a leaf's AccumulateGrad (no terms)."""
    number: int
    node: str                # 'MulBackward0', 'AccumulateGrad'
    output: str              # the tensor whose gradient arrives here
    formula: str             # 'z = 2*b', or 'x.grad += ∂out/∂x' for a leaf
    expanded: str | None     # 'z = 2*y**2': unnamed intermediates written out
    upstream_label: str      # '∂out/∂z'
    upstream: object         # SymPy expression or None
    upstream_value: np.ndarray
    contributions: list
    terms: list

    @property
    def is_leaf(self):
        return self.node == "AccumulateGrad"

    def __str__(self):
        return "\n".join(_step_lines(self))


@dataclasses.dataclass
class Factor:
    """One factor of a path: the local partial of a named tensor w.r.t. the next one down."""
    label: str               # '∂z/∂y'
    top: str
    bottom: str
    expr: object
    value: np.ndarray


@dataclasses.dataclass
class Path:
    """A path from a leaf to the output: the product of its factors is its share of dy/dx."""
    route: list              # tensor names from the leaf up to the output
    factors: list
    expr: object             # the product, written in the leaves, for display
    value: np.ndarray

    def __str__(self):
        return _path_text(self)


@dataclasses.dataclass
class Total:
    """dy/dx for one leaf: the formula (per element, or an array of them) and the numbers."""
    output: str
    wrt: str
    formula: object          # SymPy expression (per element), SymPy array (exact), or None
    per_element: bool
    value: np.ndarray        # explain's numbers (the replayed VJP rules)
    autograd: np.ndarray | None
    agrees: bool | None      # None: autograd.grad could not run (graph freed)
    note: str | None = None

    def __str__(self):
        return _total_text(self)


class Explanation:
    """The backward pass of a scalar, as ordered steps, chain-rule paths and totals.

    Print it (terminal), display it (Jupyter, HTML + LaTeX), ``to_latex()`` it, or read
    ``.steps``, ``.paths(x)`` and ``.total(x)``. Made by :func:`explain`.
    """

    def __init__(self, output, leaves, steps, forward, shape_note, paths, totals, notes):
        self.output = output
        self.leaves = leaves          # names of the leaves explained, in forward order
        self.steps = steps
        self.forward = forward        # ['y = 3*x + 2', ...]: the named tensors
        self._shape_note = shape_note
        self._paths = paths           # name → list of Path, or a str saying why not
        self._totals = totals         # name → Total
        self.notes = notes

    def _name(self, x):
        name = x if isinstance(x, str) else self._tensor_names.get(id(x))
        if name not in self._totals:
            raise ValueError(f"{name or 'that tensor'} is not one of the leaves explained "
                             f"({', '.join(self.leaves)})")
        return name

    def total(self, x):
        """dy/dx for the leaf ``x`` (a tensor or its name) as a :class:`Total`."""
        return self._totals[self._name(x)]

    def paths(self, x):
        """The paths from ``x`` to the output, each with its product of local partials.

        Their sum is dy/dx: that sum is the chain rule. Raises ValueError when the graph is not
        elementwise (local derivatives are then Jacobian matrices) or has too many paths.
        """
        paths = self._paths[self._name(x)]
        if isinstance(paths, str):
            raise ValueError(paths)
        return paths

    @property
    def agrees(self):
        """Whether every total equals autograd.grad's (None if that could not run)."""
        checks = [t.agrees for t in self._totals.values()]
        return None if None in checks else all(checks)

    def __str__(self):
        return _text(self)

    def __repr__(self):
        return self.__str__()

    def _repr_pretty_(self, p, cycle):
        p.text(self.__str__())

    def to_latex(self):
        """The derivation as an ``align*`` block: local partials, chain rule, result."""
        return _latex(self)

    def _repr_html_(self):
        return _html(self)


# --------------------------------------------------------------------- explain
def explain(y, wrt=None):
    """The backward pass of the scalar ``y``, step by step, as the engine runs it.

    Each op node shows its PyTorch name, what it computed, the local partial derivative of its
    output w.r.t. each input (symbolic per element, and numeric), the gradient arriving from
    above and the chain-rule product it sends down; each leaf shows what ``backward()`` adds into
    its ``.grad`` (the sum over all its uses). Then dy/dx as a sum over paths of products of local
    partials, and as one formula, checked against ``autograd.grad``. ``wrt``: a leaf or a list of
    leaves (default: every leaf that requires grad). Nothing is modified: ``.grad`` stays as it is.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1
    >>> e = torch.explain(y)
    >>> e.total(x).formula
    8*x**3 + 3*x**2 + 6*x + 5
    >>> [str(p.expr) for p in e.paths(x)], [p.value.item() for p in e.paths(x)]
    (['8*x**3', '3*x**2', '6*x', '5'], [64.0, 12.0, 12.0, 5.0])
    >>> print(e.steps[-1])
    11. AccumulateGrad  x.grad += ∂y/∂x
          upstream  ∂y/∂x = 5 + 6*x + 3*x**2 + 8*x**3 = 5 + 12 + 12 + 64 = 93   (x is used 4 times: the gradients add up)
    >>> e.agrees
    True
    """
    return _Explainer(y, wrt, _caller_tensors()).run()


def _caller_tensors():
    """{id: name} for the tensors bound to variables in the calling code, and for their grad_fn
    nodes (a node does not know its output tensor, so intermediates are found this way)."""
    names = {}
    frame = inspect.currentframe()
    try:
        while frame is not None:
            if not os.path.abspath(frame.f_code.co_filename).startswith(_twin._PACKAGE_DIR):
                for scope in (frame.f_locals, frame.f_globals):
                    for name, value in list(scope.items()):
                        if isinstance(value, Tensor) and not name.startswith("_"):
                            names.setdefault(id(value), name)
                            if value.grad_fn is not None:
                                names.setdefault(id(value.grad_fn), name)
            frame = frame.f_back
    finally:
        del frame
    return names


class _Explainer:
    """Builds one Explanation: names, per-node formulas, the numeric replay, paths, totals."""

    def __init__(self, y, wrt, caller):
        if not isinstance(y, Tensor):
            raise TypeError(f"explain(y) needs a tensor, got {type(y).__name__}")
        if y.grad_fn is None and not y.requires_grad:
            raise RuntimeError(
                "element 0 of tensors does not require grad and does not have a grad_fn\n"
                "Hint: y was not computed from a tensor with requires_grad=True; there is no "
                "backward pass to explain.")
        if y.numel() != 1:
            raise RuntimeError(
                "grad can be implicitly created only for scalar outputs\n"
                f"Hint: explain follows y.backward() of a scalar; y has shape {tuple(y.shape)}: "
                "reduce it first, e.g. explain(y.sum()).")
        self.y, self.caller, self.notes = y, caller, []
        self.root = y.grad_fn or y._grad_accumulator()
        self.order = _topological_order([self.root])
        accs = [n for n in self.order if isinstance(n, AccumulateGrad)]
        if wrt is not None:
            wanted = [wrt] if isinstance(wrt, Tensor) else list(wrt)
            by_leaf = {id(n.variable): n for n in accs}
            for t in wanted:
                if id(t) not in by_leaf:
                    raise ValueError(
                        "wrt must be leaves of y's graph that require grad; "
                        f"{caller.get(id(t), 'a tensor')} is not one"
                        + (f" (it was computed by {t.grad_fn.name()})" if t.grad_fn else ""))
            needed = _needed(self.order, [by_leaf[id(t)] for t in wanted])
            self.order = [n for n in self.order if id(n) in needed]
            accs = [n for n in self.order if isinstance(n, AccumulateGrad)]
        self.forward_order = self.order[::-1]
        self.accs = [n for n in self.forward_order if isinstance(n, AccumulateGrad)]
        self.ops = [n for n in self.forward_order if not isinstance(n, AccumulateGrad)]
        self.symbolic = len(self.ops) <= MAX_SYMBOLIC_NODES
        if not self.symbolic:
            self.notes.append(f"{len(self.ops)} op nodes: numbers only (formulas are shown up to "
                              f"{MAX_SYMBOLIC_NODES} nodes).")

    # names ------------------------------------------------------------------
    def _name_everything(self):
        twin = _twin.Twin(names={k: v for k, v in self.caller.items()})
        self.twin = twin
        self.names = {}   # id(node or constant tensor) → display name
        for acc in self.accs:
            self.names[id(acc)] = twin.name_of(acc.variable)
        used = set(self.names.values())
        for node in self.ops:
            name = self.caller.get(id(node))
            if name is not None and name not in used:
                self.names[id(node)] = name
                used.add(name)
        self.named = {id(n) for n in self.accs} | set(self.names)  # split points of paths
        avoid = used | set(self.caller.values())
        letters = (n for n in itertools.chain(_LETTERS, (f"v{i}" for i in itertools.count(1)))
                   if n not in avoid)
        for node in self.ops:
            if id(node) not in self.names:
                self.names[id(node)] = next(letters)
            for t, (child, _) in zip(node._inputs, node.next_functions):
                if child is None and isinstance(t, Tensor) and t.numel() != 1 \
                        and id(t) not in self.names:
                    name = t.name or self.caller.get(id(t))
                    self.names[id(t)] = name if name and name not in used else next(letters)
                    used.add(self.names[id(t)])
        self.out_name = self.names[id(self.root)]
        self._tensor_names = {id(acc.variable): self.names[id(acc)] for acc in self.accs}

    # values -----------------------------------------------------------------
    def _out(self, node):
        """A node's forward result: the saved one, or recomputed if backward() freed it."""
        if node._out is not None:
            return node._out
        arrays, _ = base._array_args(node.op, node._inputs)
        return np.asarray(node.op.forward(*arrays, **node._params))

    def _vjp(self, node, g):
        """What the engine's node sends to each input for the upstream ``g``."""
        if not node._freed:
            return node._apply(g, False)
        inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
        grads = node.op.vjp(g, *inputs, out=self.outs[id(node)], **node._params)
        return [None if gi is None or child is None else _match(gi, t)
                for t, gi, (child, _) in zip(node._inputs, grads, node.next_functions)]

    def _local_values(self, node):
        """The local partials as numbers: the VJP of ones (before broadcast reduction)."""
        out = self.outs[id(node)]
        inputs = tuple(t._data if isinstance(t, Tensor) else t for t in node._inputs)
        return node.op.vjp(np.ones(out.shape, out.dtype), *inputs, out=out, **node._params)

    # per-node formulas ------------------------------------------------------
    def _input_symbol(self, node, k):
        t, (child, _) = node._inputs[k], node.next_functions[k]
        if child is not None:
            return _symbol(self.names[id(child)])
        if isinstance(t, Tensor):
            if t.numel() == 1:
                return _twin.exact(t._data.reshape(()).item() if t.dtype.is_floating_point
                                   else t._data.reshape(())[()])
            return _symbol(self.names[id(t)])
        return _twin.exact(t) if isinstance(t, (int, float, np.number)) else t

    def _formulas(self, node):
        """(kind, rhs, {slot: local partial}) for one op node, per element where possible."""
        out = self.outs[id(node)]
        slots = [k for k, (child, _) in enumerate(node.next_functions) if child is not None]
        tensors = [t for t in node._inputs if isinstance(t, Tensor)]
        op = node.op
        if op.sym is not None and op.sym_elementwise:
            kind = "elementwise"
        elif out.size == 1 and all(t.numel() == 1 for t in tensors):
            kind = "scalar"
        elif out.size == 1:
            return "reduction", None, self._reduction_partials(node, slots)
        else:
            return "structural", None, {}
        symbols = [self._input_symbol(node, k) for k in range(len(node._inputs))]
        fresh = [sympy.Dummy(f"u{k}", real=True) if k in slots else s
                 for k, s in enumerate(symbols)]
        args = fresh if kind == "elementwise" else [_as_object(f) for f in fresh]
        try:
            rhs = _twin.to_sympy(_twin.symbolic_apply(op, args, node._params))
        except Exception:  # noqa: BLE001 - an op without a usable SymPy face: numbers only
            return "structural", None, {}
        back = {fresh[k]: symbols[k] for k in slots}
        partials = {k: sympy.diff(rhs, fresh[k]).xreplace(back) for k in slots}
        return kind, rhs.xreplace(back), partials

    def _reduction_partials(self, node, slots):
        """Per-element partials of a reduction to a scalar (mean: 1/N, sum: 1, dot: the other
        factor), accepted only where one formula gives every element's number."""
        shapes = [tuple(t.shape) if isinstance(t, Tensor) else None for t in node._inputs]
        if any(s is not None and int(np.prod(s)) > MAX_REDUCED_ELEMENTS for s in shapes):
            return {}
        arrays, symbols = [], []
        for k, t in enumerate(node._inputs):
            if isinstance(t, Tensor):
                arr = np.empty(t.shape, dtype=object)
                for i in np.ndindex(t.shape):
                    arr[i] = sympy.Dummy(real=True)
                arrays.append(arr)
                symbols.append(self._input_symbol(node, k) if node.next_functions[k][0]
                               is not None or t.numel() != 1 else None)
            else:
                arrays.append(_twin.exact(t) if isinstance(t, (int, float)) else t)
                symbols.append(None)
        try:
            out = _twin.to_sympy(_twin.symbolic_apply(node.op, arrays, node._params))
            numbers = self._local_values(node)
        except Exception:  # noqa: BLE001 - no SymPy face: numbers only
            return {}
        partials = {}
        for k in slots:
            first = (0,) * len(shapes[k])
            back = {arrays[j][first]: symbols[j] for j in range(len(arrays))
                    if shapes[j] == shapes[k] and symbols[j] is not None}
            p = sympy.diff(out, arrays[k][first]).xreplace(back)
            if any(isinstance(s, sympy.Dummy) for s in p.free_symbols):
                continue
            env = self._env(node)
            guess = _evaluate(p, env, shapes[k])
            if guess is not None and _close(guess, numbers[k]):
                partials[k] = p
        return partials

    def _env(self, node):
        """Symbol → current numbers, for the symbols of ``node``'s inputs."""
        env = {}
        for k, t in enumerate(node._inputs):
            s = self._input_symbol(node, k)
            if isinstance(s, sympy.Symbol) and isinstance(t, Tensor):
                env[s] = t._data
        return env

    def _describe(self, node, kind, rhs, inputs):
        if kind in ("elementwise", "scalar"):
            return str(rhs)
        return _call_text(node, inputs)

    # the run ----------------------------------------------------------------
    def run(self):
        self._name_everything()
        self.outs = {id(n): self._out(n) for n in self.ops}
        self.info = {}
        for node in self.ops:
            if self.symbolic:
                kind, rhs, partials = self._formulas(node)
            else:
                kind, rhs, partials = "structural", None, {}
            self.info[id(node)] = (kind, rhs, partials)
        self._inline()
        steps = self._replay()
        forward = [f"{self.names[id(n)]} = {self._named_text(n)}" for n in self.ops
                   if id(n) in self.named]
        totals, paths = {}, {}
        checks = self._autograd_check()
        for acc in self.accs:
            name = self.names[id(acc)]
            paths[name] = self._paths(acc)
            totals[name] = self._total(acc, checks, paths[name])
        e = Explanation(self.out_name, [self.names[id(a)] for a in self.accs], steps, forward,
                        self._shape_note(), paths, totals, self.notes)
        e._tensor_names = self._tensor_names
        return e

    def _inline(self):
        """Each node's output written in named tensors (``named``) and in the leaves (``full``)."""
        self.named_expr, self.full_expr = {}, {}
        for node in self.ops:
            kind, rhs, _ = self.info[id(node)]
            sym = _symbol(self.names[id(node)])
            if rhs is None:
                self.full_expr[sym] = None
                continue
            inputs = [s for s in rhs.free_symbols if s in self.full_expr or s in self.named_expr]
            full_map = {s: self.full_expr[s] for s in inputs if s in self.full_expr}
            full = None if any(v is None for v in full_map.values()) else \
                _capped(rhs.xreplace(full_map))
            self.full_expr[sym] = full
            if id(node) not in self.named:
                self.named_expr[sym] = _capped(rhs.xreplace(self.named_expr)) or sym

    def _named_text(self, node):
        """What a named tensor is, in named tensors (unnamed intermediates written out)."""
        kind, rhs, _ = self.info[id(node)]
        if rhs is not None:
            return str(rhs.xreplace(self.named_expr))
        inputs = []
        for k in range(len(node._inputs)):
            s = self._input_symbol(node, k)
            inputs.append(str(self.named_expr.get(s, s)) if isinstance(s, sympy.Basic) else s)
        return _call_text(node, inputs)

    def _replay(self):
        """Run the VJP rules in the engine's order, recording each step."""
        root = self.root
        seed = np.ones(tuple(self.y.shape), self.y.dtype.np)
        grads = {id(root): seed}
        arrivals = {id(root): [Contribution(None, None, sympy.Integer(1), seed)]}
        upstream_expr = {}
        self.local_values = {}
        steps = []
        for node in self.order:
            g = grads.pop(id(node), None)
            if g is None:
                continue
            contribs = arrivals.pop(id(node))
            exprs = [c.expr for c in contribs]
            up = None if any(x is None for x in exprs) else _capped(sympy.Add(*exprs))
            name = self.names[id(node)]
            number = len(steps) + 1
            label = _d(self.out_name, name)
            if isinstance(node, AccumulateGrad):
                steps.append(Step(number, "AccumulateGrad", name, f"{name}.grad += {label}", None,
                                  label, up, g, contribs, []))
                upstream_expr[id(node)] = up
                continue
            kind, rhs, partials = self.info[id(node)]
            inputs = [str(self._input_symbol(node, k)) for k in range(len(node._inputs))]
            formula = f"{name} = {self._describe(node, kind, rhs, inputs)}"
            expanded = None
            if id(node) in self.named:
                text = f"{name} = {self._named_text(node)}"
                expanded = text if text != formula else None
            locals_ = self._local_values(node) if kind != "structural" else None
            self.local_values[id(node)] = locals_
            sent = self._vjp(node, g)
            terms = []
            out_shape = self.outs[id(node)].shape
            for k, ((child, _), gi) in enumerate(zip(node.next_functions, sent)):
                if child is None or gi is None:
                    continue
                t = node._inputs[k]
                in_name = self.names[id(child)]
                local = partials.get(k)
                aligned = kind == "reduction" or tuple(t.shape) == tuple(out_shape) or \
                    t.numel() == int(np.prod(out_shape)) == 1
                product = None
                if local is not None and up is not None and aligned:
                    product = _capped(up * local)
                local_value = None
                if locals_ is not None and locals_[k] is not None:
                    local_value = np.asarray(locals_[k])
                terms.append(Term(in_name, _node_name(child), _d(name, in_name), local,
                                  local_value, _d(self.out_name, in_name), product, gi))
                key = id(child)
                grads[key] = gi if key not in grads else grads[key] + gi
                arrivals.setdefault(key, []).append(Contribution(number, k, product, gi))
            steps.append(Step(number, node.name(), name, formula, expanded, label, up, g,
                              contribs, terms))
            upstream_expr[id(node)] = up
        self.upstream_expr = upstream_expr
        self.leaf_values = {id(s_acc): s.upstream_value for s_acc, s in
                            zip([n for n in self.order if isinstance(n, AccumulateGrad)],
                                [s for s in steps if s.is_leaf])}
        self.steps = steps
        return steps

    # checks and totals --------------------------------------------------------
    def _autograd_check(self):
        """autograd.grad's gradients of the leaves (None if backward() already freed the graph)."""
        from .autograd import grad
        if any(n._freed for n in self.ops):
            self.notes.append(
                "backward() has freed this graph: explain recomputed the saved values from the "
                "inputs' current values; autograd.grad cannot run again to check the numbers "
                "(use backward(retain_graph=True) to keep it).")
            return None
        retained = [(ref(), ref()._grad) for n in self.order if getattr(n, "_retains", None)
                    for ref in n._retains if ref() is not None]
        try:
            result = grad(self.y, [a.variable for a in self.accs], retain_graph=True)
        finally:
            for t, g in retained:  # autograd.grad fills .grad of retain_grad() tensors
                t._grad = g
        return {id(a): g._data for a, g in zip(self.accs, result)}

    def _total(self, acc, checks, paths):
        name = self.names[id(acc)]
        leaf = acc.variable
        value = np.asarray(self.leaf_values[id(acc)]).reshape(tuple(leaf.shape))
        reference = None if checks is None else checks[id(acc)]
        agrees = None if reference is None else bool(
            reference.shape == value.shape and np.allclose(value, reference, rtol=1e-6,
                                                           atol=1e-7, equal_nan=True))
        if agrees is False:
            self.notes.append(f"∂{self.out_name}/∂{name} differs from autograd.grad by "
                              f"{np.max(np.abs(value - reference)):.3g} (a hook changed it?)")
        formula, per_element, note = self._formula(acc, value, leaf)
        return Total(self.out_name, name, formula, per_element, value, reference, agrees, note)

    def _formula(self, acc, value, leaf):
        up = self.upstream_expr.get(id(acc))
        if up is not None:
            full = self._full(up)
            if full is not None:
                shown = _display(full)
                guess = _evaluate(shown, self._leaf_env(), tuple(leaf.shape))
                if guess is not None and _close(guess, value):
                    return shown, True, None
        if not self.symbolic:
            return None, False, "numbers only: the graph is large"
        sizes = sum(int(np.prod(self.outs[id(n)].shape)) for n in self.ops)
        if sizes > MAX_FALLBACK_ELEMENTS or len(self.ops) > MAX_DETAILED_STEPS:
            return None, False, "numbers only: the graph is too large for a readable formula"
        try:
            exact = _exact_diff(self.y, leaf, simplify=False)
        except _twin.SymbolicSizeError as err:
            return None, False, f"numbers only: {err}"
        except (NotImplementedError, TypeError, ValueError) as err:
            return None, False, f"numbers only: {err}"
        exact = exact.applyfunc(lambda e: _display(e) if _size(e) <= MAX_TIDY_SIZE else e) \
            if isinstance(exact, sympy.NDimArray) else _display(exact)
        return exact, False, "not elementwise: one exact formula per element (symbolic.diff)"

    def _full(self, expr):
        subs = {s: self.full_expr[s] for s in expr.free_symbols if s in self.full_expr}
        if any(v is None for v in subs.values()):
            return None
        return _capped(expr.xreplace(subs))

    def _leaf_env(self):
        env = {}
        for node in self.ops:
            for k, t in enumerate(node._inputs):
                s = self._input_symbol(node, k)
                if isinstance(s, sympy.Symbol) and isinstance(t, Tensor):
                    env[s] = t._data
            env[_symbol(self.names[id(node)])] = self.outs[id(node)]
        for acc in self.accs:
            env[_symbol(self.names[id(acc)])] = acc.variable._data
        return env

    # paths --------------------------------------------------------------------
    def _paths(self, acc):
        """Every path from the leaf to the output with its product of local partials, grouped
        into one factor per named tensor along it; or a str saying why there are none."""
        if self.upstream_expr.get(id(acc)) is None:
            blocker = next((n.name() for n in self.ops if self.info[id(n)][0] in
                            ("structural", "reduction") and not self.info[id(n)][2]), None)
            why = (f"{blocker} is not elementwise: its local derivative is a Jacobian matrix, "
                   "and the chain rule multiplies matrices" if blocker else
                   "a tensor is broadcast: its gradient is summed over the copies")
            return f"no per-element paths: {why}; the steps show the vector-Jacobian products."
        needed = _needed(self.order, [acc])
        counts = {id(self.root): 1}
        for node in self.order:
            for child, _ in node.next_functions:
                if child is not None and id(child) in needed:
                    counts[id(child)] = counts.get(id(child), 0) + counts.get(id(node), 0)
        n_paths = counts.get(id(acc), 0)
        if n_paths > MAX_PATHS:
            return (f"{n_paths:,} paths lead from {self.names[id(acc)]} to {self.out_name}: too "
                    "many to list. Reverse mode never lists them: it adds them up node by node "
                    "(the steps above).")
        paths = []
        self._walk(self.root, acc, needed, [], paths)
        return paths

    def _walk(self, node, acc, needed, edges, paths):
        if node is acc:
            paths.append(self._path(edges, acc))
            return
        partials = self.info[id(node)][2]
        for k, (child, _) in enumerate(node.next_functions):
            if child is not None and id(child) in needed:
                self._walk(child, acc, needed, edges + [(node, k, child, partials[k])], paths)

    def _path(self, edges, acc):
        factors, top = [], self.out_name
        expr, value = sympy.Integer(1), np.ones(())
        route = [self.out_name]
        for node, k, child, local in edges:
            expr = expr * local.xreplace(self.named_expr)
            value = value * self.local_values[id(node)][k]
            name = self.names[id(child)]
            route.append(name)
            if id(child) in self.named:
                factors.append(Factor(_d(top, name), top, name, expr, value))
                top, expr, value = name, sympy.Integer(1), np.ones(())
        leaf = acc.variable
        total = factors[0].value if factors else np.ones(())
        for f in factors[1:]:
            total = total * f.value
        total = np.broadcast_to(np.asarray(total).reshape(
            tuple(leaf.shape) if np.size(total) == leaf.numel() else np.shape(total)),
            tuple(leaf.shape))
        product = sympy.Mul(*[f.expr for f in factors])
        full = self._full(product)
        return Path(route[::-1], factors, _display(full) if full is not None else product,
                    np.array(total))

    def _shape_note(self):
        shapes = {tuple(a.variable.shape) for a in self.accs} | \
            {self.outs[id(n)].shape for n in self.ops}
        big = sorted((s for s in shapes if int(np.prod(s)) > 1), key=len)
        if not big:
            return None
        dims = "×".join(map(str, big[-1]))
        return (f"tensors up to {dims}: formulas are per element "
                "(a name stands for one element, y for y_i)")


# --------------------------------------------------------------------- helpers
def _symbol(name):
    return sympy.Symbol(name, real=True)


def _as_object(x):
    if isinstance(x, sympy.Basic):
        arr = np.empty((), dtype=object)
        arr[()] = x
        return arr
    return x


def _node_name(node):
    return "AccumulateGrad" if isinstance(node, AccumulateGrad) else node.name()


def _d(top, bottom):
    return f"∂{top}/∂{bottom}"


def _size(expr, cap=MAX_EXPR_SIZE + 1):
    """SymPy tree nodes of ``expr``, counting at most ``cap``."""
    return sum(1 for _ in itertools.islice(sympy.preorder_traversal(expr), cap))


def _capped(expr):
    return expr if expr is None or _size(expr) <= MAX_EXPR_SIZE else None


def _display(expr):
    """A formula for display: factored when that keeps the chain-rule factors visible
    (2*(3*x + 2) rather than 6*x + 4), else tidy's shortest form."""
    if not isinstance(expr, sympy.Expr) or expr.is_number or _size(expr) > MAX_TIDY_SIZE:
        return expr
    short, factored = tidy(expr), sympy.factor(expr)
    return factored if sympy.count_ops(factored) <= sympy.count_ops(short) + 1 else short


def _evaluate(expr, env, shape):
    """``expr`` at the numbers in ``env``, broadcast to ``shape`` (None if it cannot be)."""
    symbols = sorted(expr.free_symbols, key=str)
    if any(s not in env for s in symbols):
        return None
    try:
        fn = sympy.lambdify(symbols, expr, "numpy")
        with np.errstate(all="ignore"):
            out = np.asarray(fn(*[np.asarray(env[s], dtype=float) for s in symbols]), dtype=float)
        if out.size == int(np.prod(shape)):
            return out.reshape(shape)
        return np.broadcast_to(out, shape)
    except Exception:  # noqa: BLE001 - a formula NumPy cannot evaluate is not shown
        return None


def _close(a, b):
    return np.allclose(np.asarray(a, float), np.asarray(b, float), rtol=_RTOL, atol=_ATOL,
                       equal_nan=True)


def _call_text(node, inputs):
    """'mean(z)', 'mm(W, h)', 'x[0, :2]', 'sum(a, dim=(0,))' for ops without per-element rule."""
    name = re.sub(r"Backwards?\d*$", "", node.name())
    params = dict(node._params)
    if "key" in params:
        return f"{inputs[0]}[{_key_text(params.pop('key'))}]"
    args = [str(a) for a in inputs] + [f"{k}={v!r}" for k, v in params.items()]
    return f"{name.lower()}({', '.join(args)})"


def _key_text(key):
    parts = []
    for k in key if isinstance(key, tuple) else (key,):
        if isinstance(k, slice):
            text = f"{'' if k.start is None else k.start}:{'' if k.stop is None else k.stop}"
            parts.append(text + (f":{k.step}" if k.step not in (None, 1) else ""))
        elif k is Ellipsis:
            parts.append("...")
        elif isinstance(k, np.ndarray) or isinstance(k, Tensor):
            parts.append("mask" if k.dtype == bool or str(k.dtype) == "bool" else "index")
        else:
            parts.append(repr(k))
    return ", ".join(parts)


# --------------------------------------------------------------------- numbers and formulas
def _num(v):
    """A number as PyTorch would round it for reading: 93, 0.1667, 1.2346e-05."""
    v = float(v)
    if np.isnan(v) or np.isinf(v):
        return str(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if abs(v) < 1e-4 or abs(v) >= 1e8:
        return f"{v:.4e}"
    return f"{v:.4f}".rstrip("0").rstrip(".")


def _values(a, per_element=True):
    """An array on one line: [[10, 16, 22], [22, 16, 10]]; a constant one as '0.1667 (every
    element)'; long ones with '...'."""
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return _num(a.reshape(()))
    if np.all(a == a.flat[0]) and per_element:
        return f"{_num(a.flat[0])} (every element)"
    return _nested(a)


def _nested(a):
    if a.ndim == 0:
        return _num(a)
    items = [_nested(x) for x in a] if len(a) <= 6 else \
        [_nested(x) for x in a[:3]] + ["..."] + [_nested(x) for x in a[-3:]]
    return "[" + ", ".join(items) + "]"


def _paren(expr):
    """A factor's text, in parentheses where a product would misread it."""
    text = str(expr)
    if isinstance(expr, sympy.Add) or text.startswith("-"):
        return f"({text})"
    return text


def _both(expr, value):
    """'1/6 = 0.1667 (every element)', '2*y = [[10, 16, 22], ...]', or the numbers alone."""
    numbers = None if value is None else _values(value)
    if expr is None:
        return numbers
    text = str(expr)
    if numbers is None or numbers == text:
        return text
    if numbers.startswith(text + " ("):
        return numbers
    return f"{text} = {numbers}"


# --------------------------------------------------------------------- text
def _step_lines(step):
    """A step as aligned lines: the node and what it computed, then one row per quantity."""
    head = f"{step.number:2d}. {step.node:<15s} {step.formula}"
    if step.expanded:
        head += f"   [{step.expanded}]"
    rows = [("upstream", step.upstream_label, _upstream_parts(step), "")]
    for term in step.terms:
        to = f"→ {term.input} ({term.receiver})"
        if term.local is None and term.local_value is None:
            rows.append(("chain", term.sent_label,
                         [_values(term.sent_value)], f"(vector-Jacobian product) {to}"))
            continue
        local = [str(term.local)] if term.local is not None else []
        rows.append(("local", term.local_label,
                     _merge(local, term.local_value), ""))
        if term.sent is not None:
            parts = [f"{step.upstream_label} · {term.local_label}",
                     f"{_paren(step.upstream)} · {_paren(term.local)}", str(term.sent)]
            rows.append(("chain", term.sent_label, _merge(parts, term.sent_value), to))
        else:
            rows.append(("chain", term.sent_label, [_values(term.sent_value)],
                         f"(upstream · local, summed by the VJP rule) {to}"))
    width = max(len(label) for _, label, _, _ in rows)
    lines = [head]
    for key, label, parts, tail in rows:
        lines.extend(_wrapped(f"      {key:<9s} {label:<{width}s} = ", parts, tail))
    return lines


def _merge(parts, value):
    """Formula parts followed by the numbers, without saying the same thing twice."""
    parts = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    if value is None:
        return parts
    numbers = _values(value)
    if parts and (numbers == parts[-1] or numbers.startswith(parts[-1] + " (")):
        return parts[:-1] + [numbers]
    return parts + [numbers]


def _wrapped(lead, parts, tail):
    """``lead`` + ``parts`` joined by ' = ', the numbers moved to a continuation line (under
    the '=') when the line would pass TEXT_WIDTH."""
    line = lead + " = ".join(parts) + (f"   {tail}" if tail else "")
    if len(line) <= TEXT_WIDTH or len(parts) < 2:
        return [line]
    indent = " " * (len(lead) - 2)
    return [lead + " = ".join(parts[:-1]),
            f"{indent}= {parts[-1]}" + (f"   {tail}" if tail else "")]


def _upstream_parts(step):
    contribs = step.contributions
    if contribs[0].step is None:
        return ["1   (backward() starts from 1)"]
    if len(contribs) == 1:
        return _merge([str(step.upstream)] if step.upstream is not None else [],
                      step.upstream_value)
    parts = []
    exprs = [c.expr for c in contribs]
    if all(x is not None for x in exprs):
        parts.append(" + ".join(_paren(x) if isinstance(x, sympy.Add) else str(x)
                                for x in exprs))
        if len(sympy.Add.make_args(step.upstream)) != len(exprs):  # like terms combined
            parts.append(str(step.upstream))
    if all(np.size(c.value) == 1 for c in contribs):
        parts.append(" + ".join(_num(np.asarray(c.value).reshape(())) for c in contribs))
    parts = _merge(parts, step.upstream_value)
    parts[-1] += f"   ({step.output} is used {len(contribs)} times: the gradients add up)"
    return parts


def _compact_line(step):
    return (f"{step.number:4d}. {step.node:<15s} {step.formula:<28s} "
            f"{step.upstream_label} = {_values(step.upstream_value)}")


def _path_text(path, width=0):
    labels = " · ".join(f.label for f in path.factors)
    factors = " · ".join(_paren(f.expr) for f in path.factors)
    text = f"{' → '.join(path.route):<{width}s}   {labels} = {factors}"
    if str(path.expr) != factors:
        text += f" = {path.expr}"
    return text + f" = {_values(path.value)}"


def _total_text(total):
    head = f"∂{total.output}/∂{total.wrt}"
    check = {True: "   ✓ autograd.grad agrees", False: "   ✗ autograd.grad differs",
             None: ""}[total.agrees]
    if total.formula is not None and total.per_element:
        return f"{head} = {total.formula} = {_values(total.value)}{check}"
    if total.formula is not None:
        return f"{head} = {_values(total.value)}{check}\n    exact: {total.formula}"
    return f"{head} = {_values(total.value)}{check}"


def _text(e):
    lines = [f"explain: the backward pass of {e.output} w.r.t. {', '.join(e.leaves)}"]
    if e.forward:
        lines.append("forward:  " + ";  ".join(e.forward))
    if e._shape_note:
        lines.append(e._shape_note)
    lines.append("")
    lines.append("steps (reverse topological order, as the engine runs them):")
    if len(e.steps) <= MAX_DETAILED_STEPS:
        for step in e.steps:
            lines.extend(_step_lines(step))
    else:
        shown = e.steps
        if len(shown) > 2 * MAX_LISTED_STEPS:
            cut = len(shown) - 2 * MAX_LISTED_STEPS
            shown = shown[:MAX_LISTED_STEPS] + [None] + shown[-MAX_LISTED_STEPS:]
        else:
            cut = 0
        for step in shown:
            lines.append(f"   ... {cut} more steps (see .steps) ..." if step is None
                         else _compact_line(step))
    for name in e.leaves:
        total = e._totals[name]
        lines.append("")
        paths = e._paths[name]
        head = f"∂{e.output}/∂{name}"
        if isinstance(paths, str):
            lines.append(f"chain rule for {head}: {paths}")
        else:
            lines.append(f"chain rule: {head} = Σ over paths from {name} to {e.output} of "
                         f"Π local partials ({len(paths)} path{'s' * (len(paths) != 1)})")
            width = max(len(" → ".join(p.route)) for p in paths)
            for i, path in enumerate(paths, 1):
                lines.append(f"  {i}. {_path_text(path, width)}")
            if len(paths) > 1:
                lines.append("  sum: " + _sum_text(head, paths, total))
        lines.append("result: " + str(total))
        if total.note:
            lines.append(f"  ({total.note})")
    lines.extend(f"note: {n}" for n in e.notes)
    return "\n".join(lines)


def _sum_text(head, paths, total):
    text = f"{head} = " + " + ".join(_paren(p.expr) if isinstance(p.expr, sympy.Add)
                                      else str(p.expr) for p in paths)
    if all(p.value.size == 1 for p in paths):
        text += " = " + " + ".join(_num(p.value.reshape(())) for p in paths)
    return text + f" = {_values(total.value)}"


# --------------------------------------------------------------------- LaTeX and HTML
def _tex_name(name):
    return sympy.latex(_symbol(name))


def _tex_d(top, bottom):
    return fr"\frac{{\partial {_tex_name(top)}}}{{\partial {_tex_name(bottom)}}}"


def _tex_factor(expr):
    text = sympy.latex(expr)
    if isinstance(expr, sympy.Add) or text.startswith("-"):
        return fr"\left({text}\right)"
    return text


def _tex_values(a):
    a = np.asarray(a, dtype=float)
    if a.size == 1:
        return _num(a.reshape(()))
    if a.ndim == 1:
        a = a.reshape(1, -1)
    if a.ndim != 2 or a.size > 36:
        return r"\text{" + _values(a) + "}"
    rows = [" & ".join(_num(v) for v in row) for row in a]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def _latex_rows(e, name):
    """The rows of one leaf's derivation, like a hand-written one: local partials, the chain
    rule with the partials filled in, the simplified formula, the numbers."""
    total, paths = e._totals[name], e._paths[name]
    rows, rhs = [], []
    if not isinstance(paths, str):
        multi = any(len(p.factors) > 1 for p in paths)
        if multi:
            seen = {}
            for p in paths:
                for f in p.factors:
                    seen.setdefault((f.top, f.bottom), []).append(f.expr)
            rows = [f"{_tex_d(top, bottom)} &= {sympy.latex(exprs[0])}"
                    for (top, bottom), exprs in seen.items() if len(set(exprs)) == 1]
            rhs.append(" + ".join(r" \cdot ".join(_tex_d(f.top, f.bottom) for f in p.factors)
                                  for p in paths))
            rhs.append(" + ".join(r" \cdot ".join(_tex_factor(f.expr) for f in p.factors)
                                  for p in paths))
        else:
            rhs.append(" + ".join(_tex_factor(p.expr) for p in paths))
    if total.formula is not None and total.per_element:
        rhs.append(sympy.latex(total.formula))
    if not isinstance(paths, str) and len(paths) > 1 and all(p.value.size == 1 for p in paths):
        rhs.append(" + ".join(_num(p.value.reshape(())) for p in paths))
    rhs.append(_tex_values(total.value))
    rhs = [r for i, r in enumerate(rhs) if i == 0 or r != rhs[i - 1]]
    rows.append(f"{_tex_d(e.output, name)} &= {rhs[0]}")
    rows.extend(f"&= {r}" for r in rhs[1:])
    return rows


def _latex(e):
    rows = []
    for name in e.leaves:
        rows.extend(r for r in _latex_rows(e, name) if r.startswith("&") or r not in rows)
    return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"


def _html(e):
    esc = html.escape
    out = [f"<div><p><b>explain</b>: the backward pass of <code>{esc(e.output)}</code> w.r.t. "
           f"{', '.join(f'<code>{esc(n)}</code>' for n in e.leaves)}</p>"]
    if e.forward:
        out.append("<p>forward: " + "; ".join(
            f"<code>{esc(f)}</code>" for f in e.forward) + "</p>")
    if e._shape_note:
        out.append(f"<p><i>{esc(e._shape_note)}</i></p>")
    out.append("<table><tr><th>#</th><th>node</th><th>computes</th><th>upstream</th>"
               "<th>local partials</th><th>sends</th></tr>")
    for step in e.steps[:MAX_DETAILED_STEPS * 2]:
        local = "<br>".join(
            f"${_tex_d(step.output, t.input)} = "
            f"{sympy.latex(t.local) if t.local is not None else '?'}$" for t in step.terms)
        sends = "<br>".join(
            f"${_tex_d(e.output, t.input)}$ = <code>{esc(_values(t.sent_value))}</code>"
            for t in step.terms)
        up = (f"${_tex_d(e.output, step.output)}"
              + (f" = {sympy.latex(step.upstream)}" if step.upstream is not None else "")
              + f"$ = <code>{esc(_values(step.upstream_value))}</code>")
        out.append(f"<tr><td>{step.number}</td><td><code>{esc(step.node)}</code></td>"
                   f"<td><code>{esc(step.formula)}</code></td><td>{up}</td><td>{local}</td>"
                   f"<td>{sends}</td></tr>")
    out.append("</table>")
    if len(e.steps) > MAX_DETAILED_STEPS * 2:
        out.append(f"<p>... {len(e.steps) - MAX_DETAILED_STEPS * 2} more steps "
                   "(see <code>.steps</code>)</p>")
    out.append(f"<p>$${e.to_latex()}$$</p>")
    for name in e.leaves:
        check = {True: "✓ autograd.grad agrees", False: "✗ autograd.grad differs",
                 None: ""}[e._totals[name].agrees]
        out.append(f"<p>{esc(check)}</p>")
    out.extend(f"<p><i>note: {esc(n)}</i></p>" for n in e.notes)
    out.append("</div>")
    return "\n".join(out)
