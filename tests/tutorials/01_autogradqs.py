# After: pytorch/tutorials beginner_source/basics/autogradqs_tutorial.py
"""A one-layer logistic model: grad_fn names, gradients, no_grad and detach, and a
vector-Jacobian product that accumulates until zeroed."""
import torch

torch.manual_seed(3)
features = torch.ones(4)
target = torch.zeros(2)
weight = torch.randn(4, 2, requires_grad=True)
bias = torch.randn(2, requires_grad=True)
logits = torch.matmul(features, weight) + bias
loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, target)
print("logits come from", logits.grad_fn)
print("the loss comes from", loss.grad_fn)

loss.backward()
print(weight.grad)
print(bias.grad)

logits = features @ weight + bias
print("tracked:", logits.requires_grad)
with torch.no_grad():
    frozen = features @ weight + bias
print("tracked under no_grad:", frozen.requires_grad)
print("tracked after detach:", logits.detach().requires_grad)

m = torch.eye(3, 4, requires_grad=True)
v = (m * 2 + 1).pow(2).t()
for round_ in range(2):
    v.backward(torch.ones_like(v), retain_graph=True)
    print(f"after backward #{round_ + 1}\n{m.grad}")
m.grad.zero_()
v.backward(torch.ones_like(v), retain_graph=True)
print(f"after zeroing\n{m.grad}")
