"""``torch.nn.utils.parametrizations``: ``weight_norm`` as a parametrization."""
from __future__ import annotations

from ..modules.module import Module
from . import parametrize
from .weight_norm import _weight_norm, norm_except_dim

__all__ = ["weight_norm"]


class _WeightNorm(Module):
    def __init__(self, dim: int | None = 0) -> None:
        super().__init__()
        if dim is None:
            dim = -1
        self.dim = dim

    def forward(self, weight_g, weight_v):
        return _weight_norm(weight_v, weight_g, self.dim)

    def right_inverse(self, weight):
        return norm_except_dim(weight, 2, self.dim), weight


def weight_norm(module, name: str = "weight", dim: int | None = 0):
    """Weight normalisation as a parametrization: ``module.<name>`` is computed as
    ``original1 * original0 / ||original1||`` (``original0`` = g, the magnitude, shaped
    like the norm over every dim but ``dim``; ``original1`` = v), stored under
    ``parametrizations.<name>.original0`` / ``original1`` (PyTorch's keys). ``dim=None``
    takes the norm of the whole tensor. Returns ``module``."""
    parametrize.register_parametrization(module, name, _WeightNorm(dim), unsafe=True)
    return module
