"""The Multinomial distribution: counts of ``total_count`` Categorical draws."""
from __future__ import annotations

import math
from typing import Any

import autograd as _ag

from ..ops.special import lgamma
from ..tensor import Size, Tensor
from . import constraints
from .binomial import Binomial
from .categorical import Categorical
from .distribution import Distribution
from .utils import broadcast_all

__all__ = ["Multinomial"]


class Multinomial(Distribution):
    """Multinomial(total_count, probs) or (total_count, logits=...): category counts
    ``[..., K]`` summing to ``total_count`` (an int shared by the batch, as PyTorch).

    ``log_prob`` does not need ``total_count`` (any count vector is scored).
    """

    arg_constraints = {"probs": constraints.simplex,
                       "logits": constraints.independent(constraints.real, 1)}
    total_count: int

    @property
    def mean(self) -> Tensor:
        return self.probs * self.total_count

    @property
    def variance(self) -> Tensor:
        return self.total_count * self.probs * (1 - self.probs)

    def __init__(self, total_count: int = 1, probs: Tensor | None = None,
                 logits: Tensor | None = None, validate_args: bool | None = None) -> None:
        if not isinstance(total_count, int):
            raise NotImplementedError("inhomogeneous total_count is not supported")
        self.total_count = total_count
        self._categorical = Categorical(probs=probs, logits=logits)
        self._binomial = Binomial(total_count=total_count, probs=self.probs)
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Multinomial:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(Multinomial, _instance)
        batch_shape = Size(batch_shape)
        new.total_count = self.total_count
        new._categorical = self._categorical.expand(batch_shape)
        new._binomial = Binomial(total_count=self.total_count, probs=new._categorical.probs,
                                 validate_args=False)
        super(Multinomial, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    @constraints.dependent_property(is_discrete=True, event_dim=1)
    def support(self) -> constraints.Constraint:
        return constraints.multinomial(self.total_count)

    @property
    def logits(self) -> Tensor:
        """Normalised logits ``[..., K]``."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities ``[..., K]``."""
        return self._categorical.probs

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given."""
        return self._categorical.param_shape

    def sample(self, sample_shape: Any = ()) -> Tensor:
        """Counts ``sample_shape + batch_shape + (K,)`` in the probabilities' dtype."""
        sample_shape = Size(sample_shape)
        with _ag.no_grad():
            draws = self._categorical.sample(Size((self.total_count,) + tuple(sample_shape)))
            # move the draw axis last, then count occurrences of each category
            order = list(range(1, draws.dim())) + [0]
            draws = draws.permute(*order)
            shape = tuple(self._extended_shape(sample_shape))
            counts = _ag.zeros(shape, dtype=_ag.int64)
            counts = counts.scatter_add(-1, draws, _ag.ones_like(draws))
            return counts.type_as(self.probs)

    def entropy(self) -> Tensor:
        """n H(Categorical) - log n! + sum_i E[log x_i!] (x_i ~ Binomial(n, p_i))."""
        n = _ag.tensor(float(self.total_count), dtype=self.probs.dtype)
        support = self._binomial.enumerate_support()
        binomial_probs = _ag.exp(self._binomial.log_prob(support))
        weights = lgamma(support + 1)
        return (n * self._categorical.entropy() - lgamma(n + 1)
                + (binomial_probs * weights).sum(0).sum(-1))

    def log_prob(self, value: Tensor) -> Tensor:
        """log n! - sum log x_i! + sum x_i log p_i (with 0 log 0 = 0)."""
        if self._validate_args:
            self._validate_sample(value)
        logits, value = broadcast_all(self.logits, value)
        log_factorial_n = lgamma(value.sum(-1) + 1)
        log_factorial_xs = lgamma(value + 1).sum(-1)
        logits = _ag.where((value == 0) & (logits == -math.inf), 0.0, logits)
        log_powers = (logits * value).sum(-1)
        return log_factorial_n - log_factorial_xs + log_powers
