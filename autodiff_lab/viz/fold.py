"""Folding a big graph to fit a picture: modules as boxes, chains and runs, then subgraphs.

Plain Python on the graph's structure (keys, edges): no matplotlib, no text measuring. The
steps, in order, each only while the picture still has more than ``max_nodes`` boxes:

1. an ``nn.Module`` call becomes one box (innermost modules first, then their parents), except
   the modules named in ``expand``;
2. a chain (each op the only consumer of the one before, its other inputs leaves or constants
   used nowhere else) keeps its first and last op and folds the ops between;
3. the smallest subgraph whose folding brings the count under ``max_nodes`` (the nodes that
   feed only one op) folds into a box in front of that op.
"""

from dataclasses import dataclass, field


@dataclass
class Fold:
    """Several nodes drawn as one box: ``kind`` is "module", "chain" or "subgraph"."""

    id: str
    kind: str
    title: str
    members: list                    # keys, in data order
    module: object = None
    output: object = None            # the member whose value leaves the box
    names: list = field(default_factory=list)   # the ops' node names, in data order

    def summary(self):
        """The ops folded, as a line: ``(MulBackward0 → SinBackward0) ×15`` or counts."""
        return ops_summary(self.names)


def ops_summary(names):
    """A short description of a sequence of op names.

    >>> ops_summary(["MulBackward0", "SinBackward0"] * 3)
    '(MulBackward0 → SinBackward0) ×3'
    >>> ops_summary(["MmBackward0", "AddBackward0", "MmBackward0"])
    '2 MmBackward0, AddBackward0'
    >>> ops_summary(["TanhBackward0"] * 4)
    'TanhBackward0 ×4'
    """
    n = len(names)
    for period in range(1, n // 2 + 1):
        if n % period == 0 and names == names[:period] * (n // period):
            unit = names[:period]
            text = unit[0] if period == 1 else "(" + " → ".join(unit) + ")"
            return f"{text} ×{n // period}"
    counts = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(name if c == 1 else f"{c} {name}" for name, c in counts.items())


class Structure:
    """A graph as keys and edges: ``kinds`` maps key → "leaf" | "op" | "const", ``edges`` are
    ``(source, target, slot)``, ``names`` maps an op key → its node name, ``seq`` an op key →
    its sequence number, ``output`` is the output's key."""

    def __init__(self, keys, kinds, edges, names, seq, output):
        self.keys, self.kinds, self.edges = keys, kinds, edges
        self.names, self.seq, self.output = names, seq, output
        self.inputs = {k: [] for k in keys}
        self.consumers = {k: [] for k in keys}
        for s, t, _ in edges:
            self.inputs[t].append(s)
            self.consumers[s].append(t)


def fold(structure, max_nodes, modules=(), expand=None):
    """key → Fold for every folded key (see the module docstring); ``modules`` are
    ``(qualified name, module, call ranges, ids of its own parameters' keys)``, outermost
    first; ``expand`` is None (modules fold only when needed), True (never), False (always)
    or the names of the modules to keep open (the others fold)."""
    folded = {}
    count = len(structure.keys)
    always = expand is False or isinstance(expand, (list, tuple, set))
    if expand is not True and modules and (always or (max_nodes and count > max_nodes)):
        count = _fold_modules(structure, modules, expand, folded, max_nodes, always)
    if max_nodes and count > max_nodes:
        count = _fold_chains(structure, folded, count, max_nodes)
    if max_nodes and count > max_nodes:
        _fold_subgraphs(structure, folded, count, max_nodes)
    return folded


def _visible(structure, folded):
    return len({folded[k].id if k in folded else k for k in structure.keys})


def _fold_modules(structure, modules, expand, folded, max_nodes, always):
    open_names = set(expand) if isinstance(expand, (list, tuple, set)) else set()
    # A module stays open when it, or a module inside it, is named in expand.
    opened = {name for name, *_ in modules
              if any(o == name or o.startswith(name + ".") or not name for o in open_names)}
    member_of = {}
    for name, _, ranges, params in modules:
        for k in structure.keys:
            s = structure.seq.get(k)
            if (s is not None and any(a < s < b for a, b in ranges)) or k in params:
                member_of.setdefault(k, set()).add(name)
    depth = {name: name.count(".") + 1 if name else 0 for name, *_ in modules}
    count = len(structure.keys)
    # Innermost first; the whole model as one box only as a last resort, never on request.
    for level in sorted(set(depth.values()) - ({0} if always else set()), reverse=True):
        for name, module, _, _ in modules:
            if depth[name] != level or name in opened:
                continue
            members = [k for k in structure.keys if name in member_of.get(k, ())]
            ops = [k for k in members if structure.kinds[k] == "op"]
            if len(members) < 2 or not ops:
                continue
            label = f"{name}: {type(module).__name__}" if name else type(module).__name__
            box = Fold(f"module_{name or 'model'}", "module", label, members, module,
                       names=[structure.names[k] for k in ops])
            box.output = _exit(structure, members)
            for k in members:
                folded[k] = box
        count = _visible(structure, folded)
        if not always and count <= max_nodes:
            break
    return count


def _exit(structure, members):
    """The member whose value is used outside (the last such in data order)."""
    inside = set(members)
    leaving = [k for k in members if any(c not in inside for c in structure.consumers[k])
               or k == structure.output]
    return (leaving or members)[-1]


def _chains(structure, folded):
    """Maximal chains of free op nodes: each link the only consumer of the one before."""
    def free(k):
        return k not in folded and structure.kinds[k] == "op"

    def link(a, b):   # b continues a chain that ends in a
        return structure.consumers[a] == [b] and \
            sum(1 for s in structure.inputs[b] if s == a) == 1 and \
            all(s == a or _side(structure, s, b, folded) for s in structure.inputs[b])

    nxt = {}
    for k in structure.keys:
        if free(k) and len(structure.consumers[k]) == 1:
            c = structure.consumers[k][0]
            if free(c) and link(k, c):
                nxt[k] = c
    starts = [k for k in nxt if k not in set(nxt.values())]
    chains = []
    for k in starts:
        chain = [k]
        while chain[-1] in nxt:
            chain.append(nxt[chain[-1]])
        chains.append(chain)
    return chains


def _side(structure, key, consumer, folded):
    """A leaf or constant used by ``consumer`` alone: folded along with it."""
    return structure.kinds[key] != "op" and key not in folded and \
        set(structure.consumers[key]) == {consumer}


def _fold_chains(structure, folded, count, max_nodes):
    """Fold the middle of the longest chains, as much of each as the count needs (three ops at
    least, so that a fold always hides a run worth a box)."""
    for chain in sorted(_chains(structure, folded), key=len, reverse=True):
        middle = chain[1:-1]
        if len(middle) < 3:
            continue
        side = {k: [s for s in structure.inputs[k] if _side(structure, s, k, folded)]
                for k in middle}
        # The shortest run, in the middle, that saves what is needed.
        need = count - max_nodes
        for n in range(3, len(middle) + 1):
            start = (len(middle) - n) // 2
            run = middle[start:start + n]
            hidden = set(run).union(*(side[r] for r in run))
            if len(hidden) - 1 >= need:
                break
        members = [k for k in structure.keys if k in hidden]
        box = Fold(f"chain_{len({f.id for f in folded.values()}) + 1}", "chain",
                   f"{len(run)} ops folded", members, output=run[-1],
                   names=[structure.names[k] for k in run])
        for k in members:
            folded[k] = box
        count = _visible(structure, folded)
        if count <= max_nodes:
            break
    return count


def _fold_subgraphs(structure, folded, count, max_nodes):
    """Fold the smallest exclusive upstream of one op that brings the count to max_nodes."""
    while count > max_nodes:
        best = None
        for k in structure.keys:
            if structure.kinds[k] != "op":
                continue
            upstream = _exclusive_upstream(structure, k)
            boxes = {folded[u].id if u in folded else u for u in upstream}
            if len(boxes) < 2:
                continue
            saved = len(boxes) - 1
            candidate = (saved < count - max_nodes, len(boxes), structure.keys.index(k))
            if best is None or candidate < best[0]:
                best = (candidate, k, upstream)
        if best is None:
            return count
        _, k, upstream = best
        members = [u for u in structure.keys if u in upstream]
        names = [structure.names[u] for u in members if structure.kinds[u] == "op"]
        box = Fold(f"subgraph_{len({f.id for f in folded.values()}) + 1}", "subgraph",
                   f"{len(members)} nodes folded", members, output=k, names=names)
        for u in members:
            folded[u] = box
        count = _visible(structure, folded)
    return count


def _exclusive_upstream(structure, k):
    """The nodes every path from which to the output runs through ``k`` (``k`` included;
    the output never)."""
    group = {k}
    changed = True
    candidates = []
    stack = list(structure.inputs[k])
    seen = set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        candidates.append(v)
        stack.extend(structure.inputs[v])
    while changed:
        changed = False
        for v in candidates:
            if v not in group and structure.consumers[v] and \
                    all(c in group for c in structure.consumers[v]):
                group.add(v)
                changed = True
    group.discard(structure.output)
    return group
