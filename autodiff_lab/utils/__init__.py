"""``torch.utils``: ``data`` (datasets, samplers and ``DataLoader``)."""

from . import data
