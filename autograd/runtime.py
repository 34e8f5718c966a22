"""The one owner of threads: Numba's thread count, OpenBLAS's thread count and the
single-threaded scopes kernels need, and the kernel worker pool that runs the chunked
kernels and the convolutions' tasks.

Nothing else in numbagrad configures threads or reads thread environment variables.
This module imports no engine module (kernels may use it) and does not import Numba
until a kernel first runs, so ``import autograd`` stays cheap.

Choices, each for a measured reason (see ``benchmarks/NOTES.md``):

* Multi-core kernels are serial ``nogil`` Numba kernels run once per thread
  (:func:`chunked_kernel`), not ``parallel=True`` kernels: those cost 0.6-1.2 s more to
  compile each, and Numba's threading layers either spin (OpenMP) or abort when two user
  threads enter at once (workqueue).
* Their parts run on :mod:`autograd.kernels._native_pool`'s native threads, which also
  take NumPy's OpenBLAS partitions (through OpenBLAS's threads callback, process-wide,
  from the first kernel call on): one set of workers for GEMMs and kernels, so neither
  spins while the other waits for a core, and no GIL hand-off per part. Where that pool
  cannot run (not Linux x86-64, another BLAS, ``NUMBA_DISABLE_JIT``, or
  ``NUMBAGRAD_NATIVE_POOL=0``), a Python thread pool runs them; its workers block, never
  spin.
* OpenBLAS is made single-threaded inside :func:`blas_single_threaded` scopes, where our
  own threads each run small GEMMs on cache-resident blocks.
* :func:`set_num_threads` sets OpenBLAS's and the worker pool's thread count at once, for
  the whole process (as ``torch.set_num_threads``).
"""
from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .kernels import _blas

__all__ = ["CHUNKED_MIN_SIZE", "CHUNKED_MIN_SIZE_STREAMING", "blas_single_threaded",
           "chunked_kernel", "configure_numba", "get_num_threads",
           "run_tasks", "set_num_threads"]

_state_lock = threading.Lock()
_threads: list[int | None] = [None]   # process-wide thread count; None: not chosen yet
_local = threading.local()            # per thread: whether it is running a pool task


# ---------------------------------------------------------------------------- Numba
def configure_numba() -> Any:
    """Import Numba (on first use, so that ``import autograd`` stays cheap) and return it.
    The kernel loader calls it before anything compiles."""
    import numba
    return numba


_native: list[Any] = [None]     # kernels._native_pool once started, False when not used


def _native_pool() -> Any:
    """The started native pool module, or None (see the module docstring)."""
    pool = _native[0]
    if pool is None:
        with _state_lock:
            if _native[0] is None:
                _native[0] = False
                if os.environ.get("NUMBAGRAD_NATIVE_POOL", "1") != "0":
                    from .kernels import _native_pool as native_pool
                    if native_pool.start():
                        import atexit
                        atexit.register(native_pool.stop)
                        _native[0] = native_pool
            pool = _native[0]
    return pool or None


def _default_threads() -> int:
    numba = configure_numba()
    return max(1, int(numba.config.NUMBA_NUM_THREADS))


def get_num_threads() -> int:
    """The number of threads parallel kernels, BLAS and the worker pool use."""
    n = _threads[0]
    if n is None:
        n = _threads[0] = _default_threads()
    return n


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for parallel kernels, BLAS and the worker pool (process-wide).

    Raises:
        ValueError: ``n`` is not a positive integer, or exceeds Numba's pool size
            (``NUMBA_NUM_THREADS``, by default the number of cores).
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive integer, got {n!r}")
    numba = configure_numba()
    limit = int(numba.config.NUMBA_NUM_THREADS)
    if n > limit:
        raise ValueError(f"set_num_threads: {n} threads requested, but Numba's pool has "
                         f"{limit} (set NUMBA_NUM_THREADS before the first kernel runs)")
    with _state_lock:
        _threads[0] = n
        lib = _blas.library()
        if "set_threads" in lib:
            if _blas_scope[0]:
                _blas_scope[1] = n      # restored when the single-threaded scopes end
            else:
                lib["set_threads"](n)


#: A chunked kernel whose first argument has fewer elements runs on the calling thread
#: alone: waking the pool costs tens of microseconds (benchmarks/NOTES.md, "fused
#: activations").
CHUNKED_MIN_SIZE = 1 << 15


#: The same for kernels that stream memory with about one operation per element loaded
#: (ReLU and leaky ReLU, forward and backward): one thread runs them at memory speed, and on a VM
#: where waking the pool's thread took 0.15-0.3 ms they ran faster serially up to at
#: least 1M elements (benchmarks/NOTES.md, "Waking the pool"). Max pooling, with a few
#: operations per element, still gained from two threads at W2's 1.4M.
CHUNKED_MIN_SIZE_STREAMING = 1 << 21


#: The streaming threshold when the native pool runs the parts: a part starts within
#: microseconds there. Serial vs pooled leaky ReLU, us, on a Zen 5 VM: 7.9 vs 10.9 at 64k
#: elements, 15.0 vs 12.8 at 128k, 30.2 vs 21.9 at 256k (on the Zen 3 VM before, 256k
#: still tied; benchmarks/NOTES.md, "One native pool" and "Sixth session").
NATIVE_MIN_SIZE_STREAMING = 1 << 17


