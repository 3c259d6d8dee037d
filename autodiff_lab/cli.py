"""The ``autodiff-lab`` command: a terminal demo now; figures and grading join it later."""

import argparse
import sys


def demo():
    """The seed polynomial y = 2x^4 + x^3 + 3x^2 + 5x + 1 at x = 2, by autograd and by hand."""
    import autodiff_lab as torch

    x = torch.tensor(2.0, requires_grad=True)
    y = 2 * x**4 + x**3 + 3 * x**2 + 5 * x + 1
    y.backward()
    print("y  = 2x^4 + x^3 + 3x^2 + 5x + 1   at x = 2")
    print(f"y  = {y}")
    print(f"y.grad_fn = {y.grad_fn.name()}")
    print(f"dy/dx by autograd:  x.grad = {x.grad}")
    by_hand = 8 * 2**3 + 3 * 2**2 + 6 * 2 + 5
    print(f"dy/dx by hand:      8x^3 + 3x^2 + 6x + 5 = 64 + 12 + 12 + 5 = {by_hand}")
    print("They agree." if x.grad.item() == by_hand else "They DISAGREE.")


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="autodiff-lab", description="Teach differentiation with autograd and SymPy side by side.")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("demo", help="differentiate the seed polynomial at x = 2 (the default)")
    args = parser.parse_args(argv)
    if args.command in (None, "demo"):
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
