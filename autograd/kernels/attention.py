"""Fused scaled-dot-product attention kernels, forward and backward, two forms.

Shapes: q [N, L, E], k [N, S, E], v [N, S, Ev] (N = the flattened batch and head dims),
out [N, L, Ev]. ``causal`` lets row i see keys 0..i only (PyTorch's top-left
``tril(ones(L, S))``).

* **Per head** (:func:`heads_forward`, :func:`heads_backward`): the [L, S] weights are
  kept for backward. Each worker thread takes whole heads; a head's GEMMs run on
  single-threaded BLAS (called from the kernel through ``gemm_call``) with its softmax
  pass in between, while its scores are in cache. q, k, v are read in place as strided
  4-D views (heads split off a fused projection).
* **Flash** (:func:`sdpa_forward`, :func:`sdpa_backward`), for weights too large to keep:
  one query row at a time, its scores in a buffer of length S turned into probabilities
  (max subtracted first) and summed against v; only the row's log-sum-exp is kept.
  Backward recomputes each probability from q, k and that log-sum-exp. The causal mask
  skips the masked work.

The N slices are independent and split across the worker threads (``njit_chunked``);
each thread owns its slices of every output, so nothing is shared.
"""
from __future__ import annotations

import math

import numpy as np

from ..runtime import blas_single_threaded, get_num_threads
from . import _alloc, _blas
from ._jit import chunk, gemm_call, njit, njit_chunked
from .activation import _FAST, _expf  # reassociating math: vectorised dots and sums

__all__ = ["heads_backward", "heads_forward", "heads_supported", "sdpa_backward",
           "sdpa_forward"]


@njit(error_model="numpy", fastmath=_FAST, inline="always")
def _exp_shifted(row, m, stop):
    """row[j] = exp(row[j] - m) for j < stop, in place; returns their sum. The dtype branch
    sits outside the loops (see activation.py); inlined, as a call per row the same loop
    cost 1.9 ns per element against 0.7 (benchmarks/NOTES.md)."""
    s = row[0] * 0
    if row.itemsize == 4:
        for j in range(stop):
            e = _expf(row[j] - m)
            row[j] = e
            s += e
    else:
        for j in range(stop):
            e = np.exp(row[j] - m)
            row[j] = e
            s += e
    return s


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
            s = _exp_shifted(p, m, stop)
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


# --------------------------------------------------------------------------- per head
# The materialised form (the [L, S] weights kept for backward) one head at a time: each
# thread takes whole heads and runs their GEMMs on single-threaded BLAS, with the softmax
# pass in between while the head's scores are still in cache. NumPy's stacked matmul runs
# the same small GEMMs one after another on one thread (OpenBLAS does not split a GEMM
# this small), and the softmax as a separate pass over all heads.
_ROW, _COL = _blas.NO_TRANS, _blas.TRANS


def heads_supported(q: np.ndarray, k: np.ndarray, v: np.ndarray) -> bool:
    """Whether :func:`heads_forward` takes these operands: float32/float64 with NumPy's
    OpenBLAS, 4-D ``[B, H, L, E]`` (or 3-D) with unit-stride rows and no negative strides,
    and at least as many heads as threads (one head is one thread's work: a single head's
    GEMMs run faster on all of BLAS's threads)."""
    return (q.ndim in (3, 4) and _blas.gemm_fn(q.dtype) is not None
            and q.size // max(1, q.shape[-2] * q.shape[-1]) >= get_num_threads()
            and all(_gemm_operand(a) for a in (q, k, v)))


def _gemm_operand(a: np.ndarray) -> bool:
    """Whether every matrix ``a[..., :, :]`` is a row-major BLAS operand in place: unit
    stride along rows, a row stride of at least the row length, no negative strides."""
    isz = a.itemsize
    return (a.strides[-1] == isz and a.strides[-2] % isz == 0
            and a.strides[-2] >= a.shape[-1] * isz and min(a.strides) >= 0)


def _empty_in_order(shape: tuple[int, ...], dtype: np.dtype, like: np.ndarray) -> np.ndarray:
    """A new compact [B, H, rows, cols] array whose batch and head dims lie in memory in
    ``like``'s order: heads split off a fused projection ([B, T, H, E] memory viewed as
    [B, H, T, E]) get outputs laid out the same way, as PyTorch's CPU kernels allocate
    them, so the caller's ``transpose(1, 2)`` back to [B, T, H*E] is free."""
    if like.strides[1] < like.strides[2]:
        b, h, rows, cols = shape
        return _alloc.empty((b, rows, h, cols), dtype).transpose(0, 2, 1, 3)
    return _alloc.empty(shape, dtype)


def _four_d(a: np.ndarray) -> np.ndarray:
    return a if a.ndim == 4 else a[None]


@njit(inline="always")
def _at(a, b, h):
    """The address of matrix ``a[b, h]`` of a 4-D array."""
    return a.ctypes.data + b * a.strides[0] + h * a.strides[1]


