"""Keep freed array memory in the process, the way PyTorch's allocator does, on glibc.

Why: a training step allocates the same large buffers (activations, gradients) again and
again. With glibc's defaults each multi-megabyte NumPy array is ``mmap``-ed, page-faulted in
page by page, and ``munmap``-ed when freed, or the heap top is trimmed back to the system, so
every step pays for fresh pages. On ``(tanh(a*b + c)**2).mean()`` over 10**6 floats that is
four fifths of the time (see ``benchmarks/RESULTS.md``). PyTorch avoids it with its own
caching allocator; NumPy has no Python-level allocator hook, so we ask glibc instead: serve
arrays up to 32 MiB from the heap and keep up to 64 MiB of freed heap for reuse.

This is process-wide and happens once, at ``import autodiff_lab``. It changes how much freed
memory the process keeps (at most :data:`TRIM_THRESHOLD` bytes above what is in use), never
what is allocated. Set the environment variable ``AUTODIFF_LAB_MALLOC=system`` before the
import to keep the C library's defaults. Elsewhere (macOS, Windows, musl) nothing is changed.

>>> import autodiff_lab
>>> autodiff_lab.allocator.tuned in (True, False)
True
"""

import ctypes
import os
import sys

MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 64 * 1024 * 1024
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # from glibc's <malloc.h>

#: Whether glibc's thresholds were raised for this process.
tuned = False


def tune():
    """Raise glibc's mmap and trim thresholds once; returns whether they were raised."""
    global tuned
    if tuned or os.environ.get("AUTODIFF_LAB_MALLOC", "").lower() == "system":
        return tuned
    if not sys.platform.startswith("linux"):
        return False
    try:
        # The process's own symbols include the C library's: no ctypes.util.find_library,
        # which imports subprocess and tempfile and would double the package's import time.
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    # Both are needed: setting either one turns off glibc's adaptive mmap threshold.
    tuned = bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                 and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
    return tuned


tune()  # on import: before the package makes any array
