"""The modules and losses of issue 11 against real PyTorch: values, gradients, node names,
``print(model)`` text, containers and the error texts.

Every program is written once as ``prog(torch)`` and run with both libraries on the same
NumPy data.
"""

import numpy as np
import pytest
from conftest import outcome, require_torch

import autodiff_lab


def _data(shape, seed=0, scale=2.0):
    return np.random.default_rng(seed).normal(size=shape) * scale


def _t(torch, array, dtype="float64", grad=True):
    return torch.tensor(array, dtype=getattr(torch, dtype), requires_grad=grad)


# --------------------------------------------------------------------- values and gradients
X = _data((4, 5))
Y = _data((4, 5), seed=1)
P = 1 / (1 + np.exp(-X))           # probabilities for BCE
T01 = (Y > 0).astype(np.float64)  # binary targets
LABELS = np.array([0, 4, 2, 1])
PROBS = np.exp(Y) / np.exp(Y).sum(1, keepdims=True)
W5 = np.array([1.0, 2.0, 0.5, 1.5, 0.25])

# name -> (module factory, inputs factory); the inputs that require grad are compared.
CASES = {
    "L1Loss": (lambda nn: nn.L1Loss(), lambda t: (_t(t, X), _t(t, Y))),
    "L1Loss sum": (lambda nn: nn.L1Loss(reduction="sum"), lambda t: (_t(t, X), _t(t, Y))),
    "L1Loss none": (lambda nn: nn.L1Loss(reduction="none"), lambda t: (_t(t, X), _t(t, Y))),
    "MSELoss": (lambda nn: nn.MSELoss(), lambda t: (_t(t, X), _t(t, Y))),
    "MSELoss none": (lambda nn: nn.MSELoss(reduction="none"), lambda t: (_t(t, X), _t(t, Y))),
    "HuberLoss": (lambda nn: nn.HuberLoss(), lambda t: (_t(t, X), _t(t, Y))),
    "HuberLoss delta sum": (lambda nn: nn.HuberLoss(reduction="sum", delta=2.5),
                            lambda t: (_t(t, X), _t(t, Y))),
    "HuberLoss none": (lambda nn: nn.HuberLoss(reduction="none", delta=0.5),
                       lambda t: (_t(t, X), _t(t, Y))),
    "SmoothL1Loss": (lambda nn: nn.SmoothL1Loss(), lambda t: (_t(t, X), _t(t, Y))),
    "SmoothL1Loss beta none": (lambda nn: nn.SmoothL1Loss(reduction="none", beta=0.3),
                               lambda t: (_t(t, X), _t(t, Y))),
    "SmoothL1Loss beta 0": (lambda nn: nn.SmoothL1Loss(beta=0.0), lambda t: (_t(t, X), _t(t, Y))),
    "CrossEntropyLoss": (lambda nn: nn.CrossEntropyLoss(),
                         lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss ignore": (lambda nn: nn.CrossEntropyLoss(ignore_index=2),
                                lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss weight": (lambda nn: nn.CrossEntropyLoss(weight=_t(_lib(nn), W5,
                                                                         grad=False)),
                                lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss smoothing": (lambda nn: nn.CrossEntropyLoss(label_smoothing=0.1),
                                   lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss smoothing weight ignore sum": (
        lambda nn: nn.CrossEntropyLoss(weight=_t(_lib(nn), W5, grad=False), ignore_index=4,
                                       reduction="sum", label_smoothing=0.25),
        lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss smoothing weight mean": (
        lambda nn: nn.CrossEntropyLoss(weight=_t(_lib(nn), W5, grad=False), ignore_index=4,
                                       label_smoothing=0.25),
        lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss smoothing none": (
        lambda nn: nn.CrossEntropyLoss(reduction="none", label_smoothing=0.4, ignore_index=1),
        lambda t: (_t(t, X), t.tensor(LABELS))),
    "CrossEntropyLoss probabilities": (lambda nn: nn.CrossEntropyLoss(),
                                       lambda t: (_t(t, X), _t(t, PROBS, grad=False))),
    "CrossEntropyLoss probabilities smoothing weight": (
        lambda nn: nn.CrossEntropyLoss(weight=_t(_lib(nn), W5, grad=False), label_smoothing=0.2),
        lambda t: (_t(t, X), _t(t, PROBS, grad=False))),
    "NLLLoss": (lambda nn: nn.NLLLoss(), lambda t: (_t(t, X), t.tensor(LABELS))),
    "NLLLoss weight sum": (lambda nn: nn.NLLLoss(weight=_t(_lib(nn), W5, grad=False),
                                                 reduction="sum"),
                           lambda t: (_t(t, X), t.tensor(LABELS))),
    "BCELoss": (lambda nn: nn.BCELoss(), lambda t: (_t(t, P), _t(t, T01, grad=False))),
    "BCEWithLogitsLoss": (lambda nn: nn.BCEWithLogitsLoss(),
                          lambda t: (_t(t, X), _t(t, T01))),
    "BCEWithLogitsLoss pos_weight": (
        lambda nn: nn.BCEWithLogitsLoss(pos_weight=_t(_lib(nn), W5, grad=False)),
        lambda t: (_t(t, X), _t(t, T01))),
    "Identity": (lambda nn: nn.Identity(3, a=1), lambda t: (_t(t, X),)),
    "Flatten": (lambda nn: nn.Flatten(), lambda t: (_t(t, _data((2, 3, 2))),)),
    "Flatten 0": (lambda nn: nn.Flatten(0), lambda t: (_t(t, _data((2, 3, 2))),)),
    "Unflatten": (lambda nn: nn.Unflatten(1, (5, 1)), lambda t: (_t(t, X),)),
    "Unflatten -1": (lambda nn: nn.Unflatten(-1, [-1, 2]), lambda t: (_t(t, _data((2, 3, 4))),)),
    "Softmax": (lambda nn: nn.Softmax(dim=1), lambda t: (_t(t, X),)),
    "LogSoftmax": (lambda nn: nn.LogSoftmax(dim=0), lambda t: (_t(t, X),)),
    "LeakyReLU": (lambda nn: nn.LeakyReLU(), lambda t: (_t(t, X),)),
    "LeakyReLU slope": (lambda nn: nn.LeakyReLU(0.3), lambda t: (_t(t, X),)),
    "GELU": (lambda nn: nn.GELU(), lambda t: (_t(t, X),)),
    "GELU tanh": (lambda nn: nn.GELU(approximate="tanh"), lambda t: (_t(t, X),)),
    "ELU": (lambda nn: nn.ELU(), lambda t: (_t(t, X),)),
    "ELU alpha": (lambda nn: nn.ELU(alpha=0.4), lambda t: (_t(t, X),)),
    "SiLU": (lambda nn: nn.SiLU(), lambda t: (_t(t, X),)),
    "Softplus": (lambda nn: nn.Softplus(), lambda t: (_t(t, X),)),
    "Softplus beta threshold": (lambda nn: nn.Softplus(beta=2.0, threshold=3.0),
                                lambda t: (_t(t, X),)),
    "ReLU": (lambda nn: nn.ReLU(), lambda t: (_t(t, X),)),
    "Tanh": (lambda nn: nn.Tanh(), lambda t: (_t(t, X),)),
    "Sigmoid": (lambda nn: nn.Sigmoid(), lambda t: (_t(t, X),)),
}


