"""Softmax and LogSoftmax along a dim, numerically stable (max subtracted first).

As in PyTorch, a 0-d input is its own (one-element) slice, and a dim of size 0 gives an
empty result (and an empty gradient). float32/float64 along the last dim run the fused
row kernels of :mod:`autograd.kernels.activation` (one pass forward, one backward); the
backward is composed of differentiable ops while a graph is recorded (double backward).
"""
from __future__ import annotations

import numpy as np

from ..dtypes import no_kernel
from ..grad_mode import _state
from ..kernels import activation as _kernels
from ..node import Op
from ..tensor import Tensor, _wrap
from ._util import DTypeLike, normalize_dim

__all__ = ["softmax", "log_softmax"]


class Softmax(Op):
    """out = exp(a - max) / sum(exp(a - max)) along ``dim``."""

    @staticmethod
    def forward(ctx, a, dim):
        if a.size == 0:
            return a.copy()
        if _fused(a, dim):
            return _kernels.softmax_lastdim(a)
        e = np.exp(a - a.max(axis=dim, keepdims=True))
        e /= e.sum(axis=dim, keepdims=True)
        return e

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.inputs[1]
        out = ctx.output
        if not _state.enabled and _fused(out._data, dim) and grad.shape == out.shape:
            return _wrap(_kernels.softmax_lastdim_backward(grad._data, out._data)), None
        return out * (grad - (grad * out).sum(dim, keepdim=True)), None


def softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """Softmax along ``dim``. Shape: same as input."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:  # PyTorch's legacy implicit-dim rule
        dim = 0 if input.ndim in (0, 1, 3) else 1
    d = _dim(dim, input.ndim, "softmax")
    if input._data.dtype.kind not in "fc":
        # as PyTorch: the dim is checked first, and an empty tensor of any dtype is
        # returned as it is (no kernel runs)
        if input._data.size == 0:
            return Softmax.apply(input, d)
        raise no_kernel("softmax_lastdim_kernel_impl", input._data.dtype)
    return Softmax.apply(input, d)


class LogSoftmax(Op):
    """out = a - logsumexp(a) along ``dim``."""

    @staticmethod
    def forward(ctx, a, dim):
        if a.size == 0:
            return a.copy()
        if _fused(a, dim):
            return _kernels.softmax_lastdim(a, log=True)
        shifted = a - a.max(axis=dim, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=dim, keepdims=True))

    @staticmethod
    def backward(ctx, grad):
        dim = ctx.inputs[1]
        out = ctx.output
        if not _state.enabled and _fused(out._data, dim) and grad.shape == out.shape:
            return _wrap(_kernels.softmax_lastdim_backward(grad._data, out._data, log=True)), None
        return grad - out.exp() * grad.sum(dim, keepdim=True), None


def log_softmax(input: Tensor, dim: int | None = None, dtype: DTypeLike | None = None) -> Tensor:
    """log(softmax(input)) along ``dim``, computed stably. Shape: same as input."""
    if dtype is not None:
        input = input.to(dtype)
    if dim is None:
        dim = 0 if input.ndim in (0, 1, 3) else 1
    d = _dim(dim, input.ndim, "log_softmax")
    if input._data.dtype.kind not in "fc":
        if input._data.size == 0:  # as softmax: an empty tensor of any dtype passes
            return LogSoftmax.apply(input, d)
        raise no_kernel("log_softmax_lastdim_kernel_impl", input._data.dtype)
    return LogSoftmax.apply(input, d)


_FUSED_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def _fused(a: np.ndarray, dim: int | None) -> bool:
    """Whether the row kernels serve ``a`` along ``dim``: the last dim of a non-empty
    float32/float64 array."""
    return dim is not None and dim == a.ndim - 1 and a.dtype in _FUSED_DTYPES and a.size > 0


def _dim(dim: int, ndim: int, op: str) -> int | None:
    """The normalised dim; None (the whole tensor) for a 0-d input."""
    d = normalize_dim(dim, ndim, op)
    return None if ndim == 0 else d
