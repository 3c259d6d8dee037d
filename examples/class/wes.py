"""Wes: a syntax error, so nothing runs."""
q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)
