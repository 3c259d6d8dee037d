# After: jcjohnson/pytorch-examples nn/two_layer_net_nn.py
"""The two-layer network with torch.nn: Sequential, MSELoss(reduction='sum'), zero_grad,
and the update over parameters() by hand."""
import torch

N, D_in, H, D_out = 16, 30, 20, 6
torch.manual_seed(2)
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(reduction='sum')
learning_rate = 1e-4
for t in range(100):
    y_pred = model(x)
    loss = loss_fn(y_pred, y)
    if t % 20 == 19:
        print(t, loss.item())
    model.zero_grad()
    loss.backward()
    with torch.no_grad():
        for param in model.parameters():
            param.data -= learning_rate * param.grad
