"""The reverse-mode engine: backward nodes, AccumulateGrad, and the topological backward pass."""

import gc
import heapq
import itertools
import operator
import weakref

import numpy as np

from ..dtypes import from_numpy_dtype
from .. import hints
from . import anomaly, grad_mode

_SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward.")
_ANOMALY_HINT = (
    "Hint: enable anomaly detection to find the operation that failed to compute its gradient, "
    "with torch.autograd.set_detect_anomaly(True, check_nan=False).")


# Nodes are numbered as they are made, so every node's number is above those of the nodes it
# sends gradients to: backward runs the highest number first (PyTorch's sequence_nr order).
_SEQUENCE = itertools.count()
_by_sequence = operator.attrgetter("_seq")


class Node:
    """A recorded operation in the backward graph (PyTorch's ``grad_fn``).

    Each op gets a subclass named as PyTorch names it (``MulBackward0`` ...), so
    ``y.grad_fn`` prints and introspects like PyTorch's.
    """

    # What every node sets lives in slots; the rarely set attributes are class defaults (an
    # instance gets its own in __dict__ only when one is assigned), which keeps recording cheap.
    __slots__ = ("_args", "_params", "_out", "_next", "_saved_versions", "_seq", "_plain",
                 "__dict__", "__weakref__")
    op = None
    _plain_op = True  # False for ops whose rule takes ``needs`` (set per op in ops/base.py)
    _scalar_ok = False  # whether the rule may take NumPy scalars for 0-d values (Op.scalar_ok)
    _pre_hooks = _hooks = _retains = _metadata = None
    # A custom autograd.Function with several outputs sets _multi on its node (to their
    # number); the nodes fed by such outputs keep, per input slot, which output it was
    # (_edge_nrs, PyTorch's output_nr), and the gradients arriving there travel as MultiGrad.
    _multi = False
    _edge_nrs = None

    def __init__(self, inputs, params, out):
        self._args = inputs
        self._params = params
        self._out = out
        # Whether backward may take its inlined common step here: no hooks, nothing retained
        # or freed yet. Whatever sets one of those clears it.
        self._plain = self._plain_op
        # One pass over the inputs: the edges to their producers, and the versions of the
        # tensors the rule will read, to catch in-place edits at backward time: a flat tuple
        # of (tensor, its version counter, the version now) triples, tensor None standing for
        # the output (flat, because every small object here feeds the cyclic collector).
        saves = self.op.saves
        edges = []
        versions = ()
        i = -1
        for t in inputs:
            i += 1
            kind = type(t)
            if kind is float or kind is int or not isinstance(t, _Tensor):
                edges.append(None)
                continue
            child = t.grad_fn
            if child is None:
                if t._requires_grad:
                    child = t._accumulator or t._grad_accumulator()
            elif child._multi:
                self._edge_nrs = {**(self._edge_nrs or {}), i: t._output_nr}
                self._plain = False  # the general path routes gradients by output number
            edges.append(child)
            if saves is None or i in saves:
                box = t._version_box
                if box is None:
                    box = t._box()
                versions += (t, box, box[0])
        self._next = tuple(edges)  # the nodes each input's gradient goes to (None: nowhere)
        self._saved_versions = versions
        self._seq = next(_SEQUENCE)  # after the inputs' accumulators, made just above

    def name(self):
        """PyTorch's node name, e.g. ``'MulBackward0'``."""
        return type(self).__name__

    @property
    def next_functions(self):
        """``((node, 0), ...)``: where each input's gradient goes, as PyTorch shows it."""
        nrs = self._edge_nrs
        if nrs is None:
            return tuple((node, 0) for node in self._next)
        return tuple((node, nrs.get(i, 0)) for i, node in enumerate(self._next))

    # Both states live in slots every node has, so backward's release writes no new attribute.
    @property
    def _freed(self):
        """Whether backward freed the saved values (a second backward raises)."""
        return self._saved_versions is None

    @property
    def _released(self):
        """Whether backward released the intermediates (their producers stand in, in a list)."""
        return type(self._args) is list

    @property
    def _inputs(self):
        """The operands: tensors and constants. Intermediates freed by backward come back as
        stand-ins that recompute their values on request (see _release)."""
        if self._released:
            self._args = tuple(_SpentTensor._of(None, a) if isinstance(a, Node) else a
                               for a in self._args)
        return self._args

    @property
    def metadata(self):
        """A dict for notes about this node (made on first use, to keep recording cheap)."""
        if self._metadata is None:
            self._metadata = {}
        return self._metadata

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"

    def _repr_pretty_(self, p, cycle):
        # IPython shows objects as <Name at 0x...>, as it does for PyTorch's nodes.
        p.text(f"<{type(self).__name__} at {id(self):#x}>")

    def register_hook(self, fn):
        """Call ``fn(grad_inputs, grad_outputs)`` after this node's backward has run."""
        self._hooks = (self._hooks or []) + [fn]
        self._plain = False
        return _RemovableHandle(self, "_hooks", fn)

    def register_prehook(self, fn):
        """Call ``fn(grad_outputs)`` before this node runs; a returned tuple replaces it."""
        self._pre_hooks = (self._pre_hooks or []) + [fn]
        self._plain = False
        return _RemovableHandle(self, "_pre_hooks", fn)

    @property
    def requires_grad(self):
        return True

    def _saved_tensors_check(self):
        if self._freed:
            raise hints.add(RuntimeError(_SECOND_BACKWARD), hints.second_backward, self)
        saved = self._saved_versions
        for k in range(0, len(saved), 3):
            t, box, version = saved[k:k + 3]
            if box[0] != version:
                # PyTorch names the node that produced the saved value: this one for a saved
                # output, the tensor's current grad_fn for a saved input.
                producer = self if t is None else t.grad_fn
                dtype = _dtype_of(self._out) if t is None else t.dtype
                shape = self._out.shape if t is None else t.shape
                nr = 0 if t is None else t._output_nr
                raise hints.add(modified_error(dtype, shape, producer, nr, box[0], version),
                                hints.modified_saved, self, t, box[0], version)

    def _apply(self, g, create_graph):
        """The gradients for each input, reduced to the input shapes (None where not needed)."""
        self._saved_tensors_check()
        op = self.op
        params = self._params
        if op.uses_needs:
            params = {**params, "needs": tuple(child is not None for child in self._next)}
        args = self._inputs if self._released else self._args
        if create_graph:
            grads = op.vjp(g, *args, out=self._out_tensor(), **params)
        else:
            inputs = [t._data if isinstance(t, _Tensor) else t for t in args]
            # vjp_numpy: the same rule fused in place on NumPy arrays, for the hottest ops.
            grads = op.vjp_fast(g, *inputs, out=self._out, **params)
        result = []
        for t, gi, child in zip(args, grads, self._next):
            result.append(None if gi is None or child is None else _match(gi, t))
        return result

    def _out_tensor(self):
        # The saved result rebuilt as a tensor whose history is this node, as PyTorch unpacks it.
        if self._out is None:
            return None
        t = _Tensor._make(self._out, _dtype_of(self._out))
        t.grad_fn = self
        t._requires_grad = True
        if "_fw_tangent" in self.metadata:  # inside a forward-mode dual_level (forward.py)
            t._fw_tangent = self.metadata["_fw_tangent"]
        return t

    def _release(self):
        # The saved values are freed (as in PyTorch: a second backward raises), and so are the
        # intermediates this node was given: each is replaced by its producer node, a marker
        # that _inputs turns into a stand-in keeping the history, so the twin, explain and the
        # pictures still work after backward (values recomputed on request, see output_value).
        self._plain = False
        if self.op.frees_saved:
            self._saved_versions = None  # freed
        self._out = None
        args = None
        for i, child in enumerate(self._next):
            if child is not None and type(child) is not AccumulateGrad:
                if args is None:
                    args = list(self._args)
                t = args[i]
                # A named intermediate keeps its name in a stand-in made now.
                args[i] = child if t._name is None else _SpentTensor._of(t, child)
        if args is not None:
            self._args = args  # a list: released


