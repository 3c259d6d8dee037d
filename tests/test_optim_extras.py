"""AdamW, RMSprop and the learning-rate schedulers against PyTorch: 20 training steps, the
learning rates each epoch, the warnings and the error texts."""

import types

import numpy as np
import pytest
from conftest import outcome, require_torch
from test_nn_optim import _train

import autodiff_lab

SETTINGS = {
    "adamw": lambda lib, ps: lib.optim.AdamW(ps, lr=0.02),
    "adamw amsgrad": lambda lib, ps: lib.optim.AdamW(ps, lr=0.05, weight_decay=0.2,
                                                     amsgrad=True),
    "rmsprop": lambda lib, ps: lib.optim.RMSprop(ps),
    "rmsprop centered momentum weight decay": lambda lib, ps: lib.optim.RMSprop(
        ps, lr=0.005, alpha=0.9, momentum=0.8, centered=True, weight_decay=0.05),
    "rmsprop maximize momentum": lambda lib, ps: lib.optim.RMSprop(ps, lr=0.001, momentum=0.5,
                                                                   maximize=True),
    "sgd nesterov with StepLR": lambda lib, ps: _scheduled(
        lib, lib.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda opt: lib.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)),
    "adam with ExponentialLR": lambda lib, ps: _scheduled(
        lib, lib.optim.Adam(ps, lr=0.05, weight_decay=0.01),
        lambda opt: lib.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)),
}


def _scheduled(lib, optimizer, make_scheduler):
    """An optimizer whose step() also steps a scheduler (the usual epoch loop, one step each).

    The method is replaced before the scheduler wraps it, as the scheduler expects."""
    step, schedulers = optimizer.step, []

    def step_both(self, closure=None):
        step(closure)
        schedulers[0].step()
    optimizer.step = types.MethodType(step_both, optimizer)
    schedulers.append(make_scheduler(optimizer))
    return optimizer


@pytest.mark.parametrize("setting", sorted(SETTINGS))
@pytest.mark.parametrize("loss_name", ["cross_entropy", "mse"])
def test_twenty_training_steps_match_torch(setting, loss_name):
    torch = require_torch()
    make = SETTINGS[setting]
    ours, theirs = _train(autodiff_lab, make, loss_name), _train(torch, make, loss_name)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-10)
    for key in theirs[1]:
        np.testing.assert_allclose(ours[1][key], theirs[1][key], rtol=1e-10, atol=1e-12,
                                   err_msg=key)


def _lrs(torch, make, epochs=8, early=False):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.ones(1))], "lr": 0.5})
    sched = make(torch.optim.lr_scheduler, opt)
    out = [sched.get_last_lr()]
    for _ in range(epochs):
        if early:
            sched.step()
            opt.step()
        else:
            opt.step()
            sched.step()
        out.append([round(lr, 12) for lr in sched.get_last_lr()])
    return out, sched.last_epoch, [g["initial_lr"] for g in opt.param_groups]


SCHEDULES = {
    "StepLR": lambda torch: _lrs(torch, lambda s, o: s.StepLR(o, step_size=3)),
    "StepLR gamma": lambda torch: _lrs(torch, lambda s, o: s.StepLR(o, 2, gamma=0.5)),
    "MultiStepLR": lambda torch: _lrs(torch, lambda s, o: s.MultiStepLR(o, [2, 5, 5], 0.1)),
    "ExponentialLR": lambda torch: _lrs(torch, lambda s, o: s.ExponentialLR(o, 0.8)),
    "LambdaLR": lambda torch: _lrs(torch, lambda s, o: s.LambdaLR(o, lambda e: 0.9 ** e)),
    "LambdaLR per group": lambda torch: _lrs(torch, lambda s, o: s.LambdaLR(
        o, [lambda e: 1 / (e + 1), lambda e: e])),
    "LambdaLR wrong count": lambda torch: _lrs(torch, lambda s, o: s.LambdaLR(o, [abs])),
    "scheduler before optimizer": lambda torch: _lrs(torch, lambda s, o: s.StepLR(o, 2),
                                                     epochs=3, early=True),
    "not an optimizer": lambda torch: torch.optim.lr_scheduler.StepLR(object(), 2),
    "resume without initial_lr": lambda torch: torch.optim.lr_scheduler.StepLR(
        torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0), 2, last_epoch=3),
    "get_lr outside step": lambda torch: torch.optim.lr_scheduler.StepLR(
        torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0), 2).get_lr(),
    "step with epoch": lambda torch: _epoch_step(torch),
    "rmsprop bad alpha": lambda torch: torch.optim.RMSprop(
        [torch.nn.Parameter(torch.ones(1))], alpha=-0.1),
    "rmsprop bad lr": lambda torch: torch.optim.RMSprop([torch.nn.Parameter(torch.ones(1))],
                                                        lr=-1),
    "adamw repr": lambda torch: torch.optim.AdamW([torch.nn.Parameter(torch.ones(1))]),
    "rmsprop repr": lambda torch: torch.optim.RMSprop([torch.nn.Parameter(torch.ones(1))],
                                                      momentum=0.9),
    "rmsprop state": lambda torch: _rmsprop_state(torch),
}


def _epoch_step(torch):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.ones(1))], lr=1.0)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    opt.step()
    sched.step(5)
    return sched.get_last_lr()


def _rmsprop_state(torch):
    w = torch.nn.Parameter(torch.tensor([1.0, -2.0]))
    opt = torch.optim.RMSprop([w], momentum=0.5, centered=True)
    (w * w).sum().backward()
    opt.step()
    return sorted(opt.state[w]), opt.state[w]["step"], w


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_match_torch(name):
    torch = require_torch()
    assert outcome(SCHEDULES[name], autodiff_lab) == outcome(SCHEDULES[name], torch)


def test_step_lr_literal():
    assert outcome(SCHEDULES["StepLR gamma"], autodiff_lab) == (
        "([[1.0, 0.5], [1.0, 0.5], [0.5, 0.25], [0.5, 0.25], [0.25, 0.125], [0.25, 0.125], "
        "[0.125, 0.0625], [0.125, 0.0625], [0.0625, 0.03125]], 8, [1.0, 0.5])")


def test_import_path_like_torch():
    import autodiff_lab.optim.lr_scheduler as sched
    from autodiff_lab.optim.lr_scheduler import StepLR
    assert sched is autodiff_lab.lr_scheduler and StepLR is sched.StepLR
