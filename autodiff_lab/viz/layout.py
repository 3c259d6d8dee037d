"""A layered (Sugiyama-style) layout: ranks, crossing reduction, coordinates and edge routes.

Plain Python, no matplotlib: it works on box sizes in points, so the same layout serves any
renderer. The steps are the classic ones (Sugiyama, Tagawa and Toda 1981; Gansner et al. 1993):

1. ranks by longest path to the output, so each node sits just before its first consumer;
2. long edges broken into chains of virtual nodes (one of them sized to the edge's label);
3. crossings reduced by barycentre sweeps, keeping the best order seen;
4. coordinates: each rank packed with order-preserving least-squares shifts (isotonic
   regression) towards its neighbours, so edges run as straight as the boxes allow;
5. routes: straight runs through ranks, smooth S-curves across the gaps between them.
"""

import itertools
from dataclasses import dataclass, field

NODE_GAP = 16.0      # points between neighbouring boxes of one rank
EDGE_GAP = 7.0       # points reserved for an edge passing through a rank
RANK_GAP = 34.0      # least distance between ranks; steep edges get more (_rank_positions)
PORT_GAP = 11.0      # distance between the entry points of a node's inputs, at most


@dataclass
class Layout:
    """Box centres, sizes and edge routes in points; ``x`` grows right and ``y`` grows down."""

    width: float
    height: float
    centres: dict                    # node → (x, y)
    sizes: dict                      # node → (w, h)
    routes: list                     # per edge: points; runs alternate straight, curved, ...
    label_centres: dict = field(default_factory=dict)   # edge index → (x, y)


def layered_layout(nodes, edges, sizes, direction="LR", label_sizes=None):
    """Lay out ``nodes`` (any hashables, in data order) joined by ``edges``.

    ``edges`` are ``(source, target, port, nports)``: the target's input ``port`` of ``nports``;
    ``sizes`` maps a node to its box ``(w, h)``; ``label_sizes`` maps an edge index to the size
    of a label drawn on that edge (or is None). Deterministic: the same input, the same layout.

    >>> lay = layered_layout(["a", "b", "c"], [("a", "c", 0, 2), ("b", "c", 1, 2)],
    ...                      {"a": (20, 10), "b": (20, 10), "c": (30, 20)})
    >>> lay.centres["a"][0] < lay.centres["c"][0], lay.centres["a"][1] < lay.centres["b"][1]
    (True, True)
    """
    if direction not in ("LR", "TB"):
        raise ValueError(f"direction must be 'LR' or 'TB', got {direction!r}")
    label_sizes = label_sizes or {}
    lr = direction == "LR"
    # along: the direction data flows; across: the direction of the order within a rank.
    along = {v: (sizes[v][0] if lr else sizes[v][1]) for v in nodes}
    across = {v: (sizes[v][1] if lr else sizes[v][0]) for v in nodes}
    step = 2 if label_sizes else 1
    rank = _ranks(nodes, edges, step)
    chains, along, across = _virtual_chains(edges, rank, along, across, label_sizes, lr)
    layers = _initial_order(nodes, edges, chains, rank)
    segments = _segments(edges, chains, across)
    layers = _reduce_crossings(layers, segments)
    pos = _coordinates(layers, segments, across)
    _align_labels(layers, edges, chains, label_sizes, pos, across)
    centre_along, thickness, extent_along = _rank_positions(layers, segments, pos, along)
    # Inputs (leaves, constants) sit at the downstream side of their rank, near their consumer.
    targets = {t for _, t, _, _ in edges}
    at = {v: centre_along[rank[v]] + (0.0 if v in targets else (thickness[rank[v]] - along[v]) / 2)
          for v in nodes}
    exits = _exits(edges, chains, pos, across)
    routes = [_route(e, chain, pos, centre_along, thickness, along, across, rank, at, out)
              for e, chain, out in zip(edges, chains, exits)]
    low = min(pos[v] - across[v] / 2 for layer in layers for v in layer)
    high = max(pos[v] + across[v] / 2 for layer in layers for v in layer)

    def point(a, c):
        return (a, c - low) if lr else (c - low, a)

    centres = {v: point(at[v], pos[v]) for v in nodes}
    label_centres = {i: point(centre_along[rank[chains[i][-1]]], pos[chains[i][-1]])
                     for i in label_sizes}
    routes = [[point(a, c) for a, c in route] for route in routes]
    width, height = point(extent_along, high)
    return Layout(width, height, centres, {v: sizes[v] for v in nodes}, routes, label_centres)


