"""``nn``, ``nn.functional`` and ``optim`` against PyTorch: values, gradients, graphs, texts.

Programs are written once against ``torch`` and run with both libraries. The printed outcomes
(reprs, error texts, warnings) are literals here: ``test_outcome`` checks autodiff_lab against
them and ``test_torch_agrees`` checks them against real PyTorch. Numeric tests compare float64
values, first and second derivatives with PyTorch and with central finite differences, and a
20-step training loop per optimizer setting.
"""

import copy
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from conftest import numeric_grad, outcome, require_torch

import autodiff_lab
import autodiff_lab.nn.functional as F_adl


def F(torch):
    return torch.nn.functional


def _x(torch):
    return torch.tensor([[1.0, 2.0, 3.0], [1.0, -1.0, 0.0]], requires_grad=True)


def _p(torch, *values):
    return torch.nn.Parameter(torch.tensor(list(values)))


# --------------------------------------------------------------------- programs: functional
FUNCTIONAL = {
    "ce float index target": lambda torch: F(torch).cross_entropy(_x(torch),
                                                                  torch.tensor([0.0, 1.0])),
    "ce float target wrong shape": lambda torch: F(torch).cross_entropy(_x(torch),
                                                                        torch.ones(2, 4)),
    "ce batch mismatch": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([0, 1, 2])),
    "ce target out of bounds": lambda torch: F(torch).cross_entropy(_x(torch),
                                                                    torch.tensor([0, 3])),
    "ce negative target": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([0, -1])),
    "ce int32 target": lambda torch: F(torch).cross_entropy(
        _x(torch), torch.tensor([0, 1], dtype=torch.int32)),
    "ce long probabilities": lambda torch: F(torch).cross_entropy(
        _x(torch), torch.ones(2, 3, dtype=torch.long)),
    "ce bad reduction": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([0, 1]),
                                                             reduction="avg"),
    "ce weight size": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([0, 1]),
                                                           weight=torch.ones(2)),
    "ce weight dtype": lambda torch: F(torch).cross_entropy(
        _x(torch), torch.tensor([0, 1]), weight=torch.ones(3, dtype=torch.float64)),
    "ce 1d input two targets": lambda torch: F(torch).cross_entropy(_x(torch)[0],
                                                                    torch.tensor([0, 1])),
    "ce 3d target size": lambda torch: F(torch).cross_entropy(
        torch.ones(2, 3, 4), torch.zeros(2, 3, dtype=torch.long)),
    "nll 4d target dims": lambda torch: F(torch).nll_loss(torch.ones(2, 3, 4, 5),
                                                          torch.zeros(2, 4, dtype=torch.long)),
    "nll 4d target size": lambda torch: F(torch).nll_loss(torch.ones(2, 3, 4, 5),
                                                          torch.zeros(2, 4, 4, dtype=torch.long)),
    "ce all ignored": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([-100, -100])),
    "ce ignored": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([2, -100])),
    "ce value": lambda torch: F(torch).cross_entropy(_x(torch), torch.tensor([2, 0])),
    "ce probabilities": lambda torch: F(torch).cross_entropy(
        _x(torch), torch.tensor([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])),
    "nll long input": lambda torch: F(torch).nll_loss(torch.ones(2, 3, dtype=torch.long),
                                                      torch.tensor([0, 1])),
    "nll multi target": lambda torch: F(torch).nll_loss(_x(torch),
                                                        torch.zeros(2, 2, dtype=torch.long)),
    "nll 0d input": lambda torch: F(torch).nll_loss(torch.tensor(1.0), torch.tensor(0)),
    "nll none": lambda torch: F(torch).nll_loss(_x(torch), torch.tensor([2, 0]),
                                                reduction="none"),
    "mse broadcast warning": lambda torch: F(torch).mse_loss(
        torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([1.0, 1.0])),
    "mse no broadcast": lambda torch: F(torch).mse_loss(torch.ones(2, 3), torch.ones(2)),
    "mse long": lambda torch: F(torch).mse_loss(torch.tensor([1, 2]), torch.tensor([1, 3])),
    "mse bad reduction": lambda torch: F(torch).mse_loss(torch.ones(2), torch.ones(2),
                                                         reduction="max"),
    "mse value": lambda torch: F(torch).mse_loss(torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
                                                 torch.tensor([1.0, 2.0, 5.0])),
    "mse none": lambda torch: F(torch).mse_loss(torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
                                                torch.tensor([1.0, 2.0, 5.0]), reduction="none"),
    "mse long target": lambda torch: F(torch).mse_loss(torch.tensor([1.0, 2.0]),
                                                       torch.tensor([1, 3])),
    "mse double target": lambda torch: F(torch).mse_loss(
        torch.tensor([1.0, 2.0]), torch.tensor([1.0, 3.0], dtype=torch.float64)),
    "bce size": lambda torch: F(torch).binary_cross_entropy(torch.full((2, 2), 0.5),
                                                            torch.ones(2)),
    "bce dtype": lambda torch: F(torch).binary_cross_entropy(
        torch.full((2,), 0.5), torch.ones(2, dtype=torch.float64)),
    "bce long target": lambda torch: F(torch).binary_cross_entropy(
        torch.full((2,), 0.5), torch.ones(2, dtype=torch.long)),
    "bce input range": lambda torch: F(torch).binary_cross_entropy(torch.tensor([0.5, 1.5]),
                                                                   torch.ones(2)),
    "bce target range": lambda torch: F(torch).binary_cross_entropy(torch.tensor([0.5, 0.5]),
                                                                    torch.tensor([0.0, 2.0])),
    "bce nan input": lambda torch: F(torch).binary_cross_entropy(torch.tensor([float("nan")]),
                                                                 torch.ones(1)),
    "bce clamped log": lambda torch: F(torch).binary_cross_entropy(
        torch.tensor([0.0, 1.0, 0.5], requires_grad=True), torch.tensor([1.0, 0.0, 0.5]),
        reduction="none"),
    "bce value": lambda torch: F(torch).binary_cross_entropy(
        torch.tensor([0.8, 0.1], requires_grad=True), torch.tensor([1.0, 0.0])),
    "bce bad reduction": lambda torch: F(torch).binary_cross_entropy(
        torch.tensor([0.8]), torch.tensor([1.0]), reduction="mena"),
    "bce logits size": lambda torch: F(torch).binary_cross_entropy_with_logits(torch.ones(2, 2),
                                                                              torch.ones(2)),
    "bce logits long target": lambda torch: F(torch).binary_cross_entropy_with_logits(
        torch.ones(2), torch.ones(2, dtype=torch.long)),
    "bce logits bool target": lambda torch: F(torch).binary_cross_entropy_with_logits(
        torch.ones(2), torch.ones(2, dtype=torch.bool)),
    "bce logits stable": lambda torch: F(torch).binary_cross_entropy_with_logits(
        torch.tensor([-200.0, 200.0, 0.0], requires_grad=True), torch.tensor([1.0, 0.0, 0.5]),
        reduction="none"),
    "bce logits double target": lambda torch: F(torch).binary_cross_entropy_with_logits(
        torch.tensor([2.0, -1.0], requires_grad=True),
        torch.tensor([1.0, 0.0], dtype=torch.float64)),
    "bce logits pos_weight": lambda torch: F(torch).binary_cross_entropy_with_logits(
        torch.tensor([2.0, -1.0], requires_grad=True), torch.tensor([1.0, 0.0]),
        pos_weight=torch.tensor([3.0])),
    "linear shapes": lambda torch: F(torch).linear(torch.ones(3, 4), torch.ones(2, 5)),
    "linear 1d shapes": lambda torch: F(torch).linear(torch.ones(4), torch.ones(2, 5),
                                                      torch.ones(2)),
    "linear bias size": lambda torch: F(torch).linear(torch.ones(3, 4), torch.ones(2, 4),
                                                      torch.ones(3)),
    "linear weight double": lambda torch: F(torch).linear(
        torch.ones(3, 4), torch.ones(2, 4, dtype=torch.float64), torch.ones(2)),
    "linear bias double": lambda torch: F(torch).linear(
        torch.ones(3, 4), torch.ones(2, 4), torch.ones(2, dtype=torch.float64)),
    "linear input double": lambda torch: F(torch).linear(
        torch.ones(3, 4, dtype=torch.float64), torch.ones(2, 4), torch.ones(2)),
    "linear input double no bias": lambda torch: F(torch).linear(
        torch.ones(3, 4, dtype=torch.float64), torch.ones(2, 4)),
    "linear module input": lambda torch: torch.nn.Linear(3, 1)(torch.ones(2, 2)),
    "linear value": lambda torch: F(torch).linear(
        torch.tensor([[1.0, 2.0]], requires_grad=True), torch.tensor([[3.0, 4.0], [0.5, -1.0]]),
        torch.tensor([0.5, 0.0])),
    "softmax implicit dim": lambda torch: F(torch).softmax(torch.tensor([[1.0, 2.0],
                                                                        [3.0, 5.0]])),
    "log_softmax implicit dim": lambda torch: F(torch).log_softmax(torch.tensor([1.0, 2.0])),
    "relu inplace": lambda torch: F(torch).relu(torch.tensor([-1.0, 2.0]), inplace=True),
    "relu": lambda torch: F(torch).relu(torch.tensor([-1.0, 2.0], requires_grad=True)),
    "sigmoid": lambda torch: F(torch).sigmoid(torch.tensor([-1.0, 2.0], requires_grad=True)),
    "tanh": lambda torch: F(torch).tanh(torch.tensor([-1.0, 2.0], requires_grad=True)),
    "softmax dtype": lambda torch: F(torch).softmax(torch.tensor([1.0, 2.0], requires_grad=True),
                                                    dim=0, dtype=torch.float64),
}


