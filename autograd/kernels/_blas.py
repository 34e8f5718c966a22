"""NumPy's own OpenBLAS, called directly through its CBLAS interface via ``ctypes``.

Two things NumPy's wrappers cannot do, and the convolution kernels need:

* GEMM on *offset views* whose leading dimension is larger than their width (a kernel
  tap's window into a padded grid): ``np.matmul`` would copy them first;
* run GEMMs single-threaded for a while (:func:`single_threaded`), so that several of
  our own threads can each run small GEMMs on cache-resident blocks without OpenBLAS's
  thread pool in between. Left to itself, OpenBLAS decides per call (by ``M*N*K``)
  whether to use its pool, and concurrent calls that do were erratic: 12.8 to 30 ms for
  the same W6 stage. ``openblas_set_num_threads_local`` would be the tool, but in this
  (pthreads) build it changes the *global* count: a thread that set it to 1 halved
  ``np.matmul``'s speed everywhere until it was reset.

NumPy has already loaded the library, so ``CDLL`` only returns a handle to it (the same
thread pool as ``np.matmul``). ctypes releases the GIL for the duration of each call.
Everything here returns ``None`` when the library is not found (another NumPy build);
callers then fall back to plain NumPy paths.
"""
from __future__ import annotations

import ctypes
import glob
import os
import threading
from contextlib import contextmanager

import numpy as np

__all__ = ["ROW_MAJOR", "NO_TRANS", "TRANS", "gemm_fn", "single_threaded"]

ROW_MAJOR, NO_TRANS, TRANS = 101, 111, 112

_cache: list = []


def _load():
    if _cache:
        return _cache[0]
    found = {}
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


def gemm_fn(dtype):
    """``cblas_?gemm`` of NumPy's OpenBLAS for ``dtype`` (float32/64), or None if absent.

    Signature (row-major CBLAS): ``f(ROW_MAJOR, transa, transb, M, N, K, alpha, a_ptr, lda,
    b_ptr, ldb, beta, c_ptr, ldc)`` with integer addresses (``arr.ctypes.data + offset``).
    """
    return _load().get(np.dtype(dtype))


_single = threading.Lock()
_single_state = [0, 0]  # how many callers are inside, thread count to restore


def _reset_after_fork() -> None:  # a fork inside single_threaded() must not leave it held
    global _single
    _single = threading.Lock()
    _single_state[0] = 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


@contextmanager
def single_threaded():
    """Make OpenBLAS single-threaded while inside; the old count comes back when the last
    (possibly concurrent) user leaves. Other threads' BLAS calls made meanwhile are
    single-threaded too; a no-op when the library is not found."""
    lib = _load()
    if "set_threads" not in lib:
        yield
        return
    with _single:
        if _single_state[0] == 0:
            _single_state[1] = lib["get_threads"]()
            lib["set_threads"](1)
        _single_state[0] += 1
    try:
        yield
    finally:
        with _single:
            _single_state[0] -= 1
            if _single_state[0] == 0:
                lib["set_threads"](_single_state[1])
