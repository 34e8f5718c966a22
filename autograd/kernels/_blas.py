"""NumPy's own OpenBLAS, called directly through its CBLAS interface via ``ctypes``.

The convolution kernels need GEMM on *offset views* whose leading dimension is larger
than their width (a kernel tap's window into a padded grid), which ``np.matmul`` would
copy first. The library's thread-count functions are found here too, but only
:mod:`autograd.runtime` calls them (it owns every thread setting).

NumPy has already loaded the library, so ``CDLL`` only returns a handle to it (the same
thread pool as ``np.matmul``). ctypes releases the GIL for the duration of each call.
Everything here returns ``None`` when the library is not found (another NumPy build);
callers then fall back to plain NumPy paths.
"""
from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["ROW_MAJOR", "NO_TRANS", "TRANS", "gemm_address", "gemm_fn", "library"]

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

_cache: list[dict[Any, Any]] = []


def library() -> dict[Any, Any]:
    """The CBLAS GEMMs, out-of-place transposes and thread-count functions of NumPy's
    OpenBLAS, keyed by dtype, ``("omatcopy", dtype)`` and ``"get_threads"`` /
    ``"set_threads"``; empty when not found (found once, cached)."""
    if _cache:
        return _cache[0]
    found: dict[Any, Any] = {}
    libdir = os.path.join(os.path.dirname(os.path.dirname(np.__file__)), "numpy.libs")
    for path in sorted(glob.glob(os.path.join(libdir, "libscipy_openblas64_*.so"))):
        try:
            lib = ctypes.CDLL(path)
            i64, ptr, enum = ctypes.c_int64, ctypes.c_void_p, ctypes.c_int
            for dt, name, real in ((np.float32, "scipy_cblas_sgemm64_", ctypes.c_float),
                                   (np.float64, "scipy_cblas_dgemm64_", ctypes.c_double)):
                f = getattr(lib, name)
                f.argtypes = [enum, enum, enum, i64, i64, i64, real, ptr, i64, ptr, i64,
                              real, ptr, i64]
                f.restype = None
                found[np.dtype(dt)] = f
            for dt, name, real in ((np.float32, "scipy_cblas_somatcopy64_", ctypes.c_float),
                                   (np.float64, "scipy_cblas_domatcopy64_", ctypes.c_double)):
                f = getattr(lib, name)
                f.argtypes = [enum, enum, i64, i64, real, ptr, i64, ptr, i64]
                f.restype = None
                found["omatcopy", np.dtype(dt)] = f
            get_threads = lib.scipy_openblas_get_num_threads64_
            get_threads.argtypes, get_threads.restype = [], ctypes.c_int
            set_threads = lib.scipy_openblas_set_num_threads64_
            set_threads.argtypes, set_threads.restype = [ctypes.c_int], None
            found["get_threads"], found["set_threads"] = get_threads, set_threads
        except (OSError, AttributeError):
            found = {}
            continue
        break
    _cache.append(found)
    return found


def gemm_fn(dtype: npt.DTypeLike) -> Callable[..., None] | None:
    """``cblas_?gemm`` of NumPy's OpenBLAS for ``dtype`` (float32/64), or None if absent.

    Signature (row-major CBLAS): ``f(ROW_MAJOR, transa, transb, M, N, K, alpha, a_ptr, lda,
    b_ptr, ldb, beta, c_ptr, ldc)`` with integer addresses (``arr.ctypes.data + offset``).
    """
    return library().get(np.dtype(dtype))


def transpose_into(a: np.ndarray, out: np.ndarray) -> bool:
    """``out[...] = a.T`` for C-contiguous 2-D float32/float64 ``a`` [m, n] and ``out`` [n, m]
    of its dtype, by OpenBLAS's ``cblas_?omatcopy`` (blocked: 3-5x faster than NumPy's
    transposing copy at conv grad-weight sizes, benchmarks/NOTES.md). False, having done
    nothing, where that function is absent or the operands do not fit."""
    f = library().get(("omatcopy", a.dtype))
    if (f is None or a.ndim != 2 or out.shape != a.shape[::-1] or out.dtype != a.dtype
            or not a.flags.c_contiguous or not out.flags.c_contiguous):
        return False
    m, n = a.shape
    if m and n:
        f(ROW_MAJOR, TRANS, m, n, 1.0, a.ctypes.data, n, out.ctypes.data, m)
    return True


def gemm_address(dtype: npt.DTypeLike) -> int | None:
    """The address of :func:`gemm_fn`'s function (for kernels that call it themselves, see
    ``autograd.kernels._jit.gemm_call``), or None if absent."""
    fn: Any = gemm_fn(dtype)  # a ctypes function object
    if fn is None:
        return None
    hit = _addresses.get(id(fn))  # ctypes.cast costs ~1 us, and every conv pass asks
    if hit is None or hit[0] is not fn:
        hit = _addresses[id(fn)] = (fn, ctypes.cast(fn, ctypes.c_void_p).value)
    return hit[1]


_addresses: dict[int, tuple[Any, int | None]] = {}  # id(fn) -> (fn, its address)
