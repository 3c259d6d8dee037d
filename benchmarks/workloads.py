"""The benchmark workloads, each written once per engine (forward + backward).

Every builder takes the engine module and returns a zero-argument function that runs one
iteration; the set-up (random data, weights) happens in the builder, outside the timing.
"""

import numpy as np

CHAIN_STEPS = 666  # 3 elementwise ops per step: ~2,000 ops in the chain


# --------------------------------------------------------------------- W1: seed polynomial
def w1_torchlike(lib):
    x = lib.tensor(2.0, requires_grad=True)

    def run():
        x.grad = None
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
        y.backward()
    return run


def w1_mygrad(mg):
    def run():
        x = mg.tensor(2.0)
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
        y.backward()
    return run


def w1_autograd(ag):
    grad = ag.grad(lambda x: 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1)

    def run():
        grad(2.0)
    return run


def w1_micrograd(Value):
    def run():
        x = Value(2.0)
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
        y.backward()
    return run


def w1_numpy(np_):
    x = np.array(2.0)

    def run():
        # forward and the hand-derived backward, on 0-d arrays: the floor for this work
        y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
        dy = 8 * x**3 + 3 * x**2 + 6 * x + 5
        return y, dy
    return run


# --------------------------------------------------------------------- W2/W3: op chains
def _chain_torchlike(lib, shape):
    x = lib.full(shape, 0.5, requires_grad=True) if shape else lib.tensor(0.5, requires_grad=True)

    def run():
        x.grad = None
        y = x
        for _ in range(CHAIN_STEPS):
            y = (y * 0.99 + 0.01).tanh()
        y.sum().backward()
    return run


def w2_torchlike(lib):
    return _chain_torchlike(lib, ())


def w3_torchlike(lib):
    return _chain_torchlike(lib, (3, 3))


def _chain_mygrad(mg, shape):
    data = np.full(shape, 0.5)

    def run():
        x = mg.tensor(data)
        y = x
        for _ in range(CHAIN_STEPS):
            y = mg.tanh(y * 0.99 + 0.01)
        mg.sum(y).backward()
    return run


def w2_mygrad(mg):
    return _chain_mygrad(mg, ())


def w3_mygrad(mg):
    return _chain_mygrad(mg, (3, 3))


def _chain_autograd(ag, shape):
    anp = __import__("autograd.numpy", fromlist=["numpy"])

    def f(x):
        y = x
        for _ in range(CHAIN_STEPS):
            y = anp.tanh(y * 0.99 + 0.01)
        return anp.sum(y)
    grad = ag.grad(f)
    data = np.full(shape, 0.5)

    def run():
        grad(data)
    return run


def w2_autograd(ag):
    return _chain_autograd(ag, ())


def w3_autograd(ag):
    return _chain_autograd(ag, (3, 3))


def w2_micrograd(Value):
    # The PyPI micrograd has no tanh; relu keeps the same op count (and is cheaper).
    def run():
        x = Value(0.5)
        y = x
        for _ in range(CHAIN_STEPS):
            y = (y * 0.99 + 0.01).relu()
        y.backward()
    return run


def _chain_numpy(shape):
    data = np.full(shape, 0.5)

    def run():
        ys = [data]
        for _ in range(CHAIN_STEPS):
            ys.append(np.tanh(ys[-1] * 0.99 + 0.01))
        g = np.ones(shape)
        for y in reversed(ys[1:]):
            g = g * (1 - y * y) * 0.99
        return g
    return run


def w2_numpy(np_):
    return _chain_numpy(())


def w3_numpy(np_):
    return _chain_numpy((3, 3))