@njit_chunked(error_model="numpy", fastmath=_FAST)
def _heads_forward(q, k, v, p, out, gemm, scale, causal, zero, one, part, parts):
    # q [B, H, L, E], k [B, H, S, E], v [B, H, S, Ev] (unit-stride rows); p [B*H, L, S]
    # C-contiguous, out [B, H, L, Ev] compact in q's dim order. Per head: p = scale q k^T (BLAS), softmax per
    # row in place (row i of a causal head sees keys 0..i), out = p v (BLAS).
    n_b, n_h, n_q, e_dim = q.shape
    n_k, ev_dim = v.shape[2], v.shape[3]
    isz = q.itemsize
    lo, hi = chunk(n_b * n_h, part, parts)
    for t in range(lo, hi):
        b, h = t // n_h, t % n_h
        qa, ka, va = _at(q, b, h), _at(k, b, h), _at(v, b, h)
        pt = p[t]
        pa = pt.ctypes.data
        gemm_call(gemm, 111, 112, n_q, n_k, e_dim, scale, qa, q.strides[2] // isz,
                  ka, k.strides[2] // isz, zero, pa, n_k)
        for i in range(n_q):
            r = pt[i]
            stop = min(i + 1, n_k) if causal else n_k
            m = r[0]
            for j in range(1, stop):
                m = max(m, r[j])
            inv = one / _exp_shifted(r, m, stop)
            for j in range(stop):
                r[j] *= inv
            for j in range(stop, n_k):
                r[j] = zero
        gemm_call(gemm, 111, 111, n_q, ev_dim, n_k, one, pa, n_k, va, v.strides[2] // isz,
                  zero, _at(out, b, h), out.strides[2] // isz)


@njit_chunked(error_model="numpy", fastmath=_FAST)
def _heads_backward(q, k, v, p, g, dq, dk, dv, gemm, scale, zero, one, part, parts):
    # The saved weights p [B*H, L, S] and the output gradient g [B, H, L, Ev] (unit-stride
    # rows) -> dq, dk, dv (compact, laid out like q, k, v). Per head: dv = p^T g,
    # ds = p * (g v^T - rowsum(p * g v^T)) * scale, dq = ds k, dk = ds^T q.
    n_b, n_h, n_q, e_dim = q.shape
    n_k, ev_dim = v.shape[2], v.shape[3]
    isz = q.itemsize
    ds = np.empty((n_q, n_k), dtype=q.dtype)
    da = ds.ctypes.data
    lo, hi = chunk(n_b * n_h, part, parts)
    for t in range(lo, hi):
        b, h = t // n_h, t % n_h
        qa, ka, va, ga = _at(q, b, h), _at(k, b, h), _at(v, b, h), _at(g, b, h)
        ldq, ldk, ldv, ldg = (q.strides[2] // isz, k.strides[2] // isz, v.strides[2] // isz,
                              g.strides[2] // isz)
        pt = p[t]
        pa = pt.ctypes.data
        gemm_call(gemm, 112, 111, n_k, ev_dim, n_q, one, pa, n_k, ga, ldg, zero,
                  _at(dv, b, h), dv.strides[2] // isz)
        gemm_call(gemm, 111, 112, n_q, n_k, ev_dim, one, ga, ldg, va, ldv, zero, da, n_k)
        for i in range(n_q):
            d, w = ds[i], pt[i]
            s = zero
            for j in range(n_k):
                s += d[j] * w[j]
            for j in range(n_k):
                d[j] = w[j] * (d[j] - s) * scale
        gemm_call(gemm, 111, 111, n_q, e_dim, n_k, one, da, n_k, ka, ldk, zero,
                  _at(dq, b, h), dq.strides[2] // isz)
        gemm_call(gemm, 112, 111, n_k, e_dim, n_q, one, da, n_k, qa, ldq, zero,
                  _at(dk, b, h), dk.strides[2] // isz)


def heads_forward(q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float,
                  causal: bool) -> tuple[np.ndarray, np.ndarray]:
    """``softmax(q k^T * scale [causal]) v`` and the weights, head by head on the worker
    threads. Shapes: q [*, L, E], k [*, S, E], v [*, S, Ev] with 1 or 2 batch dims
    (:func:`heads_supported`) -> out [*, L, Ev], p [N, L, S] (N the product of the batch
    dims, C-contiguous). ``out`` is compact with its batch and head dims in q's memory
    order: for q a [B, T, H, E] array viewed as [B, H, T, E], out is [B, T, H, Ev] memory
    viewed as [B, H, T, Ev] (as PyTorch's CPU flash attention allocates it)."""
    q4, k4, v4 = _four_d(q), _four_d(k), _four_d(v)
    n_q, n_k = q4.shape[2], k4.shape[2]
    out = _empty_in_order(q4.shape[:3] + (v4.shape[3],), q.dtype, q4)
    p = _alloc.empty((q4.shape[0] * q4.shape[1], n_q, n_k), q.dtype)
    dt = q.dtype.type
    with blas_single_threaded():
        _heads_forward(q4, k4, v4, p, out, _blas.gemm_address(q.dtype), dt(scale), bool(causal),
                       dt(0), dt(1))
    return (out if q.ndim == 4 else out[0]), p


def heads_backward(q: np.ndarray, k: np.ndarray, v: np.ndarray, p: np.ndarray,
                   grad: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients ``(dq, dk, dv)`` of :func:`heads_forward` from its weights ``p`` and the
    output gradient ``grad`` [*, L, Ev]; shapes of q, k, v, each laid out as its input
    (see :func:`heads_forward`)."""
    q4, k4, v4 = _four_d(q), _four_d(k), _four_d(v)
    g4 = _four_d(grad)
    if not _gemm_operand(g4) or g4.dtype != q.dtype:
        g4 = np.ascontiguousarray(g4, dtype=q.dtype)
    dq, dk, dv = (_empty_in_order(a.shape, a.dtype, a) for a in (q4, k4, v4))
    dt = q.dtype.type
    with blas_single_threaded():
        _heads_backward(q4, k4, v4, p, g4, dq, dk, dv, _blas.gemm_address(q.dtype), dt(scale),
                        dt(0), dt(1))
    if q.ndim == 4:
        return dq, dk, dv
    return dq[0], dk[0], dv[0]