def _ranks(nodes, edges, step):
    """Longest path to a sink: every node one rank (``step``) before its earliest consumer."""
    out = {v: [] for v in nodes}
    for s, t, _, _ in edges:
        out[s].append(t)
    depth = {}
    for v in reversed(nodes):   # data order reversed: consumers first
        depth[v] = max((depth[t] + step for t in out[v]), default=0)
    deepest = max(depth.values(), default=0)
    return {v: deepest - depth[v] for v in nodes}


def _virtual_chains(edges, rank, along, across, label_sizes, lr):
    """Per edge, the virtual nodes that carry it through the ranks it spans."""
    chains = []
    for i, (s, t, _, _) in enumerate(edges):
        chain = []
        for r in range(rank[s] + 1, rank[t]):
            v = ("virtual", i, r)
            rank[v] = r
            if i in label_sizes and r == rank[t] - 1:
                w, h = label_sizes[i]
                along[v], across[v] = (w, h + EDGE_GAP) if lr else (h, w + EDGE_GAP)
            else:
                along[v], across[v] = 0.0, EDGE_GAP
            chain.append(v)
        chains.append(chain)
    return chains, along, across


def _port(port, nports, size):
    """Where input ``port`` of ``nports`` enters a box of ``size`` across, from its centre."""
    gap = min(PORT_GAP, 0.8 * size / max(nports - 1, 1))
    return (port - (nports - 1) / 2) * gap


def _segments(edges, chains, across):
    """Edges between adjacent ranks: (upper, lower, weight, port offset at lower)."""
    targets = {t for _, t, _, _ in edges}
    segments = []
    for (s, t, port, nports), chain in zip(edges, chains):
        path = [s] + chain + [t]
        offset = _port(port, nports, across[t])
        # Gansner's weights keep long edges straight first; edges out of inputs (leaves,
        # constants) weigh less, so the main line of computation runs straight.
        light = 1.0 if s in targets else 0.25
        for a, b in itertools.pairwise(path):
            virtual = (a is not s) + (b is not t)
            segments.append((a, b, (1, 2, 8)[virtual] * light, offset if b is t else 0.0))
    return segments


def _initial_order(nodes, edges, chains, rank):
    """Depth-first from the outputs, inputs in argument order: a tree-like first order."""
    inputs = {v: [] for v in nodes}
    for (s, t, port, _), chain in zip(edges, chains):
        inputs[t].append((port, s, chain))
    layers = [[] for _ in range(max(rank.values(), default=0) + 1)]
    seen = set()

    def visit(v):
        stack = [v]
        while stack:
            v = stack.pop()
            if v in seen:
                continue
            seen.add(v)
            layers[rank[v]].append(v)
            for _, s, chain in sorted(inputs.get(v, ()), key=lambda item: item[0], reverse=True):
                stack.append(s)
                stack.extend(reversed(chain))

    sources = {s for s, _, _, _ in edges}
    sinks = [v for v in nodes if v not in sources]
    for v in reversed(sinks):
        visit(v)
    for v in nodes:       # anything unreachable from a sink (cannot happen for one output)
        visit(v)
    return layers


def _crossings(layers, segments):
    """How many pairs of segments cross (segments entering one node by ports count too)."""
    rank = {v: r for r, layer in enumerate(layers) for v in layer}
    index = {v: i for layer in layers for i, v in enumerate(layer)}
    by_gap = {}
    for a, b, _, offset in segments:
        by_gap.setdefault(rank[a], []).append((index[a], index[b] + offset / 1000))
    total = 0
    for pairs in by_gap.values():
        pairs.sort()
        for i, (a1, b1) in enumerate(pairs):
            total += sum(1 for a2, b2 in pairs[i + 1:] if b2 < b1 and a2 != a1)
    return total


