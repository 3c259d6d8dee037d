# After: pytorch/tutorials beginner_source/basics/data_tutorial.py
"""A custom Dataset (__len__, __getitem__), a DataLoader over it with batches, and what one
batch looks like."""
import torch
from torch.utils.data import DataLoader, Dataset


class SquaresDataset(Dataset):
    def __init__(self, count):
        self.xs = torch.arange(count, dtype=torch.float32)

    def __len__(self):
        return len(self.xs)

    def __getitem__(self, idx):
        x = self.xs[idx]
        return x.unsqueeze(0), x * x


data = SquaresDataset(10)
print(len(data))
print(data[3])
loader = DataLoader(data, batch_size=4)
for features, targets in loader:
    print(f"Feature batch shape: {features.size()}")
    print(f"Targets batch shape: {targets.size()}")
    print(features.squeeze(1), targets)
print(len(loader))
short = DataLoader(data, batch_size=4, drop_last=True)
print(len(short), [tuple(f.shape) for f, _ in short])
