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
