"""Recycled memory for the kernels' large outputs.

A training step allocates the same large arrays every step (activations, their gradients,
convolution outputs) and frees them by the end of it. glibc hands such blocks back to the
system, so the next step's arrays start on fresh pages, and every page is a page fault on
first touch: about 3 us per 4 KiB page on the VMs we measure on, as long as the arithmetic on
it (a W2 step took ~2800 faults). :func:`empty` keeps freed blocks and hands them out again
for the next array of the same size, as PyTorch's caching allocator does on GPUs.

How a block comes back: blocks are ``bytearray`` objects. The array returned is a plain
``np.ndarray`` viewing a fresh private ``_Recycled`` array, which views the block. NumPy
records the ``_Recycled`` array as the base of the result and of every view of it (a base
chain stops at a change of type), so it dies with the last of them, and its ``__del__``
puts the block on the free list of its size.

Only arrays of at least :data:`MIN_BYTES` go through here (smaller ones come from malloc's
heap without faults), and at most :data:`MAX_FREE_BYTES` wait on the free lists.
"""
from __future__ import annotations

import math
import os
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _blas

__all__ = ["MAX_FREE_BYTES", "MIN_BYTES", "addmm_t", "empty", "empty_like", "matmul",
           "owns_memory", "release"]

#: Smaller arrays are plain ``np.empty``.
MIN_BYTES = 256 << 10
#: Freed blocks beyond this total go back to malloc.
MAX_FREE_BYTES = 1 << 30
_PAGE = 4096

_lock = threading.RLock()  # re-entrant: a __del__ may run inside the locked region
_free: dict[int, list[bytearray]] = {}
_free_bytes = [0]


class _Recycled(np.ndarray):
    """The view that owns a block's return: when it dies, the block is free again."""

    def __del__(self) -> None:
        block = self.base
        if not isinstance(block, bytearray):
            return
        try:
            _give_back(block)
        except (AttributeError, NameError, TypeError):
            return  # interpreter shutdown: this module's globals are already gone


def _give_back(block: bytearray) -> None:
    size = len(block)
    with _lock:
        if _free_bytes[0] + size <= MAX_FREE_BYTES:
            _free.setdefault(size, []).append(block)
            _free_bytes[0] += size


def empty(shape: Sequence[int] | int, dtype: Any) -> np.ndarray:
    """An uninitialised C-contiguous array, like ``np.empty(shape, dtype)``, on recycled
    memory when it is large (see the module docstring)."""
    dtype = np.dtype(dtype)
    # the small case first and cheaply: most calls are small tensors on the op hot path
    nbytes = (shape if isinstance(shape, (int, np.integer)) else math.prod(shape)) * dtype.itemsize
    if nbytes < MIN_BYTES or dtype.hasobject:
        return np.empty(shape, dtype=dtype)
    shape = (int(shape),) if isinstance(shape, (int, np.integer)) else tuple(int(s) for s in shape)
    size = -(-int(nbytes) // _PAGE) * _PAGE
    block = None
    with _lock:
        blocks = _free.get(size)
        if blocks:
            block = blocks.pop()
            _free_bytes[0] -= size
    if block is None:
        block = bytearray(size)
    owner = _Recycled((size,), dtype=np.uint8, buffer=block)
    return np.ndarray(shape, dtype=dtype, buffer=owner)


def empty_like(a: np.ndarray) -> np.ndarray:
    """:func:`empty` with ``a``'s shape and dtype (always C-contiguous)."""
    return empty(a.shape, a.dtype)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.matmul(a, b)``, written into :func:`empty` when both operands have at least 2
    dims. Shapes: a [*, m, k], b [*, k, n] (batch dims broadcast) -> [*, m, n]."""
    if a.ndim < 2 or b.ndim < 2:
        return np.matmul(a, b)
    if a.ndim == 2 and b.ndim == 2:
        shape: tuple[int, ...] = (a.shape[0], b.shape[1])
    else:
        shape = np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + (a.shape[-2], b.shape[-1])
    dtype = a.dtype if a.dtype is b.dtype else np.result_type(a, b)
    if math.prod(shape) * dtype.itemsize < MIN_BYTES:
        return np.matmul(a, b)
    return np.matmul(a, b, out=empty(shape, dtype))


def addmm_t(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``x @ w.T + b`` (a linear layer with bias) as one BLAS call: the output starts as
    ``b`` broadcast over the rows and the GEMM adds the product to it (``beta = 1``), as
    PyTorch's ``addmm``, instead of a second pass adding ``b`` to the product. Same
    rounding (one product, one add per element). Shapes: x [m, k], w [n, k], b [n] ->
    [m, n]; NumPy's ``matmul`` and ``+`` where the GEMM cannot take the operands (another
    dtype, non-contiguous ``x``/``w``, small outputs)."""
    m, n = x.shape[0], w.shape[0]
    gemm = _blas.gemm_fn(x.dtype) if x.dtype.kind == "f" else None
    if (gemm is None or m * n * x.itemsize < MIN_BYTES or not (x.dtype == w.dtype == b.dtype)
            or not x.flags.c_contiguous or not w.flags.c_contiguous or x.shape[1] == 0):
        out = matmul(x, w.T)
        out += b
        return out
    out = empty((m, n), x.dtype)
    out[...] = b
    k = x.shape[1]
    gemm(_blas.ROW_MAJOR, _blas.NO_TRANS, _blas.TRANS, m, n, k, 1.0, x.ctypes.data, k,
         w.ctypes.data, k, 1.0, out.ctypes.data, n)
    return out


def owns_memory(a: np.ndarray) -> bool:
    """Whether ``a`` is no view of another array: NumPy's own ``a.base is None``, or a
    result of :func:`empty` (whose base is only the private block owner)."""
    return a.base is None or type(a.base) is _Recycled


def release() -> None:
    """Give every waiting block back to malloc."""
    with _lock:
        _free.clear()
        _free_bytes[0] = 0


def _after_fork_in_child() -> None:
    global _lock
    _lock = threading.RLock()
    _free.clear()
    _free_bytes[0] = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
