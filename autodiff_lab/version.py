"""``torch.version``: the version strings scripts print (``torch.version.cuda`` is None here).

>>> import autodiff_lab
>>> autodiff_lab.version.__version__ == autodiff_lab.__version__, autodiff_lab.version.cuda
(True, None)
"""

__version__ = "0.1.0"
cuda = None
hip = None
debug = False
git_version = "Unknown"
