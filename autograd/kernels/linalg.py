"""Array-level linear algebra that NumPy's LAPACK wrappers lack: batched triangular
solves and the LAPACK ``info`` codes PyTorch's error messages quote.

NumPy has no triangular solve (SciPy's is not batched and SciPy is not a runtime
dependency), so ``solve_triangular`` is a Numba substitution over the batch; the row
updates run over the right-hand sides' columns in the innermost, contiguous loop.
``cholesky_info`` and ``lu_info`` only run on the error path (NumPy raises without the
index): they recover the number LAPACK's ``potrf``/``getrf`` would have reported.
"""
from __future__ import annotations

import numpy as np

from ._jit import njit

__all__ = ["solve_triangular", "cholesky_info", "lu_info"]


@njit(error_model="numpy")  # a zero pivot gives inf/NaN, as LAPACK's trsm
def _lower_solve(a: np.ndarray, b: np.ndarray, unit: bool) -> np.ndarray:  # pragma: no cover - jit
    # a: (batch, n, n), b: (batch, n, k) C-contiguous; forward substitution per batch
    x = b.copy()
    nb, n, k = b.shape
    for t in range(nb):
        for i in range(n):
            for j in range(i):
                aij = a[t, i, j]
                if aij != 0.0:
                    for c in range(k):
                        x[t, i, c] -= aij * x[t, j, c]
            if not unit:
                d = a[t, i, i]
                for c in range(k):
                    x[t, i, c] /= d
    return x


def solve_triangular(a: np.ndarray, b: np.ndarray, upper: bool, unit: bool) -> np.ndarray:
    """``X`` with ``A X = B`` for triangular ``A``.

    Args:
        a: (..., n, n); only the ``upper`` (or lower) triangle is read, and with ``unit``
            not the diagonal either (taken as ones).
        b: (..., n, k), batch dims broadcastable with ``a``'s.

    Returns:
        (broadcast batch..., n, k) in the dtype of ``a``. A zero on the diagonal gives
        inf/NaN, as LAPACK's ``trsm`` does (no error).
    """
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    n, k = b.shape[-2], b.shape[-1]
    aa = np.broadcast_to(a, batch + a.shape[-2:]).reshape(-1, n, n)
    bb = np.broadcast_to(b, batch + (n, k)).reshape(-1, n, k)
    if upper:  # reverse rows and columns: an upper system becomes a lower one
        aa, bb = aa[:, ::-1, ::-1], bb[:, ::-1, :]
    aa = np.ascontiguousarray(aa)
    bb = np.ascontiguousarray(bb, dtype=a.dtype)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = _lower_solve(aa, bb, bool(unit))
    if upper:
        x = x[:, ::-1, :]
    return np.ascontiguousarray(x).reshape(batch + (n, k))


def cholesky_info(a: np.ndarray) -> int:
    """LAPACK ``potrf``'s info for one (n, n) matrix: the order of the first leading
    minor (1-based) that is not positive-definite, 0 when ``a`` is positive-definite.
    Found by bisection (a leading minor of a positive-definite matrix is one)."""
    def pd(k: int) -> bool:
        try:
            np.linalg.cholesky(a[:k, :k])
        except np.linalg.LinAlgError:
            return False
        return bool(np.all(np.isfinite(a[:k, :k])))
    n = a.shape[-1]
    if pd(n):
        return 0
    lo, hi = 0, n  # pd(lo) holds (the empty minor), pd(hi) does not
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if pd(mid):
            lo = mid
        else:
            hi = mid
    return hi


def lu_info(a: np.ndarray) -> int:
    """LAPACK ``getrf``'s info for one (n, n) matrix: the 1-based index of the first
    exactly-zero pivot of LU with partial pivoting, 0 when there is none."""
    u = np.array(a, dtype=np.float64)
    n = u.shape[0]
    info = 0
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0.0:
            if info == 0:
                info = j + 1
            continue  # getrf goes on with the next column
        if p != j:
            u[[j, p]] = u[[p, j]]
        u[j + 1:, j:] -= np.outer(u[j + 1:, j] / u[j, j], u[j, j:])
    return info
