"""Pooling ops: max (with indices), average, adaptive average, adaptive max; 1-D forms
are the 2-D ones with a height of one.

Max pooling's backward scatters by the saved argmax indices (``MaxPoolGrad``), whose own
backward gathers by them again; average pooling and its gradient are each other's
adjoints. So every pooling op is twice differentiable.
"""
from __future__ import annotations

import numpy as np

from ..kernels import pool as K
from ..node import Op, ShapeError
from ..tensor import _wrap

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool2d"]


def _pair(v, name, op):
    if isinstance(v, (tuple, list)):
        if len(v) not in (1, 2):
            raise ValueError(f"{op}: {name} must be an int or a pair, got {v!r}")
        return (int(v[0]), int(v[-1]))
    return int(v), int(v)


def _c(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


class MaxPoolGrad(Op):
    """gx = scatter-add of gy at the flat argmax ``indices`` into planes of ``input_size``."""

    @staticmethod
    def forward(ctx, gy, indices, input_size, *, tiles=None):
        if gy.size == 0:  # an empty output (adaptive size 0, empty batch): zero gradient
            return np.zeros(gy.shape[:2] + tuple(input_size), gy.dtype)
        return K.max_pool2d_backward(_c(gy), indices, input_size, tiles)

    @staticmethod
    def backward(ctx, grad):
        gy, indices, _ = ctx.inputs
        return _gather_planes(grad, indices), None, None


def _gather_planes(x, indices):
    """x[n, c].flat[indices[n, c]]: the (differentiable) inverse of the scatter."""
    n, c = x.shape[0], x.shape[1]
    flat = x.reshape(n, c, x.shape[2] * x.shape[3])  # no -1: it is ambiguous for n == 0
    idx = _wrap(indices.reshape(n, c, indices.shape[2] * indices.shape[3]))
    return flat.gather(2, idx).reshape(indices.shape)


class MaxPool2d(Op):
    """y = max over windows; the argmax indices are kept for backward (and returned)."""

    @staticmethod
    def forward(ctx, x, *, kernel_size, stride, padding, dilation, ceil_mode, holder):
        y, idx = K.max_pool2d_forward(_c(x), kernel_size, stride, padding, dilation, ceil_mode)
        ctx.indices = idx
        # Windows that tile the plane let the backward write gx in one pass.
        ctx.tiles = kernel_size if (tuple(stride) == tuple(kernel_size) and padding == (0, 0)
                                    and dilation == (1, 1)) else None
        holder.append(idx)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return MaxPoolGrad.apply(grad, ctx.indices, tuple(x.shape[2:]), tiles=ctx.tiles)


def _pool_args(op, x, kernel_size, stride, padding, dilation, nd=2):
    if x.ndim not in (nd + 1, nd + 2):
        raise ShapeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D input, got shape "
                         f"{tuple(x.shape)}")
    k = _pair(kernel_size, "kernel_size", op)
    s = k if stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0) \
        else _pair(stride, "stride", op)
    p = _pair(padding, "padding", op)
    d = _pair(dilation, "dilation", op)
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError(f"{op}: kernel_size {k}, stride {s} and dilation {d} must be positive")
    for i in range(2):
        if p[i] < 0 or p[i] > k[i] // 2:
            raise ValueError(f"{op}: pad should be at most half of effective kernel size, but "
                             f"got pad={p[i]}, kernel_size={k[i]}")
    return k, s, p, d


