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
from autograd.dtypes import c_name, no_kernel, scalar_name
from autograd.ops import conv as _conv
from autograd.ops.attention import fused_attention as _fused_attention
from autograd.ops.attention import fused_attention_fits as _fused_attention_fits
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
    "conv3d", "conv_transpose3d", "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d",
    "scaled_dot_product_attention",
    "prelu", "rrelu", "glu", "hardswish", "hardsigmoid", "mish", "softsign", "tanhshrink",
    "softshrink", "hardshrink", "threshold", "celu", "selu", "instance_norm", "rms_norm",
    "local_response_norm", "interpolate", "upsample", "upsample_nearest", "upsample_bilinear",
    "pixel_shuffle", "pixel_unshuffle",
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
    if isinstance(input, Tensor) and input.dtype.kind not in "fc":
        raise no_kernel("log_sigmoid_cpu", input.dtype, "logsigmoid")
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


def _noise(input, p, feature, alpha):
    """PyTorch's dropout noise: a Bernoulli(1 - p) keep mask (one draw per element, or per
    (sample, channel) for feature dropout) scaled so the expectation is unchanged; for
    alpha dropout also the shift ``b``."""
    if feature:
        shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2)
        noise = autograd.empty(shape, dtype=input.dtype)
    else:
        noise = autograd.empty_like(input)
    noise.bernoulli_(1 - p)
    if not alpha:
        return noise.div_(1 - p), None
    alpha_selu = 1.7580993408473766           # SELU scale * SELU alpha
    a = 1.0 / math.sqrt((alpha_selu * alpha_selu * p + 1) * (1 - p))
    b = noise.add(-1).mul_(alpha_selu * a).add_(alpha_selu * a * p)
    return noise.mul_(a), b


def _dropout(op, input, p, training, inplace, feature=False, alpha=False):
    if not training or p == 0.0 or input.numel() == 0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    noise, b = _noise(input, p, feature, alpha)
    out = input.mul_(noise) if inplace else input * noise
    return out if b is None else out.add_(b)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``
    (identity when not ``training``). The mask is PyTorch's (``bernoulli_(1 - p)`` on the
    global generator), so equal seeds drop the same elements."""
    _check_p(p, "dropout", input, training)
    return _dropout("dropout", input, p, training, inplace)


def _feature_dropout(op, input, p, training, inplace, ndim, alpha=False):
    _check_p(p, op, input, training)
    if input.ndim not in (ndim + 1, ndim + 2):
        names = {1: "(C, L)", 2: "(C, H, W)", 3: "(C, D, H, W)"}[ndim]
        raise autograd.ShapeError(f"{op}: expected a {ndim + 1}-D {names} or {ndim + 2}-D "
                                  f"(N, {names[1:]} input, got shape {tuple(input.shape)}")
    if input.ndim == ndim + 1:                     # unbatched: one sample
        out = _dropout(op, input.unsqueeze(0), p, training, False, True, alpha)
        return out if out is input else out.squeeze(0)
    return _dropout(op, input, p, training, inplace, True, alpha)


def dropout1d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability ``p``. Shape: (N, C, L) or (C, L)."""
    return _feature_dropout("dropout1d", input, p, training, inplace, 1)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability ``p``. Shape: (N, C, H, W) or (C, H, W)."""
    return _feature_dropout("dropout2d", input, p, training, inplace, 2)


def dropout3d(input, p=0.5, training=True, inplace=False):
    """Zero whole channels with probability ``p``. Shape: (N, C, D, H, W) or (C, D, H, W)."""
    return _feature_dropout("dropout3d", input, p, training, inplace, 3)


def alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Dropout that keeps SELU's self-normalising mean and variance."""
    _check_p(p, "alpha_dropout", input, training)
    return _dropout("alpha_dropout", input, p, training, inplace, alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):
    """Alpha dropout of whole channels (one mask value per (sample, channel)).
    Shape: (N, C, *)."""
    _check_p(p, "feature_alpha_dropout", input, training)
    return _dropout("feature_alpha_dropout", input, p, training, inplace, feature=True,
                    alpha=True)


