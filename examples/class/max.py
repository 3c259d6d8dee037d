"""Max: a correct script; all it prints is the q5 output."""
import autodiff_lab as torch

q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
q3 = "2x sin(x) + x^2 cos(x)"

x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
out = (2 * (3 * x + 2) ** 2).mean()
out.backward()
print(out)
