"""Result dtypes follow PyTorch's promotion rules, op by op, for every input dtype."""

import pytest

import autodiff_lab

from conftest import outcome, require_torch

OPS = {
    "tanh": lambda torch, x: torch.tanh(x),
    "exp": lambda torch, x: x.exp(),
    "sqrt": lambda torch, x: torch.sqrt(x),
    "sigmoid": lambda torch, x: torch.sigmoid(x),
    "sin": lambda torch, x: torch.sin(x),
    "cos": lambda torch, x: x.cos(),
    "log": lambda torch, x: torch.log(x),
    "reciprocal": lambda torch, x: x.reciprocal(),
    "abs": lambda torch, x: x.abs(),
    "neg": lambda torch, x: -x,
    "relu": lambda torch, x: torch.relu(x),
    "sign": lambda torch, x: x.sign(),
    "square": lambda torch, x: x ** 2,
    "half power": lambda torch, x: x ** 0.5,
    "negative power": lambda torch, x: x ** -1,
    "float base": lambda torch, x: 2.0 ** x,
    "times int": lambda torch, x: x * 2,
    "times float": lambda torch, x: x * 2.5,
    "plus int": lambda torch, x: x + 1,
    "minus float": lambda torch, x: x - 0.5,
    "divide int": lambda torch, x: x / 2,
    "rsub": lambda torch, x: 1 - x,
    "rdiv": lambda torch, x: 2 / x,
    "sum": lambda torch, x: x.sum(),
    "max": lambda torch, x: x.max(),
    "clamp": lambda torch, x: x.clamp(0, 2),
    "maximum self": lambda torch, x: torch.maximum(x, x),
    "times self": lambda torch, x: x * x,
}
DTYPES = ["float32", "float64", "int64", "int32", "uint8"]


def program(op, dtype):
    return lambda torch: OPS[op](torch, torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
def test_result_dtype_and_values_print_as_in_pytorch(op, dtype):
    torch = require_torch()
    assert outcome(program(op, dtype), autodiff_lab) == outcome(program(op, dtype), torch)
