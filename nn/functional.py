"""``torch.nn.functional``: activations, dropout, embedding, normalisation, losses,
attention, and the convolution/pooling ops (re-exported from ``autograd.ops.conv`` /
``autograd.ops.pool``).

Everything is built from differentiable engine ops, so gradients of any order work,
except where a docstring says otherwise. ``inplace=True`` arguments are accepted for
signature compatibility and computed out of place (the result is returned; the input
is left unchanged), because in-place activations save no memory in this engine.
"""
from __future__ import annotations

import math

import numpy as np

import autograd
from autograd import Tensor, _inplace
from autograd.dtypes import c_name, scalar_name
from autograd.ops import conv as _conv
from autograd.ops.conv import fold, unfold
from autograd.ops.linear import linear as _linear
from autograd.ops.loss import cross_entropy as _cross_entropy
from autograd.ops.pool import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from autograd.random import rng

from . import _reduction
from ._check import (
    ArgumentError,
    ShapeError,
    check_probability,
    optional_tensor,
    require_bool,
    require_number,
    require_tensor,
    type_name,
)

__all__ = [
    "linear", "bilinear", "relu", "relu6", "leaky_relu", "elu", "gelu", "silu", "sigmoid",
    "tanh", "softplus", "hardtanh", "logsigmoid", "softmax", "softmin", "log_softmax",
    "dropout", "dropout2d", "embedding", "layer_norm", "group_norm", "batch_norm", "one_hot",
    "pad", "normalize", "cosine_similarity", "mse_loss", "l1_loss", "smooth_l1_loss",
    "huber_loss", "cross_entropy", "nll_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "conv1d", "conv2d", "conv_transpose1d",
    "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d",
    "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "unfold", "fold",
    "scaled_dot_product_attention",
]

_NEG_INF = float("-inf")


