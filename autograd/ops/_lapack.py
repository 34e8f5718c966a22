"""Shared checks and errors of the linear-algebra ops (``autograd.linalg``).

``LinAlgError`` and the messages follow PyTorch's ``_linalg_check_errors``: the API
name, ``(Batch element i)`` for batched input, then the LAPACK failure in words.
"""
from __future__ import annotations

import numpy as np

from ..dtypes import no_kernel, scalar_name
from ..tensor import Tensor

__all__ = ["LinAlgError", "check_float", "check_square", "check_matrix", "raise_info",
           "first_failure"]


class LinAlgError(RuntimeError):
    """A matrix that LAPACK cannot factorise or invert (not positive-definite, singular,
    no convergence): PyTorch's ``torch.linalg.LinAlgError``, a RuntimeError."""


def check_float(api: str, x: Tensor, kernel: str | None = None) -> None:
    """PyTorch's errors for a non-float input: RuntimeError ``linalg.inv: Expected a
    floating point or complex tensor as input. Got Long``, or with ``kernel`` given the
    dispatch error (``"linalg_eigh_cpu" not implemented for 'Int'``)."""
    dt = x._data.dtype
    if dt.kind in "fc" and dt != np.float16:
        return
    if kernel is not None:
        raise no_kernel(kernel, dt)
    if dt == np.float16:
        raise RuntimeError(f"{api}: Low precision dtypes not supported. Got Half")
    raise RuntimeError(f"{api}: Expected a floating point or complex tensor as input. "
                       f"Got {scalar_name(dt)}")


def check_matrix(api: str, x: Tensor, name: str = "A") -> None:
    """RuntimeError unless ``x`` has at least 2 dims (PyTorch's wording)."""
    if x._data.ndim < 2:
        raise RuntimeError(f"{api}: The input tensor {name} must have at least 2 dimensions.")


def check_square(api: str, x: Tensor, name: str = "A") -> None:
    """RuntimeError unless ``x`` is a batch of square matrices (PyTorch's wording)."""
    check_matrix(api, x, name)
    m, n = x._data.shape[-2:]
    if m != n:
        raise RuntimeError(f"{api}: {name} must be batches of square matrices, but they are "
                           f"{m} by {n} matrices")


_FAILURE = {
    "inv": "The diagonal element {info} is zero, the inversion could not be completed "
           "because the input matrix is singular.",
    "solve": "The solver failed because the input matrix is singular.",
    "cholesky": "The factorization could not be completed because the input is not "
                "positive-definite (the leading minor of order {info} is not "
                "positive-definite).",
    "svd": "The algorithm failed to converge because the input matrix is ill-conditioned "
           "or has too many repeated singular values (error code: {info}).",
    "eig": "The algorithm failed to converge because the input matrix is ill-conditioned "
           "or has too many repeated eigenvalues (error code: {info}).",
}


def raise_info(api: str, kind: str, info: int, batch_index: int | None) -> None:
    """Raise ``LinAlgError`` for LAPACK failure ``info`` (``kind`` one of inv, solve,
    cholesky, svd, eig); ``batch_index`` is None for a single matrix."""
    where = "" if batch_index is None else f" (Batch element {batch_index}):"
    raise LinAlgError(f"{api}:{where} " + _FAILURE[kind].format(info=info))


def first_failure(a: np.ndarray, info_of) -> tuple[int, int | None]:
    """``(info, batch_index)`` of the first matrix in ``a`` (..., n, n) whose ``info_of``
    is non-zero; batch_index is None for an unbatched ``a``; ``(0, None)`` if none fails."""
    if a.ndim == 2:
        return info_of(a), None
    flat = a.reshape(-1, *a.shape[-2:])
    for i, m in enumerate(flat):
        info = info_of(m)
        if info:
            return info, i
    return 0, None
