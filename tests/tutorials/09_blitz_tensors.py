# After: pytorch/tutorials beginner_source/blitz/tensor_tutorial.py
"""Tensors for the 60-minute blitz: from data, from NumPy, like other tensors, from a
shape, on a device if there is one, and operations."""
import numpy as np
import torch

x = torch.tensor([[2, 4], [6, 8]])
print(x, x.dtype)
x_np = torch.from_numpy(np.array([[2.5, 3.5]]))
print(x_np)
torch.manual_seed(9)
print(torch.zeros_like(x), torch.rand_like(x, dtype=torch.float), sep="\n")
t = torch.rand(2, 3)
print(t.shape, t.dtype, t.device)
if torch.cuda.is_available():
    t = t.to("cuda")
print(t.device)
t = torch.ones(3, 3)
t[1, :] = 0
print(t)
print(torch.cat([t, t], dim=1).shape)
print(t.mul(t), t * t, t @ t.T, sep="\n")
t.t_()
print(t)
t.copy_(torch.full((3, 3), 7.))
print(t)
n = t.numpy()
t.add_(1)
print(n)
