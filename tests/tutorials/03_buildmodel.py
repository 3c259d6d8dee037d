# After: pytorch/tutorials beginner_source/basics/buildmodel_tutorial.py
"""A classifier as an nn.Module: the device line, printing the model, predicted classes,
layer by layer (Flatten, Linear, ReLU, Sequential, Softmax) and the named parameters."""
import torch
from torch import nn

device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
print(f"Using {device} device")


class TinyClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.flatten = nn.Flatten()
        self.stack = nn.Sequential(
            nn.Linear(6 * 6, 16),
            nn.ReLU(),
            nn.Linear(16, 16),
            nn.ReLU(),
            nn.Linear(16, 4),
        )

    def forward(self, x):
        return self.stack(self.flatten(x))


torch.manual_seed(5)
model = TinyClassifier().to(device)
print(model)

images = torch.rand(1, 6, 6, device=device)
logits = model(images)
probabilities = nn.Softmax(dim=1)(logits)
print(f"Predicted class: {probabilities.argmax(1)}")

batch = torch.rand(3, 6, 6)
print(batch.size())
flat = nn.Flatten()(batch)
print(flat.size())
hidden = nn.Linear(in_features=36, out_features=8)(flat)
print(hidden.size())
print(f"Before ReLU: {hidden}\n\n")
hidden = nn.ReLU()(hidden)
print(f"After ReLU: {hidden}")

pipeline = nn.Sequential(nn.Flatten(), nn.Linear(36, 8), nn.ReLU(), nn.Linear(8, 4))
print(nn.Softmax(dim=1)(pipeline(batch)))

print(f"Model structure: {model}\n\n")
for name, param in model.named_parameters():
    print(f"Layer: {name} | Size: {param.size()} | Values : {param[:2]} \n")
