"""Xena: a ZeroDivisionError half way; the answers before it still count."""
import autodiff_lab as torch

q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
ratio = 1 / 0
q3 = "2x sin(x) + x^2 cos(x)"
