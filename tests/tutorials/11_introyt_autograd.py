# After: pytorch/tutorials beginner_source/introyt/autogradyt_tutorial.py
"""The autograd video lesson: a sine over linspace, the chain of grad_fn nodes, gradients
of a sum, a tiny model's gradients and training step, turning autograd off and on, detach,
in-place errors, and autograd.functional's jacobian and hessian."""
import math

import torch
from torch.autograd.functional import hessian, jacobian

a = torch.linspace(0., 2. * math.pi, steps=9, requires_grad=True)
print(a)
b = torch.sin(a)
print(b)
c = 2 * b
print(c)
d = c + 1
print(d)
out = d.sum()
print(out)

print('d:')
print(d.grad_fn)
print(d.grad_fn.next_functions)
print(d.grad_fn.next_functions[0][0].next_functions)
print(d.grad_fn.next_functions[0][0].next_functions[0][0].next_functions)
print('\nc:')
print(c.grad_fn)
print('\nb:')
print(b.grad_fn)
print('\na:')
print(a.grad_fn)

out.backward()
print(a.grad)


class TinyModel(torch.nn.Module):
    def __init__(self):
        super(TinyModel, self).__init__()
        self.layer1 = torch.nn.Linear(10, 6)
        self.relu = torch.nn.ReLU()
        self.layer2 = torch.nn.Linear(6, 3)

    def forward(self, x):
        return self.layer2(self.relu(self.layer1(x)))


torch.manual_seed(21)
some_input = torch.randn(4, 10, requires_grad=False)
ideal_output = torch.randn(4, 3, requires_grad=False)
model = TinyModel()
print(model.layer2.weight[0][0:5])
print(model.layer2.weight.grad)
optimizer = torch.optim.SGD(model.parameters(), lr=0.001)
prediction = model(some_input)
loss = (ideal_output - prediction).pow(2).sum()
print(loss)
loss.backward()
print(model.layer2.weight[0][0:5])
print(model.layer2.weight.grad[0][0:5])
optimizer.step()
print(model.layer2.weight[0][0:5])
print(model.layer2.weight.grad[0][0:5])
optimizer.zero_grad(set_to_none=False)
print(model.layer2.weight.grad[0][0:5])

a = torch.ones(2, 3, requires_grad=True)
b1 = 2 * a
print(b1)
a.requires_grad = False
b2 = 2 * a
print(b2)

a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
c1 = a + b
print(c1)
with torch.no_grad():
    c2 = a + b
print(c2)
c3 = a * b
print(c3)


def add_tensors1(x, y):
    return x + y


@torch.no_grad()
def add_tensors2(x, y):
    return x + y


a = torch.ones(2, 3, requires_grad=True) * 2
b = torch.ones(2, 3, requires_grad=True) * 3
print(add_tensors1(a, b))
print(add_tensors2(a, b))

x = torch.rand(5, requires_grad=True)
y = x.detach()
print(x.requires_grad, y.requires_grad)

a = torch.linspace(0., 2. * math.pi, steps=5, requires_grad=True)
try:
    torch.sin_(a)
except RuntimeError as e:
    print("RuntimeError:", e)


def exp_adder(x, y):
    return 2 * x.exp() + 3 * y


inputs = (torch.tensor([0.5]), torch.tensor([1.5]))
print(jacobian(exp_adder, inputs))
inputs = (torch.tensor([0.1, 0.2, 0.3]), torch.tensor([1.0, 2.0, 3.0]))
print(jacobian(exp_adder, inputs))


def do_some_doubling(x):
    y = x * 2
    while y.data.norm() < 1000:
        y = y * 2
    return y


x = torch.tensor([0.25, 0.5, 1.0], requires_grad=True)
y = do_some_doubling(x)
v = torch.tensor([0.1, 1.0, 0.0001])
y.backward(v)
print(x.grad)
print(hessian(lambda t: (t ** 3).sum(), torch.tensor([1.0, 2.0])))