# --------------------------------------------------------------------- programs: modules
def _net(torch):
    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc1 = torch.nn.Linear(2, 3)
            self.act = torch.nn.Tanh()
            self.body = torch.nn.Sequential(torch.nn.Linear(3, 3), torch.nn.ReLU())
            self.scale = torch.nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.body(self.act(self.fc1(x))) * self.scale
    return Net()


def _fixed_linear(torch, bias=True):
    layer = torch.nn.Linear(3, 2, bias=bias)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.5]]))
        if bias:
            layer.bias.copy_(torch.tensor([0.1, -0.2]))
    return layer


def _load(torch, edit, strict=True):
    net = _net(torch)
    state = net.state_dict()
    edit(torch, state)
    return net.load_state_dict(state, strict=strict)


def _load_ok(torch):
    source, target = _fixed_linear(torch), torch.nn.Linear(3, 2)
    return target.load_state_dict(source.state_dict()), target.weight, target.state_dict()


def _assign(torch, name, value):
    setattr(_net(torch), name, value)


def _before_init(torch, attribute):
    class Bad(torch.nn.Module):
        def __init__(self):
            setattr(self, attribute, torch.nn.Linear(1, 1) if attribute == "fc" else
                    torch.nn.Parameter(torch.ones(1)))
    return Bad()


def _no_forward(torch):
    class Empty(torch.nn.Module):
        pass
    return Empty()(1)


def _zero_grad(torch, set_to_none):
    layer = _fixed_linear(torch)
    layer(torch.ones(1, 3)).sum().backward()
    layer.zero_grad(set_to_none=set_to_none)
    return layer.weight.grad, layer.bias.grad


def _parameter_ops(torch):
    p = _p(torch, 1.0, 2.0)
    q = p * 2
    return q, type(q).__name__, type(p.detach()).__name__, type(p.data).__name__, p.is_leaf


def _train_eval(torch):
    net = _net(torch)
    evaluating = [m.training for m in net.eval().modules()]
    return evaluating, [m.training for m in net.train().modules()]


def _seq(torch, *names):
    return torch.nn.Sequential(*[getattr(torch.nn, name)() for name in names])


MODULES = {
    "parameter": lambda torch: torch.nn.Parameter(torch.tensor([[1.0, 2.0], [3.0, 4.5]])),
    "parameter scalar": lambda torch: torch.nn.Parameter(torch.tensor(2.0)),
    "parameter no grad": lambda torch: torch.nn.Parameter(torch.ones(2), requires_grad=False),
    "parameter double": lambda torch: torch.nn.Parameter(torch.ones(2, dtype=torch.float64)),
    "parameter empty": lambda torch: torch.nn.Parameter(),
    "parameter long": lambda torch: torch.nn.Parameter(torch.tensor([1, 2])),
    "parameter list": lambda torch: torch.nn.Parameter([1.0, 2.0]),
    "parameter ops": _parameter_ops,
    "parameter str": lambda torch: str(_p(torch, 1.0)),
    "linear": lambda torch: torch.nn.Linear(3, 1),
    "linear no bias": lambda torch: (torch.nn.Linear(3, 2, bias=False),
                                     torch.nn.Linear(3, 2, bias=False).bias),
    "linear parameters": lambda torch: list(_fixed_linear(torch).parameters()),
    "linear forward": lambda torch: _fixed_linear(torch)(torch.tensor([[1.0, 2.0, 3.0]])),
    "linear forward no bias": lambda torch: _fixed_linear(torch, bias=False)(
        torch.tensor([[1.0, 2.0, 3.0]])),
    "linear forward 1d": lambda torch: _fixed_linear(torch)(torch.tensor([1.0, 2.0, 3.0])),
    "linear float64": lambda torch: torch.nn.Linear(2, 3, dtype=torch.float64).weight.dtype,
    "sequential": lambda torch: torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(),
                                                    torch.nn.Linear(4, 1), torch.nn.Sigmoid()),
    "sequential nested": lambda torch: torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.Sequential(torch.nn.Tanh(), torch.nn.Linear(4, 4))),
    "sequential ordered dict": lambda torch: torch.nn.Sequential(
        OrderedDict([("hidden", torch.nn.Linear(2, 2)), ("act", torch.nn.ReLU())])),
    "sequential empty": lambda torch: torch.nn.Sequential(),
    "sequential index": lambda torch: (_seq(torch, "ReLU", "Tanh")[-1],
                                       len(_seq(torch, "ReLU", "Tanh"))),
    "sequential slice": lambda torch: _seq(torch, "ReLU", "Tanh", "Sigmoid")[1:],
    "sequential iter": lambda torch: list(_seq(torch, "ReLU", "Tanh")),
    "sequential out of range": lambda torch: _seq(torch, "ReLU")[3],
    "sequential forward": lambda torch: _seq(torch, "ReLU", "Sigmoid")(
        torch.tensor([-1.0, 1.0], requires_grad=True)),
    "activations": lambda torch: [
        torch.nn.ReLU(), torch.nn.ReLU(inplace=True), torch.nn.Tanh(), torch.nn.Sigmoid(),
        torch.nn.Softmax(dim=1), torch.nn.LogSoftmax(dim=1), torch.nn.Softmax(),
        torch.nn.Flatten()],
    "losses": lambda torch: [torch.nn.MSELoss(), torch.nn.MSELoss(reduction="sum"),
                             torch.nn.CrossEntropyLoss(), torch.nn.NLLLoss(), torch.nn.BCELoss(),
                             torch.nn.BCEWithLogitsLoss()],
    "net": _net,
    "named parameters": lambda torch: [name for name, _ in _net(torch).named_parameters()],
    "state dict keys": lambda torch: list(_net(torch).state_dict()),
    "children": lambda torch: [type(m).__name__ for m in _net(torch).children()],
    "modules": lambda torch: [type(m).__name__ for m in _net(torch).modules()],
    "named modules": lambda torch: [name for name, _ in _net(torch).named_modules()],
    "named children": lambda torch: [name for name, _ in _net(torch).named_children()],
    "parameter count": lambda torch: sum(p.numel() for p in _net(torch).parameters()),
    "train eval": _train_eval,
    "load missing": lambda torch: _net(torch).load_state_dict({"fc1.weight": torch.zeros(3, 2)}),
    "load unexpected": lambda torch: _load(
        torch, lambda torch, s: s.update(extra=torch.zeros(1))),
    "load size": lambda torch: _load(
        torch, lambda torch, s: s.update({"fc1.weight": torch.zeros(2, 2)})),
    "load not strict": lambda torch: _load(
        torch, lambda torch, s: [s.pop("scale"), s.update(x=torch.ones(1))], strict=False),
    "load": _load_ok,
    "assign int to module": lambda torch: _assign(torch, "fc1", 3),
    "assign tensor to parameter": lambda torch: _assign(torch, "scale", torch.ones(1)),
    "missing attribute": lambda torch: _net(torch).nonexistent,
    "module before init": lambda torch: _before_init(torch, "fc"),
    "parameter before init": lambda torch: _before_init(torch, "w"),
    "no forward": _no_forward,
    "zero grad to none": lambda torch: _zero_grad(torch, True),
    "zero grad to zeros": lambda torch: _zero_grad(torch, False),
    "mse module": lambda torch: torch.nn.MSELoss(reduction="sum")(
        torch.tensor([1.0, 3.0], requires_grad=True), torch.tensor([1.0, 1.0])),
    "ce module": lambda torch: torch.nn.CrossEntropyLoss()(
        torch.tensor([[2.0, 0.5, -1.0]], requires_grad=True), torch.tensor([0])),
    "ce module weight": lambda torch: torch.nn.CrossEntropyLoss(
        weight=torch.tensor([1.0, 2.0, 3.0]))(
            torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 0.0]], requires_grad=True),
            torch.tensor([0, 2])),
    "nll module": lambda torch: torch.nn.NLLLoss(reduction="none")(
        torch.tensor([[-0.5, -1.0]], requires_grad=True), torch.tensor([1])),
    "bce module": lambda torch: torch.nn.BCELoss()(torch.tensor([0.8, 0.1], requires_grad=True),
                                                   torch.tensor([1.0, 0.0])),
    "bce logits module": lambda torch: torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))(
        torch.tensor([2.0, -1.0], requires_grad=True), torch.tensor([1.0, 0.0])),
}


