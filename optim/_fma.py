"""``axpy(alpha, x, y)``: ``y + alpha * x`` with one rounding per element (a fused
multiply-add), as PyTorch's CPU ``Tensor.add_(other, alpha=...)`` computes it.

L-BFGS's two-loop recursion and parameter update are all ``add_`` with ``alpha``; on an
ill-conditioned problem (Rosenbrock) a one-ulp difference there grows until the
iterates part, so the update uses LLVM's ``fma`` intrinsic through Numba.
"""
from __future__ import annotations

import numpy as np
from numba import njit
from numba.extending import intrinsic

__all__ = ["axpy_"]


@intrinsic
def _fma(typingctx, a, b, c):
    sig = a(a, a, a)

    def codegen(context, builder, signature, args):
        return builder.fma(*args)

    return sig, codegen


@njit(error_model="numpy")
def _axpy(alpha, x, y):
    for i in range(y.size):
        y[i] = _fma(x[i], alpha, y[i])


def axpy_(y: np.ndarray, x: np.ndarray, alpha) -> np.ndarray:
    """``y += alpha * x`` in place with a fused multiply-add (flat contiguous arrays of
    one float dtype); returns ``y``."""
    _axpy(y.dtype.type(alpha), np.ascontiguousarray(x, dtype=y.dtype).reshape(-1),
          y.reshape(-1))
    return y
