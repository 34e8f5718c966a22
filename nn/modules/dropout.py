"""Dropout modules (active in training mode only; PyTorch's masks from the global generator)."""
from __future__ import annotations

from .. import functional as F
from .._check import check_probability
from .module import Module

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        check_probability(type(self).__name__, "p", p)
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` and scale the rest by 1/(1-p) in training.
    Shape: any -> same."""

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout1d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training.
    Shape: (N, C, L) or (C, L) -> same."""

    def forward(self, input):
        return F.dropout1d(input, self.p, self.training, self.inplace)


class Dropout3d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training.
    Shape: (N, C, D, H, W) or (C, D, H, W) -> same."""

    def forward(self, input):
        return F.dropout3d(input, self.p, self.training, self.inplace)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels in training. Shape: (N, C, *) -> same."""

    def forward(self, input):
        return F.feature_alpha_dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training.
    Shape: (N, C, H, W) or (C, H, W) -> same."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training, self.inplace)


class AlphaDropout(_DropoutNd):
    """Dropout that preserves SELU's mean and variance. Shape: any -> same."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)