class AccumulateGrad:
    """The backward node of a leaf: adds the incoming gradient into ``variable.grad``."""

    __slots__ = ("_variable", "_pre_hooks", "_hooks", "metadata", "_seq", "_plain",
                 "__weakref__")
    next_functions = _next = ()
    _multi = False
    _scalar_ok = False  # .grad is an array

    def __init__(self, variable):
        # Weak, so a leaf and its accumulator do not keep each other alive.
        self._variable = weakref.ref(variable)
        self._pre_hooks = self._hooks = None
        self.metadata = {}
        self._seq = next(_SEQUENCE)
        self._plain = False  # never takes backward's inlined step (that is for op nodes)

    @property
    def variable(self):
        return self._variable()

    def name(self):
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {id(self):#x}>"

    def _repr_pretty_(self, p, cycle):
        p.text(f"<AccumulateGrad at {id(self):#x}>")

    register_hook = Node.register_hook
    register_prehook = Node.register_prehook


class _RemovableHandle:
    def __init__(self, owner, attr, fn):
        self._owner, self._attr, self._fn = owner, attr, fn

    def remove(self):
        hooks = getattr(self._owner, self._attr) or []
        setattr(self._owner, self._attr, [h for h in hooks if h is not self._fn] or None)


def modified_error(dtype, shape, producer, nr, version, expected):
    """PyTorch's error for a value saved for backward and then modified in place."""
    where = "" if producer is None else f", which is output {nr} of {_short_name(producer)},"
    return RuntimeError(
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{dtype.legacy_name} [{', '.join(map(str, shape))}]]{where} is at "
        f"version {version}; expected version {expected} instead. {_ANOMALY_HINT}")


