# Seed 000 (seeds/000_f0ea019eb4cc79f0.txt), "Autograd and gradient descent": its code cells,
# unchanged except `import autodiff_lab as torch` for `import torch`. Test data for
# tests/test_seeds.py, which runs the cells in order like a notebook.
# ruff: noqa
# %% In [1]
import autodiff_lab as torch
# %% In [4]
tensor1 = torch.Tensor([[1,2,3], 
                        [4,5,6]])
tensor1
# %% In [5]
tensor2 = torch.Tensor([[7,8,9],
                        [10,11,12]])
tensor2
# %% In [7]
tensor1.requires_grad # When true it tracks computations for a tensor in forward phase
                      # and will calc gradients for this tensor in the backwards phase
# %% In [8]
# We need to enable the tracking history for the tensor
tensor1.requires_grad_()
# %% In [11]
print(tensor1.grad)  # hasnt been used in a computation yet
# %% In [20]
print(tensor1.grad_fn) # user created tensors have no grad fn
# %% In [13]
output_tensor = tensor1 * tensor2
# %% In [15]
output_tensor.requires_grad  # cause of tensor1
# %% In [17]
print(output_tensor.grad) # no gradients yet, we havent yet made any backwards passes 
# %% In [19]
output_tensor.grad_fn  # So it has a reference to the function that created this tensor
# %% In [23]
### Okay lets make a slightly different tensor and inspect it
output_tensor = (tensor1 * tensor2).mean()
output_tensor.grad_fn # It references only the last fn (note there are two funcs taking place above)
# %% In [28]
output_tensor
# %% In [24]
output_tensor.backward()
# %% In [27]
tensor1
# %% In [26]
tensor1.grad
# %% In [43]
# We can use a no_grad block to force pytorch to not propagate requires grads
with torch.no_grad():
    new_tensor = tensor1 * 3
    print(f'{new_tensor=}')
    print(f'{tensor1.requires_grad=}')
    print(f'{new_tensor.requires_grad=}') # Note that it is False
# %% In [47]
def calculate(t):
    return t * 2
# %% In [48]
@torch.no_grad()
def calculate_with_no_grad(t):
    return t * 2
# %% In [53]
result_tensor = calculate(tensor1)
f'{result_tensor=}'
# %% In [55]
result_tensor_no_grad = calculate_with_no_grad(tensor1)
f'{result_tensor_no_grad=}'
# %% In [57]
# We can use a no_grad block to force pytorch to not propagate requires grads
with torch.no_grad():
    new_tensor_no_grad = tensor1 * 3
    print(f'{new_tensor_no_grad=}')
    print(f'{new_tensor_no_grad.requires_grad=}')
    with torch.enable_grad():
        new_tensor = tensor1 * 3
        print(f'{new_tensor=}')
        print(f'{tensor1.requires_grad=}')
        print(f'{new_tensor.requires_grad=}') # Note that it is False
# %% In [101]
t1 = torch.Tensor([2,4])
t2 = torch.Tensor([1,2])
t2.requires_grad_()
t2
# %% In [102]
t3 = (t1 + t2).mean() - 0
t3
# %% In [103]
t3.backward()
t2.grad
