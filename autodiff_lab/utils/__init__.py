"""``torch.utils``: ``data`` (datasets, samplers and ``DataLoader``) and ``checkpoint``
(activation checkpointing)."""

from . import checkpoint, data
