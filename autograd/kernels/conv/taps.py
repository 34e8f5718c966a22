"""The ``"taps"`` algorithm (stride 1, groups 1, padding at most the dilated kernel
extent): kernel-tap GEMMs on a padded grid, no im2col.

The input is zero-padded once into a ``[C, M (+ slack)]`` matrix (the padded images
flattened per channel, ``M ~ N*(H+p)*(W+p)``, see :func:`_pad_grid`) in which every
kernel tap ``(kh, kw)`` is a column-offset view, so the conv on the whole padded grid is
``sum_taps W[:, :, kh, kw] @ X[:, off:off+M]``: ``KH*KW`` GEMMs accumulated in place by
BLAS (``beta=1``), column chunk by column chunk so the output block stays in L2; the
valid outputs are then cropped out of the grid. Grad-input is the same on the padded
``gy`` grid with flipped, transposed taps; grad-weight is one GEMM per kernel row.

The offset views have a leading dimension larger than their width, which NumPy's and
SciPy's wrappers would copy, so the GEMMs call NumPy's own OpenBLAS through ``ctypes``
(:func:`autograd.kernels._blas.gemm_fn`; the path is off when that library is not found).
Scratch: two padded grids, ``(C + O) * M`` elements.
"""
# ruff: noqa: E741 (O is the output-channel count, as in the conv literature)
from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .. import _alloc, _blas
from .geometry import Geometry

__all__ = ["backward_input", "backward_weight", "forward", "supports"]

_ROW_MAJOR, _NO_TRANS, _TRANS = _blas.ROW_MAJOR, _blas.NO_TRANS, _blas.TRANS

# Output columns per GEMM block: a [64, 4096] float32 block is 1 MB, half the 2 MB L2,
# and stays there across the KH*KW accumulating GEMMs (1024..16384 measured within noise
# of each other on W6's forward). Grad-weight's K block: 4096 beat 16384 by a few percent.
_CHUNK_COLS = 4096
_WEIGHT_CHUNK_COLS = 4096


def supports(g: Geometry, groups: int, KH: int, KW: int) -> bool:
    """Whether this path computes the geometry: groups 1, stride 1, padding at most the
    dilated kernel extent on every side, and a non-empty output. It also needs
    :func:`autograd.kernels._blas.gemm_fn`."""
    return (groups == 1 and g.sh == 1 and g.sw == 1
            and max(g.pt, g.pb) <= g.dh * (KH - 1) and max(g.pl, g.pr) <= g.dw * (KW - 1)
            and g.OH >= 1 and g.OW >= 1)


def _pad_grid(x, pads, dilation, KH, KW):
    """x[N, C, H, W] -> zero-padded grid ``X[C, M + slack]`` and its geometry.

    Pixel ``(n, h, w)`` sits at column ``base + (n*Hs + h)*R + w`` with row length
    ``R = W + max(left, right)`` and ``Hs = H + max(top, bottom)`` rows per image,
    ``base = top*R + left``: consecutive rows (and images) share their zero padding,
    which is enough because a window never reaches further than ``max(left, right)``
    zeros past a row end (likewise for rows). Output ``(n, oh, ow)`` of the stride-1
    conv is grid column ``p = (n*Hs + oh)*R + ow``, and kernel tap ``(kh, kw)`` reads
    column ``p + kh*dh*R + kw*dw``. ``M = N*Hs*R``; the slack covers the last taps.

    Returns ``(X, Hs, R, M, offs)`` with ``offs`` the tap offsets in ``(kh, kw)`` order.
    """
    N, C, H, W = x.shape
    pt, pb, pl, pr = pads
    dh, dw = dilation
    R, Hs = W + max(pl, pr), H + max(pt, pb)
    M = N * Hs * R
    offs = [kh * dh * R + kw * dw for kh in range(KH) for kw in range(KW)]
    base = pt * R + pl
    X = _alloc.empty((C, M + offs[-1]), x.dtype)
    X.fill(0)
    X[:, base:base + M].reshape(C, N, Hs, R)[:, :, :H, :W] = x.transpose(1, 0, 2, 3)
    return X, Hs, R, M, offs