def _lib(nn):
    """The library an ``nn`` module belongs to."""
    import sys
    return sys.modules[nn.__name__.rsplit(".", 1)[0]]


def _run(lib, name, dtype):
    make_module, make_inputs = CASES[name]
    inputs = make_inputs(lib)
    inputs = tuple(i.to(getattr(lib, dtype)).detach().requires_grad_(i.requires_grad)
                   if i.dtype.is_floating_point else i for i in inputs)
    module = make_module(lib.nn)
    if dtype == "float32":
        module = module.float()
    out = module(*inputs)
    weights = lib.tensor(_data(tuple(out.shape), seed=7), dtype=out.dtype)
    leaves = [i for i in inputs if i.requires_grad]
    grads = lib.autograd.grad((out * weights).sum(), leaves)
    return {"out": out.detach().numpy(), "dtype": str(out.dtype).split(".")[-1],
            "grad_fn": out.grad_fn.name() if out.grad_fn is not None else None,
            "is_input": out is inputs[0], "grads": [g.numpy() for g in grads]}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_module_values_and_gradients_match_torch(name, dtype):
    torch = require_torch()
    ours, theirs = _run(autodiff_lab, name, dtype), _run(torch, name, dtype)
    rtol = 1e-12 if dtype == "float64" else 2e-6
    for key in ("dtype", "grad_fn", "is_input"):
        assert ours[key] == theirs[key], (name, key)
    np.testing.assert_allclose(ours["out"], theirs["out"], rtol=rtol, atol=rtol, err_msg=name)
    assert len(ours["grads"]) == len(theirs["grads"])
    for a, b in zip(ours["grads"], theirs["grads"]):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize("name", ["GELU", "GELU tanh", "ELU", "LeakyReLU", "SiLU", "Softplus",
                                  "HuberLoss", "SmoothL1Loss", "CrossEntropyLoss smoothing"])
