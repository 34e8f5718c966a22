"""Fused scaled-dot-product attention, forward and backward, without the [L, S] matrix.

Shapes: q [N, L, E], k [N, S, E], v [N, S, Ev] (N = the flattened batch and head dims),
out [N, L, Ev]. One query row at a time: its scores go into a buffer of length S, are
turned into probabilities (max subtracted first) and summed against v; only the row's
log-sum-exp is kept. Backward recomputes each probability from q, k and that
log-sum-exp, so the [N, L, S] weights are never stored. ``causal`` lets row i see keys
0..i only (PyTorch's top-left ``tril(ones(L, S))``) and skips the masked work.

The N slices are independent and split across the worker threads (``njit_chunked``);
in backward each thread owns its slices of dk and dv, so nothing is shared.
"""
from __future__ import annotations

import math

import numpy as np

from ._jit import chunk, njit_chunked
from .activation import _FAST, _expf  # reassociating math: vectorised dots and sums

__all__ = ["sdpa_forward", "sdpa_backward"]


@njit_chunked(error_model="numpy", fastmath=_FAST)
def _forward(q, k, v, out, lse, scale, causal, part, parts):
    n_batch, n_q, e_dim = q.shape
    n_k, ev_dim = v.shape[1], v.shape[2]
    lo, hi = chunk(n_batch, part, parts)
    for b in range(lo, hi):
        # k transposed once per slice: the scores of a row are then axpy's over the keys
        # (vectorised along j) instead of one horizontal dot-product reduction per key
        kt = np.ascontiguousarray(k[b].T)
        p = np.empty(n_k, dtype=q.dtype)
        for i in range(n_q):
            stop = min(i + 1, n_k) if causal else n_k
            for j in range(stop):
                p[j] = 0
            for e in range(e_dim):
                qe = q[b, i, e] * scale
                for j in range(stop):
                    p[j] += qe * kt[e, j]
            m = p[0]  # stop >= 1: row i always sees key 0
            for j in range(1, stop):
                m = max(m, p[j])
            s = q[b, i, 0] * 0
            if q.itemsize == 4:  # the dtype branch outside the loop (see activation.py)
                for j in range(stop):
                    w = _expf(p[j] - m)
                    p[j] = w
                    s += w
            else:
                for j in range(stop):
                    w = np.exp(p[j] - m)
                    p[j] = w
                    s += w
            inv = 1 / s
            for f in range(ev_dim):
                out[b, i, f] = 0
            for j in range(stop):
                w = p[j] * inv
                for f in range(ev_dim):
                    out[b, i, f] += w * v[b, j, f]
            lse[b, i] = m + math.log(s)


@njit_chunked(error_model="numpy", fastmath=_FAST)
def _backward(q, k, v, out, lse, grad, dq, dk, dv, scale, causal, part, parts):
    # dk and dv arrive zeroed; dq rows are written whole. Per query row: the weights p
    # and dp = grad_i . v_j over all keys as axpy's along j (k and v transposed once),
    # then ds = p (dp - grad_i . out_i) scale into dq_i, dk_j and p into dv_j.
    n_batch, n_q, e_dim = q.shape
    n_k, ev_dim = v.shape[1], v.shape[2]
    lo, hi = chunk(n_batch, part, parts)
    for b in range(lo, hi):
        kt = np.ascontiguousarray(k[b].T)
        vt = np.ascontiguousarray(v[b].T)
        p = np.empty(n_k, dtype=q.dtype)
        dp = np.empty(n_k, dtype=q.dtype)
        for i in range(n_q):
            stop = min(i + 1, n_k) if causal else n_k
            d_row = q[b, i, 0] * 0  # sum(grad * out) = sum_j p_j dp_j
            for f in range(ev_dim):
                d_row += grad[b, i, f] * out[b, i, f]
            for j in range(stop):
                p[j] = -lse[b, i]
                dp[j] = 0
            for e in range(e_dim):
                qe = q[b, i, e] * scale
                for j in range(stop):
                    p[j] += qe * kt[e, j]
            for f in range(ev_dim):
                gf = grad[b, i, f]
                for j in range(stop):
                    dp[j] += gf * vt[f, j]
            if q.itemsize == 4:
                for j in range(stop):
                    p[j] = _expf(p[j])
            else:
                for j in range(stop):
                    p[j] = np.exp(p[j])
            for e in range(e_dim):
                dq[b, i, e] = 0
            for j in range(stop):
                pj = p[j]
                ds = pj * (dp[j] - d_row) * scale
                for f in range(ev_dim):
                    dv[b, j, f] += pj * grad[b, i, f]
                for e in range(e_dim):
                    dq[b, i, e] += ds * k[b, j, e]
                    dk[b, j, e] += ds * q[b, i, e]


def sdpa_forward(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float,
                 causal: bool) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(q k^T * scale [causal]) v`` and the per-row log-sum-exp of the scaled
    scores. Shapes: q [N, L, E], k [N, S, E], v [N, S, Ev] (one float dtype, S >= 1)
    -> out [N, L, Ev], lse [N, L]."""
    q, k, v = (np.ascontiguousarray(a) for a in (q, k, v))
    out = np.empty((q.shape[0], q.shape[1], v.shape[2]), dtype=q.dtype)
    lse = np.empty(q.shape[:2], dtype=q.dtype)
    if q.shape[0] and q.shape[1]:
        _forward(q, k, v, out, lse, q.dtype.type(scale), bool(causal))
    return out, lse


def sdpa_backward(q: np.ndarray, k: np.ndarray, v: np.ndarray, out: np.ndarray,
                  lse: np.ndarray, grad: np.ndarray, scale: float,
                  causal: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients (dq, dk, dv) of :func:`sdpa_forward` for the output gradient ``grad``
    [N, L, Ev], from its saved ``out`` and ``lse``; shapes of q, k, v."""
    q, k, v, out, lse = (np.ascontiguousarray(a) for a in (q, k, v, out, lse))
    grad = np.ascontiguousarray(grad, dtype=q.dtype)
    dq = np.zeros_like(q)
    dk = np.zeros_like(k)
    dv = np.zeros_like(v)
    if q.shape[0] and q.shape[1]:
        _backward(q, k, v, out, lse, grad, dq, dk, dv, q.dtype.type(scale), bool(causal))
    return dq, dk, dv
