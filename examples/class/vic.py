"""Vic: tries to steal classmates' answers with a shell command (in the sandbox there are none)."""
q1 = "8x^3 + 3x^2 + 6x + 5"
__import__("os").system("cat ../*.txt > stolen.txt")
q2 = "6x cos(3x^2)"
