# Seed 003 (seeds/003_f5976a3d46902bc8.txt), "PyTorch Gradients": its code cells, unchanged
# except `import autodiff_lab as torch` for `import torch`. Test data for tests/test_seeds.py,
# which runs the cells in order like a notebook.
# ruff: noqa
# %% In [1]
import autodiff_lab as torch
# %% In [2]
x = torch.tensor(2.0, requires_grad=True)
print(x)
print(x.grad) # gradient has not yet been computed
# %% In [3]
y = 2*x**4 + x**3 + 3*x**2 + 5*x + 1

print(y)
# %% In [4]
y.grad_fn
# %% In [5]
#perform backpropagation and compute all gradients
y.backward()
# %% In [6]
print(x.grad)
# %% In [7]
x = torch.tensor([[1.,2,3],[3,2,1]], requires_grad=True)
print(x)
# %% In [8]
y = 3*x + 2
print(y)
# %% In [9]
z = 2*y**2
print(z)
# %% In [10]
out = z.mean()
print(out)
# %% In [11]
out.backward()
print(x.grad)
# %% In [12]
# tests
Wh = torch.randn(3,3, requires_grad = True)
Wx = torch.randn(3,2, requires_grad = True)
h = torch.randn(1,3)
x = torch.randn(1,2)

wh2h = torch.mm(Wh,h.t())
wx2x = torch.mm(Wx,x.t())
print(wh2h)
print(wx2x)

next_h = wh2h + wx2x + 5
next_h = next_h.tanh()
print(next_h)

loss = next_h.sum()
print(loss)

# backprop
loss.backward()

# stores gradients when requires_grad = True
print(Wx.grad)
print(Wh.grad)
# does not store gradients when requires_grad = False
print(x.grad)
print(h.grad)
