"""ctypes to libc: setuid(0), unshare a user namespace, unmount /stage, remount / read-write,
ptrace its parent, chroot out; then writes outside."""
# expect: 0
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
tried = {
    "setuid": libc.setuid(0), "unshare_user": libc.unshare(0x10000000),
    "umount": libc.umount2(b"/stage", 2), "remount": libc.mount(None, b"/", None, 32 | 1, None),
    "ptrace": libc.ptrace(16, 1, None, None), "chroot": libc.chroot(b"/proc/1/root"),
}
for path in ("/tmp/@TOKEN@-ctypes", "@OUT@/@TOKEN@-ctypes", "/usr/@TOKEN@-ctypes"):
    try:
        with open(path, "w") as f:
            f.write(str(tried))
    except OSError:
        pass
q1 = "x^4"
