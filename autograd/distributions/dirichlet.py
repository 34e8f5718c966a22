"""The Dirichlet distribution over the probability simplex."""
from __future__ import annotations

from typing import Any

import autograd as _ag

from ..ops.special import digamma, lgamma
from ..tensor import Size, Tensor
from . import constraints
from ._sampling import standard_gamma
from .exp_family import ExponentialFamily
from .utils import _one_hot

__all__ = ["Dirichlet"]


class Dirichlet(ExponentialFamily):
    """Dirichlet(concentration) on the simplex of the last dimension.

    ``rsample`` normalises independent Gamma(concentration_i) draws; the gradient flows
    through each Gamma's implicit reparameterisation gradient. (PyTorch's ``_dirichlet_grad``
    is another unbiased estimator of the same expected gradients; single-sample gradients
    differ from it, their expectations agree.)

    Args:
        concentration (Tensor): ``[..., K]`` positive concentrations (at least 1-D).
    """

    arg_constraints = {"concentration": constraints.independent(constraints.positive, 1)}
    support = constraints.simplex
    has_rsample = True

    def __init__(self, concentration: Tensor, validate_args: bool | None = None) -> None:
        if concentration.dim() < 1:
            raise ValueError("`concentration` parameter must be at least one-dimensional.")
        self.concentration = concentration
        batch_shape, event_shape = concentration.shape[:-1], concentration.shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> Dirichlet:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(Dirichlet, _instance)
        batch_shape = Size(batch_shape)
        new.concentration = self.concentration.expand(tuple(batch_shape) + tuple(self.event_shape))
        super(Dirichlet, new).__init__(batch_shape, self.event_shape, validate_args=False)
        new._validate_args = self._validate_args
        return new

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """Gamma draws normalised to sum 1 (differentiable in the concentration)."""
        shape = tuple(self._extended_shape(sample_shape))
        gammas = standard_gamma(self.concentration.expand(shape))
        return gammas / gammas.sum(-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """sum (c_i - 1) log x_i + lgamma(sum c) - sum lgamma(c_i)."""
        if self._validate_args:
            self._validate_sample(value)
        return (_ag.xlogy(self.concentration - 1.0, value).sum(-1)
                + lgamma(self.concentration.sum(-1)) - lgamma(self.concentration).sum(-1))

    @property
    def mean(self) -> Tensor:
        return self.concentration / self.concentration.sum(-1, keepdim=True)

    @property
    def mode(self) -> Tensor:
        """(c - 1) / sum(c - 1) when every c > 1; where every c < 1, the one-hot vertex of the
        largest c (PyTorch's convention)."""
        cm1 = (self.concentration - 1).clamp(min=0.0)
        mode = cm1 / cm1.sum(-1, keepdim=True)
        all_below = (self.concentration < 1).all(-1, keepdim=True)
        k = self.concentration.shape[-1]
        vertex = _one_hot(mode.argmax(-1), k, mode.dtype)
        return _ag.where(all_below, vertex, mode)

    @property
    def variance(self) -> Tensor:
        con0 = self.concentration.sum(-1, keepdim=True)
        return self.concentration * (con0 - self.concentration) / (con0.pow(2) * (con0 + 1))

    def entropy(self) -> Tensor:
        """log B(c) + (a0 - K) digamma(a0) - sum (c_i - 1) digamma(c_i)."""
        k = self.concentration.size(-1)
        a0 = self.concentration.sum(-1)
        return (lgamma(self.concentration).sum(-1) - lgamma(a0) - (k - a0) * digamma(a0)
                - ((self.concentration - 1.0) * digamma(self.concentration)).sum(-1))

    @property
    def _natural_params(self) -> tuple[Tensor]:
        return (self.concentration,)

    def _log_normalizer(self, x: Tensor) -> Tensor:
        return lgamma(x).sum(-1) - lgamma(x.sum(-1))
