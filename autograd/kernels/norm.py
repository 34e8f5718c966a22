"""Fused layer-norm and batch-norm kernels: statistics, normalise + affine, and backward,
each one or two passes over the activation.

Layer norm works on ``x`` reshaped to rows (M, D), one row per normalised slice; batch
norm on ``x`` reshaped to (N, C, L) (L = product of the spatial dims, 1 for (N, C)
input), channel by channel. Inner loops run over the contiguous last axis; the kernels
that store index the array directly (at DCGAN's 4x4 maps, rows of 16, channel_affine took
42 us per 64k elements with a view per (sample, channel) row, 28 without), the statistics
keep the row views. Layer norm's forward is chunked over rows (``njit_chunked``: each row
on one thread, bit-identical at any thread count; a Numba ``parallel=True`` version had
measured 1.5-2.5x slower than serial, its launch costing more than the second core
returned); its backward is serial. Batch norm's kernels are chunked over channels (each
channel's sums stay on one thread, in the same order, so the bits do not depend on the
thread count). They take the default threshold, not the streaming one: each pass does a
few operations per element (float64 sums, per-channel loop heads), and on the native pool
two threads won from 32k elements (benchmarks/NOTES.md, "Sixth session").

All inputs are C-contiguous float32 or float64 arrays; sums run in float64 whatever the
dtype (so float32 statistics are as accurate as the result type allows), per-row /
per-channel statistics are returned in float64, activations in x's dtype. Division by a
zero variance (``eps=0``) gives inf/NaN as NumPy does (``error_model="numpy"``), not an
exception. Nothing here imports the engine.
"""
from __future__ import annotations

import numpy as np

from . import _alloc
from ._jit import chunk, njit, njit_chunked

# Reassociation lets LLVM vectorise the float64 sums (several partial sums per loop);
# NaN/inf semantics stay (no ``nnan``/``ninf``), and a zero variance with eps=0 gives
# inf/NaN as NumPy, not ZeroDivisionError.
_OPTIONS = {"error_model": "numpy", "fastmath": {"reassoc", "contract", "nsz", "arcp"}}

__all__ = ["layer_norm_forward", "layer_norm_backward", "batch_norm_train",
           "batch_norm_train_backward", "channel_affine", "batch_norm_backward_reduce"]


def layer_norm_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray,
                       eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row i of x (M, D): ``mean[i]``, ``rstd[i] = 1 / sqrt(var[i] + eps)`` (biased
    variance, two passes over the cache-resident row) and
    ``out[i] = (x[i] - mean[i]) * rstd[i] * w + b``.

    Returns ``(out, mean, rstd)``: out (M, D) in x's dtype, mean and rstd (M,) float64.
    ``w`` and ``b`` are (D,) in x's dtype (ones / zeros when the layer has none).
    """
    m = x.shape[0]
    out = _alloc.empty(x.shape, x.dtype)  # recycled memory: no page faults (see _alloc)
    mean = np.empty(m, dtype=np.float64)
    rstd = np.empty(m, dtype=np.float64)
    _layer_norm_rows(x, w, b, eps, out, mean, rstd)
    return out, mean, rstd


@njit_chunked(**_OPTIONS)
def _layer_norm_rows(x, w, b, eps, out, mean, rstd, part, parts):
    # layer_norm_forward's rows, into the caller's out, mean and rstd
    d = x.shape[1]
    lo, hi = chunk(x.shape[0], part, parts)
    for i in range(lo, hi):
        xi = x[i]
        oi = out[i]
        s = np.float64(0.0)
        for j in range(d):
            s += xi[j]
        mu = s / d
        v = np.float64(0.0)
        for j in range(d):
            t = xi[j] - mu
            v += t * t
        r = 1.0 / np.sqrt(v / d + eps)
        for j in range(d):
            oi[j] = (xi[j] - mu) * r * w[j] + b[j]
        mean[i] = mu
        rstd[i] = r


def layer_norm_backward(g: np.ndarray, x: np.ndarray, mean: np.ndarray, rstd: np.ndarray,
                        w: np.ndarray, need_dx: bool,
                        need_wb: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of ``out = xhat * w + b`` (``xhat = (x - mean) * rstd`` per row of
    x (M, D)) for the output gradient ``g`` (M, D).

    ``dx[i] = rstd[i] * (gw - mean(gw) - xhat * mean(gw * xhat))`` with ``gw = g[i] * w``;
    ``dw = sum_i g[i] * xhat[i]``, ``db = sum_i g[i]``. Per row, one pass gathers the
    dw/db sums and the two row means, a second writes dx.

    Returns ``(dx, dw, db)``: dx (M, D) in x's dtype (empty (0, D) when not
    ``need_dx``), dw and db (D,) float64 (zeros when not ``need_wb``).
    """
    d = x.shape[1]
    # dx in recycled memory: no page faults (see _alloc)
    dx = _alloc.empty(x.shape, x.dtype) if need_dx else np.empty((0, d), dtype=x.dtype)
    dw = np.zeros(d, dtype=np.float64)
    db = np.zeros(d, dtype=np.float64)
    _layer_norm_backward_rows(g, x, mean, rstd, w, need_dx, need_wb, dx, dw, db)
    return dx, dw, db