def test_second_derivatives_pass_gradgradcheck(name):
    make_module, make_inputs = CASES[name]
    module = make_module(autodiff_lab.nn)
    inputs = make_inputs(autodiff_lab)
    x = inputs[0]
    assert autodiff_lab.autograd.gradgradcheck(lambda x: module(x, *inputs[1:]).sum(), (x,))


# --------------------------------------------------------------------- print(model)
def _model(torch):
    nn = torch.nn
    return nn.Sequential(
        nn.L1Loss(), nn.MSELoss(reduction="sum"), nn.CrossEntropyLoss(label_smoothing=0.1),
        nn.NLLLoss(), nn.BCELoss(), nn.BCEWithLogitsLoss(), nn.HuberLoss(delta=2.0),
        nn.SmoothL1Loss(beta=0.5), nn.Identity(), nn.Identity(0.2, inplace=True), nn.Flatten(),
        nn.Unflatten(1, (2, 2)), nn.Identity(), nn.Softmax(dim=1), nn.LogSoftmax(),
        nn.LeakyReLU(), nn.LeakyReLU(0.2, True), nn.GELU(), nn.GELU("tanh"), nn.ELU(),
        nn.ELU(0.5, True), nn.SiLU(), nn.SiLU(True), nn.Softplus(), nn.Softplus(2, 10),
        nn.ReLU(True),
        nn.ModuleList([nn.Linear(2, 3), nn.Linear(2, 3), nn.Linear(2, 3), nn.ReLU(),
                       nn.Linear(3, 1)]),
        nn.ModuleDict({"act": nn.Tanh(), "out": nn.Sequential(nn.Linear(1, 1))}),
        nn.ModuleList())


REPRS = {
    "model": lambda torch: _model(torch),
    "parameter list": lambda torch: torch.nn.ParameterList(
        [torch.nn.Parameter(torch.ones(2)), torch.ones(2, 3, dtype=torch.float64)]),
    "empty parameter list": lambda torch: torch.nn.ParameterList(),
    "parameter dict": lambda torch: torch.nn.ParameterDict(
        {"a": torch.nn.Parameter(torch.ones(2)), "b": torch.zeros(3, 1)}),
    "one-entry parameter dict": lambda torch: torch.nn.ParameterDict({"a": torch.ones(2)}),
}


@pytest.mark.parametrize("name", sorted(REPRS))
def test_print_model_matches_torch(name):
    torch = require_torch()
    assert outcome(REPRS[name], autodiff_lab) == outcome(REPRS[name], torch)


EXPECTED_MODEL_TAIL = """\
  (26): ModuleList(
    (0-2): 3 x Linear(in_features=2, out_features=3, bias=True)
    (3): ReLU()
    (4): Linear(in_features=3, out_features=1, bias=True)
  )
  (27): ModuleDict(
    (act): Tanh()
    (out): Sequential(
      (0): Linear(in_features=1, out_features=1, bias=True)
    )
  )
  (28): ModuleList()
)"""


def test_print_model_text():
    text = repr(_model(autodiff_lab))
    assert text.endswith(EXPECTED_MODEL_TAIL)
    assert "  (17): GELU(approximate='none')\n  (18): GELU(approximate='tanh')\n" in text
    assert "  (11): Unflatten(dim=1, unflattened_size=(2, 2))\n" in text


