"""Matrix decompositions as differentiable ops: Cholesky, symmetric eigendecomposition,
SVD and QR (NumPy's LAPACK), batched over leading dims.

``Cholesky`` has one output and is an ``Op``. ``Eigh``, ``Svd`` and ``Qr`` have several
differentiable outputs, which ``Op`` cannot express, so they are ``Function``s: forward on
arrays (wrapped once), backward with Tensor ops, and a missing output gradient arrives as
None, so (as in PyTorch) using only the eigenvalues never divides by eigenvalue gaps.
Backward formulas are PyTorch's (``FunctionsManual.cpp``); for eigenvectors and singular
vectors they are defined up to the usual sign gauge and need distinct values.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..function import Function
from ..kernels import linalg as K
from ..node import Op
from ..tensor import Tensor, _wrap
from ._lapack import LinAlgError, first_failure, raise_info
from .linalg import diag_embed, diagonal
from .solve import SolveTriangular

__all__ = ["Cholesky", "cholesky_array", "Eigh", "Eig", "Svd", "Qr", "svd"]


def cholesky_array(a: np.ndarray, api: str, check: bool) -> tuple[np.ndarray, np.ndarray]:
    """``(L, info)``: the lower Cholesky factor of ``a`` (..., n, n) (only its lower
    triangle is read) and LAPACK's info per matrix (int32, shape (...)). With ``check``
    a failure raises LinAlgError; without, failed matrices' factors are NaN."""
    info = np.zeros(a.shape[:-2], dtype=np.int32)
    try:
        return np.linalg.cholesky(a), info
    except np.linalg.LinAlgError:
        pass
    if check:
        order, index = first_failure(a, K.cholesky_info)
        raise_info(api, "cholesky", order, index)
    flat = a.reshape(-1, *a.shape[-2:])
    out = np.empty_like(flat)
    finfo = info.reshape(-1)
    for i, m in enumerate(flat):
        try:
            out[i] = np.linalg.cholesky(m)
        except np.linalg.LinAlgError:
            out[i] = np.nan
            finfo[i] = K.cholesky_info(m)
    return out.reshape(a.shape), info


class Cholesky(Op):
    """out = L, lower triangular with ``L L^T = A`` for symmetric positive-definite ``A``
    (..., n, n); only ``A``'s lower triangle is read.

    Backward (symmetric, as PyTorch): ``gA = sym(L^{-T} Phi(L^T gL) L^{-1})`` with
    ``Phi`` the lower triangle with the diagonal halved, ``sym(X) = (X + X^T) / 2``.
    """

    op_name = "linalg.cholesky"

    @staticmethod
    def forward(ctx, a, api, check):
        out, info = cholesky_array(a, api, check)
        ctx.info = info
        return out

    @staticmethod
    def backward(ctx, grad):
        lo = ctx.output
        lt = lo.mT
        p = lt @ grad
        phi = p.tril() - 0.5 * diag_embed(diagonal(p, 0, -2, -1))
        y = SolveTriangular.apply(lt, phi, True, False)           # L^{-T} Phi
        s = SolveTriangular.apply(lt, y.mT, True, False).mT       # L^{-T} Phi L^{-1}
        return 0.5 * (s + s.mT), None, None


def _eye_like(x: Tensor, n: int) -> Tensor:
    return _wrap(np.eye(n, dtype=x._data.dtype))


class Eigh(Function):
    """(eigenvalues (..., n) ascending, eigenvectors (..., n, n) as columns) of a
    symmetric ``A``; ``uplo`` names the triangle read.

    Backward: ``gA = V (diag(gL) + skew(V^T gV) / 2 / E) V^T``, ``E_ij = L_j - L_i``.
    """

    @staticmethod
    def forward(ctx: Any, a: Tensor, uplo: str) -> tuple[Tensor, Tensor]:
        """Eigenvalues and eigenvectors (NumPy's ``eigh``)."""
        try:
            w, v = np.linalg.eigh(a._data, UPLO=uplo)  # type: ignore[call-overload]
        except np.linalg.LinAlgError:  # pragma: no cover - syevd failing is rare
            raise_info("linalg.eigh", "eig", 1, None if a._data.ndim == 2 else 0)
        wt, vt = _wrap(w), _wrap(v)
        ctx.save_for_backward(wt, vt)
        ctx.set_materialize_grads(False)
        return wt, vt

    @staticmethod
    def backward(ctx: Any, gw: Tensor | None, gv: Tensor | None) -> tuple[Tensor | None, None]:
        """The symmetric gradient of ``A``."""
        w, v = ctx.saved_tensors
        if gw is None and gv is None:
            return None, None
        if gv is None:
            assert gw is not None
            inner = diag_embed(gw)
        else:
            c = v.mT @ gv
            n = w.shape[-1]
            e = w.unsqueeze(-2) - w.unsqueeze(-1) + _eye_like(w, n)
            inner = 0.5 * (c - c.mT) / e
            if gw is not None:
                inner = inner + diag_embed(gw)
        return v @ inner @ v.mT, None


