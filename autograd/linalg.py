"""``torch.linalg``: decompositions, solves, inverses, determinants and norms, batched
over leading dims and differentiable (twice: backward formulas are written with these
same ops), plus the classic aliases (``torch.det``, ``torch.inverse``, ``torch.svd``, ...).

Reachable as ``torch.linalg`` after ``import autograd as torch``. Errors follow PyTorch:
a non-float input is a RuntimeError (``Expected a floating point or complex tensor as
input. Got Long``); a singular or non-positive-definite input raises
:class:`LinAlgError` (a RuntimeError) with PyTorch's wording, ``(Batch element i)``
included. Input is float32/float64 (``eig``/``eigvals`` return complex tensors, as
PyTorch).
"""
from __future__ import annotations

import functools
import inspect
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from .dtypes import scalar_name
from .ops import _lapack as _lp
from .ops._args import require_tensor
from .ops._lapack import LinAlgError
from .ops.decomp import Cholesky, Eig, Eigh, Qr, Svd
from .ops.elementwise import where
from .ops.linalg import diagonal as _diagonal
from .ops.linalg import matmul
from .ops.reduce import norm as _vector_norm
from .ops.shape import cat, movedim
from .ops.solve import Det, Inv, LogAbsDet, MatrixExp, Pinv, Solve, SolveTriangular
from .tensor import Tensor, _wrap

__all__ = [
    "LinAlgError", "cholesky", "cholesky_ex", "solve_triangular", "inv", "inv_ex", "det",
    "slogdet", "solve", "qr", "svd", "svdvals", "eigh", "eigvalsh", "eig", "eigvals", "pinv",
    "lstsq", "matrix_rank", "matrix_power", "matrix_exp", "multi_dot", "cross", "vecdot",
    "norm", "vector_norm", "matrix_norm", "cond", "diagonal", "matmul",
    # the classic torch.* spellings (exported from autograd too)
    "logdet", "inverse", "cholesky_solve", "cholesky_inverse", "triangular_solve",
    "svd_classic", "qr_classic", "pinverse", "cross_classic", "norm_classic", "slogdet_classic",
    "cholesky_classic",
]


# ---------------------------------------------------------------------------
# return types (PyTorch's torch.return_types.* named tuples)
# ---------------------------------------------------------------------------
class linalg_cholesky_ex(NamedTuple):
    """``(L, info)`` of ``cholesky_ex``."""
    L: Tensor
    info: Tensor


class linalg_inv_ex(NamedTuple):
    """``(inverse, info)`` of ``inv_ex``."""
    inverse: Tensor
    info: Tensor


class linalg_slogdet(NamedTuple):
    """``(sign, logabsdet)`` of ``linalg.slogdet``."""
    sign: Tensor
    logabsdet: Tensor


class slogdet_result(NamedTuple):
    """``(sign, logabsdet)`` of ``torch.slogdet``."""
    sign: Tensor
    logabsdet: Tensor


class linalg_qr(NamedTuple):
    """``(Q, R)`` of ``linalg.qr``."""
    Q: Tensor
    R: Tensor


class qr_result(NamedTuple):
    """``(Q, R)`` of ``torch.qr``."""
    Q: Tensor
    R: Tensor


class linalg_svd(NamedTuple):
    """``(U, S, Vh)`` of ``linalg.svd``."""
    U: Tensor
    S: Tensor
    Vh: Tensor


class svd_result(NamedTuple):
    """``(U, S, V)`` of ``torch.svd`` (V, not V^T)."""
    U: Tensor
    S: Tensor
    V: Tensor


