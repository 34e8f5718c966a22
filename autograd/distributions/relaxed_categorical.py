"""Relaxed (Concrete / Gumbel-softmax) one-hot Categorical distributions."""
from __future__ import annotations

from typing import Any

import autograd as _ag

from ..ops.special import lgamma
from ..tensor import Size, Tensor
from . import constraints
from .categorical import Categorical
from .distribution import Distribution
from .transformed_distribution import TransformedDistribution
from .transforms import ExpTransform
from .utils import clamp_probs

__all__ = ["ExpRelaxedCategorical", "RelaxedOneHotCategorical"]


class ExpRelaxedCategorical(Distribution):
    """The log of a RelaxedOneHotCategorical sample (Maddison et al., 2017; Jang et al.,
    2017): log-softmax((logits + Gumbel noise) / temperature).

    Args:
        temperature (Tensor): relaxation temperature (> 0).
        probs (Tensor): ``[..., K]`` event probabilities; or ``logits``.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.real_vector
    has_rsample = True

    def __init__(self, temperature: Any, probs: Tensor | None = None,
                 logits: Tensor | None = None, validate_args: bool | None = None) -> None:
        self._categorical = Categorical(probs, logits)
        self.temperature = temperature
        batch_shape = self._categorical.batch_shape
        event_shape = self._categorical.param_shape[-1:]
        super().__init__(batch_shape, event_shape, validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> ExpRelaxedCategorical:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(ExpRelaxedCategorical, _instance)
        batch_shape = Size(batch_shape)
        new.temperature = self.temperature
        new._categorical = self._categorical.expand(batch_shape)
        super(ExpRelaxedCategorical, new).__init__(batch_shape, self.event_shape,
                                                   validate_args=False)
        new._validate_args = self._validate_args
        return new

    @property
    def param_shape(self) -> Size:
        """The shape of the parameter given."""
        return self._categorical.param_shape

    @property
    def logits(self) -> Tensor:
        """Normalised logits ``[..., K]``."""
        return self._categorical.logits

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities ``[..., K]``."""
        return self._categorical.probs

    def rsample(self, sample_shape: Any = ()) -> Tensor:
        """log-softmax((logits + G) / temperature), G ~ Gumbel(0, 1)."""
        shape = tuple(self._extended_shape(sample_shape))
        uniforms = clamp_probs(_ag.rand(shape, dtype=self.logits.dtype))
        gumbels = -((-(uniforms.log())).log())
        scores = (self.logits + gumbels) / self.temperature
        return scores - scores.logsumexp(dim=-1, keepdim=True)

    def log_prob(self, value: Tensor) -> Tensor:
        """The Concrete log density of the log-simplex point ``value``."""
        k = self._categorical._num_events
        if self._validate_args:
            self._validate_sample(value)
        temperature = _ag.as_tensor(self.temperature, dtype=self.logits.dtype)
        log_scale = lgamma(_ag.full_like(temperature, float(k))) + temperature.log().mul(k - 1)
        score = self.logits - value.mul(temperature)
        score = (score - score.logsumexp(dim=-1, keepdim=True)).sum(-1)
        return score + log_scale


class RelaxedOneHotCategorical(TransformedDistribution):
    """A reparameterisable relaxation of OneHotCategorical on the simplex (exp of an
    :class:`ExpRelaxedCategorical` sample).

    Args:
        temperature (Tensor): relaxation temperature (> 0).
        probs (Tensor): ``[..., K]`` event probabilities; or ``logits``.
    """

    arg_constraints = {"probs": constraints.simplex, "logits": constraints.real_vector}
    support = constraints.simplex
    has_rsample = True
    base_dist: ExpRelaxedCategorical

    def __init__(self, temperature: Any, probs: Tensor | None = None,
                 logits: Tensor | None = None, validate_args: bool | None = None) -> None:
        base_dist = ExpRelaxedCategorical(temperature, probs, logits,
                                          validate_args=validate_args)
        super().__init__(base_dist, ExpTransform(), validate_args=validate_args)

    def expand(self, batch_shape: Any, _instance: Any = None) -> RelaxedOneHotCategorical:
        """Parameters expanded to ``batch_shape`` (no copy)."""
        new = self._get_checked_instance(RelaxedOneHotCategorical, _instance)
        return super().expand(Size(batch_shape), _instance=new)  # type: ignore[return-value]

    @property
    def temperature(self) -> Any:
        """The relaxation temperature."""
        return self.base_dist.temperature

    @property
    def logits(self) -> Tensor:
        """Normalised logits ``[..., K]``."""
        return self.base_dist.logits

    @property
    def probs(self) -> Tensor:
        """Normalised probabilities ``[..., K]``."""
        return self.base_dist.probs