# ------------------------------------------------------------------------ embedding
class _PaddingIdxError(AssertionError, ValueError):
    """``padding_idx`` outside the table: PyTorch asserts (AssertionError); a ValueError too,
    so ``except ValueError`` code catches it."""


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` at integer indices ``input``.

    Shapes: input (*) int, weight (num_embeddings, embedding_dim); output (*, dim).
    The ``padding_idx`` row gets no gradient. ``max_norm`` renormalises the looked-up
    rows of ``weight`` in place first (as PyTorch). ``scale_grad_by_freq`` divides each
    row's gradient by the number of times its index occurs in ``input``. ``sparse`` is
    not supported.
    """
    require_tensor("embedding", input, "indices", 1)
    require_tensor("embedding", weight, "weight", 2)
    if weight.ndim != 2:
        raise ShapeError(f"embedding: 'weight' must be 2-D (num_embeddings, embedding_dim), "
                         f"got shape {tuple(weight.shape)}")
    if sparse:
        raise NotImplementedError("embedding: sparse gradients are not supported")
    if padding_idx is not None:
        padding_idx = require_number("embedding", "padding_idx", padding_idx, integral=True)
        if padding_idx > 0 and padding_idx >= weight.shape[0] or \
                padding_idx < 0 and padding_idx < -weight.shape[0]:  # PyTorch's two asserts
            raise _PaddingIdxError(f"embedding: Padding_idx must be within num_embeddings: got "
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
    if idx.size and n == 0:
        raise RuntimeError(f"embedding: the table has 0 rows, so no index {tuple(idx.shape)} "
                           f"can be looked up")
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
    if scale_grad_by_freq:
        out = _grad_scaled_by_freq(out, flat, flat)
    if padding_idx is not None and weight.requires_grad:
        pad_rows = _inplace.wrap((flat == padding_idx)[:, None])
        out = autograd.where(pad_rows, out.detach(), out)  # same values, no gradient there
    return out.reshape(*idx.shape, weight.shape[1])


__all__ += ["embedding_bag"]


def _grad_scaled_by_freq(rows, idx, counted):
    """``rows`` (looked up at ``idx``) with each row's gradient divided by how often its
    index occurs in ``counted`` (``scale_grad_by_freq``); values unchanged."""
    if not rows.requires_grad or idx.size == 0:
        return rows
    uniq, counts = np.unique(counted, return_counts=True)
    scale = (1.0 / counts[np.searchsorted(uniq, idx)]).astype(rows.dtype)
    rows = rows * 1  # a tensor of our own to hook (the caller's tensor stays hook-free)
    rows.register_hook(lambda g: g * _inplace.wrap(scale.reshape(-1, 1)))
    return rows


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
                  mode="mean", sparse=False, per_sample_weights=None, include_last_offset=False,
                  padding_idx=None):
    """Sums, means or maxima of bags of embeddings, without building the per-index rows.

    ``input`` is 1-D indices with ``offsets`` (1-D, bag ``b`` = ``input[offsets[b]:
    offsets[b+1]]``; with ``include_last_offset`` the last offset ends the last bag) or
    2-D [B, N] (each row one bag; ``offsets`` must be None). ``mode``: ``'sum'``,
    ``'mean'`` or ``'max'``; ``per_sample_weights`` (shape of input, ``'sum'`` only)
    weigh each row. Indices equal to ``padding_idx`` are left out of their bag (also of the
    mean's count); empty bags give zeros. ``max_norm`` renormalises the looked-up rows of
    ``weight`` in place first; ``scale_grad_by_freq`` divides each row's gradient by its
    index's count in ``input`` (not with ``'max'``). ``sparse`` is not supported.

    Shapes: weight (num_embeddings, dim); output (B, dim). Gradients flow to ``weight``
    (in ``'max'`` mode to the first maximal row per bag and feature) and to
    ``per_sample_weights``.
    """
    op = "embedding_bag"
    require_tensor(op, input, "input", 1)
    require_tensor(op, weight, "weight", 2)
    if weight.ndim != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension {weight.ndim}")
    if sparse:
        raise NotImplementedError("embedding_bag: sparse gradients are not supported")
    if mode not in ("sum", "mean", "max"):
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max" and scale_grad_by_freq:
        raise ValueError("max mode does not support scaling the gradient by the frequency")
    if per_sample_weights is not None:
        require_tensor(op, per_sample_weights, "per_sample_weights", 9)
        if tuple(per_sample_weights.shape) != tuple(input.shape):
            raise ValueError(f"embedding_bag: If per_sample_weights ({tuple(per_sample_weights.shape)}) "
                             f"is not None, then it must have the same shape as the input "
                             f"({tuple(input.shape)})")
        if mode != "sum":
            raise NotImplementedError(
                f"embedding_bag: per_sample_weights was not None. per_sample_weights is only "
                f"supported for mode='sum' (got mode='{mode}'). Please open a feature request on "
                f"GitHub.")
    idx = _inplace.array(input)
    for what, a in (("indices", idx), ("offsets", None if offsets is None else offsets)):
        if a is None:
            continue
        arr = a if isinstance(a, np.ndarray) else _inplace.array(require_tensor(op, a, "offsets", 3))
        if arr.dtype not in (np.int64, np.int32):
            raise RuntimeError(f"Expected tensor for argument #{1 if what == 'indices' else 2} "
                               f"'{what}' to have one of the following scalar types: Long, Int; "
                               f"but got torch.{scalar_name(arr.dtype)}Tensor instead (while "
                               f"checking arguments for embedding_bag)")
    if idx.ndim == 2:
        if offsets is not None:
            raise ValueError(f"if input is 2D, then offsets has to be None, as input is treated is "
                             f"a mini-batch of fixed length sequences. However, found offsets of "
                             f"type {type_name(offsets)}")
        nb, width = idx.shape
        starts = np.arange(nb, dtype=np.int64) * width
        ends = starts + width
    elif idx.ndim == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        offs = _inplace.array(offsets).astype(np.int64)
        if offs.ndim != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        if offs.size and offs[0] != 0:
            raise RuntimeError(f"offsets[0] has to be 0, i.e., the first sequence in the "
                               f"mini-batch has to start from position 0. However, got {offs[0]}")
        if offs.size and offs[-1] > idx.size:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {idx.size} "
                               f"but got offsets[-1] of {offs[-1]}")
        if np.any(np.diff(offs) < 0):
            raise RuntimeError(f"embedding_bag: offsets must be non-decreasing, got "
                               f"{offs.tolist()}")
        if include_last_offset:
            starts, ends = offs[:-1], offs[1:]
        else:
            starts, ends = offs, np.append(offs[1:], idx.size).astype(np.int64)
        nb = starts.size
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{idx.ndim}")
    flat = idx.reshape(-1).astype(np.int64)
    n_rows, dim = weight.shape
    if padding_idx is not None:
        padding_idx = require_number(op, "padding_idx", padding_idx, integral=True)
        if not -n_rows <= padding_idx < n_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, {-n_rows} "
                               f"through {n_rows - 1}, but got {padding_idx}")
        if padding_idx < 0:
            padding_idx += n_rows
    bad = np.flatnonzero((flat < 0) | (flat >= n_rows))
    if bad.size:
        raise RuntimeError(f"Index {bad[0]} of input takes value {flat[bad[0]]} which is not in "
                           f"the valid range [0, {n_rows})")
    if max_norm is not None:
        max_norm = require_number(op, "max_norm", max_norm)
        norm_type = require_number(op, "norm_type", norm_type)
        rows_used = np.unique(flat)
        with _inplace.writing(weight) as w:
            norms = np.linalg.norm(w[rows_used], ord=norm_type, axis=1)
            scale = np.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            w[rows_used] *= scale[:, None].astype(w.dtype)
    pos = np.arange(flat.size)
    bag = np.searchsorted(starts, pos, side="right") - 1  # last bag starting at or before
    keep = (bag >= 0) & (pos < ends[np.maximum(bag, 0)] if nb else np.zeros(0, bool))
    if padding_idx is not None:
        keep &= flat != padding_idx
    kept = pos[keep]
    bag, rows = bag[keep], flat[keep]
    zeros = autograd.zeros(nb, dim, dtype=weight.dtype)
    if mode == "max":
        if kept.size == 0:
            return zeros + weight[:0].sum(0)  # all bags empty; still on the graph
        vals = _inplace.array(weight)[rows]
        bag_ids, first = np.unique(bag, return_index=True)
        top = np.maximum.reduceat(vals, first, axis=0)
        where_top = np.where(vals == top[np.searchsorted(bag_ids, bag)],
                             np.arange(rows.size)[:, None], rows.size)
        arg = np.minimum.reduceat(where_top, first, axis=0)  # first maximum (as PyTorch)
        arg = np.minimum(arg, rows.size - 1)  # NaN columns: any row (the value is NaN)
        best = autograd.gather(weight, 0, _inplace.wrap(rows[arg]))
        return autograd.index_add(zeros, 0, _inplace.wrap(bag_ids.astype(np.int64)), best)
    emb = autograd.index_select(weight, 0, _inplace.wrap(rows))
    if scale_grad_by_freq:
        emb = _grad_scaled_by_freq(emb, rows, flat)
    if per_sample_weights is not None:
        psw = autograd.index_select(per_sample_weights.reshape(-1), 0, _inplace.wrap(kept))
        emb = emb * psw.unsqueeze(1)
    out = autograd.index_add(zeros, 0, _inplace.wrap(bag.astype(np.int64)), emb)
    if mode == "mean":
        counts = np.bincount(bag, minlength=nb).astype(weight.dtype)
        out = out / _inplace.wrap(np.maximum(counts, 1)[:, None])
    return out


# -------------------------------------------------------------------- normalisation
def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims (biased variance), then
    scale by ``weight`` and shift by ``bias`` (both of shape ``normalized_shape``).
    Shapes: input (*, *normalized_shape) -> same. ``torch.layer_norm`` checks the rest."""
    require_tensor("layer_norm", input)
    normalized_shape = _int_shape("layer_norm", "normalized_shape", normalized_shape)
    return autograd.layer_norm(input, normalized_shape, weight, bias, eps)


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
        raise no_kernel(kernel, input.dtype)


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
    # the argument types are checked above with F.batch_norm's positions; torch.batch_norm
    # checks the values, shapes and dtypes
    return autograd.batch_norm(input, weight, bias, running_mean, running_var, training,
                               momentum, eps, False)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot encoding; shape ``tensor.shape + (num_classes,)``."""
    return autograd.one_hot(tensor, num_classes)


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


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dim (``autograd.pairwise_distance``)."""
    return autograd.pairwise_distance(x1, x2, p, eps, keepdim)


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


def _pointwise_loss(op, kind, kernel, input, target, reduction, weight=None, param=0.0):
    """The l1/mse/smooth_l1/huber loss, checked in PyTorch's order: argument types, the
    shapes (broadcast), ``reduction``, then the dtypes as its kernels do. The operands are
    broadcast first, so their dtype is the plain promotion of the two (no 0-d rule)."""
    target = _as_target(target, input, op)
    _check_same_shape(input, target, op)
    reduction = _reduction.resolve(None, None, reduction, op)
    rt = autograd.dtypes.promote_types(input.dtype, target.dtype)
    if kind == "l1":
        if input.dtype == np.bool_ or target.dtype == np.bool_:
            raise RuntimeError(f"{op}: Subtraction, the `-` operator, with a bool tensor is not "
                               f"supported (input {scalar_name(input.dtype)}, target "
                               f"{scalar_name(target.dtype)})")
    elif kind == "huber":  # the result has input's dtype, which must hold the promoted one
        if autograd.dtypes.category(rt) > autograd.dtypes.category(input.dtype):
            raise RuntimeError(f"{op}: result type {scalar_name(rt)} can't be cast to the "
                               f"desired output type {scalar_name(input.dtype)}")
        if input.dtype.kind not in "fc":
            raise no_kernel(kernel, input.dtype, op)
    elif rt.kind not in "fc":
        raise no_kernel(kernel, rt, op)
    shape = np.broadcast_shapes(tuple(input.shape), tuple(target.shape))
    x, t = (v if v.dtype == rt else v.to(rt) for v in (input, target))
    x, t = (v if tuple(v.shape) == shape else autograd.broadcast_to(v, shape) for v in (x, t))
    loss = autograd.ops.loss.pointwise_loss(kind, x, t, param)
    if loss.dtype != input.dtype and kind == "huber":
        loss = loss.to(input.dtype)
    if weight is not None:
        loss = loss * weight
    return _reduction.apply(loss, reduction)


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean squared error ``(input - target)^2``, reduced. Shapes broadcast."""
    reduction = _reduction.legacy(size_average, reduce, reduction)
    return _pointwise_loss("mse_loss", "mse", "mse_cpu", input, target, reduction, weight)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    """Mean absolute error ``|input - target|``, reduced. Shapes broadcast."""
    reduction = _reduction.legacy(size_average, reduce, reduction)
    return _pointwise_loss("l1_loss", "l1", "l1", input, target, reduction, weight)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean",
                   beta=1.0):
    """``0.5 d^2 / beta`` where ``|d| < beta`` else ``|d| - 0.5 beta`` (L1 when beta=0)."""
    reduction = _reduction.legacy(size_average, reduce, reduction)
    beta = require_number("smooth_l1_loss", "beta", beta)
    if beta < 0:
        raise ArgumentError(f"smooth_l1_loss does not support negative values for beta, got "
                            f"{beta}")
    return _pointwise_loss("smooth_l1_loss", "smooth_l1", "smooth_l1_cpu", input, target,
                           reduction, param=beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """``0.5 d^2`` where ``|d| < delta`` else ``delta (|d| - 0.5 delta)``."""
    delta = require_number("huber_loss", "delta", delta)
    if delta <= 0:
        raise ArgumentError(f"huber_loss does not support non-positive values for delta, got "
                            f"{delta}")
    return _pointwise_loss("huber_loss", "huber", "huber_cpu", input, target, reduction,
                           weight, param=delta)


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
    if input.ndim == 0:
        raise ValueError("nll_loss: Expected 1 or more dimensions (got 0): input must be (C,), "
                         "(N, C) or (N, C, d1, ...)")
    c = input.shape[1] if input.ndim > 1 else input.shape[0]
    if weight is not None:
        if tuple(weight.shape) != (c,):
            raise ShapeError(f"nll_loss: weight tensor should be defined either for all {c} "
                             f"classes or no classes but got weight tensor of shape: "
                             f"{tuple(weight.shape)}")
    # PyTorch's order: the target's shape, then its dtype (Byte only without spatial dims),
    # then the input's (the kernel's dispatch), then the class indices
    if input.ndim == 1:  # unbatched (C,): a 0-d target, or a (1,) one (a batch of one)
        if t.ndim > 1:
            raise autograd.ShapeError(f"nll_loss: 0D or 1D target tensor expected for input "
                                      f"of shape {tuple(input.shape)}, multi-target not "
                                      f"supported (got target of shape {tuple(t.shape)})")
        if t.ndim == 1 and t.shape[0] != 1:
            raise ValueError(f"nll_loss: For 1D input, 1D target must have size 1, but got "
                             f"target size: {t.shape[0]}")
    else:
        expected = (input.shape[0],) + tuple(input.shape[2:])
        if t.ndim == 0 or tuple(t.shape) != expected:
            raise autograd.ShapeError(f"nll_loss: expected target of shape {expected} for "
                                      f"input of shape {tuple(input.shape)}, got "
                                      f"{tuple(t.shape)}")
    if t.dtype not in ((np.int64, np.uint8) if input.ndim <= 2 else (np.int64,)):
        raise RuntimeError(f"nll_loss: expected target dtype to be Long or Byte, but got "
                           f"{scalar_name(t.dtype)} (target holds class indices"
                           f"{'; Byte only without spatial dims' if input.ndim > 2 else ''})")
    if input.ndim == 1:
        out = nll_loss(input.unsqueeze(0), _inplace.wrap(t.reshape(1)), weight,
                       ignore_index=ignore_index, reduction=reduction)
        return out.squeeze(0) if reduction == "none" else out
    c = input.shape[1]
    if input.dtype.kind != "f":  # the kernel's dispatch, before it checks the bounds
        raise no_kernel("nll_loss_out_frame", input.dtype, "nll_loss")
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"nll_loss: expected scalar type {scalar_name(input.dtype)} but "
                           f"found {scalar_name(weight.dtype)} (weight)")
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



# ------------------------------------------------- margin, embedding and NLL losses
# Issue 12: PyTorch's remaining losses. Each is built from differentiable public ops
# (gradients of any order) except ctc_loss, whose alpha-beta kernel is NumPy and whose
# backward is once-differentiable as PyTorch's. Reductions: nn/_reduction.py.
def _loss_tensors(op, **named):
    """Check that each named argument is a Tensor (positions in the given order)."""
    for position, (name, value) in enumerate(named.items(), 1):
        require_tensor(op, value, name, position)


def _shape_str(t):
    return list(t.shape)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                          reduction="mean"):
    """``1 - cos(x1, x2)`` where ``target == 1``, ``max(0, cos(x1, x2) - margin)`` where
    ``target == -1`` (0 for other target values). The cosine is ``x1.x2 /
    sqrt((|x1|^2 + 1e-12) (|x2|^2 + 1e-12))`` as PyTorch's.

    Shapes: inputs (N, D) with target (N,), or inputs (D,) with a 0-d target.
    """
    op = "cosine_embedding_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input1=input1, input2=input2, target=target)
    margin = require_number(op, "margin", margin)
    if target.ndim > 1:
        raise ShapeError(f"{op}: 0D or 1D target tensor expected, multi-target not supported "
                         f"(got target of shape {tuple(target.shape)})")
    want = target.ndim + 1
    if input1.ndim != want or input2.ndim != want:
        raise ShapeError(f"{op}: {target.ndim}D target tensor expects {want}D input tensors, but "
                         f"found inputs with sizes {_shape_str(input1)} and "
                         f"{_shape_str(input2)}.")
    dim = target.ndim  # the feature dim
    eps = 1e-12
    prod = (input1 * input2).sum(dim)
    mag1 = (input1 * input1).sum(dim) + eps
    mag2 = (input2 * input2).sum(dim) + eps
    cos = prod / (mag1 * mag2).sqrt()
    pos = autograd.where(target == 1, 1 - cos, 0.0)
    neg = autograd.where(target == -1, (cos - margin).clamp(min=0), 0.0)
    return _reduction.apply(pos + neg, reduction)


def margin_ranking_loss(input1, input2, target, margin=0, size_average=None, reduce=None,
                        reduction="mean"):
    """``max(0, -target (x1 - x2) + margin)``. Shapes: all of one number of dims, broadcast."""
    op = "margin_ranking_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input1=input1, input2=input2, target=target)
    margin = require_number(op, "margin", margin)
    if input1.ndim != input2.ndim or input1.ndim != target.ndim:
        raise ShapeError(f"{op} : All input tensors should have same dimension but got sizes: "
                         f"input1: {tuple(input1.shape)}, input2: {tuple(input2.shape)}, "
                         f"target: {tuple(target.shape)} ")
    loss = (-target * (input1 - input2) + margin).clamp(min=0)
    return _reduction.apply(loss, reduction)


def _check_triplet(op, anchor, positive, negative, margin):
    _loss_tensors(op, anchor=anchor, positive=positive, negative=negative)
    margin = require_number(op, "margin", margin)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    dims = (anchor.ndim, positive.ndim, negative.ndim)
    if len(set(dims)) != 1:
        raise ShapeError(f"The anchor, positive, and negative tensors are expected to have the "
                         f"same number of dimensions, but got: anchor {dims[0]}D, positive "
                         f"{dims[1]}D, and negative {dims[2]}D inputs")
    return margin


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` with ``d`` the ``p``-norm pairwise distance
    (``eps`` added to the difference) over the last dim; ``swap`` uses
    ``min(d(a, n), d(p, n))``. Shapes: (N, D) or (D,), broadcast; output drops the last dim.
    """
    op = "triplet_margin_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    margin = _check_triplet(op, anchor, positive, negative, margin)
    p = require_number(op, "p", p)
    eps = require_number(op, "eps", eps)
    swap = require_bool(op, "swap", swap)
    d_pos = autograd.pairwise_distance(anchor, positive, p, eps)
    d_neg = autograd.pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = autograd.minimum(d_neg, autograd.pairwise_distance(positive, negative, p, eps))
    return _reduction.apply((margin + d_pos - d_neg).clamp(min=0), reduction)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """``max(0, margin + d(a, p) - d(a, n))`` for any ``distance_function`` (default:
    ``pairwise_distance``); ``swap`` uses ``min(d(a, n), d(p, n))``."""
    op = "triplet_margin_with_distance_loss"
    reduction = _reduction.resolve(None, None, reduction, op)
    margin = _check_triplet(op, anchor, positive, negative, margin)
    dist = pairwise_distance if distance_function is None else distance_function
    d_pos = dist(anchor, positive)
    d_neg = dist(anchor, negative)
    if swap:
        d_neg = autograd.minimum(d_neg, dist(positive, negative))
    return _reduction.apply((margin + d_pos - d_neg).clamp(min=0), reduction)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None, reduce=None,
                         reduction="mean"):
    """``x`` where ``target != -1`` plus ``max(0, margin - x)`` where ``target != 1`` (so
    both terms for a target that is neither). Shapes broadcast."""
    op = "hinge_embedding_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    margin = require_number(op, "margin", margin)
    below = autograd.where(target != 1, (margin - input).clamp(min=0), 0.0)
    own = autograd.where(target != -1, input, 0.0)
    return _reduction.apply(below + own, reduction)


def soft_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``log(1 + exp(-target x))`` (PyTorch's formula: inf where ``-target x`` overflows).
    Shapes: target broadcasts to input."""
    op = "soft_margin_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    _check_into_input(op, input, target)
    with np.errstate(over="ignore"):
        loss = (-input * target).exp().log1p()
    return _reduction.apply(loss, reduction)


