"""Scratch buffers that outlive one kernel call: per thread, per named slot.

A convolution's padded and re-laid-out copies are megabytes that live for one call. Freshly
allocated each time, every one of their pages is a page fault on first touch (glibc hands
large blocks back to the system on ``free``), and on the VMs we measure on a fault costs
about 3 us per 4 KiB page, about as long as the arithmetic on those pages. A slot keeps its
memory for the next call on the same thread, as oneDNN keeps its scratchpad.

Rules for a caller: the array is uninitialised; it is only valid until the next
:func:`scratch` call on this thread with the same slot, so a slot names one buffer of one
function that calls no other user of that slot while it holds the array; and the array
never leaves the function (results are fresh arrays). Threads of the worker pool may write
into it while the caller waits for them.
"""
from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["MAX_KEPT_BYTES", "release", "scratch"]

#: A buffer larger than this is allocated for the call and not kept.
MAX_KEPT_BYTES = 256 << 20

_local = threading.local()


def scratch(slot: str, shape: Sequence[int], dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous array of ``shape`` and ``dtype`` from this thread's
    buffer named ``slot`` (grown when too small, kept for the next call)."""
    dtype = np.dtype(dtype)
    nbytes = math.prod(shape) * dtype.itemsize
    if nbytes > MAX_KEPT_BYTES:
        return np.empty(shape, dtype=dtype)
    slots = getattr(_local, "slots", None)
    if slots is None:
        slots = _local.slots = {}
    buf = slots.get(slot)
    if buf is None or buf.nbytes < nbytes:
        # a little headroom, so a batch that grows by a few samples does not reallocate
        buf = slots[slot] = np.empty(max(nbytes + nbytes // 8, 64), dtype=np.uint8)
    return buf[:nbytes].view(dtype).reshape(shape)


def release() -> None:
    """Free this thread's scratch buffers (they come back, empty, on the next use)."""
    _local.slots = {}
