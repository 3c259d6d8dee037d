"""Reads the reference answers and a classmate's file by absolute path, walks / and /proc for
the grader's command line and environment, and answers with whatever it finds; also types q1
honestly."""
# expect: 4
import glob
import os

stolen = []
for path in ["@ASSIGNMENT@", "@CLASS@/honest.txt", "/proc/1/environ", "/proc/1/cmdline"] + \
        glob.glob("/proc/*/cmdline") + glob.glob("/proc/*/environ") + glob.glob("/work/*/*") + \
        glob.glob("/work/*/*/*.json") + glob.glob("/tmp/*/*") + glob.glob("/home/*/*") + \
        glob.glob("/root/*") + glob.glob("/stage/*/*"):
    if os.path.dirname(os.path.abspath(path)) == os.getcwd():
        continue  # its own copy
    try:
        with open(path, errors="replace") as f:
            text = f.read(100_000)
        if "tensor(140" + "." in text or "6x cos" + "(3x^2)" in text:  # not in this file
            stolen.append(text)
    except OSError:
        pass
q1 = "8x^3 + 3x^2 + 6x + 5"
if stolen:
    q5_text = "tensor(140., grad_fn=<MeanBackward0>)"
    print(q5_text)
    q2 = "6x cos(3x^2)"
