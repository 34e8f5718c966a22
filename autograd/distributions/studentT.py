"""Student's t distribution."""
from __future__ import annotations

import math
from typing import Any

import autograd as _ag

from ..ops.special import digamma, lgamma
from ..tensor import Tensor
from . import constraints
from .chi2 import Chi2
from .distribution import Distribution
from .utils import _standard_normal, broadcast_all

__all__ = ["StudentT"]


class StudentT(Distribution):
    """Student's t with ``df`` degrees of freedom, location ``loc`` and scale ``scale``.

    Args:
        df (float or Tensor): degrees of freedom (> 0).
        loc (float or Tensor): location (default 0).
        scale (float or Tensor): scale (> 0, default 1).
    """

    arg_constraints = {"df": constraints.positive, "loc": constraints.real,
                       "scale": constraints.positive}
    support = constraints.real
    has_rsample = True

    @property
    def mean(self) -> Tensor:
        """loc where df > 1, nan elsewhere."""
        return _ag.where(self.df > 1, self.loc, math.nan)

    @property
    def mode(self) -> Tensor:
        return self.loc

    @property
    def variance(self) -> Tensor:
        """scale^2 df / (df - 2) where df > 2, inf for 1 < df <= 2, nan for df <= 1."""
        finite = self.scale.pow(2) * self.df / (self.df - 2).clamp(min=1e-30)
        return _ag.where(self.df > 2, finite, _ag.where(self.df > 1, math.inf, math.nan))

    def __init__(self, df: Any, loc: Any = 0.0, scale: Any = 1.0,
                 validate_args: bool | None = None) -> None:
        self.df, self.loc, self.scale = broadcast_all(df, loc, scale)
        self._chi2 = Chi2(self.df)
        batch_shape = self.df.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> StudentT:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        return self._expanded(StudentT, batch_shape, _instance, "df", "loc", "scale", "_chi2")

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """loc + scale X / sqrt(Z / df), X ~ N(0, 1), Z ~ Chi2(df): differentiable in all
        three parameters (df through the Gamma's implicit gradient)."""
        shape = self._extended_shape(sample_shape)
        x = _standard_normal(tuple(shape), dtype=self.df.dtype)
        z = self._chi2.rsample(sample_shape)
        y = x * _ag.rsqrt(z / self.df)
        return self.loc + self.scale * y

    def log_prob(self, value: Tensor) -> Tensor:
        """-(df+1)/2 log1p(y^2 / df) - log(scale) - log(df pi)/2 - log B(df/2, 1/2)."""
        if self._validate_args:
            self._validate_sample(value)
        y = (value - self.loc) / self.scale
        z = (self.scale.log() + 0.5 * self.df.log() + 0.5 * math.log(math.pi)
             + lgamma(0.5 * self.df) - lgamma(0.5 * (self.df + 1.0)))
        return -0.5 * (self.df + 1.0) * _ag.log1p(y ** 2.0 / self.df) - z

    def entropy(self) -> Tensor:
        """log(scale) + (df+1)/2 (psi((df+1)/2) - psi(df/2)) + log(df)/2 + log B(df/2, 1/2)."""
        lbeta = lgamma(0.5 * self.df) + math.lgamma(0.5) - lgamma(0.5 * (self.df + 1))
        return (self.scale.log()
                + 0.5 * (self.df + 1) * (digamma(0.5 * (self.df + 1)) - digamma(0.5 * self.df))
                + 0.5 * self.df.log() + lbeta)