# --------------------------------------------------------------------- errors and warnings
def F(torch):
    return torch.nn.functional


ERRORS = {
    "gelu approximate": lambda torch: F(torch).gelu(torch.ones(2), approximate="x"),
    "GELU approximate": lambda torch: torch.nn.GELU("exact")(torch.ones(2)),
    "one_hot float": lambda torch: F(torch).one_hot(torch.tensor([0.0, 1.0])),
    "one_hot too small": lambda torch: F(torch).one_hot(torch.tensor([0, 3]), 3),
    "one_hot negative": lambda torch: F(torch).one_hot(torch.tensor([0, -1])),
    "one_hot empty": lambda torch: F(torch).one_hot(torch.tensor([], dtype=torch.long)),
    "one_hot empty sized": lambda torch: F(torch).one_hot(torch.tensor([], dtype=torch.long), 3),
    "one_hot": lambda torch: F(torch).one_hot(torch.tensor([[0, 2], [1, 1]]), 4),
    "one_hot scalar": lambda torch: F(torch).one_hot(torch.tensor(2)),
    "unflatten sizes": lambda torch: torch.nn.Unflatten(1, (2, 3))(torch.ones(2, 4)),
    "unflatten int": lambda torch: torch.nn.Unflatten(1, 5),
    "unflatten element": lambda torch: torch.nn.Unflatten(1, (2, 2.0)),
    "leaky_relu long": lambda torch: F(torch).leaky_relu(torch.tensor([1, -2])),
    "elu long": lambda torch: F(torch).elu(torch.tensor([1, -2])),
    "gelu long": lambda torch: F(torch).gelu(torch.tensor([1, -2])),
    "silu long": lambda torch: F(torch).silu(torch.tensor([1, -2])),
    "softplus long": lambda torch: F(torch).softplus(torch.tensor([1, -2])),
    "huber long": lambda torch: F(torch).huber_loss(torch.tensor([1, 2]), torch.tensor([1, 5])),
    "huber delta": lambda torch: F(torch).huber_loss(torch.ones(2), torch.ones(2), delta=0.0),
    "smooth_l1 beta": lambda torch: F(torch).smooth_l1_loss(torch.ones(2), torch.ones(2),
                                                            beta=-1.0),
    "l1 reduction": lambda torch: F(torch).l1_loss(torch.ones(2), torch.ones(2), reduction="x"),
    "huber reduction": lambda torch: F(torch).huber_loss(torch.ones(2), torch.ones(2),
                                                         reduction="avg"),
    "l1 broadcast warning": lambda torch: F(torch).l1_loss(torch.ones(2, 1), torch.ones(3)),
    "huber broadcast warning": lambda torch: F(torch).huber_loss(torch.ones(2, 1),
                                                                 torch.zeros(3)),
    "smooth_l1 no broadcast": lambda torch: F(torch).smooth_l1_loss(torch.ones(2),
                                                                    torch.ones(3)),
    "l1 weight size": lambda torch: F(torch).l1_loss(torch.ones(2, 2), torch.ones(2, 2),
                                                     weight=torch.ones(2)),
    "l1 weight": lambda torch: F(torch).l1_loss(
        torch.tensor([1.0, 3.0], requires_grad=True), torch.zeros(2),
        weight=torch.tensor([1.0, 3.0])),
    "huber weight": lambda torch: F(torch).huber_loss(
        torch.tensor([0.5, 3.0], requires_grad=True), torch.zeros(2),
        weight=torch.tensor([1.0, 3.0])),
    "huber weight none": lambda torch: F(torch).huber_loss(
        torch.tensor([0.5, 3.0]), torch.zeros(2), weight=torch.tensor([1.0, 3.0]),
        reduction="none"),
    "label smoothing too big": lambda torch: F(torch).cross_entropy(
        torch.ones(2, 3), torch.tensor([0, 1]), label_smoothing=1.5),
    "label smoothing negative": lambda torch: F(torch).cross_entropy(
        torch.ones(2, 3), torch.tensor([0, 1]), label_smoothing=-0.5),
    "label smoothing node": lambda torch: F(torch).cross_entropy(
        torch.ones(2, 3, requires_grad=True), torch.tensor([0, 1]), label_smoothing=0.1),
    "module list index": lambda torch: torch.nn.ModuleList([torch.nn.ReLU()])[3],
    "module list not a module": lambda torch: torch.nn.ModuleList([3]),
    "module list call": lambda torch: torch.nn.ModuleList()(torch.ones(1)),
    "module dict missing": lambda torch: torch.nn.ModuleDict()["x"],
    "parameter list int tensor": lambda torch: torch.nn.ParameterList([torch.tensor([1])]),
    "identity": lambda torch: torch.nn.Identity()(torch.ones(2, requires_grad=True)),
    "leaky_relu_ inplace": lambda torch: F(torch).leaky_relu(torch.tensor([-1.0, 2.0]),
                                                             inplace=True),
    "leaky_relu inplace node": lambda torch: _inplace_node(
        torch, lambda x: F(torch).leaky_relu(x, 0.2, inplace=True)),
    "elu inplace node": lambda torch: _inplace_node(torch, lambda x: F(torch).elu(x, 0.5, True)),
    "silu inplace node": lambda torch: _inplace_node(torch, lambda x: F(torch).silu(x, True)),
    "LeakyReLU module inplace": lambda torch: _inplace_node(torch, torch.nn.LeakyReLU(0.1, True)),
    "softplus threshold": lambda torch: F(torch).softplus(torch.tensor([30.0, 1.0]), beta=0.5,
                                                          threshold=10),
}