class MultiGrad:
    """The gradients arriving at a node with several outputs, by output number; ``+`` merges
    two of them (the engine sums a node's incoming gradients with ``+``)."""

    __slots__ = ("grads",)
    __array_ufunc__ = None  # ndarray + MultiGrad must come here, not broadcast

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        merged = dict(self.grads)
        for nr, g in other.grads.items():
            merged[nr] = g if nr not in merged else merged[nr] + g
        return MultiGrad(merged)

    __radd__ = __add__


def _route(child, nrs, i, g):
    """The gradient ``g`` sent along input slot ``i`` to ``child``: tagged with the output
    number when ``child`` has several outputs."""
    return MultiGrad({nrs[i] if nrs else 0: g}) if child._multi else g


def _pick(g, t):
    """The part of a node's incoming gradient that belongs to output tensor ``t``."""
    return g.grads.get(t._output_nr) if type(g) is MultiGrad else g


def _short_name(node):
    name = node.name()
    return name[:name.rfind("Backward")] if "Backward" in name else name


def _dtype_of(array):
    return from_numpy_dtype(array.dtype)


def _match(g, t):
    """Reduce a broadcast gradient to the input's shape and cast it to the input's dtype."""
    if type(g) is np.ndarray and g.dtype == t._data.dtype and g.shape == t._data.shape:
        return g  # the common case, kept cheap
    if tuple(g.shape) != t.shape:
        g = _sum_to(g, t.shape)
    if _is_tensor(g):
        return g if g.dtype is t.dtype else g.to(t.dtype)
    if type(g) is not np.ndarray or g.dtype != t.dtype.np:
        g = np.asarray(g, dtype=t.dtype.np)
    return g


def output_value(node):
    """The forward result of ``node``: kept, or recomputed from its inputs after backward
    freed it (intermediates first, iteratively, so long chains do not recurse).

    The recomputed result is kept on the node; a second backward still raises, as the node
    stays marked as freed.

    >>> import autodiff_lab as torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> y = torch.exp(x * 2).sum()
    >>> y.backward()
    >>> output_value(y.grad_fn.next_functions[0][0]).item() == torch.exp(x * 2).item()
    True
    """
    stack = [node]
    while stack:
        current = stack[-1]
        if current._out is not None:
            stack.pop()
            continue
        pending = [p for p in (a if isinstance(a, Node) else a.grad_fn
                               if type(a) is _SpentTensor else None for a in current._args)
                   if p is not None and p._out is None]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        arrays, _ = _array_args(current.op, current._inputs)
        current._out = np.asarray(current.op.forward(*arrays, **current._params))
    return node._out


def _is_tensor(x):
    return isinstance(x, _Tensor)


class _Tensor:  # replaced by the real Tensor class when the package is imported
    pass


class _SpentTensor:  # replaced by tensor._SpentTensor when the package is imported
    pass


def _array_args(op, args):  # replaced by ops.base._array_args when the package is imported
    raise NotImplementedError


def _sum_to(g, shape):  # replaced by ops.base.sum_to when the package is imported
    raise NotImplementedError


