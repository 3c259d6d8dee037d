# After: pytorch/tutorials beginner_source/basics/tensorqs_tutorial.py
"""Making tensors, what they carry (shape, dtype, device), slicing, joining, the two
products, in-place updates and memory shared with NumPy."""
import numpy as np
import torch

grid = [[5, 6, 7], [8, 9, 10]]
g = torch.tensor(grid)
print(g)
print(torch.from_numpy(np.array(grid)))

torch.manual_seed(11)
print(f"like g, all ones:\n{torch.ones_like(g)}")
print(f"like g, uniform floats:\n{torch.rand_like(g, dtype=torch.float)}")

dims = (3, 2,)
print(torch.rand(dims), torch.ones(dims), torch.zeros(dims), sep="\n")

sample = torch.rand(2, 5)
print(f"shape {sample.shape}, dtype {sample.dtype}, on {sample.device}")
if torch.accelerator.is_available():
    sample = sample.to(torch.accelerator.current_accelerator())

board = torch.ones(3, 5)
print(f"row 0: {board[0]}")
print(f"column 0: {board[:, 0]}")
print(f"last column: {board[..., -1]}")
board[:, 2] = 0
print(board)
print(torch.cat([board, board], dim=0))

gram = board @ board.T
gram2 = board.matmul(board.T)
out = torch.empty(3, 3)
torch.matmul(board, board.T, out=out)
print(gram, gram2, out, sep="\n")
squares = board * board
squares2 = board.mul(board)
print(squares, squares2, sep="\n")

total = board.sum()
value = total.item()
print(value, type(value))
board.add_(2)
print(board)

ones = torch.ones(4)
arr = ones.numpy()
ones.add_(3)
print(f"tensor {ones}, array {arr}")
arr2 = np.zeros(3)
shared = torch.from_numpy(arr2)
np.add(arr2, 2, out=arr2)
print(f"tensor {shared}, array {arr2}")
