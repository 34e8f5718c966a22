"""The multivariate normal distribution, parameterised by a covariance, a precision or a
lower-triangular scale (Cholesky) matrix."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import autograd as _ag

from ..tensor import Size, Tensor
from . import constraints
from .distribution import Distribution
from .utils import _standard_normal, lazy_property

__all__ = ["MultivariateNormal"]


def _linalg() -> Any:
    return _ag.linalg


def _batch_mv(bmat: Tensor, bvec: Tensor) -> Tensor:
    """Batched matrix-vector product ``bmat[..., n, m] @ bvec[..., m]`` (broadcast)."""
    return _ag.matmul(bmat, bvec.unsqueeze(-1)).squeeze(-1)


def _batch_mahalanobis(bL: Tensor, bx: Tensor) -> Tensor:
    """Squared Mahalanobis distance x^T (L L^T)^-1 x = |L^-1 x|^2 for lower-triangular
    ``bL[..., n, n]`` and ``bx[..., n]`` (batch dims broadcast); shape: the broadcast batch."""
    batch = np.broadcast_shapes(tuple(bL.shape[:-2]), tuple(bx.shape[:-1]))
    n = bx.shape[-1]
    L = bL.expand(batch + (n, n))
    x = bx.expand(batch + (n,))
    sol = _linalg().solve_triangular(L, x.unsqueeze(-1), upper=False).squeeze(-1)
    return sol.pow(2).sum(-1)


def _precision_to_scale_tril(P: Tensor) -> Tensor:
    """The lower Cholesky factor L of P^-1 without forming P^-1: with J the exchange
    matrix, chol(J P J) = Lf gives P^-1 = (J Lf^-T J)(J Lf^-T J)^T, lower triangular."""
    Lf = _linalg().cholesky(_ag.flip(P, (-2, -1)))
    L_inv = _ag.transpose(_ag.flip(Lf, (-2, -1)), -2, -1)
    eye = _ag.eye(P.shape[-1], dtype=P.dtype)
    return _linalg().solve_triangular(L_inv, eye.expand(tuple(L_inv.shape)), upper=False)


class MultivariateNormal(Distribution):
    """N(loc, Sigma) over vectors of size n. Give exactly one of ``covariance_matrix``
    (Sigma), ``precision_matrix`` (Sigma^-1) or ``scale_tril`` (lower-triangular L with
    positive diagonal, Sigma = L L^T); all are batched with ``loc`` by broadcasting.

    Args:
        loc (Tensor): ``[..., n]`` mean.
        covariance_matrix (Tensor): ``[..., n, n]`` positive-definite covariance.
        precision_matrix (Tensor): ``[..., n, n]`` positive-definite precision.
        scale_tril (Tensor): ``[..., n, n]`` lower-triangular Cholesky factor.
    """

    arg_constraints = {"loc": constraints.real_vector,
                       "covariance_matrix": constraints.positive_definite,
                       "precision_matrix": constraints.positive_definite,
                       "scale_tril": constraints.lower_cholesky}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, loc: Tensor, covariance_matrix: Tensor | None = None,
                 precision_matrix: Tensor | None = None, scale_tril: Tensor | None = None,
                 validate_args: bool | None = None) -> None:
        if loc.dim() < 1:
            raise ValueError("loc must be at least one-dimensional.")
        if (covariance_matrix is not None) + (scale_tril is not None) \
                + (precision_matrix is not None) != 1:
            raise ValueError("Exactly one of covariance_matrix or precision_matrix or "
                             "scale_tril may be specified.")
        given: Tensor
        if scale_tril is not None:
            if scale_tril.dim() < 2:
                raise ValueError("scale_tril matrix must be at least two-dimensional, with "
                                 "optional leading batch dimensions")
            given = scale_tril
        elif covariance_matrix is not None:
            if covariance_matrix.dim() < 2:
                raise ValueError("covariance_matrix must be at least two-dimensional, with "
                                 "optional leading batch dimensions")
            given = covariance_matrix
        else:
            assert precision_matrix is not None
            if precision_matrix.dim() < 2:
                raise ValueError("precision_matrix must be at least two-dimensional, with "
                                 "optional leading batch dimensions")
            given = precision_matrix
        batch_shape = tuple(np.broadcast_shapes(tuple(given.shape[:-2]), tuple(loc.shape[:-1])))
        expanded = given.expand(batch_shape + tuple(given.shape[-2:]))
        if scale_tril is not None:
            self.scale_tril = expanded
        elif covariance_matrix is not None:
            self.covariance_matrix = expanded
        else:
            self.precision_matrix = expanded
        self.loc = loc.expand(batch_shape + tuple(loc.shape[-1:]))
        event_shape = self.loc.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)
        if scale_tril is not None:
            self._unbroadcasted_scale_tril = scale_tril
        elif covariance_matrix is not None:
            self._unbroadcasted_scale_tril = _linalg().cholesky(covariance_matrix)
        else:
            assert precision_matrix is not None
            self._unbroadcasted_scale_tril = _precision_to_scale_tril(precision_matrix)

    def expand(self, batch_shape: Any, _instance: Any = None) -> MultivariateNormal:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(MultivariateNormal, _instance)
        batch_shape = Size(batch_shape)
        loc_shape = tuple(batch_shape) + tuple(self.event_shape)
        cov_shape = loc_shape + tuple(self.event_shape)
        new.loc = self.loc.expand(loc_shape)
        new._unbroadcasted_scale_tril = self._unbroadcasted_scale_tril
        if "covariance_matrix" in self.__dict__:
            new.covariance_matrix = self.covariance_matrix.expand(cov_shape)
        if "scale_tril" in self.__dict__:
            new.scale_tril = self.scale_tril.expand(cov_shape)
        if "precision_matrix" in self.__dict__:
            new.precision_matrix = self.precision_matrix.expand(cov_shape)
        super(MultivariateNormal, new).__init__(batch_shape, self.event_shape,
                                                validate_args=False)
        new._validate_args = self._validate_args
        return new

    def _full(self) -> tuple[int, ...]:
        return tuple(self._batch_shape) + tuple(self._event_shape) + tuple(self._event_shape)

    @lazy_property
    def scale_tril(self) -> Tensor:
        """Lower Cholesky factor L of the covariance ``[..., n, n]``."""
        return self._unbroadcasted_scale_tril.expand(self._full())

    @lazy_property
    def covariance_matrix(self) -> Tensor:
        """L L^T ``[..., n, n]``."""
        L = self._unbroadcasted_scale_tril
        return _ag.matmul(L, L.mT).expand(self._full())

    @lazy_property
    def precision_matrix(self) -> Tensor:
        """(L L^T)^-1 ``[..., n, n]``."""
        return _linalg().cholesky_inverse(self._unbroadcasted_scale_tril).expand(self._full())

    @property
    def mean(self) -> Tensor:
        return self.loc

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        return self._unbroadcasted_scale_tril.pow(2).sum(-1).expand(
            tuple(self._batch_shape) + tuple(self._event_shape))

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + L eps, eps ~ N(0, I): differentiable in loc and the matrix given."""
        shape = tuple(self._extended_shape(sample_shape))
        eps = _standard_normal(shape, dtype=self.loc.dtype)
        return self.loc + _batch_mv(self._unbroadcasted_scale_tril, eps)

    def log_prob(self, value: Tensor) -> Tensor:
        """-(n log(2 pi) + (x - loc)^T Sigma^-1 (x - loc)) / 2 - log det L."""
        if self._validate_args:
            self._validate_sample(value)
        diff = value - self.loc
        M = _batch_mahalanobis(self._unbroadcasted_scale_tril, diff)
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        return -0.5 * (self._event_shape[0] * math.log(2 * math.pi) + M) - half_log_det

    def entropy(self) -> Tensor:
        """n (1 + log(2 pi)) / 2 + log det L."""
        half_log_det = self._unbroadcasted_scale_tril.diagonal(dim1=-2, dim2=-1).log().sum(-1)
        H = 0.5 * self._event_shape[0] * (1.0 + math.log(2 * math.pi)) + half_log_det
        if len(self._batch_shape) == 0:
            return H
        return H.expand(tuple(self._batch_shape))
