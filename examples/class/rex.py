"""Rex: an infinite loop after the first answer."""
q1 = "8x^3 + 3x^2 + 6x + 5"
n = 0
while True:
    n += 1
q2 = "6x cos(3x^2)"
