"""The single place Numba is configured.

``njit`` compiles with ``cache=True`` (on-disk cache, so the second process start is
warm); ``njit_parallel`` adds ``parallel=True`` for kernels whose outermost loop is a
``prange``. Numba honours ``NUMBA_NUM_THREADS``; ``NUMBA_DISABLE_JIT=1`` runs every
kernel as plain Python for debugging and coverage.
"""
from __future__ import annotations

import numba

__all__ = ["njit", "njit_parallel", "prange"]

prange = numba.prange


def njit(fn=None, **options):
    """``numba.njit(cache=True, **options)``; usable as ``@njit`` or ``@njit(...)``."""
    options.setdefault("cache", True)
    if fn is None:
        return lambda f: numba.njit(**options)(f)
    return numba.njit(**options)(fn)


def njit_parallel(fn=None, **options):
    """``njit`` with ``parallel=True``: the outermost ``prange`` loop runs on all threads."""
    options.setdefault("parallel", True)
    return njit(fn, **options)