# --------------------------------------------------------------------------- linear
def linear(input, weight, bias=None):
    """``input @ weight.T + bias``, one fused graph node (``autograd.ops.linear``).

    Shapes: input (*, in_features), weight (out_features, in_features), bias
    (out_features,); output (*, out_features).
    """
    return _linear(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y_k = x1^T W_k x2 + b_k``.

    Shapes: input1 (*, in1), input2 (*, in2), weight (out, in1, in2), bias (out,);
    output (*, out).
    """
    for i, (name, t) in enumerate((("input1", input1), ("input2", input2), ("weight", weight))):
        require_tensor("bilinear", t, name, i + 1)
    optional_tensor("bilinear", bias, "bias", 4)
    if weight.ndim != 3:
        raise ShapeError(f"bilinear: expected weight of shape (out, in1, in2), got "
                         f"{tuple(weight.shape)}")
    out_f, in1, in2 = weight.shape
    if input1.ndim == 0 or input2.ndim == 0 or \
            tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise ShapeError(f"bilinear: input batch dimensions do not match: input1 of shape "
                         f"{tuple(input1.shape)}, input2 of shape {tuple(input2.shape)} "
                         f"(expected (*, {in1}) and (*, {in2}) with the same *)")
    if input1.shape[-1] != in1 or input2.shape[-1] != in2:
        raise autograd.ShapeError(
            f"bilinear: inputs of shapes {tuple(input1.shape)} and {tuple(input2.shape)} do not "
            f"match weight of shape {tuple(weight.shape)} (expected last dims {in1} and {in2})")
    lead = tuple(input1.shape[:-1])
    x1 = input1.reshape(-1, in1)
    x2 = input2.reshape(-1, in2)
    w = weight.permute(1, 0, 2).reshape(in1, out_f * in2)
    t = (x1 @ w).reshape(-1, out_f, in2)
    out = (t * x2.unsqueeze(1)).sum(-1)
    if bias is not None:
        out = out + bias
    return out.reshape(*lead, out_f)


# ---------------------------------------------------------------------- activations
def relu(input, inplace=False):
    """max(x, 0). Shape: any."""
    return autograd.relu(input)


def relu6(input, inplace=False):
    """min(max(x, 0), 6). Shape: any."""
    return autograd.relu6(input)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x if x > 0 else negative_slope * x. Shape: any."""
    require_tensor("leaky_relu", input)
    return autograd.leaky_relu(input, require_number("leaky_relu", "negative_slope",
                                                     negative_slope))


def elu(input, alpha=1.0, inplace=False):
    """x if x > 0 else alpha * (exp(x) - 1). Shape: any."""
    require_tensor("elu", input)
    return autograd.elu(input, require_number("elu", "alpha", alpha))


def gelu(input, approximate="none"):
    """Gaussian error linear unit (``approximate='tanh'`` for the tanh form). Shape: any."""
    require_tensor("gelu", input)
    if not isinstance(approximate, str):
        raise TypeError(f"gelu(): argument 'approximate' must be str, not "
                        f"{type_name(approximate)}")
    if approximate not in ("none", "tanh"):
        raise ArgumentError(f"gelu: approximate argument must be either none or tanh, got "
                            f"{approximate!r}")
    return autograd.gelu(input, approximate)


def silu(input, inplace=False):
    """x * sigmoid(x). Shape: any."""
    return autograd.silu(input)


def sigmoid(input):
    """1 / (1 + exp(-x)). Shape: any."""
    return autograd.sigmoid(input)


def tanh(input):
    """Hyperbolic tangent. Shape: any."""
    return autograd.tanh(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + exp(beta x)) / beta (linear above ``threshold``). Shape: any."""
    require_tensor("softplus", input)
    beta = require_number("softplus", "beta", beta)
    threshold = require_number("softplus", "threshold", threshold)
    if beta == 0:  # inf, as PyTorch, without NumPy's divide-by-zero warning
        with np.errstate(divide="ignore", invalid="ignore"):
            return autograd.softplus(input, beta, threshold)
    return autograd.softplus(input, beta, threshold)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Clamp to [min_val, max_val]. Shape: any."""
    require_tensor("hardtanh", input)
    min_val = require_number("hardtanh", "min_val", min_val)
    max_val = require_number("hardtanh", "max_val", max_val)
    if min_val > max_val:
        raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got min_val="
                         f"{min_val} and max_val={max_val}")
    return autograd.hardtanh(input, min_val, max_val)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), computed stably. Shape: any."""
    return -autograd.softplus(-input)


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Softmax along ``dim``. Shape: any."""
    _check_dim("softmax", input, dim)
    return autograd.softmax(input, dim, dtype)


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim``. Shape: any."""
    _check_dim("softmin", input, dim)
    return autograd.softmax(-input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """log(softmax(x)) along ``dim``, computed stably. Shape: any."""
    _check_dim("log_softmax", input, dim)
    return autograd.log_softmax(input, dim, dtype)


def _check_dim(op, input, dim):
    require_tensor(op, input)
    if dim is not None:
        require_number(op, "dim", dim, integral=True)


# -------------------------------------------------------------------------- dropout
def _check_p(p, op, input, training):
    require_tensor(op, input)
    require_bool(op, "training", training)
    return check_probability(op, "p", p)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``
    (identity when not ``training``). The mask comes from the global generator."""
    _check_p(p, "dropout", input, training)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    keep = rng().random(input.shape) >= p
    return input * _inplace.wrap((keep / (1.0 - p)).astype(input.dtype))


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability ``p``. Shape: (N, C, H, W) or (C, H, W)."""
    _check_p(p, "dropout2d", input, training)
    if input.ndim not in (3, 4):
        raise autograd.ShapeError(f"dropout2d: expected a 3-D (C, H, W) or 4-D (N, C, H, W) "
                                  f"input, got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    mask_shape = tuple(input.shape[:-2]) + (1, 1)
    keep = rng().random(mask_shape) >= p
    return input * _inplace.wrap((keep / (1.0 - p)).astype(input.dtype))


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    _check_p(p, "alpha_dropout", input, training)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input * 0.0
    alpha_p = -1.7580993408473766  # -SELU scale * SELU alpha
    keep = rng().random(input.shape) >= p
    a = (1.0 / math.sqrt((alpha_p ** 2 * p + 1) * (1 - p)))
    b = -a * alpha_p * p
    return input * _inplace.wrap((keep * a).astype(input.dtype)) + \
        _inplace.wrap(((~keep) * (a * alpha_p) + b).astype(input.dtype))


# ------------------------------------------------------------------------ embedding
def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at integer indices ``input``.

    Shapes: input (*) int, weight (num_embeddings, embedding_dim); output (*, dim).
    The ``padding_idx`` row gets no gradient. ``max_norm`` renormalises the looked-up
    rows of ``weight`` in place first (as PyTorch). ``scale_grad_by_freq`` and ``sparse``
    are not supported.
    """
    require_tensor("embedding", input, "indices", 1)
    require_tensor("embedding", weight, "weight", 2)
    if weight.ndim != 2:
        raise ShapeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not supported")
    if padding_idx is not None:
        padding_idx = require_number("embedding", "padding_idx", padding_idx, integral=True)
        if not -weight.shape[0] <= padding_idx < weight.shape[0]:
            raise AssertionError(f"embedding: Padding_idx must be within num_embeddings: got "
                                 f"padding_idx={padding_idx} for {weight.shape[0]} embeddings")
    if max_norm is not None:
        max_norm = require_number("embedding", "max_norm", max_norm)
        norm_type = require_number("embedding", "norm_type", norm_type)
    idx = _inplace.array(input)
    if idx.dtype not in (np.int64, np.int32):
        got = (f"torch.{scalar_name(idx.dtype)}Tensor" if idx.dtype != np.bool_
               else "CPUBoolType")
        raise RuntimeError(f"Expected tensor for argument #1 'indices' to have one of the "
                           f"following scalar types: Long, Int; but got {got} instead (while "
                           f"checking arguments for embedding)")
    n = weight.shape[0]
    if idx.size and (idx.min() < 0 or idx.max() >= n):  # no counting from the end (PyTorch)
        raise IndexError(f"embedding: index out of range: indices span [{int(idx.min())}, "
                         f"{int(idx.max())}] but the table has {n} rows (expected [0, {n}))")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += n
    if max_norm is not None:
        rows = np.unique(idx)
        with _inplace.writing(weight) as w:
            norms = np.linalg.norm(w[rows], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            w[rows] *= scale[:, None].astype(w.dtype)
    flat = idx.reshape(-1)
    out = autograd.index_select(weight, 0, _inplace.wrap(flat.astype(np.int64)))
    if padding_idx is not None and weight.requires_grad:
        pad_rows = _inplace.wrap((flat == padding_idx)[:, None])
        out = autograd.where(pad_rows, out.detach(), out)  # same values, no gradient there
    return out.reshape(*idx.shape, weight.shape[1])


# -------------------------------------------------------------------- normalisation
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then
    scale by ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``)."""
    require_tensor("layer_norm", input)
    normalized_shape = _int_shape("layer_norm", "normalized_shape", normalized_shape)
    weight = optional_tensor("layer_norm", weight, "weight", 3)
    bias = optional_tensor("layer_norm", bias, "bias", 4)
    eps = require_number("layer_norm", "eps", eps)
    k = len(normalized_shape)
    if k == 0:
        raise ArgumentError(f"layer_norm: Expected normalized_shape to be at least "
                            f"1-dimensional, i.e., containing at least one element, but got "
                            f"normalized_shape = {normalized_shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != normalized_shape:
            raise ShapeError(f"layer_norm: Expected {name} to be of same shape as "
                             f"normalized_shape, but got {name} of shape {tuple(t.shape)} and "
                             f"normalized_shape = {normalized_shape}")
    if tuple(input.shape[input.ndim - k:]) != normalized_shape or input.ndim < k:
        raise ShapeError(
            f"layer_norm: Given normalized_shape={normalized_shape}, expected input with "
            f"shape (*, {', '.join(map(str, normalized_shape))}), but got input of shape "
            f"{tuple(input.shape)}")
    _check_norm_dtypes("LayerNormKernelImpl", input, weight, bias)
    dims = tuple(range(input.ndim - k, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    var = (centered * centered).mean(dims, keepdim=True)
    out = centered * _rsqrt(var, eps)
    if weight is not None:
        out = out * weight
    if bias is not None:
        out = out + bias
    return out


def _int_shape(op, name, shape):
    """An int or a sequence of ints as a tuple; PyTorch's TypeError otherwise."""
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        return (int(shape),)
    if isinstance(shape, (list, tuple)) or (isinstance(shape, Tensor) and shape.ndim == 1):
        items = tuple(shape.tolist() if isinstance(shape, Tensor) else shape)
        if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in items):
            return tuple(int(v) for v in items)
    raise TypeError(f"{op}(): argument '{name}' must be an int or a tuple of ints, not "
                    f"{shape!r}")


