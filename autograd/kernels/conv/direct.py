"""The ``"direct"`` algorithm: loop nests in Numba, parallel over ``N*O``, ``N*C`` or
``O*Cg`` planes, for depthwise and tiny grouped convolutions, where the per-group GEMMs
are too thin for BLAS to pay off. No scratch memory beyond one row per thread.

The valid-column interval ``[lo, hi)`` of each tap (see :mod:`.geometry`) is computed in
line here: through a shared compiled helper these innermost loops measured 5-10% slower.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._jit import chunk, njit_chunked
from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward"]


@njit_chunked
def _forward_kernel(x, w, y, groups, sh, sw, pt, pl, dh, dw, part, parts):
    # y[n, o] = sum_{cg, kh, kw} w[o, cg, kh, kw] * x[n, g*Cg + cg, ih, iw].
    # Parallel over N*O planes; each output row is accumulated in a small local buffer
    # (stays in L1, and numba can vectorise the unit-stride inner loop since it cannot
    # alias x) and stored once.
    N, C, H, W = x.shape
    O, Cg, KH, KW = w.shape
    OH, OW = y.shape[2], y.shape[3]
    Og = O // groups
    lo_, hi_ = chunk(N * O, part, parts)
    for no in range(lo_, hi_):
        n = no // O
        o = no - n * O
        c0 = (o // Og) * Cg
        acc = np.empty(OW, dtype=y.dtype)
        for oh in range(OH):
            acc[:] = 0.0
            for kh in range(KH):
                ih = oh * sh - pt + kh * dh
                if ih < 0 or ih >= H:
                    continue
                for cg in range(Cg):
                    xrow = x[n, c0 + cg, ih]
                    for kw in range(KW):
                        wv = w[o, cg, kh, kw]
                        a = pl - kw * dw
                        lo = (a + sw - 1) // sw if a > 0 else 0
                        hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                        if hi > OW:
                            hi = OW
                        if sw == 1:  # unit stride: the common case, vectorises
                            for ow in range(lo, hi):
                                acc[ow] += wv * xrow[ow - a]
                        else:
                            for ow in range(lo, hi):
                                acc[ow] += wv * xrow[ow * sw - a]
            y[n, o, oh, :] = acc


@njit_chunked
def _backward_input_kernel(gy, w, gx, groups, sh, sw, pt, pl, dh, dw, part, parts):
    # gx[n, c, ih, :] gathers, for every (o, kh) whose tap lands on row ih, the gy row
    # oh = (ih + pt - kh*dh) / sh (when integral) scattered along W by the kw taps.
    # Parallel over N*C planes; rows accumulate in a local buffer.
    N, C, H, W = gx.shape
    O, Cg, KH, KW = w.shape
    OH, OW = gy.shape[2], gy.shape[3]
    Og = O // groups
    lo_, hi_ = chunk(N * C, part, parts)
    for nc in range(lo_, hi_):
        n = nc // C
        c = nc - n * C
        g = c // Cg
        cg = c - g * Cg
        acc = np.empty(W, dtype=gx.dtype)
        for ih in range(H):
            acc[:] = 0.0
            for kh in range(KH):
                t = ih + pt - kh * dh
                if t < 0 or t % sh != 0 or t // sh >= OH:
                    continue
                oh = t // sh
                for o in range(g * Og, (g + 1) * Og):
                    grow = gy[n, o, oh]
                    for kw in range(KW):
                        wv = w[o, cg, kh, kw]
                        a = pl - kw * dw
                        lo = (a + sw - 1) // sw if a > 0 else 0
                        hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                        if hi > OW:
                            hi = OW
                        if sw == 1:
                            for ow in range(lo, hi):
                                acc[ow - a] += wv * grow[ow]
                        else:
                            for ow in range(lo, hi):
                                acc[ow * sw - a] += wv * grow[ow]
            gx[n, c, ih, :] = acc


@njit_chunked
def _backward_weight_kernel(x, gy, gw, groups, sh, sw, pt, pl, dh, dw, part, parts):
    # gw[o, cg, kh, kw] = sum_{n, oh, ow} gy[n, o, oh, ow] * x[n, c, ih, iw].
    # Parallel over O*Cg. The sum over ow is kept lane-wise in a local vector (an
    # elementwise update vectorises; a scalar float reduction would not without
    # fastmath), and the lanes are summed in float64 at the end.
    N, C, H, W = x.shape
    O, Cg, KH, KW = gw.shape
    OH, OW = gy.shape[2], gy.shape[3]
    Og = O // groups
    lo_, hi_ = chunk(O * Cg, part, parts)
    for oc in range(lo_, hi_):
        o = oc // Cg
        cg = oc - o * Cg
        c = (o // Og) * Cg + cg
        lanes = np.empty(OW, dtype=gw.dtype)
        for kh in range(KH):
            for kw in range(KW):
                a = pl - kw * dw
                lo = (a + sw - 1) // sw if a > 0 else 0
                hi = (W - 1 + a) // sw + 1 if W - 1 + a >= 0 else 0
                if hi > OW:
                    hi = OW
                lanes[:] = 0.0
                for n in range(N):
                    for oh in range(OH):
                        ih = oh * sh - pt + kh * dh
                        if ih < 0 or ih >= H:
                            continue
                        grow = gy[n, o, oh]
                        xrow = x[n, c, ih]
                        if sw == 1:
                            for ow in range(lo, hi):
                                lanes[ow] += grow[ow] * xrow[ow - a]
                        else:
                            for ow in range(lo, hi):
                                lanes[ow] += grow[ow] * xrow[ow * sw - a]
                total = 0.0
                for ow in range(OW):
                    total += lanes[ow]
                gw[o, cg, kh, kw] = total


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o])."""
    N, O = x.shape[0], w.shape[0]
    y = np.empty((N, O, g.OH, g.OW), dtype=x.dtype)
    _forward_kernel(x, w, y, groups, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw)
    if bias is not None:
        y += bias.reshape(O, 1, 1)
    return y


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W] of :func:`forward`."""
    gx = np.empty(tuple(int(s) for s in x_shape), dtype=gy.dtype)
    _backward_input_kernel(gy, w, gx, groups, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw)
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C // groups, KH, KW] of :func:`forward`."""
    gw = np.empty(tuple(int(s) for s in w_shape), dtype=x.dtype)
    _backward_weight_kernel(x, gy, gw, groups, g.sh, g.sw, g.pt, g.pl, g.dh, g.dw)
    return gw
