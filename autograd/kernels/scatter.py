"""Row scatter-add: the backward of selecting rows (``index_select`` on dim 0,
``x[idx]``, ``embedding``).

``np.add.at`` handles repeated indices but runs a general buffered loop per element
(about 10x slower than a plain copy); here each selected row's gradient is added to its
destination row with one contiguous inner loop, in index order, so repeated indices
accumulate exactly as ``np.add.at`` does.
"""
from __future__ import annotations

import numpy as np

from ._jit import njit

__all__ = ["scatter_add_rows"]


@njit(error_model="numpy")
def _scatter_rows(out, idx, g):
    n = out.shape[0]
    for r in range(idx.shape[0]):
        dst = idx[r]
        if dst < 0:  # counted from the end (bounds were checked by the forward)
            dst += n
        for c in range(out.shape[1]):
            out[dst, c] += g[r, c]


def scatter_add_rows(g: np.ndarray, idx: np.ndarray, n_rows: int) -> np.ndarray:
    """``out = zeros((n_rows, *g.shape[1:]))`` with ``out[idx[r]] += g[r]`` for every r
    (repeated indices accumulate). Shapes: g (len(idx), *), idx (len(idx),) integer in
    [-n_rows, n_rows); returns g's dtype."""
    out = np.zeros((n_rows, *g.shape[1:]), dtype=g.dtype)
    if g.size == 0:
        return out
    width = int(np.prod(g.shape[1:], dtype=np.int64))
    g2 = np.ascontiguousarray(g).reshape(len(idx), width)
    _scatter_rows(out.reshape(n_rows, width), np.ascontiguousarray(idx, dtype=np.int64), g2)
    return out
