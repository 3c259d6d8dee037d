# Seed 004 (seeds/004_9df33308363428f0.txt), "Deep Learning With PyTorch 3 - Autograd": its
# code cells, unchanged except `import autodiff_lab as torch` for `import torch`, numbered in
# order (the export shows no cell numbers). Test data for tests/test_seeds.py, which runs the
# cells in order like a notebook.
# ruff: noqa
# %% In [1]
import autodiff_lab as torch
# %% In [2]
x = torch.randn(3)
x
# %% In [3]
x = torch.randn(3, requires_grad=True)
x
# %% In [4]
y = x + 2
# %% In [5]
y
# %% In [6]
y.grad_fn
# %% In [7]
z = y*y*2
z
# %% In [8]
z = z.mean()
z
# %% In [9]
z.backward() #
# %% In [10]
print(x.grad)
# %% In [11]
x = torch.randn(3)
y = x + 2
y.backward()
# %% In [12]
x = torch.randn(3, requires_grad=True)
y = x + 2
z = y*y*2
print(z)
# %% In [13]
# create a vector of the same size
v = torch.tensor([0.1, 1.0, 0.001], dtype=torch.float32)
z.backward(v)
# %% In [14]
x.grad
# %% In [15]
x.requires_grad_(False)
x
# %% In [16]
x = torch.randn(3, requires_grad=True)
y = x.detach()
print(x)
y
# %% In [17]
with torch.no_grad():
    y = x + 2
    print(y)
# %% In [18]
weights = torch.ones(4, requires_grad=True)
for epoch in range(100):
    
    model_output = (weights*3).sum()
    
    model_output.backward()
    
    if epoch % 10 == 0:
        print(weights.grad)
# %% In [19]
weights = torch.ones(4, requires_grad=True)
for epoch in range(100):
    
    model_output = (weights*3).sum()
    
    model_output.backward()
    
    if epoch % 10 == 0:
        print(weights.grad)
    weights.grad.zero_()