def _check_into_input(op, input, *others):
    """``others`` broadcast to ``input``'s shape (PyTorch writes into an input-shaped
    result)."""
    shape = tuple(input.shape)
    for other in others:
        try:
            ok = np.broadcast_shapes(shape, tuple(other.shape)) == shape
        except ValueError:
            ok = False
        if not ok:
            raise ShapeError(f"{op}: output with shape {list(shape)} doesn't match the "
                             f"broadcast shape of the input and a target of shape "
                             f"{_shape_str(other)}")


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None, reduce=None,
                                reduction="mean"):
    """Per-class binary logistic loss ``-(y logsigmoid(x) + (1 - y) logsigmoid(-x))``, times
    ``weight``, averaged over the class (last) dim. Shapes: input (N, C) or (C,)."""
    op = "multilabel_soft_margin_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    weight = optional_tensor(op, weight, "weight", 3)
    if input.ndim == 0:
        raise IndexError(f"{op}: Dimension specified as -1 but tensor has no dimensions (input "
                         f"must have a class dim)")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    loss = loss.sum(input.ndim - 1) / input.shape[-1]
    return _reduction.apply(loss, reduction)


def _check_margin_input(op, kernel, input):
    """A (N, C) / (C,) / 0-d float input with C > 0 (PyTorch's multi-class margin losses)."""
    if not (input.ndim == 2 and input.shape[1] != 0 or input.ndim == 1 and input.shape[0] != 0
            or input.ndim == 0):
        raise ShapeError(f"{op}: Expected non-empty vector or matrix with optional 0-dim batch "
                         f"size, but got: {_shape_str(input)}")
    if input.dtype.kind != "f":
        raise no_kernel(kernel, input.dtype, op)
    c = input.shape[-1] if input.ndim else 1
    return input.reshape(-1, c), c


def _check_long(op, name, t):
    if t.dtype != np.int64:
        raise RuntimeError(f"{op}: expected scalar type Long but found {scalar_name(t.dtype)} "
                           f"({name} holds class indices)")


def _margin_mean(loss, reduction):
    """'mean' of an empty batch is 0 in PyTorch's margin kernels (not NaN)."""
    if reduction == "mean" and loss.numel() == 0:
        return loss.sum()
    return _reduction.apply(loss, reduction)


def multilabel_margin_loss(input, target, size_average=None, reduce=None, reduction="mean"):
    """``sum_{j in targets} sum_{i not in targets} max(0, 1 - (x[y_j] - x[i])) / C`` per
    sample; ``target`` holds class indices, ended by the first -1.

    Shapes: input (N, C) / (C,) / (), target (int64) of input's shape (1 element for 0-d).
    """
    op = "multilabel_margin_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    x, c = _check_margin_input(op, "multilabel_margin_loss_forward_out_frame", input)
    n = x.shape[0]
    if input.ndim == 2 and tuple(target.shape) != tuple(input.shape) or \
            input.ndim < 2 and (target.ndim > 1 or target.numel() != c):
        raise ShapeError(f"{op}: inconsistent target size: {_shape_str(target)} for input of "
                         f"size: {_shape_str(input)}")
    _check_long(op, "target", target)
    t = _inplace.array(target).reshape(n, c)
    if t.size and ((t < -1) | (t >= c)).any():
        raise RuntimeError(f"{op}: argument #2 'target' is out of range (class indices must be "
                           f"in [0, {c}) or -1 to end the targets)")
    valid = np.cumprod(t != -1, axis=1).astype(bool)  # the targets before the first -1
    safe = np.where(valid, t, 0)
    is_target = np.zeros((n, c), bool)
    rows = np.broadcast_to(np.arange(n)[:, None], t.shape)
    is_target[rows[valid], safe[valid]] = True
    picked = autograd.gather(x, 1, _inplace.wrap(safe))  # (N, K): x at each target
    z = 1 - picked.unsqueeze(2) + x.unsqueeze(1)  # (N, K, C)
    pairs = _inplace.wrap(valid[:, :, None] & ~is_target[:, None, :])
    loss = autograd.where(pairs, autograd.relu(z), 0.0).sum((1, 2)) / c  # strict z > 0
    if input.ndim < 2:
        loss = loss.reshape(())
    return _margin_mean(loss, reduction)


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, size_average=None,
                      reduce=None, reduction="mean"):
    """``sum_{i != y} w[y] max(0, margin - x[y] + x[i])^p / C`` per sample (p = 1 or 2).

    Shapes: input (N, C) with target (N,), or (C,) / () with a 0-d or one-element target.
    """
    op = "multi_margin_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    p = require_number(op, "p", p, integral=True)
    margin = require_number(op, "margin", margin)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    weight = optional_tensor(op, weight, "weight", 5)
    if weight is not None and weight.ndim != 1:
        raise ValueError("weight must be one-dimensional")
    x, c = _check_margin_input(op, "multi_margin_loss_cpu_kernel", input)
    n = x.shape[0]
    if input.ndim == 2 and (target.ndim != 1 or target.numel() != n) or \
            input.ndim < 2 and (target.ndim > 1 or target.numel() != 1):
        raise ShapeError(f"{op}: target tensor should be 1-D with size equal to the number of "
                         f"input samples (batch size). Expected target size [{n}], but got "
                         f"{_shape_str(target)}. Input has shape {_shape_str(input)}.")
    if weight is not None and weight.numel() != c:
        raise ShapeError(f"{op}: inconsistent weight size, expected {c} but got "
                         f"{_shape_str(weight)}")
    _check_long(op, "target", target)
    if weight is not None and weight.dtype != input.dtype:
        raise RuntimeError(f"{op}: expected scalar type {scalar_name(input.dtype)} but found "
                           f"{scalar_name(weight.dtype)} (weight)")
    t = _inplace.array(target).reshape(n)
    if ((t < 0) | (t >= c)).any():
        raise RuntimeError(f"{op}: target out of range (class indices must be in [0, {c}))")
    idx = _inplace.wrap(t[:, None])
    z = margin - autograd.gather(x, 1, idx) + x  # (N, C)
    h = autograd.relu(z)  # strict z > 0, as PyTorch's kernel
    if p == 2:
        h = h * h
    if weight is not None:
        h = h * autograd.gather(weight, 0, _inplace.wrap(t)).unsqueeze(1)
    others = _inplace.wrap(np.arange(c)[None, :] != t[:, None])
    loss = autograd.where(others, h, 0.0).sum(1) / c
    if input.ndim < 2:
        loss = loss.reshape(tuple(target.shape))
    return _margin_mean(loss, reduction)


def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None, eps=1e-8,
                     reduce=None, reduction="mean"):
    """Poisson negative log-likelihood: ``exp(x) - y x`` (``log_input``) or
    ``x - y log(x + eps)``; ``full`` adds the Stirling term ``y log y - y + log(2 pi y) / 2``
    where ``y > 1``. Shapes broadcast."""
    op = "poisson_nll_loss"
    reduction = _reduction.resolve(size_average, reduce, reduction, op)
    _loss_tensors(op, input=input, target=target)
    log_input = require_bool(op, "log_input", log_input)
    full = require_bool(op, "full", full)
    eps = require_number(op, "eps", eps)
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        with np.errstate(divide="ignore", invalid="ignore"):  # y <= 1 is masked out
            stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + autograd.masked_fill(stirling, target <= 1, 0)
    return _reduction.apply(loss, reduction)


