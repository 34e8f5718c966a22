"""The log-normal distribution: exp of a Normal."""
from __future__ import annotations

from typing import Any

from ..tensor import Size, Tensor
from . import constraints
from .normal import Normal
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform

__all__ = ["LogNormal"]


class LogNormal(TransformedDistribution):
    """X = exp(Y) with Y ~ Normal(loc, scale).

    Args:
        loc (float or Tensor): mean of log X.
        scale (float or Tensor): standard deviation of log X (> 0).
    """

    arg_constraints = {"loc": constraints.real, "scale": constraints.positive}
    support = constraints.positive
    has_rsample = True
    base_dist: Normal

    def __init__(self, loc: Any, scale: Any, validate_args: bool | None = None) -> None:
        base_dist = Normal(loc, scale, validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> LogNormal:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(LogNormal, _instance)
        return super().expand(Size(batch_shape), _instance=new)  # type: ignore[return-value]

    @property
    def loc(self) -> Tensor:
        """Mean of log X."""
        return self.base_dist.loc

    @property
    def scale(self) -> Tensor:
        """Standard deviation of log X."""
        return self.base_dist.scale

    @property
    def mean(self) -> Tensor:
        return (self.loc + self.scale.pow(2) / 2).exp()

    @property
    def mode(self) -> Tensor:
        return (self.loc - self.scale.square()).exp()

    @property
    def variance(self) -> Tensor:
        scale_sq = self.scale.pow(2)
        return scale_sq.expm1() * (2 * self.loc + scale_sq).exp()

    def entropy(self) -> Tensor:
        """H(Normal) + loc."""
        return self.base_dist.entropy() + self.loc
