"""Dropout modules (active in training mode only; masks from the global generator)."""
from __future__ import annotations

from .. import functional as F
from .._check import check_probability
from .module import Module

__all__ = ["Dropout", "Dropout2d", "AlphaDropout"]


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
        return F.dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels with probability ``p`` in training.
    Shape: (N, C, H, W) or (C, H, W) -> same."""

    def forward(self, input):
        return F.dropout2d(input, self.p, self.training)


class AlphaDropout(_DropoutNd):
    """Dropout that preserves SELU's mean and variance. Shape: any -> same."""

    def forward(self, input):
        return F.alpha_dropout(input, self.p, self.training)