class _ClampForward(autograd.Function):
    """``x.clamp(min=eps)`` whose gradient is the identity (PyTorch clamps ``var`` in place
    under no_grad, so the gradient flows as if unclamped)."""

    @staticmethod
    def forward(ctx, x, eps):
        return x.clamp(min=eps)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):
    """Gaussian negative log-likelihood ``(log(var) + (x - y)^2 / var) / 2`` (+ ``log(2 pi)
    / 2`` when ``full``), ``var`` clamped at ``eps`` (the gradient passes the clamp).

    Shapes: ``var`` is a float, input-shaped, input's shape without the last dim, or
    input's shape with exactly one mismatched dim of size 1.
    """
    op = "gaussian_nll_loss"
    _loss_tensors(op, input=input, target=target)
    full = require_bool(op, "full", full)
    eps = require_number(op, "eps", eps)
    if isinstance(var, (int, float, np.integer, np.floating)) and \
            not isinstance(var, (bool, np.bool_)):
        if var < 0:
            raise ValueError("var has negative entry/entries")
        var = autograd.full_like(input, var)
    else:
        require_tensor(op, var, "var", 3)
        if (var < 0).any():
            raise ValueError("var has negative entry/entries")
    ishape, vshape = tuple(input.shape), tuple(var.shape)
    if vshape != ishape:
        if ishape[:-1] == vshape:
            var = var.unsqueeze(-1)
        elif not (input.ndim == var.ndim and
                  sum(v for i, v in zip(ishape, vshape) if i != v) == 1):
            raise ValueError(f"var is of incorrect size (got {vshape} for input of shape "
                             f"{ishape})")
    reduction = _reduction.resolve(None, None, reduction, op)
    var = _ClampForward.apply(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _reduction.apply(loss, reduction)


# ------------------------------------------------------------------------ CTC
def _ctc_lengths(op, name, value, n):
    """``input_lengths`` / ``target_lengths`` (Tensor, sequence or int) as an int64 array
    of size ``n``."""
    if isinstance(value, Tensor):
        if value.dtype.kind not in "iu":
            raise RuntimeError(f"{op}: {name} must be integral (got "
                               f"{scalar_name(value.dtype)})")
        a = _inplace.array(value).reshape(-1).astype(np.int64)
    else:
        a = np.asarray(value).reshape(-1)
        if a.dtype.kind not in "iu":
            raise TypeError(f"{op}(): argument '{name}' must be a Tensor or a tuple of ints, "
                            f"not {type_name(value)}")
        a = a.astype(np.int64)
    if a.size != n:
        raise ShapeError(f"{op}: {name} must be of size batch_size (got {a.size} lengths for a "
                         f"batch of {n})")
    return a


def _logsumexp_stack(*terms):
    """``log(sum(exp(terms)))`` elementwise, PyTorch's CTC way: shift by the max (by 0
    when every term is -inf)."""
    m = terms[0]
    for t in terms[1:]:
        m = np.maximum(m, t)
    m = np.where(m == _NEG_INF, 0.0, m)
    return np.log(sum(np.exp(t - m) for t in terms)) + m


def _ctc_shift(a, k):
    """``a`` (N, S) moved ``k`` states along S (right for k > 0), -inf filled."""
    out = np.full_like(a, _NEG_INF)
    if abs(k) < a.shape[1]:
        if k > 0:
            out[:, k:] = a[:, :-k]
        else:
            out[:, :k] = a[:, -k:]
    return out


def _ctc_kernel(lp, labels, il, tl, blank, zero_infinity, need_grad):
    """Negative log-likelihoods (N,) and, when ``need_grad``, PyTorch's gradient
    ``exp(lp) - exp(log(sum_s alpha beta) + nll - lp)`` (T, N, C) (zero where
    ``t >= input_length``, and for infinite losses with ``zero_infinity``).

    ``lp``: (T, N, C) float64; ``labels``: (N, Lmax) int with each row's first ``tl[n]``
    entries the targets.
    """
    big_t, n, c = lp.shape
    s_max = 2 * labels.shape[1] + 1
    ext = np.full((n, s_max), blank, np.int64)  # the blank-extended labels l'
    ext[:, 1::2] = labels
    s_idx = np.arange(s_max)
    in_range = s_idx[None, :] <= 2 * tl[:, None]  # (N, S)
    skip = np.zeros((n, s_max), bool)  # alpha may come from s - 2
    skip[:, 2:] = (s_idx[None, 2:] % 2 == 1) & (ext[:, 2:] != ext[:, :-2])
    rows = np.arange(n)[:, None]
    lp_ext = lp[:, rows, ext]  # (T, N, S): log-prob of each extended label
    neg = np.full((n, s_max), _NEG_INF)
    alpha = np.full((big_t, n, s_max), _NEG_INF)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        if big_t:
            first = np.where((s_idx[None, :] == 0) | (s_idx[None, :] == 1) & (tl[:, None] > 0),
                             lp_ext[0], _NEG_INF)
            alpha[0] = np.where(in_range & (il[:, None] > 0), first, _NEG_INF)
        for t in range(1, big_t):
            prev = alpha[t - 1]
            a1 = _ctc_shift(prev, 1)
            a2 = np.where(skip, _ctc_shift(prev, 2), _NEG_INF)
            alpha[t] = np.where(in_range, _logsumexp_stack(prev, a1, a2) + lp_ext[t], _NEG_INF)
        last = alpha[np.maximum(il - 1, 0), np.arange(n)]  # (N, S)
        l1 = last[np.arange(n), 2 * tl]
        l2 = np.where(tl > 0, last[np.arange(n), np.maximum(2 * tl - 1, 0)], _NEG_INF)
        nll = -_logsumexp_stack(l1, l2)
        nll = np.where(il == 0, np.where(tl == 0, -0.0, np.inf), nll)
        if not need_grad:
            return nll, None
        beta = np.full((big_t, n, s_max), _NEG_INF)
        end = in_range & ((s_idx[None, :] == 2 * tl[:, None]) |
                          (s_idx[None, :] == 2 * tl[:, None] - 1) & (tl[:, None] > 0))
        skip_next = np.zeros_like(skip)  # beta may come from s + 2
        skip_next[:, :-2] = skip[:, 2:]
        for t in range(big_t - 1, -1, -1):
            if t + 1 < big_t:
                nxt = beta[t + 1]
                b1 = _ctc_shift(nxt, -1)
                b2 = np.where(skip_next, _ctc_shift(nxt, -2), _NEG_INF)
                rec = _logsumexp_stack(nxt, b1, b2) + lp_ext[t]
            else:
                rec = neg
            at_end = (il == t + 1)[:, None]
            beta[t] = np.where(at_end, np.where(end, lp_ext[t], _NEG_INF),
                               np.where((il > t + 1)[:, None] & in_range, rec, _NEG_INF))
        ab = alpha + beta  # (T, N, S)
        m = ab.max(2) if s_max else np.zeros((big_t, n))
        m = np.where(m == _NEG_INF, 0.0, m)
        acc = np.zeros((big_t, n, c))
        e = np.exp(ab - m[..., None])
        cols = np.arange(n)
        for s in range(s_max):
            acc[:, cols, ext[:, s]] += e[:, :, s]
        lcab = np.log(acc) + m[..., None]
        # at the last step PyTorch takes the two end states' sums as they are (the second
        # replacing the first when a target equals blank): the same for valid targets
        last_n = np.flatnonzero(il > 0)
        t_last = il[last_n] - 1
        lcab[t_last, last_n, :] = _NEG_INF
        lcab[t_last, last_n, blank] = ab[t_last, last_n, 2 * tl[last_n]]
        has = tl[last_n] > 0
        r, t_r = last_n[has], t_last[has]
        lcab[t_r, r, ext[r, 2 * tl[r] - 1]] = ab[t_r, r, 2 * tl[r] - 1]
        grad = np.exp(lp) - np.exp(lcab + nll[None, :, None] - lp)
    grad = np.where((np.arange(big_t)[:, None] < il[None, :])[..., None], grad, 0.0)
    if zero_infinity:
        grad = np.where(np.isinf(nll)[None, :, None], 0.0, grad)
    return nll, grad


class _CTCLoss(autograd.Function):
    """Per-sample CTC negative log-likelihoods (N,) of ``log_probs`` (T, N, C): the alpha
    recursion in log space forward, the alpha-beta gradient backward (PyTorch's formula,
    which assumes log-softmax inputs: ``exp(lp) - occupation / exp(lp)``). Once
    differentiable, as PyTorch's CTC."""

    @staticmethod
    def forward(ctx, log_probs, labels, il, tl, blank, zero_infinity):
        lp = _inplace.array(log_probs).astype(np.float64)
        need = log_probs.requires_grad
        nll, grad = _ctc_kernel(lp, labels, il, tl, blank, zero_infinity, need)
        if zero_infinity:
            nll = np.where(np.isinf(nll), 0.0, nll)
        ctx.grad = None if grad is None else grad.astype(log_probs.dtype)
        ctx.save_for_backward(log_probs)
        return _inplace.wrap(nll.astype(log_probs.dtype))

    @staticmethod
    def backward(ctx, grad):
        g = _inplace.wrap(ctx.grad) * grad.reshape(1, -1, 1)
        if autograd.is_grad_enabled():  # create_graph: a further backward must fail
            g = _CTCGradient.apply(g, *ctx.saved_tensors)
        return g, None, None, None, None, None


class _CTCGradient(autograd.Function):
    """The CTC gradient, recorded under ``create_graph=True`` so that differentiating it
    raises (PyTorch: "derivative for aten::_ctc_loss_backward is not implemented")
    instead of treating it as a constant."""

    @staticmethod
    def forward(ctx, grad, log_probs):
        return grad

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("ctc_loss: the derivative of the CTC gradient is not implemented "
                           "(ctc_loss is once differentiable, as PyTorch's): a double "
                           "backward through it is not supported")


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss.

    Shapes: ``log_probs`` (T, N, C) (or unbatched (T, C)) log-probabilities; ``targets``
    padded (N, S) or concatenated (sum(target_lengths),) class indices (not ``blank``);
    ``input_lengths`` / ``target_lengths`` (N,) as Tensors or tuples of ints.
    ``reduction='mean'`` divides each loss by its target length (at least 1), then
    averages over the batch; ``zero_infinity`` zeroes infinite losses and their gradients.

    The gradient w.r.t. ``log_probs`` is PyTorch's ``exp(lp) - alpha beta / (p(l|x)
    exp(lp))`` (exact after a ``log_softmax``); it is once differentiable, as PyTorch's: a
    double backward raises. Target indices outside ``[0, C)`` raise IndexError
    (PyTorch reads out of bounds).
    """
    op = "ctc_loss"
    reduction = _reduction.resolve(None, None, reduction, op)
    require_tensor(op, log_probs, "log_probs", 1)
    require_tensor(op, targets, "targets", 2)
    blank = require_number(op, "blank", blank, integral=True)
    zero_infinity = require_bool(op, "zero_infinity", zero_infinity)
    unbatched = log_probs.ndim == 2
    lp_t = log_probs.unsqueeze(1) if unbatched else log_probs
    if lp_t.ndim != 3:
        raise ShapeError(f"{op}: Expected 3-dimensional tensor, but got {log_probs.ndim}-"
                         f"dimensional tensor for argument #1 'log_probs'")
    if log_probs.dtype.kind != "f":
        raise no_kernel("ctc_loss_cpu", log_probs.dtype, op)
    big_t, n, c = lp_t.shape
    if not 0 <= blank < c:
        raise ArgumentError(f"{op}: blank must be in label range (got blank={blank} for {c} "
                            f"classes)")
    il = _ctc_lengths(op, "input_lengths", input_lengths, n)
    tl = _ctc_lengths(op, "target_lengths", target_lengths, n)
    if lp_t.numel() == 0:
        raise RuntimeError(f"{op}: log_probs tensor must not be empty (got shape "
                           f"{_shape_str(log_probs)})")
    for name, a in (("input_lengths", il), ("target_lengths", tl)):
        if a.size and a.min() < 0:
            raise ArgumentError(f"{op}: Expected {name} to have value at least 0, but got "
                                f"value {a.min()}")
    if il.size and il.max() > big_t:
        raise ArgumentError(f"{op}: Expected input_lengths to have value at most {big_t}, but "
                            f"got value {il.max()}")
    tg = _inplace.array(targets)
    if unbatched and tg.ndim == 1:
        tg = tg[None, :]
    l_max = int(tl.max()) if tl.size else 0
    if tg.ndim == 2:
        if tg.shape[0] != n:
            raise ShapeError(f"{op}: Expected tensor to have size {n} at dimension 0, but got "
                             f"size {tg.shape[0]} for argument #2 'targets'")
        if tg.shape[1] < l_max:
            raise ShapeError(f"{op}: Expected tensor to have size at least {l_max} at dimension "
                             f"1, but got size {tg.shape[1]} for argument #2 'targets'")
        labels = tg[:, :l_max]
    elif tg.ndim == 1:
        total = int(tl.sum())
        if tg.shape[0] != total:
            raise ShapeError(f"{op}: Expected tensor to have size {total} at dimension 0, but "
                             f"got size {tg.shape[0]} for argument #2 'targets'")
        starts = np.concatenate([[0], np.cumsum(tl)[:-1]]).astype(np.int64)
        pos = np.minimum(starts[:, None] + np.arange(l_max)[None, :], max(total - 1, 0))
        labels = tg[pos] if total else np.zeros((n, l_max), tg.dtype)
    else:
        raise ShapeError(f"{op}: targets must be 1-D (concatenated) or 2-D (padded), got shape "
                         f"{_shape_str(targets)}")
    if labels.dtype.kind not in "iub":
        labels = labels.astype(np.int64)
    labels = np.where(np.arange(l_max)[None, :] < tl[:, None], labels, blank).astype(np.int64)
    bad = (labels < 0) | (labels >= c)
    if bad.any():
        raise IndexError(f"{op}: target {int(labels[bad][0])} is out of bounds (log_probs has "
                         f"{c} classes)")
    loss = _CTCLoss.apply(lp_t, labels, il, tl, blank, zero_infinity)
    if reduction == "mean":
        divisor = _inplace.wrap(np.maximum(tl, 1).astype(loss.dtype))
        return (loss / divisor).mean()
    if unbatched:
        loss = loss.squeeze(0)
    return _reduction.apply(loss, reduction)


__all__ += [
    "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "triplet_margin_with_distance_loss", "hinge_embedding_loss", "soft_margin_loss",
    "multilabel_soft_margin_loss", "multilabel_margin_loss", "multi_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss",
]

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
    if is_causal and attn_mask is not None:
        raise RuntimeError("scaled_dot_product_attention: explicit attn_mask should not be "
                           "set when is_causal=True")
    if attn_mask is None and dropout_p == 0.0 and _fused_attention_fits(query, key, value):
        # one node, no [..., L, S] weights kept (autograd.ops.attention)
        return _fused_attention(query, key, value, scale, is_causal)
    scores = autograd.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
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
    """1-d convolution (``autograd.ops.conv.conv1d``, which checks the dtypes after
    the argument types, as PyTorch)."""
    return _conv.conv1d(input, weight, bias, *args, **kwargs)


def conv2d(input, weight, bias=None, *args, **kwargs):
    """2-d convolution (``autograd.ops.conv.conv2d``, which checks the dtypes after
    the argument types, as PyTorch)."""
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


# ------------------------------------------------------- 3-D convolution and pooling
# Built in nn from public engine ops, so gradients of any order work: conv3d is ONE
# conv2d whose input stacks the depth taps of every output depth slice as channels;
# conv_transpose3d is conv3d of the zero-stuffed input with the flipped, transposed
# kernel; max_pool3d chooses PyTorch's argmax with NumPy and gathers the input there
# (so the gradient goes to the same element as PyTorch's); avg_pool3d sums unfolded
# windows; adaptive_avg_pool3d multiplies each spatial dim by an averaging matrix.
def _is_int(v):
    return isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_))


def _int_args(op, none_ok=(), strings=(), **params):
    """PyTorch's argument parsing: each an int or a sequence of ints (a str / None where
    allowed), else TypeError."""
    for name, v in params.items():
        if v is None and name in none_ok or isinstance(v, str) and name in strings or \
                _is_int(v) or isinstance(v, (tuple, list)) and all(_is_int(e) for e in v):
            continue
        raise TypeError(f"{op}(): argument '{name}' must be tuple of ints, not {type_name(v)}")


def _triple(op, name, value, message=None):
    """An int or a sequence of 1 or 3 ints as a 3-tuple; RuntimeError otherwise."""
    if _is_int(value):
        return (int(value),) * 3
    value = tuple(int(v) for v in value)
    if len(value) == 1:
        return value * 3
    if len(value) != 3:
        raise ArgumentError(message or f"{op}: expected {name} to be a single integer value or "
                            f"a list of 3 values to match the convolution dimensions, but got "
                            f"{name}={list(value)}")
    return value


def _conv3d_input(op, input, weight, bias, transposed):
    require_tensor(op, input)
    require_tensor(op, weight, "weight", 2)
    optional_tensor(op, bias, "bias", 3)
    if input.dtype != weight.dtype:
        raise RuntimeError(f"{op}: Input type ({c_name(input.dtype)}) and weight type "
                           f"({c_name(weight.dtype)}) should be the same")
    if bias is not None and bias.dtype != input.dtype:
        raise RuntimeError(f"{op}: Input type ({c_name(input.dtype)}) and bias type "
                           f"({c_name(bias.dtype)}) should be the same")
    if input.ndim not in (4, 5):
        raise ShapeError(f"Expected 4D (unbatched) or 5D (batched) input to {op}, but got "
                         f"input of size: {list(input.shape)}")
    if weight.ndim != 5:
        raise ShapeError(f"{op}: expected a 5-D weight, got weight of shape "
                         f"{tuple(weight.shape)}")
    if input.dtype.kind not in "fiu" or input.dtype.itemsize < 4 and input.dtype.kind == "f":
        raise no_kernel(op, input.dtype)
    return (input, True) if input.ndim == 5 else (input.unsqueeze(0), False)


def _conv3d_geometry(op, stride, dilation, groups, padding=None):
    s = _triple(op, "stride", stride)
    d = _triple(op, "dilation", dilation)
    if any(v <= 0 for v in s):
        raise ArgumentError(f"{op}: non-positive stride is not supported")
    if any(v <= 0 for v in d):
        raise ArgumentError(f"{op}: non-positive dilation is not supported")
    if groups <= 0:
        raise ArgumentError(f"{op}: non-positive groups is not supported")
    p = None
    if padding is not None and not isinstance(padding, str):
        p = _triple(op, "padding", padding)
        if any(v < 0 for v in p):
            raise ArgumentError(f"{op}: negative padding is not supported")
    return s, d, p


def _conv3d_taps(x, weight, bias, stride, pads, dilation, groups):
    """conv3d of the batched ``x`` with ``pads`` = (before, after) per spatial dim."""
    n, c, o = x.shape[0], x.shape[1], weight.shape[0]
    kd, kh, kw = weight.shape[2:]
    (d0, d1), (h0, h1), (w0, w1) = pads
    hw_pad = (h0, w0)
    if h0 != h1 or w0 != w1:
        x = autograd.pad(x, (w0, w1, h0, h1))
        hw_pad = (0, 0)
    if d0 or d1:
        x = autograd.pad(x, (0, 0, 0, 0, d0, d1))
    span = dilation[0] * (kd - 1) + 1
    od = (x.shape[2] - span) // stride[0] + 1
    h, w = x.shape[3], x.shape[4]
    taps = x.unfold(2, span, stride[0])  # (N, C, OD, H, W, span)
    if dilation[0] > 1:
        taps = taps[..., ::dilation[0]]
    cg = c // groups
    # (N, OD, groups, kD, C/groups, H, W): each group's channels stay contiguous
    taps = taps.reshape(n, groups, cg, od, h, w, kd).permute(0, 3, 1, 6, 2, 4, 5)
    taps = taps.reshape(n * od, groups * kd * cg, h, w)
    w2 = weight.permute(0, 2, 1, 3, 4).reshape(o, kd * cg, kh, kw)
    y = conv2d(taps, w2, bias, stride[1:], hw_pad, dilation[1:], groups)
    return y.reshape(n, od, o, y.shape[2], y.shape[3]).permute(0, 2, 1, 3, 4)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution (cross-correlation), as ``torch.nn.functional.conv3d``.

    Shapes: input (N, C, D, H, W) or (C, D, H, W); weight (O, C/groups, kD, kH, kW);
    bias (O,); output (N, O, OD, OH, OW) with OD = (D + 2p - d(kD-1) - 1) // s + 1.
    ``padding`` may also be ``'valid'`` or ``'same'`` (stride 1).
    """
    op = "conv3d"
    require_tensor(op, input)
    require_tensor(op, weight, "weight", 2)
    _int_args(op, strings=("padding",), stride=stride, padding=padding, dilation=dilation)
    groups = require_number(op, "groups", groups, integral=True)
    x, batched = _conv3d_input(op, input, weight, bias, transposed=False)
    s, d, p = _conv3d_geometry(op, stride, dilation, groups, padding)
    k = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pads = ((0, 0),) * 3
        elif padding == "same":
            if any(v != 1 for v in s):
                raise ArgumentError(f"{op}: padding='same' is not supported for strided "
                                    f"convolutions")
            pads = tuple((di * (ki - 1) // 2, di * (ki - 1) - di * (ki - 1) // 2)
                         for di, ki in zip(d, k))
        else:
            raise ArgumentError(f"{op}: Invalid padding string: {padding!r}")
    else:
        pads = tuple((v, v) for v in p)
    o = weight.shape[0]
    if o % groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                         f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    if weight.shape[1] * groups != x.shape[1]:
        raise ShapeError(f"Given groups={groups}, weight of size {list(weight.shape)}, expected "
                         f"input{list(x.shape)} to have {weight.shape[1] * groups} channels, "
                         f"but got {x.shape[1]} channels instead")
    if bias is not None and tuple(bias.shape) != (o,):
        raise ShapeError(f"Given weight of size {list(weight.shape)}, expected bias to be "
                         f"1-dimensional with {o} elements, but got bias of size "
                         f"{list(bias.shape)} instead")
    padded = [x.shape[2 + i] + sum(pads[i]) for i in range(3)]
    if any(pi < di * (ki - 1) + 1 for pi, di, ki in zip(padded, d, k)):
        raise ShapeError(f"Calculated padded input size per channel: "
                         f"({' x '.join(map(str, padded))}). Kernel size: "
                         f"({' x '.join(str(di * (ki - 1) + 1) for di, ki in zip(d, k))}). "
                         f"Kernel size can't be greater than actual input size")
    y = _conv3d_taps(x, weight, bias, s, pads, d, groups)
    return y if batched else y.squeeze(0)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    """Transposed 3-D convolution (conv3d's input gradient), as
    ``torch.nn.functional.conv_transpose3d``: conv3d of the input stuffed with stride-1
    zeros, padded by d(k-1)-p, with the spatially flipped kernel.

    Shapes: input (N, C_in, D, H, W) or (C_in, D, H, W); weight (C_in, C_out/groups, kD,
    kH, kW); output (N, C_out, (D-1)s - 2p + d(kD-1) + output_padding + 1, ...).
    """
    op = "conv_transpose3d"
    require_tensor(op, input)
    require_tensor(op, weight, "weight", 2)
    _int_args(op, stride=stride, padding=padding, output_padding=output_padding,
              dilation=dilation)
    groups = require_number(op, "groups", groups, integral=True)
    x, batched = _conv3d_input(op, input, weight, bias, transposed=True)
    s, d, p = _conv3d_geometry(op, stride, dilation, groups, padding)
    opad = _triple(op, "output_padding", output_padding)
    if any(v < 0 for v in opad):
        raise ArgumentError(f"{op}: negative output_padding is not supported")
    if any(o >= max(si, di) for o, si, di in zip(opad, s, d)):
        raise ArgumentError(f"{op}: output padding must be smaller than either stride or "
                            f"dilation, but got output_padding={opad}, stride={s}, "
                            f"dilation={d}")
    c_in, cog = weight.shape[0], weight.shape[1]
    if c_in % groups:
        raise ShapeError(f"Given groups={groups}, expected weight to be divisible by {groups} "
                         f"at dimension 0, but got weight of size {list(weight.shape)} instead")
    if x.shape[1] != c_in:
        raise ShapeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                         f"input{list(x.shape)} to have {c_in} channels, but got "
                         f"{x.shape[1]} channels instead")
    c_out = cog * groups
    if bias is not None and tuple(bias.shape) != (c_out,):
        raise ShapeError(f"Given transposed=1, weight of size {list(weight.shape)}, expected "
                         f"bias to be 1-dimensional with {c_out} elements, but got bias of "
                         f"size {list(bias.shape)} instead")
    k = tuple(weight.shape[2:])
    out = tuple((x.shape[2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + opad[i] + 1
                for i in range(3))
    if min(out) <= 0 or weight.numel() == 0:
        if min(out) < 0 or weight.numel() == 0:
            raise ShapeError(f"{op}: output size {out} is not positive for input of shape "
                             f"{tuple(input.shape)}, weight {tuple(weight.shape)}, stride {s}, "
                             f"padding {p}, dilation {d}")
        y = autograd.zeros(x.shape[0], c_out, *out, dtype=x.dtype)
        return y if batched else y.squeeze(0)
    n, _, di, hi, wi = x.shape
    if any(v > 1 for v in s):  # zero-stuffing: each element followed by stride-1 zeros
        x = autograd.pad(x.reshape(n, c_in, di, 1, hi, 1, wi, 1),
                         (0, s[2] - 1, 0, 0, 0, s[1] - 1, 0, 0, 0, s[0] - 1))
        x = x.reshape(n, c_in, di * s[0], hi * s[1], wi * s[2])
    pads = tuple((d[i] * (k[i] - 1) - p[i],
                  d[i] * (k[i] - 1) - p[i] + opad[i] - (s[i] - 1)) for i in range(3))
    crop = [v for i in (2, 1, 0) for v in (min(pads[i][0], 0), min(pads[i][1], 0))]
    if any(crop):  # negative pads: crop first
        x = autograd.pad(x, tuple(crop))
    pads = tuple((max(a, 0), max(b, 0)) for a, b in pads)
    w = weight.reshape(groups, c_in // groups, cog, *k).transpose(1, 2)
    w = w.reshape(c_out, c_in // groups, *k).flip(2, 3, 4)
    y = _conv3d_taps(x, w, bias, (1, 1, 1), pads, d, groups)
    return y if batched else y.squeeze(0)


def _pool3d_input(op, input, nonempty_message):
    require_tensor(op, input)
    if input.ndim not in (4, 5) or 0 in input.shape[input.ndim - 4:]:
        if input.ndim in (4, 5):
            raise ShapeError(nonempty_message.format(shape=list(input.shape)))
        raise ShapeError(f"non-empty 4D or 5D (batch mode) tensor expected for input "
                         f"({op} got input of shape {tuple(input.shape)})")
    return (input, True) if input.ndim == 5 else (input.unsqueeze(0), False)


def _pool3d_args(op, kernel_size, stride, padding, dilation=1):
    _int_args(op, none_ok=("stride",), kernel_size=kernel_size, stride=stride,
              padding=padding, dilation=dilation)
    k = _triple(op, "kernel_size", kernel_size, f"{op}: kernel_size must either be a single "
                f"int, or a tuple of three ints")
    if stride is None or isinstance(stride, (tuple, list)) and len(stride) == 0:
        s = k
    else:
        s = _triple(op, "stride", stride, f"{op}: stride must either be omitted, a single int, "
                    f"or a tuple of three ints")
    p = _triple(op, "padding", padding, f"{op}: padding must either be a single int, or a "
                f"tuple of three ints")
    d = _triple(op, "dilation", dilation, f"{op}: dilation must be either a single int, or a "
                f"tuple of three ints")
    if min(k) <= 0 or min(s) <= 0:
        raise ArgumentError(f"{op}: stride should not be zero (kernel_size={k}, stride={s})")
    if min(d) <= 0:
        raise ArgumentError(f"{op}: dilation should be greater than zero, but got "
                            f"dilation={d}")
    if min(p) < 0:
        raise ArgumentError(f"{op}: pad must be non-negative, but got pad={p}")
    if any(pi > ki // 2 for pi, ki in zip(p, k)):
        raise ArgumentError(f"{op}: pad should be at most half of effective kernel size, but "
                            f"got pad={p}, kernel_size={k} and dilation={d}")
    return k, s, p, d


def _pool3d_sizes(op, x, k, s, p, d, ceil_mode):
    """PyTorch's output sizes (with ceil_mode, the last window starts inside the input
    or its left padding)."""
    out = []
    for size, ki, si, pi, di in zip(x.shape[2:], k, s, p, d):
        num = size + 2 * pi - di * (ki - 1) - 1 + (si - 1 if ceil_mode else 0)
        o = num // si + 1
        if ceil_mode and (o - 1) * si >= size + pi:
            o -= 1
        out.append(o)
    if min(out) <= 0:
        raise ShapeError(f"{op}: Given input size: ({'x'.join(map(str, x.shape[1:]))}). "
                         f"Calculated output size: ({x.shape[1]}x{'x'.join(map(str, out))}). "
                         f"Output size is too small")
    return tuple(out)


def _window_view(a, k, s, d, out):
    """(..., D, H, W) array -> (..., OD, OH, OW, kD*kH*kW) windows (already padded)."""
    span = tuple(di * (ki - 1) + 1 for ki, di in zip(k, d))
    v = np.lib.stride_tricks.sliding_window_view(a, span, axis=(-3, -2, -1))
    v = v[..., :(out[0] - 1) * s[0] + 1:s[0], :(out[1] - 1) * s[1] + 1:s[1],
          :(out[2] - 1) * s[2] + 1:s[2], ::d[0], ::d[1], ::d[2]]
    return v.reshape(v.shape[:-3] + (-1,))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-D max pooling, as ``torch.nn.functional.max_pool3d``. Shape: (N, C, D, H, W) or
    (C, D, H, W) -> (N, C, OD, OH, OW); with ``return_indices`` also the int64 flat
    indices into each D*H*W volume. The argmax follows PyTorch (first maximum in window
    order; a NaN wins, the last one), and the output gathers the input there."""
    op = "max_pool3d"
    x, batched = _pool3d_input(op, input, "max_pool3d_with_indices_out_cpu_template(): "
                               "Expected input's non-batch dimensions to have positive "
                               "length, but input has a shape of {shape}")
    k, s, p, d = _pool3d_args(op, kernel_size, stride, padding, dilation)
    out = _pool3d_sizes(op, x, k, s, p, d, ceil_mode)
    if x.dtype.kind not in "fiu":
        raise no_kernel(op, x.dtype)
    n, c, size = x.shape[0], x.shape[1], tuple(x.shape[2:])
    a = _inplace.array(x)
    after = [max((o - 1) * si + di * (ki - 1) + 1 - L - pi, 0)
             for o, si, di, ki, L, pi in zip(out, s, d, k, size, p)]
    widths = [(pi, ai) for pi, ai in zip(p, after)]
    low = -np.inf if a.dtype.kind == "f" else np.iinfo(a.dtype).min
    vals = _window_view(np.pad(a, [(0, 0), (0, 0)] + widths, constant_values=low), k, s, d, out)
    flat = np.arange(int(np.prod(size)), dtype=np.int64).reshape(size)
    idx = _window_view(np.pad(flat, widths, constant_values=-1), k, s, d, out)
    valid = idx >= 0
    key = np.where(valid, vals, low)
    pick = np.argmax(key, axis=-1)[..., None]
    best = np.take_along_axis(key, pick, -1)
    none_above = best == low  # all -inf (or the lowest int): the first valid position
    pick = np.where(none_above, np.argmax(np.broadcast_to(valid, key.shape), -1)[..., None],
                    pick)
    if a.dtype.kind == "f":
        nan = np.isnan(key)
        last_nan = key.shape[-1] - 1 - np.argmax(nan[..., ::-1], -1)[..., None]
        pick = np.where(nan.any(-1, keepdims=True), last_nan, pick)
    chosen = np.take_along_axis(np.broadcast_to(idx, key.shape), pick, -1)[..., 0]
    chosen = np.maximum(chosen, 0)
    index = _inplace.wrap(np.ascontiguousarray(chosen.reshape(n, c, -1)))
    y = x.reshape(n, c, int(np.prod(size))).gather(2, index).reshape(n, c, *out)
    indices = _inplace.wrap(np.ascontiguousarray(chosen))
    if not batched:
        y, indices = y.squeeze(0), indices.squeeze(0)
    return (y, indices) if return_indices else y


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-D average pooling, as ``torch.nn.functional.avg_pool3d`` (PyTorch's divisor
    rules). Shape: (N, C, D, H, W) or (C, D, H, W) -> (N, C, OD, OH, OW)."""
    op = "avg_pool3d"
    x, batched = _pool3d_input(op, input, "avg_pool3d(): Expected input's non-batch "
                               "dimensions to have positive length, but input has a shape "
                               "of {shape}")
    k, s, p, d = _pool3d_args(op, kernel_size, stride, padding)
    if divisor_override is not None:
        divisor_override = require_number(op, "divisor_override", divisor_override,
                                          integral=True)
        if divisor_override == 0:
            raise ArgumentError(f"{op}: divisor must be not zero")
    size = tuple(x.shape[2:])
    if any(L < ki for L, ki in zip(size, k)):
        raise ShapeError(f"input image (T: {size[0]} H: {size[1]} W: {size[2]}) smaller than "
                         f"kernel size (kT: {k[0]} kH: {k[1]} kW: {k[2]})")
    out = _pool3d_sizes(op, x, k, s, p, d, ceil_mode)
    if x.dtype.kind not in "fiu":
        raise no_kernel(op, x.dtype)
    # the divisor of each window is a product of one factor per dim
    divisor = np.ones(out)
    for i in range(3):
        start = np.arange(out[i]) * s[i] - p[i]
        end = np.minimum(start + k[i], size[i] + p[i])
        count = end - start if count_include_pad else \
            np.minimum(end, size[i]) - np.maximum(start, 0)
        divisor = divisor * count.reshape([-1 if j == i else 1 for j in range(3)])
    if divisor_override is not None:
        divisor = np.full(out, float(divisor_override))
    after = [max((o - 1) * si + ki - L - pi, 0) for o, si, ki, L, pi in zip(out, s, k, size, p)]
    if x.dtype.kind in "iu":  # exact integer sums, truncated quotients (no gradient)
        a = np.pad(_inplace.array(x).astype(np.int64),
                   [(0, 0), (0, 0)] + [(pi, ai) for pi, ai in zip(p, after)])
        total = _window_view(a, k, s, d, out).sum(-1)
        y = _inplace.wrap(np.trunc(total / divisor).astype(x.dtype))
        return y if batched else y.squeeze(0)
    xp = autograd.pad(x, tuple(v for i in (2, 1, 0) for v in (p[i], after[i])))
    windows = xp.unfold(2, k[0], s[0]).unfold(3, k[1], s[1]).unfold(4, k[2], s[2])
    windows = windows[:, :, :out[0], :out[1], :out[2]]
    y = windows.sum((-3, -2, -1)) / _inplace.wrap(divisor.astype(_values(x).dtype))
    return y if batched else y.squeeze(0)


def adaptive_avg_pool3d(input, output_size):
    """Mean over PyTorch's adaptive windows ``[floor(i L / out), ceil((i + 1) L / out))``
    per spatial dim (an averaging matrix per dim). Shape: (N, C, D, H, W) or (C, D, H, W)
    -> (..., *output_size); a None in ``output_size`` keeps that input size."""
    op = "adaptive_avg_pool3d"
    require_tensor(op, input)
    if _is_int(output_size) or output_size is None:
        if output_size is None:
            raise TypeError(f"{op}(): output_size must be an int or a tuple of 3 ints or "
                            f"None, not NoneType")
        output_size = (int(output_size),) * 3
    if not isinstance(output_size, (tuple, list)) or \
            not all(v is None or _is_int(v) for v in output_size):
        raise TypeError(f"{op}(): output_size must be an int or a tuple of 3 ints (None "
                        f"allowed), not {output_size!r}")
    if input.ndim not in (4, 5):
        raise ShapeError(f"{op}(): Expected 4D or 5D tensor, but got {list(input.shape)}")
    size = tuple(input.shape[-3:])
    if len(output_size) != 3:
        raise ArgumentError(f"{op}: output_size must be 3")
    out = tuple(size[i] if v is None else int(v) for i, v in enumerate(output_size))
    if min(out) < 0:
        raise ArgumentError(f"{op}: elements of output_size must be greater than or equal to "
                            f"0 but received {out}")
    for dim in range(input.ndim - 4, input.ndim):
        if input.shape[dim] == 0:
            raise ShapeError(f"{op}(): Expected input to have non-zero size for non-batch "
                             f"dimensions, but input has sizes {list(input.shape)} with "
                             f"dimension {dim} being empty")
    if not input.is_floating_point():
        raise no_kernel("adaptive_avg_pool3d_cpu", input.dtype)
    dtype = _values(input).dtype
    y = input
    for i in range(3):
        L, o = size[i], out[i]
        m = np.zeros((o, L), dtype=dtype)
        for j in range(o):
            a, b = (j * L) // o, -((-(j + 1) * L) // o)
            m[j, a:b] = 1.0 / (b - a)
        d = input.ndim - 3 + i
        y = autograd.matmul(y.transpose(d, -1), _inplace.wrap(np.ascontiguousarray(m.T)))
        y = y.transpose(d, -1)
    return y


# ---------------------------------------------------------------- more activations
# Each is built from differentiable engine ops (so gradients of any order work); masks
# are constants computed from the input's values, chosen so that the gradient at a kink
# is PyTorch's (e.g. hardswish'(-3) = -0.5, hardsigmoid'(+-3) = 0).
def _mask(cond):
    return _inplace.wrap(np.asarray(cond))


def _values(input):
    return _inplace.array(input)


def prelu(input, weight):
    """x if x > 0 else w x, with one learnable slope ``w`` per channel (dim 1) or one
    shared slope. Shapes: input (N, C, *) or any (shared); weight (C,) or (1,)."""
    require_tensor("prelu", input, "input", 1)
    require_tensor("prelu", weight, "weight", 2)
    if input.ndim == 0:
        raise RuntimeError("prelu: Not allow zero-dim input tensor.")
    n = weight.numel()
    if n != 1:
        channels = input.shape[1] if input.ndim >= 2 else 1
        if n != channels:
            raise RuntimeError(f"Mismatch of parameter numbers and input channel size. Found "
                               f"parameter numbers = {n} and channel size = {channels}.")
        w = weight.reshape(*((1, n) + (1,) * (input.ndim - 2)))
    else:
        w = weight.reshape(*((1,) * input.ndim)) if input.ndim else weight.reshape(())
    return autograd.where(_mask(_values(input) > 0), input, w * input)


def rrelu(input, lower=1.0 / 8, upper=1.0 / 3, training=False, inplace=False):
    """Randomised leaky ReLU: in training each non-positive element is multiplied by a
    slope drawn from U(lower, upper) (the engine's global generator); in eval the fixed
    slope (lower + upper) / 2 is used. Shape: any."""
    require_tensor("rrelu", input)
    lower = require_number("rrelu", "lower", lower)
    upper = require_number("rrelu", "upper", upper)
    require_bool("rrelu", "training", training)
    if lower > upper:
        raise ArgumentError(f"rrelu: Lower bound should be less than or equal to the upper "
                            f"bound, got lower={lower}, upper={upper}")
    if not training:
        return autograd.leaky_relu(input, (lower + upper) / 2)
    x = _values(input)
    # PyTorch draws one float64 U(lower, upper) slope per non-positive element, in order,
    # with the bounds first rounded to the input's dtype
    negative = x <= 0
    low, up = (float(np.asarray(v, x.dtype)) for v in (lower, upper))
    slopes = autograd.empty(int(negative.sum()), dtype=autograd.float64).uniform_(low, up)
    noise = np.ones_like(x)
    noise[negative] = slopes.numpy()
    return input * _inplace.wrap(noise)


def glu(input, dim=-1):
    """Gated linear unit: ``a * sigmoid(b)`` with ``a, b`` the two halves of ``input``
    along ``dim``. Shape: (*, 2n, *) -> (*, n, *)."""
    require_tensor("glu", input)
    dim = require_number("glu", "dim", dim, integral=True)
    if input.ndim == 0:
        raise RuntimeError("glu does not support scalars because halving size must be even")
    d = dim % input.ndim if -input.ndim <= dim < input.ndim else dim
    if not 0 <= d < input.ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-input.ndim}, {input.ndim - 1}], but got {dim})")
    if input.shape[d] % 2:
        raise RuntimeError(f"Halving dimension must be even, but dimension {d} is size "
                           f"{input.shape[d]}")
    a, b = input.chunk(2, d)
    return a * autograd.sigmoid(b)


def hardswish(input, inplace=False):
    """x * relu6(x + 3) / 6. Shape: any."""
    require_tensor("hardswish", input)
    x = _values(input)
    mid = autograd.where(_mask(x < 3), input * (input + 3) / 6, input)
    with np.errstate(invalid="ignore"):  # -0, and NaN at -inf (PyTorch)
        return autograd.where(_mask(x <= -3), input * 0, mid)


def hardsigmoid(input, inplace=False):
    """relu6(x + 3) / 6. Shape: any."""
    require_tensor("hardsigmoid", input)
    x = _values(input)
    inside = _mask((x > -3) & (x < 3))
    return autograd.where(inside, input / 6 + 0.5, _inplace.wrap((x >= 3).astype(x.dtype)))


def mish(input, inplace=False):
    """x * tanh(softplus(x)). Shape: any."""
    require_tensor("mish", input)
    return input * autograd.tanh(autograd.softplus(input))


def softsign(input):
    """x / (1 + |x|). Shape: any."""
    require_tensor("softsign", input)
    return input / (input.abs() + 1)


def tanhshrink(input):
    """x - tanh(x). Shape: any."""
    require_tensor("tanhshrink", input)
    return input - autograd.tanh(input)


def _check_lambd(op, lambd):
    lambd = require_number(op, "lambd", lambd)
    if lambd < 0:
        raise ArgumentError(f"{op}: lambda must be greater or equal to 0, but found to be "
                            f"{lambd}.")
    return lambd


def softshrink(input, lambd=0.5):
    """x - lambd if x > lambd, x + lambd if x < -lambd, else 0. Shape: any."""
    require_tensor("softshrink", input)
    lambd = _check_lambd("softshrink", lambd)
    x = _values(input)
    shift = _inplace.wrap(np.where(x > 0, lambd, -lambd).astype(x.dtype))
    return autograd.where(_mask(np.abs(x) > lambd), input - shift, 0.0)


def hardshrink(input, lambd=0.5):
    """x if |x| > lambd else 0. Shape: any."""
    require_tensor("hardshrink", input)
    lambd = require_number("hardshrink", "lambd", lambd)
    return autograd.where(_mask(np.abs(_values(input)) > lambd), input, 0.0)


def threshold(input, threshold, value, inplace=False):
    """x if x > threshold else value. Shape: any."""
    require_tensor("threshold", input)
    threshold = require_number("threshold", "threshold", threshold)
    value = require_number("threshold", "value", value)
    return autograd.where(_mask(_values(input) > threshold), input, float(value))


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (exp(x / alpha) - 1)). Shape: any."""
    require_tensor("celu", input)
    alpha = require_number("celu", "alpha", alpha)
    if alpha == 0:
        raise RuntimeError("ZeroDivisionError: celu: alpha must not be 0")
    pos = _mask(_values(input) > 0)
    neg = autograd.where(pos, 0.0, input)  # no exp overflow on the unused branch
    return autograd.where(pos, input, _ScaledExpm1.apply(neg, alpha, 1.0 / alpha))


class _ScaledExpm1(autograd.Function):
    """``coef * expm1(x * inv)`` with the derivative ``coef * inv * exp(x * inv)``
    computed directly, as PyTorch's ELU kernels (``expm1(x) + 1`` would lose every digit
    for very negative x). The backward is built from engine ops, so it is differentiable
    too."""

    @staticmethod
    def forward(ctx, x, coef, inv):
        ctx.save_for_backward(x)
        ctx.coef, ctx.inv = coef, inv
        return (x * inv).expm1() * coef

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ((x * ctx.inv).exp() * (ctx.coef * ctx.inv)), None, None


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def selu(input, inplace=False):
    """scale * elu(x, alpha) with SELU's constants. Shape: any."""
    require_tensor("selu", input)
    pos = _mask(_values(input) > 0)
    neg = autograd.where(pos, 0.0, input)
    return autograd.where(pos, input * _SELU_SCALE,
                          _ScaledExpm1.apply(neg, _SELU_ALPHA * _SELU_SCALE, 1.0))


