"""A fork bomb of sleepers (the process limit stops it; they all die with the run), after
typing q1 honestly."""
# expect: 4
import os
import time

q1 = "8x^3 + 3x^2 + 6x + 5"
children = 0
while children < 10_000:
    try:
        if os.fork() == 0:
            time.sleep(1000)
            os._exit(0)
        children += 1
    except OSError:
        break
