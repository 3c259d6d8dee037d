"""``autodiff_lab.nn``: modules, parameters, initialisers and ``functional``, shaped like torch.nn.

>>> import autodiff_lab as torch
>>> import autodiff_lab.nn.functional as F
>>> model = torch.nn.Sequential(torch.nn.Linear(2, 1), torch.nn.Sigmoid())
>>> F.binary_cross_entropy(model(torch.ones(4, 2)), torch.ones(4, 1)).grad_fn.name()
'BinaryCrossEntropyBackward0'
"""

from . import functional, init
from .modules import (BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, Flatten, Linear, LogSoftmax,
                      Module, MSELoss, NLLLoss, ReLU, Sequential, Sigmoid, Softmax, Tanh)
from .parameter import Parameter

__all__ = ["functional", "init", "Parameter", "Module", "Sequential", "Linear", "ReLU", "Tanh",
           "Sigmoid", "Softmax", "LogSoftmax", "Flatten", "MSELoss", "CrossEntropyLoss",
           "NLLLoss", "BCELoss", "BCEWithLogitsLoss"]
