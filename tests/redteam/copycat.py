"""Copies the honest classmate: ../honest.txt, the class dir by absolute path, the stage."""
# expect: 0
import glob

for pattern in ("../honest.txt", "../*.txt", "@CLASS@/honest.txt", "/stage/*/*", "/stage/*",
                "/home/*/*.txt", "/tmp/*/honest.txt"):
    for path in glob.glob(pattern):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith("q1:"):
                        q1 = line[3:].strip()
        except OSError:
            pass
