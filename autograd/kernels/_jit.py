"""The single place Numba is configured.

``njit`` compiles with ``cache=True`` (on-disk cache, so the second process start is
warm); ``njit_parallel`` adds ``parallel=True`` for kernels whose outermost loop is a
``prange``. Numba honours ``NUMBA_NUM_THREADS``; ``NUMBA_DISABLE_JIT=1`` runs every
kernel as plain Python for debugging and coverage.

Importing Numba itself costs most of a second, so the decorators are lazy: they return a
stand-in, and the first call of any kernel imports Numba and swaps every stand-in in every
``autograd.kernels`` module for a real dispatcher (and ``prange`` for ``numba.prange``)
*before* anything compiles, so kernels calling kernels resolve normally. ``import
autograd`` therefore compiles nothing and does not even import Numba.
"""
from __future__ import annotations

import os
import sys
import threading

__all__ = ["njit", "njit_parallel", "prange"]

# Stand-in until Numba is loaded; in plain Python a prange loop is a range loop.
prange = range

_lock = threading.Lock()
_loaded = [False]


class _LazyKernel:
    """A kernel not compiled yet: the first call materialises all kernels, then delegates."""

    def __init__(self, fn, options):
        self.py_func = fn
        self.options = options
        self.dispatcher = None
        self.__name__ = fn.__name__
        self.__qualname__ = fn.__qualname__
        self.__doc__ = fn.__doc__
        self.__module__ = fn.__module__
        self.__wrapped__ = fn

    def __call__(self, *args, **kwargs):
        if self.dispatcher is None:
            _materialize()
        return self.dispatcher(*args, **kwargs)

    def __repr__(self):
        return f"<lazy numba kernel {self.__qualname__}>"


def _configure_threading() -> None:
    """Use Numba's 'workqueue' threading layer unless the user chose one.

    The OpenMP layer's idle workers spin-wait; next to NumPy's OpenBLAS pool (and PyTorch's
    OpenMP pool in a side-by-side benchmark) on a 2-core machine they steal the cores from
    each other: W2 ran at 15 steps/s with 'omp' and 29 with 'workqueue', and torch's W3 in
    the same process fell from 212 to 6 steps/s. Our prange loops are coarse (over N*C
    planes), so the simpler pool costs nothing measurable.
    """
    if "NUMBA_THREADING_LAYER" in os.environ:
        return
    os.environ["NUMBA_THREADING_LAYER"] = "workqueue"
    if "numba" in sys.modules:  # imported before us: its config already read the environment
        sys.modules["numba"].config.THREADING_LAYER = "workqueue"


def _materialize() -> None:
    with _lock:
        _configure_threading()
        import numba
        for name, module in list(sys.modules.items()):
            if not name.startswith(__package__ + ".") or module is None:
                continue
            g = vars(module)
            if g.get("prange") is range:
                g["prange"] = numba.prange
            for attr, obj in list(g.items()):
                if isinstance(obj, _LazyKernel):
                    if obj.dispatcher is None:
                        obj.dispatcher = numba.njit(**obj.options)(obj.py_func)
                    g[attr] = obj.dispatcher
        _loaded[0] = True


def njit(fn=None, **options):
    """``numba.njit(cache=True, **options)``, compiled lazily; ``@njit`` or ``@njit(...)``."""
    options.setdefault("cache", True)
    if fn is None:
        return lambda f: _wrap(f, options)
    return _wrap(fn, options)


def _wrap(fn, options):
    if _loaded[0]:  # a kernel module imported after Numba was loaded: compile lazily as usual
        import numba
        module = sys.modules.get(fn.__module__)
        if module is not None and vars(module).get("prange") is range:
            vars(module)["prange"] = numba.prange
        return numba.njit(**options)(fn)
    return _LazyKernel(fn, options)


def njit_parallel(fn=None, **options):
    """``njit`` with ``parallel=True``: the outermost ``prange`` loop runs on all threads."""
    options.setdefault("parallel", True)
    return njit(fn, **options)
