"""Fused softmax cross-entropy for 2-D logits: log-softmax + NLL (+ label smoothing) in
one pass per row, and its gradient ``softmax - smoothed one-hot`` in one pass.

Inputs are C-contiguous ``x`` of shape (N, C) (float32 or float64), ``target`` (N,)
int64 class indices, ``weight`` (C,) per-class weights in x's dtype (ones when the
caller has none). Rows whose target equals ``ignore_index`` contribute nothing.
Row sums run in float64 whatever the dtype, so float32 losses are as accurate as the
result type allows. Nothing here imports the engine.
"""
from __future__ import annotations

import numpy as np

from ._jit import njit

__all__ = ["cross_entropy_forward", "cross_entropy_backward"]


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
    n = x.shape[0]
    loss = np.zeros(n, dtype=x.dtype)
    wrow = np.zeros(n, dtype=x.dtype)
    lses = np.zeros(n, dtype=np.float64)
    bad = _cross_entropy_rows(x, target, weight, ignore_index, label_smoothing, loss, wrow, lses)
    return loss, wrow, lses, bad


# The kernels take their outputs from the caller: array allocation inside a kernel compiles
# NumPy's allocation overloads anew in every process (a cold-start cost).
@njit
def _cross_entropy_rows(x, target, weight, ignore_index, label_smoothing, loss, wrow, lses):
    n, c = x.shape
    ls = label_smoothing
    for i in range(n):
        t = target[i]
        if t == ignore_index:
            continue
        if t < 0 or t >= c:
            return i
        m = x[i, 0]
        for j in range(1, c):
            if x[i, j] > m:
                m = x[i, j]
        s = 0.0
        for j in range(c):
            s += np.exp(np.float64(x[i, j]) - m)
        lse = m + np.log(s)
        wt = weight[t]
        val = (1.0 - ls) * wt * (lse - x[i, t])
        if ls > 0.0:
            sm = 0.0
            for j in range(c):
                sm += weight[j] * (lse - x[i, j])
            val += ls / c * sm
        loss[i] = val
        wrow[i] = wt
        lses[i] = lse
    return -1


def cross_entropy_backward(x, target, weight, ignore_index, label_smoothing, lse, grow):
    """d(sum_i grow[i] * loss[i]) / dx for ``loss`` of :func:`cross_entropy_forward`.

    ``gx[i, c] = grow[i] * (p[i, c] * ((1 - ls) w[t] + ls / C * sum(w))
    - (1 - ls) w[t] [c == t] - ls / C * w[c])`` with ``p = exp(x[i] - lse[i])``
    (``lse`` from the forward); zero for ignored rows.
    """
    gx = np.zeros_like(x)
    _cross_entropy_grad_rows(x, target, weight, ignore_index, label_smoothing, lse, grow, gx)
    return gx


@njit
def _cross_entropy_grad_rows(x, target, weight, ignore_index, label_smoothing, lse, grow, gx):
    n, c = x.shape
    ls = label_smoothing
    wsum = 0.0
    for j in range(c):
        wsum += weight[j]
    for i in range(n):
        t = target[i]
        if t == ignore_index:
            continue
        g = grow[i]
        wt = weight[t]
        coef = g * ((1.0 - ls) * wt + ls / c * wsum)
        li = lse[i]
        for j in range(c):
            gx[i, j] = np.exp(np.float64(x[i, j]) - li) * coef - g * (ls / c) * weight[j]
        gx[i, t] -= g * (1.0 - ls) * wt
