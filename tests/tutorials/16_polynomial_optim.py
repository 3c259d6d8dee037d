# After: pytorch/tutorials beginner_source/examples_nn/polynomial_optim.py
"""The same fit with an optimizer doing the update (RMSprop, as the lesson uses)."""
import math

import torch

x = torch.linspace(-math.pi, math.pi, 300)
y = torch.sin(x)
xx = x.unsqueeze(-1).pow(torch.tensor([1, 2, 3]))
torch.manual_seed(1)
model = torch.nn.Sequential(torch.nn.Linear(3, 1), torch.nn.Flatten(0, 1))
loss_fn = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3)
for t in range(300):
    loss = loss_fn(model(xx), y)
    if t % 60 == 59:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
w = model[0].weight
print(f'Result: y = {model[0].bias.item()} + {w[:, 0].item()} x + {w[:, 1].item()} x^2 '
      f'+ {w[:, 2].item()} x^3')
print(optimizer)