class linalg_eigh(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of ``eigh``."""
    eigenvalues: Tensor
    eigenvectors: Tensor


class linalg_lstsq(NamedTuple):
    """``(solution, residuals, rank, singular_values)`` of ``lstsq``."""
    solution: Tensor
    residuals: Tensor
    rank: Tensor
    singular_values: Tensor


class triangular_solve_result(NamedTuple):
    """``(solution, cloned_coefficient)`` of ``torch.triangular_solve``."""
    solution: Tensor
    cloned_coefficient: Tensor


for _cls, _name in ((slogdet_result, "slogdet"), (qr_result, "qr"), (svd_result, "svd"),
                    (triangular_solve_result, "triangular_solve")):
    _cls.__name__ = _cls.__qualname__ = _name  # repr as PyTorch's: svd(U=..., S=..., V=...)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
def _square(api: str, A: Tensor, kernel: str | None = None) -> None:
    _lp.check_square(api, A)
    _lp.check_float(api, A, kernel)


def _same_dtype(api: str, a: Tensor, b: Tensor, na: str = "A", nb: str = "B") -> None:
    if a._data.dtype != b._data.dtype:
        raise RuntimeError(f"{api}: Expected {na} and {nb} to have the same dtype, but found "
                           f"{na} of type {scalar_name(a._data.dtype)} and {nb} of type "
                           f"{scalar_name(b._data.dtype)} instead")


def _shapes_match(api: str, A: Tensor, B: Tensor, left: bool, shown: tuple[int, ...]) -> None:
    n = A._data.shape[-1]
    rows = B._data.shape[-2] if left else B._data.shape[-1]
    if rows != n:
        eq = "AX = B" if left else "XA = B"
        raise RuntimeError(f"{api}: Incompatible shapes of A and B for the equation {eq} "
                           f"({A._data.shape[-2]}x{n} and {shown[-2]}x{shown[-1]})")


def _int_arg(api: str, name: str, value: object, position: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{api}(): argument '{name}' (position {position}) must be int, not "
                        f"{type(value).__name__}")
    return int(value)


# ---------------------------------------------------------------------------
# Cholesky, triangular and general solves
# ---------------------------------------------------------------------------
def cholesky(A: Tensor, *, upper: bool = False, out: None = None) -> Tensor:
    """Cholesky factor of symmetric positive-definite ``A`` (..., n, n): lower ``L`` with
    ``A = L L^T`` (``upper``: ``U = L^T``). Only the lower triangle of ``A`` is read.

    Raises:
        LinAlgError: ``A`` is not positive-definite (PyTorch's message, naming the
            leading minor and the batch element).
    """
    _square("linalg.cholesky", A, "cholesky_cpu" if A._data.dtype == np.float16 else None)
    lo = Cholesky.apply(A, "linalg.cholesky", True)
    return lo.mT if upper else lo


def cholesky_ex(A: Tensor, *, upper: bool = False, check_errors: bool = False,
                out: None = None) -> linalg_cholesky_ex:
    """``(L, info)``: ``cholesky`` without the error; ``info`` (int32, shape (...)) is 0
    where it succeeded, else the order of the leading minor that is not
    positive-definite. The factor of a failed matrix is NaN here (PyTorch leaves
    LAPACK's partial result, which is unspecified)."""
    _square("linalg.cholesky_ex", A, "cholesky_cpu" if A._data.dtype == np.float16 else None)
    lo = Cholesky.apply(A, "linalg.cholesky_ex", bool(check_errors))
    info = np.zeros(A._data.shape[:-2], dtype=np.int32)
    if np.isnan(lo._data).any():  # a failure (or NaN input): recompute the codes
        from .ops.decomp import cholesky_array
        info = cholesky_array(A._data, "linalg.cholesky_ex", False)[1]
    return linalg_cholesky_ex(lo.mT if upper else lo, _wrap(info))


def solve_triangular(A: Tensor, B: Tensor, *, upper: bool, left: bool = True,
                     unitriangular: bool = False, out: None = None) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``) for triangular ``A``
    (..., n, n): only its ``upper`` or lower triangle is read (``unitriangular``: not the
    diagonal, taken as ones). ``B`` (..., n, k) (``left=False``: (..., k, n)); batch dims
    broadcast. A zero on the diagonal gives inf/NaN, not an error (as PyTorch)."""
    api = "linalg.solve_triangular"
    _lp.check_matrix(api, A)
    _lp.check_matrix(api, B, "B")
    if A._data.dtype.kind not in "fc" or A._data.dtype == np.float16:
        from .dtypes import no_kernel
        raise no_kernel("triangular_solve_cpu", A._data.dtype)
    _lp.check_square(api, A)
    if B._data.dtype != A._data.dtype:  # PyTorch computes in A's dtype
        B = B.to(A._data.dtype)
    _shapes_match(api, A, B, left, tuple(B._data.shape))
    if left:
        return SolveTriangular.apply(A, B, bool(upper), bool(unitriangular))
    return SolveTriangular.apply(A.mT, B.mT, not upper, bool(unitriangular)).mT


def _vector_rhs(A: Tensor, B: Tensor) -> bool:
    """PyTorch's rule: ``B`` is a (batch of) vector(s) when 1-D, or when it has one dim
    fewer than ``A`` and matches ``A``'s batch shape."""
    nb, na = B._data.ndim, A._data.ndim
    return nb == 1 or (nb == na - 1 and B._data.shape == A._data.shape[:-1])


def solve(A: Tensor, B: Tensor, *, left: bool = True, out: None = None) -> Tensor:
    """``X`` with ``A X = B`` (``left=False``: ``X A = B``) for square ``A`` (..., n, n);
    ``B`` (..., n, k), or (..., n) for vectors (see ``_vector_rhs``); batch dims
    broadcast.

    Raises:
        LinAlgError: ``A`` is singular.
    """
    api = "linalg.solve"
    _square(api, A)
    _same_dtype(api, A, B)
    vec = left and _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vec else B
    if not vec:
        _lp.check_matrix(api, B, "B")
    _shapes_match(api, A, b, left, tuple(b._data.shape))
    if not left:
        return Solve.apply(A.mT, b.mT).mT
    x = Solve.apply(A, b)
    return x.squeeze(-1) if vec else x


def cholesky_solve(input: Tensor, input2: Tensor, upper: bool = False, *,
                   out: None = None) -> Tensor:
    """``X = A^{-1} B`` where ``A = L L^T`` is given by its Cholesky factor ``L``
    (..., n, n) (``upper``: ``A = U^T U``); ``B`` (..., n, k). ``torch.cholesky_solve``.

    The gradient with respect to the factor is PyTorch's, which treats it as a full
    matrix: ``-(gB X^T + X gB^T) L`` (``gB = A^{-1} gX``).
    """
    B, L_ = input, input2
    if B._data.ndim < 2:
        raise RuntimeError(f"b should have at least 2 dimensions, but has {B._data.ndim} "
                           f"dimensions instead")
    if L_._data.ndim < 2:
        raise RuntimeError(f"u should have at least 2 dimensions, but has {L_._data.ndim} "
                           f"dimensions instead")
    if B._data.dtype != L_._data.dtype:
        raise RuntimeError(f"Expected b and A to have the same dtype, but found b of type "
                           f"{scalar_name(B._data.dtype)} and A of type "
                           f"{scalar_name(L_._data.dtype)} instead.")
    _lp.check_float("cholesky_solve", L_, "cholesky_solve_cpu")
    _lp.check_square("cholesky_solve", L_)
    _shapes_match("cholesky_solve", L_, B, True, tuple(B._data.shape))
    from .ops.solve import CholeskySolve
    return CholeskySolve.apply(B, L_, bool(upper))


def cholesky_inverse(input: Tensor, upper: bool = False, *, out: None = None) -> Tensor:
    """``(L L^T)^{-1}`` from the Cholesky factor ``L = input`` (..., n, n) (``upper``:
    ``U^T U``)."""
    L_ = input
    api = "cholesky_inverse"
    _lp.check_square(api, L_, "input")
    _lp.check_float(api, L_, "cholesky_inverse_out_cpu")
    n = L_._data.shape[-1]
    eye = _wrap(np.broadcast_to(np.eye(n, dtype=L_._data.dtype), L_._data.shape).copy())
    from .ops.solve import CholeskySolve
    return CholeskySolve.apply(eye, L_, bool(upper))


def triangular_solve(b: Tensor, A: Tensor, upper: bool = True, transpose: bool = False,
                     unitriangular: bool = False) -> triangular_solve_result:
    """Deprecated ``torch.triangular_solve``: ``(X, A.clone())`` with ``op(A) X = b``,
    ``op`` the transpose when ``transpose``. Arguments are in PyTorch's old order."""
    warnings.warn("torch.triangular_solve is deprecated in favor of "
                  "torch.linalg.solve_triangular", UserWarning, stacklevel=2)
    if transpose:
        x = solve_triangular(A.mT, b, upper=not upper, unitriangular=unitriangular)
    else:
        x = solve_triangular(A, b, upper=upper, unitriangular=unitriangular)
    return triangular_solve_result(x, A.clone())


# ---------------------------------------------------------------------------
# inverses and determinants
# ---------------------------------------------------------------------------
def inv(A: Tensor, *, out: None = None) -> Tensor:
    """``A^{-1}`` for square ``A`` (..., n, n).

    Raises:
        LinAlgError: ``A`` is singular (PyTorch's message: the zero pivot of LU).
    """
    _square("linalg.inv", A)
    return Inv.apply(A, "linalg.inv")


def inverse(input: Tensor, *, out: None = None) -> Tensor:
    """``torch.inverse``: ``linalg.inv``."""
    return inv(input)


def inv_ex(A: Tensor, *, check_errors: bool = False, out: None = None) -> linalg_inv_ex:
    """``(inverse, info)``: ``inv`` without the error; ``info`` (int32, shape (...)) is
    the 1-based index of LU's zero pivot (0: invertible). Inverses of singular matrices
    are NaN here (PyTorch's are unspecified: LAPACK's partial result)."""
    api = "linalg.inv_ex"
    _square(api, A)
    if check_errors:
        return linalg_inv_ex(Inv.apply(A, api), _wrap(np.zeros(A._data.shape[:-2], np.int32)))
    from .kernels.linalg import lu_info
    flat = A._data.reshape(-1, *A._data.shape[-2:])
    info = np.array([lu_info(m) if not np.all(np.isfinite(np.linalg.det(m))) or
                     np.linalg.det(m) == 0 else 0 for m in flat], dtype=np.int32)
    if not info.any():
        return linalg_inv_ex(Inv.apply(A, api), _wrap(info.reshape(A._data.shape[:-2])))
    good = _wrap((info == 0).reshape(A._data.shape[:-2] + (1, 1)))
    eye = _wrap(np.eye(A._data.shape[-1], dtype=A._data.dtype))
    safe = where(good, A, eye)  # invert only the invertible ones; NaN the others
    return linalg_inv_ex(where(good, Inv.apply(safe, api), math.nan),
                         _wrap(info.reshape(A._data.shape[:-2])))


def det(A: Tensor, *, out: None = None) -> Tensor:
    """Determinant of square ``A`` (..., n, n), shape (...)."""
    _square("linalg.det", A)
    return Det.apply(A)


def slogdet(A: Tensor, *, out: None = None) -> linalg_slogdet:
    """``(sign, logabsdet)`` with ``det(A) = sign * exp(logabsdet)``, shapes (...);
    ``sign`` is 0 and ``logabsdet`` -inf for singular ``A``. Only ``logabsdet`` is
    differentiable (``sign`` is locally constant)."""
    _square("linalg.slogdet", A)
    sign = np.asarray(np.linalg.slogdet(A._data)[0])
    return linalg_slogdet(_wrap(sign), LogAbsDet.apply(A))


def slogdet_classic(input: Tensor) -> slogdet_result:
    """``torch.slogdet``: ``linalg.slogdet``."""
    return slogdet_result(*slogdet(input))


def logdet(input: Tensor) -> Tensor:
    """``log(det(A))``: NaN where the determinant is negative, -inf where it is 0."""
    sign, logabs = slogdet(input)
    return where(_wrap(sign._data < 0), math.nan, logabs)


# ---------------------------------------------------------------------------
# decompositions
# ---------------------------------------------------------------------------
def qr(A: Tensor, mode: str = "reduced", *, out: None = None) -> linalg_qr:
    """``(Q, R)`` with ``A = Q R`` for ``A`` (..., m, n): ``mode`` 'reduced' (Q (m, k),
    R (k, n), ``k = min(m, n)``), 'complete' (Q (m, m), R (m, n)) or 'r' (Q empty)."""
    if mode not in ("reduced", "complete", "r"):
        raise RuntimeError(f"qr received unrecognized mode '{mode}' but expected one of "
                           f"'reduced' (default), 'r', or 'complete'")
    _lp.check_matrix("linalg.qr", A)
    _lp.check_float("linalg.qr", A)
    return linalg_qr(*Qr.apply(A, mode))


def qr_classic(input: Tensor, some: bool = True, *, out: None = None) -> qr_result:
    """``torch.qr``: reduced QR when ``some``, else complete."""
    warnings.warn("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                  "future PyTorch release.", UserWarning, stacklevel=2)
    return qr_result(*qr(input, "reduced" if some else "complete"))


def svd(A: Tensor, full_matrices: bool = True, *, driver: str | None = None,
        out: None = None) -> linalg_svd:
    """``(U, S, Vh)`` with ``A = U diag(S) Vh`` for ``A`` (..., m, n); ``S`` descending.
    ``full_matrices``: U (m, m) and Vh (n, n), else (m, k) and (k, n). Gradients need
    distinct singular values (use functions invariant to the vectors' signs); the extra
    columns of full U/Vh get none, as in PyTorch. ``driver`` is accepted and ignored."""
    _lp.check_matrix("linalg.svd", A)
    _lp.check_float("linalg.svd", A)
    return linalg_svd(*Svd.apply(A, bool(full_matrices)))


def svdvals(A: Tensor, *, driver: str | None = None, out: None = None) -> Tensor:
    """Singular values of ``A`` (..., m, n), descending, shape (..., min(m, n))."""
    _lp.check_matrix("linalg.svdvals", A)
    _lp.check_float("linalg.svdvals", A)
    return Svd.apply(A, False)[1]


def svd_classic(input: Tensor, some: bool = True, compute_uv: bool = True, *,
                out: None = None) -> svd_result:
    """``torch.svd``: ``(U, S, V)`` with ``A = U diag(S) V^T`` (V, not V^T); ``some``:
    reduced. Without ``compute_uv``, U and V are zero matrices (m, m) and (n, n)."""
    u, s, vh = svd(input, full_matrices=not some)
    if not compute_uv:
        m, n = input._data.shape[-2:]
        batch = input._data.shape[:-2]
        dt = input._data.dtype
        return svd_result(_wrap(np.zeros(batch + (m, m), dt)), s,
                          _wrap(np.zeros(batch + (n, n), dt)))
    return svd_result(u, s, vh.mT)


def _uplo(UPLO: str) -> str:
    if UPLO not in ("L", "U"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return UPLO


def eigh(A: Tensor, UPLO: str = "L", *, out: None = None) -> linalg_eigh:
    """``(eigenvalues, eigenvectors)`` of symmetric ``A`` (..., n, n): eigenvalues
    ascending (..., n), eigenvectors the columns of (..., n, n). Only the ``UPLO``
    triangle is read. Eigenvector gradients need distinct eigenvalues."""
    _square("linalg.eigh", A, "linalg_eigh_cpu")
    return linalg_eigh(*Eigh.apply(A, _uplo(UPLO)))


def eigvalsh(A: Tensor, UPLO: str = "L", *, out: None = None) -> Tensor:
    """Eigenvalues of symmetric ``A`` (..., n, n), ascending (..., n)."""
    _square("linalg.eigh", A, "linalg_eigh_cpu")  # PyTorch names eigh here
    return Eigh.apply(A, _uplo(UPLO))[0]


class linalg_eig(NamedTuple):
    """``(eigenvalues, eigenvectors)`` of ``eig`` (complex)."""
    eigenvalues: Tensor
    eigenvectors: Tensor


def _eig_checks(api: str, A: Tensor) -> None:
    dt = A._data.dtype
    if dt.kind in "biu":  # PyTorch fails looking up the complex type of the result
        raise RuntimeError(f"Unknown Complex ScalarType for {scalar_name(dt)}")
    _square(api, A, "linalg_eig_out_cpu" if dt == np.float16 else None)


def eig(A: Tensor, *, out: None = None) -> linalg_eig:
    """``(eigenvalues, eigenvectors)`` of a general square ``A`` (..., n, n), complex
    (complex64 / complex128) as in PyTorch: ``A V = V diag(L)``, unit-norm columns (LAPACK's
    ``geev``; a column's phase may differ from PyTorch's LAPACK build). Gradients need
    distinct eigenvalues and a loss that does not depend on the eigenvectors' phases."""
    _eig_checks("linalg.eig", A)
    return linalg_eig(*Eig.apply(A))


def eigvals(A: Tensor, *, out: None = None) -> Tensor:
    """Eigenvalues of a general square ``A`` (..., n, n), complex."""
    _eig_checks("linalg.eigvals", A)
    return Eig.apply(A)[0]


# ---------------------------------------------------------------------------
# pseudo-inverse, least squares, rank
# ---------------------------------------------------------------------------
def _tolerances(A: Tensor, atol: Any, rtol: Any) -> tuple[Any, Any]:
    """PyTorch's defaults: rtol = eps * max(m, n) when neither is given, 0 when only
    atol is."""
    def arr(v: Any) -> Any:
        return v._data[..., None] if isinstance(v, Tensor) else float(v)
    if rtol is None:
        rtol = (np.finfo(A._data.dtype).eps * max(A._data.shape[-2:])
                if atol is None or (not isinstance(atol, Tensor) and atol <= 0) else 0.0)
    return (0.0 if atol is None else arr(atol)), arr(rtol)


def pinv(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
         rcond: Any = None, out: None = None) -> Tensor:
    """Moore-Penrose pseudo-inverse of ``A`` (..., m, n) -> (..., n, m); singular values
    at or below ``max(atol, rtol * s_max)`` count as zero. ``hermitian`` is accepted (the
    SVD gives the same result); ``rcond`` is the deprecated name of ``rtol``."""
    dt = A._data.dtype
    if A._data.ndim < 2 or dt.kind not in "fc" or dt == np.float16:
        shape = list(A._data.shape)
        raise RuntimeError(f"linalg.pinv({scalar_name(dt)}{{{shape}}}): expected a tensor "
                           f"with 2 or more dimensions of float, double, cfloat or cdouble "
                           f"types")
    if rcond is not None:
        rtol = rcond
    a_tol, r_tol = _tolerances(A, atol, rtol)
    return Pinv.apply(A, a_tol, r_tol)


def pinverse(input: Tensor, rcond: float = 1e-15) -> Tensor:
    """``torch.pinverse``: ``linalg.pinv`` with relative tolerance ``rcond``."""
    return pinv(input, rtol=rcond)


def matrix_rank(A: Tensor, *, atol: Any = None, rtol: Any = None, hermitian: bool = False,
                tol: Any = None, out: None = None) -> Tensor:
    """Number of singular values of ``A`` (..., m, n) above ``max(atol, rtol * s_max)``
    (int64, shape (...)); ``tol`` is the deprecated name of ``atol``."""
    _lp.check_matrix("linalg.matrix_rank", A)
    _lp.check_float("linalg.matrix_rank", A)
    if tol is not None:
        atol = tol
    a_tol, r_tol = _tolerances(A, atol, rtol)
    if A._data.size == 0:
        return _wrap(np.zeros(A._data.shape[:-2], dtype=np.int64))
    s = (np.abs(np.linalg.eigvalsh(A._data)) if hermitian else
         np.linalg.svd(A._data, compute_uv=False))
    s = np.sort(s, axis=-1)[..., ::-1]
    cut = np.maximum(a_tol, r_tol * s[..., :1])
    return _wrap(np.asarray((s > cut).sum(-1), dtype=np.int64))


def lstsq(A: Tensor, B: Tensor, rcond: float | None = None, *, driver: str | None = None
          ) -> linalg_lstsq:
    """Least-squares ``X`` minimising ``||A X - B||`` for ``A`` (..., m, n), ``B``
    (..., m, k) or (..., m) vectors: ``pinv(A) @ B`` (the minimum-norm solution; LAPACK's
    default ``gelsy`` gives the same for full-rank ``A``). ``residuals`` (squared, per
    column) only for ``driver`` gelsd/gelss/gels with m > n and full rank, ``rank`` for all
    drivers but gels, ``singular_values`` for gelsd/gelss; else empty, as PyTorch."""
    api = "torch.linalg.lstsq"
    drivers = ("gels", "gelsy", "gelsd", "gelss")
    drv = driver or "gelsy"
    if drv not in drivers:
        raise RuntimeError(f"{api}: parameter `driver` should be one of (gels, gelsy, gelsd, "
                           f"gelss)")
    _lp.check_matrix("linalg.lstsq", A)
    _lp.check_float("linalg.lstsq", A)
    _same_dtype("linalg.lstsq", A, B, "input", "other")
    vec = _vector_rhs(A, B)
    b = B.unsqueeze(-1) if vec else B
    if b._data.shape[-2] != A._data.shape[-2]:
        raise RuntimeError(f"{api}: input.size(-2) should match other.size(-2)")
    m, n = A._data.shape[-2:]
    rt = rcond if rcond is not None and rcond >= 0 else None
    x = matmul(pinv(A, rtol=rt), b)
    dt = A._data.dtype
    empty = _wrap(np.zeros((0,), dt))
    rank = _wrap(np.zeros((0,), np.int64))
    if drv != "gels":
        rank = matrix_rank(A.detach(), rtol=rt)
    sv = empty
    if drv in ("gelsd", "gelss"):
        sv = _wrap(np.linalg.svd(A._data, compute_uv=False))
    res = empty
    if drv != "gelsy" and m > n and (drv == "gels" or bool(np.all(rank._data == n))):
        res = ((matmul(A, x) - b) ** 2).sum(-2)
    return linalg_lstsq(x.squeeze(-1) if vec else x, res, rank, sv)


# ---------------------------------------------------------------------------
# matrix functions and products
# ---------------------------------------------------------------------------
def matrix_power(A: Tensor, n: int, *, out: None = None) -> Tensor:
    """``A^n`` for square ``A`` (..., m, m) by repeated squaring; ``n = 0`` gives the
    identity, ``n < 0`` powers of ``inv(A)``."""
    api = "linalg.matrix_power"
    n = _int_arg("linalg_matrix_power", "n", n, 2)
    _lp.check_square(api, A)
    if n < 0:
        _lp.check_float(api, A)
        A = inv(A)
        n = -n
    if n == 0:  # the identity, still connected to A (a zero gradient, as PyTorch)
        m = A._data.shape[-1]
        eye = np.broadcast_to(np.eye(m, dtype=A._data.dtype), A._data.shape)
        return where(_wrap(np.ones(A._data.shape, dtype=bool)), _wrap(eye.copy()), A)
    result: Tensor | None = None
    base = A
    while True:
        if n & 1:
            result = base if result is None else matmul(result, base)
        n >>= 1
        if not n:
            break
        base = matmul(base, base)
    assert result is not None
    return result


def matrix_exp(A: Tensor) -> Tensor:
    """``exp(A)`` for square ``A`` (..., n, n) (scaled and squared Taylor series)."""
    _square("linalg.matrix_exp", A)
    return MatrixExp.apply(A)


def multi_dot(tensors: Sequence[Tensor], *, out: None = None) -> Tensor:
    """The product of 2-D matrices, left to right; the first may be 1-D (a row vector)
    and the last 1-D (a column vector), and those dims are dropped from the result."""
    ts = list(tensors)
    if len(ts) < 2:
        raise RuntimeError(f"multi_dot(): expected at least 2 tensors but got {len(ts)}")
    for i, t in enumerate(ts):
        nd = t._data.ndim
        if i == 0 and nd not in (1, 2):
            raise RuntimeError(f"multi_dot(): the first tensor must be 1D or 2D but got {nd}D")
        if i == len(ts) - 1 and nd not in (1, 2):
            raise RuntimeError(f"multi_dot(): the last tensor must be 1D or 2D but got {nd}D")
        if 0 < i < len(ts) - 1 and nd != 2:
            raise RuntimeError(f"multi_dot(): tensor {i} must be 2D but got {nd}D")
        if t._data.dtype != ts[0]._data.dtype:
            raise RuntimeError(f"multi_dot(): all tensors must have be the same dtype but "
                               f"tensor 0 is {scalar_name(ts[0]._data.dtype)} and tensor {i} "
                               f"{scalar_name(t._data.dtype)}")
    out_t = ts[0]
    for t in ts[1:]:
        out_t = matmul(out_t, t)
    return out_t


def _cross_dim(api: str, a: Tensor, b: Tensor, dim: int) -> tuple[Tensor, Tensor, int]:
    if a._data.ndim != b._data.ndim:
        raise RuntimeError(f"{api}: inputs must have the same number of dimensions.")
    shape = np.broadcast_shapes(a._data.shape, b._data.shape)
    nd = len(shape)
    if not -nd <= dim < nd:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-nd}, "
                         f"{nd - 1}], but got {dim})")
    d = dim % nd
    if a._data.shape[d] != 3 or b._data.shape[d] != 3:
        raise RuntimeError(f"{api}: inputs dimension {dim} must have length 3. Got "
                           f"{a._data.shape[d]} and {b._data.shape[d]}")
    a = a if a._data.shape == shape else a.expand(*shape)
    b = b if b._data.shape == shape else b.expand(*shape)
    return a, b, d


def cross(input: Tensor, other: Tensor, *, dim: int = -1, out: None = None) -> Tensor:
    """Cross product of 3-vectors along ``dim`` (size 3); other dims broadcast."""
    a, b, d = _cross_dim("linalg.cross", input, other, dim)
    if a._data.dtype != b._data.dtype:
        from .ops._util import result_type
        rt = result_type(a, b)
        a, b = a.to(rt), b.to(rt)
    a0, a1, a2 = (a.narrow(d, i, 1) for i in range(3))
    b0, b1, b2 = (b.narrow(d, i, 1) for i in range(3))
    return cat([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


def cross_classic(input: Tensor, other: Tensor, dim: int | None = None, *,
                  out: None = None) -> Tensor:
    """``torch.cross``: ``dim=None`` takes the first dim of size 3 (with PyTorch's
    deprecation warning)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated. "
                      "Please either pass the dim explicitly or simply use torch.linalg.cross.",
                      UserWarning, stacklevel=2)
        shape = np.broadcast_shapes(input._data.shape, other._data.shape)
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    return cross(input, other, dim=dim)


def diagonal(A: Tensor, *, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """The ``offset`` diagonal of the matrices in ``A`` over ``dim1, dim2`` (as the last
    dim): ``torch.diagonal`` with the matrix dims last by default."""
    return _diagonal(A, offset, dim1, dim2)


def vecdot(x: Tensor, y: Tensor, *, dim: int = -1, out: None = None) -> Tensor:
    """``sum(x * y, dim)`` (x conjugated when complex); x and y broadcast."""
    _same_dtype("linalg.vecdot", x, y, "x", "y")
    if x._data.dtype.kind == "c":
        x = x.conj()
    return (x * y).sum(dim)


# ---------------------------------------------------------------------------
# norms
# ---------------------------------------------------------------------------
def vector_norm(x: Tensor, ord: float = 2, dim: Any = None, keepdim: bool = False, *,
                dtype: Any = None, out: None = None) -> Tensor:
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements when None); ``ord`` inf, -inf,
    0 (count of non-zeros) or any real."""
    if isinstance(ord, str) or not isinstance(ord, numbers.Number):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' must be Number, not "
                        f"{type(ord).__name__}")
    return _vector_norm(x, ord, dim, keepdim, dtype)


_MATRIX_ORDS = ("fro", "nuc", 1, -1, 2, -2, math.inf, -math.inf)


def matrix_norm(A: Tensor, ord: float | str = "fro", dim: Sequence[int] = (-2, -1),
                keepdim: bool = False, *, dtype: Any = None, out: None = None) -> Tensor:
    """Matrix norm over the two dims ``dim``: 'fro', 'nuc' (sum of singular values),
    2 / -2 (largest / smallest singular value), 1 / -1 (max / min column abs sum),
    inf / -inf (max / min row abs sum)."""
    api = "linalg.matrix_norm"
    _lp.check_matrix(api, A)
    if dtype is not None:
        A = A.to(dtype)
    _lp.check_float(api, A)
    if ord not in _MATRIX_ORDS:
        raise RuntimeError(f"{api}: Order {ord} not supported.")
    nd = A._data.ndim
    dims = [int(d) % nd for d in dim]
    if len(dims) != 2 or dims[0] == dims[1]:
        raise RuntimeError(f"{api}: dims must be different. Got ({dim[0]}, {dim[1]})")
    if ord == "fro":
        return _vector_norm(A, 2, tuple(dims), keepdim)
    if ord in (1, -1, math.inf, -math.inf):
        rows, cols = dims if ord in (1, -1) else dims[::-1]
        sums = A.abs().sum(rows, keepdim=True)
        red = sums.amax(cols, keepdim=True) if ord > 0 else sums.amin(cols, keepdim=True)
        return red if keepdim else red.squeeze(tuple(sorted(dims)))
    s = svdvals(movedim(A, tuple(dims), (-2, -1)))
    red = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
    if keepdim:
        for d in sorted(dims):
            red = red.unsqueeze(d)
    return red


def norm(A: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,
         dtype: Any = None, out: None = None) -> Tensor:
    """``linalg.norm``: a vector norm when ``dim`` is an int (or ``A`` is 1-D with
    ``ord`` given), a matrix norm when ``dim`` is a pair (or ``A`` is 2-D with ``ord``
    given); with neither, the 2-norm of all elements."""
    if dim is not None:
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    nd = A._data.ndim
    if nd not in (1, 2):
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must "
                           f"be 1D or 2D. Got {nd}D.")
    if nd == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)


