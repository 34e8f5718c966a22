"""Layer norm and batch norm as single graph nodes over the fused kernels of
:mod:`autograd.kernels.norm` (``torch.layer_norm``, ``torch.batch_norm``).

Composed from elementwise ops, each normalisation is about eight NumPy passes and graph
nodes (mean, subtract, square, mean, rsqrt, multiply, multiply, add); here the forward is
one pass per row (layer norm) or a statistics pass plus a normalise pass (batch norm), and
the backward one or two passes. As PyTorch, the node saves the per-row / per-channel mean
and ``rstd = 1 / sqrt(var + eps)``, not a normalised copy of the activation.

Backward, as :mod:`autograd.ops.linear`:

* ``create_graph=False`` (the engine runs backward under no-grad): the fused kernels on
  arrays.
* ``create_graph=True``: the same gradients from differentiable ops, with the statistics
  recomputed from the input as differentiable values, so double backward is exact.
"""
from __future__ import annotations

import math

import numpy as np

from .. import _inplace
from ..dtypes import no_kernel
from ..grad_mode import _state
from ..kernels import norm as _k
from ..node import Op, ShapeError
from ..tensor import Tensor, _wrap
from ._args import ArgumentError, optional_tensor, require_number, require_tensor

__all__ = ["batch_norm", "layer_norm"]


def _work(x: np.ndarray) -> np.ndarray:
    """x, C-contiguous, in a dtype the kernels compile for: float16 runs in float32 (as
    PyTorch's CPU kernels accumulate it), float32/float64 as they are."""
    if x.dtype == np.float16:
        return x.astype(np.float32)
    return np.ascontiguousarray(x)


def _rows(x: np.ndarray, k: int) -> np.ndarray:
    """x as C-contiguous rows (M, D), D the product of its last ``k`` dims."""
    d = math.prod(x.shape[x.ndim - k:])  # Python ints: np.prod cost ~3 us a call
    m = math.prod(x.shape[:x.ndim - k])
    return _work(x).reshape(m, d)


def _channels(x: np.ndarray) -> np.ndarray:
    """x (N, C, *) as C-contiguous (N, C, L)."""
    sp = math.prod(x.shape[2:])
    return _work(x).reshape(x.shape[0], x.shape[1], sp)


class NativeLayerNorm(Op):
    """Layer norm over the last ``k`` dims: ``(x - mean) * rstd * w + b``.

    Shapes: x (*, *S) with ``len(S) == k``; w, b S or None; output as x. Constants ``k``
    and ``eps``. Saves the per-row mean and rstd (float64) on the node.
    """

    op_name = "layer_norm"

    @staticmethod
    def forward(ctx, x, w, b, k, eps):
        x2 = _rows(x, k)
        d = x2.shape[1]
        wa = np.ones(d, dtype=x2.dtype) if w is None else w.reshape(d).astype(x2.dtype)
        ba = np.zeros(d, dtype=x2.dtype) if b is None else b.reshape(d).astype(x2.dtype)
        if eps > 0:
            out, mean, rstd = _k.layer_norm_forward(x2, wa, ba, float(eps))
        else:  # eps <= 0: NaN/inf as PyTorch, without NumPy's warnings (plain-Python runs)
            with np.errstate(invalid="ignore", divide="ignore"):
                out, mean, rstd = _k.layer_norm_forward(x2, wa, ba, float(eps))
        ctx.mean, ctx.rstd = mean, rstd
        return out.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, w, b, k, eps = ctx.inputs
        nx, nw, nb = ctx.needs_input_grad[:3]
        dims = tuple(range(x.ndim - k, x.ndim))
        if not _state.enabled:
            x2 = _rows(x._data, k)
            d = x2.shape[1]
            wa = np.ones(d, dtype=x2.dtype) if w is None else w._data.reshape(d).astype(x2.dtype)
            g2 = np.ascontiguousarray(grad._data, dtype=x2.dtype).reshape(x2.shape)
            with np.errstate(invalid="ignore", divide="ignore"):
                dx, dw, db = _k.layer_norm_backward(g2, x2, ctx.mean, ctx.rstd, wa, nx, nw or nb)
            return (_wrap(dx.reshape(x.shape).astype(x.dtype, copy=False)) if nx else None,
                    _wrap(dw.astype(x.dtype).reshape(w.shape)) if nw else None,
                    _wrap(db.astype(x.dtype).reshape(b.shape)) if nb else None, None, None)
        batch = tuple(range(x.ndim - k))
        xhat, rstd = _normalized(x, dims, eps)
        gx = None
        if nx:
            gw = grad * w if w is not None else grad
            gx = rstd * (gw - gw.mean(dims, keepdim=True)
                         - xhat * (gw * xhat).mean(dims, keepdim=True))
        gwt = _sum(grad * xhat, batch) if nw else None
        gbt = _sum(grad, batch) if nb else None
        return gx, gwt, gbt, None, None


