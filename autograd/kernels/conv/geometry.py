"""Shape arithmetic shared by every conv algorithm: padding spellings, output sizes, and
the interval of output columns a kernel tap reads inside the image.

Index bookkeeping of the im2col copies and loop nests (``gemm`` and ``direct``): for
kernel tap ``(kh, kw)`` the input pixel read by output ``(oh, ow)`` is ``ih = oh*sh - pt +
kh*dh``, ``iw = ow*sw - a`` with ``a = pl - kw*dw``. The valid ``ow`` form one interval
``[lo, hi)`` (:func:`output_range`), computed once per tap, so the innermost loops run
without bounds tests (and vectorise when ``sw == 1``).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

__all__ = ["Geometry", "conv_output_size", "geometry", "output_range", "pad4"]


def pad4(padding: Sequence[int]) -> tuple[int, int, int, int]:
    """``(ph, pw)`` -> ``(top, bottom, left, right)``; a 4-tuple passes through."""
    if len(padding) == 2:
        ph, pw = padding
        return int(ph), int(ph), int(pw), int(pw)
    t, b, left, r = padding
    return int(t), int(b), int(left), int(r)


def conv_output_size(in_size: int, kernel: int, stride: int, pad_before: int, pad_after: int,
                     dilation: int) -> int:
    """Output length of one spatial dim: ``(in + pads - d*(k-1) - 1) // s + 1``.

    Returns a Python int (may be ``<= 0`` for a too-small input; the op layer reports that).
    """
    return (in_size + pad_before + pad_after - dilation * (kernel - 1) - 1) // stride + 1


class Geometry(NamedTuple):
    """One convolution's stride, dilation, padding and output size, as Python ints."""

    sh: int
    sw: int
    dh: int
    dw: int
    pt: int
    pb: int
    pl: int
    pr: int
    OH: int
    OW: int

    @property
    def stride(self) -> tuple[int, int]:
        return self.sh, self.sw

    @property
    def dilation(self) -> tuple[int, int]:
        return self.dh, self.dw

    @property
    def pads(self) -> tuple[int, int, int, int]:
        """``(top, bottom, left, right)``."""
        return self.pt, self.pb, self.pl, self.pr


def geometry(in_hw: Sequence[int], kernel_hw: Sequence[int], stride: Sequence[int],
             padding: Sequence[int], dilation: Sequence[int]) -> Geometry:
    """The :class:`Geometry` of a conv on an ``in_hw`` image with a ``kernel_hw`` kernel;
    ``padding`` is ``(ph, pw)`` or ``(top, bottom, left, right)``."""
    try:  # one conv's passes and algorithm rule ask five to nine times, with tuples
        return _cached_geometry(tuple(in_hw), tuple(kernel_hw), tuple(stride), tuple(padding),
                                tuple(dilation))
    except TypeError:  # an unhashable entry (the op layer only passes ints)
        return _geometry(in_hw, kernel_hw, stride, padding, dilation)


def _geometry(in_hw: Sequence[int], kernel_hw: Sequence[int], stride: Sequence[int],
              padding: Sequence[int], dilation: Sequence[int]) -> Geometry:
    H, W = int(in_hw[0]), int(in_hw[1])
    KH, KW = int(kernel_hw[0]), int(kernel_hw[1])
    sh, sw = int(stride[0]), int(stride[1])
    dh, dw = int(dilation[0]), int(dilation[1])
    pt, pb, pl, pr = pad4(padding)
    return Geometry(sh, sw, dh, dw, pt, pb, pl, pr,
                    conv_output_size(H, KH, sh, pt, pb, dh), conv_output_size(W, KW, sw, pl, pr, dw))


_cached_geometry = functools.lru_cache(maxsize=256)(_geometry)


def output_range(a, sw, W, OW):
    """``[lo, hi)``: the outputs ``ow`` whose input column ``ow*sw - a`` lies in ``[0, W)``
    (an empty range, possibly with ``lo > hi``, when there is none)."""
    lo = (a + sw - 1) // sw if a > 0 else 0  # ceil(a / sw), >= 0
    hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
    if hi > OW:
        hi = OW
    return lo, hi