# --------------------------------------------------------------------- programs: optimizers
def _steps(torch, make, n=2):
    w = _p(torch, 1.0, -2.0)
    opt = make(torch, [w])
    for _ in range(n):
        opt.zero_grad()
        (w * w).sum().backward()
        opt.step()
    return w, opt


def _sgd_state(torch, **settings):
    w, opt = _steps(torch, lambda torch, ps: torch.optim.SGD(ps, **settings))
    return w, dict(opt.state), opt.state_dict()["state"]


def _adam_state(torch, **settings):
    w, opt = _steps(torch, lambda torch, ps: torch.optim.Adam(ps, **settings))
    return w, opt.state[w]


def _opt_zero_grad(torch, set_to_none):
    w = _p(torch, 1.0, -2.0)
    opt = torch.optim.SGD([w], lr=0.1)
    (w * w).sum().backward()
    opt.zero_grad(set_to_none=set_to_none)
    return w.grad


def _groups(torch):
    return torch.optim.SGD([{"params": [_p(torch, 1.0)]}, {"params": [_p(torch, 1.0)], "lr": 0.5}],
                           lr=0.1, momentum=0.9)


def _closure(torch):
    w = _p(torch, 3.0)
    opt = torch.optim.SGD([w], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss
    return opt.step(closure), w


def _step_leaves_graph_alone(torch):
    w, _ = _steps(torch, lambda torch, ps: torch.optim.Adam(ps, lr=0.1), n=1)
    return w, w.grad_fn, w.is_leaf, w.requires_grad


def _same_parameter_twice(torch):
    p = _p(torch, 1.0)
    return torch.optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)


def _duplicate_parameters(torch):
    p = _p(torch, 1.0)
    return len(torch.optim.SGD([p, p], lr=0.1).param_groups[0]["params"])


def _sgd(torch, **settings):
    return torch.optim.SGD([_p(torch, 1.0)], **settings)


def _adam(torch, **settings):
    return torch.optim.Adam([_p(torch, 1.0)], **settings)


OPTIMIZERS = {
    "sgd negative lr": lambda torch: _sgd(torch, lr=-1),
    "sgd negative momentum": lambda torch: _sgd(torch, lr=0.1, momentum=-0.5),
    "sgd negative weight decay": lambda torch: _sgd(torch, lr=0.1, weight_decay=-1),
    "sgd nesterov": lambda torch: _sgd(torch, lr=0.1, nesterov=True),
    "sgd nesterov dampening": lambda torch: _sgd(torch, lr=0.1, momentum=0.9, dampening=0.1,
                                                 nesterov=True),
    "sgd empty": lambda torch: torch.optim.SGD([], lr=0.1),
    "sgd tensor params": lambda torch: torch.optim.SGD(_p(torch, 1.0), lr=0.1),
    "sgd non tensor": lambda torch: torch.optim.SGD([1.0], lr=0.1),
    "sgd non leaf": lambda torch: torch.optim.SGD([_p(torch, 1.0) * 2], lr=0.1),
    "sgd same parameter in two groups": _same_parameter_twice,
    "sgd duplicate parameters": _duplicate_parameters,
    "sgd repr": lambda torch: _sgd(torch, lr=0.1, momentum=0.9),
    "sgd defaults": lambda torch: _sgd(torch).defaults,
    "sgd groups repr": _groups,
    "adam negative lr": lambda torch: _adam(torch, lr=-1),
    "adam eps": lambda torch: _adam(torch, eps=-1e-8),
    "adam beta0": lambda torch: _adam(torch, betas=(1.0, 0.999)),
    "adam beta1": lambda torch: _adam(torch, betas=(0.9, -0.1)),
    "adam weight decay": lambda torch: _adam(torch, weight_decay=-1e-3),
    "adam empty": lambda torch: torch.optim.Adam([]),
    "adam repr": lambda torch: _adam(torch),
    "adam group keys": lambda torch: list(_adam(torch).param_groups[0]),
    "sgd momentum state": lambda torch: _sgd_state(torch, lr=0.1, momentum=0.9),
    "sgd plain state": lambda torch: _sgd_state(torch, lr=0.1),
    "adam state": lambda torch: _adam_state(torch, lr=0.1),
    "adam amsgrad state": lambda torch: _adam_state(torch, lr=0.1, amsgrad=True),
    "optimizer zero grad to none": lambda torch: _opt_zero_grad(torch, True),
    "optimizer zero grad to zeros": lambda torch: _opt_zero_grad(torch, False),
    "closure": _closure,
    "step leaves the graph alone": _step_leaves_graph_alone,
}

