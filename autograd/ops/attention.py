"""Scaled dot-product attention ``softmax(Q K^T * scale [causal]) V`` as one graph node.

The composed form (matmul, scale, masked_fill, softmax, matmul) records five nodes and
builds the [..., L, S] weights several times over. This op records one node and builds
the weights once, kept for backward: with several heads, the per-head kernel of
:mod:`autograd.kernels.attention` (each thread takes whole heads: BLAS, softmax, BLAS);
otherwise two BLAS products around one fused scale+mask+softmax pass. When the weights
would exceed ``_WEIGHTS_MAX_BYTES`` it runs the flash kernel instead, which keeps only a
per-row log-sum-exp. Backward:

* ``create_graph=False`` (the engine runs backward under no-grad): the per-head backward
  kernel, or BLAS products and the fused softmax-backward pass on the saved weights, or
  the flash backward kernel (recomputing the weights from q, k and the log-sum-exp);
* ``create_graph=True``: the same gradients composed of differentiable ops (the weights
  rebuilt with ``softmax``), so double backward works.

It serves what PyTorch's fused CPU kernel serves: no explicit mask, no dropout,
float32/float64 q, k, v of one dtype with equal batch dims. ``nn.functional`` keeps the
composed path for masks and dropout.
"""
from __future__ import annotations

import math

import numpy as np

from ..grad_mode import _state
from ..kernels import _alloc
from ..kernels import activation as _act
from ..kernels import attention as _kernels
from ..node import Node, Op
from ..tensor import Tensor, _wrap

__all__ = ["fused_attention", "fused_attention_fits"]

_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))

# Up to this size the [N, L, S] weights are materialised (BLAS products + one fused
# softmax pass): at W7's shapes that is about 2x faster than the flash kernel, whose
# per-row loops Numba cannot block like a GEMM. Above it the flash kernel bounds memory.
_WEIGHTS_MAX_BYTES = 64 << 20


