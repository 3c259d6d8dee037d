"""``torch.backends.mps``: Apple's Metal backend, absent here."""


def is_available():
    """False: no MPS device."""
    return False


def is_built():
    """False: built without MPS support."""
    return False