def chunked_kernel(dispatcher: Any, min_size: int = CHUNKED_MIN_SIZE) -> Callable[..., None]:
    """Wrap a compiled ``nogil`` kernel taking trailing ``part, parts`` arguments (see
    ``autograd.kernels._jit.njit_chunked``): one call per thread, each with its part, on
    the native pool (or the Python pool where that cannot run); one call with the whole
    range when the first argument is an array of fewer than ``min_size`` elements
    (:data:`CHUNKED_MIN_SIZE` unless the kernel says otherwise), or under
    ``NUMBA_DISABLE_JIT`` (Python threads would only queue on the GIL)."""
    numba = configure_numba()
    plain_python = bool(numba.config.DISABLE_JIT)
    pool = _native_pool()   # kernels are loading: GEMMs run on the same threads from now on
    least = min(min_size, NATIVE_MIN_SIZE_STREAMING) if pool is not None else min_size

    def call(*args: Any) -> None:
        parts = 1 if plain_python else get_num_threads()
        first = args[0] if args else None
        if (parts == 1 or getattr(first, "size", least) < least
                or getattr(_local, "in_task", False)):
            dispatcher(*args, 0, 1)
            return
        if pool is not None and pool.run_chunked(dispatcher, args, parts):
            return
        run_tasks(_no_state, lambda _, i: dispatcher(*args, i, parts), parts)

    call.__name__ = getattr(dispatcher, "__name__", "kernel")
    call.__qualname__ = getattr(dispatcher, "__qualname__", call.__name__)
    call.__doc__ = getattr(dispatcher, "__doc__", None)
    call.__wrapped__ = dispatcher  # type: ignore[attr-defined]
    return call


def _no_state() -> None:
    return None


# ---------------------------------------------------------------------------- BLAS
_blas_lock = threading.Lock()
_blas_scope: list[int] = [0, 0]      # callers inside, thread count to restore


@contextmanager
def blas_single_threaded() -> Iterator[None]:
    """Make OpenBLAS single-threaded while inside; the count comes back when the last
    (possibly concurrent) user leaves. Other threads' BLAS calls meanwhile are
    single-threaded too. A no-op when NumPy's OpenBLAS is not found."""
    lib = _blas.library()
    if "set_threads" not in lib:
        yield
        return
    with _blas_lock:
        if _blas_scope[0] == 0:
            _blas_scope[1] = lib["get_threads"]()
            lib["set_threads"](1)
        _blas_scope[0] += 1
    try:
        yield
    finally:
        with _blas_lock:
            _blas_scope[0] -= 1
            if _blas_scope[0] == 0:
                lib["set_threads"](_blas_scope[1])


def blas_num_threads() -> int | None:
    """OpenBLAS's current thread count, or None when the library is not found."""
    lib = _blas.library()
    return lib["get_threads"]() if "get_threads" in lib else None


# ---------------------------------------------------------------------------- worker pool
_pool: list[Any] = [None, 0]  # executor, its worker count
_pool_lock = threading.Lock()


def num_threads() -> int:
    """Threads :func:`run_tasks` uses (the process-wide count)."""
    return get_num_threads()


def _executor(workers: int) -> ThreadPoolExecutor:
    with _pool_lock:
        if _pool[0] is None or _pool[1] < workers:
            if _pool[0] is not None:
                _pool[0].shutdown(wait=False)
            _pool[0] = ThreadPoolExecutor(workers, thread_name_prefix="autograd-kernels")
            _pool[1] = workers
        return _pool[0]


def run_tasks(make_state: Callable[[], Any], task: Callable[[Any, int], Any],
              n_tasks: int) -> list[Any]:
    """Run ``task(state, i)`` for ``i in range(n_tasks)`` on ``min(num_threads(), n_tasks)``
    threads and return the results in index order.

    Each thread first calls ``make_state()`` once (its scratch buffers), then takes the
    next unclaimed index until none is left, so a thread slowed by a busy core simply
    does fewer tasks. Which thread ran a task never shows in the results: a caller that
    reduces them in index order gets the same bits on every run and at any thread count.
    The calling thread is one of the workers. The first exception raised is re-raised
    after every thread has stopped writing.
    """
    threads = max(1, min(num_threads(), n_tasks))
    if getattr(_local, "in_task", False):
        # called from inside a task: the pool's workers may all be waiting on this thread,
        # so queueing more work behind them could deadlock; the cores are busy anyway
        threads = 1
    results: list[Any] = [None] * n_tasks
    claim = itertools.count()
    lock = threading.Lock()
    failed: list[BaseException] = []

    def run() -> None:
        outer = getattr(_local, "in_task", False)
        _local.in_task = True
        try:
            state = make_state()
            while not failed:
                with lock:
                    i = next(claim)
                if i >= n_tasks:
                    return
                try:
                    results[i] = task(state, i)
                except BaseException as e:  # stop the other threads at their next claim
                    failed.append(e)
                    raise
        finally:
            _local.in_task = outer

    if threads == 1:
        run()
        return results
    native = _native[0] or None
    if native is not None:      # its idle workers sleep at once: these threads need the cores
        native.set_spinning(False)
    futures = [_executor(threads - 1).submit(run) for _ in range(threads - 1)]
    try:
        run()
    finally:  # never return (or raise) while a pool thread still writes into shared output
        for f in futures:
            f.exception()
        if native is not None:
            native.set_spinning(True)
    for f in futures:
        f.result()
    return results


# ---------------------------------------------------------------------------- fork
def _after_fork_in_child() -> None:
    """Threads and held locks do not survive ``fork``: the child starts clean."""
    global _blas_lock, _pool_lock, _state_lock
    _blas_lock, _pool_lock, _state_lock = threading.Lock(), threading.Lock(), threading.Lock()
    _blas_scope[0] = 0
    _pool[0], _pool[1] = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