# ------------------------------------------------------------ more normalisation
def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each (sample, channel) slice over its spatial dims (biased variance).

    With ``use_input_stats`` the per-instance statistics are used and, if running
    statistics are given, they are updated in place with the batch average of the
    instance means and *unbiased* variances (PyTorch's rule); otherwise the running
    statistics normalise. Shapes: input (N, C, *); running stats, weight, bias (C,).
    """
    op = "instance_norm"
    require_tensor(op, input)
    running_mean = optional_tensor(op, running_mean, "running_mean", 2)
    running_var = optional_tensor(op, running_var, "running_var", 3)
    weight = optional_tensor(op, weight, "weight", 4)
    bias = optional_tensor(op, bias, "bias", 5)
    require_bool(op, "use_input_stats", use_input_stats)
    momentum = require_number(op, "momentum", momentum)
    eps = require_number(op, "eps", eps)
    if input.ndim < 3:
        raise ValueError(f"instance_norm: expected input of shape (N, C, *) with at least one "
                         f"spatial dimension, got {tuple(input.shape)}")
    n, c = input.shape[:2]
    _check_norm_dtypes("instance_norm", input, running_mean, running_var, weight, bias,
                       float_first=True)
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != (c,):
            raise ShapeError(f"instance_norm: {name} should contain {c} elements not "
                             f"{t.numel()} (input of shape {tuple(input.shape)})")
    bshape = (1, c) + (1,) * (input.ndim - 2)
    if use_input_stats:
        dims = tuple(range(2, input.ndim))
        count = int(np.prod(input.shape[2:]))
        if count <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input "
                             f"size {list(input.shape)}")
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        var = (centered * centered).mean(dims, keepdim=True)
        out = centered * _rsqrt(var, eps)
        m = float(momentum)
        if running_mean is not None:
            with _inplace.writing(running_mean) as rm:
                rm *= (1 - m)
                rm += (m * _values(mean).reshape(n, c).mean(0)).astype(rm.dtype)
        if running_var is not None:
            unbiased = _values(var).reshape(n, c) * (count / (count - 1))
            with _inplace.writing(running_var) as rv:
                rv *= (1 - m)
                rv += (m * unbiased.mean(0)).astype(rv.dtype)
    else:
        if running_mean is None or running_var is None:
            raise ArgumentError("instance_norm: Expected running_mean and running_var to be "
                                "defined when use_input_stats is false")
        rm = _values(running_mean).reshape(bshape).astype(input.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            inv = 1.0 / np.sqrt(_values(running_var).reshape(bshape) + eps)
        out = (input - _inplace.wrap(rm)) * _inplace.wrap(inv.astype(input.dtype))
    if weight is not None:
        out = out * weight.reshape(*bshape)
    if bias is not None:
        out = out + bias.reshape(*bshape)
    return out


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the trailing ``normalized_shape``
    dims; ``eps=None`` is the machine epsilon of the input's dtype."""
    op = "rms_norm"
    require_tensor(op, input)
    normalized_shape = _int_shape(op, "normalized_shape", normalized_shape)
    weight = optional_tensor(op, weight, "weight", 3)
    k = len(normalized_shape)
    if input.ndim < k or tuple(input.shape[input.ndim - k:]) != normalized_shape:
        raise ShapeError(
            f"rms_norm: Given normalized_shape={list(normalized_shape)}, expected input with "
            f"shape [*, {', '.join(map(str, normalized_shape))}], but got input of size"
            f"{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != normalized_shape:
        raise ShapeError(f"rms_norm: Expected weight to be of same shape as normalized_shape, "
                         f"but got weight of shape {tuple(weight.shape)} and normalized_shape "
                         f"= {normalized_shape}")
    if not input.is_floating_point():
        raise RuntimeError(f"rms_norm: expected a floating-point input, got {input.dtype}")
    if eps is None:
        eps = float(np.finfo(input.dtype).eps)
    eps = require_number(op, "eps", eps)
    dims = tuple(range(input.ndim - k, input.ndim))
    out = input * _rsqrt((input * input).mean(dims, keepdim=True), eps)
    if weight is not None:
        out = out * weight
    return out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """``x / (k + alpha * mean of x^2 over a window of ``size`` neighbouring channels)^beta``
    (the window is centred, zero-padded at the ends). Shape: (N, C, *) -> same."""
    op = "local_response_norm"
    require_tensor(op, input)
    size = require_number(op, "size", size, integral=True)
    if input.ndim < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.ndim} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    c = input.shape[1]
    sq = autograd.pad(input * input, (0, 0) * (input.ndim - 2) + (size // 2, (size - 1) // 2))
    total = sq.narrow(1, 0, c)
    for j in range(1, size):
        total = total + sq.narrow(1, j, c)
    div = (total * (alpha / size) + k) ** beta
    return input / div


# ---------------------------------------------------------------------- padding
_PAD_MODES = ("constant", "reflect", "replicate", "circular")


def _pad_indices(n, before, after, mode):
    """Source index of every output position along a dim of size ``n``."""
    i = np.arange(-before, n + after)
    if mode == "reflect":
        period = 2 * (n - 1)
        i = np.abs(i) % period if period else np.zeros_like(i)
        i = np.where(i > n - 1, period - i, i)
    elif mode == "replicate":
        i = np.clip(i, 0, n - 1)
    else:  # circular
        i = i % n
    return i.astype(np.int64)


def _pad_nonconstant(input, pad, mode, value):
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    pad = tuple(require_number("pad", "pad", p, integral=True) for p in pad)
    k = len(pad) // 2
    if len(pad) % 2 or k not in (1, 2, 3) or input.ndim not in (k + 1, k + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for i in range(k):
        dim = input.ndim - 1 - i
        before, after = pad[2 * i], pad[2 * i + 1]
        if before < 0 or after < 0:  # crop first, then pad what is left (PyTorch's order)
            n = out.shape[dim]
            start, stop = max(-before, 0), n - max(-after, 0)
            if stop < start:
                raise RuntimeError(f"pad: padding ({before}, {after}) at dimension {dim} "
                                   f"leaves a negative size (input {list(input.shape)})")
            out = out.narrow(dim, start, stop - start)
            before, after = max(before, 0), max(after, 0)
        n = out.shape[dim]
        if mode == "reflect" and (before >= n or after >= n):
            raise RuntimeError(f"Argument #4: Padding size should be less than the "
                               f"corresponding input dimension, but got: padding ({before}, "
                               f"{after}) at dimension {dim} of input {list(input.shape)}")
        if mode == "circular" and (before > n or after > n):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        if n + before + after < 0 or (n == 0 and before + after > 0):
            raise RuntimeError(f"pad: input of shape {list(input.shape)} cannot be padded by "
                               f"({before}, {after}) at dimension {dim} in {mode} mode")
        if before == 0 and after == 0:
            continue
        idx = _pad_indices(n, before, after, mode)
        out = autograd.index_select(out, dim, _inplace.wrap(idx))
    return out


def pad(input, pad, mode="constant", value=None):
    """Pad the trailing dims: ``pad = (last_before, last_after, ...)``. Modes
    ``'constant'`` (with ``value``, any number of dims; negative pads crop), and
    ``'reflect'`` / ``'replicate'`` / ``'circular'`` for the last 1, 2 or 3 dims of a
    (batched or unbatched) input, built from index_select so gradients of any order work."""
    if mode == "constant":
        return autograd.pad(input, pad, mode, value)
    if mode not in _PAD_MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    require_tensor("pad", input)
    return _pad_nonconstant(input, pad, mode, value)


# ------------------------------------------------------------------- resampling
def _scale_value(scale, n_in, n_out, dtype):
    """PyTorch's ``compute_scales_value``: 1/scale_factor when given, else in/out."""
    if scale is not None and scale > 0:
        return dtype(1.0 / scale)
    return dtype(n_in) / dtype(n_out)


def _nearest_indices(n_in, n_out, scale, exact):
    if not exact and n_out == n_in:
        return np.arange(n_out, dtype=np.int64)
    if not exact and n_out == 2 * n_in:
        return np.arange(n_out, dtype=np.int64) >> 1
    s = _scale_value(scale, n_in, n_out, np.float32)
    dst = np.arange(n_out)
    if exact:
        src = np.floor(((dst + 0.5) * np.float64(s)).astype(np.float32))
    else:
        src = np.floor(dst.astype(np.float32) * s)
    return np.minimum(src.astype(np.int64), n_in - 1)


def _linear_matrix(n_in, n_out, scale, align_corners, cubic, dtype):
    """The (n_out, n_in) matrix of PyTorch's linear / cubic (A = -0.75) interpolation
    weights along one dim (PyTorch's source-index and clamping rules)."""
    t = np.dtype(dtype).type
    if align_corners:
        s = t(n_in - 1) / t(n_out - 1) if n_out > 1 else t(0)
    else:
        s = _scale_value(scale, n_in, n_out, t)
    dst = np.arange(n_out).astype(dtype)
    if align_corners:
        real = s * dst
    else:
        real = s * (dst + t(0.5)) - t(0.5)
        if not cubic:
            real = np.maximum(real, t(0))
    w = np.zeros((n_out, n_in), dtype=dtype)
    rows = np.arange(n_out)
    floor = np.floor(real.astype(np.float32)).astype(np.int64)  # PyTorch's floorf
    if not cubic:
        i0 = np.minimum(floor, n_in - 1)
        lam = np.clip(real - i0.astype(dtype), 0, 1).astype(dtype)
        i1 = i0 + (i0 < n_in - 1)
        np.add.at(w, (rows, i0), t(1) - lam)
        np.add.at(w, (rows, i1), lam)
        return w
    x = (real - floor.astype(dtype)).astype(dtype)
    a = t(-0.75)

    def conv1(v):
        return ((a + 2) * v - (a + 3)) * v * v + 1

    def conv2(v):
        return ((a * v - 5 * a) * v + 8 * a) * v - 4 * a

    coeffs = (conv2(x + t(1)), conv1(x), conv1(t(1) - x), conv2(t(1) - x + t(1)))
    for j, cj in enumerate(coeffs):
        np.add.at(w, (rows, np.clip(floor - 1 + j, 0, n_in - 1)), cj.astype(dtype))
    return w


_INTERP_DIMS = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resample the spatial dims of (N, C, *spatial) ``input`` to ``size`` or by
    ``scale_factor`` (PyTorch's rules and numbers).

    Modes: ``'nearest'`` and ``'nearest-exact'`` (1-3 spatial dims), ``'linear'`` (3-D
    input), ``'bilinear'`` / ``'bicubic'`` (4-D), ``'trilinear'`` (5-D), ``'area'``
    (adaptive average pooling, 3-D or 4-D). Linear and cubic modes multiply each
    spatial dim by a constant interpolation matrix, nearest modes gather with
    index_select, so gradients of any order work. ``antialias`` is not supported.
    """
    op = "interpolate"
    require_tensor(op, input)
    if mode in ("nearest", "area", "nearest-exact"):
        if align_corners is not None:
            raise ValueError("align_corners option can only be set with the interpolating "
                             "modes: linear | bilinear | bicubic | trilinear")
    elif align_corners is None:
        align_corners = False
    dim = input.ndim - 2
    scale_factors = output_size = None
    if size is not None and scale_factor is not None:
        raise ValueError("only one of size or scale_factor should be defined")
    if size is not None:
        if isinstance(size, (list, tuple)):
            if len(size) != dim:
                raise ValueError(
                    f"Input and output must have the same number of spatial dimensions, but "
                    f"got input with spatial dimensions of {list(input.shape[2:])} and output "
                    f"size of {size}. Please provide input tensor in (N, C, d1, d2, ...,dK) "
                    f"format and output size in (o1, o2, ...,oK) format.")
            output_size = [require_number(op, "size", s, integral=True) for s in size]
        else:
            output_size = [require_number(op, "size", size, integral=True)] * dim
    elif scale_factor is not None:
        if isinstance(scale_factor, (list, tuple)):
            if len(scale_factor) != dim:
                raise ValueError(
                    f"Input and scale_factor must have the same number of spatial dimensions, "
                    f"but got input with spatial dimensions of {list(input.shape[2:])} and "
                    f"scale_factor of shape {scale_factor}. Please provide input tensor in (N, "
                    f"C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.")
            scale_factors = [float(require_number(op, "scale_factor", s)) for s in scale_factor]
        else:
            scale_factors = [float(require_number(op, "scale_factor", scale_factor))] * dim
    else:
        raise ValueError("either size or scale_factor should be defined")
    if recompute_scale_factor and size is not None:
        raise ValueError("recompute_scale_factor is not meaningful with an explicit size.")
    if mode == "area" and output_size is None:
        recompute_scale_factor = True
    if scale_factors is not None:
        output_size = [int(math.floor(float(input.shape[i + 2]) * scale_factors[i]))
                       for i in range(dim)]
        if recompute_scale_factor:
            scale_factors = None
    if scale_factors is None:
        scale_factors = [None] * dim
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported")
    valid = ("nearest", "nearest-exact", "area") + tuple(_INTERP_DIMS)
    if mode not in valid or input.ndim not in (3, 4, 5):
        raise NotImplementedError(
            f"Input Error: Only 3D, 4D and 5D input Tensors supported (got {input.ndim}D) for "
            f"the modes: nearest | linear | bilinear | bicubic | trilinear | area | "
            f"nearest-exact (got {mode})")
    if mode in _INTERP_DIMS and input.ndim != _INTERP_DIMS[mode]:
        raise NotImplementedError(f"Got {input.ndim}D input, but {mode} mode needs "
                                  f"{_INTERP_DIMS[mode]}D input")
    if any(s <= 0 for s in output_size) or any(s <= 0 for s in input.shape[2:]):
        raise RuntimeError(f"Input and output sizes should be greater than 0, but got input "
                           f"({', '.join(map(str, input.shape[2:]))}) and output "
                           f"({', '.join(map(str, output_size))})")
    if mode == "area":
        if input.ndim == 3:
            return adaptive_avg_pool1d(input, output_size[0])
        if input.ndim == 4:
            return adaptive_avg_pool2d(input, tuple(output_size))
        raise NotImplementedError("interpolate: mode 'area' supports 3-D and 4-D inputs only")
    out = input
    for i in range(dim):
        d = i + 2
        n_in, n_out = input.shape[d], output_size[i]
        if mode in ("nearest", "nearest-exact"):
            idx = _nearest_indices(n_in, n_out, scale_factors[i], mode == "nearest-exact")
            if n_in != n_out or mode == "nearest-exact":
                out = autograd.index_select(out, d, _inplace.wrap(idx))
            continue
        if not input.is_floating_point():
            raise no_kernel(f"upsample_{mode}", input.dtype)
        w = _linear_matrix(n_in, n_out, scale_factors[i], align_corners, mode == "bicubic",
                           _values(input).dtype)
        moved = out.transpose(d, -1)
        out = autograd.matmul(moved, _inplace.wrap(np.ascontiguousarray(w.T))).transpose(d, -1)
    return out


def upsample(input, size=None, scale_factor=None, mode="nearest", align_corners=None):
    """Deprecated alias of ``interpolate`` (PyTorch's ``F.upsample``)."""
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input, size=None, scale_factor=None):
    """``interpolate(..., mode='nearest')`` (deprecated in PyTorch)."""
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input, size=None, scale_factor=None):
    """``interpolate(..., mode='bilinear', align_corners=True)`` (deprecated in PyTorch)."""
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r)."""
    require_tensor("pixel_shuffle", input)
    r = require_number("pixel_shuffle", "upscale_factor", upscale_factor, integral=True)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_shuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_shuffle expects a positive upscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise RuntimeError(f"pixel_shuffle expects its input's 'channel' dimension to be "
                           f"divisible by the square of upscale_factor, but input.size(-3)={c} "
                           f"is not divisible by {r * r}")
    b = len(lead)
    x = input.reshape(*lead, c // (r * r), r, r, h, w)
    x = x.permute(*range(b), b, b + 3, b + 1, b + 4, b + 2)
    return x.reshape(*lead, c // (r * r), h * r, w * r)


def pixel_unshuffle(input, downscale_factor):
    """(*, C, H r, W r) -> (*, C r^2, H, W)."""
    require_tensor("pixel_unshuffle", input)
    r = require_number("pixel_unshuffle", "downscale_factor", downscale_factor, integral=True)
    if input.ndim < 3:
        raise RuntimeError(f"pixel_unshuffle expects input to have at least 3 dimensions, but "
                           f"got input with {input.ndim} dimension(s)")
    if r <= 0:
        raise RuntimeError(f"pixel_unshuffle expects a positive downscale_factor, but got {r}")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        which, size = ("height", h) if h % r else ("width", w)
        raise RuntimeError(f"pixel_unshuffle expects {which} to be divisible by "
                           f"downscale_factor, but input.size({-2 if which == 'height' else -1})"
                           f"={size} is not divisible by {r}")
    b = len(lead)
    x = input.reshape(*lead, c, h // r, r, w // r, r)
    x = x.permute(*range(b), b, b + 2, b + 4, b + 1, b + 3)
    return x.reshape(*lead, c * r * r, h // r, w // r)
