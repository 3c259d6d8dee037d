"""``torch.backends.cudnn``: its flags keep the values tutorials set, with PyTorch's defaults."""

enabled = True
benchmark = False
deterministic = False
allow_tf32 = True


def is_available():
    """False: no cuDNN library."""
    return False


def version():
    """None: no cuDNN library."""
    return None