def _inplace_node(torch, f):
    a = torch.tensor([-1.0, 2.0], requires_grad=True)
    x = a * 1
    y = f(x)
    y.sum().backward()
    return y is x, y.grad_fn.name(), a.grad


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_outcome_matches_torch(name):
    torch = require_torch()
    assert outcome(ERRORS[name], autodiff_lab) == outcome(ERRORS[name], torch)


def test_some_outcomes_spelled_out():
    """The texts themselves, so the file documents them (and they hold without torch)."""
    assert outcome(ERRORS["unflatten sizes"], autodiff_lab) == (
        "RuntimeError: unflatten: Provided sizes [2, 3] don't multiply up to the size of dim 1 "
        "(4) in the input tensor")
    assert outcome(ERRORS["one_hot too small"], autodiff_lab) == (
        "RuntimeError: Class values must be smaller than num_classes.")
    assert outcome(ERRORS["gelu long"], autodiff_lab) == (
        "NotImplementedError: \"GeluKernelImpl\" not implemented for 'Long'")
    assert outcome(ERRORS["label smoothing node"], autodiff_lab) == (
        "tensor(1.0986, grad_fn=<AddBackward0>)")


# --------------------------------------------------------------------- containers and Module API
def _containers(torch):
    nn = torch.nn
    torch.manual_seed(0)
    layers = nn.ModuleList([nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1)])
    layers.insert(1, nn.Tanh())
    layers += [nn.Sigmoid()]
    popped = layers.pop(2)
    del layers[0]
    heads = nn.ModuleDict({"a": nn.Linear(1, 1)})
    heads.update([("b", nn.Identity())])
    heads["c"] = nn.ReLU()
    params = nn.ParameterList([nn.Parameter(torch.zeros(2))])
    params.append(torch.ones(1, dtype=torch.float64))
    pdict = nn.ParameterDict({"w": torch.zeros(3)})

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers, self.heads, self.params, self.pdict = layers, heads, params, pdict

    net = Net()
    return (repr(popped), [type(m).__name__ for m in layers], list(heads.keys()),
            "b" in heads, len(heads), [type(m).__name__ for m in heads.values()],
            [n for n, _ in net.named_parameters()], list(net.state_dict()),
            [type(p).__name__ for p in params], params[1].dtype, len(params),
            [type(m).__name__ for m in layers[1:]], [n for n, _ in net.named_children()],
            len(list(net.modules())), heads.pop("b"), len(heads))


