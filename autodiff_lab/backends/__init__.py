"""``torch.backends``: the flags tutorials read or set (``mps.is_available()``,
``cudnn.benchmark``); none of them changes anything on the CPU.

>>> import autodiff_lab as torch
>>> torch.backends.mps.is_available(), torch.backends.cudnn.is_available()
(False, False)
"""

from . import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
