# After: pytorch/tutorials beginner_source/basics/saveloadrun_tutorial.py
"""Saving and loading weights: state_dict to a file, load_state_dict(torch.load(...,
weights_only=True)), eval(), and a whole dict of tensors."""
import os
import tempfile

import torch
from torch import nn

torch.manual_seed(2)
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
folder = tempfile.mkdtemp()
path = os.path.join(folder, "model_weights.pth")
torch.save(model.state_dict(), path)

twin = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
print(twin.load_state_dict(torch.load(path, weights_only=True)))
twin.eval()
x = torch.tensor([[0.5, -1.0, 2.0]])
print(model(x), twin(x))
for key, value in twin.state_dict().items():
    print(key, tuple(value.shape), value.dtype)

bundle = {"step": 12, "losses": torch.tensor([0.5, 0.25]), "names": ["a", "b"]}
torch.save(bundle, os.path.join(folder, "bundle.pt"))
back = torch.load(os.path.join(folder, "bundle.pt"))
print(back["step"], back["losses"], back["names"])
