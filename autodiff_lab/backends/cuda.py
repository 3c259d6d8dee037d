"""``torch.backends.cuda``: built without CUDA; ``matmul.allow_tf32`` is a flag to set."""

import types

matmul = types.SimpleNamespace(allow_tf32=False)


def is_built():
    """False: built without CUDA."""
    return False
