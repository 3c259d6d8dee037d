"""Nia: a correct script in the percent format (# %% cells), printing more than q5."""
# %%
import autodiff_lab as torch

print("working on the homework")
q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
q3 = "2x sin(x) + x^2 cos(x)"

# %% tags=["q5"]
x = torch.tensor([[1., 2, 3], [3, 2, 1]], requires_grad=True)
out = (2 * (3 * x + 2) ** 2).mean()
out.backward()
print(out)

# %%
print("x.grad is", x.grad)
