"""Padding layers: ``ZeroPad1d/2d``, ``ConstantPad1d/2d``, ``ReflectionPad1d/2d``,
``ReplicationPad1d/2d``, ``CircularPad1d/2d`` (thin wrappers over ``F.pad``)."""
from __future__ import annotations

from .. import functional as F
from .._check import require_number
from .module import Module

__all__ = ["ConstantPad1d", "ConstantPad2d", "ZeroPad1d", "ZeroPad2d", "ReflectionPad1d",
           "ReflectionPad2d", "ReplicationPad1d", "ReplicationPad2d", "CircularPad1d",
           "CircularPad2d"]


def _padding(name: str, padding, n: int) -> tuple:
    """An int repeated ``2 n`` times, or a sequence of ``2 n`` ints, as a tuple."""
    if isinstance(padding, (tuple, list)):
        values = tuple(require_number(name, "padding", p, integral=True) for p in padding)
        if len(values) != 2 * n:
            raise ValueError(f"{name}: padding must be an int or a {2 * n}-tuple, got "
                             f"{padding!r}")
        return values
    return (require_number(name, "padding", padding, integral=True),) * (2 * n)


class _PadNd(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding) -> None:
        super().__init__()
        self.padding = _padding(type(self).__name__, padding, self._n)

    def forward(self, input):
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class _ConstantPadNd(_PadNd):
    def __init__(self, padding, value: float) -> None:
        super().__init__(padding)
        self.value = require_number(type(self).__name__, "value", value)

    def forward(self, input):
        return F.pad(input, self.padding, "constant", self.value)

    def extra_repr(self) -> str:
        return f"padding={self.padding}, value={self.value}"


class ConstantPad1d(_ConstantPadNd):
    """Pad the last dim with ``value``: ``padding`` = int or (left, right)."""

    _n = 1


class ConstantPad2d(_ConstantPadNd):
    """Pad the last two dims with ``value``: int or (left, right, top, bottom)."""

    _n = 2


class ZeroPad1d(ConstantPad1d):
    """Pad the last dim with zeros: int or (left, right)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ZeroPad2d(ConstantPad2d):
    """Pad the last two dims with zeros: int or (left, right, top, bottom)."""

    def __init__(self, padding) -> None:
        super().__init__(padding, 0.0)

    def extra_repr(self) -> str:
        return f"{self.padding}"


class ReflectionPad1d(_PadNd):
    """Mirror the last dim about its edges (edge not repeated). (C, W) or (N, C, W)."""

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_PadNd):
    """Mirror the last two dims about their edges. (C, H, W) or (N, C, H, W)."""

    _n, _mode = 2, "reflect"


class ReplicationPad1d(_PadNd):
    """Repeat the edge values of the last dim. (C, W) or (N, C, W)."""

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_PadNd):
    """Repeat the edge values of the last two dims. (C, H, W) or (N, C, H, W)."""

    _n, _mode = 2, "replicate"


class CircularPad1d(_PadNd):
    """Wrap the last dim around (periodic padding). (C, W) or (N, C, W)."""

    _n, _mode = 1, "circular"


class CircularPad2d(_PadNd):
    """Wrap the last two dims around (periodic padding). (C, H, W) or (N, C, H, W)."""

    _n, _mode = 2, "circular"
