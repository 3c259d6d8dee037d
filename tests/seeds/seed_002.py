# Seed 002 (seeds/002_41f5e8b944f3a700.txt), "AutoGrad": its code cells, unchanged except
# `import autodiff_lab as torch` for `import torch`. Test data for tests/test_seeds.py, which
# runs the cells in order like a notebook.
# ruff: noqa
# %% In [1]
import autodiff_lab as torch
# %% In [2]
x = torch.ones((2, 2), requires_grad=True)
print(f'[+] x:\n{x}')
# %% In [3]
y = x + 2
print(f'[+] y:\n{y}')
# %% In [4]
x = torch.ones((2, 2))

print(f'[+] x.requires_grad: {x.requires_grad}')
# %% In [5]
# X & Y do not require gradients, but Z does. 
x = torch.randn((5, 5))
y = torch.randn((5, 5))
z = torch.randn((5, 5), requires_grad=True)

# a will not require gradients because the inputs do not
a = x + y
print(f'[+] a.requires_grad: {a.requires_grad}')

# b will require gradients becaus z does.
b = a + z
print(f'[+] b.requires_grad: {b.requires_grad}')
# %% In [6]
b = b.detach()
print(f'[+] b.requires_grad: {b.requires_grad}')

# This will raise an error, as b is not a leaf.
try:
    b.requires_grad_(False)
except RuntimeError:
    pass
    
# c won't require a gradient, even though z does.
with torch.no_grad():
    c = x + z
print(f'[+] c.requires_grad: {c.requires_grad}')
# %% In [7]
x = torch.ones((2, 2), requires_grad=True)
y = x + 2

print(f'[+] y.grad_fn: {y.grad_fn}')

z = y * y * 3
print(f'[+] z:\n{z}')
out = z.mean()
print(f'[+] out:\n{out}')

out.backward()

print(f'[+] x.grad:\n{x.grad}')
