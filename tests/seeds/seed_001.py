# Seed 001 (seeds/001_0bec0b92491fc020.txt), "Auto Gradient": its code cells, unchanged except
# `import autodiff_lab as torch` for `import torch`. Test data for tests/test_seeds.py, which
# runs the cells in order like a notebook.
# ruff: noqa
# %% In [1]
import numpy as np
import autodiff_lab as torch
# %% In [2]
a = torch.randn(2, 2, requires_grad=True)
# a.requires_grad_()
# a.requires_grad = True
b = torch.randn(2, 2, requires_grad=True)
c = torch.sum(a + b)
# %% In [3]
c.backward()
# %% In [4]
a.grad
# %% In [5]
b.grad
# %% In [6]
c.grad
# %% In [7]
a
# %% In [8]
b
# %% In [9]
c
# %% In [10]
# Forward pass
a = torch.ones((2,2)).requires_grad_()
b = a ** 2
c = b.mean()
# %% In [11]
# Backward pass
c.backward()
# %% In [12]
a.grad
# %% In [13]
b.grad
# %% In [14]
c.grad
# %% In [15]
a
# %% In [16]
b
# %% In [17]
c
# %% In [18]
x1 = torch.Tensor([1]).requires_grad_()
x2 = torch.Tensor([2]).requires_grad_()
# %% In [19]
y1 = (5*x1) + (3*x2)
y2 = (2*x1) + (1*x2)
# %% In [20]
z = y1*y2
# %% In [21]
print(x1)
print(x2)
print(y1)
print(y2)
print(z)
# %% In [22]
z.backward()
# %% In [23]
print(x1.grad)
print(x2.grad)
print(y1.grad)
print(y2.grad)
print(z.grad)
# %% In [24]
print(x1.grad)
print(x1.grad_fn)
print('------------------')
print(x2.grad)
print(x2.grad_fn)
print('------------------')
print(y1.grad)
print(y1.grad_fn)
print('------------------')
print(y2.grad)
print(y2.grad_fn)
print('------------------')
print(z.grad)
print(z.grad_fn)
# %% In [25]
x = torch.rand((2, 2)).requires_grad_()
for i in range(3):
    y = (2 * x).mean()
    y.backward()
    print(f"Gradients at iteration {i+1}:")
    print(f"{x.grad}\n")
    x.grad.zero_()
# %% In [26]
tensor_one = torch.tensor([[1., 2.], [3., 4.]], requires_grad=True)
tensor_two = torch.tensor([[5., 6.], [7., 8.]], requires_grad=True)  

# By default, new tensor which is operation of some other tensor whose requires_grad is True, will also have requires_grad=True)
final_tensor = (tensor_one + 2 * tensor_two).mean()
print(final_tensor)
print(final_tensor.requires_grad)
print(final_tensor.grad_fn)
print()
print(tensor_one.requires_grad)
print(tensor_one.grad_fn)
# %% In [27]
final_tensor.backward()

# tensor_one = [[x1,x2],[x3,x4]]
# tensor_one.grad = [[d_ft/d_x1, d_ft/d_x2], [d_ft/d_x3, d_ft/d_x4]]
print(f"{tensor_one.grad = }")

print(f"{tensor_two.grad = }")

print(f"{final_tensor.grad = }")
# %% In [28]
tensor1 = torch.Tensor([[1, 2, 3], 
                        [4, 5, 6]])
tensor1.requires_grad = True
# %% In [29]
with torch.no_grad():
    new_tensor = tensor1 * 3
    print('new_tensor = ', new_tensor)
    print('requires_grad for tensor1 = ', tensor1.requires_grad)
    print('requires_grad for new_tensor = ', new_tensor.requires_grad)
# %% In [30]
tensor1.requires_grad_(False)
tensor1
# %% In [31]
tensor1.requires_grad_(True)
tensor1
# %% In [32]
new_tensor = tensor1.detach()
print(tensor1)
print(new_tensor)
# %% In [33]
@torch.no_grad()
def mult_by_three(x):
    y = x * 3
    print('new_tensor = ', y)
    print('requires_grad for tensor1 = ', x.requires_grad)
    print('requires_grad for new_tensor = ', y.requires_grad)
mult_by_three(tensor1)
