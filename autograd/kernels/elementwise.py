"""Elementwise kernels NumPy lacks (erf)."""
from __future__ import annotations

import math

import numpy as np

from ._jit import njit


@njit
def _erf_flat(x, out):
    for i in range(x.size):
        out[i] = math.erf(x[i])


def erf(x: np.ndarray) -> np.ndarray:
    """Gauss error function, elementwise; same shape and dtype as ``x``."""
    x = np.ascontiguousarray(x)
    out = np.empty_like(x)
    _erf_flat(x.reshape(-1), out.reshape(-1))
    return out


@njit
def _relu_backward_flat(g, y, out):
    # Serial on purpose: one memory-bound pass gains nothing from a second thread, and
    # the parallel version paid for waking Numba's pool (figures in benchmarks/NOTES.md).
    for i in range(g.size):
        out[i] = g[i] if y[i] > 0 else 0


def relu_backward(g: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``g * (y > 0)`` in one pass (ReLU's backward; y is the ReLU output).

    Shapes: g and y equal; returns an array of g's shape and dtype. NumPy's version takes
    two passes and a float*bool cast, about 3x slower.
    """
    g = np.ascontiguousarray(g)
    y = np.ascontiguousarray(y)
    out = np.empty_like(g)
    if g.ndim == 0:
        out[...] = g if y > 0 else 0
        return out
    _relu_backward_flat(g.reshape(-1), y.reshape(-1), out.reshape(-1))
    return out
