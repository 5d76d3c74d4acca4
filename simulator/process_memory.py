"""How a simulating process hands memory back: large arrays go straight to the operating system.

A long run's columns are arrays of millions of values (8 MB per million escalations each), made
and dropped as demand is merged and the summaries are computed. glibc's allocator serves an
allocation that large from its own heap once the same size has been freed before (its mmap
threshold adapts upwards), and memory freed inside that heap stays with the process: a
million-escalation ``handoff simulate`` peaked about 5 MB higher for it. Fixing the threshold
makes every allocation of :data:`LARGE_BYTES` or more a mapping of its own, returned the moment
it is freed; smaller ones (chunks, Python objects) are untouched, so the run's speed is too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

__all__ = ["LARGE_BYTES", "return_large_arrays_to_the_os"]

#: allocations at least this large are mapped apart and returned when freed
LARGE_BYTES = 4 * 1024 * 1024
_M_MMAP_THRESHOLD = -3  # mallopt's parameter number (glibc malloc.h)


def return_large_arrays_to_the_os() -> bool:
    """Fix glibc's mmap threshold at :data:`LARGE_BYTES` for this process; return whether it was
    set (False where the C library is not glibc: nothing changes there)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, LARGE_BYTES))
