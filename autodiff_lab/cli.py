"""The ``autodiff-lab`` command: the demo, the figures, and grading a class."""

import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="autodiff-lab",
        description="Teach differentiation with autograd and SymPy side by side.")
    sub = parser.add_subparsers(dest="command")
    demo = sub.add_parser("demo", help="classroom demos in the terminal (default: the seed "
                          "polynomial at x = 2); --list shows them all")
    demo.add_argument("name", nargs="?", help="the demo to run (default polynomial)")
    demo.add_argument("--list", action="store_true", help="list the demos and exit")
    demo.add_argument("--out", default=None, help="where demos save their figures "
                      "(default ./autodiff_lab_demo)")
    demo.add_argument("--plain", action="store_true", help="plain text, no colours or boxes "
                      "(automatic when the output is not a terminal)")
    demo.add_argument("--step", action="store_true", help="wait for Enter between the steps "
                      "of the demo (only when the input is a terminal)")
    demo.add_argument("--show", action="store_true", help="open each figure in a window as "
                      "well as saving it (the demo goes on when the window is closed)")
    figures = sub.add_parser("figures", help="regenerate every picture in figures/")
    figures.add_argument("--out", default="figures", help="the folder to write (default figures)")
    grade = sub.add_parser("grade", help="grade a class: notebooks, scripts or answer files, "
                           "each in an OS sandbox (bubblewrap), scored outside it")
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
    grade.add_argument("--no-sandbox", action="store_true", help="run students' code without "
                       "the OS sandbox (bubblewrap): only for code you trust; recorded in "
                       "every result and printed in the summary")
    where = grade.add_mutually_exclusive_group()
    where.add_argument("--dask", action="store_true", help="grade on a local Dask cluster "
                       "(needs the [cluster] extra) instead of the local pool")
    where.add_argument("--scheduler", metavar="tcp://HOST:PORT", default=None,
                       help="grade on the Dask cluster of this scheduler; its workers need "
                       "autodiff_lab, bubblewrap, root, and the same paths to the files")
    release = sub.add_parser("release", help="make the student version of an instructor "
                             "notebook: solutions and hidden checks out, outputs cleared")
    release.add_argument("notebook", help="the instructor notebook")
    release.add_argument("--out", required=True, help="the student notebook to write")
    run = sub.add_parser("run", help="run a PyTorch script or notebook unchanged, with "
                         "`import torch` giving autodiff_lab")
    run.add_argument("file", help="a .py script (run as __main__) or a .ipynb notebook (code "
                     "cells top to bottom, outputs printed)")
    run.add_argument("args", nargs=argparse.REMAINDER, help="arguments for the script (sys.argv)")
    args = parser.parse_args(argv)
    if args.command == "run":
        from .torch_shim import command
        return command(args)
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
        from .demos import command
        return command(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
