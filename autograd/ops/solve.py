"""Linear systems and matrix functions as differentiable ops: triangular and general
solves, inverse, determinant, log|det|, matrix exponential, pseudo-inverse.

All are batched over leading dims. Each backward is written with these same ops (and
matmul), so second derivatives (Hessian-vector products through ``inv``, ``det``,
``solve``) work. The formulas are PyTorch's (``FunctionsManual.cpp``), re-derived:
for ``X = A^{-1} B``, ``gB = A^{-T} gX`` and ``gA = -gB X^T``.
"""
from __future__ import annotations

import numpy as np

from ..kernels import linalg as K
from ..node import Op
from ..tensor import Tensor, _wrap
from ._lapack import first_failure, raise_info

__all__ = ["SolveTriangular", "CholeskySolve", "Solve", "Inv", "Det", "LogAbsDet", "MatrixExp", "Pinv",
           "inv_array"]


def _h(x: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (the transpose for real ``x``)."""
    return x.conj().mT if x._data.dtype.kind == "c" else x.mT


def _tri_mask(g: Tensor, upper: bool, unit: bool) -> Tensor:
    """The part of ``g`` on the triangle a triangular solve reads."""
    k = 1 if unit else 0
    return g.triu(k) if upper else g.tril(-k)


class SolveTriangular(Op):
    """out = X with ``A X = B``, ``A`` (..., n, n) triangular (``upper``; ``unit``: unit
    diagonal, not read), ``B`` (..., n, k); batch dims broadcast."""

    op_name = "linalg.solve_triangular"

    @staticmethod
    def forward(ctx, a, b, upper, unit):
        return K.solve_triangular(a, b, upper, unit)

    @staticmethod
    def backward(ctx, grad):
        a, _, upper, unit = ctx.inputs
        na, nb = ctx.needs_input_grad[:2]
        gb = SolveTriangular.apply(a.mT, grad, not upper, unit)
        ga = _tri_mask(-(gb @ ctx.output.mT), upper, unit) if na else None
        return ga, gb if nb else None, None, None


class CholeskySolve(Op):
    """out = X = (L L^T)^{-1} B from the Cholesky factor ``L`` (..., n, n) (``upper``:
    ``(U^T U)^{-1} B``); ``B`` (..., n, k); batch dims broadcast.

    Backward (PyTorch's, treating the factor as a full matrix): ``gB = (L L^T)^{-1} gX``,
    ``gL = -(gB X^T + X gB^T) L`` (``upper``: ``-U (gB X^T + X gB^T)``).
    """

    op_name = "cholesky_solve"

    @staticmethod
    def forward(ctx, b, lo, upper):
        if upper:  # U^T U X = B: solve U^T Y = B, then U X = Y
            y = K.solve_triangular(np.swapaxes(lo, -1, -2), b, False, False)
            return K.solve_triangular(lo, y, True, False)
        y = K.solve_triangular(lo, b, False, False)
        return K.solve_triangular(np.swapaxes(lo, -1, -2), y, True, False)

    @staticmethod
    def backward(ctx, grad):
        _, lo, upper = ctx.inputs
        nb, nl = ctx.needs_input_grad[:2]
        gb = CholeskySolve.apply(grad, lo, upper)
        gl = None
        if nl:
            x = ctx.output
            common = gb @ x.mT + x @ gb.mT
            gl = -(lo @ common) if upper else -(common @ lo)
        return gb if nb else None, gl, None


class Solve(Op):
    """out = X with ``A X = B``, ``A`` (..., n, n), ``B`` (..., n, k); batch dims
    broadcast. Singular ``A``: LinAlgError (PyTorch's message)."""

    op_name = "linalg.solve"
    complex_ok = True  # conjugate transposes in backward (eig's backward solves with V^H)

    @staticmethod
    def forward(ctx, a, b):
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
        aa = np.broadcast_to(a, batch + a.shape[-2:])
        bb = np.broadcast_to(b, batch + b.shape[-2:])
        try:
            return np.linalg.solve(aa, bb)
        except np.linalg.LinAlgError:
            _, index = first_failure(aa, K.lu_info)
            raise_info("torch.linalg.solve", "solve", 0, index)
            raise  # pragma: no cover - raise_info always raises

    @staticmethod
    def backward(ctx, grad):
        a, _ = ctx.inputs
        na, nb = ctx.needs_input_grad
        gb = Solve.apply(_h(a), grad)
        ga = -(gb @ _h(ctx.output)) if na else None
        return ga, gb if nb else None


def inv_array(a: np.ndarray, api: str = "linalg.inv") -> np.ndarray:
    """``np.linalg.inv`` with PyTorch's LinAlgError for a singular matrix (the index of
    the zero pivot of LU, and the batch element)."""
    try:
        return np.linalg.inv(a)
    except np.linalg.LinAlgError:
        info, index = first_failure(a, K.lu_info)
        raise_info(api, "inv", info or a.shape[-1], index)
        raise  # pragma: no cover - raise_info always raises


class Inv(Op):
    """out = A^{-1} for ``A`` (..., n, n); singular: LinAlgError naming ``api``."""

    op_name = "linalg.inv"
    complex_ok = True

    @staticmethod
    def forward(ctx, a, api):
        return inv_array(a, api)

    @staticmethod
    def backward(ctx, grad):
        out = _h(ctx.output)
        return -(out @ grad @ out), None


class Det(Op):
    """out = det(A) for ``A`` (..., n, n), shape (...).

    The gradient is the cofactor matrix ``det(A) A^{-T}``; where some ``det(A)`` is 0 it
    is computed for the whole batch from the SVD (``U diag(prod_{j!=i} s_j) V^T`` times
    the signs of ``det U``, ``det V``), which stays finite for singular input.
    """

    op_name = "linalg.det"

    @staticmethod
    def forward(ctx, a):
        return np.asarray(np.linalg.det(a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        det = ctx.output
        if a._data.shape[-1] == 0:
            return grad[..., None, None] * a  # an empty matrix: an empty gradient
        if np.all(det._data != 0):
            return (grad * det)[..., None, None] * Inv.apply(a, "linalg.det").mT
        from .decomp import svd
        u, s, vh = svd(a, full_matrices=False)
        signs = np.linalg.det(u._data) * np.linalg.det(vh._data)  # +-1, locally constant
        n = s.shape[-1]
        others = s.unsqueeze(-2).expand(*s.shape[:-1], n, n)
        eye = _wrap(np.eye(n, dtype=bool))
        from .elementwise import where
        cof = where(eye, 1.0, others).prod(-1)  # prod_{j != i} s_j
        scale = (grad * _wrap(signs.astype(a._data.dtype)))[..., None] * cof
        return (u * scale.unsqueeze(-2)) @ vh


class LogAbsDet(Op):
    """out = log|det(A)| for ``A`` (..., n, n), shape (...) (-inf when singular)."""

    op_name = "linalg.slogdet"

    @staticmethod
    def forward(ctx, a):
        return np.asarray(np.linalg.slogdet(a)[1])

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.inputs
        return grad[..., None, None] * Inv.apply(a, "linalg.slogdet").mT


def _expm(a: np.ndarray) -> np.ndarray:
    """Batched matrix exponential: scaling and squaring of a degree-18 Taylor polynomial
    (after scaling ``||A||_1 <= 1/2``, the truncation error is below 0.5**19 / 19!, far
    under float64's epsilon), evaluated by Horner's rule."""
    n = a.shape[-1]
    norms = np.abs(a).sum(-2).max(-1) if a.size else np.zeros(a.shape[:-2])
    with np.errstate(divide="ignore"):
        s = np.ceil(np.log2(np.maximum(norms, 1e-300))) + 1
    s = np.where(np.isfinite(s) & (s > 0), s, 0).astype(np.int64)  # inf/NaN input: NaN out
    x = a / (2.0 ** s)[..., None, None].astype(a.dtype)
    eye = np.broadcast_to(np.eye(n, dtype=a.dtype), a.shape)
    out = eye + x / 18
    for k in range(17, 0, -1):
        out = eye + (x @ out) / k
    for step in range(int(s.max()) if s.size else 0):
        sq = out @ out
        out = np.where((s > step)[..., None, None], sq, out)
    return out


class MatrixExp(Op):
    """out = exp(A) for ``A`` (..., n, n). The gradient is the top-right block of
    ``exp([[A^T, G], [0, A^T]])`` (Mathias' block formula, as PyTorch), again a
    MatrixExp, so every order of derivative works."""

    op_name = "linalg.matrix_exp"

    @staticmethod
    def forward(ctx, a):
        return _expm(a)

    @staticmethod
    def backward(ctx, grad):
        from .shape import cat
        (a,) = ctx.inputs
        n = a.shape[-1]
        at = a.mT
        zero = _wrap(np.zeros(tuple(grad.shape), dtype=grad._data.dtype))
        block = cat([cat([at, grad], -1), cat([zero, at], -1)], -2)
        return MatrixExp.apply(block)[..., :n, n:]


class Pinv(Op):
    """out = A^+ (Moore-Penrose) for ``A`` (..., m, n): singular values at or below
    ``max(atol, rtol * s_max)`` are treated as zero.

    The gradient is Golub and Pereyra's (PyTorch's ``pinv_backward``), valid where the
    rank is locally constant: ``-P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)``.
    """

    op_name = "linalg.pinv"

    @staticmethod
    def forward(ctx, a, atol, rtol):
        m, n = a.shape[-2:]
        if a.size == 0:
            return np.zeros(a.shape[:-2] + (n, m), dtype=a.dtype)
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        cut = np.maximum(atol, rtol * s[..., :1])
        keep = s > cut
        sinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
        return (vh.swapaxes(-1, -2) * sinv[..., None, :]) @ u.swapaxes(-1, -2)

    @staticmethod
    def backward(ctx, grad):
        a, _, _ = ctx.inputs
        p = ctx.output
        pt, gt = p.mT, grad.mT
        out = -(pt @ grad @ pt)
        # (I - A P) G^T P P^T and P^T P G^T (I - P A), with the identities expanded
        left = gt @ (p @ pt)
        out = out + left - a @ (p @ left)
        right = (pt @ p) @ gt
        out = out + right - (right @ p) @ a
        return out, None, None
