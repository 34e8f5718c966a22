"""Softmax cross-entropy for 2-D logits: log-softmax + NLL (+ label smoothing) per row,
and its gradient ``softmax - smoothed one-hot``, without materialising a log-softmax.

Inputs are C-contiguous ``x`` of shape (N, C) (float32 or float64), ``target`` (N,)
int64 class indices, ``weight`` (C,) per-class weights in x's dtype (ones when the
caller has none). Rows whose target equals ``ignore_index`` contribute nothing.
Elementwise passes run in x's dtype (as PyTorch's); row sums, log-sum-exps and losses
in float64, so float32 losses are as accurate as the result type allows.

Plain NumPy over blocks of rows: a Numba version was no faster at the shapes models use
(C of 10 to a few thousand) and cost 0.7 s of compilation in every cold process
(benchmarks/NOTES.md, "Cold start"). The blocks bound the scratch to
:data:`BLOCK_ELEMENTS` elements whatever N * C is. Nothing here imports the engine.
"""
from __future__ import annotations

import numpy as np

__all__ = ["BLOCK_ELEMENTS", "cross_entropy_backward", "cross_entropy_forward"]

#: Rows are processed in blocks of about this many logits (bounds the scratch arrays).
BLOCK_ELEMENTS = 1 << 18


def _blocks(n: int, c: int):
    rows = max(1, BLOCK_ELEMENTS // max(c, 1))
    for s in range(0, n, rows):
        yield s, min(n, s + rows)


def cross_entropy_forward(x, target, weight, ignore_index, label_smoothing):
    """Per-row weighted loss and per-row weight.

    For a row i with target t (not ignored), lse = logsumexp(x[i]) and
    ``loss[i] = (1 - ls) * w[t] * (lse - x[i, t]) + ls / C * sum_c w[c] * (lse - x[i, c])``,
    ``wrow[i] = w[t]``; an ignored row has ``loss[i] = wrow[i] = 0``.

    Returns:
        ``(loss, wrow, lse, bad)``: ``loss`` and ``wrow`` (N,) in x's dtype (``mean``
        reduction is ``loss.sum() / wrow.sum()``, PyTorch's weighted mean); ``lse`` (N,)
        float64 row log-sum-exps for the backward; ``bad`` the first row whose target is
        neither ``ignore_index`` nor in ``[0, C)``, or -1 (the caller raises).
    """
    n, c = x.shape
    loss = np.zeros(n, dtype=x.dtype)
    wrow = np.zeros(n, dtype=x.dtype)
    lses = np.zeros(n, dtype=np.float64)
    valid = target != ignore_index
    out_of_range = np.flatnonzero(valid & ((target < 0) | (target >= c)))
    if out_of_range.size:
        return loss, wrow, lses, int(out_of_range[0])
    t = np.where(valid, target, 0)
    ls = float(label_smoothing)
    w64 = weight.astype(np.float64)
    with np.errstate(all="ignore"):  # NaN/inf logits give NaN losses, silently as PyTorch
        for s, e in _blocks(n, c):
            _forward_block(x[s:e], t[s:e], valid[s:e], w64, ls, loss[s:e], wrow[s:e],
                           lses[s:e])
    return loss, wrow, lses, -1


def _forward_block(x, t, valid, w64, ls, loss, wrow, lses):
    c = x.shape[1]
    rows = np.arange(len(t))
    m = x.max(axis=1)
    z = x - m[:, None]
    np.exp(z, out=z)
    lse = m.astype(np.float64) + np.log(z.sum(axis=1, dtype=np.float64))
    wt = w64[t]
    val = (1.0 - ls) * wt * (lse - x[rows, t])
    if ls > 0.0:
        val += ls / c * (lse * w64.sum() - x @ w64)
    loss[:] = np.where(valid, val, 0.0)
    wrow[:] = np.where(valid, wt, 0.0)
    lses[:] = np.where(valid, lse, 0.0)


def cross_entropy_backward(x, target, weight, ignore_index, label_smoothing, lse, grow):
    """d(sum_i grow[i] * loss[i]) / dx for ``loss`` of :func:`cross_entropy_forward`.

    ``gx[i, c] = grow[i] * (p[i, c] * ((1 - ls) w[t] + ls / C * sum(w))
    - (1 - ls) w[t] [c == t] - ls / C * w[c])`` with ``p = exp(x[i] - lse[i])``
    (``lse`` from the forward); zero for ignored rows. Shape and dtype of ``x``.
    """
    n, c = x.shape
    gx = np.empty_like(x)
    valid = target != ignore_index
    t = np.where(valid, target, 0)
    ls = float(label_smoothing)
    w64 = weight.astype(np.float64)
    wsum = w64.sum()
    with np.errstate(all="ignore"):
        for s, e in _blocks(n, c):
            g = grow[s:e].astype(np.float64)
            wt = w64[t[s:e]]
            gb = gx[s:e]
            np.subtract(x[s:e], lse[s:e, None].astype(x.dtype), out=gb)
            np.exp(gb, out=gb)
            gb *= (g * ((1.0 - ls) * wt + ls / c * wsum)).astype(x.dtype)[:, None]
            if ls > 0.0:
                gb -= ((g * (ls / c))[:, None] * w64).astype(x.dtype)
            rows = np.arange(e - s)
            gb[rows, t[s:e]] -= (g * (1.0 - ls) * wt).astype(x.dtype)
            gb[~valid[s:e]] = 0.0  # ignored rows: zero even where their logits are inf/NaN
    return gx
