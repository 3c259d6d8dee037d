"""The ``autodiff-lab`` command: the demo, the figures, and grading a class."""

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
    figures = sub.add_parser("figures", help="regenerate every picture in figures/")
    figures.add_argument("--out", default="figures", help="the folder to write (default figures)")
    grade = sub.add_parser("grade", help="grade a class: notebooks, scripts or answer files, "
                           "each in its own sandboxed process")
    grade.add_argument("assignment", help="the assignment JSON file")
    grade.add_argument("submissions", help="a folder with one file or one folder per student")
    grade.add_argument("--out", required=True, help="where results, gradebook and reports go")
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once "
                       "(default: the number of cores)")
    grade.add_argument("--timeout", type=float, default=60.0,
                       help="seconds the student's code may run in all (default 60)")
    grade.add_argument("--question-timeout", type=float, default=10.0,
                       help="seconds for one notebook cell or one graded question (default 10)")
    grade.add_argument("--memory-mb", type=int, default=1024,
                       help="memory (address space) for one submission, in MB (default 1024)")
    grade.add_argument("--resume", action=argparse.BooleanOptionalAction, default=True,
                       help="skip students already graded in --out (default: yes)")
    release = sub.add_parser("release", help="make the student version of an instructor "
                             "notebook: solutions and hidden checks out, outputs cleared")
    release.add_argument("notebook", help="the instructor notebook")
    release.add_argument("--out", required=True, help="the student notebook to write")
    args = parser.parse_args(argv)
    if args.command == "grade":
        from .grading.runner import command
        return command(args)
    if args.command == "figures":
        from .figures import make_figures
        make_figures(args.out)
        return 0
    if args.command == "release":
        from .grading.release import command
        return command(args)
    if args.command in (None, "demo"):
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
