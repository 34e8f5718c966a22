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
from ._args import (
    ArgumentError,
    check_dtype,
    check_ndim,
    int_tuple,
    nonnegative_ints,
    positive_ints,
    require_number,
    require_tensor,
)
from .conv import _require_float, check_hyper_types

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
           "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "max_unpool2d"]


def _c(a: np.ndarray) -> np.ndarray:
    return a if a.flags.c_contiguous else np.ascontiguousarray(a)


class MaxPoolGrad(Op):
    """gx = scatter-add of gy at the flat argmax ``indices`` into planes of ``input_size``."""

    @staticmethod
    def forward(ctx, gy, indices, input_size, *, tiles=None):
        if gy.size == 0 or 0 in input_size:  # an empty input or output: zeros
            return np.zeros(gy.shape[:2] + tuple(input_size), gy.dtype)
        return K.max_pool2d_backward(_c(gy), indices, input_size, tiles)

    @staticmethod
    def backward(ctx, grad):
        gy, indices, input_size = ctx.inputs
        if 0 in input_size:  # max_unpool2d to an empty plane
            return _wrap(np.zeros(gy.shape, grad.dtype)), None, None
        return _gather_planes(grad, indices), None, None


def _gather_planes(x, indices):
    """x[n, c].flat[indices[n, c]]: the (differentiable) inverse of the scatter."""
    n, c = x.shape[0], x.shape[1]
    flat = x.reshape(n, c, x.shape[2] * x.shape[3])  # no -1: it is ambiguous for n == 0
    idx = _wrap(indices.reshape(n, c, indices.shape[2] * indices.shape[3]))
    return flat.gather(2, idx).reshape(indices.shape)


class MaxPool2d(Op):
    """y = max over windows; the argmax indices are kept for backward (and returned)."""

    grad_fn_name = "MaxPool2DWithIndices"

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


# ----------------------------------------------------------------- argument checking
# Each public function validates its arguments once, with the op's own name (so
# ``max_pool1d``'s messages say max_pool1d), then runs the 2-D implementation on
# normalised tuples; 1-D ops are 2-D ones with a height of one.

class _DimError(ShapeError, IndexError):
    """A wrong input rank where PyTorch's Python layer fails with IndexError
    (``avg_pool2d`` of a 2-D input); also a ShapeError."""


_LAYOUT = {1: "(N, C, L) or (C, L)", 2: "(N, C, H, W) or (C, H, W)"}


def _batched(op, input, nd, error=ShapeError, nonempty=False):
    """``(input as a 2-D-pooling batch [N, C, H, W], whether it was batched)``; with
    ``nonempty`` (max/avg pooling), as PyTorch, only the batch dim may be empty."""
    require_tensor(op, input)
    try:
        check_ndim(op, input, (nd + 1, nd + 2), _LAYOUT[nd])
    except ShapeError as exc:
        raise error(str(exc)) from None
    batched = input.ndim == nd + 2
    if nonempty and 0 in input.shape[1 if batched else 0:]:
        raise ShapeError(f"{op}: expected a {nd + 1}-D or {nd + 2}-D (batch mode) tensor with "
                         f"an optional 0-size batch dim and no other empty dim, got input of "
                         f"shape {tuple(input.shape)}")
    x = input if batched else input.unsqueeze(0)
    return (x if nd == 2 else x.unsqueeze(2)), batched


def _unbatch(y, nd, batched):
    if nd == 1:
        y = y.squeeze(2)
    return y if batched else y.squeeze(0)


def _omitted(stride):
    return stride is None or (isinstance(stride, (tuple, list)) and len(stride) == 0)


def _pool_args(op, nd, kernel_size, stride, padding, dilation):
    """Validated (kernel, stride, padding, dilation) as 2-D tuples (height 1 for nd=1)."""
    k = positive_ints(op, "kernel_size", kernel_size, nd)
    s = k if _omitted(stride) else positive_ints(op, "stride", stride, nd)
    p = nonnegative_ints(op, "padding", padding, nd)
    d = positive_ints(op, "dilation", dilation, nd)
    for ki, pi, di in zip(k, p, d):
        if pi > ki // 2:
            raise ArgumentError(f"{op}: pad should be at most half of effective kernel size, "
                                f"but got pad={pi}, kernel_size={ki} and dilation={di}")
    if nd == 1:
        return (1,) + k, (1,) + s, (0,) + p, (1,) + d
    return k, s, p, d


