"""``autodiff_lab.nn``: modules, parameters, initialisers and ``functional``, shaped like torch.nn.

>>> import autodiff_lab as torch
>>> import autodiff_lab.nn.functional as F
>>> model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
>>> F.binary_cross_entropy(model(torch.ones(4, 2)), torch.ones(4, 1)).grad_fn.name()
'BinaryCrossEntropyBackward0'
"""

from . import functional, init
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .layers import (ELU, GELU, Dropout, Flatten, Identity, LeakyReLU, Linear, LogSoftmax, ReLU,
                     Sigmoid, SiLU, Softmax, Softplus, Tanh, Unflatten)
from .loss import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, HuberLoss, L1Loss, MSELoss,
                   NLLLoss, SmoothL1Loss)
from .modules import Module, Sequential
from .parameter import Parameter

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "ELU", "Flatten",
           "GELU", "HuberLoss", "Identity", "L1Loss", "LeakyReLU", "Linear", "LogSoftmax",
           "MSELoss", "Module", "ModuleDict", "ModuleList", "NLLLoss", "Parameter",
           "ParameterDict", "ParameterList", "ReLU", "Sequential", "SiLU", "Sigmoid",
           "SmoothL1Loss", "Softmax", "Softplus", "Tanh", "Unflatten", "functional", "init"]
