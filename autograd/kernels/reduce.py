"""Array-level reductions used by the engine."""
from __future__ import annotations

import numpy as np


def sum_to(x: np.ndarray, shape: tuple) -> np.ndarray:
    """Sum ``x`` over broadcast dimensions so that the result has ``shape``.

    ``shape`` must broadcast to ``x.shape`` (the reverse of ``np.broadcast_to``).
    Raises ValueError otherwise.
    """
    shape = tuple(shape)
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    if lead < 0:
        raise ValueError(f"sum_to: cannot reduce shape {x.shape} to {shape}")
    axes = list(range(lead))
    for i, s in enumerate(shape):
        xs = x.shape[lead + i]
        if s == 1 and xs != 1:
            axes.append(lead + i)
        elif s != xs:
            raise ValueError(f"sum_to: cannot reduce shape {x.shape} to {shape}")
    out = x.sum(axis=tuple(axes), keepdims=True) if axes else x
    if lead:
        out = out.reshape(shape)
    return out


#: The dtypes :func:`matrix_sums` sums with BLAS.
GEMV_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def matrix_sums(a: np.ndarray, axis: int) -> np.ndarray:
    """``a.sum(axis)`` of a 2-D array [m, n] (axis 0 -> [n], axis 1 -> [m]); float32 and
    float64 as a GEMV with a vector of ones, on BLAS's threads (1.5x NumPy's reduction at
    W7's [1024, 384], 3-4x for a conv bias gradient's two stages)."""
    if a.dtype in GEMV_DTYPES:
        ones = np.ones(a.shape[axis], a.dtype)
        return ones @ a if axis == 0 else a @ ones
    return a.sum(axis)