def _topological_order(roots):
    """Nodes reachable from ``roots`` in the order backward runs them: each after every node
    that feeds it a gradient (highest sequence number first, as PyTorch's engine)."""
    seen = {}
    stack = []
    for root in roots:
        if root is not None and id(root) not in seen:
            seen[id(root)] = root
            stack.append(root)
    while stack:
        for child in stack.pop()._next:
            if child is not None and id(child) not in seen:
                seen[id(child)] = child
                stack.append(child)
    return sorted(seen.values(), key=_by_sequence, reverse=True)


def _needed(order, targets):
    """Nodes on some path to ``targets``: the only ones autograd.grad has to run."""
    needed = {id(n) for n in targets}
    for node in reversed(order):
        if any(id(child) in needed for child in node._next if child is not None):
            needed.add(id(node))
    return needed


# One entry per backward pass running (passes nest when a node runs backward itself, as
# reentrant checkpointing does): whether it was started without ``inputs`` (not autograd.grad).
_CHECKPOINT_VALID = []


def _is_checkpoint_valid():
    """Whether the backward pass running now may run a reentrant checkpoint's backward (PyTorch's
    ``torch.autograd._is_checkpoint_valid``): not inside ``autograd.grad`` or
    ``backward(inputs=...)``.

    >>> _is_checkpoint_valid()
    True
    """
    return not _CHECKPOINT_VALID or _CHECKPOINT_VALID[-1]


