"""Sam: eats memory after three answers."""
q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
q3 = "2x sin(x) + x^2 cos(x)"
hoard = []
while True:
    hoard.append(bytearray(50_000_000))