# --------------------------------------------------------------------- W4: MLP training step
def _mlp_data(dtype=np.float32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((256, 784)).astype(dtype)
    y = rng.standard_normal((256, 10)).astype(dtype)
    w1 = (rng.standard_normal((784, 256)) * 0.03).astype(dtype)
    w2 = (rng.standard_normal((256, 10)) * 0.06).astype(dtype)
    return x, y, w1, np.zeros(256, dtype), w2, np.zeros(10, dtype)


def w4_torchlike(lib):
    x, y, w1, b1, w2, b2 = _mlp_data()
    model = lib.nn.Sequential(lib.nn.Linear(784, 256), lib.nn.Tanh(), lib.nn.Linear(256, 10))
    with lib.no_grad():
        model[0].weight.copy_(lib.from_numpy(w1.T.copy()))
        model[2].weight.copy_(lib.from_numpy(w2.T.copy()))
    opt = lib.optim.SGD(model.parameters(), lr=0.01)
    xt, yt = lib.from_numpy(x), lib.from_numpy(y)
    loss_fn = lib.nn.functional.mse_loss

    def run():
        opt.zero_grad()
        loss = loss_fn(model(xt), yt)
        loss.backward()
        opt.step()
    return run


def w4_mygrad(mg):
    x, y, w1, b1, w2, b2 = _mlp_data()
    params = [mg.tensor(p) for p in (w1, b1, w2, b2)]

    def run():
        W1, B1, W2, B2 = params
        out = mg.matmul(mg.tanh(mg.matmul(x, W1) + B1), W2) + B2
        loss = mg.mean((out - y) ** 2)
        loss.backward()
        for i, p in enumerate(params):
            params[i] = mg.tensor(p.data - 0.01 * p.grad)
    return run


def w4_autograd(ag):
    anp = __import__("autograd.numpy", fromlist=["numpy"])
    x, y, w1, b1, w2, b2 = _mlp_data()
    params = [w1, b1, w2, b2]

    def loss(ps):
        W1, B1, W2, B2 = ps
        out = anp.dot(anp.tanh(anp.dot(x, W1) + B1), W2) + B2
        return anp.mean((out - y) ** 2)
    grad = ag.grad(loss)

    def run():
        gs = grad(params)
        for i, g in enumerate(gs):
            params[i] = params[i] - 0.01 * g
    return run


def w4_numpy(np_):
    x, y, w1, b1, w2, b2 = _mlp_data()
    params = [w1, b1, w2, b2]

    def run():
        W1, B1, W2, B2 = params
        h = np.tanh(x @ W1 + B1)
        out = h @ W2 + B2
        d_out = (2 / out.size) * (out - y)
        d_h = (d_out @ W2.T) * (1 - h * h)
        grads = (x.T @ d_h, d_h.sum(0), h.T @ d_out, d_out.sum(0))
        for i, g in enumerate(grads):
            params[i] -= np.float32(0.01) * g
    return run


# --------------------------------------------------------------------- W5: big elementwise
def _big(n=1_000_000):
    rng = np.random.default_rng(0)
    return [rng.standard_normal(n).astype(np.float32) for _ in range(3)]


def w5_torchlike(lib):
    a, b, c = [lib.from_numpy(v).requires_grad_() for v in _big()]

    def run():
        for t in (a, b, c):
            t.grad = None
        (lib.tanh(a * b + c) ** 2).mean().backward()
    return run


def w5_mygrad(mg):
    a, b, c = _big()

    def run():
        ta, tb, tc = mg.tensor(a), mg.tensor(b), mg.tensor(c)
        mg.mean(mg.tanh(ta * tb + tc) ** 2).backward()
    return run


def w5_autograd(ag):
    anp = __import__("autograd.numpy", fromlist=["numpy"])
    a, b, c = _big()
    grad = ag.grad(lambda a, b, c: anp.mean(anp.tanh(a * b + c) ** 2), argnum=[0, 1, 2])

    def run():
        grad(a, b, c)
    return run


def w5_numpy(np_):
    a, b, c = _big()

    def run():
        t = np.tanh(a * b + c)
        g = (2 / t.size) * t * (1 - t * t)
        return g * b, g * a, g
    return run


# --------------------------------------------------------------------- W6: micrograd's MLP
def _moons(n=32):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((n, 3))
    y = np.sign(x[:, 0] * x[:, 1] + 0.1)
    return x, y


def w6_micrograd(micrograd):
    from micrograd.engine import Value
    from micrograd.nn import MLP
    x, y = _moons()
    model = MLP(3, [16, 16, 1])
    rows = [[Value(float(v)) for v in row] for row in x]

    def run():
        model.zero_grad()
        loss = sum(((model(r) - float(t)) ** 2 for r, t in zip(rows, y)), Value(0.0))
        loss.backward()
    return run


def w6_torchlike(lib):
    x, y = _moons()
    model = lib.nn.Sequential(lib.nn.Linear(3, 16), lib.nn.ReLU(), lib.nn.Linear(16, 16),
                              lib.nn.ReLU(), lib.nn.Linear(16, 1))
    xt = lib.tensor(x, dtype=lib.float32)
    yt = lib.tensor(y, dtype=lib.float32).reshape(-1, 1)

    def run():
        model.zero_grad()
        ((model(xt) - yt) ** 2).sum().backward()
    return run


def w6_mygrad(mg):
    x, y = _moons()
    rng = np.random.default_rng(1)
    shapes = [(3, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    params = [rng.uniform(-1, 1, s) for s in shapes]

    def run():
        W1, B1, W2, B2, W3, B3 = [mg.tensor(p) for p in params]
        h = mg.maximum(mg.matmul(x, W1) + B1, 0)
        h = mg.maximum(mg.matmul(h, W2) + B2, 0)
        mg.sum((mg.matmul(h, W3) + B3 - y[:, None]) ** 2).backward()
    return run


def w6_autograd(ag):
    anp = __import__("autograd.numpy", fromlist=["numpy"])
    x, y = _moons()
    rng = np.random.default_rng(1)
    shapes = [(3, 16), (16,), (16, 16), (16,), (16, 1), (1,)]
    params = [rng.uniform(-1, 1, s) for s in shapes]

    def loss(ps):
        W1, B1, W2, B2, W3, B3 = ps
        h = anp.maximum(anp.dot(x, W1) + B1, 0)
        h = anp.maximum(anp.dot(h, W2) + B2, 0)
        return anp.sum((anp.dot(h, W3) + B3 - y[:, None]) ** 2)
    grad = ag.grad(loss)

    def run():
        grad(params)
    return run


def w6_numpy(np_):
    x, y = _moons()
    rng = np.random.default_rng(1)
    W1, B1, W2, B2, W3, B3 = [rng.uniform(-1, 1, s) for s in
                              [(3, 16), (16,), (16, 16), (16,), (16, 1), (1,)]]

    def run():
        a1 = x @ W1 + B1
        h1 = np.maximum(a1, 0)
        a2 = h1 @ W2 + B2
        h2 = np.maximum(a2, 0)
        out = h2 @ W3 + B3
        d = 2 * (out - y[:, None])
        d2 = (d @ W3.T) * (a2 > 0)
        d1 = (d2 @ W2.T) * (a1 > 0)
        return x.T @ d1, d1.sum(0), h1.T @ d2, d2.sum(0), h2.T @ d, d.sum(0)
    return run