PROGRAMS = {**FUNCTIONAL, **MODULES, **OPTIMIZERS}

# The outcomes PyTorch 2.13 gives (with ``torch.`` for ``autodiff_lab.``), see test_torch_agrees.
EXPECTED = {
    "ce float index target":
        "RuntimeError: expected target dtype to be Long or Byte, but got Float",
    "ce float target wrong shape":
        "RuntimeError: 0D or 1D target tensor expected, multi-target not supported",
    "ce batch mismatch":
        "ValueError: Expected input batch_size (2) to match target batch_size (3).",
    "ce target out of bounds": "IndexError: Target 3 is out of bounds.",
    "ce negative target": "IndexError: Target -1 is out of bounds.",
    "ce int32 target": "RuntimeError: expected target dtype to be Long or Byte, but got Int",
    "ce long probabilities":
        ("RuntimeError: Expected floating point type for target with class probabilities, got "
         "Long"),
    "ce bad reduction": "ValueError: avg is not a valid value for reduction",
    "ce weight size":
        ("RuntimeError: weight tensor should be defined either for all 3 classes or no "
         "classes but got weight tensor of shape: [2]"),
    "ce weight dtype": "RuntimeError: expected scalar type Float but found Double",
    "ce 1d input two targets":
        "ValueError: For 1D input, 1D target must have size 1, but got target size: 2",
    "ce 3d target size": "RuntimeError: Expected target size [2, 4], got [2, 3]",
    "nll 4d target dims":
        ("RuntimeError: only batches of spatial targets supported (3D tensors) but got "
         "targets of dimension: 2"),
    "nll 4d target size":
        "RuntimeError: size mismatch (got input: [2, 3, 4, 5] , target: [2, 4, 4]",
    "ce all ignored": "tensor(nan, grad_fn=<NllLossBackward0>)",
    "ce ignored": "tensor(0.4076, grad_fn=<NllLossBackward0>)",
    "ce value": "tensor(0.4076, grad_fn=<NllLossBackward0>)",
    "ce probabilities": "tensor(0.6576, grad_fn=<DivBackward1>)",
    "nll long input": "NotImplementedError: \"nll_loss_out_frame\" not implemented for 'Long'",
    "nll multi target": "RuntimeError: 0D or 1D target tensor expected, multi-target not supported",
    "nll 0d input": "ValueError: Expected 1 or more dimensions (got 0)",
    "nll none": "tensor([-3., -1.], grad_fn=<NllLossBackward0>)",
    "mse broadcast warning":
        ("tensor(3.5000)\nUserWarning: Using a target size (torch.Size([2])) that is "
         "different to the input size (torch.Size([2, 2])). This will likely lead to "
         "incorrect results due to broadcasting. Please ensure they have the same size."),
    "mse no broadcast":
        ("RuntimeError: The size of tensor a (3) must match the size of tensor b (2) at "
         "non-singleton dimension 1\nUserWarning: Using a target size (torch.Size([2])) that "
         "is different to the input size (torch.Size([2, 3])). This will likely lead to "
         "incorrect results due to broadcasting. Please ensure they have the same size."),
    "mse long": "NotImplementedError: \"mse_cpu\" not implemented for 'Long'",
    "mse bad reduction": "ValueError: max is not a valid value for reduction",
    "mse value": "tensor(1.3333, grad_fn=<MseLossBackward0>)",
    "mse none": "tensor([0., 0., 4.], grad_fn=<MseLossBackward0>)",
    "mse long target": "tensor(0.5000)",
    "mse double target": "tensor(0.5000, dtype=torch.float64)",
    "bce size":
        ("ValueError: Using a target size (torch.Size([2])) that is different to the input "
         "size (torch.Size([2, 2])) is deprecated. Please ensure they have the same size."),
    "bce dtype": "RuntimeError: Found dtype Double but expected Float",
    "bce long target": "RuntimeError: Found dtype Long but expected Float",
    "bce input range": "RuntimeError: all elements of input should be between 0 and 1",
    "bce target range": "RuntimeError: all elements of target should be between 0 and 1",
    "bce nan input": "RuntimeError: all elements of input should be between 0 and 1",
    "bce clamped log":
        "tensor([100.0000, 100.0000,   0.6931], grad_fn=<BinaryCrossEntropyBackward0>)",
    "bce value": "tensor(0.1643, grad_fn=<BinaryCrossEntropyBackward0>)",
    "bce bad reduction": "ValueError: mena is not a valid value for reduction",
    "bce logits size":
        ("ValueError: Target size (torch.Size([2])) must be the same as input size "
         "(torch.Size([2, 2]))"),
    "bce logits long target":
        "RuntimeError: result type Float can't be cast to the desired output type Long",
    "bce logits bool target":
        ("RuntimeError: Subtraction, the `-` operator, with two bool tensors is not "
         "supported. Use the `^` or `logical_xor()` operator instead."),
    "bce logits stable":
        ("tensor([200.0000, 200.0000,   0.6931],\n       "
         "grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)"),
    "bce logits double target":
        ("tensor(0.2201, dtype=torch.float64,\n       "
         "grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)"),
    "bce logits pos_weight": "tensor(0.3470, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)",
    "linear shapes": "RuntimeError: mat1 and mat2 shapes cannot be multiplied (3x4 and 5x2)",
    "linear 1d shapes": "RuntimeError: mat1 and mat2 shapes cannot be multiplied (1x4 and 5x2)",
    "linear bias size":
        ("RuntimeError: The expanded size of the tensor (2) must match the existing size (3) "
         "at non-singleton dimension 1.  Target sizes: [3, 2].  Tensor sizes: [3]"),
    "linear weight double":
        "RuntimeError: self and mat2 must have the same dtype, but got Float and Double",
    "linear bias double":
        "RuntimeError: self and mat2 must have the same dtype, but got Double and Float",
    "linear input double":
        "RuntimeError: mat1 and mat2 must have the same dtype, but got Double and Float",
    "linear input double no bias":
        "RuntimeError: expected m1 and m2 to have the same dtype, but got: double != float",
    "linear module input": "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x2 and 3x1)",
    "linear value": "tensor([[11.5000, -1.5000]], grad_fn=<AddmmBackward0>)",
    "softmax implicit dim":
        ("tensor([[0.2689, 0.7311],\n        [0.1192, 0.8808]])\nUserWarning: Implicit "
         "dimension choice for softmax has been deprecated. Change the call to include dim=X "
         "as an argument."),
    "log_softmax implicit dim":
        ("tensor([-1.3133, -0.3133])\nUserWarning: Implicit dimension choice for log_softmax "
         "has been deprecated. Change the call to include dim=X as an argument."),
    "relu inplace": "tensor([0., 2.])",
    "relu": "tensor([0., 2.], grad_fn=<ReluBackward0>)",
    "sigmoid": "tensor([0.2689, 0.8808], grad_fn=<SigmoidBackward0>)",
    "tanh": "tensor([-0.7616,  0.9640], grad_fn=<TanhBackward0>)",
    "softmax dtype": "tensor([0.2689, 0.7311], dtype=torch.float64, grad_fn=<SoftmaxBackward0>)",
    "parameter":
        ("Parameter containing:\ntensor([[1.0000, 2.0000],\n        [3.0000, 4.5000]], "
         "requires_grad=True)"),
    "parameter scalar": "Parameter containing:\ntensor(2., requires_grad=True)",
    "parameter no grad": "Parameter containing:\ntensor([1., 1.])",
    "parameter double":
        "Parameter containing:\ntensor([1., 1.], dtype=torch.float64, requires_grad=True)",
    "parameter empty": "Parameter containing:\ntensor([], requires_grad=True)",
    "parameter long":
        "RuntimeError: Only Tensors of floating point and complex dtype can require gradients",
    "parameter list": "AttributeError: 'list' object has no attribute 'detach'",
    "parameter ops":
        "(tensor([2., 4.], grad_fn=<MulBackward0>), 'Tensor', 'Tensor', 'Tensor', True)",
    "parameter str": "'Parameter containing:\\ntensor([1.], requires_grad=True)'",
    "linear": "Linear(in_features=3, out_features=1, bias=True)",
    "linear no bias": "(Linear(in_features=3, out_features=2, bias=False), None)",
    "linear parameters":
        ("[Parameter containing:\ntensor([[ 0.5000, -1.0000,  2.0000],\n        [ 1.5000,  "
         "0.2500, -0.5000]], requires_grad=True), Parameter containing:\ntensor([ 0.1000, "
         "-0.2000], requires_grad=True)]"),
    "linear forward": "tensor([[4.6000, 0.3000]], grad_fn=<AddmmBackward0>)",
    "linear forward no bias": "tensor([[4.5000, 0.5000]], grad_fn=<MmBackward0>)",
    "linear forward 1d": "tensor([4.6000, 0.3000], grad_fn=<ViewBackward0>)",
    "linear float64": "torch.float64",
    "sequential":
        ("Sequential(\n  (0): Linear(in_features=2, out_features=4, bias=True)\n  (1): "
         "ReLU()\n  (2): Linear(in_features=4, out_features=1, bias=True)\n  (3): Sigmoid()\n)"),
    "sequential nested":
        ("Sequential(\n  (0): Linear(in_features=2, out_features=4, bias=True)\n  (1): "
         "Sequential(\n    (0): Tanh()\n    (1): Linear(in_features=4, out_features=4, "
         "bias=True)\n  )\n)"),
    "sequential ordered dict":
        ("Sequential(\n  (hidden): Linear(in_features=2, out_features=2, bias=True)\n  (act): "
         "ReLU()\n)"),
    "sequential empty": "Sequential()",
    "sequential index": "(Tanh(), 2)",
    "sequential slice": "Sequential(\n  (1): Tanh()\n  (2): Sigmoid()\n)",
    "sequential iter": "[ReLU(), Tanh()]",
    "sequential out of range": "IndexError: index 3 is out of range",
    "sequential forward": "tensor([0.5000, 0.7311], grad_fn=<SigmoidBackward0>)",
    "activations":
        ("[ReLU(), ReLU(inplace=True), Tanh(), Sigmoid(), Softmax(dim=1), LogSoftmax(dim=1), "
         "Softmax(dim=None), Flatten(start_dim=1, end_dim=-1)]"),
    "losses":
        ("[MSELoss(), MSELoss(), CrossEntropyLoss(), NLLLoss(), BCELoss(), "
         "BCEWithLogitsLoss()]"),
    "net":
        ("Net(\n  (fc1): Linear(in_features=2, out_features=3, bias=True)\n  (act): Tanh()\n  "
         "(body): Sequential(\n    (0): Linear(in_features=3, out_features=3, bias=True)\n    "
         "(1): ReLU()\n  )\n)"),
    "named parameters": "['scale', 'fc1.weight', 'fc1.bias', 'body.0.weight', 'body.0.bias']",
    "state dict keys": "['scale', 'fc1.weight', 'fc1.bias', 'body.0.weight', 'body.0.bias']",
    "children": "['Linear', 'Tanh', 'Sequential']",
    "modules": "['Net', 'Linear', 'Tanh', 'Sequential', 'Linear', 'ReLU']",
    "named modules": "['', 'fc1', 'act', 'body', 'body.0', 'body.1']",
    "named children": "['fc1', 'act', 'body']",
    "parameter count": "22",
    "train eval":
        "([False, False, False, False, False, False], [True, True, True, True, True, True])",
    "load missing":
        ("RuntimeError: Error(s) in loading state_dict for Net:\n\tMissing key(s) in "
         "state_dict: \"scale\", \"fc1.bias\", \"body.0.weight\", \"body.0.bias\". "),
    "load unexpected":
        ("RuntimeError: Error(s) in loading state_dict for Net:\n\tUnexpected key(s) in "
         "state_dict: \"extra\". "),
    "load size":
        ("RuntimeError: Error(s) in loading state_dict for Net:\n\tsize mismatch for "
         "fc1.weight: copying a param with shape torch.Size([2, 2]) from checkpoint, the "
         "shape in current model is torch.Size([3, 2])."),
    "load not strict": "_IncompatibleKeys(missing_keys=['scale'], unexpected_keys=['x'])",
    "load":
        ("(<All keys matched successfully>, Parameter containing:\ntensor([[ 0.5000, "
         "-1.0000,  2.0000],\n        [ 1.5000,  0.2500, -0.5000]], requires_grad=True), "
         "OrderedDict([('weight', tensor([[ 0.5000, -1.0000,  2.0000],\n        [ 1.5000,  "
         "0.2500, -0.5000]])), ('bias', tensor([ 0.1000, -0.2000]))]))"),
    "assign int to module":
        ("TypeError: cannot assign 'int' as child module 'fc1' (torch.nn.Module or None "
         "expected)"),
    "assign tensor to parameter":
        ("TypeError: cannot assign 'torch.FloatTensor' as parameter 'scale' "
         "(torch.nn.Parameter or None expected)"),
    "missing attribute": "AttributeError: 'Net' object has no attribute 'nonexistent'",
    "module before init": "AttributeError: cannot assign module before Module.__init__() call",
    "parameter before init":
        "AttributeError: cannot assign parameters before Module.__init__() call",
    "no forward":
        "NotImplementedError: Module [Empty] is missing the required \"forward\" function",
    "zero grad to none": "(None, None)",
    "zero grad to zeros": "(tensor([[0., 0., 0.],\n        [0., 0., 0.]]), tensor([0., 0.]))",
    "mse module": "tensor(4., grad_fn=<MseLossBackward0>)",
    "ce module": "tensor(0.2413, grad_fn=<NllLossBackward0>)",
    "ce module weight": "tensor(1.2239, grad_fn=<NllLossBackward0>)",
    "nll module": "tensor([1.], grad_fn=<NllLossBackward0>)",
    "bce module": "tensor(0.1643, grad_fn=<BinaryCrossEntropyBackward0>)",
    "bce logits module": "tensor(0.2836, grad_fn=<BinaryCrossEntropyWithLogitsBackward0>)",
    "sgd negative lr": "ValueError: Invalid learning rate: -1",
    "sgd negative momentum": "ValueError: Invalid momentum value: -0.5",
    "sgd negative weight decay": "ValueError: Invalid weight_decay value: -1",
    "sgd nesterov": "ValueError: Nesterov momentum requires a momentum and zero dampening",
    "sgd nesterov dampening":
        "ValueError: Nesterov momentum requires a momentum and zero dampening",
    "sgd empty": "ValueError: optimizer got an empty parameter list",
    "sgd tensor params":
        ("TypeError: params argument given to the optimizer should be an iterable of Tensors "
         "or dicts, but got torch.FloatTensor"),
    "sgd non tensor":
        "TypeError: optimizer can only optimize Tensors, but one of the params is float",
    "sgd non leaf": "ValueError: can't optimize a non-leaf Tensor",
    "sgd same parameter in two groups":
        "ValueError: some parameters appear in more than one parameter group",
    "sgd duplicate parameters":
        ("2\nUserWarning: optimizer contains a parameter group with duplicate parameters; in "
         "future, this will cause an error; see github.com/pytorch/pytorch/issues/40967 for "
         "more information"),
    "sgd repr":
        ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: "
         "None\n    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    "
         "nesterov: False\n    weight_decay: 0\n)"),
    "sgd defaults":
        ("{'lr': 0.001, 'momentum': 0, 'dampening': 0, 'weight_decay': 0, 'nesterov': False, "
         "'maximize': False, 'foreach': None, 'differentiable': False, 'fused': None}"),
    "sgd groups repr":
        ("SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n    foreach: "
         "None\n    fused: None\n    lr: 0.1\n    maximize: False\n    momentum: 0.9\n    "
         "nesterov: False\n    weight_decay: 0\n\nParameter Group 1\n    dampening: 0\n    "
         "differentiable: False\n    foreach: None\n    fused: None\n    lr: 0.5\n    "
         "maximize: False\n    momentum: 0.9\n    nesterov: False\n    weight_decay: 0\n)"),
    "adam negative lr": "ValueError: Invalid learning rate: -1",
    "adam eps": "ValueError: Invalid epsilon value: -1e-08",
    "adam beta0": "ValueError: Invalid beta parameter at index 0: 1.0",
    "adam beta1": "ValueError: Invalid beta parameter at index 1: -0.1",
    "adam weight decay": "ValueError: Invalid weight_decay value: -0.001",
    "adam empty": "ValueError: optimizer got an empty parameter list",
    "adam repr":
        ("Adam (\nParameter Group 0\n    amsgrad: False\n    betas: (0.9, 0.999)\n    "
         "capturable: False\n    decoupled_weight_decay: False\n    differentiable: "
         "False\n    eps: 1e-08\n    foreach: None\n    fused: None\n    lr: 0.001\n    "
         "maximize: False\n    weight_decay: 0\n)"),
    "adam group keys":
        ("['params', 'lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'maximize', 'foreach', "
         "'capturable', 'differentiable', 'fused', 'decoupled_weight_decay']"),
    "sgd momentum state":
        ("(Parameter containing:\ntensor([ 0.4600, -0.9200], requires_grad=True), {Parameter "
         "containing:\ntensor([ 0.4600, -0.9200], requires_grad=True): {'momentum_buffer': "
         "tensor([ 3.4000, -6.8000])}}, {0: {'momentum_buffer': tensor([ 3.4000, -6.8000])}})"),
    "sgd plain state":
        "(Parameter containing:\ntensor([ 0.6400, -1.2800], requires_grad=True), {}, {})",
    "adam state":
        ("(Parameter containing:\ntensor([ 0.8004, -1.8002], requires_grad=True), {'step': "
         "tensor(2.), 'exp_avg': tensor([ 0.3600, -0.7400]), 'exp_avg_sq': tensor([0.0072, "
         "0.0304])})"),
    "adam amsgrad state":
        ("(Parameter containing:\ntensor([ 0.8004, -1.8002], requires_grad=True), {'step': "
         "tensor(2.), 'exp_avg': tensor([ 0.3600, -0.7400]), 'exp_avg_sq': tensor([0.0072, "
         "0.0304]), 'max_exp_avg_sq': tensor([0.0072, 0.0304])})"),
    "optimizer zero grad to none": "None",
    "optimizer zero grad to zeros": "tensor([0., 0.])",
    "closure":
        ("(tensor(9., grad_fn=<SumBackward0>), Parameter containing:\ntensor([2.4000], "
         "requires_grad=True))"),
    "step leaves the graph alone":
        ("(Parameter containing:\ntensor([ 0.9000, -1.9000], requires_grad=True), None, True, "
         "True)"),
}