def run_backward(outputs, grad_outputs, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """The backward pass shared by ``Tensor.backward``, ``autograd.backward`` and ``autograd.grad``.

    With ``accumulate`` the gradients go into ``.grad`` of the leaves (only of ``inputs`` if
    given); otherwise the gradients of ``inputs`` are returned, in order.
    """
    if retain_graph is None:
        retain_graph = create_graph
    roots, grads = [], {}
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if out.grad_fn is None and not out._requires_grad:
            raise hints.add(RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"),
                hints.no_graph, out)
        node = out.grad_fn if out.grad_fn is not None else out._grad_accumulator()
        roots.append(node)
        g = g if create_graph else g._data
        if node._multi:
            g = MultiGrad({out._output_nr: g})
        grads[node] = g if node not in grads else grads[node] + g  # nodes hash by identity

    # id(gradient array) → how many consumers it was handed to in this pass; the arrays the
    # caller passed in count as shared from the start, so they are never stored as .grad.
    handed = {id(g): 2 for g in grads.values()}
    targets = needed = None
    if inputs is not None:
        targets = {}
        for t in inputs:  # checked after the outputs, as PyTorch orders its errors
            if accumulate:
                t.retain_grad()  # backward(inputs=...) keeps .grad of a non-leaf input, as PyTorch
            elif not t._requires_grad:
                raise hints.add(
                    RuntimeError("One of the differentiated Tensors does not require grad"),
                    hints.not_differentiated, t)
            node = t.grad_fn if t.grad_fn is not None else t._grad_accumulator()
            targets[id(node)] = t
        needed = _needed(_topological_order(roots),
                         [t.grad_fn or t._grad_accumulator() for t in inputs])
    captured = {}
    # The nodes that have a gradient waiting, highest sequence number first: by then every
    # node that sends to it has run (no separate topological sort is needed).
    ready = list({id(node): (-node._seq, node) for node in roots
                  if needed is None or id(node) in needed}.values())
    heapq.heapify(ready)

    plain = not create_graph and not anomaly.STATE.enabled and targets is None
    # The pass makes no reference cycles, but its many small objects would set off the cyclic
    # collector, which then scans the whole live graph again and again: pause it meanwhile.
    collecting = gc.isenabled()
    if collecting:
        gc.disable()
    _CHECKPOINT_VALID.append(targets is None)
    try:
        _run(ready, grads, handed, captured, targets, needed, plain, accumulate,
             retain_graph, create_graph)
    finally:
        _CHECKPOINT_VALID.pop()
        if collecting:
            gc.enable()

    if accumulate:
        return None
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(id(t.grad_fn or t._grad_accumulator()))
        g = _pick(g, t)
        if g is None and not allow_unused:
            raise hints.add(RuntimeError(
                f"The differentiated Tensor at index {i} appears to not have been used in the "
                "graph. Set allow_unused=True if this is the desired behavior."),
                hints.unused_input, t)
        result.append(None if g is None else _wrap(g))
    return tuple(result)


def _run(ready, grads, handed, captured, targets, needed, plain, accumulate, retain_graph,
         create_graph):
    """The loop of run_backward: run each ready node and hand its gradients on."""
    push, pop = heapq.heappush, heapq.heappop
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = pop(ready)[1]
            g = grads.pop(node)
            if plain and type(node) is not AccumulateGrad and node._plain:
                # The common step, inlined: Node._apply, _release and the hand-over in one
                # pass over the edges (the general path below is the reference for each).
                saved = node._saved_versions
                if saved and (saved[1][0] != saved[2] or len(saved) > 3):
                    node._saved_tensors_check()  # raises if some saved tensor was modified
                args = node._args
                op = node.op
                out = node._out
                if node._scalar_ok and out.ndim == 0:
                    # 0-d values as NumPy scalars, whose arithmetic is far cheaper than a
                    # ufunc's on 0-d arrays (same bits, see Op.scalar_ok); gradients between
                    # such nodes stay scalars (see the hand-over below).
                    out = out[()]
                    if type(g) is np.ndarray:
                        g = g[()]
                    if len(args) == 2:
                        a, b = args
                        grad_inputs = op.vjp_fast(
                            g, a._data[()] if isinstance(a, _Tensor) else a,
                            b._data[()] if isinstance(b, _Tensor) else b, out=out,
                            **node._params)
                    elif len(args) == 1:
                        a = args[0]
                        grad_inputs = op.vjp_fast(g, a._data[()] if isinstance(a, _Tensor)
                                                  else a, out=out, **node._params)
                    else:
                        grad_inputs = op.vjp_fast(
                            g, *[t._data[()] if isinstance(t, _Tensor) else t for t in args],
                            out=out, **node._params)
                elif len(args) == 2:  # spelled out: a list comprehension costs a frame here
                    a, b = args
                    grad_inputs = op.vjp_fast(
                        g, a._data if isinstance(a, _Tensor) else a,
                        b._data if isinstance(b, _Tensor) else b, out=out, **node._params)
                elif len(args) == 1:
                    a = args[0]
                    grad_inputs = op.vjp_fast(g, a._data if isinstance(a, _Tensor) else a,
                                              out=out, **node._params)
                else:
                    grad_inputs = op.vjp_fast(
                        g, *[t._data if isinstance(t, _Tensor) else t for t in args],
                        out=node._out, **node._params)
                spent = None
                if not retain_graph:
                    node._plain = False
                    if op.frees_saved:
                        node._saved_versions = None  # freed
                    node._out = None
                for i, (child, gi) in enumerate(zip(node._next, grad_inputs)):
                    if child is None or gi is None:
                        continue
                    t = args[i]
                    data = t._data
                    if type(gi) is not np.ndarray:
                        # NumPy gives 0-d results as scalars: back to an array, cheaply when
                        # the dtype is already right, unless the next rule takes scalars.
                        if data.ndim == 0 and isinstance(gi, np.generic) \
                                and gi.dtype == data.dtype:
                            if not (child._scalar_ok and child._plain):
                                gi = np.asarray(gi)
                        else:
                            gi = _match(gi, t)
                    elif gi.shape != data.shape or gi.dtype != data.dtype:
                        gi = _match(gi, t)
                    if not retain_graph and type(child) is not AccumulateGrad:
                        if spent is None:
                            spent = list(args)
                        spent[i] = child if t._name is None else _SpentTensor._of(t, child)
                    waiting = grads.get(child)
                    if waiting is None:
                        grads[child] = gi
                        push(ready, (-child._seq, child))
                    else:
                        grads[child] = waiting + gi
                    key = id(gi)
                    handed[key] = handed.get(key, 0) + 1
                if spent is not None:
                    node._args = spent  # a list: released
                continue
            if node._pre_hooks:
                for hook in node._pre_hooks:
                    new = hook(_grad_outputs(node, g))
                    if new is not None:
                        g = _from_grad_outputs(node, new, create_graph)
                        handed[id(g)] = 2  # the hook's tensor belongs to the user
            if type(node) is AccumulateGrad:
                g = _leaf_hooks(node.variable, g, create_graph)
                if not accumulate:
                    captured[id(node)] = g
                else:
                    # An array handed to this leaf alone, made during this pass, can become
                    # .grad without a copy (PyTorch "steals" it likewise).
                    leaf = node.variable
                    own = (handed.get(id(g)) == 1 and not node._pre_hooks
                           and leaf is not None and not leaf._hooks)
                    _accumulate(node, g, create_graph, own)
                continue
            if node._retains:
                for ref in node._retains:
                    _store_retained(ref(), g, create_graph)
            if targets is not None and id(node) in targets:
                if not accumulate:
                    captured[id(node)] = g
                # Past a requested tensor, run on only if it leads to another one.
                if not any(c is not None and id(c) in needed for c in node._next):
                    continue
            if anomaly.STATE.enabled:
                grad_inputs = anomaly.run_checked(node, g, create_graph)
            else:
                grad_inputs = node._apply(g, create_graph)
            if node._hooks:
                for hook in node._hooks:
                    hook(tuple(_wrap(x) for x in grad_inputs), _grad_outputs(node, g))
            if not retain_graph:
                node._release()
            nrs = node._edge_nrs
            for i, (child, gi) in enumerate(zip(node._next, grad_inputs)):
                if child is None or gi is None:
                    continue
                gi = _route(child, nrs, i, gi)
                if child in grads:
                    grads[child] = grads[child] + gi
                elif needed is None or id(child) in needed:
                    grads[child] = gi
                    push(ready, (-child._seq, child))
                else:
                    continue
                handed[id(gi)] = handed.get(id(gi), 0) + 1


def _wrap(g):
    if g is None or _is_tensor(g):
        return g
    return _Tensor._make(g, _dtype_of(g))


def _unwrap(g, create_graph):
    return g if create_graph else g._data


def _grad_outputs(node, g):
    """A node's incoming gradient as hooks see it: one tensor (or None) per output."""
    if type(g) is MultiGrad:
        return tuple(_wrap(g.grads.get(k)) for k in range(node._multi))
    return (_wrap(g),)


def _from_grad_outputs(node, new, create_graph):
    """What a pre-hook returned, back in the engine's form."""
    if not node._multi:
        return _unwrap(new[0], create_graph)
    return MultiGrad({k: _unwrap(x, create_graph) for k, x in enumerate(new) if x is not None})


def _leaf_hooks(t, g, create_graph):
    """Hooks registered on a leaf tensor; a returned tensor replaces the gradient."""
    if t is not None and t._hooks:
        for hook in t._hooks:
            new = hook(_wrap(g))
            if new is not None:
                g = _unwrap(new, create_graph)
    return g


def _accumulate(node, g, create_graph, own=False):
    """AccumulateGrad: add into ``.grad``, creating it on first use (``own``: ``g`` is
    referenced nowhere else and may be stored as it is)."""
    t = node.variable
    if t is None:
        return
    if t._grad is None:
        if create_graph:
            # PyTorch stores a copy made with copy_, so the new .grad reads CopyBackwards.
            from ..ops.elementwise import Copy
            from ..ops.base import apply
            g = _wrap(g)
            t._grad = apply(Copy, _Tensor._make(np.zeros_like(g._data), g.dtype), g)
        elif own and type(g) is np.ndarray and g.flags.owndata and g.flags.writeable \
                and g.dtype == t.dtype.np and g.shape == t._data.shape:
            t._grad = _Tensor._make(g, t.dtype)
        else:
            # A fresh copy: the same array may have been handed to other leaves too.
            t._grad = _Tensor._make(np.array(g, dtype=t.dtype.np, copy=True), t.dtype)
    elif create_graph or _is_tensor(g) or t._grad.requires_grad:
        t._grad = t._grad + _wrap(g)
    else:
        t._grad._data += g
        t._grad._box()[0] += 1
    if node._hooks:
        for hook in node._hooks:
            hook((), (_wrap(g),))


def _store_retained(t, g, create_graph):
    """Keep the gradient of a non-leaf (``retain_grad`` or ``backward(inputs=...)``)."""
    g = None if t is None else _pick(g, t)
    if g is None:
        return
    g = _wrap(g) if create_graph else _Tensor._make(np.array(g, copy=True), t.dtype)
    t._grad = g if t._grad is None else t._grad + g
