"""Quinn: the script ends itself with sys.exit(3) after two answers."""
import sys

q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
sys.exit(3)
q3 = "2x sin(x) + x^2 cos(x)"