@pytest.mark.parametrize("name", PROGRAMS)
def test_outcome(name):
    assert outcome(PROGRAMS[name], autodiff_lab) == EXPECTED[name]


@pytest.mark.parametrize("name", PROGRAMS)
def test_torch_agrees(name):
    assert outcome(PROGRAMS[name], require_torch()) == EXPECTED[name]


# --------------------------------------------------------------------- numeric: losses and layers
def _uniform(low, high, shape, seed):
    return np.random.default_rng(seed).uniform(low, high, size=shape)


def _normal(shape, seed, scale=1.0):
    return np.random.default_rng(seed).normal(scale=scale, size=shape)


def _softmax_rows(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def _quiet_mse(torch, r, x, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the broadcast warning is checked in EXPECTED
        return F(torch).mse_loss(x, y, reduction=r)


# name: (program(torch, reduction, *leaves), leaf arrays); every leaf is float64 and requires grad
LOSSES = {
    "mse": (lambda torch, r, x, y: F(torch).mse_loss(x, y, reduction=r),
            [_normal((3, 4), 1), _normal((3, 4), 2)]),
    "mse broadcast target": (_quiet_mse, [_normal((3, 4), 3), _normal((4,), 4)]),
    "cross_entropy": (lambda torch, r, x: F(torch).cross_entropy(
        x, torch.tensor([0, 2, 1, 2]), reduction=r), [_normal((4, 3), 5, 2.0)]),
    "cross_entropy weight ignore_index": (lambda torch, r, x: F(torch).cross_entropy(
        x, torch.tensor([0, -100, 1, 2]), weight=torch.tensor([1.0, 2.0, 0.5], dtype=x.dtype),
        reduction=r), [_normal((4, 3), 6)]),
    "cross_entropy 3d": (lambda torch, r, x: F(torch).cross_entropy(
        x, torch.tensor([[0, 1, 2, 1], [2, 2, 0, 1]]), reduction=r), [_normal((2, 3, 4), 7)]),
    "cross_entropy 4d": (lambda torch, r, x: F(torch).cross_entropy(
        x, torch.tensor([[[0, 1], [2, 1]], [[2, 2], [0, 1]]]), reduction=r),
        [_normal((2, 3, 2, 2), 41)]),
    "cross_entropy 1d": (lambda torch, r, x: F(torch).cross_entropy(
        x, torch.tensor(1), reduction=r), [_normal((5,), 8)]),
    "cross_entropy probabilities": (lambda torch, r, x, p: F(torch).cross_entropy(
        x, p, reduction=r), [_normal((4, 3), 9), _softmax_rows(_normal((4, 3), 10))]),
    "cross_entropy probabilities weight": (lambda torch, r, x, p: F(torch).cross_entropy(
        x, p, weight=torch.tensor([0.5, 1.0, 2.0], dtype=x.dtype), reduction=r),
        [_normal((4, 3), 11), _softmax_rows(_normal((4, 3), 12))]),
    "nll_loss": (lambda torch, r, x: F(torch).nll_loss(x, torch.tensor([1, 0, 2]), reduction=r),
                 [_normal((3, 3), 13)]),
    "binary_cross_entropy": (lambda torch, r, p, y: F(torch).binary_cross_entropy(
        p, y, reduction=r), [_uniform(0.05, 0.95, (3, 2), 14), _uniform(0, 1, (3, 2), 15)]),
    "binary_cross_entropy weight": (lambda torch, r, p, y: F(torch).binary_cross_entropy(
        p, y, weight=torch.tensor([0.5, 2.0], dtype=p.dtype), reduction=r),
        [_uniform(0.05, 0.95, (3, 2), 16), _uniform(0, 1, (3, 2), 17)]),
    "binary_cross_entropy_with_logits": (
        lambda torch, r, x, y: F(torch).binary_cross_entropy_with_logits(x, y, reduction=r),
        [_normal((3, 2), 18, 3.0), _uniform(0, 1, (3, 2), 19)]),
    "binary_cross_entropy_with_logits weights": (
        lambda torch, r, x, y: F(torch).binary_cross_entropy_with_logits(
            x, y, weight=torch.tensor([[2.0], [1.0], [0.5]], dtype=x.dtype),
            pos_weight=torch.tensor([3.0, 0.5], dtype=x.dtype), reduction=r),
        [_normal((3, 2), 20, 3.0), _uniform(0, 1, (3, 2), 21)]),
}
REDUCTIONS = ("mean", "sum", "none")
LOSS_CASES = [(name, r) for name in LOSSES for r in REDUCTIONS]

LAYERS = {
    "linear": (lambda torch, r, x, w, b: F(torch).linear(x, w, b),
               [_normal((4, 3), 22), _normal((2, 3), 23), _normal((2,), 24)]),
    "linear no bias": (lambda torch, r, x, w: F(torch).linear(x, w),
                       [_normal((4, 3), 25), _normal((2, 3), 26)]),
    "linear 3d": (lambda torch, r, x, w, b: F(torch).linear(x, w, b),
                  [_normal((2, 2, 3), 27), _normal((2, 3), 28), _normal((2,), 29)]),
    "linear 3d no bias": (lambda torch, r, x, w: F(torch).linear(x, w),
                          [_normal((2, 2, 3), 30), _normal((2, 3), 31)]),
    "linear 1d": (lambda torch, r, x, w, b: F(torch).linear(x, w, b),
                  [_normal((3,), 32), _normal((2, 3), 33), _normal((2,), 34)]),
    "relu": (lambda torch, r, x: F(torch).relu(x), [_normal((2, 3), 35) + 0.05]),
    "sigmoid": (lambda torch, r, x: F(torch).sigmoid(x), [_normal((2, 3), 36)]),
    "tanh": (lambda torch, r, x: F(torch).tanh(x), [_normal((2, 3), 37)]),
    "softmax": (lambda torch, r, x: F(torch).softmax(x, dim=1), [_normal((2, 3), 38)]),
    "log_softmax": (lambda torch, r, x: F(torch).log_softmax(x, dim=0), [_normal((2, 3), 39)]),
    "Linear + Tanh module": (lambda torch, r, x: _fixed_linear(torch).to(x.dtype)(x).tanh(),
                             [_normal((4, 3), 40)]),
}
LAYER_CASES = [(name, None) for name in LAYERS]
ALL_CASES = LOSS_CASES + LAYER_CASES


def _case(name):
    return LOSSES[name] if name in LOSSES else LAYERS[name]


def _leaves(lib, arrays, dtype):
    return [lib.tensor(a, dtype=getattr(lib, dtype), requires_grad=True) for a in arrays]


def _graph(node):
    """The backward graph below ``node`` as nested (name, children) tuples."""
    if node is None:
        return None
    return (type(node).__name__, tuple(_graph(child) for child, _ in node.next_functions))


def _derivatives(lib, name, reduction, dtype="float64"):
    """Value, grad_fn graph, first derivatives and second derivatives (as NumPy arrays)."""
    program, arrays = _case(name)
    leaves = _leaves(lib, arrays, dtype)
    out = program(lib, reduction, *leaves)
    r = np.random.default_rng(99)
    w = lib.tensor(r.normal(size=tuple(out.shape)), dtype=out.dtype)
    vs = [lib.tensor(r.normal(size=a.shape), dtype=leaves[0].dtype) for a in arrays]
    grads = lib.autograd.grad((out * w).sum(), leaves, create_graph=True, allow_unused=True)
    total = sum((g * v).sum() for g, v in zip(grads, vs) if g is not None)
    second = [None] * len(leaves)
    if getattr(total, "requires_grad", False):
        second = lib.autograd.grad(total, leaves, allow_unused=True)

    def arr(t, like):
        return np.zeros(like.shape) if t is None else t.detach().numpy().astype(np.float64)
    return (out.detach().numpy(), str(out.dtype).split(".")[-1], _graph(out.grad_fn),
            [arr(g, a) for g, a in zip(grads, arrays)], [arr(g, a) for g, a in zip(second, arrays)])


@pytest.mark.parametrize("name, reduction", ALL_CASES)
def test_values_gradients_and_graph_match_torch(name, reduction):
    torch = require_torch()
    ours, theirs = _derivatives(autodiff_lab, name, reduction), _derivatives(torch, name, reduction)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-12, atol=1e-12)
    assert ours[1:3] == theirs[1:3]  # dtype and the grad_fn graph, node by node
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)
    for a, b in zip(ours[4], theirs[4]):  # PyTorch's second-order formulas differ in rounding
        np.testing.assert_allclose(a, b, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("name, reduction", ALL_CASES)
def test_float32_matches_torch(name, reduction):
    torch = require_torch()
    ours = _derivatives(autodiff_lab, name, reduction, "float32")
    theirs = _derivatives(torch, name, reduction, "float32")
    np.testing.assert_allclose(ours[0], theirs[0], rtol=2e-6, atol=1e-6)
    assert ours[1] == theirs[1] == "float32"
    for a, b in zip(ours[3], theirs[3]):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name, reduction", ALL_CASES)
def test_finite_differences_first_and_second_order(name, reduction):
    program, arrays = _case(name)
    leaves = _leaves(autodiff_lab, arrays, "float64")
    r = np.random.default_rng(5)
    out = program(autodiff_lab, reduction, *leaves)
    w = autodiff_lab.tensor(r.normal(size=tuple(out.shape)), dtype=autodiff_lab.float64)
    vs = [r.normal(size=a.shape) for a in arrays]

    def loss():
        with autodiff_lab.no_grad():
            return float((program(autodiff_lab, reduction, *leaves) * w).sum())

    def grad_dot_v():
        y = (program(autodiff_lab, reduction, *leaves) * w).sum()
        grads = autodiff_lab.autograd.grad(y, leaves, allow_unused=True)
        return sum(float((g.numpy() * v).sum()) for g, v in zip(grads, vs) if g is not None)

    grads = autodiff_lab.autograd.grad((out * w).sum(), leaves, create_graph=True)
    total = sum((g * autodiff_lab.tensor(v)).sum() for g, v in zip(grads, vs))
    second = autodiff_lab.autograd.grad(total, leaves, allow_unused=True) \
        if total.requires_grad else [None] * len(leaves)
    for leaf, g, h in zip(leaves, grads, second):
        np.testing.assert_allclose(g.detach().numpy(), numeric_grad(loss, leaf._data),
                                   rtol=1e-6, atol=1e-7)
        h = np.zeros(leaf.shape) if h is None else h.numpy()
        np.testing.assert_allclose(h, numeric_grad(grad_dot_v, leaf._data),
                                   rtol=1e-5, atol=1e-6)


# --------------------------------------------------------------------- training loops
def _model(lib, dtype):
    return lib.nn.Sequential(lib.nn.Linear(3, 5), lib.nn.Tanh(), lib.nn.Linear(5, 3)).to(dtype)


_START = {k: np.random.default_rng(7).uniform(-0.5, 0.5, size=shape) for k, shape in [
    ("0.weight", (5, 3)), ("0.bias", (5,)), ("2.weight", (3, 5)), ("2.bias", (3,))]}
_X = np.random.default_rng(8).normal(size=(8, 3))
_CLASSES = np.array([0, 2, 1, 1, 0, 2, 2, 1])
_TARGETS = np.random.default_rng(9).normal(size=(8, 3))


def _train(lib, make_optimizer, loss_name, dtype="float64", steps=20):
    """A beginner's training loop; returns the losses and the final parameters."""
    dt = getattr(lib, dtype)
    model = _model(lib, dt)
    model.load_state_dict({k: lib.tensor(v, dtype=dt) for k, v in _START.items()})
    optimizer = make_optimizer(lib, model.parameters())
    x = lib.tensor(_X, dtype=dt)
    if loss_name == "cross_entropy":
        criterion, y = lib.nn.CrossEntropyLoss(), lib.tensor(_CLASSES)
    else:
        criterion, y = lib.nn.MSELoss(), lib.tensor(_TARGETS, dtype=dt)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = criterion(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses, {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}


OPTIMIZER_SETTINGS = {
    "sgd": lambda lib, ps: lib.optim.SGD(ps, lr=0.5),
    "sgd momentum": lambda lib, ps: lib.optim.SGD(ps, lr=0.1, momentum=0.9),
    "sgd nesterov weight decay": lambda lib, ps: lib.optim.SGD(
        ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01),
    "sgd dampening maximize": lambda lib, ps: lib.optim.SGD(
        ps, lr=0.01, momentum=0.5, dampening=0.3, maximize=True),
    "adam": lambda lib, ps: lib.optim.Adam(ps, lr=0.01),
    "adam amsgrad weight decay": lambda lib, ps: lib.optim.Adam(
        ps, lr=0.05, betas=(0.8, 0.99), weight_decay=0.1, amsgrad=True),
    "adamw": lambda lib, ps: lib.optim.Adam(ps, lr=0.02, weight_decay=0.1,
                                            decoupled_weight_decay=True),
    "adam small beta1": lambda lib, ps: lib.optim.Adam(ps, lr=0.01, betas=(0.3, 0.9), eps=1e-6),
}


@pytest.mark.parametrize("setting", OPTIMIZER_SETTINGS)
@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
def test_twenty_training_steps_match_torch(setting, loss_name):
    torch = require_torch()
    make = OPTIMIZER_SETTINGS[setting]
    ours, theirs = _train(autodiff_lab, make, loss_name), _train(torch, make, loss_name)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    assert list(ours[1]) == list(theirs[1])
    for key in theirs[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-10, atol=1e-12,
                                   err_msg=key)


@pytest.mark.parametrize("setting", ["sgd momentum", "adam"])
def test_float32_training_matches_torch(setting):
    torch = require_torch()
    make = OPTIMIZER_SETTINGS[setting]
    ours = _train(autodiff_lab, make, "cross_entropy", "float32")
    theirs = _train(torch, make, "cross_entropy", "float32")
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    for key in theirs[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-4, atol=1e-6)


def test_training_reduces_the_loss_and_matches_the_update_formula():
    losses, _ = _train(autodiff_lab, OPTIMIZER_SETTINGS["adam"], "cross_entropy")
    assert losses[-1] < losses[0]
    # One SGD step by hand: p <- p - lr * grad.
    w = autodiff_lab.nn.Parameter(autodiff_lab.tensor([1.0, -2.0], dtype=autodiff_lab.float64))
    opt = autodiff_lab.optim.SGD([w], lr=0.25)
    (w ** 3).sum().backward()
    opt.step()
    assert w.tolist() == [1.0 - 0.25 * 3.0, -2.0 - 0.25 * 12.0]


def test_state_dicts_resume_training_exactly():
    make = OPTIMIZER_SETTINGS["adam amsgrad weight decay"]
    straight = _train(autodiff_lab, make, "mse", steps=6)[1]

    model = _model(autodiff_lab, autodiff_lab.float64)
    model.load_state_dict({k: autodiff_lab.tensor(v) for k, v in _START.items()})
    x, y = autodiff_lab.tensor(_X), autodiff_lab.tensor(_TARGETS)
    optimizer = make(autodiff_lab, model.parameters())

    def step(model, optimizer):
        optimizer.zero_grad()
        autodiff_lab.nn.functional.mse_loss(model(x), y).backward()
        optimizer.step()
    for _ in range(3):
        step(model, optimizer)
    saved_model, saved_optimizer = copy.deepcopy(model.state_dict()), optimizer.state_dict()
    resumed = _model(autodiff_lab, autodiff_lab.float64)
    resumed.load_state_dict(saved_model)
    resumed_optimizer = make(autodiff_lab, resumed.parameters())
    resumed_optimizer.load_state_dict(saved_optimizer)
    assert resumed_optimizer.state_dict()["state"][0]["step"].item() == 3.0
    for _ in range(3):
        step(resumed, resumed_optimizer)
    for key, value in resumed.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), straight[key], err_msg=key)