def norm_classic(input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False,
                 out: None = None, dtype: Any = None) -> Tensor:
    """``torch.norm``: 'fro' (and numbers) are vector norms over ``dim`` (all elements
    when None); other strings ('nuc') are matrix norms over ``dim`` (all dims if None)."""
    if isinstance(p, str) and p != "fro":
        dims = tuple(range(input._data.ndim)) if dim is None else dim
        return matrix_norm(input, p, dims, keepdim, dtype=dtype)
    return _vector_norm(input, p, dim, keepdim, dtype)


def cond(A: Tensor, p: Any = None, *, out: None = None) -> Tensor:
    """Condition number ``||A|| ||A^{-1}||`` in norm ``p`` (None / 2: ratio of the
    extreme singular values; -2 its inverse)."""
    if p in (None, 2, -2):
        s = svdvals(A)
        big, small = s.amax(-1), s.amin(-1)
        return big / small if p != -2 else small / big
    return matrix_norm(A, p) * matrix_norm(inv(A), p)


def cholesky_classic(input: Tensor, upper: bool = False, *, out: None = None) -> Tensor:
    """Deprecated ``torch.cholesky``: ``linalg.cholesky`` (``upper`` positional)."""
    warnings.warn("torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be "
                  "removed in a future PyTorch release.", UserWarning, stacklevel=2)
    return cholesky(input, upper=upper)



def _guard(fn: Any, api: str) -> Any:
    """``fn`` raising PyTorch's TypeError when its first argument is not a Tensor
    (``linalg_inv(): argument 'A' (position 1) must be Tensor, not list``)."""
    first = next(iter(inspect.signature(fn).parameters))

    @functools.wraps(fn)
    def checked(*args: Any, **kwargs: Any) -> Any:
        x = args[0] if args else kwargs.get(first)
        if not isinstance(x, Tensor):
            require_tensor(api, x, first)
        if kwargs.get("out") is not None:  # accepted for signature parity, never ignored
            raise NotImplementedError(f"{api}(): the out= argument is not supported; "
                                      f"assign the result instead")
        return fn(*args, **kwargs)

    return checked


for _name in __all__:
    _fn = globals()[_name]
    if inspect.isfunction(_fn) and _fn.__annotations__.get(
            next(iter(inspect.signature(_fn).parameters))) == "Tensor":
        _api = (_name[:-len("_classic")] if _name.endswith("_classic") else
                _name if _name in ("logdet", "inverse", "cholesky_solve", "cholesky_inverse",
                                   "triangular_solve", "pinverse") else "linalg_" + _name)
        globals()[_name] = _guard(_fn, _api)
del _name, _fn