def _reduce_crossings(layers, segments, sweeps=12):
    """Barycentre sweeps down and up, then adjacent swaps; the order with fewest crossings
    wins (ties: the earliest)."""
    preds, succs = {}, {}
    for a, b, weight, offset in segments:
        # An input's source should sit on the side of the port it enters by.
        preds.setdefault(b, []).append((a, 0.0))
        succs.setdefault(a, []).append((b, offset / PORT_GAP * 0.2))
    best = [list(layer) for layer in layers]
    best_count = _crossings(best, segments)
    current = [list(layer) for layer in layers]
    for sweep in range(sweeps):
        if best_count == 0:
            break
        down = sweep % 2 == 0
        ranks = range(1, len(current)) if down else range(len(current) - 2, -1, -1)
        for r in ranks:
            before = current[r - 1] if r > 0 else []
            after = current[r + 1] if r + 1 < len(current) else []
            first, second = (preds, succs) if down else (succs, preds)
            where = {v: i for i, v in enumerate(before if down else after)}
            other = {v: i for i, v in enumerate(after if down else before)}
            keys = []
            for i, v in enumerate(current[r]):
                # No neighbour on the sweep's side: follow the other side, else stay put.
                key = _barycentre(first.get(v, ()), where)
                if key is None:
                    key = _barycentre(second.get(v, ()), other)
                keys.append((i if key is None else key, i))
            current[r] = [v for _, v in sorted(zip(keys, current[r]), key=lambda kv: kv[0])]
        count = _crossings(current, segments)
        if count < best_count:
            best, best_count = [list(layer) for layer in current], count
    if best_count:
        best = _transpose(best, segments)
    return best


def _barycentre(neighbours, where):
    ns = [where[n] + shift for n, shift in neighbours if n in where]
    return sum(ns) / len(ns) if ns else None


def _transpose(layers, segments):
    """Swap neighbours within a rank while that removes crossings (Gansner's transpose)."""
    count = _crossings(layers, segments)
    improved = True
    while improved:
        improved = False
        for layer in layers:
            for i in range(len(layer) - 1):
                layer[i], layer[i + 1] = layer[i + 1], layer[i]
                swapped = _crossings(layers, segments)
                if swapped < count:
                    count, improved = swapped, True
                else:
                    layer[i], layer[i + 1] = layer[i + 1], layer[i]
    return layers


def _coordinates(layers, segments, across, rounds=6):
    """Across-coordinates: each rank pulled towards its neighbours, order and gaps kept."""
    pos = {}
    for layer in layers:
        c = 0.0
        for v in layer:
            pos[v] = c + across[v] / 2
            c += across[v] + NODE_GAP
    # Centres are aligned, not ports: aligning ports would make a chain drift at every node.
    preds, succs = {}, {}
    for a, b, weight, _ in segments:
        preds.setdefault(b, []).append((a, weight))
        succs.setdefault(a, []).append((b, weight))
    r_count = len(layers)
    passes = []
    for _ in range(rounds):
        passes += [(range(1, r_count), preds), (range(r_count - 2, -1, -1), succs)]
    passes.append((range(1, r_count), preds))
    for ranks, neighbours in passes:
        for r in ranks:
            _place(layers[r], neighbours, pos, across)
    # Last, the inputs (no predecessors) move up to their consumers, everything else pinned.
    inputs_only = {v: succs.get(v, ()) for layer in layers for v in layer if v not in preds}
    for layer in layers:
        _place(layer, inputs_only, pos, across, pinned=1000.0)
    return pos


def _place(layer, neighbours, pos, across, pinned=0.05):
    """Move one rank towards the weighted median of each node's neighbours, keeping its order
    and gaps; nodes without neighbours hold their place with weight ``pinned``."""
    targets, weights = [], []
    for v in layer:
        ns = neighbours.get(v, ())
        if ns:
            targets.append(_weighted_median([(pos[n], w) for n, w in ns]))
            weights.append(sum(w for _, w in ns))
        else:
            targets.append(pos[v])
            weights.append(pinned)
    seps = [(across[a] + across[b]) / 2 + _gap(a, b) for a, b in itertools.pairwise(layer)]
    for v, p in zip(layer, _isotonic(targets, weights, seps)):
        pos[v] = p


def _weighted_median(values):
    """The median of weighted positions (L1 placement: a node lines up with its heaviest
    neighbour instead of drifting to the mean of all of them).

    >>> _weighted_median([(0.0, 1.0), (10.0, 0.25)]), _weighted_median([(0.0, 1.0), (10.0, 1.0)])
    (0.0, 5.0)
    """
    values = sorted(values)
    half, acc = sum(w for _, w in values) / 2, 0.0
    for i, (p, w) in enumerate(values):
        acc += w
        if acc > half:
            return p
        if acc == half:
            return (p + values[i + 1][0]) / 2
    return values[-1][0]


