"""The Gamma distribution (shape ``concentration``, inverse scale ``rate``)."""
from __future__ import annotations

import numbers
from typing import Any

import autograd as _ag

from ..ops.special import digamma, gammainc, lgamma
from ..tensor import Size, Tensor
from . import constraints
from ._sampling import standard_gamma
from .exp_family import ExponentialFamily
from .utils import broadcast_all

__all__ = ["Gamma"]


class Gamma(ExponentialFamily):
    """Gamma(concentration, rate): density r^c x^(c-1) e^(-r x) / Gamma(c) on x >= 0.

    ``rsample`` is differentiable in both parameters: in ``concentration`` through the
    implicit reparameterisation gradient (PyTorch's ``_standard_gamma_grad``).

    Args:
        concentration (float or Tensor): shape c (> 0).
        rate (float or Tensor): rate r = 1 / scale (> 0).
    """

    arg_constraints = {"concentration": constraints.positive, "rate": constraints.positive}
    support = constraints.nonnegative
    has_rsample = True
    _mean_carrier_measure = 0

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.rate

    @property
    def mode(self) -> Tensor:
        return ((self.concentration - 1) / self.rate).clamp(min=0)

    @property
    def variance(self) -> Tensor:
        return self.concentration / self.rate.pow(2)

    def __init__(self, concentration: Any, rate: Any, validate_args: bool | None = None) -> None:
        self.concentration, self.rate = broadcast_all(concentration, rate)
        if isinstance(concentration, numbers.Number) and isinstance(rate, numbers.Number):
            batch_shape = Size()
        else:
            batch_shape = self.concentration.size()
        super().__init__(batch_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Gamma:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        return self._expanded(Gamma, batch_shape, _instance, "concentration", "rate")

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Standard-Gamma draws (Marsaglia-Tsang) divided by ``rate``."""
        shape = tuple(self._extended_shape(sample_shape))
        return standard_gamma(self.concentration.expand(shape)) / self.rate.expand(shape)

    def log_prob(self, value: Tensor) -> Tensor:
        """c log r + (c - 1) log x - r x - lgamma(c)."""
        value = _ag.as_tensor(value, dtype=self.rate.dtype)
        if self._validate_args:
            self._validate_sample(value)
        return (_ag.xlogy(self.concentration, self.rate)
                + _ag.xlogy(self.concentration - 1, value)
                - self.rate * value - lgamma(self.concentration))

    def cdf(self, value: Tensor) -> Tensor:
        """P(c, r x), the regularised lower incomplete gamma function (differentiable in the
        value and the rate, not in the concentration, as PyTorch)."""
        if self._validate_args:
            self._validate_sample(value)
        return gammainc(self.concentration, self.rate * value)

    def entropy(self) -> Tensor:
        """c - log r + lgamma(c) + (1 - c) digamma(c)."""
        return (self.concentration - _ag.log(self.rate) + lgamma(self.concentration)
                + (1.0 - self.concentration) * digamma(self.concentration))

    @property
    def _natural_params(self) -> tuple[Tensor, Tensor]:
        return (self.concentration - 1, -self.rate)

    def _log_normalizer(self, x: Tensor, y: Tensor) -> Tensor:
        return lgamma(x + 1) + (x + 1) * _ag.log(-y.reciprocal())