class ScaledDotProductAttention(Op):
    """out = softmax(q k^T * scale, causal: keys 0..i for query i) v.

    Shapes: q [*, L, E], k [*, S, E], v [*, S, Ev] (same batch dims *) -> [*, L, Ev]."""

    # PyTorch's grad_fn: its fused CPU kernel's node for 4-D inputs with one head dim
    # (Ev == E); otherwise its math path, whose last node is a matmul (2-D) or a view
    grad_fn_name = "ScaledDotProductFlashAttentionForCpu"

    @staticmethod
    def forward(ctx, q, k, v, scale, causal):
        if q.ndim != 4 or v.shape[-1] != q.shape[-1]:
            ctx._name = "Mm" if q.ndim == 2 else "UnsafeView"
        batch, (n_q, e_dim), (n_k, ev_dim) = q.shape[:-2], q.shape[-2:], v.shape[-2:]
        p = lse = None
        heads = False
        if q.size // e_dim * n_k * q.itemsize > _WEIGHTS_MAX_BYTES:
            # long sequences: the flash kernel, O(L) memory per row instead of O(L S)
            q3, k3 = q.reshape(-1, n_q, e_dim), k.reshape(-1, n_k, e_dim)
            out, lse = _kernels.sdpa_forward(q3, k3, v.reshape(-1, n_k, ev_dim), scale, causal)
        elif _kernels.heads_supported(q, k, v):
            # head by head on the worker threads: each head's two GEMMs on single-threaded
            # BLAS with its softmax between them (in cache), all in one kernel call
            out, p = _kernels.heads_forward(q, k, v, scale, causal)
            heads = True
        else:
            # BLAS for the two products, one fused pass for scale + mask + softmax; the
            # weights are kept for backward (see benchmarks/NOTES.md for why not flash).
            # The products run on q, k, v as given: heads split off a fused projection are
            # strided views that BLAS reads in place, where a reshape to 3-D would copy.
            p = _act.scaled_softmax_lastdim(_alloc.matmul(q, np.swapaxes(k, -1, -2)), scale, causal)
            out = _alloc.matmul(p, v)
        if isinstance(ctx, Node):  # kept for backward only when a graph is recorded
            ctx.p, ctx.lse, ctx.heads = p, lse, heads
        return out.reshape(*batch, n_q, ev_dim)

    @staticmethod
    def backward(ctx, grad):
        q, k, v, scale, causal = ctx.inputs
        need = ctx.needs_input_grad
        if not _state.enabled:
            (n_q, e_dim), (n_k, ev_dim) = q.shape[-2:], v.shape[-2:]
            if ctx.heads:
                dq, dk, dv = _kernels.heads_backward(q._data, k._data, v._data, ctx.p,
                                                     grad._data, scale)
            elif ctx.p is not None:  # batch-shaped products, as in forward
                p, g = ctx.p, grad._data
                dv = _alloc.matmul(np.swapaxes(p, -1, -2), g)
                ds = _act.softmax_lastdim_backward(_alloc.matmul(g, np.swapaxes(v._data, -1, -2)), p)
                ds *= ds.dtype.type(scale)
                dq = _alloc.matmul(ds, k._data)
                dk = _alloc.matmul(np.swapaxes(ds, -1, -2), q._data)
            else:
                q3, k3 = q._data.reshape(-1, n_q, e_dim), k._data.reshape(-1, n_k, e_dim)
                v3, g3 = v._data.reshape(-1, n_k, ev_dim), grad._data.reshape(-1, n_q, ev_dim)
                dq, dk, dv = _kernels.sdpa_backward(
                    q3, k3, v3, ctx.output._data.reshape(-1, n_q, ev_dim), ctx.lse, g3, scale,
                    causal)
            return (_wrap(dq.reshape(q.shape)) if need[0] else None,
                    _wrap(dk.reshape(k.shape)) if need[1] else None,
                    _wrap(dv.reshape(v.shape)) if need[2] else None, None, None)
        scores = (q @ k.transpose(-2, -1)) * scale
        if causal:
            n_q, n_k = q.shape[-2], k.shape[-2]
            scores = scores.masked_fill(_wrap(~np.tri(n_q, n_k, dtype=bool)), -math.inf)
        p = scores.softmax(-1)
        dp = grad @ v.transpose(-2, -1)
        ds = p * (dp - (dp * p).sum(-1, keepdim=True)) * scale
        return (ds @ k if need[0] else None,
                ds.transpose(-2, -1) @ q if need[1] else None,
                p.transpose(-2, -1) @ grad if need[2] else None, None, None)


def fused_attention_fits(query: Tensor, key: Tensor, value: Tensor) -> bool:
    """Whether :func:`fused_attention` serves these inputs: one float32/float64 dtype,
    at least 2-D, equal batch dims, and non-empty L, S and E."""
    q, k, v = query._data, key._data, value._data
    return (q.dtype in _DTYPES and q.dtype == k.dtype == v.dtype and q.ndim >= 2
            and q.ndim == k.ndim == v.ndim and q.shape[:-2] == k.shape[:-2] == v.shape[:-2]
            and q.shape[-1] == k.shape[-1] and k.shape[-2] == v.shape[-2]
            and q.shape[-2] > 0 and k.shape[-2] > 0 and q.shape[-1] > 0)


def fused_attention(query: Tensor, key: Tensor, value: Tensor, scale: float,
                    is_causal: bool = False) -> Tensor:
    """``softmax(query key^T * scale [causal]) value`` in one node, for inputs that
    :func:`fused_attention_fits`. Shapes: query [*, L, E], key [*, S, E], value
    [*, S, Ev] -> [*, L, Ev]. ``is_causal``: query i attends to keys 0..i (top-left
    aligned, as ``torch.tril(torch.ones(L, S))``)."""
    return ScaledDotProductAttention.apply(query, key, value, float(scale), bool(is_causal))
