"""THE rule for which convolution algorithm runs.

:func:`choose_algorithm` is the rule on channel counts and groups; :func:`select_algorithm`
applies it to a concrete call (which paths can compute the geometry, whether NumPy's
OpenBLAS is there) and demotes a pick that cannot run: winograd -> taps -> gemm. The op
layer calls :func:`select_algorithm` once per convolution and hands the answer to the
forward and both backward kernels. The measurements behind every threshold are in
``benchmarks/NOTES.md`` ("Convolution: algorithm choice").
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import _blas
from . import taps, winograd
from .geometry import geometry

__all__ = ["ALGORITHMS", "TAPS_MIN_CHANNELS", "WINOGRAD_MIN_CHANNELS", "choose_algorithm",
           "select_algorithm", "taps_possible", "winograd_possible"]

ALGORITHMS = ("winograd", "taps", "direct", "gemm")

#: Winograd's GEMMs have ``K = C`` (or ``O``) and its transforms pass over 16 values per
#: tile and channel: in isolation it wins from about 24 channels, but inside W2's training
#: step (32 -> 64 channels) it did not pay, because OpenBLAS's worker, still spinning
#: after a multi-threaded GEMM, takes a core from Winograd's threads; and compiling its
#: kernels adds 4-5 s to a cold start.
WINOGRAD_MIN_CHANNELS = 64
#: The tap GEMMs have ``K = C`` (forward) or ``K = O`` (grad-input): with one channel they
#: are pure memory traffic, and im2col + one GEMM wins.
TAPS_MIN_CHANNELS = 8


def choose_algorithm(C: int, O: int, groups: int, KH: int, KW: int,  # noqa: E741
                     taps_ok: bool = False, winograd_ok: bool = False) -> str:
    """Return ``"winograd"``, ``"taps"``, ``"direct"`` or ``"gemm"`` for ``C`` input and
    ``O`` output channels.

    ``winograd_ok`` / ``taps_ok`` say whether those paths can compute the geometry at all
    (:func:`winograd_possible`, :func:`taps_possible`).

    * ``"winograd"`` iff ``winograd_ok`` and ``min(C, O) >= WINOGRAD_MIN_CHANNELS`` (64):
      16 instead of 36 multiply-adds per output, about 2x faster than taps on W6.
    * ``"taps"`` iff ``taps_ok`` and ``min(C, O) >= TAPS_MIN_CHANNELS`` (8): no im2col
      and col2im, and the tap GEMMs run near BLAS peak (W6 fwd+bwd 2x faster than gemm).
    * ``"direct"`` iff ``groups > 1`` and ``(C // groups) * (O // groups) <= 4``
      (depthwise, depthwise with a small channel multiplier, tiny groups): the grouped
      GEMMs would have ``M = 1`` and ``K = 9``, which BLAS cannot amortise. From
      ``Cg * Og = 16`` the GEMM already wins, and small ``C`` alone does not select the
      loop nest (one big ``K = 9`` GEMM over ``N*L`` columns still beats it).
    * ``"gemm"`` otherwise.
    """
    if winograd_ok and min(C, O) >= WINOGRAD_MIN_CHANNELS:
        return "winograd"
    if taps_ok and min(C, O) >= TAPS_MIN_CHANNELS:
        return "taps"
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


def select_algorithm(dtype: Any, C: int, O: int, groups: int, stride: Sequence[int],  # noqa: E741
                     padding: Sequence[int], dilation: Sequence[int], KH: int, KW: int,
                     H: int, W: int) -> str:
    """The algorithm that runs for a conv of an ``[N, C, H, W]`` input with an
    ``[O, C // groups, KH, KW]`` weight: :func:`choose_algorithm`'s pick, demoted to one
    that can compute the geometry (winograd -> taps -> gemm)."""
    wino_ok = winograd_possible(dtype, groups, stride, padding, dilation, KH, KW, H, W)
    taps_ok = taps_possible(dtype, groups, stride, padding, dilation, KH, KW, H, W)
    alg = choose_algorithm(C, O, groups, KH, KW, taps_ok, wino_ok)
    if alg == "winograd" and not wino_ok:
        alg = "taps"
    if alg == "taps" and not taps_ok:
        alg = "gemm"
    return alg
