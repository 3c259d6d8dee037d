# After: jcjohnson/pytorch-examples nn/two_layer_net_optim.py
"""The two-layer network trained by torch.optim.Adam."""
import torch

N, D_in, H, D_out = 16, 30, 20, 6
torch.manual_seed(3)
x = torch.randn(N, D_in)
y = torch.randn(N, D_out)
model = torch.nn.Sequential(torch.nn.Linear(D_in, H), torch.nn.ReLU(), torch.nn.Linear(H, D_out))
loss_fn = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
for t in range(100):
    loss = loss_fn(model(x), y)
    if t % 20 == 19:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(optimizer.state_dict()["param_groups"][0]["lr"])