class Svd(Function):
    """(U, S, Vh) of ``A`` (..., m, n); ``full``: U (m, m) and Vh (n, n), else
    (m, k) and (k, n), ``k = min(m, n)``.

    Backward (PyTorch's ``svd_backward``): with ``skew(X) = X - X^T`` and
    ``E_jk = s_k^2 - s_j^2``, ``gA = U [(skew(U^T gU) S + S skew(V^T gV)) / E + diag(gS)] V^T``
    plus the terms for the complement of ``U`` (m > n) or ``V`` (m < n). The gradients of
    the extra columns of a full U or Vh are ignored, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: Any, a: Tensor, full: bool) -> tuple[Tensor, Tensor, Tensor]:
        """U, S, Vh (NumPy's ``svd``)."""
        try:
            u, s, vh = np.linalg.svd(a._data, full_matrices=full)
        except np.linalg.LinAlgError:  # pragma: no cover - gesdd failing is rare
            raise_info("linalg.svd", "svd", 1, None if a._data.ndim == 2 else 0)
        ut, st, vt = _wrap(u), _wrap(s), _wrap(vh)
        ctx.save_for_backward(ut, st, vt)
        ctx.set_materialize_grads(False)
        ctx.shape = tuple(a._data.shape[-2:])
        return ut, st, vt

    @staticmethod
    def backward(ctx: Any, gu: Tensor | None, gs: Tensor | None,
                 gvh: Tensor | None) -> tuple[Tensor | None, None]:
        """The gradient of ``A``."""
        u, s, vh = ctx.saved_tensors
        m, n = ctx.shape
        k = min(m, n)
        if u.shape[-1] != k:  # full_matrices: only the first k singular vectors matter
            u = u[..., :k]
            gu = gu[..., :k] if gu is not None else None
        if vh.shape[-2] != k:
            vh = vh[..., :k, :]
            gvh = gvh[..., :k, :] if gvh is not None else None
        if gu is None and gvh is None:
            if gs is None:
                return None, None
            return (u * gs.unsqueeze(-2)) @ vh, None
        s_row, s_col = s.unsqueeze(-2), s.unsqueeze(-1)
        s2 = s * s
        e = s2.unsqueeze(-2) - s2.unsqueeze(-1) + _eye_like(s, k)
        uhgu = None
        vhgv = None
        if gu is not None:
            x = u.mT @ gu
            uhgu = x - x.mT
        if gvh is not None:
            y = vh @ gvh.mT
            vhgv = y - y.mT
        if uhgu is not None and vhgv is not None:
            inner = (uhgu * s_row + s_col * vhgv) / e
        elif uhgu is not None:
            inner = uhgu * (s_row / e)
        else:
            assert vhgv is not None
            inner = s_col * (vhgv / e)
        if gs is not None:
            inner = inner + diag_embed(gs)
        if m > n and gu is not None:
            gus = gu / s_row
            ga = (u @ inner + gus - u @ (u.mT @ gus)) @ vh
        elif m < n and gvh is not None:
            sgv = gvh / s_col
            ga = u @ (inner @ vh + sgv - (sgv @ vh.mT) @ vh)
        else:
            ga = u @ inner @ vh
        return ga, None


def svd(a: Tensor, full_matrices: bool = True) -> tuple[Tensor, Tensor, Tensor]:
    """``(U, S, Vh)`` of ``a`` (..., m, n), differentiable (see ``Svd``)."""
    return Svd.apply(a, bool(full_matrices))


def _copyltu(m: Tensor) -> Tensor:
    """The symmetric matrix whose lower triangle (diagonal included) is ``m``'s."""
    low = m.tril(-1)
    return low + low.mT + diag_embed(diagonal(m, 0, -2, -1))


def _qr_backward_tall(q: Tensor, r: Tensor, gq: Tensor | None, gr: Tensor | None) -> Tensor:
    """gA for the reduced QR of an (m, n) matrix with m >= n:
    ``(gQ + Q copyltu(R gR^T - gQ^T Q)) R^{-T}``."""
    mm: Tensor | None = None
    if gr is not None:
        mm = r @ gr.mT
    if gq is not None:
        t = gq.mT @ q
        mm = -t if mm is None else mm - t
    assert mm is not None
    b = q @ _copyltu(mm)
    if gq is not None:
        b = b + gq
    return SolveTriangular.apply(r, b.mT, True, False).mT  # b R^{-T}


class Qr(Function):
    """(Q, R) of ``A`` (..., m, n) for ``mode`` reduced / complete / r (Q empty).

    Backward (PyTorch's cases): m >= n through the reduced formula; m < n splits
    ``A = [X | Y]`` (X square): ``gX`` from the square case with ``gQ + Y gR_Y^T``, and
    ``gY = Q gR_Y``. Not differentiable for mode 'r', nor 'complete' with m > n.
    """

    @staticmethod
    def forward(ctx: Any, a: Tensor, mode: str) -> tuple[Tensor, Tensor]:
        """Q and R (NumPy's ``qr``)."""
        arr = a._data
        if mode == "r":
            r = np.linalg.qr(arr, mode="r")
            q = np.zeros((0,), dtype=arr.dtype)
        else:
            q, r = np.linalg.qr(arr, mode=mode)  # type: ignore[call-overload]
        qt, rt = _wrap(np.asarray(q)), _wrap(np.asarray(r))
        ctx.save_for_backward(a, qt, rt)
        ctx.set_materialize_grads(False)
        ctx.mode = mode
        return qt, rt

    @staticmethod
    def backward(ctx: Any, gq: Tensor | None, gr: Tensor | None) -> tuple[Tensor | None, None]:
        """The gradient of ``A``."""
        a, q, r = ctx.saved_tensors
        m, n = a.shape[-2:]
        if ctx.mode == "r":
            raise RuntimeError("The derivative of linalg.qr depends on Q, which is not computed "
                               "when mode='r'. Please use linalg.qr(A, mode='reduced') if you "
                               "are going to differentiate through linalg.qr.")
        if ctx.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' "
                               "and nrows > ncols.")
        if gq is None and gr is None:
            return None, None
        if m >= n:
            return _qr_backward_tall(q, r, gq, gr), None
        from .shape import cat
        y = a[..., m:]
        ru, gru = r[..., :m], (gr[..., :m] if gr is not None else None)
        grv = gr[..., m:] if gr is not None else None
        gq2 = gq
        if grv is not None:
            extra = y @ grv.mT
            gq2 = extra if gq2 is None else gq2 + extra
        gx = _qr_backward_tall(q, ru, gq2, gru)
        gy = q @ grv if grv is not None else _wrap(np.zeros(tuple(y.shape), dtype=y._data.dtype))
        return cat([gx, gy], -1), None


