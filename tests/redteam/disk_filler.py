"""Fills its home, /tmp and /dev/shm, and writes one enormous file (the size limits stop it)."""
# expect: 4
q1 = "8x^3 + 3x^2 + 6x + 5"
for folder in (".", "/tmp", "/dev/shm"):
    for i in range(100):
        try:
            with open(f"{folder}/fill{i}", "wb") as f:
                f.write(b"\0" * (16 << 20))
        except OSError:
            break