def _check_out(op, x, sizes):
    if min(sizes) <= 0:
        raise ShapeError(f"{op}: output size {tuple(sizes)} is too small for input of shape "
                         f"{tuple(x.shape)}")


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling. Shape: (N, C, H, W) -> (N, C, OH, OW); with ``return_indices``
    also the int64 flat indices into each H*W plane."""
    if input.ndim == 3:
        res = max_pool2d(input.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode,
                         return_indices)
        return tuple(r.squeeze(0) for r in res) if return_indices else res.squeeze(0)
    k, s, p, d = _pool_args("max_pool2d", input, kernel_size, stride, padding, dilation)
    _check_out("max_pool2d", input,
               [K.pool_output_size(input.shape[2 + i], k[i], s[i], p[i], d[i], ceil_mode)
                for i in range(2)])
    holder = []
    y = MaxPool2d.apply(input, kernel_size=k, stride=s, padding=p, dilation=d,
                        ceil_mode=bool(ceil_mode), holder=holder)
    return (y, _wrap(holder[0])) if return_indices else y


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling. Shape: (N, C, L) -> (N, C, OL)."""
    if input.ndim == 2:
        res = max_pool1d(input.unsqueeze(0), kernel_size, stride, padding, dilation, ceil_mode,
                         return_indices)
        return tuple(r.squeeze(0) for r in res) if return_indices else res.squeeze(0)
    if input.ndim != 3:
        raise ShapeError(f"max_pool1d: expected a 2-D or 3-D input, got shape "
                         f"{tuple(input.shape)}")
    one = lambda v: int(v[0] if isinstance(v, (tuple, list)) else v)  # noqa: E731
    st = None if stride is None else (1, one(stride))
    res = max_pool2d(input.unsqueeze(2), (1, one(kernel_size)), st, (0, one(padding)),
                     (1, one(dilation)), ceil_mode, return_indices)
    if return_indices:
        return res[0].squeeze(2), res[1].squeeze(2)
    return res.squeeze(2)


class AvgPool2d(Op):
    """y = mean over windows (PyTorch's divisor rules)."""

    @staticmethod
    def forward(ctx, x, *, geom):
        ctx.geom = geom
        return K.avg_pool2d_forward(_c(x), *geom)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return AvgPoolGrad.apply(grad, input_size=tuple(x.shape[2:]), geom=ctx.geom)


class AvgPoolGrad(Op):
    """gx = average pooling's adjoint applied to gy."""

    @staticmethod
    def forward(ctx, gy, *, input_size, geom):
        ctx.geom = geom
        return K.avg_pool2d_backward(_c(gy), input_size, *geom)

    @staticmethod
    def backward(ctx, grad):
        return AvgPool2d.apply(grad, geom=ctx.geom)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling. Shape: (N, C, H, W) -> (N, C, OH, OW)."""
    if input.ndim == 3:
        return avg_pool2d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode,
                          count_include_pad, divisor_override).squeeze(0)
    k, s, p, _ = _pool_args("avg_pool2d", input, kernel_size, stride, padding, 1)
    _check_out("avg_pool2d", input,
               [K.pool_output_size(input.shape[2 + i], k[i], s[i], p[i], 1, ceil_mode)
                for i in range(2)])
    if divisor_override is not None and divisor_override <= 0:
        raise ValueError("avg_pool2d: divisor must be not zero")
    geom = (k, s, p, bool(ceil_mode), bool(count_include_pad), divisor_override)
    return AvgPool2d.apply(input, geom=geom)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling. Shape: (N, C, L) -> (N, C, OL)."""
    if input.ndim == 2:
        return avg_pool1d(input.unsqueeze(0), kernel_size, stride, padding, ceil_mode,
                          count_include_pad).squeeze(0)
    if input.ndim != 3:
        raise ShapeError(f"avg_pool1d: expected a 2-D or 3-D input, got shape "
                         f"{tuple(input.shape)}")
    one = lambda v: int(v[0] if isinstance(v, (tuple, list)) else v)  # noqa: E731
    st = None if stride is None else (1, one(stride))
    return avg_pool2d(input.unsqueeze(2), (1, one(kernel_size)), st, (0, one(padding)),
                      ceil_mode, count_include_pad).squeeze(2)


class AdaptiveAvgPool2d(Op):
    """y = mean over adaptive windows [floor(i*H/OH), ceil((i+1)*H/OH))."""

    @staticmethod
    def forward(ctx, x, *, output_size):
        if x.size == 0 or 0 in output_size:
            return np.zeros(x.shape[:2] + tuple(output_size), x.dtype)
        return K.adaptive_avg_pool2d_forward(_c(x), output_size)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return AdaptiveAvgPoolGrad.apply(grad, input_size=tuple(x.shape[2:]))


class AdaptiveAvgPoolGrad(Op):
    """gx = adaptive average pooling's adjoint applied to gy."""

    @staticmethod
    def forward(ctx, gy, *, input_size):
        if gy.size == 0:  # an empty output (adaptive size 0, empty batch): zero gradient
            return np.zeros(gy.shape[:2] + tuple(input_size), gy.dtype)
        return K.adaptive_avg_pool2d_backward(_c(gy), input_size)

    @staticmethod
    def backward(ctx, grad):
        gy = ctx.inputs[0]
        return AdaptiveAvgPool2d.apply(grad, output_size=tuple(gy.shape[2:]))