def test_module_double_keeps_the_parameters_an_optimizer_holds():
    model = autodiff_lab.nn.Linear(2, 1)
    weight = model.weight
    optimizer = autodiff_lab.optim.SGD(model.parameters(), lr=0.1)
    assert model.double() is model and model.weight is weight
    assert weight.dtype is autodiff_lab.float64 and type(weight).__name__ == "Parameter"
    model(autodiff_lab.ones(3, 2, dtype=autodiff_lab.float64)).sum().backward()
    before = weight.detach().clone()
    optimizer.step()
    np.testing.assert_allclose(weight.detach().numpy(), (before - 0.1 * 3.0).numpy())
    assert model.float().weight.dtype is autodiff_lab.float32


def test_requires_grad_and_parameter_sharing():
    shared = autodiff_lab.nn.Linear(2, 2)
    net = autodiff_lab.nn.Sequential(shared, autodiff_lab.nn.ReLU(), shared)
    assert len(list(net.parameters())) == 2  # a module used twice is counted once
    net.requires_grad_(False)
    assert not any(p.requires_grad for p in net.parameters())
    data = autodiff_lab.tensor([1.0, 2.0])
    p = autodiff_lab.nn.Parameter(data)
    p.data.mul_(2)
    assert data.tolist() == [2.0, 4.0]  # a Parameter shares its tensor's storage


