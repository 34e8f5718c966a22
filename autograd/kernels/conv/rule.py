"""THE rule for which convolution algorithm runs.

:func:`choose_algorithm` is the rule on channel counts and groups; :func:`select_algorithm`
applies it to a concrete call (which paths can compute the geometry, whether NumPy's
OpenBLAS is there) and demotes a pick that cannot run: winograd -> taps -> gemm, and
pointwise or polyphase -> gemm. The op
layer calls :func:`select_algorithm` once per convolution and hands the answer to the
forward and both backward kernels. The measurements behind every threshold are in
``benchmarks/NOTES.md`` ("Convolution: algorithm choice").
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _blas
from . import pointwise, polyphase, taps, winograd
from .geometry import geometry

__all__ = ["ALGORITHMS", "POLYPHASE_MIN_CHANNELS", "POLYPHASE_MIN_OUT_CHANNELS",
           "POLYPHASE_MAX_GRID_RATIO",
           "TAPS_MIN_CHANNELS", "WINOGRAD_MIN_CHANNELS", "WINOGRAD_MIN_VOLUME",
           "choose_algorithm",
           "pointwise_possible", "polyphase_possible", "select_algorithm", "taps_possible",
           "winograd_possible"]

ALGORITHMS = ("pointwise", "winograd", "taps", "polyphase", "direct", "gemm")

#: Winograd's GEMMs have ``K = C`` (or ``O``) and its transforms pass over 16 values per
#: tile and channel. Since the native pool (no OpenBLAS worker spinning beside its
#: threads) it beats taps from 32 channels inside W9's training step (fwd+bwd in
#: isolation, batch 32: 32 channels 32x32 29.0 vs 34.0 ms, 64 channels 16x16 17.2 vs
#: 21.9, 128 channels 8x8 18.1 vs 22.4; W9 step 204 -> 174 and 190 -> 165 ms). Compiling
#: its kernels adds seconds to a cold start: W2 (32 -> 64 channels at 11x11) stays below
#: the volume threshold.
WINOGRAD_MIN_CHANNELS = 32
#: ...and ``min(C, O) * OH * OW`` (one sample's smaller activation) at least this: below,
#: the taps path's padded grids stay cache-resident: at 256 channels 4x4 (4096) taps won
#: (23.1 vs 29.4 ms), at 32 channels 16x16 (8192) they tied (6.4 ms).
WINOGRAD_MIN_VOLUME = 8192
#: The tap GEMMs have ``K = C`` (forward) or ``K = O`` (grad-input): with one channel they
#: are pure memory traffic, and im2col + one GEMM wins.
TAPS_MIN_CHANNELS = 8
#: Polyphase's GEMMs have ``K`` = (phases a tap uses) * ``C`` (forward, grad-weight's
#: rows) or ``O`` (grad-input): it needs ``C * sh * sw >= 16`` (3x3 stride 2 from 1 or 2
#: channels: 5-40% slower than gemm; a 4x4 stride-2 conv of an RGB image, 12, was once 2x
#: faster, but with the native pool gemm took 1.9-2.6 ms fwd+bwd against 2.4-3.4 at DCGAN's
#: 32x32, batch 32) and ``O >= 4`` (4 and 8 output channels still won by 2x; fewer not
#: measured).
POLYPHASE_MIN_CHANNELS = 16
POLYPHASE_MIN_OUT_CHANNELS = 4
#: ...and its phase grid at most this many times the output: ``(OH + QH - 1) * (OW + QW -
#: 1) / (OH * OW)`` with ``Q = ceil(K / s)``. DCGAN's 64 -> 128 conv to a 4x4 map (1.56)
#: ran faster on gemm (5.1-7.2 ms fwd+bwd vs 6.0-7.3), its 32 -> 64 conv to 8x8 (1.27) on
#: polyphase (5.0-6.1 vs 6.0-8.7). With the RGB threshold above: W8 step 74.0 -> 70.6 and
#: 73.6 -> 70.9 ms. A 1-D conv's grid only grows along its length (MNIST-1D's 10- and
#: 5-wide outputs: 1.1, 1.2).
POLYPHASE_MAX_GRID_RATIO = 1.4


def choose_algorithm(C: int, O: int, groups: int, KH: int, KW: int,  # noqa: E741
                     taps_ok: bool = False, winograd_ok: bool = False,
                     pointwise_ok: bool = False, polyphase_ok: bool = False,
                     phases: int = 1, out_pixels: int | None = None,
                     grid_ratio: float | None = None) -> str:
    """Return one of :data:`ALGORITHMS` for ``C`` input and ``O`` output channels.

    ``winograd_ok`` / ``taps_ok`` / ``pointwise_ok`` / ``polyphase_ok`` say whether those
    paths can compute the geometry at all (:func:`winograd_possible` and so on);
    ``phases = sh*sw`` is the polyphase path's channel multiplier; ``out_pixels =
    OH*OW`` (None: not considered) enters Winograd's volume threshold, ``grid_ratio``
    (None: not considered) polyphase's (its phase grid's columns per output pixel).

    * ``"pointwise"`` iff ``pointwise_ok`` (a 1x1 kernel, or one output pixel, no
      padding): the conv is one plain GEMM, and any other path does that GEMM plus copies.
    * ``"winograd"`` iff ``winograd_ok``, ``min(C, O) >= WINOGRAD_MIN_CHANNELS`` (32) and
      ``min(C, O) * out_pixels >= WINOGRAD_MIN_VOLUME`` (8192): 16 instead of 36
      multiply-adds per output, about 1.2-2x faster than taps on W6; on small images taps
      wins.
    * ``"taps"`` iff ``taps_ok`` and ``min(C, O) >= TAPS_MIN_CHANNELS`` (8): no im2col
      and col2im, and the tap GEMMs run near BLAS peak (W6 fwd+bwd 2x faster than gemm).
    * ``"polyphase"`` iff ``polyphase_ok`` (stride > 1), ``C*phases >=
      POLYPHASE_MIN_CHANNELS`` (16), ``O >= POLYPHASE_MIN_OUT_CHANNELS`` (4) and
      ``grid_ratio <= POLYPHASE_MAX_GRID_RATIO`` (1.4, when given): the strided conv as
      tap GEMMs on the input's stride phases, no im2col/col2im (W8's 32 -> 64 4x4
      stride-2 conv 1.2-1.4x faster than gemm).
    * ``"direct"`` iff ``groups > 1`` and ``(C // groups) * (O // groups) <= 4``
      (depthwise, depthwise with a small channel multiplier, tiny groups): the grouped
      GEMMs would have ``M = 1`` and ``K = 9``, which BLAS cannot amortise. From
      ``Cg * Og = 16`` the GEMM already wins, and small ``C`` alone does not select the
      loop nest (one big ``K = 9`` GEMM over ``N*L`` columns still beats it).
    * ``"gemm"`` otherwise.
    """
    if pointwise_ok:
        return "pointwise"
    if (winograd_ok and min(C, O) >= WINOGRAD_MIN_CHANNELS
            and (out_pixels is None or min(C, O) * out_pixels >= WINOGRAD_MIN_VOLUME)):
        return "winograd"
    if taps_ok and min(C, O) >= TAPS_MIN_CHANNELS:
        return "taps"
    if (polyphase_ok and C * phases >= POLYPHASE_MIN_CHANNELS
            and O >= POLYPHASE_MIN_OUT_CHANNELS
            and (grid_ratio is None or grid_ratio <= POLYPHASE_MAX_GRID_RATIO)):
        return "polyphase"
    if groups > 1 and (C // groups) * (O // groups) <= 4:
        return "direct"
    return "gemm"


def taps_possible(dtype: Any, groups: int, stride: Sequence[int], padding: Sequence[int],
                  dilation: Sequence[int], KH: int, KW: int, H: int, W: int) -> bool:
    """Whether the taps path can compute this conv (geometry, and NumPy's OpenBLAS)."""
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    return taps.supports(g, groups, KH, KW) and _blas.gemm_fn(dtype) is not None


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


def polyphase_possible(dtype: Any, groups: int, stride: Sequence[int], padding: Sequence[int],
                       dilation: Sequence[int], KH: int, KW: int, H: int, W: int) -> bool:
    """Whether the polyphase path can compute this conv (geometry, and NumPy's OpenBLAS
    for the taps path it runs on)."""
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    return polyphase.supports(g, groups, KH, KW) and _blas.gemm_fn(dtype) is not None


def select_algorithm(dtype: Any, C: int, O: int, groups: int, stride: Sequence[int],  # noqa: E741
                     padding: Sequence[int], dilation: Sequence[int], KH: int, KW: int,
                     H: int, W: int) -> str:
    """The algorithm that runs for a conv of an ``[N, C, H, W]`` input with an
    ``[O, C // groups, KH, KW]`` weight: :func:`choose_algorithm`'s pick, demoted to one
    that can compute the geometry (winograd -> taps -> gemm; pointwise, polyphase -> gemm)."""
    args = (dtype, groups, stride, padding, dilation, KH, KW, H, W)
    wino_ok = winograd_possible(*args)
    taps_ok = taps_possible(*args)
    point_ok = pointwise_possible(*args)
    poly_ok = polyphase_possible(*args)
    # positional: tests force a pick by patching in ``lambda *a: name``
    g = geometry((H, W), (KH, KW), stride, padding, dilation)
    qh, qw = -(-KH // g.sh), -(-KW // g.sw)
    grid = (g.OH + qh - 1) * (g.OW + qw - 1) / max(1, g.OH * g.OW)
    alg = choose_algorithm(C, O, groups, KH, KW, taps_ok, wino_ok, point_ok, poly_ok,
                           int(stride[0]) * int(stride[1]), g.OH * g.OW, grid)
    if alg == "winograd" and not wino_ok:
        alg = "taps"
    if (alg == "taps" and not taps_ok or alg == "pointwise" and not point_ok
            or alg == "polyphase" and not poly_ok):
        alg = "gemm"
    return alg