def _gap(a, b):
    virtual = isinstance(a, tuple) and a[:1] == ("virtual",), \
        isinstance(b, tuple) and b[:1] == ("virtual",)
    return NODE_GAP if not any(virtual) else NODE_GAP / 2


def _isotonic(targets, weights, seps):
    """Positions closest (weighted least squares) to ``targets`` with p[i+1] - p[i] >= seps[i].

    Pool-adjacent-violators on the targets shifted by the cumulative separations.

    >>> _isotonic([0.0, 0.0], [1.0, 1.0], [10.0])
    [-5.0, 5.0]
    """
    shift = [0.0]
    for s in seps:
        shift.append(shift[-1] + s)
    blocks = []   # [mean, weight, count]
    for t, w, s in zip(targets, weights, shift):
        blocks.append([t - s, w, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, n2 = blocks.pop()
            m1, w1, n1 = blocks.pop()
            blocks.append([(m1 * w1 + m2 * w2) / (w1 + w2), w1 + w2, n1 + n2])
    fitted = [m for m, _, n in blocks for _ in range(n)]
    return [f + s for f, s in zip(fitted, shift)]


def _rank_positions(layers, segments, pos, along):
    """Centre and thickness of each rank; gaps widen where edges must climb far."""
    thickness = [max((along[v] for v in layer), default=0.0) for layer in layers]
    climb = [0.0] * len(layers)
    rank = {v: r for r, layer in enumerate(layers) for v in layer}
    for a, b, _, offset in segments:
        climb[rank[a]] = max(climb[rank[a]], abs(pos[b] + offset - pos[a]))
    centres, c = [], 0.0
    for r, t in enumerate(thickness):
        centres.append(c + t / 2)
        c += t
        if r < len(layers) - 1:
            c += min(max(RANK_GAP, 0.3 * climb[r]), 3 * RANK_GAP)
    return centres, thickness, c


def _align_labels(layers, edges, chains, label_sizes, pos, across):
    """Each edge label straight in front of the port its edge enters, so the label sits on
    the last, straight run of its own edge, after any crossing."""
    wanted = {}
    for i in label_sizes:
        s, t, port, nports = edges[i]
        if chains[i]:
            wanted[chains[i][-1]] = pos[t] + _port(port, nports, across[t])
    for layer in layers:
        if not any(v in wanted for v in layer):
            continue
        targets = [wanted.get(v, pos[v]) for v in layer]
        weights = [1.0 if v in wanted else 4.0 for v in layer]
        seps = [(across[a] + across[b]) / 2 + _gap(a, b) for a, b in itertools.pairwise(layer)]
        for v, p in zip(layer, _isotonic(targets, weights, seps)):
            pos[v] = p


def _exits(edges, chains, pos, across):
    """Where each edge leaves its source, across: a node's outgoing edges fan out along its
    side in the order of where they go, so they leave side by side instead of braiding."""
    by_source = {}
    for i, ((s, t, port, nports), chain) in enumerate(zip(edges, chains)):
        ahead = pos[chain[0]] if chain else pos[t] + _port(port, nports, across[t])
        by_source.setdefault(s, []).append((ahead, i))
    exits = [0.0] * len(edges)
    for s, out in by_source.items():
        out.sort()
        for j, (_, i) in enumerate(out):
            exits[i] = _port(j, len(out), across[s])
    return exits


def _route(edge, chain, pos, centres, thickness, along, across, rank, at, exit=0.0):
    """The points of one edge, whose runs alternate straight (inside a rank) and curved (across
    the gap to the next rank), so that curves never pass through a box."""
    s, t, port, nports = edge
    entry = pos[t] + _port(port, nports, across[t])
    rs, rt = rank[s], rank[t]
    start = pos[s] + exit
    points = [(at[s] + along[s] / 2, start), (centres[rs] + thickness[rs] / 2, start)]
    for v in chain:
        r = rank[v]
        points += [(centres[r] - thickness[r] / 2, pos[v]), (centres[r] + thickness[r] / 2, pos[v])]
    points += [(centres[rt] - thickness[rt] / 2, entry), (at[t] - along[t] / 2, entry)]
    return points