def _adaptive_size(op, x, output_size, nd):
    sizes = output_size if isinstance(output_size, (tuple, list)) else (output_size,) * nd
    if len(sizes) != nd:
        raise ValueError(f"{op}: output_size must have {nd} elements, got {output_size!r}")
    sizes = tuple(x.shape[-nd + i] if s is None else int(s) for i, s in enumerate(sizes))
    if min(sizes) < 0:  # 0 is allowed (an empty output), as in PyTorch
        raise RuntimeError(f"{op}: elements of output_size must be greater than or equal "
                           f"to 0, got {sizes}")
    if min(x.shape[-nd:]) < 1:
        raise ShapeError(f"{op}: input of shape {tuple(x.shape)} has an empty spatial dim")
    return sizes


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-D average pooling to ``output_size`` (int, pair; None keeps a dim)."""
    if input.ndim == 3:
        return adaptive_avg_pool2d(input.unsqueeze(0), output_size).squeeze(0)
    if input.ndim != 4:
        raise ShapeError(f"adaptive_avg_pool2d: expected a 3-D or 4-D input, got shape "
                         f"{tuple(input.shape)}")
    return AdaptiveAvgPool2d.apply(input, output_size=_adaptive_size(
        "adaptive_avg_pool2d", input, output_size, 2))


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-D average pooling. Shape: (N, C, L) -> (N, C, output_size)."""
    if input.ndim == 2:
        return adaptive_avg_pool1d(input.unsqueeze(0), output_size).squeeze(0)
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    return adaptive_avg_pool2d(input.unsqueeze(2), (1, o)).squeeze(2)


class AdaptiveMaxPool2d(Op):
    """y = max over adaptive windows; indices kept for backward."""

    @staticmethod
    def forward(ctx, x, *, output_size, holder):
        if x.size == 0 or 0 in output_size:
            shape = x.shape[:2] + tuple(output_size)
            y, idx = np.zeros(shape, x.dtype), np.zeros(shape, np.int64)
        else:
            y, idx = K.adaptive_max_pool2d_forward(_c(x), output_size)
        ctx.indices = idx
        holder.append(idx)
        return y

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.inputs
        return MaxPoolGrad.apply(grad, ctx.indices, tuple(x.shape[2:]))


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-D max pooling (optionally with flat per-plane indices)."""
    if input.ndim == 3:
        res = adaptive_max_pool2d(input.unsqueeze(0), output_size, return_indices)
        return tuple(r.squeeze(0) for r in res) if return_indices else res.squeeze(0)
    if input.ndim != 4:
        raise ShapeError(f"adaptive_max_pool2d: expected a 3-D or 4-D input, got shape "
                         f"{tuple(input.shape)}")
    holder = []
    y = AdaptiveMaxPool2d.apply(input, output_size=_adaptive_size(
        "adaptive_max_pool2d", input, output_size, 2), holder=holder)
    return (y, _wrap(holder[0])) if return_indices else y


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-D max pooling."""
    if input.ndim == 2:
        res = adaptive_max_pool1d(input.unsqueeze(0), output_size, return_indices)
        return tuple(r.squeeze(0) for r in res) if return_indices else res.squeeze(0)
    o = output_size[0] if isinstance(output_size, (tuple, list)) else output_size
    res = adaptive_max_pool2d(input.unsqueeze(2), (1, o), return_indices)
    if return_indices:
        return res[0].squeeze(2), res[1].squeeze(2)
    return res.squeeze(2)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: values placed at ``indices``, zeros elsewhere."""
    k = _pair(kernel_size, "kernel_size", "max_unpool2d")
    s = k if stride is None else _pair(stride, "stride", "max_unpool2d")
    p = _pair(padding, "padding", "max_unpool2d")
    if output_size is None:
        output_size = tuple((input.shape[-2 + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(2))
    idx = indices._data if hasattr(indices, "_data") else np.asarray(indices)
    return MaxPoolGrad.apply(input, _c(idx.astype(np.int64, copy=False)),
                             tuple(int(v) for v in output_size[-2:]))
