"""Handing freed memory back to the system.

The novelty judge forgets documents older than its story window in batches; the C allocator keeps
the freed pages of those arrays for reuse, and with several polling threads (one allocation arena
each) a long-running daemon's memory creeps up although Python holds no more objects. After each
such batch, glibc's ``malloc_trim`` returns the free pages. Elsewhere (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from functools import cache
from typing import Any


def release_free_memory() -> bool:
    """Return the allocator's free pages to the system; True when anything was released."""
    trim = _malloc_trim()
    return bool(trim(0)) if trim is not None else False


@cache
def _malloc_trim() -> Any:
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