def _check_out(op, nd, input, x, k, s, p, d, ceil_mode):
    sizes = tuple(K.pool_output_size(x.shape[2 + i], k[i], s[i], p[i], d[i], ceil_mode)
                  for i in range(2))
    if min(sizes) <= 0:
        raise ShapeError(f"{op}: input of shape {tuple(input.shape)} is too small: output size "
                         f"would be {sizes[-nd:]} for kernel_size={k[-nd:]}, stride={s[-nd:]}, "
                         f"padding={p[-nd:]}, dilation={d[-nd:]}")


def _max_pool(op, nd, input, kernel_size, stride, padding, dilation, ceil_mode,
              return_indices):
    require_tensor(op, input)
    check_hyper_types(op, nd, none_ok=("stride",), kernel_size=kernel_size, stride=stride,
                      padding=padding, dilation=dilation)
    x, batched = _batched(op, input, nd, nonempty=True)
    k, s, p, d = _pool_args(op, nd, kernel_size, stride, padding, dilation)
    _require_float(op, x)
    _check_out(op, nd, input, x, k, s, p, d, ceil_mode)
    holder = []
    y = MaxPool2d.apply(x, kernel_size=k, stride=s, padding=p, dilation=d,
                        ceil_mode=bool(ceil_mode), holder=holder)
    y = _unbatch(y, nd, batched)
    return (y, _unbatch(_wrap(holder[0]), nd, batched)) if return_indices else y


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-D max pooling. Shape: (N, C, H, W) -> (N, C, OH, OW); with ``return_indices``
    also the int64 flat indices into each H*W plane."""
    return _max_pool("max_pool2d", 2, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-D max pooling. Shape: (N, C, L) -> (N, C, OL)."""
    return _max_pool("max_pool1d", 1, input, kernel_size, stride, padding, dilation, ceil_mode,
                     return_indices)


class AvgPool2d(Op):
    """y = mean over windows (PyTorch's divisor rules)."""

    grad_fn_name = "AvgPool2D"

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


def _avg_pool(op, nd, input, kernel_size, stride, padding, ceil_mode, count_include_pad,
              divisor_override):
    require_tensor(op, input)
    check_hyper_types(op, nd, none_ok=("stride",), kernel_size=kernel_size, stride=stride,
                      padding=padding)
    # PyTorch: avg_pool2d of a 2-D input is an IndexError
    x, batched = _batched(op, input, nd, _DimError if nd == 2 else ShapeError, nonempty=True)
    k, s, p, _ = _pool_args(op, nd, kernel_size, stride, padding, 1)
    if divisor_override is not None:
        divisor_override = require_number(op, "divisor_override", divisor_override,
                                          integral=True)
        if divisor_override == 0:  # negative divisors are allowed, as in PyTorch
            raise ArgumentError(f"{op}: divisor must be not zero, got divisor_override=0")
    if x.dtype != np.int64:  # PyTorch averages int64 too (truncating), no other integer
        _require_float(op, x)
    _check_out(op, nd, input, x, k, s, p, (1, 1), ceil_mode)
    if x.dtype == np.int64:
        # sum / divisor in float64 (exact for the sums of any realistic int64 window), then
        # truncated towards zero as PyTorch's integer division
        y = _avg_pool(op, nd, input.to(np.float64), kernel_size, stride, padding, ceil_mode,
                      count_include_pad, divisor_override)
        return _wrap(np.trunc(y._data).astype(np.int64))
    # The kernel takes a positive override; sum / -d is exactly -(sum / d)
    negate = divisor_override is not None and divisor_override < 0
    divisor = -divisor_override if negate else divisor_override
    geom = (k, s, p, bool(ceil_mode), bool(count_include_pad), divisor)
    y = AvgPool2d.apply(x, geom=geom)
    return _unbatch(-y if negate else y, nd, batched)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-D average pooling. Shape: (N, C, H, W) -> (N, C, OH, OW)."""
    return _avg_pool("avg_pool2d", 2, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-D average pooling. Shape: (N, C, L) -> (N, C, OL)."""
    return _avg_pool("avg_pool1d", 1, input, kernel_size, stride, padding, ceil_mode,
                     count_include_pad, None)


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


