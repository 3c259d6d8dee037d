"""SymPy (and mpmath) imported on first use, so the numeric engine starts as fast as NumPy.

Each op's SymPy rule is still written next to the op, as ``sympy.exp`` and so on: the name
``sympy`` there is a :class:`LazyModule` that imports the real module when a rule first runs.

>>> sympy = LazyModule("sympy")
>>> sympy.Integer(2) ** 3
8
"""

import importlib
import sys


class LazyModule:
    """Stands for the module ``name`` and imports it on the first attribute read."""

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        value = getattr(importlib.import_module(self._name), attr)
        self.__dict__[attr] = value  # later reads are plain attribute lookups
        return value

    def __repr__(self):
        return f"<module {self._name!r} (imported on first use)>"


sympy = LazyModule("sympy")
mpmath = LazyModule("mpmath")


def is_sympy(x):
    """Whether ``x`` is a SymPy object; False, without importing SymPy, while nobody has."""
    module = sys.modules.get("sympy")
    return module is not None and isinstance(x, module.Basic)


def sympy_function(name):
    """The SymPy function ``name`` as a rule (``Maximum.sym = sympy_function("Max")``)."""
    def rule(*args, **kwargs):
        return getattr(sympy, name)(*args, **kwargs)
    rule.__name__ = rule.__qualname__ = name
    return rule


def built_on_first_use(build):
    """A callable standing for ``build()``'s result, which is made on the first call: SymPy
    subclasses (``class _SymFloor(sympy.floor)``) cannot be defined before SymPy is imported.
    """
    made = []

    def call(*args, **kwargs):
        if not made:
            made.append(build())
        return made[0](*args, **kwargs)
    call.__name__ = call.__qualname__ = build.__name__
    return call