def _sum(t: Tensor, dims: tuple[int, ...]) -> Tensor:
    """``t`` summed over ``dims`` (none: ``t`` itself; ``sum(())`` would sum them all)."""
    return t.sum(dims) if dims else t


def _normalized(x: Tensor, dims: tuple[int, ...], eps: float) -> tuple[Tensor, Tensor]:
    """``(xhat, rstd)``: ``xhat = (x - mean) * rstd`` and ``rstd = 1 / sqrt(var + eps)``
    over ``dims`` (biased variance, keepdim), both differentiable in x."""
    centered = x - x.mean(dims, keepdim=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rstd = ((centered * centered).mean(dims, keepdim=True) + eps).rsqrt()
    return centered * rstd, rstd


class NativeBatchNorm(Op):
    """Batch norm per channel (dim 1): ``(x - mean) * rstd * w + b``.

    Shapes: x (N, C, *); w, b (C,) or None; ``mean`` and ``var`` (C,): the running
    statistics (Tensors of x's dtype) in eval mode; in training, ``mean`` an empty list
    into which the forward puts the batch statistics it computes (float64 mean and biased
    variance; the caller updates the running statistics from them) and ``var`` None.
    Constant ``eps``. Saves mean and rstd (float64) on the node.
    """

    op_name = "batch_norm"

    @staticmethod
    def forward(ctx, x, w, b, mean, var, training, eps):
        if type(mean) is list:  # training, statistics computed here and handed back in it
            x3 = _channels(x)
            dt = x3.dtype
            out, mu, v, rstd = _k.batch_norm_train(
                x3, None if w is None else w.astype(dt, copy=False),
                None if b is None else b.astype(dt, copy=False), eps)
            mean += [mu, v]
            ctx.mean, ctx.rstd = mu, rstd
            return out.reshape(x.shape).astype(x.dtype, copy=False)
        mean = np.asarray(mean, dtype=np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN/inf as PyTorch
            rstd = 1.0 / np.sqrt(np.asarray(var, dtype=np.float64) + eps)
        scale = rstd if w is None else rstd * w
        shift = -mean * scale
        if b is not None:
            shift = shift + b
        ctx.mean, ctx.rstd = mean, rstd
        x3 = _channels(x)
        out = _k.channel_affine(x3, scale.astype(x3.dtype), shift.astype(x3.dtype))
        return out.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        x, w, b, _, _, training, eps = ctx.inputs
        nx, nw, nb = ctx.needs_input_grad[:3]
        mean, rstd = ctx.mean, ctx.rstd
        if not _state.enabled:
            return _fused_batch_norm_backward(grad._data, x._data, w, mean, rstd, training,
                                              nx, nw, nb)
        dims = (0,) + tuple(range(2, x.ndim))
        bshape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
        gw = grad * w.reshape(*bshape) if w is not None else grad
        if training:
            xhat, rs = _normalized(x, dims, eps)
            gx = None
            if nx:
                gx = rs * (gw - gw.mean(dims, keepdim=True)
                           - xhat * (gw * xhat).mean(dims, keepdim=True))
        else:  # the running statistics are constants
            r = _wrap(rstd.astype(x.dtype).reshape(bshape))
            xhat = (x - _wrap(mean.astype(x.dtype).reshape(bshape))) * r
            gx = gw * r if nx else None
        return (gx, (grad * xhat).sum(dims) if nw else None,
                grad.sum(dims) if nb else None, None, None, None, None)


def _fused_batch_norm_backward(g: np.ndarray, x: np.ndarray, w: Tensor | None,
                               mean: np.ndarray, rstd: np.ndarray, training: bool,
                               nx: bool, nw: bool, nb: bool) -> tuple[Tensor | None, ...]:
    """The first-order gradients on arrays: in training with dx one kernel call (the
    per-channel sums, then dx); otherwise the sums (for w and b) and eval mode's dx."""
    x3 = _channels(x)
    g3 = _channels(np.asarray(g, dtype=x3.dtype))
    if training and nx:  # the sums and dx in one kernel call
        wa = None if w is None else w._data.astype(x3.dtype, copy=False)
        d, sum_g, sum_gx = _k.batch_norm_train_backward(g3, x3, mean, rstd, wa)
        return (_wrap(d.reshape(x.shape).astype(x.dtype, copy=False)),
                _wrap((sum_gx * rstd).astype(x.dtype)) if nw else None,
                _wrap(sum_g.astype(x.dtype)) if nb else None, None, None, None, None)
    if nw or nb:
        sum_g, sum_gx = _k.batch_norm_backward_reduce(g3, x3, mean)
    dx = None
    if nx:  # eval mode: the running statistics are constants, dx = g * w * rstd
        k = rstd if w is None else rstd * w._data
        d = _k.channel_affine(g3, k.astype(x3.dtype), np.zeros(k.shape, x3.dtype))
        dx = _wrap(d.reshape(x.shape).astype(x.dtype, copy=False))
    return (dx, _wrap((sum_gx * rstd).astype(x.dtype)) if nw else None,
            _wrap(sum_g.astype(x.dtype)) if nb else None, None, None, None, None)


# ------------------------------------------------------------------ the fused entries
def fused_layer_norm(input: Tensor, normalized_shape: tuple[int, ...],
                     weight: Tensor | None, bias: Tensor | None, eps: float) -> Tensor:
    """Layer norm over the trailing ``normalized_shape`` dims as one node; arguments
    already checked (``nn.functional.layer_norm`` and :func:`layer_norm` check them)."""
    if input.dtype.kind == "c":
        raise no_kernel("LayerNormKernelImpl", input.dtype)
    return NativeLayerNorm.apply(input, weight, bias, len(normalized_shape), eps)


def fused_batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
                     weight: Tensor | None, bias: Tensor | None, training: bool,
                     momentum: float | None, eps: float) -> Tensor:
    """Batch norm as one node; arguments already checked (``nn.functional.batch_norm``
    and :func:`batch_norm` check them). Training: batch statistics, and the running
    statistics (when given and ``momentum`` is not None) updated in place as
    ``(1 - momentum) * running + momentum * stat`` with the unbiased batch variance.
    Eval: the running statistics."""
    if input.dtype.kind == "c":
        raise no_kernel("batch_norm", input.dtype)
    if not training:
        return NativeBatchNorm.apply(input, weight, bias, running_mean, running_var, False, eps)
    stats: list[np.ndarray] = []  # the op's forward computes them: [mean, var]
    out = NativeBatchNorm.apply(input, weight, bias, stats, None, True, eps)
    mean, var = stats
    if momentum is not None:
        m = float(momentum)
        shape = input._data.shape
        count = shape[0] * math.prod(shape[2:])
        for stat, value in ((running_mean, mean), (running_var, var * (count / (count - 1)))):
            if stat is not None:
                with _inplace.writing(stat) as a:
                    a *= (1 - m)
                    a += (m * value).astype(a.dtype)
    return out


# ------------------------------------------------------------------ public torch.* API
def _check_dtypes(kernel: str, input: Tensor, *params: Tensor | None,
                  float_first: bool = False) -> None:
    """PyTorch's checks: a float input, parameters / statistics of its dtype."""
    is_float = input.dtype.kind == "f"
    if (is_float or not float_first) and any(p is not None and p.dtype != input.dtype
                                             for p in params):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not is_float:
        raise no_kernel(kernel, input.dtype)


def layer_norm(input: Tensor, normalized_shape: int | tuple[int, ...] | list[int],
               weight: Tensor | None = None, bias: Tensor | None = None, eps: float = 1e-5,
               cudnn_enable: bool = True) -> Tensor:
    """``torch.layer_norm``: normalise over the trailing ``normalized_shape`` dims (biased
    variance), then ``* weight + bias`` (both of shape ``normalized_shape``).

    Shapes: input (*, *normalized_shape) -> same. ``cudnn_enable`` is accepted and
    ignored (CPU only).
    """
    require_tensor("layer_norm", input)
    if isinstance(normalized_shape, (int, np.integer)) and not isinstance(normalized_shape, bool):
        shape: tuple[int, ...] = (int(normalized_shape),)
    elif isinstance(normalized_shape, (list, tuple)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in normalized_shape):
        shape = tuple(int(v) for v in normalized_shape)
    else:
        raise TypeError(f"layer_norm(): argument 'normalized_shape' must be an int or a tuple "
                        f"of ints, not {normalized_shape!r}")
    weight = optional_tensor("layer_norm", weight, "weight", 3)
    bias = optional_tensor("layer_norm", bias, "bias", 4)
    eps = require_number("layer_norm", "eps", eps)
    if not shape:
        raise ArgumentError(f"layer_norm: Expected normalized_shape to be at least "
                            f"1-dimensional, i.e., containing at least one element, but got "
                            f"normalized_shape = {shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise ShapeError(f"layer_norm: Expected {name} to be of same shape as "
                             f"normalized_shape, but got {name} of shape {tuple(t.shape)} and "
                             f"normalized_shape = {shape}")
    if input.ndim < len(shape) or tuple(input.shape[input.ndim - len(shape):]) != shape:
        raise ShapeError(f"layer_norm: Given normalized_shape={shape}, expected input with "
                         f"shape (*, {', '.join(map(str, shape))}), but got input of shape "
                         f"{tuple(input.shape)}")
    _check_dtypes("LayerNormKernelImpl", input, weight, bias)
    return fused_layer_norm(input, shape, weight, bias, float(eps))


def batch_norm(input: Tensor, weight: Tensor | None, bias: Tensor | None,
               running_mean: Tensor | None, running_var: Tensor | None, training: bool,
               momentum: float | None, eps: float, cudnn_enabled: bool) -> Tensor:
    """``torch.batch_norm``: normalise every channel (dim 1) of ``input`` (N, C, *) with
    the batch statistics (``training``; the running statistics, when given, are updated in
    place with ``momentum`` and the unbiased batch variance) or with the running
    statistics; then ``* weight + bias``.

    Shapes: input (N, C) or (N, C, *); weight, bias, running stats (C,) or None; output
    as input. ``cudnn_enabled`` is accepted and ignored (CPU only).
    """
    op = "batch_norm"
    require_tensor(op, input)
    weight = optional_tensor(op, weight, "weight", 2)
    bias = optional_tensor(op, bias, "bias", 3)
    running_mean = optional_tensor(op, running_mean, "running_mean", 4)
    running_var = optional_tensor(op, running_var, "running_var", 5)
    if isinstance(training, np.bool_):
        training = bool(training)
    if not isinstance(training, bool):
        raise TypeError(f"batch_norm(): argument 'training' must be bool, not "
                        f"{type(training).__name__}")
    if momentum is not None:
        momentum = require_number(op, "momentum", momentum)
    eps = require_number(op, "eps", eps)
    if training and eps <= 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C) or (N, C, *), got "
                         f"{tuple(input.shape)}")
    c = input.shape[1]
    _check_dtypes(op, input, running_mean, running_var, weight, bias, float_first=True)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {name} should contain {c} elements not "
                             f"{t.numel()} (input of shape {tuple(input.shape)} has {c} "
                             f"channels in dim 1; {name} has shape {tuple(t.shape)})")
    if training and input.numel() // max(c, 1) <= 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input "
                         f"size {list(input.shape)}")
    if not training and (running_mean is None or running_var is None):
        missing = "running_mean" if running_mean is None else "running_var"
        raise ArgumentError(f"batch_norm: {missing} must be defined in evaluation mode "
                            f"(training=False)")
    return fused_batch_norm(input, running_mean, running_var, weight, bias, training,
                            momentum, float(eps))