def _rsqrt(var, eps):
    """``(var + eps) ** -0.5``; a negative ``eps`` gives NaN as PyTorch, without NumPy's
    invalid-value warning."""
    if eps >= 0:
        return (var + eps).rsqrt()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (var + eps).rsqrt()


def _check_norm_dtypes(kernel, input, *params, float_first=False):
    """PyTorch's checks: a float input, and affine parameters / statistics of its dtype
    (layer_norm checks the parameters first, batch_norm the input)."""
    is_float = input.dtype.kind in "fc"
    if (is_float or not float_first) and any(p is not None and p.dtype != input.dtype
                                             for p in params):
        raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")
    if not is_float:
        raise NotImplementedError(f'"{kernel}" not implemented for '
                                  f"'{scalar_name(input.dtype)}'")


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalise over groups of channels. Shapes: input (N, C, *), weight/bias (C,)."""
    require_tensor("group_norm", input)
    num_groups = require_number("group_norm", "num_groups", num_groups, integral=True)
    weight = optional_tensor("group_norm", weight, "weight", 3)
    bias = optional_tensor("group_norm", bias, "bias", 4)
    eps = require_number("group_norm", "eps", eps)
    if input.ndim < 2:
        raise ShapeError(f"group_norm: expected input of shape (N, C, *) with at least 2 "
                         f"dimensions, got {tuple(input.shape)}")
    n, c = input.shape[:2]
    if num_groups <= 0 or c % num_groups:
        raise ArgumentError(f"group_norm: Expected number of channels in input to be divisible "
                            f"by num_groups, but got input of shape {tuple(input.shape)} and "
                            f"num_groups={num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"group_norm: Expected {name} to be a vector of size equal to the "
                             f"number of channels in input ({c}), but got {name} of shape "
                             f"{tuple(t.shape)} and input of shape {tuple(input.shape)}")
    x = input.reshape(n, num_groups, -1)
    mean = x.mean(-1, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(-1, keepdim=True)
    out = (centered * _rsqrt(var, eps)).reshape(*input.shape)
    affine_shape = (1, c) + (1,) * (input.ndim - 2)
    if weight is not None:
        out = out * weight.reshape(*affine_shape)
    if bias is not None:
        out = out + bias.reshape(*affine_shape)
    return out


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Batch normalisation over every dim but the channel dim 1.

    Training: normalise with the batch mean and biased variance, and update
    ``running_mean`` / ``running_var`` in place (if given) as
    ``(1 - momentum) * running + momentum * batch_stat`` with the *unbiased* batch
    variance (PyTorch's rule). Eval: normalise with the running statistics.

    Shapes: input (N, C) or (N, C, *); running stats, weight, bias (C,).
    """
    require_tensor("batch_norm", input)
    running_mean = optional_tensor("batch_norm", running_mean, "running_mean", 2)
    running_var = optional_tensor("batch_norm", running_var, "running_var", 3)
    weight = optional_tensor("batch_norm", weight, "weight", 4)
    bias = optional_tensor("batch_norm", bias, "bias", 5)
    training = require_bool("batch_norm", "training", training)
    if momentum is not None:
        momentum = require_number("batch_norm", "momentum", momentum)
    eps = require_number("batch_norm", "eps", eps)
    if training and eps <= 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.ndim < 2:
        raise ShapeError(f"batch_norm: expected input of shape (N, C) or (N, C, *), "
                         f"got {tuple(input.shape)}")
    c = input.shape[1]
    _check_norm_dtypes("batch_norm", input, running_mean, running_var, weight, bias,
                       float_first=True)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"batch_norm: {name} should contain {c} elements not "
                             f"{t.numel()} (input of shape {tuple(input.shape)} has {c} "
                             f"channels in dim 1; {name} has shape {tuple(t.shape)})")
    dims = (0,) + tuple(range(2, input.ndim))
    bshape = (1, c) + (1,) * (input.ndim - 2)
    if training:
        count = input.numel() // c
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got "
                             f"input size {list(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dims, keepdim=True)
        out = centered * (var + eps).rsqrt()
        if running_mean is not None and momentum is not None:
            m = float(momentum)
            with _inplace.writing(running_mean) as rm:
                rm *= (1 - m)
                rm += (m * _inplace.array(mean).reshape(c)).astype(rm.dtype)
        if running_var is not None and momentum is not None:
            m = float(momentum)
            with _inplace.writing(running_var) as rv:
                rv *= (1 - m)
                rv += (m * _inplace.array(var).reshape(c) * (count / (count - 1))).astype(rv.dtype)
    else:
        if running_mean is None or running_var is None:
            missing = "running_mean" if running_mean is None else "running_var"
            raise ArgumentError(f"batch_norm: {missing} must be defined in evaluation mode "
                                f"(training=False)")
        rm = _inplace.array(running_mean).reshape(bshape)
        mean = _inplace.wrap(rm.astype(input.dtype, copy=False))
        with np.errstate(invalid="ignore", divide="ignore"):  # NaN/inf as PyTorch
            inv = 1.0 / np.sqrt(_inplace.array(running_var).reshape(bshape) + eps)
        out = (input - mean) * _inplace.wrap(inv.astype(input.dtype, copy=False))
    if weight is not None:
        out = out * weight.reshape(*bshape)
    if bias is not None:
        out = out + bias.reshape(*bshape)
    return out


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding; shape ``tensor.shape + (num_classes,)``."""
    return autograd.one_hot(tensor, num_classes)


def pad(input, pad, mode="constant", value=None):
    """Pad the trailing dims: ``pad = (last_before, last_after, ...)``. Constant mode."""
    return autograd.pad(input, pad, mode, value)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """``x / max(||x||_p, eps)`` along ``dim``. Shape: any."""
    norm = input.norm(p, dim, keepdim=True).clamp(min=eps)
    return input / norm


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim`` (each norm clamped to
    ``eps``). Shapes broadcast; output drops ``dim``."""
    n1 = x1.norm(2, dim, keepdim=True).clamp(min=eps)
    n2 = x2.norm(2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


# --------------------------------------------------------------------------- losses
# ``reduction`` and the legacy size_average/reduce flags: nn/_reduction.py, for every loss.
def _as_target(target, input, op="loss"):
    """Check that ``input`` and ``target`` are Tensors (PyTorch's losses take no lists or
    numbers there: torch leaks an AttributeError on ``.size()``; ours is a TypeError
    naming the loss and the argument)."""
    require_tensor(op, input, "input", 1)
    return require_tensor(op, target, "target", 2)


def _check_same_shape(input, target, op):
    if tuple(input.shape) != tuple(target.shape):
        try:
            np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
        except ValueError:
            raise ShapeError(f"{op}: input of shape {tuple(input.shape)} and target "
                             f"of shape {tuple(target.shape)} do not broadcast") from None


def _check_weight(op, name, weight, shape, position):
    """A ``weight`` / ``pos_weight`` Tensor that broadcasts to ``shape`` without
    enlarging it (PyTorch writes the weighted loss into an input-shaped result)."""
    weight = optional_tensor(op, weight, name, position)
    if weight is not None and tuple(weight.shape) != tuple(shape):
        try:
            ok = np.broadcast_shapes(tuple(weight.shape), tuple(shape)) == tuple(shape)
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"{op}: {name} of shape {tuple(weight.shape)} does not broadcast "
                             f"to the input shape {tuple(shape)}")
    return weight


