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
