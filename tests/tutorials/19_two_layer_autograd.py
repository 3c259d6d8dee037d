# After: jcjohnson/pytorch-examples autograd/two_layer_net_autograd.py
"""A two-layer ReLU network on random data with autograd and manual weight updates
(mm, clamp(min=0), pow(2).sum())."""
import torch

device = torch.device('cpu')
N, D_in, H, D_out = 16, 50, 20, 5
torch.manual_seed(0)
x = torch.randn(N, D_in, device=device)
y = torch.randn(N, D_out, device=device)
w1 = torch.randn(D_in, H, device=device, requires_grad=True)
w2 = torch.randn(H, D_out, device=device, requires_grad=True)
learning_rate = 1e-6
for t in range(100):
    y_pred = x.mm(w1).clamp(min=0).mm(w2)
    loss = (y_pred - y).pow(2).sum()
    if t % 20 == 19:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        w1 -= learning_rate * w1.grad
        w2 -= learning_rate * w2.grad
        w1.grad.zero_()
        w2.grad.zero_()