@njit(**_OPTIONS)
def _layer_norm_backward_rows(g, x, mean, rstd, w, need_dx, need_wb, dx, dw, db):
    # layer_norm_backward's rows, into the caller's dx, dw and db (serial: the dw / db
    # sums run over all rows in one order; two threads' partial sums measured 94-107 vs
    # 108-115 us at W7's [1024, 128], not worth bits that depend on the thread count)
    m, d = x.shape
    for i in range(m):
        mu = mean[i]
        r = rstd[i]
        xi = x[i]
        gi = g[i]
        a = np.float64(0.0)
        p = np.float64(0.0)
        for j in range(d):
            xh = (xi[j] - mu) * r
            gv = np.float64(gi[j])
            if need_wb:
                dw[j] += gv * xh
                db[j] += gv
            gw = gv * w[j]
            a += gw
            p += gw * xh
        if need_dx:
            a /= d
            p /= d
            dxi = dx[i]
            for j in range(d):
                dxi[j] = r * (np.float64(gi[j]) * w[j] - a - (xi[j] - mu) * r * p)


def channel_affine(x: np.ndarray, scale: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """``out[n, c, l] = x[n, c, l] * scale[c] + shift[c]`` for x (N, C, L); scale and
    shift (C,) in x's dtype (float32 math for float32: twice the SIMD width); out in x's
    dtype. Batch norm's forward (train and eval) and its
    eval-mode input gradient."""
    out = _alloc.empty(x.shape, x.dtype)  # recycled memory: no page faults (see _alloc)
    _channel_affine_into(x, scale, shift, out)
    return out


@njit_chunked(**_OPTIONS)
def _channel_affine_into(x, scale, shift, out, part, parts):
    # channel_affine's loops for this part's channels, into the caller's out
    n, c, sp = x.shape
    lo, hi = chunk(c, part, parts)
    for k in range(lo, hi):
        a = scale[k]
        s = shift[k]
        for i in range(n):
            for j in range(sp):
                out[i, k, j] = x[i, k, j] * a + s


def batch_norm_backward_reduce(g: np.ndarray, x: np.ndarray,
                               mean: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, over N and L: ``sum_g = sum g`` and ``sum_gx = sum g * (x - mean)``
    for g, x (N, C, L) and mean (C,) float64. Returns both (C,) float64."""
    sum_g = np.empty(x.shape[1], dtype=np.float64)
    sum_gx = np.empty(x.shape[1], dtype=np.float64)
    _batch_norm_backward_reduce_into(g, x, mean, sum_g, sum_gx)
    return sum_g, sum_gx


@njit_chunked(**_OPTIONS)
def _batch_norm_backward_reduce_into(g, x, mean, sum_g, sum_gx, part, parts):
    # batch_norm_backward_reduce's loops for this part's channels
    n, c, sp = x.shape
    lo, hi = chunk(c, part, parts)
    for k in range(lo, hi):
        sum_g[k], sum_gx[k] = _grad_sums(g, x, k, mean[k])


@njit(inline="always", **_OPTIONS)
def _grad_sums(g, x, k, mu):
    """``(sum g, sum g * (x - mu))`` over channel ``k`` of g, x (N, C, L), in float64."""
    n, sp = x.shape[0], x.shape[2]
    s = np.float64(0.0)
    p = np.float64(0.0)
    for i in range(n):
        for j in range(sp):
            gv = g[i, k, j]
            s += gv
            p += gv * (x[i, k, j] - mu)
    return s, p


def batch_norm_train(x: np.ndarray, w: np.ndarray | None, b: np.ndarray | None,
                     eps: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Training-mode batch norm of x (N, C, L) in one call: per channel the mean and the
    biased variance (two passes: it sums squared deviations from the mean, never ``E[x^2]
    - mean^2``), ``rstd = 1 / sqrt(var + eps)``, then ``x * scale +
    shift`` with ``scale = rstd * w`` and ``shift = b - mean * scale`` (float64, rounded to
    x's dtype, as :func:`channel_affine`'s). w, b (C,) in x's dtype or None.

    Returns ``(out, mean, var, rstd)``: out in x's dtype, the rest (C,) float64. One pool
    round trip and no NumPy ops on (C,) vectors in between: the separate calls cost W8's
    batch norms (65k-262k elements) about a third of their time."""
    C = x.shape[1]
    out = _alloc.empty(x.shape, x.dtype)  # recycled memory: no page faults (see _alloc)
    mean = np.empty(C, dtype=np.float64)
    var = np.empty(C, dtype=np.float64)
    rstd = np.empty(C, dtype=np.float64)
    none = np.zeros(1, dtype=x.dtype)
    _batch_norm_train_into(x, none if w is None else w, none if b is None else b,
                           w is not None, b is not None, float(eps), out, mean, var, rstd)
    return out, mean, var, rstd


@njit_chunked(**_OPTIONS)
def _batch_norm_train_into(x, w, b, has_w, has_b, eps, out, mean, var, rstd, part, parts):
    # batch_norm_train's work for this part's channels
    n, c, sp = x.shape
    count = n * sp
    lo, hi = chunk(c, part, parts)
    for k in range(lo, hi):
        s = np.float64(0.0)
        for i in range(n):
            xi = x[i, k]
            for j in range(sp):
                s += xi[j]
        mu = s / count
        v = np.float64(0.0)
        for i in range(n):
            xi = x[i, k]
            for j in range(sp):
                t = xi[j] - mu
                v += t * t
        v = v / count
        r = 1.0 / np.sqrt(v + eps)
        mean[k] = mu
        var[k] = v
        rstd[k] = r
        scale = r * w[k] if has_w else r
        shift = -mu * scale
        if has_b:
            shift = shift + b[k]
        a = x.dtype.type(scale)
        h = x.dtype.type(shift)
        for i in range(n):
            for j in range(sp):
                out[i, k, j] = x[i, k, j] * a + h


def batch_norm_train_backward(g: np.ndarray, x: np.ndarray, mean: np.ndarray,
                              rstd: np.ndarray, w: np.ndarray | None
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Training-mode batch norm's input gradient in one call: per channel
    :func:`batch_norm_backward_reduce`'s sums, then ``dx = g * a + (x - mean) * b + c0``
    with ``k = rstd * w``, ``a = k``, ``b = -k rstd^2 sum_gx / M``, ``c0 = -k sum_g / M``
    (M = N * L; float64, rounded to x's dtype). g, x (N, C, L); mean, rstd (C,) float64; w (C,) in
    x's dtype or None. Returns ``(dx, sum_g, sum_gx)``."""
    C = x.shape[1]
    dx = _alloc.empty(x.shape, x.dtype)
    sum_g = np.empty(C, dtype=np.float64)
    sum_gx = np.empty(C, dtype=np.float64)
    _batch_norm_train_backward_into(g, x, mean, rstd, np.zeros(1, dtype=x.dtype) if w is None
                                    else w, w is not None, dx, sum_g, sum_gx)
    return dx, sum_g, sum_gx


@njit_chunked(**_OPTIONS)
def _batch_norm_train_backward_into(g, x, mean, rstd, w, has_w, dx, sum_g, sum_gx, part,
                                    parts):
    # batch_norm_train_backward's work for this part's channels
    n, c, sp = x.shape
    m = n * sp
    lo, hi = chunk(c, part, parts)
    for k in range(lo, hi):
        mu = mean[k]
        s, p = _grad_sums(g, x, k, mu)
        sum_g[k] = s
        sum_gx[k] = p
        r = rstd[k]
        kk = r * w[k] if has_w else r
        ak = x.dtype.type(kk)
        bk = x.dtype.type(-kk * r * r * p / m)
        ck = x.dtype.type(-kk * s / m)
        muk = x.dtype.type(mu)
        for i in range(n):
            for j in range(sp):
                dx[i, k, j] = g[i, k, j] * ak + (x[i, k, j] - muk) * bk + ck