# --------------------------------------------------------------------- Linear initialisation
def test_linear_init_uses_pytorch_bounds():
    autodiff_lab.manual_seed(0)
    layer = autodiff_lab.nn.Linear(100, 400)
    bound = 1 / np.sqrt(100)
    for p in (layer.weight, layer.bias):
        values = p.detach().numpy()
        assert values.dtype == np.float32 and values.min() >= -bound and values.max() <= bound
        # Uniform over the whole interval: the extremes come close to the bounds.
        assert values.min() < -0.97 * bound and values.max() > 0.97 * bound
    assert abs(layer.weight.detach().numpy().mean()) < 0.003
    np.testing.assert_allclose(layer.weight.detach().numpy().std(), bound / np.sqrt(3), rtol=0.02)
    autodiff_lab.manual_seed(0)
    again = autodiff_lab.nn.Linear(100, 400)
    np.testing.assert_array_equal(again.weight.detach().numpy(), layer.weight.detach().numpy())


def test_linear_with_no_inputs_warns_like_pytorch():
    with pytest.warns(UserWarning, match="^Initializing zero-element tensors is a no-op$"):
        layer = autodiff_lab.nn.Linear(0, 3)
    assert layer.bias.tolist() == [0.0, 0.0, 0.0]


def test_functional_is_importable_both_ways():
    import autodiff_lab.nn.functional as F_module
    from autodiff_lab.nn import functional
    assert F_module is functional is F_adl is autodiff_lab.nn.functional
    assert autodiff_lab.optim.SGD.__module__ == "autodiff_lab.optim"