def _module_api(torch):
    nn = torch.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Softplus(), nn.Linear(3, 1))
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.arange(p.numel(), dtype=torch.float32).reshape(p.shape) * 0.1 - i)
    model.eval()
    x = torch.tensor([[1.0, -2.0], [0.5, 0.25]])
    y = model(x).sum()
    y.backward()
    grads = [p.grad.numpy().round(5).tolist() for p in model.parameters()]  # float32 noise
    flags = [m.training for m in model.modules()]
    model.train()
    flags += [m.training for m in model.modules()]
    model.zero_grad()
    none_after_zero = [p.grad for p in model.parameters()]
    model.requires_grad_(False)
    frozen = [p.requires_grad for p in model.parameters()]
    other = nn.Sequential(nn.Linear(2, 3), nn.GELU(), nn.Softplus(), nn.Linear(3, 1))
    keys = other.load_state_dict(model.state_dict())
    same = all(torch.equal(a, b) for a, b in zip(model.parameters(), other.parameters()))
    double = other.to(torch.float64)
    names = []
    model.apply(lambda m: names.append(type(m).__name__))
    return (round(y.item(), 4), grads, flags, none_after_zero, frozen, repr(keys), same,
            [p.dtype for p in double.parameters()], names,
            [n for n, _ in model.named_children()])


@pytest.mark.parametrize("prog", [_containers, _module_api], ids=["containers", "module API"])
def test_containers_and_module_api_match_torch(prog):
    torch = require_torch()
    assert outcome(prog, autodiff_lab) == outcome(prog, torch)



# --------------------------------------------------------------------- nn.utils
def _grads_model(torch, scale=1.0):
    # float64, so that the gradients being clipped agree with PyTorch's to the last digits
    model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.Tanh(),
                                torch.nn.Linear(2, 1)).double()
    with torch.no_grad():
        for i, p in enumerate(model.parameters()):
            p.copy_(torch.tensor(_data(tuple(p.shape), seed=20 + i)))
    x = torch.tensor(_data((4, 3), seed=30))
    (model(x).sum() * scale).backward()
    return model


def _clip(torch, **kwargs):
    model = _grads_model(torch, 10.0)
    total = torch.nn.utils.clip_grad_norm_(model.parameters(), **kwargs)
    return round(total.item(), 3), [p.grad.numpy().round(5).tolist() for p in model.parameters()]


UTILS = {
    "clip norm": lambda torch: _clip(torch, max_norm=1.0),
    "clip norm inf": lambda torch: _clip(torch, max_norm=0.5, norm_type=float("inf")),
    "clip norm p=1": lambda torch: _clip(torch, max_norm=2.0, norm_type=1),
    "clip norm no-op": lambda torch: _clip(torch, max_norm=1e6),
    "clip value": lambda torch: [
        (torch.nn.utils.clip_grad_value_(m.parameters(), 0.5),
         [p.grad.numpy().round(5).tolist() for p in m.parameters()])
        for m in [_grads_model(torch, 10.0)]],
    "clip nonfinite": lambda torch: torch.nn.utils.clip_grad_norm_(
        [_inf_grad(torch)], 1.0, error_if_nonfinite=True),
    "clip empty generator": lambda torch: torch.nn.utils.clip_grad_norm_(
        (p for p in []), 1.0),
    "clip no grads": lambda torch: torch.nn.utils.clip_grad_norm_(
        torch.nn.Linear(2, 1).parameters(), 1.0),
    "parameters_to_vector": lambda torch: torch.nn.utils.parameters_to_vector(
        _grads_model(torch).parameters()).grad_fn.name(),
    "vector_to_parameters": lambda torch: [
        (torch.nn.utils.vector_to_parameters(torch.arange(3.0), m.parameters()),
         [p.tolist() for p in m.parameters()]) for m in [torch.nn.Linear(2, 1)]],
}


def _inf_grad(torch):
    w = torch.nn.Parameter(torch.ones(2))
    w.grad = torch.tensor([float("inf"), 1.0])
    return w


@pytest.mark.parametrize("name", sorted(UTILS))
def test_nn_utils_match_torch(name):
    torch = require_torch()
    assert outcome(UTILS[name], autodiff_lab) == outcome(UTILS[name], torch)
