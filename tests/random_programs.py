"""Random programs over the op list, written once against either library ("lib").

Shared by the PyTorch parity tests and the symbolic-twin tests.
"""

import numpy as np
from hypothesis import strategies as st

# Each op is written once against "lib" (either module), on inputs that keep it in its domain.
UNARY = {
    "neg": lambda lib, a: -a,
    "exp": lambda lib, a: lib.exp(lib.tanh(a)),
    "log": lambda lib, a: lib.log(a * a + 1),
    "sqrt": lambda lib, a: lib.sqrt(a * a + 0.5),
    "sin": lambda lib, a: lib.sin(a),
    "cos": lambda lib, a: a.cos(),
    "tan": lambda lib, a: lib.tan(lib.tanh(a)),
    "tanh": lambda lib, a: a.tanh(),
    "sigmoid": lambda lib, a: lib.sigmoid(a),
    "relu": lambda lib, a: lib.relu(a),
    "abs": lambda lib, a: a.abs(),
    "clamp": lambda lib, a: a.clamp(-0.5, 0.5),
    "clamp_min": lambda lib, a: lib.clamp(a, min=0.1),
    "square": lambda lib, a: a ** 2,
    "cube": lambda lib, a: a ** 3,
    "half_power": lambda lib, a: (a * a + 1) ** 0.5,
    "scale": lambda lib, a: 2.5 * a,
    "rsub": lambda lib, a: 1 - a,
    "rdiv": lambda lib, a: 2 / (a * a + 1),
    "rpow": lambda lib, a: 2 ** lib.tanh(a),
    "softmax": lambda lib, a: lib.softmax(a, dim=-1),
    "log_softmax": lambda lib, a: a.log_softmax(-1),
    "sum_keep": lambda lib, a: a.sum(-1, keepdim=True),
    "sum_dim0": lambda lib, a: lib.sum(a, 0),
    "mean_keep": lambda lib, a: a.mean(0, keepdim=True),
    "max_dim": lambda lib, a: a.max(-1, keepdim=True).values,
    "min_dim": lambda lib, a: lib.min(a, 0).values,
    "prod_dim": lambda lib, a: a.prod(-1),
    "norm_dim": lambda lib, a: lib.norm(a * a + 1, dim=-1),
    "transpose": lambda lib, a: a.transpose(0, -1),
    "T": lambda lib, a: a.T,
    "flatten": lambda lib, a: a.flatten(),
    "unsqueeze": lambda lib, a: a.unsqueeze(0),
    "squeeze": lambda lib, a: a.unsqueeze(-1).squeeze(-1),
    "reshape_back": lambda lib, a: a.reshape(-1).reshape(a.shape),
    "slice": lambda lib, a: a[..., :1],
    "select": lambda lib, a: a[0],
    "clone": lambda lib, a: a.clone(),
    "expand": lambda lib, a: a.unsqueeze(0).expand(2, *a.shape),
    "cat_self": lambda lib, a: lib.cat([a, a * 2], dim=0),
    "stack_self": lambda lib, a: lib.stack([a, -a], dim=-1),
    "mask": lambda lib, a: lib.where(a > 0, a, a * 0.1),
    "split": lambda lib, a: a.split(2, dim=-1)[-1],
    "split_sizes": lambda lib, a: a.split([1, a.shape[0] - 1])[0],
    "chunk": lambda lib, a: lib.chunk(a, 2, 0)[0],
}

BINARY = {
    "add": lambda lib, a, b: a + b,
    "sub": lambda lib, a, b: lib.sub(a, b),
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / (b * b + 1),
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "where": lambda lib, a, b: lib.where(a > b, a, b),
    # The exponent stays off 0: there PyTorch masks d/dx x**y to zero, which drops a term of
    # the true second derivative (we keep it, being exact).
    "pow": lambda lib, a, b: (a * a + 1) ** (lib.tanh(b) + 0.5),
    "add_alpha": lambda lib, a, b: lib.add(a, b, alpha=0.5),
}

@st.composite
def programs(draw):
    """Leaves whose shapes broadcast to one base shape, and a chain of ops over them."""
    base = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=3)))
    n_leaves = draw(st.integers(1, 3))
    leaves = []
    for _ in range(n_leaves):
        drop = draw(st.integers(0, len(base) - 1))
        shape = tuple(n if draw(st.booleans()) else 1 for n in base[drop:])
        # Tiny magnitudes become exact zeros: near 0, x / x style rules (prod's) leave only
        # rounding noise in PyTorch's second derivatives, while exact zeros test real branches.
        values = draw(st.lists(st.floats(-2, 2, allow_nan=False, width=32).map(
                                   lambda v: 0.0 if abs(v) < 1e-3 else v),
                               min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
        leaves.append(np.array(values, dtype=np.float64).reshape(shape))
    steps = draw(st.lists(
        st.one_of(st.tuples(st.just("u"), st.sampled_from(sorted(UNARY))),
                  st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)))),
        min_size=1, max_size=6))
    weights_seed = draw(st.integers(0, 2**16))
    return leaves, steps, weights_seed


def run(lib, leaves, steps, weights_seed):
    """Run a program; returns leaves, the values along the way and the scalar loss.

    A step that raises (operands that do not broadcast, indexing a 0-d tensor) ends the
    program: the error is returned in place of the loss, to be compared with the other's.
    """
    xs = [lib.tensor(v, dtype=lib.float64, requires_grad=True) for v in leaves]
    pool = list(xs)
    trace = []
    for i, (kind, name) in enumerate(steps):
        a = pool[-1]
        try:
            if kind == "u":
                out = UNARY[name](lib, a)
            else:
                out = BINARY[name](lib, a, pool[i % len(pool)])
        except (RuntimeError, IndexError) as error:
            return xs, trace, error
        trace.append((name, out))
        pool.append(out)
    final = pool[-1]
    w = np.random.default_rng(weights_seed).normal(size=tuple(final.shape))
    loss = (final * lib.tensor(w, dtype=lib.float64)).sum()
    return xs, trace, loss
