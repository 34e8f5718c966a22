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
from . import pointwise, winograd
from .geometry import geometry

__all__ = ["ALGORITHMS", "WINOGRAD_MIN_CHANNELS", "WINOGRAD_MIN_VOLUME", "choose_algorithm",
           "pointwise_possible", "select_algorithm", "winograd_possible"]

ALGORITHMS = ("pointwise", "winograd", "direct", "gemm")

#: Winograd's GEMMs have ``K = C`` (or ``O``) and its transforms pass over 16 values per
#: tile and channel: from 32 channels it beats gemm's pipeline on W9's stride-1 layers
#: (fwd+bwd alone, batch 32, Zen 5: 32 channels 32x32 7.4-7.8 vs 11.1 ms, 64 channels
#: 16x16 5.1-5.4 vs 6.6, 128 channels 8x8 5.7-6.0 vs 6.2). Compiling its kernels adds
#: seconds to a cold start: W2 (32 -> 64 channels at 11x11) stays below the volume
#: threshold.
WINOGRAD_MIN_CHANNELS = 32
#: ...and ``min(C, O) * OH * OW`` (one sample's smaller activation) at least this: below,
#: gemm's chunks are as fast (W2's 32 -> 64 at 11x11, 3872: gemm 3.6 vs 4.9 ms; 256
#: channels 4x4, 4096: 8.4 vs 9.4).
WINOGRAD_MIN_VOLUME = 8192


def choose_algorithm(C: int, O: int, groups: int, KH: int, KW: int,  # noqa: E741
                     winograd_ok: bool = False, pointwise_ok: bool = False,
                     out_pixels: int | None = None) -> str:
    """Return one of :data:`ALGORITHMS` for ``C`` input and ``O`` output channels.

    ``winograd_ok`` / ``pointwise_ok`` say whether those paths can compute the geometry at
    all (:func:`winograd_possible` and so on); ``out_pixels = OH*OW`` (None: not
    considered) enters Winograd's volume threshold.

    * ``"pointwise"`` iff ``pointwise_ok`` (a 1x1 kernel, or one output pixel, no
      padding): the conv is one plain GEMM, and any other path does that GEMM plus copies.
    * ``"winograd"`` iff ``winograd_ok``, ``min(C, O) >= WINOGRAD_MIN_CHANNELS`` (32) and
      ``min(C, O) * out_pixels >= WINOGRAD_MIN_VOLUME`` (8192): 16 instead of 36
      multiply-adds per output; on small images gemm's chunks are as fast.
    * ``"direct"`` iff ``groups > 1`` and ``(C // groups) * (O // groups) <= 4``
      (depthwise, depthwise with a small channel multiplier, tiny groups): the grouped
      GEMMs would have ``M = 1`` and ``K = 9``, which BLAS cannot amortise. From
      ``Cg * Og = 16`` the GEMM already wins, and small ``C`` alone does not select the
      loop nest (one big ``K = 9`` GEMM over ``N*L`` columns still beats it).
    * ``"gemm"`` otherwise: every other stride-1 conv and every strided one. Its pipeline
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
    if groups > 1 and (C // groups) * (O // groups) <= 4:
        return "direct"
    return "gemm"


def winograd_possible(dtype: Any, groups: int, stride: Sequence[int], padding: Sequence[int],
                      dilation: Sequence[int], KH: int, KW: int, H: int, W: int) -> bool:
    """Whether the Winograd path can compute this conv (geometry, and NumPy's OpenBLAS)."""
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    return winograd.supports(g, groups, KH, KW) and _blas.gemm_fn(dtype) is not None


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
    that can compute the geometry (winograd or pointwise -> gemm)."""
    args = (dtype, groups, stride, padding, dilation, KH, KW, H, W)
    wino_ok = winograd_possible(*args)
    point_ok = pointwise_possible(*args)
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    # positional: tests force a pick by patching in ``lambda *a: name``
    alg = choose_algorithm(C, O, groups, KH, KW, wino_ok, point_ok, g.OH * g.OW)
    if alg == "winograd" and not wino_ok or alg == "pointwise" and not point_ok:
        alg = "gemm"
    return alg