def _adaptive_size(op, input, x, output_size, nd):
    """``output_size`` as 2-D sizes (height 1 for nd=1): an int, or a sequence of ``nd``
    ints where, for 2-D, None keeps that input dim."""
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != nd:
            raise ArgumentError(f"{op}: output_size must be an int or a sequence of {nd} "
                                f"ints, got {output_size!r}")
        sizes = tuple(x.shape[2 + i] if v is None and nd == 2
                      else require_number(op, "output_size", v, integral=True)
                      for i, v in enumerate(output_size))
    else:
        sizes = (require_number(op, "output_size", output_size, integral=True),) * nd
    nonnegative_ints(op, "output_size", sizes, nd)  # 0 is allowed (an empty output)
    if min(x.shape[2:]) < 1:
        raise ShapeError(f"{op}: expected an input with non-empty spatial dims, got shape "
                         f"{tuple(input.shape)}")
    return tuple(int(v) for v in sizes) if nd == 2 else (1, int(sizes[0]))


def _adaptive_avg_pool(op, nd, input, output_size):
    x, batched = _batched(op, input, nd)
    size = _adaptive_size(op, input, x, output_size, nd)
    _require_float(op, x)
    return _unbatch(AdaptiveAvgPool2d.apply(x, output_size=size), nd, batched)


def adaptive_avg_pool2d(input, output_size):
    """Adaptive 2-D average pooling to ``output_size`` (int, pair; None keeps a dim)."""
    return _adaptive_avg_pool("adaptive_avg_pool2d", 2, input, output_size)


def adaptive_avg_pool1d(input, output_size):
    """Adaptive 1-D average pooling. Shape: (N, C, L) -> (N, C, output_size)."""
    return _adaptive_avg_pool("adaptive_avg_pool1d", 1, input, output_size)


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


def _adaptive_max_pool(op, nd, input, output_size, return_indices):
    x, batched = _batched(op, input, nd)
    size = _adaptive_size(op, input, x, output_size, nd)
    _require_float(op, x)
    holder = []
    y = _unbatch(AdaptiveMaxPool2d.apply(x, output_size=size, holder=holder), nd, batched)
    return (y, _unbatch(_wrap(holder[0]), nd, batched)) if return_indices else y


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Adaptive 2-D max pooling (optionally with flat per-plane indices)."""
    return _adaptive_max_pool("adaptive_max_pool2d", 2, input, output_size, return_indices)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Adaptive 1-D max pooling."""
    return _adaptive_max_pool("adaptive_max_pool1d", 1, input, output_size, return_indices)


def _unpool_size(op, x, k, s, p, output_size):
    """PyTorch's ``_unpool_output_size``: the default (H-1)s - 2p + k per dim, or
    ``output_size`` (2 or 4 elements) when it lies strictly within a stride of it."""
    default = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + k[i] for i in range(2))
    if output_size is None:
        size = default
    else:
        if isinstance(output_size, (tuple, list)) and len(output_size) == 4:
            output_size = tuple(output_size)[2:]
        if not isinstance(output_size, (tuple, list)) or len(output_size) != 2:
            raise ArgumentError(f"{op}: output_size should be a sequence containing 2 or 4 "
                                f"elements, got {output_size!r}")
        size = int_tuple(op, "output_size", output_size, 2)
        for i in range(2):
            lo, hi = default[i] - s[i], default[i] + s[i]
            if not lo < size[i] < hi:
                raise ArgumentError(f"{op}: invalid output_size {size} (dim {i} must be "
                                    f"between {lo} and {hi}, exclusive)")
    nonnegative_ints(op, "output_size", size, 2)
    return size


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of max_pool2d: values placed at ``indices`` (flat positions in each
    output plane), zeros elsewhere. Shape: (N, C, H, W) or (C, H, W) -> (N, C, OH, OW)."""
    op = "max_unpool2d"
    x, batched = _batched(op, input, 2)
    require_tensor(op, indices, "indices", 2)
    k = int_tuple(op, "kernel_size", kernel_size, 2)
    s = k if stride is None else int_tuple(op, "stride", stride, 2)
    p = int_tuple(op, "padding", padding, 2)
    size = _unpool_size(op, x, k, s, p, output_size)
    check_dtype(op, "indices", indices, "iu")
    if tuple(indices.shape) != tuple(input.shape):
        raise ShapeError(f"{op}: expected indices of the input's shape {tuple(input.shape)}, "
                         f"got indices of shape {tuple(indices.shape)}")
    _require_float(op, x)
    idx = indices._data if batched else indices._data[None]
    plane = size[0] * size[1]
    if idx.size and plane:
        lo, hi = int(idx.min()), int(idx.max())
        if lo < 0 or hi >= plane:
            raise RuntimeError(f"{op}: found an invalid max index {lo if lo < 0 else hi} "
                               f"(output planes are of size {size[0]}x{size[1]})")
    y = MaxPoolGrad.apply(x, _c(idx.astype(np.int64, copy=False)), size)
    return y if batched else y.squeeze(0)
