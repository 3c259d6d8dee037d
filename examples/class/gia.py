"""Gia: an answer of several megabytes (refused by the size cap) and a warning on stderr."""
import warnings

warnings.warn("this warning must not cost points")
q1 = "x + " * 1_000_000 + "x"
q2 = "6x cos(3x^2)"
q3 = "2x sin(x) + x^2 cos(x)"
