"""Run GIL-free chunk work on one Python thread per core.

For pipelines that alternate Numba loops and BLAS calls on small cache-resident blocks
(see :mod:`autograd.kernels.winograd`), a ``prange`` kernel per stage with OpenBLAS's
pool in between does not work on a small machine: the two pools' spinning workers take
the cores from each other (a W6 forward took 46 ms that way against 26 ms for its
stages run separately). Instead every thread here runs the *whole* pipeline on the chunks
it takes, best as one ``nogil`` Numba call per chunk that also makes the (single-threaded)
BLAS calls: the threads then run truly in parallel and no pool waits on another. Python
between the calls holds the GIL: 16 ctypes GEMM calls per chunk made W6 20-30% slower.

The calling thread is one of the workers; the others live in a persistent pool (created
on first use, recreated after ``fork``). The thread count is Numba's
(``NUMBA_NUM_THREADS``, ``numba.set_num_threads``).
"""
from __future__ import annotations

import itertools
import os
import threading
from concurrent.futures import ThreadPoolExecutor

__all__ = ["num_threads", "run_tasks"]

_pool: list = [None, 0]  # executor, its worker count
_pool_lock = threading.Lock()


def _forget_pool() -> None:  # threads do not survive fork; the child makes a new pool
    _pool[0], _pool[1] = None, 0


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def num_threads() -> int:
    """Threads the chunk runner uses: Numba's thread count for the calling thread."""
    from ._jit import _configure_threading
    _configure_threading()  # asking Numba launches its pool: pick the layer first
    import numba
    return max(1, int(numba.get_num_threads()))


def _executor(workers: int) -> ThreadPoolExecutor:
    with _pool_lock:
        if _pool[0] is None or _pool[1] < workers:
            if _pool[0] is not None:
                _pool[0].shutdown(wait=False)
            _pool[0] = ThreadPoolExecutor(workers, thread_name_prefix="autograd-kernels")
            _pool[1] = workers
        return _pool[0]


def run_tasks(make_state, task, n_tasks: int) -> list:
    """Run ``task(state, i)`` for ``i in range(n_tasks)`` on ``min(num_threads(), n_tasks)``
    threads and return the results in index order.

    Each thread first calls ``make_state()`` once (its scratch buffers), then takes the
    next unclaimed index until none is left, so a thread slowed by a busy core simply
    does fewer tasks. Which thread ran a task never shows in the results: a caller that
    reduces them in index order gets the same bits on every run and at any thread count.
    The first exception raised is re-raised after every thread has stopped writing.
    """
    threads = max(1, min(num_threads(), n_tasks))
    results = [None] * n_tasks
    claim = itertools.count()
    lock = threading.Lock()
    failed = []

    def run():
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

    if threads == 1:
        run()
        return results
    futures = [_executor(threads - 1).submit(run) for _ in range(threads - 1)]
    try:
        run()
    finally:  # never return (or raise) while a pool thread still writes into shared output
        for f in futures:
            f.exception()
    for f in futures:
        f.result()
    return results
