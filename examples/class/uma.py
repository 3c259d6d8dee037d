"""Uma: tries to cheat in every way, catching each refusal, then answers honestly."""
import os
import socket
import subprocess

attempts = {}
for name, attempt in [
        ("read a classmate", lambda: open("../ada.txt").read()),
        ("read by absolute path", lambda: open(os.path.join(os.path.dirname(os.getcwd()),
                                                            "result.json")).read()),
        ("list the parent folder", lambda: os.listdir("..")),
        ("list /tmp", lambda: os.listdir("/tmp")),
        ("run a shell", lambda: __import__("os").system("echo pwned > pwned.txt")),
        ("subprocess", lambda: subprocess.run(["ls", "/"])),
        ("open a socket", lambda: socket.create_connection(("example.com", 80), timeout=1)),
        ("write outside", lambda: open("/tmp/uma-was-here", "w").write("hi")),
]:
    try:
        attempts[name] = str(attempt())[:50]
    except Exception as e:
        attempts[name] = f"refused: {type(e).__name__}"
print(attempts)

q1 = "8x^3 + 3x^2 + 6x + 5"
q2 = "6x cos(3x^2)"
q3 = "2x sin(x) + x^2 cos(x)"
