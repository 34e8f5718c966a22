"""THE rule for which convolution algorithm runs.

:func:`choose_algorithm` is the rule on channel counts and groups; :func:`select_algorithm`
applies it to a concrete call (which paths can compute the geometry, whether NumPy's
OpenBLAS is there) and demotes a pick that cannot run to gemm. The op
layer calls :func:`select_algorithm` once per convolution and hands the answer to the
forward and both backward kernels. The measurements behind every threshold are in
``benchmarks/NOTES.md`` ("Convolution: algorithm choice").
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _blas
from . import pointwise, winograd, winograd_s2
from .geometry import geometry

__all__ = ["ALGORITHMS", "WINOGRAD_MIN_CHANNELS", "WINOGRAD_MIN_VOLUME",
           "WINOGRAD_S2_MAX_CHANNEL_PRODUCT", "choose_algorithm", "pointwise_possible",
           "select_algorithm", "winograd_possible", "winograd_s2_possible"]

ALGORITHMS = ("pointwise", "winograd", "winograd_s2", "direct", "gemm")

#: Winograd's GEMMs have ``K = C`` (or ``O``) and its transforms pass over 16 or 36 values
#: per tile and channel: from 16 channels it beats gemm's pipeline (fwd+bwd alone, Zen 5,
#: ms: 16 -> 16 channels 32x32 batch 32 1.80 vs 3.04, 16 -> 32 16x16 0.98 vs 1.13, W9's
#: 32 channels 32x32 3.8 vs 11.1); at 8 -> 16 channels 28x28 it loses (2.15 vs 1.78).
#: Compiling its kernels adds seconds to a cold start: W2 (32 -> 64 channels at 11x11)
#: stays below the volume threshold.
WINOGRAD_MIN_CHANNELS = 16
#: ...and ``min(C, O) * OH * OW`` (one sample's smaller activation) at least this: below,
#: gemm's chunks are as fast (W2's 32 -> 64 at 11x11, 3872: gemm 2.06 vs 2.52 ms; 64
#: channels 8x8, 4096: Winograd 1.07 vs 1.61; 256 channels 4x4, 4096: 5.03 vs 5.11).
WINOGRAD_MIN_VOLUME = 4096
#: The stride-2 Winograd path (4x4 kernels) from :data:`WINOGRAD_MIN_CHANNELS` channels up
#: to ``C * O`` of this: its grad-weight sums ``9 * 4C * O`` transformed kernels per
#: partial sum, 2.25 times the weight, and at 512 -> 512 channels on 4x4 maps that traffic
#: lost to gemm (fwd+gw 16.7 vs 13.6 ms); 256 -> 512 at 8x8 still won (23.0 vs 26.0), as
#: every W8 shape (benchmarks/NOTES.md).
WINOGRAD_S2_MAX_CHANNEL_PRODUCT = 1 << 17


def choose_algorithm(C: int, O: int, groups: int, KH: int, KW: int,  # noqa: E741
                     winograd_ok: bool = False, pointwise_ok: bool = False,
                     out_pixels: int | None = None, winograd_s2_ok: bool = False) -> str:
    """Return one of :data:`ALGORITHMS` for ``C`` input and ``O`` output channels.

    ``winograd_ok`` / ``pointwise_ok`` say whether those paths can compute the geometry at
    all (:func:`winograd_possible` and so on); ``out_pixels = OH*OW`` (None: not
    considered) enters Winograd's volume threshold.

    * ``"pointwise"`` iff ``pointwise_ok`` (a 1x1 kernel, or one output pixel, no
      padding): the conv is one plain GEMM, and any other path does that GEMM plus copies.
    * ``"winograd"`` iff ``winograd_ok``, ``min(C, O) >= WINOGRAD_MIN_CHANNELS`` (16) and
      ``min(C, O) * out_pixels >= WINOGRAD_MIN_VOLUME`` (4096): 2.25 or 4 instead of 9
      multiply-adds per output; on small images gemm's chunks are as fast.
    * ``"winograd_s2"`` iff ``winograd_s2_ok`` (4x4 kernels, stride 2),
      ``min(C, O) >= WINOGRAD_MIN_CHANNELS`` and ``C * O <=
      WINOGRAD_S2_MAX_CHANNEL_PRODUCT``: F(2x2, 2x2) on the stride phases does 9/16 of
      the GEMM work in all three passes. At 8 -> 16 channels gemm was as fast (32x32:
      fwd+gw 0.43 vs 0.46 ms).
    * ``"direct"`` iff ``groups > 1`` and ``(C // groups) * (O // groups) <= 4``
      (depthwise, depthwise with a small channel multiplier, tiny groups): the grouped
      GEMMs would have ``M = 1`` and ``K = 9``, which BLAS cannot amortise. From
      ``Cg * Og = 16`` the GEMM already wins, and small ``C`` alone does not select the
      loop nest (one big ``K = 9`` GEMM over ``N*L`` columns still beats it).
    * ``"gemm"`` otherwise: every other stride-1 conv and every other strided one. Its pipeline
      (im2col, GEMM and output of one chunk of samples on one thread, in L2) beat the
      earlier "taps" path (one GEMM per kernel tap on a padded grid) on every shape
      measured, 1.3-2.2x (benchmarks/NOTES.md), and one GEMM over all columns beat tap
      GEMMs on the input's stride phases (the "polyphase" path) on every strided conv of
      W8 and W9.
    """
    if pointwise_ok:
        return "pointwise"
    if (winograd_ok and min(C, O) >= WINOGRAD_MIN_CHANNELS
            and (out_pixels is None or min(C, O) * out_pixels >= WINOGRAD_MIN_VOLUME)):
        return "winograd"
    if (winograd_s2_ok and min(C, O) >= WINOGRAD_MIN_CHANNELS
            and C * O <= WINOGRAD_S2_MAX_CHANNEL_PRODUCT):
        return "winograd_s2"
    if groups > 1 and (C // groups) * (O // groups) <= 4:
        return "direct"
    return "gemm"


def winograd_possible(dtype: Any, groups: int, stride: Sequence[int], padding: Sequence[int],
                      dilation: Sequence[int], KH: int, KW: int, H: int, W: int) -> bool:
    """Whether the Winograd path can compute this conv (geometry, and NumPy's OpenBLAS)."""
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    return winograd.supports(g, groups, KH, KW) and _blas.gemm_fn(dtype) is not None


def winograd_s2_possible(dtype: Any, groups: int, stride: Sequence[int],
                         padding: Sequence[int], dilation: Sequence[int], KH: int, KW: int,
                         H: int, W: int) -> bool:
    """Whether the stride-2 Winograd path can compute this conv (geometry, OpenBLAS)."""
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    return winograd_s2.supports(g, groups, KH, KW) and _blas.gemm_fn(dtype) is not None


def pointwise_possible(dtype: Any, groups: int, stride: Sequence[int], padding: Sequence[int],
                       dilation: Sequence[int], KH: int, KW: int, H: int, W: int) -> bool:
    """Whether the pointwise (plain GEMM) path can compute this conv."""
    return pointwise.supports(geometry((H, W), (KH, KW), stride, padding, dilation), groups,
                              KH, KW)


def select_algorithm(dtype: Any, C: int, O: int, groups: int, stride: Sequence[int],  # noqa: E741
                     padding: Sequence[int], dilation: Sequence[int], KH: int, KW: int,
                     H: int, W: int) -> str:
    """The algorithm that runs for a conv of an ``[N, C, H, W]`` input with an
    ``[O, C // groups, KH, KW]`` weight: :func:`choose_algorithm`'s pick, demoted to one
    that can compute the geometry (winograd, winograd_s2 or pointwise -> gemm)."""
    args = (dtype, groups, stride, padding, dilation, KH, KW, H, W)
    wino_ok = winograd_possible(*args)
    point_ok = pointwise_possible(*args)
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    # positional: tests force a pick by patching in ``lambda *a: name``
    s2_ok = winograd_s2_possible(*args)
    alg = choose_algorithm(C, O, groups, KH, KW, wino_ok, point_ok, g.OH * g.OW, s2_ok)
    if (alg == "winograd" and not wino_ok or alg == "pointwise" and not point_ok
            or alg == "winograd_s2" and not s2_ok):
        alg = "gemm"
    return alg
