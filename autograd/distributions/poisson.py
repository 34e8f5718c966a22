"""The Poisson distribution."""
from __future__ import annotations

import numbers
from typing import Any

import autograd as _ag

from ..ops.special import lgamma
from ..tensor import Size, Tensor
from . import constraints
from ._sampling import poisson
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Poisson"]


class Poisson(ExponentialFamily):
    """Poisson(rate): P(k) = rate^k e^-rate / k!. PyTorch defines no entropy for it
    (``entropy()`` raises NotImplementedError there and here).

    Args:
        rate (float or Tensor): the rate (>= 0).
    """

    arg_constraints = {"rate": constraints.nonnegative}
    support = constraints.nonnegative_integer

    @property
    def mean(self) -> Tensor:
        return self.rate

    @property
    def mode(self) -> Tensor:
        return self.rate.floor()

    @property
    def variance(self) -> Tensor:
        return self.rate

    def __init__(self, rate: Any, validate_args: bool | None = None) -> None:
        (self.rate,) = broadcast_all(rate)
        batch_shape = Size() if isinstance(rate, numbers.Number) else self.rate.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Poisson:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        return self._expanded(Poisson, batch_shape, _instance, "rate")

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts in rate's dtype (inversion below rate 10, PTRS rejection above)."""
        shape = tuple(self._extended_shape(sample_shape))
        with _ag.no_grad():
            return poisson(self.rate.expand(shape))

    def log_prob(self, value: Tensor) -> Tensor:
        """k log(rate) - rate - lgamma(k + 1)."""
        if self._validate_args:
            self._validate_sample(value)
        rate, value = broadcast_all(self.rate, value)
        return _ag.xlogy(value, rate) - rate - lgamma(value + 1)

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (_ag.log(self.rate),)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return _ag.exp(x)
