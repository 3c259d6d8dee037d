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

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "Dropout", "Flatten", "Linear",
           "LogSoftmax", "MSELoss", "Module", "NLLLoss", "Parameter", "ReLU", "Sequential", "Sigmoid",
           "Softmax", "Tanh", "functional", "init"]
