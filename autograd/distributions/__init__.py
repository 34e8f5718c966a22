"""Probability distributions with PyTorch's interface (``torch.distributions``).

After ``import autograd as torch``, ``torch.distributions.Normal``,
``torch.distributions.normal.Normal``, ``torch.distributions.kl.kl_divergence``,
``torch.distributions.constraints`` and ``torch.distributions.transforms`` resolve as in
PyTorch. Each family lives in the module PyTorch names it after. Samples come from the
engine's generator (``manual_seed``); ``log_prob``, ``entropy``, ``cdf``/``icdf``,
``rsample`` and ``kl_divergence`` are differentiable in every parameter.

Example::

    >>> m = Normal(torch.tensor([0.0]), torch.tensor([1.0]))
    >>> x = m.sample((3,))          # shape [3, 1]
    >>> m.log_prob(x).shape
    torch.Size([3, 1])
"""
from . import constraints, kl, transforms, utils  # noqa: F401
from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .cauchy import Cauchy
from .chi2 import Chi2
from .dirichlet import Dirichlet
from .distribution import Distribution
from .exp_family import ExponentialFamily
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .independent import Independent
from .kl import kl_divergence, register_kl
from .laplace import Laplace
from .log_normal import LogNormal
from .lowrank_multivariate_normal import LowRankMultivariateNormal
from .mixture_same_family import MixtureSameFamily
from .multinomial import Multinomial
from .multivariate_normal import MultivariateNormal
from .normal import Normal
from .one_hot_categorical import OneHotCategorical, OneHotCategoricalStraightThrough
from .poisson import Poisson
from .relaxed_bernoulli import LogitRelaxedBernoulli, RelaxedBernoulli
from .relaxed_categorical import ExpRelaxedCategorical, RelaxedOneHotCategorical
from .studentT import StudentT
from .transformed_distribution import TransformedDistribution
from .transforms import *  # noqa: F403
from .transforms import __all__ as _transforms_all
from .uniform import Uniform

__all__ = [
    "Bernoulli", "Beta", "Binomial", "Categorical", "Cauchy", "Chi2", "Dirichlet",
    "Distribution", "ExpRelaxedCategorical", "Exponential", "ExponentialFamily", "Gamma",
    "Geometric", "Independent", "Laplace", "LogNormal", "LogitRelaxedBernoulli",
    "LowRankMultivariateNormal", "MixtureSameFamily", "Multinomial", "MultivariateNormal",
    "Normal", "OneHotCategorical", "OneHotCategoricalStraightThrough", "Poisson",
    "RelaxedBernoulli", "RelaxedOneHotCategorical", "StudentT", "TransformedDistribution",
    "Uniform", "constraints", "kl_divergence", "register_kl", "transforms",
    *_transforms_all,
]
