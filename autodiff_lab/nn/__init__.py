"""``autodiff_lab.nn``: modules, parameters, initialisers and ``functional``, shaped like torch.nn.

>>> import autodiff_lab as torch
>>> import autodiff_lab.nn.functional as F
>>> model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
>>> F.binary_cross_entropy(model(torch.ones(4, 2)), torch.ones(4, 1)).grad_fn.name()
'BinaryCrossEntropyBackward0'
"""

from . import functional, init
from .layers import Dropout, Flatten, Linear, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .modules import Module, Sequential
from .parameter import Parameter
from .containers import ModuleDict, ModuleList, ParameterDict, ParameterList
from .layers import ELU, GELU, Identity, LeakyReLU, SiLU, Softplus, Unflatten
from .loss import HuberLoss, L1Loss, SmoothL1Loss
from . import utils

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Linear",
           "LogSoftmax", "MSELoss", "Module", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid",
           "Softmax", "Tanh", "functional", "init"]
__all__ += ["ELU", "GELU", "HuberLoss", "Identity", "L1Loss", "LeakyReLU", "ModuleDict",
            "ModuleList", "ParameterDict", "ParameterList", "SiLU", "SmoothL1Loss", "Softplus",
            "Unflatten", "utils"]