def _mh(x: Tensor) -> Tensor:
    """The conjugate transpose of the last two dims (the transpose for real ``x``)."""
    return x.conj().mT if x._data.dtype.kind == "c" else x.mT


_COMPLEX_OF = {np.dtype(np.float32): np.complex64, np.dtype(np.float64): np.complex128}


class Eig(Function):
    """(eigenvalues (..., n), eigenvectors (..., n, n) as unit-norm columns) of a general
    square ``A``, always complex (complex64 for float32 input, complex128 for float64).

    Backward (PyTorch's ``linalg_eig_backward``): with ``E_ij = conj(L_j - L_i)``,
    ``X = V^H gV - V^H V diag(Re diag(V^H gV))`` (the projection that removes the
    eigenvectors' norm gauge), ``gA = V^{-H} (X / E with diagonal gL) V^H``; its real
    part for a real ``A``. Needs distinct eigenvalues and a loss invariant to the
    eigenvectors' phases.
    """

    @staticmethod
    def forward(ctx: Any, a: Tensor) -> tuple[Tensor, Tensor]:
        """Eigenvalues and eigenvectors (NumPy's ``eig``, LAPACK ``geev``)."""
        arr = a._data
        try:
            w, v = np.linalg.eig(arr)
        except np.linalg.LinAlgError:  # pragma: no cover - geev failing is rare
            raise_info("linalg.eig", "eig", 1, None if arr.ndim == 2 else 0)
        ct = _COMPLEX_OF.get(arr.dtype, arr.dtype)
        wt, vt = _wrap(np.asarray(w, dtype=ct)), _wrap(np.asarray(v, dtype=ct))
        ctx.save_for_backward(wt, vt)
        ctx.set_materialize_grads(False)
        ctx.real_input = arr.dtype.kind != "c"
        return wt, vt

    @staticmethod
    def backward(ctx: Any, gw: Tensor | None, gv: Tensor | None) -> Tensor | None:
        """The gradient of ``A`` (real for a real ``A``)."""
        from .solve import Solve
        w, v = ctx.saved_tensors
        vh = _mh(v)
        if gv is None:
            if gw is None:
                return None
            ga = Solve.apply(vh, gw.unsqueeze(-1) * vh)
        else:
            # written with elementwise ops and matmul only (the complex-capable ones)
            x = vh @ gv
            n = w.shape[-1]
            eye = _wrap(np.eye(n, dtype=w._data.real.dtype))
            re_diag = (x.real * eye).sum(-2)                  # Re diag(V^H gV)
            x = x - vh @ (v * re_diag.unsqueeze(-2))
            wc = w.conj()
            e = wc.unsqueeze(-2) - wc.unsqueeze(-1) + eye
            inner = x / e * (1 - eye)                         # off-diagonal part
            if gw is not None:
                inner = inner + gw.unsqueeze(-2) * eye        # diag(gL)
            ga = Solve.apply(vh, inner @ vh)
        return ga.real if ctx.real_input else ga


# re-exported for autograd.linalg's error handling
__all__ += ["LinAlgError"]