def _float_loss(op, kernel, input, target):
    """PyTorch's kernels for these losses exist for floating dtypes only."""
    if input.dtype.kind not in "fc" and target.dtype.kind not in "fc":
        raise NotImplementedError(f'{op}: "{kernel}" not implemented for '
                                  f"'{scalar_name(input.dtype)}'")


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)^2``, reduced. Shapes broadcast."""
    reduction = _reduction.resolve(size_average, reduce, reduction, "mse_loss")
    target = _as_target(target, input, "mse_loss")
    _float_loss("mse_loss", "mse_cpu", input, target)
    _check_same_shape(input, target, "mse_loss")
    d = input - target
    loss = d * d
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced. Shapes broadcast."""
    reduction = _reduction.resolve(size_average, reduce, reduction, "l1_loss")
    target = _as_target(target, input, "l1_loss")
    _check_same_shape(input, target, "l1_loss")
    loss = (input - target).abs()
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta`` else ``|d| - 0.5 beta`` (L1 when beta=0)."""
    reduction = _reduction.resolve(size_average, reduce, reduction, "smooth_l1_loss")
    beta = require_number("smooth_l1_loss", "beta", beta)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss does not support negative values for beta, got "
                            f"{beta}")
    target = _as_target(target, input, "smooth_l1_loss")
    _check_same_shape(input, target, "smooth_l1_loss")
    d = input - target
    ad = d.abs()
    if beta == 0.0:
        return _reduction.apply(ad, reduction)
    loss = autograd.where(ad < beta, d * d * (0.5 / beta), ad - 0.5 * beta)
    return _reduction.apply(loss, reduction)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta`` else ``delta (|d| - 0.5 delta)``."""
    reduction = _reduction.resolve(None, None, reduction, "huber_loss")
    delta = require_number("huber_loss", "delta", delta)
    if delta <= 0:
        raise ArgumentError(f"huber_loss does not support non-positive values for delta, got "
                            f"{delta}")
    target = _as_target(target, input, "huber_loss")
    _check_same_shape(input, target, "huber_loss")
    d = input - target
    ad = d.abs()
    loss = autograd.where(ad < delta, d * d * 0.5, (ad - 0.5 * delta) * delta)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross-entropy between logits and class indices or class probabilities: the fused
    log-softmax + NLL op ``autograd.ops.loss.cross_entropy`` (see its docstring for the
    shapes and ``weight`` / ``ignore_index`` / ``label_smoothing``), with ``reduction``
    and the legacy flags resolved here as for every other loss."""
    reduction = _reduction.resolve(size_average, reduce, reduction, "cross_entropy")
    require_tensor("cross_entropy", target, "target", 2)
    optional_tensor("cross_entropy", weight, "weight", 3)
    return _cross_entropy(input, target, weight, ignore_index=ignore_index,
                          reduction=reduction, label_smoothing=label_smoothing)


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` at class indices ``target``.

    Shapes: input (C,), (N, C) or (N, C, d1, ...); target (), (N,) or (N, d1, ...).
    ``mean`` divides by the summed weights of the non-ignored targets.
    """
    reduction = _reduction.resolve(size_average, reduce, reduction, "nll_loss")
    target = _as_target(target, input, "nll_loss")
    weight = optional_tensor("nll_loss", weight, "weight", 3)
    ignore_index = require_number("nll_loss", "ignore_index", ignore_index, integral=True)
    t = _inplace.array(target)
    if t.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"nll_loss: expected target dtype to be Long or Byte, but got "
                           f"{scalar_name(t.dtype)} (target holds class indices)")
    if input.ndim == 0:
        raise ValueError("nll_loss: Expected 1 or more dimensions (got 0): input must be (C,), "
                         "(N, C) or (N, C, d1, ...)")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None:
        if tuple(weight.shape) != (c,):
            raise ShapeError(f"nll_loss: weight tensor should be defined either for all {c} "
                             f"classes or no classes but got weight tensor of shape: "
                             f"{tuple(weight.shape)}")
        if weight.dtype != input.dtype:
            raise RuntimeError(f"nll_loss: expected scalar type {scalar_name(input.dtype)} but "
                               f"found {scalar_name(weight.dtype)} (weight)")
    if input.ndim == 1:
        out = nll_loss(input.unsqueeze(0), _inplace.wrap(t.reshape(1)), weight,
                       ignore_index=ignore_index, reduction=reduction)
        return out.squeeze(0) if reduction == "none" else out
    c = input.shape[1]
    expected = (input.shape[0],) + tuple(input.shape[2:])
    if tuple(t.shape) != expected:
        raise autograd.ShapeError(f"nll_loss: expected target of shape {expected} for input "
                                  f"of shape {tuple(input.shape)}, got {tuple(t.shape)}")
    valid = t != ignore_index
    if ((t < 0) | (t >= c))[valid].any():
        raise IndexError(f"nll_loss: Target {int(t[valid & ((t < 0) | (t >= c))][0])} is out "
                         f"of bounds (input has {c} classes)")
    safe = np.where(valid, t, 0).astype(np.int64)
    w = np.ones(c) if weight is None else _inplace.array(weight)
    wrow = (w[safe] * valid).astype(input.dtype)
    picked = autograd.gather(input, 1, _inplace.wrap(np.expand_dims(safe, 1))).squeeze(1)
    if reduction == "mean":
        # PyTorch: sum(w_i * loss_i) / sum(w_i). With every target ignored that is 0 / 0,
        # NaN, while the gradient stays 0 (ignored entries get none); a valid entry with
        # total weight 0 gets w / 0 = NaN, as PyTorch.
        total = float(wrow.sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            scale = np.where(valid, wrow / total, 0).astype(input.dtype)
        out = (-picked * _inplace.wrap(scale)).sum()
        return out + float("nan") if total == 0 else out
    loss = -picked * _inplace.wrap(wrow)
    return _reduction.apply(loss, reduction)


class _BinaryCrossEntropy(autograd.Function):
    """Elementwise ``-(y max(log x, -100) + (1 - y) max(log(1 - x), -100))``, with
    PyTorch's backward: ``grad (x - y) / max(x (1 - x), 1e-12)`` for the input (finite at
    a saturated x of 0 or 1) and ``grad log((1 - x) / x)`` for the target."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        with np.errstate(divide="ignore"):  # log(0) = -inf is expected here, then clamped
            log_x = x.log().clamp(min=-100)
            log_1mx = (-x).log1p().clamp(min=-100)
        return (y - 1) * log_1mx - y * log_x

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = gy = None
        if ctx.needs_input_grad[0]:
            gx = grad * (x - y) / (x * (1 - x)).clamp(min=_BCE_EPS)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):  # +-inf at a saturated x, as PyTorch
                gy = grad * ((-x).log1p() - x.log())
        return gx, gy


_BCE_EPS = float(np.float32(1e-12))  # PyTorch's EPSILON is the float 1e-12f, also in float64


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """``-w (y log x + (1 - y) log(1 - x))`` for probabilities ``x`` in [0, 1]; each log
    is clamped at -100 and the input gradient is ``w (x - y) / max(x (1 - x), 1e-12)``
    (PyTorch's rules: a saturated x of 0 or 1 has a finite loss and gradient).
    Shapes: input and target equal."""
    op = "binary_cross_entropy"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    target = _as_target(target, input, op)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"binary_cross_entropy: Using a target size ({tuple(target.shape)}) "
                         f"that is different to the input size ({tuple(input.shape)}) is "
                         f"deprecated. Please ensure they have the same size.")
    weight = _check_weight(op, "weight", weight, input.shape, 3)
    if target.dtype != input.dtype:
        raise RuntimeError(f"binary_cross_entropy: Found dtype {scalar_name(target.dtype)} but "
                           f"expected {scalar_name(input.dtype)} (target must have the input's "
                           f"dtype)")
    for name, t in (("input", input), ("target", target)):
        a = _inplace.array(t)
        if a.size and not (a.min() >= 0 and a.max() <= 1):  # NaN fails too, as PyTorch
            raise RuntimeError(f"binary_cross_entropy: all elements of {name} should be "
                               f"between 0 and 1")
    loss = _BinaryCrossEntropy.apply(input, target)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None,
                                     reduce=None, reduction="mean", pos_weight=None):
    """Sigmoid + binary cross-entropy in one stable expression:
    ``(1 - y) x + (1 + (pos_weight - 1) y) * softplus(-x)``, times ``weight``.

    Shapes: input and target equal; ``weight`` broadcasts to them, ``pos_weight``
    broadcasts along the last (class) dim.
    """
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    target = _as_target(target, input, op)
    weight = _check_weight(op, "weight", weight, input.shape, 3)
    pos_weight = _check_weight(op, "pos_weight", pos_weight, input.shape, 7)
    if tuple(input.shape) != tuple(target.shape):
        raise ValueError(f"binary_cross_entropy_with_logits: Target size "
                         f"({tuple(target.shape)}) must be the same as input size "
                         f"({tuple(input.shape)})")
    sp = autograd.softplus(-input)
    if pos_weight is not None:
        loss = (1 - target) * input + (1 + (pos_weight - 1) * target) * sp
    else:
        loss = (1 - target) * input + sp
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",
           log_target=False):
    """Pointwise KL divergence ``target * (log(target) - input)`` with ``input`` given as
    log-probabilities (``exp(t) (t - input)`` when ``log_target``). ``reduction`` is
    ``'none' | 'mean' | 'batchmean' | 'sum'``; ``'batchmean'`` divides the sum by N."""
    if reduction != "batchmean":
        reduction = _reduction.resolve(size_average, reduce, reduction, "kl_div")
    target = _as_target(target, input, "kl_div")
    log_target = require_bool("kl_div", "log_target", log_target)
    _check_same_shape(input, target, "kl_div")
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = _inplace.array(target) > 0
        safe_log = autograd.where(_inplace.wrap(pos), target, 1.0).log()  # xlogy: 0 log 0 = 0
        loss = target * safe_log - target * input
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return _reduction.apply(loss, reduction)


# ------------------------------------------------------------------------ attention
def _additive_mask(mask, dtype, *, true_blocks: bool, op: str):
    """A bool mask as an additive float mask (-inf where blocked); float masks pass
    (cast to ``dtype``). ``true_blocks``: True marks a blocked position (the
    ``MultiheadAttention`` convention) rather than an allowed one (``scaled_dot_product_
    attention``'s)."""
    if mask is None:
        return None
    if mask.dtype == autograd.bool:
        blocked = mask if true_blocks else mask.logical_not()
        return autograd.zeros(*mask.shape, dtype=dtype).masked_fill(blocked, _NEG_INF)
    if mask.dtype != dtype:
        if not mask.is_floating_point():
            raise TypeError(f"{op}: only bool and floating types of masks are supported, got "
                            f"{mask.dtype}")
        mask = mask.to(dtype)
    return mask


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale=None, enable_gqa: bool = False):
    """``softmax(Q K^T * scale + mask) V`` over the last two dims (PyTorch's semantics).

    Args:
        query: [..., L, E]. key: [..., S, E]. value: [..., S, Ev].
        attn_mask: broadcastable to [..., L, S]; bool (True = may attend) or float (added).
        dropout_p: dropout probability on the attention weights (always applied when > 0,
            as PyTorch's functional form does).
        is_causal: mask out future positions (upper triangle); not with ``attn_mask``.
        scale: score scale, default 1/sqrt(E).

    Returns:
        [..., L, Ev].
    """
    op = "scaled_dot_product_attention"
    for i, (name, t) in enumerate((("query", query), ("key", key), ("value", value))):
        require_tensor(op, t, name, i + 1)
    dropout_p = require_number(op, "dropout_p", dropout_p)
    if scale is not None:
        scale = require_number(op, "scale", scale)
    if enable_gqa:
        raise NotImplementedError("scaled_dot_product_attention: enable_gqa is not supported")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise RuntimeError(f"scaled_dot_product_attention: query {tuple(query.shape)}, key "
                           f"{tuple(key.shape)} and value {tuple(value.shape)} do not fit: "
                           f"expected [..., L, E], [..., S, E], [..., S, Ev]")
    L, S = query.shape[-2], key.shape[-2]
    scale = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = autograd.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        if attn_mask is not None:
            raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be "
                               "set when is_causal=True")
        causal = autograd.tril(autograd.ones(L, S, dtype=autograd.bool))
        scores = scores.masked_fill(causal.logical_not(), _NEG_INF)
    elif attn_mask is not None:
        scores = scores + _additive_mask(attn_mask, scores.dtype, true_blocks=False,
                                         op="scaled_dot_product_attention")
    weights = scores.softmax(-1)
    if dropout_p > 0.0:
        weights = dropout(weights, dropout_p, True)
    return autograd.matmul(weights, value)


# ------------------------------------------------------- convolution and pooling ops
def _check_conv_dtypes(input, weight, bias):
    # PyTorch does not promote in convolutions: input, weight and bias share one dtype.
    # Non-tensors are left to the op, which names the argument.
    if not all(isinstance(t, autograd.Tensor) for t in (input, weight)) or \
            (bias is not None and not isinstance(bias, autograd.Tensor)):
        return
    if input.dtype != weight.dtype or (bias is not None and bias.dtype != weight.dtype):
        if bias is not None and input.dtype != bias.dtype:
            raise RuntimeError(f"Input type ({c_name(input.dtype)}) and bias type "
                               f"({c_name(bias.dtype)}) should be the same")
        raise RuntimeError(f"expected scalar type {scalar_name(input.dtype)} but found "
                           f"{scalar_name(weight.dtype)}")


def conv1d(input, weight, bias=None, *args, **kwargs):
    """1-d convolution (``autograd.ops.conv.conv1d``) after PyTorch's dtype check."""
    _check_conv_dtypes(input, weight, bias)
    return _conv.conv1d(input, weight, bias, *args, **kwargs)


def conv2d(input, weight, bias=None, *args, **kwargs):
    """2-d convolution (``autograd.ops.conv.conv2d``) after PyTorch's dtype check."""
    _check_conv_dtypes(input, weight, bias)
    return _conv.conv2d(input, weight, bias, *args, **kwargs)


def conv_transpose1d(input, weight, bias=None, *args, **kwargs):
    """1-d transposed convolution (``autograd.ops.conv``) after PyTorch's dtype check."""
    _check_conv_dtypes(input, weight, bias)
    return _conv.conv_transpose1d(input, weight, bias, *args, **kwargs)


def conv_transpose2d(input, weight, bias=None, *args, **kwargs):
    """2-d transposed convolution (``autograd.ops.conv``) after PyTorch's dtype check."""
    _check_conv_dtypes(input, weight, bias)
    return _conv.conv_transpose2d(input, weight, bias, *args, **kwargs)


# conv1d, conv2d, conv_transpose1d, conv_transpose2d, unfold, fold, max_pool1d/2d,
# avg_pool1d/2d, adaptive_avg_pool1d/2d and adaptive_max_pool2d are implemented (with
# torch.nn.functional's signatures) in autograd/ops/conv.py and pool.py and imported above.