def _conv(x, wt, pads, dilation, KH, KW, bias=None):
    """Stride-1 conv of x[N, C, H, W] with taps wt[KH*KW, O, C] (+ bias[O]) -> y[N, O, OH, OW]."""
    N, C, H, W = x.shape
    O = wt.shape[1]
    dh, dw = dilation
    pt, pb, pl, pr = pads
    OH, OW = H + pt + pb - dh * (KH - 1), W + pl + pr - dw * (KW - 1)
    X, Hs, R, M, offs = _pad_grid(x, pads, dilation, KH, KW)
    S = X.shape[1]
    Y = _alloc.empty((O, M), x.dtype)
    gemm = _blas.gemm_fn(x.dtype)
    isz = x.itemsize
    xp, yp, wp = X.ctypes.data, Y.ctypes.data, wt.ctypes.data
    for s in range(0, M, _CHUNK_COLS):
        cs = min(_CHUNK_COLS, M - s)
        for t, off in enumerate(offs):
            # Y[:, s:s+cs] (+)= wt[t] @ X[:, s+off : s+off+cs]; leading dims M, C, S
            gemm(_ROW_MAJOR, _NO_TRANS, _NO_TRANS, O, cs, C,
                 1.0, wp + t * O * C * isz, C, xp + (s + off) * isz, S,
                 1.0 if t else 0.0, yp + s * isz, M)
    y = _alloc.empty((N, O, OH, OW), x.dtype)
    crop = Y.reshape(O, N, Hs, R)[:, :, :OH, :OW].transpose(1, 0, 2, 3)
    if bias is None:
        y[...] = crop
    else:  # the bias rides on the crop copy instead of a separate pass over y
        np.add(crop, bias.reshape(O, 1, 1), out=y)
    return y


def forward(x: np.ndarray, w: np.ndarray, g: Geometry, groups: int,
            bias: np.ndarray | None) -> np.ndarray:
    """y[N, O, OH, OW] = conv2d(x, w) (+ bias[o]) for a geometry :func:`supports`."""
    O, C, KH, KW = w.shape
    wt = np.ascontiguousarray(w.transpose(2, 3, 0, 1)).reshape(KH * KW, O, C)
    return _conv(x, wt, g.pads, g.dilation, KH, KW, bias)


def backward_input(gy: np.ndarray, w: np.ndarray, x_shape: Sequence[int], g: Geometry,
                   groups: int) -> np.ndarray:
    """gx[N, C, H, W]: the full correlation of gy with the flipped kernel, transposed over
    (O, C), i.e. the same tap conv on gy padded by ``extent - pad`` on each side."""
    O, C, KH, KW = w.shape
    eh, ew = g.dh * (KH - 1), g.dw * (KW - 1)
    wt = np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(2, 3, 1, 0)).reshape(KH * KW, C, O)
    return _conv(gy, wt, (eh - g.pt, eh - g.pb, ew - g.pl, ew - g.pr), g.dilation, KH, KW)


def backward_weight(x: np.ndarray, gy: np.ndarray, w_shape: Sequence[int], g: Geometry,
                    groups: int) -> np.ndarray:
    """gw[O, C, KH, KW]: one ``[KW*C, M] @ [M, O]`` GEMM per kernel row.

    ``gw[:, :, kh, :] = (Xs_kh[KW*C, M] @ G[O, M].T).T``, with G = gy laid out like the
    forward's output grid (zeros where no output exists) and Xs_kh the grid stacked over
    the KW column taps (row ``kw*C + c`` is channel c shifted by ``kw*dw``, read at
    column offset ``kh*dh*R``): each packed block of G serves KW times more output than
    per-tap ``[O, C]`` GEMMs would, and the transposed ``[KW*C, O]`` result lets OpenBLAS
    split the longer side between its threads (figures in benchmarks/NOTES.md). Chunked
    over M so G's block is reused by all kernel rows while in cache.
    """
    N, C = x.shape[:2]
    O, _, KH, KW = (int(s) for s in w_shape)
    OH, OW = gy.shape[2:]
    dh, dw = g.dilation
    X, Hs, R, M, offs = _pad_grid(x, g.pads, g.dilation, KH, KW)
    S = M + (KH - 1) * dh * R
    Xs = _alloc.empty((KW, C, S), x.dtype)
    for kw in range(KW):
        Xs[kw] = X[:, kw * dw:kw * dw + S]
    del X
    G = _alloc.empty((O, M), x.dtype)
    G.fill(0)
    G.reshape(O, N, Hs, R)[:, :, :OH, :OW] = gy.transpose(1, 0, 2, 3)
    KC = KW * C
    gwt = np.zeros((KH, KC, O), dtype=x.dtype)  # stays zero for an empty batch (M == 0)
    gemm = _blas.gemm_fn(x.dtype)
    assert gemm is not None, "the taps path needs NumPy's OpenBLAS (see supports)"
    isz = x.itemsize
    xp, gp, wp = Xs.ctypes.data, G.ctypes.data, gwt.ctypes.data
    for s in range(0, M, _WEIGHT_CHUNK_COLS):
        cs = min(_WEIGHT_CHUNK_COLS, M - s)
        for kh in range(KH):
            # gwt[kh] (+)= Xs[:, s + kh*dh*R : ... + cs] @ G[:, s:s+cs].T; leading dims S, M, O
            gemm(_ROW_MAJOR, _NO_TRANS, _TRANS, KC, O, cs,
                 1.0, xp + (s + kh * dh * R) * isz, S, gp + s * isz, M,
                 1.0 if s else 0.0, wp + kh * KC * O * isz, O)
    return np.ascontiguousarray(gwt.reshape(KH, KW, C, O).transpose(3, 2, 0, 1))
