# After: pytorch/tutorials beginner_source/blitz/autograd_tutorial.py
"""Differentiation in autograd with an external gradient (Q = 3a^3 - b^2), checking it
against the hand derivative, and freezing parameters for finetuning."""
import torch
from torch import nn, optim

a = torch.tensor([1., 4.], requires_grad=True)
b = torch.tensor([2., 5.], requires_grad=True)
Q = 3 * a**3 - b**2
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)
print(9 * a**2 == a.grad)
print(-2 * b == b.grad)
print(a.grad, b.grad)

x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)
a = x + y
print(f"Does `a` require gradients?: {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")

torch.manual_seed(4)
model = nn.Sequential(nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 3))
for param in model.parameters():
    param.requires_grad = False
model[2] = nn.Linear(5, 2)
optimizer = optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
print([p.requires_grad for p in model.parameters()])
print(model)
