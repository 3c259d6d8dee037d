"""Ignores SIGALRM and every catchable signal, then loops forever (the fork server's time
limit kills it). A script reports its variables when it ends, so its q1 is never reported."""
# expect: 0
import signal

q1 = "8x^3 + 3x^2 + 6x + 5"
for s in (signal.SIGALRM, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGXCPU):
    signal.signal(s, signal.SIG_IGN)
while True:
    sum(range(10**7))
