"""The ``"gemm"`` algorithm: im2col into the "GEMM layout" ``[C*KH*KW, N, L]`` (a Numba
gather through a table of tap offsets, or strided NumPy copies for long contiguous rows),
then ONE BLAS GEMM per group and stage over all ``N*L`` columns; grad-input folds the
GEMM's columns back with col2im (the gather's adjoint, a Numba scatter-add). Works for every
geometry (the fallback of the others).

The column buffer (``C*KH*KW*N*L`` elements) is filled in equal batch chunks that stay
under :data:`COL_BUDGET_BYTES`. It and the other scratch arrays come from the recycled
allocator (``_alloc``): fresh multi-megabyte arrays would start on fresh pages, a page
fault per 4 KiB every step.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

import functools
from collections.abc import Sequence

import numpy as np

from .. import _alloc
from .._jit import chunk, njit_chunked
from .geometry import Geometry, output_range

__all__ = ["COL_BUDGET_BYTES", "GATHER_MAX_ROW", "backward_input", "backward_weight", "fold",
           "forward", "unfold"]

# Column-buffer budget: the batch is processed in equal chunks whose [C*K, B, L] buffer
# stays under this size. It bounds scratch memory (W6's columns are 75 MB in one piece)
# and keeps the chunks few: small chunks help one thread, but every chunk alternates
# Numba's and OpenBLAS's thread pools. 64 MB (two chunks for W6) was never far from the
# best at any thread setting; figures in benchmarks/NOTES.md.
COL_BUDGET_BYTES = 64 << 20

#: im2col gathers through a Numba kernel unless the output rows are contiguous input runs
#: at least this long (stride 1), where NumPy's per-tap slice copies are as fast. The
#: strided and short rows of W8/W9's convs cost NumPy's copy loops a call per row: [32,
#: 64, 8, 8] 4x4 stride 2 0.90-1.65 -> 0.27-0.31 ms (benchmarks/NOTES.md).
GATHER_MAX_ROW = 16


def _im2col(x: np.ndarray, cols: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    # x[b, C, H, W] -> cols[C*KH*KW, b, OH*OW]. This "GEMM layout" lets each conv stage be
    # ONE large GEMM over all b*L columns instead of b thin ones. Every element of cols is
    # written (zeros where the window hits padding): cols may be uninitialised.
    if g.sw == 1 and g.OW >= GATHER_MAX_ROW:
        _im2col_rows(x, cols, KH, KW, g)
    else:
        b, C, H, W = x.shape
        _im2col_gather(cols, x.reshape(b, C, H * W), _tap_offsets(H, W, KH, KW, g))


def _im2col_rows(x: np.ndarray, cols: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    # One strided NumPy copy per tap: on long contiguous rows NumPy's copy loops match a
    # Numba kernel and compile nothing (benchmarks/NOTES.md, "Cold start").
    b, C, H, W = x.shape
    taps = cols.reshape(C, KH, KW, b, g.OH, g.OW)
    xt = x.transpose(1, 0, 2, 3)
    for kh in range(KH):
        h0, h1 = output_range(g.pt - kh * g.dh, g.sh, H, g.OH)
        for kw in range(KW):
            w0, w1 = output_range(g.pl - kw * g.dw, g.sw, W, g.OW)
            dst = taps[:, kh, kw]
            if h0 > 0 or h1 < g.OH or w0 > 0 or w1 < g.OW:  # the window meets padding
                dst[:, :, :h0] = 0
                dst[:, :, h1:] = 0
                dst[:, :, h0:h1, :w0] = 0
                dst[:, :, h0:h1, w1:] = 0
            dst[:, :, h0:h1, w0:w1] = xt[:, :, _rows(h0, h1, g.sh, g.pt - kh * g.dh),
                                         _rows(w0, w1, g.sw, g.pl - kw * g.dw)]


@functools.lru_cache(maxsize=64)
def _tap_offsets(H: int, W: int, KH: int, KW: int, g: Geometry) -> np.ndarray:
    """``[KH*KW, OH*OW]`` int32: for tap ``k = kh*KW + kw`` and output pixel ``l = oh*OW +
    ow``, the flat input offset ``ih*W + iw`` it reads, or ``H*W`` (one past the image: a
    zero slot) where the window hits padding."""
    ih = (np.arange(g.OH) * g.sh - g.pt)[None, :, None] + (np.arange(KH) * g.dh)[:, None, None]
    iw = (np.arange(g.OW) * g.sw - g.pl)[None, None, :] + (np.arange(KW) * g.dw)[:, None, None]
    inside = ((ih >= 0) & (ih < H))[:, None, :, :] & ((iw >= 0) & (iw < W))[None, :, :, :]
    flat = np.where(inside, ih[:, None] * W + iw[None, :], H * W)  # [KH, KW, OH, OW]
    offsets = flat.reshape(KH * KW, g.OH * g.OW).astype(np.int32)
    offsets.flags.writeable = False
    return offsets


@njit_chunked
def _im2col_gather(cols, x, offsets, part, parts):
    # cols[c*K + k, n, l] = x[n, c].flat[offsets[k, l]] (0 at the padding slot). Branch
    # free: each (c, n) plane is copied once into a buffer with a trailing zero, then
    # every tap row is a gather from it. Parts own whole (c, n) planes.
    N, C, HW = x.shape
    K, L = offsets.shape
    plane = np.zeros(HW + 1, x.dtype)
    lo, hi = chunk(C * N, part, parts)
    for cn in range(lo, hi):
        c = cn // N
        n = cn - c * N
        src = x[n, c]
        for i in range(HW):  # a loop, not a slice assignment: that one compiles Numba's
            plane[i] = src[i]  # string formatting for its shape error (seconds, cold)
        for k in range(K):
            dst = cols[c * K + k, n]
            taps = offsets[k]
            for i in range(L):
                dst[i] = plane[np.uint32(taps[i])]  # unsigned: no negative-index fix-up


@njit_chunked
def _col2im_scatter(x, cols, offsets, part, parts):
    # Adjoint of _im2col_gather: x[n, c].flat[offsets[k, l]] += cols[c*K + k, n, l], the
    # padding slot collecting what falls outside. Parts own whole x[n, c] planes (no
    # write races); every x element sums its entries in (kh, kw, oh, ow) order.
    N, C, HW = x.shape
    K, L = offsets.shape
    plane = np.empty(HW + 1, x.dtype)
    lo, hi = chunk(C * N, part, parts)
    for cn in range(lo, hi):
        c = cn // N
        n = cn - c * N
        for i in range(HW + 1):
            plane[i] = 0.0
        for k in range(K):
            src = cols[c * K + k, n]
            taps = offsets[k]
            for i in range(L):
                plane[np.uint32(taps[i])] += src[i]
        dst = x[n, c]
        for i in range(HW):  # loops, not slice assignments (see _im2col_gather)
            dst[i] = plane[i]


def _col2im(cols: np.ndarray, x: np.ndarray, KH: int, KW: int, g: Geometry) -> None:
    b, C, H, W = x.shape  # x: C-contiguous, written in place through the flat view
    _col2im_scatter(x.reshape(b, C, H * W), cols, _tap_offsets(H, W, KH, KW, g))


def _rows(lo: int, hi: int, stride: int, offset: int) -> slice:
    """The input indices ``o*stride - offset`` read by outputs ``o`` in ``[lo, hi)``."""
    if hi <= lo:
        return slice(0, 0)
    return slice(lo * stride - offset, (hi - 1) * stride - offset + 1, stride)


def unfold(x: np.ndarray, KH: int, KW: int, g: Geometry) -> np.ndarray:
    """x[N, C, H, W] -> its columns in the GEMM layout ``[C*KH*KW, N, OH*OW]``; row
    ``(c*KH + kh)*KW + kw`` holds ``x[n, c, oh*sh - top + kh*dh, ow*sw - left + kw*dw]``
    (zero outside the image) at ``[:, n, oh*OW + ow]``."""
    N, C = x.shape[0], x.shape[1]
    cols = np.empty((C * KH * KW, N, g.OH * g.OW), dtype=x.dtype)
    _im2col(x, cols, KH, KW, g)
    return cols


def fold(cols: np.ndarray, x_shape: Sequence[int], KH: int, KW: int, g: Geometry) -> np.ndarray:
    """The adjoint of :func:`unfold`: GEMM-layout columns summed back into an
    ``x_shape`` image (overlapping windows add up, padding is dropped)."""
    x = np.empty(tuple(int(s) for s in x_shape), dtype=cols.dtype)
    _col2im(cols, x, KH, KW, g)
    return x


def _batch_chunk(N: int, rows: int, L: int, itemsize: int) -> int:
    """Samples per GEMM chunk: equal chunks whose ``[rows, B, L]`` buffer fits the budget."""
    per_sample = max(1, rows * L * itemsize)
    n_chunks = -(-(N * per_sample) // COL_BUDGET_BYTES)  # ceil
    return max(1, -(-N // max(1, n_chunks)))


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o], added while y is copied out of the
    GEMM layout)."""
    N, C = x.shape[:2]
    O, Cg, KH, KW = w.shape
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    y = _alloc.empty((N, O, g.OH, g.OW), x.dtype)
    wg = w.reshape(G, Og, CgK)
    B = _batch_chunk(N, C * KH * KW, L, x.itemsize)
    cols = _alloc.empty((C * KH * KW, B, L), x.dtype)
    out = _alloc.empty((G, Og, B * L), x.dtype)
    y3 = y.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else _alloc.empty((C * KH * KW, b, L), x.dtype)
        o = out if b == B else _alloc.empty((G, Og, b * L), x.dtype)
        _im2col(x[s:s + b], c, KH, KW, g)
        # [G, Og, Cg*K] @ [G, Cg*K, b*L] -> [G, Og, b*L] == [O, b, L]: one GEMM per group
        np.matmul(wg, c.reshape(G, CgK, b * L), out=o)
        if bias is None:
            y3[s:s + b] = o.reshape(O, b, L).transpose(1, 0, 2)
        else:
            np.add(o.reshape(O, b, L).transpose(1, 0, 2), bias.reshape(O, 1), out=y3[s:s + b])
    return y


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W]: the GEMM ``w^T @ gy`` per group, folded back with col2im."""
    N, C, H, W = (int(s) for s in x_shape)
    O, Cg, KH, KW = w.shape
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    gx = _alloc.empty((N, C, H, W), gy.dtype)
    wgT = w.reshape(G, Og, CgK).transpose(0, 2, 1)  # BLAS reads the transpose in place
    B = _batch_chunk(N, C * KH * KW, L, gy.itemsize)
    gcols = _alloc.empty((G, CgK, B * L), gy.dtype)
    gyt = _alloc.empty((O, B, L), gy.dtype)
    gy3 = gy.reshape(N, O, L)
    for s in range(0, N, B):
        b = min(B, N - s)
        g2 = gyt if b == B else _alloc.empty((O, b, L), gy.dtype)
        gc = gcols if b == B else _alloc.empty((G, CgK, b * L), gy.dtype)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Cg*K, Og] @ [G, Og, b*L] -> [G, Cg*K, b*L] == GEMM-layout columns [C*K, b, L]
        np.matmul(wgT, g2.reshape(G, Og, b * L), out=gc)
        _col2im(gc.reshape(C * KH * KW, b, L), gx[s:s + b], KH, KW, g)
    return gx


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C // groups, KH, KW]: the GEMM ``gy @ cols^T`` per group (the batch sum is
    inside the GEMM), computed as its transpose ``cols @ gy^T``: OpenBLAS runs that
    orientation (the row-major product ``[C*K, O]`` tall, the channel count as its width)
    1.2-1.4x faster on W8's and W9's shapes (benchmarks/NOTES.md)."""
    N, C = x.shape[:2]
    O, Cg, KH, KW = (int(s) for s in w_shape)
    G, Og, L, CgK = groups, O // groups, g.OH * g.OW, Cg * KH * KW
    B = _batch_chunk(N, C * KH * KW, L, x.itemsize)
    cols = _alloc.empty((C * KH * KW, B, L), x.dtype)
    gyt = _alloc.empty((O, B, L), x.dtype)
    gy3 = gy.reshape(N, O, L)
    gwt = np.zeros((G, CgK, Og), dtype=x.dtype)
    part = np.empty((G, CgK, Og), dtype=x.dtype)
    for s in range(0, N, B):
        b = min(B, N - s)
        c = cols if b == B else _alloc.empty((C * KH * KW, b, L), x.dtype)
        g2 = gyt if b == B else _alloc.empty((O, b, L), x.dtype)
        _im2col(x[s:s + b], c, KH, KW, g)
        g2[...] = gy3[s:s + b].transpose(1, 0, 2)
        # [G, Cg*K, b*L] @ [G, b*L, Og] -> [G, Cg*K, Og]: the batch sum is inside the GEMM
        np.matmul(c.reshape(G, CgK, b * L), g2.reshape(G, Og, b * L).transpose(0, 2, 1), out=part)
        gwt += part
    return np.ascontiguousarray(gwt.transpose(0, 2, 1)).reshape(O, Cg, KH, KW)
