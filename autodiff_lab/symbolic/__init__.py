"""The symbolic twin: SymPy expressions for tensors and graphs."""

from .twin import (SymbolicSizeError, Twin, exact, set_max_diff_work,  # noqa: E402
                   set_max_elements, sym_of)
from .calculus import (diff, evaluate, expr, expression_sizes, from_sympy,  # noqa: E402
                       reverse_mode_grad, tidy, values_of)

__all__ = ["SymbolicSizeError", "Twin", "diff", "evaluate", "exact", "expr", "expression_sizes",
           "from_sympy", "reverse_mode_grad", "set_max_diff_work", "set_max_elements", "sym_of",
           "tidy", "values_of"]
from .parse import MathParseError, parse_math  # noqa: E402

__all__ += ["MathParseError", "parse_math"]
